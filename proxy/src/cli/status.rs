//! `claudedirector status`.

/// Arguments of `claudedirector status`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector status` is not built yet")
}
