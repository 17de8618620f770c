//! `/risks`: Risks.

use leptos::prelude::*;

/// The Risks page.
#[component]
pub fn RisksPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Risks"</h1>
        </section>
    }
}
