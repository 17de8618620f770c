//! Sprints and boards.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// JIRA's numeric sprint id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SprintId(pub u64);

impl fmt::Display for SprintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// JIRA's numeric board id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BoardId(pub u64);

impl fmt::Display for BoardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Sprint lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SprintState {
    /// Planned, not started.
    Future,
    /// Running.
    Active,
    /// Completed.
    Closed,
}

impl SprintState {
    /// Parses JIRA's `state` (`future`, `active`, `closed`), case-insensitive.
    pub fn from_jira(state: &str) -> Option<SprintState> {
        match state.to_ascii_lowercase().as_str() {
            "future" => Some(SprintState::Future),
            "active" => Some(SprintState::Active),
            "closed" => Some(SprintState::Closed),
            _ => None,
        }
    }
}

/// A sprint as JIRA's agile API describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sprint {
    /// Sprint id.
    pub id: SprintId,
    /// Sprint name.
    pub name: String,
    /// Lifecycle state.
    pub state: SprintState,
    /// Board the sprint was created on.
    pub board: Option<BoardId>,
    /// Start date, once started.
    pub start: Option<DateTime<Utc>>,
    /// Planned end date.
    pub end: Option<DateTime<Utc>>,
    /// Actual completion date, once closed.
    pub complete: Option<DateTime<Utc>>,
    /// Sprint goal.
    pub goal: Option<String>,
}

/// What happened to one issue in Jira's own sprint report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SprintOutcome {
    /// Done by the end of the sprint.
    Completed,
    /// Still open when the sprint closed (carried over).
    NotCompleted,
    /// Removed from the sprint while it ran ("punted").
    Removed,
    /// Completed, but in another sprint.
    CompletedInAnotherSprint,
}

/// One issue of a sprint report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintReportIssue {
    /// The issue.
    pub key: super::IssueKey,
    /// Its outcome.
    pub outcome: SprintOutcome,
    /// Estimate when the sprint started (or when the issue was added).
    pub initial_points: Option<f64>,
    /// Estimate at the end of the sprint.
    pub points: Option<f64>,
    /// Added after the sprint started.
    pub added: bool,
}

/// Jira's own sprint report (greenhopper `rapid/charts/sprintreport`): when
/// the proxy has one for a sprint, velocity takes its numbers over the ones
/// rebuilt from changelogs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintReport {
    /// The sprint.
    pub sprint: Sprint,
    /// Every issue of the report.
    pub issues: Vec<SprintReportIssue>,
}
