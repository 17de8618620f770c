//! `claudedirector ask`.

/// Arguments of `claudedirector ask`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector ask` is not built yet")
}
