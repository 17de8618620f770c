//! Benchmark of the forecasting engine, natively.
//!
//! ```text
//! cargo run --release -p director-core --example bench_forecast -- [--samples FILE] [--items N]
//!     [--trials N] [--seed S] [--runs R] [--json]
//! ```
//!
//! `--samples` reads daily throughput from a JSON array or from an object with
//! `daily_throughput_samples` (the peer's `forecast.json`, as
//! `shared/bench/peer/mc_baseline.py` reads it); without it, a fixed 60-day
//! history of about 3 items a day is used. Each case runs `--runs` times and
//! reports the median and the fastest run in milliseconds of compute (the
//! forecast call only, as `mc_baseline.py` times only its compute).

#![allow(clippy::disallowed_methods)] // A benchmark reads the clock; the library never does.

use std::num::NonZeroU32;
use std::time::Instant;

use chrono::NaiveDate;
use director_core::forecast::backtest::{backtest, BacktestOptions, Question};
use director_core::forecast::portfolio::{forecast_portfolio, EpicPlan, PortfolioPlan, Span};
use director_core::forecast::{how_many, when, ForecastOptions, Method, Throughput};
use director_core::model::IssueKey;
use director_core::whatif::{Baseline, Scenario, WhatIf};

/// 60 days, 3.05 items a day on average, with quiet days.
const DEFAULT_HISTORY: [u32; 60] = [
    3, 0, 5, 2, 4, 0, 1, 3, 6, 1, 2, 4, 3, 0, 2, 3, 7, 3, 1, 5, 0, 4, 2, 5, 3, 2, 6, 1, 1, 6, 4, 3,
    2, 0, 4, 5, 3, 2, 4, 3, 0, 2, 6, 2, 3, 1, 4, 8, 0, 3, 5, 2, 3, 4, 0, 4, 2, 4, 3, 6,
];

struct Settings {
    samples: Vec<u32>,
    items: u32,
    trials: u32,
    seed: u64,
    runs: usize,
    json: bool,
}

fn parse_args() -> Result<Settings, String> {
    let mut settings = Settings {
        samples: DEFAULT_HISTORY.to_vec(),
        items: 200,
        trials: 10_000,
        seed: 42,
        runs: 51,
        json: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--samples" => settings.samples = read_samples(&value()?)?,
            "--items" => settings.items = value()?.parse().map_err(|e| format!("--items: {e}"))?,
            "--trials" => {
                settings.trials = value()?.parse().map_err(|e| format!("--trials: {e}"))?
            }
            "--seed" => settings.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--runs" => settings.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--json" => settings.json = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(settings)
}

fn read_samples(path: &str) -> Result<Vec<u32>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("reading {path}: {e}"))?;
    let list = value.get("daily_throughput_samples").unwrap_or(&value);
    serde_json::from_value(list.clone()).map_err(|e| format!("samples in {path}: {e}"))
}

/// Median and fastest of `runs` timings of `f`, in milliseconds.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut timings = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let res = std::hint::black_box(f());
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(res);
    }
    timings.sort_by(f64::total_cmp);
    let median = timings[timings.len() / 2];
    (median, timings[0], last.expect("at least one run"))
}

fn main() {
    let settings = match parse_args() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(2);
        }
    };
    let throughput = match Throughput::new(settings.samples.clone()) {
        Ok(throughput) => throughput,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(2);
        }
    };
    let trials = NonZeroU32::new(settings.trials).unwrap_or(NonZeroU32::MIN);
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).expect("valid date");
    let options = ForecastOptions { trials, seed: settings.seed, method: Method::MonteCarlo };
    let exact = ForecastOptions { method: Method::Exact, ..options };
    let runs = settings.runs;

    let (when_ms, when_min, forecast) =
        time(runs, || when(&throughput, settings.items, start, None, &options));
    if settings.json {
        let exact = ForecastOptions { method: Method::Exact, ..options };
        let (exact_ms, _, exact_forecast) =
            time(runs, || when(&throughput, settings.items, start, None, &exact));
        println!(
            "{}",
            serde_json::json!({
                "impl": "claudedirector",
                "items": settings.items,
                "trials": settings.trials,
                "seed": settings.seed,
                "n_samples": settings.samples.len(),
                "sample_mean_per_day": throughput.mean(),
                "days_p50": forecast.days.p50,
                "days_p85": forecast.days.p85,
                "days_p95": forecast.days.p95,
                "median_ms": when_ms,
                "min_ms": when_min,
                "runs": runs,
                "exact_median_ms": exact_ms,
                "exact_days": [exact_forecast.days.p50, exact_forecast.days.p85, exact_forecast.days.p95],
            })
        );
        return;
    }

    let (exact_ms, _, exact_forecast) =
        time(runs.min(21), || when(&throughput, settings.items, start, None, &exact));
    let end = NaiveDate::from_ymd_opt(2026, 3, 5).expect("valid date");
    let (how_many_ms, _, _) = time(runs, || how_many(&throughput, start, end, &options));

    let baseline = Baseline {
        throughput: throughput.clone(),
        start,
        remaining_items: settings.items,
        team_size: NonZeroU32::new(8).expect("non-zero"),
        points_per_item: Some(3.0),
        blocked: None,
        options,
    };
    let (prepare_ms, _, mut what_if) = time(runs.min(21), || WhatIf::prepare(baseline.clone()));
    let scenario = Scenario {
        people_delta: 2,
        ramp_up_weeks: 4,
        focus_percent: 90,
        scope_items: 15,
        target: NaiveDate::from_ymd_opt(2026, 4, 30),
        ..Scenario::default()
    };
    let (what_if_ms, _, _) = time(runs, || what_if.apply(&scenario));

    let plan = PortfolioPlan {
        epics: (0..5)
            .map(|index| EpicPlan {
                key: IssueKey(format!("EPIC-{index}")),
                remaining_items: Span::new(30, 50).expect("ordered"),
                split_rate_percent: Span::new(0, 20).expect("ordered"),
                deadline: None,
                risks: Vec::new(),
            })
            .collect(),
        wip_limit: NonZeroU32::new(2).expect("non-zero"),
        start,
    };
    let (portfolio_ms, _, _) =
        time(runs.min(21), || forecast_portfolio(&throughput, &plan, &options));

    let year: Vec<u32> =
        (0..730).map(|day| settings.samples[day % settings.samples.len()]).collect();
    let as_of = start + chrono::Days::new(730);
    let series_start = start;
    let backtest_options = BacktestOptions { forecast: options, ..BacktestOptions::default() };
    let (backtest_ms, _, calibration) = time(5, || {
        backtest(series_start, &year, as_of, Question::When { items: 60 }, &backtest_options)
    });

    println!("history: {} days, {:.2} items/day", settings.samples.len(), throughput.mean());
    println!(
        "when {} items, {} trials (Monte Carlo): median {when_ms:.3} ms, fastest {when_min:.3} ms  (p50/p85/p95 days {}/{}/{})",
        settings.items, settings.trials, forecast.days.p50, forecast.days.p85, forecast.days.p95
    );
    println!(
        "when {} items (exact):                 median {exact_ms:.3} ms  (p50/p85/p95 days {}/{}/{})",
        settings.items, exact_forecast.days.p50, exact_forecast.days.p85, exact_forecast.days.p95
    );
    println!("how many in 60 days, {} trials:        median {how_many_ms:.3} ms", settings.trials);
    println!("what-if prepare (baseline run):        median {prepare_ms:.3} ms");
    println!("what-if update (scenario change):      median {what_if_ms:.3} ms");
    println!("portfolio, 5 epics, WIP 2:             median {portfolio_ms:.3} ms");
    println!(
        "backtest, 12 months weekly ({} forecasts): median {backtest_ms:.1} ms",
        calibration.map_or(0, |calibration| calibration.points)
    );
}
