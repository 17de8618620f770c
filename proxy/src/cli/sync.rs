//! `claudedirector sync`: one sync into the store, with progress on a
//! terminal; `--full` reconciles (finds deletions), `--json` prints the report.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::config::{Config, Credentials};
use crate::sync::Trigger;

/// Arguments of `claudedirector sync`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file.
    #[arg(long)]
    pub config: PathBuf,
    /// Folder holding the store.
    #[arg(long, default_value = ".claudedirector")]
    pub data: PathBuf,
    /// Full reconcile: compare every key with JIRA and remove deleted issues.
    #[arg(long)]
    pub full: bool,
    /// Print the run report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let config =
        Config::load(&args.config).with_context(|| format!("loading {}", args.config.display()))?;
    let credentials =
        Credentials::from_env(config.jira.auth).context("reading JIRA credentials")?;
    let opened = super::common::start(config, args.data.clone(), credentials)?;
    let report = super::common::run_with_progress(
        &opened.state,
        Trigger::Manual { full: args.full },
        args.json,
    )
    .await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{} sync {}: {} issues changed, {} deleted, {} JIRA calls, {:.1} s",
            if report.full { "full" } else { "incremental" },
            if report.ok { "done" } else { "failed" },
            report.changed,
            report.deleted,
            report.calls,
            report.millis as f64 / 1000.0
        )?;
    }
    match report.error {
        Some(error) => anyhow::bail!("sync failed: {error}"),
        None => Ok(()),
    }
}
