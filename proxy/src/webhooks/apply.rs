//! Applies stored deliveries to the issue store. JIRA delivers at least once
//! and in no particular order, so an issue is written only when its `updated`
//! is newer than what the store holds, a late update never resurrects a
//! deleted issue, and the change a delivery carries is appended to the
//! stored changelog once (by its history id).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use director_core::alerts::Event;
use director_core::ingest::{fields_from_value, IngestOptions};
use director_core::model::{Issue, Priority};
use serde_json::{json, Value};

use crate::config::Config;
use crate::jira::{self, jql};
use crate::store::{self, AlertStore, Batch, IssueWrite, Store};

/// One stored delivery, parsed.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Dedupe key (`X-Atlassian-Webhook-Identifier` or a body digest).
    pub identifier: String,
    /// `webhookEvent`.
    pub event: String,
    /// The body.
    pub body: Value,
}

/// What applying a group of deliveries did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Issues written, normalised.
    pub changed: Vec<Issue>,
    /// Ids of issues removed.
    pub deleted: Vec<String>,
    /// What happened, for the alert rules.
    pub events: Vec<Event>,
    /// Sprint started or closed deliveries.
    pub sprint_events: usize,
    /// Issue deliveries older than what the store holds.
    pub stale: usize,
    /// Identifiers applied.
    pub identifiers: Vec<String>,
}

/// Team and ingest settings for issues that arrive by webhook.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Project key → team, for teams whose JQL is a plain project clause.
    pub project_teams: HashMap<String, String>,
    /// Ingest options (field catalog from the last sync).
    pub options: IngestOptions,
}

impl Context {
    /// Builds the context from config and what the sync stored about the site.
    pub fn new(config: &Config, store: &dyn Store) -> Context {
        let mut project_teams = HashMap::new();
        for team in &config.teams {
            for project in jql::simple_projects(&team.jql).unwrap_or_default() {
                project_teams.insert(project.to_ascii_uppercase(), team.name.clone());
            }
        }
        let fields = store
            .meta("site.fields")
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .map(|value| fields_from_value(&value))
            .unwrap_or_default();
        Context { project_teams, options: IngestOptions { fields, ..IngestOptions::default() } }
    }

    fn team_of(&self, issue: &Value) -> Option<String> {
        let project = issue
            .pointer("/fields/project/key")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                issue
                    .get("key")
                    .and_then(Value::as_str)
                    .and_then(|key| key.rsplit_once('-'))
                    .map(|(p, _)| p.to_owned())
            })?;
        self.project_teams.get(&project.to_ascii_uppercase()).cloned()
    }
}

fn event_time(body: &Value) -> Option<DateTime<Utc>> {
    body.get("timestamp").and_then(Value::as_i64).and_then(DateTime::from_timestamp_millis)
}

/// The delivery's change as a changelog history entry.
fn history_of(body: &Value, updated: &str) -> Option<Value> {
    let changelog = body.get("changelog")?;
    let id = changelog.get("id").and_then(jira::value_as_string)?;
    let items = changelog.get("items").cloned().unwrap_or(Value::Array(Vec::new()));
    let mut entry = json!({"id": id, "created": updated, "items": items});
    if let Some(user) = body.get("user") {
        entry["author"] = json!({
            "accountId": user.get("accountId").cloned().unwrap_or(Value::Null),
            "displayName": user.get("displayName").cloned().unwrap_or(Value::Null),
        });
    }
    Some(entry)
}

fn core_events(body: &Value, issue: &Issue, created: bool) -> Vec<Event> {
    let at = event_time(body).unwrap_or(issue.updated);
    let key = issue.key.clone();
    let team = issue.team.clone();
    let mut res = Vec::new();
    if created {
        res.push(Event::Created {
            key: key.clone(),
            team: team.clone(),
            priority: issue.priority,
            summary: issue.summary.clone(),
            at: issue.created,
        });
    }
    for item in body.pointer("/changelog/items").and_then(Value::as_array).into_iter().flatten() {
        let field = item.get("field").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let to = item.get("toString").and_then(Value::as_str).unwrap_or("");
        let from = item.get("fromString").and_then(Value::as_str);
        match field.as_str() {
            "priority" => {
                if let Some(to) = Priority::from_jira_name(to) {
                    let from = from.and_then(Priority::from_jira_name);
                    res.push(Event::PriorityChanged {
                        key: key.clone(),
                        team: team.clone(),
                        from,
                        to,
                        at,
                    });
                }
            }
            "status" => res.push(Event::StatusChanged {
                key: key.clone(),
                team: team.clone(),
                to: to.to_owned(),
                at,
            }),
            "flagged" => res.push(Event::FlagChanged {
                key: key.clone(),
                team: team.clone(),
                flagged: !to.trim().is_empty(),
                at,
            }),
            _ => {}
        }
    }
    res
}

/// An issue's newest state within one group of deliveries.
struct Pending<'a> {
    raw: &'a Value,
    updated: String,
    updated_at: DateTime<Utc>,
    histories: Vec<Value>,
    team: Option<String>,
    /// Each applied delivery's body, and whether it created the issue.
    deliveries: Vec<(&'a Value, bool)>,
}

/// Applies `deliveries` in order and writes the result in one transaction.
/// Several deliveries for one issue are ordered among themselves and the
/// issue is normalised once, from the newest.
pub fn apply(
    store: &dyn Store,
    alert_store: &dyn AlertStore,
    context: &Context,
    deliveries: &[Delivery],
) -> Result<Applied, store::Error> {
    let mut res = Applied::default();
    let mut pending: HashMap<String, Pending<'_>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut deletions: Vec<String> = Vec::new();
    for delivery in deliveries {
        res.identifiers.push(delivery.identifier.clone());
        match delivery.event.as_str() {
            "jira:issue_created" | "jira:issue_updated" => {
                let Some(raw_issue) = delivery.body.get("issue") else { continue };
                let Some(id) = raw_issue.get("id").and_then(jira::value_as_string) else {
                    continue;
                };
                let updated = raw_issue
                    .pointer("/fields/updated")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let Some(updated_at) = jira::parse_jira_time(&updated) else {
                    tracing::warn!(identifier = %delivery.identifier, "webhook issue has no readable updated; left to the next sync");
                    continue;
                };
                let (stored_at, mut histories, team) = match pending.remove(&id) {
                    Some(earlier) => {
                        if earlier.updated_at >= updated_at {
                            res.stale += 1;
                            pending.insert(id, earlier);
                            continue;
                        }
                        let created = delivery.event == "jira:issue_created";
                        let mut next = earlier;
                        next.deliveries.push((&delivery.body, created));
                        (
                            None,
                            std::mem::take(&mut next.histories),
                            Some((next.team.clone(), next.deliveries)),
                        )
                    }
                    None if deletions.contains(&id) => {
                        res.stale += 1;
                        continue;
                    }
                    None => match alert_store.issue_state(&id)? {
                        Some(state) => {
                            let histories = serde_json::from_str::<Vec<Value>>(&state.changelog)
                                .unwrap_or_default();
                            (state.updated_at, histories, Some((state.team, Vec::new())))
                        }
                        None => {
                            if let Some(deleted) = alert_store.deleted_at(&id)? {
                                if event_time(&delivery.body).is_none_or(|at| at <= deleted) {
                                    res.stale += 1;
                                    continue;
                                }
                            }
                            (None, Vec::new(), None)
                        }
                    },
                };
                if stored_at.is_some_and(|stored| stored >= updated_at) {
                    res.stale += 1;
                    continue;
                }
                if let Some(entry) = history_of(&delivery.body, &updated) {
                    let id_of = |value: &Value| value.get("id").and_then(jira::value_as_string);
                    if !histories.iter().any(|h| id_of(h) == id_of(&entry)) {
                        histories.push(entry);
                        jira::sort_histories(&mut histories);
                    }
                }
                let created = delivery.event == "jira:issue_created";
                let (team, applied) = match team {
                    Some((team, mut applied)) => {
                        if applied.is_empty() {
                            applied.push((&delivery.body, created));
                        }
                        (team.or_else(|| context.team_of(raw_issue)), applied)
                    }
                    None => (context.team_of(raw_issue), vec![(&delivery.body, created)]),
                };
                if !order.contains(&id) {
                    order.push(id.clone());
                }
                pending.insert(
                    id,
                    Pending {
                        raw: raw_issue,
                        updated,
                        updated_at,
                        histories,
                        team,
                        deliveries: applied,
                    },
                );
            }
            "jira:issue_deleted" => {
                let Some(id) = delivery.body.pointer("/issue/id").and_then(jira::value_as_string)
                else {
                    continue;
                };
                pending.remove(&id);
                order.retain(|other| other != &id);
                if !deletions.contains(&id) {
                    deletions.push(id);
                }
            }
            "sprint_started" | "sprint_closed" => res.sprint_events += 1,
            // Comments carry a partial issue without `updated`: nothing to
            // write; the issue itself arrives as jira:issue_updated.
            _ => {}
        }
    }
    let mut batch = Batch::default();
    for id in &order {
        let Some(newest) = pending.remove(id) else { continue };
        let (normalised, category) = crate::sync::normalise(
            newest.raw,
            &newest.histories,
            newest.team.as_deref(),
            &context.options,
        );
        let Some(issue) =
            normalised.as_deref().and_then(|text| serde_json::from_str::<Issue>(text).ok())
        else {
            tracing::warn!(%id, "webhook issue cannot be normalised; left to the next sync");
            continue;
        };
        for (body, created) in &newest.deliveries {
            res.events.extend(core_events(body, &issue, *created));
        }
        batch.issues.push(IssueWrite {
            id: id.clone(),
            key: newest.raw.get("key").and_then(Value::as_str).unwrap_or("").to_owned(),
            team: newest.team,
            updated: newest.updated,
            updated_at: Some(newest.updated_at),
            raw: newest.raw.to_string(),
            changelog: Value::Array(newest.histories).to_string(),
            issue: normalised,
            category,
        });
        res.changed.push(issue);
    }
    batch.deletions = deletions.clone();
    if !batch.issues.is_empty() || !batch.deletions.is_empty() {
        store.write(&batch)?;
    }
    res.deleted = deletions;
    Ok(res)
}
