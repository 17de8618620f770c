//! Who may use the proxy. The dashboard and `/api` need a signed-in user:
//! users come from config (argon2 password hashes), or one shared access
//! token from `CLAUDEDIRECTOR_TOKEN` serves small setups. Browsers get a
//! session cookie (HttpOnly, SameSite=Strict, Secure when served over TLS);
//! sessions are kept in the store by digest, so a restart signs nobody out
//! and signing out revokes the cookie for good. The CLI sends the shared
//! token, or a user's own API token ([`tokens`]), as `Authorization:
//! Bearer`. Sign-in attempts are rate limited per client and per user name.
//! State-changing requests that ride on a cookie must come from the
//! dashboard's own origin (CSRF).
//!
//! `serve --demo` bound to a loopback address runs [`Gate::open`]: nobody
//! else can reach it. Anything else needs sign-in.

pub mod headers;
pub mod tokens;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRef, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use director_core::api::{ErrorBody, ErrorDetail};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::config::Secret;
use crate::store::AuthStore;

/// Environment variable holding the shared access token.
pub const TOKEN_ENV: &str = "CLAUDEDIRECTOR_TOKEN";
/// Name of the session cookie.
pub const COOKIE: &str = "cd_session";

/// Who may use the dashboard and `/api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everyone who can connect (a demo bound to loopback, CLI-only use).
    Open,
    /// Signed-in users and holders of the shared token.
    SignIn,
}

/// `[[auth.user]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Sign-in name.
    pub name: String,
    /// Argon2 PHC string (`$argon2id$v=19$...`).
    pub password_hash: String,
}

/// `[auth]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Users who may sign in.
    #[serde(rename = "user")]
    pub users: Vec<UserConfig>,
    /// How long a session lasts.
    #[serde(deserialize_with = "de_duration")]
    pub session_ttl: Duration,
    /// Failed sign-ins allowed per client or user name per minute.
    pub attempts_per_minute: u32,
    /// Origins allowed to call the API from other sites (none by default).
    pub cors_origins: Vec<String>,
    /// Force the `Secure` cookie flag; by default it is set when the request
    /// came over TLS (`X-Forwarded-Proto: https` from the terminating proxy).
    pub secure_cookies: Option<bool>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            users: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            attempts_per_minute: 5,
            cors_origins: Vec::new(),
            secure_cookies: None,
        }
    }
}

fn de_duration<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(de)?;
    crate::config::parse_duration(&text).map_err(serde::de::Error::custom)
}

/// Access cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Neither users nor a token, on a server others can reach.
    #[error("sign-in is required: set {TOKEN_ENV} or add [[auth.user]] entries to the config")]
    NoCredentials,
    /// A password hash is not an argon2 PHC string.
    #[error("auth user {0}: password_hash is not an argon2 hash")]
    BadHash(String),
    /// The shared token is too short to resist guessing.
    #[error("{TOKEN_ENV} must be at least 16 characters")]
    WeakToken,
    /// A token was asked for someone who is not a configured user.
    #[error("no [[auth.user]] named {0} in the config")]
    UnknownUser(String),
    /// No token has that id, or it was revoked already.
    #[error("no active token with id {0}")]
    UnknownToken(String),
    /// The store failed.
    #[error("sign-in store failed: {0}")]
    Store(String),
}

struct Session {
    user: String,
    expires: Instant,
}

struct Attempts {
    window_start: Instant,
    failures: u32,
}

struct Inner {
    open: bool,
    users: HashMap<String, String>,
    token: Option<Secret>,
    ttl: Duration,
    attempts_per_minute: u32,
    secure: Option<bool>,
    /// Sessions and per-user tokens; without it (tests, an open demo)
    /// sessions live in `sessions` and end with the process.
    store: Option<Arc<dyn AuthStore>>,
    sessions: Mutex<HashMap<String, Session>>,
    attempts: Mutex<HashMap<String, Attempts>>,
    /// When each per-user token's use was last written, by token id: a
    /// busy script must not cost a store write per request.
    token_uses: Mutex<HashMap<String, Instant>>,
}

/// A token's last use is written at most this often.
pub const LAST_USED_EVERY: Duration = Duration::from_secs(60);

/// The access gate (cheap to clone).
#[derive(Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("open", &self.inner.open)
            .field("users", &self.inner.users.len())
            .field("token", &self.inner.token)
            .field("store", &self.inner.store.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No credential, or none that is valid (unknown, revoked, wrong, a
    /// session that ended): all look alike, so nothing tells which exist.
    Unauthenticated,
    /// A user's API token past its expiry. Only the holder of the token
    /// itself can get this answer, so it reveals nothing to others.
    TokenExpired,
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody needs to sign in (demo on loopback).
    Open,
    /// A user, by session cookie or by their own API token.
    User(String),
    /// The shared token, as a bearer token.
    Token,
}

fn random_id() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Gate {
    /// No sign-in: only for a demo bound to loopback.
    pub fn open() -> Gate {
        Gate::build(true, HashMap::new(), None, &AuthConfig::default(), None)
    }

    /// Sign-in required with the configured users and the shared token;
    /// sessions and users' API tokens are kept in `store` when given.
    pub fn new(
        config: &AuthConfig,
        token: Option<Secret>,
        store: Option<Arc<dyn AuthStore>>,
    ) -> Result<Gate, Error> {
        let token = token.filter(|t| !t.expose().is_empty());
        if token.as_ref().is_some_and(|t| t.expose().chars().count() < 16) {
            return Err(Error::WeakToken);
        }
        let mut users = HashMap::new();
        for user in &config.users {
            PasswordHash::new(&user.password_hash)
                .map_err(|_| Error::BadHash(user.name.clone()))?;
            users.insert(user.name.clone(), user.password_hash.clone());
        }
        if users.is_empty() && token.is_none() {
            return Err(Error::NoCredentials);
        }
        Ok(Gate::build(false, users, token, config, store))
    }

    /// The token from `CLAUDEDIRECTOR_TOKEN`, if set.
    pub fn token_from_env() -> Option<Secret> {
        std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()).map(Secret::new)
    }

    fn build(
        open: bool,
        users: HashMap<String, String>,
        token: Option<Secret>,
        config: &AuthConfig,
        store: Option<Arc<dyn AuthStore>>,
    ) -> Gate {
        Gate {
            inner: Arc::new(Inner {
                open,
                users,
                token,
                ttl: config.session_ttl,
                attempts_per_minute: config.attempts_per_minute.max(1),
                secure: config.secure_cookies,
                store,
                sessions: Mutex::new(HashMap::new()),
                attempts: Mutex::new(HashMap::new()),
                token_uses: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// True when nobody needs to sign in.
    pub fn is_open(&self) -> bool {
        self.inner.open
    }

    fn token_matches(&self, candidate: &str) -> bool {
        self.inner
            .token
            .as_ref()
            .is_some_and(|token| bool::from(token.expose().as_bytes().ct_eq(candidate.as_bytes())))
    }

    fn password_matches(&self, user: &str, password: &str) -> bool {
        // An unknown user still costs one hash check, so timing does not tell
        // which names exist.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5ZkBbLQl1a6Bp1M9R2yZ1nGn3H8wS0sWk1A8ZqfX1Ew";
        let stored = self.inner.users.get(user);
        let hash = stored.map_or(DUMMY, String::as_str);
        let ok = PasswordHash::new(hash).is_ok_and(|parsed| {
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        });
        ok && stored.is_some()
    }

    /// Who sent these headers, if anyone valid.
    pub fn principal(&self, headers: &HeaderMap) -> Option<Principal> {
        self.check(headers).ok()
    }

    /// Who sent these headers, or why they are refused.
    pub fn check(&self, headers: &HeaderMap) -> Result<Principal, Refusal> {
        if self.inner.open {
            return Ok(Principal::Open);
        }
        if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            let token = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .ok_or(Refusal::Unauthenticated)?;
            let token = token.trim();
            if self.token_matches(token) {
                return Ok(Principal::Token);
            }
            return self.user_token(token).map(Principal::User);
        }
        self.session_principal(headers).ok_or(Refusal::Unauthenticated)
    }

    fn session_principal(&self, headers: &HeaderMap) -> Option<Principal> {
        let session = cookie(headers, COOKIE)?;
        if let Some(store) = &self.inner.store {
            return match store.session_user(&tokens::digest(&session), chrono::Utc::now()) {
                // A user removed from the config loses their sessions too.
                Ok(user) => user
                    .filter(|user| {
                        self.inner.users.contains_key(user)
                            || (user == "token" && self.inner.token.is_some())
                    })
                    .map(Principal::User),
                Err(err) => {
                    tracing::error!(error = %err, "cannot read sessions");
                    None
                }
            };
        }
        let mut sessions = lock(&self.inner.sessions);
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.get(&session).map(|s| Principal::User(s.user.clone()))
    }

    /// The configured user a per-user API token belongs to.
    fn user_token(&self, token: &str) -> Result<String, Refusal> {
        if !tokens::looks_like_token(token) {
            return Err(Refusal::Unauthenticated);
        }
        let store = self.inner.store.as_ref().ok_or(Refusal::Unauthenticated)?;
        let grant = match store.token_grant(&tokens::digest(token)) {
            Ok(Some(grant)) if self.inner.users.contains_key(&grant.user) => grant,
            Ok(_) => return Err(Refusal::Unauthenticated),
            Err(err) => {
                tracing::error!(error = %err, "cannot read API tokens");
                return Err(Refusal::Unauthenticated);
            }
        };
        let now = chrono::Utc::now();
        if grant.expires.is_some_and(|expires| expires <= now) {
            return Err(Refusal::TokenExpired);
        }
        self.record_use(store, &grant.id, now);
        Ok(grant.user)
    }

    /// Writes that token `id` was used at `now`, unless it was written less
    /// than [`LAST_USED_EVERY`] ago. The write runs on the blocking pool so
    /// the request never waits for the store's writer (a sync may hold it).
    fn record_use(&self, store: &Arc<dyn AuthStore>, id: &str, now: chrono::DateTime<chrono::Utc>) {
        {
            let mut uses = lock(&self.inner.token_uses);
            let at = Instant::now();
            if uses.get(id).is_some_and(|last| at.duration_since(*last) < LAST_USED_EVERY) {
                return;
            }
            uses.insert(id.to_owned(), at);
        }
        let store = Arc::clone(store);
        let id = id.to_owned();
        let write = move || {
            if let Err(err) = store.touch_token(&id, now) {
                tracing::warn!(error = %err, token = %id, "cannot record a token's last use");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(write)),
            Err(_) => write(),
        }
    }

    /// Counts a failure for `keys`; `Some(wait)` when any is over the limit.
    fn limited(&self, keys: &[String]) -> Option<Duration> {
        let attempts = lock(&self.inner.attempts);
        let now = Instant::now();
        keys.iter()
            .filter_map(|key| attempts.get(key))
            .filter(|a| {
                now.duration_since(a.window_start) < Duration::from_secs(60)
                    && a.failures >= self.inner.attempts_per_minute
            })
            .map(|a| Duration::from_secs(60).saturating_sub(now.duration_since(a.window_start)))
            .max()
    }

    fn record_failure(&self, keys: &[String]) {
        let mut attempts = lock(&self.inner.attempts);
        let now = Instant::now();
        if attempts.len() > 10_000 {
            attempts.retain(|_, a| now.duration_since(a.window_start) < Duration::from_secs(60));
        }
        for key in keys {
            let entry =
                attempts.entry(key.clone()).or_insert(Attempts { window_start: now, failures: 0 });
            if now.duration_since(entry.window_start) >= Duration::from_secs(60) {
                *entry = Attempts { window_start: now, failures: 0 };
            }
            entry.failures += 1;
        }
    }

    /// A new session id for `user`; `None` when it cannot be stored.
    fn start_session(&self, user: String) -> Option<String> {
        let id = random_id();
        if let Some(store) = &self.inner.store {
            let now = chrono::Utc::now();
            let expires = now
                + chrono::Duration::from_std(self.inner.ttl).unwrap_or(chrono::Duration::hours(12));
            if let Err(err) = store.purge_sessions(now) {
                tracing::warn!(error = %err, "cannot remove ended sessions");
            }
            return match store.create_session(&tokens::digest(&id), &user, now, expires) {
                Ok(()) => Some(id),
                Err(err) => {
                    tracing::error!(error = %err, "cannot store a session");
                    None
                }
            };
        }
        lock(&self.inner.sessions)
            .insert(id.clone(), Session { user, expires: Instant::now() + self.inner.ttl });
        Some(id)
    }

    fn end_session(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            if let Some(store) = &self.inner.store {
                if let Err(err) = store.revoke_session(&tokens::digest(&id), chrono::Utc::now()) {
                    tracing::error!(error = %err, "cannot revoke a session");
                }
            }
            lock(&self.inner.sessions).remove(&id);
        }
    }

    fn secure(&self, headers: &HeaderMap) -> bool {
        self.inner.secure.unwrap_or_else(|| {
            headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https"))
        })
    }
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body =
        ErrorBody { error: ErrorDetail { code: code.to_owned(), message: message.to_owned() } };
    (status, Json(body)).into_response()
}

/// Same-origin check for cookie-authenticated state changes: the `Origin`
/// (or, without it, `Sec-Fetch-Site`) must say the request came from us.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let fetch_site = || headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // Our `Referrer-Policy: no-referrer` makes browsers send `Origin:
        // null` on their own form posts and fetches; then only the browser's
        // own word that the request is same-origin counts.
        Some("null") => fetch_site() == Some("same-origin"),
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            host.is_some() && origin_host == host
        }
        None => fetch_site().is_none_or(|site| site == "same-origin" || site == "none"),
    }
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware requiring a signed-in user (or the bearer token). Browsers
/// asking for a page are sent to the sign-in page; others get 401.
pub async fn require(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    match gate.check(headers) {
        Ok(Principal::User(_)) if is_state_changing(request.method()) && !same_origin(headers) => {
            error(StatusCode::FORBIDDEN, "forbidden", "cross-site request refused")
        }
        Ok(_) => next.run(request).await,
        Err(Refusal::TokenExpired) => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "this API token has expired; ask for a new one (claudedirector token create)",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer error=\"invalid_token\", error_description=\"the token has expired\"",
                ),
            );
            response
        }
        Err(Refusal::Unauthenticated) => {
            let wants_html = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/html"));
            if request.method() == Method::GET
                && wants_html
                && !request.uri().path().starts_with("/api/")
            {
                Redirect::to("/login").into_response()
            } else {
                let mut response = error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in or send a valid bearer token",
                );
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
        }
    }
}

/// Sign-in form fields: a user with a password, or the shared token.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    /// User name (absent for the token).
    #[serde(default)]
    pub user: Option<String>,
    /// Password, or the shared token when `user` is absent.
    pub password: String,
}

const LOGIN_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ClaudeDirector</title></head>
<body><main><h1>ClaudeDirector</h1>
<form method="post" action="/auth/login">
<p><label>User <input name="user" autocomplete="username"></label></p>
<p><label>Password or access token <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form><p>Leave the user empty to sign in with the shared access token.</p></main></body></html>"#;

/// `GET /login`, `POST /auth/login`, `POST /auth/logout` (outside the gate).
pub fn router<S>() -> Router<S>
where
    Gate: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/login", get(|| async { Html(LOGIN_PAGE) }))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
}

async fn login(State(gate): State<Gate>, request: Request) -> Response {
    let headers = request.headers().clone();
    if !same_origin(&headers) {
        return error(StatusCode::FORBIDDEN, "forbidden", "cross-site sign-in refused");
    }
    // Without the peer address (a server not started with connect info)
    // attempts are limited per user name only, so one client cannot lock
    // everyone out.
    let client =
        request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string());
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let form: SignIn = if is_json {
        match <Json<SignIn> as axum::extract::FromRequest<()>>::from_request(request, &()).await {
            Ok(Json(form)) => form,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "sign-in needs password (and user)",
                )
            }
        }
    } else {
        match <Form<SignIn> as axum::extract::FromRequest<()>>::from_request(request, &()).await {
            Ok(Form(form)) => form,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "sign-in needs password (and user)",
                )
            }
        }
    };
    let user = form.user.filter(|u| !u.trim().is_empty());
    let mut keys: Vec<String> = client.iter().map(|client| format!("client:{client}")).collect();
    if let Some(user) = &user {
        keys.push(format!("user:{user}"));
    }
    if keys.is_empty() {
        keys.push("token".to_owned());
    }
    if let Some(wait) = gate.limited(&keys) {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many sign-in attempts; try again later",
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let gate_check = gate.clone();
    let password = form.password;
    let user_for_check = user.clone();
    let ok = tokio::task::spawn_blocking(move || match &user_for_check {
        Some(user) => gate_check.password_matches(user, &password),
        None => gate_check.token_matches(&password),
    })
    .await
    .unwrap_or(false);
    if !ok {
        gate.record_failure(&keys);
        tracing::warn!(client = client.as_deref().unwrap_or("unknown"), "sign-in refused");
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "wrong user, password or token");
    }
    let name = user.unwrap_or_else(|| "token".to_owned());
    tracing::info!(user = %name, "signed in");
    let Some(id) = gate.start_session(name) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "cannot start a session");
    };
    let secure = if gate.secure(&headers) { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        gate.inner.ttl.as_secs()
    );
    let mut response = if is_json {
        Json(serde_json::json!({"signed_in": true})).into_response()
    } else {
        Redirect::to("/").into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout(State(gate): State<Gate>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return error(StatusCode::FORBIDDEN, "forbidden", "cross-site request refused");
    }
    gate.end_session(&headers);
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("cd_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

/// Hashes a password for `[[auth.user]]` (argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_needs_some_credential_and_a_strong_token() {
        assert_eq!(
            Gate::new(&AuthConfig::default(), None, None).unwrap_err(),
            Error::NoCredentials
        );
        assert_eq!(
            Gate::new(&AuthConfig::default(), Some(Secret::new("short")), None).unwrap_err(),
            Error::WeakToken
        );
        let bad = AuthConfig {
            users: vec![UserConfig { name: "ann".into(), password_hash: "plain".into() }],
            ..AuthConfig::default()
        };
        assert_eq!(Gate::new(&bad, None, None).unwrap_err(), Error::BadHash("ann".into()));
    }

    #[test]
    fn bearer_token_and_passwords_are_checked() {
        let hash = hash_password("correct horse").unwrap();
        let config = AuthConfig {
            users: vec![UserConfig { name: "ann".into(), password_hash: hash }],
            ..AuthConfig::default()
        };
        let gate = Gate::new(&config, Some(Secret::new("0123456789abcdef0123")), None).unwrap();
        let mut headers = HeaderMap::new();
        headers
            .insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdef0123"));
        assert_eq!(gate.principal(&headers), Some(Principal::Token));
        headers
            .insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdef0124"));
        assert_eq!(gate.principal(&headers), None);
        assert!(gate.password_matches("ann", "correct horse"));
        assert!(!gate.password_matches("ann", "wrong"));
        assert!(!gate.password_matches("bob", "correct horse"));
        let id = gate.start_session("ann".into()).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE}={id}")).unwrap(),
        );
        assert_eq!(gate.principal(&headers), Some(Principal::User("ann".into())));
    }

    #[test]
    fn cross_site_state_changes_are_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("director.example"));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://director.example"));
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&headers));
        let mut headers = HeaderMap::new();
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&headers));
        // `Origin: null` (our no-referrer policy on a browser's own post).
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers));
        headers.remove("sec-fetch-site");
        assert!(!same_origin(&headers), "a null origin needs the browser's same-origin word");
    }
}
