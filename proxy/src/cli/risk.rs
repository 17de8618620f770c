//! `claudedirector risk`.

/// Arguments of `claudedirector risk`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector risk` is not built yet")
}
