//! Every flow metric at once, from one pass over the issues.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::blocked::{blocked_time, is_stalled, BlockReason, Blockers};
use super::cycle_time::{cycle_time_days, lead_time_days, summary_of};
use super::{
    aging_wip_from_flows, cumulative_flow, daily_throughput_from_flows, daily_wip, flows,
    weekly_net_flow, weekly_totals, AgingItem, CfdDay, CycleTimeConvention, DateRange, FlowOptions,
    IssueFlow, NetFlowWeek, Workflow,
};
use crate::model::{Issue, IssueKey};
use crate::stats::Summary;

/// One issue's flow numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFlow {
    /// The issue.
    pub key: IssueKey,
    /// Start day.
    pub started: Option<NaiveDate>,
    /// Done day.
    pub completed: Option<NaiveDate>,
    /// Cycle time, when started and done.
    pub cycle_time_days: Option<i64>,
    /// Lead time, when done.
    pub lead_time_days: Option<i64>,
    /// Days blocked.
    pub blocked_days: f64,
    /// Why it was blocked.
    pub blocked_reasons: Vec<BlockReason>,
    /// Blocked at `as_of`.
    pub blocked_now: bool,
    /// In progress with no change for the stalled threshold.
    pub stalled: bool,
}

/// Every flow metric over one set of issues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowReport {
    /// Day-counting convention used.
    pub convention: CycleTimeConvention,
    /// Days covered by the series (first creation day to `as_of`); `None`
    /// when there are no issues.
    pub range: Option<DateRange>,
    /// Stage names, in order (the CFD's bands).
    pub stages: Vec<String>,
    /// Issues considered.
    pub issues: usize,
    /// Issues done.
    pub completed: usize,
    /// Cycle-time summary of done issues with a start.
    pub cycle_time: Summary,
    /// Lead-time summary of done issues.
    pub lead_time: Summary,
    /// Completed per day.
    pub throughput_daily: Vec<(NaiveDate, u32)>,
    /// Completed per week (Monday).
    pub throughput_weekly: Vec<(NaiveDate, u32)>,
    /// In progress at the end of each day.
    pub wip_daily: Vec<(NaiveDate, u32)>,
    /// Cumulative flow per day.
    pub cfd_daily: Vec<CfdDay>,
    /// Started vs completed per week.
    pub net_flow_weekly: Vec<NetFlowWeek>,
    /// Items in progress on `as_of`, oldest first.
    pub aging_wip: Vec<AgingItem>,
    /// Per-issue numbers, in input order.
    pub items: Vec<ItemFlow>,
}

/// Computes every flow metric of `issues` as of the end of `as_of`.
pub fn flow_report(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
    as_of: NaiveDate,
) -> FlowReport {
    flow_report_from_flows(issues, &flows(issues, workflow, options), workflow, options, as_of)
}

/// [`flow_report`] from the issues' flows, already built by [`flows`] with
/// the same workflow and UTC offset. A flow does not depend on the
/// cycle-time convention, so one set serves a report in either convention
/// and the data-quality report.
pub fn flow_report_from_flows(
    issues: &[Issue],
    f: &[IssueFlow],
    workflow: &Workflow,
    options: &FlowOptions,
    as_of: NaiveDate,
) -> FlowReport {
    let convention = options.convention;
    let cycle_time = summary_of(f.iter().filter_map(|f| cycle_time_days(f, convention)));
    let lead_time = summary_of(f.iter().filter_map(|f| lead_time_days(f, convention)));
    let range = DateRange::of_flows(f, as_of);
    let (throughput_daily, wip_daily, cfd_daily, net_flow_weekly) = match range {
        Some(r) => (
            daily_throughput_from_flows(f, r),
            daily_wip(f, r),
            cumulative_flow(f, workflow, r),
            weekly_net_flow(f, r),
        ),
        None => Default::default(),
    };
    let throughput_weekly = weekly_totals(&throughput_daily);
    let aging_wip = aging_wip_from_flows(f, workflow, options, as_of, &cycle_time);
    let now = options.end_of_day(as_of);
    let blockers = Blockers::of(issues, workflow);
    let items = crate::par::indexed(issues.len().min(f.len()), |i| {
        let (issue, flow) = (&issues[i], &f[i]);
        let blocked = blocked_time(issue, flow, workflow, options, now, &blockers);
        ItemFlow {
            key: issue.key.clone(),
            started: flow.started,
            completed: flow.completed,
            cycle_time_days: cycle_time_days(flow, convention),
            lead_time_days: lead_time_days(flow, convention),
            blocked_days: blocked.days,
            blocked_reasons: blocked.reasons,
            blocked_now: blocked.blocked_now,
            stalled: is_stalled(issue, flow, options, now),
        }
    });
    FlowReport {
        convention,
        range,
        stages: workflow.stage_names().map(str::to_owned).collect(),
        issues: issues.len(),
        completed: f.iter().filter(|f| f.completed.is_some()).count(),
        cycle_time,
        lead_time,
        throughput_daily,
        throughput_weekly,
        wip_daily,
        cfd_daily,
        net_flow_weekly,
        aging_wip,
        items,
    }
}
