//! Changelog histories → the issue's status, sprint, estimate and flag
//! histories.
//!
//! JIRA hands out changelogs in several shapes: embedded in an issue
//! (`changelog.histories`, newest first and capped at 40 or 100 entries), as
//! pages of `GET /issue/{key}/changelog` (`values`, oldest first), from
//! `POST /changelog/bulkfetch` (`issueChangeLogs[].changeHistories`), and one
//! history per webhook (`changelog.items`, dated by the webhook's
//! `timestamp`). All of them are read here, sorted by time and merged into
//! what the issue already holds without duplicates.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::fields::Roles;
use super::time::parse_timestamp_value;
use super::typed::{Scalar, Text};
use super::Diagnostic;
use crate::model::{
    EstimateChange, FlagPeriod, Issue, IssueKey, LinkChange, LinkKind, Sprint, SprintChange,
    SprintId, StatusChange, StoryPoints,
};

/// One changelog entry with the items ingest cares about.
#[derive(Debug)]
pub(crate) struct History<'a> {
    id: u64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) offset_secs: i32,
    items: Items<'a>,
}

/// A history's items: read from a JSON value, or still as the typed
/// reader left them (no list of their own per history).
#[derive(Debug)]
enum Items<'a> {
    Read(Vec<Item<'a>>),
    Raw(&'a [RawItem<'a>]),
}

impl<'a> Items<'a> {
    /// The items that name a field, in order.
    fn iter(&self) -> impl Iterator<Item = Item<'a>> + '_ {
        let (read, raw) = match self {
            Items::Read(items) => (items.as_slice(), &[][..]),
            Items::Raw(items) => (&[][..], *items),
        };
        read.iter().copied().chain(raw.iter().filter_map(RawItem::item))
    }
}

#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    field: &'a str,
    field_id: Option<&'a str>,
    from: Option<&'a str>,
    from_string: Option<&'a str>,
    to: Option<&'a str>,
    to_string: Option<&'a str>,
}

fn opt_str(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// Reads one history object (`{id, created, items}`); `fallback_at` dates
/// webhook changelogs, which carry no `created`.
pub(crate) fn parse_history<'a>(
    value: &'a Value,
    fallback_at: Option<&Value>,
    roles: &mut Roles,
    issue: Option<&crate::model::IssueKey>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<History<'a>> {
    let created = value.get("created").or(fallback_at);
    let Some(at) = created.and_then(parse_timestamp_value) else {
        diagnostics.push(Diagnostic::field(
            issue,
            "changelog",
            "history has no readable `created` date; skipped",
        ));
        return None;
    };
    let id = match value.get("id") {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    };
    let items = value
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let field = item.get("field").and_then(Value::as_str)?;
                    let field_id = opt_str(item.get("fieldId"));
                    roles.learn_from_item(field, field_id);
                    Some(Item {
                        field,
                        field_id,
                        from: opt_str(item.get("from")),
                        from_string: opt_str(item.get("fromString")),
                        to: opt_str(item.get("to")),
                        to_string: opt_str(item.get("toString")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(History {
        id,
        at: at.with_timezone(&Utc),
        offset_secs: at.offset().local_minus_utc(),
        items: Items::Read(items),
    })
}

/// Finds the histories in any of JIRA's changelog shapes. `issue_id` filters
/// bulkfetch results to one issue.
pub(crate) fn history_values<'a>(value: &'a Value, issue_id: Option<&str>) -> Vec<&'a Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            if let Some(list) =
                map.get("histories").or_else(|| map.get("values")).and_then(Value::as_array)
            {
                return list.iter().collect();
            }
            if let Some(logs) = map.get("issueChangeLogs").and_then(Value::as_array) {
                return logs
                    .iter()
                    .filter(|log| match (issue_id, log.get("issueId")) {
                        (Some(want), Some(Value::String(got))) => want == got,
                        (Some(want), Some(Value::Number(got))) => want == got.to_string(),
                        (Some(_), _) => false,
                        (None, _) => true,
                    })
                    .filter_map(|log| log.get("changeHistories").and_then(Value::as_array))
                    .flatten()
                    .collect();
            }
            if map.contains_key("items") {
                return vec![value];
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn parse_points(raw: Option<&str>) -> Option<StoryPoints> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse::<f64>().ok().filter(|p| p.is_finite()).map(StoryPoints)
}

/// Sprint names a changelog may use instead of ids: the sprints known from
/// the agile API, then those the issue's own sprint field names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SprintNames<'a> {
    pub(crate) known: &'a BTreeMap<String, SprintId>,
    pub(crate) issue: &'a [Sprint],
}

impl SprintNames<'_> {
    fn get(&self, name: &str) -> Option<SprintId> {
        self.known
            .get(name)
            .copied()
            .or_else(|| self.issue.iter().find(|s| s.name == name).map(|s| s.id))
    }
}

fn sprint_ids(
    ids: Option<&str>,
    names: Option<&str>,
    sprint_names: SprintNames<'_>,
    issue: &Issue,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<SprintId> {
    if let Some(ids) = ids.filter(|s| !s.trim().is_empty()) {
        let parsed: Vec<SprintId> =
            ids.split(',').filter_map(|s| s.trim().parse().ok()).map(SprintId).collect();
        if !parsed.is_empty() {
            return parsed;
        }
    }
    // Webhooks and some Server versions give sprint names only.
    let Some(names) = names.filter(|s| !s.trim().is_empty()) else { return Vec::new() };
    let mut out = Vec::new();
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match sprint_names.get(name) {
            Some(id) => out.push(id),
            None => diagnostics.push(Diagnostic::field(
                Some(&issue.key),
                "Sprint",
                format!("sprint change names sprint `{name}` whose id is unknown; change ignored"),
            )),
        }
    }
    out
}

/// Merges `histories` into the issue's histories: sorted by time, exact
/// duplicates (a history seen both embedded and paged) dropped, and the
/// creation entry of the status history rebuilt from the earliest change.
pub(crate) fn apply(
    issue: &mut Issue,
    mut histories: Vec<History<'_>>,
    roles: &Roles,
    sprint_names: SprintNames<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    crate::sort::stable_by_key(&mut histories, |h| (h.at, h.id));
    let mut status = Vec::new();
    let mut sprint = Vec::new();
    let mut estimate = Vec::new();
    let mut flags: Vec<(DateTime<Utc>, bool)> = Vec::new();
    let mut links = Vec::new();
    for history in &histories {
        for item in history.items.iter() {
            if item.field.eq_ignore_ascii_case("status") {
                let Some(to) = item.to_string else {
                    diagnostics.push(Diagnostic::field(
                        Some(&issue.key),
                        "status",
                        "status change without a target status; ignored",
                    ));
                    continue;
                };
                status.push(StatusChange {
                    at: history.at,
                    from: item.from_string.map(str::to_owned),
                    to: to.to_owned(),
                });
            } else if roles.is_sprint_item(item.field, item.field_id) {
                let from =
                    sprint_ids(item.from, item.from_string, sprint_names, issue, diagnostics);
                let to = sprint_ids(item.to, item.to_string, sprint_names, issue, diagnostics);
                sprint.push(SprintChange { at: history.at, from, to });
            } else if roles.is_points_item(item.field, item.field_id) {
                estimate.push(EstimateChange {
                    at: history.at,
                    from: parse_points(item.from_string.or(item.from)),
                    to: parse_points(item.to_string.or(item.to)),
                });
            } else if roles.is_flagged_item(item.field, item.field_id) {
                let raised = item.to_string.is_some_and(|s| !s.trim().is_empty());
                flags.push((history.at, raised));
            } else if item.field.eq_ignore_ascii_case("link") {
                let added = link_change(history.at, item.to, item.to_string, true);
                let removed = link_change(history.at, item.from, item.from_string, false);
                links.extend(added.into_iter().chain(removed));
            }
        }
    }
    merge_status(issue, status);
    merge_sorted(&mut issue.sprint_history, sprint, |c| c.at);
    merge_sorted(&mut issue.estimate_history, estimate, |c| c.at);
    merge_sorted(&mut issue.link_history, links, |c| c.at);
    if !flags.is_empty() {
        for period in &issue.flag_periods {
            flags.push((period.start, true));
            if let Some(end) = period.end {
                flags.push((end, false));
            }
        }
        crate::sort::stable(&mut flags);
        flags.dedup();
        issue.flag_periods = flag_periods(&flags);
    }
}

/// One side of a `Link` item: the key (`to`/`from`, else the text's last
/// word) and the link's description from JIRA's text, "This issue is blocked
/// by ABC-12".
fn link_change(
    at: DateTime<Utc>,
    key: Option<&str>,
    text: Option<&str>,
    added: bool,
) -> Option<LinkChange> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    let (description, last) = text.rsplit_once(' ').unwrap_or(("", text));
    let other = key.map(str::trim).filter(|k| !k.is_empty()).unwrap_or(last);
    let description = description.trim();
    let description = description
        .strip_prefix("This issue ")
        .or_else(|| description.strip_prefix("this issue "))
        .unwrap_or(description);
    let kind = if description.eq_ignore_ascii_case("is blocked by") {
        LinkKind::IsBlockedBy
    } else if description.eq_ignore_ascii_case("blocks") {
        LinkKind::Blocks
    } else {
        LinkKind::Other(description.to_owned())
    };
    Some(LinkChange { at, kind, other: IssueKey::from(other), added })
}

fn merge_sorted<T: PartialEq>(
    existing: &mut Vec<T>,
    new: Vec<T>,
    at: impl Fn(&T) -> DateTime<Utc>,
) {
    if new.is_empty() {
        return;
    }
    existing.extend(new);
    crate::sort::stable_by_key(existing, |c| at(c));
    dedup_same_instant(existing, at);
}

/// Drops exact duplicates among entries of the same instant (the list is sorted by time).
fn dedup_same_instant<T: PartialEq>(list: &mut Vec<T>, at: impl Fn(&T) -> DateTime<Utc>) {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for item in list.drain(..) {
        let t = at(&item);
        let duplicate = out.iter().rev().take_while(|o| at(o) == t).any(|o| *o == item);
        if !duplicate {
            out.push(item);
        }
    }
    *list = out;
}

fn merge_status(issue: &mut Issue, new: Vec<StatusChange>) {
    let mut changes: Vec<StatusChange> = std::mem::take(&mut issue.status_history)
        .into_iter()
        .filter(|c| c.from.is_some())
        .collect();
    merge_sorted(&mut changes, new, |c| c.at);
    let initial = changes
        .first()
        .map(|c| c.from.clone().unwrap_or_else(|| c.to.clone()))
        .unwrap_or_else(|| issue.status.clone());
    let mut history = Vec::with_capacity(changes.len() + 1);
    history.push(StatusChange { at: issue.created, from: None, to: initial });
    history.extend(changes);
    issue.status_history = history;
}

fn flag_periods(events: &[(DateTime<Utc>, bool)]) -> Vec<FlagPeriod> {
    let mut periods: Vec<FlagPeriod> = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for &(at, raised) in events {
        match (raised, open) {
            (true, None) => open = Some(at),
            (false, Some(start)) => {
                periods.push(FlagPeriod { start, end: Some(at) });
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        periods.push(FlagPeriod { start, end: None });
    }
    periods
}

/// Folds the histories of an older copy of the same issue (an overlapping
/// page) into the newer one.
pub(crate) fn absorb(into: &mut Issue, older: Issue) {
    merge_status(into, older.status_history.into_iter().filter(|c| c.from.is_some()).collect());
    merge_sorted(&mut into.sprint_history, older.sprint_history, |c| c.at);
    merge_sorted(&mut into.estimate_history, older.estimate_history, |c| c.at);
    merge_sorted(&mut into.link_history, older.link_history, |c| c.at);
    if !older.flag_periods.is_empty() {
        let mut flags: Vec<(DateTime<Utc>, bool)> = Vec::new();
        for period in into.flag_periods.iter().chain(&older.flag_periods) {
            flags.push((period.start, true));
            if let Some(end) = period.end {
                flags.push((end, false));
            }
        }
        crate::sort::stable(&mut flags);
        flags.dedup();
        into.flag_periods = flag_periods(&flags);
    }
}

/// An embedded changelog read straight into typed form (the streamed search
/// page path), without building JSON values for every history and item:
/// the items of all histories sit in one list, each history holding its range.
#[derive(Debug, Default)]
pub(crate) struct RawChangelog<'a> {
    histories: Vec<RawHistory<'a>>,
    items: Vec<RawItem<'a>>,
    pub(crate) total: Option<u64>,
}

#[derive(Debug, Default)]
struct RawHistory<'a> {
    id: Scalar<'a>,
    created: Scalar<'a>,
    items: std::ops::Range<usize>,
}

#[derive(Debug, Deserialize)]
struct RawItem<'a> {
    #[serde(borrow)]
    field: Option<Text<'a>>,
    #[serde(rename = "fieldId", borrow)]
    field_id: Option<Text<'a>>,
    #[serde(borrow)]
    from: Option<Text<'a>>,
    #[serde(rename = "fromString", borrow)]
    from_string: Option<Text<'a>>,
    #[serde(borrow)]
    to: Option<Text<'a>>,
    #[serde(rename = "toString", borrow)]
    to_string: Option<Text<'a>>,
}

impl<'a> RawItem<'a> {
    /// The item, when it names its field.
    fn item(&self) -> Option<Item<'_>> {
        Some(Item {
            field: self.field.as_deref()?,
            field_id: self.field_id.as_deref(),
            from: self.from.as_deref(),
            from_string: self.from_string.as_deref(),
            to: self.to.as_deref(),
            to_string: self.to_string.as_deref(),
        })
    }
}

impl<'a> RawChangelog<'a> {
    /// How many histories the changelog holds.
    pub(crate) fn len(&self) -> usize {
        self.histories.len()
    }

    /// Every history with a readable date, learning field roles from the
    /// items as [`parse_history`] does.
    pub(crate) fn read(
        &self,
        roles: &mut Roles,
        issue: Option<&crate::model::IssueKey>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<History<'_>> {
        let mut out = Vec::with_capacity(self.histories.len());
        for raw in &self.histories {
            let items = self.items.get(raw.items.clone()).unwrap_or_default();
            out.extend(history_from_raw(raw, items, roles, issue, diagnostics));
        }
        out
    }
}

/// Reads `{histories: [{id, created, items: [...]}], total}` into a
/// [`RawChangelog`]. Members of the wrong type, and repeated members, fail
/// the read (the page then goes to the general reader), as they did when
/// this was derived.
mod raw_de {
    use std::fmt;

    use serde::de::{
        self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use serde::Deserialize;

    use super::{RawChangelog, RawHistory, RawItem};
    use crate::ingest::typed::{Scalar, Text};

    impl<'de: 'a, 'a> Deserialize<'de> for RawChangelog<'a> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = RawChangelog<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a changelog")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut out = RawChangelog::default();
                    let (mut histories, mut total) = (false, false);
                    while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                        match key.as_ref() {
                            "histories" => {
                                if std::mem::replace(&mut histories, true) {
                                    return Err(de::Error::duplicate_field("histories"));
                                }
                                map.next_value_seed(Histories(&mut out))?;
                            }
                            "total" => {
                                if std::mem::replace(&mut total, true) {
                                    return Err(de::Error::duplicate_field("total"));
                                }
                                out.total = map.next_value()?;
                            }
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(out)
                }
            }
            deserializer.deserialize_map(V)
        }
    }

    struct Histories<'o, 'a>(&'o mut RawChangelog<'a>);

    impl<'de: 'a, 'a> DeserializeSeed<'de> for Histories<'_, 'a> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_seq(self)
        }
    }

    impl<'de: 'a, 'a> Visitor<'de> for Histories<'_, 'a> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of histories")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(history) = seq.next_element_seed(History(&mut *self.0))? {
                self.0.histories.push(history);
            }
            Ok(())
        }
    }

    struct History<'o, 'a>(&'o mut RawChangelog<'a>);

    impl<'de: 'a, 'a> DeserializeSeed<'de> for History<'_, 'a> {
        type Value = RawHistory<'a>;
        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_map(self)
        }
    }

    impl<'de: 'a, 'a> Visitor<'de> for History<'_, 'a> {
        type Value = RawHistory<'a>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a history")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let start = self.0.items.len();
            let mut out = RawHistory { items: start..start, ..RawHistory::default() };
            let (mut id, mut created, mut items) = (false, false, false);
            while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                match key.as_ref() {
                    "id" => {
                        if std::mem::replace(&mut id, true) {
                            return Err(de::Error::duplicate_field("id"));
                        }
                        out.id = map.next_value::<Scalar<'de>>()?;
                    }
                    "created" => {
                        if std::mem::replace(&mut created, true) {
                            return Err(de::Error::duplicate_field("created"));
                        }
                        out.created = map.next_value::<Scalar<'de>>()?;
                    }
                    "items" => {
                        if std::mem::replace(&mut items, true) {
                            return Err(de::Error::duplicate_field("items"));
                        }
                        map.next_value_seed(Items(&mut *self.0))?;
                        out.items = start..self.0.items.len();
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(out)
        }
    }

    struct Items<'o, 'a>(&'o mut RawChangelog<'a>);

    impl<'de: 'a, 'a> DeserializeSeed<'de> for Items<'_, 'a> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_seq(self)
        }
    }

    impl<'de: 'a, 'a> Visitor<'de> for Items<'_, 'a> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of changelog items")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<RawItem<'de>>()? {
                self.0.items.push(item);
            }
            Ok(())
        }
    }
}

/// The typed twin of [`parse_history`].
fn history_from_raw<'a>(
    raw: &RawHistory<'_>,
    items: &'a [RawItem<'a>],
    roles: &mut Roles,
    issue: Option<&crate::model::IssueKey>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<History<'a>> {
    let at = match &raw.created {
        Scalar::Str(s) => super::time::parse_timestamp(s),
        other => other.to_value().and_then(|v| parse_timestamp_value(&v)),
    };
    let Some(at) = at else {
        diagnostics.push(Diagnostic::field(
            issue,
            "changelog",
            "history has no readable `created` date; skipped",
        ));
        return None;
    };
    let id = match &raw.id {
        Scalar::Str(s) => s.parse().unwrap_or(0),
        Scalar::Int(n) => u64::try_from(*n).unwrap_or(0),
        Scalar::UInt(n) => *n,
        _ => 0,
    };
    for item in items.iter().filter_map(RawItem::item) {
        roles.learn_from_item(item.field, item.field_id);
    }
    Some(History {
        id,
        at: at.with_timezone(&Utc),
        offset_secs: at.offset().local_minus_utc(),
        items: Items::Raw(items),
    })
}
