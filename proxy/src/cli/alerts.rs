//! `claudedirector alerts`.

/// Arguments of `claudedirector alerts`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector alerts` is not built yet")
}
