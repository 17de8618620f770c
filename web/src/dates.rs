//! Dates and times as the dashboard writes them ("05 Mar", "05 Mar 2026",
//! "05 Mar 14:30", "14:30"), written by hand: chrono's strftime formatter
//! costs the shipped bundle several KB for the four patterns used.

use chrono::{Datelike, NaiveDate, Timelike};

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `date` as `05 Mar` (strftime `%d %b`).
pub fn day_month(date: NaiveDate) -> String {
    format!("{:02} {}", date.day(), MONTHS[date.month0() as usize])
}

/// `date` as `05 Mar 2026` (strftime `%d %b %Y`).
pub fn day_month_year(date: NaiveDate) -> String {
    format!("{} {:04}", day_month(date), date.year())
}

/// `date` as `Sat 05 Mar 2026` (strftime `%a %d %b %Y`).
pub fn weekday_day_month_year(date: NaiveDate) -> String {
    format!("{} {}", WEEKDAYS[date.weekday().num_days_from_monday() as usize], day_month_year(date))
}

/// `at` as `14:30` (strftime `%H:%M`), in `at`'s own time zone.
pub fn hour_minute<T: Timelike>(at: &T) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `at` as `05 Mar 14:30` (strftime `%d %b %H:%M`), in `at`'s own time zone.
pub fn day_month_time<T: Datelike + Timelike>(at: &T) -> String {
    format!("{:02} {} {:02}:{:02}", at.day(), MONTHS[at.month0() as usize], at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset, TimeZone, Utc};

    #[test]
    fn every_month_matches_strftime() {
        for month in 1..=12 {
            for day in [1, 9, 10, 28] {
                let date = NaiveDate::from_ymd_opt(2026, month, day).unwrap();
                assert_eq!(day_month(date), date.format("%d %b").to_string());
                assert_eq!(day_month_year(date), date.format("%d %b %Y").to_string());
                assert_eq!(weekday_day_month_year(date), date.format("%a %d %b %Y").to_string());
            }
        }
    }

    #[test]
    fn times_match_strftime_in_their_own_zone() {
        let at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 23, 5, 59).unwrap();
        assert_eq!(hour_minute(&at), "23:05");
        assert_eq!(day_month_time(&at), at.format("%d %b %H:%M").to_string());
        let east = at.with_timezone(&FixedOffset::east_opt(90 * 60).unwrap());
        assert_eq!(hour_minute(&east), east.format("%H:%M").to_string());
        assert_eq!(day_month_time(&east), "29 Nov 00:35");
        let year_one = NaiveDate::from_ymd_opt(1, 1, 2).unwrap();
        assert_eq!(day_month_year(year_one), year_one.format("%d %b %Y").to_string());
    }
}
