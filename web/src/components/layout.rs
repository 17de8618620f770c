//! `Shell`: the frame around every page: navigation, the "data as of" line,
//! the staleness banner and notices.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::freshness;
use crate::route::Page;
use crate::state::{local_offset_minutes, use_data, Phase};

/// The layout shell.
#[component]
pub fn Shell(
    /// The routed page.
    children: Children,
) -> impl IntoView {
    let data = use_data();
    let age = move || {
        let now = data.now.get();
        data.snapshot.with(|snapshot| snapshot.age(now))
    };
    let age_text = move || match data.phase.get() {
        Phase::OpeningCache => "opening cache…".to_owned(),
        _ => freshness::data_as_of_text(age()),
    };
    let banner = move || {
        let outage = data.outage.get();
        freshness::banner(
            age(),
            outage.as_ref(),
            freshness::DEFAULT_FRESH_FOR,
            local_offset_minutes(),
        )
    };
    view! {
        <header class="top">
            <a class="brand" href="/">"ClaudeDirector"</a>
            <nav aria-label="Main">
                <ul>
                    {Page::NAV
                        .iter()
                        .map(|page| {
                            view! {
                                <li>
                                    <A href=page.path()>{page.title()}</A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <p class="data-age" data-testid="data-age" aria-live="polite">
                {age_text}
            </p>
        </header>
        {move || {
            banner()
                .map(|text| {
                    view! {
                        <div class="banner stale" data-testid="stale-banner" role="status">
                            {text}
                        </div>
                    }
                })
        }}
        {move || {
            data.notice
                .get()
                .map(|text| {
                    view! {
                        <div class="banner notice" role="status">
                            {text}
                            <button
                                type="button"
                                aria-label="Dismiss"
                                on:click=move |_| data.notice.set(None)
                            >
                                "×"
                            </button>
                        </div>
                    }
                })
        }}
        <main>{children()}</main>
    }
}
