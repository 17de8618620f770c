//! `claudedirector dashboard`: the whole picture on one 80×24 terminal
//! screen — teams, top risks, alerts, epics — and where the web dashboard is.

use director_core::alerts::{Alert, Severity};
use director_core::summary::{self, ExecutiveSummary, IsoWeek, StatusReport, SummaryOptions};

use super::source::{self, SourceArgs};
use super::status::truncate;

/// Screen size the overview must fit.
pub const WIDTH: usize = 80;
/// Screen height the overview must fit.
pub const HEIGHT: usize = 24;
/// Team rows shown before "and N more".
const TEAM_ROWS: usize = 6;

/// Arguments of `claudedirector dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the data comes from.
    #[command(flatten)]
    pub source: SourceArgs,
}

/// Everything the overview shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    /// Team health.
    pub status: StatusReport,
    /// Risks and epics of the current week.
    pub summary: ExecutiveSummary,
    /// Open alerts, most urgent first.
    pub alerts: Vec<Alert>,
    /// Age of the data, in words.
    pub data_age: String,
    /// The web dashboard.
    pub url: String,
}

/// The overview as at most [`HEIGHT`] lines of at most [`WIDTH`] characters.
pub fn render(o: &Overview) -> String {
    let mut lines: Vec<String> = Vec::new();
    lines.push(format!(
        "ClaudeDirector  {}  data {} old",
        o.status.as_of.format("%Y-%m-%d %H:%M UTC"),
        o.data_age
    ));
    lines.push(format!(
        "Organisation risk {} ({}, {})   finished {} in 7 days, mean {:.1}/week",
        o.status.score,
        o.status.level,
        o.status.trend.map_or_else(|| "new".to_owned(), |d| format!("{d:+}")),
        o.status.throughput.this_week,
        o.status.throughput.mean_4w
    ));
    lines.push(String::new());
    lines.push(format!(
        "{:<16}{:<7}{:>5}{:>6}  {:<12}{:<8}{}",
        "TEAM", "HEALTH", "RISK", "WEEK", "7D / MEAN", "SPRINT", "MAIN RISK"
    ));
    let mut teams: Vec<_> = o.status.teams.iter().collect();
    teams.sort_by(|a, b| b.score.cmp(&a.score).then(a.team.cmp(&b.team)));
    for team in teams.iter().take(TEAM_ROWS) {
        let odds =
            team.sprint_odds.map_or_else(|| "-".to_owned(), |p| format!("{:.0}%", p * 100.0));
        lines.push(format!(
            "{:<16}{:<7}{:>5}{:>6}  {:<12}{:<8}{}",
            truncate(&team.team.0, 15),
            team.level.to_string(),
            team.score,
            team.trend.map_or_else(|| "new".to_owned(), |d| format!("{d:+}")),
            format!("{} / {:.1}", team.throughput.this_week, team.throughput.mean_4w),
            odds,
            team.main_risk.as_deref().unwrap_or("-")
        ));
    }
    if teams.len() > TEAM_ROWS {
        lines.push(format!(
            "  … and {} more teams (claudedirector status)",
            teams.len() - TEAM_ROWS
        ));
    }
    lines.push(String::new());
    lines.push("TOP RISKS".to_owned());
    if o.summary.risks.is_empty() {
        lines.push("  nothing amber or red".to_owned());
    }
    for risk in o.summary.risks.iter().take(2) {
        lines.push(format!("  {} {} {}: {}", risk.score, risk.level, risk.subject, risk.reason));
    }
    let count = |s: Severity| o.alerts.iter().filter(|a| a.severity == s).count();
    lines.push(format!(
        "ALERTS  {} critical, {} high, {} other",
        count(Severity::Critical),
        count(Severity::High),
        o.alerts.len() - count(Severity::Critical) - count(Severity::High)
    ));
    for alert in o.alerts.iter().take(2) {
        lines.push(format!(
            "  {} {} {}",
            &alert.id.0[..alert.id.0.len().min(8)],
            alert.severity,
            alert.title
        ));
    }
    lines.push("EPICS".to_owned());
    if o.summary.epics.is_empty() {
        lines.push("  no open epics".to_owned());
    }
    for epic in o.summary.epics.iter().take(2) {
        let odds = epic.odds.map_or_else(String::new, |p| format!(", {:.0}% by due", p * 100.0));
        let p85 = epic.p85.map_or_else(|| "no forecast".to_owned(), |d| format!("85% by {d}"));
        lines.push(format!("  {} {}: {p85}{odds}", epic.epic, epic.summary));
    }
    lines.push(format!("Dashboard: {}", o.url));
    // The URL is the line people need most: keep it when trimming to the screen.
    if lines.len() > HEIGHT {
        let url = lines.pop().unwrap_or_default();
        lines.truncate(HEIGHT - 1);
        lines.push(url);
    }
    let mut out: Vec<String> = lines.iter().map(|line| truncate(line, WIDTH)).collect();
    out.push(String::new());
    out.join("\n")
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let loaded = source::load(&args.source).await?;
    let status = summary::team_status(&loaded.dataset, loaded.as_of, &loaded.risk);
    let options = SummaryOptions { risk: loaded.risk.clone(), ..SummaryOptions::default() };
    // The week so far, read at `as_of`: risk, alerts and summary from one pass.
    let week = IsoWeek::containing(loaded.as_of.date_naive());
    let weekly = summary::weekly_report(&loaded.dataset, week, loaded.as_of, &options);
    let (summary, alerts) = (weekly.summary, weekly.alerts.state.alerts);
    let url = loaded.dashboard_url.clone().unwrap_or_else(|| {
        "http://127.0.0.1:8080/ (start it with `claudedirector serve`)".to_owned()
    });
    let overview =
        Overview { status, summary, alerts, data_age: source::age(loaded.data_age_seconds), url };
    if args.source.json {
        source::print(&serde_json::to_string_pretty(&overview)?);
    } else {
        source::print(&render(&overview));
    }
    Ok(())
}
