//! The `claudedirector` command line: one module per command, each with an
//! `Args` (clap) and a `run` function. `main.rs` only parses and dispatches.

use clap::{Parser, Subcommand};

pub mod forecast;
pub mod metrics;
pub mod serve;
pub mod sim;

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
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Metrics(args) => metrics::run(args),
        Command::Forecast(args) => forecast::run(args),
    }
}
