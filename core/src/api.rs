//! Wire types of the proxy's JSON API (`/api/v1`), shared by the proxy that
//! serves them and the dashboard that reads them, so both ends agree by
//! construction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::Alert;
use crate::model::{Issue, IssueId, Sprint, Team};

/// The body of every failed API call: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A stable machine-readable code and a message for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable code, such as `bad_request`, `unauthorized`, `not_found`.
    pub code: String,
    /// Human-readable message naming the thing at fault.
    pub message: String,
}

/// A delta of issues since a cursor: `GET /api/v1/issues?since=CURSOR`.
///
/// With no `since` the delta holds every issue. Cursors are opaque strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuesDelta {
    /// Issues created or changed since the cursor, normalised by core's ingest.
    pub issues: Vec<Issue>,
    /// Ids of issues deleted since the cursor.
    pub deleted: Vec<IssueId>,
    /// Pass this as `since` next time.
    pub cursor: String,
    /// True when `since` was absent or too old, so the client must replace
    /// everything it holds rather than merge.
    pub full: bool,
    /// More changes remain: ask again with `cursor` (deltas are capped by `limit`).
    #[serde(default)]
    pub has_more: bool,
    /// When the proxy last finished a successful sync with JIRA.
    pub data_as_of: Option<DateTime<Utc>>,
}

/// `GET /api/v1/teams`: configured teams with issue counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamsResponse {
    /// One entry per team.
    pub teams: Vec<TeamInfo>,
    /// When the proxy last finished a successful sync with JIRA.
    pub data_as_of: Option<DateTime<Utc>>,
    /// Base URL of the JIRA site (no trailing slash), so the dashboard can
    /// link an issue to `<jira_url>/browse/KEY`; absent from older proxies.
    #[serde(default)]
    pub jira_url: Option<String>,
}

/// A team and its issue counts by category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamInfo {
    /// The team.
    pub team: Team,
    /// All issues of the team.
    pub issues: u64,
    /// Issues in To Do.
    pub to_do: u64,
    /// Issues in progress.
    pub in_progress: u64,
    /// Issues done.
    pub done: u64,
}

/// `GET /api/v1/sprints`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintsResponse {
    /// Sprints of every configured board.
    pub sprints: Vec<Sprint>,
}

/// `GET /api/v1/alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsResponse {
    /// Open alerts, most urgent first (all alerts with `?all=true`).
    pub alerts: Vec<Alert>,
}

/// `GET /api/v1/sync/status`: how fresh the data is and what syncing costs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncStatus {
    /// End of the last successful sync.
    pub last_success: Option<DateTime<Utc>>,
    /// A sync is running now.
    pub running: bool,
    /// Next scheduled sync.
    pub next_scheduled: Option<DateTime<Utc>>,
    /// Seconds since `last_success`.
    pub data_age_seconds: Option<i64>,
    /// JIRA calls made today, by purpose.
    pub calls_today: Vec<CallCount>,
    /// Calls left in today's budget.
    pub budget_left: Option<u64>,
    /// Rate-limit state, such as `ok` or `waiting until 2026-01-01T10:00:00Z (429)`.
    pub rate_limit: String,
    /// The last error, if the last run failed.
    pub last_error: Option<String>,
    /// Issues held in the store.
    pub issues_stored: u64,
}

/// JIRA calls of one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCount {
    /// `on_demand`, `scheduled`, `reconcile`, `webhook`, `manual`.
    pub purpose: String,
    /// Number of calls.
    pub calls: u64,
}

/// How the caller of `GET /api/v1/session` got in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMode {
    /// Nobody signs in: a demo bound to a loopback address.
    Open,
    /// A user signed in through the sign-in page (session cookie).
    Session,
    /// A bearer token: the shared access token (no user) or a user's own
    /// API token.
    Token,
}

/// `GET /api/v1/session`: who is signed in, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// How the caller got in.
    pub mode: SignInMode,
    /// The signed-in user's name, for a session.
    pub user: Option<String>,
    /// True when signing out ends something (a session cookie).
    pub can_sign_out: bool,
}
