//! Cross-crate test harness: a simulated JIRA on 127.0.0.1:0 and the proxy
//! against it with a temporary data folder, over real HTTP.
//!
//! ```ignore
//! let sim = director_tests::start_sim(director_tests::sim_options(Preset::Tiny)).await?;
//! let proxy = director_tests::start_proxy(&sim, director_tests::config_for(&sim)).await?;
//! let report = proxy.sync(false).await;           // one run, waited for
//! director_tests::assert_store_matches_sim(&proxy, &sim);
//! let body = reqwest::get(proxy.url("/api/v1/teams")).await?.text().await?;
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use director_proxy::clock::Clock;
use director_proxy::config::{AuthMode, Config, Credentials, Flavor, Secret, TeamConfig};
use director_proxy::state::AppState;
use director_proxy::sync::{RunReport, Trigger};
use director_proxy::StartOptions;
use director_sim::{Preset, Sim, SimOptions};

pub mod realtime;
pub mod setup;

/// A temporary folder removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh folder under the system temp dir.
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "claudedirector-test-{label}-{}-{:016x}",
            std::process::id(),
            fastrand_u64()
        ));
        std::fs::create_dir_all(&path).expect("creating a temporary folder");
        TempDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}

/// Sim options for tests: a fixed "now" so the organisation is the same on every run.
pub fn sim_options(preset: Preset) -> SimOptions {
    SimOptions {
        preset,
        now: chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .expect("valid time")
            .to_utc(),
        ..SimOptions::default()
    }
}

/// Starts a simulated JIRA on an ephemeral loopback port.
pub async fn start_sim(options: SimOptions) -> anyhow::Result<Sim> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    director_sim::start(options, listener).await
}

/// A config for the sim's teams (one `project = KEY` team per sim team),
/// with a fast limiter and short retries so fault tests finish quickly.
pub fn config_for(sim: &Sim, flavor: Flavor) -> Config {
    let teams = TeamConfig::for_sim(sim);
    let auth = match flavor {
        Flavor::Cloud => AuthMode::Basic,
        Flavor::Datacenter => AuthMode::Bearer,
    };
    let mut config = Config::for_site(&sim.base_url(), flavor, auth, teams);
    config.jira.requests_per_second = 1000.0;
    config.jira.max_backoff = std::time::Duration::from_millis(200);
    config.jira.timeout = std::time::Duration::from_secs(10);
    config.sync.daily_budget = 1_000_000;
    config
}

/// The sim's default credentials for the config's auth mode.
pub fn credentials_for(config: &Config) -> Credentials {
    match config.jira.auth {
        AuthMode::Basic => Credentials::Basic {
            email: "demo@example.com".into(),
            token: Secret::new("demo-token"),
        },
        AuthMode::Bearer => Credentials::Bearer { token: Secret::new("demo-pat") },
    }
}

/// A running proxy: its state, its HTTP address and its data folder.
pub struct Proxy {
    /// Store, engine, config.
    pub state: AppState,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The data folder (kept alive while the proxy runs).
    pub data: Arc<TempDir>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Proxy {
    /// A URL on the proxy.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Runs one manual sync and waits for its report.
    pub async fn sync(&self, full: bool) -> RunReport {
        self.state.sync.run(Trigger::Manual { full }).await.expect("the sync engine is running")
    }
}

/// Starts the proxy against `sim` with `config`, on the sim's clock, with
/// a fresh data folder; serves HTTP on an ephemeral port. Does not sync.
pub async fn start_proxy(sim: &Arc<Sim>, config: Config) -> anyhow::Result<Proxy> {
    start_proxy_in(sim, config, Arc::new(TempDir::new("proxy"))).await
}

/// Like [`start_proxy`] with a given data folder (to restart on the same store).
pub async fn start_proxy_in(
    sim: &Arc<Sim>,
    config: Config,
    data: Arc<TempDir>,
) -> anyhow::Result<Proxy> {
    let credentials = credentials_for(&config);
    let clock_sim = Arc::clone(sim);
    let clock = Clock::custom(move || clock_sim.now(), 1.0);
    let options = StartOptions {
        data_dir: data.path().to_owned(),
        credentials,
        clock,
        dist: None,
        access: director_proxy::auth::Access::Open,
        webhook_secret: None,
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (state, _engine) =
        director_proxy::start(config, options, director_proxy::wait_for(stop_rx.clone()))
            .context("starting the proxy")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let serving = state.clone();
    tokio::spawn(async move {
        let _ =
            director_proxy::serve_state(serving, listener, director_proxy::wait_for(stop_rx)).await;
    });
    Ok(Proxy { state, base_url, data, stop })
}

/// Compares the store with the sim's ground truth: the same ids, each with
/// the same `updated`, nothing missing, nothing extra. Returns the differences.
pub fn store_differences(state: &AppState, sim: &Sim) -> Vec<String> {
    let truth = sim.issue_ids_and_updated();
    let ids: Vec<String> = truth.iter().map(|(id, _, _)| id.clone()).collect();
    let stored = state.store.versions(&ids).expect("reading the store");
    let all = state.store.all_ids().expect("reading the store");
    let mut res = Vec::new();
    for (id, key, updated) in &truth {
        match stored.get(id) {
            None => res.push(format!("{key} ({id}) missing from the store")),
            Some(version) => {
                let stored_at = director_proxy::jira::parse_jira_time(&version.updated);
                if stored_at.map(|at| at.timestamp_millis()) != Some(updated.timestamp_millis()) {
                    res.push(format!(
                        "{key} stored as updated {} but jira has {updated}",
                        version.updated
                    ));
                }
            }
        }
    }
    let truth_ids: std::collections::HashSet<&String> = ids.iter().collect();
    for id in all.keys() {
        if !truth_ids.contains(id) {
            res.push(format!("issue {id} is stored but jira no longer has it"));
        }
    }
    res
}

/// Panics with the differences when the store does not equal the sim.
pub fn assert_store_matches_sim(state: &AppState, sim: &Sim) {
    let differences = store_differences(state, sim);
    assert!(
        differences.is_empty(),
        "store differs from the sim in {} ways, first: {:?}",
        differences.len(),
        &differences[..differences.len().min(5)]
    );
}

/// Default preset for quick tests.
pub const TINY: Preset = Preset::Tiny;
