//! `claudedirector alerts`: open alerts by severity; `alerts ack ID`
//! acknowledges one in the store so it stops escalating.
//!
//! On an export (`--input`) the rules run once at `--as-of` with no history;
//! on the store, the alert engine's stored alerts are listed (with their
//! acknowledgements), or the rules run on the stored data if it has none yet.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::Utc;
use director_core::alerts::{self, Alert, AlertOptions, AlertState};

use super::common::{self, StoreArgs};
use super::source::{self, Loaded, SourceArgs};

/// Arguments of `claudedirector alerts`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `ack ID` to acknowledge an alert.
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Where the data comes from.
    #[command(flatten)]
    pub source: SourceArgs,
}

/// What to do with alerts.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Acknowledge an open alert (its id or a unique prefix of 4+ digits).
    Ack {
        /// The alert id.
        id: String,
        /// The configuration file of the synced store.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Folder holding the store.
        #[arg(long, value_name = "DIR", default_value = ".claudedirector")]
        data: PathBuf,
        /// Print the acknowledged alert as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The stored open alerts, with acknowledgements from their rows.
fn stored(loaded: &Loaded) -> anyhow::Result<Vec<Alert>> {
    let Some(opened) = &loaded.store else { return Ok(Vec::new()) };
    let mut res = Vec::new();
    for row in opened.state.store.alerts(true)? {
        let Ok(mut alert) = serde_json::from_str::<Alert>(&row.body) else { continue };
        alert.acknowledged = row.acknowledged.is_some();
        alert.acknowledged_at = row.acknowledged;
        alert.escalated_at = row.escalated.or(alert.escalated_at);
        res.push(alert);
    }
    res.sort_by(|a, b| {
        a.severity.cmp(&b.severity).then(a.first_seen.cmp(&b.first_seen)).then(a.id.cmp(&b.id))
    });
    Ok(res)
}

/// Open alerts as text, grouped by severity.
pub fn listing(alerts: &[Alert]) -> String {
    if alerts.is_empty() {
        return "No open alerts.\n".to_owned();
    }
    let mut out = String::new();
    let mut current = None;
    for alert in alerts {
        if current != Some(alert.severity) {
            let n = alerts.iter().filter(|a| a.severity == alert.severity).count();
            let _ = writeln!(out, "{} ({n})", alert.severity.to_string().to_uppercase());
            current = Some(alert.severity);
        }
        let mut marks = String::new();
        if alert.acknowledged {
            marks.push_str(" [ack]");
        }
        if alert.escalated_at.is_some() {
            marks.push_str(" [escalated]");
        }
        let team = alert.team.as_ref().map_or_else(String::new, |t| format!("{t}: "));
        let _ = writeln!(
            out,
            "  {}  {team}{}{marks}",
            &alert.id.0[..alert.id.0.len().min(8)],
            alert.title
        );
    }
    out
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Action::Ack { id, config, data, json }) = args.action {
        let store_args = StoreArgs { config, data, offline: true, json };
        let opened = common::open(&store_args).await?;
        let alert = crate::alerting::acknowledge(&*opened.state.store, &id, Utc::now())?;
        if json {
            source::print(&serde_json::to_string_pretty(&alert)?);
        } else {
            source::print(&format!("acknowledged {}: {}", alert.id, alert.title));
        }
        return Ok(());
    }
    let loaded = source::load(&args.source).await?;
    let mut open = stored(&loaded)?;
    if open.is_empty() {
        let options = match &loaded.store {
            Some(opened) => crate::alerting::options(&opened.state.config),
            None => AlertOptions::default(),
        };
        open =
            alerts::evaluate(&AlertState::default(), &loaded.dataset, &[], loaded.as_of, &options)
                .state
                .alerts;
    }
    if args.source.json {
        source::print(&serde_json::to_string_pretty(&open)?);
    } else {
        source::print(&listing(&open));
    }
    Ok(())
}
