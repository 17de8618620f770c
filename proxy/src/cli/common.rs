//! What the commands that read the synced store share: `--config`, `--data`,
//! `--offline`, `--json`; opening the store with the sync engine; refreshing
//! first when data is older than `fresh_for`; building a core `Dataset`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use director_core::model::{Dataset, Issue, Sprint, Team, TeamId};

use crate::clock::Clock;
use crate::config::{Config, Credentials, Secret};
use crate::state::AppState;
use crate::sync::{RunReport, ServerEvent, Trigger};
use crate::StartOptions;

/// Where the store is and how to treat it.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The configuration file (TOML; `claudedirector config example` prints one).
    #[arg(long)]
    pub config: PathBuf,
    /// Folder holding the store.
    #[arg(long, default_value = ".claudedirector")]
    pub data: PathBuf,
    /// Use the stored data as it is, without asking JIRA.
    #[arg(long)]
    pub offline: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// An open store with its (running) sync engine.
#[derive(Debug)]
pub struct Opened {
    /// Store, engine handle, config.
    pub state: AppState,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Loads the config and opens the store; unless `offline`, syncs first when
/// data is older than `fresh_for` (progress on stderr when it is a terminal).
pub async fn open(args: &StoreArgs) -> anyhow::Result<Opened> {
    let config =
        Config::load(&args.config).with_context(|| format!("loading {}", args.config.display()))?;
    let credentials = if args.offline {
        // Never sent: an offline command starts no sync.
        Credentials::from_env(config.jira.auth)
            .unwrap_or(Credentials::Bearer { token: Secret::new("") })
    } else {
        Credentials::from_env(config.jira.auth).context("reading JIRA credentials")?
    };
    let opened = start(config, args.data.clone(), credentials)?;
    if !args.offline && opened.state.sync.is_stale(opened.state.clock.now()) {
        let report = run_with_progress(&opened.state, Trigger::OnDemand, false).await?;
        if !report.ok {
            eprintln!(
                "warning: could not refresh from JIRA ({}); showing stored data",
                report.error.as_deref().unwrap_or("unknown error")
            );
        }
    }
    Ok(opened)
}

/// Opens the store and starts the engine without syncing.
pub fn start(config: Config, data: PathBuf, credentials: Credentials) -> anyhow::Result<Opened> {
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    // No HTTP is served from a CLI command, so nobody signs in.
    let options = StartOptions {
        data_dir: data.clone(),
        credentials,
        clock: Clock::system(),
        dist: None,
        access: crate::auth::Access::Open,
        webhook_secret: None,
    };
    let (state, _engine) = crate::start(config, options, crate::wait_for(stop_rx))
        .with_context(|| format!("opening the store in {}", data.display()))?;
    Ok(Opened { state, stop })
}

/// Runs one sync and waits for it, drawing a progress line on a terminal.
pub async fn run_with_progress(
    state: &AppState,
    trigger: Trigger,
    quiet: bool,
) -> anyhow::Result<RunReport> {
    let mut events = state.sync.subscribe();
    let show = !quiet && std::io::stderr().is_terminal();
    let done = state.sync.trigger(trigger);
    let progress = tokio::spawn(async move {
        if !show {
            return;
        }
        while let Ok(event) = events.recv().await {
            match event {
                ServerEvent::SyncProgress { issues_read, calls } => {
                    eprint!("\r\x1b[2Ksyncing: {issues_read} issues read, {calls} JIRA calls");
                }
                ServerEvent::SyncFinished(_) => {
                    eprint!("\r\x1b[2K");
                    break;
                }
                _ => {}
            }
        }
    });
    let report = done.await.context("the sync engine stopped")?;
    progress.abort();
    Ok(report)
}

/// Everything in the store as a core `Dataset` (teams from the config).
pub fn dataset(state: &AppState) -> anyhow::Result<Dataset> {
    let issues: Vec<Issue> = state
        .store
        .issues_json()?
        .iter()
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    let sprints: Vec<Sprint> = state
        .store
        .sprints_json()?
        .iter()
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    let teams = state
        .config
        .teams
        .iter()
        .map(|team| Team {
            id: TeamId(team.name.clone()),
            projects: crate::jira::jql::simple_projects(&team.jql).unwrap_or_default(),
            board: team.board.map(director_core::model::BoardId),
            size: team.size,
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for issue in &issues {
        statuses.insert(issue.status.clone(), issue.category);
    }
    Ok(Dataset { issues, sprints, teams, statuses })
}
