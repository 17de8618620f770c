//! Benchmark of the real-time path on loopback, with durable writes (SQLite
//! WAL, `synchronous = FULL`):
//! - webhook intake: signed deliveries per second, sustained, from many
//!   concurrent connections and from one connection at a time;
//! - P0 webhook → Slack receiver latency (p50, p99, max): intake, durable
//!   write, classification, apply, alert rules, outbox, delivery.
//!
//! Run: `cargo bench -p director-tests --bench realtime` (add `-- --quick`
//! for a shorter run, `-- --no-alerts` to measure the intake without the
//! alert rules). Figures are printed; nothing is asserted.

use std::sync::atomic::{AtomicUsize, Ordering};
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
use director_proxy::store::{AlertStore, SqliteStore};
use director_proxy::webhooks::{self, Webhooks};
use serde_json::{json, Value};

const SECRET: &str = "bench-webhook-secret-0001";

struct Slack {
    received: Mutex<Vec<(String, Instant)>>,
}

async fn slack_receive(State(slack): State<Arc<Slack>>, Json(body): Json<Value>) -> StatusCode {
    let text = body["text"].as_str().unwrap_or("").to_owned();
    slack.received.lock().unwrap().push((text, Instant::now()));
    StatusCode::OK
}

fn event(id: u64, priority: &str, updated: DateTime<Utc>) -> Vec<u8> {
    let key = format!("ALPHA-{id}");
    let body = json!({
        "timestamp": updated.timestamp_millis(),
        "webhookEvent": "jira:issue_updated",
        "user": {"accountId": "1", "displayName": "Bench"},
        "issue": {"id": id.to_string(), "key": key, "fields": {
            "summary": format!("Bench issue {id}"), "issuetype": {"name": "Bug"},
            "project": {"key": "ALPHA"},
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "priority": {"name": priority}, "labels": [],
            "created": (updated - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string(),
            "updated": updated.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()}},
        "changelog": {"id": updated.timestamp_millis().to_string(), "items": [
            {"field": "status", "fromString": "To Do", "toString": "In Progress"}]}
    });
    serde_json::to_vec(&body).unwrap()
}

async fn deliver(client: &reqwest::Client, url: &str, id: &str, bytes: Vec<u8>) -> bool {
    let signature = webhooks::signature::sign(SECRET.as_bytes(), &bytes);
    client
        .post(url)
        .header("X-Atlassian-Webhook-Identifier", id)
        .header("X-Hub-Signature", signature)
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .is_ok_and(|response| response.status() == 200)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (storm, sequential, p0_count) = if quick { (5_000, 500, 50) } else { (20_000, 2_000, 200) };

    let slack = Arc::new(Slack { received: Mutex::new(Vec::new()) });
    let slack_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slack_url = format!("http://{}/services/T/B/x", slack_listener.local_addr().unwrap());
    let slack_app =
        Router::new().route("/services/T/B/x", post(slack_receive)).with_state(slack.clone());
    tokio::spawn(async move { axum::serve(slack_listener, slack_app).await });

    let dir = std::env::temp_dir().join(format!("claudedirector-bench-{}", std::process::id()));
    let store = Arc::new(SqliteStore::open_dir(&dir).unwrap());
    let teams = vec![TeamConfig {
        name: "Alpha".into(),
        jql: "project = ALPHA".into(),
        board: None,
        size: None,
    }];
    let mut config = Config::for_site("http://127.0.0.1:9", Flavor::Cloud, AuthMode::Basic, teams);
    config.notify = NotifyConfig {
        channels: vec![ChannelConfig {
            name: "slack".into(),
            kind: ChannelKind::Slack,
            url: Some(slack_url),
            url_env: None,
            smtp_host: None,
            smtp_port: None,
            tls: Tls::None,
            from: None,
            to: Vec::new(),
            username_env: None,
            password_env: None,
        }],
        ..NotifyConfig::default()
    };
    let config = Arc::new(config);
    let clock = Clock::system();
    let notifier =
        Notifier::new(&config.notify, config.org.time_zone, store.clone(), clock.clone()).unwrap();
    let alerting = Alerting::new(
        config.clone(),
        store.clone(),
        store.clone(),
        clock.clone(),
        Some(notifier.clone()),
        None,
    );
    let (hooks, intake): (Webhooks, _) = Webhooks::start(webhooks::Options {
        config: config.clone(),
        store: store.clone(),
        alert_store: store.clone(),
        secret: Some(Secret::new(SECRET)),
        clock,
        alerting: if std::env::args().any(|arg| arg == "--no-alerts") {
            None
        } else {
            Some(alerting)
        },
        on_sprint: None,
        on_change: None,
    });
    let worker = notifier.spawn();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/jira", listener.local_addr().unwrap());
    let app: Router = webhooks::router().with_state(hooks.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let _tasks = AbortOnDrop(vec![intake, worker, server]);
    let client = reqwest::Client::new();
    let base = Utc::now() - chrono::Duration::days(1);

    // 1. Sustained intake from 32 concurrent connections.
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers = (0..32).map(|_| {
        let client = client.clone();
        let url = url.clone();
        let counter = counter.clone();
        tokio::spawn(async move {
            let mut ok = 0usize;
            loop {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                if n >= storm {
                    return ok;
                }
                let id = 10_000 + (n % 2000) as u64;
                let bytes = event(id, "Medium", base + chrono::Duration::milliseconds(n as i64));
                if deliver(&client, &url, &format!("storm-{n}"), bytes).await {
                    ok += 1;
                }
            }
        })
    });
    let mut accepted = 0;
    for worker in workers {
        accepted += worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    let stored = store.webhook_event_count().unwrap();
    println!(
        "intake, 32 connections: {accepted} of {storm} accepted in {:.2} s = {:.0} events/s (stored: {stored})",
        elapsed.as_secs_f64(),
        accepted as f64 / elapsed.as_secs_f64()
    );
    while hooks.stats().applied < accepted as u64 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "  all {accepted} applied {:.2} s after the first delivery",
        started.elapsed().as_secs_f64()
    );

    // 2. One connection, one delivery at a time (each waits for its own commit).
    let started = Instant::now();
    let mut ok = 0;
    for n in 0..sequential {
        let bytes =
            event(20_000 + n as u64, "Low", base + chrono::Duration::milliseconds(n as i64));
        if deliver(&client, &url, &format!("seq-{n}"), bytes).await {
            ok += 1;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "intake, 1 connection sequential: {ok} in {:.2} s = {:.0} events/s",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(6)).await;

    if std::env::args().any(|arg| arg == "--no-alerts") {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // 3. P0 → Slack latency, one P0 at a time.
    let mut latencies = Vec::with_capacity(p0_count);
    for n in 0..p0_count {
        let id = 50_000 + n as u64;
        let key = format!("ALPHA-{id}");
        let bytes = event(id, "Highest", Utc::now());
        let sent = Instant::now();
        assert!(deliver(&client, &url, &format!("p0-{n}"), bytes).await);
        let deadline = sent + Duration::from_secs(10);
        let arrived = loop {
            let found = slack
                .received
                .lock()
                .unwrap()
                .iter()
                .find(|(text, _)| text.contains(&key))
                .map(|(_, at)| *at);
            if let Some(at) = found {
                break Some(at);
            }
            if Instant::now() > deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        };
        match arrived {
            Some(at) => latencies.push(at.duration_since(sent)),
            None => println!("P0 {key} did not reach Slack within 10 s"),
        }
    }
    latencies.sort();
    if !latencies.is_empty() {
        println!(
            "P0 webhook -> Slack ({} of {p0_count}): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latencies.len(),
            percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().unwrap().as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
