//! The page for paths no route matches.

use leptos::prelude::*;

use crate::route::Page;

/// "No such page", with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section>
            <h1>"No such page"</h1>
            <p>
                <a href=Page::Overview.path()>"Back to the overview"</a>
            </p>
        </section>
    }
}
