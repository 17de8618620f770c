//! What every handler shares: configuration, the store, the sync engine's
//! handle, the outgoing-call limiter and the clock.

use std::path::PathBuf;
use std::sync::Arc;

use director_core::api::{CallCount, SyncStatus};

use crate::clock::Clock;
use crate::config::Config;
use crate::rate_limit::Limiter;
use crate::store::{Purpose, Store};
use crate::sync::SyncHandle;

/// Shared application state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub config: Arc<Config>,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The sync engine.
    pub sync: SyncHandle,
    /// The JIRA call limiter (for status).
    pub limiter: Limiter,
    /// The proxy's clock.
    pub clock: Clock,
    /// Folder of the built dashboard.
    pub dist: PathBuf,
    /// The webhook intake.
    pub webhooks: crate::webhooks::Webhooks,
    /// The alert engine.
    pub alerting: crate::alerting::Alerting,
    /// Who may come in.
    pub gate: crate::auth::Gate,
    /// Security headers for every response.
    pub security: crate::auth::headers::SecurityHeaders,
    /// Recently built `GET /api/v1/issues` bodies.
    pub deltas: Arc<DeltaCache>,
}

/// Recently built `GET /api/v1/issues` responses keyed by (since, limit,
/// store sequence, data age), so many dashboards asking for the same delta
/// cost one store query and no copy: the answer is sent from the cached
/// bytes. Entries for an older sequence are never served: the key holds it.
#[derive(Debug, Default)]
pub struct DeltaCache {
    entries: std::sync::Mutex<std::collections::VecDeque<(DeltaKey, axum::body::Bytes)>>,
    /// Deltas being built: requests for the same key wait for the one build
    /// instead of each reading the store (a burst after a sync asks at once).
    building: std::sync::Mutex<std::collections::HashMap<DeltaKey, Arc<DeltaSlot>>>,
}

/// One delta being built; its waiters share the result.
pub type DeltaSlot = tokio::sync::OnceCell<axum::body::Bytes>;

/// What a cached delta answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeltaKey {
    /// The client's sequence (`None`: everything).
    pub since: Option<i64>,
    /// Page size.
    pub limit: usize,
    /// The store's sequence when built.
    pub last_seq: i64,
    /// The `data_as_of` the response states (Unix milliseconds).
    pub data_as_of: Option<i64>,
}

impl DeltaCache {
    const MAX_ENTRIES: usize = 32;
    const MAX_BYTES: usize = 64 << 20;

    /// A cached response.
    pub fn get(&self, key: &DeltaKey) -> Option<axum::body::Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.iter().find(|(k, _)| k == key).map(|(_, body)| body.clone())
    }

    /// The slot where the delta for `key` is being (or is to be) built.
    pub fn slot(&self, key: DeltaKey) -> Arc<DeltaSlot> {
        let mut building = self.building.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Slots nobody waits on any more (every asker gone mid-build).
        building.retain(|_, slot| Arc::strong_count(slot) > 1);
        Arc::clone(building.entry(key).or_default())
    }

    /// Forgets the slot for `key` once its result is cached (or failed).
    pub fn release(&self, key: &DeltaKey) {
        self.building.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }

    /// Keeps a response, dropping the oldest past the entry and byte caps.
    pub fn put(&self, key: DeltaKey, body: axum::body::Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if body.len() > Self::MAX_BYTES || entries.iter().any(|(k, _)| *k == key) {
            return;
        }
        entries.push_back((key, body));
        let mut bytes: usize = entries.iter().map(|(_, b)| b.len()).sum();
        while entries.len() > Self::MAX_ENTRIES || bytes > Self::MAX_BYTES {
            match entries.pop_front() {
                Some((_, dropped)) => bytes -= dropped.len(),
                None => break,
            }
        }
    }
}

impl axum::extract::FromRef<AppState> for crate::webhooks::Webhooks {
    fn from_ref(state: &AppState) -> Self {
        state.webhooks.clone()
    }
}

impl axum::extract::FromRef<AppState> for crate::alerting::Alerting {
    fn from_ref(state: &AppState) -> Self {
        state.alerting.clone()
    }
}

impl axum::extract::FromRef<AppState> for crate::auth::Gate {
    fn from_ref(state: &AppState) -> Self {
        state.gate.clone()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("dist", &self.dist).finish_non_exhaustive()
    }
}

impl AppState {
    /// Freshness, cost and rate-limit state, from the store, the engine and
    /// the limiter (`GET /api/v1/sync/status`, `claudedirector status`).
    pub fn sync_status(&self) -> Result<SyncStatus, crate::store::Error> {
        let state = self;
        let now = state.clock.now();
        let today = now.with_timezone(&state.config.org.time_zone).date_naive();
        let engine = state.sync.state();
        let last = state.store.last_success()?;
        let last_success = last.and_then(|run| run.finished);
        let calls = state.store.calls_on(today)?;
        let calls_today: Vec<CallCount> = Purpose::ALL
            .iter()
            .map(|purpose| CallCount {
                purpose: purpose.as_str().to_owned(),
                calls: calls.iter().find(|(p, _)| p == purpose).map_or(0, |(_, n)| *n),
            })
            .collect();
        let used: u64 = calls.iter().map(|(_, n)| n).sum();
        let limiter = state.limiter.state(today);
        let mut rate_limit = limiter.describe();
        if used >= state.config.sync.daily_budget {
            rate_limit = "budget spent".into();
        }
        let stale = last_success
            .is_none_or(|at| (now - at).to_std().unwrap_or_default() > state.config.sync.fresh_for);
        let mut last_error = engine.last_error.clone();
        if last_error.is_none() && stale && used >= state.config.sync.daily_budget {
            last_error = Some("daily JIRA call budget is spent; serving stored data".into());
        }
        Ok(SyncStatus {
            last_success,
            running: engine.running_since.is_some(),
            next_scheduled: engine.next_scheduled.map(|(at, _)| at),
            data_age_seconds: last_success.map(|at| (now - at).num_seconds().max(0)),
            calls_today,
            budget_left: Some(state.config.sync.daily_budget.saturating_sub(used)),
            rate_limit,
            last_error,
            issues_stored: state.store.issue_count()?,
        })
    }
}
