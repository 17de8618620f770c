//! Setup the integration tests share: a tiny simulated site with an open
//! proxy in front of it; the `claudedirector` binary and a configuration
//! file for it, as an operator runs them; a proxy that needs sign-in,
//! started and stopped on a given data folder; signing in over HTTP; and
//! the log lines a test wrote, for the secret searches.
//!
//! ```ignore
//! let sim = director_tests::setup::tiny_sim().await;
//! let dir = TempDir::new("tokens");
//! let config = ConfigFile::for_sim(&sim).users(&["ann"], PASSWORD).write(dir.path());
//! let proxy = setup::start_signed_in(Config::load(&config)?, &dir.path().join("data"), SignedInOptions::default()).await;
//! let cookie = setup::sign_in(&proxy.url, "ann", PASSWORD).await;
//! proxy.stop().await;
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use director_proxy::auth::Access;
use director_proxy::clock::Clock;
use director_proxy::config::{Config, Credentials, Flavor, Secret};
use director_proxy::StartOptions;
use director_sim::{Preset, Sim, SimOptions};
use reqwest::header;

use crate::{config_for, sim_options, start_proxy, start_sim, Proxy};

/// A simulated site with the tiny organisation, on an ephemeral port.
pub async fn tiny_sim() -> Arc<Sim> {
    Arc::new(start_sim(sim_options(Preset::Tiny)).await.expect("starting the simulated site"))
}

/// [`tiny_sim`] and an open proxy syncing it as a Cloud site (see
/// [`crate::start_proxy`]); nothing synced yet.
pub async fn tiny_cloud() -> (Arc<Sim>, Proxy) {
    site_and_proxy(sim_options(Preset::Tiny), Flavor::Cloud, |_| {}).await
}

/// A simulated site started with `options` and an open proxy syncing it as
/// a `flavor` site, with [`crate::config_for`] changed by `adjust`; nothing
/// synced yet.
pub async fn site_and_proxy(
    options: SimOptions,
    flavor: Flavor,
    adjust: impl FnOnce(&mut Config),
) -> (Arc<Sim>, Proxy) {
    let sim = Arc::new(start_sim(options).await.expect("starting the simulated site"));
    let mut config = config_for(&sim, flavor);
    adjust(&mut config);
    let proxy = start_proxy(&sim, config).await.expect("starting the proxy");
    (sim, proxy)
}

/// Builds `claudedirector` (a no-op when it is current) and returns its
/// path; once per test process, so tests running side by side do not queue
/// on cargo's lock.
pub fn claudedirector() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_claudedirector).clone()
}

fn build_claudedirector() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["build", "--quiet", "-p", "director-proxy", "--bin", "claudedirector"])
        .current_dir(root)
        .status()
        .expect("running cargo build");
    assert!(status.success(), "cargo build -p director-proxy failed");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let binary = target.join("debug").join("claudedirector");
    assert!(binary.is_file(), "no binary at {}", binary.display());
    binary
}

/// `claudedirector SUBCOMMAND ARGS --config CONFIG --data DATA`, to add
/// environment to and run (`.output()` captures stdout and stderr in pipes,
/// not a terminal).
pub fn claudedirector_command(
    binary: &Path,
    subcommand: &str,
    args: &[&str],
    config: &Path,
    data: &Path,
) -> Command {
    let mut command = Command::new(binary);
    command.arg(subcommand).args(args).arg("--config").arg(config).arg("--data").arg(data);
    command
}

/// A `claudedirector.toml` for a simulated Cloud site, one team per
/// simulated team, as an operator writes it.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    url: String,
    /// (name, project key, board id).
    teams: Vec<(String, String, u64)>,
    boards: bool,
    fast: bool,
    users: Vec<String>,
    password: String,
}

impl ConfigFile {
    /// The site and its teams by project, nothing else.
    pub fn for_sim(sim: &Sim) -> ConfigFile {
        ConfigFile {
            url: sim.base_url(),
            teams: sim
                .teams()
                .into_iter()
                .map(|team| (team.name, team.project_key, team.board_id))
                .collect(),
            boards: false,
            fast: false,
            users: Vec::new(),
            password: String::new(),
        }
    }

    /// Names each team's board too.
    pub fn with_boards(mut self) -> ConfigFile {
        self.boards = true;
        self
    }

    /// No throttling of JIRA calls and a budget no test reaches.
    pub fn fast(mut self) -> ConfigFile {
        self.fast = true;
        self
    }

    /// `[[auth.user]]` entries, all with `password`.
    pub fn users(mut self, names: &[&str], password: &str) -> ConfigFile {
        self.users = names.iter().map(|name| (*name).to_owned()).collect();
        self.password = password.to_owned();
        self
    }

    /// The file's text.
    pub fn text(&self) -> String {
        let mut text =
            format!("[jira]\nurl = \"{}\"\nflavor = \"cloud\"\nauth = \"basic\"\n", self.url);
        if self.fast {
            text.push_str("requests_per_second = 1000\n\n[sync]\ndaily_budget = 100000\n");
        }
        if !self.users.is_empty() {
            let hash = director_proxy::auth::hash_password(&self.password).expect("hashing");
            for name in &self.users {
                text.push_str(&format!(
                    "\n[[auth.user]]\nname = \"{name}\"\npassword_hash = \"{hash}\"\n"
                ));
            }
        }
        for (name, project, board) in &self.teams {
            text.push_str(&format!(
                "\n[[team]]\nname = \"{name}\"\njql = \"project = {project}\"\n"
            ));
            if self.boards {
                text.push_str(&format!("board = {board}\n"));
            }
        }
        text
    }

    /// Writes `claudedirector.toml` into `dir`; returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("claudedirector.toml");
        std::fs::write(&path, self.text()).expect("writing the config file");
        path
    }
}

/// How [`start_signed_in`] reaches JIRA and takes webhooks.
#[derive(Debug, Clone)]
pub struct SignedInOptions {
    /// The JIRA credentials the proxy holds.
    pub credentials: Credentials,
    /// `JIRA_WEBHOOK_SECRET`.
    pub webhook_secret: Option<Secret>,
}

impl Default for SignedInOptions {
    /// The simulated site's default Cloud credentials, no webhook secret.
    fn default() -> Self {
        SignedInOptions {
            credentials: Credentials::Basic {
                email: "demo@example.com".into(),
                token: Secret::new("demo-token"),
            },
            webhook_secret: None,
        }
    }
}

/// A running proxy that needs sign-in. Dropping it stops serving; [`stop`]
/// also waits until the store is let go of, to restart on the same folder.
///
/// [`stop`]: SignedIn::stop
pub struct SignedIn {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    engine: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn").field("url", &self.url).finish_non_exhaustive()
    }
}

impl SignedIn {
    /// Stops serving and waits until the server has let go of its state.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
        self.engine.abort();
        let _ = self.engine.await;
    }
}

/// Starts the proxy with sign-in required (`Access::SignIn`, the real
/// clock) on data folder `data`, serving on an ephemeral port.
pub async fn start_signed_in(config: Config, data: &Path, options: SignedInOptions) -> SignedIn {
    let start = StartOptions {
        data_dir: data.to_owned(),
        credentials: options.credentials,
        clock: Clock::system(),
        dist: None,
        access: Access::SignIn,
        webhook_secret: options.webhook_secret,
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (state, engine) =
        director_proxy::start(config, start, director_proxy::wait_for(stop_rx.clone()))
            .expect("starting the proxy");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding");
    let url = format!("http://{}", listener.local_addr().expect("a local address"));
    let server = tokio::spawn(director_proxy::serve_state(
        state,
        listener,
        director_proxy::wait_for(stop_rx),
    ));
    SignedIn { url, stop, server, engine }
}

/// A client that does not follow redirects (sign-in answers 303).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building an HTTP client")
}

/// The `cd_session=...` pair of a response's `Set-Cookie`, to send back as `Cookie`.
pub fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .expect("a Set-Cookie header");
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// Signs `user` in with the form the sign-in page posts; the session cookie.
pub async fn sign_in(url: &str, user: &str, password: &str) -> String {
    let form = [("user", user), ("password", password)];
    let response =
        client().post(format!("{url}/auth/login")).form(&form).send().await.expect("signing in");
    assert_eq!(response.status(), 303, "signing in as {user}");
    session_cookie(&response)
}

/// Log lines written while a test runs, through the subscriber
/// [`capture_logs`] installed for the current thread.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// True when nothing was logged yet.
    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Captures every log line at DEBUG and above written on this thread while
/// the guard lives (a `current_thread` runtime keeps the proxy's there too).
pub fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// True when the store's database file or its journal holds `needle`.
pub fn store_file_holds(data: &Path, needle: &str) -> bool {
    ["claudedirector.sqlite3", "claudedirector.sqlite3-wal"].iter().any(|name| {
        std::fs::read(data.join(name))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}
