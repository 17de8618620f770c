use std::num::NonZeroU32;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn options(trials: u32, seed: u64, method: Method) -> ForecastOptions {
    ForecastOptions { trials: NonZeroU32::new(trials).unwrap(), seed, method }
}

/// A fixed, realistic history: 60 days, about 3 items a day, with quiet days.
pub(crate) fn team_history() -> Vec<u32> {
    vec![
        3, 0, 5, 2, 4, 0, 0, 3, 6, 1, 2, 4, 0, 0, 2, 3, 7, 3, 1, 0, 0, 4, 2, 5, 3, 2, 0, 0, 1, 6,
        4, 3, 2, 0, 0, 5, 3, 2, 4, 3, 0, 0, 6, 2, 3, 1, 4, 0, 0, 3, 5, 2, 3, 4, 0, 0, 2, 4, 3, 6,
    ]
}

#[test]
fn empty_or_idle_history_yields_no_forecast() {
    assert_eq!(Throughput::new(vec![]), Err(ThroughputError::Empty));
    assert_eq!(Throughput::new(vec![0, 0, 0]), Err(ThroughputError::NoCompletions));
}

#[test]
fn constant_throughput_gives_a_single_date() {
    let throughput = Throughput::new(vec![4; 30]).unwrap();
    for method in [Method::MonteCarlo, Method::Exact] {
        let forecast = when(&throughput, 40, date("2026-01-05"), None, &options(1000, 1, method));
        assert_eq!(forecast.days, Percentiles { p50: 10, p85: 10, p95: 10 });
        assert_eq!(forecast.dates.p95, date("2026-01-14"));
        assert_eq!(forecast.histogram, vec![HistogramBin { value: 10, probability: 1.0 }]);
        let by = how_many(
            &throughput,
            date("2026-01-05"),
            date("2026-01-14"),
            &options(1000, 1, method),
        );
        assert_eq!(by.items, Percentiles { p50: 40, p85: 40, p95: 40 });
    }
}

#[test]
fn nothing_remaining_is_done_on_the_start_day() {
    let throughput = Throughput::new(team_history()).unwrap();
    let forecast = when(
        &throughput,
        0,
        date("2026-01-05"),
        Some(date("2026-01-05")),
        &ForecastOptions::default(),
    );
    assert_eq!(forecast.days.p95, 0);
    assert_eq!(forecast.dates.p95, date("2026-01-05"));
    assert_eq!(forecast.deadline.unwrap().probability, 1.0);
}

/// Poisson(λ) daily counts with λ = 3, laid out in exact proportions over
/// 1000 days, so the empirical distribution is Poisson to three decimals.
fn poisson_history() -> Vec<u32> {
    let lambda: f64 = 3.0;
    let mut history = Vec::new();
    let mut probability = (-lambda).exp();
    for count in 0..15u32 {
        let days = (probability * 1000.0).round() as usize;
        history.extend(std::iter::repeat_n(count, days));
        probability *= lambda / f64::from(count + 1);
    }
    history
}

#[test]
fn poisson_throughput_needs_about_n_over_lambda_days() {
    // Finishing N items at Poisson rate λ: the days needed are the first day
    // the running total reaches N; its mean is close to N/λ + 1/2 (renewal
    // overshoot for large N).
    let throughput = Throughput::new(poisson_history()).unwrap();
    let forecast =
        when(&throughput, 300, date("2026-01-05"), None, &options(10_000, 3, Method::MonteCarlo));
    let expected = 300.0 / throughput.mean() + 0.5;
    assert!(
        (forecast.mean_days - expected).abs() < 1.0,
        "mean {} vs {expected}",
        forecast.mean_days
    );
    let exact = when(&throughput, 300, date("2026-01-05"), None, &options(1, 0, Method::Exact));
    assert!(
        (exact.mean_days - expected).abs() < 0.6,
        "exact mean {} vs {expected}",
        exact.mean_days
    );
}

#[test]
fn exact_and_monte_carlo_agree_within_sampling_error() {
    let throughput = Throughput::new(team_history()).unwrap();
    let start = date("2026-01-05");
    let deadline = Some(date("2026-03-01"));
    let simulated =
        when(&throughput, 150, start, deadline, &options(20_000, 7, Method::MonteCarlo));
    let exact = when(&throughput, 150, start, deadline, &options(1, 0, Method::Exact));
    for (mc, ex) in [
        (simulated.days.p50, exact.days.p50),
        (simulated.days.p85, exact.days.p85),
        (simulated.days.p95, exact.days.p95),
    ] {
        assert!(mc.abs_diff(ex) <= 1, "monte carlo {mc} vs exact {ex}");
    }
    let mc_odds = simulated.deadline.unwrap().probability;
    let exact_odds = exact.deadline.unwrap().probability;
    // 20,000 trials: standard error below 0.0036.
    assert!((mc_odds - exact_odds).abs() < 0.015, "{mc_odds} vs {exact_odds}");
    assert!((simulated.mean_days - exact.mean_days).abs() < 0.2);

    let mc_many =
        how_many(&throughput, start, date("2026-02-15"), &options(20_000, 7, Method::MonteCarlo));
    let exact_many =
        how_many(&throughput, start, date("2026-02-15"), &options(1, 0, Method::Exact));
    assert!(mc_many.items.p85.abs_diff(exact_many.items.p85) <= 2);
    assert!((mc_many.mean_items - exact_many.mean_items).abs() < 0.5);
}

#[test]
fn exact_forecasts_do_not_depend_on_the_seed() {
    let throughput = Throughput::new(team_history()).unwrap();
    let first = when(&throughput, 80, date("2026-01-05"), None, &options(10, 1, Method::Exact));
    let second = when(&throughput, 80, date("2026-01-05"), None, &options(99, 2, Method::Exact));
    assert_eq!(first, second);
}

#[test]
fn deadline_probability_matches_the_histogram() {
    let throughput = Throughput::new(team_history()).unwrap();
    let forecast = when(
        &throughput,
        100,
        date("2026-01-05"),
        Some(date("2026-02-10")),
        &ForecastOptions::default(),
    );
    let deadline_days = days_until(date("2026-01-05"), date("2026-02-10"));
    let from_histogram: f64 = forecast
        .histogram
        .iter()
        .filter(|bin| bin.value <= deadline_days)
        .map(|bin| bin.probability)
        .sum();
    assert!((forecast.deadline.unwrap().probability - from_histogram).abs() < 1e-9);
}

#[test]
fn a_deadline_before_the_start_cannot_be_met() {
    let throughput = Throughput::new(team_history()).unwrap();
    for method in [Method::MonteCarlo, Method::Exact] {
        let forecast = when(
            &throughput,
            10,
            date("2026-01-05"),
            Some(date("2026-01-01")),
            &options(100, 0, method),
        );
        assert_eq!(forecast.deadline.unwrap().probability, 0.0);
    }
}

#[test]
fn sample_window_takes_the_days_before_as_of() {
    let series: Vec<u32> = (0..100).collect();
    let window = sample_window(date("2026-01-01"), &series, date("2026-03-01"), 60).unwrap();
    assert_eq!(window.start, date("2026-01-01"));
    assert_eq!(window.samples.len(), 60);
    assert_eq!(window.samples[59], 59);
    let short = sample_window(date("2026-01-01"), &series, date("2026-01-10"), 60).unwrap();
    assert_eq!(short.start, date("2026-01-01"));
    assert_eq!(short.samples.len(), 10);
    let beyond = sample_window(date("2026-01-01"), &series, date("2026-04-20"), 20).unwrap();
    assert_eq!(beyond.samples.iter().filter(|&&count| count == 0).count(), 10);
    assert_eq!(sample_window(date("2026-01-01"), &series, date("2025-12-31"), 60), None);
}

// Snapshots are files; the browser has none (tests/wasm_forecast.rs covers it there).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn fixed_seed_when_forecast_is_reproducible() {
    let throughput = Throughput::new(team_history()).unwrap();
    let forecast = when(
        &throughput,
        200,
        date("2026-01-05"),
        Some(date("2026-03-31")),
        &options(10_000, 42, Method::MonteCarlo),
    );
    insta::assert_json_snapshot!("when_200_items_seed_42", forecast);
}

// Snapshots are files; the browser has none (tests/wasm_forecast.rs covers it there).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn fixed_seed_how_many_forecast_is_reproducible() {
    let throughput = Throughput::new(team_history()).unwrap();
    let forecast = how_many(
        &throughput,
        date("2026-01-05"),
        date("2026-02-15"),
        &options(10_000, 42, Method::MonteCarlo),
    );
    insta::assert_json_snapshot!("how_many_by_feb_15_seed_42", forecast);
}

// Snapshots are files; the browser has none (tests/wasm_forecast.rs covers it there).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn exact_when_forecast_is_stable() {
    let throughput = Throughput::new(team_history()).unwrap();
    let forecast = when(
        &throughput,
        200,
        date("2026-01-05"),
        Some(date("2026-03-31")),
        &options(1, 0, Method::Exact),
    );
    insta::assert_json_snapshot!("when_200_items_exact", forecast);
}

fn history_strategy() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..8, 1..90)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn forecast_dates_are_never_before_the_start(
        history in history_strategy(),
        remaining in 0u32..300,
        seed in any::<u64>(),
        offset in 0u32..3000,
    ) {
        let Ok(throughput) = Throughput::new(history) else { return Ok(()) };
        let start = date("2020-01-01") + chrono::Days::new(u64::from(offset));
        let forecast = when(&throughput, remaining, start, None, &options(300, seed, Method::MonteCarlo));
        prop_assert!(forecast.dates.p50 >= start);
        prop_assert!(forecast.dates.p50 <= forecast.dates.p85);
        prop_assert!(forecast.dates.p85 <= forecast.dates.p95);
    }

    #[test]
    fn adding_scope_never_finishes_earlier_with_the_same_seed(
        history in history_strategy(),
        remaining in 0u32..200,
        extra in 1u32..50,
        seed in any::<u64>(),
    ) {
        let Ok(throughput) = Throughput::new(history) else { return Ok(()) };
        let start = date("2026-01-05");
        let base = when(&throughput, remaining, start, None, &options(300, seed, Method::MonteCarlo));
        let more = when(&throughput, remaining + extra, start, None, &options(300, seed, Method::MonteCarlo));
        prop_assert!(more.days.p50 >= base.days.p50);
        prop_assert!(more.days.p85 >= base.days.p85);
        prop_assert!(more.days.p95 >= base.days.p95);
    }

    #[test]
    fn how_many_percentiles_are_ordered(
        history in history_strategy(),
        days in 0u32..120,
        seed in any::<u64>(),
    ) {
        let Ok(throughput) = Throughput::new(history) else { return Ok(()) };
        let start = date("2026-01-05");
        let end = start + chrono::Days::new(u64::from(days));
        for method in [Method::MonteCarlo, Method::Exact] {
            let forecast = how_many(&throughput, start, end, &options(300, seed, method));
            // More items is the optimistic side: p50 ≥ p85 ≥ p95.
            prop_assert!(forecast.items.p50 >= forecast.items.p85);
            prop_assert!(forecast.items.p85 >= forecast.items.p95);
        }
    }

    #[test]
    fn exact_percentiles_are_ordered_and_after_the_start(
        history in prop::collection::vec(0u32..6, 1..40),
        remaining in 0u32..80,
    ) {
        let Ok(throughput) = Throughput::new(history) else { return Ok(()) };
        let start = date("2026-01-05");
        let forecast = when(&throughput, remaining, start, None, &options(1, 0, Method::Exact));
        prop_assert!(forecast.days.p50 <= forecast.days.p85 && forecast.days.p85 <= forecast.days.p95);
        prop_assert!(forecast.dates.p50 >= start);
    }
}

fn assert_send_sync<T: Clone + Send + Sync + 'static>() {}

#[test]
fn forecast_types_can_live_in_signals_and_server_state() {
    assert_send_sync::<Throughput>();
    assert_send_sync::<WhenForecast>();
    assert_send_sync::<HowManyForecast>();
    assert_send_sync::<ForecastOptions>();
    assert_send_sync::<sprint::SprintForecast>();
    assert_send_sync::<portfolio::PortfolioForecast>();
    assert_send_sync::<backtest::Calibration>();
    assert_send_sync::<crate::whatif::WhatIf>();
    assert_send_sync::<crate::whatif::Scenario>();
    assert_send_sync::<crate::whatif::WhatIfResult>();
}
