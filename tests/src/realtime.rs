//! The real-time path on its own, shared by the webhook, notification and
//! sign-in tests and the realtime benchmark: the intake, alert engine and
//! notifier over a fresh store, served on an ephemeral port; JIRA-shaped
//! webhook bodies; signed delivery; an HTTP receiver standing in for Slack.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use director_proxy::alerting::{AbortOnDrop, Alerting};
use director_proxy::clock::Clock;
use director_proxy::config::{AuthMode, Config, Flavor, Secret, TeamConfig};
use director_proxy::notify::email::Tls;
use director_proxy::notify::{ChannelConfig, ChannelKind, Notifier, NotifyConfig};
use director_proxy::store::SqliteStore;
use director_proxy::webhooks::{self, Webhooks};
use serde_json::{json, Value};

use crate::TempDir;

/// The webhook secret the rig verifies by default.
pub const SECRET: &str = "whsec-test-7f3a9c1e55d2";

/// Polls `check` every 20 ms until it holds; panics after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How the rig is set up.
#[derive(Debug, Clone)]
pub struct RigOptions {
    /// `JIRA_WEBHOOK_SECRET`; unsigned deliveries are accepted when `None`.
    pub secret: Option<&'static str>,
    /// Notification channels and routing.
    pub notify: NotifyConfig,
    /// Unacknowledged alerts escalate after this long.
    pub escalate_after_minutes: u32,
    /// Routine deliveries are applied at most this long after arrival.
    pub batch_interval: Duration,
    /// Largest accepted body.
    pub max_body_bytes: usize,
    /// Run the alert rules on applied changes.
    pub alerts: bool,
}

impl Default for RigOptions {
    fn default() -> Self {
        RigOptions {
            secret: Some(SECRET),
            notify: NotifyConfig::default(),
            escalate_after_minutes: 30,
            batch_interval: Duration::from_millis(200),
            max_body_bytes: 256 * 1024,
            alerts: true,
        }
    }
}

/// The running real-time path, with a clock the caller can move ahead (it
/// runs with real time plus an offset, so retry delays still pass).
pub struct Rig {
    /// Base URL of the intake (`{url}/webhooks/jira`).
    pub url: String,
    /// The store.
    pub store: Arc<SqliteStore>,
    /// The intake.
    pub webhooks: Webhooks,
    /// The alert engine.
    pub alerting: Alerting,
    /// Strategic refreshes the intake asked for (sprint events).
    pub sprint_refreshes: Arc<AtomicUsize>,
    clock_ms: Arc<AtomicI64>,
    _tasks: AbortOnDrop,
    _dir: TempDir,
}

impl Rig {
    /// The rig's clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.clock_ms.load(Ordering::SeqCst))
    }

    /// Moves the rig's clock ahead.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

/// One team, Alpha (`project = ALPHA`), on an unreachable site.
pub fn test_config(options: &RigOptions) -> Config {
    let teams = vec![TeamConfig {
        name: "Alpha".into(),
        jql: "project = ALPHA".into(),
        board: None,
        size: Some(6),
    }];
    let mut config = Config::for_site("http://127.0.0.1:9", Flavor::Cloud, AuthMode::Basic, teams);
    config.thresholds.escalate_after_minutes = options.escalate_after_minutes;
    config.webhooks.batch_interval = options.batch_interval;
    config.webhooks.max_body_bytes = options.max_body_bytes;
    config.notify = options.notify.clone();
    config
}

/// Starts the intake, alert engine and notifier over a fresh store.
pub async fn rig(options: RigOptions) -> Rig {
    let dir = TempDir::new("realtime");
    let store = Arc::new(SqliteStore::open_dir(dir.path()).expect("opening the store"));
    let config = Arc::new(test_config(&options));
    let clock_ms = Arc::new(AtomicI64::new(0));
    let reading = clock_ms.clone();
    let clock = Clock::custom(
        move || Utc::now() + chrono::Duration::milliseconds(reading.load(Ordering::SeqCst)),
        1.0,
    );
    let notifier =
        Notifier::new(&config.notify, config.org.time_zone, store.clone(), clock.clone())
            .expect("notification channels");
    let alerting = Alerting::new(
        config.clone(),
        store.clone(),
        store.clone(),
        clock.clone(),
        Some(notifier.clone()),
        None,
    );
    let sprint_refreshes = Arc::new(AtomicUsize::new(0));
    let counter = sprint_refreshes.clone();
    let (hooks, intake) = Webhooks::start(webhooks::Options {
        config: config.clone(),
        store: store.clone(),
        alert_store: store.clone(),
        secret: options.secret.map(Secret::new),
        clock,
        alerting: options.alerts.then(|| alerting.clone()),
        on_sprint: Some(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
        on_change: None,
    });
    let worker = notifier.spawn();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    let app: Router = webhooks::router().with_state(hooks.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Rig {
        url,
        store,
        webhooks: hooks,
        alerting,
        sprint_refreshes,
        clock_ms,
        _tasks: AbortOnDrop(vec![intake, worker, server]),
        _dir: dir,
    }
}

/// A timestamp as JIRA writes it.
pub fn jira_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
}

/// A `jira:issue_*` body shaped like JIRA Cloud's (v2 issue representation).
pub fn issue_event(
    event: &str,
    id: u64,
    key: &str,
    priority: &str,
    status: &str,
    labels: &[&str],
    updated: DateTime<Utc>,
) -> Value {
    let category = if status == "Done" {
        "done"
    } else if status == "To Do" {
        "new"
    } else {
        "indeterminate"
    };
    json!({
        "timestamp": updated.timestamp_millis(),
        "webhookEvent": event,
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5c5f880629be9642ba529340", "displayName": "Test User"},
        "issue": {
            "id": id.to_string(),
            "self": format!("https://example.atlassian.net/rest/api/2/issue/{id}"),
            "key": key,
            "fields": {
                "summary": format!("Payments fail for {key}"),
                "issuetype": {"name": "Bug"},
                "project": {"key": key.split('-').next().unwrap_or("ALPHA")},
                "status": {"name": status, "statusCategory": {"key": category}},
                "priority": {"name": priority},
                "labels": labels,
                "created": jira_time(updated - chrono::Duration::hours(1)),
                "updated": jira_time(updated),
            }
        },
        "changelog": {"id": format!("{}", updated.timestamp_millis()), "items": [
            {"field": "status", "fieldtype": "jira", "fromString": "To Do", "toString": status}
        ]}
    })
}

/// Posts `body` to `{url}/webhooks/jira` with the given identifier and
/// signature headers, on `client`.
pub async fn post_raw_with(
    client: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    id: Option<&str>,
    signature: Option<String>,
) -> reqwest::Result<reqwest::Response> {
    let mut request = client
        .post(format!("{url}/webhooks/jira"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(id) = id {
        request = request.header("X-Atlassian-Webhook-Identifier", id);
    }
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature", signature);
    }
    request.send().await
}

/// [`post_raw_with`] on a fresh client; panics when the request fails.
pub async fn post_raw(
    url: &str,
    body: Vec<u8>,
    id: Option<&str>,
    signature: Option<String>,
) -> reqwest::Response {
    post_raw_with(&reqwest::Client::new(), url, body, id, signature)
        .await
        .expect("posting a webhook")
}

/// Posts `body` signed with `secret`.
pub async fn post_signed(url: &str, body: &Value, id: &str, secret: &str) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).expect("json body");
    let signature = webhooks::signature::sign(secret.as_bytes(), &bytes);
    post_raw(url, bytes, Some(id), Some(signature)).await
}

/// An HTTP receiver standing in for Slack or a push gateway; it answers 503
/// to the first `fail_first` requests.
pub struct HttpSink {
    /// Where to post (`/hook/T000/B000/secretpart`).
    pub url: String,
    /// Bodies accepted, in arrival order.
    pub accepted: Mutex<Vec<Value>>,
    /// When each accepted body arrived.
    pub arrivals: Mutex<Vec<Instant>>,
    /// Requests received, refused ones included.
    pub hits: AtomicUsize,
    fail_first: AtomicUsize,
}

impl HttpSink {
    /// When the first accepted body whose `text` contains `needle` arrived.
    pub fn arrival_of(&self, needle: &str) -> Option<Instant> {
        let accepted = self.accepted.lock().unwrap_or_else(|p| p.into_inner());
        let arrivals = self.arrivals.lock().unwrap_or_else(|p| p.into_inner());
        accepted
            .iter()
            .zip(arrivals.iter())
            .find(|(body, _)| body["text"].as_str().is_some_and(|text| text.contains(needle)))
            .map(|(_, at)| *at)
    }
}

async fn sink_receive(State(sink): State<Arc<HttpSink>>, Json(body): Json<Value>) -> StatusCode {
    let at = Instant::now();
    sink.hits.fetch_add(1, Ordering::SeqCst);
    if sink.fail_first.load(Ordering::SeqCst) > 0 {
        sink.fail_first.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    // Both locks together, so a reader never sees a body without its time.
    let mut accepted = sink.accepted.lock().unwrap_or_else(|p| p.into_inner());
    let mut arrivals = sink.arrivals.lock().unwrap_or_else(|p| p.into_inner());
    accepted.push(body);
    arrivals.push(at);
    StatusCode::OK
}

/// Starts an [`HttpSink`] on 127.0.0.1.
pub async fn http_sink(fail_first: usize) -> Arc<HttpSink> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding loopback");
    let url = format!("http://{}/hook/T000/B000/secretpart", listener.local_addr().expect("bound"));
    let sink = Arc::new(HttpSink {
        url,
        accepted: Mutex::new(Vec::new()),
        arrivals: Mutex::new(Vec::new()),
        hits: AtomicUsize::new(0),
        fail_first: AtomicUsize::new(fail_first),
    });
    let app = Router::new().route("/hook/{a}/{b}/{c}", post(sink_receive)).with_state(sink.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    sink
}

/// A Slack-like or generic webhook channel posting to `url`.
pub fn http_channel(name: &str, kind: ChannelKind, url: &str) -> ChannelConfig {
    ChannelConfig {
        name: name.into(),
        kind,
        url: Some(url.into()),
        url_env: None,
        smtp_host: None,
        smtp_port: None,
        tls: Tls::None,
        from: None,
        to: Vec::new(),
        username_env: None,
        password_env: None,
    }
}
