//! The ClaudeDirector proxy: the only holder of JIRA credentials. It syncs
//! JIRA into its store, serves `/api/v1` and the dashboard, takes webhooks and
//! sends alerts. The `claudedirector` CLI is built on the same library.
//!
//! [`start`] builds the store, limiter, JIRA client and sync engine;
//! [`serve`] runs them behind [`router`] until a shutdown signal.

pub mod alerting;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod jira;
pub mod notify;
pub mod rate_limit;
pub mod routes;
pub mod schedule;
pub mod state;
pub mod store;
pub mod sync;
pub mod webhooks;

pub mod cli;

use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{Config, Credentials};
use crate::rate_limit::{Limiter, LimiterOptions};
use crate::state::AppState;
use crate::store::{SqliteStore, Store};

pub use routes::router;

/// The proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened.
    #[error("cannot open the store")]
    Store(#[from] store::Error),
    /// The JIRA client could not be built.
    #[error("cannot set up the jira client")]
    Jira(#[from] jira::Error),
    /// Serving failed.
    #[error("http server failed")]
    Io(#[from] std::io::Error),
    /// Sign-in cannot be set up.
    #[error("cannot set up sign-in")]
    Auth(#[from] auth::Error),
    /// Notification channels are misconfigured.
    #[error("cannot set up notifications")]
    Notify(#[from] notify::Error),
}

/// What [`start`] needs besides the config.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Folder of the SQLite store.
    pub data_dir: PathBuf,
    /// JIRA credentials.
    pub credentials: Credentials,
    /// The clock (the system clock outside demos and tests).
    pub clock: Clock,
    /// Folder of the built dashboard; `config.server.dist` when `None`.
    pub dist: Option<PathBuf>,
    /// Who may use the dashboard and `/api`.
    pub access: auth::Access,
    /// Secret webhooks are signed with (`JIRA_WEBHOOK_SECRET`).
    pub webhook_secret: Option<config::Secret>,
}

/// Opens the store and starts the sync engine; the engine stops when
/// `shutdown` resolves. Returns the state the router serves.
pub fn start(
    config: Config,
    options: StartOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(AppState, tokio::task::JoinHandle<()>), StartError> {
    let config = Arc::new(config);
    let sqlite = Arc::new(SqliteStore::open_dir(&options.data_dir)?);
    let store: Arc<dyn Store> = sqlite.clone();
    let alert_store: Arc<dyn store::AlertStore> = sqlite.clone();
    let today = options.clock.now().with_timezone(&config.org.time_zone).date_naive();
    let used_today: u64 = store.calls_on(today)?.iter().map(|(_, n)| n).sum();
    let limiter = Limiter::new(
        LimiterOptions {
            rate_per_second: config.jira.requests_per_second,
            burst: config.jira.requests_per_second.max(1.0),
            concurrency: config.jira.concurrency,
            daily_budget: config.sync.daily_budget,
            ..LimiterOptions::default()
        },
        today,
        used_today,
    );
    let recorder_store = Arc::clone(&store);
    let recorder: jira::CallRecorder = Arc::new(move |day, purpose| {
        if let Err(err) = recorder_store.record_call(day, purpose) {
            tracing::warn!(error = %err, "cannot count a jira call");
        }
    });
    let client = jira::Client::new(
        &config,
        &options.credentials,
        limiter.clone(),
        recorder,
        options.clock.clone(),
    )?;
    let syncer =
        sync::Syncer::new(Arc::clone(&config), Arc::clone(&store), client, options.clock.clone());
    let gate = match options.access {
        auth::Access::Open => auth::Gate::open(),
        auth::Access::SignIn => {
            auth::Gate::new(&config.auth, auth::Gate::token_from_env(), Some(sqlite))?
        }
    };
    let notifier = notify::Notifier::new(
        &config.notify,
        config.org.time_zone,
        alert_store.clone(),
        options.clock.clone(),
    )?;
    let (handle, engine) = syncer.spawn(shutdown);
    let dist = options.dist.clone().unwrap_or_else(|| config.server.dist.clone());
    let realtime = alerting::start_realtime(alerting::Realtime {
        config: Arc::clone(&config),
        store: Arc::clone(&store),
        alert_store,
        clock: options.clock.clone(),
        sync: handle.clone(),
        notifier,
        webhook_secret: options.webhook_secret.clone(),
    });
    let index = std::fs::read_to_string(dist.join("index.html")).ok();
    let security =
        auth::headers::SecurityHeaders::new(index.as_deref(), config.auth.cors_origins.clone());
    let state = AppState {
        config,
        store,
        sync: handle,
        limiter,
        clock: options.clock,
        dist,
        webhooks: realtime.webhooks,
        alerting: realtime.alerting,
        gate,
        security,
        deltas: Arc::default(),
    };
    let mut tasks = realtime.tasks;
    tasks.push(routes::spawn_warmer(state.clone()));
    let engine = tokio::spawn(async move {
        // Aborting this task drops the guard, which stops the real-time tasks too.
        let _guard = alerting::AbortOnDrop(tasks);
        let _ = engine.await;
    });
    Ok((state, engine))
}

/// Serves the proxy on `listener` until `shutdown` resolves.
pub async fn serve(
    config: Config,
    options: StartOptions,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let engine_stop = wait_for(stop_rx.clone());
    let (state, engine) = start(config, options, engine_stop)?;
    axum::serve(
        no_delay(listener),
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await?;
    drop(stop_rx);
    engine.abort();
    Ok(())
}

/// Serves an already started proxy's router on `listener` until `shutdown`.
pub async fn serve_state(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        no_delay(listener),
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Answers leave at once: without `TCP_NODELAY` a response's last small
/// segment can wait for the client's delayed ACK (up to 40 ms on Linux).
fn no_delay(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<
    tokio::net::TcpListener,
    impl FnMut(&mut tokio::net::TcpStream) + Send + 'static,
> {
    use axum::serve::ListenerExt as _;
    listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY");
        }
    })
}

/// Resolves when the watch turns true (or its sender is gone).
pub async fn wait_for(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}
