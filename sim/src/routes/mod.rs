//! The HTTP surface: JIRA's REST paths, and one middleware that does what
//! JIRA's edge does for every request (authentication, Atlassian headers,
//! injected faults) and records the request in the log.

mod agile;
mod issue;
mod platform;
mod search;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};

use crate::faults::{Fault, CLOUD_429_HTML, DC_429_HTML};
use crate::render::Ctx;
use crate::site::{LoggedRequest, Site};
use crate::Flavor;

pub(crate) type SiteState = State<Arc<Site>>;

/// Set on a search request when the page it serves should be disturbed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MutateAfterPage;

pub(crate) fn router(site: Arc<Site>) -> Router {
    let api = |v: &str, rest: &str| format!("/rest/api/{v}/{rest}");
    let mut r = Router::new();
    for v in ["2", "3", "latest"] {
        r = r
            .route(&api(v, "myself"), get(platform::myself))
            .route(&api(v, "serverInfo"), get(platform::server_info))
            .route(&api(v, "field"), get(platform::fields))
            .route(&api(v, "status"), get(platform::statuses))
            .route(&api(v, "priority"), get(platform::priorities))
            .route(&api(v, "project"), get(platform::projects))
            .route(&api(v, "issue/{key}"), get(issue::get_issue))
            .route(&api(v, "issue/{key}/changelog"), get(issue::changelog))
            .route(&api(v, "changelog/bulkfetch"), post(issue::bulkfetch))
            .route(&api(v, "search/jql"), get(search::jql_get).post(search::jql_post))
            .route(&api(v, "search/approximate-count"), post(search::approximate_count))
            .route(&api(v, "search"), get(search::legacy_get).post(search::legacy_post));
    }
    r.route("/rest/agile/1.0/board", get(agile::boards))
        .route("/rest/agile/1.0/board/{board}", get(agile::board))
        .route("/rest/agile/1.0/board/{board}/configuration", get(agile::configuration))
        .route("/rest/agile/1.0/board/{board}/sprint", get(agile::sprints))
        .route("/rest/agile/1.0/board/{board}/sprint/{sprint}/issue", get(agile::sprint_issues))
        .route("/rest/agile/1.0/board/{board}/issue", get(agile::board_issues))
        .route("/rest/agile/1.0/sprint/{sprint}", get(agile::sprint))
        .route("/rest/agile/1.0/sprint/{sprint}/issue", get(agile::sprint_issues_direct))
        .route("/rest/greenhopper/1.0/rapid/charts/sprintreport", get(agile::sprint_report))
        .route("/rest/greenhopper/1.0/rapid/charts/velocity", get(agile::velocity))
        .route("/rest/greenhopper/1.0/rapid/charts/velocity.json", get(agile::velocity))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(site.clone(), edge))
        .with_state(site)
}

/// A JSON response with JIRA's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut res = (status, bytes).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
    res
}

pub(crate) fn ok(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

/// JIRA's ErrorCollection body.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({"errorMessages": [message], "errors": {}}))
}

pub(crate) fn issue_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Issue does not exist or you do not have permission to see it.")
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "null for uri")
}

/// The API version of a path (`/rest/api/2/...` -> 2); 3 elsewhere.
pub(crate) fn api_version(path: &str) -> u8 {
    if path.starts_with("/rest/api/2/") {
        2
    } else {
        3
    }
}

/// A renderer for this site and request.
pub(crate) fn ctx<'a>(site: &'a Site, org: &'a crate::org::Org, api: u8) -> Ctx<'a> {
    let plain =
        Ctx { org, base: &site.base_url, tz: site.tz, api, flavor: site.flavor(), catalog: None };
    Ctx { catalog: Some(site.catalog.parts(plain)), ..plain }
}

/// Who is calling: the email for Cloud basic auth, `"pat"` for a Data Center token.
fn authenticate(site: &Site, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let o = &site.options;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return (site.flavor() == Flavor::DataCenter && token.trim() == o.pat)
            .then(|| "pat".to_string());
    }
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, secret) = text.split_once(':')?;
    (user == o.email && secret == o.api_token).then(|| user.to_string())
}

fn is_public(path: &str) -> bool {
    path.ends_with("/serverInfo")
}

fn unauthorized(site: &Site) -> Response {
    let mut res = json_response(
        StatusCode::UNAUTHORIZED,
        &json!({"message": "Client must be authenticated to access this resource.", "status-code": 401}),
    );
    let h = res.headers_mut();
    h.insert("X-Seraph-LoginReason", HeaderValue::from_static("AUTHENTICATED_FAILED"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "OAuth realm=\"{}\"",
        site.base_url.replace(':', "%3A").replace('/', "%2F")
    )) {
        h.insert(header::WWW_AUTHENTICATE, v);
    }
    res
}

fn rate_limited(site: &Site, retry_after_secs: u64) -> Response {
    let reset = (Utc::now() + chrono::Duration::seconds(retry_after_secs as i64))
        .format("%Y-%m-%dT%H:%MZ")
        .to_string();
    let (body, limit) = match site.flavor() {
        Flavor::Cloud => (CLOUD_429_HTML, "100"),
        Flavor::DataCenter => (DC_429_HTML, "5"),
    };
    let mut res = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html;charset=UTF-8"));
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    h.insert("X-RateLimit-Limit", HeaderValue::from_static(limit));
    h.insert("X-RateLimit-Remaining", HeaderValue::from_static("0"));
    match site.flavor() {
        Flavor::Cloud => {
            if let Ok(v) = HeaderValue::from_str(&reset) {
                h.insert("X-RateLimit-Reset", v);
            }
            h.insert("RateLimit-Reason", HeaderValue::from_static("jira-burst-based"));
            h.insert("X-RateLimit-NearLimit", HeaderValue::from_static("true"));
        }
        Flavor::DataCenter => {
            h.insert("X-RateLimit-FillRate", HeaderValue::from_static("5"));
            h.insert("X-RateLimit-Interval-Seconds", HeaderValue::from_static("1"));
        }
    }
    res
}

fn server_error(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = error(status, "Internal server error");
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    res
}

/// JIRA's edge: faults, authentication, Atlassian headers, the request log.
async fn edge(State(site): SiteState, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let identity = authenticate(&site, req.headers());
    let faults = site.faults.check(method.as_str(), &path);

    let mut early = None;
    let mut truncate = false;
    let mut near_limit = false;
    for fault in &faults {
        match fault {
            Fault::Slow(d) => tokio::time::sleep(*d).await,
            Fault::RateLimited { retry_after_secs } => {
                early = early.or(Some(rate_limited(&site, *retry_after_secs)))
            }
            Fault::ServerError(code) => early = early.or(Some(server_error(*code))),
            Fault::Truncated => truncate = true,
            Fault::NearLimit => near_limit = true,
            Fault::MutateDuringPaging => {
                req.extensions_mut().insert(MutateAfterPage);
            }
        }
    }
    let wrong_api = site.flavor() == Flavor::DataCenter && path.starts_with("/rest/api/3/");
    let mut res = if let Some(res) = early {
        res
    } else if identity.is_none() && !is_public(&path) {
        unauthorized(&site)
    } else if wrong_api {
        not_found().await
    } else {
        next.run(req).await
    };
    if truncate {
        res = truncated(res).await;
    }

    let n = site.request_counter.fetch_add(1, Ordering::SeqCst);
    let h = res.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("AtlassianEdge"));
    for (name, value) in [
        ("X-Arequestid", format!("{:016x}{:016x}", mix(n), mix(n ^ 0xA5A5))),
        ("Atl-Traceid", format!("{:016x}{:016x}", mix(n ^ 0x5A5A), mix(n.wrapping_add(7)))),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    h.insert("Timing-Allow-Origin", HeaderValue::from_static("*"));
    h.insert("X-Content-Type-Options", HeaderValue::from_static("nosniff"));
    h.insert("X-Xss-Protection", HeaderValue::from_static("1; mode=block"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store, no-transform"));
    if near_limit {
        h.insert("X-RateLimit-NearLimit", HeaderValue::from_static("true"));
    }
    site.log(LoggedRequest {
        at: Utc::now(),
        method: method.to_string(),
        path,
        query,
        identity,
        status: res.status().as_u16(),
    });
    res
}

/// A request counter scrambled into an id that looks like Atlassian's.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Cuts the body in half, keeping a consistent `Content-Length`, so the
/// client receives well-framed but invalid JSON.
async fn truncated(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let cut = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(cut.len()));
    Response::from_parts(parts, Body::from(cut))
}

/// Query parameters as pairs, keeping repeats (`fields=a&fields=b`).
pub(crate) type Params = axum::extract::Query<Vec<(String, String)>>;

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub(crate) fn params<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
}

/// A 400 with JIRA's error body; small, so `Result`s carrying it stay cheap.
#[derive(Debug)]
pub(crate) struct BadRequest(pub(crate) String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        error(StatusCode::BAD_REQUEST, &self.0)
    }
}

/// A numeric parameter; `Err` carries JIRA's 400.
pub(crate) fn number(
    params: &[(String, String)],
    name: &str,
    default: i64,
) -> Result<i64, BadRequest> {
    match param(params, name) {
        None | Some("") => Ok(default),
        Some(v) => v.trim().parse::<i64>().map_err(|_| {
            BadRequest(format!("The value '{v}' is invalid for the '{name}' parameter."))
        }),
    }
}

#[cfg(test)]
mod tests;
