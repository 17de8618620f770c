//! Access control of a whole proxy over HTTP: every route refuses
//! unauthenticated and wrong-token requests; the shared token, sessions and
//! their cookie flags; CSRF and sign-in rate limiting; security headers; JQL
//! injection attempts; and no secret in any response or log line.

use std::sync::Arc;
use std::time::Duration;

use director_proxy::auth::UserConfig;
use director_proxy::config::{Config, Credentials, Flavor, Secret};
use director_proxy::jira::jql;
use director_tests::setup::{
    self, capture_logs, client, session_cookie, SignedIn, SignedInOptions,
};
use director_tests::TempDir;
use reqwest::header;

use crate::webhooks::{issue_event, post_signed, wait_until};

const TOKEN: &str = "cd-shared-token-4b1e9a77c2d05f18";
const JIRA_TOKEN: &str = "jira-api-token-9e8d7c6b5a4f3e2d";
const WEBHOOK_SECRET: &str = "jira-webhook-secret-1a2b3c4d5e6f";
const PASSWORD: &str = "correct horse battery staple";

struct Served {
    url: String,
    _proxy: SignedIn,
    _sim: Arc<director_sim::Sim>,
    _dir: TempDir,
}

async fn serve() -> Served {
    let mut options = director_tests::sim_options(director_sim::Preset::Tiny);
    options.api_token = JIRA_TOKEN.into();
    let sim = Arc::new(director_tests::start_sim(options).await.unwrap());
    let mut config: Config = director_tests::config_for(&sim, Flavor::Cloud);
    config.auth.users = vec![UserConfig {
        name: "ann".into(),
        password_hash: director_proxy::auth::hash_password(PASSWORD).unwrap(),
    }];
    config.auth.attempts_per_minute = 3;
    // Reading the shared token from the environment is part of what is tested.
    std::env::set_var(director_proxy::auth::TOKEN_ENV, TOKEN);
    let dir = TempDir::new("auth");
    let options = SignedInOptions {
        credentials: Credentials::Basic {
            email: "demo@example.com".into(),
            token: Secret::new(JIRA_TOKEN),
        },
        webhook_secret: Some(Secret::new(WEBHOOK_SECRET)),
    };
    let proxy = setup::start_signed_in(config, dir.path(), options).await;
    Served { url: proxy.url.clone(), _proxy: proxy, _sim: sim, _dir: dir }
}

const PROTECTED: &[(&str, &str)] = &[
    ("GET", "/api/v1/issues"),
    ("GET", "/api/v1/issues?since=abc"),
    ("GET", "/api/v1/teams"),
    ("GET", "/api/v1/sprints"),
    ("GET", "/api/v1/sync/status"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/session"),
    ("POST", "/api/v1/sync"),
    ("POST", "/api/v1/alerts/0123456789abcdef/ack"),
    ("GET", "/api/v1/no-such-thing"),
    ("GET", "/"),
    ("GET", "/index.html"),
    ("GET", "/forecast"),
];

async fn call(url: &str, method: &str, path: &str, auth: Option<&str>) -> reqwest::Response {
    let mut request = client().request(method.parse().unwrap(), format!("{url}{path}"));
    if let Some(auth) = auth {
        request = request.header(header::AUTHORIZATION, auth);
    }
    request.send().await.unwrap()
}

/// Everything a run of the tests below sent back, for the secret search.
#[derive(Default)]
struct Transcript(String);

impl Transcript {
    async fn keep(
        &mut self,
        response: reqwest::Response,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        self.0.push_str(&format!("{status} {headers:?} {body}\n"));
        (status, headers, body)
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_route_refuses_strangers_and_no_secret_leaks() {
    let (logs, _guard) = capture_logs();
    let served = serve().await;
    let url = served.url.clone();
    let mut transcript = Transcript::default();

    for (method, path) in PROTECTED {
        for auth in [None, Some("Bearer wrong-token-wrong-token"), Some("Basic YW5uOnBhc3M=")] {
            let (status, headers, _) = transcript.keep(call(&url, method, path, auth).await).await;
            let html_redirect = *method == "GET" && !path.starts_with("/api/") && status == 303;
            assert!(status == 401 || html_redirect, "{method} {path} with {auth:?} gave {status}");
            if status == 401 {
                assert!(headers.contains_key(header::WWW_AUTHENTICATE));
            }
        }
        // Browsers asking for a page are sent to sign in.
        if *method == "GET" && !path.starts_with("/api/") {
            let response = client()
                .get(format!("{url}{path}"))
                .header(header::ACCEPT, "text/html")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303);
            assert_eq!(response.headers()[header::LOCATION], "/login");
        }
    }

    // The shared token opens the API.
    let bearer = format!("Bearer {TOKEN}");
    let (status, headers, body) =
        transcript.keep(call(&url, "GET", "/api/v1/alerts", Some(&bearer)).await).await;
    assert_eq!(status, 200, "{body}");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let foreign = client()
        .get(format!("{url}/api/v1/alerts"))
        .header(header::AUTHORIZATION, &bearer)
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        !foreign.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "no CORS unless configured"
    );

    // Health is public and tells nothing secret.
    for path in ["/healthz", "/readyz", "/login"] {
        let (status, _, _) = transcript.keep(call(&url, "GET", path, None).await).await;
        assert_eq!(status, 200, "{path}");
    }

    // Sign-in with a password: a strict, HttpOnly session cookie.
    let form = [("user", "ann"), ("password", PASSWORD)];
    let response = client().post(format!("{url}/auth/login")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http on loopback: no Secure flag");
    let session = session_cookie(&response);
    let with_cookie = client()
        .get(format!("{url}/api/v1/alerts"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), 200);
    // Behind a TLS-terminating proxy the cookie is Secure.
    let response = client()
        .post(format!("{url}/auth/login"))
        .header("x-forwarded-proto", "https")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(response.headers()[header::SET_COOKIE].to_str().unwrap().contains("Secure"));

    // CSRF: a cookie-borne state change from another site is refused; from our own origin it passes.
    let host = url.trim_start_matches("http://");
    let cross = client()
        .post(format!("{url}/api/v1/alerts/0123456789abcdef/ack"))
        .header(header::COOKIE, &session)
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let same = client()
        .post(format!("{url}/api/v1/alerts/0123456789abcdef/ack"))
        .header(header::COOKIE, &session)
        .header(header::ORIGIN, format!("http://{host}"))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 404, "passes the gate; no such alert");
    let cross_login = client()
        .post(format!("{url}/auth/login"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_login.status(), 403);

    // Sign-in with the shared token, then out.
    let response = client()
        .post(format!("{url}/auth/login"))
        .json(&serde_json::json!({"password": TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token_session = session_cookie(&response);
    let out = client()
        .post(format!("{url}/auth/logout"))
        .header(header::COOKIE, &token_session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = client()
        .get(format!("{url}/api/v1/alerts"))
        .header(header::COOKIE, &token_session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "a signed-out session is gone");

    // Rate limiting: wrong passwords for one user, then even the right one waits.
    for _ in 0..3 {
        let wrong = client()
            .post(format!("{url}/auth/login"))
            .form(&[("user", "ann"), ("password", "nope")])
            .send()
            .await
            .unwrap();
        transcript.keep(wrong).await;
    }
    let limited = client().post(format!("{url}/auth/login")).form(&form).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));

    // Webhooks with the secret, forged and good, for the log search below.
    let body = issue_event(
        "jira:issue_created",
        5,
        "ALPHA-5",
        "Highest",
        "In Progress",
        &[],
        chrono::Utc::now(),
    );
    transcript.keep(post_signed(&url, &body, "w-1", "forged-secret-forged").await).await;
    let (status, _, _) =
        transcript.keep(post_signed(&url, &body, "w-2", WEBHOOK_SECRET).await).await;
    assert_eq!(status, 200);
    // Alert ids reach no query; anything but hex is refused before the store.
    let (status, _, _) = transcript
        .keep(call(&url, "POST", "/api/v1/alerts/abc%22%20OR%201%3D1/ack", Some(&bearer)).await)
        .await;
    assert_eq!(status, 400);
    // Let the sync engine talk to JIRA with its credentials.
    let (status, _, _) =
        transcript.keep(call(&url, "GET", "/api/v1/teams", Some(&bearer)).await).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_until("some log lines were written", Duration::from_secs(5), || !logs.is_empty()).await;

    let logged = logs.text();
    assert!(logged.contains("webhook delivery refused"), "refusals are logged");
    assert!(logged.contains("sign-in refused"), "failed sign-ins are logged");
    for secret in [TOKEN, JIRA_TOKEN, WEBHOOK_SECRET, PASSWORD] {
        assert!(!transcript.0.contains(secret), "a response carries the secret {secret}");
        assert!(!logged.contains(secret), "the log carries the secret {secret}");
    }
}

#[test]
fn jql_injection_attempts_are_refused_or_quoted() {
    // Configured team filters: no ORDER BY, balanced quotes, no control characters.
    for bad in ["project = A ORDER BY created", "project = \"A", "project = A)", "project = A\u{0}"]
    {
        assert!(jql::check_team_jql(bad).is_err(), "{bad:?} accepted");
    }
    let bad_config =
        "[jira]\nurl = \"http://x\"\n[[team]]\nname = \"A\"\njql = \"project = A ORDER BY rank\"\n";
    assert!(Config::from_toml(bad_config).is_err());
    // Keys from requests: anything that is not a key is dropped, values are quoted.
    let keys = vec![
        "ALPHA-1".to_owned(),
        "ALPHA-2\" OR project = \"SECRET".to_owned(),
        "x) OR (1=1".to_owned(),
    ];
    assert_eq!(jql::key_in(&keys), "key in (\"ALPHA-1\")");
    assert_eq!(jql::quote("A\" OR project = \"B"), "\"A\\\" OR project = \\\"B\"");
    assert!(!jql::is_issue_key("ALPHA-1 OR 1=1"));
    assert!(jql::simple_projects("project = \"A\" OR project = B").is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn the_session_endpoint_names_who_is_signed_in_and_how() {
    use director_core::api::{SessionInfo, SignInMode};
    let served = serve().await;
    let url = served.url.clone();
    let bearer = format!("Bearer {TOKEN}");
    let by_token: SessionInfo =
        call(&url, "GET", "/api/v1/session", Some(&bearer)).await.json().await.unwrap();
    assert_eq!(by_token, SessionInfo { mode: SignInMode::Token, user: None, can_sign_out: false });

    let session = setup::sign_in(&url, "ann", PASSWORD).await;
    let signed_in: SessionInfo = client()
        .get(format!("{url}/api/v1/session"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        signed_in,
        SessionInfo { mode: SignInMode::Session, user: Some("ann".into()), can_sign_out: true }
    );
    let out = client()
        .post(format!("{url}/auth/logout"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = client()
        .get(format!("{url}/api/v1/session"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "after signing out the session is gone");
}
