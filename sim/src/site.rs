//! The running site's shared state: options, the organisation behind a lock,
//! the simulated clock, the request log, fault rules and the channel live
//! mode's webhook emitter listens on. Handlers and `Sim` both go through it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use tokio::sync::mpsc;

use crate::faults::Faults;
use crate::org::{self, Mutation, Org};
use crate::render::Catalog;
use crate::{Flavor, SimOptions};

/// One served request, for tests to assert on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// Real time the request arrived.
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    /// Raw query string (empty when none).
    pub query: String,
    /// The authenticated email, `"pat"` for a Data Center token, `None` when unauthenticated.
    pub identity: Option<String>,
    pub status: u16,
}

/// Simulated time: `origin` at `started`, then `factor` simulated seconds per real second.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: DateTime<Utc>,
    started: Instant,
    factor: f64,
}

impl Clock {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let real = self.started.elapsed().as_secs_f64();
        let ms = (real * self.factor * 1000.0) as i64;
        let at = self.origin + Duration::milliseconds(ms);
        DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
    }
}

/// (query, org version, minute of `now`, sorted issue indices).
pub(crate) type CachedSearch = (String, u64, i64, Arc<Vec<usize>>);

#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) options: SimOptions,
    pub(crate) tz: Tz,
    pub(crate) base_url: String,
    pub(crate) clock: Clock,
    pub(crate) faults: Faults,
    org: RwLock<Org>,
    /// Bumped on every change, so cached search results know when they are stale.
    pub(crate) version: AtomicU64,
    log: Mutex<Vec<LoggedRequest>>,
    pub(crate) request_counter: AtomicU64,
    pub(crate) events: Mutex<Option<mpsc::UnboundedSender<Mutation>>>,
    /// Recent search results: (query, org version, minute of `now`, sorted issue indices).
    pub(crate) search_cache: Mutex<Vec<CachedSearch>>,
    pub(crate) catalog: Catalog,
}

impl Site {
    pub(crate) fn new(options: SimOptions, base_url: String) -> anyhow::Result<Site> {
        let tz: Tz = options.user_time_zone.parse().map_err(|_| {
            anyhow::anyhow!(
                "unknown time zone `{}` (expected an IANA name)",
                options.user_time_zone
            )
        })?;
        let mut org = org::generate(options.seed, options.preset, options.now);
        org.users[0].email = options.email.clone();
        org.users[0].time_zone = tz.name();
        let factor = options.live.as_ref().map_or(1.0, |l| l.time_factor);
        Ok(Site {
            tz,
            base_url,
            clock: Clock { origin: options.now, started: Instant::now(), factor },
            faults: Faults::default(),
            org: RwLock::new(org),
            version: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            request_counter: AtomicU64::new(0),
            events: Mutex::new(None),
            search_cache: Mutex::new(Vec::new()),
            catalog: Catalog::default(),
            options,
        })
    }

    pub(crate) fn flavor(&self) -> Flavor {
        self.options.flavor
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Org> {
        self.org.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access; whoever changes something reports it through `emit`
    /// (or `changed`), which marks cached search results stale.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Org> {
        self.org.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn changed(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn log(&self, entry: LoggedRequest) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
    }

    pub(crate) fn log_snapshot(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn clear_log(&self) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Hands a change to live mode's webhook emitter, if one is running.
    pub(crate) fn emit(&self, m: Mutation) {
        self.changed();
        if let Some(tx) = self.events.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = tx.send(m);
        }
    }

    pub(crate) fn update_issue(&self, key: &str) {
        let now = self.clock.now();
        let m = {
            let mut org = self.write();
            let Some(idx) = org.find(key) else { return };
            org.advance(idx, now)
        };
        self.emit(m);
    }

    pub(crate) fn delete_issue(&self, key: &str) {
        let m = {
            let mut org = self.write();
            let Some(idx) = org.find(key) else { return };
            org.delete(idx)
        };
        self.emit(m);
    }

    pub(crate) fn create_issue(&self, project_key: &str) -> String {
        let now = self.clock.now();
        let (key, idx) = {
            let mut org = self.write();
            let Some(team) = org.teams.iter().position(|t| t.key.eq_ignore_ascii_case(project_key))
            else {
                return String::new();
            };
            let idx = org.create(team, now, false);
            (org.issues[idx].key.clone(), idx)
        };
        self.emit(Mutation::Created(idx));
        key
    }
}
