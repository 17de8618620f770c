//! `claudedirector sim`.

/// Arguments of `claudedirector sim`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector sim` is not built yet")
}
