//! `claudedirector sync`.

/// Arguments of `claudedirector sync`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector sync` is not built yet")
}
