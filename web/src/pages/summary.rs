//! `/summary`: the week's executive summary from `director_core::summary`,
//! copyable as Markdown and print-ready (the print style sheet drops the
//! navigation, so "Print → Save as PDF" gives a clean page).

use director_core::summary::{self, render, IsoWeek, SummaryOptions};
use leptos::prelude::*;

use crate::state::use_data;

/// The executive summary page.
#[component]
pub fn SummaryPage() -> impl IntoView {
    let data = use_data();
    let last_full_week = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let markdown = Memo::new(move |_| {
        let dataset = data.dataset.get();
        if dataset.teams.is_empty() {
            return None;
        }
        let now = data.now.get_untracked();
        let week = if last_full_week.get() {
            IsoWeek::last_full_before(now)
        } else {
            IsoWeek::containing(now.date_naive())
        };
        let summary = summary::executive_summary(&dataset, week, now, &SummaryOptions::default());
        Some(render::markdown(&summary))
    });
    let copy = move |_| {
        let Some(text) = markdown.get_untracked() else { return };
        let Some(window) = web_sys::window() else { return };
        let _ = window.navigator().clipboard().write_text(&text);
        message.set(Some("copied as Markdown".to_owned()));
    };
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <section class="summary-page">
            <h1>"Executive summary"</h1>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| last_full_week.update(|last| *last = !*last)>
                    {move || if last_full_week.get() { "Show this week so far" } else { "Show last full week" }}
                </button>
                <button type="button" on:click=copy>"Copy as Markdown"</button>
                <button type="button" on:click=print>"Print"</button>
            </div>
            <p role="status">{move || message.get()}</p>
            {move || match markdown.get() {
                Some(text) => view! { <article class="summary" data-testid="summary">{text}</article> }.into_any(),
                None => view! { <p class="empty">"Waiting for data…"</p> }.into_any(),
            }}
        </section>
    }
}
