//! The domain model every analysis reads: [`Dataset`] holds issues, sprints and
//! teams; the submodules define the types and their identifiers.
//!
//! A `Dataset` is plain data (`Clone + Send + Sync`), built by `ingest` or
//! received from the proxy's API, and never mutated by analytics.

pub mod issue;
pub mod sprint;
pub mod team;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use issue::{
    EstimateChange, FlagPeriod, Issue, IssueId, IssueKey, IssueLink, LinkChange, LinkKind,
    Priority, SprintChange, StatusCategory, StatusChange, StoryPoints,
};
pub use sprint::{
    BoardId, Sprint, SprintId, SprintOutcome, SprintReport, SprintReportIssue, SprintState,
};
pub use team::{Team, TeamId};

/// Everything the analytics need, already normalised.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dataset {
    /// Issues, in no particular order.
    pub issues: Vec<Issue>,
    /// Sprints known from the agile API or from issues' sprint fields.
    pub sprints: Vec<Sprint>,
    /// Configured teams.
    pub teams: Vec<Team>,
    /// Status name → category, from JIRA's status list or the issues seen.
    pub statuses: BTreeMap<String, StatusCategory>,
}

impl Dataset {
    /// Looks an issue up by key.
    pub fn issue(&self, key: &IssueKey) -> Option<&Issue> {
        self.issues.iter().find(|issue| &issue.key == key)
    }

    /// Issues that belong to `team`.
    pub fn team_issues<'a>(&'a self, team: &'a TeamId) -> impl Iterator<Item = &'a Issue> + 'a {
        self.issues.iter().filter(move |issue| issue.team.as_ref() == Some(team))
    }

    /// Looks a sprint up by id.
    pub fn sprint(&self, id: SprintId) -> Option<&Sprint> {
        self.sprints.iter().find(|sprint| sprint.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Clone + Send + Sync + 'static>() {}

    #[test]
    fn core_types_can_live_in_signals_and_server_state() {
        assert_send_sync::<Dataset>();
        assert_send_sync::<Issue>();
        assert_send_sync::<Sprint>();
    }

    #[test]
    fn issue_key_project_is_the_part_before_the_last_dash() {
        assert_eq!(IssueKey::from("ALPHA-12").project(), "ALPHA");
        assert_eq!(IssueKey::from("MY-PROJ-3").project(), "MY-PROJ");
    }
}
