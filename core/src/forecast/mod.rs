//! Probabilistic delivery forecasts from a team's own history.
//!
//! "When will these N items be done?" and "how many will be done by this
//! date?" are answered from **daily throughput**: the number of items finished
//! on each calendar day of a sample window (zeros included), by default the 60
//! days before `as_of`. Future days are assumed to look like past days drawn
//! at random, which is the model behind Monte Carlo forecasting tools; core
//! offers two ways to evaluate it:
//! - [`Method::MonteCarlo`]: `trials` simulated futures from a seeded, portable
//!   generator ([`crate::rng`]); same inputs and seed ⇒ the same answer, natively
//!   and in WASM.
//! - [`Method::Exact`]: the same distributions computed exactly by dynamic
//!   programming (`exact`), so the answer never moves between runs.
//!
//! Every answer reports 50/85/95 percentiles as defined in
//! [`distribution`]: the value met or beaten by that share of outcomes.
//!
//! Dates: `start` is the first day whose work counts. A trial that needs `d`
//! days finishes on `start + (d − 1)`; a deadline `D` leaves `D − start + 1`
//! days. Nothing remaining means done on `start`.
//!
//! Submodules build on this: [`sprint`] (velocity-based), [`portfolio`] (epics
//! sharing a team under a WIP limit), [`backtest`] (how often past forecasts
//! came true), and [`crate::whatif`] (scenarios at slider speed).

pub mod backtest;
pub mod distribution;
pub(crate) mod exact;
pub(crate) mod monte_carlo;
pub mod portfolio;
pub mod sprint;

use std::num::NonZeroU32;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

pub use distribution::{HistogramBin, Percentiles};

use distribution::Counts;
use monte_carlo::DaySampler;

/// Default number of simulated futures.
pub const DEFAULT_TRIALS: u32 = 10_000;
/// Default length of the sample window, in days.
pub const DEFAULT_WINDOW_DAYS: u32 = 60;
/// Longest horizon any forecast looks at (100 years): trials still running then
/// are reported as unfinished rather than looping on.
pub const MAX_HORIZON_DAYS: u32 = 36_600;
/// Longest history accepted as a sample.
pub const MAX_HISTORY_DAYS: usize = 36_600;

/// Daily completed-item counts: at least one day and at least one completion,
/// so every forecast from it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Throughput {
    days: Vec<u32>,
    total: u64,
}

/// Why a throughput history cannot drive a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThroughputError {
    /// The sample window holds no days.
    #[error("the throughput sample has no days")]
    Empty,
    /// Nothing was completed in the window, so no forecast can end.
    #[error("no items were completed in the throughput sample window")]
    NoCompletions,
    /// More days than [`MAX_HISTORY_DAYS`].
    #[error("the throughput sample has more than {MAX_HISTORY_DAYS} days")]
    TooLong,
}

impl Throughput {
    /// Validates daily counts (oldest first).
    pub fn new(days: Vec<u32>) -> Result<Throughput, ThroughputError> {
        if days.is_empty() {
            return Err(ThroughputError::Empty);
        }
        if days.len() > MAX_HISTORY_DAYS {
            return Err(ThroughputError::TooLong);
        }
        let total: u64 = days.iter().map(|&day| u64::from(day)).sum();
        if total == 0 {
            return Err(ThroughputError::NoCompletions);
        }
        Ok(Throughput { days, total })
    }

    /// The daily counts, oldest first.
    pub fn days(&self) -> &[u32] {
        &self.days
    }

    /// Items completed over the whole sample.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Mean items per day.
    pub fn mean(&self) -> f64 {
        self.total as f64 / self.days.len() as f64
    }

    /// Largest daily count.
    pub fn max(&self) -> u32 {
        self.days.iter().copied().max().unwrap_or(0)
    }

    /// A horizon long enough that no realistic trial is still running: twenty
    /// times the mean days needed, plus 100, capped at [`MAX_HORIZON_DAYS`].
    pub(crate) fn horizon_for(&self, remaining: u64) -> u32 {
        let expected = (remaining * self.days.len() as u64).div_ceil(self.total);
        (expected.saturating_mul(20).saturating_add(100)).min(u64::from(MAX_HORIZON_DAYS)) as u32
    }
}

/// The days a forecast samples from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleWindow {
    /// First day of the window.
    pub start: NaiveDate,
    /// Last day of the window (inclusive).
    pub end: NaiveDate,
    /// Items completed on each day from `start` to `end`.
    pub samples: Vec<u32>,
}

/// Cuts the sample window `[end − days + 1, end]` out of a daily series that
/// starts on `series_start`. Days before the series are left out (the window
/// shrinks to the history there is) and days after it count as zero, as
/// nothing was seen completed. `None` when the window and the series do not
/// overlap or `days` is zero.
pub fn sample_window(
    series_start: NaiveDate,
    series: &[u32],
    end: NaiveDate,
    days: u32,
) -> Option<SampleWindow> {
    if days == 0 || end < series_start {
        return None;
    }
    let wanted_start = end.checked_sub_days(Days::new(u64::from(days - 1)))?;
    let start = wanted_start.max(series_start);
    let first = (start - series_start).num_days() as usize;
    let length = (end - start).num_days() as usize + 1;
    let samples =
        (first..first + length).map(|index| series.get(index).copied().unwrap_or(0)).collect();
    Some(SampleWindow { start, end, samples })
}

/// How the distributions are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Simulated futures from a seeded generator.
    #[default]
    MonteCarlo,
    /// Exact dynamic programming under the same model.
    Exact,
}

/// Knobs shared by every forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastOptions {
    /// Simulated futures (Monte Carlo only).
    pub trials: NonZeroU32,
    /// Seed of the generator (Monte Carlo only).
    pub seed: u64,
    /// Monte Carlo or exact.
    pub method: Method,
}

impl Default for ForecastOptions {
    fn default() -> ForecastOptions {
        ForecastOptions {
            trials: NonZeroU32::new(DEFAULT_TRIALS).unwrap_or(NonZeroU32::MIN),
            seed: 0,
            method: Method::MonteCarlo,
        }
    }
}

/// The chance of meeting a date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeadlineOdds {
    /// The date asked about.
    pub date: NaiveDate,
    /// Probability of being done on or before it (0–1).
    pub probability: f64,
}

/// "When will `remaining` items be done?"
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhenForecast {
    /// How it was computed.
    pub method: Method,
    /// Simulated futures (`None` for exact).
    pub trials: Option<u32>,
    /// Seed used (`None` for exact).
    pub seed: Option<u64>,
    /// First day of forecast work.
    pub start: NaiveDate,
    /// Items to finish.
    pub remaining: u32,
    /// Days needed, met or beaten by 50/85/95% of outcomes.
    pub days: Percentiles<u32>,
    /// The dates those day counts land on.
    pub dates: Percentiles<NaiveDate>,
    /// Mean days needed.
    pub mean_days: f64,
    /// Days needed → share of outcomes.
    pub histogram: Vec<HistogramBin>,
    /// Probability of finishing by the deadline, when one was given.
    pub deadline: Option<DeadlineOdds>,
    /// Share of outcomes not finished within [`MAX_HORIZON_DAYS`]-bounded
    /// horizon (zero for any realistic input; counted at the horizon).
    pub unfinished: f64,
}

/// "How many items will be done by `end`?"
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HowManyForecast {
    /// How it was computed.
    pub method: Method,
    /// Simulated futures (`None` for exact).
    pub trials: Option<u32>,
    /// Seed used (`None` for exact).
    pub seed: Option<u64>,
    /// First day of forecast work.
    pub start: NaiveDate,
    /// Last day counted (inclusive).
    pub end: NaiveDate,
    /// Days from `start` to `end`, both included.
    pub days: u32,
    /// Items completed, met or exceeded by 50/85/95% of outcomes.
    pub items: Percentiles<u32>,
    /// Mean items completed.
    pub mean_items: f64,
    /// Items completed → share of outcomes.
    pub histogram: Vec<HistogramBin>,
}

/// The date a trial needing `days` days finishes on.
pub fn finish_date(start: NaiveDate, days: u32) -> NaiveDate {
    start.checked_add_days(Days::new(u64::from(days.max(1) - 1))).unwrap_or(NaiveDate::MAX)
}

/// Days of work from `start` up to and including `date` (0 when it is before `start`).
pub fn days_until(start: NaiveDate, date: NaiveDate) -> u32 {
    let days = (date - start).num_days() + 1;
    days.clamp(0, i64::from(MAX_HORIZON_DAYS)) as u32
}

/// Forecasts when `remaining` items will be done, starting on `start`.
pub fn when(
    throughput: &Throughput,
    remaining: u32,
    start: NaiveDate,
    deadline: Option<NaiveDate>,
    options: &ForecastOptions,
) -> WhenForecast {
    let deadline_days = deadline.map(|date| days_until(start, date));
    let (days, mean_days, histogram, deadline_probability, unfinished, trials, seed) =
        match options.method {
            Method::MonteCarlo => {
                let horizon = throughput.horizon_for(u64::from(remaining));
                let sampler = DaySampler::new(throughput.days());
                let mut counts = Counts::with_len(horizon as usize + 1);
                let trials = options.trials.get();
                let censored = monte_carlo::when_days(
                    &sampler,
                    remaining,
                    horizon,
                    trials,
                    options.seed,
                    &mut counts,
                );
                let mean = counts_mean(&counts);
                (
                    counts.lower_percentiles(),
                    mean,
                    counts.histogram(),
                    deadline_days.map(|days| counts.share_at_most(days)),
                    f64::from(censored) / f64::from(trials),
                    Some(trials),
                    Some(options.seed),
                )
            }
            Method::Exact => {
                let exact = ExactWhen::new(throughput, remaining);
                (
                    exact.pmf.lower_percentiles(),
                    exact.pmf.mean(),
                    exact.pmf.histogram(),
                    deadline_days.map(|days| exact.within(days)),
                    exact.unfinished,
                    None,
                    None,
                )
            }
        };
    WhenForecast {
        method: options.method,
        trials,
        seed,
        start,
        remaining,
        days,
        dates: days.map(|days| finish_date(start, days)),
        mean_days,
        histogram,
        deadline: deadline
            .zip(deadline_probability)
            .map(|(date, probability)| DeadlineOdds { date, probability }),
        unfinished,
    }
}

/// The exact distribution of the days `remaining` items need: what
/// [`when`] computes with [`Method::Exact`], kept so that several deadlines
/// and dates can be read from one computation (risk and the summary ask it
/// of every dated epic sharing a team's throughput).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExactWhen {
    pmf: distribution::Pmf,
    unfinished: f64,
}

impl ExactWhen {
    pub(crate) fn new(throughput: &Throughput, remaining: u32) -> ExactWhen {
        let horizon = throughput.horizon_for(u64::from(remaining));
        let (pmf, unfinished) = exact::when_days(throughput.days(), remaining, horizon);
        ExactWhen { pmf, unfinished }
    }

    /// Days needed at even, 85% and 95% odds.
    pub(crate) fn days(&self) -> Percentiles<u32> {
        self.pmf.lower_percentiles()
    }

    /// Probability of finishing within `days` days.
    pub(crate) fn within(&self, days: u32) -> f64 {
        (self.pmf.at_most(days) - unfinished_at(&self.pmf, days, self.unfinished)).max(0.0)
    }

    /// Probability of finishing on or before `date` when work starts on `start`.
    pub(crate) fn by_date(&self, start: NaiveDate, date: NaiveDate) -> f64 {
        self.within(days_until(start, date))
    }

    /// Finish dates at even, 85% and 95% odds when work starts on `start`.
    pub(crate) fn dates(&self, start: NaiveDate) -> Percentiles<NaiveDate> {
        self.days().map(|days| finish_date(start, days))
    }
}

/// The unfinished mass sits on the horizon's bar; it must not count as
/// finished by a deadline at or past the horizon.
fn unfinished_at(pmf: &distribution::Pmf, days: u32, unfinished: f64) -> f64 {
    if days as usize + 1 >= pmf.mass.len() {
        unfinished
    } else {
        0.0
    }
}

fn counts_mean(counts: &Counts) -> f64 {
    let sum: u64 = counts
        .counts
        .iter()
        .enumerate()
        .map(|(value, &count)| value as u64 * u64::from(count))
        .sum();
    sum as f64 / f64::from(counts.total.max(1))
}

/// Forecasts how many items will be done from `start` through `end`.
pub fn how_many(
    throughput: &Throughput,
    start: NaiveDate,
    end: NaiveDate,
    options: &ForecastOptions,
) -> HowManyForecast {
    let days = days_until(start, end);
    let (items, mean_items, histogram, trials, seed) = match options.method {
        Method::MonteCarlo => {
            let sampler = DaySampler::new(throughput.days());
            let mut counts = Counts::with_len(1);
            let trials = options.trials.get();
            monte_carlo::how_many_items(
                &sampler,
                days,
                throughput.max(),
                trials,
                options.seed,
                &mut counts,
            );
            (
                counts.upper_percentiles(),
                counts_mean(&counts),
                counts.histogram(),
                Some(trials),
                Some(options.seed),
            )
        }
        Method::Exact => {
            let pmf = exact::how_many_items(throughput.days(), days);
            (pmf.upper_percentiles(), pmf.mean(), pmf.histogram(), None, None)
        }
    };
    HowManyForecast {
        method: options.method,
        trials,
        seed,
        start,
        end,
        days,
        items,
        mean_items,
        histogram,
    }
}

#[cfg(test)]
mod tests;
