//! Sync cost and API latency against the simulated JIRA.
//!
//! ```text
//! cargo run --release -p director-proxy --example bench_sync -- large      # initial + 1% incremental of the large org
//! cargo run --release -p director-proxy --example bench_sync -- api [ROUNDS] # GET /api/v1/issues?since= with 100 clients
//! cargo run --release -p director-proxy --example bench_sync -- day director
//! cargo run --release -p director-proxy --example bench_sync -- day org
//! cargo run --release -p director-proxy --example bench_sync -- day org-large
//! ```
//!
//! Every figure printed is measured in this run: JIRA calls come from the
//! simulated site's request log and the proxy's call accounting.
//!
//! `api` runs the proxy and the load generator on separate runtimes with half
//! the cores each (`BENCH_PROXY_WORKERS` and `BENCH_CLIENT_WORKERS` override
//! that); every round opens 100 new connections, and round 1 starts right
//! after a sync. `BENCH_CLIENT_WARMUP=1` first warms the load generator's
//! HTTP client against the simulated site (never the proxy).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use director_proxy::clock::Clock;
use director_proxy::config::{AuthMode, Config, Credentials, Flavor, Secret, TeamConfig};
use director_proxy::state::AppState;
use director_proxy::sync::Trigger;
use director_proxy::StartOptions;
use director_sim::{LiveOptions, Preset, Sim, SimOptions};

struct Running {
    state: AppState,
    base_url: String,
    _stop: tokio::sync::watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

async fn start_sim(options: SimOptions) -> anyhow::Result<Arc<Sim>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    Ok(Arc::new(director_sim::start(options, listener).await?))
}

fn config_for(sim: &Sim, teams: Option<&[&str]>) -> Config {
    let teams = TeamConfig::for_sim(sim)
        .into_iter()
        .filter(|team| teams.is_none_or(|names| names.contains(&team.name.as_str())))
        .collect();
    Config::for_site(&sim.base_url(), Flavor::Cloud, AuthMode::Basic, teams)
}

async fn start_proxy(sim: &Arc<Sim>, config: Config, factor: f64) -> anyhow::Result<Running> {
    let dir = tempfile::tempdir()?;
    let clock_sim = Arc::clone(sim);
    let options = StartOptions {
        data_dir: dir.path().to_owned(),
        credentials: Credentials::Basic {
            email: "demo@example.com".into(),
            token: Secret::new("demo-token"),
        },
        clock: Clock::custom(move || clock_sim.now(), factor),
        dist: None,
        access: director_proxy::auth::Access::Open,
        webhook_secret: None,
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (state, _engine) =
        director_proxy::start(config, options, director_proxy::wait_for(stop_rx.clone()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let serving = state.clone();
    tokio::spawn(director_proxy::serve_state(serving, listener, director_proxy::wait_for(stop_rx)));
    Ok(Running { state, base_url, _stop: stop, _dir: dir })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn large() -> anyhow::Result<()> {
    let started = Instant::now();
    let sim = start_sim(SimOptions { preset: Preset::Large, ..SimOptions::default() }).await?;
    let total = sim.issue_ids_and_updated().len();
    println!(
        "large org: {total} issues, {} teams (generated in {:.1} s)",
        sim.teams().len(),
        started.elapsed().as_secs_f64()
    );
    let mut config = config_for(&sim, None);
    config.sync.daily_budget = 1_000_000;
    config.jira.requests_per_second = 100.0;
    // The initial read of a large organisation alone needs more than the
    // default budget; the day's calls are counted separately below.
    config.sync.daily_budget = 5_000;
    let proxy = start_proxy(&sim, config, 1.0).await?;
    sim.clear_request_log();
    let report =
        proxy.state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    anyhow::ensure!(report.ok, "initial sync failed: {:?}", report.error);
    let calls = sim.request_log().len();
    println!(
        "initial sync: {} issues stored, {calls} JIRA calls, {:.1} s wall",
        proxy.state.store.issue_count()?,
        report.millis as f64 / 1000.0
    );
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).step_by(100).collect();
    for key in &keys {
        sim.update_issue(key);
    }
    sim.clear_request_log();
    let report =
        proxy.state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    anyhow::ensure!(report.ok, "incremental sync failed: {:?}", report.error);
    println!(
        "incremental sync of {} changed issues (1%): {} changed, {} JIRA calls, {:.2} s wall",
        keys.len(),
        report.changed,
        sim.request_log().len(),
        report.millis as f64 / 1000.0
    );
    sim.clear_request_log();
    let report =
        proxy.state.sync.run(Trigger::Manual { full: true }).await.context("engine stopped")?;
    println!(
        "full reconcile (ids-first): {} changed, {} deleted, {} JIRA calls, {:.1} s wall",
        report.changed,
        report.deleted,
        sim.request_log().len(),
        report.millis as f64 / 1000.0
    );
    Ok(())
}

/// Worker threads of the proxy and of the load generator in `api`: half the
/// cores each unless `BENCH_PROXY_WORKERS` / `BENCH_CLIENT_WORKERS` say otherwise.
fn api_workers() -> (usize, usize) {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let from_env = |name: &str, default: usize| {
        std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default).max(1)
    };
    let client = from_env("BENCH_CLIENT_WORKERS", (cores / 2).max(1));
    let proxy = from_env("BENCH_PROXY_WORKERS", cores.saturating_sub(client).max(1));
    (proxy, client)
}

/// CPU time (ns) the threads whose name starts with `prefix` have used so far.
fn thread_cpu_nanos(prefix: &str) -> u64 {
    threads_named(prefix)
        .filter_map(|task| std::fs::read_to_string(task.join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Minor page faults the threads whose name starts with `prefix` have taken
/// so far: a heap growing for new connections shows here.
fn thread_minor_faults(prefix: &str) -> u64 {
    threads_named(prefix)
        .filter_map(|task| std::fs::read_to_string(task.join("stat")).ok())
        .filter_map(|stat| {
            // Fields after the parenthesised name: state is field 3, minflt field 10.
            let rest = stat.rsplit_once(')')?.1;
            rest.split_whitespace().nth(7)?.parse::<u64>().ok()
        })
        .sum()
}

fn threads_named(prefix: &str) -> impl Iterator<Item = std::path::PathBuf> + '_ {
    std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .map(|task| task.path())
        .filter(move |task| {
            std::fs::read_to_string(task.join("comm"))
                .is_ok_and(|name| name.trim_end().starts_with(prefix))
        })
}

async fn api() -> anyhow::Result<()> {
    let sim = start_sim(SimOptions { preset: Preset::Small, ..SimOptions::default() }).await?;
    // The proxy runs on its own runtime, so the load generator's 100 client
    // tasks do not queue in front of its requests (in production the
    // dashboards are elsewhere), and the cores are split between the two as
    // load tests on one machine do: with more busy threads than cores the
    // tail measures the kernel's time slicing rather than the proxy.
    let (proxy_workers, _) = api_workers();
    let proxy_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(proxy_workers)
        .thread_name("proxy")
        .enable_all()
        .build()?;
    let proxy = {
        let sim = Arc::clone(&sim);
        proxy_rt
            .spawn(async move { start_proxy(&sim, config_for(&sim, None), 1.0).await })
            .await??
    };
    let report =
        proxy.state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    anyhow::ensure!(report.ok, "sync failed");
    let http = reqwest::Client::new();
    let full: serde_json::Value =
        http.get(format!("{}/api/v1/issues", proxy.base_url)).send().await?.json().await?;
    let cursor = full["cursor"].as_str().unwrap_or_default().to_owned();
    // A realistic delta: a few issues changed since the client's cursor.
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).take(20).collect();
    for key in &keys {
        sim.update_issue(key);
    }
    proxy.state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    // Parsed once: the load generator shares the two cores with the proxy.
    let url: reqwest::Url = format!("{}/api/v1/issues?since={cursor}", proxy.base_url).parse()?;
    println!(
        "{} changed issues; proxy {} worker(s), load generator {}",
        keys.len(),
        proxy_workers,
        api_workers().1
    );
    // Round 1 follows the sync with no request before it, as when the
    // `data_changed` event sends every open dashboard to the proxy at once:
    // it includes whatever the proxy still has to prepare for that delta.
    if std::env::var_os("BENCH_CLIENT_WARMUP").is_some() {
        // Warms the load generator's own HTTP client (100 connections × 5
        // requests to the simulated JIRA, never to the proxy), to tell its
        // first-use cost from the proxy's.
        let warm = reqwest::Client::new();
        let sim_url = format!("{}/rest/api/3/myself", sim.base_url());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let warm = warm.clone();
            let sim_url = sim_url.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..5 {
                    let response = warm
                        .get(&sim_url)
                        .basic_auth("demo@example.com", Some("demo-token"))
                        .send()
                        .await
                        .expect("sim");
                    let _ = response.bytes().await;
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        println!(
            "load generator warmed against the simulated site in {:.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    const CLIENTS: usize = 100;
    const PER_CLIENT: usize = 50;
    let rounds: usize =
        std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(1).clamp(1, 50);
    for round in 1..=rounds {
        // Every round starts cold: new connections, as when 100 dashboards open at once.
        let http = reqwest::Client::new();
        let cpu_before = thread_cpu_nanos("proxy");
        let client_cpu_before = thread_cpu_nanos("loadgen");
        let faults_before = (thread_minor_faults("proxy"), thread_minor_faults("loadgen"));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let http = http.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(PER_CLIENT);
                for _ in 0..PER_CLIENT {
                    let t = Instant::now();
                    let response = http.get(url.clone()).send().await.expect("request");
                    let status = response.status();
                    let _ = response.bytes().await.expect("body");
                    assert!(status.is_success());
                    times.push(t.elapsed());
                }
                times
            }));
        }
        let mut times = Vec::new();
        // Each connection's first request also waits for its TCP connect
        // and accept; the rest reuse the connection.
        let mut firsts = Vec::new();
        for task in tasks {
            let client = task.await?;
            firsts.extend(client.first().copied());
            times.extend(client);
        }
        let wall = start.elapsed();
        let proxy_cpu = thread_cpu_nanos("proxy").saturating_sub(cpu_before);
        let client_cpu = thread_cpu_nanos("loadgen").saturating_sub(client_cpu_before);
        let faults = (
            thread_minor_faults("proxy").saturating_sub(faults_before.0),
            thread_minor_faults("loadgen").saturating_sub(faults_before.1),
        );
        times.sort();
        firsts.sort();
        println!(
            "GET issues?since= with {CLIENTS} concurrent clients, {} requests: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} req/s, proxy CPU {:.1} µs/request{}",
            times.len(),
            percentile(&times, 50.0).as_secs_f64() * 1000.0,
            percentile(&times, 99.0).as_secs_f64() * 1000.0,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
            times.len() as f64 / wall.as_secs_f64(),
            proxy_cpu as f64 / 1000.0 / times.len() as f64,
            if rounds > 1 { format!(" (round {round})") } else { String::new() }
        );
        println!(
            "  first request of each connection: p50 {:.2} ms, max {:.2} ms; load generator CPU {:.1} µs/request; minor faults: proxy {}, load generator {}",
            percentile(&firsts, 50.0).as_secs_f64() * 1000.0,
            firsts.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
            client_cpu as f64 / 1000.0 / times.len() as f64,
            faults.0,
            faults.1,
        );
    }
    let body = http.get(url).send().await?.bytes().await?;
    println!("delta body: {} bytes", body.len());
    drop(proxy);
    proxy_rt.shutdown_background();
    Ok(())
}

/// Sim minute-of-day for an `HH:MM` label.
fn at(day: DateTime<Utc>, hh: u32, mm: u32) -> DateTime<Utc> {
    day + chrono::Duration::minutes(i64::from(hh * 60 + mm))
}

async fn day(profile: &str) -> anyhow::Result<()> {
    // One simulated day (a Tuesday, UTC), 00:00 to 24:00, time-accelerated.
    let factor = 720.0;
    let day_start = Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).single().context("date")?;
    // Start the site a little before midnight so the initial sync is done by then.
    // `org` is the six-team demo organisation (60 engineers); `org-large`
    // takes ten teams of the large organisation (100+ engineers, ~55k issues).
    let (preset, lead_hours, team_count): (Preset, i64, Option<usize>) = match profile {
        "director" => (Preset::Small, 3, Some(1)),
        "org" => (Preset::Small, 3, None),
        "org-large" => (Preset::Large, 36, Some(10)),
        other => anyhow::bail!("unknown profile {other} (director, org or org-large)"),
    };
    let sim_start = day_start - chrono::Duration::hours(lead_hours);
    let live = LiveOptions { time_factor: factor, ..LiveOptions::default() };
    let sim =
        start_sim(SimOptions { preset, now: sim_start, live: Some(live), ..SimOptions::default() })
            .await?;
    let names: Vec<String> = sim.teams().into_iter().map(|team| team.name).collect();
    let chosen: Vec<&str> = match (profile, team_count) {
        // The director's team: Charlie, 11 engineers.
        ("director", _) => vec!["Charlie"],
        (_, Some(count)) => names.iter().take(count).map(String::as_str).collect(),
        (_, None) => names.iter().map(String::as_str).collect(),
    };
    let mut config = config_for(&sim, Some(&chosen));
    config.jira.requests_per_second = 100.0;
    let engineers: u32 = sim
        .teams()
        .iter()
        .filter(|team| config.teams.iter().any(|t| t.name == team.name))
        .map(|team| team.engineers)
        .sum();
    let fresh_for = config.sync.fresh_for;
    let proxy = start_proxy(&sim, config, factor).await?;
    let report =
        proxy.state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    anyhow::ensure!(report.ok, "initial sync failed: {:?}", report.error);
    anyhow::ensure!(sim.now() < day_start, "initial sync ran past midnight; lower the time factor");
    // The day's looks: (time, directors looking then).
    let opens: Vec<(u32, u32)> =
        vec![(8, 5), (9, 20), (10, 40), (11, 55), (13, 10), (14, 30), (15, 45), (17, 20)];
    let (directors, criticals): (u32, usize) = match profile {
        "director" => (1, 4),
        _ => (7, 35),
    };
    let mut looks: Vec<DateTime<Utc>> = Vec::new();
    for director in 0..directors {
        for (idx, (hh, mm)) in opens.iter().enumerate() {
            // Each director opens 5–8 times, at their own minutes.
            if director > 0 && idx % (director as usize + 1) == 1 {
                continue;
            }
            looks.push(at(day_start, *hh, (*mm + director * 7) % 60));
        }
    }
    looks.sort();
    let work_start = at(day_start, 8, 0);
    let critical_times: Vec<DateTime<Utc>> = (0..criticals)
        .map(|n| work_start + chrono::Duration::minutes((n as i64 * 600) / criticals as i64 + 3))
        .collect();
    // Open high-priority issues of the profile's teams: what critical events are about.
    let keys: Vec<String> = proxy
        .state
        .store
        .issues_json()?
        .iter()
        .filter_map(|json| serde_json::from_str::<director_core::model::Issue>(json).ok())
        .filter(|issue| issue.priority.is_high() && !issue.is_done())
        .map(|issue| issue.key.0)
        .collect();
    anyhow::ensure!(!keys.is_empty(), "no open high-priority issue to raise events on");
    let http = reqwest::Client::new();
    let mut events: Vec<(DateTime<Utc>, bool)> = looks
        .iter()
        .map(|t| (*t, true))
        .chain(critical_times.iter().map(|t| (*t, false)))
        .collect();
    events.sort();
    let mut oldest_seen = chrono::Duration::zero();
    let mut stale_looks = 0;
    let mut critical_idx = 0usize;
    let end = day_start + chrono::Duration::days(1);
    for (when, is_look) in events {
        while sim.now() < when {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if is_look {
            let age_before =
                proxy.state.sync.data_as_of().map(|as_of| sim.now() - as_of).unwrap_or_default();
            let _: serde_json::Value = http
                .get(format!("{}/api/v1/issues?wait=true&limit=1", proxy.base_url))
                .send()
                .await?
                .json()
                .await?;
            let age =
                proxy.state.sync.data_as_of().map(|as_of| sim.now() - as_of).unwrap_or_default();
            oldest_seen = oldest_seen.max(age);
            if age.to_std().unwrap_or_default() > fresh_for {
                stale_looks += 1;
            }
            let _ = age_before;
        } else {
            // A critical event: JIRA changes a high-priority issue and sends
            // its webhook, built from the site's own issue JSON (v2, as JIRA sends).
            let key = &keys[(critical_idx * 37) % keys.len()];
            critical_idx += 1;
            sim.update_issue(key);
            let issue: serde_json::Value = http
                .get(format!("{}/rest/api/2/issue/{key}", sim.base_url()))
                .basic_auth("demo@example.com", Some("demo-token"))
                .send()
                .await?
                .json()
                .await?;
            let body = serde_json::json!({
                "timestamp": sim.now().timestamp_millis(),
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": "issue_generic",
                "issue": issue,
            });
            let _ =
                http.post(format!("{}/webhooks/jira", proxy.base_url)).json(&body).send().await?;
        }
    }
    while sim.now() < end {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let calls = proxy.state.store.calls_on(day_start.date_naive())?;
    let total: u64 = calls.iter().map(|(_, n)| n).sum();
    let runs = proxy.state.store.runs(200)?;
    let runs_today =
        runs.iter().filter(|run| run.started >= day_start && run.started < end).count();
    println!(
        "profile {profile}: {} teams, {engineers} engineers, {directors} directors, {} dashboard opens, {criticals} critical events",
        proxy.state.config.teams.len(),
        looks.len()
    );
    println!("JIRA calls on the simulated day: {total} ({calls:?}) in {runs_today} sync runs");
    println!(
        "oldest data shown at an open: {} min (fresh_for {} min); opens shown data older than fresh_for: {stale_looks}",
        oldest_seen.num_minutes(),
        fresh_for.as_secs() / 60
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if args.first().map(String::as_str) == Some("api") {
        runtime.worker_threads(api_workers().1).thread_name("loadgen");
    }
    runtime.enable_all().build()?.block_on(run(args))
}

async fn run(args: Vec<String>) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("large") => large().await,
        Some("api") => api().await,
        Some("day") => day(args.get(1).map_or("director", String::as_str)).await,
        _ => anyhow::bail!("usage: bench_sync large | api | day director|org"),
    }
}
