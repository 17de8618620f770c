//! `CfdChart`: cumulative flow, one band per workflow stage.

use leptos::prelude::*;

use super::geometry::{self, Margins};
use super::scale::{self, LinearScale};

/// A cumulative flow diagram with a legend.
#[component]
pub fn CfdChart(
    /// Stage names, in workflow order.
    stages: Vec<String>,
    /// `cumulative[stage][day]`: items that reached the stage or a later one.
    cumulative: Vec<Vec<f64>>,
    /// Accessible title.
    #[prop(into)]
    title: String,
    /// Width of the drawing.
    #[prop(default = 560.0)]
    width: f64,
    /// Height of the drawing.
    #[prop(default = 220.0)]
    height: f64,
) -> impl IntoView {
    let margins = Margins::AXES;
    let y_max = cumulative.first().map_or(1.0, |top| top.iter().copied().fold(1.0_f64, f64::max));
    let ticks = scale::nice_ticks(0.0, y_max, 4);
    let y_top = ticks.last().copied().unwrap_or(y_max);
    let y = LinearScale::new((0.0, y_top), (height - margins.bottom, margins.top));
    let bands = geometry::cumulative_bands(&cumulative, width, height, margins, y_top);
    let tick_marks = ticks
        .into_iter()
        .map(|tick| {
            let ty = y.map(tick);
            view! { <text x=margins.left - 4.0 y=ty + 4.0 text-anchor="end">{scale::tick_label(tick)}</text> }
        })
        .collect_view();
    let paths = bands
        .into_iter()
        .enumerate()
        .map(|(idx, path)| {
            let colour = super::PALETTE[idx % super::PALETTE.len()];
            view! { <path d=path fill=colour fill-opacity="0.75" stroke=colour></path> }
        })
        .collect_view();
    let legend = stages
        .into_iter()
        .enumerate()
        .map(|(idx, stage)| {
            let colour = super::PALETTE[idx % super::PALETTE.len()];
            view! {
                <li>
                    <span class="swatch" style=format!("background:{colour}")></span>
                    {stage}
                </li>
            }
        })
        .collect_view();
    let aria_label = title.clone();
    view! {
        <figure class="cfd">
            <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=aria_label>
                <title>{title}</title>
                {tick_marks}
                {paths}
            </svg>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}
