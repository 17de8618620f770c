//! ISO weeks (`2026-W48`): the unit of the weekly report.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a week did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IsoWeekError {
    /// Not of the form `YYYY-Www`.
    #[error("week must look like 2026-W48")]
    Format,
    /// The year has no such week.
    #[error("that year has no such ISO week")]
    NoSuchWeek,
}

/// An ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
    monday: NaiveDate,
}

impl IsoWeek {
    /// Week `week` of ISO year `year`.
    pub fn new(year: i32, week: u32) -> Result<IsoWeek, IsoWeekError> {
        let monday =
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or(IsoWeekError::NoSuchWeek)?;
        Ok(IsoWeek { year, week, monday })
    }

    /// The week holding `date`.
    pub fn containing(date: NaiveDate) -> IsoWeek {
        let iso = date.iso_week();
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        IsoWeek { year: iso.year(), week: iso.week(), monday }
    }

    /// The last week that ended by `as_of` — the week a Monday report is about.
    pub fn last_full_before(as_of: DateTime<Utc>) -> IsoWeek {
        IsoWeek::containing(as_of.date_naive() - Duration::days(7)).max_if_ended(as_of)
    }

    fn max_if_ended(self, as_of: DateTime<Utc>) -> IsoWeek {
        // The week holding `as_of − 7 days` always ended by `as_of` unless
        // `as_of` is itself in the following week: then that is the answer.
        let next = IsoWeek::containing(self.monday + Duration::days(7));
        let next_end = (next.monday + Duration::days(7)).and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        if next_end.is_some_and(|end| end <= as_of) {
            next
        } else {
            self
        }
    }

    /// ISO year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Week number, 1–53.
    pub fn week(self) -> u32 {
        self.week
    }

    /// Its Monday.
    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    /// The week before.
    pub fn previous(self) -> IsoWeek {
        IsoWeek::containing(self.monday - Duration::days(7))
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = IsoWeekError;

    fn from_str(s: &str) -> Result<IsoWeek, IsoWeekError> {
        let (year, week) = s.trim().split_once(['-']).ok_or(IsoWeekError::Format)?;
        let week = week.strip_prefix(['W', 'w']).ok_or(IsoWeekError::Format)?;
        let year: i32 = year.parse().map_err(|_| IsoWeekError::Format)?;
        let week: u32 = week.parse().map_err(|_| IsoWeekError::Format)?;
        IsoWeek::new(year, week)
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoWeek {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IsoWeek, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn weeks_parse_print_and_start_on_monday() {
        let week: IsoWeek = "2026-W48".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(week.to_string(), "2026-W48");
        assert_eq!(week.monday(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default());
        assert_eq!("2026-48".parse::<IsoWeek>(), Err(IsoWeekError::Format));
        assert_eq!("2026-W54".parse::<IsoWeek>(), Err(IsoWeekError::NoSuchWeek));
        // 1 January 2027 is a Friday, so it belongs to 2026-W53.
        let new_year = IsoWeek::containing(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default());
        assert_eq!(new_year.to_string(), "2026-W53");
    }

    #[test]
    fn the_last_full_week_is_the_one_before_the_current() {
        let friday = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().unwrap_or_default();
        assert_eq!(IsoWeek::last_full_before(friday).to_string(), "2026-W47");
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 7, 0, 0).single().unwrap_or_default();
        assert_eq!(IsoWeek::last_full_before(monday).to_string(), "2026-W48");
    }
}
