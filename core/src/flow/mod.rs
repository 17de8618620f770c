//! Flow metrics: per-issue start and done dates, cycle and lead time,
//! throughput, WIP, cumulative flow, net flow, aging WIP, blocked and
//! stalled work.
//!
//! Everything is computed from each issue's status history and a
//! [`Workflow`]. The per-issue step ([`issue_flow`]) runs once; every series
//! is then a linear pass over the [`IssueFlow`]s, so recomputing all metrics
//! for 100k issues stays well under a second, in the browser too.
//!
//! Days are calendar days cut in a fixed UTC offset ([`FlowOptions::utc_offset_secs`],
//! the offset JIRA wrote timestamps in; ingest reports it). Definitions are
//! in `docs/metrics.md`, section "Flow".
//!
//! Free functions other modules use: [`daily_throughput`],
//! [`cycle_time_percentiles`], [`aging_wip`], [`flows`]; callers that
//! also need the flows (data quality) build them once and pass them to
//! [`flow_report_from_flows`].

mod aging;
mod blocked;
mod cfd;
mod cycle_time;
mod report;
mod throughput;
mod timeline;
mod wip;
mod workflow;

#[cfg(test)]
pub(crate) mod tests;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use aging::{aging_wip, aging_wip_from_flows, AgingItem, PercentileBand};
pub use blocked::{blocked_time, is_stalled, BlockReason, BlockedTime, Blockers};
pub use cfd::{cumulative_flow, CfdDay};
pub use cycle_time::{
    cycle_time_days, cycle_time_percentiles, lead_time_days, lead_time_percentiles,
};
pub use report::{flow_report, flow_report_from_flows, FlowReport, ItemFlow};
pub use throughput::{
    daily_throughput, daily_throughput_from_flows, week_start, weekly_throughput, weekly_totals,
};
pub use timeline::{flows, issue_flow, IssueFlow};
pub use wip::{daily_wip, weekly_net_flow, NetFlowWeek};
pub use workflow::{BackwardMoves, Stage, Workflow, WorkflowError};

/// How cycle and lead time count days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleTimeConvention {
    /// `done − start + 1` calendar days: an item started and finished the
    /// same day took one day (ActionableAgile, jirametrics).
    #[default]
    Inclusive,
    /// `done − start` with both dates truncated to the day: same-day work
    /// took zero days (jira-agile-metrics).
    Elapsed,
}

/// Options shared by the flow metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlowOptions {
    /// Day-counting convention.
    pub convention: CycleTimeConvention,
    /// UTC offset, in seconds, in which timestamps are cut into days.
    pub utc_offset_secs: i32,
    /// Work in progress with no change for this many days is stalled.
    pub stalled_after_days: u32,
}

impl Default for FlowOptions {
    fn default() -> FlowOptions {
        FlowOptions {
            convention: CycleTimeConvention::Inclusive,
            utc_offset_secs: 0,
            stalled_after_days: 5,
        }
    }
}

impl FlowOptions {
    /// The calendar day of an instant in the configured offset.
    pub fn day(&self, at: DateTime<Utc>) -> NaiveDate {
        (at + Duration::seconds(i64::from(self.utc_offset_secs))).date_naive()
    }

    /// The instant a day ends (the next midnight in the configured offset).
    pub fn end_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight =
            day.succ_opt().unwrap_or(day).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        midnight - Duration::seconds(i64::from(self.utc_offset_secs))
    }
}

/// An inclusive range of calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
}

impl DateRange {
    /// A range; `None` when `end` is before `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<DateRange> {
        (start <= end).then_some(DateRange { start, end })
    }

    /// Number of days in the range.
    pub fn len(&self) -> usize {
        (self.end - self.start).num_days() as usize + 1
    }

    /// Always false: a range holds at least one day.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Index of a day within the range.
    pub fn index(&self, day: NaiveDate) -> Option<usize> {
        (day >= self.start && day <= self.end).then(|| (day - self.start).num_days() as usize)
    }

    /// The days, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let start = self.start;
        (0..self.len() as i64).map(move |i| start + Duration::days(i))
    }

    /// The range from the earliest creation date of `flows` to `as_of`;
    /// `None` when there are no flows or `as_of` is before them all.
    pub fn of_flows(flows: &[IssueFlow], as_of: NaiveDate) -> Option<DateRange> {
        let start = flows.iter().map(|f| f.created).min()?;
        DateRange::new(start, as_of)
    }
}
