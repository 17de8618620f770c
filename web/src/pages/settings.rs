//! `/settings`: how fresh the data is, what syncing costs, refresh now, and
//! resetting the local cache.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Client;
use crate::cache::Cache;
use crate::freshness;
use crate::state::use_data;

/// The settings and sync status page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let data = use_data();
    let (message, set_message) = signal(None::<String>);
    let refresh_now = move |_| {
        set_message.set(Some("asking the server to sync with JIRA…".to_owned()));
        spawn_local(async move {
            match Client::default().refresh().await {
                Ok(()) => set_message.set(Some("sync requested".to_owned())),
                Err(err) => set_message.set(Some(err.to_string())),
            }
            data.refresh();
        });
    };
    let reset_cache = move |_| {
        spawn_local(async move {
            let res = match Cache::open().await {
                Ok(cache) => cache.clear().await,
                Err(err) => Err(err),
            };
            match res {
                Ok(()) => set_message
                    .set(Some("local cache cleared; reload to refetch everything".to_owned())),
                Err(err) => set_message.set(Some(err.to_string())),
            }
        });
    };
    let status_rows = move || {
        data.sync_status.get().map(|status| {
            let calls: Vec<String> =
                status.calls_today.iter().map(|count| format!("{} {}", count.calls, count.purpose)).collect();
            let calls = if calls.is_empty() { "none".to_owned() } else { calls.join(", ") };
            let age = status
                .data_age_seconds
                .map(|seconds| freshness::describe_age(chrono::Duration::seconds(seconds)))
                .unwrap_or_else(|| "never synced".to_owned());
            view! {
                <dl class="status" data-testid="sync-status">
                    <dt>"Server data age"</dt>
                    <dd>{age}</dd>
                    <dt>"Syncing now"</dt>
                    <dd>{if status.running { "yes" } else { "no" }}</dd>
                    <dt>"Next scheduled sync"</dt>
                    <dd>{status.next_scheduled.map(|at| at.to_rfc3339()).unwrap_or_else(|| "none".to_owned())}</dd>
                    <dt>"JIRA calls today"</dt>
                    <dd>{calls}</dd>
                    <dt>"Calls left today"</dt>
                    <dd>{status.budget_left.map(|left| left.to_string()).unwrap_or_else(|| "unlimited".to_owned())}</dd>
                    <dt>"Rate limit"</dt>
                    <dd>{status.rate_limit.clone()}</dd>
                    <dt>"Last error"</dt>
                    <dd>{status.last_error.clone().unwrap_or_else(|| "none".to_owned())}</dd>
                    <dt>"Issues on the server"</dt>
                    <dd>{status.issues_stored}</dd>
                </dl>
            }
                .into_any()
        })
    };
    let local_rows = move || {
        data.snapshot.with(|snapshot| {
            (
                snapshot.issues.len(),
                snapshot.fetched_at.map(|at| at.to_rfc3339()).unwrap_or_else(|| "never".to_owned()),
            )
        })
    };
    view! {
        <section class="settings">
            <h1>"Settings and sync"</h1>
            {move || {
                status_rows()
                    .unwrap_or_else(|| {
                        view! {
                            <dl class="status" data-testid="sync-status">
                                <dt>"Server"</dt>
                                <dd>"not reachable yet"</dd>
                            </dl>
                        }
                            .into_any()
                    })
            }}
            <h2>"This browser"</h2>
            <dl class="status">
                <dt>"Issues cached"</dt>
                <dd>{move || local_rows().0}</dd>
                <dt>"Last fetched"</dt>
                <dd>{move || local_rows().1}</dd>
                <dt>"Fresh for"</dt>
                <dd>{format!("{} h", freshness::DEFAULT_FRESH_FOR.num_hours())}</dd>
            </dl>
            <div class="actions">
                <button type="button" on:click=refresh_now>"Refresh now"</button>
                <button type="button" on:click=reset_cache>"Reset local cache"</button>
            </div>
            <p role="status">{move || message.get()}</p>
        </section>
    }
}
