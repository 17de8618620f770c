//! JQL parsing and evaluation against a tiny organisation.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::org::{generate, Preset};

fn org() -> Org {
    generate(9, Preset::Tiny, Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap())
}

fn ctx(tz: Tz) -> JqlContext {
    JqlContext { tz, now: Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap() }
}

fn keys(org: &Org, jql: &str, tz: Tz) -> Vec<String> {
    let q = parse(jql, org, ctx(tz)).unwrap_or_else(|e| panic!("{jql}: {e}"));
    let mut hits: Vec<&Issue> =
        org.live_issues().map(|(_, i)| i).filter(|i| q.matches(i, org)).collect();
    hits.sort_by(|a, b| q.compare(a, b));
    hits.into_iter().map(|i| i.key.clone()).collect()
}

fn count_project(org: &Org, key: &str) -> usize {
    org.issues.iter().filter(|i| org.teams[i.team].key == key).count()
}

#[test]
fn project_in_all_its_spellings() {
    let org = org();
    let alpha = count_project(&org, "ALPHA");
    assert!(alpha > 0);
    for jql in [
        "project = ALPHA",
        "project = \"ALPHA\"",
        "project='alpha'",
        "project = Alpha",
        "PROJECT = 10000",
    ] {
        assert_eq!(keys(&org, jql, chrono_tz::UTC).len(), alpha, "{jql}");
    }
    let both = keys(&org, "project in (ALPHA, \"BRAVO\")", chrono_tz::UTC).len();
    assert_eq!(both, alpha + count_project(&org, "BRAVO"));
    let or = keys(&org, "project = ALPHA OR project = BRAVO", chrono_tz::UTC).len();
    assert_eq!(or, both);
    let not = keys(&org, "project not in (ALPHA) AND project != CHARLIE", chrono_tz::UTC).len();
    assert_eq!(not, count_project(&org, "BRAVO"));
}

#[test]
fn dates_are_read_in_the_callers_time_zone_at_minute_granularity() {
    let new_york = chrono_tz::America::New_York;
    let expected = Utc.with_ymd_and_hms(2024, 1, 15, 15, 30, 0).unwrap();
    assert_eq!(parse_date("2024/01/15 10:30", ctx(new_york)), Some(expected));
    assert_eq!(parse_date("2024-01-15 10:30", ctx(new_york)), Some(expected));
    assert_eq!(
        parse_date("2024-01-15 10:30", ctx(chrono_tz::UTC)),
        Some(expected - Duration::hours(5))
    );
    assert_eq!(
        parse_date("2024/01/15", ctx(chrono_tz::UTC)),
        Some(Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap())
    );
    let now = ctx(chrono_tz::UTC).now;
    assert_eq!(parse_date("-5d", ctx(chrono_tz::UTC)), Some(now - Duration::days(5)));
    assert_eq!(parse_date("-1w 2d", ctx(chrono_tz::UTC)), Some(now - Duration::days(9)));
    assert_eq!(parse_date("-15m", ctx(chrono_tz::UTC)), Some(now - Duration::minutes(15)));
    assert_eq!(parse_date("2024/13/45 10:30", ctx(chrono_tz::UTC)), None);
}

#[test]
fn updated_bounds_select_exactly_the_issues_on_each_side() {
    let org = org();
    let tz = chrono_tz::Asia::Kolkata;
    // Pick a real issue's update minute, rendered in the caller's zone.
    let probe = &org.issues[org.issues.len() / 2];
    let minute = probe.updated.with_timezone(&tz).format("%Y/%m/%d %H:%M").to_string();
    let bound = parse_date(&minute, ctx(tz)).unwrap();
    assert!(bound <= probe.updated && probe.updated < bound + Duration::minutes(1));
    let at_or_after = keys(&org, &format!("updated >= \"{minute}\""), tz);
    let before = keys(&org, &format!("updated < \"{minute}\""), tz);
    assert!(at_or_after.contains(&probe.key));
    assert!(!before.contains(&probe.key));
    assert_eq!(at_or_after.len() + before.len(), org.issues.len());
    let expect = org.issues.iter().filter(|i| i.updated >= bound).count();
    assert_eq!(at_or_after.len(), expect);
    let created =
        keys(&org, &format!("created <= \"{minute}\" AND created > \"2000-01-01 00:00\""), tz)
            .len();
    assert_eq!(created, org.issues.iter().filter(|i| i.created <= bound).count());
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_regroup() {
    let org = org();
    let tz = chrono_tz::UTC;
    let a = keys(&org, "project = ALPHA AND status = Done OR project = BRAVO", tz).len();
    let expect_a = org
        .issues
        .iter()
        .filter(|i| (i.team == 0 && i.status == crate::org::DONE) || i.team == 1)
        .count();
    assert_eq!(a, expect_a);
    let b = keys(&org, "project = ALPHA AND (status = Done OR project = BRAVO)", tz).len();
    let expect_b =
        org.issues.iter().filter(|i| i.team == 0 && i.status == crate::org::DONE).count();
    assert_eq!(b, expect_b);
    let c = keys(&org, "project = ALPHA AND NOT statusCategory = done", tz).len();
    assert_eq!(c, count_project(&org, "ALPHA") - expect_b);
}

#[test]
fn order_by_several_fields_sorts_with_a_stable_tie_break() {
    let org = org();
    let hits =
        keys(&org, "project in (ALPHA, BRAVO) ORDER BY updated ASC, key DESC", chrono_tz::UTC);
    let by_key = |k: &String| &org.issues[org.find(k).unwrap()];
    for w in hits.windows(2) {
        let (a, b) = (by_key(&w[0]), by_key(&w[1]));
        assert!(
            a.updated < b.updated
                || (a.updated == b.updated && (a.team, a.number) >= (b.team, b.number))
        );
    }
    let desc = keys(&org, "project = ALPHA order by created desc", chrono_tz::UTC);
    assert!(desc.windows(2).all(|w| by_key(&w[0]).created >= by_key(&w[1]).created));
    let by_k = keys(&org, "project = ALPHA ORDER BY key", chrono_tz::UTC);
    assert_eq!(by_k.first().map(String::as_str), Some("ALPHA-1"));
}

#[test]
fn key_lists_match_and_unknown_keys_are_refused_like_jira() {
    let org = org();
    let hits = keys(&org, "key in (ALPHA-1, BRAVO-2) ORDER BY key ASC", chrono_tz::UTC);
    assert_eq!(hits, ["ALPHA-1", "BRAVO-2"]);
    let e = parse("issuekey = ALPHA-99999", &org, ctx(chrono_tz::UTC)).unwrap_err();
    assert_eq!(e.0, "An issue with key 'ALPHA-99999' does not exist for field 'issuekey'.");
}

#[test]
fn unbounded_and_unsupported_queries_are_named() {
    let org = org();
    let q = parse("ORDER BY updated DESC", &org, ctx(chrono_tz::UTC)).unwrap();
    assert!(!q.is_bounded());
    assert!(!parse("", &org, ctx(chrono_tz::UTC)).unwrap().is_bounded());
    let e = parse("fixVersion in releasedVersions()", &org, ctx(chrono_tz::UTC)).unwrap_err();
    assert!(e.0.contains("'fixVersion'"), "{e}");
    let e = parse("project ~ ALPHA", &org, ctx(chrono_tz::UTC)).unwrap_err();
    assert!(e.0.contains("'~'") && e.0.contains("'project'"), "{e}");
    let e = parse("project = NOPE", &org, ctx(chrono_tz::UTC)).unwrap_err();
    assert_eq!(e.0, "The value 'NOPE' does not exist for the field 'project'.");
    let e = parse("updated >= \"yesterday\"", &org, ctx(chrono_tz::UTC)).unwrap_err();
    assert!(e.0.starts_with("Date value 'yesterday' for field 'updated' is invalid."), "{e}");
    let e = parse("project = ALPHA ORDER BY votes", &org, ctx(chrono_tz::UTC)).unwrap_err();
    assert!(e.0.contains("'votes'"), "{e}");
    assert!(parse("project = ALPHA AND (status = Done", &org, ctx(chrono_tz::UTC)).is_err());
    assert!(parse("project = \"ALPHA", &org, ctx(chrono_tz::UTC)).is_err());
}

#[test]
fn resolution_and_empty_checks_work_like_jira() {
    let org = org();
    let tz = chrono_tz::UTC;
    let done = org.issues.iter().filter(|i| i.status == crate::org::DONE).count();
    assert_eq!(
        keys(&org, "project in (ALPHA, BRAVO, CHARLIE) AND resolution = Unresolved", tz).len(),
        org.issues.len() - done
    );
    assert_eq!(
        keys(&org, "project in (ALPHA, BRAVO, CHARLIE) AND resolution is EMPTY", tz).len(),
        org.issues.len() - done
    );
    assert_eq!(
        keys(&org, "project in (ALPHA, BRAVO, CHARLIE) AND resolution IS NOT empty", tz).len(),
        done
    );
    assert_eq!(
        keys(&org, "project in (ALPHA, BRAVO, CHARLIE) AND resolution = Done", tz).len(),
        done
    );
    let unlabelled = org.issues.iter().filter(|i| i.labels.is_empty()).count();
    assert_eq!(
        keys(&org, "project in (ALPHA, BRAVO, CHARLIE) AND labels is EMPTY", tz).len(),
        unlabelled
    );
    let e = parse("project is EMPTY", &org, ctx(tz)).unwrap_err();
    assert_eq!(e.0, "The operator 'is' is not supported by the 'project' field.");
    assert!(parse("resolution = Maybe", &org, ctx(tz)).is_err());
}

#[test]
fn sprint_clauses_use_ids_names_and_functions() {
    let org = org();
    let tz = chrono_tz::UTC;
    let active = org
        .sprints
        .iter()
        .find(|s| s.team == 0 && s.state == crate::org::SprintState::Active)
        .unwrap();
    let in_active = org.issues.iter().filter(|i| i.sprints.contains(&active.id)).count();
    assert!(in_active > 0);
    assert_eq!(keys(&org, &format!("sprint = {}", active.id), tz).len(), in_active);
    assert_eq!(keys(&org, &format!("sprint = \"{}\"", active.name), tz).len(), in_active);
    let open = org
        .issues
        .iter()
        .filter(|i| {
            i.team == 0
                && i.sprints.iter().any(|s| {
                    org.sprint(*s).is_some_and(|s| s.state != crate::org::SprintState::Closed)
                })
        })
        .count();
    assert_eq!(keys(&org, "project = ALPHA AND sprint in openSprints()", tz).len(), open);
    let none = org.issues.iter().filter(|i| i.team == 0 && i.sprints.is_empty()).count();
    assert_eq!(keys(&org, "project = ALPHA AND sprint is EMPTY", tz).len(), none);
    let e = parse("sprint in mySprints()", &org, ctx(tz)).unwrap_err();
    assert_eq!(e.0, "Unable to find JQL function 'mySprints()'.");
    assert!(parse("sprint = 999999", &org, ctx(tz)).is_err());
}
