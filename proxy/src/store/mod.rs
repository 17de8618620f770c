//! The proxy's durable state behind one trait, so a Postgres backend can
//! follow the SQLite default: raw and normalised issues with a change
//! sequence (the API's delta cursor), tombstones of deleted issues,
//! changelogs, sprints, boards, sync cursors, sync runs, call accounting,
//! alerts and webhook events.
//!
//! Every write that belongs together is one transaction: a page of issues
//! and whatever it advances land together or not at all, so killing the
//! process mid-sync loses nothing and duplicates nothing.

mod alerts;
mod auth;
mod sqlite;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use alerts::{AlertStore, IssueState, OutboxRow};
pub use auth::{AuthStore, TokenGrant, TokenRow, TokenState};
pub use sqlite::SqliteStore;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database reported an error.
    #[error("store database error")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be decoded.
    #[error("store holds an undecodable {what}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The data folder cannot be used.
    #[error("cannot use data folder {path}")]
    Folder {
        /// The folder.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The database was written by a newer ClaudeDirector.
    #[error("store schema version {found} is newer than this build understands ({known})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Latest version this build knows.
        known: i64,
    },
}

/// Result of store calls.
pub type Result<T> = std::result::Result<T, Error>;

/// One issue to write: JIRA's JSON plus what the proxy derived from it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueWrite {
    /// JIRA's issue id.
    pub id: String,
    /// Current key.
    pub key: String,
    /// Team whose JQL fetched it.
    pub team: Option<String>,
    /// `fields.updated` exactly as JIRA sent it (dedupe key with `id`).
    pub updated: String,
    /// `fields.updated` parsed, for ordering.
    pub updated_at: Option<DateTime<Utc>>,
    /// The issue JSON as JIRA sent it (without the embedded changelog).
    pub raw: String,
    /// Complete changelog histories, oldest first, as a JSON array.
    pub changelog: String,
    /// The normalised `director_core::model::Issue` as JSON, when ingest succeeded.
    pub issue: Option<String>,
    /// Status category (`to_do`, `in_progress`, `done`) for counts.
    pub category: Option<String>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// Issues inserted or changed.
    pub changed: u64,
    /// Issues skipped because the same (id, updated, team) was stored.
    pub unchanged: u64,
    /// Issues removed.
    pub deleted: u64,
}

/// An issue as stored: (id, team, raw JSON, changelog JSON array).
pub type RawIssue = (String, Option<String>, String, String);

/// One batch written atomically.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Issues to upsert by id.
    pub issues: Vec<IssueWrite>,
    /// Ids of issues to remove (a tombstone is kept for API deltas).
    pub deletions: Vec<String>,
    /// Key/value settings written in the same transaction (cursors, field catalog).
    pub meta: Vec<(String, String)>,
}

/// The current version of one stored issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    /// `updated` as JIRA sent it.
    pub updated: String,
    /// Team.
    pub team: Option<String>,
}

/// Rows of an API delta.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeltaRows {
    /// Normalised issue JSON objects, in change order.
    pub issues: Vec<String>,
    /// Ids deleted since the cursor.
    pub deleted: Vec<String>,
    /// Sequence of the last change included.
    pub last_seq: i64,
    /// More changes remain past `last_seq`.
    pub has_more: bool,
}

/// Issue counts of a team by status category.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamCount {
    /// Team name.
    pub team: String,
    /// All issues.
    pub issues: u64,
    /// To Do.
    pub to_do: u64,
    /// In progress.
    pub in_progress: u64,
    /// Done.
    pub done: u64,
}

/// Why a sync ran (also the call-accounting purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Someone looked and data was older than `fresh_for`.
    OnDemand,
    /// A cron schedule or strategic event.
    Scheduled,
    /// The full reconcile.
    Reconcile,
    /// Fetching what a webhook announced.
    Webhook,
    /// `POST /api/v1/sync` or `claudedirector sync`.
    Manual,
}

impl Purpose {
    /// Every purpose, in display order.
    pub const ALL: [Purpose; 5] = [
        Purpose::OnDemand,
        Purpose::Scheduled,
        Purpose::Reconcile,
        Purpose::Webhook,
        Purpose::Manual,
    ];

    /// The snake_case name used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::OnDemand => "on_demand",
            Purpose::Scheduled => "scheduled",
            Purpose::Reconcile => "reconcile",
            Purpose::Webhook => "webhook",
            Purpose::Manual => "manual",
        }
    }
}

/// A recorded sync run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRun {
    /// Row id.
    pub id: i64,
    /// Start.
    pub started: DateTime<Utc>,
    /// End, once finished.
    pub finished: Option<DateTime<Utc>>,
    /// Why it ran.
    pub purpose: Purpose,
    /// Full reconcile.
    pub full: bool,
    /// Finished successfully.
    pub ok: bool,
    /// Error text when it failed.
    pub error: Option<String>,
    /// Issues changed.
    pub changed: u64,
    /// Issues deleted.
    pub deleted: u64,
    /// JIRA calls made.
    pub calls: u64,
}

/// A stored alert (written by the alert engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    /// Row id.
    pub id: i64,
    /// Deduplication key: one open alert per key.
    pub dedupe_key: String,
    /// Severity name.
    pub severity: String,
    /// The alert as JSON (its shape belongs to the alert engine).
    pub body: String,
    /// Raised.
    pub created: DateTime<Utc>,
    /// Acknowledged.
    pub acknowledged: Option<DateTime<Utc>>,
    /// Escalated.
    pub escalated: Option<DateTime<Utc>>,
    /// Resolved.
    pub resolved: Option<DateTime<Utc>>,
}

/// A stored webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEventRow {
    /// `X-Atlassian-Webhook-Identifier` (or a digest of the body).
    pub identifier: String,
    /// `webhookEvent`.
    pub event: String,
    /// Received.
    pub received: DateTime<Utc>,
    /// Raw body.
    pub body: String,
    /// Applied.
    pub processed: Option<DateTime<Utc>>,
}

/// Durable state of the proxy.
pub trait Store: Send + Sync + 'static {
    /// Versions of the given issue ids that are stored.
    fn versions(&self, ids: &[String]) -> Result<std::collections::HashMap<String, StoredVersion>>;
    /// Every stored issue id with its team.
    fn all_ids(&self) -> Result<std::collections::HashMap<String, Option<String>>>;
    /// Writes a batch in one transaction.
    fn write(&self, batch: &Batch) -> Result<WriteOutcome>;
    /// Changes after sequence `since` (all issues when `None`), at most `limit`.
    fn delta(&self, since: Option<i64>, limit: usize) -> Result<DeltaRows>;
    /// The latest change sequence.
    fn last_seq(&self) -> Result<i64>;
    /// A random id of this store, so cursors of another store are recognised.
    fn epoch(&self) -> Result<String>;
    /// Issue counts per team.
    fn team_counts(&self) -> Result<Vec<TeamCount>>;
    /// Every normalised issue JSON.
    fn issues_json(&self) -> Result<Vec<String>>;
    /// Raw JSON and changelog of every issue (for re-normalising).
    fn raw_issues(&self) -> Result<Vec<RawIssue>>;
    /// Number of stored issues.
    fn issue_count(&self) -> Result<u64>;
    /// Replaces the sprints of a board (normalised JSON per sprint).
    fn put_sprints(&self, board: u64, sprints: &[(u64, String)]) -> Result<()>;
    /// Every stored sprint JSON.
    fn sprints_json(&self) -> Result<Vec<String>>;
    /// Stores a board's raw JSON and configuration.
    fn put_board(&self, board: u64, raw: &str, configuration: Option<&str>) -> Result<()>;
    /// Reads a setting.
    fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Writes a setting.
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    /// Records the start of a sync run.
    fn begin_run(&self, started: DateTime<Utc>, purpose: Purpose, full: bool) -> Result<i64>;
    /// Records the end of a sync run.
    fn finish_run(&self, run: &SyncRun) -> Result<()>;
    /// The latest runs, newest first.
    fn runs(&self, limit: usize) -> Result<Vec<SyncRun>>;
    /// The last successful run.
    fn last_success(&self) -> Result<Option<SyncRun>>;
    /// Counts one JIRA call.
    fn record_call(&self, day: NaiveDate, purpose: Purpose) -> Result<()>;
    /// Calls on `day` by purpose.
    fn calls_on(&self, day: NaiveDate) -> Result<Vec<(Purpose, u64)>>;
    /// Stores a webhook delivery; false when the identifier was seen before.
    fn insert_webhook_event(&self, event: &WebhookEventRow) -> Result<bool>;
    /// Deliveries not yet applied, oldest first.
    fn pending_webhook_events(&self, limit: usize) -> Result<Vec<WebhookEventRow>>;
    /// Marks a delivery applied.
    fn mark_webhook_processed(&self, identifier: &str, at: DateTime<Utc>) -> Result<()>;
    /// Raises an alert unless one with the same key is open; returns its id and whether it is new.
    fn raise_alert(
        &self,
        dedupe_key: &str,
        severity: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<(i64, bool)>;
    /// Alerts, newest first (open only when `open_only`).
    fn alerts(&self, open_only: bool) -> Result<Vec<AlertRow>>;
    /// Sets one of `acknowledged`, `escalated`, `resolved` on an alert; false if no such alert.
    fn mark_alert(&self, id: i64, column: AlertMark, at: DateTime<Utc>) -> Result<bool>;
}

/// Which timestamp of an alert [`Store::mark_alert`] sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertMark {
    /// Someone acknowledged it.
    Acknowledged,
    /// It escalated.
    Escalated,
    /// It no longer holds.
    Resolved,
}
