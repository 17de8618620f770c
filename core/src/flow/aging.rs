//! Aging work in progress: how long each open item has been in progress,
//! against the percentiles of past cycle times.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cycle_time::{cycle_time_days, summary_of};
use super::{flows, CycleTimeConvention, FlowOptions, IssueFlow, Workflow};
use crate::model::{Issue, IssueKey};
use crate::stats::Summary;

/// Where an item's age falls among past cycle times: the lowest of the
/// 50/70/85/95th percentiles it does not exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PercentileBand {
    /// Age ≤ p50.
    P50,
    /// p50 < age ≤ p70.
    P70,
    /// p70 < age ≤ p85.
    P85,
    /// p85 < age ≤ p95.
    P95,
    /// Age > p95: older than 95% of finished items ever were.
    AboveP95,
    /// No completed items to compare with.
    NoHistory,
}

impl PercentileBand {
    /// The band of `age_days` given a cycle-time summary.
    pub fn of(age_days: f64, cycle_time: &Summary) -> PercentileBand {
        let bands = [
            (cycle_time.p50, PercentileBand::P50),
            (cycle_time.p70, PercentileBand::P70),
            (cycle_time.p85, PercentileBand::P85),
            (cycle_time.p95, PercentileBand::P95),
        ];
        if cycle_time.p50.is_none() {
            return PercentileBand::NoHistory;
        }
        bands
            .iter()
            .find(|(p, _)| p.is_some_and(|p| age_days <= p))
            .map_or(PercentileBand::AboveP95, |(_, band)| *band)
    }

    /// True for items older than the 85th percentile.
    pub fn beyond_p85(self) -> bool {
        matches!(self, PercentileBand::P95 | PercentileBand::AboveP95)
    }
}

/// One item in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgingItem {
    /// The issue.
    pub key: IssueKey,
    /// Its current stage name.
    pub stage: String,
    /// Day it started.
    pub started: NaiveDate,
    /// Age in days on `as_of`, in the cycle-time convention.
    pub age_days: i64,
    /// Band among past cycle times.
    pub percentile_band: PercentileBand,
}

fn age(started: NaiveDate, as_of: NaiveDate, convention: CycleTimeConvention) -> i64 {
    let elapsed = (as_of - started).num_days();
    match convention {
        CycleTimeConvention::Inclusive => elapsed + 1,
        CycleTimeConvention::Elapsed => elapsed,
    }
}

/// Items in progress on `as_of` (started, not done), oldest first, banded
/// against the cycle times of the completed items among `issues`.
pub fn aging_wip(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
    as_of: NaiveDate,
) -> Vec<AgingItem> {
    let f = flows(issues, workflow, options);
    let summary = summary_of(f.iter().filter_map(|f| cycle_time_days(f, options.convention)));
    aging_wip_from_flows(&f, workflow, options, as_of, &summary)
}

/// [`aging_wip`] from precomputed flows and a cycle-time summary (for
/// instance a team's history while aging a single epic).
pub fn aging_wip_from_flows(
    flows: &[IssueFlow],
    workflow: &Workflow,
    options: &FlowOptions,
    as_of: NaiveDate,
    cycle_time: &Summary,
) -> Vec<AgingItem> {
    let mut items: Vec<AgingItem> = flows
        .iter()
        .filter(|f| f.in_progress_on(as_of))
        .filter_map(|f| {
            let started = f.started?;
            let age_days = age(started, as_of, options.convention);
            let stage = f
                .current_stage
                .and_then(|s| workflow.stages.get(s))
                .map_or_else(|| "(unmapped)".to_owned(), |s| s.name.clone());
            Some(AgingItem {
                key: f.key.clone(),
                stage,
                started,
                age_days,
                percentile_band: PercentileBand::of(age_days as f64, cycle_time),
            })
        })
        .collect();
    crate::sort::stable_by(&mut items, |a, b| {
        b.age_days.cmp(&a.age_days).then_with(|| a.key.cmp(&b.key))
    });
    items
}
