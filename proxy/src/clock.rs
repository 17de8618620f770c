//! The proxy's notion of "now". Production reads the system clock; the demo,
//! tests and benchmarks follow the simulated JIRA's accelerated clock so
//! cursors, data age, budgets and schedules all live in JIRA's time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A source of the current time and how fast it runs against real time.
#[derive(Clone)]
pub struct Clock {
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    factor: f64,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock").field("factor", &self.factor).finish_non_exhaustive()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { now: Arc::new(Utc::now), factor: 1.0 }
    }

    /// A clock read from `now`, running `factor` times faster than real time.
    pub fn custom(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static, factor: f64) -> Clock {
        Clock { now: Arc::new(now), factor: if factor > 0.0 { factor } else { 1.0 } }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    /// Real time to wait for `span` of this clock's time to pass.
    pub fn real(&self, span: chrono::Duration) -> Duration {
        span.to_std().unwrap_or(Duration::ZERO).div_f64(self.factor)
    }
}
