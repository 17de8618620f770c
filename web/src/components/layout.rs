//! `Shell`: the frame around every page: a skip link, navigation, the "data
//! as of" line, the staleness banner and notices, then the page in `<main>`.

use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::freshness;
use crate::route::Page;
use crate::state::{local_offset_minutes, use_data, Phase};

/// Id of `<main>`, the skip link's target.
const MAIN_ID: &str = "main";

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
        freshness::banner(age(), outage.as_ref(), data.fresh_for.get(), local_offset_minutes())
    };
    // The router would treat `#main` as a navigation; moving focus by hand
    // keeps the skip link a pure keyboard shortcut.
    let skip_to_main = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let main = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id(MAIN_ID));
        if let Some(main) = main.and_then(|main| main.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip-link" href=format!("#{MAIN_ID}") data-testid="skip-link" on:click=skip_to_main>
            "Skip to content"
        </a>
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
        <main id=MAIN_ID tabindex="-1">{children()}</main>
    }
}
