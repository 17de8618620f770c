//! Sprint-based forecasts, for teams that plan in sprints and estimate in
//! points: how many sprints the remaining points need (sampling past sprint
//! velocities with replacement), and the chance the current sprint finishes
//! what is left in it (from daily throughput over the days that remain).
//!
//! Points are fractional in JIRA (0.5, 1.5): they are carried as integer
//! hundredths so the sampling loop stays integer-only and portable.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::distribution::{Counts, HistogramBin, Percentiles};
use super::monte_carlo::TrialSeeds;
use super::{exact, ForecastOptions, Throughput};
use crate::rng::UniformIndex;

/// Most sprints a forecast looks ahead; trials past it count as this many.
pub const MAX_SPRINTS: u32 = 1_000;

/// Completed points of past sprints: at least one sprint and some points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Velocities {
    hundredths: Vec<u64>,
}

/// Why velocities cannot drive a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VelocitiesError {
    /// No past sprints.
    #[error("no past sprint velocities to sample")]
    Empty,
    /// A velocity is negative, infinite or not a number.
    #[error("a sprint velocity is negative or not a finite number")]
    Invalid,
    /// Every past sprint completed zero points.
    #[error("every sampled sprint completed zero points")]
    NoPoints,
}

impl Velocities {
    /// Validates per-sprint completed points.
    pub fn new(points: &[f64]) -> Result<Velocities, VelocitiesError> {
        if points.is_empty() {
            return Err(VelocitiesError::Empty);
        }
        let mut hundredths = Vec::with_capacity(points.len());
        for &value in points {
            hundredths.push(to_hundredths(value).ok_or(VelocitiesError::Invalid)?);
        }
        if hundredths.iter().all(|&value| value == 0) {
            return Err(VelocitiesError::NoPoints);
        }
        Ok(Velocities { hundredths })
    }

    /// Mean points per sprint.
    pub fn mean(&self) -> f64 {
        self.hundredths.iter().sum::<u64>() as f64 / 100.0 / self.hundredths.len() as f64
    }
}

fn to_hundredths(points: f64) -> Option<u64> {
    if !points.is_finite() || !(0.0..=1e12).contains(&points) {
        return None;
    }
    Some((points * 100.0).round() as u64)
}

/// How many sprints the remaining points need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintForecast {
    /// Simulated futures.
    pub trials: u32,
    /// Seed used.
    pub seed: u64,
    /// Points to finish.
    pub remaining_points: f64,
    /// Sprints needed, met or beaten by 50/85/95% of trials.
    pub sprints: Percentiles<u32>,
    /// The end dates of those sprints.
    pub end_dates: Percentiles<NaiveDate>,
    /// Sprints needed → share of trials.
    pub histogram: Vec<HistogramBin>,
}

/// Forecasts the sprints needed for `remaining_points`, the first of which ends
/// on `first_sprint_end` and each of which lasts `sprint_length_days`.
/// Velocities are drawn uniformly with replacement (Monte Carlo; `options.method`
/// is not consulted).
pub fn sprints_needed(
    velocities: &Velocities,
    remaining_points: f64,
    first_sprint_end: NaiveDate,
    sprint_length_days: u32,
    options: &ForecastOptions,
) -> SprintForecast {
    let target = to_hundredths(remaining_points).unwrap_or(0);
    let index = UniformIndex::new(velocities.hundredths.len() as u32);
    let mut counts = Counts::with_len(MAX_SPRINTS as usize + 1);
    let mut seeds = TrialSeeds::new(options.seed);
    for _ in 0..options.trials.get() {
        let mut rng = seeds.next_trial();
        let mut done = 0u64;
        let mut sprints = 0u32;
        while done < target && sprints < MAX_SPRINTS {
            done += velocities.hundredths[index.sample(&mut rng) as usize];
            sprints += 1;
        }
        counts.add(sprints);
    }
    let sprints = counts.lower_percentiles();
    SprintForecast {
        trials: options.trials.get(),
        seed: options.seed,
        remaining_points,
        sprints,
        end_dates: sprints.map(|count| sprint_end(first_sprint_end, sprint_length_days, count)),
        histogram: counts.histogram(),
    }
}

fn sprint_end(first_sprint_end: NaiveDate, sprint_length_days: u32, sprints: u32) -> NaiveDate {
    let extra = u64::from(sprints.max(1) - 1) * u64::from(sprint_length_days);
    first_sprint_end.checked_add_days(Days::new(extra)).unwrap_or(NaiveDate::MAX)
}

/// Days of daily throughput the running sprint's odds are drawn from: the
/// whole days before today (today is not over, so it is not a sample).
pub const CURRENT_SPRINT_SAMPLE_DAYS: u32 = 42;

/// The sample window of the running sprint's odds seen on `today`: its first
/// and last day, both included (the [`CURRENT_SPRINT_SAMPLE_DAYS`] days
/// before `today`). Risk, alerts, the summary, `status` and `ask` all use it,
/// so the odds agree wherever they are shown.
pub fn current_sprint_sample(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last = today.pred_opt().unwrap_or(today);
    let first = last
        .checked_sub_days(Days::new(u64::from(CURRENT_SPRINT_SAMPLE_DAYS - 1)))
        .unwrap_or(NaiveDate::MIN);
    (first, last)
}

/// Days of work a sprint ending on `last_day` has left on `today`: today and
/// every day up to `last_day`, both included; 0 once it is past.
pub fn sprint_days_left(today: NaiveDate, last_day: NaiveDate) -> u32 {
    super::days_until(today, last_day)
}

/// Probability that the current sprint completes `remaining` (items, or whole
/// points when `daily` counts points) in the `days_left` days it has, each day
/// drawn from `daily`. Computed exactly.
pub fn sprint_completion_probability(daily: &Throughput, remaining: u32, days_left: u32) -> f64 {
    exact::probability_at_least(daily.days(), remaining, days_left)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn constant_velocity_needs_a_fixed_number_of_sprints() {
        let velocities = Velocities::new(&[20.0, 20.0]).unwrap();
        let forecast =
            sprints_needed(&velocities, 50.0, date("2026-01-09"), 14, &ForecastOptions::default());
        assert_eq!(forecast.sprints, Percentiles { p50: 3, p85: 3, p95: 3 });
        assert_eq!(forecast.end_dates.p85, date("2026-02-06"));
    }

    #[test]
    fn fractional_points_are_counted_to_the_hundredth() {
        let velocities = Velocities::new(&[0.5]).unwrap();
        let forecast =
            sprints_needed(&velocities, 1.5, date("2026-01-09"), 7, &ForecastOptions::default());
        assert_eq!(forecast.sprints.p50, 3);
    }

    #[test]
    fn varied_velocity_gives_ordered_percentiles() {
        let velocities = Velocities::new(&[5.0, 13.0, 21.0, 8.0, 0.0, 18.0]).unwrap();
        let forecast =
            sprints_needed(&velocities, 120.0, date("2026-01-09"), 14, &ForecastOptions::default());
        assert!(forecast.sprints.p50 <= forecast.sprints.p85);
        assert!(forecast.sprints.p85 <= forecast.sprints.p95);
        assert!(forecast.sprints.p50 >= 120 / 21);
    }

    #[test]
    fn bad_velocities_are_rejected() {
        assert_eq!(Velocities::new(&[]), Err(VelocitiesError::Empty));
        assert_eq!(Velocities::new(&[0.0, 0.0]), Err(VelocitiesError::NoPoints));
        assert_eq!(Velocities::new(&[3.0, f64::NAN]), Err(VelocitiesError::Invalid));
        assert_eq!(Velocities::new(&[-1.0]), Err(VelocitiesError::Invalid));
    }

    #[test]
    fn the_running_sprint_samples_the_days_before_today_and_counts_today_as_left() {
        let (first, last) = current_sprint_sample(date("2026-03-10"));
        assert_eq!(last, date("2026-03-09"));
        assert_eq!((last - first).num_days() + 1, i64::from(CURRENT_SPRINT_SAMPLE_DAYS));
        assert_eq!(sprint_days_left(date("2026-03-10"), date("2026-03-10")), 1);
        assert_eq!(sprint_days_left(date("2026-03-10"), date("2026-03-13")), 4);
        assert_eq!(sprint_days_left(date("2026-03-10"), date("2026-03-09")), 0);
    }

    #[test]
    fn current_sprint_probability_is_exact_for_coin_days() {
        // Each day finishes 0 or 1 item with equal odds: P(at least 2 of 3) = 1/2.
        let daily = Throughput::new(vec![0, 1]).unwrap();
        let probability = sprint_completion_probability(&daily, 2, 3);
        assert!((probability - 0.5).abs() < 1e-12);
        assert_eq!(sprint_completion_probability(&daily, 0, 0), 1.0);
        assert_eq!(sprint_completion_probability(&daily, 4, 3), 0.0);
    }
}
