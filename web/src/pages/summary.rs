//! `/summary`: Summary.

use leptos::prelude::*;

/// The Summary page.
#[component]
pub fn SummaryPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Summary"</h1>
        </section>
    }
}
