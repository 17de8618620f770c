//! Issues of a streamed search page read straight into typed, borrowed
//! records instead of JSON values: on a Cloud export building a value tree
//! for every issue costs more than parsing it.
//!
//! The typed reader handles the common, clean issue itself. An issue it
//! would have to report on (no key, no created date, an unknown priority or
//! status category, an estimate that is not a number, …) is rebuilt as the
//! JSON value the general reader expects, holding every member that reader
//! looks at, and goes through [`parse_issue_with`], so diagnostics and
//! defaults on messy data are exactly those of the general path. A member of
//! an unexpected JSON type fails the typed read of the whole page, which the
//! general reader then takes instead.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::changelog::{self, History, RawChangelog};
use super::fields::Roles;
use super::issue::{
    epic_or_parent, is_flagged, links_of, number, parse_issue_with, team_of, truncated_changelog,
    Extras,
};
use super::pruned;
use super::sprint::{self, looks_like_sprint_field, sprint_from_value};
use super::time::{parse_date, parse_timestamp};
use super::{Diagnostic, IngestOptions};
use crate::model::{
    Issue, IssueId, IssueKey, Priority, Sprint, SprintId, StatusCategory, StoryPoints,
};

/// A JSON scalar, borrowed when it needs no unescaping. `Absent` is a
/// member that was not there, as opposed to `null`.
#[derive(Debug, Default, Clone)]
pub(crate) enum Scalar<'a> {
    #[default]
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn to_value(&self) -> Option<Value> {
        Some(match self {
            Scalar::Absent => return None,
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(n) => Value::from(*n),
            Scalar::UInt(n) => Value::from(*n),
            Scalar::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Scalar::Str(s) => Value::String(s.to_string()),
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A JSON string borrowed from the input when it holds no escapes.
///
/// serde's own `Cow<str>` (and `Option<Cow<str>>` even with `borrow`)
/// always copies: on a Cloud export that was a heap allocation for every
/// object key and changelog string read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: &Scalar<'_>) {
    if let Some(v) = value.to_value() {
        map.insert(key.to_owned(), v);
    }
}

/// `{name, key, displayName, hierarchyLevel, statusCategory: {key}}`: the
/// members ingest reads of status, priority, issue type, project, assignee,
/// epic and an issue type's level.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Named<'a> {
    #[serde(borrow)]
    name: Scalar<'a>,
    #[serde(borrow)]
    key: Scalar<'a>,
    #[serde(rename = "displayName", borrow)]
    display_name: Scalar<'a>,
    #[serde(rename = "hierarchyLevel", borrow)]
    hierarchy_level: Scalar<'a>,
    #[serde(rename = "statusCategory", borrow)]
    status_category: Option<Box<Named<'a>>>,
}

impl Named<'_> {
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        put(&mut map, "name", &self.name);
        put(&mut map, "key", &self.key);
        put(&mut map, "displayName", &self.display_name);
        put(&mut map, "hierarchyLevel", &self.hierarchy_level);
        if let Some(c) = &self.status_category {
            map.insert("statusCategory".to_owned(), c.to_value());
        }
        Value::Object(map)
    }
}

/// A parent: its key and its issue type.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Parent<'a> {
    #[serde(borrow)]
    key: Scalar<'a>,
    #[serde(borrow)]
    fields: Option<ParentFields<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ParentFields<'a> {
    #[serde(borrow)]
    issuetype: Option<Named<'a>>,
}

impl Parent<'_> {
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        put(&mut map, "key", &self.key);
        if let Some(f) = &self.fields {
            let mut fields = Map::new();
            if let Some(t) = &f.issuetype {
                fields.insert("issuetype".to_owned(), t.to_value());
            }
            map.insert("fields".to_owned(), Value::Object(fields));
        }
        Value::Object(map)
    }
}

/// An issue's `fields`: typed members ingest reads, and every other member
/// it may read by id (custom fields) as a pruned value.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    created: Scalar<'a>,
    updated: Scalar<'a>,
    resolutiondate: Scalar<'a>,
    duedate: Scalar<'a>,
    summary: Scalar<'a>,
    status: Option<Named<'a>>,
    priority: Option<Named<'a>>,
    issuetype: Option<Named<'a>>,
    project: Option<Named<'a>>,
    assignee: Option<Named<'a>>,
    epic: Option<Named<'a>>,
    parent: Option<Parent<'a>>,
    labels: Option<Vec<Scalar<'a>>>,
    /// Members read as values: links, the agile API's sprint fields, custom fields.
    other: Other<'a>,
}

/// The members of `fields` read as values, in input order, kept as their
/// JSON text until read: most are never read (ranks, unrelated custom
/// fields), and the sprint field is read typed. A list, not a map: an issue
/// has a handful, and their names are borrowed from the input.
#[derive(Debug, Default)]
pub(crate) struct Other<'a>(Vec<Member<'a>>);

#[derive(Debug)]
struct Member<'a> {
    name: Cow<'a, str>,
    raw: &'a RawValue,
    value: OnceCell<Option<Value>>,
}

impl Member<'_> {
    /// The member as the pruned reader reads it; `None` only if its text,
    /// already checked as JSON, could not be read again.
    fn value(&self) -> Option<&Value> {
        self.value
            .get_or_init(|| {
                let mut de = serde_json::Deserializer::from_str(self.raw.get());
                pruned::seed().deserialize(&mut de).ok()
            })
            .as_ref()
    }
}

impl<'a> Other<'a> {
    fn member(&self, key: &str) -> Option<&Member<'a>> {
        self.0.iter().rev().find(|m| m.name == key)
    }

    /// The member named `key` (the last one, as a JSON object keeps it).
    fn get(&self, key: &str) -> Option<&Value> {
        self.member(key).and_then(Member::value)
    }

    /// The text of the member named `key`.
    fn raw(&self, key: &str) -> Option<&'a str> {
        self.member(key).map(|m| m.raw.get())
    }

    /// As a JSON object: sorted by name, the last of equal names kept.
    fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for m in &self.0 {
            if let Some(v) = m.value() {
                map.insert(m.name.to_string(), v.clone());
            }
        }
        map
    }
}

/// Members of `fields` that ingest reads in typed form.
const TYPED: [&str; 13] = [
    "created",
    "updated",
    "resolutiondate",
    "duedate",
    "summary",
    "status",
    "priority",
    "issuetype",
    "project",
    "assignee",
    "epic",
    "parent",
    "labels",
];

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an issue's fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Fields::default();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    match key.as_ref() {
                        "created" => out.created = map.next_value()?,
                        "updated" => out.updated = map.next_value()?,
                        "resolutiondate" => out.resolutiondate = map.next_value()?,
                        "duedate" => out.duedate = map.next_value()?,
                        "summary" => out.summary = map.next_value()?,
                        "status" => out.status = map.next_value()?,
                        "priority" => out.priority = map.next_value()?,
                        "issuetype" => out.issuetype = map.next_value()?,
                        "project" => out.project = map.next_value()?,
                        "assignee" => out.assignee = map.next_value()?,
                        "epic" => out.epic = map.next_value()?,
                        "parent" => out.parent = map.next_value()?,
                        "labels" => out.labels = map.next_value()?,
                        k if pruned::skipped_in_lean_issue(k) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            let raw: &'de RawValue = map.next_value()?;
                            // Every reader treats a null member as a missing one.
                            if raw.get() != "null" {
                                out.other.0.push(Member { name: key, raw, value: OnceCell::new() });
                            }
                        }
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

impl Fields<'_> {
    /// The `fields` value the general reader would have seen, minus members
    /// it never reads.
    fn to_value(&self) -> Value {
        let mut map = self.other.to_map();
        put(&mut map, "created", &self.created);
        put(&mut map, "updated", &self.updated);
        put(&mut map, "resolutiondate", &self.resolutiondate);
        put(&mut map, "duedate", &self.duedate);
        put(&mut map, "summary", &self.summary);
        for (name, value) in [
            ("status", &self.status),
            ("priority", &self.priority),
            ("issuetype", &self.issuetype),
            ("project", &self.project),
            ("assignee", &self.assignee),
            ("epic", &self.epic),
        ] {
            if let Some(v) = value {
                map.insert(name.to_owned(), v.to_value());
            }
        }
        if let Some(p) = &self.parent {
            map.insert("parent".to_owned(), p.to_value());
        }
        if let Some(labels) = &self.labels {
            let list = labels.iter().filter_map(Scalar::to_value).collect();
            map.insert("labels".to_owned(), Value::Array(list));
        }
        Value::Object(map)
    }
}

/// One issue of a search page.
#[derive(Debug, Deserialize)]
pub(crate) struct RawIssue<'a> {
    #[serde(default, borrow)]
    key: Scalar<'a>,
    #[serde(default, borrow)]
    id: Scalar<'a>,
    #[serde(default, borrow)]
    fields: Option<Fields<'a>>,
    #[serde(default, borrow)]
    changelog: Option<RawChangelog<'a>>,
    /// A webhook body's issue; its presence sends the page to the general reader.
    #[serde(default)]
    issue: Option<IgnoredAny>,
}

/// One issue read, as [`super::input`] collects them.
pub(crate) type Parsed = Result<(Issue, Extras, Vec<Diagnostic>), Diagnostic>;

impl RawIssue<'_> {
    /// True when the page must go to the general reader instead.
    pub(crate) fn needs_general_reader(&self) -> bool {
        self.issue.is_some()
    }

    fn to_value(&self) -> Value {
        let mut map = Map::new();
        put(&mut map, "key", &self.key);
        put(&mut map, "id", &self.id);
        if let Some(f) = &self.fields {
            map.insert("fields".to_owned(), f.to_value());
        }
        Value::Object(map)
    }
}

/// Reads one issue: the typed way when it is clean, else through the general
/// reader on the equivalent JSON value.
pub(crate) fn parse(
    raw: &RawIssue<'_>,
    options: &IngestOptions,
    roles: &mut Roles,
    sprint_names: &BTreeMap<String, SprintId>,
) -> Parsed {
    if let Some(parsed) = clean(raw, options, roles, sprint_names) {
        return Ok(parsed);
    }
    parse_issue_with(&raw.to_value(), raw.changelog.as_ref(), options, roles, sprint_names)
}

/// The typed reading of a clean issue; `None` as soon as the issue needs a
/// diagnostic or a default, which the general reader gives.
fn clean(
    raw: &RawIssue<'_>,
    options: &IngestOptions,
    roles: &mut Roles,
    sprint_names: &BTreeMap<String, SprintId>,
) -> Option<(Issue, Extras, Vec<Diagnostic>)> {
    let key = raw.key.as_str().filter(|k| !k.is_empty()).map(IssueKey::from)?;
    let fields = raw.fields.as_ref()?;
    let id = match &raw.id {
        Scalar::Str(s) => IssueId(s.to_string()),
        Scalar::Int(n) => IssueId(n.to_string()),
        Scalar::UInt(n) => IssueId(n.to_string()),
        _ => return None,
    };
    let created_fixed = fields.created.as_str().and_then(parse_timestamp)?;
    let updated = match &fields.updated {
        Scalar::Str(s) => parse_timestamp(s)?.with_timezone(&Utc),
        _ => return None,
    };
    let resolved = match &fields.resolutiondate {
        Scalar::Str(s) => parse_timestamp(s).map(|r| r.with_timezone(&Utc)),
        Scalar::Absent | Scalar::Null => None,
        _ => return None,
    };
    let due = match &fields.duedate {
        Scalar::Str(s) => Some(parse_date(s)?),
        _ => None,
    };
    let status = fields.status.as_ref()?;
    let status_name = status.name.as_str()?;
    let sent_category = status
        .status_category
        .as_ref()
        .and_then(|c| c.key.as_str())
        .and_then(StatusCategory::from_jira);
    let category = options.statuses.get(status_name).copied().or(sent_category)?;
    let priority_name = fields.priority.as_ref().and_then(|p| p.name.as_str());
    let priority = match priority_name {
        Some(name) => {
            options.priorities.get(name).copied().or_else(|| Priority::from_jira_name(name))?
        }
        None => Priority::P2,
    };
    // Fields found by id must all be custom fields, which `other` holds.
    let by_id = |ids: &[String]| ids.iter().all(|id| !TYPED.contains(&id.as_str()));
    if !(by_id(&roles.points) && by_id(&roles.epic_link) && by_id(&roles.flagged)) {
        return None;
    }
    if !by_id(&roles.sprint) {
        return None;
    }

    let mut diags = Vec::new();
    let k = Some(&key);
    let mut histories: Vec<History<'_>> = Vec::new();
    if let Some(typed) = &raw.changelog {
        histories.extend(typed.read(roles, k, &mut diags));
        diags.extend(truncated_changelog(&key, typed.len(), typed.total));
    }
    // Roles learned from this issue's changelog may name fields differently.
    if !(by_id(&roles.points) && by_id(&roles.sprint)) {
        return None;
    }
    let other = &fields.other;
    let points = match roles.points.iter().find_map(|id| other.get(id).filter(|v| !v.is_null())) {
        Some(v) => Some(StoryPoints(number(v)?)),
        None => None,
    };

    let mut extras =
        Extras { offset_secs: Some(created_fixed.offset().local_minus_utc()), ..Extras::default() };
    if let Some(category) = sent_category {
        extras.statuses.push((status_name.to_owned(), category));
    }
    let created: DateTime<Utc> = created_fixed.with_timezone(&Utc);

    let labels = fields
        .labels
        .as_ref()
        .map(|l| l.iter().filter_map(Scalar::as_str).map(str::to_owned).collect())
        .unwrap_or_default();

    let mut epic = fields.epic.as_ref().and_then(|e| e.key.as_str()).map(IssueKey::from);
    if epic.is_none() {
        epic = roles
            .epic_link
            .iter()
            .find_map(|id| other.get(id).and_then(Value::as_str))
            .map(IssueKey::from);
    }
    let mut parent = None;
    if let Some(p) = &fields.parent {
        if let Some(pkey) = p.key.as_str() {
            let ptype = p.fields.as_ref().and_then(|f| f.issuetype.as_ref());
            let level_one = ptype.is_some_and(|t| match t.hierarchy_level {
                Scalar::Int(n) => n == 1,
                Scalar::UInt(n) => n == 1,
                _ => false,
            });
            parent =
                epic_or_parent(pkey, ptype.and_then(|t| t.name.as_str()), level_one, &mut epic);
        }
    }

    // The sprint field's entries (read typed where they have the usual
    // shape), then the sprints of other members, in that order.
    let mut field_sprints: Vec<Sprint> = Vec::new();
    let mut sprint_values: Vec<&Value> = Vec::new();
    let mut found_field = false;
    for id in &roles.sprint {
        if let Some(typed) = other.raw(id).and_then(sprint::field_sprints) {
            for sprint in typed {
                field_sprints.push(sprint?);
            }
            found_field = true;
        } else if let Some(Value::Array(list)) = other.get(id) {
            for value in list {
                field_sprints.push(sprint_from_value(value)?);
            }
            found_field = true;
        }
    }
    if !found_field && !roles.sprint_known {
        // In name order, as the general reader meets them in a JSON object.
        let mut ids: Vec<&str> = other.0.iter().map(|m| m.name.as_ref()).collect();
        crate::sort::stable(&mut ids);
        ids.dedup();
        for id in ids.into_iter().filter(|id| id.starts_with("customfield_")) {
            if let Some(value) = other.get(id).filter(|v| looks_like_sprint_field(v)) {
                sprint_values.extend(value.as_array().into_iter().flatten());
                break;
            }
        }
    }
    if let Some(current) = other.get("sprint").filter(|s| s.is_object()) {
        sprint_values.push(current);
    }
    sprint_values
        .extend(other.get("closedSprints").and_then(Value::as_array).into_iter().flatten());
    let mut sprints: Vec<SprintId> = Vec::new();
    let from_values = sprint_values.into_iter().map(sprint_from_value);
    for sprint in field_sprints.into_iter().map(Some).chain(from_values) {
        let sprint = sprint?;
        if !sprints.contains(&sprint.id) {
            sprints.push(sprint.id);
        }
        extras.sprints.push(sprint);
    }

    let links = links_of(other.get("issuelinks"));
    let flagged = is_flagged(|id| other.get(id), roles);

    let issue_type =
        fields.issuetype.as_ref().and_then(|t| t.name.as_str()).unwrap_or("Unknown").to_owned();
    let project = fields
        .project
        .as_ref()
        .and_then(|p| p.key.as_str())
        .unwrap_or_else(|| key.project())
        .to_owned();
    let assignee = fields
        .assignee
        .as_ref()
        .and_then(|a| match &a.display_name {
            Scalar::Absent => a.name.as_str(),
            shown => shown.as_str(),
        })
        .map(str::to_owned);
    let summary = fields.summary.as_str().unwrap_or_default().to_owned();

    let mut issue = Issue {
        id,
        key,
        summary,
        issue_type,
        project,
        status: status_name.to_owned(),
        category,
        priority,
        priority_name: priority_name.map(str::to_owned),
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
    // Sprint changes naming sprints by name need the ids this issue's field gives.
    let names = changelog::SprintNames { known: sprint_names, issue: &extras.sprints };
    changelog::apply(&mut issue, histories, roles, names, &mut diags);
    issue.team = team_of(&issue, &extras.sprints, options);
    Some((issue, extras, diags))
}
