//! Issue search: Cloud's enhanced `/search/jql` (token pages, no `total`,
//! default `fields=id`, changelog capped at 40 newest histories), Data
//! Center's `/rest/api/2/search` (`startAt`/`total`, changelog up to 100), and
//! the 410 Cloud now answers on the removed search.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    api_version, ctx, error, number, ok, param, params, BadRequest, MutateAfterPage, Params,
    SiteState,
};
use crate::jql::{self, JqlContext};
use crate::render::FieldSelection;
use crate::site::Site;
use crate::Flavor;

/// Embedded changelog cap of the enhanced search.
pub(crate) const CLOUD_CHANGELOG_CAP: usize = 40;
/// Embedded changelog cap of the old search, GET issue and the agile API.
pub(crate) const FULL_CHANGELOG_CAP: usize = 100;
const REMOVED_V3: &str = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046";
const REMOVED_V2: &str = "The requested API has been removed. Please use the newer, enhanced search-based API instead. Deprecation details are available at https://developer.atlassian.com/changelog/#CHANGE-2046.";
const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

/// One search request, from query parameters or a POST body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "accepted as JIRA accepts them; the site is always consistent, so reconciling changes nothing"
)]
pub(crate) struct SearchRequest {
    #[serde(default)]
    jql: Option<String>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    start_at: Option<i64>,
    #[serde(default)]
    fields: Option<Vec<String>>,
    #[serde(default)]
    expand: Option<Value>,
    #[serde(default)]
    properties: Option<Vec<String>>,
    #[serde(default)]
    fields_by_keys: Option<bool>,
    #[serde(default)]
    fail_fast: Option<bool>,
    #[serde(default)]
    reconcile_issues: Option<Vec<i64>>,
    #[serde(default)]
    validate_query: Option<Value>,
}

impl SearchRequest {
    fn from_params(p: &[(String, String)]) -> Result<SearchRequest, BadRequest> {
        let fields: Vec<String> = params(p, "fields").into_iter().map(str::to_string).collect();
        Ok(SearchRequest {
            jql: param(p, "jql").map(str::to_string),
            next_page_token: param(p, "nextPageToken").map(str::to_string),
            max_results: param(p, "maxResults").map(|_| number(p, "maxResults", 50)).transpose()?,
            start_at: param(p, "startAt").map(|_| number(p, "startAt", 0)).transpose()?,
            fields: (!fields.is_empty()).then_some(fields),
            expand: param(p, "expand").map(|e| json!(e)),
            ..SearchRequest::default()
        })
    }

    fn expands(&self, what: &str) -> bool {
        let list = match &self.expand {
            Some(Value::String(s)) => {
                s.split(',').map(|x| x.trim().to_string()).collect::<Vec<_>>()
            }
            Some(Value::Array(a)) => {
                a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
            }
            _ => Vec::new(),
        };
        list.iter().any(|x| x == what)
    }
}

/// Matching issue indices in query order, cached until the organisation changes.
pub(crate) fn run_query(site: &Site, jql: &str) -> Result<Arc<Vec<usize>>, jql::JqlError> {
    let version = site.version.load(Ordering::SeqCst);
    let now = site.clock.now();
    let minute = now.timestamp() / 60;
    {
        let cache = site.search_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, _, hit)) =
            cache.iter().find(|(q, v, m, _)| q == jql && *v == version && *m == minute)
        {
            return Ok(hit.clone());
        }
    }
    let org = site.read();
    let query = jql::parse(jql, &org, JqlContext { tz: site.tz, now })?;
    let mut hits: Vec<usize> =
        org.live_issues().filter(|(_, i)| query.matches(i, &org)).map(|(n, _)| n).collect();
    hits.sort_by(|a, b| query.compare(&org.issues[*a], &org.issues[*b]));
    drop(org);
    let hits = Arc::new(hits);
    let mut cache = site.search_cache.lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|(_, v, _, _)| *v == version);
    if cache.len() >= 16 {
        cache.remove(0);
    }
    cache.push((jql.to_string(), version, minute, hits.clone()));
    Ok(hits)
}

/// Whether the JQL restricts the search at all.
fn bounded(site: &Site, jql: &str) -> Result<bool, jql::JqlError> {
    let org = site.read();
    Ok(jql::parse(jql, &org, JqlContext { tz: site.tz, now: site.clock.now() })?.is_bounded())
}

fn fingerprint(jql: &str) -> u64 {
    jql.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// How long a page token stays valid ("This token will expire in 7 days").
const TOKEN_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// An opaque token naming the next offset, bound to its query and to when it was issued.
fn encode_token(offset: usize, jql: &str, issued: DateTime<Utc>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "v1:{offset}:{:016x}:{}",
        fingerprint(jql),
        issued.timestamp()
    ))
}

fn decode_token(token: &str, jql: &str, now: DateTime<Utc>) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut parts = text.split(':');
    (parts.next()? == "v1").then_some(())?;
    let offset = parts.next()?.parse().ok()?;
    (parts.next()? == format!("{:016x}", fingerprint(jql))).then_some(())?;
    let issued: i64 = parts.next()?.parse().ok()?;
    (now.timestamp() - issued <= TOKEN_LIFETIME_SECS).then_some(offset)
}

pub(crate) async fn jql_get(
    State(site): SiteState,
    uri: Uri,
    mutate: Option<Extension<MutateAfterPage>>,
    p: Params,
) -> Response {
    match SearchRequest::from_params(&p) {
        Ok(req) => enhanced(&site, &uri, req, mutate.is_some()),
        Err(res) => res.into_response(),
    }
}

pub(crate) async fn jql_post(
    State(site): SiteState,
    uri: Uri,
    mutate: Option<Extension<MutateAfterPage>>,
    body: Result<Json<SearchRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match body {
        // The enhanced search's body (`SearchAndReconcileRequestBean`) has no `startAt` or `validateQuery`.
        Ok(Json(req)) if req.start_at.is_some() || req.validate_query.is_some() => {
            let field = if req.start_at.is_some() { "startAt" } else { "validateQuery" };
            error(StatusCode::BAD_REQUEST, &format!("Invalid request payload. Refer to the REST API documentation and try again. (Unrecognized field \"{field}\")"))
        }
        Ok(Json(req)) => enhanced(&site, &uri, req, mutate.is_some()),
        Err(e) => error(
            StatusCode::BAD_REQUEST,
            &format!(
                "Invalid request payload. Refer to the REST API documentation and try again. ({})",
                e.body_text()
            ),
        ),
    }
}

/// `/rest/api/3/search/jql`.
fn enhanced(site: &Site, uri: &Uri, req: SearchRequest, mutate: bool) -> Response {
    if site.flavor() == Flavor::DataCenter {
        return error(StatusCode::NOT_FOUND, "null for uri");
    }
    let jql = req.jql.clone().unwrap_or_default();
    match bounded(site, &jql) {
        Ok(true) => {}
        Ok(false) => return error(StatusCode::BAD_REQUEST, UNBOUNDED),
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.0),
    }
    let hits = match run_query(site, &jql) {
        Ok(h) => h,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.0),
    };
    let offset = match req.next_page_token.as_deref().filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => match decode_token(t, &jql, site.clock.now()) {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "The provided next page token is invalid or expired.",
                )
            }
        },
    };
    let sel = FieldSelection::parse(req.fields.as_deref().unwrap_or(&[]), "id");
    let changelog = req.expands("changelog");
    let cap = if sel.ids_only() && !changelog { 5000 } else { 100 };
    let max = req.max_results.unwrap_or(50).clamp(1, cap) as usize;
    let end = (offset + max).min(hits.len());
    let page: Vec<usize> = hits.get(offset..end).map(<[usize]>::to_vec).unwrap_or_default();
    let org = site.read();
    let c = ctx(site, &org, api_version(uri.path()));
    let issues: Vec<Value> = page
        .iter()
        .map(|&n| c.issue(&org.issues[n], &sel, changelog.then_some(CLOUD_CHANGELOG_CAP), false))
        .collect();
    let mut body = json!({"issues": issues, "isLast": end >= hits.len()});
    if end < hits.len() {
        body["nextPageToken"] = json!(encode_token(end, &jql, site.clock.now()));
    }
    if req.expands("names") {
        body["names"] = platform_names(&org);
    }
    drop(org);
    if mutate {
        disturb(site, &page);
    }
    ok(&body)
}

/// Updates the first issue of a page just served, as a colleague editing
/// JIRA while a client pages through results would.
fn disturb(site: &Site, page: &[usize]) {
    let Some(&first) = page.first() else { return };
    let now = site.clock.now();
    let m = site.write().advance(first, now);
    site.emit(m);
}

fn platform_names(org: &crate::org::Org) -> Value {
    let mut m = serde_json::Map::new();
    for (id, name) in super::platform::field_names(org) {
        m.insert(id, json!(name));
    }
    Value::Object(m)
}

pub(crate) async fn approximate_count(
    State(site): SiteState,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(StatusCode::BAD_REQUEST, "Invalid request payload.");
    };
    let jql = body.get("jql").and_then(Value::as_str).unwrap_or_default().to_string();
    match bounded(&site, &jql) {
        Ok(true) => {}
        Ok(false) => return error(StatusCode::BAD_REQUEST, UNBOUNDED),
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.0),
    }
    match run_query(&site, &jql) {
        Ok(h) => ok(&json!({"count": h.len()})),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.0),
    }
}

pub(crate) async fn legacy_get(State(site): SiteState, uri: Uri, p: Params) -> Response {
    match SearchRequest::from_params(&p) {
        Ok(req) => legacy(&site, &uri, req),
        Err(res) => res.into_response(),
    }
}

pub(crate) async fn legacy_post(
    State(site): SiteState,
    uri: Uri,
    body: Result<Json<SearchRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match body {
        Ok(Json(req)) => legacy(&site, &uri, req),
        Err(e) => {
            error(StatusCode::BAD_REQUEST, &format!("Invalid request payload. ({})", e.body_text()))
        }
    }
}

/// `/rest/api/{2,3}/search`: gone on Cloud, the paging search on Data Center.
fn legacy(site: &Site, uri: &Uri, req: SearchRequest) -> Response {
    if site.flavor() == Flavor::Cloud {
        let text = if uri.path().starts_with("/rest/api/2/") { REMOVED_V2 } else { REMOVED_V3 };
        return error(StatusCode::GONE, text);
    }
    let jql = req.jql.clone().unwrap_or_default();
    let hits = match run_query(site, &jql) {
        Ok(h) => h,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.0),
    };
    let sel = FieldSelection::parse(req.fields.as_deref().unwrap_or(&[]), "*navigable");
    let changelog = req.expands("changelog");
    let cap = if sel.ids_only() && !changelog { 1000 } else { 100 };
    let start = req.start_at.unwrap_or(0).max(0) as usize;
    let max = req.max_results.unwrap_or(50).clamp(0, cap) as usize;
    let end = (start + max).min(hits.len());
    let org = site.read();
    let c = ctx(site, &org, api_version(uri.path()));
    let issues: Vec<Value> = hits
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|&n| c.issue(&org.issues[n], &sel, changelog.then_some(FULL_CHANGELOG_CAP), false))
        .collect();
    ok(
        &json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": hits.len(), "issues": issues}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_query() {
        let issued = DateTime::from_timestamp(1_760_000_000, 0).unwrap();
        let t = encode_token(150, "project = ALPHA", issued);
        assert_eq!(decode_token(&t, "project = ALPHA", issued), Some(150));
        assert_eq!(decode_token(&t, "project = BRAVO", issued), None);
        assert_eq!(decode_token("garbage", "project = ALPHA", issued), None);
        let later = issued + chrono::Duration::days(7);
        assert_eq!(decode_token(&t, "project = ALPHA", later), Some(150));
        assert_eq!(
            decode_token(&t, "project = ALPHA", later + chrono::Duration::seconds(1)),
            None,
            "expired"
        );
    }
}
