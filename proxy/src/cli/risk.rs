//! `claudedirector risk [--team T]`: the risk score of the organisation and of
//! each team (or one team), with every factor's points, reason and evidence.

use std::fmt::Write as _;

use director_core::risk::{self, RiskScore};

use super::source::{self, SourceArgs};

/// Arguments of `claudedirector risk`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this team (case-insensitive).
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    /// Also list the riskiest epics.
    #[arg(long)]
    pub epics: bool,
    /// Where the data comes from.
    #[command(flatten)]
    pub source: SourceArgs,
}

fn trend(score: &RiskScore) -> String {
    match score.trend.delta {
        Some(d) if d > 0 => format!("up {d}"),
        Some(d) if d < 0 => format!("down {}", -d),
        Some(_) => "steady".to_owned(),
        None => "new".to_owned(),
    }
}

/// The breakdown of one score as text.
pub fn breakdown(title: &str, score: &RiskScore) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{title}: {} ({}, {} since last week)",
        score.score,
        score.level,
        trend(score)
    );
    for factor in &score.factors {
        if factor.weight == 0.0 {
            continue;
        }
        let _ = writeln!(
            out,
            "  {:>3} / {:<5} {:<24} {}",
            factor.points,
            factor.weight,
            factor.name.name(),
            factor.why
        );
        if factor.points > 0 && !factor.evidence.is_empty() {
            let keys: Vec<&str> = factor.evidence.iter().map(|k| k.as_str()).collect();
            let _ = writeln!(out, "                {:<24} {}", "", keys.join(" "));
        }
    }
    out
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let loaded = source::load(&args.source).await?;
    let report = risk::risk_report(&loaded.dataset, loaded.as_of, &loaded.risk);
    if let Some(wanted) = &args.team {
        let Some(team) = report.teams.iter().find(|t| t.team.0.eq_ignore_ascii_case(wanted)) else {
            let names: Vec<&str> = report.teams.iter().map(|t| t.team.0.as_str()).collect();
            anyhow::bail!("no team `{wanted}` (teams: {})", names.join(", "));
        };
        if args.source.json {
            source::print(&serde_json::to_string_pretty(team)?);
        } else {
            source::print(&breakdown(
                &format!("{} risk as of {}", team.team, loaded.as_of.format("%Y-%m-%d %H:%M UTC")),
                &team.risk,
            ));
        }
        return Ok(());
    }
    if args.source.json {
        source::print(&serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let mut out = breakdown(
        &format!("Organisation risk as of {}", loaded.as_of.format("%Y-%m-%d %H:%M UTC")),
        &report.organisation,
    );
    for team in &report.teams {
        out.push('\n');
        out.push_str(&breakdown(&team.team.0, &team.risk));
    }
    if args.epics {
        let _ = writeln!(out, "\nRiskiest epics:");
        for epic in report.epics.iter().take(10) {
            let why = epic.risk.top_factor().map_or("", |f| f.why.as_str());
            let _ = writeln!(
                out,
                "  {:>3} {:<6} {} {}: {why}",
                epic.risk.score,
                epic.risk.level.to_string(),
                epic.epic,
                epic.summary
            );
        }
    }
    if !report.dependencies.chains.is_empty() {
        let _ = writeln!(out, "\nDeadlines held up by other teams:");
        for chain in report.dependencies.chains.iter().take(5) {
            let path: Vec<&str> = chain.path.iter().map(|k| k.as_str()).collect();
            let _ = writeln!(
                out,
                "  {} (due {}, {:.0}% odds): {}",
                chain.epic,
                chain.due.map_or_else(String::new, |d| d.to_string()),
                chain.odds.unwrap_or(0.0) * 100.0,
                path.join(" <- ")
            );
        }
    }
    source::print(&out);
    Ok(())
}
