//! `ScatterChart`: points with optional horizontal reference lines (cycle
//! times with their 50/85/95th percentiles; aging work in progress).

use leptos::prelude::*;

use super::axis::YAxis;
use super::geometry::{self, Margins};
use super::scale::tick_label;

/// One point; `label` shows on hover or tap.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Horizontal value.
    pub x: f64,
    /// Vertical value.
    pub y: f64,
    /// Details for the point.
    pub label: String,
}

/// A labelled horizontal line, such as "85%: 9 d".
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// Label at the right end.
    pub label: String,
    /// Height.
    pub y: f64,
}

/// A scatter chart with a y axis and reference lines.
#[component]
pub fn ScatterChart(
    /// The points.
    points: Vec<Point>,
    /// Horizontal reference lines.
    lines: Vec<RefLine>,
    /// Horizontal domain.
    x_domain: (f64, f64),
    /// Accessible title.
    #[prop(into)]
    title: String,
    /// Label of the x axis.
    #[prop(into)]
    x_label: String,
    /// Width of the drawing.
    #[prop(default = 560.0)]
    width: f64,
    /// Height of the drawing.
    #[prop(default = 220.0)]
    height: f64,
) -> impl IntoView {
    let margins = Margins::AXES;
    let y_max = points
        .iter()
        .map(|point| point.y)
        .chain(lines.iter().map(|line| line.y))
        .fold(0.0_f64, f64::max);
    let axis = YAxis::new(y_max, height, margins, 4);
    let y = axis.scale;
    let positions = geometry::scatter(
        &points.iter().map(|point| (point.x, point.y)).collect::<Vec<_>>(),
        x_domain,
        (0.0, axis.top()),
        width,
        height,
        margins,
    );
    let tick_marks = axis.markup(margins.left, width - margins.right, tick_label);
    let line_marks = lines
        .into_iter()
        .enumerate()
        .map(|(idx, line)| {
            let ly = y.map(line.y);
            let colour = super::PALETTE[(idx + 1) % super::PALETTE.len()];
            view! {
                <g class="ref-line">
                    <line
                        x1=margins.left
                        x2=width - margins.right
                        y1=ly
                        y2=ly
                        stroke=colour
                        stroke-dasharray="4 3"
                    ></line>
                    <text x=width - margins.right y=ly - 3.0 text-anchor="end" fill=colour>{line.label}</text>
                </g>
            }
        })
        .collect_view();
    let dots = points
        .into_iter()
        .zip(positions)
        .map(|(point, (cx, cy))| {
            view! {
                <circle cx=cx cy=cy r="3" fill=super::PALETTE[0] fill-opacity="0.6" tabindex="0">
                    <title>{point.label}</title>
                </circle>
            }
        })
        .collect_view();
    let aria_label = title.clone();
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=aria_label>
            <title>{title}</title>
            <g inner_html=tick_marks></g>
            {line_marks}
            {dots}
            <text x=(margins.left + width - margins.right) / 2.0 y=height - 6.0 text-anchor="middle">
                {x_label}
            </text>
        </svg>
    }
}
