//! Charts as SVG components. Geometry (scales, ticks, paths, bins) lives in
//! the pure `scale` and `geometry` modules, tested natively; the components
//! only lay out what those return.

pub mod axis;
pub mod burnup;
pub mod export;
pub mod geometry;
pub mod graph;
pub mod histogram;
pub mod scale;

#[cfg(target_arch = "wasm32")]
pub mod bar_chart;
#[cfg(target_arch = "wasm32")]
pub mod cfd_chart;
#[cfg(target_arch = "wasm32")]
pub mod scatter_chart;
#[cfg(target_arch = "wasm32")]
pub mod sparkline;
#[cfg(target_arch = "wasm32")]
pub mod velocity_chart;

/// Colour-blind-safe palette (Okabe–Ito), in the order series use it.
pub const PALETTE: [&str; 6] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
