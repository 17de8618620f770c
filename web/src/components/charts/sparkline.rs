//! `Sparkline`: a tiny line of recent values (weekly throughput on a card).

use leptos::prelude::*;

use super::geometry;

/// A sparkline filling its box.
#[component]
pub fn Sparkline(
    /// The values, oldest first.
    #[prop(into)]
    values: Signal<Vec<f64>>,
    /// Accessible description, such as "throughput, last 12 weeks".
    #[prop(into)]
    label: String,
    /// Width in pixels.
    #[prop(default = 120.0)]
    width: f64,
    /// Height in pixels.
    #[prop(default = 28.0)]
    height: f64,
) -> impl IntoView {
    let path = move || values.with(|values| geometry::sparkline(values, width, height));
    let title = {
        let label = label.clone();
        move || {
            values.with(|values| {
                let list: Vec<String> = values.iter().map(|value| format!("{value}")).collect();
                format!("{label}: {}", list.join(", "))
            })
        }
    };
    view! {
        <svg
            class="sparkline"
            viewBox=format!("0 0 {width} {height}")
            width=width
            height=height
            role="img"
            aria-label=label
        >
            <title>{title}</title>
            <path d=path fill="none" stroke=super::PALETTE[0] stroke-width="1.5"></path>
        </svg>
    }
}
