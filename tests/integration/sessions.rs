//! Sign-in that outlives the process: a dashboard session still works after
//! the proxy restarts on the same data folder, and signing out ends it for
//! good; per-user API tokens made by `claudedirector token` open the API
//! until revoked, and appear in no response, log line or listing.

use std::path::Path;
use std::process::Output;

use director_proxy::config::Config;
use director_tests::setup::{
    self, capture_logs, claudedirector, claudedirector_command, client, store_file_holds,
    ConfigFile, SignedIn, SignedInOptions,
};
use director_tests::TempDir;
use reqwest::header;

const PASSWORD: &str = "correct horse battery staple";

async fn start(config: &Path, data: &Path) -> SignedIn {
    setup::start_signed_in(Config::load(config).unwrap(), data, SignedInOptions::default()).await
}

async fn get(url: &str, auth: (&'static str, &str)) -> (u16, String) {
    let response =
        client().get(format!("{url}/api/v1/alerts")).header(auth.0, auth.1).send().await.unwrap();
    let status = response.status().as_u16();
    (status, format!("{:?} {}", response.headers().clone(), response.text().await.unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_survives_a_restart_and_signing_out_ends_it() {
    let sim = setup::tiny_sim().await;
    let dir = TempDir::new("sessions");
    let config = ConfigFile::for_sim(&sim).users(&["ann", "bob"], PASSWORD).write(dir.path());
    let data = dir.path().join("data");

    let first = start(&config, &data).await;
    let cookie = setup::sign_in(&first.url, "ann", PASSWORD).await;
    let session_id = cookie.split_once('=').unwrap().1.to_owned();
    assert_eq!(session_id.len(), 64);
    assert_eq!(get(&first.url, ("cookie", &cookie)).await.0, 200);
    first.stop().await;
    assert!(!store_file_holds(&data, &session_id), "only a digest of the session id is stored");

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

fn token_command(binary: &Path, config: &Path, data: &Path, args: &[&str]) -> Output {
    claudedirector_command(binary, "token", args, config, data)
        .env("RUST_LOG", "debug")
        .output()
        .expect("running claudedirector token")
}

#[tokio::test(flavor = "current_thread")]
async fn a_users_token_opens_the_api_until_revoked_and_never_leaks() {
    let (logs, _guard) = capture_logs();
    let binary = claudedirector();
    let sim = setup::tiny_sim().await;
    let dir = TempDir::new("tokens");
    let config = ConfigFile::for_sim(&sim).users(&["ann", "bob"], PASSWORD).write(dir.path());
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

    let logged = logs.text();
    for secret in [&token, &bobs] {
        assert!(!seen.contains(secret.as_str()), "a response or listing carries a token");
        assert!(!logged.contains(secret.as_str()), "the log carries a token");
        assert!(!store_file_holds(&data, secret), "the store holds a token, not its digest");
    }
}
