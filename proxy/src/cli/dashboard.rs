//! `claudedirector dashboard`.

/// Arguments of `claudedirector dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector dashboard` is not built yet")
}
