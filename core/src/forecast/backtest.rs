//! Backtest: how often would this forecast have come true on the team's own
//! history? Shown beside every forecast, so an "85%" date carries its record
//! ("85% dates were met 83% of the time over the last 12 months").
//!
//! The walk: origins every `step_days` over the `lookback_days` before `as_of`.
//! At each origin `t` the forecast sees only the sample window ending the day
//! before `t`, forecasts the same question from `t`, and is compared with what
//! the history after `t` shows:
//! - "when will N items be done": the actual days until N more items were
//!   completed. A p85 forecast is a hit when the actual days are at most p85.
//!   An origin whose N items were not all done by `as_of` is used only once
//!   its elapsed days already exceed the p95 forecast (a miss at every level);
//!   otherwise its outcome is unknown and it is skipped.
//! - "how many in D days": the items actually completed in the `D` days from
//!   `t` (only origins with `t + D ≤ as_of`). A p85 forecast is a hit when at
//!   least p85 items were actually done.
//!
//! The mean error is actual − p50 (positive: later than, or more items than,
//! the median forecast).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::distribution::Percentiles;
use super::{how_many, sample_window, when, ForecastOptions, Throughput, DEFAULT_WINDOW_DAYS};

/// The question being backtested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Days until `items` more items are done.
    When {
        /// Items to finish.
        items: u32,
    },
    /// Items done in `days` days.
    HowMany {
        /// Days counted.
        days: u32,
    },
}

/// How the walk is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacktestOptions {
    /// Sample window length at each origin.
    pub window_days: u32,
    /// Days between origins.
    pub step_days: u32,
    /// How far back the first origin is.
    pub lookback_days: u32,
    /// Trials, seed and method of each forecast.
    pub forecast: ForecastOptions,
}

impl Default for BacktestOptions {
    fn default() -> BacktestOptions {
        BacktestOptions {
            window_days: DEFAULT_WINDOW_DAYS,
            step_days: 7,
            lookback_days: 365,
            forecast: ForecastOptions::default(),
        }
    }
}

/// One past forecast and what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationPoint {
    /// The day the forecast was made for.
    pub origin: NaiveDate,
    /// What it said (days for "when", items for "how many").
    pub forecast: Percentiles<u32>,
    /// What happened; `None` when the items were still not done at `as_of`.
    pub actual: Option<u32>,
}

/// The record of past forecasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The question asked at every origin.
    pub question: Question,
    /// Forecasts compared with an outcome.
    pub points: u32,
    /// Share of forecasts met at each level (0–1).
    pub hit_rate: Percentiles<f64>,
    /// Mean of actual − p50 days ("when" questions).
    pub mean_error_days: Option<f64>,
    /// Mean of actual − p50 items ("how many" questions).
    pub mean_error_items: Option<f64>,
    /// Days looked back.
    pub lookback_days: u32,
    /// Each past forecast, oldest first.
    pub history: Vec<CalibrationPoint>,
}

impl Calibration {
    /// The line shown beside a forecast.
    pub fn sentence(&self) -> String {
        let what = match self.question {
            Question::When { .. } => "dates",
            Question::HowMany { .. } => "item counts",
        };
        let months = (f64::from(self.lookback_days) / 30.44).round() as u32;
        let span = if months >= 2 {
            format!("the last {months} months")
        } else {
            format!("the last {} days", self.lookback_days)
        };
        format!(
            "85% {what} were met {:.0}% of the time over {span} ({} forecasts)",
            self.hit_rate.p85 * 100.0,
            self.points
        )
    }
}

/// Walks back through `series` (items completed per day from `series_start`)
/// and scores the forecasts that would have been made. `None` when no origin
/// had both a full sample window with completions and a known outcome.
pub fn backtest(
    series_start: NaiveDate,
    series: &[u32],
    as_of: NaiveDate,
    question: Question,
    options: &BacktestOptions,
) -> Option<Calibration> {
    // Only days before `as_of` are known.
    let known_days = ((as_of - series_start).num_days().max(0) as usize).min(series.len());
    let known = &series[..known_days];
    let step = options.step_days.max(1);
    let first_origin = as_of
        .checked_sub_days(Days::new(u64::from(options.lookback_days)))?
        .max(series_start.checked_add_days(Days::new(u64::from(options.window_days)))?);

    let mut history = Vec::new();
    let mut origin = first_origin;
    while origin < as_of {
        if let Some(point) = score_origin(series_start, known, origin, question, options) {
            history.push(point);
        }
        origin = origin.checked_add_days(Days::new(u64::from(step)))?;
    }

    let scored: Vec<&CalibrationPoint> = history
        .iter()
        .filter(|point| point.actual.is_some() || matches!(question, Question::When { .. }))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let points = scored.len() as u32;
    let hits = |level: fn(&Percentiles<u32>) -> u32| -> f64 {
        let hit_count = scored
            .iter()
            .filter(|point| question.met(point.actual, level(&point.forecast)))
            .count();
        hit_count as f64 / f64::from(points)
    };
    let hit_rate = Percentiles {
        p50: hits(|forecast| forecast.p50),
        p85: hits(|forecast| forecast.p85),
        p95: hits(|forecast| forecast.p95),
    };
    let resolved: Vec<f64> = scored
        .iter()
        .filter_map(|point| {
            point.actual.map(|actual| f64::from(actual) - f64::from(point.forecast.p50))
        })
        .collect();
    let mean_error =
        (!resolved.is_empty()).then(|| resolved.iter().sum::<f64>() / resolved.len() as f64);
    let (mean_error_days, mean_error_items) = match question {
        Question::When { .. } => (mean_error, None),
        Question::HowMany { .. } => (None, mean_error),
    };
    Some(Calibration {
        question,
        points,
        hit_rate,
        mean_error_days,
        mean_error_items,
        lookback_days: options.lookback_days,
        history,
    })
}

fn score_origin(
    series_start: NaiveDate,
    known: &[u32],
    origin: NaiveDate,
    question: Question,
    options: &BacktestOptions,
) -> Option<CalibrationPoint> {
    let window_end = origin.pred_opt()?;
    let window = sample_window(series_start, known, window_end, options.window_days)?;
    if window.samples.len() < options.window_days as usize {
        return None;
    }
    let throughput = Throughput::new(window.samples).ok()?;
    let offset = (origin - series_start).num_days() as usize;
    let after = known.get(offset..).unwrap_or(&[]);
    let (forecast, actual) = match question {
        Question::When { items } => (
            when(&throughput, items, origin, None, &options.forecast).days,
            days_to_complete(after, items),
        ),
        Question::HowMany { days } => {
            // Not yet known: fewer than `days` days have passed.
            let actual = after.get(..days as usize)?.iter().sum();
            let end = origin.checked_add_days(Days::new(u64::from(days.max(1) - 1)))?;
            (how_many(&throughput, origin, end, &options.forecast).items, Some(actual))
        }
    };
    // Items still not done count once their elapsed days pass every level.
    if actual.is_none() && (after.len() as u32) <= forecast.p95 {
        return None;
    }
    Some(CalibrationPoint { origin, forecast, actual })
}

impl Question {
    /// Whether what happened met the forecast at one level: done within the
    /// forecast days, or at least the forecast items done. Unknown never meets.
    fn met(self, actual: Option<u32>, forecast: u32) -> bool {
        match (self, actual) {
            (Question::When { .. }, Some(actual)) => actual <= forecast,
            (Question::HowMany { .. }, Some(actual)) => actual >= forecast,
            (_, None) => false,
        }
    }
}

/// Days of `after` until `items` were completed.
fn days_to_complete(after: &[u32], items: u32) -> Option<u32> {
    if items == 0 {
        return Some(0);
    }
    let mut done = 0u64;
    for (day, &count) in after.iter().enumerate() {
        done += u64::from(count);
        if done >= u64::from(items) {
            return Some(day as u32 + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Xoshiro256StarStar;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Poisson draws by Knuth's multiplication method (fine for small means).
    fn poisson_series(mean: f64, days: usize, seed: u64) -> Vec<u32> {
        let mut rng = Xoshiro256StarStar::seed_from_u64(seed);
        let limit = (-mean).exp();
        (0..days)
            .map(|_| {
                let mut count = 0;
                let mut product = rng.unit_f64();
                while product > limit {
                    count += 1;
                    product *= rng.unit_f64();
                }
                count
            })
            .collect()
    }

    #[test]
    fn stationary_throughput_meets_85_percent_dates_about_85_percent_of_the_time() {
        let start = date("2024-01-01");
        let series = poisson_series(3.0, 1200, 11);
        let as_of = start + Days::new(1200);
        let options = BacktestOptions {
            step_days: 1,
            lookback_days: 1000,
            forecast: ForecastOptions {
                trials: std::num::NonZeroU32::new(2000).unwrap(),
                ..ForecastOptions::default()
            },
            ..BacktestOptions::default()
        };
        let calibration =
            backtest(start, &series, as_of, Question::When { items: 30 }, &options).unwrap();
        assert!(calibration.points > 900, "{} points", calibration.points);
        let hit_rate = calibration.hit_rate;
        assert!((0.80..=0.90).contains(&hit_rate.p85), "p85 hit rate {}", hit_rate.p85);
        // Days are whole, so the median day carries a lump of probability and
        // "met by at least half" is met by somewhat more than half.
        assert!((0.48..=0.70).contains(&hit_rate.p50), "p50 hit rate {}", hit_rate.p50);
        assert!(hit_rate.p95 >= 0.90, "p95 hit rate {}", hit_rate.p95);
        assert!(calibration.mean_error_days.unwrap().abs() < 1.0);
    }

    #[test]
    fn stationary_throughput_calibrates_how_many_forecasts_too() {
        let start = date("2024-01-01");
        let series = poisson_series(3.0, 1200, 12);
        let as_of = start + Days::new(1200);
        let options = BacktestOptions {
            step_days: 1,
            lookback_days: 1000,
            forecast: ForecastOptions {
                trials: std::num::NonZeroU32::new(2000).unwrap(),
                ..ForecastOptions::default()
            },
            ..BacktestOptions::default()
        };
        let calibration =
            backtest(start, &series, as_of, Question::HowMany { days: 14 }, &options).unwrap();
        assert!((0.80..=0.90).contains(&calibration.hit_rate.p85), "{:?}", calibration.hit_rate);
        assert!(calibration.mean_error_items.is_some());
        assert!(calibration.mean_error_days.is_none());
    }

    #[test]
    fn a_team_that_slows_down_misses_its_dates() {
        let start = date("2025-01-01");
        let mut series = vec![4u32; 200];
        series.extend(std::iter::repeat_n(1, 200));
        let as_of = start + Days::new(400);
        let options =
            BacktestOptions { step_days: 7, lookback_days: 200, ..BacktestOptions::default() };
        let calibration =
            backtest(start, &series, as_of, Question::When { items: 20 }, &options).unwrap();
        // The first origins after the slowdown still sample the fast weeks.
        assert!(calibration.hit_rate.p85 < 0.85);
        assert!(calibration.mean_error_days.unwrap() > 0.0);
        assert!(calibration.sentence().starts_with("85% dates were met "));
        assert!(calibration.sentence().contains("over the last 7 months"));
    }

    #[test]
    fn too_little_history_gives_no_calibration() {
        let start = date("2025-01-01");
        let series = vec![1u32; 30];
        let as_of = start + Days::new(30);
        let calibration = backtest(
            start,
            &series,
            as_of,
            Question::When { items: 5 },
            &BacktestOptions::default(),
        );
        assert_eq!(calibration, None);
    }

    #[test]
    fn days_to_complete_counts_the_day_the_last_item_lands() {
        assert_eq!(days_to_complete(&[0, 2, 0, 3], 4), Some(4));
        assert_eq!(days_to_complete(&[0, 2], 4), None);
        assert_eq!(days_to_complete(&[], 0), Some(0));
    }
}
