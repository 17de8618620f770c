//! The ten risk factors, each measured at one instant over one scope (a team's
//! issues or an epic's children) as a [`Signal`]: a severity in `[0, 1]`, the
//! issue keys behind it and a one-sentence reason. Turning severities into
//! points is [`super::score`]'s job; this module only observes.

use chrono::{DateTime, Duration, Utc};

use std::rc::Rc;

use chrono::NaiveDate;

use crate::forecast::ExactWhen;
use crate::model::{Issue, IssueKey, Priority, StatusCategory, TeamId};

use super::signals::{self, Index, SAMPLE_DAYS};
use super::{FactorKind, RiskConfig};

/// One factor observed at one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signal {
    pub(crate) kind: FactorKind,
    /// `None` when the factor does not apply (no running sprint, no deadline
    /// for an epic's sprint factors): its weight then goes to the others.
    pub(crate) severity: Option<f64>,
    /// How many things drive the factor (items, sprints, deadlines).
    pub(crate) count: usize,
    pub(crate) evidence: Vec<IssueKey>,
    pub(crate) why: String,
}

impl Signal {
    fn new(
        kind: FactorKind,
        severity: f64,
        count: usize,
        evidence: Vec<IssueKey>,
        why: String,
    ) -> Signal {
        Signal { kind, severity: Some(severity.clamp(0.0, 1.0)), count, evidence, why }
    }

    fn not_applicable(kind: FactorKind, why: String) -> Signal {
        Signal { kind, severity: None, count: 0, evidence: Vec::new(), why }
    }
}

/// What is being scored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'s> {
    /// Non-epic issues in scope.
    pub(crate) issues: &'s [usize],
    /// The team's issues (throughput and cycle-time history).
    pub(crate) team_issues: &'s [usize],
    pub(crate) team: Option<&'s TeamId>,
    /// Set when scoring one epic.
    pub(crate) epic: Option<usize>,
    /// False when only the score is wanted (last week's, for the trend):
    /// the sentences and evidence, which nobody reads then, are not written.
    pub(crate) explain: bool,
}

fn saturate(amount: f64, full_at: f64) -> f64 {
    if full_at <= 0.0 {
        return if amount > 0.0 { 1.0 } else { 0.0 };
    }
    (amount / full_at).min(1.0)
}

fn keys(ix: &Index<'_>, items: impl IntoIterator<Item = usize>, limit: usize) -> Vec<IssueKey> {
    items.into_iter().take(limit).map(|idx| ix.issue(idx).key.clone()).collect()
}

fn days(age: f64) -> String {
    plural(age.max(0.0).floor() as usize, "day", "days")
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Every factor of `scope` at `t`, in [`FactorKind::ALL`] order.
pub(crate) fn observe(
    ix: &Index<'_>,
    scope: Scope<'_>,
    t: DateTime<Utc>,
    cfg: &RiskConfig,
) -> Vec<Signal> {
    let open = ix.open_list(scope.issues, t);
    let [completion, creep, carry] = if scope.epic.is_some() {
        no_sprint("Sprint factors apply to teams, not to epics.")
    } else {
        sprint(ix, scope, t, cfg)
    };
    let explain = scope.explain;
    let mut signals = vec![
        blocked(ix, &open, t, cfg, explain),
        overdue(ix, &open, t, cfg, explain),
        high_priority(ix, &open, cfg, explain),
        aging(ix, scope, &open, t, cfg),
        stalled(ix, &open, t, cfg, explain),
        completion,
        creep,
        carry,
        cross_team(ix, &open, t, cfg, explain),
        deadline(ix, scope, t, cfg),
    ];
    if !explain {
        for signal in &mut signals {
            signal.why.clear();
            signal.evidence.clear();
        }
    }
    signals
}

fn blocked(
    ix: &Index<'_>,
    open: &[usize],
    t: DateTime<Utc>,
    cfg: &RiskConfig,
    explain: bool,
) -> Signal {
    let mut items: Vec<(usize, f64)> = open
        .iter()
        .filter_map(|&idx| {
            ix.blocked_since(ix.issue(idx), t).map(|since| (idx, signals::days_between(since, t)))
        })
        .collect();
    crate::sort::stable_by(&mut items, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let weight: f64 =
        items.iter().map(|(_, age)| 0.5 + 0.5 * saturate(*age, cfg.blocked_age_days)).sum();
    let why = if explain {
        match items.first() {
            None => "No item is blocked or flagged.".to_owned(),
            Some(&(idx, age)) => format!(
                "{} blocked or flagged; the oldest, {}, for {}.",
                plural(items.len(), "item is", "items are"),
                ix.issue(idx).key,
                days(age)
            ),
        }
    } else {
        String::new()
    };
    let evidence =
        keys(ix, items.iter().map(|(i, _)| *i), if explain { cfg.max_evidence } else { 0 });
    Signal::new(
        FactorKind::Blocked,
        saturate(weight, cfg.blocked_saturation),
        items.len(),
        evidence,
        why,
    )
}

fn overdue(
    ix: &Index<'_>,
    open: &[usize],
    t: DateTime<Utc>,
    cfg: &RiskConfig,
    explain: bool,
) -> Signal {
    let today = t.date_naive();
    let mut items: Vec<(usize, i64)> = open
        .iter()
        .filter_map(|&idx| {
            ix.issue(idx).due.filter(|due| *due < today).map(|due| (idx, (today - due).num_days()))
        })
        .collect();
    crate::sort::stable_by(&mut items, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let why = if explain {
        match items.first() {
            None => "Nothing open is past its due date.".to_owned(),
            Some(&(idx, late)) => format!(
                "{} past the due date; {} by {}.",
                plural(items.len(), "open item is", "open items are"),
                ix.issue(idx).key,
                plural(late as usize, "day", "days")
            ),
        }
    } else {
        String::new()
    };
    let evidence =
        keys(ix, items.iter().map(|(i, _)| *i), if explain { cfg.max_evidence } else { 0 });
    Signal::new(
        FactorKind::Overdue,
        saturate(items.len() as f64, cfg.overdue_saturation),
        items.len(),
        evidence,
        why,
    )
}

fn high_priority(ix: &Index<'_>, open: &[usize], cfg: &RiskConfig, explain: bool) -> Signal {
    let mut items: Vec<(usize, Priority)> = open
        .iter()
        .map(|&idx| (idx, ix.issue(idx).priority))
        .filter(|(_, priority)| priority.is_high())
        .collect();
    crate::sort::stable_by(&mut items, |a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let p0 = items.iter().filter(|(_, p)| *p == Priority::P0).count();
    let p1 = items.len() - p0;
    let why = if explain {
        if items.is_empty() {
            "No P0 or P1 item is open.".to_owned()
        } else {
            let mut parts = Vec::new();
            if p0 > 0 {
                parts.push(format!("{p0} P0"));
            }
            if p1 > 0 {
                parts.push(format!("{p1} P1"));
            }
            let verb = if items.len() == 1 { "item is" } else { "items are" };
            format!(
                "{} {verb} open, starting with {}.",
                parts.join(" and "),
                ix.issue(items[0].0).key
            )
        }
    } else {
        String::new()
    };
    let weight = 2.0 * p0 as f64 + p1 as f64;
    let evidence =
        keys(ix, items.iter().map(|(i, _)| *i), if explain { cfg.max_evidence } else { 0 });
    Signal::new(
        FactorKind::HighPriority,
        saturate(weight, cfg.high_priority_saturation),
        items.len(),
        evidence,
        why,
    )
}

fn in_progress(ix: &Index<'_>, issue: &Issue, t: DateTime<Utc>) -> bool {
    ix.category_at(issue, t) == Some(StatusCategory::InProgress)
}

fn aging(
    ix: &Index<'_>,
    scope: Scope<'_>,
    open: &[usize],
    t: DateTime<Utc>,
    cfg: &RiskConfig,
) -> Signal {
    let (history, limit) =
        ix.cycle_time_limit(scope.team_issues, t, cfg.aging_percentile, cfg.min_history);
    let Some(limit) = limit else {
        return Signal::new(
            FactorKind::AgingWip,
            0.0,
            0,
            Vec::new(),
            format!("Too few finished items ({history}) to know what is unusually old."),
        );
    };
    // Ages and order are the team page's aging chart's.
    let items: Vec<(usize, i64)> =
        ix.aging(open, t).iter().copied().filter(|(_, age)| *age as f64 > limit).collect();
    let why = match items.first() {
        None => format!("Nothing in progress is older than the {:.0}th percentile ({limit:.1} days).", cfg.aging_percentile),
        Some(&(idx, age)) => format!(
            "{} in progress longer than {:.1} days (the {:.0}th percentile of cycle time); {} for {}.",
            plural(items.len(), "item has been", "items have been"),
            limit,
            cfg.aging_percentile,
            ix.issue(idx).key,
            plural(age.max(0) as usize, "day", "days")
        ),
    };
    let evidence = keys(ix, items.iter().map(|(i, _)| *i), cfg.max_evidence);
    Signal::new(
        FactorKind::AgingWip,
        saturate(items.len() as f64, cfg.aging_saturation),
        items.len(),
        evidence,
        why,
    )
}

fn stalled(
    ix: &Index<'_>,
    open: &[usize],
    t: DateTime<Utc>,
    cfg: &RiskConfig,
    explain: bool,
) -> Signal {
    let mut items: Vec<(usize, f64)> = open
        .iter()
        .filter(|&&idx| {
            let issue = ix.issue(idx);
            in_progress(ix, issue, t) && ix.blocked_since(issue, t).is_none()
        })
        .map(|&idx| (idx, signals::days_between(signals::last_activity(ix.issue(idx), t), t)))
        .filter(|(_, quiet)| *quiet >= cfg.stalled_days)
        .collect();
    crate::sort::stable_by(&mut items, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let why = if explain {
        match items.first() {
            None => format!("Everything in progress moved within {:.0} days.", cfg.stalled_days),
            Some(&(idx, quiet)) => format!(
                "{} in progress without any change for {:.0}+ days; {} for {}.",
                plural(items.len(), "item sits", "items sit"),
                cfg.stalled_days,
                ix.issue(idx).key,
                days(quiet)
            ),
        }
    } else {
        String::new()
    };
    let evidence =
        keys(ix, items.iter().map(|(i, _)| *i), if explain { cfg.max_evidence } else { 0 });
    Signal::new(
        FactorKind::Stalled,
        saturate(items.len() as f64, cfg.stalled_saturation),
        items.len(),
        evidence,
        why,
    )
}

fn no_sprint(why: &str) -> [Signal; 3] {
    [
        Signal::not_applicable(FactorKind::SprintCompletion, why.to_owned()),
        Signal::not_applicable(FactorKind::ScopeCreep, why.to_owned()),
        Signal::not_applicable(FactorKind::CarryOver, why.to_owned()),
    ]
}

/// The running sprint's completion odds, scope creep and carry-over.
fn sprint(ix: &Index<'_>, scope: Scope<'_>, t: DateTime<Utc>, cfg: &RiskConfig) -> [Signal; 3] {
    let Some(team) = scope.team else {
        return no_sprint("No team, so no sprint.");
    };
    let Some(running) = ix.sprint_odds(team, scope.team_issues, t) else {
        return no_sprint("No sprint is running.");
    };
    let sprint = running.sprint;
    // Scope is the team's issues, so the sprint's members are the ones in scope.
    let members = running.members;
    let remaining = running.remaining;
    let days_left = running.days_left;
    let start = sprint.start.unwrap_or(t);
    let completion = match running.odds {
        None => Signal::new(
            FactorKind::SprintCompletion,
            0.0,
            0,
            Vec::new(),
            format!("{} has no throughput history to forecast from.", sprint.name),
        ),
        Some(odds) => {
            let span = (cfg.sprint_target - cfg.sprint_floor).max(f64::EPSILON);
            let severity = ((cfg.sprint_target - odds) / span).clamp(0.0, 1.0);
            let why = format!(
                "{} has a {:.0}% chance of finishing its {} in {}.",
                sprint.name,
                odds * 100.0,
                plural(remaining.len(), "remaining item", "remaining items"),
                plural(days_left as usize, "day", "days")
            );
            Signal::new(
                FactorKind::SprintCompletion,
                severity,
                usize::from(odds < cfg.sprint_target),
                keys(ix, remaining.iter().copied(), cfg.max_evidence),
                why,
            )
        }
    };
    // A short grace after the start, so items moved in during planning count as committed.
    let committed_at = start + Duration::hours(cfg.sprint_start_grace_hours);
    let added: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| {
            let issue = ix.issue(i);
            issue.created > committed_at
                || !signals::sprints_at(issue, committed_at).contains(&sprint.id)
        })
        .collect();
    let share = if members.is_empty() { 0.0 } else { added.len() as f64 / members.len() as f64 };
    let creep = Signal::new(
        FactorKind::ScopeCreep,
        saturate(share, cfg.scope_creep_full),
        added.len(),
        keys(ix, added.iter().copied(), cfg.max_evidence),
        format!(
            "{} of {} items in {} ({:.0}%) were added after it started.",
            added.len(),
            members.len(),
            sprint.name,
            share * 100.0
        ),
    );
    let carried: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| {
            signals::sprints_at(ix.issue(i), t).iter().any(|other| {
                *other != sprint.id
                    && ix
                        .dataset
                        .sprint(*other)
                        .is_some_and(|s| s.start.is_some_and(|s_start| s_start < start))
            })
        })
        .collect();
    let carried_share =
        if members.is_empty() { 0.0 } else { carried.len() as f64 / members.len() as f64 };
    let carry = Signal::new(
        FactorKind::CarryOver,
        saturate(carried_share, cfg.carry_over_full),
        carried.len(),
        keys(ix, carried.iter().copied(), cfg.max_evidence),
        format!(
            "{} of {} items in {} ({:.0}%) were carried over from an earlier sprint.",
            carried.len(),
            members.len(),
            sprint.name,
            carried_share * 100.0
        ),
    );
    [completion, creep, carry]
}

fn cross_team(
    ix: &Index<'_>,
    open: &[usize],
    t: DateTime<Utc>,
    cfg: &RiskConfig,
    explain: bool,
) -> Signal {
    let pairs = ix.cross_team_blockers(open, t);
    let why = if explain {
        match pairs.first() {
            None => "Nothing waits on another team.".to_owned(),
            Some(&(blocked, blocker)) => {
                let other = ix.issue(blocker);
                let team = other.team.as_ref().map_or_else(String::new, |tm| format!(" ({tm})"));
                let more = if pairs.len() > 1 {
                    format!("; {}", plural(pairs.len() - 1, "more wait", "more waits"))
                } else {
                    String::new()
                };
                format!("{} waits on {}{team}, not done{more}.", ix.issue(blocked).key, other.key)
            }
        }
    } else {
        String::new()
    };
    let mut evidence = Vec::new();
    for &(blocked, blocker) in &pairs {
        for idx in [blocked, blocker] {
            let key = &ix.issue(idx).key;
            if explain && !evidence.contains(key) && evidence.len() < cfg.max_evidence {
                evidence.push(key.clone());
            }
        }
    }
    Signal::new(
        FactorKind::CrossTeamDependencies,
        saturate(pairs.len() as f64, cfg.dependency_saturation),
        pairs.len(),
        evidence,
        why,
    )
}

/// An epic's open work and the forecast of when it is done.
#[derive(Debug, Clone)]
pub(crate) struct EpicOutlook {
    /// Open children.
    pub(crate) remaining: usize,
    /// The first day of forecast work (the instant's day).
    pub(crate) start: NaiveDate,
    /// Days until the open children are done; `None` when nothing was
    /// finished lately to forecast from, or nothing remains.
    pub(crate) when: Option<Rc<ExactWhen>>,
}

impl EpicOutlook {
    /// The odds of landing on or before `due`.
    pub(crate) fn odds_by(&self, due: NaiveDate) -> f64 {
        match &self.when {
            _ if self.remaining == 0 => 1.0,
            Some(when) => signals::probability(when.by_date(self.start, due)),
            None => 0.0,
        }
    }
}

/// When an epic's open children will be done, by [`crate::forecast::when`]'s
/// exact method: from the epic's own daily throughput when it finished at
/// least two items in the sample window, else from its team's, shared in
/// proportion to open work — at `share = epic open / team open` of the team's
/// pace, the epic's `n` items take as long as the team's open items at full
/// pace, so the forecast is the team's for `max(n, team open)` items.
pub(crate) fn epic_outlook(
    ix: &Index<'_>,
    epic: usize,
    team_issues: &[usize],
    t: DateTime<Utc>,
) -> EpicOutlook {
    let issue = ix.issue(epic);
    let children = ix.children.get(issue.key.as_str()).map_or(&[][..], Vec::as_slice);
    let remaining = ix.open_count(children, t);
    let start = ix.day(t);
    if remaining == 0 {
        return EpicOutlook { remaining, start, when: None };
    }
    let own = ix.daily_throughput(children, t, SAMPLE_DAYS);
    let (source, items) = if own.iter().sum::<u32>() >= 2 {
        (children, remaining)
    } else {
        (team_issues, remaining.max(ix.open_count(team_issues, t)))
    };
    EpicOutlook { remaining, start, when: ix.when_done(source, t, items as u32) }
}

/// The odds that an epic's open children are done by its due date.
pub(crate) fn deadline_odds(
    ix: &Index<'_>,
    epic: usize,
    team_issues: &[usize],
    t: DateTime<Utc>,
) -> Option<f64> {
    let due = ix.issue(epic).due?;
    Some(epic_outlook(ix, epic, team_issues, t).odds_by(due))
}

fn deadline(ix: &Index<'_>, scope: Scope<'_>, t: DateTime<Utc>, cfg: &RiskConfig) -> Signal {
    let epics: Vec<usize> = match scope.epic {
        Some(epic) => vec![epic],
        None => ix
            .epics
            .iter()
            .copied()
            .filter(|&e| {
                let epic = ix.issue(e);
                epic.team.as_ref() == scope.team && epic.due.is_some() && ix.is_open_at(epic, t)
            })
            .collect(),
    };
    let mut at_risk: Vec<(usize, f64)> = epics
        .iter()
        .filter_map(|&e| deadline_odds(ix, e, scope.team_issues, t).map(|odds| (e, odds)))
        .filter(|(e, odds)| *odds < cfg.deadline_probability && ix.is_open_at(ix.issue(*e), t))
        .collect();
    crate::sort::stable_by(&mut at_risk, |a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let severity = at_risk.first().map_or(0.0, |(_, odds)| {
        (cfg.deadline_probability - odds) / cfg.deadline_probability.max(f64::EPSILON)
    });
    let why = match at_risk.first() {
        None if scope.epic.is_some() && ix.issue(epics[0]).due.is_none() => {
            "The epic has no due date.".to_owned()
        }
        None => format!(
            "Every dated epic has at least a {:.0}% chance of landing on time.",
            cfg.deadline_probability * 100.0
        ),
        Some(&(e, odds)) => {
            let epic = ix.issue(e);
            let due = epic.due.map_or_else(String::new, |d| d.to_string());
            format!(
                "{} has {} below {:.0}%: {} \"{}\" has a {:.0}% chance of landing by {due}.",
                if scope.epic.is_some() { "The epic" } else { "The team" },
                plural(at_risk.len(), "deadline", "deadlines"),
                cfg.deadline_probability * 100.0,
                epic.key,
                epic.summary,
                odds * 100.0
            )
        }
    };
    let evidence = keys(ix, at_risk.iter().map(|(e, _)| *e), cfg.max_evidence);
    Signal::new(FactorKind::Deadline, severity, at_risk.len(), evidence, why)
}
