//! `claudedirector token`: per-user API tokens for the CLI and scripts.
//! `token create --user NAME` prints a new token once (only its digest is
//! stored); `token list` shows ids, users and state, never a token;
//! `token revoke ID` stops one at once, in a running server too (each
//! request looks the token up in the store).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;

use crate::auth::tokens;
use crate::config::Config;
use crate::store::SqliteStore;

/// Arguments of `claudedirector token`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
    /// The configuration file (its `[[auth.user]]` entries name the users).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Folder holding the store (the server's `--data`).
    #[arg(long, global = true, default_value = ".claudedirector")]
    pub data: PathBuf,
}

/// Token commands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create a token for a configured user and print it (shown only once).
    Create {
        /// The `[[auth.user]]` name the token acts as.
        #[arg(long)]
        user: String,
    },
    /// List tokens: id, user, created, revoked (never the tokens themselves).
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The id `token list` shows.
        id: String,
    },
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let path = args.config.context("--config is required (the server's configuration file)")?;
    let config = Config::load(&path).with_context(|| format!("loading {}", path.display()))?;
    let store = SqliteStore::open_dir(&args.data)
        .with_context(|| format!("opening the store in {}", args.data.display()))?;
    let mut out = std::io::stdout().lock();
    match args.action {
        Action::Create { user } => {
            let created = tokens::create(&store, &config.auth, &user, Utc::now())?;
            writeln!(out, "{}", created.token.expose())?;
            eprintln!(
                "token {} for {user}: shown only now; send it as `Authorization: Bearer <token>`",
                created.id
            );
        }
        Action::List { json } => {
            let rows = tokens::list(&store)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else if rows.is_empty() {
                writeln!(out, "No tokens.")?;
            } else {
                for row in rows {
                    let state = row.revoked.map_or_else(
                        || "active".to_owned(),
                        |at| format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    );
                    writeln!(
                        out,
                        "{}  {:<16} created {}  {state}",
                        row.id,
                        row.user,
                        row.created.format("%Y-%m-%d %H:%M")
                    )?;
                }
            }
        }
        Action::Revoke { id } => {
            tokens::revoke(&store, id.trim(), Utc::now())?;
            writeln!(out, "revoked token {}", id.trim())?;
        }
    }
    Ok(())
}
