//! Delivery analytics for engineering directors, over JIRA data.
//!
//! `director_core` is pure: it does no I/O, reads no clock and draws no OS
//! randomness. Every function takes its inputs (a [`model::Dataset`], an
//! `as_of` date, a seed) and returns plain data, so the same code gives the same
//! answers in the browser (WASM), in the proxy and in the CLI.
//!
//! Reading order: [`model`] (the types), [`ingest`] (JIRA JSON → model), the
//! analytics ([`stats`], [`flow`], [`velocity`], [`quality`], [`forecast`],
//! [`whatif`], [`risk`], [`alerts`], [`summary`], [`ask`]), then [`api`]
//! (wire types shared by proxy and dashboard).

#![deny(missing_docs)]

pub mod alerts;
pub mod api;
pub mod ask;
pub mod flow;
pub mod forecast;
mod hash;
pub mod ingest;
pub mod model;
mod par;
pub mod quality;
pub mod risk;
pub mod rng;
pub mod sort;
pub mod stats;
pub mod summary;
pub mod velocity;
pub mod whatif;
