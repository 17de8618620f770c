//! Work in progress per day, and net flow (started minus completed) per week.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::throughput::week_start;
use super::{DateRange, IssueFlow};

/// Items in progress at the end of each day of `range`: started on or
/// before the day and not completed on or before it.
pub fn daily_wip(flows: &[IssueFlow], range: DateRange) -> Vec<(NaiveDate, u32)> {
    // A difference array: +1 on the start day, −1 on the done day.
    let mut delta = vec![0i64; range.len() + 1];
    for f in flows {
        let Some(start) = f.started else { continue };
        if f.completed.is_some_and(|c| c <= start) {
            continue;
        }
        let from = if start < range.start {
            0
        } else if let Some(i) = range.index(start) {
            i
        } else {
            continue;
        };
        delta[from] += 1;
        if let Some(done) = f.completed {
            if done < range.start {
                delta[from] -= 1;
            } else if let Some(i) = range.index(done) {
                delta[i] -= 1;
            }
        }
    }
    let mut running = 0i64;
    range
        .days()
        .zip(delta)
        .map(|(day, d)| {
            running += d;
            (day, running.max(0) as u32)
        })
        .collect()
}

/// Arrivals and departures of one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetFlowWeek {
    /// The week's Monday.
    pub week: NaiveDate,
    /// Items started that week.
    pub started: u32,
    /// Items completed that week.
    pub completed: u32,
    /// `started − completed`: positive means WIP grew.
    pub net: i64,
}

/// Net flow per week over `range`, weeks labelled by their Monday.
pub fn weekly_net_flow(flows: &[IssueFlow], range: DateRange) -> Vec<NetFlowWeek> {
    let mut started = vec![0u32; range.len()];
    let mut completed = vec![0u32; range.len()];
    for f in flows {
        if let Some(i) = f.started.and_then(|d| range.index(d)) {
            started[i] += 1;
        }
        if let Some(i) = f.completed.and_then(|d| range.index(d)) {
            completed[i] += 1;
        }
    }
    let mut out: Vec<NetFlowWeek> = Vec::new();
    for (i, day) in range.days().enumerate() {
        let monday = week_start(day);
        if out.last().is_none_or(|w| w.week != monday) {
            out.push(NetFlowWeek { week: monday, started: 0, completed: 0, net: 0 });
        }
        if let Some(w) = out.last_mut() {
            w.started += started[i];
            w.completed += completed[i];
            w.net = i64::from(w.started) - i64::from(w.completed);
        }
    }
    out
}
