//! App-wide reactive state (`DataCtx`) and the loop that fills it: render from
//! IndexedDB at once; ask the proxy for the delta since the stored cursor
//! only when the cache is older than the freshness threshold (or empty);
//! follow the proxy's event stream either way.
//!
//! Pages read the context with [`use_data`]; only this module writes it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use director_core::alerts::Alert;
use director_core::api::SyncStatus;
use director_core::model::Dataset;
use director_core::risk::{self, RiskConfig, RiskReport};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::Client;
use crate::cache::Cache;
use crate::error::Error;
use crate::freshness::{self, OpenAction, Outage};
use crate::snapshot::Snapshot;

/// Upper bound on delta pages fetched in one refresh, against a proxy that
/// keeps saying there is more.
const MAX_DELTA_PAGES: usize = 1000;

/// How long events wait to be fetched together.
const EVENT_COALESCE: std::time::Duration = std::time::Duration::from_secs(3);

/// Where the page is in its start-up and refresh cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading IndexedDB.
    OpeningCache,
    /// Showing cached data, asking the proxy for what changed.
    Refreshing,
    /// Showing data as fresh as the proxy has.
    Current,
}

/// The dashboard's shared state; `Copy`, read with [`use_data`].
#[derive(Debug, Clone, Copy)]
pub struct DataCtx {
    /// Teams, issues, sprints and cursor.
    pub snapshot: RwSignal<Snapshot>,
    /// Start-up / refresh phase.
    pub phase: RwSignal<Phase>,
    /// Set while the proxy or JIRA cannot be reached.
    pub outage: RwSignal<Option<Outage>>,
    /// The proxy's sync status, when it answered.
    pub sync_status: RwSignal<Option<SyncStatus>>,
    /// The last error worth showing (cache reset, decode failure).
    pub notice: RwSignal<Option<String>>,
    /// The wall clock, updated every few seconds so ages stay current.
    pub now: RwSignal<DateTime<Utc>>,
    /// Live events received from the proxy (newest first), for the alerts page.
    pub events: RwSignal<Vec<LiveEvent>>,
    /// Bumped on every data change, so pages can re-run costly analytics once.
    pub revision: RwSignal<u64>,
    /// The snapshot as core's `Dataset`, built lazily when a page first needs
    /// analytics and rebuilt once per data change.
    pub dataset: Memo<Arc<Dataset>>,
    /// Risk scores of the organisation, teams and epics (lazy, per data change).
    pub risk: Memo<Arc<RiskReport>>,
    /// The proxy's open alerts, updated live from the event stream.
    pub alerts: RwSignal<Vec<Alert>>,
    /// How long cached data counts as fresh (this browser's setting).
    pub fresh_for: RwSignal<Duration>,
    /// False until cached data first reached the screen: pages show counts
    /// first and run costlier analytics (risk) only after that paint.
    pub analytics_ready: RwSignal<bool>,
    refresh_pending: StoredValue<bool, LocalStorage>,
    cache: StoredValue<Option<Cache>, LocalStorage>,
    syncing: StoredValue<bool, LocalStorage>,
    sync_again: StoredValue<bool, LocalStorage>,
}

/// One event from the proxy's stream.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// The SSE event name (`message` when unnamed).
    pub kind: String,
    /// The event's data, as sent.
    pub data: String,
    /// When the page received it.
    pub received: DateTime<Utc>,
}

/// The dashboard's shared state.
pub fn use_data() -> DataCtx {
    expect_context::<DataCtx>()
}

/// The browser's clock as a UTC time.
pub fn now_utc() -> DateTime<Utc> {
    let millis = js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// The viewer's time zone offset east of UTC, in minutes.
pub fn local_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

impl DataCtx {
    /// Creates the state and provides it as context.
    pub fn provide() -> DataCtx {
        let snapshot = RwSignal::new(Snapshot::default());
        let revision = RwSignal::new(0_u64);
        let now = RwSignal::new(now_utc());
        let dataset = Memo::new_with_compare(
            move |_| {
                revision.track();
                Arc::new(snapshot.with_untracked(Snapshot::to_dataset))
            },
            |old, new| !matches!((old, new), (Some(old), Some(new)) if Arc::ptr_eq(old, new)),
        );
        let risk = Memo::new_with_compare(
            move |_| {
                let dataset = dataset.get();
                Arc::new(risk::risk_report(&dataset, now.get_untracked(), &RiskConfig::default()))
            },
            |old, new| !matches!((old, new), (Some(old), Some(new)) if Arc::ptr_eq(old, new)),
        );
        let ctx = DataCtx {
            snapshot,
            phase: RwSignal::new(Phase::OpeningCache),
            outage: RwSignal::new(None),
            sync_status: RwSignal::new(None),
            notice: RwSignal::new(None),
            now,
            events: RwSignal::new(Vec::new()),
            revision,
            dataset,
            risk,
            alerts: RwSignal::new(Vec::new()),
            analytics_ready: RwSignal::new(false),
            fresh_for: RwSignal::new(crate::cache::load_fresh_for()),
            refresh_pending: StoredValue::new_local(false),
            cache: StoredValue::new_local(None),
            syncing: StoredValue::new_local(false),
            sync_again: StoredValue::new_local(false),
        };
        provide_context(ctx);
        ctx
    }

    /// Opens the cache and renders it; asks for the delta only when the cache
    /// is stale (see [`freshness::open_action`]); subscribes to events.
    pub fn start(self) {
        performance_mark("cd-app-start");
        spawn_local(async move {
            self.open_cache().await;
            self.refresh_if_due();
            self.subscribe();
        });
        let ctx = self;
        set_interval(move || ctx.now.set(now_utc()), std::time::Duration::from_secs(15));
        // A slow poll backs up the event stream: it notices a proxy that came
        // back even if the stream reconnects late, and refetches once the
        // cache has aged past the threshold.
        set_interval(move || ctx.refresh_if_due(), std::time::Duration::from_secs(60));
    }

    /// Fetches the delta when the cache is stale or a source was down;
    /// otherwise only checks in (sync status, alerts), which costs the proxy
    /// no store query over issues.
    pub fn refresh_if_due(self) {
        let age = self.snapshot.with_untracked(|snapshot| {
            freshness::cache_age(snapshot.fetched_at, snapshot.data_as_of, now_utc())
        });
        let action = freshness::open_action(age, self.fresh_for.get_untracked());
        if action == OpenAction::FetchDelta || self.outage.with_untracked(Option::is_some) {
            self.refresh();
        } else {
            spawn_local(async move { self.check_in(&Client::default()).await });
        }
    }

    async fn open_cache(self) {
        let cache = match Cache::open().await {
            Ok(cache) => cache,
            Err(err) => {
                // No IndexedDB (private mode, quota): the page still works from the network.
                self.notice.set(Some(format!("working without a local cache: {err}")));
                return;
            }
        };
        let (snapshot, reset_reason) = cache.load_or_reset().await;
        performance_mark("cd-cache-loaded");
        if let Some(reason) = reset_reason {
            self.notice
                .set(Some(format!("local cache was reset and is being refetched ({reason})")));
        }
        if let Some(snapshot) = snapshot {
            self.snapshot.set(snapshot);
            self.revision.update(|rev| *rev += 1);
        }
        self.cache.set_value(Some(cache));
        self.phase.set(Phase::Refreshing);
        mark_first_render(self.analytics_ready);
    }

    /// Refreshes within a few seconds; events arriving meanwhile share that
    /// one refresh, so a busy stream does not re-run analytics per event.
    pub fn refresh_soon(self) {
        if self.refresh_pending.get_value() {
            return;
        }
        self.refresh_pending.set_value(true);
        set_timeout(
            move || {
                self.refresh_pending.set_value(false);
                self.refresh();
            },
            EVENT_COALESCE,
        );
    }

    /// Asks the proxy for what changed; coalesces calls made while one runs.
    pub fn refresh(self) {
        if self.syncing.get_value() {
            self.sync_again.set_value(true);
            return;
        }
        self.syncing.set_value(true);
        spawn_local(async move {
            loop {
                self.sync_once().await;
                if !self.sync_again.get_value() {
                    break;
                }
                self.sync_again.set_value(false);
            }
            self.syncing.set_value(false);
        });
    }

    async fn sync_once(self) {
        let client = Client::default();
        let res = self.pull(&client).await;
        if self.record_reachability(res) {
            self.check_in(&client).await;
        }
    }

    /// Notes whether the proxy answered; true when it did.
    fn record_reachability(self, res: Result<(), Error>) -> bool {
        let now = now_utc();
        match res {
            Ok(()) => {
                self.phase.set(Phase::Current);
                self.outage.update(|outage| {
                    if matches!(outage, Some(Outage::Proxy { .. })) {
                        *outage = None;
                    }
                });
            }
            Err(err) if err.is_unreachable() => {
                self.outage.update(|outage| {
                    if !matches!(outage, Some(Outage::Proxy { .. })) {
                        *outage = Some(Outage::Proxy { since: now });
                    }
                });
                return false;
            }
            Err(err) => {
                self.notice.set(Some(err.to_string()));
                return false;
            }
        }
        true
    }

    /// Reads the proxy's sync status (JIRA outages, the settings page) and
    /// the open alerts.
    async fn check_in(self, client: &Client) {
        let now = now_utc();
        let status = match client.sync_status().await {
            Ok(status) => Ok(status),
            Err(err) if err.is_unreachable() => {
                self.record_reachability(Err(err));
                return;
            }
            Err(err) => Err(err),
        };
        if self.phase.get_untracked() != Phase::Current
            || self.outage.with_untracked(|outage| matches!(outage, Some(Outage::Proxy { .. })))
        {
            self.record_reachability(Ok(()));
        }
        match status {
            Ok(status) => {
                let jira_down = status.last_error.is_some();
                self.outage.update(|outage| match (jira_down, &outage) {
                    (true, None) => *outage = Some(Outage::Jira { since: now }),
                    (false, Some(Outage::Jira { .. })) => *outage = None,
                    _ => {}
                });
                self.sync_status.set(Some(status));
            }
            Err(err) => self.notice.set(Some(err.to_string())),
        }
        if let Ok(alerts) = client.alerts().await {
            self.alerts.set(alerts.alerts);
        }
    }

    async fn pull(self, client: &Client) -> Result<(), Error> {
        let teams = client.teams().await?;
        let team_list: Vec<_> = teams.teams.iter().map(|info| info.team.clone()).collect();
        let jira_url = teams.jira_url.clone();
        self.snapshot.update(|snapshot| {
            snapshot.set_teams(&teams.teams);
            if snapshot.data_as_of.is_none() {
                snapshot.data_as_of = teams.data_as_of;
            }
            if jira_url.is_some() {
                snapshot.jira_url = jira_url.clone();
            }
        });
        self.store(|cache| async move { cache.save_teams(&team_list, jira_url.as_deref()).await })
            .await;
        // Deltas come in pages; each page is applied and stored before the
        // next is asked for, so the stored cursor always matches stored data.
        for _ in 0..MAX_DELTA_PAGES {
            let cursor = self.snapshot.with_untracked(|snapshot| snapshot.cursor.clone());
            let delta = client.issues(cursor.as_deref()).await?;
            let fetched_at = now_utc();
            self.snapshot.update(|snapshot| snapshot.apply_delta(&delta, fetched_at));
            self.revision.update(|rev| *rev += 1);
            let has_more = delta.has_more;
            self.store(|cache| async move { cache.apply_delta(&delta, fetched_at).await }).await;
            if !has_more {
                break;
            }
        }
        let sprints = client.sprints().await?.sprints;
        self.snapshot.update(|snapshot| snapshot.sprints = sprints.clone());
        self.store(|cache| async move { cache.save_sprints(&sprints).await }).await;
        Ok(())
    }

    /// Runs a cache write; on failure (quota, a broken store) clears the
    /// cache and stops using it for this visit, so the page keeps working in
    /// memory and the next visit refills the cache whole instead of trusting
    /// a half-written one.
    async fn store<F, Fut>(self, write: F)
    where
        F: FnOnce(Cache) -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        let Some(cache) = self.cache.get_value() else { return };
        if let Err(err) = write(cache.clone()).await {
            let _ = cache.clear().await;
            self.cache.set_value(None);
            self.notice.set(Some(format!("could not update the local cache: {err}")));
        }
    }

    fn subscribe(self) {
        let Ok(source) = web_sys::EventSource::new(&Client::default().events_url()) else {
            return;
        };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data().as_string().unwrap_or_default();
                let kind = event.type_();
                self.events.update(|events| {
                    events.insert(0, LiveEvent { kind: kind.clone(), data, received: now_utc() });
                    events.truncate(200);
                });
                // Progress events only report; the others mean there is
                // something new to fetch.
                if kind != "sync_progress" && kind != "sync_started" {
                    self.refresh_soon();
                }
            },
        );
        for kind in
            ["message", "alert", "data_changed", "sync_started", "sync_progress", "sync_finished"]
        {
            let _ =
                source.add_event_listener_with_callback(kind, on_message.as_ref().unchecked_ref());
        }
        on_message.forget();
        // The stream reopening after an outage means the proxy is back, and
        // events may have been missed meanwhile. Its first opening is not a
        // reopening: the open-time decision already ran.
        let mut opened_before = false;
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if std::mem::replace(&mut opened_before, true) {
                self.refresh();
            }
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        // A dropped stream may be the proxy going away: a refresh finds out and
        // raises the staleness banner if so.
        let on_error = Closure::<dyn FnMut()>::new(move || self.refresh());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        // Close the stream when the page goes away, so a reload does not wait
        // behind a lingering connection (browsers allow six per host).
        if let Some(window) = web_sys::window() {
            let closing = source.clone();
            let on_page_hide = Closure::<dyn FnMut()>::new(move || closing.close());
            let _ = window.add_event_listener_with_callback(
                "pagehide",
                on_page_hide.as_ref().unchecked_ref(),
            );
            on_page_hide.forget();
        }
    }
}

/// Sets a performance mark (start-up phases, read by the e2e timing flows).
pub fn performance_mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}

/// Records when cached data first reached the screen as the performance mark
/// `cd-first-render`, for the start-up benchmark.
fn mark_first_render(analytics_ready: RwSignal<bool>) {
    let Some(window) = web_sys::window() else {
        analytics_ready.set(true);
        return;
    };
    let callback = Closure::once_into_js(move || {
        if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
            let _ = performance.mark("cd-first-render");
        }
        analytics_ready.set(true);
    });
    let _ = window.request_animation_frame(callback.unchecked_ref());
}
