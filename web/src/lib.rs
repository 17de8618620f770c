//! The ClaudeDirector dashboard: a Leptos CSR single-page app that renders
//! from its IndexedDB cache at once, asks the proxy for what changed, and runs
//! the analytics of `director_core` in the browser.
//!
//! Reading order: `route` (the pages), `snapshot` (the data held),
//! `freshness` (how old it is), then the browser-only modules: `error`,
//! `api` (the proxy client), `cache` (IndexedDB), `state` (the reactive
//! context), `app`, `pages` and `components`. Pure modules compile natively
//! so their tests run with `cargo test -p director-web`.

pub mod components;
pub mod contrast;
pub mod dates;
pub mod error;
pub mod freshness;
pub mod route;
pub mod snapshot;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod cache;
#[cfg(target_arch = "wasm32")]
pub mod pages;
#[cfg(target_arch = "wasm32")]
pub mod state;
