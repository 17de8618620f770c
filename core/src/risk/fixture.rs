//! A small, fully deterministic organisation for the tests of risk, alerts,
//! the summary and `ask`: three teams (Alpha steady, Bravo in trouble, Charlie
//! in between), sprints, epics with due dates and a cross-team blocker chain.
//! Times are days relative to [`as_of`], so stories read as "blocked 8 days ago".

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::model::{
    BoardId, Dataset, FlagPeriod, Issue, IssueId, IssueKey, IssueLink, LinkKind, Priority, Sprint,
    SprintChange, SprintId, SprintState, StatusCategory, StatusChange, StoryPoints, Team, TeamId,
};

/// Friday 27 November 2026, noon UTC.
pub(crate) fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().unwrap_or_default()
}

/// `as_of` shifted by `days` (negative for the past).
pub(crate) fn at(days: f64) -> DateTime<Utc> {
    as_of() + Duration::seconds((days * 86_400.0) as i64)
}

pub(crate) fn date(days: i64) -> NaiveDate {
    (as_of() + Duration::days(days)).date_naive()
}

fn category(status: &str) -> StatusCategory {
    match status {
        "To Do" => StatusCategory::ToDo,
        "Done" => StatusCategory::Done,
        _ => StatusCategory::InProgress,
    }
}

/// A story in To Do created `created` days from `as_of`.
pub(crate) fn issue(key: &str, team: &str, created: f64) -> Issue {
    Issue {
        summary: format!("Work item {key}"),
        priority_name: Some("Medium".to_owned()),
        points: Some(StoryPoints(3.0)),
        team: Some(TeamId(team.to_owned())),
        ..Issue::new(IssueId(key.replace('-', "")), IssueKey::from(key), at(created))
    }
}

/// Moves the issue through `steps` (status, day), oldest first.
pub(crate) fn moved(mut issue: Issue, steps: &[(&str, f64)]) -> Issue {
    let mut from = issue.status_history.last().map_or_else(|| "To Do".to_owned(), |c| c.to.clone());
    for &(status, day) in steps {
        issue.status_history.push(StatusChange {
            at: at(day),
            from: Some(from.clone()),
            to: status.to_owned(),
        });
        from = status.to_owned();
        issue.status = status.to_owned();
        issue.category = category(status);
        issue.updated = issue.updated.max(at(day));
        issue.resolved = (issue.category == StatusCategory::Done).then(|| at(day));
    }
    issue
}

/// Puts the issue in `sprints`, entering the last one on `day`.
pub(crate) fn in_sprints(mut issue: Issue, sprints: &[u64], day: f64) -> Issue {
    let to: Vec<SprintId> = sprints.iter().map(|&s| SprintId(s)).collect();
    let from: Vec<SprintId> = to[..to.len().saturating_sub(1)].to_vec();
    issue.sprint_history.push(SprintChange { at: at(day), from, to: to.clone() });
    issue.sprints = to;
    issue.updated = issue.updated.max(at(day));
    issue
}

pub(crate) fn blocked_by(mut issue: Issue, other: &str) -> Issue {
    issue.links.push(IssueLink {
        kind: LinkKind::IsBlockedBy,
        other: IssueKey::from(other),
        other_category: None,
    });
    issue
}

fn blocks(mut issue: Issue, other: &str) -> Issue {
    issue.links.push(IssueLink {
        kind: LinkKind::Blocks,
        other: IssueKey::from(other),
        other_category: None,
    });
    issue
}

fn epic(key: &str, team: &str, summary: &str, due: Option<NaiveDate>) -> Issue {
    let mut res = moved(issue(key, team, -80.0), &[("In Progress", -60.0)]);
    res.issue_type = "Epic".to_owned();
    res.summary = summary.to_owned();
    res.due = due;
    res
}

fn under(mut issue: Issue, epic: &str) -> Issue {
    issue.epic = Some(IssueKey::from(epic));
    issue
}

fn sprint(id: u64, board: u64, name: &str, start_day: i64, closed: bool) -> Sprint {
    let start = as_of().date_naive() + Duration::days(start_day);
    let start = start.and_hms_opt(9, 0, 0).map(|t| t.and_utc());
    let end = start.map(|s| s + Duration::days(14));
    Sprint {
        id: SprintId(id),
        name: name.to_owned(),
        state: if closed { SprintState::Closed } else { SprintState::Active },
        board: Some(BoardId(board)),
        start,
        end,
        complete: if closed { end } else { None },
        goal: None,
    }
}

/// Done items spread over the last `days` days: one every `every` days,
/// cycle times cycling through `cycle` days.
/// Those finished during the previous sprint (days −18 to −4) were planned into it.
fn history(
    prefix: &str,
    team: &str,
    first: u32,
    n: u32,
    every: f64,
    cycle: &[f64],
    epic_key: Option<&str>,
) -> Vec<Issue> {
    let closed_sprint = match team {
        "Alpha" => 102,
        "Bravo" => 201,
        _ => 301,
    };
    (0..n)
        .map(|i| {
            let done = -1.0 - every * f64::from(i);
            let took = cycle[i as usize % cycle.len()];
            let in_previous_sprint = (-17.5..-4.0).contains(&done);
            let created =
                if in_previous_sprint { (done - took - 3.0).min(-19.0) } else { done - took - 3.0 };
            let mut res = issue(&format!("{prefix}-{}", first + i), team, created);
            if in_previous_sprint {
                res = in_sprints(res, &[closed_sprint], -18.5);
            }
            let res = moved(res, &[("In Progress", done - took), ("Done", done)]);
            match epic_key {
                Some(e) if i % 3 == 0 => under(res, e),
                _ => res,
            }
        })
        .collect()
}

/// The three-team organisation.
// Spelled out so the fixture keeps compiling when the model grows a field.
#[allow(clippy::needless_update)]
pub(crate) fn demo() -> Dataset {
    let mut issues = Vec::new();
    // Alpha: steady. Sprint 103 runs from Monday; most of it done or moving.
    issues.extend(history(
        "ALPHA",
        "Alpha",
        200,
        36,
        2.4,
        &[2.0, 3.0, 4.0, 5.0, 3.5, 6.0],
        Some("ALPHA-1"),
    ));
    issues.push(epic("ALPHA-1", "Alpha", "Search relevance", Some(date(63))));
    for n in 0..4 {
        let item = in_sprints(issue(&format!("ALPHA-{}", 10 + n), "Alpha", -10.0), &[103], -4.2);
        issues.push(under(
            moved(item, &[("In Progress", -3.5), ("Done", -1.0 + f64::from(n) * 0.2)]),
            "ALPHA-1",
        ));
    }
    for n in 0..3 {
        let item = in_sprints(issue(&format!("ALPHA-{}", 14 + n), "Alpha", -10.0), &[103], -4.2);
        issues.push(under(moved(item, &[("In Progress", -2.0)]), "ALPHA-1"));
    }
    issues.push(in_sprints(issue("ALPHA-17", "Alpha", -10.0), &[103], -4.2));
    // ALPHA-9 sits at the root of the chain that holds up Bravo's payments epic.
    issues.push(blocks(
        moved(issue("ALPHA-9", "Alpha", -20.0), &[("In Progress", -6.0)]),
        "CHARLIE-7",
    ));

    // Bravo: in trouble.
    issues.extend(history("BRAVO", "Bravo", 200, 18, 4.5, &[4.0, 7.0, 9.0, 12.0], None));
    issues.push(epic("BRAVO-100", "Bravo", "Payments revamp", Some(date(13))));
    let mut sprint_items = Vec::new();
    for n in 0..2 {
        let item =
            in_sprints(issue(&format!("BRAVO-{}", 10 + n), "Bravo", -30.0), &[201, 202], -4.2);
        sprint_items.push(moved(item, &[("In Progress", -3.0), ("Done", -1.5)]));
    }
    // Carried over from sprint 201.
    for n in 0..3 {
        let item =
            in_sprints(issue(&format!("BRAVO-{}", 12 + n), "Bravo", -30.0), &[201, 202], -4.2);
        sprint_items.push(moved(item, &[("In Progress", -16.0)]));
    }
    // Blocked for 8 days (and overdue), and flagged since 2 days.
    let mut stuck =
        moved(issue("BRAVO-15", "Bravo", -25.0), &[("In Progress", -12.0), ("Blocked", -8.0)]);
    stuck.due = Some(date(-3));
    sprint_items.push(in_sprints(stuck, &[202], -4.2));
    let mut flagged = moved(issue("BRAVO-16", "Bravo", -20.0), &[("In Progress", -5.0)]);
    flagged.flagged = true;
    flagged.flag_periods.push(FlagPeriod { start: at(-2.0), end: None });
    sprint_items.push(in_sprints(flagged, &[202], -4.2));
    // A P0 raised two days ago and a P1, both added after the sprint started.
    let mut p0 = issue("BRAVO-17", "Bravo", -2.0);
    p0.priority = Priority::P0;
    p0.priority_name = Some("Highest".to_owned());
    p0.issue_type = "Incident".to_owned();
    p0.labels = vec!["security".to_owned()];
    sprint_items.push(in_sprints(moved(p0, &[("In Progress", -1.0)]), &[202], -2.0));
    let mut p1 = issue("BRAVO-18", "Bravo", -3.0);
    p1.priority = Priority::P1;
    p1.priority_name = Some("High".to_owned());
    sprint_items.push(in_sprints(p1, &[202], -3.0));
    // Waits on Charlie, which waits on Alpha.
    sprint_items
        .push(blocked_by(in_sprints(issue("BRAVO-19", "Bravo", -15.0), &[202], -4.2), "CHARLIE-7"));
    for item in sprint_items {
        issues.push(under(item, "BRAVO-100"));
    }
    for n in 0..8 {
        issues.push(under(issue(&format!("BRAVO-{}", 30 + n), "Bravo", -40.0), "BRAVO-100"));
    }
    // An old, quiet item: aging and stalled.
    issues.push(moved(issue("BRAVO-5", "Bravo", -60.0), &[("In Progress", -40.0)]));

    // Charlie: in between.
    issues.extend(history(
        "CHARLIE",
        "Charlie",
        200,
        24,
        3.6,
        &[3.0, 5.0, 6.0, 8.0],
        Some("CHARLIE-100"),
    ));
    issues.push(epic("CHARLIE-100", "Charlie", "Data export", None));
    let charlie7 = moved(issue("CHARLIE-7", "Charlie", -20.0), &[("In Progress", -9.0)]);
    issues.push(under(blocked_by(in_sprints(charlie7, &[302], -4.2), "ALPHA-9"), "CHARLIE-100"));
    let charlie8 =
        blocked_by(in_sprints(issue("CHARLIE-8", "Charlie", -12.0), &[302], -4.2), "BRAVO-5");
    issues.push(under(charlie8, "CHARLIE-100"));
    for n in 0..4 {
        let item =
            in_sprints(issue(&format!("CHARLIE-{}", 10 + n), "Charlie", -12.0), &[302], -4.2);
        let item = if n < 2 { moved(item, &[("In Progress", -3.0), ("Done", -0.5)]) } else { item };
        issues.push(under(item, "CHARLIE-100"));
    }
    let mut late = in_sprints(issue("CHARLIE-14", "Charlie", -9.0), &[302], -4.2);
    late.due = Some(date(-1));
    issues.push(late);

    let sprints = vec![
        sprint(102, 1, "Alpha Sprint 22", -18, true),
        sprint(103, 1, "Alpha Sprint 23", -4, false),
        sprint(201, 2, "Bravo Sprint 9", -18, true),
        sprint(202, 2, "Bravo Sprint 10", -4, false),
        sprint(301, 3, "Charlie Sprint 4", -18, true),
        sprint(302, 3, "Charlie Sprint 5", -4, false),
    ];
    let teams = ["Alpha", "Bravo", "Charlie"]
        .iter()
        .enumerate()
        .map(|(n, name)| Team {
            id: TeamId((*name).to_owned()),
            projects: vec![name.to_ascii_uppercase()],
            board: Some(BoardId(n as u64 + 1)),
            size: Some(6),
        })
        .collect();
    let statuses = ["To Do", "In Progress", "In Review", "Blocked", "Done"]
        .iter()
        .map(|s| ((*s).to_owned(), category(s)))
        .collect();
    Dataset { issues, sprints, teams, statuses, ..Dataset::default() }
}
