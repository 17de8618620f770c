//! Where the read commands (`status`, `alerts`, `dashboard`, `reports`,
//! `risk`, `ask`) get their data: a JIRA search export (`--input FILE`,
//! offline, reproducible with `--as-of`) or the synced store (`--config FILE
//! [--data DIR] [--offline]`).

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use director_core::ingest::{self, IngestOptions};
use director_core::model::Dataset;
use director_core::risk::RiskConfig;

use super::common::{self, Opened, StoreArgs};

/// `--input` or `--config`, plus `--as-of` and `--json`.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// A JIRA search export (`{"issues": [...]}` with changelogs) to read offline.
    #[arg(long, value_name = "FILE", conflicts_with = "config")]
    pub input: Option<PathBuf>,
    /// The configuration file of a synced store.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder holding the store.
    #[arg(long, value_name = "DIR", default_value = ".claudedirector")]
    pub data: PathBuf,
    /// Use the stored data as it is, without asking JIRA.
    #[arg(long)]
    pub offline: bool,
    /// The instant to compute at: a date (its end, UTC) or an RFC 3339 time
    /// [default: the last change in an export; now for the store].
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<DateTime<Utc>>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parses `2026-11-27` (the end of that day, UTC) or an RFC 3339 instant.
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(date) = text.parse::<NaiveDate>() {
        let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
        return Ok(date.and_time(end).and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{text}` is neither a date (2026-11-27) nor an RFC 3339 time"))
}

/// Data loaded for a command.
#[derive(Debug)]
pub struct Loaded {
    /// The dataset.
    pub dataset: Dataset,
    /// The instant to compute at.
    pub as_of: DateTime<Utc>,
    /// Seconds since the data was last refreshed (store) or since its newest change (export).
    pub data_age_seconds: Option<i64>,
    /// Risk thresholds (from the config's `[thresholds]` when there is one).
    pub risk: RiskConfig,
    /// The dashboard's address, when a config names it.
    pub dashboard_url: Option<String>,
    /// The open store, kept alive for commands that write to it.
    pub store: Option<Opened>,
}

fn newest_change(dataset: &Dataset) -> Option<DateTime<Utc>> {
    dataset.issues.iter().map(|issue| issue.updated).max()
}

/// Loads the dataset from `--input` or from the store.
pub async fn load(args: &SourceArgs) -> anyhow::Result<Loaded> {
    if let Some(path) = &args.input {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read export {}", path.display()))?;
        let (dataset, diagnostics) = ingest::dataset_from_str(&text, &IngestOptions::default())
            .with_context(|| format!("cannot read export {}", path.display()))?;
        if !diagnostics.is_empty() {
            eprintln!("note: {} ingest diagnostics in {}", diagnostics.len(), path.display());
        }
        let newest = newest_change(&dataset);
        let as_of = args.as_of.or(newest).unwrap_or_default();
        let data_age_seconds = newest.map(|n| (as_of - n).num_seconds().max(0));
        return Ok(Loaded {
            dataset,
            as_of,
            data_age_seconds,
            risk: RiskConfig::default(),
            dashboard_url: None,
            store: None,
        });
    }
    let Some(config) = &args.config else {
        anyhow::bail!("give --input FILE (a JIRA search export) or --config FILE (a synced store)");
    };
    let store_args = StoreArgs {
        config: config.clone(),
        data: args.data.clone(),
        offline: args.offline,
        json: args.json,
    };
    let opened = common::open(&store_args).await?;
    let dataset = common::dataset(&opened.state)?;
    let status = opened.state.sync_status().context("reading the sync status")?;
    let as_of = args.as_of.unwrap_or_else(Utc::now);
    let risk =
        RiskConfig { red_from: opened.state.config.thresholds.risk_high, ..RiskConfig::default() };
    let dashboard_url = Some(format!("http://{}/", opened.state.config.server.addr));
    Ok(Loaded {
        dataset,
        as_of,
        data_age_seconds: status.data_age_seconds,
        risk,
        dashboard_url,
        store: Some(opened),
    })
}

/// "3 h", "2 d", "45 min": an age for people.
pub fn age(seconds: Option<i64>) -> String {
    match seconds {
        None => "unknown".to_owned(),
        Some(s) if s < 3600 => format!("{} min", s / 60),
        Some(s) if s < 2 * 86_400 => format!("{} h", s / 3600),
        Some(s) => format!("{} d", s / 86_400),
    }
}

/// Writes `text` to stdout.
#[allow(clippy::print_stdout)]
pub fn print(text: &str) {
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
}
