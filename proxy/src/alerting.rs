//! Runs core's alert rules ([`director_core::alerts`]) over the store:
//! after every applied change (webhooks at once, syncs as they land) and on a
//! timer so unacknowledged alerts escalate on time. New alerts are stored,
//! pushed to open dashboards over the event stream and handed to the
//! notification outbox; escalations go to the escalation targets.
//!
//! The open alerts live in the store, not in memory, so an acknowledgement
//! made by `claudedirector alerts ack` in another process is seen by the
//! server's next evaluation. The dataset the rules read is kept in memory and
//! brought up to date with the store's change delta, so evaluating after a
//! critical webhook costs milliseconds, not a reload.
//!
//! It also sends the Monday executive summary ([`director_core::summary`])
//! by email to the configured list.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use director_core::alerts::{self, Alert, AlertOptions, AlertState, Event};
pub use director_core::api::AlertsResponse;
use director_core::api::{ErrorBody, ErrorDetail};
use director_core::model::{BoardId, Dataset, Issue, Sprint, Team, TeamId};
use director_core::summary;
use serde::Deserialize;

use crate::clock::Clock;
use crate::config::Config;
use crate::jira::jql;
use crate::notify::Notifier;
use crate::store::{self, AlertMark, AlertStore, Store};
use crate::sync::ServerEvent;

/// Alerting failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error("alert store failed")]
    Store(#[from] store::Error),
    /// No open alert has that id, or the prefix is ambiguous.
    #[error(transparent)]
    Alert(#[from] alerts::Error),
    /// A blocking task stopped.
    #[error("alert task stopped")]
    Task,
}

/// Publishes an event to open dashboards.
pub type Publish = Arc<dyn Fn(ServerEvent) + Send + Sync>;

struct Inner {
    store: Arc<dyn Store>,
    alert_store: Arc<dyn AlertStore>,
    config: Arc<Config>,
    clock: Clock,
    options: AlertOptions,
    notifier: Option<Notifier>,
    publish: Option<Publish>,
    /// The dataset the rules read and the change sequence it reflects;
    /// the lock also serialises evaluations.
    cache: tokio::sync::Mutex<Option<Cached>>,
}

struct Cached {
    dataset: Dataset,
    seq: i64,
}

/// The alert engine (cheap to clone).
#[derive(Clone)]
pub struct Alerting {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Alerting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerting").field("options", &self.inner.options).finish_non_exhaustive()
    }
}

/// Core's rule options from config.
pub fn options(config: &Config) -> AlertOptions {
    AlertOptions {
        escalate_after_minutes: i64::from(config.thresholds.escalate_after_minutes),
        sensitive_labels: config.webhooks.critical_labels.clone(),
        blocked_statuses: config.webhooks.critical_statuses.clone(),
        ..AlertOptions::default()
    }
}

/// The open alerts stored, with their row ids.
fn load_state(store: &dyn Store) -> Result<(AlertState, HashMap<String, i64>), store::Error> {
    let mut rows = HashMap::new();
    let mut state = AlertState::default();
    for row in store.alerts(true)? {
        let Ok(mut alert) = serde_json::from_str::<Alert>(&row.body) else {
            tracing::warn!(id = row.id, "stored alert cannot be read; skipped");
            continue;
        };
        // The columns are the truth: an acknowledgement may come from another process.
        alert.acknowledged = row.acknowledged.is_some();
        alert.acknowledged_at = row.acknowledged;
        alert.escalated_at = row.escalated.or(alert.escalated_at);
        rows.insert(row.dedupe_key.clone(), row.id);
        state.alerts.push(alert);
    }
    Ok((state, rows))
}

/// Acknowledges the open alert `id_or_prefix` (its id, or a unique prefix
/// of at least four digits) in the store; it stays open while its condition
/// holds but no longer escalates. For `claudedirector alerts ack ID` and the API.
pub fn acknowledge(
    store: &dyn Store,
    id_or_prefix: &str,
    at: DateTime<Utc>,
) -> Result<Alert, Error> {
    let (state, rows) = load_state(store)?;
    let alert = alerts::find(&state, id_or_prefix)?.clone();
    let acknowledged = alerts::acknowledge(&state, &alert.id.0, at)?;
    let Some(alert) = acknowledged.alerts.into_iter().find(|a| a.id == alert.id) else {
        return Err(alerts::Error::UnknownAlert(id_or_prefix.to_owned()).into());
    };
    if let Some(row) = rows.get(&alert.id.0) {
        store.mark_alert(*row, AlertMark::Acknowledged, alert.acknowledged_at.unwrap_or(at))?;
    }
    Ok(alert)
}

fn teams(config: &Config, store: &dyn Store) -> Vec<Team> {
    config
        .teams
        .iter()
        .map(|team| Team {
            id: TeamId(team.name.clone()),
            projects: jql::simple_projects(&team.jql).unwrap_or_default(),
            board: team
                .board
                .or_else(|| {
                    store
                        .meta(&format!("board:{}", team.name))
                        .ok()
                        .flatten()
                        .and_then(|id| id.parse().ok())
                })
                .map(BoardId),
            size: team.size,
        })
        .collect()
}

/// Brings the cached dataset up to the store's latest change.
fn refresh(
    cache: &mut Option<Cached>,
    config: &Config,
    store: &dyn Store,
) -> Result<(), store::Error> {
    let since = cache.as_ref().map(|cached| cached.seq);
    let mut dataset = cache.take().map(|cached| cached.dataset).unwrap_or_default();
    let mut cursor = since;
    loop {
        let delta = store.delta(cursor, 5000)?;
        let mut by_id: HashMap<String, usize> = dataset
            .issues
            .iter()
            .enumerate()
            .map(|(idx, issue)| (issue.id.0.clone(), idx))
            .collect();
        for text in &delta.issues {
            let Ok(issue) = serde_json::from_str::<Issue>(text) else { continue };
            match by_id.get(&issue.id.0) {
                Some(idx) => dataset.issues[*idx] = issue,
                None => {
                    by_id.insert(issue.id.0.clone(), dataset.issues.len());
                    dataset.issues.push(issue);
                }
            }
        }
        if !delta.deleted.is_empty() {
            dataset.issues.retain(|issue| !delta.deleted.contains(&issue.id.0));
        }
        cursor = Some(delta.last_seq);
        if !delta.has_more {
            break;
        }
    }
    dataset.sprints = store
        .sprints_json()?
        .iter()
        .filter_map(|text| serde_json::from_str::<Sprint>(text).ok())
        .collect();
    dataset.teams = teams(config, store);
    for issue in &dataset.issues {
        dataset.statuses.entry(issue.status.clone()).or_insert(issue.category);
    }
    *cache = Some(Cached { dataset, seq: cursor.unwrap_or(0) });
    Ok(())
}

/// What one evaluation changed, for notifications and the event stream.
struct Outcome {
    raised: Vec<Alert>,
    escalated: Vec<Alert>,
}

impl Alerting {
    /// An engine over `store`; `notifier` sends alerts out, `publish` pushes
    /// them to the event stream.
    pub fn new(
        config: Arc<Config>,
        store: Arc<dyn Store>,
        alert_store: Arc<dyn AlertStore>,
        clock: Clock,
        notifier: Option<Notifier>,
        publish: Option<Publish>,
    ) -> Alerting {
        let options = options(&config);
        Alerting {
            inner: Arc::new(Inner {
                store,
                alert_store,
                config,
                clock,
                options,
                notifier,
                publish,
                cache: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// Evaluates the rules after changes were applied (`events` are what the
    /// webhooks said happened).
    pub async fn on_applied(
        &self,
        _changed: Vec<Issue>,
        _deleted: Vec<String>,
        events: Vec<Event>,
    ) {
        if let Err(err) = self.evaluate(events).await {
            tracing::error!(error = %err, "alert evaluation failed");
        }
    }

    /// Evaluates the rules at the clock's now; returns how many alerts were
    /// raised and escalated.
    pub async fn evaluate(&self, events: Vec<Event>) -> Result<(usize, usize), Error> {
        let mut cache = self.inner.cache.lock().await;
        let mut taken = cache.take();
        let inner = self.inner.clone();
        let now = self.inner.clock.now();
        let (outcome, taken) = tokio::task::spawn_blocking(move || {
            let res = evaluate_blocking(&inner, &mut taken, &events, now);
            (res, taken)
        })
        .await
        .map_err(|_| Error::Task)?;
        *cache = taken;
        drop(cache);
        let outcome = outcome?;
        let counts = (outcome.raised.len(), outcome.escalated.len());
        for alert in &outcome.raised {
            tracing::info!(id = %alert.id, severity = %alert.severity, title = %alert.title, "alert raised");
            if let Some(publish) = &self.inner.publish {
                publish(ServerEvent::Alert {
                    alert: serde_json::to_value(alert).unwrap_or_default(),
                });
            }
            if let Some(notifier) = &self.inner.notifier {
                notifier.alert(alert, false);
            }
        }
        for alert in &outcome.escalated {
            tracing::warn!(id = %alert.id, severity = %alert.severity, title = %alert.title, "alert escalated");
            if let Some(notifier) = &self.inner.notifier {
                notifier.alert(alert, true);
            }
        }
        Ok(counts)
    }

    /// Open alerts (every alert ever raised with `all`), most urgent first.
    pub async fn list(&self, all: bool) -> Result<Vec<Alert>, Error> {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || -> Result<Vec<Alert>, Error> {
            if !all {
                return Ok(load_state(store.as_ref())?.0.alerts);
            }
            let mut res = Vec::new();
            for row in store.alerts(false)? {
                if let Ok(mut alert) = serde_json::from_str::<Alert>(&row.body) {
                    alert.acknowledged = row.acknowledged.is_some();
                    alert.acknowledged_at = row.acknowledged;
                    alert.escalated_at = row.escalated.or(alert.escalated_at);
                    res.push(alert);
                }
            }
            Ok(res)
        })
        .await
        .map_err(|_| Error::Task)?
    }

    /// Acknowledges an alert at the clock's now.
    pub async fn acknowledge(&self, id_or_prefix: &str) -> Result<Alert, Error> {
        let store = self.inner.store.clone();
        let id = id_or_prefix.to_owned();
        let now = self.inner.clock.now();
        let _serialised = self.inner.cache.lock().await;
        tokio::task::spawn_blocking(move || acknowledge(store.as_ref(), &id, now))
            .await
            .map_err(|_| Error::Task)?
    }

    /// Renders the executive summary of the last full week from the stored
    /// data and queues it for the summary recipients (once per week);
    /// false when no email channel or recipient is configured.
    pub async fn send_summary(&self) -> Result<bool, Error> {
        let Some(notifier) = self.inner.notifier.clone() else { return Ok(false) };
        let now = self.inner.clock.now();
        let mut cache = self.inner.cache.lock().await;
        let mut taken = cache.take();
        let inner = self.inner.clone();
        let (rendered, taken) = tokio::task::spawn_blocking(move || {
            let res = refresh(&mut taken, &inner.config, inner.store.as_ref()).map(|()| {
                let dataset = taken.as_ref().map(|cached| &cached.dataset);
                let week = summary::IsoWeek::last_full_before(now);
                let options = summary::SummaryOptions {
                    alerts: inner.options.clone(),
                    ..summary::SummaryOptions::default()
                };
                let report = summary::executive_summary(
                    dataset.unwrap_or(&Dataset::default()),
                    week,
                    now,
                    &options,
                );
                (week.to_string(), summary::render::markdown(&report))
            });
            (res, taken)
        })
        .await
        .map_err(|_| Error::Task)?;
        *cache = taken;
        drop(cache);
        let (week, text) = rendered?;
        Ok(notifier.summary(&week, &format!("Executive summary, week {week}"), &text))
    }

    /// Sends the executive summary at every firing of `notify.summary_cron`
    /// (Monday 07:00 in the organisation's time zone by default), after
    /// freshening the data when it is stale.
    pub fn spawn_summary(
        &self,
        sync: Option<crate::sync::SyncHandle>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let expr = self.inner.config.notify.summary_cron.trim().to_owned();
        if expr.is_empty() || self.inner.config.notify.summary_to.is_empty() {
            return None;
        }
        let cron = match crate::schedule::Cron::parse(&expr) {
            Ok(cron) => cron,
            Err(err) => {
                tracing::error!(error = %err, "notify.summary_cron is not valid; no weekly summary");
                return None;
            }
        };
        let engine = self.clone();
        let tz = self.inner.config.org.time_zone;
        Some(tokio::spawn(async move {
            loop {
                let now = engine.inner.clock.now();
                let Some(next) = cron.next_after(now, tz) else { return };
                // Sleep in slices so a changed clock (demo, tests) is followed.
                let wait = engine.inner.clock.real(next - now).min(Duration::from_secs(300));
                tokio::time::sleep(wait).await;
                if engine.inner.clock.now() < next {
                    continue;
                }
                if let Some(done) = sync.as_ref().and_then(crate::sync::SyncHandle::ensure_fresh) {
                    let _ = tokio::time::timeout(Duration::from_secs(600), done).await;
                }
                match engine.send_summary().await {
                    Ok(true) => tracing::info!("weekly executive summary queued"),
                    Ok(false) => {}
                    Err(err) => tracing::error!(error = %err, "weekly executive summary failed"),
                }
            }
        }))
    }

    /// Re-evaluates every `period` of real time (escalations, syncs that
    /// changed data) until the task is dropped.
    pub fn spawn_timer(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(err) = engine.evaluate(Vec::new()).await {
                    tracing::error!(error = %err, "alert evaluation failed");
                }
            }
        })
    }
}

fn evaluate_blocking(
    inner: &Inner,
    cache: &mut Option<Cached>,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<Outcome, Error> {
    let store = inner.store.as_ref();
    refresh(cache, &inner.config, store)?;
    let (state, mut rows) = load_state(store)?;
    let dataset = cache.as_ref().map(|cached| &cached.dataset);
    let empty = Dataset::default();
    let update = alerts::evaluate(&state, dataset.unwrap_or(&empty), events, now, &inner.options);
    let previous: HashMap<&str, &Alert> =
        state.alerts.iter().map(|alert| (alert.id.0.as_str(), alert)).collect();
    let mut outcome = Outcome { raised: Vec::new(), escalated: Vec::new() };
    for alert in &update.state.alerts {
        let body = serde_json::to_string(alert).unwrap_or_default();
        let severity = alert.severity.to_string();
        if update.raised.contains(&alert.id) {
            let (row, new) = store.raise_alert(&alert.id.0, &severity, &body, now)?;
            rows.insert(alert.id.0.clone(), row);
            if new {
                outcome.raised.push(alert.clone());
            }
        } else if let Some(row) = rows.get(&alert.id.0) {
            let changed = previous.get(alert.id.0.as_str()).is_none_or(|before| {
                before.title != alert.title
                    || before.severity != alert.severity
                    || before.escalated_at != alert.escalated_at
            });
            if changed {
                inner.alert_store.update_alert(*row, &severity, &body)?;
            }
        }
    }
    for escalation in &update.escalations {
        if let Some(row) = rows.get(&escalation.id.0) {
            store.mark_alert(*row, AlertMark::Escalated, now)?;
        }
        if let Some(alert) = update.state.alerts.iter().find(|alert| alert.id == escalation.id) {
            outcome.escalated.push(alert.clone());
        }
    }
    for id in &update.resolved {
        if let Some(row) = rows.get(&id.0) {
            store.mark_alert(*row, AlertMark::Resolved, now)?;
        }
    }
    Ok(outcome)
}

/// `GET /api/v1/alerts`, `POST /api/v1/alerts/{id}/ack` (nest under `/api/v1`).
pub fn router<S>() -> Router<S>
where
    Alerting: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/alerts", get(list)).route("/alerts/{id}/ack", post(ack))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    all: bool,
}

fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(ErrorBody { error: ErrorDetail { code: code.to_owned(), message } }))
        .into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match &self {
            Error::Alert(alerts::Error::UnknownAlert(_)) => {
                error_response(StatusCode::NOT_FOUND, "not_found", self.to_string())
            }
            Error::Alert(_) => {
                error_response(StatusCode::BAD_REQUEST, "bad_request", self.to_string())
            }
            Error::Store(err) => {
                tracing::error!(error = ?err, "alert store error");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error".into(),
                )
            }
            Error::Task => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error".into(),
            ),
        }
    }
}

async fn list(
    State(engine): State<Alerting>,
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let all = match query {
        Ok(axum::extract::Query(query)) => query.all,
        Err(rejection) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("bad query string: {}", rejection.body_text()),
            )
        }
    };
    match engine.list(all).await {
        Ok(alerts) => Json(AlertsResponse { alerts }).into_response(),
        Err(err) => err.into_response(),
    }
}

async fn ack(State(engine): State<Alerting>, Path(id): Path<String>) -> Response {
    // Alert ids are hex digits; anything else cannot name one.
    if id.is_empty() || id.len() > 64 || !id.chars().all(|ch| ch.is_ascii_hexdigit()) {
        return error_response(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "alert id must be hex digits".into(),
        );
    }
    match engine.acknowledge(&id).await {
        Ok(alert) => Json(alert).into_response(),
        Err(err) => err.into_response(),
    }
}

/// Everything the real-time path needs from [`crate::start`].
pub struct Realtime {
    /// The configuration.
    pub config: Arc<Config>,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The same store's webhook, alert and outbox tables.
    pub alert_store: Arc<dyn AlertStore>,
    /// The proxy's clock.
    pub clock: Clock,
    /// The sync engine (strategic refresh, event stream).
    pub sync: crate::sync::SyncHandle,
    /// The notifier.
    pub notifier: Notifier,
    /// `JIRA_WEBHOOK_SECRET`.
    pub webhook_secret: Option<crate::config::Secret>,
}

/// The running real-time path.
pub struct Started {
    /// The webhook intake.
    pub webhooks: crate::webhooks::Webhooks,
    /// The alert engine.
    pub alerting: Alerting,
    /// Background tasks (intake, outbox worker, timers).
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Aborts the tasks when dropped.
#[derive(Debug)]
pub struct AbortOnDrop(pub Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// How often the rules run without a change (escalations fall due).
const TIMER: Duration = Duration::from_secs(30);

/// Starts the alert engine, the notification worker and the webhook intake,
/// and re-evaluates alerts whenever a sync changed data.
pub fn start_realtime(realtime: Realtime) -> Started {
    let publisher = realtime.sync.clone();
    let publish: Publish = Arc::new(move |event| publisher.publish(event));
    let alerting = Alerting::new(
        Arc::clone(&realtime.config),
        Arc::clone(&realtime.store),
        Arc::clone(&realtime.alert_store),
        realtime.clock.clone(),
        Some(realtime.notifier.clone()),
        Some(publish.clone()),
    );
    let sprint_sync = realtime.sync.clone();
    let (webhooks, intake) = crate::webhooks::Webhooks::start(crate::webhooks::Options {
        config: Arc::clone(&realtime.config),
        store: Arc::clone(&realtime.store),
        alert_store: Arc::clone(&realtime.alert_store),
        secret: realtime.webhook_secret.clone(),
        clock: realtime.clock.clone(),
        alerting: Some(alerting.clone()),
        on_sprint: Some(Arc::new(move || {
            drop(sprint_sync.trigger(crate::sync::Trigger::SprintEvent))
        })),
        on_change: Some(Arc::new(move |seq| publish(ServerEvent::DataChanged { seq }))),
    });
    let worker = realtime.notifier.spawn();
    let timer = alerting.spawn_timer(TIMER);
    let weekly = alerting.spawn_summary(Some(realtime.sync.clone()));
    let mut events = realtime.sync.subscribe();
    let after_sync = alerting.clone();
    let on_sync = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ServerEvent::SyncFinished(report))
                    if report.changed > 0 || report.deleted > 0 =>
                {
                    if let Err(err) = after_sync.evaluate(Vec::new()).await {
                        tracing::error!(error = %err, "alert evaluation failed");
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let mut tasks = vec![intake, worker, timer, on_sync];
    tasks.extend(weekly);
    Started { webhooks, alerting, tasks }
}
