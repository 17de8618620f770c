//! How old the data is, in words, and when the page must warn about it.
//!
//! Pure functions over times passed in (the browser's clock is read once per
//! tick in `state`), so the wording and the thresholds are tested natively.

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// How long data counts as fresh before the page says it is stale; the
/// proxy's default `fresh_for` is the same two hours.
pub const DEFAULT_FRESH_FOR: Duration = Duration::hours(2);

/// Why the page could not refresh, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outage {
    /// The proxy did not answer.
    Proxy {
        /// First failed attempt in the current run of failures.
        since: DateTime<Utc>,
    },
    /// The proxy answered but its last sync with JIRA failed.
    Jira {
        /// First time we saw the failure.
        since: DateTime<Utc>,
    },
}

/// "just now", "4 min ago", "3 h ago", "2 days ago".
pub fn describe_age(age: Duration) -> String {
    let minutes = age.num_minutes();
    if minutes < 1 {
        "just now".to_owned()
    } else if minutes < 60 {
        format!("{minutes} min ago")
    } else if minutes < 48 * 60 {
        format!("{} h ago", minutes / 60)
    } else {
        format!("{} days ago", minutes / (24 * 60))
    }
}

/// `at` as `HH:MM` in the viewer's time zone, `offset_minutes` east of UTC.
pub fn clock_time(at: DateTime<Utc>, offset_minutes: i32) -> String {
    let offset = FixedOffset::east_opt(offset_minutes * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    at.with_timezone(&offset).format("%H:%M").to_string()
}

/// The text of the "data as of" line.
pub fn data_as_of_text(age: Option<Duration>) -> String {
    match age {
        Some(age) => format!("data as of {}", describe_age(age)),
        None => "no data yet".to_owned(),
    }
}

/// The staleness banner, or `None` when the data is fresh and the sources up:
/// "data from 3 h ago — JIRA unreachable since 09:12".
pub fn banner(
    age: Option<Duration>,
    outage: Option<&Outage>,
    fresh_for: Duration,
    offset_minutes: i32,
) -> Option<String> {
    let data = match age {
        Some(age) => format!("data from {}", describe_age(age)),
        None => "no data yet".to_owned(),
    };
    match outage {
        Some(Outage::Proxy { since }) => Some(format!(
            "{data} — ClaudeDirector server unreachable since {}",
            clock_time(*since, offset_minutes)
        )),
        Some(Outage::Jira { since }) => {
            Some(format!("{data} — JIRA unreachable since {}", clock_time(*since, offset_minutes)))
        }
        None => match age {
            Some(age) if age > fresh_for => Some(format!("{data} — refresh pending")),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_read_in_the_largest_sensible_unit() {
        assert_eq!(describe_age(Duration::seconds(20)), "just now");
        assert_eq!(describe_age(Duration::minutes(4)), "4 min ago");
        assert_eq!(describe_age(Duration::minutes(190)), "3 h ago");
        assert_eq!(describe_age(Duration::days(3)), "3 days ago");
    }

    #[test]
    fn fresh_data_from_a_reachable_source_shows_no_banner() {
        assert_eq!(banner(Some(Duration::minutes(5)), None, DEFAULT_FRESH_FOR, 0), None);
    }

    #[test]
    fn an_outage_names_the_source_and_the_local_time_it_began() {
        let since = Utc.with_ymd_and_hms(2026, 3, 2, 8, 12, 0).unwrap();
        let text =
            banner(Some(Duration::hours(3)), Some(&Outage::Jira { since }), DEFAULT_FRESH_FOR, 60);
        assert_eq!(text.as_deref(), Some("data from 3 h ago — JIRA unreachable since 09:12"));
        let text = banner(None, Some(&Outage::Proxy { since }), DEFAULT_FRESH_FOR, 0);
        assert_eq!(
            text.as_deref(),
            Some("no data yet — ClaudeDirector server unreachable since 08:12")
        );
    }

    #[test]
    fn old_data_warns_even_when_nothing_failed() {
        let text = banner(Some(Duration::hours(5)), None, DEFAULT_FRESH_FOR, 0);
        assert!(text.unwrap().starts_with("data from 5 h ago"));
    }
}
