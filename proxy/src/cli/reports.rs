//! `claudedirector reports executive-summary [--week YYYY-Www] [--format
//! md|html|json] [--output FILE]`: the weekly summary a VP reads in two minutes.

use std::path::PathBuf;

use anyhow::Context;
use director_core::summary::render::{self, Format};
use director_core::summary::{self, IsoWeek, SummaryOptions};

use super::source::{self, SourceArgs};

/// Arguments of `claudedirector reports`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The report to write.
    #[command(subcommand)]
    pub report: Report,
}

/// Reports.
#[derive(Debug, clap::Subcommand)]
pub enum Report {
    /// The weekly executive summary (per team and roll-up).
    ExecutiveSummary(SummaryArgs),
}

/// Arguments of `reports executive-summary`.
#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    /// ISO week such as 2026-W48 [default: the last full week before --as-of].
    #[arg(long, value_name = "YYYY-Www", value_parser = parse_week)]
    pub week: Option<IsoWeek>,
    /// md, html or json (`--json` means json).
    #[arg(long, default_value = "md", value_parser = parse_format)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where the data comes from.
    #[command(flatten)]
    pub source: SourceArgs,
}

fn parse_week(text: &str) -> Result<IsoWeek, String> {
    text.parse::<IsoWeek>().map_err(|e| e.to_string())
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.report {
        Report::ExecutiveSummary(args) => executive_summary(args).await,
    }
}

async fn executive_summary(args: SummaryArgs) -> anyhow::Result<()> {
    let loaded = source::load(&args.source).await?;
    let week = args.week.unwrap_or_else(|| IsoWeek::last_full_before(loaded.as_of));
    let options = SummaryOptions { risk: loaded.risk.clone(), ..SummaryOptions::default() };
    let summary = summary::executive_summary(&loaded.dataset, week, loaded.as_of, &options);
    let format = if args.source.json { Format::Json } else { args.format };
    let text = render::render(&summary, format);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote the {week} executive summary to {}", path.display());
        }
        None => source::print(&text),
    }
    Ok(())
}
