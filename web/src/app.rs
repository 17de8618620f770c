//! `App`: the router, the route table, the layout shell and the context
//! providers. Pages live in `pages`, one module per route.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::layout::Shell;
use crate::pages;
use crate::state::DataCtx;

/// The dashboard.
#[component]
pub fn App() -> impl IntoView {
    let data = DataCtx::provide();
    data.start();
    // Paths here mirror `route::Page::path`; the `path!` macro needs literals.
    view! {
        <Router>
            <Shell>
                <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
                    <Route path=path!("/") view=pages::overview::Overview/>
                    <Route path=path!("/team/:name") view=pages::team::TeamPage/>
                    <Route path=path!("/forecast") view=pages::forecast::ForecastPage/>
                    <Route path=path!("/risks") view=pages::risks::RisksPage/>
                    <Route path=path!("/alerts") view=pages::alerts::AlertsPage/>
                    <Route path=path!("/summary") view=pages::summary::SummaryPage/>
                    <Route path=path!("/ask") view=pages::ask::AskPage/>
                    <Route path=path!("/settings") view=pages::settings::SettingsPage/>
                </Routes>
            </Shell>
        </Router>
    }
}
