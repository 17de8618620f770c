//! Data-quality report: what in the JIRA data makes the numbers less
//! trustworthy, with counts and the keys to go and fix.
//!
//! - **backward moves**: issues that moved to an earlier workflow stage;
//! - **done without start**: done issues that never entered a stage from
//!   the start stage on (they have no cycle time);
//! - **changes after done**: issues whose status changed after they first
//!   reached done (reopened, or moved between done statuses);
//! - **unmapped statuses**: statuses in histories that the workflow does not
//!   map (transitions into them are ignored);
//! - **missing estimates**: issues that were in a sprint but have no estimate
//!   (velocity counts them as zero points).
//!
//! See `docs/metrics.md`, "Data quality".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flow::IssueFlow;
use crate::model::{Issue, IssueKey};

/// A count and the keys behind it (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Finding {
    /// Number of issues.
    pub count: usize,
    /// The issues.
    pub keys: Vec<IssueKey>,
}

impl Finding {
    fn push(&mut self, key: &IssueKey) {
        self.count += 1;
        self.keys.push(key.clone());
    }
}

/// An unmapped status and the issues that passed through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedStatus {
    /// Status name.
    pub status: String,
    /// Issues whose history holds it.
    pub count: usize,
    /// Those issues.
    pub keys: Vec<IssueKey>,
}

/// The data-quality report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataQuality {
    /// Issues with at least one backward move.
    pub backward_moves: Finding,
    /// Done issues that never started.
    pub done_without_start: Finding,
    /// Issues whose status changed after they first reached done.
    pub status_changes_after_done: Finding,
    /// Statuses the workflow does not map.
    pub unmapped_statuses: Vec<UnmappedStatus>,
    /// Issues that were in a sprint without an estimate.
    pub missing_estimates: Finding,
}

impl DataQuality {
    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.backward_moves.count == 0
            && self.done_without_start.count == 0
            && self.status_changes_after_done.count == 0
            && self.unmapped_statuses.is_empty()
            && self.missing_estimates.count == 0
    }
}

/// Builds the report from issues and their flows (same order, as
/// [`crate::flow::flows`] returns them).
pub fn data_quality(issues: &[Issue], flows: &[IssueFlow]) -> DataQuality {
    let mut report = DataQuality::default();
    let mut unmapped: BTreeMap<&str, Vec<IssueKey>> = BTreeMap::new();
    for (issue, flow) in issues.iter().zip(flows) {
        if flow.backward_moves > 0 {
            report.backward_moves.push(&issue.key);
        }
        if flow.completed.is_some() && flow.started.is_none() {
            report.done_without_start.push(&issue.key);
        }
        if flow.changes_after_done > 0 {
            report.status_changes_after_done.push(&issue.key);
        }
        for status in &flow.unmapped_statuses {
            unmapped.entry(status.as_str()).or_default().push(issue.key.clone());
        }
        let in_sprint = !issue.sprints.is_empty() || !issue.sprint_history.is_empty();
        if in_sprint && issue.points.is_none() {
            report.missing_estimates.push(&issue.key);
        }
    }
    report.unmapped_statuses = unmapped
        .into_iter()
        .map(|(status, mut keys)| {
            crate::sort::stable(&mut keys);
            UnmappedStatus { status: status.to_owned(), count: keys.len(), keys }
        })
        .collect();
    for finding in [
        &mut report.backward_moves,
        &mut report.done_without_start,
        &mut report.status_changes_after_done,
        &mut report.missing_estimates,
    ] {
        crate::sort::stable(&mut finding.keys);
    }
    report
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::flow::tests::{dsl, statuses};
    use crate::flow::{flows, FlowOptions, Workflow};
    use crate::model::SprintId;

    #[test]
    fn each_finding_names_its_issues() {
        let mut issues = dsl("
            Q-1: todo 01-01, doing 01-02, todo 01-03, doing 01-04, done 01-05
            Q-2: todo 01-01, done 01-02
            Q-3: todo 01-01, doing 01-02, done 01-03, doing 01-04
            Q-4: todo 01-01, gone 01-02, doing 01-03
            Q-5: todo 01-01
        ");
        issues[4].sprints = vec![SprintId(1)];
        let wf = Workflow::from_categories(&statuses());
        let f = flows(&issues, &wf, &FlowOptions::default());
        let q = data_quality(&issues, &f);
        let keys = |f: &Finding| f.keys.iter().map(IssueKey::as_str).collect::<Vec<_>>().join(" ");
        assert_eq!(keys(&q.backward_moves), "Q-1 Q-3");
        assert_eq!(keys(&q.done_without_start), "Q-2");
        assert_eq!(keys(&q.status_changes_after_done), "Q-3");
        assert_eq!(q.unmapped_statuses.len(), 1);
        assert_eq!(q.unmapped_statuses[0].status, "Gone");
        assert_eq!(keys(&q.missing_estimates), "Q-5");
        assert!(!q.is_clean());
    }
}
