//! Cumulative flow: per stage and day, how many items had reached that stage
//! or a later one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DateRange, IssueFlow, Workflow};

/// One day of the cumulative flow diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfdDay {
    /// The day.
    pub date: NaiveDate,
    /// Per stage (workflow order): items that had entered this stage or a
    /// later one by the end of the day.
    pub counts: Vec<u32>,
}

/// Cumulative flow over `range`. An item reaches a stage on the earliest
/// entry day of that stage or any later one (an item that skipped a stage
/// passed through it), so bands never decrease from one day to the next and
/// each band is at least the one after it. Every item counts in the first
/// stage from its creation day. Items that reached a stage before the range
/// count from the first day.
pub fn cumulative_flow(flows: &[IssueFlow], workflow: &Workflow, range: DateRange) -> Vec<CfdDay> {
    let stages = workflow.stages.len();
    let days = range.len();
    let mut delta = vec![0u32; days * stages];
    for f in flows {
        let mut reached: Option<NaiveDate> = None;
        for stage in (0..stages).rev() {
            let mut date = f.stage_dates[stage];
            if stage == 0 {
                date = Some(date.map_or(f.created, |d| d.min(f.created)));
            }
            reached = match (reached, date) {
                (Some(r), Some(d)) => Some(r.min(d)),
                (r, d) => r.or(d),
            };
            let Some(day) = reached else { continue };
            let i = if day < range.start {
                0
            } else if let Some(i) = range.index(day) {
                i
            } else {
                continue;
            };
            delta[i * stages + stage] += 1;
        }
    }
    let mut running = vec![0u32; stages];
    range
        .days()
        .enumerate()
        .map(|(i, date)| {
            for (s, total) in running.iter_mut().enumerate() {
                *total += delta[i * stages + s];
            }
            CfdDay { date, counts: running.clone() }
        })
        .collect()
}
