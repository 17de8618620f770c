//! Outgoing call discipline towards JIRA: a token bucket with shared state
//! (every clone of [`Limiter`] draws from the same bucket, unlike tower's
//! per-clone `RateLimit`), a cap on calls in flight, a daily call budget, a
//! global "blocked until" set by 429 responses, and a slow-down while JIRA
//! says `X-RateLimit-NearLimit`.
//!
//! The JIRA client asks for a [`Permit`] before every call and reports what
//! the response said; nothing else talks to JIRA.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The daily budget is spent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("daily JIRA call budget of {limit} is spent for {day}")]
pub struct BudgetExhausted {
    /// The budget.
    pub limit: u64,
    /// The day it covers (organisation time zone).
    pub day: NaiveDate,
}

/// Settings of a [`Limiter`].
#[derive(Debug, Clone)]
pub struct LimiterOptions {
    /// Tokens added per second.
    pub rate_per_second: f64,
    /// Bucket size (burst).
    pub burst: f64,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Calls allowed per day.
    pub daily_budget: u64,
    /// Rate factor applied while JIRA reports being near its limit.
    pub near_limit_factor: f64,
    /// How long a near-limit signal keeps the slower rate.
    pub near_limit_hold: Duration,
}

impl Default for LimiterOptions {
    fn default() -> Self {
        LimiterOptions {
            rate_per_second: 10.0,
            burst: 10.0,
            concurrency: 4,
            daily_budget: 500,
            near_limit_factor: 0.25,
            near_limit_hold: Duration::from_secs(60),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

#[derive(Debug)]
struct Budget {
    day: NaiveDate,
    used: u64,
}

#[derive(Debug, Default)]
struct Blocked {
    until: Option<Instant>,
    until_utc: Option<DateTime<Utc>>,
    reason: Option<String>,
    near_limit_until: Option<Instant>,
}

#[derive(Debug)]
struct Inner {
    options: LimiterOptions,
    bucket: Mutex<Bucket>,
    budget: Mutex<Budget>,
    blocked: Mutex<Blocked>,
    in_flight: Arc<Semaphore>,
}

/// Shared outgoing-call limiter. Cheap to clone; clones share all state.
#[derive(Debug, Clone)]
pub struct Limiter {
    inner: Arc<Inner>,
}

/// Held while a call is in flight; dropping it frees a concurrency slot.
#[derive(Debug)]
pub struct Permit {
    _slot: OwnedSemaphorePermit,
}

/// A snapshot for status displays.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterState {
    /// Calls used today.
    pub used_today: u64,
    /// Calls left today.
    pub budget_left: u64,
    /// Blocked by a 429 until then.
    pub blocked_until: Option<DateTime<Utc>>,
    /// Why, such as `jira-burst-based`.
    pub blocked_reason: Option<String>,
    /// JIRA said it is near its limit recently.
    pub near_limit: bool,
}

impl LimiterState {
    /// One line: `ok`, `slowed (near limit)`, `waiting until ... (429 ...)`,
    /// or `budget spent`.
    pub fn describe(&self) -> String {
        if let Some(until) = self.blocked_until {
            let reason = self.blocked_reason.as_deref().unwrap_or("429");
            return format!("waiting until {} ({reason})", until.to_rfc3339());
        }
        if self.budget_left == 0 {
            return "budget spent".into();
        }
        if self.near_limit {
            return "slowed (near limit)".into();
        }
        "ok".into()
    }
}

impl Limiter {
    /// A limiter starting with `used_today` calls already spent on `today`.
    pub fn new(options: LimiterOptions, today: NaiveDate, used_today: u64) -> Limiter {
        let burst = options.burst.max(1.0);
        Limiter {
            inner: Arc::new(Inner {
                in_flight: Arc::new(Semaphore::new(options.concurrency.max(1))),
                bucket: Mutex::new(Bucket { tokens: burst, refilled: Instant::now() }),
                budget: Mutex::new(Budget { day: today, used: used_today }),
                blocked: Mutex::new(Blocked::default()),
                options,
            }),
        }
    }

    /// Waits until a call may be sent: budget left, no 429 block in force,
    /// a token in the bucket and a free concurrency slot. Counts the call
    /// against `today`'s budget.
    pub async fn acquire(&self, today: NaiveDate) -> Result<Permit, BudgetExhausted> {
        self.take_budget(today)?;
        let slot = Arc::clone(&self.inner.in_flight)
            .acquire_owned()
            .await
            .expect("the limiter never closes its semaphore");
        loop {
            let wait = self.blocked_wait().max(self.token_wait());
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        Ok(Permit { _slot: slot })
    }

    fn take_budget(&self, today: NaiveDate) -> Result<(), BudgetExhausted> {
        let mut budget = self.inner.budget.lock().expect("budget lock");
        if budget.day != today {
            budget.day = today;
            budget.used = 0;
        }
        if budget.used >= self.inner.options.daily_budget {
            return Err(BudgetExhausted { limit: self.inner.options.daily_budget, day: today });
        }
        budget.used += 1;
        Ok(())
    }

    /// Remaining wait of a 429 block (zero when none). Checked after the
    /// token, right before sending, so a block set by a concurrent call
    /// holds back every call that has not left yet.
    fn blocked_wait(&self) -> Duration {
        let mut blocked = self.inner.blocked.lock().expect("blocked lock");
        match blocked.until {
            Some(until) => {
                let now = Instant::now();
                if until > now {
                    until - now
                } else {
                    blocked.until = None;
                    blocked.until_utc = None;
                    blocked.reason = None;
                    Duration::ZERO
                }
            }
            None => Duration::ZERO,
        }
    }

    /// Takes a token if one is there (zero wait), else says how long until one is.
    fn token_wait(&self) -> Duration {
        let rate = self.current_rate();
        let burst = self.inner.options.burst.max(1.0);
        let mut bucket = self.inner.bucket.lock().expect("bucket lock");
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - bucket.tokens) / rate)
        }
    }

    fn current_rate(&self) -> f64 {
        let blocked = self.inner.blocked.lock().expect("blocked lock");
        let slowed = blocked.near_limit_until.is_some_and(|until| until > Instant::now());
        let rate = self.inner.options.rate_per_second.max(0.001);
        if slowed {
            rate * self.inner.options.near_limit_factor
        } else {
            rate
        }
    }

    /// JIRA answered 429 (or 503 with `Retry-After`): no call leaves before `wait` elapses.
    pub fn block_for(&self, wait: Duration, reason: Option<String>) {
        let mut blocked = self.inner.blocked.lock().expect("blocked lock");
        let until = Instant::now() + wait;
        if blocked.until.is_none_or(|current| current < until) {
            blocked.until = Some(until);
            blocked.until_utc = chrono::Duration::from_std(wait).ok().map(|wait| Utc::now() + wait);
            blocked.reason = reason;
        }
        // An empty bucket after a block keeps the restart gentle.
        drop(blocked);
        self.inner.bucket.lock().expect("bucket lock").tokens = 0.0;
    }

    /// JIRA said `X-RateLimit-NearLimit: true`: slow down for a while.
    pub fn near_limit(&self) {
        let mut blocked = self.inner.blocked.lock().expect("blocked lock");
        blocked.near_limit_until = Some(Instant::now() + self.inner.options.near_limit_hold);
    }

    /// A snapshot for `sync/status`.
    pub fn state(&self, today: NaiveDate) -> LimiterState {
        let used_today = {
            let budget = self.inner.budget.lock().expect("budget lock");
            if budget.day == today {
                budget.used
            } else {
                0
            }
        };
        let blocked = self.inner.blocked.lock().expect("blocked lock");
        let now = Instant::now();
        let active = blocked.until.is_some_and(|until| until > now);
        LimiterState {
            used_today,
            budget_left: self.inner.options.daily_budget.saturating_sub(used_today),
            blocked_until: if active { blocked.until_utc } else { None },
            blocked_reason: if active { blocked.reason.clone() } else { None },
            near_limit: blocked.near_limit_until.is_some_and(|until| until > now),
        }
    }
}

/// Exponential backoff with jitter: `base · 2^attempt`, capped, times a
/// factor in [0.5, 1.0) so many clients do not retry in lockstep.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
    let capped = exp.min(cap);
    capped.mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    fn options(rate: f64, burst: f64, budget: u64) -> LimiterOptions {
        LimiterOptions {
            rate_per_second: rate,
            burst,
            concurrency: 2,
            daily_budget: budget,
            ..LimiterOptions::default()
        }
    }

    #[tokio::test]
    async fn bucket_paces_calls_after_the_burst() {
        let limiter = Limiter::new(options(20.0, 2.0, 100), day(), 0);
        let start = Instant::now();
        for _ in 0..6 {
            drop(limiter.acquire(day()).await.unwrap());
        }
        // Two from the burst, four at 20/s: at least ~200 ms.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(180), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }

    #[tokio::test]
    async fn clones_share_one_budget() {
        let limiter = Limiter::new(options(1000.0, 1000.0, 3), day(), 1);
        let clone = limiter.clone();
        drop(limiter.acquire(day()).await.unwrap());
        drop(clone.acquire(day()).await.unwrap());
        let err = limiter.acquire(day()).await.unwrap_err();
        assert_eq!(err.limit, 3);
        assert_eq!(clone.state(day()).budget_left, 0);
        assert_eq!(clone.state(day()).describe(), "budget spent");
        // A new day resets the budget.
        let tomorrow = day().succ_opt().unwrap();
        assert!(limiter.acquire(tomorrow).await.is_ok());
    }

    #[tokio::test]
    async fn a_429_block_holds_every_caller() {
        let limiter = Limiter::new(options(1000.0, 1000.0, 100), day(), 0);
        limiter.block_for(Duration::from_millis(300), Some("jira-burst-based".into()));
        let state = limiter.state(day());
        assert!(state.describe().contains("jira-burst-based"), "{}", state.describe());
        let start = Instant::now();
        let clone = limiter.clone();
        let (first, second) = tokio::join!(limiter.acquire(day()), clone.acquire(day()));
        assert!(first.is_ok() && second.is_ok());
        assert!(start.elapsed() >= Duration::from_millis(290), "{:?}", start.elapsed());
        assert_eq!(limiter.state(day()).describe(), "ok");
    }

    #[tokio::test]
    async fn concurrency_is_capped() {
        let limiter = Limiter::new(options(1000.0, 1000.0, 100), day(), 0);
        let first = limiter.acquire(day()).await.unwrap();
        let _second = limiter.acquire(day()).await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(50), limiter.acquire(day())).await;
        assert!(third.is_err(), "a third call got a slot while two were in flight");
        drop(first);
        let third = tokio::time::timeout(Duration::from_millis(500), limiter.acquire(day())).await;
        assert!(third.is_ok());
    }

    #[tokio::test]
    async fn near_limit_slows_the_rate() {
        let limiter = Limiter::new(options(100.0, 1.0, 100), day(), 0);
        limiter.near_limit();
        assert_eq!(limiter.state(day()).describe(), "slowed (near limit)");
        let start = Instant::now();
        for _ in 0..3 {
            drop(limiter.acquire(day()).await.unwrap());
        }
        // 25/s after the first token: two waits of 40 ms.
        assert!(start.elapsed() >= Duration::from_millis(70), "{:?}", start.elapsed());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for attempt in 0..10 {
            let wait = backoff(attempt, base, cap);
            let full = base.saturating_mul(1 << attempt).min(cap);
            assert!(wait >= full / 2 && wait <= full, "attempt {attempt}: {wait:?} vs {full:?}");
        }
    }
}
