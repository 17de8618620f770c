//! The JIRA REST client: Cloud (`/rest/api/3`, enhanced search with
//! `nextPageToken`) and Data Center (`/rest/api/2`, `startAt` paging), the
//! agile API (boards, configuration, sprints) and the sprint report.
//!
//! Every call goes through [`Client::call`], which takes a permit from the
//! shared [`Limiter`], counts the call by purpose and day, waits exactly
//! `Retry-After` (or until `X-RateLimit-Reset`) on 429, backs off with jitter
//! on 5xx, timeouts, connection errors and truncated bodies, and slows down
//! on `X-RateLimit-NearLimit`. Credentials live only in a sensitive header.

pub mod auth;
pub mod jql;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::config::{Config, Credentials, Flavor};
use crate::rate_limit::{backoff, BudgetExhausted, Limiter};
use crate::store::Purpose;

/// A JIRA call failed for good (after retries where retrying makes sense).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The daily call budget is spent.
    #[error(transparent)]
    Budget(#[from] BudgetExhausted),
    /// JIRA refused the credentials.
    #[error("jira refused the credentials ({status}): {message}")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// JIRA's message.
        message: String,
    },
    /// The thing asked for does not exist (or is not visible).
    #[error("jira has no {what}")]
    NotFound {
        /// What was asked for.
        what: String,
    },
    /// JIRA rejected the request, such as bad JQL.
    #[error("jira rejected {what}: {message}")]
    BadRequest {
        /// What was sent.
        what: String,
        /// JIRA's `errorMessages`.
        message: String,
    },
    /// Still failing after every retry.
    #[error("jira {what} kept failing after {attempts} attempts: {last}")]
    GaveUp {
        /// What was asked for.
        what: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// Another status JIRA should not send.
    #[error("jira answered {status} to {what}")]
    Status {
        /// What was asked for.
        what: String,
        /// HTTP status.
        status: u16,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the http client")]
    Client(#[source] reqwest::Error),
}

/// Where to start reading a search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageToken {
    /// Cloud: the token of the next page (`None` for the first).
    Cloud(Option<String>),
    /// Data Center: the offset.
    DataCenter(u64),
}

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// Issues as JIRA sent them.
    pub issues: Vec<Value>,
    /// Where the next page starts; `None` after the last.
    pub next: Option<PageToken>,
}

/// A search to run page by page.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Bounded JQL, with ORDER BY.
    pub jql: String,
    /// Fields to return.
    pub fields: Vec<String>,
    /// Embed the changelog.
    pub changelog: bool,
    /// Page size.
    pub max_results: u32,
}

/// Counts a call durably (the store implements it).
pub type CallRecorder = Arc<dyn Fn(NaiveDate, Purpose) + Send + Sync>;

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: String,
    flavor: Flavor,
    auth: HeaderValue,
    limiter: Limiter,
    org_tz: Tz,
    clock: Clock,
    max_retries: u32,
    max_backoff: Duration,
    calls: AtomicU64,
}

/// The JIRA client. Clones share the HTTP pool, limiter and counters;
/// [`Client::with_purpose`] gives a view whose calls count as that purpose.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    recorder: CallRecorder,
    purpose: Purpose,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// Base wait of the exponential backoff.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// 429s are retried this many times over `max_retries`: they say when to
/// come back, so waiting is cheap and always right.
const RATE_LIMIT_RETRIES: u32 = 20;

impl Client {
    /// A client for the configured site.
    pub fn new(
        config: &Config,
        credentials: &Credentials,
        limiter: Limiter,
        recorder: CallRecorder,
        clock: Clock,
    ) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.jira.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("claudedirector/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Client)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: config.jira.url.trim_end_matches('/').to_owned(),
                flavor: config.jira.flavor,
                auth: auth::header(credentials),
                limiter,
                org_tz: config.org.time_zone,
                clock,
                max_retries: config.jira.max_retries,
                max_backoff: config.jira.max_backoff,
                calls: AtomicU64::new(0),
            }),
            recorder,
            purpose: Purpose::Manual,
        })
    }

    /// The same client, counting calls as `purpose`.
    pub fn with_purpose(&self, purpose: Purpose) -> Client {
        Client { inner: Arc::clone(&self.inner), recorder: Arc::clone(&self.recorder), purpose }
    }

    /// The shared limiter.
    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// Calls sent since the client was built (all purposes).
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Cloud or Data Center.
    pub fn flavor(&self) -> Flavor {
        self.inner.flavor
    }

    fn api(&self) -> &'static str {
        match self.inner.flavor {
            Flavor::Cloud => "/rest/api/3",
            Flavor::Datacenter => "/rest/api/2",
        }
    }

    /// Today in the organisation's time zone (the budget's day).
    pub fn today(&self) -> NaiveDate {
        self.inner.clock.now().with_timezone(&self.inner.org_tz).date_naive()
    }

    /// Sends one request with the full retry discipline and decodes JSON.
    /// `Ok(None)` is a 404 when `missing_ok`.
    async fn call(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        missing_ok: bool,
    ) -> Result<Option<Value>, Error> {
        let url = format!("{}{}", self.inner.base, path);
        let mut attempt = 0u32;
        let mut rate_limited = 0u32;
        loop {
            let today = self.today();
            let permit = self.inner.limiter.acquire(today).await?;
            self.inner.calls.fetch_add(1, Ordering::Relaxed);
            (self.recorder)(today, self.purpose);
            let mut request = self
                .inner
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, self.inner.auth.clone())
                .header("Accept", "application/json");
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(bytes) => Ok((status, headers, bytes)),
                        Err(err) => Err(format!("reading the body failed: {err}")),
                    }
                }
                Err(err) => Err(transport_text(&err)),
            };
            drop(permit);
            let failure = match outcome {
                Err(text) => text,
                Ok((status, headers, bytes)) => {
                    if header_is_true(&headers, "x-ratelimit-nearlimit") {
                        self.inner.limiter.near_limit();
                    }
                    let retry_wait = retry_after(&headers);
                    if status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::SERVICE_UNAVAILABLE && retry_wait.is_some())
                    {
                        rate_limited += 1;
                        if rate_limited > RATE_LIMIT_RETRIES {
                            return Err(Error::GaveUp {
                                what: what.to_owned(),
                                attempts: attempt + rate_limited,
                                last: format!("{status} rate limited"),
                            });
                        }
                        let wait = retry_wait.unwrap_or_else(|| {
                            backoff(rate_limited, Duration::from_secs(1), self.inner.max_backoff)
                        });
                        let reason = headers
                            .get("ratelimit-reason")
                            .and_then(|value| value.to_str().ok())
                            .map(|reason| format!("429 {reason}"))
                            .or_else(|| Some(format!("{}", status.as_u16())));
                        tracing::warn!(
                            what,
                            wait_ms = wait.as_millis() as u64,
                            "jira rate limited; waiting"
                        );
                        self.inner.limiter.block_for(wait, reason);
                        continue;
                    }
                    if status.is_success() {
                        match serde_json::from_slice::<Value>(&bytes) {
                            Ok(value) => return Ok(Some(value)),
                            Err(err) => {
                                format!("body is not complete JSON ({} bytes): {err}", bytes.len())
                            }
                        }
                    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
                        format!("status {status}")
                    } else if status == StatusCode::NOT_FOUND {
                        if missing_ok {
                            return Ok(None);
                        }
                        return Err(Error::NotFound { what: what.to_owned() });
                    } else if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
                    {
                        return Err(Error::Unauthorized {
                            status: status.as_u16(),
                            message: error_message(&bytes),
                        });
                    } else if status == StatusCode::BAD_REQUEST {
                        return Err(Error::BadRequest {
                            what: what.to_owned(),
                            message: error_message(&bytes),
                        });
                    } else {
                        return Err(Error::Status {
                            what: what.to_owned(),
                            status: status.as_u16(),
                        });
                    }
                }
            };
            attempt += 1;
            if attempt > self.inner.max_retries {
                return Err(Error::GaveUp {
                    what: what.to_owned(),
                    attempts: attempt,
                    last: failure,
                });
            }
            let wait = backoff(attempt - 1, BACKOFF_BASE, self.inner.max_backoff);
            tracing::warn!(
                what,
                attempt,
                wait_ms = wait.as_millis() as u64,
                failure,
                "jira call failed; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn get(&self, what: &str, path: &str, query: &[(&str, String)]) -> Result<Value, Error> {
        self.call(what, Method::GET, path, query, None, false)
            .await
            .map(|value| value.unwrap_or(Value::Null))
    }

    /// `GET /myself`: the user's time zone, which JQL dates are read in.
    pub async fn myself_time_zone(&self) -> Result<Option<Tz>, Error> {
        let path = format!("{}/myself", self.api());
        let value = self.get("myself", &path, &[]).await?;
        Ok(value.get("timeZone").and_then(Value::as_str).and_then(|tz| tz.parse::<Tz>().ok()))
    }

    /// `GET /field`: every field with its id, name and schema.
    pub async fn fields(&self) -> Result<Value, Error> {
        let path = format!("{}/field", self.api());
        self.get("field list", &path, &[]).await
    }

    /// One page of a search.
    pub async fn search_page(
        &self,
        query: &SearchQuery,
        token: &PageToken,
    ) -> Result<SearchPage, Error> {
        match (self.inner.flavor, token) {
            (Flavor::Cloud, PageToken::Cloud(next)) => {
                let mut body = json!({
                    "jql": query.jql,
                    "fields": query.fields,
                    "maxResults": query.max_results,
                });
                if query.changelog {
                    body["expand"] = json!("changelog");
                }
                if let Some(next) = next {
                    body["nextPageToken"] = json!(next);
                }
                let value = self
                    .call("search", Method::POST, "/rest/api/3/search/jql", &[], Some(&body), false)
                    .await?
                    .unwrap_or(Value::Null);
                let issues = issues_of(&value);
                let is_last = value.get("isLast").and_then(Value::as_bool).unwrap_or(false);
                let token =
                    value.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty());
                let next_token = match token {
                    Some(token) if !is_last && next.as_deref() != Some(token) => {
                        Some(PageToken::Cloud(Some(token.to_owned())))
                    }
                    _ => None,
                };
                Ok(SearchPage { issues, next: next_token })
            }
            (Flavor::Datacenter, PageToken::DataCenter(_))
            | (Flavor::Datacenter, PageToken::Cloud(None)) => {
                let start_at = match token {
                    PageToken::DataCenter(start_at) => *start_at,
                    PageToken::Cloud(_) => 0,
                };
                let mut params = vec![
                    ("jql", query.jql.clone()),
                    ("startAt", start_at.to_string()),
                    ("maxResults", query.max_results.to_string()),
                    ("fields", query.fields.join(",")),
                ];
                if query.changelog {
                    params.push(("expand", "changelog".to_owned()));
                }
                let value = self.get("search", "/rest/api/2/search", &params).await?;
                let issues = issues_of(&value);
                let total = value.get("total").and_then(Value::as_u64).unwrap_or(0);
                let next_start = start_at + issues.len() as u64;
                let next = (!issues.is_empty() && next_start < total)
                    .then_some(PageToken::DataCenter(next_start));
                Ok(SearchPage { issues, next })
            }
            _ => Ok(SearchPage { issues: Vec::new(), next: None }),
        }
    }

    /// The first page token for this flavour.
    pub fn first_page(&self) -> PageToken {
        match self.inner.flavor {
            Flavor::Cloud => PageToken::Cloud(None),
            Flavor::Datacenter => PageToken::DataCenter(0),
        }
    }

    /// Every changelog history of one issue, oldest first.
    pub async fn changelog(&self, id_or_key: &str) -> Result<Vec<Value>, Error> {
        let encoded: String = id_or_key
            .chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_')
            .collect();
        if self.inner.flavor == Flavor::Datacenter {
            // Data Center has no changelog resource; GET issue embeds all histories.
            let path = format!("/rest/api/2/issue/{encoded}");
            let params = [("expand", "changelog".to_owned()), ("fields", "updated".to_owned())];
            let value = self.get("issue changelog", &path, &params).await?;
            let mut histories: Vec<Value> = value
                .pointer("/changelog/histories")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = value.pointer("/changelog/total").and_then(Value::as_u64);
            if total.is_some_and(|total| (histories.len() as u64) < total) {
                // Nothing else on Data Center serves older histories: say so
                // rather than pass a cut changelog off as complete.
                tracing::warn!(
                    issue = %id_or_key,
                    got = histories.len(),
                    total = total.unwrap_or_default(),
                    "the site returned part of an issue's changelog"
                );
            }
            sort_histories(&mut histories);
            return Ok(histories);
        }
        let path = format!("/rest/api/3/issue/{encoded}/changelog");
        let mut res = Vec::new();
        loop {
            let params = [("startAt", res.len().to_string()), ("maxResults", "100".to_owned())];
            let value = self.get("issue changelog", &path, &params).await?;
            let values = value.get("values").and_then(Value::as_array).cloned().unwrap_or_default();
            let total = value.get("total").and_then(Value::as_u64);
            let is_last = value.get("isLast").and_then(Value::as_bool);
            let got = values.len();
            res.extend(values);
            let done = got == 0
                || is_last == Some(true)
                || total.is_some_and(|total| res.len() as u64 >= total)
                || (is_last.is_none() && total.is_none());
            if done {
                break;
            }
        }
        sort_histories(&mut res);
        Ok(res)
    }

    /// Changelogs of many issues at once (Cloud bulk fetch), oldest first
    /// per issue id. `Ok(None)` when the site lacks the endpoint.
    pub async fn bulk_changelogs(
        &self,
        issue_ids: &[String],
    ) -> Result<Option<std::collections::HashMap<String, Vec<Value>>>, Error> {
        if self.inner.flavor != Flavor::Cloud {
            return Ok(None);
        }
        let mut res: std::collections::HashMap<String, Vec<Value>> =
            std::collections::HashMap::new();
        for chunk in issue_ids.chunks(1000) {
            let mut token: Option<String> = None;
            loop {
                let mut body = json!({ "issueIdsOrKeys": chunk, "maxResults": 1000 });
                if let Some(token) = &token {
                    body["nextPageToken"] = json!(token);
                }
                let Some(value) = self
                    .call(
                        "changelog bulk fetch",
                        Method::POST,
                        "/rest/api/3/changelog/bulkfetch",
                        &[],
                        Some(&body),
                        true,
                    )
                    .await?
                else {
                    return Ok(None);
                };
                for entry in
                    value.get("issueChangeLogs").and_then(Value::as_array).into_iter().flatten()
                {
                    let Some(id) = entry.get("issueId").and_then(value_as_string) else { continue };
                    let histories = entry
                        .get("changeHistories")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    res.entry(id).or_default().extend(histories);
                }
                match value.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
                    _ => break,
                }
            }
        }
        for histories in res.values_mut() {
            sort_histories(histories);
            histories.dedup_by(|a, b| a.get("id") == b.get("id") && a.get("id").is_some());
        }
        Ok(Some(res))
    }

    /// Every board (agile API), following `isLast`.
    pub async fn boards(&self) -> Result<Vec<Value>, Error> {
        self.agile_pages("boards", "/rest/agile/1.0/board", &[]).await
    }

    /// A board's configuration (estimation field, columns).
    pub async fn board_configuration(&self, board: u64) -> Result<Option<Value>, Error> {
        let path = format!("/rest/agile/1.0/board/{board}/configuration");
        self.call("board configuration", Method::GET, &path, &[], None, true).await
    }

    /// Sprints of a board; `states` such as `active,future` (empty for all).
    pub async fn sprints(&self, board: u64, states: &str) -> Result<Vec<Value>, Error> {
        let path = format!("/rest/agile/1.0/board/{board}/sprint");
        let extra: Vec<(&str, String)> =
            if states.is_empty() { Vec::new() } else { vec![("state", states.to_owned())] };
        match self.agile_pages("sprints", &path, &extra).await {
            // Kanban boards answer 400 ("does not support sprints").
            Err(Error::BadRequest { .. }) | Err(Error::NotFound { .. }) => Ok(Vec::new()),
            other => other,
        }
    }

    /// Jira's sprint report where the site has it; `None` on 404.
    pub async fn sprint_report(&self, board: u64, sprint: u64) -> Result<Option<Value>, Error> {
        let params = [("rapidViewId", board.to_string()), ("sprintId", sprint.to_string())];
        self.call(
            "sprint report",
            Method::GET,
            "/rest/greenhopper/1.0/rapid/charts/sprintreport",
            &params,
            None,
            true,
        )
        .await
    }

    async fn agile_pages(
        &self,
        what: &str,
        path: &str,
        extra: &[(&str, String)],
    ) -> Result<Vec<Value>, Error> {
        let mut res = Vec::new();
        loop {
            let mut params =
                vec![("startAt", res.len().to_string()), ("maxResults", "50".to_owned())];
            params.extend(extra.iter().cloned());
            let value = self.get(what, path, &params).await?;
            let values = value.get("values").and_then(Value::as_array).cloned().unwrap_or_default();
            let got = values.len();
            res.extend(values);
            let is_last = value.get("isLast").and_then(Value::as_bool).unwrap_or(true);
            let total_reached = value
                .get("total")
                .and_then(Value::as_u64)
                .is_some_and(|total| res.len() as u64 >= total);
            if got == 0 || is_last || total_reached {
                break;
            }
        }
        Ok(res)
    }
}

fn issues_of(value: &Value) -> Vec<Value> {
    value.get("issues").and_then(Value::as_array).cloned().unwrap_or_default()
}

/// Ids arrive as strings on Cloud and sometimes as numbers.
pub fn value_as_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Oldest first by `created`, then id, so merged sources agree.
pub fn sort_histories(histories: &mut [Value]) {
    histories.sort_by(|a, b| {
        let key = |value: &Value| {
            let created = value.get("created").map(created_millis).unwrap_or(i64::MIN);
            let id = value
                .get("id")
                .and_then(value_as_string)
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(0);
            (created, id)
        };
        key(a).cmp(&key(b))
    });
}

fn created_millis(value: &Value) -> i64 {
    match value {
        // Bulk fetch examples show epoch seconds.
        Value::Number(number) => number.as_i64().map_or(0, |secs| secs * 1000),
        Value::String(text) => parse_jira_time(text).map_or(0, |at| at.timestamp_millis()),
        _ => 0,
    }
}

/// Parses JIRA's timestamps (`2024-01-15T10:30:00.000+0000`, or RFC 3339).
pub fn parse_jira_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

fn header_is_true(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// How long JIRA asked us to wait: `Retry-After` seconds, else until
/// `X-RateLimit-Reset`.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(secs) = headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let reset = headers.get("x-ratelimit-reset").and_then(|value| value.to_str().ok())?;
    let at = DateTime::parse_from_rfc3339(reset)
        .ok()
        .or_else(|| {
            DateTime::parse_from_str(&format!("{reset}:00+0000"), "%Y-%m-%dT%H:%MZ:%S%z").ok()
        })
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(reset, "%Y-%m-%dT%H:%MZ")
                .ok()
                .map(|naive| naive.and_utc().fixed_offset())
        })?;
    let wait = at.with_timezone(&Utc) - Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn transport_text(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "connection failed".into()
    } else {
        format!("request failed: {err}")
    }
}

/// JIRA's error text: `errorMessages`, `errors`, or `message`; never the whole body.
fn error_message(bytes: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return "no readable error message".into();
    };
    let mut parts: Vec<String> = value
        .get("errorMessages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|message| message.as_str().map(str::to_owned))
        .collect();
    if let Some(errors) = value.get("errors").and_then(Value::as_object) {
        parts.extend(
            errors
                .iter()
                .map(|(field, message)| format!("{field}: {}", message.as_str().unwrap_or(""))),
        );
    }
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        parts.push(message.to_owned());
    }
    if parts.is_empty() {
        "no readable error message".into()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_reset_time() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        let mut headers = HeaderMap::new();
        let reset =
            (Utc::now() + chrono::Duration::seconds(120)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        headers.insert("x-ratelimit-reset", HeaderValue::from_str(&reset).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        let mut headers = HeaderMap::new();
        let reset =
            (Utc::now() + chrono::Duration::minutes(5)).format("%Y-%m-%dT%H:%MZ").to_string();
        headers.insert("x-ratelimit-reset", HeaderValue::from_str(&reset).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(200), "{wait:?}");
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn error_messages_come_from_jira_bodies() {
        let body = br#"{"errorMessages":["The value 'X' does not exist for the field 'project'."],"errors":{}}"#;
        assert_eq!(error_message(body), "The value 'X' does not exist for the field 'project'.");
        let body = br#"{"message":"Client must be authenticated to access this resource.","status-code":401}"#;
        assert_eq!(error_message(body), "Client must be authenticated to access this resource.");
        assert_eq!(error_message(b"<html>"), "no readable error message");
    }

    #[test]
    fn histories_sort_oldest_first_across_formats() {
        let mut histories = vec![
            json!({"id": "3", "created": "2024-01-03T00:00:00.000+0000"}),
            json!({"id": "1", "created": 1704067200}),
            json!({"id": "2", "created": "2024-01-02T00:00:00.000+0000"}),
        ];
        sort_histories(&mut histories);
        let ids: Vec<&str> = histories.iter().map(|h| h["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
    }

    #[test]
    fn jira_timestamps_parse_without_colon_offsets() {
        let at = parse_jira_time("2024-01-15T10:30:00.000+0100").unwrap();
        assert_eq!(at.to_rfc3339(), "2024-01-15T09:30:00+00:00");
        assert!(parse_jira_time("2024-01-15T10:30:00Z").is_some());
        assert!(parse_jira_time("yesterday").is_none());
    }
}
