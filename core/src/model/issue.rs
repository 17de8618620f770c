//! One JIRA issue as the analytics see it: identity, current state and the
//! histories (status, sprint, estimate, flag) rebuilt from its changelog.
//!
//! Nothing here knows JIRA field names; `ingest` maps JSON onto these types.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::sprint::SprintId;
use super::team::TeamId;

/// An issue key such as `ALPHA-12`. Keys change when an issue moves between
/// projects, so stores key on [`IssueId`]; people and links use keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IssueKey(pub String);

impl IssueKey {
    /// The project part of the key (`ALPHA` for `ALPHA-12`).
    pub fn project(&self) -> &str {
        self.0.rsplit_once('-').map_or(self.0.as_str(), |(project, _)| project)
    }

    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IssueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for IssueKey {
    fn from(key: &str) -> Self {
        IssueKey(key.to_owned())
    }
}

/// JIRA's numeric issue id (kept as the string JIRA sends), stable across moves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IssueId(pub String);

impl fmt::Display for IssueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Story points (or whatever the board estimates in).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoryPoints(pub f64);

/// JIRA's three status categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// "To Do" (JIRA key `new`).
    ToDo,
    /// "In Progress" (JIRA key `indeterminate`).
    InProgress,
    /// "Done" (JIRA key `done`).
    Done,
}

impl StatusCategory {
    /// Maps JIRA's `statusCategory.key` (`new`, `indeterminate`, `done`) or
    /// its display name to a category.
    pub fn from_jira(key_or_name: &str) -> Option<StatusCategory> {
        match key_or_name.to_ascii_lowercase().as_str() {
            "new" | "to do" | "todo" => Some(StatusCategory::ToDo),
            "indeterminate" | "in progress" => Some(StatusCategory::InProgress),
            "done" | "complete" => Some(StatusCategory::Done),
            _ => None,
        }
    }
}

/// Priority normalised to P0 (most urgent) .. P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    /// Highest / Blocker / Critical incidents.
    P0,
    /// High / Major.
    P1,
    /// Medium (JIRA's default).
    P2,
    /// Low / Minor.
    P3,
    /// Lowest / Trivial.
    P4,
}

impl Priority {
    /// Default mapping of JIRA priority names; `None` for names it does not know.
    /// `ingest` lets configuration override this.
    pub fn from_jira_name(name: &str) -> Option<Priority> {
        let lower = name.trim().to_ascii_lowercase();
        let res = match lower.as_str() {
            "p0" | "highest" | "blocker" | "critical" => Priority::P0,
            "p1" | "high" | "major" => Priority::P1,
            "p2" | "medium" | "normal" => Priority::P2,
            "p3" | "low" | "minor" => Priority::P3,
            "p4" | "lowest" | "trivial" => Priority::P4,
            _ => return None,
        };
        Some(res)
    }

    /// P0 or P1: what directors are paged for.
    pub fn is_high(self) -> bool {
        matches!(self, Priority::P0 | Priority::P1)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        };
        f.write_str(s)
    }
}

/// One status transition from the changelog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// When the transition happened.
    pub at: DateTime<Utc>,
    /// Status left (`None` for the creation entry).
    pub from: Option<String>,
    /// Status entered.
    pub to: String,
}

/// A change of the sprint field: the sprint ids before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintChange {
    /// When the sprint field changed.
    pub at: DateTime<Utc>,
    /// Sprints before the change.
    pub from: Vec<SprintId>,
    /// Sprints after the change.
    pub to: Vec<SprintId>,
}

/// A change of the estimate field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateChange {
    /// When the estimate changed.
    pub at: DateTime<Utc>,
    /// Estimate before.
    pub from: Option<StoryPoints>,
    /// Estimate after.
    pub to: Option<StoryPoints>,
}

/// A period during which the issue carried JIRA's "Flagged" (impediment) marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagPeriod {
    /// Flag raised.
    pub start: DateTime<Utc>,
    /// Flag cleared; `None` while still flagged.
    pub end: Option<DateTime<Utc>>,
}

/// Direction of an issue link as seen from the issue that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// This issue blocks the other one.
    Blocks,
    /// This issue is blocked by the other one.
    IsBlockedBy,
    /// Any other link type, by its outward or inward description.
    Other(String),
}

/// A link to another issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueLink {
    /// How this issue relates to the other.
    pub kind: LinkKind,
    /// The other issue.
    pub other: IssueKey,
    /// The other issue's status category when JIRA embedded it in the link.
    pub other_category: Option<StatusCategory>,
}

/// A link added or removed, as the changelog's `Link` items record it
/// (`toString` "This issue is blocked by ABC-12" when added, `fromString`
/// when removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkChange {
    /// When the link was added or removed.
    pub at: DateTime<Utc>,
    /// How this issue relates to the other.
    pub kind: LinkKind,
    /// The other issue.
    pub other: IssueKey,
    /// Added (`true`) or removed.
    pub added: bool,
}

/// An issue with its current state and rebuilt histories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// JIRA's numeric id.
    pub id: IssueId,
    /// Current key.
    pub key: IssueKey,
    /// One-line summary.
    pub summary: String,
    /// Issue type name (Story, Bug, Epic, Task, Incident...).
    pub issue_type: String,
    /// Project key.
    pub project: String,
    /// Current status name.
    pub status: String,
    /// Current status category.
    pub category: StatusCategory,
    /// Normalised priority.
    pub priority: Priority,
    /// JIRA's priority name as sent.
    pub priority_name: Option<String>,
    /// Labels, as sent.
    pub labels: Vec<String>,
    /// Created timestamp.
    pub created: DateTime<Utc>,
    /// Last updated timestamp.
    pub updated: DateTime<Utc>,
    /// Resolution date, when resolved.
    pub resolved: Option<DateTime<Utc>>,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// Current estimate.
    pub points: Option<StoryPoints>,
    /// Epic (or parent epic) key.
    pub epic: Option<IssueKey>,
    /// Parent key for sub-tasks and next-gen children.
    pub parent: Option<IssueKey>,
    /// Sprints the issue is (or was last) in, as the sprint field lists them.
    pub sprints: Vec<SprintId>,
    /// Links to other issues.
    pub links: Vec<IssueLink>,
    /// Currently flagged.
    pub flagged: bool,
    /// Assignee display name.
    pub assignee: Option<String>,
    /// The team the issue belongs to (assigned by `ingest` from config).
    pub team: Option<TeamId>,
    /// Status transitions, oldest first.
    pub status_history: Vec<StatusChange>,
    /// Sprint field changes, oldest first.
    pub sprint_history: Vec<SprintChange>,
    /// Estimate changes, oldest first.
    pub estimate_history: Vec<EstimateChange>,
    /// Flagged periods, oldest first.
    pub flag_periods: Vec<FlagPeriod>,
    /// Link changes, oldest first.
    #[serde(default)]
    pub link_history: Vec<LinkChange>,
}

impl Issue {
    /// A Story in To Do with priority P2, created and updated at `created`, and
    /// nothing else known: the base that fixtures and ingest fill in with
    /// struct-update syntax, so a new field is added in one place.
    pub fn new(id: IssueId, key: IssueKey, created: DateTime<Utc>) -> Self {
        let project = key.0.split('-').next().unwrap_or_default().to_owned();
        Self {
            id,
            key,
            summary: String::new(),
            issue_type: "Story".to_owned(),
            project,
            status: "To Do".to_owned(),
            category: StatusCategory::ToDo,
            priority: Priority::P2,
            priority_name: None,
            labels: Vec::new(),
            created,
            updated: created,
            resolved: None,
            due: None,
            points: None,
            epic: None,
            parent: None,
            sprints: Vec::new(),
            links: Vec::new(),
            flagged: false,
            assignee: None,
            team: None,
            status_history: Vec::new(),
            sprint_history: Vec::new(),
            estimate_history: Vec::new(),
            flag_periods: Vec::new(),
            link_history: Vec::new(),
        }
    }

    /// True when the issue is in a Done-category status.
    pub fn is_done(&self) -> bool {
        self.category == StatusCategory::Done
    }

    /// True when the issue carries `label` (case-insensitive).
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
    }
}
