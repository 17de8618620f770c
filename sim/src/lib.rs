//! A simulated JIRA site: a real HTTP server that speaks the JIRA Cloud (or
//! Data Center) REST shapes over a seeded synthetic organisation, emits signed
//! webhooks as simulated time moves work along, and fails on demand (rate
//! limits, 5xx, slow or truncated responses, issues changing mid-page).
//! It powers `claudedirector sim`, the `--demo` mode and the integration
//! tests, since no real JIRA is reachable from our machines.
//!
//! Start one on a listener you bound yourself, so tests need no sleeps:
//! `director_sim::start(SimOptions::default(), TcpListener::bind("127.0.0.1:0").await?)`.
//!
//! What it serves (Cloud unless noted; `/rest/api/2`, `/3` and `latest` alike):
//! - `GET|POST /rest/api/3/search/jql`: token pages (`nextPageToken` absent on
//!   the last page, `isLast`, no `total`), default `fields=id`, `*all`,
//!   `*navigable`, lists and `-field`, `expand=changelog` (40 newest histories
//!   with the true `total`), `maxResults` 50 by default, capped at 5000 for ids
//!   and 100 otherwise; 400 with JIRA's message for unbounded or unsupported JQL
//!   (`jql` says which clauses are understood). Tokens expire after 7 days.
//! - `/rest/api/{2,3}/search`: 410 with Atlassian's body on Cloud; the
//!   `startAt`/`total` search on Data Center (changelog up to 100 histories).
//! - `GET /issue/{key}`, `GET /issue/{key}/changelog` (oldest first, pages of at
//!   most 100), `POST /changelog/bulkfetch`, `/field`, `/myself`, `/serverInfo`,
//!   `/status`, `/priority`, `/project`, `POST /search/approximate-count`.
//! - `/rest/agile/1.0/board[/{id}[/configuration|/sprint|/issue|/sprint/{id}/issue]]`,
//!   `/rest/agile/1.0/sprint/{id}[/issue]`, and Greenhopper's
//!   `rapid/charts/sprintreport` and `rapid/charts/velocity`, computed from changelogs.
//!
//! Data Center differs where JIRA does: `Bearer <PAT>` auth, no `/rest/api/3`,
//! no enhanced search or changelog endpoints (GET issue expands the whole
//! changelog instead), the Sprint field in its legacy
//! string form, users with `name`/`key`, the Epic Link field instead of `parent`.
//!
//! As in JIRA, `key in (...)` naming an issue that does not exist (for example a
//! deleted one) is a 400, and a few changelog entries (workflow migrations) do
//! not move `updated`.

mod faults;
mod jql;
mod live;
mod org;
mod random;
mod render;
mod routes;
mod site;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use faults::{Fault, FaultRule, Faults, Matcher};
pub use org::Preset;
pub use site::LoggedRequest;

use site::Site;

/// Which JIRA the site pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// JIRA Cloud: enhanced search (`/rest/api/3/search/jql`), Basic email:token auth.
    #[default]
    Cloud,
    /// JIRA Data Center: `/rest/api/2/search` with `startAt`/`total`, Bearer PAT auth.
    DataCenter,
}

impl std::str::FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Flavor, String> {
        match s.to_ascii_lowercase().as_str() {
            "cloud" => Ok(Flavor::Cloud),
            "datacenter" | "data-center" | "dc" | "server" => Ok(Flavor::DataCenter),
            other => Err(format!("unknown flavor `{other}` (expected cloud or datacenter)")),
        }
    }
}

/// How to run the site.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Same seed, preset and `now`: the same organisation, issue for issue.
    pub seed: u64,
    pub preset: Preset,
    pub flavor: Flavor,
    /// Accepted Cloud credentials (`Authorization: Basic base64(email:api_token)`).
    pub email: String,
    pub api_token: String,
    /// Accepted Data Center personal access token (`Authorization: Bearer <pat>`).
    pub pat: String,
    /// The simulated "now" at start: the organisation's 12 months of history
    /// end here. Defaults to the wall clock; set it for an identical org across runs.
    pub now: DateTime<Utc>,
    /// IANA time zone of the API user: returned by `/myself`, used to read
    /// JQL dates and to render timestamps.
    pub user_time_zone: String,
    /// `None` runs a static site (the clock still advances in real time, but
    /// nothing moves on its own).
    pub live: Option<LiveOptions>,
}

/// Live mode: simulated time runs `time_factor` times faster than real time
/// and work moves along, with webhooks sent to `webhook_url`.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Simulated seconds per real second.
    pub time_factor: f64,
    pub webhook_url: Option<String>,
    /// When set, webhooks carry `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`.
    pub webhook_secret: Option<String>,
    /// Real time between simulation steps.
    pub tick: Duration,
}

impl Default for LiveOptions {
    fn default() -> LiveOptions {
        LiveOptions {
            time_factor: 60.0,
            webhook_url: None,
            webhook_secret: None,
            tick: Duration::from_millis(500),
        }
    }
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            seed: 42,
            preset: Preset::Small,
            flavor: Flavor::Cloud,
            email: "demo@example.com".into(),
            api_token: "demo-token".into(),
            pat: "demo-pat".into(),
            // The real clock, so a demo's data is as fresh as the wall clock says;
            // tests that need an identical organisation across runs set `now`.
            now: DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default(),
            user_time_zone: "UTC".into(),
            live: None,
        }
    }
}

/// A team of the organisation: one project and one scrum board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTeam {
    /// "Alpha", "Bravo", ...
    pub name: String,
    /// "ALPHA", "BRAVO", ...
    pub project_key: String,
    pub board_id: u64,
    pub engineers: u32,
}

/// A running site. Dropping it leaves the server running until the runtime
/// stops; call `shutdown` to stop it.
pub struct Sim {
    site: Arc<Site>,
    server: tokio::task::JoinHandle<()>,
    live: Option<tokio::task::JoinHandle<()>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("base_url", &self.site.base_url).finish_non_exhaustive()
    }
}

/// Generates the organisation and serves it on `listener`; returns once the
/// server task is spawned.
///
/// # Errors
/// Fails when the user time zone is not an IANA name or the listener has no local address.
pub async fn start(options: SimOptions, listener: tokio::net::TcpListener) -> anyhow::Result<Sim> {
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let site = Arc::new(Site::new(options.clone(), base_url)?);
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let app = routes::router(site.clone());
    let mut server_stop = stopped.clone();
    let server = tokio::spawn(async move {
        let shutdown = async move {
            let _ = server_stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %e, "simulated jira server stopped");
        }
    });
    let live = options.live.clone().map(|live| {
        let site = site.clone();
        let events = live::listen(&site);
        tokio::spawn(async move {
            tokio::select! {
                () = live::run(site, live, events) => {}
                _ = stopped.wait_for(|s| *s) => {}
            }
        })
    });
    Ok(Sim { site, server, live, stop })
}

impl Sim {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.site.base_url.clone()
    }

    pub fn teams(&self) -> Vec<SimTeam> {
        let org = self.site.read();
        org.teams
            .iter()
            .map(|t| SimTeam {
                name: t.name.clone(),
                project_key: t.key.clone(),
                board_id: t.board_id,
                engineers: t.members.len() as u32,
            })
            .collect()
    }

    /// Every request served so far, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.site.log_snapshot()
    }

    pub fn clear_request_log(&self) {
        self.site.clear_log();
    }

    pub fn faults(&self) -> &Faults {
        &self.site.faults
    }

    /// Ground truth for tests: (id, key, updated) of every live issue, in id order.
    pub fn issue_ids_and_updated(&self) -> Vec<(String, String, DateTime<Utc>)> {
        let org = self.site.read();
        org.live_issues().map(|(_, i)| (i.id.to_string(), i.key.clone(), i.updated)).collect()
    }

    /// Ground truth for tests: the ids of an issue's changelog histories,
    /// oldest first (empty for an unknown key).
    pub fn history_ids(&self, key: &str) -> Vec<String> {
        let org = self.site.read();
        org.find(key)
            .map(|idx| org.issues[idx].histories.iter().map(|h| h.id.to_string()).collect())
            .unwrap_or_default()
    }

    /// Moves an issue one step along its workflow (with a changelog entry and a
    /// new `updated`); no-op for an unknown key. Sends a webhook in live mode.
    pub fn update_issue(&self, key: &str) {
        self.site.update_issue(key);
    }

    /// Deletes an issue; no-op for an unknown key. Sends a webhook in live mode.
    pub fn delete_issue(&self, key: &str) {
        self.site.delete_issue(key);
    }

    /// Creates an issue in the project and returns its key (empty for an unknown project).
    pub fn create_issue(&self, project_key: &str) -> String {
        self.site.create_issue(project_key)
    }

    /// The simulated clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.site.clock.now()
    }

    /// Stops the server and live mode and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Some(live) = self.live {
            let _ = live.await;
        }
        let _ = self.server.await;
    }
}
