//! Flow tests: small status histories written in a text DSL, checked
//! against expected renderings, plus property tests of the invariants.
//!
//! DSL: one issue per line, `KEY: status MM-DD, status MM-DD, ...` (year
//! 2026, 09:00 UTC). The first entry is the creation. Status words: `todo`,
//! `doing`, `review`, `blocked`, `done`, `gone` (a status no workflow maps).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::model::{Issue, IssueId, IssueKey, Priority, StatusCategory, StatusChange};

pub(crate) fn status_name(word: &str) -> &'static str {
    match word {
        "todo" => "To Do",
        "doing" => "In Progress",
        "review" => "In Review",
        "blocked" => "Blocked",
        "done" => "Done",
        _ => "Gone",
    }
}

pub(crate) fn statuses() -> BTreeMap<String, StatusCategory> {
    [
        ("To Do", StatusCategory::ToDo),
        ("In Progress", StatusCategory::InProgress),
        ("In Review", StatusCategory::InProgress),
        ("Blocked", StatusCategory::InProgress),
        ("Done", StatusCategory::Done),
    ]
    .into_iter()
    .map(|(s, c)| (s.to_owned(), c))
    .collect()
}

pub(crate) fn at(md: &str) -> DateTime<Utc> {
    let (m, d) = md.split_once('-').expect("MM-DD");
    Utc.with_ymd_and_hms(2026, m.parse().unwrap(), d.parse().unwrap(), 9, 0, 0).unwrap()
}

pub(crate) fn issue(key: &str, history: &[(&str, DateTime<Utc>)]) -> Issue {
    let status = status_name(history.last().map_or("todo", |h| h.0)).to_owned();
    let category = statuses().get(&status).copied().unwrap_or(StatusCategory::ToDo);
    let mut changes = Vec::new();
    let mut prev: Option<String> = None;
    for (word, when) in history {
        let to = status_name(word).to_owned();
        changes.push(StatusChange { at: *when, from: prev.clone(), to: to.clone() });
        prev = Some(to);
    }
    let created = history.first().map_or_else(|| at("01-01"), |h| h.1);
    Issue {
        id: IssueId(key.to_owned()),
        key: IssueKey::from(key),
        summary: String::new(),
        issue_type: "Story".into(),
        project: IssueKey::from(key).project().to_owned(),
        status,
        category,
        priority: Priority::P2,
        priority_name: None,
        labels: vec![],
        created,
        updated: history.last().map_or(created, |h| h.1),
        resolved: None,
        due: None,
        points: None,
        epic: None,
        parent: None,
        sprints: vec![],
        links: vec![],
        flagged: false,
        assignee: None,
        team: None,
        status_history: changes,
        sprint_history: vec![],
        estimate_history: vec![],
        flag_periods: vec![],
        link_history: vec![],
    }
}

/// Parses the DSL.
pub(crate) fn dsl(text: &str) -> Vec<Issue> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (key, rest) = line.split_once(':').expect("KEY: ...");
            let history: Vec<(&str, DateTime<Utc>)> = rest
                .split(',')
                .map(|step| {
                    let mut parts = step.split_whitespace();
                    let word = parts.next().expect("status");
                    (word, at(parts.next().expect("date")))
                })
                .collect();
            issue(key.trim(), &history)
        })
        .collect()
}

fn render(issues: &[Issue], workflow: &Workflow, options: &FlowOptions) -> String {
    flows(issues, workflow, options)
        .iter()
        .map(|f| {
            let d =
                |x: Option<NaiveDate>| x.map_or("-".to_owned(), |d| d.format("%m-%d").to_string());
            let ct =
                cycle_time_days(f, options.convention).map_or("-".to_owned(), |c| c.to_string());
            format!("{}: start {} done {} cycle {}", f.key, d(f.started), d(f.completed), ct)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn workflow(rule: BackwardMoves) -> Workflow {
    Workflow::new(
        vec![
            Stage { name: "Backlog".into(), statuses: vec!["To Do".into()] },
            Stage { name: "Doing".into(), statuses: vec!["In Progress".into(), "Blocked".into()] },
            Stage { name: "Review".into(), statuses: vec!["In Review".into()] },
            Stage { name: "Done".into(), statuses: vec!["Done".into()] },
        ],
        None,
        None,
        rule,
        None,
    )
    .unwrap()
}

/// The data-driven check: issues in the DSL, expected rendering per issue.
fn check(fixture: &str, rule: BackwardMoves, convention: CycleTimeConvention, expect: &str) {
    let issues = dsl(fixture);
    let options = FlowOptions { convention, ..FlowOptions::default() };
    let got = render(&issues, &workflow(rule), &options);
    let want: Vec<&str> = expect.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(got, want.join("\n"));
}

#[test]
fn straight_through_inclusive_and_elapsed() {
    let fixture = "
        A-1: todo 01-02, doing 01-03, review 01-05, done 01-07
        A-2: todo 01-02, doing 01-04, done 01-04
        A-3: todo 01-02, doing 01-04
        A-4: todo 01-02, done 01-04
    ";
    check(
        fixture,
        BackwardMoves::Keep,
        CycleTimeConvention::Inclusive,
        "
        A-1: start 01-03 done 01-07 cycle 5
        A-2: start 01-04 done 01-04 cycle 1
        A-3: start 01-04 done - cycle -
        A-4: start - done 01-04 cycle -
    ",
    );
    check(
        fixture,
        BackwardMoves::Keep,
        CycleTimeConvention::Elapsed,
        "
        A-1: start 01-03 done 01-07 cycle 4
        A-2: start 01-04 done 01-04 cycle 0
        A-3: start 01-04 done - cycle -
        A-4: start - done 01-04 cycle -
    ",
    );
}

#[test]
fn backward_moves_keep_or_reset() {
    let fixture = "
        B-1: todo 01-02, doing 01-03, done 01-05, doing 01-08, done 01-10
        B-2: todo 01-02, review 01-03, doing 01-06, done 01-09
        B-3: todo 01-02, doing 01-03, todo 01-04, doing 01-12, done 01-13
        B-4: todo 01-02, doing 01-03, done 01-05, doing 01-08
    ";
    check(
        fixture,
        BackwardMoves::Keep,
        CycleTimeConvention::Elapsed,
        "
        B-1: start 01-03 done 01-05 cycle 2
        B-2: start 01-03 done 01-09 cycle 6
        B-3: start 01-03 done 01-13 cycle 10
        B-4: start 01-03 done - cycle -
    ",
    );
    check(
        fixture,
        BackwardMoves::Reset,
        CycleTimeConvention::Elapsed,
        "
        B-1: start 01-03 done 01-10 cycle 7
        B-2: start 01-06 done 01-09 cycle 3
        B-3: start 01-12 done 01-13 cycle 1
        B-4: start 01-03 done - cycle -
    ",
    );
}

#[test]
fn unmapped_statuses_are_skipped_and_reported() {
    let issues = dsl("C-1: todo 01-02, gone 01-03, doing 01-04, done 01-06");
    let f = issue_flow(&issues[0], &workflow(BackwardMoves::Keep), &FlowOptions::default());
    assert_eq!(f.unmapped_statuses, ["Gone"]);
    assert_eq!(f.started, NaiveDate::from_ymd_opt(2026, 1, 4));
}

#[test]
fn days_are_cut_in_the_site_offset() {
    // 23:30 UTC on Jan 3 is already Jan 4 in UTC+08:00.
    let mut issues = dsl("D-1: todo 01-02, doing 01-03, done 01-06");
    issues[0].status_history[1].at = Utc.with_ymd_and_hms(2026, 1, 3, 23, 30, 0).unwrap();
    let utc = issue_flow(&issues[0], &workflow(BackwardMoves::Keep), &FlowOptions::default());
    let plus8 = FlowOptions { utc_offset_secs: 8 * 3600, ..FlowOptions::default() };
    let local = issue_flow(&issues[0], &workflow(BackwardMoves::Keep), &plus8);
    assert_eq!(utc.started, NaiveDate::from_ymd_opt(2026, 1, 3));
    assert_eq!(local.started, NaiveDate::from_ymd_opt(2026, 1, 4));
}

#[test]
fn series_over_a_small_board() {
    let issues = dsl("
        E-1: todo 01-05, doing 01-05, done 01-07
        E-2: todo 01-05, doing 01-06, blocked 01-07, doing 01-09, done 01-12
        E-3: todo 01-06, doing 01-08
        E-4: todo 01-06
    ");
    let wf = workflow(BackwardMoves::Keep);
    let options = FlowOptions::default();
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
    let report = flow_report(&issues, &wf, &options, as_of);
    let fmt = |s: &[(NaiveDate, u32)]| {
        s.iter().map(|(d, n)| format!("{} {n}", d.format("%m-%d"))).collect::<Vec<_>>().join(", ")
    };
    assert_eq!(
        fmt(&report.throughput_daily),
        "01-05 0, 01-06 0, 01-07 1, 01-08 0, 01-09 0, 01-10 0, 01-11 0, 01-12 1"
    );
    // Jan 5 2026 is a Monday.
    assert_eq!(fmt(&report.throughput_weekly), "01-05 1, 01-12 1");
    assert_eq!(
        fmt(&report.wip_daily),
        "01-05 1, 01-06 2, 01-07 1, 01-08 2, 01-09 2, 01-10 2, 01-11 2, 01-12 1"
    );
    let last = report.cfd_daily.last().unwrap();
    assert_eq!(last.counts, vec![4, 3, 2, 2]);
    assert_eq!(report.aging_wip.len(), 1);
    assert_eq!(report.aging_wip[0].key.as_str(), "E-3");
    assert_eq!(report.aging_wip[0].age_days, 5);
    let e2 = &report.items[1];
    assert_eq!(e2.blocked_reasons, vec![BlockReason::Status]);
    assert_eq!(e2.blocked_days, 2.0);
    assert_eq!(report.cycle_time.count, 2);
}

fn arbitrary_issue() -> impl Strategy<Value = Vec<(usize, u32)>> {
    // Up to 8 moves: (status index, days after the previous move).
    prop::collection::vec((0usize..6, 0u32..6), 1..8)
}

fn build(histories: &[Vec<(usize, u32)>]) -> Vec<Issue> {
    const WORDS: [&str; 6] = ["todo", "doing", "review", "blocked", "done", "gone"];
    histories
        .iter()
        .enumerate()
        .map(|(i, moves)| {
            let mut when = at("01-01") + chrono::Duration::days(i as i64 % 9);
            let steps: Vec<(&str, DateTime<Utc>)> = moves
                .iter()
                .map(|(s, gap)| {
                    when += chrono::Duration::days(i64::from(*gap)) + chrono::Duration::hours(1);
                    (WORDS[*s], when)
                })
                .collect();
            issue(&format!("P-{i}"), &steps)
        })
        .collect()
}

proptest! {
    #[test]
    fn throughput_sums_to_completed_and_cfd_is_monotone(
        histories in prop::collection::vec(arbitrary_issue(), 1..40),
        reset in any::<bool>(),
    ) {
        let issues = build(&histories);
        let rule = if reset { BackwardMoves::Reset } else { BackwardMoves::Keep };
        let wf = workflow(rule);
        let options = FlowOptions::default();
        let as_of = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let report = flow_report(&issues, &wf, &options, as_of);
        let daily: u32 = report.throughput_daily.iter().map(|(_, n)| n).sum();
        let weekly: u32 = report.throughput_weekly.iter().map(|(_, n)| n).sum();
        prop_assert_eq!(daily as usize, report.completed);
        prop_assert_eq!(weekly as usize, report.completed);
        for pair in report.cfd_daily.windows(2) {
            for s in 0..wf.stages.len() {
                prop_assert!(pair[0].counts[s] <= pair[1].counts[s]);
            }
        }
        for day in &report.cfd_daily {
            prop_assert!(day.counts.windows(2).all(|w| w[0] >= w[1]));
        }
        for item in &report.items {
            if let (Some(s), Some(c)) = (item.started, item.completed) {
                prop_assert!(s <= c || rule == BackwardMoves::Keep || item.cycle_time_days.is_some());
            }
            if let Some(ct) = item.cycle_time_days {
                prop_assert!(ct >= 0 || rule == BackwardMoves::Keep);
            }
        }
        let s = report.cycle_time;
        if let (Some(a), Some(b), Some(c)) = (s.p50, s.p85, s.p95) {
            prop_assert!(a <= b && b <= c);
        }
    }
}

proptest! {
    #[test]
    fn one_set_of_flows_serves_both_conventions_and_data_quality(
        histories in prop::collection::vec(arbitrary_issue(), 1..30),
        reset in any::<bool>(),
        offset_hours in -12i32..=12,
    ) {
        let issues = build(&histories);
        let wf = workflow(if reset { BackwardMoves::Reset } else { BackwardMoves::Keep });
        let as_of = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let inclusive = FlowOptions { utc_offset_secs: offset_hours * 3600, ..FlowOptions::default() };
        let elapsed = FlowOptions { convention: CycleTimeConvention::Elapsed, ..inclusive };
        let shared = flows(&issues, &wf, &inclusive);
        prop_assert_eq!(&shared, &flows(&issues, &wf, &elapsed));
        for options in [inclusive, elapsed] {
            prop_assert_eq!(
                flow_report_from_flows(&issues, &shared, &wf, &options, as_of),
                flow_report(&issues, &wf, &options, as_of)
            );
        }
    }
}

/// A Cloud `search/jql` issue with its embedded changelog: `moves` are
/// (day, status), `links` (day, added, text, key) as JIRA writes `Link`
/// items, `flags` (day, raised); `current` the `issuelinks` now, (key,
/// status category key of the blocker).
fn cloud_issue(
    key: &str,
    status: (&str, &str),
    moves: &[(&str, &str)],
    links: &[(&str, bool, &str, &str)],
    flags: &[(&str, bool)],
    current: &[(&str, &str)],
) -> serde_json::Value {
    use serde_json::json;
    let ts = |day: &str| at(day).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let mut histories = Vec::new();
    let mut prev = "To Do";
    for (n, (day, to)) in moves.iter().enumerate() {
        histories.push(json!({"id": format!("{key}-s{n}"), "created": ts(day), "items": [
            {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "1",
             "fromString": prev, "to": "2", "toString": to}]}));
        prev = to;
    }
    for (n, (day, added, text, other)) in links.iter().enumerate() {
        let full = json!(format!("This issue {text} {other}"));
        let item = if *added {
            json!({"field": "Link", "fieldtype": "jira", "from": null, "fromString": null,
                   "to": other, "toString": full})
        } else {
            json!({"field": "Link", "fieldtype": "jira", "from": other, "fromString": full,
                   "to": null, "toString": null})
        };
        histories.push(json!({"id": format!("{key}-l{n}"), "created": ts(day), "items": [item]}));
    }
    for (n, (day, raised)) in flags.iter().enumerate() {
        let (from, to) = if *raised {
            (json!(null), json!("Impediment"))
        } else {
            (json!("Impediment"), json!(null))
        };
        histories.push(json!({"id": format!("{key}-f{n}"), "created": ts(day), "items": [
            {"field": "Flagged", "fieldtype": "custom", "fieldId": "customfield_10021",
             "from": null, "fromString": from, "to": null, "toString": to}]}));
    }
    let issuelinks: Vec<serde_json::Value> = current
        .iter()
        .map(|(other, category)| json!({"id": "1", "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
            "inwardIssue": {"key": other, "fields": {"status": {"name": "S", "statusCategory": {"key": category}}}}}))
        .collect();
    json!({"id": key.trim_start_matches("B-"), "key": key,
        "changelog": {"startAt": 0, "maxResults": histories.len(), "total": histories.len(), "histories": histories},
        "fields": {"created": ts(moves.first().map_or("01-05", |m| m.0)), "updated": ts("01-16"),
            "status": {"name": status.0, "statusCategory": {"key": status.1}},
            "issuetype": {"name": "Story"}, "project": {"key": "B"}, "issuelinks": issuelinks}})
}

#[test]
fn blocked_days_count_links_from_their_changelog_until_removed_or_the_blocker_is_done() {
    let doing = ("In Progress", "indeterminate");
    let done = ("Done", "done");
    let blocked_by = "is blocked by";
    let page = serde_json::json!({"issues": [
        // Blocked by B-2 from Jan 7 until B-2 was done on Jan 12, flagged inside that
        // time, then by B-9 (not in the export) from Jan 13, 9:00 until the link went
        // on Jan 14, 21:00 (the removal is read from `fromString`).
        cloud_issue("B-1", doing, &[("01-05", "To Do"), ("01-06", "In Progress")],
            &[("01-07", true, blocked_by, "B-2"), ("01-13", true, blocked_by, "B-9")],
            &[("01-08", true), ("01-10", false)], &[("B-2", "done")]),
        cloud_issue("B-2", done, &[("01-05", "To Do"), ("01-06", "In Progress"), ("01-12", "Done")],
            &[("01-07", true, "blocks", "B-1"), ("01-13", true, "blocks", "B-5")], &[], &[]),
        // Blocked by B-4, still in progress.
        cloud_issue("B-3", doing, &[("01-14", "To Do"), ("01-14", "In Progress")],
            &[("01-15", true, blocked_by, "B-4")], &[], &[("B-4", "indeterminate")]),
        cloud_issue("B-4", doing, &[("01-14", "To Do"), ("01-15", "In Progress")], &[], &[], &[]),
        // Linked to B-2 after B-2 was done: never blocked.
        cloud_issue("B-5", doing, &[("01-05", "To Do"), ("01-06", "In Progress")],
            &[("01-13", true, blocked_by, "B-2")], &[], &[("B-2", "done")]),
        // Blockers outside the export: JIRA's embedded status decides.
        cloud_issue("B-6", doing, &[("01-05", "To Do"), ("01-06", "In Progress")],
            &[("01-16", true, blocked_by, "X-8")], &[], &[("X-8", "indeterminate")]),
        cloud_issue("B-7", doing, &[("01-05", "To Do"), ("01-06", "In Progress")],
            &[("01-16", true, blocked_by, "X-9")], &[], &[("X-9", "done")]),
        // A link that relates, not blocks.
        cloud_issue("B-8", doing, &[("01-05", "To Do"), ("01-06", "In Progress")],
            &[("01-07", true, "relates to", "B-4")], &[], &[]),
    ]});
    // Remove B-1's link to B-9 on Jan 14 at 21:00.
    let mut page = page;
    let histories = page["issues"][0]["changelog"]["histories"].as_array_mut().unwrap();
    histories.push(serde_json::json!({"id": "B-1-rm", "created": "2026-01-14T21:00:00.000+0000",
        "items": [{"field": "Link", "fieldtype": "jira", "from": "B-9",
            "fromString": "This issue is blocked by B-9", "to": null, "toString": null}]}));
    let text = page.to_string();
    let ingested =
        crate::ingest::ingest_str(&text, &crate::ingest::IngestOptions::default()).unwrap();
    // The general reader (the page inside an array) reads the same link histories.
    let general =
        crate::ingest::ingest_str(&format!("[{text}]"), &crate::ingest::IngestOptions::default())
            .unwrap();
    assert_eq!(ingested.dataset, general.dataset);
    let issues = &ingested.dataset.issues;
    assert_eq!(issues[0].link_history.len(), 3);
    assert!(!issues[0].link_history[2].added);
    let report = flow_report(
        issues,
        &Workflow::from_categories(&ingested.dataset.statuses),
        &FlowOptions::default(),
        NaiveDate::from_ymd_opt(2026, 1, 20).unwrap(),
    );
    let item = |key: &str| report.items.iter().find(|i| i.key.as_str() == key).unwrap();
    let b1 = item("B-1");
    // Jan 7 9:00 to Jan 12 9:00 (the flag inside counted once), then 1.5 days.
    assert_eq!(b1.blocked_days, 6.5);
    assert_eq!(b1.blocked_reasons, vec![BlockReason::Flagged, BlockReason::Link]);
    assert!(!b1.blocked_now);
    let b3 = item("B-3");
    // Jan 15 9:00 to the end of Jan 20.
    assert_eq!((b3.blocked_days, b3.blocked_now), (5.6, true));
    assert_eq!(b3.blocked_reasons, vec![BlockReason::Link]);
    let b5 = item("B-5");
    assert_eq!((b5.blocked_days, b5.blocked_now), (0.0, false));
    assert!(b5.blocked_reasons.is_empty());
    let b6 = item("B-6");
    assert_eq!((b6.blocked_days, b6.blocked_now), (4.6, true));
    let b7 = item("B-7");
    assert_eq!((b7.blocked_days, b7.blocked_now), (0.0, false));
    assert_eq!(item("B-8").blocked_days, 0.0);
    assert_eq!(item("B-2").blocked_days, 0.0);
}
