//! Benchmark of the real-time path on loopback, with durable writes (SQLite
//! WAL, `synchronous = FULL`: every accepted delivery is on disk before its
//! 2xx):
//! - webhook intake: signed deliveries per second, sustained, from 32
//!   concurrent connections and from one connection at a time;
//! - P0 webhook → Slack receiver latency (p50, p99, max): intake, durable
//!   write, classification, apply, alert rules, outbox, delivery.
//!
//! Run: `cargo bench -p director-tests --bench realtime` (add `-- --quick`
//! for a shorter run, `-- --no-alerts` to measure the intake without the
//! alert rules). Figures are printed; only losses are checked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use director_proxy::notify::{ChannelKind, NotifyConfig};
use director_proxy::store::AlertStore;
use director_proxy::webhooks;
use director_tests::realtime::{
    http_channel, http_sink, issue_event, post_raw_with, rig, RigOptions, SECRET,
};

const CONNECTIONS: usize = 32;

fn body(id: u64, priority: &str, updated: DateTime<Utc>) -> Vec<u8> {
    let key = format!("ALPHA-{id}");
    let event = issue_event("jira:issue_updated", id, &key, priority, "In Progress", &[], updated);
    serde_json::to_vec(&event).expect("json body")
}

async fn deliver(client: &reqwest::Client, url: &str, id: &str, bytes: Vec<u8>) -> bool {
    let signature = webhooks::signature::sign(SECRET.as_bytes(), &bytes);
    post_raw_with(client, url, bytes, Some(id), Some(signature))
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
    let alerts = !std::env::args().any(|arg| arg == "--no-alerts");
    let (storm, sequential, p0_count) = if quick { (5_000, 500, 50) } else { (20_000, 2_000, 200) };

    let slack = http_sink(0).await;
    let rig = rig(RigOptions {
        notify: NotifyConfig {
            channels: vec![http_channel("slack", ChannelKind::Slack, &slack.url)],
            ..NotifyConfig::default()
        },
        // The production default, so routine batches are as large as in service.
        batch_interval: Duration::from_secs(5),
        alerts,
        ..RigOptions::default()
    })
    .await;
    let url = rig.url.clone();
    let client = reqwest::Client::new();
    let base = Utc::now() - chrono::Duration::days(1);

    // 1. Sustained intake from 32 concurrent connections. The workers are
    // spawned before any is awaited, so they really run side by side.
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
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
                    let bytes = body(id, "Medium", base + chrono::Duration::milliseconds(n as i64));
                    if deliver(&client, &url, &format!("storm-{n}"), bytes).await {
                        ok += 1;
                    }
                }
            })
        })
        .collect();
    let mut accepted = 0;
    for worker in workers {
        accepted += worker.await.expect("storm worker");
    }
    let elapsed = started.elapsed();
    let stored = rig.store.webhook_event_count().expect("counting stored deliveries");
    println!(
        "intake, {CONNECTIONS} connections: {accepted} of {storm} accepted in {:.2} s = {:.0} events/s (stored: {stored})",
        elapsed.as_secs_f64(),
        accepted as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(stored, accepted as u64, "every accepted delivery is stored");
    while rig.webhooks.stats().applied < accepted as u64 {
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
        let bytes = body(20_000 + n as u64, "Low", base + chrono::Duration::milliseconds(n as i64));
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
    if !alerts {
        return;
    }
    // Let the routine batches of the runs above settle first.
    tokio::time::sleep(Duration::from_secs(6)).await;

    // 3. P0 → Slack latency, one P0 at a time.
    let mut latencies = Vec::with_capacity(p0_count);
    for n in 0..p0_count {
        let id = 50_000 + n as u64;
        let key = format!("ALPHA-{id}");
        let sent = Instant::now();
        assert!(deliver(&client, &url, &format!("p0-{n}"), body(id, "Highest", Utc::now())).await);
        let deadline = sent + Duration::from_secs(10);
        let arrived = loop {
            if let Some(at) = slack.arrival_of(&key) {
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
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
        );
    }
}
