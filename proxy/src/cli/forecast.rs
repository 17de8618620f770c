//! `claudedirector forecast`.

/// Arguments of `claudedirector forecast`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector forecast` is not built yet")
}
