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
