//! How old the data is, in words, and when the page must warn about it.
//!
//! Pure functions over times passed in (the browser's clock is read once per
//! tick in `state`), so the wording and the thresholds are tested natively.

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// How long data counts as fresh before the page says it is stale; the
/// proxy's default `fresh_for` is the same two hours.
pub const DEFAULT_FRESH_FOR: Duration = Duration::hours(2);

/// Shortest freshness threshold a director may set: below it the page would
/// ask the proxy on nearly every open, which is what the threshold avoids.
pub const MIN_FRESH_FOR: Duration = Duration::minutes(5);
/// Longest freshness threshold: past a week the staleness banner means little.
pub const MAX_FRESH_FOR: Duration = Duration::days(7);

/// Why a freshness threshold was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FreshForError {
    /// Not a whole number of minutes.
    #[error("enter the threshold as a whole number of minutes")]
    NotANumber,
    /// Below [`MIN_FRESH_FOR`].
    #[error("the threshold must be at least 5 minutes")]
    TooShort,
    /// Above [`MAX_FRESH_FOR`].
    #[error("the threshold must be at most 7 days (10080 minutes)")]
    TooLong,
}

/// Reads a freshness threshold typed as minutes ("120"), within
/// [`MIN_FRESH_FOR`]..=[`MAX_FRESH_FOR`].
pub fn parse_fresh_for_minutes(text: &str) -> Result<Duration, FreshForError> {
    let minutes: i64 = text.trim().parse().map_err(|_| FreshForError::NotANumber)?;
    let fresh_for = Duration::minutes(minutes);
    if fresh_for < MIN_FRESH_FOR {
        Err(FreshForError::TooShort)
    } else if fresh_for > MAX_FRESH_FOR {
        Err(FreshForError::TooLong)
    } else {
        Ok(fresh_for)
    }
}

/// A stored threshold, falling back to [`DEFAULT_FRESH_FOR`] when nothing
/// valid was stored (first visit, an edited or corrupted value).
pub fn fresh_for_or_default(stored: Option<&str>) -> Duration {
    stored.and_then(|text| parse_fresh_for_minutes(text).ok()).unwrap_or(DEFAULT_FRESH_FOR)
}

/// "2 h", "90 min", "1 day 6 h": a threshold as people say it.
pub fn describe_fresh_for(fresh_for: Duration) -> String {
    let minutes = fresh_for.num_minutes();
    let (days, hours, mins) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(if days == 1 { "1 day".to_owned() } else { format!("{days} days") });
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if mins > 0 || parts.is_empty() {
        parts.push(format!("{mins} min"));
    }
    parts.join(" ")
}

/// What the page does with the proxy when it opens, after rendering the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAction {
    /// The cached data is younger than `fresh_for`: show it and only check
    /// in (sync status, alerts); the event stream brings changes.
    UseCache,
    /// The cache is empty or its data older than `fresh_for`: ask for the
    /// delta (which also makes a proxy with stale data sync with JIRA).
    FetchDelta,
}

/// The age of cached data for the open-time decision: since the proxy's last
/// sync (`data_as_of`, on the proxy's clock), else since this browser's last
/// fetch. A sync time ahead of the browser's clock is clock skew between the
/// two machines (the demo's simulated site runs ahead of real time), so the
/// browser's own fetch time is used then.
pub fn cache_age(
    fetched_at: Option<DateTime<Utc>>,
    data_as_of: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    match data_as_of {
        Some(at) if at <= now => Some(now - at),
        _ => fetched_at.map(|at| now - at),
    }
}

/// Decides whether opening the page asks the proxy for the delta, from the
/// [`cache_age`]. A negative age (the browser's clock set back) counts as
/// stale, so a wrong clock cannot pin old data on screen.
pub fn open_action(age: Option<Duration>, fresh_for: Duration) -> OpenAction {
    match age {
        Some(age) if age >= Duration::zero() && age <= fresh_for => OpenAction::UseCache,
        _ => OpenAction::FetchDelta,
    }
}

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
    crate::dates::hour_minute(&at.with_timezone(&offset))
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
    fn a_cache_younger_than_fresh_for_opens_without_asking_for_the_delta() {
        let fresh_for = Duration::hours(2);
        assert_eq!(open_action(None, fresh_for), OpenAction::FetchDelta, "empty cache");
        assert_eq!(open_action(Some(Duration::minutes(30)), fresh_for), OpenAction::UseCache);
        assert_eq!(open_action(Some(fresh_for), fresh_for), OpenAction::UseCache);
        assert_eq!(
            open_action(Some(fresh_for + Duration::seconds(1)), fresh_for),
            OpenAction::FetchDelta
        );
        assert_eq!(
            open_action(Some(Duration::hours(-1)), fresh_for),
            OpenAction::FetchDelta,
            "data from the future means the clock moved"
        );
        // A shorter threshold makes the same cache stale.
        assert_eq!(
            open_action(Some(Duration::minutes(30)), Duration::minutes(10)),
            OpenAction::FetchDelta
        );
    }

    #[test]
    fn the_open_decision_uses_the_data_age_unless_the_clocks_disagree() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let fetched = Some(now - Duration::minutes(1));
        // Fetched a minute ago, but the proxy had not synced for three hours:
        // the data is old, so ask (the proxy then syncs with JIRA).
        let age = cache_age(fetched, Some(now - Duration::hours(3)), now);
        assert_eq!(age, Some(Duration::hours(3)));
        assert_eq!(open_action(age, DEFAULT_FRESH_FOR), OpenAction::FetchDelta);
        let age = cache_age(fetched, Some(now - Duration::minutes(20)), now);
        assert_eq!(open_action(age, DEFAULT_FRESH_FOR), OpenAction::UseCache);
        // A proxy clock ahead of ours: fall back to our fetch time.
        let age = cache_age(fetched, Some(now + Duration::hours(5)), now);
        assert_eq!(age, Some(Duration::minutes(1)));
        assert_eq!(open_action(age, DEFAULT_FRESH_FOR), OpenAction::UseCache);
        let age = cache_age(Some(now - Duration::hours(4)), Some(now + Duration::hours(5)), now);
        assert_eq!(open_action(age, DEFAULT_FRESH_FOR), OpenAction::FetchDelta);
        assert_eq!(cache_age(None, None, now), None);
    }

    #[test]
    fn thresholds_are_whole_minutes_within_bounds() {
        assert_eq!(parse_fresh_for_minutes(" 90 "), Ok(Duration::minutes(90)));
        assert_eq!(parse_fresh_for_minutes("5"), Ok(MIN_FRESH_FOR));
        assert_eq!(parse_fresh_for_minutes("10080"), Ok(MAX_FRESH_FOR));
        assert_eq!(parse_fresh_for_minutes("4"), Err(FreshForError::TooShort));
        assert_eq!(parse_fresh_for_minutes("-30"), Err(FreshForError::TooShort));
        assert_eq!(parse_fresh_for_minutes("10081"), Err(FreshForError::TooLong));
        assert_eq!(parse_fresh_for_minutes("1.5"), Err(FreshForError::NotANumber));
        assert_eq!(parse_fresh_for_minutes(""), Err(FreshForError::NotANumber));
        assert_eq!(fresh_for_or_default(Some("30")), Duration::minutes(30));
        assert_eq!(fresh_for_or_default(Some("garbage")), DEFAULT_FRESH_FOR);
        assert_eq!(fresh_for_or_default(None), DEFAULT_FRESH_FOR);
    }

    #[test]
    fn thresholds_read_as_people_say_them() {
        assert_eq!(describe_fresh_for(Duration::hours(2)), "2 h");
        assert_eq!(describe_fresh_for(Duration::minutes(90)), "1 h 30 min");
        assert_eq!(describe_fresh_for(Duration::minutes(5)), "5 min");
        assert_eq!(describe_fresh_for(Duration::hours(30)), "1 day 6 h");
        assert_eq!(describe_fresh_for(Duration::days(7)), "7 days");
    }

    #[test]
    fn old_data_warns_even_when_nothing_failed() {
        let text = banner(Some(Duration::hours(5)), None, DEFAULT_FRESH_FOR, 0);
        assert!(text.unwrap().starts_with("data from 5 h ago"));
    }
}
