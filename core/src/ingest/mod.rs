//! JIRA JSON → [`crate::model`]. Tolerant: one bad issue is a diagnostic naming
//! the issue and field, never a panic and never a silently dropped issue.
//!
//! Entry points:
//! - [`dataset_from_str`] / [`ingest_str`]: a whole file or stored payload —
//!   one page, a list of pages, or JSON lines — holding any mix of search
//!   pages (Cloud v3 `search/jql`, Data Center v2 `search`, agile board and
//!   sprint issue pages), single issues, webhook bodies, changelog pages and
//!   bulk changelogs, sprint pages, sprint reports, field and status lists.
//! - [`issue_from_value`]: one issue object (any shape above), with its
//!   embedded changelog.
//! - [`merge_changelog`]: a changelog page or bulk changelog merged into an
//!   issue without duplicates.
//! - [`sprints_from_value`], [`sprint_report_from_value`],
//!   [`fields_from_value`]: the agile and field payloads on their own.
//!
//! Ingest parses timestamps once, here; analytics never see JIRA's strings.
//! Field ids are discovered by name (see [`FieldCatalog`]); statuses get
//! their category from the issue JSON, JIRA's status list, or
//! [`IngestOptions::statuses`]. See `docs/metrics.md`, section "Ingest".

mod changelog;
mod diagnostic;
mod fields;
mod input;
mod issue;
mod pruned;
mod sprint;
mod stream;
mod time;
mod typed;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub use diagnostic::{Diagnostic, Error};
pub use fields::{fields_from_value, FieldCatalog, FieldInfo};
pub use input::{dataset_from_str, ingest_str, Ingested};
pub use sprint::{sprint_report_from_value, sprints_from_value};

use crate::model::{BoardId, Issue, IssueKey, Priority, StatusCategory, TeamId};

/// How to read a JIRA site's data. `Default` needs no configuration: fields
/// are discovered by name, each project is a team, priorities use JIRA's
/// default names.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Field id holding story points (for instance the board's
    /// `estimation.field.fieldId`); overrides discovery by name.
    pub points_field: Option<String>,
    /// JIRA's field list (`GET /rest/api/3/field`), when the caller has it.
    pub fields: FieldCatalog,
    /// Status name → category; overrides what the issue JSON says.
    pub statuses: BTreeMap<String, StatusCategory>,
    /// Priority name → P0..P4; overrides [`Priority::from_jira_name`].
    pub priorities: BTreeMap<String, Priority>,
    /// Team rules, first match wins. Empty: each project is a team named by
    /// its key.
    pub teams: Vec<TeamRule>,
}

/// Which issues belong to a team: by project key, by board (an issue whose
/// sprints belong to the board), or by an explicit key set (the result of the
/// team's JQL, which the proxy runs).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRule {
    /// The team.
    pub team: TeamId,
    /// Projects whose issues belong to the team.
    pub projects: Vec<String>,
    /// Boards whose sprints' issues belong to the team.
    pub boards: Vec<BoardId>,
    /// Issues that belong to the team whatever their project.
    pub keys: BTreeSet<IssueKey>,
    /// Head count, when known.
    pub size: Option<u32>,
}

/// Reads one JIRA issue object: a `search/jql` (v3) or Data Center `search`
/// (v2) issue, an agile board issue, a webhook body (`{webhookEvent, issue,
/// changelog}`), with its embedded changelog.
///
/// # Errors
/// A [`Diagnostic`] naming the issue (when it has a key) and the field when
/// the object cannot be an issue: no key, no `fields`, no date at all.
///
/// # Examples
/// ```
/// use director_core::ingest::{issue_from_value, IngestOptions};
/// let value = serde_json::json!({
///     "id": "10001", "key": "ALPHA-1",
///     "fields": {
///         "summary": "Log in", "created": "2026-01-05T09:00:00.000+0000",
///         "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
///         "customfield_10016": 3.0
///     },
///     "changelog": {"histories": [{"id": "1", "created": "2026-01-06T10:00:00.000+0000",
///         "items": [{"field": "status", "fromString": "To Do", "toString": "In Progress"}]}]}
/// });
/// let (issue, diagnostics) = issue_from_value(&value, &IngestOptions::default()).unwrap();
/// assert_eq!(issue.key.as_str(), "ALPHA-1");
/// assert_eq!(issue.points.map(|p| p.0), Some(3.0));
/// assert_eq!(issue.status_history.len(), 2); // creation in To Do, then the move
/// assert!(diagnostics.is_empty());
/// ```
pub fn issue_from_value(
    value: &Value,
    options: &IngestOptions,
) -> Result<(Issue, Vec<Diagnostic>), Diagnostic> {
    let mut catalog = options.fields.clone();
    if let Some(names) = value.get("names") {
        catalog.merge(&fields_from_value(names));
    }
    let mut roles = fields::Roles::resolve(options, &catalog);
    issue::parse_issue(value, options, &mut roles, &BTreeMap::new())
        .map(|(issue, _, diagnostics)| (issue, diagnostics))
}

/// Merges a changelog — an embedded `changelog`, a page of
/// `GET /issue/{key}/changelog`, a `changelog/bulkfetch` response (only this
/// issue's entries are taken), or a bare list of histories — into `issue`.
/// Histories already present are not duplicated, so pages can be merged in
/// any order and more than once.
pub fn merge_changelog(
    issue: &mut Issue,
    histories: &Value,
    options: &IngestOptions,
) -> Vec<Diagnostic> {
    let mut roles = fields::Roles::resolve(options, &options.fields);
    let mut diagnostics = Vec::new();
    let key = issue.key.clone();
    let parsed: Vec<_> = changelog::history_values(histories, Some(&issue.id.0))
        .into_iter()
        .filter_map(|h| changelog::parse_history(h, None, &mut roles, Some(&key), &mut diagnostics))
        .collect();
    let names = changelog::SprintNames { known: &BTreeMap::new(), issue: &[] };
    changelog::apply(issue, parsed, &roles, names, &mut diagnostics);
    diagnostics
}

#[cfg(test)]
mod tests;
