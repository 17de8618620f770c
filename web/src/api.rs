//! The typed client for the proxy's JSON API (`/api/v1`): one method per
//! endpoint, each returning `Result<T, web::Error>`.
//!
//! The dashboard never talks to JIRA; everything comes through here. Failed
//! calls decode the proxy's `ErrorBody` so views can tell "proxy down" from
//! "proxy says no".

use director_core::alerts::Alert;
use director_core::api::{
    AlertsResponse, ErrorBody, IssuesDelta, SessionInfo, SprintsResponse, SyncStatus, TeamsResponse,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::error::Error;

/// Where signing out is posted.
pub const SIGN_OUT_PATH: &str = "/auth/logout";
/// The proxy's sign-in page.
pub const SIGN_IN_PATH: &str = "/login";

/// Base path of the API on the dashboard's own origin.
pub const API_BASE: &str = "/api/v1";

/// A client for one proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    base: String,
}

impl Default for Client {
    fn default() -> Self {
        Client::new(API_BASE)
    }
}

impl Client {
    /// A client for the API at `base` (such as `/api/v1`).
    pub fn new(base: &str) -> Client {
        Client { base: base.trim_end_matches('/').to_owned() }
    }

    /// `GET /teams`: configured teams with issue counts.
    pub async fn teams(&self) -> Result<TeamsResponse, Error> {
        self.get("/teams").await
    }

    /// `GET /issues?since=CURSOR`: what changed since `since`, or everything.
    pub async fn issues(&self, since: Option<&str>) -> Result<IssuesDelta, Error> {
        match since {
            Some(cursor) => {
                let cursor = String::from(js_sys::encode_uri_component(cursor));
                self.get(&format!("/issues?since={cursor}")).await
            }
            None => self.get("/issues").await,
        }
    }

    /// `GET /sprints`: sprints of every board.
    pub async fn sprints(&self) -> Result<SprintsResponse, Error> {
        self.get("/sprints").await
    }

    /// `GET /sync/status`: how fresh the proxy's data is and what syncing costs.
    pub async fn sync_status(&self) -> Result<SyncStatus, Error> {
        self.get("/sync/status").await
    }

    /// `POST /sync`: asks the proxy to sync with JIRA now.
    pub async fn refresh(&self) -> Result<(), Error> {
        let url = self.url("/sync");
        let response = Request::post(&url)
            .send()
            .await
            .map_err(|err| Error::Offline(format!("{url}: {err}")))?;
        check(response, &url).await.map(|_| ())
    }

    /// `GET /alerts`: open alerts.
    pub async fn alerts(&self) -> Result<AlertsResponse, Error> {
        self.get("/alerts").await
    }

    /// `POST /alerts/{id}/ack`: acknowledges an alert; returns it as stored.
    pub async fn acknowledge(&self, id: &str) -> Result<Alert, Error> {
        let url =
            self.url(&format!("/alerts/{}/ack", String::from(js_sys::encode_uri_component(id))));
        let text = body(Request::post(&url), &url).await?;
        decode(&text, &url)
    }

    /// `GET /session`: who this browser is signed in as, and how.
    pub async fn session(&self) -> Result<SessionInfo, Error> {
        self.get("/session").await
    }

    /// `POST /auth/logout` (beside the API, on the same origin): ends the
    /// session cookie.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let url = SIGN_OUT_PATH;
        let response = Request::post(url)
            .send()
            .await
            .map_err(|err| Error::Offline(format!("{url}: {err}")))?;
        check(response, url).await.map(|_| ())
    }

    /// URL of the server-sent event stream (`/events`).
    pub fn events_url(&self) -> String {
        self.url("/events")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let url = self.url(path);
        let text = body(Request::get(&url), &url).await?;
        decode(&text, &url)
    }
}

/// Passes a 2xx response through; turns anything else into `Error::Api`,
/// using the proxy's `ErrorBody` when it sent one.
async fn check(response: Response, url: &str) -> Result<Response, Error> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    // A dev server or a reverse proxy in front answers 502/504 with HTML when
    // the proxy is down: that is an outage, not an API error.
    if matches!(status, 502..=504) && serde_json::from_str::<ErrorBody>(&text).is_err() {
        return Err(Error::Offline(format!("{url}: gateway answered {status}")));
    }
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Error::Api { status, code: body.error.code, message: body.error.message },
        Err(_) => Error::Api {
            status,
            code: "http".to_owned(),
            message: format!("{url} answered {status} {}", response.status_text()),
        },
    })
}

/// Sends `request` and reads a 2xx answer's body. Not generic, so the
/// request's future exists once in the bundle rather than once per response type.
async fn body(request: RequestBuilder, url: &str) -> Result<String, Error> {
    let response = request.send().await.map_err(|err| Error::Offline(format!("{url}: {err}")))?;
    check(response, url).await?.text().await.map_err(|err| Error::Offline(format!("{url}: {err}")))
}

fn decode<T: DeserializeOwned>(text: &str, url: &str) -> Result<T, Error> {
    serde_json::from_str(text)
        .map_err(|err| Error::Decode { what: url.to_owned(), message: err.to_string() })
}
