//! `claudedirector serve`: the proxy and dashboard for a configured JIRA, or
//! with `--demo`, for a simulated organisation started in-process in live
//! mode (six teams, time running fast enough to see work move, webhooks to
//! this proxy). Stops cleanly on ctrl-c or SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::{AuthMode, Config, Credentials, Flavor, Secret, TeamConfig};
use crate::sync::Trigger;
use crate::StartOptions;

/// Arguments of `claudedirector serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file (not needed with `--demo`).
    #[arg(long, required_unless_present = "demo")]
    pub config: Option<PathBuf>,
    /// Run against a simulated JIRA organisation; no credentials needed.
    #[arg(long)]
    pub demo: bool,
    /// Listen address (default: the config's `server.addr`, or 127.0.0.1:8080).
    #[arg(long)]
    pub addr: Option<String>,
    /// Folder of the built dashboard (default: the config's `server.dist`, or `dist`).
    #[arg(long)]
    pub dist: Option<PathBuf>,
    /// Folder holding the store (default: `.claudedirector`; a fresh temporary folder with `--demo`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Simulated seconds per real second in the demo.
    #[arg(long, default_value_t = 60.0)]
    pub time_factor: f64,
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.demo {
        return run_demo(args).await;
    }
    let path = args.config.clone().context("--config is required without --demo")?;
    let config = Config::load(&path).with_context(|| format!("loading {}", path.display()))?;
    let credentials =
        Credentials::from_env(config.jira.auth).context("reading JIRA credentials")?;
    let addr = args.addr.clone().unwrap_or_else(|| config.server.addr.clone());
    let listener =
        tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("binding {addr}"))?;
    let data = args.data.clone().unwrap_or_else(|| PathBuf::from(".claudedirector"));
    let options = StartOptions {
        data_dir: data,
        credentials,
        clock: Clock::system(),
        dist: args.dist.clone(),
        access: crate::auth::Access::SignIn,
        webhook_secret: std::env::var(crate::webhooks::SECRET_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .map(Secret::new),
    };
    let local = listener.local_addr()?;
    tracing::info!(%local, "serving");
    let _ = writeln!(std::io::stdout(), "ClaudeDirector: http://{local}");
    crate::serve(config, options, listener, shutdown_signal()).await?;
    Ok(())
}

async fn run_demo(args: Args) -> anyhow::Result<()> {
    let addr = args.addr.clone().unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener =
        tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    let secret = format!("{:032x}", fastrand::u128(..));
    let sim_listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the simulated JIRA")?;
    let sim_options = director_sim::SimOptions {
        live: Some(director_sim::LiveOptions {
            time_factor: args.time_factor,
            webhook_url: Some(format!("http://{local}/webhooks/jira")),
            webhook_secret: Some(secret.clone()),
            ..director_sim::LiveOptions::default()
        }),
        ..director_sim::SimOptions::default()
    };
    let sim = Arc::new(
        director_sim::start(sim_options, sim_listener)
            .await
            .context("starting the simulated JIRA")?,
    );
    let teams = TeamConfig::for_sim(&sim);
    let mut config = Config::for_site(&sim.base_url(), Flavor::Cloud, AuthMode::Basic, teams);
    config.server.addr = local.to_string();
    // Simulated days pass in minutes, and each has its own budget; live
    // webhooks add follow-ups. The default budget is for real sites.
    config.sync.daily_budget = 10_000;
    let credentials =
        Credentials::Basic { email: "demo@example.com".into(), token: Secret::new("demo-token") };
    let data = match &args.data {
        Some(data) => data.clone(),
        None => std::env::temp_dir().join(format!("claudedirector-demo-{}", std::process::id())),
    };
    let clock_sim = Arc::clone(&sim);
    let clock = Clock::custom(move || clock_sim.now(), args.time_factor);
    // Loopback is reachable only from this machine; anything else needs sign-in.
    let open = local.ip().is_loopback();
    let access = if open { crate::auth::Access::Open } else { crate::auth::Access::SignIn };
    let options = StartOptions {
        data_dir: data.clone(),
        credentials,
        clock,
        dist: args.dist.clone(),
        access,
        webhook_secret: Some(Secret::new(secret)),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (state, engine) = crate::start(config, options, crate::wait_for(stop_rx))?;
    let report =
        state.sync.run(Trigger::Manual { full: false }).await.context("the sync engine stopped")?;
    if let Some(error) = &report.error {
        anyhow::bail!("initial sync of the demo organisation failed: {error}");
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ClaudeDirector demo: http://{local}")?;
        writeln!(
            out,
            "  {} issues from {} simulated teams; time runs {}x; {} Ctrl-C stops.",
            state.store.issue_count()?,
            state.config.teams.len(),
            args.time_factor,
            if open {
                "no sign-in needed on loopback."
            } else {
                "sign-in required (not a loopback address): use CLAUDEDIRECTOR_TOKEN."
            }
        )?;
        out.flush()?;
    }
    axum::serve(
        listener,
        crate::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    })
    .await?;
    engine.abort();
    if let Ok(sim) = Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }
    if args.data.is_none() {
        let _ = std::fs::remove_dir_all(&data);
    }
    Ok(())
}
