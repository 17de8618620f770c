//! Five-field cron expressions evaluated in the organisation's time zone, and
//! the list of scheduled triggers the sync engine waits on.
//!
//! Written here rather than taken from a crate because we need exactly the
//! classic five fields, names for days and months, and evaluation in a
//! `chrono_tz` zone across DST changes (a local time skipped by a DST jump
//! does not fire; a repeated one fires once).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::config::{Config, PRESETS};

/// A cron expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Not five fields.
    #[error("cron {0:?} needs five fields: minute hour day-of-month month day-of-week")]
    FieldCount(String),
    /// A field holds a value it cannot.
    #[error("cron field {field} has bad value {value:?}")]
    Value {
        /// Field name.
        field: &'static str,
        /// Offending text.
        value: String,
    },
}

/// A parsed cron expression: one bit set per allowed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// Day-of-month and day-of-week both restricted: cron fires when either matches.
    day_or: bool,
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTH_NAMES: [&str; 12] =
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

fn parse_field(
    field: &'static str,
    text: &str,
    min: u32,
    max: u32,
    names: &[&str],
) -> Result<(u64, bool), CronError> {
    let bad = || CronError::Value { field, value: text.to_owned() };
    let value_of = |part: &str| -> Result<u32, CronError> {
        if let Some(idx) = names.iter().position(|name| name.eq_ignore_ascii_case(part)) {
            return Ok(idx as u32 + min);
        }
        let value: u32 = part.parse().map_err(|_| bad())?;
        // Day of week 7 is Sunday too.
        let value = if field == "day-of-week" && value == 7 { 0 } else { value };
        if value < min || value > max {
            return Err(bad());
        }
        Ok(value)
    };
    let mut bits = 0u64;
    let restricted = text != "*";
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().map_err(|_| bad())?;
                if step == 0 {
                    return Err(bad());
                }
                (range, step)
            }
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((lo, hi)) = range.split_once('-') {
            (value_of(lo)?, value_of(hi)?)
        } else {
            let value = value_of(range)?;
            // `5/15` means from 5 to the end in steps of 15.
            if part.contains('/') {
                (value, max)
            } else {
                (value, value)
            }
        };
        if lo > hi {
            return Err(bad());
        }
        let mut value = lo;
        while value <= hi {
            bits |= 1 << value;
            value += step;
        }
    }
    Ok((bits, restricted))
}

impl Cron {
    /// Parses `minute hour day-of-month month day-of-week`.
    pub fn parse(expr: &str) -> Result<Cron, CronError> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields.as_slice() else {
            return Err(CronError::FieldCount(expr.to_owned()));
        };
        let (minutes, _) = parse_field("minute", minute, 0, 59, &[])?;
        let (hours, _) = parse_field("hour", hour, 0, 23, &[])?;
        let (days, day_restricted) = parse_field("day-of-month", day, 1, 31, &[])?;
        let (months, _) = parse_field("month", month, 1, 12, &MONTH_NAMES)?;
        let (weekdays, weekday_restricted) = parse_field("day-of-week", weekday, 0, 6, &DAY_NAMES)?;
        Ok(Cron {
            minutes,
            hours: hours as u32,
            days: days as u32,
            months: months as u16,
            weekdays: weekdays as u8,
            day_or: day_restricted && weekday_restricted,
        })
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        if self.months & (1 << date.month()) == 0 {
            return false;
        }
        let by_day = self.days & (1 << date.day()) != 0;
        let by_weekday = self.weekdays & (1 << date.weekday().num_days_from_sunday()) != 0;
        if self.day_or {
            by_day || by_weekday
        } else {
            by_day && by_weekday
        }
    }

    /// True when the expression fires at this local minute.
    pub fn matches_local(&self, local: NaiveDateTime) -> bool {
        self.day_matches(local.date())
            && self.hours & (1 << local.hour()) != 0
            && self.minutes & (1 << local.minute()) != 0
    }

    /// The first firing strictly after `after`, evaluated in `tz`; `None`
    /// when nothing fires in the next ~5 years (such as `0 0 31 2 *`).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let start = after.with_timezone(&tz).naive_local();
        let start = start.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let mut date = start.date();
        let limit = date + Duration::days(5 * 366);
        let mut first_day = true;
        while date <= limit {
            if self.day_matches(date) {
                for hour in 0..24u32 {
                    if self.hours & (1 << hour) == 0 {
                        continue;
                    }
                    for minute in 0..60u32 {
                        if self.minutes & (1 << minute) == 0 {
                            continue;
                        }
                        let local = date.and_hms_opt(hour, minute, 0)?;
                        if first_day && local < start {
                            continue;
                        }
                        // A local time skipped by DST does not fire; an
                        // ambiguous one fires at its first occurrence.
                        if let Some(at) = tz.from_local_datetime(&local).earliest() {
                            let at = at.with_timezone(&Utc);
                            if at > after {
                                return Some(at);
                            }
                        }
                    }
                }
            }
            first_day = false;
            date = date.succ_opt()?;
        }
        None
    }
}

/// What a schedule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// An incremental sync.
    Incremental,
    /// A full reconcile.
    Full,
}

/// One configured trigger.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Shown in status and logs.
    pub name: String,
    /// When it fires.
    pub cron: Cron,
    /// Fire this long before the cron time (board-meeting preparation).
    pub lead: Duration,
    /// Incremental or full.
    pub kind: ScheduleKind,
}

impl Schedule {
    /// Next firing strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.cron.next_after(after + self.lead, tz).map(|at| at - self.lead)
    }
}

/// Every schedule the config asks for: reconcile, strategic events, presets
/// and custom entries. Invalid entries were rejected by `Config::validate`.
pub fn schedules(config: &Config) -> Vec<Schedule> {
    let mut res = Vec::new();
    let mut push = |name: &str, expr: &str, lead: Duration, kind: ScheduleKind| {
        if expr.trim().is_empty() {
            return;
        }
        if let Ok(cron) = Cron::parse(expr) {
            res.push(Schedule { name: name.to_owned(), cron, lead, kind });
        }
    };
    let sync = &config.sync;
    push("reconcile", &sync.reconcile, Duration::zero(), ScheduleKind::Full);
    push("monday report", &sync.monday_report, Duration::zero(), ScheduleKind::Incremental);
    push(
        "quarterly planning",
        &sync.quarterly_planning,
        Duration::zero(),
        ScheduleKind::Incremental,
    );
    if let Some(meeting) = &sync.board_meeting {
        push("board meeting preparation", meeting, Duration::hours(2), ScheduleKind::Incremental);
    }
    for preset in &sync.presets {
        if let Some((name, expr)) = PRESETS.iter().find(|(name, _)| name == preset) {
            push(name, expr, Duration::zero(), ScheduleKind::Incremental);
        }
    }
    for schedule in &sync.schedules {
        let kind = if schedule.full { ScheduleKind::Full } else { ScheduleKind::Incremental };
        push(&schedule.name, &schedule.cron, Duration::zero(), kind);
    }
    res
}

/// The earliest next firing among `schedules`.
pub fn next_firing(
    schedules: &[Schedule],
    after: DateTime<Utc>,
    tz: Tz,
) -> Option<(DateTime<Utc>, &Schedule)> {
    schedules
        .iter()
        .filter_map(|schedule| schedule.next_after(after, tz).map(|at| (at, schedule)))
        .min_by_key(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn daily_cron_fires_at_local_time() {
        let cron = Cron::parse("0 2 * * *").unwrap();
        let next = cron.next_after(utc("2026-03-10T12:00:00Z"), chrono_tz::Europe::Paris).unwrap();
        // 02:00 in Paris (UTC+1 in March before DST) is 01:00 UTC.
        assert_eq!(next, utc("2026-03-11T01:00:00Z"));
    }

    #[test]
    fn weekday_names_ranges_and_steps() {
        let cron = Cron::parse("*/15 8-17 * * MON-FRI").unwrap();
        // Saturday 2026-03-14 → Monday 08:00.
        let next = cron.next_after(utc("2026-03-14T10:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-03-16T08:00:00Z"));
        let next = cron.next_after(utc("2026-03-16T08:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-03-16T08:15:00Z"));
        let next = cron.next_after(utc("2026-03-16T17:45:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-03-17T08:00:00Z"));
    }

    #[test]
    fn quarterly_and_monday_presets() {
        let cron = Cron::parse("0 6 1 1,4,7,10 *").unwrap();
        let next = cron.next_after(utc("2026-04-02T00:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-07-01T06:00:00Z"));
        let cron = Cron::parse("0 7 * * MON").unwrap();
        let next = cron.next_after(utc("2026-03-10T00:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-03-16T07:00:00Z"));
    }

    #[test]
    fn far_time_zones_shift_the_utc_instant() {
        let cron = Cron::parse("0 2 * * *").unwrap();
        // Kiritimati is UTC+14: 02:00 local is 12:00 UTC the day before.
        let next =
            cron.next_after(utc("2026-03-10T00:00:00Z"), chrono_tz::Pacific::Kiritimati).unwrap();
        assert_eq!(next, utc("2026-03-10T12:00:00Z"));
        // Adak is UTC-10 in winter (UTC-9 in summer).
        let next = cron.next_after(utc("2026-01-10T00:00:00Z"), chrono_tz::America::Adak).unwrap();
        assert_eq!(next, utc("2026-01-10T12:00:00Z"));
    }

    #[test]
    fn dst_gap_skips_and_overlap_fires_once() {
        let cron = Cron::parse("30 2 * * *").unwrap();
        // 2026-03-29 02:30 does not exist in Paris; next is the 30th.
        let next = cron.next_after(utc("2026-03-28T12:00:00Z"), chrono_tz::Europe::Paris).unwrap();
        assert_eq!(next, utc("2026-03-30T00:30:00Z"));
    }

    #[test]
    fn day_of_month_or_day_of_week_when_both_set() {
        let cron = Cron::parse("0 0 13 * FRI").unwrap();
        // 2026-03-10 is a Tuesday; Friday 13th March fires (either rule), and so does Friday 20th.
        let first = cron.next_after(utc("2026-03-10T00:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(first, utc("2026-03-13T00:00:00Z"));
        let second = cron.next_after(first, Tz::UTC).unwrap();
        assert_eq!(second, utc("2026-03-20T00:00:00Z"));
    }

    #[test]
    fn bad_expressions_are_errors() {
        assert!(Cron::parse("* * * *").is_err());
        assert!(Cron::parse("60 * * * *").is_err());
        assert!(Cron::parse("* 24 * * *").is_err());
        assert!(Cron::parse("*/0 * * * *").is_err());
        assert!(Cron::parse("* * * * FUNDAY").is_err());
        assert!(Cron::parse("0 0 31 2 *").unwrap().next_after(Utc::now(), Tz::UTC).is_none());
    }

    #[test]
    fn board_meeting_fires_two_hours_early() {
        let schedule = Schedule {
            name: "board".into(),
            cron: Cron::parse("0 10 * * THU").unwrap(),
            lead: Duration::hours(2),
            kind: ScheduleKind::Incremental,
        };
        let next = schedule.next_after(utc("2026-03-10T00:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-03-12T08:00:00Z"));
    }
}
