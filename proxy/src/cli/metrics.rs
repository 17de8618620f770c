//! `claudedirector metrics`.

/// Arguments of `claudedirector metrics`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`claudedirector metrics` is not built yet")
}
