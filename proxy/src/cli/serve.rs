//! `claudedirector serve`.

/// Arguments of `claudedirector serve`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector serve` is not built yet")
}
