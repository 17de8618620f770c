//! Alert rules: what a director should hear about now, deduplicated and
//! escalated when nobody acknowledges it.
//!
//! [`evaluate`] is a pure function of the previous [`AlertState`], the
//! dataset, the events that arrived since (webhooks) and `now`. Each rule turns
//! a *condition* (an issue became blocked, a P0 was raised, a sprint's odds fell
//! below 50%...) into an [`Alert`] whose id is a stable hash of the rule, the
//! issue (or sprint) and when the condition started: the same condition gives
//! the same id on every run, in every process, so an alert is raised once,
//! updated while it holds, resolved when it clears, and an acknowledgement
//! sticks. The hash is FNV-1a (64 bits) written here, not std's randomised
//! hasher, so ids survive restarts and platforms.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Dataset, Issue, IssueKey, Priority, TeamId};
use crate::risk::signals::{self, Index};

/// Errors of alert state changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No open alert has this id (or id prefix).
    #[error("no open alert with id `{0}`")]
    UnknownAlert(String),
    /// The prefix matches several alerts.
    #[error("alert id prefix `{0}` matches more than one alert")]
    AmbiguousAlert(String),
}

/// How urgent an alert is; sorts most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// P0 work, security issues.
    Critical,
    /// P1 work, blocked high-priority work, exec blockers.
    High,
    /// Blocked or flagged work, sprints at risk, cross-team waits.
    Medium,
    /// Work aging past the 95th percentile.
    Low,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        })
    }
}

/// The rule that raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// A P0/P1 item was created or raised to P0/P1.
    HighPriority,
    /// An item entered a blocked status.
    Blocked,
    /// An item was flagged.
    Flagged,
    /// An open item carries a security, exec-blocker or compliance label.
    SensitiveLabel,
    /// The running sprint's completion odds are below the threshold.
    SprintAtRisk,
    /// An item has been in progress longer than the 95th percentile of cycle time.
    AgingPastP95,
    /// An item of one team waits on an unfinished item of another.
    CrossTeamDependency,
}

impl AlertRule {
    /// The rule's name in JSON (`sprint_at_risk`).
    pub fn name(self) -> &'static str {
        match self {
            AlertRule::HighPriority => "high_priority",
            AlertRule::Blocked => "blocked",
            AlertRule::Flagged => "flagged",
            AlertRule::SensitiveLabel => "sensitive_label",
            AlertRule::SprintAtRisk => "sprint_at_risk",
            AlertRule::AgingPastP95 => "aging_past_p95",
            AlertRule::CrossTeamDependency => "cross_team_dependency",
        }
    }
}

/// A stable alert id: 16 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(pub String);

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 64-bit FNV-1a: tiny, stable across platforms and releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The id of a condition: rule, subject (issue key or sprint), when it started
/// and any detail that tells two conditions on the same subject apart.
pub fn alert_id(
    rule: AlertRule,
    subject: &str,
    since: Option<DateTime<Utc>>,
    detail: &str,
) -> AlertId {
    let since = since.map_or_else(String::new, |t| t.to_rfc3339());
    let text = format!("{}\u{1f}{subject}\u{1f}{since}\u{1f}{detail}", rule.name());
    AlertId(format!("{:016x}", fnv1a(text.as_bytes())))
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id.
    pub id: AlertId,
    /// Rule that raised it.
    pub rule: AlertRule,
    /// Urgency.
    pub severity: Severity,
    /// The team concerned.
    pub team: Option<TeamId>,
    /// Issues concerned, the subject first.
    pub issues: Vec<IssueKey>,
    /// One line for a notification.
    pub title: String,
    /// When the condition started, when known.
    pub since: Option<DateTime<Utc>>,
    /// First evaluation that saw it.
    pub first_seen: DateTime<Utc>,
    /// Last evaluation that saw it.
    pub last_seen: DateTime<Utc>,
    /// Someone acknowledged it.
    pub acknowledged: bool,
    /// When it was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it escalated, if it did.
    pub escalated_at: Option<DateTime<Utc>>,
}

/// The open alerts between two evaluations (what the proxy stores).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertState {
    /// Open alerts, most urgent first.
    pub alerts: Vec<Alert>,
}

/// Something that happened to an issue, as a webhook reports it. Events
/// matter when the dataset has not caught up yet; once the dataset holds a
/// newer version of the issue, the dataset decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// An issue was created with this priority.
    Created {
        /// The issue.
        key: IssueKey,
        /// Its team.
        team: Option<TeamId>,
        /// Its priority.
        priority: Priority,
        /// Its summary.
        summary: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The priority changed.
    PriorityChanged {
        /// The issue.
        key: IssueKey,
        /// Its team.
        team: Option<TeamId>,
        /// Before.
        from: Option<Priority>,
        /// After.
        to: Priority,
        /// When.
        at: DateTime<Utc>,
    },
    /// The status changed.
    StatusChanged {
        /// The issue.
        key: IssueKey,
        /// Its team.
        team: Option<TeamId>,
        /// New status name.
        to: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The flag was raised or cleared.
    FlagChanged {
        /// The issue.
        key: IssueKey,
        /// Its team.
        team: Option<TeamId>,
        /// Raised (true) or cleared.
        flagged: bool,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Event {
    fn key(&self) -> &IssueKey {
        match self {
            Event::Created { key, .. }
            | Event::PriorityChanged { key, .. }
            | Event::StatusChanged { key, .. }
            | Event::FlagChanged { key, .. } => key,
        }
    }

    fn at(&self) -> DateTime<Utc> {
        match self {
            Event::Created { at, .. }
            | Event::PriorityChanged { at, .. }
            | Event::StatusChanged { at, .. }
            | Event::FlagChanged { at, .. } => *at,
        }
    }
}

/// Thresholds of the alert rules; a TOML `[alerts]` table may set any subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertOptions {
    /// Unacknowledged alerts escalate after this many minutes (default 30).
    pub escalate_after_minutes: i64,
    /// Severities that escalate (default critical and high).
    pub escalate: Vec<Severity>,
    /// How far back "created" counts for a P0/P1 (default 168 hours, one week).
    pub created_within_hours: i64,
    /// Labels that always alert (default security, exec-blocker, compliance).
    pub sensitive_labels: Vec<String>,
    /// Status names that mean blocked (default `["Blocked"]`).
    pub blocked_statuses: Vec<String>,
    /// Sprints whose completion odds are below this alert (default 0.5).
    pub sprint_probability_below: f64,
    /// Cycle-time percentile past which work in progress alerts (default 95).
    pub aging_percentile: f64,
    /// Finished items needed before percentiles are trusted (default 5).
    pub min_history: usize,
}

impl Default for AlertOptions {
    fn default() -> Self {
        AlertOptions {
            escalate_after_minutes: 30,
            escalate: vec![Severity::Critical, Severity::High],
            created_within_hours: 168,
            sensitive_labels: vec!["security".into(), "exec-blocker".into(), "compliance".into()],
            blocked_statuses: vec!["Blocked".into()],
            sprint_probability_below: 0.5,
            aging_percentile: 95.0,
            min_history: 5,
        }
    }
}

/// An alert that has just escalated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// The alert.
    pub id: AlertId,
    /// Its severity.
    pub severity: Severity,
    /// Its team.
    pub team: Option<TeamId>,
    /// Its title.
    pub title: String,
    /// When it escalated (`now`).
    pub at: DateTime<Utc>,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertUpdate {
    /// The new state: every open alert, most urgent first.
    pub state: AlertState,
    /// Ids of alerts raised by this evaluation.
    pub raised: Vec<AlertId>,
    /// Alerts that cleared since the previous state.
    pub resolved: Vec<AlertId>,
    /// Alerts that escalated in this evaluation.
    pub escalations: Vec<Escalation>,
}

/// A condition found by a rule, before it meets the previous state.
struct Condition {
    id: AlertId,
    rule: AlertRule,
    severity: Severity,
    team: Option<TeamId>,
    issues: Vec<IssueKey>,
    title: String,
    since: Option<DateTime<Utc>>,
}

fn issue_condition(
    rule: AlertRule,
    severity: Severity,
    issue: &Issue,
    since: Option<DateTime<Utc>>,
    detail: &str,
    title: String,
) -> Condition {
    Condition {
        id: alert_id(rule, issue.key.as_str(), since, detail),
        rule,
        severity,
        team: issue.team.clone(),
        issues: vec![issue.key.clone()],
        title,
        since,
    }
}

fn priority_severity(priority: Priority) -> Severity {
    if priority == Priority::P0 {
        Severity::Critical
    } else {
        Severity::High
    }
}

/// Conditions visible in the dataset at `now`.
fn dataset_conditions(ix: &Index<'_>, now: DateTime<Utc>, opts: &AlertOptions) -> Vec<Condition> {
    let mut res = Vec::new();
    let created_after = now - Duration::hours(opts.created_within_hours);
    for idx in ix.candidates(now) {
        let issue = ix.issue(idx);
        // Both checks read the index only, not the issue.
        if ix.is_epic_at(idx) || !ix.is_open_at(issue, now) {
            continue;
        }
        if issue.priority.is_high() && issue.created >= created_after {
            let title = format!("{} {} opened: {}", issue.priority, issue.key, issue.summary);
            res.push(issue_condition(
                AlertRule::HighPriority,
                priority_severity(issue.priority),
                issue,
                Some(issue.created),
                "",
                title,
            ));
        }
        let status = ix.status_at(issue, now).unwrap_or_default();
        if ix.is_blocked_status(status) {
            let since = issue
                .status_history
                .iter()
                .rev()
                .find(|c| c.at <= now && ix.is_blocked_status(&c.to))
                .map(|c| c.at);
            let severity = if issue.priority.is_high() { Severity::High } else { Severity::Medium };
            let title = format!("{} is blocked: {}", issue.key, issue.summary);
            res.push(issue_condition(AlertRule::Blocked, severity, issue, since, "", title));
        }
        if let Some(since) = signals::flagged_since(issue, now) {
            let severity = if issue.priority.is_high() { Severity::High } else { Severity::Medium };
            let title = format!("{} was flagged: {}", issue.key, issue.summary);
            res.push(issue_condition(AlertRule::Flagged, severity, issue, Some(since), "", title));
        }
        for label in &opts.sensitive_labels {
            if issue.has_label(label) {
                let severity = if label.eq_ignore_ascii_case("security") {
                    Severity::Critical
                } else {
                    Severity::High
                };
                let title = format!("{} carries the {label} label: {}", issue.key, issue.summary);
                res.push(issue_condition(
                    AlertRule::SensitiveLabel,
                    severity,
                    issue,
                    None,
                    &label.to_lowercase(),
                    title,
                ));
            }
        }
    }
    for (team, issues) in &ix.by_team {
        team_conditions(ix, team, issues, now, opts, &mut res);
    }
    res
}

fn team_conditions(
    ix: &Index<'_>,
    team: &TeamId,
    issues: &[usize],
    now: DateTime<Utc>,
    opts: &AlertOptions,
    res: &mut Vec<Condition>,
) {
    if let Some(running) = ix.sprint_odds(team, issues, now) {
        let (sprint, remaining) = (running.sprint, running.remaining);
        if let Some(odds) = running.odds {
            if odds < opts.sprint_probability_below {
                let severity = if odds < opts.sprint_probability_below / 2.0 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                res.push(Condition {
                    id: alert_id(
                        AlertRule::SprintAtRisk,
                        &format!("sprint:{}", sprint.id),
                        sprint.start,
                        team.0.as_str(),
                    ),
                    rule: AlertRule::SprintAtRisk,
                    severity,
                    team: Some(team.clone()),
                    issues: remaining.iter().take(10).map(|&i| ix.issue(i).key.clone()).collect(),
                    title: format!(
                        "{} has a {:.0}% chance of finishing its {} remaining items",
                        sprint.name,
                        odds * 100.0,
                        remaining.len()
                    ),
                    since: sprint.start,
                });
            }
        }
    }
    let (_, limit) = ix.cycle_time_limit(issues, now, opts.aging_percentile, opts.min_history);
    if let Some(limit) = limit {
        // Ages as the team page's aging chart counts them.
        let open = ix.open_list(issues, now);
        for &(idx, age_days) in ix.aging(&open, now).iter() {
            if age_days as f64 <= limit {
                continue;
            }
            let issue = ix.issue(idx);
            // The instant it started keeps the alert's id what it always was.
            let started = ix.started_at(issue, now).unwrap_or(issue.created);
            let title = format!(
                "{} has been in progress {} days, past the {:.0}th percentile ({limit:.1} days)",
                issue.key, age_days, opts.aging_percentile
            );
            res.push(issue_condition(
                AlertRule::AgingPastP95,
                Severity::Low,
                issue,
                Some(started),
                "",
                title,
            ));
        }
    }
    for (blocked, blocker) in ix.cross_team_blockers(issues, now) {
        let (waiting, other) = (ix.issue(blocked), ix.issue(blocker));
        let other_team = other.team.as_ref().map_or_else(String::new, |t| t.0.clone());
        res.push(Condition {
            id: alert_id(
                AlertRule::CrossTeamDependency,
                waiting.key.as_str(),
                None,
                other.key.as_str(),
            ),
            rule: AlertRule::CrossTeamDependency,
            severity: if waiting.priority.is_high() { Severity::High } else { Severity::Medium },
            team: waiting.team.clone(),
            issues: vec![waiting.key.clone(), other.key.clone()],
            title: format!("{} waits on {} ({other_team}), not done", waiting.key, other.key),
            since: None,
        });
    }
}

/// Conditions only the events know about: the dataset has no newer version of the issue.
fn event_conditions(
    ix: &Index<'_>,
    events: &[Event],
    now: DateTime<Utc>,
    opts: &AlertOptions,
) -> Vec<Condition> {
    let mut res = Vec::new();
    let created_after = now - Duration::hours(opts.created_within_hours);
    for event in events {
        let known = ix.find(event.key());
        if known.is_some_and(|issue| issue.updated >= event.at()) || event.at() > now {
            continue;
        }
        let summary = known.map_or_else(String::new, |i| i.summary.clone());
        let team_of =
            |team: &Option<TeamId>| known.and_then(|i| i.team.clone()).or_else(|| team.clone());
        let condition = |rule, severity, team, detail: &str, title: String| Condition {
            id: alert_id(rule, event.key().as_str(), Some(event.at()), detail),
            rule,
            severity,
            team,
            issues: vec![event.key().clone()],
            title,
            since: Some(event.at()),
        };
        match event {
            Event::Created { key, team, priority, summary, at }
                if priority.is_high() && *at >= created_after =>
            {
                let title = format!("{priority} {key} opened: {summary}");
                // Same id as the dataset rule gives once the issue is synced.
                res.push(condition(
                    AlertRule::HighPriority,
                    priority_severity(*priority),
                    team_of(team),
                    "",
                    title,
                ));
            }
            Event::PriorityChanged { key, team, from, to, .. }
                if to.is_high() && from.is_none_or(|f| f > *to) =>
            {
                let title = format!("{key} raised to {to}: {summary}");
                res.push(condition(
                    AlertRule::HighPriority,
                    priority_severity(*to),
                    team_of(team),
                    "raised",
                    title,
                ));
            }
            Event::StatusChanged { key, team, to, .. } if ix.is_blocked_status(to) => {
                let title = format!("{key} is blocked: {summary}");
                res.push(condition(AlertRule::Blocked, Severity::Medium, team_of(team), "", title));
            }
            Event::FlagChanged { key, team, flagged: true, .. } => {
                let title = format!("{key} was flagged: {summary}");
                res.push(condition(AlertRule::Flagged, Severity::Medium, team_of(team), "", title));
            }
            _ => {}
        }
    }
    res
}

/// Whether a previous alert still holds though no rule produced it this time.
/// Only the rules events can feed need this: when the dataset has not caught
/// up with the event yet, and for a raised priority, which leaves no trace in
/// the dataset (it holds while the item stays open at P0/P1).
fn still_holds(ix: &Index<'_>, alert: &Alert, now: DateTime<Utc>) -> bool {
    if !matches!(alert.rule, AlertRule::HighPriority | AlertRule::Blocked | AlertRule::Flagged) {
        return false;
    }
    let Some(key) = alert.issues.first() else { return false };
    let Some(issue) = ix.find(key) else { return true };
    if issue.updated < alert.since.unwrap_or(alert.first_seen) {
        return true;
    }
    alert.rule == AlertRule::HighPriority && ix.is_open_at(issue, now) && issue.priority.is_high()
}

fn sort_alerts(alerts: &mut [Alert]) {
    crate::sort::stable_by(alerts, |a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.first_seen.cmp(&b.first_seen))
            .then(a.since.cmp(&b.since))
            .then(a.id.cmp(&b.id))
    });
}

/// Evaluates every rule: the previous state, the dataset and the events since
/// give the open alerts at `now`, what was raised, what resolved and what escalated.
pub fn evaluate(
    state: &AlertState,
    dataset: &Dataset,
    events: &[Event],
    now: DateTime<Utc>,
    opts: &AlertOptions,
) -> AlertUpdate {
    let ix = Index::new(dataset, &opts.blocked_statuses, signals::horizon(now));
    evaluate_in(&ix, state, events, now, opts)
}

/// [`evaluate`] on a prepared index (the summary shares one with risk).
pub(crate) fn evaluate_in(
    ix: &Index<'_>,
    state: &AlertState,
    events: &[Event],
    now: DateTime<Utc>,
    opts: &AlertOptions,
) -> AlertUpdate {
    let mut conditions = dataset_conditions(ix, now, opts);
    conditions.extend(event_conditions(ix, events, now, opts));
    let previous: HashMap<&AlertId, &Alert> = state.alerts.iter().map(|a| (&a.id, a)).collect();
    let mut open: BTreeMap<AlertId, Alert> = BTreeMap::new();
    let mut raised = Vec::new();
    for c in conditions {
        if open.contains_key(&c.id) {
            continue;
        }
        let alert = match previous.get(&c.id) {
            Some(prev) => Alert {
                severity: c.severity.min(prev.severity),
                team: c.team,
                issues: c.issues,
                title: c.title,
                last_seen: now,
                ..(*prev).clone()
            },
            None => {
                raised.push(c.id.clone());
                Alert {
                    id: c.id.clone(),
                    rule: c.rule,
                    severity: c.severity,
                    team: c.team,
                    issues: c.issues,
                    title: c.title,
                    since: c.since,
                    first_seen: now,
                    last_seen: now,
                    acknowledged: false,
                    acknowledged_at: None,
                    escalated_at: None,
                }
            }
        };
        open.insert(c.id, alert);
    }
    let mut resolved = Vec::new();
    for prev in &state.alerts {
        if open.contains_key(&prev.id) {
            continue;
        }
        if still_holds(ix, prev, now) {
            open.insert(prev.id.clone(), prev.clone());
        } else {
            resolved.push(prev.id.clone());
        }
    }
    let escalate_after = Duration::minutes(opts.escalate_after_minutes);
    let mut escalations = Vec::new();
    for alert in open.values_mut() {
        if !alert.acknowledged
            && alert.escalated_at.is_none()
            && opts.escalate.contains(&alert.severity)
            && now - alert.first_seen >= escalate_after
        {
            alert.escalated_at = Some(now);
            escalations.push(Escalation {
                id: alert.id.clone(),
                severity: alert.severity,
                team: alert.team.clone(),
                title: alert.title.clone(),
                at: now,
            });
        }
    }
    let mut alerts: Vec<Alert> = open.into_values().collect();
    sort_alerts(&mut alerts);
    crate::sort::stable(&mut raised);
    crate::sort::stable(&mut resolved);
    AlertUpdate { state: AlertState { alerts }, raised, resolved, escalations }
}

/// Finds an open alert by its id or a unique prefix of at least four digits.
pub fn find<'s>(state: &'s AlertState, id_or_prefix: &str) -> Result<&'s Alert, Error> {
    let wanted = id_or_prefix.trim().to_ascii_lowercase();
    if let Some(alert) = state.alerts.iter().find(|a| a.id.0 == wanted) {
        return Ok(alert);
    }
    let matches: Vec<&Alert> =
        state.alerts.iter().filter(|a| wanted.len() >= 4 && a.id.0.starts_with(&wanted)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::UnknownAlert(id_or_prefix.to_owned())),
        _ => Err(Error::AmbiguousAlert(id_or_prefix.to_owned())),
    }
}

/// Acknowledges the alert `id_or_prefix` at `at`: it stays open while its
/// condition holds but no longer escalates. Returns the new state.
pub fn acknowledge(
    state: &AlertState,
    id_or_prefix: &str,
    at: DateTime<Utc>,
) -> Result<AlertState, Error> {
    let id = find(state, id_or_prefix)?.id.clone();
    let mut res = state.clone();
    for alert in &mut res.alerts {
        if alert.id == id && !alert.acknowledged {
            alert.acknowledged = true;
            alert.acknowledged_at = Some(at);
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests;
