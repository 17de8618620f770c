//! Whole inputs: a file or stored payload holding one JSON document, a list
//! of documents, or JSON lines, each document being any JIRA payload ingest
//! knows. Documents are classified by shape, then read in dependency order:
//! field lists and status lists first (they tell how to read issues), sprints
//! next (webhooks name sprints, not ids), issues, then separate changelogs.

use std::collections::BTreeMap;

use serde_json::Value;

use super::changelog;
use super::fields::{fields_from_value, FieldCatalog, Roles};
use super::issue::{parse_issue, Extras};
use super::pruned;
use super::sprint::{sprint_from_value, sprint_report_from_value};
use super::stream;
use super::{Diagnostic, Error, IngestOptions};
use crate::hash::{FnvMap, FnvSet};
use crate::model::{Dataset, Issue, Sprint, SprintId, SprintReport, StatusCategory, Team, TeamId};

/// Everything an input yields.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    /// The normalised data.
    pub dataset: Dataset,
    /// Jira's own sprint reports found in the input (velocity prefers them).
    pub sprint_reports: Vec<SprintReport>,
    /// The most common UTC offset (seconds) JIRA wrote timestamps in: the
    /// site's or the exporting user's time zone. Day-level metrics cut days in
    /// this offset, as JIRA's own reports and jira-agile-metrics do.
    pub utc_offset_secs: i32,
    /// Everything ingest noticed.
    pub diagnostics: Vec<Diagnostic>,
}

/// One issue read: the issue, what else it named, and its diagnostics; or
/// why it was skipped.
pub(crate) type ParsedIssue = Result<(Issue, Extras, Vec<Diagnostic>), Diagnostic>;

/// An issue read, with its diagnostics; or why it was skipped.
pub(crate) type ReadIssue = Result<(Issue, Vec<Diagnostic>), Diagnostic>;

/// Issues read one after another, in input order, with what their
/// [`Extras`] add up to. The streamed page is read in stretches on several
/// threads, each adding up its own issues, so the one thread that joins them
/// only moves issues.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Chunk {
    pub(crate) issues: Vec<ReadIssue>,
    pub(crate) tally: Tally,
}

impl Chunk {
    pub(crate) fn push(&mut self, parsed: ParsedIssue) {
        self.issues.push(parsed.map(|(issue, extras, diags)| {
            self.tally.add(extras);
            self.tally.history(&issue);
            (issue, diags)
        }));
    }
}

/// Issues joined in input order: duplicates (the same key read twice)
/// merged, the newer copy kept, with what they add up to and their
/// diagnostics. The streamed page is joined stretch by stretch while later
/// stretches are still being read.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Joined {
    pub(crate) issues: Vec<Issue>,
    keys: KeyIndex,
    pub(crate) tally: Tally,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Position by issue id (the id an issue was first seen with), kept
    /// when separate changelogs may name issues by id.
    ids: FnvMap<String, usize>,
    by_id: bool,
}

impl Joined {
    pub(crate) fn new(by_id: bool) -> Joined {
        Joined { by_id, ..Joined::default() }
    }

    pub(crate) fn add(&mut self, chunk: Chunk) {
        self.tally.merge(chunk.tally);
        let issues = &mut self.issues;
        for parsed in chunk.issues {
            let (issue, diags) = match parsed {
                Ok(read) => read,
                Err(diag) => {
                    self.diagnostics.push(diag);
                    continue;
                }
            };
            self.diagnostics.extend(diags);
            match self.keys.get(issues, issue.key.as_str()) {
                Some(i) => {
                    let kept = &mut issues[i];
                    let (newer, older) = if issue.updated >= kept.updated {
                        (issue, std::mem::replace(kept, placeholder()))
                    } else {
                        (std::mem::replace(kept, placeholder()), issue)
                    };
                    *kept = newer;
                    changelog::absorb(kept, older);
                }
                None => {
                    self.keys.insert(issue.key.as_str(), issues.len());
                    if self.by_id {
                        self.ids.insert(issue.id.0.clone(), issues.len());
                    }
                    issues.push(issue);
                }
            }
        }
    }
}

/// What issues' [`Extras`] add up to: the sprints their fields name, merged
/// by [`merge_sprint`]; how often each status was reported in each category;
/// how often each UTC offset was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tally {
    sprints: BTreeMap<SprintId, Sprint>,
    /// Status name → reports as To Do, In Progress, Done.
    categories: FnvMap<String, [u32; 3]>,
    offsets: FnvMap<i32, u32>,
    /// Every status name the issues' status histories use.
    history_statuses: FnvSet<String>,
}

const CATEGORIES: [StatusCategory; 3] =
    [StatusCategory::ToDo, StatusCategory::InProgress, StatusCategory::Done];

impl Tally {
    fn add(&mut self, extras: Extras) {
        for (name, category) in extras.statuses {
            let at = CATEGORIES.iter().position(|c| *c == category).unwrap_or(0);
            match self.categories.get_mut(name.as_str()) {
                Some(counts) => counts[at] += 1,
                None => {
                    let mut counts = [0; 3];
                    counts[at] = 1;
                    self.categories.insert(name, counts);
                }
            }
        }
        if let Some(offset) = extras.offset_secs {
            *self.offsets.entry(offset).or_default() += 1;
        }
        for sprint in extras.sprints {
            merge_sprint(&mut self.sprints, sprint);
        }
    }

    fn history(&mut self, issue: &Issue) {
        // A change's `from` is nearly always the previous change's `to`.
        let mut last: Option<&str> = None;
        for change in &issue.status_history {
            for name in change.from.iter().chain(std::iter::once(&change.to)) {
                if last != Some(name.as_str()) && !self.history_statuses.contains(name.as_str()) {
                    self.history_statuses.insert(name.clone());
                }
                last = Some(name);
            }
        }
    }

    /// Adds the tally of issues that come after these. Merging sprints keeps
    /// the first of the richest copies, so adding up stretches and then
    /// joining them in order gives what adding up every issue in order gives.
    pub(crate) fn merge(&mut self, later: Tally) {
        for (name, counts) in later.categories {
            let mine = self.categories.entry(name).or_default();
            for (m, c) in mine.iter_mut().zip(counts) {
                *m += c;
            }
        }
        self.history_statuses.extend(later.history_statuses);
        for (offset, count) in later.offsets {
            *self.offsets.entry(offset).or_default() += count;
        }
        for sprint in later.sprints.into_values() {
            merge_sprint(&mut self.sprints, sprint);
        }
    }
}

#[derive(Default)]
struct Sorted<'a> {
    catalogs: Vec<&'a Value>,
    statuses: Vec<&'a Value>,
    sprints: Vec<&'a Value>,
    reports: Vec<&'a Value>,
    /// Issues as JSON, with their page's `names` when it has one.
    issues: Vec<(&'a Value, Option<&'a Value>)>,
    changelogs: Vec<(&'a Value, Option<String>)>,
    unknown: usize,
}

/// Reads an input into a dataset; see [`ingest_str`] for the shapes accepted.
///
/// # Errors
/// [`Error::NotJson`] when the input is neither JSON nor JSON lines,
/// [`Error::Shape`] when it holds nothing ingest recognises.
pub fn dataset_from_str(
    input: &str,
    options: &IngestOptions,
) -> Result<(Dataset, Vec<Diagnostic>), Error> {
    ingest_str(input, options).map(|ingested| (ingested.dataset, ingested.diagnostics))
}

/// Reads an input: one JSON document, a JSON array of documents, or JSON
/// lines. A document is a search page (`{issues: [...]}`, v2, v3 or agile), an
/// issue, a webhook body, a changelog page or bulk changelog, an agile sprint
/// page or sprint, a sprint report, JIRA's field list or status list, or a
/// `names` map.
///
/// # Errors
/// [`Error::NotJson`] when the input is neither JSON nor JSON lines,
/// [`Error::Shape`] when it holds nothing ingest recognises.
pub fn ingest_str(input: &str, options: &IngestOptions) -> Result<Ingested, Error> {
    let mut diagnostics = Vec::new();
    if let Some(streamed) = stream::search_page(input, options, stream::Split::native()) {
        let mut sorted = Sorted::default();
        if let Some(n) = &streamed.names {
            sorted.catalogs.push(n);
        }
        return Ok(build(sorted, Some(streamed.issues), options, diagnostics));
    }
    // Field lists need `schema` (custom field types); everything else is parsed without it.
    let keep_schema = input.trim_start().starts_with('[') && input.contains("\"clauseNames\"");
    let documents: Vec<Value> = match pruned::from_str(input, keep_schema) {
        Ok(value) => vec![value],
        Err(whole_err) => {
            let mut docs = Vec::new();
            for (n, line) in input.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match pruned::from_str(line, keep_schema) {
                    Ok(v) => docs.push(v),
                    Err(e) if docs.is_empty() && n == first_line(input) => {
                        return Err(Error::NotJson(if input.trim().contains('\n') {
                            whole_err.to_string()
                        } else {
                            e.to_string()
                        }));
                    }
                    Err(e) => diagnostics.push(Diagnostic::general(format!(
                        "line {} is not JSON ({e}); skipped",
                        n + 1
                    ))),
                }
            }
            if docs.is_empty() {
                return Err(Error::NotJson(whole_err.to_string()));
            }
            docs
        }
    };
    let mut sorted = Sorted::default();
    for doc in &documents {
        classify(doc, None, &mut sorted, 0);
    }
    if sorted.issues.is_empty()
        && sorted.sprints.is_empty()
        && sorted.reports.is_empty()
        && sorted.catalogs.is_empty()
        && sorted.statuses.is_empty()
        && sorted.changelogs.is_empty()
    {
        let what = match documents.first() {
            Some(Value::Object(map)) => {
                let keys: Vec<&str> = map.keys().take(6).map(String::as_str).collect();
                format!("an object with keys {keys:?}")
            }
            Some(Value::Array(a)) => format!("an array of {} entries", a.len()),
            Some(other) => format!("a {}", json_kind(other)),
            None => "nothing".to_owned(),
        };
        return Err(Error::Shape(what));
    }
    if sorted.unknown > 0 {
        diagnostics.push(Diagnostic::general(format!(
            "{} JSON values of unknown shape skipped",
            sorted.unknown
        )));
    }
    Ok(build(sorted, None, options, diagnostics))
}

fn first_line(input: &str) -> usize {
    input.lines().position(|l| !l.trim().is_empty()).unwrap_or(0)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_sprint_like(v: &Value) -> bool {
    v.get("id")
        .is_some_and(|id| id.is_u64() || id.as_str().is_some_and(|s| s.parse::<u64>().is_ok()))
        && v.get("state").is_some_and(Value::is_string)
        && v.get("name").is_some()
        && v.get("fields").is_none()
}

/// Issue key or id from a changelog URL (`.../issue/EE-1/changelog?...`).
fn issue_from_url(url: &str) -> Option<String> {
    let rest = url.split("/issue/").nth(1)?;
    let id = rest.split(['/', '?']).next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

fn classify<'a>(value: &'a Value, names: Option<&'a Value>, out: &mut Sorted<'a>, depth: usize) {
    match value {
        Value::Array(items) => {
            if depth > 3 {
                out.unknown += 1;
                return;
            }
            // A field list is an array of `{id, name, schema|clauseNames}`.
            if items.first().is_some_and(|f| {
                f.get("clauseNames").is_some()
                    || (f.get("schema").is_some()
                        && f.get("name").is_some()
                        && f.get("fields").is_none())
            }) {
                out.catalogs.push(value);
                return;
            }
            for item in items {
                classify(item, names, out, depth + 1);
            }
        }
        Value::Object(map) => {
            if let Some(issues) = map.get("issues").and_then(Value::as_array) {
                let page_names = map.get("names").filter(|n| n.is_object()).or(names);
                if let Some(n) = page_names {
                    out.catalogs.push(n);
                }
                out.issues.extend(issues.iter().map(|i| (i, page_names)));
            } else if map.contains_key("issueChangeLogs") {
                out.changelogs.push((value, None));
            } else if map.contains_key("contents") && map.contains_key("sprint") {
                out.reports.push(value);
                out.sprints.push(&map["sprint"]);
            } else if (map.contains_key("key") && map.contains_key("fields"))
                || map.get("issue").is_some_and(Value::is_object)
            {
                out.issues.push((value, names));
            } else if let Some(entry) = map.get("changelog_entry") {
                let target =
                    map.get("request_url").and_then(Value::as_str).and_then(issue_from_url);
                out.changelogs.push((entry, target));
            } else if let Some(values) = map.get("values").and_then(Value::as_array) {
                if values.first().is_some_and(|v| v.get("items").is_some()) {
                    let target = map.get("self").and_then(Value::as_str).and_then(issue_from_url);
                    out.changelogs.push((value, target));
                } else if values.first().is_some_and(is_sprint_like) {
                    out.sprints.extend(values);
                } else if !values.is_empty() {
                    out.unknown += 1;
                }
            } else if map.get("sprint").is_some_and(is_sprint_like) {
                out.sprints.push(&map["sprint"]);
            } else if let Some(status) =
                map.get("status").filter(|s| s.get("statusCategory").is_some())
            {
                out.statuses.push(status);
            } else if map.contains_key("statusCategory") && map.contains_key("name") {
                out.statuses.push(value);
            } else if is_sprint_like(value) {
                out.sprints.push(value);
            } else if let Some(n) = map.get("names").filter(|n| n.is_object()) {
                out.catalogs.push(n);
            } else {
                out.unknown += 1;
            }
        }
        _ => out.unknown += 1,
    }
}

fn build(
    sorted: Sorted<'_>,
    streamed: Option<Joined>,
    options: &IngestOptions,
    mut diagnostics: Vec<Diagnostic>,
) -> Ingested {
    let mut catalog: FieldCatalog = options.fields.clone();
    for c in &sorted.catalogs {
        catalog.merge(&fields_from_value(c));
    }
    let mut roles = Roles::resolve(options, &catalog);

    // Status categories: JIRA's status list, then what issues say (majority), then options.
    let mut listed: BTreeMap<String, StatusCategory> = BTreeMap::new();
    for s in &sorted.statuses {
        let name = s.get("name").and_then(Value::as_str);
        let category = s
            .pointer("/statusCategory/key")
            .and_then(Value::as_str)
            .and_then(StatusCategory::from_jira);
        if let (Some(name), Some(category)) = (name, category) {
            listed.insert(name.to_owned(), category);
        }
    }

    let mut explicit_sprints: Vec<Sprint> = Vec::new();
    for s in &sorted.sprints {
        match sprint_from_value(s) {
            Some(sprint) => explicit_sprints.push(sprint),
            None => diagnostics.push(Diagnostic::field(
                None,
                "sprint",
                "sprint entry has no numeric id; skipped",
            )),
        }
    }
    let mut sprint_names: BTreeMap<String, SprintId> = BTreeMap::new();
    for s in &explicit_sprints {
        sprint_names.entry(s.name.clone()).or_insert(s.id);
    }

    // Issues as JSON are read here, in order (roles learned from one
    // issue's changelog apply to the next); streamed ones arrive read.
    let mut read = Chunk::default();
    let mut last_names: Option<*const Value> = None;
    for (value, names) in sorted.issues {
        // Pages with their own `names` map may name fields differently.
        let names_ptr = names.map(|n| n as *const Value);
        if names_ptr.is_some() && names_ptr != last_names {
            last_names = names_ptr;
            if let Some(n) = names {
                let mut page_catalog = catalog.clone();
                page_catalog.merge(&fields_from_value(n));
                roles = Roles::resolve(options, &page_catalog);
            }
        }
        read.push(parse_issue(value, options, &mut roles, &sprint_names));
    }
    // Streamed issues arrive joined; separate changelogs only come with
    // inputs that are not one page, so ids are never needed for those.
    let mut joined = match streamed {
        Some(joined) => joined,
        None => Joined::new(!sorted.changelogs.is_empty()),
    };
    joined.add(read);
    let Joined { mut issues, keys, tally, diagnostics: read_diagnostics, ids, by_id } = joined;
    diagnostics.extend(read_diagnostics);
    let Tally { mut sprints, categories, offsets, history_statuses } = tally;
    for sprint in explicit_sprints {
        // Agile sprint pages are authoritative over the copies in issue fields.
        sprints.insert(sprint.id, sprint);
    }

    // Separate changelogs: bulkfetch (by issue id) and pages (by key or id from the URL).
    for (value, target) in sorted.changelogs {
        if let Some(logs) = value.get("issueChangeLogs").and_then(Value::as_array) {
            for log in logs {
                let id = match log.get("issueId") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => continue,
                };
                merge_into(
                    &mut issues,
                    ids.get(&id).copied(),
                    &id,
                    log.get("changeHistories").unwrap_or(&Value::Null),
                    &mut roles,
                    &sprint_names,
                    &mut diagnostics,
                );
            }
            continue;
        }
        let Some(target) = target else {
            diagnostics.push(Diagnostic::field(
                None,
                "changelog",
                "changelog page does not say which issue it belongs to; skipped",
            ));
            continue;
        };
        let found = keys.get(&issues, &target).or_else(|| ids.get(&target).copied());
        merge_into(&mut issues, found, &target, value, &mut roles, &sprint_names, &mut diagnostics);
    }

    let mut reports = Vec::new();
    for r in sorted.reports {
        match sprint_report_from_value(r) {
            Ok(report) => reports.push(report),
            Err(diag) => diagnostics.push(diag),
        }
    }

    // Majority vote per status name: a status's category can change over a site's life.
    let mut by_name: BTreeMap<String, (StatusCategory, u32, bool)> = BTreeMap::new();
    let mut votes: Vec<((String, StatusCategory), u32)> = Vec::new();
    for (name, counts) in categories {
        for (category, count) in CATEGORIES.into_iter().zip(counts).filter(|(_, c)| *c > 0) {
            votes.push(((name.clone(), category), count));
        }
    }
    crate::sort::stable(&mut votes);
    for ((name, category), count) in votes {
        match by_name.get_mut(&name) {
            Some(entry) => {
                entry.2 = true;
                if count > entry.1 {
                    *entry = (category, count, true);
                }
            }
            None => {
                by_name.insert(name, (category, count, false));
            }
        }
    }
    let mut statuses: BTreeMap<String, StatusCategory> = BTreeMap::new();
    for (name, (category, _, conflicting)) in by_name {
        if conflicting && !listed.contains_key(&name) && !options.statuses.contains_key(&name) {
            diagnostics.push(Diagnostic::field(None, "status", format!("status `{name}` appears in several categories; using the most frequent, {category:?}")));
        }
        statuses.insert(name, category);
    }
    statuses.extend(listed);
    statuses.extend(options.statuses.iter().map(|(k, v)| (k.clone(), *v)));
    // Statuses only seen in histories (renamed or retired since) get a category from their name.
    let mut guessed: BTreeMap<String, StatusCategory> = BTreeMap::new();
    let mut guess = |name: &String| {
        if !statuses.contains_key(name) && !guessed.contains_key(name) {
            if let Some(category) = guess_category(name) {
                guessed.insert(name.clone(), category);
            }
        }
    };
    if by_id {
        // Separate changelogs may have added statuses the tally never saw.
        for change in issues.iter().flat_map(|i| &i.status_history) {
            change.from.iter().chain(std::iter::once(&change.to)).for_each(&mut guess);
        }
    } else {
        history_statuses.iter().for_each(guess);
    }
    for (name, category) in guessed {
        diagnostics.push(Diagnostic::field(None, "status", format!("status `{name}` appears only in histories; its category is taken from its name: {category:?}")));
        statuses.insert(name, category);
    }

    let teams = if options.teams.is_empty() {
        let mut projects: Vec<&str> = issues.iter().map(|i| i.project.as_str()).collect();
        crate::sort::stable(&mut projects);
        projects.dedup();
        projects
            .into_iter()
            .map(|p| Team {
                id: TeamId(p.to_owned()),
                projects: vec![p.to_owned()],
                board: None,
                size: None,
            })
            .collect()
    } else {
        options
            .teams
            .iter()
            .map(|rule| Team {
                id: rule.team.clone(),
                projects: rule.projects.clone(),
                board: rule.boards.first().copied(),
                size: rule.size,
            })
            .collect()
    };
    let utc_offset_secs = offsets
        .into_iter()
        .max_by_key(|&(offset, count)| (count, -offset.abs(), offset))
        .map_or(0, |(o, _)| o);
    Ingested {
        dataset: Dataset { issues, sprints: sprints.into_values().collect(), teams, statuses },
        sprint_reports: reports,
        utc_offset_secs,
        diagnostics,
    }
}

/// Positions of issues by key, holding only FNV hashes of the keys (a
/// copy of every key showed up in profiles); a hit is checked against the
/// issue's own key, and keys whose hash another key already has are
/// searched one by one.
#[derive(Debug, Default, PartialEq)]
struct KeyIndex {
    by_hash: FnvMap<u64, usize>,
    collided: Vec<usize>,
}

impl KeyIndex {
    fn hash(key: &str) -> u64 {
        use std::hash::Hasher;
        let mut h = crate::hash::Fnv::default();
        h.write(key.as_bytes());
        h.finish()
    }

    fn get(&self, issues: &[Issue], key: &str) -> Option<usize> {
        let is = |i: &usize| issues[*i].key.as_str() == key;
        match self.by_hash.get(&Self::hash(key)) {
            Some(i) if is(i) => Some(*i),
            _ => self.collided.iter().copied().find(is),
        }
    }

    /// Records `key` (not yet recorded) at position `i`.
    fn insert(&mut self, key: &str, i: usize) {
        match self.by_hash.entry(Self::hash(key)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(_) => self.collided.push(i),
        }
    }
}

/// Merges a separate changelog into issue `found`, which the input named `target`.
fn merge_into(
    issues: &mut [Issue],
    found: Option<usize>,
    target: &str,
    value: &Value,
    roles: &mut Roles,
    sprint_names: &BTreeMap<String, SprintId>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(i) = found else {
        diagnostics.push(Diagnostic::field(
            None,
            "changelog",
            format!("changelog for issue `{target}` which the input does not hold; skipped"),
        ));
        return;
    };
    let issue = &mut issues[i];
    let key = issue.key.clone();
    let parsed: Vec<_> = changelog::history_values(value, None)
        .into_iter()
        .filter_map(|h| changelog::parse_history(h, None, roles, Some(&key), diagnostics))
        .collect();
    let names = changelog::SprintNames { known: sprint_names, issue: &[] };
    changelog::apply(issue, parsed, roles, names, diagnostics);
}

fn merge_sprint(sprints: &mut BTreeMap<SprintId, Sprint>, sprint: Sprint) {
    let richness = |s: &Sprint| {
        usize::from(s.start.is_some())
            + usize::from(s.end.is_some())
            + usize::from(s.complete.is_some())
            + usize::from(s.board.is_some())
    };
    match sprints.get(&sprint.id) {
        Some(existing) if richness(existing) >= richness(&sprint) => {}
        _ => {
            sprints.insert(sprint.id, sprint);
        }
    }
}

fn placeholder() -> Issue {
    use crate::model::{IssueId, IssueKey};
    use chrono::DateTime;
    Issue {
        project: String::new(),
        issue_type: String::new(),
        status: String::new(),
        ..Issue::new(IssueId(String::new()), IssueKey(String::new()), DateTime::UNIX_EPOCH)
    }
}

/// A category for a status name JIRA gave no category for, from common words
/// in status names; `None` when nothing matches.
pub(crate) fn guess_category(name: &str) -> Option<StatusCategory> {
    let n = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(&[
        "done", "closed", "resolved", "complete", "released", "deployed", "finished", "cancel",
        "won't", "rejected",
    ]) {
        Some(StatusCategory::Done)
    } else if has(&[
        "progress",
        "development",
        "review",
        "test",
        "qa",
        "doing",
        "block",
        "verif",
        "implement",
        "coding",
    ]) {
        Some(StatusCategory::InProgress)
    } else if has(&[
        "open", "to do", "todo", "backlog", "new", "inbox", "ready", "selected", "triage",
        "planned",
    ]) {
        Some(StatusCategory::ToDo)
    } else {
        None
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::model::IssueKey;

    #[test]
    fn the_key_index_checks_keys_and_finds_keys_whose_hash_is_taken() {
        let at = |key: &str| {
            Issue::new(crate::model::IssueId(key.into()), key.into(), chrono::DateTime::UNIX_EPOCH)
        };
        let issues = vec![at("A-1"), at("B-2"), at("C-3")];
        let mut keys = KeyIndex::default();
        keys.insert("A-1", 0);
        // B-2's hash already names A-1, as a colliding hash would.
        keys.by_hash.insert(KeyIndex::hash("B-2"), 0);
        keys.insert("B-2", 1);
        assert_eq!(keys.collided, vec![1]);
        assert_eq!(keys.get(&issues, "A-1"), Some(0));
        assert_eq!(keys.get(&issues, "B-2"), Some(1));
        assert_eq!(keys.get(&issues, "C-3"), None);
        keys.insert("C-3", 2);
        assert_eq!(keys.get(&issues, "C-3"), Some(2));
    }

    #[test]
    fn a_streamed_page_reads_the_same_as_the_general_path() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sim/tiny-export-16.json");
        let page = std::fs::read_to_string(path).unwrap();
        let options = IngestOptions::default();
        assert!(
            stream::search_page(&page, &options, stream::Split::native()).is_some(),
            "a plain search page streams"
        );
        let streamed = ingest_str(&page, &options).unwrap();
        // Wrapped in an array, the same page takes the general path.
        let general = ingest_str(&format!("[{page}]"), &options).unwrap();
        assert_eq!(streamed.dataset, general.dataset);
        assert_eq!(streamed.diagnostics, general.diagnostics);
        assert!(streamed.dataset.issues.iter().any(|i| i.status_history.len() > 3));
    }

    #[test]
    fn messy_issues_of_a_streamed_page_read_as_the_general_path_reads_them() {
        let history = |id: u32, at: &str, to: &str| {
            serde_json::json!({"id": id.to_string(), "created": at,
                "items": [{"field": "status", "fieldId": "status", "fromString": "To Do", "toString": to}]})
        };
        let page = serde_json::json!({"issues": [
            {"id": "1", "key": "A-1", "fields": {"created": "2026-01-05T09:00:00.000+0100",
                "updated": "2026-01-07T09:00:00.000+0100", "status": {"name": "Done", "statusCategory": {"key": "done"}},
                "priority": {"name": "Urgent-ish"}, "duedate": "soon", "customfield_10016": "three",
                "labels": ["x", 3, null], "assignee": {"displayName": null, "name": "pat"},
                "customfield_10020": [{"id": 7, "name": "S7", "state": "closed", "boardId": 2}, {"nope": 1}]},
             "changelog": {"total": 3, "histories": [history(5, "2026-01-06T09:00:00.000+0100", "Done")]}},
            {"id": 2, "key": "A-2", "fields": {"updated": "2026-01-08T09:00:00.000+0000",
                "status": {"name": "Odd"}, "parent": {"key": "A-9", "fields": {"issuetype": {"hierarchyLevel": 1}}},
                "customfield_10016": 2, "flagged": true, "issuelinks": [{"type": {"name": "Blocks"}, "inwardIssue": {"key": "A-3"}}]},
             "changelog": {"histories": [history(6, "2026-01-06T10:00:00.000+0000", "In Progress")]}},
            {"id": "3", "fields": {"created": "2026-01-05T09:00:00.000+0000"}},
            {"id": "4", "key": "A-4"},
            {"id": "5", "key": "A-5", "fields": {"created": "2026-01-05T09:00:00.000+0000",
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "priority": {"name": "High"}, "resolutiondate": null, "duedate": "2026-02-01",
                "customfield_10016": 5.5, "project": {"key": "AA"}, "summary": "fine",
                "parent": {"key": "A-8", "fields": {"issuetype": {"name": "Story"}}}}}
        ]})
        .to_string();
        let options = IngestOptions::default();
        assert!(
            stream::search_page(&page, &options, stream::Split::native()).is_some(),
            "the page streams"
        );
        let streamed = ingest_str(&page, &options).unwrap();
        let general = ingest_str(&format!("[{page}]"), &options).unwrap();
        assert_eq!(streamed.dataset, general.dataset);
        assert_eq!(streamed.diagnostics, general.diagnostics);
        assert_eq!(streamed.utc_offset_secs, general.utc_offset_secs);
        assert_eq!(streamed.dataset.issues.len(), 3);
        assert!(streamed.diagnostics.iter().any(|d| d.to_string().contains("Urgent-ish")));
        let fine = streamed.dataset.issues.iter().find(|i| i.key.as_str() == "A-5").unwrap();
        assert_eq!(fine.points.map(|p| p.0), Some(5.5));
        assert_eq!(fine.parent.as_ref().map(IssueKey::as_str), Some("A-8"));
    }
}
