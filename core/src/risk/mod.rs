//! Cross-team risk: a 0–100 score per team, per epic and for the organisation,
//! where every point is explained.
//!
//! A score is the sum of ten factors (blocked work, overdue items, open P0/P1,
//! aging WIP, stalled items, sprint completion odds, scope creep, carry-over,
//! cross-team dependencies, deadlines at risk). Each factor observes a
//! severity in `[0, 1]`, multiplies it by its weight (its share of 100 points)
//! and the products are rounded to whole points by the largest-remainder
//! method, so the factors' points always add up exactly to the score.
//! `docs/metrics.md` ("Risk, alerts and summary") gives the formulas.
//!
//! Weights and thresholds live in [`RiskConfig`] (serde, so the proxy's TOML
//! config can carry it) with documented defaults. The trend compares with the
//! same computation as of one week earlier, from the same dataset.

pub(crate) mod factors;
#[cfg(test)]
pub(crate) mod fixture;
pub mod graph;
pub(crate) mod signals;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Dataset, IssueKey, TeamId};

use factors::{Scope, Signal};
use signals::Index;

/// The factors a risk score is made of, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// Open items in a blocked status or flagged, weighted by how long.
    Blocked,
    /// Open items whose due date has passed.
    Overdue,
    /// Open P0/P1 items (P0 counts double).
    HighPriority,
    /// Items in progress for longer than the 85th percentile of cycle time.
    AgingWip,
    /// Items in progress with no change for several days.
    Stalled,
    /// The running sprint's odds of finishing its remaining items.
    SprintCompletion,
    /// Share of the running sprint's items added after it started.
    ScopeCreep,
    /// Share of the running sprint's items carried over from an earlier sprint.
    CarryOver,
    /// Open items blocked by an unfinished issue of another team.
    CrossTeamDependencies,
    /// Dated epics whose odds of landing on time are below the threshold.
    Deadline,
}

impl FactorKind {
    /// Every factor, in display order.
    pub const ALL: [FactorKind; 10] = [
        FactorKind::Blocked,
        FactorKind::Overdue,
        FactorKind::HighPriority,
        FactorKind::AgingWip,
        FactorKind::Stalled,
        FactorKind::SprintCompletion,
        FactorKind::ScopeCreep,
        FactorKind::CarryOver,
        FactorKind::CrossTeamDependencies,
        FactorKind::Deadline,
    ];

    /// The name used in JSON and config (`aging_wip`).
    pub fn name(self) -> &'static str {
        match self {
            FactorKind::Blocked => "blocked",
            FactorKind::Overdue => "overdue",
            FactorKind::HighPriority => "high_priority",
            FactorKind::AgingWip => "aging_wip",
            FactorKind::Stalled => "stalled",
            FactorKind::SprintCompletion => "sprint_completion",
            FactorKind::ScopeCreep => "scope_creep",
            FactorKind::CarryOver => "carry_over",
            FactorKind::CrossTeamDependencies => "cross_team_dependencies",
            FactorKind::Deadline => "deadline",
        }
    }

    /// Words for people ("cross-team dependencies").
    pub fn label(self) -> &'static str {
        match self {
            FactorKind::Blocked => "blocked work",
            FactorKind::Overdue => "overdue items",
            FactorKind::HighPriority => "open P0/P1 items",
            FactorKind::AgingWip => "aging work in progress",
            FactorKind::Stalled => "stalled items",
            FactorKind::SprintCompletion => "sprint completion odds",
            FactorKind::ScopeCreep => "scope creep",
            FactorKind::CarryOver => "carry-over",
            FactorKind::CrossTeamDependencies => "cross-team dependencies",
            FactorKind::Deadline => "deadlines at risk",
        }
    }

    /// What `count` counts for this factor: singular and plural.
    fn noun(self) -> (&'static str, &'static str) {
        match self {
            FactorKind::Blocked => ("blocked item", "blocked items"),
            FactorKind::Overdue => ("overdue item", "overdue items"),
            FactorKind::HighPriority => ("open P0/P1 item", "open P0/P1 items"),
            FactorKind::AgingWip => {
                ("item aging past the 85th percentile", "items aging past the 85th percentile")
            }
            FactorKind::Stalled => ("stalled item", "stalled items"),
            FactorKind::SprintCompletion => {
                ("sprint below the target odds", "sprints below the target odds")
            }
            FactorKind::ScopeCreep => {
                ("item added after its sprint started", "items added after their sprint started")
            }
            FactorKind::CarryOver => ("item carried over", "items carried over"),
            FactorKind::CrossTeamDependencies => ("wait on another team", "waits on another team"),
            FactorKind::Deadline => ("deadline at risk", "deadlines at risk"),
        }
    }
}

/// Weight of each factor: the points it contributes at full severity. The
/// defaults add up to 100; other values are rescaled to 100 over the factors
/// that apply, so the score stays within 0–100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskWeights {
    /// Default 20.
    pub blocked: f64,
    /// Default 10.
    pub overdue: f64,
    /// Default 15.
    pub high_priority: f64,
    /// Default 10.
    pub aging_wip: f64,
    /// Default 5.
    pub stalled: f64,
    /// Default 15.
    pub sprint_completion: f64,
    /// Default 5.
    pub scope_creep: f64,
    /// Default 5.
    pub carry_over: f64,
    /// Default 10.
    pub cross_team_dependencies: f64,
    /// Default 5.
    pub deadline: f64,
}

impl Default for RiskWeights {
    fn default() -> Self {
        RiskWeights {
            blocked: 20.0,
            overdue: 10.0,
            high_priority: 15.0,
            aging_wip: 10.0,
            stalled: 5.0,
            sprint_completion: 15.0,
            scope_creep: 5.0,
            carry_over: 5.0,
            cross_team_dependencies: 10.0,
            deadline: 5.0,
        }
    }
}

impl RiskWeights {
    /// The weight of `kind`, never negative.
    pub fn of(&self, kind: FactorKind) -> f64 {
        let weight = match kind {
            FactorKind::Blocked => self.blocked,
            FactorKind::Overdue => self.overdue,
            FactorKind::HighPriority => self.high_priority,
            FactorKind::AgingWip => self.aging_wip,
            FactorKind::Stalled => self.stalled,
            FactorKind::SprintCompletion => self.sprint_completion,
            FactorKind::ScopeCreep => self.scope_creep,
            FactorKind::CarryOver => self.carry_over,
            FactorKind::CrossTeamDependencies => self.cross_team_dependencies,
            FactorKind::Deadline => self.deadline,
        };
        if weight.is_finite() {
            weight.max(0.0)
        } else {
            0.0
        }
    }
}

/// Weights and thresholds of the risk score. Every field has a documented
/// default; a TOML `[risk]` table may set any subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskConfig {
    /// Factor weights.
    pub weights: RiskWeights,
    /// Scores from this value are amber (default 30).
    pub amber_from: u32,
    /// Scores from this value are red (default 60).
    pub red_from: u32,
    /// A week-on-week change smaller than this is "steady" (default 5 points).
    pub steady_within: u32,
    /// Status names that mean blocked (default `["Blocked"]`); flagged items count too.
    pub blocked_statuses: Vec<String>,
    /// A blocked item counts fully once blocked this many days, half at once (default 5).
    pub blocked_age_days: f64,
    /// Blocked weight at which the factor is at full severity (default 3).
    pub blocked_saturation: f64,
    /// Overdue items at full severity (default 4).
    pub overdue_saturation: f64,
    /// P0×2 + P1 at full severity (default 4).
    pub high_priority_saturation: f64,
    /// Cycle-time percentile beyond which work in progress is aging (default 85).
    pub aging_percentile: f64,
    /// Aging items at full severity (default 4).
    pub aging_saturation: f64,
    /// Finished items needed before percentiles are trusted (default 5).
    pub min_history: usize,
    /// Days without any change after which an item in progress is stalled (default 5).
    pub stalled_days: f64,
    /// Stalled items at full severity (default 4).
    pub stalled_saturation: f64,
    /// Sprint odds at or above this score nothing (default 0.85).
    pub sprint_target: f64,
    /// Sprint odds at or below this are at full severity (default 0.35).
    pub sprint_floor: f64,
    /// Hours after a sprint starts during which added items still count as committed (default 1).
    pub sprint_start_grace_hours: i64,
    /// Share of a sprint added after its start at full severity (default 0.3).
    pub scope_creep_full: f64,
    /// Share of a sprint carried over at full severity (default 0.3).
    pub carry_over_full: f64,
    /// Cross-team waits at full severity (default 3).
    pub dependency_saturation: f64,
    /// A deadline whose odds are below this is at risk (default 0.7).
    pub deadline_probability: f64,
    /// Issue keys listed per factor at most (default 10).
    pub max_evidence: usize,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            weights: RiskWeights::default(),
            amber_from: 30,
            red_from: 60,
            steady_within: 5,
            blocked_statuses: vec!["Blocked".to_owned()],
            blocked_age_days: 5.0,
            blocked_saturation: 3.0,
            overdue_saturation: 4.0,
            high_priority_saturation: 4.0,
            aging_percentile: 85.0,
            aging_saturation: 4.0,
            min_history: 5,
            stalled_days: 5.0,
            stalled_saturation: 4.0,
            sprint_target: 0.85,
            sprint_floor: 0.35,
            sprint_start_grace_hours: 1,
            scope_creep_full: 0.3,
            carry_over_full: 0.3,
            dependency_saturation: 3.0,
            deadline_probability: 0.7,
            max_evidence: 10,
        }
    }
}

impl RiskConfig {
    /// The level of a score under this config's thresholds.
    pub fn level(&self, score: u32) -> RiskLevel {
        if score >= self.red_from {
            RiskLevel::Red
        } else if score >= self.amber_from {
            RiskLevel::Amber
        } else {
            RiskLevel::Green
        }
    }
}

/// Traffic-light level of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Below `amber_from`.
    Green,
    /// From `amber_from` to below `red_from`.
    Amber,
    /// From `red_from`.
    Red,
}

impl std::fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RiskLevel::Green => "green",
            RiskLevel::Amber => "amber",
            RiskLevel::Red => "red",
        })
    }
}

/// Which way the score moved since last week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    /// Higher by at least `steady_within`.
    Worse,
    /// Lower by at least `steady_within`.
    Better,
    /// Within `steady_within` of last week.
    Steady,
    /// Nothing to compare with a week ago.
    New,
}

/// The score a week earlier and the change since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Score as of one week before; `None` when the scope did not exist then.
    pub previous: Option<u32>,
    /// `score − previous`.
    pub delta: Option<i32>,
    /// Direction of the change.
    pub direction: TrendDirection,
}

/// One factor's share of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Factor name (`blocked`, `aging_wip`...).
    pub name: FactorKind,
    /// Points the factor gives at full severity (weights of the factors that apply sum to 100).
    pub weight: f64,
    /// Points it gives now; the points of all factors add up to the score.
    pub points: u32,
    /// The issues behind it, most telling first.
    pub evidence: Vec<IssueKey>,
    /// One sentence on why.
    pub why: String,
}

/// A scored thing: `{score, level, trend, factors}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskScore {
    /// 0–100, the sum of the factors' points.
    pub score: u32,
    /// Traffic light.
    pub level: RiskLevel,
    /// Change since a week earlier.
    pub trend: Trend,
    /// Every factor, in [`FactorKind::ALL`] order.
    pub factors: Vec<Factor>,
}

impl RiskScore {
    /// The factor giving the most points, if any gives some.
    pub fn top_factor(&self) -> Option<&Factor> {
        self.factors
            .iter()
            .filter(|f| f.points > 0)
            .max_by_key(|f| (f.points, std::cmp::Reverse(f.name)))
    }
}

/// A team's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRisk {
    /// The team.
    pub team: TeamId,
    /// Its score.
    pub risk: RiskScore,
}

/// An epic's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpicRisk {
    /// The epic.
    pub epic: IssueKey,
    /// Its summary.
    pub summary: String,
    /// Its team.
    pub team: Option<TeamId>,
    /// Its due date.
    pub due: Option<NaiveDate>,
    /// Its score.
    pub risk: RiskScore,
}

/// Everything risk has to say at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskReport {
    /// When the scores are computed.
    pub as_of: DateTime<Utc>,
    /// The organisation's roll-up.
    pub organisation: RiskScore,
    /// One per team, in team order.
    pub teams: Vec<TeamRisk>,
    /// Open epics with children, riskiest first.
    pub epics: Vec<EpicRisk>,
    /// Cross-team dependency graph.
    pub dependencies: graph::DependencyGraph,
}

/// Turns severities into whole points that add up to the score.
///
/// Applicable factors share 100 points in proportion to their weights; each
/// earns `weight × severity`; the score is that sum rounded half up; points are
/// the floors plus one for the largest remainders (ties to the earlier factor)
/// until they reach the score. Not-applicable factors get weight 0 and 0 points.
pub(crate) fn score_signals(signals: &[Signal], cfg: &RiskConfig) -> (u32, Vec<Factor>) {
    let total: f64 =
        signals.iter().filter(|s| s.severity.is_some()).map(|s| cfg.weights.of(s.kind)).sum();
    let weights: Vec<f64> = signals
        .iter()
        .map(|s| match s.severity {
            Some(_) if total > 0.0 => 100.0 * cfg.weights.of(s.kind) / total,
            _ => 0.0,
        })
        .collect();
    let raw: Vec<f64> = signals
        .iter()
        .zip(&weights)
        .map(|(s, w)| w * s.severity.unwrap_or(0.0).clamp(0.0, 1.0))
        .collect();
    let score = ((raw.iter().sum::<f64>() + 0.5 + 1e-9).floor() as u32).min(100);
    let mut points: Vec<u32> = raw.iter().map(|r| (r + 1e-9).floor() as u32).collect();
    let mut order: Vec<usize> = (0..raw.len()).collect();
    crate::sort::stable_by(&mut order, |&a, &b| {
        let fa = raw[a] - f64::from(points[a]);
        let fb = raw[b] - f64::from(points[b]);
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let mut assigned: u32 = points.iter().sum();
    let mut next = 0;
    while assigned < score && !order.is_empty() {
        points[order[next % order.len()]] += 1;
        assigned += 1;
        next += 1;
    }
    // Floors cannot exceed the rounded sum, but guard against float edge cases.
    while assigned > score {
        if let Some(max) = (0..points.len()).filter(|&i| points[i] > 0).min_by(|&a, &b| {
            let fa = raw[a] - f64::from(points[a]);
            let fb = raw[b] - f64::from(points[b]);
            fa.total_cmp(&fb)
        }) {
            points[max] -= 1;
            assigned -= 1;
        } else {
            break;
        }
    }
    let factors = signals
        .iter()
        .zip(weights)
        .zip(points)
        .map(|((s, weight), points)| Factor {
            name: s.kind,
            weight: (weight * 100.0).round() / 100.0,
            points,
            evidence: s.evidence.clone(),
            why: s.why.clone(),
        })
        .collect();
    (score, factors)
}

fn trend(score: u32, previous: Option<u32>, cfg: &RiskConfig) -> Trend {
    let Some(previous) = previous else {
        return Trend { previous: None, delta: None, direction: TrendDirection::New };
    };
    let delta = score as i32 - previous as i32;
    let direction = if delta.unsigned_abs() < cfg.steady_within {
        TrendDirection::Steady
    } else if delta > 0 {
        TrendDirection::Worse
    } else {
        TrendDirection::Better
    };
    Trend { previous: Some(previous), delta: Some(delta), direction }
}

fn finish(signals: &[Signal], previous: Option<u32>, cfg: &RiskConfig) -> RiskScore {
    let (score, factors) = score_signals(signals, cfg);
    RiskScore { score, level: cfg.level(score), trend: trend(score, previous, cfg), factors }
}

/// Combines the teams' signals: per factor, severity is the mean of the teams
/// where it applies, pulled halfway towards the worst team (one red team is
/// not diluted away by five green ones); evidence comes from the worst teams.
fn roll_up(teams: &[(TeamId, Vec<Signal>)], cfg: &RiskConfig) -> Vec<Signal> {
    FactorKind::ALL
        .iter()
        .enumerate()
        .map(|(n, &kind)| {
            let applicable: Vec<(&TeamId, &Signal)> = teams
                .iter()
                .map(|(team, s)| (team, &s[n]))
                .filter(|(_, s)| s.severity.is_some())
                .collect();
            if applicable.is_empty() {
                return Signal {
                    kind,
                    severity: None,
                    count: 0,
                    evidence: Vec::new(),
                    why: "Applies to no team right now.".to_owned(),
                };
            }
            let severities: Vec<f64> =
                applicable.iter().map(|(_, s)| s.severity.unwrap_or(0.0)).collect();
            let mean = severities.iter().sum::<f64>() / severities.len() as f64;
            let max = severities.iter().copied().fold(0.0, f64::max);
            let count: usize = applicable.iter().map(|(_, s)| s.count).sum();
            let mut ranked = applicable.clone();
            crate::sort::stable_by(&mut ranked, |a, b| {
                b.1.severity
                    .unwrap_or(0.0)
                    .total_cmp(&a.1.severity.unwrap_or(0.0))
                    .then(b.1.count.cmp(&a.1.count))
            });
            let mut evidence = Vec::new();
            for (_, s) in &ranked {
                for key in &s.evidence {
                    if evidence.len() < cfg.max_evidence && !evidence.contains(key) {
                        evidence.push(key.clone());
                    }
                }
            }
            let why = match ranked.first() {
                Some((worst, s)) if count > 0 => format!(
                    "{} across {} teams; most in {worst} ({}).",
                    factors::plural(count, kind.noun().0, kind.noun().1),
                    applicable.len(),
                    s.count
                ),
                _ => format!("No {} in any team.", kind.noun().1),
            };
            Signal { kind, severity: Some(0.5 * mean + 0.5 * max), count, evidence, why }
        })
        .collect()
}

struct Observed {
    teams: Vec<(TeamId, Vec<Signal>)>,
    organisation: Vec<Signal>,
}

/// Every team's signals at `t` and their roll-up; `explain` as in [`Scope`].
fn observe_all(ix: &Index<'_>, t: DateTime<Utc>, cfg: &RiskConfig, explain: bool) -> Observed {
    let teams: Vec<(TeamId, Vec<Signal>)> = ix
        .by_team
        .iter()
        .map(|(team, issues)| {
            let scope =
                Scope { issues, team_issues: issues, team: Some(team), epic: None, explain };
            (team.clone(), factors::observe(ix, scope, t, cfg))
        })
        .collect();
    let organisation = roll_up(&teams, cfg);
    Observed { teams, organisation }
}

fn existed(ix: &Index<'_>, issues: &[usize], t: DateTime<Utc>) -> bool {
    issues.iter().any(|&i| ix.issue(i).created <= t)
}

fn epic_signals(
    ix: &Index<'_>,
    epic: usize,
    t: DateTime<Utc>,
    cfg: &RiskConfig,
    explain: bool,
) -> Option<Vec<Signal>> {
    let issue = ix.issue(epic);
    let children = ix.children.get(issue.key.as_str())?;
    let team_issues =
        issue.team.as_ref().and_then(|tm| ix.by_team.get(tm)).map_or(&children[..], Vec::as_slice);
    let scope = Scope {
        issues: children,
        team_issues,
        team: issue.team.as_ref(),
        epic: Some(epic),
        explain,
    };
    existed(ix, children, t).then(|| factors::observe(ix, scope, t, cfg))
}

/// Risk of every team, every open epic and the organisation as of `as_of`,
/// with the trend against `as_of − 7 days` and the dependency graph.
pub fn risk_report(dataset: &Dataset, as_of: DateTime<Utc>, cfg: &RiskConfig) -> RiskReport {
    let ix = Index::new(dataset, &cfg.blocked_statuses, signals::horizon(as_of));
    report_in(&ix, as_of, cfg)
}

/// [`risk_report`] on a prepared index (shared with the summary and alerts).
pub(crate) fn report_in(ix: &Index<'_>, as_of: DateTime<Utc>, cfg: &RiskConfig) -> RiskReport {
    let dataset = ix.dataset;
    let week_ago = as_of - Duration::days(7);
    let now = observe_all(ix, as_of, cfg, true);
    // Only last week's scores are read.
    let before = observe_all(ix, week_ago, cfg, false);
    let teams = now
        .teams
        .iter()
        .zip(&before.teams)
        .map(|((team, signals), (_, previous))| {
            let issues = &ix.by_team[team];
            let previous = existed(ix, issues, week_ago).then(|| score_signals(previous, cfg).0);
            TeamRisk { team: team.clone(), risk: finish(signals, previous, cfg) }
        })
        .collect();
    let org_previous = existed(ix, &(0..dataset.issues.len()).collect::<Vec<_>>(), week_ago)
        .then(|| score_signals(&before.organisation, cfg).0);
    let organisation = finish(&now.organisation, org_previous, cfg);
    let mut epics: Vec<EpicRisk> = ix
        .epics
        .iter()
        .copied()
        .filter(|&e| ix.is_open_at(ix.issue(e), as_of))
        .filter_map(|e| {
            let signals = epic_signals(ix, e, as_of, cfg, true)?;
            let previous =
                epic_signals(ix, e, week_ago, cfg, false).map(|s| score_signals(&s, cfg).0);
            let issue = ix.issue(e);
            Some(EpicRisk {
                epic: issue.key.clone(),
                summary: issue.summary.clone(),
                team: issue.team.clone(),
                due: issue.due,
                risk: finish(&signals, previous, cfg),
            })
        })
        .collect();
    crate::sort::stable_by(&mut epics, |a, b| {
        b.risk.score.cmp(&a.risk.score).then(a.epic.cmp(&b.epic))
    });
    let dependencies = graph::dependency_graph_in(ix, as_of, cfg);
    RiskReport { as_of, organisation, teams, epics, dependencies }
}

/// One team's risk as of `as_of`; `None` for a team the dataset does not know.
pub fn team_risk(
    dataset: &Dataset,
    team: &TeamId,
    as_of: DateTime<Utc>,
    cfg: &RiskConfig,
) -> Option<RiskScore> {
    let ix = Index::new(dataset, &cfg.blocked_statuses, signals::horizon(as_of));
    let issues = ix.by_team.get(team)?;
    let observe = |t, explain| {
        let scope = Scope { issues, team_issues: issues, team: Some(team), epic: None, explain };
        factors::observe(&ix, scope, t, cfg)
    };
    let week_ago = as_of - Duration::days(7);
    let previous =
        existed(&ix, issues, week_ago).then(|| score_signals(&observe(week_ago, false), cfg).0);
    Some(finish(&observe(as_of, true), previous, cfg))
}

/// One epic's risk as of `as_of`; `None` when `epic` is not an epic with children.
pub fn epic_risk(
    dataset: &Dataset,
    epic: &IssueKey,
    as_of: DateTime<Utc>,
    cfg: &RiskConfig,
) -> Option<RiskScore> {
    let ix = Index::new(dataset, &cfg.blocked_statuses, signals::horizon(as_of));
    let idx = *ix.by_key.get(epic.as_str())?;
    if !signals::is_epic(ix.issue(idx)) {
        return None;
    }
    let signals = epic_signals(&ix, idx, as_of, cfg, true)?;
    let previous = epic_signals(&ix, idx, as_of - Duration::days(7), cfg, false)
        .map(|s| score_signals(&s, cfg).0);
    Some(finish(&signals, previous, cfg))
}

#[cfg(test)]
mod tests;
