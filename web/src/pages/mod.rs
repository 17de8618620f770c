//! One module per route of `route::Page`.

pub mod alerts;
pub mod ask;
pub mod forecast;
pub mod not_found;
pub mod overview;
pub mod risks;
pub mod settings;
pub mod summary;
pub mod team;
