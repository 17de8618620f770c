//! `claudedirector reports`.

/// Arguments of `claudedirector reports`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector reports` is not built yet")
}
