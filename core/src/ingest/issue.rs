//! One JIRA issue object → [`Issue`].
//!
//! Reads the v3 (`search/jql`), v2 (Data Center search, webhooks) and agile
//! (`board/{id}/issue`, adds `sprint`, `closedSprints`, `flagged`, `epic`)
//! shapes, which differ only in a few fields. A field that cannot be read
//! becomes a diagnostic and a documented default; only an object without a
//! key, without fields or without any date is rejected.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::changelog::{self, History};
use super::fields::Roles;
use super::sprint::{looks_like_sprint_field, sprint_from_value};
use super::time::{parse_date, parse_timestamp_value};
use super::{Diagnostic, IngestOptions};
use crate::model::{
    Issue, IssueId, IssueKey, IssueLink, LinkKind, Priority, Sprint, SprintId, StatusCategory,
    StoryPoints, TeamId,
};

/// What one issue object yields besides the issue: the sprints it names and
/// the offsets its timestamps were written in.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Extras {
    pub(crate) sprints: Vec<Sprint>,
    /// (status name, category) pairs seen, for the dataset's status map.
    pub(crate) statuses: Vec<(String, StatusCategory)>,
    /// UTC offset (seconds) of the first changelog timestamp, if any.
    pub(crate) offset_secs: Option<i32>,
}

fn str_at<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str)
}

fn name_of(value: Option<&Value>) -> Option<&str> {
    value.and_then(|v| v.get("name")).and_then(Value::as_str)
}

/// An estimate: a finite number, or a string holding one.
pub(super) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// Unwraps webhook bodies (`{webhookEvent, issue, changelog}`) and wrapper rows
/// (`{request_url, issue}`): returns the issue object and, for webhooks, the
/// changelog with its timestamp.
pub(crate) fn unwrap_issue(value: &Value) -> (&Value, Option<(&Value, Option<&Value>)>) {
    match value.get("issue") {
        Some(inner) if inner.is_object() && value.get("fields").is_none() => {
            let changelog = value.get("changelog").filter(|c| c.get("items").is_some());
            (inner, changelog.map(|c| (c, value.get("timestamp"))))
        }
        _ => (value, None),
    }
}

pub(crate) fn parse_issue(
    value: &Value,
    options: &IngestOptions,
    roles: &mut Roles,
    sprint_names: &BTreeMap<String, SprintId>,
) -> Result<(Issue, Extras, Vec<Diagnostic>), Diagnostic> {
    parse_issue_with(value, None, options, roles, sprint_names)
}

/// [`parse_issue`] with the embedded changelog already read in typed form.
pub(crate) fn parse_issue_with(
    value: &Value,
    typed: Option<&changelog::RawChangelog<'_>>,
    options: &IngestOptions,
    roles: &mut Roles,
    sprint_names: &BTreeMap<String, SprintId>,
) -> Result<(Issue, Extras, Vec<Diagnostic>), Diagnostic> {
    let (raw, webhook_changelog) = unwrap_issue(value);
    let mut diags = Vec::new();
    let key = raw
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(IssueKey::from)
        .ok_or_else(|| Diagnostic::field(None, "key", "issue object has no key; skipped"))?;
    let k = Some(&key);
    let fields = raw.get("fields").and_then(Value::as_object).ok_or_else(|| {
        Diagnostic::field(k, "fields", "issue has no fields (search with fields=*all); skipped")
    })?;
    let id = match raw.get("id") {
        Some(Value::String(s)) => IssueId(s.clone()),
        Some(Value::Number(n)) => IssueId(n.to_string()),
        _ => {
            diags.push(Diagnostic::field(k, "id", "issue has no id; using its key"));
            IssueId(key.0.clone())
        }
    };
    let mut extras = Extras::default();

    // Histories first: they name fields (learning ids) and date the issue when `created` is missing.
    let mut histories: Vec<History<'_>> = Vec::new();
    if let Some(changelog_value) = raw.get("changelog") {
        for h in changelog::history_values(changelog_value, None) {
            histories.extend(changelog::parse_history(h, None, roles, k, &mut diags));
        }
        let total = changelog_value.get("total").and_then(Value::as_u64);
        let held = changelog_value.get("histories").and_then(Value::as_array).map_or(0, Vec::len);
        diags.extend(truncated_changelog(&key, held, total));
    }
    if let Some(typed) = typed {
        histories.extend(typed.read(roles, k, &mut diags));
        diags.extend(truncated_changelog(&key, typed.len(), typed.total));
    }
    if let Some((changelog_value, timestamp)) = webhook_changelog {
        histories.extend(changelog::parse_history(
            changelog_value,
            timestamp,
            roles,
            k,
            &mut diags,
        ));
    }
    extras.offset_secs = histories.iter().map(|h| h.offset_secs).next();

    let ts = |name: &str| fields.get(name).and_then(parse_timestamp_value);
    let created_fixed = ts("created");
    if let Some(c) = created_fixed {
        extras.offset_secs = Some(c.offset().local_minus_utc());
    }
    let created: DateTime<Utc> = match created_fixed {
        Some(c) => c.with_timezone(&Utc),
        None => {
            let fallback = histories
                .iter()
                .map(|h| h.at)
                .min()
                .or_else(|| ts("updated").map(|u| u.with_timezone(&Utc)))
                .ok_or_else(|| {
                    Diagnostic::field(
                        k,
                        "created",
                        "issue has no created date and no history; skipped",
                    )
                })?;
            diags.push(Diagnostic::field(
                k,
                "created",
                "missing or unreadable; using the earliest date known",
            ));
            fallback
        }
    };
    let updated = ts("updated")
        .map(|u| u.with_timezone(&Utc))
        .unwrap_or_else(|| histories.iter().map(|h| h.at).max().unwrap_or(created).max(created));
    let resolved = ts("resolutiondate").map(|r| r.with_timezone(&Utc));
    let due = match fields.get("duedate") {
        Some(Value::String(s)) => {
            let d = parse_date(s);
            if d.is_none() {
                diags.push(Diagnostic::field(
                    k,
                    "duedate",
                    format!("unreadable due date `{s}`; ignored"),
                ));
            }
            d
        }
        _ => None,
    };

    let status = fields.get("status");
    let status_name = name_of(status).map(str::to_owned).unwrap_or_else(|| {
        diags.push(Diagnostic::field(k, "status", "issue has no status; using `Unknown`"));
        "Unknown".to_owned()
    });
    let sent_category = status
        .and_then(|s| s.pointer("/statusCategory/key"))
        .and_then(Value::as_str)
        .and_then(StatusCategory::from_jira);
    if let Some(category) = sent_category {
        extras.statuses.push((status_name.clone(), category));
    }
    let category =
        options.statuses.get(&status_name).copied().or(sent_category).unwrap_or_else(|| {
            diags.push(Diagnostic::field(
                k,
                "status",
                format!("status `{status_name}` has no category; assuming To Do"),
            ));
            StatusCategory::ToDo
        });

    let priority_name = name_of(fields.get("priority")).map(str::to_owned);
    let priority = match &priority_name {
        Some(name) => options
            .priorities
            .get(name)
            .copied()
            .or_else(|| Priority::from_jira_name(name))
            .unwrap_or_else(|| {
                diags.push(Diagnostic::field(
                    k,
                    "priority",
                    format!("unknown priority `{name}`; using P2"),
                ));
                Priority::P2
            }),
        None => Priority::P2,
    };

    let labels = fields
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();

    let points =
        roles.points.iter().find_map(|id| fields.get(id).filter(|v| !v.is_null())).and_then(|v| {
            let p = number(v);
            if p.is_none() {
                diags.push(Diagnostic::field(
                    k,
                    "story points",
                    format!("estimate `{v}` is not a number; ignored"),
                ));
            }
            p.map(StoryPoints)
        });

    // Epic: the agile `epic` object, the Epic Link field, or a parent that is an epic.
    let mut epic =
        fields.get("epic").and_then(|e| e.get("key")).and_then(Value::as_str).map(IssueKey::from);
    if epic.is_none() {
        epic = roles.epic_link.iter().find_map(|id| str_at(fields, id)).map(IssueKey::from);
    }
    let mut parent = None;
    if let Some(p) = fields.get("parent") {
        if let Some(pkey) = p.get("key").and_then(Value::as_str) {
            let ptype = p.pointer("/fields/issuetype");
            let level_one =
                ptype.and_then(|t| t.get("hierarchyLevel")).and_then(Value::as_i64) == Some(1);
            parent = epic_or_parent(pkey, name_of(ptype), level_one, &mut epic);
        }
    }

    // Sprints: the sprint field (either form) plus the agile API's own fields.
    let mut sprint_values: Vec<&Value> = Vec::new();
    let mut found_field = false;
    for id in &roles.sprint {
        if let Some(Value::Array(list)) = fields.get(id) {
            sprint_values.extend(list);
            found_field = true;
        }
    }
    if !found_field && !roles.sprint_known {
        for (id, value) in fields {
            if id.starts_with("customfield_") && looks_like_sprint_field(value) {
                sprint_values.extend(value.as_array().into_iter().flatten());
                break;
            }
        }
    }
    if let Some(current) = fields.get("sprint").filter(|s| s.is_object()) {
        sprint_values.push(current);
    }
    sprint_values
        .extend(fields.get("closedSprints").and_then(Value::as_array).into_iter().flatten());
    let mut sprints: Vec<SprintId> = Vec::new();
    for value in sprint_values {
        match sprint_from_value(value) {
            Some(sprint) => {
                if !sprints.contains(&sprint.id) {
                    sprints.push(sprint.id);
                }
                extras.sprints.push(sprint);
            }
            None => diags.push(Diagnostic::field(
                k,
                "sprint",
                "sprint field entry is unreadable; ignored",
            )),
        }
    }

    let links = links_of(fields.get("issuelinks"));
    let flagged = is_flagged(|id| fields.get(id), roles);

    let issue_type = name_of(fields.get("issuetype")).unwrap_or("Unknown").to_owned();
    let project = fields
        .get("project")
        .and_then(|p| p.get("key"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| key.project())
        .to_owned();
    let assignee = fields
        .get("assignee")
        .and_then(|a| a.get("displayName").or_else(|| a.get("name")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let summary = str_at(fields, "summary").unwrap_or_default().to_owned();

    let mut issue = Issue {
        id,
        key,
        summary,
        issue_type,
        project,
        status: status_name,
        category,
        priority,
        priority_name,
        labels,
        created,
        updated,
        resolved,
        due,
        points,
        epic,
        parent,
        sprints,
        links,
        flagged,
        assignee,
        team: None,
        status_history: Vec::new(),
        sprint_history: Vec::new(),
        estimate_history: Vec::new(),
        flag_periods: Vec::new(),
        link_history: Vec::new(),
    };
    let names = changelog::SprintNames { known: sprint_names, issue: &extras.sprints };
    changelog::apply(&mut issue, histories, roles, names, &mut diags);
    issue.team = team_of(&issue, &extras.sprints, options);
    Ok((issue, extras, diags))
}

/// The diagnostic for an embedded changelog holding fewer histories than
/// JIRA says there are.
pub(super) fn truncated_changelog(
    key: &IssueKey,
    held: usize,
    total: Option<u64>,
) -> Option<Diagnostic> {
    let total = total.filter(|t| *t as usize > held)?;
    Some(Diagnostic::field(
        Some(key),
        "changelog",
        format!("changelog holds {held} of {total} histories; the rest must be paged from /issue/{key}/changelog"),
    ))
}

/// A parent that is an epic (by type name or hierarchy level 1) becomes the
/// epic unless one is known already; any other parent is returned.
pub(super) fn epic_or_parent(
    parent: &str,
    type_name: Option<&str>,
    level_one: bool,
    epic: &mut Option<IssueKey>,
) -> Option<IssueKey> {
    if type_name.is_some_and(|n| n.eq_ignore_ascii_case("epic")) || level_one {
        epic.get_or_insert_with(|| IssueKey::from(parent));
        None
    } else {
        Some(IssueKey::from(parent))
    }
}

/// The links of an `issuelinks` value.
pub(super) fn links_of(value: Option<&Value>) -> Vec<IssueLink> {
    value
        .and_then(Value::as_array)
        .map(|links| links.iter().filter_map(parse_link).collect())
        .unwrap_or_default()
}

/// The agile API's `flagged`, else a non-empty Flagged field.
pub(super) fn is_flagged<'v>(field: impl Fn(&str) -> Option<&'v Value>, roles: &Roles) -> bool {
    match field("flagged") {
        Some(Value::Bool(b)) => *b,
        _ => roles.flagged.iter().any(|id| match field(id) {
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(_)) => true,
            Some(Value::String(s)) => !s.is_empty(),
            _ => false,
        }),
    }
}

pub(crate) fn parse_link(link: &Value) -> Option<IssueLink> {
    let ty = link.get("type");
    let is_blocks = name_of(ty).is_some_and(|n| n.eq_ignore_ascii_case("blocks"))
        || ty
            .and_then(|t| t.get("outward"))
            .and_then(Value::as_str)
            .is_some_and(|o| o.eq_ignore_ascii_case("blocks"));
    let (other, outward) = match (link.get("outwardIssue"), link.get("inwardIssue")) {
        (Some(o), _) => (o, true),
        (None, Some(i)) => (i, false),
        _ => return None,
    };
    let other_key = IssueKey::from(other.get("key").and_then(Value::as_str)?);
    let other_category = other
        .pointer("/fields/status/statusCategory/key")
        .and_then(Value::as_str)
        .and_then(StatusCategory::from_jira);
    let kind = match (is_blocks, outward) {
        (true, true) => LinkKind::Blocks,
        (true, false) => LinkKind::IsBlockedBy,
        (false, dir) => {
            let label = ty
                .and_then(|t| t.get(if dir { "outward" } else { "inward" }))
                .and_then(Value::as_str)
                .or_else(|| name_of(ty))
                .unwrap_or("relates to");
            LinkKind::Other(label.to_owned())
        }
    };
    Some(IssueLink { kind, other: other_key, other_category })
}

/// The first matching team rule wins; with no rules, each project is a team.
pub(crate) fn team_of(
    issue: &Issue,
    sprints: &[Sprint],
    options: &IngestOptions,
) -> Option<TeamId> {
    if options.teams.is_empty() {
        return Some(TeamId(issue.project.clone()));
    }
    options
        .teams
        .iter()
        .find(|rule| {
            rule.keys.contains(&issue.key)
                || rule.projects.iter().any(|p| p.eq_ignore_ascii_case(&issue.project))
                || sprints.iter().any(|s| s.board.is_some_and(|b| rule.boards.contains(&b)))
        })
        .map(|rule| rule.team.clone())
}
