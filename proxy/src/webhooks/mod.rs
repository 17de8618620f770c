//! JIRA webhook intake: `POST /webhooks/jira`.
//!
//! A delivery is checked (size, `X-Hub-Signature`, JSON), written durably to
//! the store and only then answered 2xx, so a crash after the answer loses
//! nothing: deliveries not yet applied are replayed on start. Deliveries are
//! deduplicated on `X-Atlassian-Webhook-Identifier`, which JIRA keeps across
//! retries. Concurrent deliveries share one transaction (group commit), which
//! is what lets the intake keep up with a storm with every write on disk.
//!
//! Priority routing ([`classify`]): critical deliveries are applied and the
//! alert rules evaluated at once; the rest are applied in batches.
//! Sprint started/closed deliveries trigger the sync engine's strategic refresh.

pub mod apply;
pub mod classify;
pub mod signature;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use director_core::api::{ErrorBody, ErrorDetail};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::alerting::Alerting;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::store::{AlertStore, Store, WebhookEventRow};

use apply::{Context, Delivery};
use classify::{Class, CriticalRules};

/// Environment variable holding the webhook secret.
pub const SECRET_ENV: &str = "JIRA_WEBHOOK_SECRET";

/// `[webhooks]`: intake limits, batching and what counts as critical.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Largest accepted body; larger deliveries get 413.
    pub max_body_bytes: usize,
    /// Routine deliveries are applied at most this long after arrival.
    #[serde(deserialize_with = "de_duration")]
    pub batch_interval: Duration,
    /// A batch is applied early once it holds this many deliveries.
    pub batch_size: usize,
    /// Priority names that are critical whatever they map to.
    pub critical_priorities: Vec<String>,
    /// Status names that are critical (blocked).
    pub critical_statuses: Vec<String>,
    /// Labels that are critical.
    pub critical_labels: Vec<String>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        let rules = CriticalRules::default();
        WebhookConfig {
            max_body_bytes: 1024 * 1024,
            batch_interval: Duration::from_secs(5),
            batch_size: 500,
            critical_priorities: rules.priority_names,
            critical_statuses: rules.statuses,
            critical_labels: rules.labels,
        }
    }
}

impl WebhookConfig {
    fn rules(&self) -> CriticalRules {
        CriticalRules {
            priority_names: self.critical_priorities.clone(),
            statuses: self.critical_statuses.clone(),
            labels: self.critical_labels.clone(),
        }
    }
}

fn de_duration<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(de)?;
    crate::config::parse_duration(&text).map_err(serde::de::Error::custom)
}

/// Called with no arguments when a sprint starts or closes.
pub type Refresh = Arc<dyn Fn() + Send + Sync>;
/// Called with the store's change sequence after deliveries were applied.
pub type Changed = Arc<dyn Fn(i64) + Send + Sync>;

/// What the intake needs.
#[derive(Clone)]
pub struct Options {
    /// The configuration.
    pub config: Arc<Config>,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The same store's webhook and alert tables.
    pub alert_store: Arc<dyn AlertStore>,
    /// From `JIRA_WEBHOOK_SECRET`; unsigned deliveries are refused when set.
    pub secret: Option<Secret>,
    /// The proxy's clock.
    pub clock: Clock,
    /// Evaluates alert rules after each applied group.
    pub alerting: Option<Alerting>,
    /// Strategic refresh (sprint started or closed).
    pub on_sprint: Option<Refresh>,
    /// Data changed (for the event stream).
    pub on_change: Option<Changed>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").field("secret", &self.secret).finish_non_exhaustive()
    }
}

/// Counters of the intake since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct IntakeStats {
    /// Deliveries stored.
    pub accepted: u64,
    /// Deliveries seen before.
    pub duplicates: u64,
    /// Deliveries refused (signature, size, JSON).
    pub rejected: u64,
    /// Deliveries applied to the store.
    pub applied: u64,
}

struct JournalEntry {
    row: WebhookEventRow,
    reply: oneshot::Sender<Result<bool, String>>,
}

struct Inner {
    secret: Option<Secret>,
    max_body: usize,
    rules: CriticalRules,
    clock: Clock,
    journal: mpsc::Sender<JournalEntry>,
    critical: mpsc::UnboundedSender<Delivery>,
    routine: mpsc::UnboundedSender<Delivery>,
    accepted: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    applied: Arc<AtomicU64>,
}

/// The running intake (cheap to clone); serve it with [`router`].
#[derive(Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").field("stats", &self.stats()).finish_non_exhaustive()
    }
}

/// Deliveries written per transaction at most.
const GROUP_COMMIT: usize = 512;

impl Webhooks {
    /// Starts the journal writer and the processor (which first replays
    /// deliveries stored but not applied before a restart).
    pub fn start(options: Options) -> (Webhooks, tokio::task::JoinHandle<()>) {
        let (journal_tx, journal_rx) = mpsc::channel(16 * GROUP_COMMIT);
        let (critical_tx, critical_rx) = mpsc::unbounded_channel();
        let (routine_tx, routine_rx) = mpsc::unbounded_channel();
        let applied = Arc::new(AtomicU64::new(0));
        if options.secret.is_none() {
            tracing::warn!("{SECRET_ENV} is not set: webhook deliveries are accepted unsigned");
        }
        let inner = Inner {
            secret: options.secret.clone(),
            max_body: options.config.webhooks.max_body_bytes,
            rules: options.config.webhooks.rules(),
            clock: options.clock.clone(),
            journal: journal_tx,
            critical: critical_tx,
            routine: routine_tx,
            accepted: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            applied: applied.clone(),
        };
        let deferred = Arc::new(Deferred::default());
        let evaluator = evaluate_deferred(options.clone(), deferred.clone());
        let stopped = Arc::new(AtomicBool::new(false));
        let guard = StopOnDrop(stopped.clone());
        if let Err(err) = spawn_journal(options.alert_store.clone(), journal_rx, stopped) {
            // Without the writer every delivery is answered 503 and retried by JIRA.
            tracing::error!(error = %err, "cannot start the webhook journal thread");
        }
        let pending = pending_before_start(&options);
        let processor = process(options, pending, critical_rx, routine_rx, applied, deferred);
        // One task, so aborting it stops the journal, the processor and the evaluator.
        let task = tokio::spawn(async move {
            let _guard = guard;
            tokio::select! {
                () = processor => {}
                () = evaluator => {}
            }
        });
        (Webhooks { inner: Arc::new(inner) }, task)
    }

    /// Counters since start.
    pub fn stats(&self) -> IntakeStats {
        IntakeStats {
            accepted: self.inner.accepted.load(Ordering::Relaxed),
            duplicates: self.inner.duplicates.load(Ordering::Relaxed),
            rejected: self.inner.rejected.load(Ordering::Relaxed),
            applied: self.inner.applied.load(Ordering::Relaxed),
        }
    }
}

/// `POST /webhooks/jira`.
pub fn router<S>() -> Router<S>
where
    Webhooks: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/webhooks/jira", post(receive))
}

fn refuse(inner: &Inner, status: StatusCode, code: &str, message: String) -> Response {
    inner.rejected.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(status = status.as_u16(), reason = %message, "webhook delivery refused");
    let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message } };
    (status, Json(body)).into_response()
}

async fn receive(State(hooks): State<Webhooks>, headers: HeaderMap, body: Body) -> Response {
    let inner = &hooks.inner;
    let too_large = || format!("webhook body is larger than {} bytes", inner.max_body);
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<usize>().ok());
    if declared.is_some_and(|length| length > inner.max_body) {
        return refuse(inner, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", too_large());
    }
    let bytes = match axum::body::to_bytes(body, inner.max_body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refuse(inner, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", too_large())
        }
    };
    if let Some(secret) = &inner.secret {
        let header = headers.get("x-hub-signature").and_then(|value| value.to_str().ok());
        if let Err(err) = signature::verify(secret.expose().as_bytes(), &bytes, header) {
            return refuse(inner, StatusCode::UNAUTHORIZED, "unauthorized", err.to_string());
        }
    }
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => {
            return refuse(
                inner,
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("webhook body is not valid json: {err}"),
            )
        }
    };
    let Some(event) = value.get("webhookEvent").and_then(Value::as_str).map(str::to_owned) else {
        return refuse(
            inner,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "webhook body has no webhookEvent string".to_owned(),
        );
    };
    let identifier =
        match headers.get("x-atlassian-webhook-identifier").and_then(|value| value.to_str().ok()) {
            Some(id) if !id.trim().is_empty() && id.len() <= 256 => id.trim().to_owned(),
            _ => format!("sha256:{}", hex::encode(Sha256::digest(&bytes))),
        };
    let row = WebhookEventRow {
        identifier: identifier.clone(),
        event: event.clone(),
        received: inner.clock.now(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        processed: None,
    };
    let (reply, stored) = oneshot::channel();
    if inner.journal.send(JournalEntry { row, reply }).await.is_err() {
        return refuse(
            inner,
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "webhook intake is shutting down".into(),
        );
    }
    match stored.await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => {
            inner.duplicates.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%identifier, "duplicate webhook delivery");
            return (StatusCode::OK, Json(json!({"status": "duplicate"}))).into_response();
        }
        // 503 makes JIRA retry the delivery later.
        _ => {
            return refuse(
                inner,
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "webhook could not be stored".into(),
            )
        }
    }
    inner.accepted.fetch_add(1, Ordering::Relaxed);
    let class = classify::classify(&value, &inner.rules);
    let critical = class.is_critical();
    if let Class::Critical(reason) = &class {
        tracing::info!(%identifier, %event, %reason, "critical webhook");
    }
    let delivery = Delivery { identifier, event, body: value };
    // A closed processor means shutdown; the stored delivery is replayed on start.
    let _ = if critical { inner.critical.send(delivery) } else { inner.routine.send(delivery) };
    (StatusCode::OK, Json(json!({"status": "accepted", "critical": critical}))).into_response()
}

/// Writes deliveries in groups on a thread of its own: whatever arrived
/// while the previous group was being committed goes into the next
/// transaction. A thread rather than a task handing each group to
/// `spawn_blocking`, because a delivery waiting for its commit then needs
/// one wake-up instead of three, which is most of its latency on busy cores.
/// The thread ends once `stopped` is set (the intake task was dropped) or
/// every sender is gone.
fn spawn_journal(
    store: Arc<dyn AlertStore>,
    mut rx: mpsc::Receiver<JournalEntry>,
    stopped: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("webhook-journal".into()).spawn(move || {
        let mut entries = Vec::with_capacity(GROUP_COMMIT);
        while let Some(first) = rx.blocking_recv() {
            entries.push(first);
            while entries.len() < GROUP_COMMIT {
                match rx.try_recv() {
                    Ok(entry) => entries.push(entry),
                    Err(_) => break,
                }
            }
            let (rows, replies): (Vec<WebhookEventRow>, Vec<_>) =
                entries.drain(..).map(|entry| (entry.row, entry.reply)).unzip();
            if stopped.load(Ordering::Acquire) {
                // Not stored: the 503 makes JIRA deliver again later.
                for reply in replies {
                    let _ = reply.send(Err("webhook intake is shutting down".into()));
                }
                return;
            }
            match store.insert_webhook_events(&rows) {
                Ok(inserted) => {
                    for (reply, new) in replies.into_iter().zip(inserted) {
                        let _ = reply.send(Ok(new));
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, "cannot store webhook deliveries");
                    for reply in replies {
                        let _ = reply.send(Err(err.to_string()));
                    }
                }
            }
        }
    })
}

/// Sets the flag when dropped (the intake task ended or was aborted).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Alert events of routine batches waiting for the coalesced evaluation.
#[derive(Default)]
struct Deferred {
    events: std::sync::Mutex<Vec<director_core::alerts::Event>>,
    wake: tokio::sync::Notify,
}

/// Runs the alert rules for routine batches at most once per batch interval,
/// so a storm of ordinary changes does not run them once per batch; critical
/// deliveries are evaluated at once, inline.
async fn evaluate_deferred(options: Options, deferred: Arc<Deferred>) {
    let Some(alerting) = options.alerting.clone() else {
        return std::future::pending().await;
    };
    let gap = options.config.webhooks.batch_interval.max(Duration::from_millis(500));
    loop {
        deferred.wake.notified().await;
        let events =
            std::mem::take(&mut *deferred.events.lock().unwrap_or_else(|p| p.into_inner()));
        alerting.on_applied(Vec::new(), Vec::new(), events).await;
        tokio::time::sleep(gap).await;
    }
}

async fn process(
    options: Options,
    pending: Vec<Delivery>,
    mut critical: mpsc::UnboundedReceiver<Delivery>,
    mut routine: mpsc::UnboundedReceiver<Delivery>,
    applied: Arc<AtomicU64>,
    deferred: Arc<Deferred>,
) {
    let batch_interval = options.config.webhooks.batch_interval;
    let batch_size = options.config.webhooks.batch_size.max(1);
    replay(&options, pending, &applied).await;
    let mut batch: Vec<Delivery> = Vec::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            biased;
            received = critical.recv() => {
                let Some(first) = received else { break };
                let mut group = vec![first];
                while let Ok(more) = critical.try_recv() {
                    group.push(more);
                }
                run(&options, group, &applied, None).await;
            }
            received = routine.recv() => {
                let Some(delivery) = received else { break };
                batch.push(delivery);
                deadline.get_or_insert_with(|| tokio::time::Instant::now() + batch_interval);
                if batch.len() >= batch_size {
                    deadline = None;
                    run(&options, std::mem::take(&mut batch), &applied, Some(&deferred)).await;
                }
            }
            () = sleep_until(deadline), if deadline.is_some() => {
                deadline = None;
                run(&options, std::mem::take(&mut batch), &applied, Some(&deferred)).await;
            }
        }
    }
    if !batch.is_empty() {
        run(&options, batch, &applied, Some(&deferred)).await;
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Deliveries stored before a restart but never applied. Read before the
/// intake accepts anything: a delivery accepted later reaches the processor
/// through its channel, and reading the journal again would apply it twice.
fn pending_before_start(options: &Options) -> Vec<Delivery> {
    // usize::MAX >> 1 is i64::MAX once the store binds it: no limit.
    match options.store.pending_webhook_events(usize::MAX >> 1) {
        Ok(rows) => rows
            .into_iter()
            .map(|row| Delivery {
                body: serde_json::from_str(&row.body).unwrap_or(Value::Null),
                identifier: row.identifier,
                event: row.event,
            })
            .collect(),
        Err(err) => {
            tracing::error!(error = %err, "cannot read pending webhook deliveries");
            Vec::new()
        }
    }
}

/// Applies the deliveries stored before a restart, in journal order.
async fn replay(options: &Options, mut pending: Vec<Delivery>, applied: &AtomicU64) {
    if !pending.is_empty() {
        tracing::info!(
            count = pending.len(),
            "applying webhook deliveries stored before a restart"
        );
    }
    while !pending.is_empty() {
        let rest = pending.split_off(pending.len().min(GROUP_COMMIT));
        if !run(options, pending, applied, None).await {
            return;
        }
        pending = rest;
    }
}

/// Applies one group; false when the store failed (the deliveries stay
/// pending and are replayed on the next start). Alerts are evaluated
/// inline, or through `deferred` for routine batches.
async fn run(
    options: &Options,
    group: Vec<Delivery>,
    applied: &AtomicU64,
    deferred: Option<&Deferred>,
) -> bool {
    if group.is_empty() {
        return true;
    }
    let store = options.store.clone();
    let alert_store = options.alert_store.clone();
    let config = options.config.clone();
    let now = options.clock.now();
    let count = group.len() as u64;
    let res = tokio::task::spawn_blocking(move || {
        let context = Context::new(&config, store.as_ref());
        let res = apply::apply(store.as_ref(), alert_store.as_ref(), &context, &group)?;
        alert_store.mark_webhooks_processed(&res.identifiers, now)?;
        let seq = store.last_seq()?;
        Ok::<_, crate::store::Error>((res, seq))
    })
    .await;
    let (res, seq) = match res {
        Ok(Ok(done)) => done,
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot apply webhook deliveries");
            return false;
        }
        Err(err) => {
            tracing::error!(error = %err, "webhook apply task failed");
            return false;
        }
    };
    applied.fetch_add(count, Ordering::Relaxed);
    tracing::debug!(
        deliveries = count,
        changed = res.changed.len(),
        deleted = res.deleted.len(),
        stale = res.stale,
        "webhook deliveries applied"
    );
    if !res.changed.is_empty() || !res.deleted.is_empty() {
        if let Some(on_change) = &options.on_change {
            on_change(seq);
        }
    }
    if res.sprint_events > 0 {
        if let Some(on_sprint) = &options.on_sprint {
            on_sprint();
        }
    }
    if let Some(alerting) = &options.alerting {
        if !res.changed.is_empty() || !res.deleted.is_empty() || !res.events.is_empty() {
            match deferred {
                Some(deferred) => {
                    deferred.events.lock().unwrap_or_else(|p| p.into_inner()).extend(res.events);
                    deferred.wake.notify_one();
                }
                None => alerting.on_applied(res.changed, res.deleted, res.events).await,
            }
        }
    }
    true
}
