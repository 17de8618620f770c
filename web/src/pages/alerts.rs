//! `/alerts`: Alerts.

use leptos::prelude::*;

/// The Alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Alerts"</h1>
        </section>
    }
}
