//! `/forecast`: Forecast.

use leptos::prelude::*;

/// The Forecast page.
#[component]
pub fn ForecastPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Forecast"</h1>
        </section>
    }
}
