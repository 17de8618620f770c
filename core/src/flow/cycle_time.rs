//! Cycle time (start → done) and lead time (created → done), in days.

use chrono::NaiveDate;

use super::{flows, CycleTimeConvention, FlowOptions, IssueFlow, Workflow};
use crate::model::Issue;
use crate::stats::Summary;

fn days_between(from: NaiveDate, to: NaiveDate, convention: CycleTimeConvention) -> i64 {
    let elapsed = (to - from).num_days();
    match convention {
        CycleTimeConvention::Inclusive => elapsed + 1,
        CycleTimeConvention::Elapsed => elapsed,
    }
}

/// Cycle time of a completed issue with a start: `completed − started`
/// (+1 with [`CycleTimeConvention::Inclusive`]). `None` otherwise.
pub fn cycle_time_days(flow: &IssueFlow, convention: CycleTimeConvention) -> Option<i64> {
    Some(days_between(flow.started?, flow.completed?, convention))
}

/// Lead time of a completed issue: `completed − created` (+1 inclusive).
pub fn lead_time_days(flow: &IssueFlow, convention: CycleTimeConvention) -> Option<i64> {
    Some(days_between(flow.created, flow.completed?, convention))
}

pub(crate) fn summary_of(values: impl Iterator<Item = i64>) -> Summary {
    let v: Vec<f64> = values.map(|d| d as f64).collect();
    Summary::of(&v)
}

/// Count, mean and 50/70/85/95th percentiles of the cycle times of the
/// completed issues among `issues` (percentiles by linear interpolation,
/// see [`crate::stats`]).
pub fn cycle_time_percentiles(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
) -> Summary {
    let f = flows(issues, workflow, options);
    summary_of(f.iter().filter_map(|f| cycle_time_days(f, options.convention)))
}

/// The same summary for lead times.
pub fn lead_time_percentiles(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
) -> Summary {
    let f = flows(issues, workflow, options);
    summary_of(f.iter().filter_map(|f| lead_time_days(f, options.convention)))
}
