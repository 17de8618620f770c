//! Per-user API tokens over real HTTP, made and listed by `claudedirector
//! token` as an operator does: an expired token is refused with a body that
//! says so and names nothing else; `token list` shows when a token was last
//! used; a store written by the release before tokens expired upgrades in
//! place and its tokens keep working. No token text reaches a response, a
//! log line, a listing or the store's files.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use chrono::{DateTime, Utc};
use director_proxy::config::Config;
use director_tests::setup::{
    self, capture_logs, claudedirector, claudedirector_command, store_file_holds, ConfigFile,
    SignedIn, SignedInOptions,
};
use director_tests::TempDir;
use reqwest::header;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// A site, a config naming ann and bob, and the binary; the data folder is
/// `dir/data`.
struct Fixture {
    binary: PathBuf,
    config: PathBuf,
    data: PathBuf,
    _sim: std::sync::Arc<director_sim::Sim>,
    _dir: TempDir,
}

impl Fixture {
    async fn new(label: &str) -> Fixture {
        let binary = tokio::task::spawn_blocking(claudedirector).await.unwrap();
        let sim = setup::tiny_sim().await;
        let dir = TempDir::new(label);
        let config = ConfigFile::for_sim(&sim).users(&["ann", "bob"], PASSWORD).write(dir.path());
        let data = dir.path().join("data");
        Fixture { binary, config, data, _sim: sim, _dir: dir }
    }

    async fn serve(&self) -> SignedIn {
        let config = Config::load(&self.config).unwrap();
        setup::start_signed_in(config, &self.data, SignedInOptions::default()).await
    }

    fn token(&self, args: &[&str]) -> Output {
        claudedirector_command(&self.binary, "token", args, &self.config, &self.data)
            .env("RUST_LOG", "debug")
            .output()
            .expect("running claudedirector token")
    }

    /// `token create --user USER EXTRA...`: the token printed.
    fn create(&self, user: &str, extra: &[&str]) -> String {
        let mut args = vec!["create", "--user", user];
        args.extend_from_slice(extra);
        let created = self.token(&args);
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
        let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
        assert!(token.starts_with("cdt_") && token.len() == 68);
        token
    }

    /// `token list --json`, and its text as printed.
    fn list(&self) -> (Vec<Value>, String) {
        let listed = self.token(&["list", "--json"]);
        assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
        let text = String::from_utf8(listed.stdout).unwrap();
        (serde_json::from_str(&text).unwrap(), text)
    }

    /// `token list` as text.
    fn list_text(&self) -> String {
        let listed = self.token(&["list"]);
        assert!(listed.status.success());
        String::from_utf8(listed.stdout).unwrap()
    }
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    value.as_str().map(|text| DateTime::parse_from_rfc3339(text).unwrap().to_utc())
}

/// `GET /api/v1/alerts` with a bearer token: status, headers and body.
async fn call(url: &str, token: &str) -> (u16, header::HeaderMap, String) {
    let response = setup::client()
        .get(format!("{url}/api/v1/alerts"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test(flavor = "current_thread")]
async fn an_expired_token_is_refused_saying_so_and_naming_nothing_else() {
    let (logs, _guard) = capture_logs();
    let fixture = Fixture::new("tokens-expiry").await;
    let proxy = fixture.serve().await;
    let mut seen = String::new();

    let lasting = fixture.create("ann", &[]);
    let short = fixture.create("bob", &["--expires-in", "3s"]);
    let (rows, text) = fixture.list();
    seen.push_str(&text);
    let anns = rows.iter().find(|row| row["user"] == "ann").unwrap();
    assert_eq!(
        time(&anns["expires"]),
        Some(time(&anns["created"]).unwrap() + chrono::TimeDelta::days(90)),
        "a token lasts 90 days unless told otherwise"
    );
    let bobs = rows.iter().find(|row| row["user"] == "bob").unwrap().clone();
    let expires = time(&bobs["expires"]).unwrap();
    let bobs_id = bobs["id"].as_str().unwrap().to_owned();

    let (status, _, body) = call(&proxy.url, &short).await;
    assert_eq!(status, 200, "before its expiry the token works: {body}");
    let wait = (expires - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200);
    tokio::time::sleep(wait).await;

    let (status, headers, body) = call(&proxy.url, &short).await;
    seen.push_str(&body);
    assert_eq!(status, 401, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "token_expired", "{body}");
    assert!(error["error"]["message"].as_str().unwrap().contains("expired"), "{body}");
    for private in ["bob", bobs_id.as_str()] {
        assert!(!body.contains(private), "the refusal names {private}: {body}");
    }
    let challenge = headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains("invalid_token"), "{challenge}");

    // Unknown and revoked tokens get the one answer anybody gets.
    let unknown = format!("cdt_{}", "5e".repeat(32));
    let (status, _, unknown_body) = call(&proxy.url, &unknown).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&unknown_body).unwrap()["error"]["code"],
        "unauthorized"
    );
    let revoked = fixture.create("ann", &["--expires-in", "never"]);
    let id_of_revoked = fixture.list().0.last().unwrap()["id"].as_str().unwrap().to_owned();
    assert!(fixture.token(&["revoke", &id_of_revoked]).status.success());
    let (status, _, revoked_body) = call(&proxy.url, &revoked).await;
    assert_eq!(status, 401);
    assert_eq!(revoked_body, unknown_body, "a revoked token looks like an unknown one");

    let (status, _, body) = call(&proxy.url, &lasting).await;
    assert_eq!(status, 200, "{body}");
    seen.push_str(&body);

    let listing = fixture.list_text();
    seen.push_str(&listing);
    let line = |id: &str| listing.lines().find(|line| line.starts_with(id)).unwrap().to_owned();
    assert!(line(&bobs_id).trim_end().ends_with("expired"), "{listing}");
    assert!(line(&id_of_revoked).contains("revoked"), "{listing}");
    let (rows, text) = fixture.list();
    seen.push_str(&text);
    let states: Vec<&str> = rows.iter().map(|row| row["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["active", "expired", "revoked"], "{text}");
    proxy.stop().await;

    let logged = logs.text();
    for secret in [&lasting, &short, &revoked] {
        assert!(!seen.contains(secret.as_str()), "a response or listing carries a token");
        assert!(!logged.contains(secret.as_str()), "the log carries a token");
        assert!(!store_file_holds(&fixture.data, secret), "the store holds a token");
    }
}

/// Polls `token list --json` until the row of `id` has a last use.
async fn last_used(fixture: &Fixture, id: &str) -> DateTime<Utc> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (rows, _) = fixture.list();
        let row = rows.iter().find(|row| row["id"] == id).unwrap();
        if let Some(at) = time(&row["last_used"]) {
            return at;
        }
        assert!(std::time::Instant::now() < deadline, "no last use recorded: {row}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_list_shows_when_a_token_was_last_used() {
    let fixture = Fixture::new("tokens-last-used").await;
    let proxy = fixture.serve().await;
    let token = fixture.create("ann", &[]);
    let (rows, _) = fixture.list();
    let id = rows[0]["id"].as_str().unwrap().to_owned();
    assert!(rows[0]["last_used"].is_null(), "{rows:?}");
    let listing = fixture.list_text();
    let fields: Vec<&str> = listing.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(fields[fields.len() - 2..], ["never", "active"], "{listing}");

    let before = Utc::now();
    let (status, _, body) = call(&proxy.url, &token).await;
    assert_eq!(status, 200, "{body}");
    let after = Utc::now();
    let first = last_used(&fixture, &id).await;
    // Stored to the millisecond.
    assert!(
        first >= before - chrono::TimeDelta::milliseconds(1) && first <= after,
        "{before} <= {first} <= {after}"
    );
    let listing = fixture.list_text();
    let row = listing.lines().find(|line| line.starts_with(&id)).unwrap();
    assert!(row.contains(&first.format("%Y-%m-%d %H:%M").to_string()), "{listing}");
    assert!(!row.contains("never"), "{listing}");
    assert!(!listing.contains(&token));

    // Within the minute, more calls write nothing more.
    for _ in 0..20 {
        assert_eq!(call(&proxy.url, &token).await.0, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (rows, _) = fixture.list();
    assert_eq!(time(&rows[0]["last_used"]), Some(first));
    proxy.stop().await;
}

/// The store as the previous release left it: schema version 1, with one
/// token of ann's made then (no expiry or last-use columns yet).
fn previous_release_store(data: &Path, token: &str) {
    std::fs::create_dir_all(data).unwrap();
    let conn = rusqlite::Connection::open(data.join("claudedirector.sqlite3")).unwrap();
    conn.execute_batch(include_str!("../../proxy/src/store/schema-v1.sql")).unwrap();
    conn.execute(
        "INSERT INTO api_tokens(id, digest, user, created) VALUES ('a1b2c3d4e5f6', ?1, 'ann', ?2)",
        [director_proxy::auth::tokens::digest(token), "2026-06-01T08:00:00.000Z".to_owned()],
    )
    .unwrap();
}

fn schema_version(data: &Path) -> i64 {
    let conn = rusqlite::Connection::open(data.join("claudedirector.sqlite3")).unwrap();
    conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_the_previous_release_upgrades_and_its_tokens_keep_working() {
    let fixture = Fixture::new("tokens-upgrade").await;
    let token = format!("cdt_{}", "0f1e2d3c4b5a6978".repeat(4));
    previous_release_store(&fixture.data, &token);
    assert_eq!(schema_version(&fixture.data), 1);

    let proxy = fixture.serve().await;
    assert_eq!(schema_version(&fixture.data), 2, "opening the store upgraded it in place");
    let (status, _, body) = call(&proxy.url, &token).await;
    assert_eq!(status, 200, "a token made before the upgrade still works: {body}");
    let used = last_used(&fixture, "a1b2c3d4e5f6").await;
    assert!(used > Utc::now() - chrono::TimeDelta::minutes(1));
    let (rows, text) = fixture.list();
    assert_eq!(rows.len(), 1, "{text}");
    let made = DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z").unwrap().to_utc();
    assert_eq!(time(&rows[0]["created"]), Some(made));
    assert!(rows[0]["expires"].is_null(), "tokens from before expiry never expire: {text}");
    assert_eq!(rows[0]["state"], "active");

    // New tokens in the upgraded store expire as usual; the old one still works after a restart.
    let fresh = fixture.create("bob", &[]);
    proxy.stop().await;
    let proxy = fixture.serve().await;
    for token in [&token, &fresh] {
        let (status, _, body) = call(&proxy.url, token).await;
        assert_eq!(status, 200, "{body}");
    }
    assert!(time(&fixture.list().0[1]["expires"]).is_some());
    proxy.stop().await;
    assert!(!store_file_holds(&fixture.data, &token) && !store_file_holds(&fixture.data, &fresh));
}
