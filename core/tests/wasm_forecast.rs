//! Forecasts are the same natively and in the browser: a fixed set of
//! forecasts (Monte Carlo with a fixed seed, exact, how many, what-if,
//! portfolio, sprints, backtest) is rendered to JSON and compared with the
//! committed insta snapshot of the native output, byte for byte, on both
//! targets. In the browser the file also times the "when" forecast and a
//! what-if update (figures printed with `--nocapture`).
//!
//! ```text
//! cargo test -p director-core --test wasm_forecast
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test -p director-core \
//!     --target wasm32-unknown-unknown --test wasm_forecast -- --nocapture
//! ```

use std::num::NonZeroU32;

use chrono::NaiveDate;
use director_core::forecast::backtest::{backtest, BacktestOptions, Question};
use director_core::forecast::portfolio::{
    forecast_portfolio, EpicPlan, PortfolioPlan, RiskEvent, Span,
};
use director_core::forecast::sprint::{sprint_completion_probability, sprints_needed, Velocities};
use director_core::forecast::{how_many, when, ForecastOptions, Method, Throughput};
use director_core::model::IssueKey;
use director_core::whatif::{Baseline, Blockage, Scenario, WhatIf};
use serde_json::json;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// 60 days, about 3 items a day, with quiet days.
const HISTORY: [u32; 60] = [
    3, 0, 5, 2, 4, 0, 1, 3, 6, 1, 2, 4, 3, 0, 2, 3, 7, 3, 1, 5, 0, 4, 2, 5, 3, 2, 6, 1, 1, 6, 4, 3,
    2, 0, 4, 5, 3, 2, 4, 3, 0, 2, 6, 2, 3, 1, 4, 8, 0, 3, 5, 2, 3, 4, 0, 4, 2, 4, 3, 6,
];

const SNAPSHOT: &str = include_str!("snapshots/wasm_forecast__forecast_golden.snap");

fn date(text: &str) -> NaiveDate {
    text.parse().expect("valid date")
}

fn options(seed: u64, method: Method) -> ForecastOptions {
    ForecastOptions { trials: NonZeroU32::new(10_000).expect("non-zero"), seed, method }
}

fn throughput() -> Throughput {
    Throughput::new(HISTORY.to_vec()).expect("history has completions")
}

fn baseline() -> Baseline {
    Baseline {
        throughput: throughput(),
        start: date("2026-01-05"),
        remaining_items: 200,
        team_size: NonZeroU32::new(8).expect("non-zero"),
        points_per_item: Some(3.0),
        blocked: Some(Blockage { items: 20, clears_after_days: 30 }),
        options: options(42, Method::MonteCarlo),
    }
}

fn scenario() -> Scenario {
    Scenario {
        people_delta: 2,
        ramp_up_weeks: 4,
        focus_percent: 90,
        scope_items: 15,
        scope_points: -9.0,
        split_rate_percent: 10,
        remove_blocker: true,
        target: Some(date("2026-04-30")),
    }
}

/// Every forecast kind, as pretty JSON.
fn golden() -> String {
    let start = date("2026-01-05");
    let throughput = throughput();
    let when_mc =
        when(&throughput, 200, start, Some(date("2026-03-31")), &options(42, Method::MonteCarlo));
    let when_exact =
        when(&throughput, 200, start, Some(date("2026-03-31")), &options(42, Method::Exact));
    let by = how_many(&throughput, start, date("2026-02-15"), &options(7, Method::MonteCarlo));
    let what_if = WhatIf::prepare(baseline()).apply(&scenario()).expect("valid scenario");
    let plan = PortfolioPlan {
        epics: vec![
            EpicPlan {
                key: IssueKey::from("PAY-1"),
                remaining_items: Span::new(30, 45).expect("ordered"),
                split_rate_percent: Span::new(0, 25).expect("ordered"),
                deadline: Some(date("2026-02-20")),
                risks: vec![RiskEvent {
                    name: "card network certification".to_owned(),
                    likelihood_percent: 30,
                    impact_items: Span::new(5, 12).expect("ordered"),
                }],
            },
            EpicPlan {
                key: IssueKey::from("PAY-2"),
                remaining_items: Span::exactly(25),
                split_rate_percent: Span::new(10, 10).expect("ordered"),
                deadline: Some(date("2026-03-15")),
                risks: Vec::new(),
            },
            EpicPlan {
                key: IssueKey::from("PAY-3"),
                remaining_items: Span::new(10, 60).expect("ordered"),
                split_rate_percent: Span::exactly(0),
                deadline: None,
                risks: Vec::new(),
            },
        ],
        wip_limit: NonZeroU32::new(2).expect("non-zero"),
        start,
    };
    let portfolio = forecast_portfolio(&throughput, &plan, &options(3, Method::MonteCarlo));
    let velocities = Velocities::new(&[21.0, 18.5, 30.0, 13.0, 25.0, 22.0]).expect("velocities");
    let sprints =
        sprints_needed(&velocities, 140.0, date("2026-01-16"), 14, &options(9, Method::MonteCarlo));
    let current_sprint = sprint_completion_probability(&throughput, 25, 9);
    let series: Vec<u32> = (0..400).map(|day| HISTORY[(day * 7) % HISTORY.len()]).collect();
    let calibration = backtest(
        date("2025-01-01"),
        &series,
        date("2026-02-05"),
        Question::When { items: 40 },
        &BacktestOptions {
            forecast: ForecastOptions {
                trials: NonZeroU32::new(2_000).expect("non-zero"),
                ..options(5, Method::MonteCarlo)
            },
            ..BacktestOptions::default()
        },
    )
    .map(|calibration| {
        json!({
            "points": calibration.points,
            "hit_rate": calibration.hit_rate,
            "mean_error_days": calibration.mean_error_days,
            "sentence": calibration.sentence(),
        })
    });
    let report = json!({
        "when_monte_carlo": {
            "days": when_mc.days, "dates": when_mc.dates, "mean_days": when_mc.mean_days,
            "deadline": when_mc.deadline, "histogram": when_mc.histogram,
        },
        "when_exact": {
            "days": when_exact.days, "mean_days": when_exact.mean_days,
            "deadline": when_exact.deadline,
        },
        "how_many": { "items": by.items, "mean_items": by.mean_items, "histogram": by.histogram },
        "what_if": what_if,
        "portfolio": portfolio,
        "sprints": sprints,
        "current_sprint_probability": current_sprint,
        "calibration": calibration,
    });
    serde_json::to_string_pretty(&report).expect("serialisable")
}

/// The snapshot body, without insta's header.
fn snapshot_body() -> &'static str {
    let without_opening = SNAPSHOT.strip_prefix("---\n").unwrap_or(SNAPSHOT);
    without_opening.split_once("\n---\n").map_or(without_opening, |(_, body)| body).trim_end()
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_forecasts_match_the_snapshot() {
    insta::assert_snapshot!("forecast_golden", golden());
}

#[test]
fn this_target_gives_exactly_the_native_forecasts() {
    let output = golden();
    assert!(snapshot_body().len() > 1000, "snapshot body missing");
    assert_eq!(output.trim_end(), snapshot_body());
}

/// `performance.now()` in milliseconds.
#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    let performance =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into()).expect("window.performance");
    let now = js_sys::Reflect::get(&performance, &"now".into()).expect("performance.now");
    let now: js_sys::Function = now.into();
    now.call0(&performance).expect("performance.now()").as_f64().unwrap_or(0.0)
}

/// Median of `runs` timings of `f`, in milliseconds. Browsers coarsen
/// `performance.now()` (to 0.1 ms without cross-origin isolation), so each
/// timing covers five calls.
#[cfg(target_arch = "wasm32")]
fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    const BATCH: u32 = 5;
    let mut timings: Vec<f64> = (0..runs)
        .map(|_| {
            let started = now_ms();
            for _ in 0..BATCH {
                std::hint::black_box(f());
            }
            (now_ms() - started) / f64::from(BATCH)
        })
        .collect();
    timings.sort_by(f64::total_cmp);
    timings[timings.len() / 2]
}

#[cfg(target_arch = "wasm32")]
#[test]
fn browser_timings_of_when_and_what_if() {
    let throughput = throughput();
    let start = date("2026-01-05");
    let when_options = options(42, Method::MonteCarlo);
    let when_ms = median_ms(31, || when(&throughput, 200, start, None, &when_options));
    let exact_options = options(42, Method::Exact);
    let exact_ms = median_ms(11, || when(&throughput, 200, start, None, &exact_options));
    let mut what_if = WhatIf::prepare(baseline());
    let mut scenario = scenario();
    let what_if_ms = median_ms(31, || {
        // A slider step: a different scenario every time.
        scenario.people_delta = (scenario.people_delta + 1) % 5;
        what_if.apply(&scenario)
    });
    wasm_bindgen_test::console_log!(
        "wasm timings (median): when 200 items x 10000 trials {when_ms:.2} ms; \
         exact {exact_ms:.2} ms; what-if update {what_if_ms:.2} ms"
    );
    assert!(when_ms > 0.0 || what_if_ms >= 0.0);
}
