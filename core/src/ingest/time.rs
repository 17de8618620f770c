//! Parsing of JIRA timestamps, once, at the edge.
//!
//! JIRA writes `2020-06-12T08:13:13.360+0800` (offset without a colon),
//! agile sprints use `2020-06-12T00:38:51.882Z`, Data Center and the
//! greenhopper reports use `+10:00` or `+0000`, bulk changelogs may carry epoch
//! seconds, and webhooks epoch milliseconds. A hand-written fast path covers
//! the common ISO shapes because ingest parses millions of them; chrono's
//! parsers catch the rest.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// A JIRA timestamp as a UTC instant, keeping the offset it was written in.
pub(crate) fn parse_timestamp_value(value: &Value) -> Option<DateTime<FixedOffset>> {
    match value {
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => {
            let raw = n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?;
            // Epoch seconds stay below 1e11 until the year 5138.
            // `unsigned_abs`: a huge negative number saturates to `i64::MIN`, whose `abs` overflows.
            let millis =
                if raw.unsigned_abs() < 100_000_000_000 { raw.checked_mul(1000)? } else { raw };
            let utc = Utc.timestamp_millis_opt(millis).single()?;
            Some(utc.fixed_offset())
        }
        _ => None,
    }
}

/// Parses an ISO-8601 timestamp in any of JIRA's spellings, or a bare date
/// (taken as midnight UTC).
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Some(ts) = fast_iso(s.as_bytes()) {
        return Some(ts);
    }
    if let Ok(ts) = DateTime::parse_from_rfc3339(s) {
        return Some(ts);
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(ts) = DateTime::parse_from_str(s, format) {
            return Some(ts);
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            return Some(naive.and_utc().fixed_offset());
        }
    }
    parse_date(s).map(|date| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().fixed_offset())
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Some(date) = fast_date(s.as_bytes()) {
        return Some(date);
    }
    if s.len() >= 10 {
        if let Some(date) = s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        {
            return Some(date);
        }
    }
    None
}

/// `YYYY-MM-DD…`: every due date, without chrono's format parser.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH[:]MM)`.
fn fast_iso(b: &[u8]) -> Option<DateTime<FixedOffset>> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &b[start..i];
        if frac.is_empty() || frac.len() > 9 {
            return None;
        }
        nanos = digits(frac)? * 10u32.pow(9 - frac.len() as u32);
    }
    let rest = &b[i..];
    let offset_secs: i32 = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let h = digits(&[*h1, *h2])? as i32;
            let m = digits(&[*m1, *m2])? as i32;
            let secs = h * 3600 + m * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let offset = FixedOffset::east_opt(offset_secs)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let naive = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    offset.from_local_datetime(&naive).single()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn jira_offsets_with_and_without_colon_agree() {
        let a = parse_timestamp("2020-06-12T08:13:13.360+0800").unwrap();
        let b = parse_timestamp("2020-06-12T00:13:13.360Z").unwrap();
        let c = parse_timestamp("2020-06-12T02:13:13.360+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.offset().local_minus_utc(), 8 * 3600);
    }

    #[test]
    fn epoch_seconds_and_millis_are_both_understood() {
        let secs = parse_timestamp_value(&serde_json::json!(1492070429)).unwrap();
        let millis = parse_timestamp_value(&serde_json::json!(1492070429000_i64)).unwrap();
        assert_eq!(secs, millis);
    }

    #[test]
    fn numbers_out_of_range_are_no_timestamp_and_no_panic() {
        // -1.5e300 saturates to i64::MIN, whose plain `abs` overflows.
        for n in
            [serde_json::json!(-1.5e300), serde_json::json!(i64::MIN), serde_json::json!(1e300)]
        {
            assert_eq!(parse_timestamp_value(&n), None, "{n}");
        }
    }

    #[test]
    fn the_fast_date_path_reads_what_chrono_reads() {
        for s in ["2025-04-07", "2024-02-29", "2025-12-31T10:00", "0001-01-01", "9999-12-31"] {
            let chrono = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok();
            assert_eq!(fast_date(s.as_bytes()), chrono, "{s}");
            assert_eq!(parse_date(s), chrono, "{s}");
        }
        // Not a calendar date: neither path reads one.
        for s in ["2025-02-29", "2025-13-01", "2025-00-10", "2025-01-32"] {
            assert_eq!(fast_date(s.as_bytes()), None, "{s}");
            assert_eq!(parse_date(s), None, "{s}");
        }
        // Other shapes are chrono's to judge.
        assert_eq!(fast_date(b"2025-4-7"), None);
        assert_eq!(parse_date(" 2025-04-07 "), NaiveDate::from_ymd_opt(2025, 4, 7));
    }

    #[test]
    fn unusual_spellings_fall_back_to_chrono() {
        assert!(parse_timestamp("2022-07-28T07:49:36+0000").is_some());
        assert!(parse_timestamp("2015-04-11T15:22:00.000+10:00").is_some());
        assert!(parse_timestamp("2025-03-09").is_some());
        assert!(parse_timestamp("28/Jul/22 7:49 AM").is_none());
        assert!(parse_timestamp("").is_none());
    }
}
