//! The per-issue step every flow metric builds on: when did the issue enter
//! each stage, when did it start and finish, where is it now.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{BackwardMoves, FlowOptions, Workflow};
use crate::model::{Issue, IssueKey};

/// One issue's journey through the workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueFlow {
    /// The issue.
    pub key: IssueKey,
    /// Creation day.
    pub created: NaiveDate,
    /// Entry day into each stage (index = stage), after the backward-move rule.
    pub stage_dates: Vec<Option<NaiveDate>>,
    /// Start of cycle time (see [`issue_flow`]).
    pub started: Option<NaiveDate>,
    /// Done day, when the issue is done.
    pub completed: Option<NaiveDate>,
    /// Stage of the current status (`None` when unmapped).
    pub current_stage: Option<usize>,
    /// Moves to an earlier stage.
    pub backward_moves: u32,
    /// Status changes after the issue first reached the done stage.
    pub changes_after_done: u32,
    /// Statuses in the history the workflow does not map.
    pub unmapped_statuses: Vec<String>,
}

/// Builds an issue's flow.
///
/// Walks the status history (creation entry first). Each mapped status sets
/// the entry day of its stage if not set yet; under
/// [`BackwardMoves::Reset`] it also wipes the days of every later stage
/// (jira-agile-metrics). Unmapped statuses are skipped.
///
/// `started` is, under `Reset`, the first stage from the start stage onward
/// (before done) that has a day, in stage order — exactly jira-agile-metrics'
/// rule; under `Keep`, the earliest of those days. `completed` is the done
/// stage's day when the issue currently sits in the done stage (under
/// `Reset` a wiped done day already means "not done").
pub fn issue_flow(issue: &Issue, workflow: &Workflow, options: &FlowOptions) -> IssueFlow {
    let n = workflow.stages.len();
    let mut stage_dates: Vec<Option<NaiveDate>> = vec![None; n];
    let mut backward_moves = 0;
    let mut changes_after_done = 0;
    let mut unmapped: Vec<String> = Vec::new();
    let mut previous: Option<usize> = None;
    let mut done_reached = false;
    for change in &issue.status_history {
        if done_reached && change.from.is_some() {
            changes_after_done += 1;
        }
        let Some(stage) = workflow.stage_of(&change.to) else {
            if !unmapped.iter().any(|u| u == &change.to) {
                unmapped.push(change.to.clone());
            }
            continue;
        };
        let day = options.day(change.at);
        if stage_dates[stage].is_none() {
            stage_dates[stage] = Some(day);
        }
        if previous.is_some_and(|p| stage < p) {
            backward_moves += 1;
        }
        if workflow.backward_moves == BackwardMoves::Reset {
            for later in stage_dates.iter_mut().skip(stage + 1) {
                *later = None;
            }
        }
        if stage == workflow.done {
            done_reached = true;
        }
        previous = Some(stage);
    }
    let current_stage = workflow.stage_of(&issue.status).or(previous);
    let middle = &stage_dates[workflow.start..workflow.done];
    let started = match workflow.backward_moves {
        BackwardMoves::Reset => middle.iter().flatten().next().copied(),
        BackwardMoves::Keep => middle.iter().flatten().min().copied(),
    };
    let completed = stage_dates[workflow.done].filter(|_| match workflow.backward_moves {
        BackwardMoves::Reset => true,
        BackwardMoves::Keep => current_stage == Some(workflow.done),
    });
    IssueFlow {
        key: issue.key.clone(),
        created: options.day(issue.created),
        stage_dates,
        started,
        completed,
        current_stage,
        backward_moves,
        changes_after_done,
        unmapped_statuses: unmapped,
    }
}

/// [`issue_flow`] for every issue, in order.
pub fn flows(issues: &[Issue], workflow: &Workflow, options: &FlowOptions) -> Vec<IssueFlow> {
    crate::par::map(issues, |issue| issue_flow(issue, workflow, options))
}

impl IssueFlow {
    /// True when the issue is in progress on `day`: started on or before it
    /// and not completed by it.
    pub fn in_progress_on(&self, day: NaiveDate) -> bool {
        self.started.is_some_and(|s| s <= day) && self.completed.is_none_or(|c| c > day)
    }
}
