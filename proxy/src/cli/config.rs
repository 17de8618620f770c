//! `claudedirector config`.

/// Arguments of `claudedirector config`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector config` is not built yet")
}
