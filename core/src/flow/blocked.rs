//! Blocked and stalled work.
//!
//! An issue is blocked while it carries JIRA's Flagged marker, while it sits
//! in a blocked status (see [`Workflow::blocked_statuses`]), or while it has
//! an `is blocked by` link to an issue that is not done. Links have no
//! history in JIRA, so they say whether an issue is blocked now, not for how
//! long; blocked days come from flags and statuses only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FlowOptions, IssueFlow, Workflow};
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
    /// Days blocked (flags and blocked statuses, overlaps counted once),
    /// between creation and completion or `as_of`, to 0.1 day.
    pub days: f64,
    /// Every reason seen, in order of the enum.
    pub reasons: Vec<BlockReason>,
    /// Blocked at `as_of`.
    pub blocked_now: bool,
}

/// Blocked time of `issue` up to `as_of` (or its completion day).
pub fn blocked_time(
    issue: &Issue,
    flow: &IssueFlow,
    workflow: &Workflow,
    options: &FlowOptions,
    as_of: DateTime<Utc>,
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
    let link_open = issue
        .links
        .iter()
        .any(|l| l.kind == LinkKind::IsBlockedBy && l.other_category != Some(StatusCategory::Done));
    if link_open && flow.completed.is_none() {
        reasons.push(BlockReason::Link);
        now = true;
    }
    if flow.completed.is_some() {
        now = false;
    }
    reasons.sort();
    reasons.dedup();
    // Union of intervals clipped to [created, end].
    intervals.retain(|(s, e)| s < e);
    intervals.sort();
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
