//! Seeded generation of the organisation: the same seed, preset and `now`
//! always give the same site. Work arrives as a Poisson stream per team and
//! flows through the workflow with log-normal stage times, so throughput,
//! cycle time, WIP and sprint carry-over look like a real team's.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};

use super::{
    Change, FieldIds, History, Issue, Kind, Link, LinkDirection, Org, Preset, Sprint, SprintState,
    Team, User, BLOCKED, DONE, IN_PROGRESS, IN_REVIEW, PRIORITY_MEDIUM, TODO,
};
use crate::random::Rng;

const TEAM_NAMES: [&str; 20] = [
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliett",
    "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango",
];
const FIRST_NAMES: [&str; 24] = [
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tomas", "Uma", "Victor",
    "Wen", "Yusuf",
];
const LAST_NAMES: [&str; 20] = [
    "Novak", "Garcia", "Okafor", "Schmidt", "Tanaka", "Silva", "Kowalski", "Haddad", "Larsen",
    "Moreau", "Patel", "Rossi", "Ibrahim", "Nguyen", "Fischer", "Costa", "Berg", "Walsh", "Kaur",
    "Lopez",
];
const TIME_ZONES: [&str; 6] = [
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
];
const VERBS: [&str; 10] = [
    "Add",
    "Fix",
    "Refactor",
    "Migrate",
    "Improve",
    "Remove",
    "Document",
    "Investigate",
    "Support",
    "Harden",
];
const OBJECTS: [&str; 16] = [
    "login flow",
    "payment retries",
    "search index",
    "audit log",
    "CSV export",
    "rate limiter",
    "mobile onboarding",
    "billing webhooks",
    "SSO settings",
    "dashboard filters",
    "feature flags",
    "cache invalidation",
    "notification emails",
    "API pagination",
    "data retention job",
    "invoice PDFs",
];
const BUG_PREFIXES: [&str; 4] = ["Error on", "Crash in", "Wrong totals in", "Timeout in"];
const INCIDENTS: [&str; 5] = [
    "Outage: checkout errors in eu-west",
    "Degraded API latency for enterprise tenants",
    "Login failures after certificate rotation",
    "Data sync stalled for EU customers",
    "Payment provider timeouts",
];
const EPIC_THEMES: [&str; 12] = [
    "Self-serve onboarding",
    "Billing v2",
    "SOC 2 controls",
    "Search relevance",
    "Mobile offline mode",
    "Enterprise SSO",
    "Usage analytics",
    "Platform reliability",
    "Data residency",
    "Public API v3",
    "Checkout redesign",
    "Notification centre",
];
const TECH_LABELS: [&str; 6] = ["frontend", "backend", "api", "infra", "mobile", "data"];

/// An epic's planned window and its draft index.
type EpicWindow = (DateTime<Utc>, DateTime<Utc>, usize);

struct Shape {
    teams: usize,
    engineers: (u64, u64),
    rate: (f64, f64),
}

fn shape(preset: Preset) -> Shape {
    match preset {
        Preset::Tiny => Shape { teams: 3, engineers: (4, 6), rate: (0.25, 0.32) },
        Preset::Small => Shape { teams: 6, engineers: (9, 11), rate: (1.8, 3.2) },
        Preset::Large => Shape { teams: 20, engineers: (25, 35), rate: (14.0, 16.0) },
    }
}

fn days(d: f64) -> Duration {
    Duration::milliseconds((d * 86_400_000.0) as i64)
}

/// An issue before ids and keys are assigned (issues are numbered in
/// creation order once every team's work is known).
struct Draft {
    issue: Issue,
    /// Epic as (team, index among that team's epics).
    epic: Option<(usize, usize)>,
    /// Set for epics: (team, index among that team's epics).
    epic_slot: Option<(usize, usize)>,
    start: Option<DateTime<Utc>>,
}

/// Changes on one issue, collected in any order and turned into histories.
struct Timeline {
    events: Vec<(DateTime<Utc>, u32, Change)>,
}

impl Timeline {
    fn push(&mut self, at: DateTime<Utc>, author: u32, change: Change) {
        self.events.push((at, author, change));
    }

    /// Sorts the events and groups those at the same instant into one history,
    /// dropping any after `now`.
    fn into_histories(mut self, now: DateTime<Utc>) -> Vec<History> {
        self.events.retain(|(at, _, _)| *at <= now);
        self.events.sort_by_key(|(at, _, _)| *at);
        let mut out: Vec<History> = Vec::new();
        for (at, author, change) in self.events {
            match out.last_mut() {
                Some(last) if last.at == at => last.items.push(change),
                _ => out.push(History { id: 0, at, author, items: vec![change] }),
            }
        }
        out
    }
}

/// Builds the organisation for `seed` and `preset`, with history ending at `now`.
pub(crate) fn generate(seed: u64, preset: Preset, now: DateTime<Utc>) -> Org {
    let now = truncate_ms(now);
    let shape = shape(preset);
    let mut root = Rng::new(seed);
    let horizon = now - Duration::days(365);

    // People: one director (the API user) and each team's engineers.
    let mut users = vec![User {
        account_id: account_id(seed, 0),
        display_name: "Dana Director".into(),
        email: "demo@example.com".into(),
        time_zone: "UTC",
    }];
    let mut teams = Vec::new();
    let mut people_rng = root.fork(1);
    for (t, name) in TEAM_NAMES.iter().take(shape.teams).enumerate() {
        let n = shape.engineers.0 + people_rng.below(shape.engineers.1 - shape.engineers.0 + 1);
        let mut members = Vec::new();
        for _ in 0..n {
            let idx = users.len() as u32;
            let first = people_rng.pick(&FIRST_NAMES);
            let last = people_rng.pick(&LAST_NAMES);
            users.push(User {
                account_id: account_id(seed, idx as u64),
                display_name: format!("{first} {last}"),
                email: format!(
                    "{}.{}{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    idx
                ),
                time_zone: TIME_ZONES[people_rng.below(TIME_ZONES.len() as u64) as usize],
            });
            members.push(idx);
        }
        let name = name.to_string();
        teams.push(Team {
            key: name.to_uppercase(),
            name,
            project_id: 10000 + t as u64,
            board_id: 1 + t as u64,
            members,
            next_number: 1,
        });
    }

    // Sprints: two weeks, starting Mondays 09:00 UTC, odd teams a week apart.
    let mut sprints = Vec::new();
    let monday = {
        let d = now.date_naive() - Duration::days(now.weekday().num_days_from_monday() as i64);
        let at = d.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()).and_utc();
        if at > now {
            at - Duration::days(7)
        } else {
            at
        }
    };
    let mut sprint_rng = root.fork(2);
    let mut next_sprint_id = 1u64;
    let mut team_sprints: Vec<Vec<usize>> = Vec::new();
    for (t, team) in teams.iter().enumerate() {
        let active_start = monday - Duration::days(7 * (t as i64 % 2));
        let mut starts = vec![active_start + Duration::days(14)];
        let mut s = active_start;
        while s + Duration::days(14) > horizon {
            starts.push(s);
            s -= Duration::days(14);
        }
        starts.reverse();
        let mut ids = Vec::new();
        for (n, start) in starts.into_iter().enumerate() {
            let end = start + Duration::days(14);
            let state = if end <= now {
                SprintState::Closed
            } else if start <= now {
                SprintState::Active
            } else {
                SprintState::Future
            };
            let complete = (state == SprintState::Closed).then(|| {
                end - Duration::minutes(sprint_rng.below(180) as i64)
                    + Duration::milliseconds(sprint_rng.below(1000) as i64)
            });
            ids.push(sprints.len());
            sprints.push(Sprint {
                id: next_sprint_id,
                team: t,
                sequence: n as u32 + 1,
                name: format!("{} Sprint {}", team.name, n + 1),
                goal: if sprint_rng.chance(0.6) {
                    format!("Ship {}", sprint_rng.pick(&OBJECTS))
                } else {
                    String::new()
                },
                state,
                start,
                end,
                complete,
                created: start - Duration::days(3),
            });
            next_sprint_id += 1;
        }
        team_sprints.push(ids);
    }

    // Epics: roughly one a month per team, each a one-to-three-month window.
    let mut drafts: Vec<Draft> = Vec::new();
    let mut epic_windows: Vec<Vec<EpicWindow>> = vec![Vec::new(); teams.len()];
    let mut epic_rng = root.fork(3);
    for (t, team) in teams.iter().enumerate() {
        let mut at = horizon + Duration::days(10);
        let mut k = 0;
        while at < now - Duration::days(10) {
            let length = epic_rng.range(30.0, 90.0);
            let created = at - days(epic_rng.range(2.0, 10.0));
            let reporter = *epic_rng.pick(&team.members);
            let theme = EPIC_THEMES[(t + k) % EPIC_THEMES.len()];
            let issue = blank_issue(
                t,
                Kind::Epic,
                format!("{theme} ({})", team.name),
                created,
                reporter,
                PRIORITY_MEDIUM,
            );
            epic_windows[t].push((at, at + days(length), drafts.len()));
            drafts.push(Draft { issue, epic: None, epic_slot: Some((t, k)), start: None });
            at += days(epic_rng.range(25.0, 35.0));
            k += 1;
        }
    }

    // Regular work per team.
    for (t, team) in teams.iter().enumerate() {
        let mut rng = root.fork(100 + t as u64);
        let rate = rng.range(shape.rate.0, shape.rate.1);
        let mut at = horizon + days(rng.exponential(1.0 / rate));
        while at < now {
            let draft =
                work_item(&mut rng, t, team, at, now, &sprints, &team_sprints[t], &epic_windows);
            drafts.push(draft);
            at += days(rng.exponential(1.0 / rate));
        }
    }

    // Number everything in creation order, per project, and resolve references.
    drafts.sort_by_key(|d| d.issue.created);
    let mut epic_index: HashMap<(usize, usize), usize> = HashMap::new();
    for (n, d) in drafts.iter().enumerate() {
        if let Some(slot) = d.epic_slot {
            epic_index.insert(slot, n);
        }
    }
    let mut next_history_id = 10000u64;
    let mut issues = Vec::with_capacity(drafts.len());
    let mut starts = Vec::with_capacity(drafts.len());
    for (n, d) in drafts.into_iter().enumerate() {
        let mut issue = d.issue;
        issue.id = 10000 + n as u64;
        let team = &mut teams[issue.team];
        issue.number = team.next_number;
        issue.key = format!("{}-{}", team.key, team.next_number);
        team.next_number += 1;
        issue.epic = d.epic.and_then(|slot| epic_index.get(&slot).copied());
        for h in &mut issue.histories {
            h.id = next_history_id;
            next_history_id += 1;
        }
        issue.rank = n as u64 * 16;
        starts.push(d.start);
        issues.push(issue);
    }
    let next_issue_id = 10000 + issues.len() as u64;

    settle_epics(&mut issues, &starts, now, &mut next_history_id);
    link_blockers(&mut issues, &mut root.fork(4), now, &mut next_history_id);

    let mut org = Org {
        teams,
        users,
        sprints,
        issues,
        fields: FieldIds {
            story_points: format!("customfield_{}", 10024 + seed % 17),
            sprint: "customfield_10020",
            epic_link: "customfield_10014",
            rank: "customfield_10019",
            flagged: "customfield_10021",
            story_point_estimate: "customfield_10016",
        },
        by_key: HashMap::new(),
        by_id: HashMap::new(),
        sprint_index: HashMap::new(),
        next_issue_id,
        next_history_id,
        next_sprint_id,
        me: 0,
    };
    org.reindex();
    org
}

fn truncate_ms(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

fn account_id(seed: u64, n: u64) -> String {
    format!("5b10{:08x}{:012x}", (seed as u32) ^ 0x2844_c201, n + 0x6570_0ede)
}

pub(super) fn blank_issue(
    team: usize,
    kind: Kind,
    summary: String,
    created: DateTime<Utc>,
    reporter: u32,
    priority: u8,
) -> Issue {
    Issue {
        id: 0,
        key: String::new(),
        number: 0,
        team,
        kind,
        summary,
        priority,
        labels: Vec::new(),
        created,
        updated: created,
        due: None,
        status: TODO,
        resolved: None,
        points: None,
        sprints: Vec::new(),
        epic: None,
        links: Vec::new(),
        assignee: None,
        reporter,
        flagged: false,
        rank: 0,
        histories: Vec::new(),
        deleted: false,
    }
}

pub(super) fn summary_for(rng: &mut Rng, kind: Kind) -> String {
    match kind {
        Kind::Incident => rng.pick(&INCIDENTS).to_string(),
        Kind::Bug => format!("{} {}", rng.pick(&BUG_PREFIXES), rng.pick(&OBJECTS)),
        _ => format!("{} {}", rng.pick(&VERBS), rng.pick(&OBJECTS)),
    }
}

#[allow(clippy::too_many_arguments)]
fn work_item(
    rng: &mut Rng,
    t: usize,
    team: &Team,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    sprints: &[Sprint],
    own_sprints: &[usize],
    epic_windows: &[Vec<EpicWindow>],
) -> Draft {
    let created = truncate_ms(created);
    let kind = match rng.weighted(&[55.0, 20.0, 20.0, 2.5]) {
        0 => Kind::Story,
        1 => Kind::Task,
        2 => Kind::Bug,
        _ => Kind::Incident,
    };
    let priority = if kind == Kind::Incident {
        if rng.chance(0.35) {
            0
        } else {
            1
        }
    } else {
        [0u8, 1, 2, 3, 4][rng.weighted(&[1.0, 15.0, 64.0, 15.0, 5.0])]
    };
    let reporter = *rng.pick(&team.members);
    let mut issue = blank_issue(t, kind, summary_for(rng, kind), created, reporter, priority);
    if rng.chance(0.5) {
        issue.labels.push(*rng.pick(&TECH_LABELS));
    }
    for (label, p) in [("security", 0.03), ("compliance", 0.02), ("exec-blocker", 0.01)] {
        if rng.chance(p) {
            issue.labels.push(label);
        }
    }
    if rng.chance(0.2) {
        issue.due = Some((created + days(rng.range(10.0, 45.0))).date_naive());
    }

    let mut tl = Timeline { events: Vec::new() };
    let member = *rng.pick(&team.members);
    let incident = kind == Kind::Incident;

    // Estimation shortly after creation.
    let mut points = None;
    if !incident && rng.chance(0.85) {
        let p = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0][rng.weighted(&[10.0, 20.0, 25.0, 25.0, 15.0, 5.0])];
        tl.push(
            created + days(rng.exponential(0.5)),
            reporter,
            Change::Points { from: None, to: Some(p) },
        );
        points = Some(p);
    }
    if rng.chance(0.15) {
        tl.push(
            created + days(rng.exponential(2.0)),
            reporter,
            Change::Rank { higher: rng.chance(0.5) },
        );
    }
    if !incident && rng.chance(0.04) {
        let to = issue.priority.saturating_sub(1);
        if to != issue.priority {
            tl.push(
                created + days(rng.exponential(3.0)),
                reporter,
                Change::Priority { from: issue.priority, to },
            );
            issue.priority = to;
        }
    }

    // The path through the workflow. Most work waits for sprint planning and
    // starts during the next sprint; incidents and a share of urgent work start
    // within days, which is what shows up as scope added mid-sprint.
    let next_sprint = own_sprints.iter().map(|&s| &sprints[s]).find(|s| s.start > created);
    // Teams commit to a little more than they finish: planned work starts
    // through the whole sprint, and what starts late carries over.
    let planned = !incident && rng.chance(if issue.priority > 1 { 0.92 } else { 0.6 });
    let start = match next_sprint {
        Some(s) if planned => s.start + days(rng.range(0.05, 12.5)),
        _ => {
            let wait = if incident { rng.exponential(0.05) } else { rng.log_normal(2.0, 1.0) };
            created + days(wait.max(0.01))
        }
    };
    let mut at = start;
    let mut status = TODO;
    let move_to = |tl: &mut Timeline, at: DateTime<Utc>, to: u8, status: &mut u8| {
        tl.push(at, member, Change::Status { from: *status, to });
        if to == DONE {
            tl.push(at, member, Change::Resolution { done: true });
        }
        *status = to;
    };
    tl.push(start, member, Change::Assignee { from: None, to: Some(member) });
    move_to(&mut tl, at, IN_PROGRESS, &mut status);
    let work = if incident { rng.log_normal(0.3, 0.6) } else { rng.log_normal(2.5, 0.8) };
    if !incident && rng.chance(0.12) {
        at += days(work * rng.range(0.2, 0.6));
        move_to(&mut tl, at, BLOCKED, &mut status);
        let flag = rng.chance(0.7);
        if flag {
            tl.push(at, member, Change::Flagged { on: true });
        }
        at += days(rng.log_normal(2.0, 0.8));
        if flag {
            tl.push(at, member, Change::Flagged { on: false });
        }
        move_to(&mut tl, at, IN_PROGRESS, &mut status);
        at += days(work * 0.5);
    } else {
        if !incident && rng.chance(0.02) {
            let flag_at = at + days(work * 0.3);
            tl.push(flag_at, member, Change::Flagged { on: true });
            tl.push(
                flag_at + days(rng.log_normal(1.0, 0.5)),
                member,
                Change::Flagged { on: false },
            );
        }
        at += days(work);
    }
    if !incident && rng.chance(0.75) {
        move_to(&mut tl, at, IN_REVIEW, &mut status);
        at += days(rng.log_normal(0.8, 0.7));
        if rng.chance(0.15) {
            move_to(&mut tl, at, IN_PROGRESS, &mut status);
            at += days(rng.log_normal(1.0, 0.6));
            move_to(&mut tl, at, IN_REVIEW, &mut status);
            at += days(rng.log_normal(0.5, 0.6));
        }
    }
    if points.is_some() && rng.chance(0.08) {
        let to = points.map(|p| if p >= 8.0 { p - 3.0 } else { p + 2.0 });
        tl.push(start + days(0.1), member, Change::Points { from: points, to });
    }
    move_to(&mut tl, at, DONE, &mut status);
    let done_at = at;

    // Sprints: the sprint work starts in, carried over while unfinished.
    let in_sprint = |at: DateTime<Utc>| own_sprints.iter().position(|&s| sprints[s].end > at);
    let first = if start <= now {
        in_sprint(start)
    } else {
        in_sprint(start).filter(|&n| sprints[own_sprints[n]].state != SprintState::Closed)
    };
    if let Some(mut n) = first {
        let sprint = &sprints[own_sprints[n]];
        let planned = if created < sprint.start {
            (sprint.start - Duration::minutes(30 + rng.below(2 * 24 * 60) as i64))
                .max(created + Duration::minutes(1))
        } else {
            created + Duration::minutes(5 + rng.below(120) as i64)
        };
        let mut current = vec![sprint.id];
        tl.push(planned, reporter, Change::Sprint { from: Vec::new(), to: current.clone() });
        loop {
            let sprint = &sprints[own_sprints[n]];
            let Some(closed) = sprint.complete else { break };
            if done_at <= closed || n + 1 >= own_sprints.len() {
                break;
            }
            let next = &sprints[own_sprints[n + 1]];
            let mut to = current.clone();
            to.push(next.id);
            tl.push(closed, member, Change::Sprint { from: current.clone(), to: to.clone() });
            current = to;
            n += 1;
        }
    }

    // Epic: mostly the team's current epic, sometimes another team's.
    let mut epic = None;
    if !incident && rng.chance(0.6) {
        let owner = if rng.chance(0.1) && epic_windows.len() > 1 {
            rng.below(epic_windows.len() as u64) as usize
        } else {
            t
        };
        let open: Vec<usize> = epic_windows[owner]
            .iter()
            .enumerate()
            .filter(|(_, (s, e, _))| *s <= created + Duration::days(7) && created < *e)
            .map(|(k, _)| k)
            .collect();
        if !open.is_empty() {
            epic = Some((owner, *rng.pick(&open)));
        }
    }

    let mut histories = tl.into_histories(now);
    // A workflow migration now and then: recorded after the last change, but
    // JIRA leaves `updated` alone for it.
    if let Some(last) = histories.last().map(|h| h.at) {
        if rng.chance(0.02) && last < now {
            let gap = (now - last).num_milliseconds().max(1) as u64;
            let at = last + Duration::milliseconds(1 + rng.below(gap) as i64);
            histories.push(History {
                id: 0,
                at: at.min(now),
                author: 0,
                items: vec![Change::Workflow],
            });
        }
    }
    apply_histories(&mut issue, histories);
    Draft { issue, epic, epic_slot: None, start: (start <= now).then_some(start) }
}

/// Sets the current field values of an issue from its histories.
pub(super) fn apply_histories(issue: &mut Issue, histories: Vec<History>) {
    for h in &histories {
        for c in &h.items {
            match c {
                Change::Status { to, .. } => {
                    issue.status = *to;
                    issue.resolved = (*to == DONE).then_some(h.at);
                }
                Change::Sprint { to, .. } => issue.sprints = to.clone(),
                Change::Points { to, .. } => issue.points = *to,
                Change::Flagged { on } => issue.flagged = *on,
                Change::Assignee { to, .. } => issue.assignee = *to,
                Change::Priority { to, .. } => issue.priority = *to,
                Change::Resolution { .. }
                | Change::Rank { .. }
                | Change::Workflow
                | Change::Link { .. } => {}
            }
        }
        if h.bumps_updated() && h.at > issue.updated {
            issue.updated = h.at;
        }
    }
    issue.histories = histories;
}

/// Epics start with their first child and finish with their last.
fn settle_epics(
    issues: &mut [Issue],
    starts: &[Option<DateTime<Utc>>],
    now: DateTime<Utc>,
    next_history_id: &mut u64,
) {
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for (n, i) in issues.iter().enumerate() {
        if let Some(e) = i.epic {
            children.entry(e).or_default().push(n);
        }
    }
    for (epic, kids) in children {
        let first_start = kids.iter().filter_map(|&k| starts[k]).min();
        let all_done = kids.iter().all(|&k| issues[k].status == DONE);
        let last_done = kids.iter().filter_map(|&k| issues[k].resolved).max();
        let author = issues[epic].reporter;
        let mut tl = Timeline { events: Vec::new() };
        if let Some(s) = first_start {
            let s = s.max(issues[epic].created + Duration::minutes(1));
            tl.push(s, author, Change::Status { from: TODO, to: IN_PROGRESS });
            if all_done {
                if let Some(d) = last_done {
                    let d = (d + Duration::hours(20)).max(s + Duration::minutes(1));
                    if d < now - Duration::days(3) {
                        tl.push(d, author, Change::Status { from: IN_PROGRESS, to: DONE });
                        tl.push(d, author, Change::Resolution { done: true });
                    }
                }
            }
        }
        let mut hs = tl.into_histories(now);
        for h in &mut hs {
            h.id = *next_history_id;
            *next_history_id += 1;
        }
        apply_histories(&mut issues[epic], hs);
    }
}

/// Cross-team `blocks` links between issues created around the same time,
/// each recorded in both changelogs as JIRA does (a `Link` item).
fn link_blockers(
    issues: &mut [Issue],
    rng: &mut Rng,
    now: DateTime<Utc>,
    next_history_id: &mut u64,
) {
    let mut next_link = 10000u64;
    let n = issues.len();
    for i in 0..n {
        if issues[i].kind == Kind::Epic || !rng.chance(0.04) {
            continue;
        }
        let lo = i.saturating_sub(150);
        let hi = (i + 50).min(n);
        for _ in 0..8 {
            let j = lo + rng.below((hi - lo) as u64) as usize;
            if j != i && issues[j].team != issues[i].team && issues[j].kind != Kind::Epic {
                issues[i].links.push(Link {
                    id: next_link,
                    direction: LinkDirection::BlockedBy,
                    other: j,
                });
                issues[j].links.push(Link {
                    id: next_link,
                    direction: LinkDirection::Blocks,
                    other: i,
                });
                next_link += 1;
                let at = (issues[i].created.max(issues[j].created) + Duration::hours(2)).min(now);
                for (me, other, direction) in
                    [(i, j, LinkDirection::BlockedBy), (j, i, LinkDirection::Blocks)]
                {
                    let issue = &mut issues[me];
                    let author = issue.histories.first().map_or(0, |h| h.author);
                    let history = History {
                        id: *next_history_id,
                        at,
                        author,
                        items: vec![Change::Link { added: true, direction, other }],
                    };
                    *next_history_id += 1;
                    let pos = issue.histories.partition_point(|h| h.at <= at);
                    issue.histories.insert(pos, history);
                    issue.updated = issue.updated.max(at);
                    // History ids grow with time within an issue, as in JIRA.
                    let mut ids: Vec<u64> = issue.histories.iter().map(|h| h.id).collect();
                    ids.sort_unstable();
                    for (h, id) in issue.histories.iter_mut().zip(ids) {
                        h.id = id;
                    }
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap()
    }

    #[test]
    fn same_seed_gives_the_same_organisation_and_another_seed_does_not() {
        let a = generate(42, Preset::Tiny, now());
        let b = generate(42, Preset::Tiny, now());
        let c = generate(43, Preset::Tiny, now());
        let sig = |o: &Org| -> Vec<(String, DateTime<Utc>, usize, u8)> {
            o.issues
                .iter()
                .map(|i| (i.key.clone(), i.updated, i.histories.len(), i.status))
                .collect()
        };
        assert_eq!(sig(&a), sig(&b));
        assert_ne!(sig(&a), sig(&c));
    }

    #[test]
    fn presets_have_the_promised_sizes() {
        let tiny = generate(1, Preset::Tiny, now());
        assert_eq!(tiny.teams.len(), 3);
        assert!((200..=450).contains(&tiny.issues.len()), "tiny has {}", tiny.issues.len());
        let small = generate(1, Preset::Small, now());
        let names: Vec<&str> = small.teams.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]);
        let engineers: usize = small.teams.iter().map(|t| t.members.len()).sum();
        assert!((54..=66).contains(&engineers), "small has {engineers} engineers");
        assert!((4500..=8000).contains(&small.issues.len()), "small has {}", small.issues.len());
    }

    #[test]
    fn the_large_preset_has_twenty_teams_and_over_100k_issues() {
        let large = generate(1, Preset::Large, now());
        assert_eq!(large.teams.len(), 20);
        assert!(large.issues.len() >= 100_000, "large has {}", large.issues.len());
    }

    #[test]
    fn history_is_ordered_within_the_year_and_updated_matches_it() {
        let org = generate(7, Preset::Tiny, now());
        for issue in &org.issues {
            assert!(
                issue.created >= now() - Duration::days(366),
                "{} created too early",
                issue.key
            );
            assert!(issue.updated <= now());
            let mut last = issue.created;
            for h in &issue.histories {
                assert!(h.at >= last, "{} history out of order", issue.key);
                assert!(h.at <= now());
                last = h.at;
            }
            let bumping = issue.histories.iter().filter(|h| h.bumps_updated()).map(|h| h.at).max();
            assert_eq!(
                issue.updated,
                bumping.unwrap_or(issue.created).max(issue.created),
                "{}",
                issue.key
            );
            assert_eq!(issue.status == DONE, issue.resolved.is_some(), "{}", issue.key);
        }
    }

    #[test]
    fn every_team_has_one_active_and_one_future_sprint() {
        let org = generate(3, Preset::Small, now());
        for t in 0..org.teams.len() {
            let states: Vec<SprintState> =
                org.sprints.iter().filter(|s| s.team == t).map(|s| s.state).collect();
            assert_eq!(states.iter().filter(|s| **s == SprintState::Active).count(), 1);
            assert_eq!(states.iter().filter(|s| **s == SprintState::Future).count(), 1);
            assert!(states.iter().filter(|s| **s == SprintState::Closed).count() >= 24);
        }
    }

    #[test]
    fn throughput_and_cycle_time_look_like_a_team() {
        let org = generate(11, Preset::Small, now());
        let done =
            org.issues.iter().filter(|i| i.kind != Kind::Epic && i.status == DONE).count() as f64;
        let per_team_day = done / 365.0 / org.teams.len() as f64;
        assert!((1.0..=4.0).contains(&per_team_day), "throughput {per_team_day}/team/day");
        let mut cycle: Vec<f64> = org
            .issues
            .iter()
            .filter(|i| i.kind == Kind::Story && i.status == DONE)
            .filter_map(|i| {
                let start = i
                    .histories
                    .iter()
                    .find(|h| {
                        h.items.iter().any(|c| matches!(c, Change::Status { to: IN_PROGRESS, .. }))
                    })?
                    .at;
                Some((i.resolved? - start).num_hours() as f64 / 24.0)
            })
            .collect();
        cycle.sort_by(f64::total_cmp);
        let median = cycle[cycle.len() / 2];
        assert!((1.5..=10.0).contains(&median), "median cycle time {median} days");
        let blocked = org
            .issues
            .iter()
            .filter(|i| {
                i.histories
                    .iter()
                    .any(|h| h.items.contains(&Change::Status { from: IN_PROGRESS, to: BLOCKED }))
            })
            .count();
        assert!(blocked > 50, "only {blocked} issues were ever blocked");
        assert!(org.issues.iter().any(|i| i.priority == 0 && i.kind == Kind::Incident));
        assert!(org.issues.iter().any(|i| i.labels.contains(&"security")));
        assert!(org
            .issues
            .iter()
            .any(|i| i.links.iter().any(|l| org.issues[l.other].team != i.team)));
        // Every link is in both issues' changelogs, and histories stay in time order.
        for i in &org.issues {
            for l in &i.links {
                assert!(i.histories.iter().any(|h| h.items.contains(&Change::Link {
                    added: true,
                    direction: l.direction,
                    other: l.other
                })));
            }
            assert!(i.histories.windows(2).all(|w| w[0].at <= w[1].at && w[0].id < w[1].id));
        }
    }
}
