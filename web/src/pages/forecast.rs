//! `/forecast`: when will a team's open work (or one epic) land, at 50/85/95%
//! confidence, how well such forecasts held up before, and what if people,
//! focus, scope, splitting, a blocker or a target date changed.
//!
//! The Monte Carlo runs here, in the browser, on `director_core::whatif`:
//! the baseline is prepared once per team or epic, and each slider move only
//! applies a scenario to it, so dates follow the slider while dragging; the
//! histogram of the simulated finishing days is redrawn with them.
//!
//! Below, several epics (of any teams) get a portfolio forecast each: the
//! epics of one team share its throughput in the order they were picked
//! (`forecast::portfolio`), and "all of them" is when the last one lands.
//! The choice is in the address (`/forecast?team=Alpha&epic=PAY-1,WEB-2`).

use std::num::NonZeroU32;

use chrono::{Days, NaiveDate};
use director_core::flow::{self, DateRange, FlowOptions, Workflow};
use director_core::forecast::backtest::{self, BacktestOptions, Question};
use director_core::forecast::portfolio::{self, EpicPlan, PortfolioPlan, Span};
use director_core::forecast::{self as core_forecast, ForecastOptions, Method, Throughput};
use director_core::model::{Dataset, Issue, IssueKey, Team};
use director_core::whatif::{Baseline, Blockage, Scenario, WhatIf, WhatIfResult};
use leptos::prelude::*;
use leptos_router::hooks::query_signal_with_options;
use leptos_router::NavigateOptions;

use crate::components::charts::export::Exportable;
use crate::components::charts::histogram::{self, Histogram, HistogramData};
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

/// Epics in progress at once, at most.
const MAX_WIP: u32 = 10;

/// What the page prepared for the chosen team or epic.
struct Prepared {
    what_if: WhatIf,
    baseline_histogram: Vec<(u32, f64)>,
    remaining: u32,
    blocked: u32,
    calibration: Option<String>,
}

/// An epic that can be forecast: it has open children.
#[derive(Debug, Clone, PartialEq)]
struct EpicChoice {
    key: String,
    summary: String,
    team: Option<String>,
    open: u32,
    due: Option<NaiveDate>,
}

/// One epic's row of the multi-epic forecast.
#[derive(Debug, Clone, PartialEq)]
struct EpicRow {
    key: String,
    summary: String,
    team: String,
    items: u32,
    dates: Option<[NaiveDate; 3]>,
    deadline: Option<(NaiveDate, f64)>,
    problem: Option<String>,
}

/// The multi-epic forecast.
#[derive(Debug, Clone, PartialEq, Default)]
struct EpicsForecast {
    rows: Vec<EpicRow>,
    all: Option<[NaiveDate; 3]>,
    histogram: HistogramData,
}

/// The forecast and what-if page.
#[component]
pub fn ForecastPage() -> impl IntoView {
    let data = use_data();
    let quiet = NavigateOptions { replace: true, scroll: false, ..NavigateOptions::default() };
    let (team_query, set_team_query) = query_signal_with_options::<String>("team", quiet.clone());
    let (epic_query, set_epic_query) = query_signal_with_options::<String>("epic", quiet);
    let epic = RwSignal::new(String::new());
    let scenario = RwSignal::new(Scenario::default());
    let result = RwSignal::new(None::<WhatIfResult>);
    let problem = RwSignal::new(None::<String>);
    let prepared = StoredValue::new_local(None::<Prepared>);
    let summary = RwSignal::new((0_u32, 0_u32, None::<String>));
    let apply_ms = RwSignal::new(None::<f64>);
    let hist = RwSignal::new(HistogramData::default());
    let wip = RwSignal::new(1_u32);

    let team_names = Memo::new(move |_| {
        data.snapshot.with(|snapshot| {
            snapshot.teams.iter().map(|team| team.id.0.clone()).collect::<Vec<_>>()
        })
    });
    // The team in the address when it exists, else the first one.
    let team = Memo::new(move |_| {
        team_names.with(|names| {
            team_query
                .get()
                .filter(|name| names.contains(name))
                .or_else(|| names.first().cloned())
                .unwrap_or_default()
        })
    });
    let epics = Memo::new(move |_| {
        let name = team.get();
        let dataset = data.dataset.get();
        open_epics(&dataset, &name)
    });
    let all_epics = Memo::new(move |_| epic_choices(&data.dataset.get()));
    let picked = Memo::new(move |_| {
        epic_query
            .get()
            .map(|keys| {
                let mut res: Vec<String> = Vec::new();
                for key in keys.split(',').map(str::trim).filter(|key| !key.is_empty()) {
                    if !res.iter().any(|known| known == key) {
                        res.push(key.to_owned());
                    }
                }
                res
            })
            .unwrap_or_default()
    });
    let toggle_epic = move |key: String, on: bool| {
        let mut keys = picked.get_untracked();
        keys.retain(|known| *known != key);
        if on {
            keys.push(key);
        }
        set_epic_query.set((!keys.is_empty()).then(|| keys.join(",")));
    };
    let epics_forecast = Memo::new(move |_| {
        let keys = picked.get();
        let dataset = data.dataset.get();
        let today = data.now.get_untracked().date_naive();
        let choices = all_epics.get();
        forecast_epics(&dataset, &choices, &keys, wip.get(), today)
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
                hist.set(HistogramData::default());
                problem.set(Some(message));
            }
        }
        apply(prepared, scenario, result, problem, apply_ms, hist);
    });
    // Every scenario change is one apply on the prepared baseline.
    Effect::new(move |_| {
        scenario.track();
        apply(prepared, scenario, result, problem, apply_ms, hist);
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
                format!("{}{delta}", crate::dates::weekday_day_month_year(date))
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
                        data-testid="forecast-team"
                        prop:value=move || team.get()
                        on:change=move |ev| {
                            epic.set(String::new());
                            set_team_query.set(Some(event_target_value(&ev)));
                        }
                    >
                        {move || {
                            let chosen = team.get();
                            team_names
                                .get()
                                .into_iter()
                                .map(|name| {
                                    let selected = name == chosen;
                                    view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                                })
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
            <Exportable name="forecast-histogram">
                <Histogram
                    data=hist
                    title="Finishing day of each simulated future, with the 50%, 85% and 95% days; today's plan dashed"
                />
            </Exportable>
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
                            let target = event_target_value(&ev).parse::<NaiveDate>().ok();
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

            <h2 id="epics">"Epics"</h2>
            <p class="detail">
                "Pick one or several epics, most important first. The epics of one team share its throughput; "
                "\"all of them\" is when the last one lands."
            </p>
            <div class="controls">
                <label>
                    "Epics of one team in progress at once"
                    <input
                        type="number"
                        min="1"
                        max=MAX_WIP
                        data-testid="portfolio-wip"
                        prop:value=move || wip.get().to_string()
                        on:change=move |ev| {
                            if let Ok(value) = event_target_value(&ev).parse::<u32>() {
                                wip.set(value.clamp(1, MAX_WIP));
                            }
                        }
                    />
                </label>
            </div>
            {move || {
                let forecast = epics_forecast.get();
                if forecast.rows.is_empty() {
                    return view! { <p class="empty" data-testid="epics-empty">"No epic picked yet."</p> }.into_any();
                }
                render_epics(forecast).into_any()
            }}
            <div class="epic-picker" role="group" aria-label="Epics to forecast" data-testid="epic-picker">
                {move || {
                    let chosen = picked.get();
                    let choices = all_epics.get();
                    if choices.is_empty() {
                        return view! { <p class="empty">"No epic has open work."</p> }.into_any();
                    }
                    choices
                        .into_iter()
                        .map(|choice| {
                            let key = choice.key.clone();
                            let position = chosen.iter().position(|known| *known == key);
                            let team = choice.team.clone().unwrap_or_else(|| "no team".to_owned());
                            view! {
                                <label class="epic-option">
                                    <input
                                        type="checkbox"
                                        data-testid="epic-option"
                                        data-epic=key.clone()
                                        prop:checked=position.is_some()
                                        on:change=move |ev| toggle_epic(key.clone(), event_target_checked(&ev))
                                    />
                                    <span>
                                        {position.map(|idx| format!("{}. ", idx + 1))}
                                        <strong>{choice.key.clone()}</strong>
                                        " "
                                        {choice.summary.clone()}
                                        <span class="detail">
                                            {format!("{team} · {} open", choice.open)}
                                            {choice.due.map(|due| format!(" · due {}", crate::dates::day_month_year(due)))}
                                        </span>
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </div>
        </section>
    }
}

fn short_date(date: NaiveDate) -> String {
    crate::dates::day_month_year(date)
}

fn render_epics(forecast: EpicsForecast) -> impl IntoView {
    let rows = forecast
        .rows
        .into_iter()
        .map(|row| {
            let dates = match row.dates {
                Some([p50, p85, p95]) => view! {
                    <dl class="forecast-dates">
                        <div><dt>"50% by"</dt><dd data-testid="epic-p50">{short_date(p50)}</dd></div>
                        <div><dt>"85% by"</dt><dd data-testid="epic-p85">{short_date(p85)}</dd></div>
                        <div><dt>"95% by"</dt><dd data-testid="epic-p95">{short_date(p95)}</dd></div>
                    </dl>
                }
                .into_any(),
                None => view! { <p class="empty">{row.problem.clone().unwrap_or_default()}</p> }.into_any(),
            };
            let deadline = row.deadline.map(|(due, odds)| {
                format!(" · {:.0}% likely by its due date {}", odds * 100.0, short_date(due))
            });
            view! {
                <li class="epic-result" data-testid="epic-forecast" data-epic=row.key.clone()>
                    <h3>
                        {row.key.clone()}
                        " "
                        <span class="summary">{row.summary.clone()}</span>
                    </h3>
                    <p class="detail">
                        {format!("{} · {} open items", row.team, row.items)}
                        {deadline}
                    </p>
                    {dates}
                </li>
            }
        })
        .collect_view();
    let all = forecast.all.map(|[p50, p85, p95]| {
        view! {
            <li class="epic-result total" data-testid="epics-all">
                <h3>"All of them"</h3>
                <dl class="forecast-dates">
                    <div><dt>"50% by"</dt><dd data-testid="epics-all-p50">{short_date(p50)}</dd></div>
                    <div><dt>"85% by"</dt><dd data-testid="epics-all-p85">{short_date(p85)}</dd></div>
                    <div><dt>"95% by"</dt><dd data-testid="epics-all-p95">{short_date(p95)}</dd></div>
                </dl>
            </li>
        }
    });
    let histogram = forecast.histogram;
    view! {
        <ol class="epic-results">{rows} {all}</ol>
        <Exportable name="epics-histogram">
            <Histogram
                data=Signal::stored(histogram)
                title="Day the last picked epic lands, in each simulated future, with the 50%, 85% and 95% days"
            />
        </Exportable>
    }
}

/// Every epic with open children, by team then key. The epic's team is its
/// own, else the team most of its open children belong to.
fn epic_choices(dataset: &Dataset) -> Vec<EpicChoice> {
    use std::collections::BTreeMap;
    let mut open: BTreeMap<&str, (u32, BTreeMap<&str, u32>)> = BTreeMap::new();
    for issue in dataset.issues.iter().filter(|issue| !issue.is_done()) {
        if let Some(epic) = &issue.epic {
            let entry = open.entry(epic.as_str()).or_default();
            entry.0 += 1;
            if let Some(team) = &issue.team {
                *entry.1.entry(team.0.as_str()).or_default() += 1;
            }
        }
    }
    let by_key: std::collections::HashMap<&str, &Issue> =
        dataset.issues.iter().map(|issue| (issue.key.as_str(), issue)).collect();
    let mut res: Vec<EpicChoice> = open
        .into_iter()
        .map(|(key, (count, teams))| {
            let epic = by_key.get(key);
            let team =
                epic.and_then(|epic| epic.team.as_ref().map(|team| team.0.clone())).or_else(|| {
                    teams
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .map(|(team, _)| (*team).to_owned())
                });
            EpicChoice {
                key: key.to_owned(),
                summary: epic.map(|epic| epic.summary.clone()).unwrap_or_default(),
                team,
                open: count,
                due: epic.and_then(|epic| epic.due),
            }
        })
        .collect();
    director_core::sort::stable_by(&mut res, |a, b| a.team.cmp(&b.team).then(a.key.cmp(&b.key)));
    res
}

/// Portfolio forecasts of the picked epics, team by team, and when all are done.
fn forecast_epics(
    dataset: &Dataset,
    choices: &[EpicChoice],
    keys: &[String],
    wip: u32,
    today: NaiveDate,
) -> EpicsForecast {
    let picked: Vec<&EpicChoice> =
        keys.iter().filter_map(|key| choices.iter().find(|choice| &choice.key == key)).collect();
    let mut rows: Vec<EpicRow> = picked
        .iter()
        .map(|choice| EpicRow {
            key: choice.key.clone(),
            summary: choice.summary.clone(),
            team: choice.team.clone().unwrap_or_default(),
            items: choice.open,
            dates: None,
            deadline: None,
            problem: None,
        })
        .collect();
    let options = ForecastOptions {
        trials: NonZeroU32::new(TRIALS).unwrap_or(NonZeroU32::MIN),
        seed: SEED,
        method: Method::MonteCarlo,
    };
    let mut teams: Vec<String> = rows.iter().map(|row| row.team.clone()).collect();
    teams.dedup();
    director_core::sort::stable(&mut teams);
    teams.dedup();
    let mut team_outcomes: Vec<Vec<(u32, f64)>> = Vec::new();
    let mut complete = true;
    for team_name in teams {
        let members: Vec<usize> =
            (0..rows.len()).filter(|&idx| rows[idx].team == team_name).collect();
        let throughput = match dataset
            .teams
            .iter()
            .find(|team| team.id.0 == team_name)
            .ok_or_else(|| "no team to forecast with".to_owned())
            .and_then(|team| team_throughput(dataset, team, today))
        {
            Ok(throughput) => throughput,
            Err(message) => {
                for &idx in &members {
                    rows[idx].problem = Some(message.clone());
                }
                complete = false;
                continue;
            }
        };
        let plan = PortfolioPlan {
            epics: members
                .iter()
                .map(|&idx| EpicPlan {
                    key: IssueKey::from(rows[idx].key.as_str()),
                    remaining_items: Span::exactly(rows[idx].items),
                    split_rate_percent: Span::exactly(0),
                    deadline: picked[idx].due,
                    risks: Vec::new(),
                })
                .collect(),
            wip_limit: NonZeroU32::new(wip).unwrap_or(NonZeroU32::MIN),
            start: today,
        };
        let forecast = portfolio::forecast_portfolio(&throughput, &plan, &options);
        for (&idx, epic) in members.iter().zip(&forecast.epics) {
            rows[idx].dates = Some([epic.dates.p50, epic.dates.p85, epic.dates.p95]);
            rows[idx].deadline = epic.deadline.map(|odds| (odds.date, odds.probability));
        }
        // The team's last epic lands when all its picked items are done,
        // whatever the order: computed exactly, without sampling noise.
        let total: u32 = members.iter().map(|&idx| rows[idx].items).sum();
        let exact = ForecastOptions { method: Method::Exact, ..options };
        let all = core_forecast::when(&throughput, total, today, None, &exact);
        team_outcomes.push(all.histogram.iter().map(|bin| (bin.value, bin.probability)).collect());
    }
    let outcomes = if complete { histogram::all_done(&team_outcomes) } else { Vec::new() };
    let level = |level: f64| {
        histogram::day_at(&outcomes, level).map(|days| core_forecast::finish_date(today, days))
    };
    let all = match (level(0.5), level(0.85), level(0.95)) {
        (Some(p50), Some(p85), Some(p95)) if rows.len() > 1 => Some([p50, p85, p95]),
        _ => None,
    };
    let markers = [("50%", 0.5), ("85%", 0.85), ("95%", 0.95)]
        .into_iter()
        .filter_map(|(label, level)| {
            histogram::day_at(&outcomes, level).map(|day| (label.to_owned(), day))
        })
        .collect();
    EpicsForecast {
        rows,
        all,
        histogram: HistogramData { start: Some(today), outcomes, baseline: None, markers },
    }
}

fn apply(
    prepared: StoredValue<Option<Prepared>, LocalStorage>,
    scenario: RwSignal<Scenario>,
    result: RwSignal<Option<WhatIfResult>>,
    problem: RwSignal<Option<String>>,
    apply_ms: RwSignal<Option<f64>>,
    hist: RwSignal<HistogramData>,
) {
    let scenario = scenario.get_untracked();
    let performance = web_sys::window().and_then(|window| window.performance());
    let started = performance.as_ref().map(web_sys::Performance::now);
    let res = prepared
        .try_update_value(|prepared| {
            prepared.as_mut().map(|ready| {
                let res = ready.what_if.apply(&scenario);
                let outcomes: Vec<(u32, f64)> = ready
                    .what_if
                    .scenario_histogram()
                    .into_iter()
                    .map(|bin| (bin.value, bin.probability))
                    .collect();
                (res, outcomes, ready.baseline_histogram.clone(), ready.what_if.baseline().start)
            })
        })
        .flatten();
    if let (Some(performance), Some(started)) = (performance, started) {
        apply_ms.set(Some(performance.now() - started));
    }
    match res {
        Some((Ok(res), outcomes, baseline, start)) => {
            let mut markers = vec![
                ("50%".to_owned(), res.scenario.days.p50),
                ("85%".to_owned(), res.scenario.days.p85),
                ("95%".to_owned(), res.scenario.days.p95),
            ];
            if let Some(target) = scenario.target {
                markers.push(("target".to_owned(), core_forecast::days_until(start, target)));
            }
            hist.set(HistogramData {
                start: Some(start),
                outcomes,
                baseline: Some(baseline),
                markers,
            });
            result.set(Some(res));
        }
        Some((Err(err), ..)) => problem.set(Some(err.to_string())),
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
    director_core::sort::stable(&mut keys);
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
    let throughput = throughput_of(&issues, &workflow, &options, today)
        .map_err(|err| format!("{team_name}: {err}"))?;

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
    let what_if = WhatIf::prepare(baseline);
    let baseline_histogram =
        what_if.baseline_histogram().into_iter().map(|bin| (bin.value, bin.probability)).collect();
    Ok(Prepared {
        what_if,
        baseline_histogram,
        remaining,
        blocked,
        calibration: calibration(&issues, &workflow, &options, today, remaining),
    })
}

/// Daily throughput of `issues` over the sample window before `today`.
fn throughput_of(
    issues: &[Issue],
    workflow: &Workflow,
    options: &FlowOptions,
    today: NaiveDate,
) -> Result<Throughput, String> {
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let first = yesterday.checked_sub_days(Days::new(WINDOW_DAYS - 1)).unwrap_or(yesterday);
    let range = DateRange::new(first, yesterday).ok_or("empty sample window")?;
    let daily: Vec<u32> = flow::daily_throughput(issues, workflow, options, range)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    Throughput::new(daily).map_err(|err| err.to_string())
}

/// A team's throughput, as the team forecast samples it.
fn team_throughput(dataset: &Dataset, team: &Team, today: NaiveDate) -> Result<Throughput, String> {
    let issues: Vec<Issue> = dataset.team_issues(&team.id).cloned().collect();
    let workflow = Workflow::from_categories(&dataset.statuses);
    throughput_of(&issues, &workflow, &FlowOptions::default(), today)
        .map_err(|err| format!("{}: {err}", team.id.0))
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
