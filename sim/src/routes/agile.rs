//! JIRA Software's agile API (`/rest/agile/1.0`: boards, board configuration
//! with the estimation field, sprint pages without `total`, sprint and board
//! issues with `sprint`/`closedSprints`/`flagged`/`epic`) and the private
//! Greenhopper sprint report and velocity chart, computed from changelogs.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::search::{run_query, FULL_CHANGELOG_CAP};
use super::{ctx, error, number, ok, param, params, BadRequest, Params, SiteState};
use crate::org::{Change, Issue, Org, Sprint, SprintState, DONE, PRIORITIES, STATUSES};
use crate::render::{Ctx, FieldSelection};
use crate::site::Site;
use axum::response::IntoResponse;

fn board_value(site: &Site, org: &Org, team: usize) -> Value {
    let t = &org.teams[team];
    json!({
        "id": t.board_id,
        "self": format!("{}/rest/agile/1.0/board/{}", site.base_url, t.board_id),
        "name": format!("{} board", t.name),
        "type": "scrum",
        "location": {
            "projectId": t.project_id,
            "displayName": format!("{} ({})", t.name, t.key),
            "projectName": t.name,
            "projectKey": t.key,
            "projectTypeKey": "software",
            "avatarURI": format!("/rest/api/2/universal_avatar/view/type/project/avatar/10400?size=small"),
            "name": format!("{} ({})", t.name, t.key),
        }
    })
}

fn paging(
    p: &[(String, String)],
    default_max: i64,
    cap: i64,
) -> Result<(usize, usize), BadRequest> {
    let start = number(p, "startAt", 0)?.max(0) as usize;
    let max = number(p, "maxResults", default_max)?.clamp(1, cap) as usize;
    Ok((start, max))
}

pub(crate) async fn boards(State(site): SiteState, p: Params) -> Response {
    let (start, max) = match paging(&p, 50, 50) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let org = site.read();
    let project = param(&p, "projectKeyOrId");
    let name = param(&p, "name").map(str::to_lowercase);
    let kind = param(&p, "type");
    let all: Vec<usize> = (0..org.teams.len())
        .filter(|&t| {
            project.is_none_or(|k| {
                org.teams[t].key.eq_ignore_ascii_case(k) || org.teams[t].project_id.to_string() == k
            })
        })
        .filter(|&t| {
            name.as_deref()
                .is_none_or(|n| format!("{} board", org.teams[t].name).to_lowercase().contains(n))
        })
        .filter(|_| kind.is_none_or(|k| k.split(',').any(|x| x == "scrum")))
        .collect();
    let end = (start + max).min(all.len());
    let values: Vec<Value> = all
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|&t| board_value(&site, &org, t))
        .collect();
    ok(
        &json!({"maxResults": max, "startAt": start, "total": all.len(), "isLast": end >= all.len(), "values": values}),
    )
}

fn board_not_found(board: u64) -> Response {
    error(StatusCode::NOT_FOUND, &format!("The requested board cannot be viewed because it either does not exist or you do not have permission to view it. (board {board})"))
}

fn sprint_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Sprint does not exist or you do not have permission to view it.")
}

pub(crate) async fn board(State(site): SiteState, Path(board): Path<u64>) -> Response {
    let org = site.read();
    match org.team_by_board(board) {
        Some(t) => ok(&board_value(&site, &org, t)),
        None => board_not_found(board),
    }
}

pub(crate) async fn configuration(State(site): SiteState, Path(board): Path<u64>) -> Response {
    let org = site.read();
    let Some(team) = org.team_by_board(board) else { return board_not_found(board) };
    let t = &org.teams[team];
    let status = |i: usize| json!({"id": STATUSES[i].id, "self": format!("{}/rest/api/2/status/{}", site.base_url, STATUSES[i].id)});
    ok(&json!({
        "id": t.board_id,
        "name": format!("{} board", t.name),
        "type": "scrum",
        "self": format!("{}/rest/agile/1.0/board/{}/configuration", site.base_url, t.board_id),
        "location": {"type": "project", "key": t.key, "id": t.project_id.to_string(), "self": format!("{}/rest/api/2/project/{}", site.base_url, t.project_id), "name": t.name},
        "filter": {"id": (10000 + t.board_id).to_string(), "self": format!("{}/rest/api/2/filter/{}", site.base_url, 10000 + t.board_id)},
        "columnConfig": {
            "columns": [
                {"name": "To Do", "statuses": [status(0)]},
                {"name": "In Progress", "statuses": [status(1), status(3)]},
                {"name": "In Review", "statuses": [status(2)]},
                {"name": "Done", "statuses": [status(4)]},
            ],
            "constraintType": "issueCount",
        },
        "estimation": {"type": "field", "field": {"fieldId": org.fields.story_points, "displayName": "Story Points"}},
        "ranking": {"rankCustomFieldId": org.fields.rank.trim_start_matches("customfield_").parse::<u64>().unwrap_or(10019)},
    }))
}

fn state_rank(s: SprintState) -> u8 {
    match s {
        SprintState::Closed => 0,
        SprintState::Active => 1,
        SprintState::Future => 2,
    }
}

pub(crate) async fn sprints(State(site): SiteState, Path(board): Path<u64>, p: Params) -> Response {
    let (start, max) = match paging(&p, 50, 50) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let org = site.read();
    let Some(team) = org.team_by_board(board) else { return board_not_found(board) };
    let states: Vec<String> = param(&p, "state")
        .map(|s| s.split(',').map(|x| x.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let mut list: Vec<&Sprint> = org
        .sprints
        .iter()
        .filter(|s| {
            s.team == team && (states.is_empty() || states.iter().any(|x| x == s.state.as_str()))
        })
        .collect();
    list.sort_by_key(|s| (state_rank(s.state), s.sequence));
    let c = ctx(&site, &org, 3);
    let end = (start + max).min(list.len());
    let values: Vec<Value> = list
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|s| c.sprint_agile(s))
        .collect();
    // Real Cloud sprint pages carry no `total`.
    ok(&json!({"maxResults": max, "startAt": start, "isLast": end >= list.len(), "values": values}))
}

pub(crate) async fn sprint(State(site): SiteState, Path(sprint): Path<u64>) -> Response {
    let org = site.read();
    match org.sprint(sprint) {
        Some(s) => ok(&ctx(&site, &org, 3).sprint_agile(s)),
        None => sprint_not_found(),
    }
}

/// A page of agile issues among `candidates` (already in rank order), narrowed by an optional `jql`.
fn issue_page(site: &Site, p: &[(String, String)], candidates: Vec<usize>) -> Response {
    let (start, max) = match paging(p, 50, 100) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let mut candidates = candidates;
    if let Some(jql) = param(p, "jql").filter(|j| !j.trim().is_empty()) {
        match run_query(site, jql) {
            Ok(hits) => {
                let set: std::collections::HashSet<usize> = hits.iter().copied().collect();
                candidates.retain(|n| set.contains(n));
            }
            Err(e) => return error(StatusCode::BAD_REQUEST, &e.0),
        }
    }
    let org = site.read();
    let sel = FieldSelection::parse(&params(p, "fields"), "*navigable");
    let changelog =
        param(p, "expand").is_some_and(|e| e.split(',').any(|x| x.trim() == "changelog"));
    let c = ctx(site, &org, 3);
    let end = (start + max).min(candidates.len());
    let issues: Vec<Value> = candidates
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|&n| c.issue(&org.issues[n], &sel, changelog.then_some(FULL_CHANGELOG_CAP), true))
        .collect();
    ok(
        &json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": candidates.len(), "issues": issues}),
    )
}

fn by_rank(org: &Org, pred: impl Fn(&Issue) -> bool) -> Vec<usize> {
    let mut v: Vec<usize> = org.live_issues().filter(|(_, i)| pred(i)).map(|(n, _)| n).collect();
    v.sort_by_key(|&n| org.issues[n].rank);
    v
}

pub(crate) async fn sprint_issues(
    State(site): SiteState,
    Path((board, sprint)): Path<(u64, u64)>,
    p: Params,
) -> Response {
    let candidates = {
        let org = site.read();
        if org.team_by_board(board).is_none() {
            return board_not_found(board);
        }
        if org.sprint(sprint).is_none() {
            return sprint_not_found();
        }
        by_rank(&org, |i| i.sprints.contains(&sprint))
    };
    issue_page(&site, &p, candidates)
}

pub(crate) async fn sprint_issues_direct(
    State(site): SiteState,
    Path(sprint): Path<u64>,
    p: Params,
) -> Response {
    let candidates = {
        let org = site.read();
        if org.sprint(sprint).is_none() {
            return sprint_not_found();
        }
        by_rank(&org, |i| i.sprints.contains(&sprint))
    };
    issue_page(&site, &p, candidates)
}

pub(crate) async fn board_issues(
    State(site): SiteState,
    Path(board): Path<u64>,
    p: Params,
) -> Response {
    let candidates = {
        let org = site.read();
        let Some(team) = org.team_by_board(board) else { return board_not_found(board) };
        by_rank(&org, |i| i.team == team)
    };
    issue_page(&site, &p, candidates)
}

/// An issue's status, points and sprints as they were at `at`, replayed from its changelog.
fn state_at(issue: &Issue, at: DateTime<Utc>) -> (u8, Option<f64>, Vec<u64>) {
    let (mut status, mut points, mut sprints) = (0u8, None, Vec::new());
    for h in issue.histories.iter().take_while(|h| h.at <= at) {
        for c in &h.items {
            match c {
                Change::Status { to, .. } => status = *to,
                Change::Points { to, .. } => points = *to,
                Change::Sprint { to, .. } => sprints = to.clone(),
                _ => {}
            }
        }
    }
    (status, points, sprints)
}

/// When the issue joined the sprint, if it ever did.
fn joined(issue: &Issue, sprint: u64) -> Option<DateTime<Utc>> {
    issue.histories.iter().find(|h| h.items.iter().any(|c| matches!(c, Change::Sprint { to, from } if to.contains(&sprint) && !from.contains(&sprint)))).map(|h| h.at)
}

fn sum(v: f64, any: bool) -> Value {
    if any {
        json!({"value": v, "text": format!("{v:.1}")})
    } else {
        json!({"text": "null"})
    }
}

fn report_issue(
    c: &Ctx<'_>,
    issue: &Issue,
    sp: &str,
    initial: Option<f64>,
    current: Option<f64>,
) -> Value {
    let org = c.org;
    let s = STATUSES[issue.status as usize];
    let stat = |v: Option<f64>| match v {
        Some(x) => json!({"statFieldId": sp, "statFieldValue": {"value": x}}),
        None => json!({"statFieldId": sp, "statFieldValue": {}}),
    };
    let mut v = json!({
        "id": issue.id,
        "key": issue.key,
        "hidden": false,
        "typeName": issue.kind.name(),
        "typeId": issue.kind.id(),
        "typeHierarchyLevel": issue.kind.hierarchy_level(),
        "summary": issue.summary,
        "priorityName": PRIORITIES[issue.priority as usize].1,
        "done": issue.status == DONE,
        "hasCustomUserAvatar": false,
        "flagged": issue.flagged,
        "currentEstimateStatistic": stat(current),
        "estimateStatisticRequired": false,
        "estimateStatistic": stat(initial),
        "statusId": s.id,
        "statusName": s.name,
        "statusUrl": format!("{}/", c.base),
        "status": {"id": s.id, "name": s.name, "description": "", "iconUrl": format!("{}/", c.base),
                   "statusCategory": {"id": s.category.id().to_string(), "key": s.category.key(), "colorName": s.category.color()}},
        "fixVersions": [],
        "projectId": org.teams[issue.team].project_id,
        "linkedPagesCount": 0,
    });
    if let Some(a) = issue.assignee.and_then(|a| org.users.get(a as usize)) {
        v["assignee"] = json!(a.account_id);
        v["assigneeKey"] = json!(a.account_id);
        v["assigneeAccountId"] = json!(a.account_id);
        v["assigneeName"] = json!(a.display_name);
    }
    v
}

pub(crate) async fn sprint_report(State(site): SiteState, p: Params) -> Response {
    let board = param(&p, "rapidViewId").and_then(|v| v.parse::<u64>().ok());
    let sprint = param(&p, "sprintId").and_then(|v| v.parse::<u64>().ok());
    let (Some(board), Some(sprint_id)) = (board, sprint) else {
        return error(StatusCode::BAD_REQUEST, "rapidViewId and sprintId are required.");
    };
    let org = site.read();
    let Some(team) = org.team_by_board(board) else { return board_not_found(board) };
    let Some(sprint) = org.sprint(sprint_id).filter(|s| s.team == team) else {
        return sprint_not_found();
    };
    let c = ctx(&site, &org, 2);
    let sp = org.fields.story_points.as_str();
    let end = sprint.complete.unwrap_or_else(|| site.clock.now());
    let (mut completed, mut not_completed, mut punted) = (Vec::new(), Vec::new(), Vec::new());
    let mut added = BTreeMap::new();
    let (mut sums, mut any) = ([0.0f64; 6], [false; 6]);
    for (_, issue) in org.live_issues() {
        let Some(join) = joined(issue, sprint_id) else { continue };
        if join > end {
            continue;
        }
        let (_, initial, _) = state_at(issue, join.max(sprint.start));
        let (status, current, sprints_then) = state_at(issue, end);
        if join > sprint.start {
            added.insert(issue.key.clone(), true);
        }
        let mut v = report_issue(&c, issue, sp, initial, current);
        let at_end = STATUSES[status as usize];
        v["done"] = json!(status == DONE);
        v["statusId"] = json!(at_end.id);
        v["statusName"] = json!(at_end.name);
        let slot = if !sprints_then.contains(&sprint_id) {
            punted.push(v);
            4
        } else if status == DONE {
            completed.push(v);
            0
        } else {
            not_completed.push(v);
            2
        };
        if let Some(x) = initial {
            sums[slot] += x;
            any[slot] = true;
        }
        if let Some(x) = current {
            sums[slot + 1] += x;
            any[slot + 1] = true;
        }
    }
    let all = sums[1] + sums[3];
    let fmt = |d: DateTime<Utc>| d.format("%d/%b/%y %-I:%M %p").to_string();
    let iso = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%S+0000").to_string();
    let mut sprint_v = json!({
        "id": sprint.id, "sequence": sprint.id, "name": sprint.name, "state": sprint.state.as_str().to_uppercase(),
        "linkedPagesCount": 0, "goal": sprint.goal,
        "startDate": fmt(sprint.start), "endDate": fmt(sprint.end),
        "isoStartDate": iso(sprint.start), "isoEndDate": iso(sprint.end),
        "canUpdateSprint": true, "remoteLinks": [],
        "daysRemaining": (sprint.end - site.clock.now()).num_days().max(0),
    });
    if let Some(done) = sprint.complete {
        sprint_v["completeDate"] = json!(fmt(done));
        sprint_v["isoCompleteDate"] = json!(iso(done));
    }
    ok(&json!({
        "contents": {
            "completedIssues": completed,
            "issuesNotCompletedInCurrentSprint": not_completed,
            "puntedIssues": punted,
            "issuesCompletedInAnotherSprint": [],
            "completedIssuesInitialEstimateSum": sum(sums[0], any[0]),
            "completedIssuesEstimateSum": sum(sums[1], any[1]),
            "issuesNotCompletedInitialEstimateSum": sum(sums[2], any[2]),
            "issuesNotCompletedEstimateSum": sum(sums[3], any[3]),
            "allIssuesEstimateSum": sum(all, any[1] || any[3]),
            "puntedIssuesInitialEstimateSum": sum(sums[4], any[4]),
            "puntedIssuesEstimateSum": sum(sums[5], any[5]),
            "issuesCompletedInAnotherSprintInitialEstimateSum": {"text": "null"},
            "issuesCompletedInAnotherSprintEstimateSum": {"text": "null"},
            "issueKeysAddedDuringSprint": added,
        },
        "sprint": sprint_v,
        "lastUserToClose": "",
        "supportsPages": false,
    }))
}

pub(crate) async fn velocity(State(site): SiteState, p: Params) -> Response {
    let Some(board) = param(&p, "rapidViewId").and_then(|v| v.parse::<u64>().ok()) else {
        return error(StatusCode::BAD_REQUEST, "rapidViewId is required.");
    };
    let org = site.read();
    let Some(team) = org.team_by_board(board) else { return board_not_found(board) };
    let mut closed: Vec<&Sprint> =
        org.sprints.iter().filter(|s| s.team == team && s.state == SprintState::Closed).collect();
    closed.sort_by_key(|s| std::cmp::Reverse(s.sequence));
    closed.truncate(7);
    let mut entries = serde_json::Map::new();
    for s in &closed {
        let (mut estimated, mut completed) = (0.0, 0.0);
        let end = s.complete.unwrap_or(s.end);
        for (_, issue) in org.live_issues() {
            let Some(join) = joined(issue, s.id) else { continue };
            let (_, initial, _) = state_at(issue, join.max(s.start));
            if join <= s.start {
                estimated += initial.unwrap_or(0.0);
            }
            let (status, current, sprints) = state_at(issue, end);
            if status == DONE && sprints.contains(&s.id) {
                completed += current.unwrap_or(0.0);
            }
        }
        entries.insert(
            s.id.to_string(),
            json!({"estimated": {"value": estimated, "text": format!("{estimated:.1}")}, "completed": {"value": completed, "text": format!("{completed:.1}")}}),
        );
    }
    let sprints: Vec<Value> = closed
        .iter()
        .map(|s| json!({"id": s.id, "sequence": s.id, "name": s.name, "state": "CLOSED", "goal": s.goal, "linkedPagesCount": 0}))
        .collect();
    ok(&json!({"sprints": sprints, "velocityStatEntries": entries}))
}
