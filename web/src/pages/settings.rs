//! `/settings`: how fresh the data is, what syncing costs, refresh now, the
//! freshness threshold of this browser, who is signed in, and resetting the
//! local cache.

use director_core::api::{SessionInfo, SignInMode};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Client};
use crate::cache::{self, Cache};
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
    let session = LocalResource::new(|| async { Client::default().session().await });
    let fresh_for_text = RwSignal::new(data.fresh_for.get_untracked().num_minutes().to_string());
    let fresh_for_error = RwSignal::new(None::<String>);
    let save_fresh_for = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match freshness::parse_fresh_for_minutes(&fresh_for_text.get_untracked()) {
            Ok(fresh_for) => {
                fresh_for_error.set(None);
                data.fresh_for.set(fresh_for);
                let saved = match cache::save_fresh_for(fresh_for) {
                    Ok(()) => "",
                    Err(_) => " for this visit (this browser cannot store it)",
                };
                set_message.set(Some(format!(
                    "data now counts as fresh for {}{saved}",
                    freshness::describe_fresh_for(fresh_for)
                )));
                // A shorter threshold may make the cache stale right now.
                data.refresh_if_due();
            }
            Err(err) => fresh_for_error.set(Some(err.to_string())),
        }
    };
    // Once signed out the page says so and offers the sign-in page, rather
    // than leaving without a word.
    let signed_out = RwSignal::new(false);
    let sign_out = move |_| {
        spawn_local(async move {
            match Client::default().sign_out().await {
                Ok(()) => signed_out.set(true),
                Err(err) => set_message.set(Some(format!("could not sign out: {err}"))),
            }
        });
    };
    let session_view = move || {
        if signed_out.get() {
            return Some(
                view! {
                    <p data-testid="sign-in-state">"Signed out: this browser's session has ended."</p>
                    <a href=api::SIGN_IN_PATH rel="external" data-testid="sign-in-again">"Sign in again"</a>
                }
                    .into_any(),
            );
        }
        session.get().map(|res| match res {
            Ok(info) => {
                let can_sign_out = info.can_sign_out;
                view! {
                    <p data-testid="sign-in-state">{describe_session(&info)}</p>
                    {can_sign_out.then(|| view! {
                        <button type="button" class="secondary" data-testid="sign-out" on:click=sign_out>
                            "Sign out"
                        </button>
                    })}
                }
                    .into_any()
            }
            Err(err) => view! {
                <p data-testid="sign-in-state">{format!("Sign-in state unknown: {err}")}</p>
            }
                .into_any(),
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
                <dd data-testid="fresh-for">{move || freshness::describe_fresh_for(data.fresh_for.get())}</dd>
            </dl>
            <form class="controls fresh-for" on:submit=save_fresh_for novalidate>
                <label for="fresh-for-minutes">
                    "Data counts as fresh for (minutes)"
                    <input
                        id="fresh-for-minutes"
                        type="number"
                        inputmode="numeric"
                        min=freshness::MIN_FRESH_FOR.num_minutes()
                        max=freshness::MAX_FRESH_FOR.num_minutes()
                        step="1"
                        data-testid="fresh-for-input"
                        aria-describedby="fresh-for-help fresh-for-error"
                        aria-invalid=move || if fresh_for_error.with(Option::is_some) { "true" } else { "false" }
                        prop:value=move || fresh_for_text.get()
                        on:input=move |ev| fresh_for_text.set(event_target_value(&ev))
                    />
                </label>
                <p id="fresh-for-help" class="detail">
                    "When you open the dashboard, cached data younger than this is shown without asking the server; older data is refreshed and marked stale."
                </p>
                <p id="fresh-for-error" class="error" role="alert" data-testid="fresh-for-error">
                    {move || fresh_for_error.get()}
                </p>
                <div>
                    <button type="submit" data-testid="fresh-for-save">"Save threshold"</button>
                </div>
            </form>
            <h2>"Sign-in"</h2>
            <Transition fallback=|| view! { <p data-testid="sign-in-state">"Checking…"</p> }>
                {session_view}
            </Transition>
            <div class="actions">
                <button type="button" on:click=refresh_now>"Refresh now"</button>
                <button type="button" on:click=reset_cache>"Reset local cache"</button>
            </div>
            <p role="status">{move || message.get()}</p>
        </section>
    }
}

/// The sign-in line: who, and how they got in.
fn describe_session(info: &SessionInfo) -> String {
    match (info.mode, info.user.as_deref()) {
        (SignInMode::Open, _) => {
            "No sign-in: this is a demo server reachable only from this computer.".to_owned()
        }
        // The proxy names a session opened with the shared token "token".
        (SignInMode::Session, Some("token")) => {
            "Signed in with the shared access token (session cookie).".to_owned()
        }
        (SignInMode::Session, Some(user)) => format!("Signed in as {user} (session cookie)."),
        (SignInMode::Session, None) => "Signed in (session cookie).".to_owned(),
        (SignInMode::Token, Some(user)) => format!("Signed in as {user} (API token)."),
        (SignInMode::Token, None) => "Signed in with the shared access token.".to_owned(),
    }
}
