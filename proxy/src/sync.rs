//! The sync engine: one long-lived task that turns triggers (someone looked,
//! a schedule fired, the reconcile, a webhook, a manual request) into runs
//! against JIRA, coalescing triggers that arrive while a run is going.
//!
//! A run reads each team's issues changed since its cursor (JQL `updated >=`
//! in the JIRA user's time zone, minus an overlap), ids-first when the window
//! is wide, completes changelogs JIRA truncated, normalises with core's
//! ingest and commits page by page. The cursor is the run's start time and
//! moves only after the team's pages are committed, so a crash mid-run
//! repeats work but never skips it. A full reconcile compares key sets and
//! removes issues JIRA no longer has.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use director_core::ingest::{fields_from_value, issue_from_value, IngestOptions};
use director_core::model::TeamId;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::clock::Clock;
use crate::config::Config;
use crate::jira::{self, jql, value_as_string, Client, SearchQuery};
use crate::schedule::{self, ScheduleKind};
use crate::store::{self, Batch, IssueWrite, Purpose, Store, SyncRun};

/// A run failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// JIRA failed for good.
    #[error("jira call failed")]
    Jira(#[from] jira::Error),
    /// The store failed.
    #[error("store write failed")]
    Store(#[from] store::Error),
    /// A blocking store task did not finish.
    #[error("store task stopped")]
    Task(#[from] tokio::task::JoinError),
}

/// Why a sync should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Someone looked and data is older than `fresh_for`.
    OnDemand,
    /// A cron schedule or strategic event fired.
    Scheduled {
        /// Schedule name.
        name: String,
        /// Full reconcile.
        full: bool,
    },
    /// A webhook announced changes to these issues.
    Webhook {
        /// Issue keys to fetch.
        keys: Vec<String>,
    },
    /// A sprint started or closed: refresh sprints and issues.
    SprintEvent,
    /// `POST /api/v1/sync` or `claudedirector sync`.
    Manual {
        /// Full reconcile.
        full: bool,
    },
}

/// Something the dashboard may want to hear about (`GET /api/v1/events`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// A run started.
    SyncStarted {
        /// Why.
        purpose: Purpose,
        /// Full reconcile.
        full: bool,
    },
    /// A page was committed.
    SyncProgress {
        /// Issues read so far.
        issues_read: u64,
        /// JIRA calls so far in this run.
        calls: u64,
    },
    /// A run ended.
    SyncFinished(RunReport),
    /// Stored data changed; clients should ask for a delta.
    DataChanged {
        /// The latest change sequence.
        seq: i64,
    },
    /// An alert was raised (published by the alert engine).
    Alert {
        /// The alert as JSON.
        alert: Value,
    },
}

/// Outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// Succeeded.
    pub ok: bool,
    /// Why it ran.
    pub purpose: Purpose,
    /// Full reconcile.
    pub full: bool,
    /// Issues changed.
    pub changed: u64,
    /// Issues deleted.
    pub deleted: u64,
    /// JIRA calls made.
    pub calls: u64,
    /// Real milliseconds the run took.
    pub millis: u64,
    /// Error chain when it failed.
    pub error: Option<String>,
}

/// What the engine is doing, for `sync/status`.
#[derive(Debug, Clone, Default)]
pub struct EngineState {
    /// A run is going, started then.
    pub running_since: Option<DateTime<Utc>>,
    /// Another run is queued behind it.
    pub pending: bool,
    /// Next schedule firing and its name.
    pub next_scheduled: Option<(DateTime<Utc>, String)>,
    /// Error of the last run, when it failed.
    pub last_error: Option<String>,
    /// When the last run failed (on-demand runs pause a minute after a failure).
    pub last_failure: Option<DateTime<Utc>>,
}

#[derive(Debug)]
enum Command {
    Trigger(Trigger, Option<oneshot::Sender<RunReport>>),
}

struct Shared {
    state: Mutex<EngineState>,
    /// End of the last successful run, kept here so every API call need not ask the store.
    data_as_of: Mutex<Option<DateTime<Utc>>>,
    events: broadcast::Sender<ServerEvent>,
    clock: Clock,
    fresh_for: Duration,
}

/// Talks to the engine task. Cheap to clone.
#[derive(Clone)]
pub struct SyncHandle {
    tx: mpsc::UnboundedSender<Command>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHandle").finish_non_exhaustive()
    }
}

impl SyncHandle {
    /// Queues a trigger; the receiver gets the report of the run that covers it.
    pub fn trigger(&self, trigger: Trigger) -> oneshot::Receiver<RunReport> {
        let (tx, rx) = oneshot::channel();
        // A closed engine drops the sender, which the receiver reports as an error.
        let _ = self.tx.send(Command::Trigger(trigger, Some(tx)));
        rx
    }

    /// Triggers and waits for the run's report (`None` when the engine stopped).
    pub async fn run(&self, trigger: Trigger) -> Option<RunReport> {
        self.trigger(trigger).await.ok()
    }

    /// When data is older than `fresh_for`, starts an on-demand sync (the
    /// caller answers from the store at once and may await the receiver).
    pub fn ensure_fresh(&self) -> Option<oneshot::Receiver<RunReport>> {
        let now = self.shared.clock.now();
        {
            let state = self.shared.state.lock().expect("engine state lock");
            // JIRA down: try again at most once a minute rather than on every look.
            if state.last_failure.is_some_and(|at| now - at < chrono::Duration::minutes(1)) {
                return None;
            }
        }
        if !self.is_stale(now) {
            return None;
        }
        Some(self.trigger(Trigger::OnDemand))
    }

    /// True when the last successful sync is older than `fresh_for` (or never happened).
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        match self.data_as_of() {
            Some(at) => (now - at).to_std().unwrap_or(Duration::ZERO) > self.shared.fresh_for,
            None => true,
        }
    }

    /// End of the last successful run.
    pub fn data_as_of(&self) -> Option<DateTime<Utc>> {
        *self.shared.data_as_of.lock().expect("data_as_of lock")
    }

    /// Listens to engine events.
    pub fn subscribe(&self) -> broadcast::Receiver<ServerEvent> {
        self.shared.events.subscribe()
    }

    /// Publishes an event to every listener (alerts use this).
    pub fn publish(&self, event: ServerEvent) {
        let _ = self.shared.events.send(event);
    }

    /// What the engine is doing.
    pub fn state(&self) -> EngineState {
        self.shared.state.lock().expect("engine state lock").clone()
    }

    /// The clock the engine runs on.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }
}

/// What one run does: the union of the triggers it covers.
#[derive(Debug, Default)]
struct Plan {
    purpose: Option<Purpose>,
    full: bool,
    incremental: bool,
    sprints: bool,
    keys: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<RunReport>>,
}

impl Plan {
    fn add(&mut self, trigger: Trigger) {
        let purpose = match &trigger {
            Trigger::OnDemand => Purpose::OnDemand,
            Trigger::Scheduled { full: true, .. } => Purpose::Reconcile,
            Trigger::Scheduled { .. } => Purpose::Scheduled,
            Trigger::Webhook { .. } | Trigger::SprintEvent => Purpose::Webhook,
            Trigger::Manual { .. } => Purpose::Manual,
        };
        // The purpose a run is counted under: the most deliberate trigger wins.
        let rank = |purpose: Purpose| match purpose {
            Purpose::Manual => 4,
            Purpose::Reconcile => 3,
            Purpose::Scheduled => 2,
            Purpose::OnDemand => 1,
            Purpose::Webhook => 0,
        };
        if self.purpose.is_none_or(|current| rank(purpose) > rank(current)) {
            self.purpose = Some(purpose);
        }
        match trigger {
            Trigger::OnDemand => self.incremental = true,
            Trigger::Scheduled { full, .. } | Trigger::Manual { full } => {
                self.incremental = true;
                self.full |= full;
            }
            Trigger::Webhook { keys } => self.keys.extend(keys),
            Trigger::SprintEvent => {
                self.incremental = true;
                self.sprints = true;
            }
        }
    }
}

/// Does the work of a run. Built once; the engine task owns it.
pub struct Syncer {
    config: Arc<Config>,
    store: Arc<dyn Store>,
    client: Client,
    clock: Clock,
}

impl Syncer {
    /// A syncer for `config` writing into `store` through `client`.
    pub fn new(config: Arc<Config>, store: Arc<dyn Store>, client: Client, clock: Clock) -> Syncer {
        Syncer { config, store, client, clock }
    }

    /// Starts the engine task; it stops when `shutdown` completes or every handle is dropped.
    pub fn spawn(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> (SyncHandle, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(256);
        let data_as_of = self.store.last_success().ok().flatten().and_then(|run| run.finished);
        let shared = Arc::new(Shared {
            state: Mutex::new(EngineState::default()),
            data_as_of: Mutex::new(data_as_of),
            events,
            clock: self.clock.clone(),
            fresh_for: self.config.sync.fresh_for,
        });
        let handle = SyncHandle { tx, shared: Arc::clone(&shared) };
        let task = tokio::spawn(engine(Arc::new(self), shared, rx, shutdown));
        (handle, task)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Store) -> store::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let store = Arc::clone(&self.store);
        Ok(tokio::task::spawn_blocking(move || work(store.as_ref())).await??)
    }
}

async fn engine(
    syncer: Arc<Syncer>,
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Command>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let tz = syncer.config.org.time_zone;
    let schedules = schedule::schedules(&syncer.config);
    let mut next = schedule::next_firing(&schedules, syncer.clock.now(), tz)
        .map(|(at, schedule)| (at, schedule.clone()));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<RunReport>();
    let mut pending: Option<Plan> = None;
    let mut current_waiters: Vec<oneshot::Sender<RunReport>> = Vec::new();
    let mut running = false;
    tokio::pin!(shutdown);
    loop {
        if !running {
            if let Some(mut plan) = pending.take() {
                running = true;
                current_waiters = std::mem::take(&mut plan.waiters);
                let syncer = Arc::clone(&syncer);
                let shared_run = Arc::clone(&shared);
                let done_tx = done_tx.clone();
                shared.state.lock().expect("engine state lock").running_since =
                    Some(syncer.clock.now());
                tokio::spawn(async move {
                    let report = execute(&syncer, &shared_run, plan).await;
                    let _ = done_tx.send(report);
                });
            }
        }
        {
            let mut state = shared.state.lock().expect("engine state lock");
            state.pending = pending.is_some();
            state.next_scheduled = next.as_ref().map(|(at, schedule)| (*at, schedule.name.clone()));
        }
        let wait = match &next {
            Some((at, _)) => {
                syncer.clock.real(*at - syncer.clock.now()).min(Duration::from_secs(30))
            }
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            () = &mut shutdown => break,
            command = rx.recv() => {
                let Some(Command::Trigger(trigger, waiter)) = command else { break };
                if running && trigger == Trigger::OnDemand && pending.is_none() {
                    // The run under way brings the data up to date.
                    current_waiters.extend(waiter);
                } else {
                    let plan = pending.get_or_insert_with(Plan::default);
                    plan.add(trigger);
                    plan.waiters.extend(waiter);
                }
            }
            Some(report) = done_rx.recv() => {
                running = false;
                {
                    let mut state = shared.state.lock().expect("engine state lock");
                    state.running_since = None;
                    if report.ok {
                        state.last_error = None;
                        state.last_failure = None;
                    } else {
                        state.last_error = report.error.clone();
                        state.last_failure = Some(syncer.clock.now());
                    }
                }
                for waiter in current_waiters.drain(..) {
                    let _ = waiter.send(report.clone());
                }
            }
            () = tokio::time::sleep(wait) => {
                if let Some((at, schedule)) = next.clone() {
                    if syncer.clock.now() >= at {
                        tracing::info!(schedule = %schedule.name, "scheduled sync");
                        let plan = pending.get_or_insert_with(Plan::default);
                        plan.add(Trigger::Scheduled {
                            name: schedule.name.clone(),
                            full: schedule.kind == ScheduleKind::Full,
                        });
                        next = schedule::next_firing(&schedules, at, tz)
                            .map(|(at, schedule)| (at, schedule.clone()));
                    }
                }
            }
        }
    }
}

async fn execute(syncer: &Syncer, shared: &Shared, plan: Plan) -> RunReport {
    let purpose = plan.purpose.unwrap_or(Purpose::Manual);
    let started = syncer.clock.now();
    let real_start = std::time::Instant::now();
    let calls_before = syncer.client.calls();
    let _ = shared.events.send(ServerEvent::SyncStarted { purpose, full: plan.full });
    let run_id = syncer.store.begin_run(started, purpose, plan.full).unwrap_or(0);
    let client = syncer.client.with_purpose(purpose);
    let mut run =
        Run { syncer, client, events: &shared.events, started, read: 0, changed: 0, deleted: 0 };
    let result = run.go(&plan).await;
    let calls = syncer.client.calls() - calls_before;
    let error = result.as_ref().err().map(|err| ErrorChain(err).to_string());
    if let Some(error) = &error {
        tracing::warn!(error, "sync failed");
    }
    let finished = syncer.clock.now();
    let record = SyncRun {
        id: run_id,
        started,
        finished: Some(finished),
        purpose,
        full: plan.full,
        ok: result.is_ok(),
        error: error.clone(),
        changed: run.changed,
        deleted: run.deleted,
        calls,
    };
    if let Err(err) = syncer.store.finish_run(&record) {
        tracing::error!(error = %err, "cannot record the sync run");
    }
    if record.ok {
        *shared.data_as_of.lock().expect("data_as_of lock") = Some(finished);
    }
    let report = RunReport {
        ok: result.is_ok(),
        purpose,
        full: plan.full,
        changed: run.changed,
        deleted: run.deleted,
        calls,
        millis: real_start.elapsed().as_millis() as u64,
        error,
    };
    if run.changed + run.deleted > 0 {
        let seq = syncer.store.last_seq().unwrap_or(0);
        let _ = shared.events.send(ServerEvent::DataChanged { seq });
    }
    let _ = shared.events.send(ServerEvent::SyncFinished(report.clone()));
    tracing::info!(
        purpose = purpose.as_str(),
        full = plan.full,
        changed = report.changed,
        deleted = report.deleted,
        calls,
        ok = report.ok,
        "sync finished"
    );
    report
}

/// Prints a sync error with its whole source chain.
struct ErrorChain<'a>(&'a Error);

impl std::fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.0, f)?;
        let mut source = std::error::Error::source(self.0);
        while let Some(err) = source {
            write!(f, ": {err}")?;
            source = err.source();
        }
        Ok(())
    }
}

/// How a query's issues are given a team.
#[derive(Debug, Clone)]
enum Classify {
    /// By the issue's project (teams whose JQL is a plain project clause).
    ByProject(HashMap<String, String>),
    /// All to one team.
    Single(String),
}

impl Classify {
    fn team(&self, issue: &Value, key: &str) -> Option<String> {
        match self {
            Classify::Single(team) => Some(team.clone()),
            Classify::ByProject(map) => {
                let project = issue
                    .pointer("/fields/project/key")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| key.rsplit_once('-').map_or(key, |(p, _)| p).to_owned());
                map.get(&project.to_ascii_uppercase()).cloned()
            }
        }
    }
}

/// A set of teams read with one query.
#[derive(Debug, Clone)]
struct Group {
    teams: Vec<String>,
    jql: String,
    classify: Classify,
}

/// The fields core's ingest reads, plus the discovered custom fields.
const BASE_FIELDS: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "labels",
    "created",
    "updated",
    "resolutiondate",
    "duedate",
    "parent",
    "issuelinks",
    "assignee",
    "project",
    "resolution",
];

struct Run<'a> {
    syncer: &'a Syncer,
    client: Client,
    events: &'a broadcast::Sender<ServerEvent>,
    started: DateTime<Utc>,
    read: u64,
    changed: u64,
    deleted: u64,
}

/// What the run learnt about the site before reading issues.
struct SiteInfo {
    user_tz: Tz,
    fields: Vec<String>,
    options: HashMap<String, IngestOptions>,
    default_options: IngestOptions,
}

const META_REFRESH: chrono::Duration = chrono::Duration::days(7);

impl Run<'_> {
    fn store(&self) -> &Arc<dyn Store> {
        &self.syncer.store
    }

    fn config(&self) -> &Config {
        &self.syncer.config
    }

    async fn go(&mut self, plan: &Plan) -> Result<(), Error> {
        let mut full = plan.full;
        let teams = self.config().teams.clone();
        // A team that is new or whose JQL changed needs a full read; doing the
        // whole reconcile then also finds issues that left its scope.
        let mut any_cursor = false;
        for team in &teams {
            let stored_jql = self.store().meta(&format!("jql:{}", team.name))?;
            let cursor = self.store().meta(&format!("cursor:{}", team.name))?;
            any_cursor |= cursor.is_some();
            if stored_jql.as_deref() != Some(team.jql.as_str()) || cursor.is_none() {
                full = plan.incremental || full;
            }
        }
        let initial = !any_cursor;
        let info = self.site_info().await?;
        if plan.incremental || full {
            self.refresh_sprints(full || plan.sprints).await?;
            let groups = groups(self.config());
            let mut seen: HashSet<String> = HashSet::new();
            for group in &groups {
                let group_seen = self.read_group(group, &info, full, initial).await?;
                seen.extend(group_seen);
            }
            if full {
                let stored = self.store().all_ids()?;
                let deletions: Vec<String> =
                    stored.into_keys().filter(|id| !seen.contains(id)).collect();
                if !deletions.is_empty() {
                    tracing::info!(count = deletions.len(), "removing issues jira no longer has");
                    let batch = Batch { deletions, ..Batch::default() };
                    let outcome = self.syncer.blocking(move |store| store.write(&batch)).await?;
                    self.deleted += outcome.deleted;
                }
            }
        }
        if !plan.keys.is_empty() {
            let keys: Vec<String> = plan.keys.iter().cloned().collect();
            self.read_keys(&keys, &info).await?;
        }
        Ok(())
    }

    /// The user's time zone, the field list and board estimation fields:
    /// cached in the store, re-read weekly or on a full run past that age.
    async fn site_info(&mut self) -> Result<SiteInfo, Error> {
        let now = self.syncer.clock.now();
        let refreshed = self
            .store()
            .meta("site.refreshed")?
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok());
        let stale = refreshed.is_none_or(|at| now - at.with_timezone(&Utc) > META_REFRESH);
        let cached_tz = self.store().meta("site.time_zone")?;
        let cached_fields = self.store().meta("site.fields")?;
        let (tz_name, fields_json) = match (cached_tz, cached_fields) {
            (Some(tz), Some(fields)) if !stale => (tz, fields),
            _ => {
                let tz = self.client.myself_time_zone().await?.unwrap_or(Tz::UTC);
                let fields = self.client.fields().await?;
                let fields_json = fields.to_string();
                let batch = Batch {
                    meta: vec![
                        ("site.time_zone".into(), tz.name().to_owned()),
                        ("site.fields".into(), fields_json.clone()),
                        ("site.refreshed".into(), now.to_rfc3339()),
                    ],
                    ..Batch::default()
                };
                self.syncer.blocking(move |store| store.write(&batch)).await?;
                (tz.name().to_owned(), fields_json)
            }
        };
        let user_tz: Tz = tz_name.parse().unwrap_or(Tz::UTC);
        let fields_value: Value = serde_json::from_str(&fields_json).unwrap_or(Value::Null);
        let catalog = fields_from_value(&fields_value);
        // Custom fields core reads: story points, sprint, epic link, flagged.
        let mut fields: Vec<String> = BASE_FIELDS.iter().map(|f| (*f).to_owned()).collect();
        for entry in fields_value.as_array().into_iter().flatten() {
            let name = entry.get("name").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
            let custom = entry.pointer("/schema/custom").and_then(Value::as_str).unwrap_or("");
            let wanted = matches!(
                name.as_str(),
                "story points"
                    | "story point estimate"
                    | "sprint"
                    | "epic link"
                    | "flagged"
                    | "team"
            ) || custom.contains("gh-sprint")
                || custom.contains("jsw-story-points")
                || custom.contains("gh-epic-link");
            if let (true, Some(id)) = (wanted, entry.get("id").and_then(Value::as_str)) {
                if !fields.iter().any(|f| f == id) {
                    fields.push(id.to_owned());
                }
            }
        }
        let default_options = IngestOptions { fields: catalog, ..IngestOptions::default() };
        let mut options = HashMap::new();
        let teams = self.config().teams.clone();
        for team in &teams {
            let board = self.team_board(team).await?;
            let points_field = match board {
                Some(board) => self.estimation_field(board).await?,
                None => None,
            };
            if let Some(field) = &points_field {
                if !fields.iter().any(|f| f == field) {
                    fields.push(field.clone());
                }
            }
            options.insert(
                team.name.clone(),
                IngestOptions { points_field, ..default_options.clone() },
            );
        }
        Ok(SiteInfo { user_tz, fields, options, default_options })
    }

    /// The team's board: configured, or found once by its project.
    async fn team_board(&mut self, team: &crate::config::TeamConfig) -> Result<Option<u64>, Error> {
        if let Some(board) = team.board {
            return Ok(Some(board));
        }
        let Some(projects) = jql::simple_projects(&team.jql) else { return Ok(None) };
        let cache_key = format!("board:{}", team.name);
        if let Some(cached) = self.store().meta(&cache_key)? {
            return Ok(cached.parse().ok());
        }
        let boards = match self.store().meta("site.boards")? {
            Some(json) => serde_json::from_str::<Vec<Value>>(&json).unwrap_or_default(),
            None => {
                let boards = self.client.boards().await?;
                for board in &boards {
                    if let Some(id) = board.get("id").and_then(Value::as_u64) {
                        self.store().put_board(id, &board.to_string(), None)?;
                    }
                }
                self.store().set_meta("site.boards", &Value::Array(boards.clone()).to_string())?;
                boards
            }
        };
        let found = boards.iter().find_map(|board| {
            let project = board.pointer("/location/projectKey").and_then(Value::as_str)?;
            let scrum = board.get("type").and_then(Value::as_str) != Some("kanban");
            (scrum && projects.iter().any(|p| p.eq_ignore_ascii_case(project)))
                .then(|| board.get("id").and_then(Value::as_u64))
                .flatten()
        });
        self.store().set_meta(&cache_key, &found.map(|id| id.to_string()).unwrap_or_default())?;
        Ok(found)
    }

    /// The board's estimation field id, read once and cached.
    async fn estimation_field(&mut self, board: u64) -> Result<Option<String>, Error> {
        let cache_key = format!("estimation:{board}");
        if let Some(cached) = self.store().meta(&cache_key)? {
            return Ok(Some(cached).filter(|field| !field.is_empty()));
        }
        let configuration = self.client.board_configuration(board).await?;
        let field = configuration
            .as_ref()
            .and_then(|config| config.pointer("/estimation/field/fieldId"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(config) = &configuration {
            self.store().put_board(
                board,
                &json!({ "id": board }).to_string(),
                Some(&config.to_string()),
            )?;
        }
        self.store().set_meta(&cache_key, field.as_deref().unwrap_or(""))?;
        Ok(field)
    }

    /// Re-reads sprints when asked, when never read, once a day, or when a
    /// stored sprint's dates say its state has probably changed.
    async fn refresh_sprints(&mut self, force: bool) -> Result<(), Error> {
        let now = self.syncer.clock.now();
        let refreshed = self
            .store()
            .meta("sprints.refreshed")?
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|at| at.with_timezone(&Utc));
        let overdue = self.store().sprints_json()?.iter().any(|json| {
            let Ok(sprint) = serde_json::from_str::<director_core::model::Sprint>(json) else {
                return false;
            };
            use director_core::model::SprintState;
            match sprint.state {
                SprintState::Active => sprint.end.is_some_and(|end| end < now),
                SprintState::Future => sprint.start.is_some_and(|start| start < now),
                SprintState::Closed => false,
            }
        });
        let due = refreshed.is_none_or(|at| now - at > chrono::Duration::hours(24));
        if !(force || due || overdue) {
            return Ok(());
        }
        let teams = self.config().teams.clone();
        let mut boards = BTreeSet::new();
        for team in &teams {
            if let Some(board) = self.team_board(team).await? {
                boards.insert(board);
            }
        }
        for board in boards {
            let values = self.client.sprints(board, "").await?;
            let (sprints, _diagnostics) =
                director_core::ingest::sprints_from_value(&json!({ "values": values }));
            self.fetch_sprint_reports(board, &sprints).await?;
            let rows: Vec<(u64, String)> = sprints
                .into_iter()
                .map(|mut sprint| {
                    sprint.board = sprint.board.or(Some(director_core::model::BoardId(board)));
                    (sprint.id.0, serde_json::to_string(&sprint).unwrap_or_default())
                })
                .collect();
            self.syncer.blocking(move |store| store.put_sprints(board, &rows)).await?;
        }
        self.store().set_meta("sprints.refreshed", &now.to_rfc3339())?;
        Ok(())
    }

    /// Jira's sprint report of sprints that closed since the last look (on a
    /// board's first look, only its latest closed sprint): one call per sprint,
    /// once. Sites without the report answer 404, remembered as empty.
    async fn fetch_sprint_reports(
        &mut self,
        board: u64,
        sprints: &[director_core::model::Sprint],
    ) -> Result<(), Error> {
        use director_core::model::SprintState;
        let marker_key = format!("sprint_reports:{board}");
        // Completion time of the newest sprint whose report was read.
        let marker = self
            .store()
            .meta(&marker_key)?
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|at| at.with_timezone(&Utc));
        let mut closed: Vec<(DateTime<Utc>, &director_core::model::Sprint)> = sprints
            .iter()
            .filter(|sprint| sprint.state == SprintState::Closed)
            .filter_map(|sprint| sprint.complete.or(sprint.end).map(|at| (at, sprint)))
            .collect();
        closed.sort_by_key(|(at, sprint)| (*at, sprint.id));
        let wanted: Vec<(DateTime<Utc>, &director_core::model::Sprint)> = match marker {
            Some(marker) => closed.into_iter().filter(|(at, _)| *at > marker).collect(),
            None => closed.into_iter().next_back().into_iter().collect(),
        };
        for (at, sprint) in wanted {
            let report = match self.client.sprint_report(board, sprint.id.0).await {
                Ok(report) => report.map(|value| value.to_string()).unwrap_or_default(),
                // The report is optional: a site that refuses it must not fail the sync.
                Err(
                    jira::Error::BadRequest { .. }
                    | jira::Error::Unauthorized { .. }
                    | jira::Error::Status { .. },
                ) => String::new(),
                Err(err) => return Err(err.into()),
            };
            let batch = Batch {
                meta: vec![
                    (format!("sprint_report:{board}:{}", sprint.id), report),
                    (marker_key.clone(), at.to_rfc3339()),
                ],
                ..Batch::default()
            };
            self.syncer.blocking(move |store| store.write(&batch)).await?;
        }
        Ok(())
    }

    /// Reads one group's changes (or everything, when `full`) and advances
    /// its teams' cursors. Returns the ids JIRA listed (the key set on a full read).
    ///
    /// - initial: every issue in detail (nothing stored to skip);
    /// - full with a cursor: the key set ids-only (large pages), details of
    ///   issues the store lacks, then the incremental window for changes;
    /// - full without a cursor, or a wide window: ids + `updated`, then
    ///   details of what differs from the store;
    /// - a narrow window: one detailed query, deduplicated on write.
    async fn read_group(
        &mut self,
        group: &Group,
        info: &SiteInfo,
        full: bool,
        initial: bool,
    ) -> Result<HashSet<String>, Error> {
        let mut since: Option<DateTime<Utc>> = None;
        for team in &group.teams {
            let cursor = self
                .store()
                .meta(&format!("cursor:{team}"))?
                .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
                .map(|at| at.with_timezone(&Utc));
            since = match (since, cursor) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let mut seen = HashSet::new();
        if initial {
            let query = self.detail_query(format!("({})", group.jql), info);
            self.read_pages(&query, &group.classify, info, Some(&mut seen)).await?;
        } else if full && since.is_some() {
            let listed = self.list(format!("({})", group.jql), false).await?;
            seen = listed.iter().map(|(id, _, _)| id.clone()).collect();
            let ids: Vec<String> = seen.iter().cloned().collect();
            let stored = self.syncer.blocking(move |store| store.versions(&ids)).await?;
            let missing: Vec<String> = listed
                .into_iter()
                .filter(|(id, _, _)| {
                    stored.get(id).is_none_or(|version| !group_owns(group, version.team.as_deref()))
                })
                .map(|(id, _, _)| id)
                .collect();
            tracing::debug!(missing = missing.len(), listed = seen.len(), "key set comparison");
            self.fetch_ids(group, &missing, info).await?;
            self.read_window(group, since, info).await?;
        } else if full {
            seen = self.read_listed(group, format!("({})", group.jql), info).await?;
        } else {
            self.read_window(group, since, info).await?;
        }
        // The cursor moves only now that every page of the group is committed.
        let mut meta = Vec::new();
        for team in &group.teams {
            meta.push((format!("cursor:{team}"), self.started.to_rfc3339()));
            let jql = self
                .config()
                .teams
                .iter()
                .find(|t| &t.name == team)
                .map(|t| t.jql.clone())
                .unwrap_or_default();
            meta.push((format!("jql:{team}"), jql));
        }
        let batch = Batch { meta, ..Batch::default() };
        self.syncer.blocking(move |store| store.write(&batch)).await?;
        Ok(seen)
    }

    /// Issues updated since `since` (minus the overlap), in the JIRA user's
    /// time zone: ids-first when the window is wide, else one detailed query.
    async fn read_window(
        &mut self,
        group: &Group,
        since: Option<DateTime<Utc>>,
        info: &SiteInfo,
    ) -> Result<(), Error> {
        let Some(cursor) = since else {
            self.read_listed(group, format!("({})", group.jql), info).await?;
            return Ok(());
        };
        let overlap = chrono::Duration::from_std(self.config().sync.overlap).unwrap_or_default();
        let filter = jql::and(&group.jql, &jql::updated_since(cursor - overlap, info.user_tz));
        let wide = (self.started - cursor).to_std().unwrap_or(Duration::ZERO)
            > self.config().sync.ids_first_after;
        if wide {
            self.read_listed(group, filter, info).await?;
        } else {
            let query = self.detail_query(filter, info);
            self.read_pages(&query, &group.classify, info, None).await?;
        }
        Ok(())
    }

    /// Ids + `updated` of `filter`, then details of what differs from the store.
    async fn read_listed(
        &mut self,
        group: &Group,
        filter: String,
        info: &SiteInfo,
    ) -> Result<HashSet<String>, Error> {
        let listed = self.list(filter, true).await?;
        let seen: HashSet<String> = listed.iter().map(|(id, _, _)| id.clone()).collect();
        let ids: Vec<String> = seen.iter().cloned().collect();
        let stored = self.syncer.blocking(move |store| store.versions(&ids)).await?;
        let changed: Vec<String> = listed
            .into_iter()
            .filter(|(id, _, updated)| {
                stored.get(id).is_none_or(|version| {
                    &version.updated != updated || !group_owns(group, version.team.as_deref())
                })
            })
            .map(|(id, _, _)| id)
            .collect();
        tracing::debug!(changed = changed.len(), listed = seen.len(), "ids-first comparison");
        self.fetch_ids(group, &changed, info).await?;
        Ok(seen)
    }

    /// Lists (id, key, updated) of every issue `filter` matches; with
    /// `with_updated` false only ids and keys, which JIRA pages far larger.
    async fn list(
        &mut self,
        filter: String,
        with_updated: bool,
    ) -> Result<Vec<(String, String, String)>, Error> {
        let mut listed = Vec::new();
        let query = SearchQuery {
            jql: format!("{filter} ORDER BY key ASC"),
            fields: vec![if with_updated { "updated" } else { "id" }.into()],
            changelog: false,
            max_results: self.config().jira.id_page_size,
        };
        let mut token = self.client.first_page();
        loop {
            let page = self.client.search_page(&query, &token).await?;
            for issue in &page.issues {
                let Some(id) = issue.get("id").and_then(value_as_string) else { continue };
                let key = issue.get("key").and_then(Value::as_str).unwrap_or("").to_owned();
                let updated = issue
                    .pointer("/fields/updated")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                listed.push((id, key, updated));
            }
            let _ = self.events.send(ServerEvent::SyncProgress {
                issues_read: self.read + listed.len() as u64,
                calls: self.client.calls(),
            });
            match page.next {
                Some(next) => token = next,
                None => break,
            }
        }
        Ok(listed)
    }

    /// Details of the given issue ids, a page at a time.
    async fn fetch_ids(
        &mut self,
        group: &Group,
        ids: &[String],
        info: &SiteInfo,
    ) -> Result<(), Error> {
        for chunk in ids.chunks(self.config().jira.page_size as usize) {
            let Some(clause) = jql::id_in(chunk) else { continue };
            let filter = format!("({}) AND {clause}", group.jql);
            let query = self.detail_query(filter, info);
            self.read_pages(&query, &group.classify, info, None).await?;
        }
        Ok(())
    }

    fn detail_query(&self, filter: String, info: &SiteInfo) -> SearchQuery {
        SearchQuery {
            jql: format!("{filter} ORDER BY key ASC"),
            fields: info.fields.clone(),
            changelog: true,
            max_results: self.config().jira.page_size,
        }
    }

    /// Fetches the issues a webhook named.
    async fn read_keys(&mut self, keys: &[String], info: &SiteInfo) -> Result<(), Error> {
        let groups = groups(self.config());
        for chunk in keys.chunks(self.config().jira.page_size as usize) {
            if !chunk.iter().any(|key| jql::is_issue_key(key)) {
                continue;
            }
            let scope: Vec<String> =
                groups.iter().map(|group| format!("({})", group.jql)).collect();
            let classify = combined_classify(&groups);
            let query = SearchQuery {
                jql: format!(
                    "({}) AND {} ORDER BY key ASC",
                    scope.join(" OR "),
                    jql::key_in(chunk)
                ),
                fields: info.fields.clone(),
                changelog: true,
                max_results: self.config().jira.page_size,
            };
            self.read_pages(&query, &classify, info, None).await?;
        }
        Ok(())
    }

    /// Reads every page of `query`, completes changelogs and commits page by page.
    async fn read_pages(
        &mut self,
        query: &SearchQuery,
        classify: &Classify,
        info: &SiteInfo,
        mut seen: Option<&mut HashSet<String>>,
    ) -> Result<(), Error> {
        let mut token = self.client.first_page();
        loop {
            let page = self.client.search_page(query, &token).await?;
            if let Some(seen) = seen.as_deref_mut() {
                for issue in &page.issues {
                    if let Some(id) = issue.get("id").and_then(value_as_string) {
                        seen.insert(id);
                    }
                }
            }
            self.read += page.issues.len() as u64;
            let writes = self.prepare(page.issues, classify, info).await?;
            let batch = Batch { issues: writes, ..Batch::default() };
            let outcome = self.syncer.blocking(move |store| store.write(&batch)).await?;
            self.changed += outcome.changed;
            let _ = self.events.send(ServerEvent::SyncProgress {
                issues_read: self.read,
                calls: self.client.calls(),
            });
            match page.next {
                Some(next) => token = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Turns a page of JIRA issues into store writes, fetching the rest of
    /// any changelog JIRA cut short.
    async fn prepare(
        &mut self,
        issues: Vec<Value>,
        classify: &Classify,
        info: &SiteInfo,
    ) -> Result<Vec<IssueWrite>, Error> {
        let mut incomplete: Vec<(String, String)> = Vec::new();
        for issue in &issues {
            let histories =
                issue.pointer("/changelog/histories").and_then(Value::as_array).map_or(0, Vec::len);
            let total = issue
                .pointer("/changelog/total")
                .and_then(Value::as_u64)
                .unwrap_or(histories as u64);
            if total > histories as u64 {
                let id = issue.get("id").and_then(value_as_string).unwrap_or_default();
                let key = issue.get("key").and_then(Value::as_str).unwrap_or("").to_owned();
                incomplete.push((id, key));
            }
        }
        let mut fetched: HashMap<String, Vec<Value>> = HashMap::new();
        if !incomplete.is_empty() {
            let ids: Vec<String> = incomplete.iter().map(|(id, _)| id.clone()).collect();
            match self.client.bulk_changelogs(&ids).await? {
                Some(map) => fetched = map,
                None => {
                    for (id, key) in &incomplete {
                        let histories =
                            self.client.changelog(if key.is_empty() { id } else { key }).await?;
                        fetched.insert(id.clone(), histories);
                    }
                }
            }
        }
        let mut res = Vec::with_capacity(issues.len());
        for mut issue in issues {
            let Some(id) = issue.get("id").and_then(value_as_string) else { continue };
            let key = issue.get("key").and_then(Value::as_str).unwrap_or("").to_owned();
            let updated =
                issue.pointer("/fields/updated").and_then(Value::as_str).unwrap_or("").to_owned();
            let embedded = issue
                .as_object_mut()
                .and_then(|object| object.remove("changelog"))
                .and_then(|changelog| changelog.get("histories").cloned())
                .and_then(|histories| match histories {
                    Value::Array(items) => Some(items),
                    _ => None,
                })
                .unwrap_or_default();
            let mut histories = match fetched.remove(&id) {
                Some(full) if full.len() >= embedded.len() => full,
                _ => embedded,
            };
            jira::sort_histories(&mut histories);
            let team = classify.team(&issue, &key);
            let options = team
                .as_ref()
                .and_then(|team| info.options.get(team))
                .unwrap_or(&info.default_options);
            let (normalised, category) = normalise(&issue, &histories, team.as_deref(), options);
            res.push(IssueWrite {
                id,
                key,
                team,
                updated_at: jira::parse_jira_time(&updated),
                updated,
                raw: issue.to_string(),
                changelog: Value::Array(histories).to_string(),
                issue: normalised,
                category,
            });
        }
        Ok(res)
    }
}

fn group_owns(group: &Group, team: Option<&str>) -> bool {
    team.is_some_and(|team| group.teams.iter().any(|t| t == team))
}

/// Teams whose JQL is a plain project clause share one query; others get their own.
fn groups(config: &Config) -> Vec<Group> {
    let mut res = Vec::new();
    let mut by_project: HashMap<String, String> = HashMap::new();
    let mut simple_teams = Vec::new();
    let mut projects = Vec::new();
    for team in &config.teams {
        match jql::simple_projects(&team.jql) {
            Some(team_projects) => {
                for project in team_projects {
                    by_project.insert(project.clone(), team.name.clone());
                    projects.push(project);
                }
                simple_teams.push(team.name.clone());
            }
            None => res.push(Group {
                teams: vec![team.name.clone()],
                jql: team.jql.clone(),
                classify: Classify::Single(team.name.clone()),
            }),
        }
    }
    if !simple_teams.is_empty() {
        projects.sort();
        projects.dedup();
        res.insert(
            0,
            Group {
                teams: simple_teams,
                jql: jql::project_in(&projects),
                classify: Classify::ByProject(by_project),
            },
        );
    }
    res
}

/// For issues named by a webhook: by project when possible, else the first
/// non-project team.
fn combined_classify(groups: &[Group]) -> Classify {
    let mut map = HashMap::new();
    for group in groups {
        if let Classify::ByProject(projects) = &group.classify {
            map.extend(projects.clone());
        }
    }
    Classify::ByProject(map)
}

/// Normalises one issue with core's ingest; `None` (with a log line) when
/// ingest cannot read it, so one bad issue never fails a sync.
pub(crate) fn normalise(
    raw: &Value,
    histories: &[Value],
    team: Option<&str>,
    options: &IngestOptions,
) -> (Option<String>, Option<String>) {
    let mut value = raw.clone();
    let mut newest_first: Vec<Value> = histories.to_vec();
    newest_first.reverse();
    value["changelog"] = json!({
        "startAt": 0,
        "maxResults": newest_first.len(),
        "total": newest_first.len(),
        "histories": newest_first,
    });
    match issue_from_value(&value, options) {
        Ok((mut issue, diagnostics)) => {
            if !diagnostics.is_empty() {
                tracing::debug!(key = %issue.key, count = diagnostics.len(), "ingest diagnostics");
            }
            issue.team = team.map(|team| TeamId(team.to_owned()));
            let category = serde_json::to_value(issue.category)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            (serde_json::to_string(&issue).ok(), category)
        }
        Err(diagnostic) => {
            tracing::warn!(diagnostic = ?diagnostic, "issue cannot be normalised; raw JSON kept");
            (None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AuthMode, Flavor, TeamConfig};

    fn team(name: &str, jql: &str) -> TeamConfig {
        TeamConfig { name: name.into(), jql: jql.into(), board: None, size: None }
    }

    #[test]
    fn project_teams_share_one_query_and_others_get_their_own() {
        let config = Config::for_site(
            "http://x",
            Flavor::Cloud,
            AuthMode::Basic,
            vec![
                team("A", "project = ALPHA"),
                team("L", "labels = security"),
                team("B", "project in (BRAVO, OPS)"),
            ],
        );
        let groups = groups(&config);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].jql, "project in (\"ALPHA\", \"BRAVO\", \"OPS\")");
        assert_eq!(groups[0].teams, vec!["A".to_owned(), "B".to_owned()]);
        let issue = json!({"key": "OPS-3", "fields": {"project": {"key": "OPS"}}});
        assert_eq!(groups[0].classify.team(&issue, "OPS-3"), Some("B".into()));
        assert_eq!(groups[1].teams, vec!["L".to_owned()]);
        assert_eq!(groups[1].classify.team(&issue, "OPS-3"), Some("L".into()));
    }

    #[test]
    fn plans_coalesce_triggers() {
        let mut plan = Plan::default();
        plan.add(Trigger::OnDemand);
        plan.add(Trigger::Webhook { keys: vec!["A-1".into()] });
        plan.add(Trigger::Scheduled { name: "reconcile".into(), full: true });
        plan.add(Trigger::Webhook { keys: vec!["A-1".into(), "A-2".into()] });
        assert!(plan.full && plan.incremental);
        assert_eq!(plan.purpose, Some(Purpose::Reconcile));
        assert_eq!(plan.keys.len(), 2);
        plan.add(Trigger::Manual { full: false });
        assert_eq!(plan.purpose, Some(Purpose::Manual));
    }

    #[test]
    fn normalising_keeps_the_team_and_category() {
        let raw = json!({
            "id": "10001", "key": "ALPHA-1",
            "fields": {
                "summary": "Log in", "created": "2026-01-05T09:00:00.000+0000",
                "updated": "2026-01-06T10:00:00.000+0000",
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "project": {"key": "ALPHA"}
            }
        });
        let histories = vec![json!({"id": "1", "created": "2026-01-06T10:00:00.000+0000",
            "items": [{"field": "status", "fromString": "To Do", "toString": "In Progress"}]})];
        let (issue, category) =
            normalise(&raw, &histories, Some("Alpha"), &IngestOptions::default());
        let issue: director_core::model::Issue = serde_json::from_str(&issue.unwrap()).unwrap();
        assert_eq!(issue.team, Some(TeamId("Alpha".into())));
        assert_eq!(category.as_deref(), Some("in_progress"));
        assert_eq!(
            issue.status_history.last().map(|change| change.to.as_str()),
            Some("In Progress")
        );
    }
}
