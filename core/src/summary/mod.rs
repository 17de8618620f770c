//! The weekly executive summary: what a VP reads in two minutes on Monday.
//!
//! [`executive_summary`] reads the dataset at the end of an ISO week (or at
//! `as_of` if the week is not over) and writes plain sentences from the same
//! numbers the dashboard shows: per team and for the organisation, throughput
//! against the 4-week mean, velocity and predictability, the running sprint's
//! odds, forecast dates of the top epics with their odds and how they moved
//! since last week, the top risks with their reason, the week's alerts and what
//! shipped. [`render`] turns it into Markdown, print-friendly HTML or JSON.

pub mod render;
mod week;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::{self, AlertOptions, AlertRule, AlertState, Severity};
use crate::model::{Dataset, IssueKey, TeamId};
use crate::risk::factors;
use crate::risk::signals::{self, Index};
use crate::risk::{self, RiskConfig, RiskLevel, TrendDirection};

pub use week::{IsoWeek, IsoWeekError};

/// Options of the summary; defaults suit a weekly report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryOptions {
    /// Risk weights and thresholds.
    pub risk: RiskConfig,
    /// Alert thresholds.
    pub alerts: AlertOptions,
    /// Epics listed with their forecast (default 5).
    pub top_epics: usize,
    /// Risks listed (default 3).
    pub top_risks: usize,
    /// Alerts listed (default 8).
    pub max_alerts: usize,
    /// Shipped items named per team (default 3).
    pub shipped_per_team: usize,
    /// Closed sprints behind velocity and predictability (default 4).
    pub sprints_for_velocity: usize,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            risk: RiskConfig::default(),
            alerts: AlertOptions::default(),
            top_epics: 5,
            top_risks: 3,
            max_alerts: 8,
            shipped_per_team: 3,
            sprints_for_velocity: 4,
        }
    }
}

/// Items finished in the week against the mean of the four weeks before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Items finished this week.
    pub this_week: u32,
    /// Mean items per week over the previous four weeks.
    pub mean_4w: f64,
}

/// Sprint velocity over the last closed sprints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Velocity {
    /// Sprints measured.
    pub sprints: usize,
    /// Mean points completed per sprint.
    pub mean_points: f64,
    /// Share of committed points completed (the say/do ratio), 0–1.
    pub predictability: f64,
}

/// One team's week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamSummary {
    /// The team.
    pub team: TeamId,
    /// Risk score.
    pub score: u32,
    /// Risk level.
    pub level: RiskLevel,
    /// Change of the risk score since last week.
    pub trend: Option<i32>,
    /// Throughput.
    pub throughput: Throughput,
    /// Velocity, when the team runs sprints.
    pub velocity: Option<Velocity>,
    /// The running sprint's odds of finishing, when one runs.
    pub sprint_odds: Option<f64>,
    /// Two to four sentences.
    pub sentences: Vec<String>,
}

/// An epic's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpicForecast {
    /// The epic.
    pub epic: IssueKey,
    /// Its summary.
    pub summary: String,
    /// Its team.
    pub team: Option<TeamId>,
    /// Items left.
    pub remaining: usize,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// Even-odds finish date.
    pub p50: Option<NaiveDate>,
    /// 85%-odds finish date.
    pub p85: Option<NaiveDate>,
    /// Odds of landing by the due date.
    pub odds: Option<f64>,
    /// Days the 85% date moved since last week (positive: later).
    pub moved_days: Option<i64>,
    /// One sentence.
    pub sentence: String,
}

/// A risk worth a VP's attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskLine {
    /// Team name or epic key and summary.
    pub subject: String,
    /// Score.
    pub score: u32,
    /// Level.
    pub level: RiskLevel,
    /// Reason, one sentence.
    pub reason: String,
}

/// An alert of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertLine {
    /// Severity.
    pub severity: Severity,
    /// Rule.
    pub rule: AlertRule,
    /// Team.
    pub team: Option<TeamId>,
    /// Title.
    pub title: String,
}

/// What a team shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipped {
    /// The team.
    pub team: TeamId,
    /// Items finished.
    pub items: u32,
    /// Points finished.
    pub points: f64,
    /// Epics finished.
    pub epics: Vec<IssueKey>,
    /// Notable items (highest priority, then largest), with summaries.
    pub highlights: Vec<(IssueKey, String)>,
    /// One sentence.
    pub sentence: String,
}

/// The weekly executive summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutiveSummary {
    /// The ISO week, such as `2026-W48`.
    pub week: IsoWeek,
    /// Monday of the week.
    pub from: NaiveDate,
    /// Sunday of the week.
    pub to: NaiveDate,
    /// The instant the numbers are read at: the end of the week, or `as_of` if earlier.
    pub as_of: DateTime<Utc>,
    /// The organisation in two or three sentences.
    pub headline: Vec<String>,
    /// The organisation's risk score.
    pub score: u32,
    /// The organisation's level.
    pub level: RiskLevel,
    /// The organisation's throughput.
    pub throughput: Throughput,
    /// Per team.
    pub teams: Vec<TeamSummary>,
    /// Top epics with forecasts.
    pub epics: Vec<EpicForecast>,
    /// Top risks.
    pub risks: Vec<RiskLine>,
    /// Alerts raised this week.
    pub alerts: Vec<AlertLine>,
    /// What shipped, per team.
    pub shipped: Vec<Shipped>,
}

/// Items finished in `[week_start, t)` (the list) and in the four weeks before (the count).
fn finished_weeks(
    ix: &Index<'_>,
    issues: &[usize],
    week_start: DateTime<Utc>,
    t: DateTime<Utc>,
) -> (Vec<usize>, usize) {
    let this_week = ix.finished_between(issues, week_start, t);
    let before = ix.finished_between(issues, week_start - Duration::days(28), week_start).len();
    (this_week, before)
}

fn throughput_of(this_week: usize, before: usize) -> Throughput {
    Throughput { this_week: this_week as u32, mean_4w: before as f64 / 4.0 }
}

/// Velocity over the last closed sprints: committed = in the sprint an hour
/// after it started, completed = in it and done when it closed; points are
/// current estimates.
fn velocity(
    ix: &Index<'_>,
    team: &TeamId,
    issues: &[usize],
    t: DateTime<Utc>,
    opts: &SummaryOptions,
) -> Option<Velocity> {
    let board = ix.dataset.teams.iter().find(|tm| &tm.id == team).and_then(|tm| tm.board);
    let mut closed: Vec<_> = ix
        .dataset
        .sprints
        .iter()
        .filter(|s| board.is_some() && s.board == board)
        .filter(|s| s.complete.is_some_and(|c| c <= t) && s.start.is_some())
        .collect();
    crate::sort::stable_by_key(&mut closed, |s| std::cmp::Reverse((s.complete, s.id)));
    closed.truncate(opts.sprints_for_velocity);
    if closed.is_empty() {
        return None;
    }
    let points = |idx: usize| ix.issue(idx).points.map_or(1.0, |p| p.0);
    let (mut completed_sum, mut ratios) = (0.0, Vec::new());
    for sprint in &closed {
        let (Some(start), Some(complete)) = (sprint.start, sprint.complete) else { continue };
        let committed_at = start + Duration::hours(opts.risk.sprint_start_grace_hours);
        let committed: Vec<usize> = ix.sprint_members(issues, sprint.id, committed_at);
        let at_close = ix.sprint_members(issues, sprint.id, complete - Duration::seconds(1));
        let done = |idx: &usize| ix.finished_at(ix.issue(*idx), complete).is_some();
        let completed: f64 = at_close.iter().filter(|i| done(i)).map(|&i| points(i)).sum();
        let committed_points: f64 = committed.iter().map(|&i| points(i)).sum();
        let committed_done: f64 = committed.iter().filter(|i| done(i)).map(|&i| points(i)).sum();
        completed_sum += completed;
        if committed_points > 0.0 {
            ratios.push(committed_done / committed_points);
        }
    }
    if ratios.is_empty() {
        // Sprints with nothing committed say nothing about velocity.
        return None;
    }
    let predictability = (ratios.iter().sum::<f64>() / ratios.len() as f64).clamp(0.0, 1.0);
    Some(Velocity {
        sprints: ratios.len(),
        mean_points: completed_sum / closed.len() as f64,
        predictability,
    })
}

/// "1 item", "3 items".
pub(crate) fn items(n: usize) -> String {
    crate::risk::factors::plural(n, "item", "items")
}

/// "its remaining item", "its 3 remaining items" (after "its").
pub(crate) fn remaining_items(n: usize) -> String {
    if n == 1 {
        "last remaining item".to_owned()
    } else {
        format!("{n} remaining items")
    }
}

fn pct(odds: f64) -> String {
    format!("{:.0}%", odds * 100.0)
}

fn trend_words(delta: Option<i32>, direction: TrendDirection) -> String {
    match (direction, delta) {
        (TrendDirection::New, _) | (_, None) => "new this week".to_owned(),
        (TrendDirection::Steady, _) => "steady".to_owned(),
        (TrendDirection::Worse, Some(d)) => format!("up {d} from last week"),
        (TrendDirection::Better, Some(d)) => format!("down {} from last week", -d),
    }
}

pub(crate) fn epic_forecast_at(
    ix: &Index<'_>,
    epic: usize,
    t: DateTime<Utc>,
) -> Option<EpicForecast> {
    let issue = ix.issue(epic);
    let children = ix.children.get(issue.key.as_str())?;
    let team_issues =
        issue.team.as_ref().and_then(|tm| ix.by_team.get(tm)).map_or(&children[..], Vec::as_slice);
    // The same forecast as the epic's deadline factor in risk.
    let outlook = factors::epic_outlook(ix, epic, team_issues, t);
    let remaining = outlook.remaining;
    // Nothing left to forecast: the epic is done in all but its own status.
    let dates = outlook.when.as_ref().map(|when| when.dates(outlook.start));
    let (p50, p85) = (dates.map(|d| d.p50), dates.map(|d| d.p85));
    let week_ago = t - Duration::days(7);
    let moved_days = (|| {
        let before = factors::epic_outlook(ix, epic, team_issues, week_ago);
        let before_p85 = before.when?.dates(before.start).p85;
        Some((p85? - before_p85).num_days())
    })();
    let odds = issue.due.map(|due| outlook.odds_by(due));
    let name = format!("{} \"{}\"", issue.key, issue.summary);
    let mut sentence = match (p50, p85) {
        (Some(p50), Some(p85)) => {
            format!(
                "{name} should land between {p50} (even odds) and {p85} (85% odds), {} to go",
                items(remaining)
            )
        }
        _ if remaining == 0 => format!("{name} has no open items left but is not closed"),
        _ => {
            format!("{name} has {} to go and no recent progress to forecast from", items(remaining))
        }
    };
    if let (Some(due), Some(odds)) = (issue.due, odds) {
        sentence.push_str(&format!("; {} odds of meeting its {due} due date", pct(odds)));
    }
    match moved_days {
        Some(d) if d > 0 => {
            sentence.push_str(&format!("; {d} days later than last week's forecast"))
        }
        Some(d) if d < 0 => {
            sentence.push_str(&format!("; {} days earlier than last week's forecast", -d))
        }
        Some(_) => sentence.push_str("; unchanged since last week"),
        None => {}
    }
    sentence.push('.');
    Some(EpicForecast {
        epic: issue.key.clone(),
        summary: issue.summary.clone(),
        team: issue.team.clone(),
        remaining,
        due: issue.due,
        p50,
        p85,
        odds,
        moved_days,
        sentence,
    })
}

/// What `team` shipped: `done` are its items finished in `[from, t)`.
fn shipped(
    ix: &Index<'_>,
    team: &TeamId,
    mut done: Vec<usize>,
    from: DateTime<Utc>,
    t: DateTime<Utc>,
    limit: usize,
) -> Shipped {
    let points: f64 = done.iter().map(|&i| ix.issue(i).points.map_or(0.0, |p| p.0)).sum();
    let epics: Vec<IssueKey> = ix
        .epics
        .iter()
        .filter(|&&e| ix.issue(e).team.as_ref() == Some(team))
        .filter(|&&e| ix.finished_at(ix.issue(e), t).is_some_and(|d| d >= from))
        .map(|&e| ix.issue(e).key.clone())
        .collect();
    crate::sort::stable_by(&mut done, |&a, &b| {
        let (ia, ib) = (ix.issue(a), ix.issue(b));
        ia.priority
            .cmp(&ib.priority)
            .then(ib.points.map_or(0.0, |p| p.0).total_cmp(&ia.points.map_or(0.0, |p| p.0)))
            .then(ia.key.cmp(&ib.key))
    });
    let highlights: Vec<(IssueKey, String)> = done
        .iter()
        .take(limit)
        .map(|&i| (ix.issue(i).key.clone(), ix.issue(i).summary.clone()))
        .collect();
    let sentence = if done.is_empty() {
        format!("{team} shipped nothing this week.")
    } else {
        let mut s = format!("{team} shipped {} ({points:.0} points)", items(done.len()));
        if !epics.is_empty() {
            let keys: Vec<&str> = epics.iter().map(IssueKey::as_str).collect();
            s.push_str(&format!(", completing epic {}", keys.join(", ")));
        }
        if let Some((key, summary)) = highlights.first() {
            s.push_str(&format!(", including {key} \"{summary}\""));
        }
        s.push('.');
        s
    };
    Shipped { team: team.clone(), items: done.len() as u32, points, epics, highlights, sentence }
}

/// The executive summary of `week`, read at the end of the week or at `as_of`, whichever is earlier.
pub fn executive_summary(
    dataset: &Dataset,
    week: IsoWeek,
    as_of: DateTime<Utc>,
    opts: &SummaryOptions,
) -> ExecutiveSummary {
    weekly_report(dataset, week, as_of, opts).summary
}

/// The week's risk report, alert evaluation and executive summary together,
/// all read at the same instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyReport {
    /// Risk of the organisation, teams and epics, with the dependency graph.
    pub risk: risk::RiskReport,
    /// The alert rules evaluated from scratch (no previous state).
    pub alerts: alerts::AlertUpdate,
    /// The summary built from both.
    pub summary: ExecutiveSummary,
}

/// Risk, alerts and the executive summary of `week` in one pass: what the
/// Monday report and the dashboard's overview need, sharing one index of the
/// dataset instead of building three.
pub fn weekly_report(
    dataset: &Dataset,
    week: IsoWeek,
    as_of: DateTime<Utc>,
    opts: &SummaryOptions,
) -> WeeklyReport {
    let week_start = week.monday().and_hms_opt(0, 0, 0).map_or(as_of, |t| t.and_utc());
    let t = (week_start + Duration::days(7)).min(as_of);
    let ix = Index::new(dataset, &opts.risk.blocked_statuses, signals::horizon(t));
    let report = risk::report_in(&ix, t, &opts.risk);
    let evaluated = if opts.alerts.blocked_statuses == opts.risk.blocked_statuses {
        alerts::evaluate_in(&ix, &AlertState::default(), &[], t, &opts.alerts)
    } else {
        alerts::evaluate(&AlertState::default(), dataset, &[], t, &opts.alerts)
    };
    let summary = summary_in(&ix, &report, &evaluated, week, week_start, t, opts);
    WeeklyReport { risk: report, alerts: evaluated, summary }
}

fn summary_in(
    ix: &Index<'_>,
    report: &risk::RiskReport,
    evaluated: &alerts::AlertUpdate,
    week: IsoWeek,
    week_start: DateTime<Utc>,
    t: DateTime<Utc>,
    opts: &SummaryOptions,
) -> ExecutiveSummary {
    let mut teams = Vec::new();
    let mut shipped_lines = Vec::new();
    // The organisation's counts are its teams' summed: every issue of the
    // index's team lists belongs to exactly one team, and the report lists them all.
    let (mut org_this_week, mut org_before) = (0, 0);
    for team_risk in &report.teams {
        let team = &team_risk.team;
        let issues = ix.by_team.get(team).map_or(&[][..], Vec::as_slice);
        let risk = &team_risk.risk;
        let (this_week, before) = finished_weeks(ix, issues, week_start, t);
        let tp = throughput_of(this_week.len(), before);
        org_this_week += this_week.len();
        org_before += before;
        let velocity = velocity(ix, team, issues, t, opts);
        let running = ix.sprint_odds(team, issues, t);
        let sprint_odds = running.as_ref().and_then(|r| r.odds);
        let mut sentences = vec![format!(
            "{team} is {} ({}, {}): it finished {} this week against a 4-week mean of {:.1}.",
            risk.level,
            risk.score,
            trend_words(risk.trend.delta, risk.trend.direction),
            items(tp.this_week as usize),
            tp.mean_4w
        )];
        if let Some(v) = &velocity {
            let over = if v.sprints == 1 {
                "its last sprint".to_owned()
            } else {
                format!("its last {} sprints", v.sprints)
            };
            sentences.push(format!(
                "Over {over} it completed {:.0} points a sprint and delivered {} of what it committed.",
                v.mean_points,
                pct(v.predictability)
            ));
        }
        if let Some(r) = &running {
            if r.remaining.is_empty() {
                sentences.push(format!("{} has finished all its items.", r.sprint.name));
            } else if let Some(odds) = r.odds {
                sentences.push(format!(
                    "{} has {} odds of finishing its {} by {}.",
                    r.sprint.name,
                    pct(odds),
                    remaining_items(r.remaining.len()),
                    r.sprint.end.map_or_else(String::new, |e| e.date_naive().to_string())
                ));
            }
        }
        // The sprint's odds are already said; name the next concern instead.
        let top = risk
            .factors
            .iter()
            .filter(|f| {
                f.points > 0 && (running.is_none() || f.name != risk::FactorKind::SprintCompletion)
            })
            .max_by_key(|f| (f.points, std::cmp::Reverse(f.name)));
        if let Some(top) = top {
            sentences.push(format!("Main risk, {}: {}", top.name.label(), top.why));
        }
        teams.push(TeamSummary {
            team: team.clone(),
            score: risk.score,
            level: risk.level,
            trend: risk.trend.delta,
            throughput: tp,
            velocity,
            sprint_odds,
            sentences,
        });
        shipped_lines.push(shipped(ix, team, this_week, week_start, t, opts.shipped_per_team));
    }
    let org_throughput = throughput_of(org_this_week, org_before);

    // Epics: dated ones first (soonest due), then the riskiest.
    let mut epic_order: Vec<&risk::EpicRisk> = report.epics.iter().collect();
    crate::sort::stable_by(&mut epic_order, |a, b| {
        (a.due.is_none(), a.due, std::cmp::Reverse(a.risk.score), &a.epic).cmp(&(
            b.due.is_none(),
            b.due,
            std::cmp::Reverse(b.risk.score),
            &b.epic,
        ))
    });
    let epics: Vec<EpicForecast> = epic_order
        .iter()
        .filter_map(|e| ix.by_key.get(e.epic.as_str()).copied())
        .filter_map(|e| epic_forecast_at(ix, e, t))
        .take(opts.top_epics)
        .collect();

    let mut risks: Vec<RiskLine> = report
        .teams
        .iter()
        .map(|tr| (tr.team.0.clone(), &tr.risk))
        .chain(report.epics.iter().map(|er| (format!("{} \"{}\"", er.epic, er.summary), &er.risk)))
        .filter(|(_, r)| r.level != RiskLevel::Green)
        .filter_map(|(subject, r)| {
            r.top_factor().map(|f| RiskLine {
                subject,
                score: r.score,
                level: r.level,
                reason: f.why.clone(),
            })
        })
        .collect();
    crate::sort::stable_by(&mut risks, |a, b| {
        b.score.cmp(&a.score).then(a.subject.cmp(&b.subject))
    });
    risks.truncate(opts.top_risks);

    let alerts: Vec<AlertLine> = evaluated
        .state
        .alerts
        .iter()
        .filter(|a| match a.since {
            Some(since) => since >= week_start && since < t,
            None => a.severity <= Severity::High,
        })
        .take(opts.max_alerts)
        .map(|a| AlertLine {
            severity: a.severity,
            rule: a.rule,
            team: a.team.clone(),
            title: a.title.clone(),
        })
        .collect();

    let org = &report.organisation;
    let count = |level| teams.iter().filter(|t| t.level == level).count();
    let mut headline = vec![
        format!(
            "Across {} teams, {} green, {} amber and {} red; the organisation's risk is {} ({}, {}).",
            teams.len(),
            count(RiskLevel::Green),
            count(RiskLevel::Amber),
            count(RiskLevel::Red),
            org.score,
            org.level,
            trend_words(org.trend.delta, org.trend.direction)
        ),
        format!(
            "The teams finished {} items this week against a 4-week mean of {:.1}.",
            org_throughput.this_week, org_throughput.mean_4w
        ),
    ];
    if let Some(risk) = risks.first() {
        headline.push(format!("Biggest concern: {} — {}", risk.subject, risk.reason));
    }
    ExecutiveSummary {
        week,
        from: week.monday(),
        to: week.monday() + Duration::days(6),
        as_of: t,
        headline,
        score: org.score,
        level: org.level,
        throughput: org_throughput,
        teams,
        epics,
        risks,
        alerts,
        shipped: shipped_lines,
    }
}

/// One team's line of `claudedirector status`: health, throughput trend, sprint odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamStatus {
    /// The team.
    pub team: TeamId,
    /// Risk score.
    pub score: u32,
    /// Risk level.
    pub level: RiskLevel,
    /// Change of the risk score since a week earlier.
    pub trend: Option<i32>,
    /// Items finished in the 7 days to `as_of`, against the weekly mean of the 4 weeks before.
    pub throughput: Throughput,
    /// The running sprint.
    pub sprint: Option<String>,
    /// Its odds of finishing.
    pub sprint_odds: Option<f64>,
    /// The factor giving the most points, with its reason.
    pub main_risk: Option<String>,
}

/// Every team's health at `as_of`, plus the organisation's as the last line's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// When.
    pub as_of: DateTime<Utc>,
    /// The organisation's risk score.
    pub score: u32,
    /// Its level.
    pub level: RiskLevel,
    /// Its change since a week earlier.
    pub trend: Option<i32>,
    /// The organisation's throughput.
    pub throughput: Throughput,
    /// One per team.
    pub teams: Vec<TeamStatus>,
}

/// Health of every team at `as_of` (rolling 7 days, not an ISO week).
pub fn team_status(dataset: &Dataset, as_of: DateTime<Utc>, cfg: &RiskConfig) -> StatusReport {
    let ix = Index::new(dataset, &cfg.blocked_statuses, signals::horizon(as_of));
    let report = risk::report_in(&ix, as_of, cfg);
    let week_start = as_of - Duration::days(7);
    let teams = report
        .teams
        .iter()
        .map(|tr| {
            let issues = ix.by_team.get(&tr.team).map_or(&[][..], Vec::as_slice);
            let running = ix.sprint_odds(&tr.team, issues, as_of);
            TeamStatus {
                team: tr.team.clone(),
                score: tr.risk.score,
                level: tr.risk.level,
                trend: tr.risk.trend.delta,
                throughput: {
                    let (this_week, before) = finished_weeks(&ix, issues, week_start, as_of);
                    throughput_of(this_week.len(), before)
                },
                sprint: running.as_ref().map(|r| r.sprint.name.clone()),
                sprint_odds: running.and_then(|r| r.odds),
                main_risk: tr.risk.top_factor().map(|f| f.why.clone()),
            }
        })
        .collect();
    let all: Vec<usize> = ix.by_team.values().flatten().copied().collect();
    let (this_week, before) = finished_weeks(&ix, &all, week_start, as_of);
    StatusReport {
        as_of,
        score: report.organisation.score,
        level: report.organisation.level,
        trend: report.organisation.trend.delta,
        throughput: throughput_of(this_week.len(), before),
        teams,
    }
}

#[cfg(test)]
mod tests;
