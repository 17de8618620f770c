//! `/forecast`: when will a team's open work (or one epic) land, at 50/85/95%
//! confidence, how well such forecasts held up before, and what if people,
//! focus, scope, splitting, a blocker or a target date changed.
//!
//! The Monte Carlo runs here, in the browser, on `director_core::whatif`:
//! the baseline is prepared once per team or epic, and each slider move only
//! applies a scenario to it, so dates follow the slider while dragging.

use std::num::NonZeroU32;

use chrono::{Days, NaiveDate};
use director_core::flow::{self, DateRange, FlowOptions, Workflow};
use director_core::forecast::backtest::{self, BacktestOptions, Question};
use director_core::forecast::{ForecastOptions, Method, Throughput};
use director_core::model::{Dataset, Issue, IssueKey, Team};
use director_core::whatif::{Baseline, Blockage, Scenario, WhatIf, WhatIfResult};
use leptos::prelude::*;

use crate::state::use_data;

/// Days of history the throughput is sampled from.
const WINDOW_DAYS: u64 = 60;
/// Simulated futures per scenario.
const TRIALS: u32 = 10_000;
/// Fixed seed: the same data and scenario always give the same dates.
const SEED: u64 = 20_260_301;
/// Days a blocker is assumed to take to clear by itself.
const BLOCKER_CLEARS_AFTER_DAYS: u32 = 14;
/// Team size assumed when the configuration gives none.
const DEFAULT_TEAM_SIZE: u32 = 6;

/// What the page prepared for the chosen team or epic.
struct Prepared {
    what_if: WhatIf,
    remaining: u32,
    blocked: u32,
    calibration: Option<String>,
}

/// The forecast and what-if page.
#[component]
pub fn ForecastPage() -> impl IntoView {
    let data = use_data();
    let team = RwSignal::new(String::new());
    let epic = RwSignal::new(String::new());
    let scenario = RwSignal::new(Scenario::default());
    let result = RwSignal::new(None::<WhatIfResult>);
    let problem = RwSignal::new(None::<String>);
    let prepared = StoredValue::new_local(None::<Prepared>);
    let summary = RwSignal::new((0_u32, 0_u32, None::<String>));
    let apply_ms = RwSignal::new(None::<f64>);

    let team_names = Memo::new(move |_| {
        data.snapshot.with(|snapshot| {
            snapshot.teams.iter().map(|team| team.id.0.clone()).collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        if team.with(String::is_empty) {
            if let Some(first) = team_names.with(|names| names.first().cloned()) {
                team.set(first);
            }
        }
    });
    let epics = Memo::new(move |_| {
        let name = team.get();
        let dataset = data.dataset.get();
        open_epics(&dataset, &name)
    });

    // Prepare once per team, epic or data change.
    Effect::new(move |_| {
        let name = team.get();
        let epic_key = epic.get();
        let dataset = data.dataset.get();
        let today = data.now.get_untracked().date_naive();
        if name.is_empty() {
            return;
        }
        match prepare(&dataset, &name, (!epic_key.is_empty()).then_some(epic_key.as_str()), today) {
            Ok(ready) => {
                summary.set((ready.remaining, ready.blocked, ready.calibration.clone()));
                prepared.set_value(Some(ready));
                problem.set(None);
            }
            Err(message) => {
                prepared.set_value(None);
                result.set(None);
                problem.set(Some(message));
            }
        }
        apply(prepared, scenario, result, problem, apply_ms);
    });
    // Every scenario change is one apply on the prepared baseline.
    Effect::new(move |_| {
        scenario.track();
        apply(prepared, scenario, result, problem, apply_ms);
    });

    let date_cell = move |pick: fn(&WhatIfResult) -> (NaiveDate, i32)| {
        move || {
            result.get().map(|res| {
                let (date, delta) = pick(&res);
                let delta = match delta {
                    0 => String::new(),
                    days if days > 0 => format!(" (+{days} d)"),
                    days => format!(" ({days} d)"),
                };
                format!("{}{delta}", date.format("%a %d %b %Y"))
            })
        }
    };
    let number_input = move |label: &'static str,
                             min: i32,
                             max: i32,
                             get: fn(&Scenario) -> i32,
                             set: fn(&mut Scenario, i32),
                             testid: &'static str| {
        view! {
            <label>
                <span>{label} ": " <output>{move || scenario.with(get)}</output></span>
                <input
                    type="range"
                    min=min
                    max=max
                    step="1"
                    data-testid=testid
                    prop:value=move || scenario.with(get).to_string()
                    on:input=move |ev| {
                        if let Ok(value) = event_target_value(&ev).parse::<i32>() {
                            scenario.update(|s| set(s, value));
                        }
                    }
                />
            </label>
        }
    };

    view! {
        <section class="forecast">
            <h1>"Forecast and what-if"</h1>
            <div class="controls">
                <label>
                    "Team"
                    <select
                        prop:value=move || team.get()
                        on:change=move |ev| {
                            epic.set(String::new());
                            team.set(event_target_value(&ev));
                        }
                    >
                        {move || {
                            team_names
                                .get()
                                .into_iter()
                                .map(|name| view! { <option value=name.clone()>{name.clone()}</option> })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label>
                    "Work"
                    <select prop:value=move || epic.get() on:change=move |ev| epic.set(event_target_value(&ev))>
                        <option value="">"All open work of the team"</option>
                        {move || {
                            epics
                                .get()
                                .into_iter()
                                .map(|(key, summary)| {
                                    view! { <option value=key.clone()>{format!("{key} {summary}")}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
            </div>
            {move || problem.get().map(|message| view! { <p class="empty" role="status">{message}</p> })}
            <p>
                {move || {
                    let (remaining, blocked, _) = summary.get();
                    format!("{remaining} items left, {blocked} of them blocked or flagged.")
                }}
            </p>
            <dl class="forecast-dates">
                <div>
                    <dt>"50% likely by"</dt>
                    <dd data-testid="forecast-p50">
                        {date_cell(|res| (res.scenario.dates.p50, res.delta_days.p50))}
                    </dd>
                </div>
                <div>
                    <dt>"85% likely by"</dt>
                    <dd data-testid="forecast-p85">
                        {date_cell(|res| (res.scenario.dates.p85, res.delta_days.p85))}
                    </dd>
                </div>
                <div>
                    <dt>"95% likely by"</dt>
                    <dd data-testid="forecast-p95">
                        {date_cell(|res| (res.scenario.dates.p95, res.delta_days.p95))}
                    </dd>
                </div>
            </dl>
            <p class="calibration" data-testid="forecast-calibration">
                {move || summary.get().2.unwrap_or_else(|| "No calibration yet: too little history.".to_owned())}
            </p>
            <p data-testid="target-probability">
                {move || {
                    result
                        .get()
                        .and_then(|res| {
                            res.scenario
                                .target_probability
                                .map(|p| {
                                    let base = res.baseline.target_probability.unwrap_or(p);
                                    format!(
                                        "Chance of meeting the target: {:.0}% (today's plan: {:.0}%)",
                                        p * 100.0,
                                        base * 100.0,
                                    )
                                })
                        })
                }}
            </p>
            <h2>"What if…"</h2>
            <div class="controls">
                {number_input("People added or removed", -5, 5, |s| s.people_delta, |s, v| s.people_delta = v, "whatif-people")}
                {number_input("Ramp-up of newcomers (weeks)", 0, 12, |s| s.ramp_up_weeks as i32, |s, v| s.ramp_up_weeks = v.max(0) as u32, "whatif-ramp-up")}
                {number_input("Focus on this work (%)", 10, 150, |s| s.focus_percent as i32, |s, v| s.focus_percent = v.max(0) as u32, "whatif-focus")}
                {number_input("Scope added or cut (items)", -50, 100, |s| s.scope_items, |s, v| s.scope_items = v, "whatif-scope")}
                {number_input("Stories split while in progress (%)", 0, 50, |s| s.split_rate_percent as i32, |s, v| s.split_rate_percent = v.max(0) as u32, "whatif-split")}
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="whatif-remove-blocker"
                        prop:checked=move || scenario.with(|s| s.remove_blocker)
                        on:change=move |ev| {
                            let checked = event_target_checked(&ev);
                            scenario.update(|s| s.remove_blocker = checked);
                        }
                    />
                    {format!(" Remove the blocker now (otherwise assumed to clear in {BLOCKER_CLEARS_AFTER_DAYS} days)")}
                </label>
                <label>
                    "Target date"
                    <input
                        type="date"
                        data-testid="whatif-target"
                        on:change=move |ev| {
                            let target = NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d").ok();
                            scenario.update(|s| s.target = target);
                        }
                    />
                </label>
            </div>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| scenario.set(Scenario::default())>
                    "Reset scenario"
                </button>
            </div>
            <p class="detail" data-testid="whatif-ms">
                {move || apply_ms.get().map(|ms| format!("Recomputed {TRIALS} futures in {ms:.1} ms."))}
            </p>
        </section>
    }
}

fn apply(
    prepared: StoredValue<Option<Prepared>, LocalStorage>,
    scenario: RwSignal<Scenario>,
    result: RwSignal<Option<WhatIfResult>>,
    problem: RwSignal<Option<String>>,
    apply_ms: RwSignal<Option<f64>>,
) {
    let scenario = scenario.get_untracked();
    let performance = web_sys::window().and_then(|window| window.performance());
    let started = performance.as_ref().map(web_sys::Performance::now);
    let res = prepared
        .try_update_value(|prepared| prepared.as_mut().map(|ready| ready.what_if.apply(&scenario)))
        .flatten();
    if let (Some(performance), Some(started)) = (performance, started) {
        apply_ms.set(Some(performance.now() - started));
    }
    match res {
        Some(Ok(res)) => result.set(Some(res)),
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    }
}

/// Epics of `team_name` with open children: (key, summary).
fn open_epics(dataset: &Dataset, team_name: &str) -> Vec<(String, String)> {
    let Some(team) = dataset.teams.iter().find(|team| team.id.0 == team_name) else {
        return Vec::new();
    };
    let mut keys: Vec<&IssueKey> = dataset
        .team_issues(&team.id)
        .filter(|issue| !issue.is_done())
        .filter_map(|issue| issue.epic.as_ref())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let summary = dataset.issue(key).map(|epic| epic.summary.clone()).unwrap_or_default();
            (key.0.clone(), summary)
        })
        .collect()
}

fn prepare(
    dataset: &Dataset,
    team_name: &str,
    epic: Option<&str>,
    today: NaiveDate,
) -> Result<Prepared, String> {
    let team: &Team = dataset
        .teams
        .iter()
        .find(|team| team.id.0 == team_name)
        .ok_or_else(|| format!("no team named {team_name}"))?;
    let issues: Vec<Issue> = dataset.team_issues(&team.id).cloned().collect();
    let workflow = Workflow::from_categories(&dataset.statuses);
    let options = FlowOptions::default();
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let first = yesterday.checked_sub_days(Days::new(WINDOW_DAYS - 1)).unwrap_or(yesterday);
    let range = DateRange::new(first, yesterday).ok_or("empty sample window")?;
    let daily: Vec<u32> = flow::daily_throughput(&issues, &workflow, &options, range)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let throughput = Throughput::new(daily).map_err(|err| format!("{team_name}: {err}"))?;

    let open: Vec<&Issue> = issues
        .iter()
        .filter(|issue| !issue.is_done())
        .filter(|issue| {
            epic.is_none_or(|key| issue.epic.as_ref().is_some_and(|epic| epic.0 == key))
        })
        .collect();
    let remaining = open.len() as u32;
    if remaining == 0 {
        return Err(format!("{team_name} has no open work to forecast"));
    }
    let blocked = open
        .iter()
        .filter(|issue| issue.flagged || issue.status.eq_ignore_ascii_case("blocked"))
        .count() as u32;
    let estimated: Vec<f64> =
        issues.iter().filter_map(|issue| issue.points.map(|points| points.0)).collect();
    let points_per_item =
        (!estimated.is_empty()).then(|| estimated.iter().sum::<f64>() / estimated.len() as f64);
    let forecast_options = ForecastOptions {
        trials: NonZeroU32::new(TRIALS).unwrap_or(NonZeroU32::MIN),
        seed: SEED,
        method: Method::MonteCarlo,
    };
    let baseline = Baseline {
        throughput,
        start: today,
        remaining_items: remaining,
        team_size: NonZeroU32::new(team.size.unwrap_or(DEFAULT_TEAM_SIZE))
            .unwrap_or(NonZeroU32::MIN),
        points_per_item,
        blocked: (blocked > 0)
            .then_some(Blockage { items: blocked, clears_after_days: BLOCKER_CLEARS_AFTER_DAYS }),
        options: forecast_options,
    };
    Ok(Prepared {
        what_if: WhatIf::prepare(baseline),
        remaining,
        blocked,
        calibration: calibration(&issues, &workflow, &options, today, remaining),
    })
}

/// "85% dates were met 83% of the time…" from forecasts this team's history
/// would have produced over the last half year.
fn calibration(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
    today: NaiveDate,
    remaining: u32,
) -> Option<String> {
    let first = today.checked_sub_days(Days::new(365))?;
    let range = DateRange::new(first, today.checked_sub_days(Days::new(1))?)?;
    let series: Vec<u32> = flow::daily_throughput(issues, workflow, options, range)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let backtest_options = BacktestOptions {
        lookback_days: 182,
        step_days: 14,
        forecast: ForecastOptions {
            trials: NonZeroU32::new(1_000).unwrap_or(NonZeroU32::MIN),
            seed: SEED,
            method: Method::MonteCarlo,
        },
        ..BacktestOptions::default()
    };
    let question = Question::When { items: remaining.clamp(1, 30) };
    backtest::backtest(first, &series, today, question, &backtest_options)
        .filter(|calibration| calibration.points > 0)
        .map(|calibration| calibration.sentence())
}
