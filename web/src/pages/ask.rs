//! `/ask`: Ask.

use leptos::prelude::*;

/// The Ask page.
#[component]
pub fn AskPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Ask"</h1>
        </section>
    }
}
