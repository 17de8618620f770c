//! Sign-in that outlives the process: a dashboard session still works after
//! the proxy restarts on the same data folder, and signing out ends it for
//! good; per-user API tokens made by `claudedirector token` open the API
//! until revoked, and appear in no response, log line or listing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use director_proxy::auth::Access;
use director_proxy::clock::Clock;
use director_proxy::config::{Config, Credentials, Secret};
use director_proxy::StartOptions;
use director_tests::TempDir;
use reqwest::header;

const PASSWORD: &str = "correct horse battery staple";

/// Builds `claudedirector` (a no-op when it is current) and returns its path.
fn binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["build", "--quiet", "-p", "director-proxy", "--bin", "claudedirector"])
        .current_dir(root)
        .status()
        .expect("running cargo build");
    assert!(status.success(), "cargo build -p director-proxy failed");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("debug").join("claudedirector")
}

/// A config file naming the simulated site and two users, ann and bob.
fn write_config(dir: &Path, sim: &director_sim::Sim) -> PathBuf {
    let hash = director_proxy::auth::hash_password(PASSWORD).unwrap();
    let mut text = format!(
        "[jira]\nurl = \"{}\"\nflavor = \"cloud\"\nauth = \"basic\"\n\n\
         [[auth.user]]\nname = \"ann\"\npassword_hash = \"{hash}\"\n\n\
         [[auth.user]]\nname = \"bob\"\npassword_hash = \"{hash}\"\n",
        sim.base_url()
    );
    for team in sim.teams() {
        text.push_str(&format!(
            "\n[[team]]\nname = \"{}\"\njql = \"project = {}\"\n",
            team.name, team.project_key
        ));
    }
    let path = dir.join("claudedirector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A running proxy; dropping `stop` (or sending true) shuts it down.
struct Running {
    url: String,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    engine: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops serving and waits until the server has let go of its state.
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
        self.engine.abort();
        let _ = self.engine.await;
    }
}

async fn start(config: &Path, data: &Path) -> Running {
    let config = Config::load(config).unwrap();
    let options = StartOptions {
        data_dir: data.to_owned(),
        credentials: Credentials::Basic {
            email: "demo@example.com".into(),
            token: Secret::new("demo-token"),
        },
        clock: Clock::system(),
        dist: None,
        access: Access::SignIn,
        webhook_secret: None,
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (state, engine) =
        director_proxy::start(config, options, director_proxy::wait_for(stop_rx.clone())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(director_proxy::serve_state(
        state,
        listener,
        director_proxy::wait_for(stop_rx),
    ));
    Running { url, stop, server, engine }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(url: &str, auth: (&'static str, &str)) -> (u16, String) {
    let response =
        client().get(format!("{url}/api/v1/alerts")).header(auth.0, auth.1).send().await.unwrap();
    let status = response.status().as_u16();
    (status, format!("{:?} {}", response.headers().clone(), response.text().await.unwrap()))
}

fn file_holds(data: &Path, needle: &str) -> bool {
    ["claudedirector.sqlite3", "claudedirector.sqlite3-wal"].iter().any(|name| {
        std::fs::read(data.join(name))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_survives_a_restart_and_signing_out_ends_it() {
    let sim = Arc::new(
        director_tests::start_sim(director_tests::sim_options(director_sim::Preset::Tiny))
            .await
            .unwrap(),
    );
    let dir = TempDir::new("sessions");
    let config = write_config(dir.path(), &sim);
    let data = dir.path().join("data");

    let first = start(&config, &data).await;
    let form = [("user", "ann"), ("password", PASSWORD)];
    let response =
        client().post(format!("{}/auth/login", first.url)).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let session_id = cookie.split_once('=').unwrap().1.to_owned();
    assert_eq!(session_id.len(), 64);
    assert_eq!(get(&first.url, ("cookie", &cookie)).await.0, 200);
    first.stop().await;
    assert!(!file_holds(&data, &session_id), "only a digest of the session id is stored");

    let second = start(&config, &data).await;
    assert_eq!(get(&second.url, ("cookie", &cookie)).await.0, 200, "the restart kept the session");
    assert_eq!(
        get(
            &second.url,
            (
                "cookie",
                "cd_session=0000000000000000000000000000000000000000000000000000000000000000"
            )
        )
        .await
        .0,
        401
    );
    let out = client()
        .post(format!("{}/auth/logout", second.url))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(get(&second.url, ("cookie", &cookie)).await.0, 401, "signed out");
    second.stop().await;

    let third = start(&config, &data).await;
    assert_eq!(
        get(&third.url, ("cookie", &cookie)).await.0,
        401,
        "still signed out after a restart"
    );
    third.stop().await;
}

/// Log lines written while the test runs (this thread's subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
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

fn token_command(binary: &Path, config: &Path, data: &Path, args: &[&str]) -> Output {
    Command::new(binary)
        .arg("token")
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "debug")
        .output()
        .expect("running claudedirector token")
}

#[tokio::test(flavor = "current_thread")]
async fn a_users_token_opens_the_api_until_revoked_and_never_leaks() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let binary = binary();
    let sim = Arc::new(
        director_tests::start_sim(director_tests::sim_options(director_sim::Preset::Tiny))
            .await
            .unwrap(),
    );
    let dir = TempDir::new("tokens");
    let config = write_config(dir.path(), &sim);
    let data = dir.path().join("data");
    let proxy = start(&config, &data).await;
    let mut seen = String::new();

    let refused = token_command(&binary, &config, &data, &["create", "--user", "mallory"]);
    assert!(!refused.status.success(), "only configured users get tokens");

    let created = token_command(&binary, &config, &data, &["create", "--user", "ann"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("cdt_") && token.len() == 68, "{token}");
    seen.push_str(&String::from_utf8_lossy(&created.stderr));
    let other = token_command(&binary, &config, &data, &["create", "--user", "bob"]);
    assert!(other.status.success());
    let bobs = String::from_utf8(other.stdout).unwrap().trim().to_owned();

    let bearer = format!("Bearer {token}");
    let (status, body) = get(&proxy.url, ("authorization", &bearer)).await;
    assert_eq!(status, 200, "{body}");
    seen.push_str(&body);
    let session = client()
        .get(format!("{}/api/v1/session", proxy.url))
        .header(header::AUTHORIZATION, &bearer)
        .send()
        .await
        .unwrap();
    if session.status() == 200 {
        let text = session.text().await.unwrap();
        assert!(text.contains("\"ann\""), "the token acts as its user: {text}");
        seen.push_str(&text);
    }
    let (status, _) = get(&proxy.url, ("authorization", &format!("Bearer {bobs}"))).await;
    assert_eq!(status, 200);

    let listed = token_command(&binary, &config, &data, &["list"]);
    assert!(listed.status.success());
    let listing = String::from_utf8(listed.stdout).unwrap();
    assert!(listing.contains("ann") && listing.contains("bob"), "{listing}");
    seen.push_str(&listing);
    let id = listing
        .lines()
        .find(|line| line.contains("ann"))
        .and_then(|line| line.split_whitespace().next())
        .unwrap()
        .to_owned();

    let revoked = token_command(&binary, &config, &data, &["revoke", &id]);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    seen.push_str(&String::from_utf8_lossy(&revoked.stdout));
    seen.push_str(&String::from_utf8_lossy(&revoked.stderr));
    let (status, body) = get(&proxy.url, ("authorization", &bearer)).await;
    assert_eq!(status, 401, "a revoked token is refused at once by the running server");
    seen.push_str(&body);
    let (status, _) = get(&proxy.url, ("authorization", &format!("Bearer {bobs}"))).await;
    assert_eq!(status, 200, "revoking one token leaves the others");
    let again = token_command(&binary, &config, &data, &["revoke", &id]);
    assert!(!again.status.success(), "a token is revoked once");
    let listed = token_command(&binary, &config, &data, &["list", "--json"]);
    seen.push_str(&String::from_utf8_lossy(&listed.stdout));
    proxy.stop().await;

    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    for secret in [&token, &bobs] {
        assert!(!seen.contains(secret.as_str()), "a response or listing carries a token");
        assert!(!logged.contains(secret.as_str()), "the log carries a token");
        assert!(!file_holds(&data, secret), "the store holds a token, not its digest");
    }
}
