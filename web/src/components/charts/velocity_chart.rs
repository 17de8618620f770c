//! `VelocityChart`: committed against completed points per sprint.

use leptos::prelude::*;

use super::axis::YAxis;
use super::geometry::{self, Margins};
use super::scale::tick_label;

/// One sprint's commitment and delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct SprintBar {
    /// Sprint name.
    pub name: String,
    /// Points committed at the start.
    pub committed: f64,
    /// Points completed.
    pub completed: f64,
}

/// Paired bars per sprint with a legend.
#[component]
pub fn VelocityChart(
    /// Sprints, oldest first.
    sprints: Vec<SprintBar>,
    /// Accessible title.
    #[prop(into)]
    title: String,
    /// Width of the drawing.
    #[prop(default = 560.0)]
    width: f64,
    /// Height of the drawing.
    #[prop(default = 200.0)]
    height: f64,
) -> impl IntoView {
    let margins = Margins::AXES;
    let committed: Vec<f64> = sprints.iter().map(|sprint| sprint.committed).collect();
    let completed: Vec<f64> = sprints.iter().map(|sprint| sprint.completed).collect();
    let max = committed.iter().chain(&completed).copied().fold(0.0_f64, f64::max);
    let axis = YAxis::new(max, height, margins, 4);
    let rects =
        geometry::grouped_bars(&[committed, completed], width, height, margins, 6.0, axis.top());
    let tick_marks = axis.markup(margins.left, width - margins.right, tick_label);
    let label_every = (sprints.len() / 4).max(1);
    let bars = rects
        .into_iter()
        .enumerate()
        .flat_map(|(series, rects)| rects.into_iter().enumerate().map(move |(slot, rect)| (series, slot, rect)))
        .map(|(series, slot, rect)| {
            let sprint = &sprints[slot];
            let (what, value) =
                if series == 0 { ("committed", sprint.committed) } else { ("completed", sprint.completed) };
            let label = (series == 0 && slot % label_every == 0).then(|| sprint.name.clone());
            view! {
                <g class="bar" tabindex="0">
                    <rect x=rect.x y=rect.y width=rect.width height=rect.height fill=super::PALETTE[series]>
                        <title>{format!("{}: {value:.0} points {what}", sprint.name)}</title>
                    </rect>
                    {label.map(|name| view! { <text x=rect.x y=height - 6.0>{name}</text> })}
                </g>
            }
        })
        .collect_view();
    let aria_label = title.clone();
    view! {
        <figure class="cfd">
            <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=aria_label>
                <title>{title}</title>
                <g inner_html=tick_marks></g>
                {bars}
            </svg>
            <ul class="legend">
                <li><span class="swatch" style=format!("background:{}", super::PALETTE[0])></span>"Committed"</li>
                <li><span class="swatch" style=format!("background:{}", super::PALETTE[1])></span>"Completed"</li>
            </ul>
        </figure>
    }
}
