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
    // Control sequences only where a person watches: never into a pipe or a file.
    let show = !quiet && std::io::stderr().is_terminal();
    let done = state.sync.trigger(trigger);
    let progress = tokio::spawn(async move {
        let mut line = ProgressLine::new(std::io::stderr(), show);
        while let Ok(event) = events.recv().await {
            if !line.show(&event) {
                break;
            }
        }
    });
    let report = done.await.context("the sync engine stopped")?;
    // The line may not have seen the end (the task is stopped as soon as the
    // report is in): clear it so the report starts on a clean line.
    progress.abort();
    ProgressLine::new(std::io::stderr(), show).clear();
    Ok(report)
}

/// The one-line progress display of a sync: redrawn in place on every
/// committed page, cleared at the end. Disabled, it writes nothing at all.
pub(crate) struct ProgressLine<W: std::io::Write> {
    out: W,
    enabled: bool,
}

impl<W: std::io::Write> ProgressLine<W> {
    pub(crate) fn new(out: W, enabled: bool) -> ProgressLine<W> {
        ProgressLine { out, enabled }
    }

    /// Draws what `event` says; false once the run has finished.
    pub(crate) fn show(&mut self, event: &ServerEvent) -> bool {
        match event {
            ServerEvent::SyncProgress { issues_read, calls } => {
                self.draw(&progress_text(*issues_read, *calls));
                true
            }
            ServerEvent::SyncFinished(_) => {
                self.clear();
                false
            }
            _ => true,
        }
    }

    fn draw(&mut self, text: &str) {
        if self.enabled {
            // Carriage return and erase-line keep the display on one line.
            let _ = write!(self.out, "\r\x1b[2K{text}");
            let _ = self.out.flush();
        }
    }

    /// Erases the line (when enabled).
    pub(crate) fn clear(&mut self) {
        if self.enabled {
            let _ = write!(self.out, "\r\x1b[2K");
            let _ = self.out.flush();
        }
    }
}

/// The words of the progress line.
pub(crate) fn progress_text(issues_read: u64, calls: u64) -> String {
    let issues = if issues_read == 1 { "issue" } else { "issues" };
    let call_word = if calls == 1 { "call" } else { "calls" };
    format!("syncing: {issues_read} {issues} read, {calls} JIRA {call_word}")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Purpose;

    fn report() -> RunReport {
        RunReport {
            ok: true,
            purpose: Purpose::Manual,
            full: false,
            changed: 3,
            deleted: 0,
            calls: 4,
            millis: 10,
            error: None,
        }
    }

    fn run(enabled: bool) -> (Vec<u8>, Vec<bool>) {
        let events = [
            ServerEvent::SyncStarted { purpose: Purpose::Manual, full: false },
            ServerEvent::SyncProgress { issues_read: 1, calls: 1 },
            ServerEvent::DataChanged { seq: 7 },
            ServerEvent::SyncProgress { issues_read: 250, calls: 6 },
            ServerEvent::SyncFinished(report()),
        ];
        let mut out = Vec::new();
        let mut line = ProgressLine::new(&mut out, enabled);
        let going = events.iter().map(|event| line.show(event)).collect();
        (out, going)
    }

    #[test]
    fn a_terminal_sees_one_line_redrawn_then_erased() {
        let (out, going) = run(true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\r\x1b[2Ksyncing: 1 issue read, 1 JIRA call\
             \r\x1b[2Ksyncing: 250 issues read, 6 JIRA calls\
             \r\x1b[2K"
        );
        assert_eq!(going, [true, true, true, true, false], "the end of the run stops the display");
    }

    #[test]
    fn off_a_terminal_nothing_is_written() {
        let (out, going) = run(false);
        assert!(out.is_empty(), "wrote {out:?}");
        assert_eq!(going, [true, true, true, true, false]);
        let mut out = Vec::new();
        ProgressLine::new(&mut out, false).clear();
        assert!(out.is_empty());
    }

    #[test]
    fn progress_words_agree_with_their_numbers() {
        assert_eq!(progress_text(0, 0), "syncing: 0 issues read, 0 JIRA calls");
        assert_eq!(progress_text(1, 2), "syncing: 1 issue read, 2 JIRA calls");
    }
}
