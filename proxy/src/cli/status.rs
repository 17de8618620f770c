//! `claudedirector status`: one line per team — health, throughput trend,
//! sprint odds — then the organisation and how old the data is.

use std::fmt::Write as _;

use director_core::summary::{self, StatusReport, Throughput};

use super::source::{self, SourceArgs};

/// Arguments of `claudedirector status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the data comes from.
    #[command(flatten)]
    pub source: SourceArgs,
}

fn arrow(tp: &Throughput) -> &'static str {
    let this = f64::from(tp.this_week);
    if this > tp.mean_4w * 1.15 {
        "up"
    } else if this < tp.mean_4w * 0.85 {
        "down"
    } else {
        "flat"
    }
}

fn delta(trend: Option<i32>) -> String {
    trend.map_or_else(|| "new".to_owned(), |d| format!("{d:+}"))
}

/// The status table as text.
pub fn table(status: &StatusReport, data_age: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<6} {:>4} {:>5}  {:<22} {:<10} data",
        "team", "health", "risk", "week", "throughput 7d / mean", "sprint"
    );
    for team in &status.teams {
        let odds =
            team.sprint_odds.map_or_else(|| "-".to_owned(), |o| format!("{:.0}%", o * 100.0));
        let _ = writeln!(
            out,
            "{:<14} {:<6} {:>4} {:>5}  {:<22} {:<10} {}",
            truncate(&team.team.0, 14),
            team.level.to_string(),
            team.score,
            delta(team.trend),
            format!(
                "{} / {:.1} {}",
                team.throughput.this_week,
                team.throughput.mean_4w,
                arrow(&team.throughput)
            ),
            odds,
            data_age
        );
    }
    let _ = writeln!(
        out,
        "{:<14} {:<6} {:>4} {:>5}  {:<22}",
        "organisation",
        status.level.to_string(),
        status.score,
        delta(status.trend),
        format!(
            "{} / {:.1} {}",
            status.throughput.this_week,
            status.throughput.mean_4w,
            arrow(&status.throughput)
        )
    );
    out
}

/// Cuts `text` to `width` chars.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut res: String = text.chars().take(width.saturating_sub(1)).collect();
    res.push('…');
    res
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let loaded = source::load(&args.source).await?;
    let status = summary::team_status(&loaded.dataset, loaded.as_of, &loaded.risk);
    if args.source.json {
        let mut value = serde_json::to_value(&status)?;
        value["data_age_seconds"] = serde_json::json!(loaded.data_age_seconds);
        if let Some(opened) = &loaded.store {
            value["sync"] = serde_json::to_value(opened.state.sync_status()?)?;
        }
        source::print(&serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let mut out = table(&status, &source::age(loaded.data_age_seconds));
    if let Some(opened) = &loaded.store {
        let sync = opened.state.sync_status()?;
        let calls: u64 = sync.calls_today.iter().map(|c| c.calls).sum();
        let _ = writeln!(
            out,
            "\nsync: last success {}, {} issues stored, {calls} JIRA calls today, rate limit {}{}",
            sync.last_success
                .map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            sync.issues_stored,
            sync.rate_limit,
            sync.last_error.map_or_else(String::new, |e| format!(", last error: {e}"))
        );
    }
    source::print(&out);
    Ok(())
}
