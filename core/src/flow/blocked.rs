//! Blocked and stalled work.
//!
//! An issue is blocked while it carries JIRA's Flagged marker, while it sits
//! in a blocked status (see [`Workflow::blocked_statuses`]), or while it has
//! an `is blocked by` link to an issue that is not done. A link's blocked
//! time runs from the changelog entry that added it until the entry that
//! removed it or until the blocker was done (from the blocker's own status
//! history when the blocker is among the issues, else still open when JIRA
//! embedded an open status in the link). A link the changelog never
//! recorded says only that the issue is blocked now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FlowOptions, IssueFlow, Workflow};
use crate::hash::{FnvMap, FnvSet};
use crate::model::{Issue, LinkKind, StatusCategory};

/// Why an issue is or was blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    /// The Flagged (impediment) marker.
    Flagged,
    /// A blocked status.
    Status,
    /// An open `is blocked by` link.
    Link,
}

/// Blocked time of one issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockedTime {
    /// Days blocked (flags, blocked statuses and blocking links, overlaps
    /// counted once), between creation and completion or `as_of`, to 0.1 day.
    pub days: f64,
    /// Every reason seen, in order of the enum.
    pub reasons: Vec<BlockReason>,
    /// Blocked at `as_of`.
    pub blocked_now: bool,
}

/// Where the blockers named by `is blocked by` links stand: for each blocker
/// among the issues, the instant it was last done (it moved into the done
/// stage and stayed), or `None` while it is not done.
#[derive(Debug, Clone, Default)]
pub struct Blockers<'a> {
    done: FnvMap<&'a str, Option<DateTime<Utc>>>,
}

impl<'a> Blockers<'a> {
    /// The blockers that `issues`' link histories name, looked up among `issues`.
    pub fn of(issues: &'a [Issue], workflow: &Workflow) -> Blockers<'a> {
        let wanted: FnvSet<&str> = issues
            .iter()
            .flat_map(|i| &i.link_history)
            .filter(|c| c.kind == LinkKind::IsBlockedBy)
            .map(|c| c.other.as_str())
            .collect();
        let done = if wanted.is_empty() {
            FnvMap::default()
        } else {
            issues
                .iter()
                .filter(|i| wanted.contains(i.key.as_str()))
                .map(|i| (i.key.as_str(), done_since(i, workflow)))
                .collect()
        };
        Blockers { done }
    }

    /// `Some(done instant or None)` when the blocker is among the issues.
    fn get(&self, key: &str) -> Option<Option<DateTime<Utc>>> {
        self.done.get(key).copied()
    }
}

/// The instant `issue` entered the done stage for the last time, if it is done now.
fn done_since(issue: &Issue, workflow: &Workflow) -> Option<DateTime<Utc>> {
    let is_done = |status: &str| match workflow.stage_of(status) {
        Some(stage) => stage == workflow.done,
        None => false,
    };
    let current = workflow.stage_of(&issue.status).map_or(issue.is_done(), |s| s == workflow.done);
    if !current {
        return None;
    }
    let mut since = None;
    for change in &issue.status_history {
        if is_done(&change.to) {
            since.get_or_insert(change.at);
        } else {
            since = None;
        }
    }
    Some(since.or(issue.resolved).unwrap_or(issue.updated))
}

/// Blocked time of `issue` up to `as_of` (or its completion day).
pub fn blocked_time(
    issue: &Issue,
    flow: &IssueFlow,
    workflow: &Workflow,
    options: &FlowOptions,
    as_of: DateTime<Utc>,
    blockers: &Blockers<'_>,
) -> BlockedTime {
    let end = flow.completed.map_or(as_of, |d| options.end_of_day(d).min(as_of));
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut reasons = Vec::new();
    let mut now = false;
    for period in &issue.flag_periods {
        let stop = period.end.unwrap_or(as_of);
        intervals.push((period.start, stop));
        reasons.push(BlockReason::Flagged);
        now |= period.start <= as_of && period.end.is_none_or(|e| e > as_of);
    }
    let mut entered: Option<DateTime<Utc>> = None;
    for change in &issue.status_history {
        let blocked = workflow.is_blocked_status(&change.to);
        match (blocked, entered) {
            (true, None) => entered = Some(change.at),
            (false, Some(start)) => {
                intervals.push((start, change.at));
                entered = None;
            }
            _ => {}
        }
    }
    if let Some(start) = entered {
        intervals.push((start, as_of));
        now = true;
    }
    if issue.status_history.iter().any(|c| workflow.is_blocked_status(&c.to)) {
        reasons.push(BlockReason::Status);
    }
    // Blocker still open at `as_of`, as far as we know.
    let open_blocker = |key: &str, embedded: Option<StatusCategory>| match blockers.get(key) {
        Some(done) => done.is_none_or(|d| d > as_of),
        None => embedded != Some(StatusCategory::Done),
    };
    let link_open = issue.links.iter().any(|l| {
        l.kind == LinkKind::IsBlockedBy && open_blocker(l.other.as_str(), l.other_category)
    });
    if link_open && flow.completed.is_none() {
        reasons.push(BlockReason::Link);
        now = true;
    }
    let mut added: Vec<(&str, DateTime<Utc>)> = Vec::new();
    let mut link_interval = |key: &str, start: DateTime<Utc>, removed: Option<DateTime<Utc>>| {
        let embedded =
            issue.links.iter().find(|l| l.other.as_str() == key).and_then(|l| l.other_category);
        let done = match blockers.get(key) {
            Some(done) => done,
            // Outside the issues: removal bounds the link; a blocker JIRA says is done, at an
            // unknown time, adds nothing.
            None if removed.is_none() && embedded == Some(StatusCategory::Done) => Some(start),
            None => None,
        };
        let stop = match (removed, done) {
            (Some(r), Some(d)) => r.min(d.max(start)),
            (Some(r), None) => r,
            (None, Some(d)) => d.max(start),
            (None, None) => as_of,
        };
        if stop > start {
            intervals.push((start, stop));
            reasons.push(BlockReason::Link);
        }
    };
    for change in issue.link_history.iter().filter(|c| c.kind == LinkKind::IsBlockedBy) {
        let key = change.other.as_str();
        let open = added.iter().position(|(k, _)| *k == key);
        match (change.added, open) {
            (true, None) => added.push((key, change.at)),
            (false, Some(i)) => {
                let (_, start) = added.swap_remove(i);
                link_interval(key, start, Some(change.at));
            }
            _ => {}
        }
    }
    for (key, start) in added {
        link_interval(key, start, None);
    }
    if flow.completed.is_some() {
        now = false;
    }
    crate::sort::stable(&mut reasons);
    reasons.dedup();
    // Union of intervals clipped to [created, end].
    intervals.retain(|(s, e)| s < e);
    crate::sort::stable(&mut intervals);
    let mut total = 0i64;
    let mut cursor = issue.created;
    for (s, e) in intervals {
        let s = s.max(cursor).max(issue.created);
        let e = e.min(end);
        if e > s {
            total += (e - s).num_seconds();
            cursor = e;
        }
    }
    BlockedTime { days: (total as f64 / 8640.0).round() / 10.0, reasons, blocked_now: now }
}

/// True when the issue is in progress on `as_of`'s day and nothing about it
/// changed (JIRA's `updated`, which any edit, move or comment bumps) for at
/// least [`FlowOptions::stalled_after_days`] days.
pub fn is_stalled(
    issue: &Issue,
    flow: &IssueFlow,
    options: &FlowOptions,
    as_of: DateTime<Utc>,
) -> bool {
    if !flow.in_progress_on(options.day(as_of)) {
        return false;
    }
    let last = issue.status_history.last().map_or(issue.updated, |c| c.at.max(issue.updated));
    (as_of - last).num_days() >= i64::from(options.stalled_after_days)
}
