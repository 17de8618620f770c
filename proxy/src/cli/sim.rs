//! `claudedirector sim`: runs the simulated JIRA site in the foreground and
//! prints its base URL and credentials, for demos and for trying the proxy
//! against a JIRA that behaves like Cloud or Data Center.
//!
//! Run with `cargo run -p director-proxy -- sim --port 8089 --preset small`.

use std::time::Duration;

use director_sim::{Fault, FaultRule, Flavor, LiveOptions, Matcher, Preset, SimOptions};

/// Arguments of `claudedirector sim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8089)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Seed of the synthetic organisation (same seed and `--now`, same organisation).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Size of the organisation: tiny, small (the demo) or large.
    #[arg(long, default_value = "small")]
    pub preset: Preset,
    /// Which JIRA to imitate: cloud or datacenter.
    #[arg(long, default_value = "cloud")]
    pub flavor: Flavor,
    /// End of the organisation's history (RFC 3339); defaults to the current time.
    #[arg(long)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Time zone of the API user (IANA name).
    #[arg(long, default_value = "UTC")]
    pub time_zone: String,
    /// Run live: simulated seconds per real second (work moves, webhooks fire).
    #[arg(long)]
    pub time_factor: Option<f64>,
    /// Where live mode posts webhooks (signed with `CLAUDEDIRECTOR_SIM_WEBHOOK_SECRET` when set).
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Answer every Nth JIRA request with a 429 (Retry-After 2 s), to exercise back-off.
    #[arg(long)]
    pub rate_limit_every: Option<u32>,
}

/// Runs the command until ctrl-c.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut options = SimOptions {
        seed: args.seed,
        preset: args.preset,
        flavor: args.flavor,
        user_time_zone: args.time_zone,
        ..SimOptions::default()
    };
    if let Some(now) = args.now {
        options.now = now;
    }
    if args.time_factor.is_some() || args.webhook_url.is_some() {
        options.live = Some(LiveOptions {
            time_factor: args.time_factor.unwrap_or(60.0),
            webhook_url: args.webhook_url,
            // Secrets come from the environment only, never the command line.
            webhook_secret: std::env::var("CLAUDEDIRECTOR_SIM_WEBHOOK_SECRET")
                .ok()
                .filter(|s| !s.is_empty()),
            tick: Duration::from_millis(500),
        });
    }
    let listener = tokio::net::TcpListener::bind((args.bind.as_str(), args.port)).await?;
    let started = std::time::Instant::now();
    let sim = director_sim::start(options.clone(), listener).await?;
    if let Some(n) = args.rate_limit_every {
        sim.faults().push(
            FaultRule::new(Matcher::path("/rest/"), Fault::RateLimited { retry_after_secs: 2 })
                .every(n),
        );
    }
    let issues = sim.issue_ids_and_updated().len();
    let mut out = String::new();
    out.push_str(&format!("simulated JIRA ({:?}) at {}\n", options.flavor, sim.base_url()));
    out.push_str(&format!(
        "  {issues} issues, {} teams, generated in {:.1?}\n",
        sim.teams().len(),
        started.elapsed()
    ));
    match options.flavor {
        Flavor::Cloud => {
            out.push_str(&format!("  auth: basic {}:{}\n", options.email, options.api_token))
        }
        Flavor::DataCenter => out.push_str(&format!("  auth: bearer {}\n", options.pat)),
    }
    for t in sim.teams() {
        out.push_str(&format!(
            "  {:<10} project {:<10} board {:>3}  {} engineers\n",
            t.name, t.project_key, t.board_id, t.engineers
        ));
    }
    if options.live.is_some() {
        out.push_str("  live: work moves and webhooks fire; ctrl-c to stop\n");
    }
    print!("{out}");
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
