//! Throughput: completed items per day and per week (weeks start Monday),
//! zero-filled over the range.

use chrono::{Datelike, Duration, NaiveDate};

use super::{flows, DateRange, FlowOptions, IssueFlow, Workflow};
use crate::model::Issue;

/// Items completed on each day of `range`, zero-filled, oldest first.
///
/// An item counts on its done day (see [`super::issue_flow`]) whether or not it
/// passed the start stage. Items done outside the range are not counted.
///
/// # Examples
/// ```
/// use chrono::NaiveDate;
/// use director_core::flow::{daily_throughput, DateRange, FlowOptions, Workflow};
/// use director_core::model::Dataset;
/// let dataset = Dataset::default();
/// let workflow = Workflow::from_categories(&dataset.statuses);
/// let d = |day| NaiveDate::from_ymd_opt(2026, 1, day).unwrap();
/// let range = DateRange::new(d(1), d(7)).unwrap();
/// let daily = daily_throughput(&dataset.issues, &workflow, &FlowOptions::default(), range);
/// assert_eq!(daily.len(), 7);
/// assert!(daily.iter().all(|(_, n)| *n == 0));
/// ```
pub fn daily_throughput(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
    range: DateRange,
) -> Vec<(NaiveDate, u32)> {
    daily_throughput_from_flows(&flows(issues, workflow, options), range)
}

/// [`daily_throughput`] from precomputed flows.
pub fn daily_throughput_from_flows(flows: &[IssueFlow], range: DateRange) -> Vec<(NaiveDate, u32)> {
    let mut counts = vec![0u32; range.len()];
    for day in flows.iter().filter_map(|f| f.completed) {
        if let Some(i) = range.index(day) {
            counts[i] += 1;
        }
    }
    range.days().zip(counts).collect()
}

/// The Monday starting the week of `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Sums a daily series into weeks labelled by their Monday, zero-filled; the
/// first and last weeks may be partial.
pub fn weekly_totals(daily: &[(NaiveDate, u32)]) -> Vec<(NaiveDate, u32)> {
    let mut out: Vec<(NaiveDate, u32)> = Vec::new();
    for (day, n) in daily {
        let monday = week_start(*day);
        match out.last_mut() {
            Some((week, total)) if *week == monday => *total += n,
            _ => out.push((monday, *n)),
        }
    }
    out
}

/// Items completed per week (Monday-labelled) over `range`.
pub fn weekly_throughput(flows: &[IssueFlow], range: DateRange) -> Vec<(NaiveDate, u32)> {
    weekly_totals(&daily_throughput_from_flows(flows, range))
}
