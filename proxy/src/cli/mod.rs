//! The `claudedirector` command line: one module per command, each with an
//! `Args` (clap) and a `run` function. `main.rs` only parses and dispatches.

use clap::{Parser, Subcommand};

pub mod alerts;
pub mod ask;
pub mod common;
pub mod config;
pub mod dashboard;
pub mod forecast;
pub mod metrics;
pub mod reports;
pub mod risk;
pub mod serve;
pub mod sim;
pub mod source;
pub mod status;
pub mod sync;
pub mod token;

/// ClaudeDirector: the truth about delivery across your teams, from JIRA.
#[derive(Debug, Parser)]
#[command(name = "claudedirector", version, about)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command of the CLI.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the proxy and serve the dashboard (`--demo` for the simulated organisation).
    Serve(serve::Args),
    /// Run the simulated JIRA site on its own.
    Sim(sim::Args),
    /// Offline flow and velocity metrics of a JIRA search export.
    Metrics(metrics::Args),
    /// Monte Carlo / exact forecast of a JIRA search export.
    Forecast(forecast::Args),
    /// Sync JIRA into the store (incremental; `--full` to reconcile).
    Sync(sync::Args),
    /// One line per team: health, throughput trend, sprint odds, data age; sync state.
    Status(status::Args),
    /// Open alerts by severity; `alerts ack ID`.
    Alerts(alerts::Args),
    /// A terminal overview that fits 80x24, plus the dashboard URL.
    Dashboard(dashboard::Args),
    /// Reports, such as the weekly executive summary.
    Reports(reports::Args),
    /// Risk score of each team with its factors.
    Risk(risk::Args),
    /// Ask a question in plain words ("How is Team Alpha doing?").
    Ask(ask::Args),
    /// Configuration helpers (`config example`).
    Config(config::Args),
    /// Per-user API tokens: `token create --user NAME`, `token list`, `token revoke ID`.
    Token(token::Args),
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Metrics(args) => metrics::run(args),
        Command::Forecast(args) => forecast::run(args),
        Command::Sync(args) => sync::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Alerts(args) => alerts::run(args).await,
        Command::Dashboard(args) => dashboard::run(args).await,
        Command::Reports(args) => reports::run(args).await,
        Command::Risk(args) => risk::run(args).await,
        Command::Ask(args) => ask::run(args).await,
        Command::Config(args) => config::run(args).await,
        Command::Token(args) => token::run(args).await,
    }
}
