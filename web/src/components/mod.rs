//! Reusable widgets: the layout shell and the SVG charts.

pub mod charts;

#[cfg(target_arch = "wasm32")]
pub mod layout;
