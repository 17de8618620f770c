//! `BarChart`: labelled vertical bars with a y axis (velocity, throughput).

use leptos::prelude::*;

use super::axis::YAxis;
use super::geometry::{self, Margins};
use super::scale;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Label under the bar (shown for a few bars only when crowded).
    pub label: String,
    /// Height value.
    pub value: f64,
}

/// A bar chart with a y axis; each bar's value shows on hover or tap.
#[component]
pub fn BarChart(
    /// The bars, left to right.
    #[prop(into)]
    bars: Signal<Vec<Bar>>,
    /// Accessible title.
    #[prop(into)]
    title: String,
    /// Width of the drawing (it scales down with the page).
    #[prop(default = 560.0)]
    width: f64,
    /// Height of the drawing.
    #[prop(default = 200.0)]
    height: f64,
) -> impl IntoView {
    let layout = move || {
        bars.with(|bars| {
            let values: Vec<f64> = bars.iter().map(|bar| bar.value).collect();
            let max = values.iter().copied().fold(0.0_f64, f64::max);
            let axis = YAxis::new(max, height, Margins::AXES, 4);
            let rects = geometry::bars(&values, width, height, Margins::AXES, 2.0, axis.top());
            (bars.clone(), rects, axis)
        })
    };
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {width} {height}")
            role="img"
            aria-label=title.clone()
            preserveAspectRatio="xMidYMid meet"
        >
            <title>{title.clone()}</title>
            {move || {
                let (bars, rects, axis) = layout();
                let label_every = (bars.len() / 6).max(1);
                let tick_marks = axis.markup(Margins::AXES.left, width - Margins::AXES.right, scale::tick_label);
                let bar_marks = bars
                    .into_iter()
                    .zip(rects)
                    .enumerate()
                    .map(|(idx, (bar, rect))| {
                        let show_label = idx % label_every == 0;
                        view! {
                            <g class="bar" tabindex="0">
                                <rect
                                    x=rect.x
                                    y=rect.y
                                    width=rect.width
                                    height=rect.height
                                    fill=super::PALETTE[0]
                                >
                                    <title>{format!("{}: {}", bar.label, scale::tick_label(bar.value))}</title>
                                </rect>
                                {show_label
                                    .then(|| {
                                        view! {
                                            <text
                                                x=rect.x + rect.width / 2.0
                                                y=height - 6.0
                                                text-anchor="middle"
                                            >
                                                {bar.label.clone()}
                                            </text>
                                        }
                                    })}
                            </g>
                        }
                    })
                    .collect_view();
                view! { <g inner_html=tick_marks></g> {bar_marks} }
            }}
        </svg>
    }
}
