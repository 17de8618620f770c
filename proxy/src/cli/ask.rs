//! `claudedirector ask "QUESTION"`: an answer in two or three sentences.

use director_core::ask::{self, AskOptions};

use super::source::{self, SourceArgs};

/// Arguments of `claudedirector ask`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The question, such as "How is Team Alpha doing?".
    pub question: String,
    /// Where the data comes from.
    #[command(flatten)]
    pub source: SourceArgs,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let loaded = source::load(&args.source).await?;
    let options = AskOptions { risk: loaded.risk.clone() };
    let answer = ask::ask_with_options(&args.question, &loaded.dataset, loaded.as_of, &options);
    if args.source.json {
        source::print(&serde_json::to_string_pretty(&answer)?);
        return Ok(());
    }
    let mut out = answer.text.clone();
    if answer.intent == ask::Intent::Help {
        out.push_str("\n\nFor example:");
        for suggestion in &answer.suggestions {
            out.push_str(&format!("\n  claudedirector ask \"{suggestion}\""));
        }
    }
    source::print(&out);
    Ok(())
}
