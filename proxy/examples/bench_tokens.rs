//! API latency by how a request signs in, against the simulated JIRA.
//!
//! ```text
//! cargo run --release -p director-proxy --example bench_tokens -- [ROUNDS]
//! ```
//!
//! The proxy requires sign-in; every round sends the same small delta
//! request (`GET /api/v1/issues?since=`, 20 changed issues) from 100 new
//! connections, 50 requests each, once per way in: the shared token
//! (compared in memory), a user's API token (one store lookup, its expiry
//! checked, its last use written at most once a minute off the request's
//! path) and a session cookie (one store lookup). The three run one after
//! another within a round, so they see the same machine load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use director_proxy::auth::tokens::{self, DEFAULT_LIFETIME};
use director_proxy::auth::{hash_password, UserConfig, TOKEN_ENV};
use director_proxy::clock::Clock;
use director_proxy::config::{AuthMode, Config, Credentials, Flavor, Secret, TeamConfig};
use director_proxy::store::SqliteStore;
use director_proxy::sync::Trigger;
use director_proxy::StartOptions;
use director_sim::{Preset, SimOptions};

const SHARED: &str = "bench-shared-token-0123456789abcdef";
const PASSWORD: &str = "bench password";
const CLIENTS: usize = 100;
const PER_CLIENT: usize = 50;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> anyhow::Result<()> {
    // Read by the gate when the proxy starts, before any other thread runs.
    std::env::set_var(TOKEN_ENV, SHARED);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let client_workers = (cores / 2).max(1);
    let proxy_workers = cores.saturating_sub(client_workers).max(1);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_workers)
        .enable_all()
        .build()?
        .block_on(run(proxy_workers, client_workers))
}

async fn run(proxy_workers: usize, client_workers: usize) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = Arc::new(
        director_sim::start(
            SimOptions { preset: Preset::Small, ..SimOptions::default() },
            listener,
        )
        .await?,
    );
    let teams = TeamConfig::for_sim(&sim);
    let mut config = Config::for_site(&sim.base_url(), Flavor::Cloud, AuthMode::Basic, teams);
    config.auth.users = vec![UserConfig {
        name: "ann".into(),
        password_hash: hash_password(PASSWORD).map_err(|err| anyhow::anyhow!("hashing: {err}"))?,
    }];
    let dir = tempfile::tempdir()?;

    // The proxy on its own runtime, as in `bench_sync api`.
    let proxy_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(proxy_workers)
        .thread_name("proxy")
        .enable_all()
        .build()?;
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (state, base_url) = {
        let sim = Arc::clone(&sim);
        let config = config.clone();
        let data_dir = dir.path().to_owned();
        proxy_rt
            .spawn(async move {
                let clock_sim = Arc::clone(&sim);
                let options = StartOptions {
                    data_dir,
                    credentials: Credentials::Basic {
                        email: "demo@example.com".into(),
                        token: Secret::new("demo-token"),
                    },
                    clock: Clock::custom(move || clock_sim.now(), 1.0),
                    dist: None,
                    access: director_proxy::auth::Access::SignIn,
                    webhook_secret: None,
                };
                let (state, _engine) = director_proxy::start(
                    config,
                    options,
                    director_proxy::wait_for(stop_rx.clone()),
                )?;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let base_url = format!("http://{}", listener.local_addr()?);
                tokio::spawn(director_proxy::serve_state(
                    state.clone(),
                    listener,
                    director_proxy::wait_for(stop_rx),
                ));
                anyhow::Ok((state, base_url))
            })
            .await??
    };

    // A user's token, made as `claudedirector token create` makes it.
    let store = SqliteStore::open_dir(dir.path())?;
    let user_token =
        tokens::create(&store, &config.auth, "ann", chrono::Utc::now(), DEFAULT_LIFETIME)?;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let signed_in = http
        .post(format!("{base_url}/auth/login"))
        .form(&[("user", "ann"), ("password", PASSWORD)])
        .send()
        .await?;
    let cookie = signed_in
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .context("no session cookie")?
        .to_owned();

    let shared_auth = format!("Bearer {SHARED}");
    let report = state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    anyhow::ensure!(report.ok, "sync failed");
    let full: serde_json::Value = http
        .get(format!("{base_url}/api/v1/issues"))
        .header("authorization", &shared_auth)
        .send()
        .await?
        .json()
        .await?;
    let cursor = full["cursor"].as_str().unwrap_or_default().to_owned();
    for key in sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).take(20) {
        sim.update_issue(&key);
    }
    state.sync.run(Trigger::Manual { full: false }).await.context("engine stopped")?;
    let url: reqwest::Url = format!("{base_url}/api/v1/issues?since={cursor}").parse()?;
    println!("proxy {proxy_workers} worker(s), load generator {client_workers}");

    let ways: [(&str, &str, String); 3] = [
        ("shared token", "authorization", shared_auth.clone()),
        ("user API token", "authorization", format!("Bearer {}", user_token.token.expose())),
        ("session cookie", "cookie", cookie),
    ];
    let rounds: usize =
        std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(3).clamp(1, 50);
    for round in 1..=rounds {
        for (name, header, value) in &ways {
            // New connections every round, as when 100 scripts or dashboards start at once.
            let http = reqwest::Client::new();
            let start = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..CLIENTS {
                let (http, url, header, value) =
                    (http.clone(), url.clone(), *header, value.clone());
                tasks.push(tokio::spawn(async move {
                    let mut times = Vec::with_capacity(PER_CLIENT);
                    for _ in 0..PER_CLIENT {
                        let t = Instant::now();
                        let response = http
                            .get(url.clone())
                            .header(header, &value)
                            .send()
                            .await
                            .expect("request");
                        let status = response.status();
                        let _ = response.bytes().await.expect("body");
                        assert!(status.is_success(), "{status}");
                        times.push(t.elapsed());
                    }
                    times
                }));
            }
            let mut times = Vec::new();
            for task in tasks {
                times.extend(task.await?);
            }
            let wall = start.elapsed();
            times.sort();
            println!(
                "round {round} {name:<15} {} requests: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} req/s",
                times.len(),
                percentile(&times, 50.0).as_secs_f64() * 1000.0,
                percentile(&times, 99.0).as_secs_f64() * 1000.0,
                times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
                times.len() as f64 / wall.as_secs_f64(),
            );
        }
    }
    let listed = tokens::list(&store)?;
    println!(
        "last use recorded: {}",
        listed[0].last_used.map_or_else(|| "never".to_owned(), |at| at.to_rfc3339())
    );
    let _ = stop.send(true);
    drop(state);
    proxy_rt.shutdown_background();
    Ok(())
}
