//! The simulated JIRA's failure modes and live webhooks, as a client sees
//! them over HTTP: 429s with JIRA's headers and HTML page (Cloud and Data
//! Center), 5xx, slow and truncated responses, near-limit warnings, and
//! signed webhooks delivered to a receiver started here, retried when the
//! receiver fails.
//!
//! Run with `cargo test -p director-tests --test integration sim_faults`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{TimeZone, Utc};
use director_sim::{Fault, FaultRule, Flavor, LiveOptions, Matcher, Preset, Sim, SimOptions};
use serde_json::Value;

const SEARCH: &str = "/rest/api/3/search/jql?jql=project%20%3D%20ALPHA&maxResults=5";

fn options(flavor: Flavor) -> SimOptions {
    SimOptions {
        preset: Preset::Tiny,
        flavor,
        seed: 21,
        now: Utc.with_ymd_and_hms(2026, 1, 12, 9, 30, 0).unwrap(),
        ..SimOptions::default()
    }
}

async fn site(options: SimOptions) -> Sim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    director_sim::start(options, listener).await.expect("start the simulated site")
}

async fn get(sim: &Sim, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .basic_auth("demo@example.com", Some("demo-token"))
        .send()
        .await
        .expect("request")
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn cloud_rate_limit_is_a_429_with_jira_headers_and_an_html_page() {
    let sim = site(options(Flavor::Cloud)).await;
    sim.faults().push(FaultRule::new(
        Matcher::path("/rest/api/3/search/jql"),
        Fault::RateLimited { retry_after_secs: 7 },
    ));
    let res = get(&sim, SEARCH).await;
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(header(&res, "retry-after"), Some("7"));
    assert_eq!(header(&res, "x-ratelimit-remaining"), Some("0"));
    assert!(header(&res, "x-ratelimit-limit").is_some_and(|v| v.parse::<u32>().is_ok()));
    assert_eq!(header(&res, "ratelimit-reason"), Some("jira-burst-based"));
    let reset = header(&res, "x-ratelimit-reset").expect("X-RateLimit-Reset").to_string();
    let reset = chrono::NaiveDateTime::parse_from_str(&reset, "%Y-%m-%dT%H:%MZ")
        .expect("yyyy-MM-ddTHH:mmZ");
    let wait = reset.and_utc() - Utc::now();
    assert!(
        wait <= chrono::Duration::seconds(8) && wait >= chrono::Duration::seconds(-60),
        "reset {wait} away"
    );
    assert!(header(&res, "content-type").is_some_and(|c| c.starts_with("text/html")));
    let body = res.text().await.expect("body");
    assert!(
        body.contains("error429") && body.contains("<title>Oops - an error has occurred</title>")
    );
    // One fault, one failure: the retry succeeds and both are in the log.
    assert_eq!(get(&sim, SEARCH).await.status().as_u16(), 200);
    let statuses: Vec<u16> = sim.request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(sim.request_log()[0].identity.as_deref(), Some("demo@example.com"));
    sim.shutdown().await;
}

#[tokio::test]
async fn data_center_rate_limit_uses_the_token_bucket_headers_and_tomcat_page() {
    let sim = site(options(Flavor::DataCenter)).await;
    sim.faults().push(FaultRule::new(
        Matcher::path("/rest/api/2/search"),
        Fault::RateLimited { retry_after_secs: 1 },
    ));
    let res = reqwest::Client::new()
        .get(format!("{}/rest/api/2/search?jql=project%20%3D%20ALPHA", sim.base_url()))
        .bearer_auth("demo-pat")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(header(&res, "x-ratelimit-fillrate"), Some("5"));
    assert_eq!(header(&res, "x-ratelimit-interval-seconds"), Some("1"));
    assert_eq!(header(&res, "retry-after"), Some("1"));
    assert!(res.text().await.expect("body").contains("HTTP Status 429 – Too Many Requests"));
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_fire_the_requested_number_of_times() {
    let sim = site(options(Flavor::Cloud)).await;
    sim.faults()
        .push(FaultRule::new(Matcher::path("/rest/api/3/"), Fault::ServerError(503)).times(2));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let res = get(&sim, "/rest/api/3/myself").await;
        statuses.push(res.status().as_u16());
        if res.status().as_u16() == 503 {
            assert!(header(&res, "retry-after").is_some());
            let body: Value = res.json().await.expect("JSON error body");
            assert!(body["errorMessages"].is_array());
        }
    }
    assert_eq!(statuses, [503, 503, 200]);
    sim.faults().push(FaultRule::new(
        Matcher::path("/rest/api/3/field").method("GET"),
        Fault::ServerError(500),
    ));
    assert_eq!(
        get(&sim, "/rest/api/3/myself").await.status().as_u16(),
        200,
        "other paths are untouched"
    );
    assert_eq!(get(&sim, "/rest/api/3/field").await.status().as_u16(), 500);
    assert_eq!(sim.faults().pending(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_truncated_body_is_well_framed_but_not_json() {
    let sim = site(options(Flavor::Cloud)).await;
    let whole = get(&sim, SEARCH).await.bytes().await.expect("body");
    sim.faults().push(FaultRule::new(Matcher::path("/rest/api/3/search/jql"), Fault::Truncated));
    let res = get(&sim, SEARCH).await;
    assert_eq!(res.status().as_u16(), 200);
    let cut = res.bytes().await.expect("a complete, short body");
    assert_eq!(cut.len(), whole.len() / 2);
    assert!(serde_json::from_slice::<Value>(&cut).is_err());
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_responses_and_near_limit_warnings_follow_their_rules() {
    let sim = site(options(Flavor::Cloud)).await;
    sim.faults().push(FaultRule::new(
        Matcher::path("/rest/api/3/myself"),
        Fault::Slow(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    assert_eq!(get(&sim, "/rest/api/3/myself").await.status().as_u16(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.faults().clear();
    sim.faults().push(FaultRule::new(Matcher::path("/rest/"), Fault::NearLimit).every(2));
    let mut flags = Vec::new();
    for _ in 0..4 {
        let res = get(&sim, "/rest/api/3/myself").await;
        flags.push(header(&res, "x-ratelimit-nearlimit") == Some("true"));
    }
    assert_eq!(flags, [true, false, true, false]);
    sim.shutdown().await;
}

/// What the receiver saw: headers and raw body of each delivery.
pub(crate) type Deliveries = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

#[derive(Clone)]
struct Receiver {
    seen: Deliveries,
    /// Answer 503 to this many deliveries first, to make the site retry.
    fail_first: Arc<Mutex<u32>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.seen.lock().unwrap_or_else(|e| e.into_inner()).push((headers, body));
    let mut fail = r.fail_first.lock().unwrap_or_else(|e| e.into_inner());
    if *fail > 0 {
        *fail -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::OK
}

/// A webhook receiver on 127.0.0.1:0 that answers 503 to the first `fail_first` deliveries.
pub(crate) async fn start_receiver(fail_first: u32) -> (String, Deliveries) {
    let seen: Deliveries = Arc::default();
    let state = Receiver { seen: seen.clone(), fail_first: Arc::new(Mutex::new(fail_first)) };
    let app = Router::new().route("/hooks/jira", post(receive)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
    let url = format!("http://{}/hooks/jira", listener.local_addr().expect("receiver address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

/// Polls the deliveries until `pred` holds or 20 s pass.
pub(crate) async fn wait_for(
    seen: &Deliveries,
    pred: impl Fn(&[(HeaderMap, Bytes)]) -> bool,
) -> Vec<(HeaderMap, Bytes)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let snapshot = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if pred(&snapshot) || Instant::now() > deadline {
            return snapshot;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn event(body: &Bytes) -> Value {
    serde_json::from_slice(body).expect("webhook bodies are JSON")
}

#[tokio::test]
async fn live_mode_sends_signed_jira_webhooks_and_retries_failures() {
    let (url, seen) = start_receiver(1).await;
    let secret = "s3cret-for-tests";
    let mut opts = options(Flavor::Cloud);
    opts.live = Some(LiveOptions {
        // Two simulated days per real second: sprints roll and work moves within the test.
        time_factor: 2.0 * 86_400.0,
        webhook_url: Some(url),
        webhook_secret: Some(secret.into()),
        tick: Duration::from_millis(50),
    });
    let sim = site(opts).await;
    let created_key = sim.create_issue("ALPHA");
    let seen = wait_for(&seen, |d| {
        let events: Vec<Value> = d.iter().map(|(_, b)| event(b)).collect();
        let has = |name: &str| events.iter().any(|e| e["webhookEvent"] == name);
        has("jira:issue_created")
            && has("jira:issue_updated")
            && (has("sprint_started") || has("sprint_closed"))
            && d.len() >= 10
    })
    .await;
    sim.shutdown().await;
    assert!(seen.len() >= 10, "only {} webhooks arrived", seen.len());

    for (headers, body) in &seen {
        let sig = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
        director_proxy::webhooks::signature::verify(secret.as_bytes(), body, sig)
            .expect("a valid X-Hub-Signature");
        assert!(headers.get("x-atlassian-webhook-identifier").is_some());
        let e = event(body);
        assert!(
            e["timestamp"].as_i64().is_some_and(|t| t > 1_700_000_000_000),
            "epoch milliseconds"
        );
    }
    // The first delivery got a 503: it came again with the same identifier and a retry count.
    let (first_headers, first_body) = &seen[0];
    let id = first_headers.get("x-atlassian-webhook-identifier").cloned();
    let retry = seen[1..]
        .iter()
        .find(|(h, _)| h.get("x-atlassian-webhook-identifier").cloned() == id)
        .expect("a retry");
    assert_eq!(retry.0.get("x-atlassian-webhook-retry").and_then(|v| v.to_str().ok()), Some("1"));
    assert_eq!(&retry.1, first_body);
    assert!(first_headers.get("x-atlassian-webhook-retry").is_none());
    let ids: std::collections::HashSet<_> =
        seen.iter().filter_map(|(h, _)| h.get("x-atlassian-webhook-identifier").cloned()).collect();
    assert_eq!(ids.len(), seen.len() - 1, "identifiers are unique per delivery");

    let events: Vec<Value> = seen.iter().map(|(_, b)| event(b)).collect();
    let created = events
        .iter()
        .find(|e| e["issue"]["key"] == created_key.as_str())
        .expect("the created issue's webhook");
    assert_eq!(created["webhookEvent"], "jira:issue_created");
    assert!(
        created["issue"]["self"].as_str().is_some_and(|s| s.contains("/rest/api/2/issue/")),
        "v2 issue shape"
    );
    let update =
        events.iter().find(|e| e["webhookEvent"] == "jira:issue_updated").expect("an update");
    let items = update["changelog"]["items"].as_array().expect("changelog items");
    assert!(
        !items.is_empty()
            && items.iter().all(|i| i["field"].is_string() && i.get("toString").is_some())
    );
    assert!(update["user"]["accountId"].is_string());
    let sprint = events
        .iter()
        .find(|e| e["webhookEvent"] == "sprint_started" || e["webhookEvent"] == "sprint_closed")
        .expect("a sprint event");
    assert!(sprint["sprint"]["id"].is_u64() && sprint["sprint"]["originBoardId"].is_u64());
}
