//! JIRA's JSON shapes for the organisation's data: issues (REST v2 and v3),
//! changelog histories, users, statuses, sprints. Timestamps are rendered the
//! way JIRA does: milliseconds and an offset without a colon, in the calling
//! user's time zone; sprint dates in UTC with `Z`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

use crate::org::{
    Change, History, Issue, Kind, Org, Sprint, SprintState, User, DONE, PRIORITIES, STATUSES,
};
use crate::Flavor;

/// How a response is rendered: which site, which API version, whose time zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) org: &'a Org,
    pub(crate) base: &'a str,
    pub(crate) tz: Tz,
    /// REST API version in `self` links and the description format (2 or 3).
    pub(crate) api: u8,
    pub(crate) flavor: Flavor,
    /// Pre-rendered constant parts; `None` renders everything afresh.
    pub(crate) catalog: Option<&'a Parts>,
}

/// JSON that never changes once the organisation exists (people, statuses,
/// priorities, issue types, projects), rendered once per API version: most of
/// a search page's bytes are these, repeated.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    v2: std::sync::OnceLock<Parts>,
    v3: std::sync::OnceLock<Parts>,
}

#[derive(Debug)]
pub(crate) struct Parts {
    users: Vec<Value>,
    statuses: Vec<Value>,
    priorities: Vec<Value>,
    kinds: Vec<(Kind, Value)>,
    projects: Vec<Value>,
}

impl Catalog {
    /// The parts for `ctx`'s API version, rendering them on first use.
    pub(crate) fn parts(&self, ctx: Ctx<'_>) -> &Parts {
        let cell = if ctx.api == 2 { &self.v2 } else { &self.v3 };
        cell.get_or_init(|| {
            let c = Ctx { catalog: None, ..ctx };
            Parts {
                users: (0..c.org.users.len() as u32).map(|u| c.user(u)).collect(),
                statuses: (0..STATUSES.len() as u8).map(|n| c.status(n)).collect(),
                priorities: (0..PRIORITIES.len() as u8).map(|n| c.priority(n)).collect(),
                kinds: [Kind::Story, Kind::Task, Kind::Bug, Kind::Incident, Kind::Epic]
                    .into_iter()
                    .map(|k| (k, c.issue_type(k)))
                    .collect(),
                projects: (0..c.org.teams.len()).map(|t| c.project(t)).collect(),
            }
        })
    }
}

/// `2024-01-15T10:30:00.000+0000`, in `tz`.
pub(crate) fn jira_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
}

/// `2020-06-12T00:38:51.882Z`, as agile sprint dates are.
pub(crate) fn sprint_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Which fields a request asked for (`fields=` of the search and issue APIs).
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldSelection {
    all: bool,
    include: HashSet<String>,
    exclude: HashSet<String>,
}

impl FieldSelection {
    /// Parses `fields` values (each may be comma-separated); `default` applies when none are given.
    pub(crate) fn parse<S: AsRef<str>>(values: &[S], default: &str) -> FieldSelection {
        let mut sel = FieldSelection::default();
        let mut any = false;
        for v in values {
            for f in v.as_ref().split(',').map(str::trim).filter(|f| !f.is_empty()) {
                any = true;
                if f == "*all" || f == "*navigable" {
                    sel.all = true;
                } else if let Some(x) = f.strip_prefix('-') {
                    sel.exclude.insert(x.to_string());
                } else {
                    sel.include.insert(f.to_string());
                }
            }
        }
        if !any {
            return FieldSelection::parse(&[default], "id");
        }
        // Only exclusions means "everything else".
        if sel.include.is_empty() && !sel.exclude.is_empty() {
            sel.all = true;
        }
        sel
    }

    pub(crate) fn wants(&self, field: &str) -> bool {
        !self.exclude.contains(field) && (self.all || self.include.contains(field))
    }

    /// True when no field beyond `id`/`key` is wanted, so the issue renders as ids only.
    pub(crate) fn ids_only(&self) -> bool {
        !self.all && self.include.iter().all(|f| f == "id" || f == "key")
    }
}

impl Ctx<'_> {
    fn api_url(&self, rest: &str) -> String {
        format!("{}/rest/api/{}/{}", self.base, self.api, rest)
    }

    pub(crate) fn user(&self, idx: u32) -> Value {
        if let Some(v) = self.catalog.and_then(|c| c.users.get(idx as usize)) {
            return v.clone();
        }
        let Some(u) = self.org.users.get(idx as usize) else { return Value::Null };
        self.user_value(u)
    }

    pub(crate) fn user_value(&self, u: &User) -> Value {
        let avatar = |s: u32| {
            format!("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{}-{}.png?size={s}", initials(&u.display_name), s % 7)
        };
        let mut v = json!({
            "self": format!("{}/rest/api/{}/user?accountId={}", self.base, self.api, u.account_id),
            "accountId": u.account_id,
            "avatarUrls": {"48x48": avatar(48), "24x24": avatar(24), "16x16": avatar(16), "32x32": avatar(32)},
            "displayName": u.display_name,
            "active": true,
            "timeZone": u.time_zone,
            "accountType": "atlassian",
        });
        if self.flavor == Flavor::DataCenter {
            let name = u.email.split('@').next().unwrap_or_default().to_string();
            v["name"] = json!(name);
            v["key"] = json!(format!(
                "JIRAUSER{}",
                10000
                    + self.org.users.iter().position(|x| x.account_id == u.account_id).unwrap_or(0)
            ));
            v["emailAddress"] = json!(u.email);
        }
        v
    }

    pub(crate) fn status(&self, idx: u8) -> Value {
        if let Some(v) = self.catalog.and_then(|c| c.statuses.get(idx as usize)) {
            return v.clone();
        }
        let s = STATUSES[idx as usize];
        json!({
            "self": self.api_url(&format!("status/{}", s.id)),
            "description": "",
            "iconUrl": format!("{}/", self.base),
            "name": s.name,
            "id": s.id,
            "statusCategory": {
                "self": self.api_url(&format!("statuscategory/{}", s.category.id())),
                "id": s.category.id(),
                "key": s.category.key(),
                "colorName": s.category.color(),
                "name": s.category.name(),
            }
        })
    }

    fn priority(&self, idx: u8) -> Value {
        if let Some(v) = self.catalog.and_then(|c| c.priorities.get(idx as usize)) {
            return v.clone();
        }
        let (id, name) = PRIORITIES[idx as usize];
        json!({
            "self": self.api_url(&format!("priority/{id}")),
            "iconUrl": format!("{}/images/icons/priorities/{}.svg", self.base, name.to_lowercase()),
            "name": name,
            "id": id,
        })
    }

    pub(crate) fn issue_type(&self, kind: Kind) -> Value {
        if let Some((_, v)) = self.catalog.and_then(|c| c.kinds.iter().find(|(k, _)| *k == kind)) {
            return v.clone();
        }
        json!({
            "self": self.api_url(&format!("issuetype/{}", kind.id())),
            "id": kind.id(),
            "description": "",
            "iconUrl": format!("{}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{}?size=medium", self.base, kind.id()),
            "name": kind.name(),
            "subtask": false,
            "avatarId": 10300 + kind.id().parse::<u32>().unwrap_or(0) % 100,
            "hierarchyLevel": kind.hierarchy_level(),
        })
    }

    pub(crate) fn project(&self, team: usize) -> Value {
        if let Some(v) = self.catalog.and_then(|c| c.projects.get(team)) {
            return v.clone();
        }
        let t = &self.org.teams[team];
        let avatar = |size: &str| {
            format!(
                "{}/rest/api/2/universal_avatar/view/type/project/avatar/10400?size={size}",
                self.base
            )
        };
        json!({
            "self": self.api_url(&format!("project/{}", t.project_id)),
            "id": t.project_id.to_string(),
            "key": t.key,
            "name": t.name,
            "projectTypeKey": "software",
            "simplified": false,
            "avatarUrls": {"48x48": avatar("large"), "24x24": avatar("small"), "16x16": avatar("xsmall"), "32x32": avatar("medium")},
        })
    }

    /// A sprint as it appears in the Sprint custom field of an issue.
    pub(crate) fn sprint_field(&self, s: &Sprint) -> Value {
        let mut v = json!({
            "id": s.id,
            "name": s.name,
            "state": s.state.as_str(),
            "boardId": self.org.teams[s.team].board_id,
            "goal": s.goal,
        });
        self.sprint_dates(s, &mut v);
        v
    }

    /// A sprint in the legacy string form Data Center's REST v2 still returns.
    pub(crate) fn sprint_legacy(&self, s: &Sprint) -> String {
        let date = |d: Option<DateTime<Utc>>| {
            d.map_or("<null>".to_string(), |d| {
                d.with_timezone(&self.tz).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
            })
        };
        let future = s.state == SprintState::Future;
        format!(
            "com.atlassian.greenhopper.service.sprint.Sprint@{:08x}[id={},rapidViewId={},state={},name={},goal={},startDate={},endDate={},completeDate={},activatedDate={},sequence={}]",
            (s.id as u32).wrapping_mul(0x9E37_79B9),
            s.id,
            self.org.teams[s.team].board_id,
            s.state.as_str().to_uppercase(),
            s.name,
            if s.goal.is_empty() { "<null>" } else { &s.goal },
            date((!future).then_some(s.start)),
            date((!future).then_some(s.end)),
            date(s.complete),
            date((!future).then_some(s.start)),
            s.id,
        )
    }

    /// A sprint as the agile API returns it.
    pub(crate) fn sprint_agile(&self, s: &Sprint) -> Value {
        let mut v = json!({
            "id": s.id,
            "self": format!("{}/rest/agile/1.0/sprint/{}", self.base, s.id),
            "state": s.state.as_str(),
            "name": s.name,
            "createdDate": sprint_time(s.created),
            "originBoardId": self.org.teams[s.team].board_id,
            "goal": s.goal,
        });
        self.sprint_dates(s, &mut v);
        v
    }

    fn sprint_dates(&self, s: &Sprint, v: &mut Value) {
        if s.state != SprintState::Future {
            v["startDate"] = json!(sprint_time(s.start));
            v["endDate"] = json!(sprint_time(s.end));
        }
        if let Some(c) = s.complete {
            v["completeDate"] = json!(sprint_time(c));
        }
    }

    fn linked_issue(&self, idx: usize) -> Value {
        let i = &self.org.issues[idx];
        json!({
            "id": i.id.to_string(),
            "key": i.key,
            "self": self.api_url(&format!("issue/{}", i.id)),
            "fields": {
                "summary": i.summary,
                "status": self.status(i.status),
                "priority": self.priority(i.priority),
                "issuetype": self.issue_type(i.kind),
            }
        })
    }

    fn description(&self, i: &Issue) -> Value {
        let text = format!(
            "{} ({}). Acceptance criteria are in the linked design notes.",
            i.summary,
            i.kind.name()
        );
        if self.api >= 3 {
            json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
        } else {
            json!(text)
        }
    }

    /// The `fields` object of an issue, limited to `sel`; `agile` adds the
    /// fields the agile API adds (`sprint`, `closedSprints`, `flagged`, `epic`).
    pub(crate) fn fields(
        &self,
        i: &Issue,
        sel: &FieldSelection,
        agile: bool,
    ) -> Map<String, Value> {
        let org = self.org;
        let fid = &org.fields;
        let mut m = Map::new();
        let mut put = |name: &str, value: &dyn Fn() -> Value| {
            if sel.wants(name) {
                m.insert(name.to_string(), value());
            }
        };
        put("summary", &|| json!(i.summary));
        put("status", &|| self.status(i.status));
        put("issuetype", &|| self.issue_type(i.kind));
        put("project", &|| self.project(i.team));
        put("priority", &|| self.priority(i.priority));
        put("labels", &|| json!(i.labels));
        put("created", &|| json!(jira_time(i.created, self.tz)));
        put("updated", &|| json!(jira_time(i.updated, self.tz)));
        put("statuscategorychangedate", &|| {
            let at = i
                .histories
                .iter()
                .rev()
                .find(|h| h.items.iter().any(|c| matches!(c, Change::Status { .. })))
                .map_or(i.created, |h| h.at);
            json!(jira_time(at, self.tz))
        });
        put("resolutiondate", &|| i.resolved.map_or(Value::Null, |r| json!(jira_time(r, self.tz))));
        put("resolution", &|| {
            if i.status == DONE {
                json!({"self": self.api_url("resolution/10000"), "id": "10000", "description": "Work has been completed on this issue.", "name": "Done"})
            } else {
                Value::Null
            }
        });
        put("duedate", &|| i.due.map_or(Value::Null, |d| json!(d.format("%Y-%m-%d").to_string())));
        put("assignee", &|| i.assignee.map_or(Value::Null, |a| self.user(a)));
        put("reporter", &|| self.user(i.reporter));
        put("creator", &|| self.user(i.reporter));
        put("description", &|| self.description(i));
        put("subtasks", &|| json!([]));
        put("fixVersions", &|| json!([]));
        put("components", &|| json!([]));
        put("issuelinks", &|| {
            Value::Array(
                i.links
                    .iter()
                    .filter(|l| !org.issues[l.other].deleted)
                    .map(|l| {
                        let mut v = json!({
                            "id": l.id.to_string(),
                            "self": self.api_url(&format!("issueLink/{}", l.id)),
                            "type": {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks", "self": self.api_url("issueLinkType/10000")},
                        });
                        let side = match l.direction {
                            crate::org::LinkDirection::Blocks => "outwardIssue",
                            crate::org::LinkDirection::BlockedBy => "inwardIssue",
                        };
                        v[side] = self.linked_issue(l.other);
                        v
                    })
                    .collect(),
            )
        });
        // Cloud links a story to its epic through `parent`; Data Center keeps
        // `parent` for sub-tasks and uses the Epic Link field.
        if self.flavor == Flavor::Cloud {
            put("parent", &|| i.epic.map_or(Value::Null, |e| self.linked_issue(e)));
        }
        put(&fid.story_points, &|| i.points.map_or(Value::Null, |p| json!(p)));
        put(fid.story_point_estimate, &|| Value::Null);
        put(fid.sprint, &|| {
            let list: Vec<Value> = i
                .sprints
                .iter()
                .filter_map(|s| org.sprint(*s))
                .map(|s| match self.flavor {
                    Flavor::Cloud => self.sprint_field(s),
                    Flavor::DataCenter => Value::String(self.sprint_legacy(s)),
                })
                .collect();
            if list.is_empty() {
                Value::Null
            } else {
                Value::Array(list)
            }
        });
        put(fid.epic_link, &|| i.epic.map_or(Value::Null, |e| json!(org.issues[e].key)));
        put(fid.flagged, &|| {
            if i.flagged {
                json!([{"self": format!("{}/rest/api/2/customFieldOption/10019", self.base), "value": "Impediment", "id": "10019"}])
            } else {
                Value::Null
            }
        });
        put(fid.rank, &|| json!(format!("0|i{:05x}:", i.rank)));
        if agile {
            let current = i
                .sprints
                .iter()
                .filter_map(|s| org.sprint(*s))
                .find(|s| s.state != SprintState::Closed);
            m.insert("sprint".into(), current.map_or(Value::Null, |s| self.sprint_agile(s)));
            m.insert(
                "closedSprints".into(),
                Value::Array(
                    i.sprints
                        .iter()
                        .filter_map(|s| org.sprint(*s))
                        .filter(|s| s.state == SprintState::Closed)
                        .map(|s| self.sprint_agile(s))
                        .collect(),
                ),
            );
            m.insert("flagged".into(), json!(i.flagged));
            m.insert(
                "epic".into(),
                i.epic.map_or(Value::Null, |e| {
                    let ep = &org.issues[e];
                    json!({"id": ep.id, "key": ep.key, "self": format!("{}/rest/agile/1.0/epic/{}", self.base, ep.id), "name": ep.summary, "summary": ep.summary, "done": ep.status == DONE})
                }),
            );
        }
        m
    }

    /// An issue bean. `changelog_cap` embeds the newest histories (newest first).
    pub(crate) fn issue(
        &self,
        i: &Issue,
        sel: &FieldSelection,
        changelog_cap: Option<usize>,
        agile: bool,
    ) -> Value {
        if sel.ids_only() && changelog_cap.is_none() && !agile {
            let mut v = json!({"id": i.id.to_string()});
            if sel.wants("key") {
                v["key"] = json!(i.key);
                v["self"] = json!(self.api_url(&format!("issue/{}", i.id)));
            }
            return v;
        }
        let mut v = json!({
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": i.id.to_string(),
            "self": self.api_url(&format!("issue/{}", i.id)),
            "key": i.key,
            "fields": Value::Object(self.fields(i, sel, agile)),
        });
        if let Some(cap) = changelog_cap {
            let total = i.histories.len();
            let shown: Vec<Value> =
                i.histories.iter().rev().take(cap).map(|h| self.history(h)).collect();
            v["changelog"] = json!({"startAt": 0, "maxResults": shown.len(), "total": total, "histories": shown});
        }
        v
    }

    /// One changelog entry with its items.
    pub(crate) fn history(&self, h: &History) -> Value {
        json!({
            "id": h.id.to_string(),
            "author": self.user(h.author),
            "created": jira_time(h.at, self.tz),
            "items": h.items.iter().map(|c| self.change(c)).collect::<Vec<_>>(),
        })
    }

    /// The `items[]` of a history (and of a webhook's `changelog`).
    pub(crate) fn change(&self, c: &Change) -> Value {
        let org = self.org;
        let item = |field: &str,
                    fieldtype: &str,
                    field_id: Option<&str>,
                    from: Value,
                    from_s: Value,
                    to: Value,
                    to_s: Value| {
            let mut v = json!({"field": field, "fieldtype": fieldtype});
            if let Some(id) = field_id {
                v["fieldId"] = json!(id);
            }
            v["from"] = from;
            v["fromString"] = from_s;
            v["to"] = to;
            v["toString"] = to_s;
            v
        };
        let s = |x: String| Value::String(x);
        match c {
            Change::Status { from, to } => {
                let (f, t) = (STATUSES[*from as usize], STATUSES[*to as usize]);
                item(
                    "status",
                    "jira",
                    Some("status"),
                    s(f.id.into()),
                    s(f.name.into()),
                    s(t.id.into()),
                    s(t.name.into()),
                )
            }
            Change::Resolution { done: true } => item(
                "resolution",
                "jira",
                Some("resolution"),
                Value::Null,
                Value::Null,
                s("10000".into()),
                s("Done".into()),
            ),
            Change::Resolution { done: false } => item(
                "resolution",
                "jira",
                Some("resolution"),
                s("10000".into()),
                s("Done".into()),
                Value::Null,
                Value::Null,
            ),
            Change::Sprint { from, to } => {
                let ids = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
                let names = |v: &[u64]| {
                    v.iter()
                        .filter_map(|x| org.sprint(*x))
                        .map(|x| x.name.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                item(
                    "Sprint",
                    "custom",
                    Some(org.fields.sprint),
                    s(ids(from)),
                    s(names(from)),
                    s(ids(to)),
                    s(names(to)),
                )
            }
            Change::Points { from, to } => {
                let num = |p: &Option<f64>| p.map_or(Value::Null, |p| s(format_points(p)));
                item(
                    "Story Points",
                    "custom",
                    Some(&org.fields.story_points),
                    Value::Null,
                    num(from),
                    Value::Null,
                    num(to),
                )
            }
            Change::Flagged { on: true } => item(
                "Flagged",
                "custom",
                Some(org.fields.flagged),
                Value::Null,
                Value::Null,
                s("[10019]".into()),
                s("Impediment".into()),
            ),
            Change::Flagged { on: false } => item(
                "Flagged",
                "custom",
                Some(org.fields.flagged),
                s("[10019]".into()),
                s("Impediment".into()),
                Value::Null,
                Value::Null,
            ),
            Change::Assignee { from, to } => {
                let id = |u: &Option<u32>| {
                    u.and_then(|u| org.users.get(u as usize))
                        .map_or(Value::Null, |u| s(u.account_id.clone()))
                };
                let name = |u: &Option<u32>| {
                    u.and_then(|u| org.users.get(u as usize))
                        .map_or(Value::Null, |u| s(u.display_name.clone()))
                };
                item("assignee", "jira", Some("assignee"), id(from), name(from), id(to), name(to))
            }
            Change::Priority { from, to } => {
                let (f, t) = (PRIORITIES[*from as usize], PRIORITIES[*to as usize]);
                item(
                    "priority",
                    "jira",
                    Some("priority"),
                    s(f.0.into()),
                    s(f.1.into()),
                    s(t.0.into()),
                    s(t.1.into()),
                )
            }
            Change::Rank { higher } => item(
                "Rank",
                "custom",
                Some(org.fields.rank),
                s(String::new()),
                s(String::new()),
                s(String::new()),
                s(if *higher { "Ranked higher" } else { "Ranked lower" }.into()),
            ),
            Change::Link { added, direction, other } => {
                let key = org.issues.get(*other).map_or_else(String::new, |i| i.key.clone());
                let text = match direction {
                    crate::org::LinkDirection::BlockedBy => {
                        format!("This issue is blocked by {key}")
                    }
                    crate::org::LinkDirection::Blocks => format!("This issue blocks {key}"),
                };
                let (from, from_s, to, to_s) = if *added {
                    (Value::Null, Value::Null, s(key), s(text))
                } else {
                    (s(key), s(text), Value::Null, Value::Null)
                };
                item("Link", "jira", None, from, from_s, to, to_s)
            }
            Change::Workflow => item(
                "Workflow",
                "jira",
                None,
                s("16951".into()),
                s("Software Simplified Workflow".into()),
                s("20819".into()),
                s("Software Simplified Workflow v2".into()),
            ),
        }
    }
}

/// Story points as JIRA prints them in changelog strings (`3`, `0.5`).
pub(crate) fn format_points(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{}", p as i64)
    } else {
        format!("{p}")
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_have_milliseconds_and_an_offset_without_colon() {
        let at = Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap();
        assert_eq!(jira_time(at, chrono_tz::UTC), "2024-01-15T10:30:00.000+0000");
        assert_eq!(jira_time(at, chrono_tz::Asia::Kolkata), "2024-01-15T16:00:00.000+0530");
        assert_eq!(sprint_time(at), "2024-01-15T10:30:00.000Z");
    }

    #[test]
    fn field_selection_follows_jira_rules() {
        let default = FieldSelection::parse::<&str>(&[], "id");
        assert!(default.ids_only());
        let all = FieldSelection::parse(&["*all,-description"], "id");
        assert!(all.wants("summary") && !all.wants("description"));
        let some = FieldSelection::parse(&["summary", "status"], "id");
        assert!(some.wants("status") && !some.wants("labels") && !some.ids_only());
    }
}
