//! `claudedirector token`: per-user API tokens for the CLI and scripts.
//! `token create --user NAME [--expires-in 90d|never]` prints a new token
//! once (only its digest is stored; it lasts 90 days unless told otherwise);
//! `token list` shows ids, users, when each was created, expires and was
//! last used, and whether it is active, expired or revoked, never a token;
//! `token revoke ID` stops one at once, in a running server too (each
//! request looks the token up in the store).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::auth::tokens::{self, Lifetime};
use crate::config::Config;
use crate::store::{SqliteStore, TokenRow, TokenState};

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
        /// How long the token works: a duration such as `90d`, `12h` or
        /// `1d 12h` (units s, m, h, d), or `never`.
        #[arg(long, default_value = "90d", value_parser = parse_lifetime)]
        expires_in: Lifetime,
    },
    /// List tokens: id, user, created, expires, last used and state (never
    /// the tokens themselves). Times are UTC; last use is to the minute.
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

fn parse_lifetime(text: &str) -> Result<Lifetime, String> {
    text.parse()
}

/// A row of `token list --json`: the stored row and its state now.
#[derive(serde::Serialize)]
struct Listed {
    #[serde(flatten)]
    row: TokenRow,
    state: TokenState,
}

fn minute(at: Option<DateTime<Utc>>, none: &str) -> String {
    at.map_or_else(|| none.to_owned(), |at| at.format("%Y-%m-%d %H:%M").to_string())
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let path = args.config.context("--config is required (the server's configuration file)")?;
    let config = Config::load(&path).with_context(|| format!("loading {}", path.display()))?;
    let store = SqliteStore::open_dir(&args.data)
        .with_context(|| format!("opening the store in {}", args.data.display()))?;
    let mut out = std::io::stdout().lock();
    match args.action {
        Action::Create { user, expires_in } => {
            let created = tokens::create(&store, &config.auth, &user, Utc::now(), expires_in)?;
            writeln!(out, "{}", created.token.expose())?;
            let until = created.expires.map_or_else(
                || "never expires".to_owned(),
                |at| format!("expires {}", at.format("%Y-%m-%d %H:%M UTC")),
            );
            eprintln!(
                "token {} for {user} ({until}): shown only now; send it as \
                 `Authorization: Bearer <token>`",
                created.id
            );
        }
        Action::List { json } => {
            let now = Utc::now();
            let rows = tokens::list(&store)?;
            if json {
                let listed: Vec<Listed> =
                    rows.into_iter().map(|row| Listed { state: row.state(now), row }).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&listed)?)?;
            } else if rows.is_empty() {
                writeln!(out, "No tokens.")?;
            } else {
                writeln!(
                    out,
                    "{:<12}  {:<16}  {:<16}  {:<16}  {:<16}  STATE  (times UTC)",
                    "ID", "USER", "CREATED", "EXPIRES", "LAST USED"
                )?;
                for row in rows {
                    let state = match row.state(now) {
                        TokenState::Active => "active".to_owned(),
                        TokenState::Expired => "expired".to_owned(),
                        TokenState::Revoked => format!("revoked {}", minute(row.revoked, "")),
                    };
                    writeln!(
                        out,
                        "{:<12}  {:<16}  {:<16}  {:<16}  {:<16}  {state}",
                        row.id,
                        row.user,
                        minute(Some(row.created), ""),
                        minute(row.expires, "never"),
                        minute(row.last_used, "never"),
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
