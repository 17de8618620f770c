//! `claudedirector config example`: prints a commented sample configuration.

/// Arguments of `claudedirector config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// Configuration helpers.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Print a commented sample configuration.
    Example,
    /// Check a configuration file.
    Check {
        /// The file.
        file: std::path::PathBuf,
    },
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match args.action {
        Action::Example => out.write_all(crate::config::EXAMPLE.as_bytes())?,
        Action::Check { file } => {
            let config = crate::config::Config::load(&file)?;
            writeln!(out, "{}: ok ({} teams)", file.display(), config.teams.len())?;
        }
    }
    Ok(())
}
