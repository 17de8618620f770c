//! What-if: move people, focus and scope, clear a blocker, pick a target date,
//! and see the 50/85/95 dates and the odds of the target move, fast enough to
//! rerun on every slider step in the browser.
//!
//! The model is the throughput Monte Carlo of [`crate::forecast`] with each
//! simulated day's completions scaled by the scenario's capacity:
//! - **people**: throughput scales with team size. People removed leave at
//!   once; people added ramp up linearly from nothing to full speed over the
//!   ramp-up weeks (a newcomer is at half speed halfway through).
//! - **focus %**: the share of today's capacity that goes to this work (100 =
//!   unchanged, 80 = a fifth of the time goes elsewhere).
//! - **scope**: ± items, and ± points converted at the baseline's points per
//!   item; then the **split rate** grows the whole remaining scope by that
//!   percent (stories split while work proceeds).
//! - **blocker**: the baseline may hold items waiting on a blocker that clears
//!   by itself after some days; until then the team cannot finish them.
//!   Removing the blocker makes them workable from the first day.
//!
//! Capacity is fixed-point (1/65536 of an item) and the loop is integer-only,
//! so WASM and native agree exactly. Baseline and scenario use the same trials
//! (trial `t` sees the same simulated days in both), so the delta shows the
//! scenario, not sampling noise. [`WhatIf::prepare`] does the work that does
//! not depend on the scenario (day sampler, baseline, buffers) once;
//! [`WhatIf::apply`] allocates nothing per trial.

use std::num::NonZeroU32;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::forecast::distribution::{Counts, HistogramBin, Percentiles};
use crate::forecast::monte_carlo::{DaySampler, DayStream, TrialSeeds};
use crate::forecast::{days_until, finish_date, ForecastOptions, Throughput, MAX_HORIZON_DAYS};

/// One item of capacity in fixed point.
const UNIT: u64 = 1 << 16;
/// Longest ramp-up accepted, in weeks.
pub const MAX_RAMP_UP_WEEKS: u32 = 52;

/// Items waiting on a blocker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blockage {
    /// Items that cannot be finished while the blocker stands.
    pub items: u32,
    /// Days until the blocker is expected to clear without intervention.
    pub clears_after_days: u32,
}

/// The situation today: what is left and how the team has been delivering.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Daily completed items of the sample window.
    pub throughput: Throughput,
    /// First day of forecast work.
    pub start: NaiveDate,
    /// Items left, blocked ones included.
    pub remaining_items: u32,
    /// People on the team today.
    pub team_size: NonZeroU32,
    /// Mean points per item, to turn point changes into items.
    pub points_per_item: Option<f64>,
    /// Items waiting on a blocker, if any.
    pub blocked: Option<Blockage>,
    /// Trials and seed (the method is always Monte Carlo here).
    pub options: ForecastOptions,
}

/// A change to try. `Scenario::default()` changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// People added (positive) or removed (negative).
    pub people_delta: i32,
    /// Weeks a newcomer takes to reach full speed.
    pub ramp_up_weeks: u32,
    /// Share of today's capacity spent on this work, in percent.
    pub focus_percent: u32,
    /// Items added (positive) or cut (negative).
    pub scope_items: i32,
    /// Points added or cut (needs the baseline's points per item).
    pub scope_points: f64,
    /// Growth of the remaining scope while work proceeds, in percent.
    pub split_rate_percent: u32,
    /// The blocker is removed now.
    pub remove_blocker: bool,
    /// Date to compute the odds for.
    pub target: Option<NaiveDate>,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            people_delta: 0,
            ramp_up_weeks: 0,
            focus_percent: 100,
            scope_items: 0,
            scope_points: 0.0,
            split_rate_percent: 0,
            remove_blocker: false,
            target: None,
        }
    }
}

/// Why a scenario cannot be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// Points were changed but the baseline has no points per item.
    #[error("scope change in points needs the baseline's points per item")]
    PointsWithoutEstimates,
    /// Points are not a finite number.
    #[error("scope change in points is not a finite number")]
    InvalidPoints,
    /// Ramp-up longer than [`MAX_RAMP_UP_WEEKS`].
    #[error("ramp-up of {0} weeks is longer than {MAX_RAMP_UP_WEEKS} weeks")]
    RampUpTooLong(u32),
    /// Focus above 1000%.
    #[error("focus of {0}% is above 1000%")]
    FocusTooHigh(u32),
}

/// The dates and odds of one side of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Items to finish.
    pub items: u32,
    /// Days needed, met or beaten by 50/85/95% of trials.
    pub days: Percentiles<u32>,
    /// The dates of those days.
    pub dates: Percentiles<NaiveDate>,
    /// Probability of finishing by the target date, when one was given.
    pub target_probability: Option<f64>,
    /// Share of trials not finished within the horizon (capacity near zero).
    pub unfinished: f64,
}

/// A scenario against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WhatIfResult {
    /// Today's plan.
    pub baseline: Outcome,
    /// With the scenario applied.
    pub scenario: Outcome,
    /// Scenario days − baseline days at each level (negative: earlier).
    pub delta_days: Percentiles<i32>,
    /// Scenario − baseline probability of the target.
    pub target_probability_delta: Option<f64>,
}

/// The baseline, prepared for repeated scenarios.
#[derive(Debug, Clone)]
pub struct WhatIf {
    baseline: Baseline,
    sampler: DaySampler,
    baseline_counts: Counts,
    baseline_censored: u32,
    counts: Counts,
    /// Capacity per day (fixed point) during ramp-up; the last entry holds after.
    capacity: Vec<u64>,
}

/// The capacity plan a scenario resolves to.
#[derive(Debug, Clone, Copy)]
struct Plan {
    target_units: u64,
    items: u32,
    /// Units the team may have done before the blocker clears.
    blocked_cap_units: u64,
    clear_day: u32,
    horizon: u32,
}

impl WhatIf {
    /// Precomputes the sampler and the baseline forecast.
    pub fn prepare(baseline: Baseline) -> WhatIf {
        let sampler = DaySampler::new(baseline.throughput.days());
        let mut what_if = WhatIf {
            baseline,
            sampler,
            baseline_counts: Counts::with_len(1),
            baseline_censored: 0,
            counts: Counts::with_len(1),
            capacity: Vec::new(),
        };
        let plan = what_if.plan(&Scenario::default()).unwrap_or_else(|_| what_if.fallback_plan());
        what_if.fill_capacity(&Scenario::default());
        let mut counts = Counts::with_len(plan.horizon as usize + 1);
        what_if.baseline_censored = what_if.simulate(&plan, &mut counts);
        what_if.baseline_counts = counts;
        what_if
    }

    /// The baseline this was prepared with.
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// Days needed → share of trials of today's plan.
    pub fn baseline_histogram(&self) -> Vec<HistogramBin> {
        self.baseline_counts.histogram()
    }

    /// Days needed → share of trials of the scenario last applied (empty
    /// before the first [`WhatIf::apply`]), so a chart can draw the spread
    /// behind the 50/85/95 dates without another simulation.
    pub fn scenario_histogram(&self) -> Vec<HistogramBin> {
        self.counts.histogram()
    }

    /// Applies a scenario and compares it with the baseline.
    pub fn apply(&mut self, scenario: &Scenario) -> Result<WhatIfResult, ScenarioError> {
        let plan = self.plan(scenario)?;
        let baseline_plan = self.plan(&Scenario::default())?;
        self.fill_capacity(scenario);
        let mut counts = std::mem::replace(&mut self.counts, Counts::with_len(0));
        counts.reset(plan.horizon as usize + 1);
        let censored = self.simulate(&plan, &mut counts);
        let trials = self.baseline.options.trials.get();
        let scenario_outcome = self.outcome(&counts, plan.items, censored, trials, scenario.target);
        self.counts = counts;
        let baseline_outcome = self.outcome(
            &self.baseline_counts,
            baseline_plan.items,
            self.baseline_censored,
            trials,
            scenario.target,
        );
        let delta = |scenario: u32, baseline: u32| {
            (i64::from(scenario) - i64::from(baseline))
                .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
        };
        Ok(WhatIfResult {
            baseline: baseline_outcome,
            scenario: scenario_outcome,
            delta_days: Percentiles {
                p50: delta(scenario_outcome.days.p50, baseline_outcome.days.p50),
                p85: delta(scenario_outcome.days.p85, baseline_outcome.days.p85),
                p95: delta(scenario_outcome.days.p95, baseline_outcome.days.p95),
            },
            target_probability_delta: scenario_outcome
                .target_probability
                .zip(baseline_outcome.target_probability)
                .map(|(scenario, baseline)| scenario - baseline),
        })
    }

    fn outcome(
        &self,
        counts: &Counts,
        items: u32,
        censored: u32,
        trials: u32,
        target: Option<NaiveDate>,
    ) -> Outcome {
        let days = counts.lower_percentiles();
        let start = self.baseline.start;
        Outcome {
            items,
            days,
            dates: days.map(|days| finish_date(start, days)),
            target_probability: target.map(|date| {
                let within = days_until(start, date);
                let finished = counts.at_most(within);
                // Trials counted at the horizon did not finish.
                let at_horizon_unfinished =
                    if within as usize + 1 >= counts.counts.len() { censored } else { 0 };
                f64::from(finished - at_horizon_unfinished.min(finished)) / f64::from(trials)
            }),
            unfinished: f64::from(censored) / f64::from(trials),
        }
    }

    fn fallback_plan(&self) -> Plan {
        Plan {
            target_units: u64::from(self.baseline.remaining_items) * UNIT,
            items: self.baseline.remaining_items,
            blocked_cap_units: u64::MAX,
            clear_day: 0,
            horizon: self.baseline.throughput.horizon_for(u64::from(self.baseline.remaining_items)),
        }
    }

    /// Scope, blocker and horizon of a scenario.
    fn plan(&self, scenario: &Scenario) -> Result<Plan, ScenarioError> {
        if scenario.ramp_up_weeks > MAX_RAMP_UP_WEEKS {
            return Err(ScenarioError::RampUpTooLong(scenario.ramp_up_weeks));
        }
        if scenario.focus_percent > 1000 {
            return Err(ScenarioError::FocusTooHigh(scenario.focus_percent));
        }
        if !scenario.scope_points.is_finite() {
            return Err(ScenarioError::InvalidPoints);
        }
        let points_items = if scenario.scope_points == 0.0 {
            0
        } else {
            let per_item = self
                .baseline
                .points_per_item
                .filter(|per_item| per_item.is_finite() && *per_item > 0.0)
                .ok_or(ScenarioError::PointsWithoutEstimates)?;
            (scenario.scope_points / per_item).round().clamp(-1e9, 1e9) as i64
        };
        let scoped = (i64::from(self.baseline.remaining_items)
            + i64::from(scenario.scope_items)
            + points_items)
            .max(0) as u64;
        let items = (scoped * (100 + u64::from(scenario.split_rate_percent))).div_ceil(100);
        let items = items.min(u64::from(u32::MAX)) as u32;

        let (blocked_cap_units, clear_day) = match self.baseline.blocked {
            Some(blockage) if !scenario.remove_blocker && blockage.items > 0 => {
                let workable = u64::from(items.saturating_sub(blockage.items));
                (workable * UNIT, blockage.clears_after_days)
            }
            _ => (u64::MAX, 0),
        };

        let steady = self.steady_capacity(scenario);
        let ramp_days = scenario.ramp_up_weeks * 7;
        let horizon = if steady == 0 {
            // Nothing gets done once the ramp is over: look a year past it.
            ramp_days.max(clear_day) + 366
        } else {
            let scaled_items = (u64::from(items) * UNIT).div_ceil(steady);
            self.baseline
                .throughput
                .horizon_for(scaled_items)
                .saturating_add(ramp_days)
                .saturating_add(clear_day)
        }
        .min(MAX_HORIZON_DAYS);
        Ok(Plan {
            target_units: u64::from(items) * UNIT,
            items,
            blocked_cap_units,
            clear_day,
            horizon,
        })
    }

    /// Capacity per day after any ramp-up, in fixed point (UNIT = today's team).
    fn steady_capacity(&self, scenario: &Scenario) -> u64 {
        let team = i64::from(self.baseline.team_size.get());
        let people = (team + i64::from(scenario.people_delta)).max(0) as u64;
        people * UNIT * u64::from(scenario.focus_percent) / (team as u64 * 100)
    }

    /// Fills `capacity[d]` for days `d = 1..=ramp`, the last entry lasting.
    fn fill_capacity(&mut self, scenario: &Scenario) {
        let team = u64::from(self.baseline.team_size.get());
        let focus = u64::from(scenario.focus_percent);
        let ramp_days = u64::from(scenario.ramp_up_weeks.min(MAX_RAMP_UP_WEEKS) * 7);
        let (staying, joining) = if scenario.people_delta >= 0 {
            (team, u64::from(scenario.people_delta.unsigned_abs()))
        } else {
            (team.saturating_sub(u64::from(scenario.people_delta.unsigned_abs())), 0)
        };
        self.capacity.clear();
        // Index 0 is unused (days count from 1); ramp_days + 1 is full speed.
        for day in 0..=ramp_days + 1 {
            let joined_share = (UNIT * day.min(ramp_days)).checked_div(ramp_days).unwrap_or(UNIT);
            let people_units = staying * UNIT + joining * joined_share;
            self.capacity.push(people_units * focus / (team * 100));
        }
    }

    /// Runs every trial of `plan` into `counts`; returns the unfinished trials.
    fn simulate(&self, plan: &Plan, counts: &mut Counts) -> u32 {
        let trials = self.baseline.options.trials.get();
        let mut seeds = TrialSeeds::new(self.baseline.options.seed);
        let last = self.capacity.len() - 1;
        let mut censored = 0;
        for _ in 0..trials {
            let rng = seeds.next_trial();
            if plan.target_units == 0 {
                counts.add(0);
                continue;
            }
            let mut days = DayStream::new(&self.sampler, rng);
            let mut done = 0u64;
            let mut day = 0u32;
            let finished = loop {
                if day >= plan.horizon {
                    break false;
                }
                day += 1;
                let capacity = self.capacity[(day as usize).min(last)];
                done += u64::from(days.next_day()) * capacity;
                if day < plan.clear_day && done > plan.blocked_cap_units {
                    done = plan.blocked_cap_units;
                }
                if done >= plan.target_units {
                    break true;
                }
            };
            if finished {
                counts.add(day);
            } else {
                censored += 1;
                counts.add(plan.horizon);
            }
        }
        censored
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{when, Method};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn history() -> Vec<u32> {
        vec![3, 0, 5, 2, 4, 0, 0, 3, 6, 1, 2, 4, 0, 0, 2, 3, 7, 3, 1, 0, 0, 4, 2, 5, 3, 2, 0, 0]
    }

    fn baseline(remaining: u32) -> Baseline {
        Baseline {
            throughput: Throughput::new(history()).unwrap(),
            start: date("2026-02-02"),
            remaining_items: remaining,
            team_size: NonZeroU32::new(5).unwrap(),
            points_per_item: Some(3.0),
            blocked: None,
            options: ForecastOptions {
                trials: NonZeroU32::new(2000).unwrap(),
                seed: 5,
                method: Method::MonteCarlo,
            },
        }
    }

    #[test]
    fn the_empty_scenario_matches_the_plain_forecast_and_changes_nothing() {
        let mut what_if = WhatIf::prepare(baseline(120));
        let result = what_if.apply(&Scenario::default()).unwrap();
        let plain =
            when(&baseline(120).throughput, 120, date("2026-02-02"), None, &baseline(120).options);
        assert_eq!(result.baseline.days, plain.days);
        assert_eq!(result.scenario.days, plain.days);
        assert_eq!(result.delta_days, Percentiles { p50: 0, p85: 0, p95: 0 });
    }

    #[test]
    fn histograms_hold_every_trial_behind_the_dates() {
        let mut what_if = WhatIf::prepare(baseline(120));
        assert!(what_if.scenario_histogram().is_empty());
        let plain =
            when(&baseline(120).throughput, 120, date("2026-02-02"), None, &baseline(120).options);
        assert_eq!(what_if.baseline_histogram(), plain.histogram);
        let result = what_if.apply(&Scenario { scope_items: 40, ..Scenario::default() }).unwrap();
        let bins = what_if.scenario_histogram();
        let total: f64 = bins.iter().map(|bin| bin.probability).sum();
        assert!((total - 1.0).abs() < 1e-9, "shares add up to {total}");
        let mut cumulative = 0.0;
        let p85 = bins
            .iter()
            .find(|bin| {
                cumulative += bin.probability;
                cumulative >= 0.85 - 1e-9
            })
            .map(|bin| bin.value);
        assert_eq!(p85, Some(result.scenario.days.p85));
    }

    #[test]
    fn adding_people_without_ramp_up_brings_dates_forward() {
        let mut what_if = WhatIf::prepare(baseline(120));
        let result = what_if.apply(&Scenario { people_delta: 5, ..Scenario::default() }).unwrap();
        // Twice the team: about half the days.
        let halved = f64::from(result.baseline.days.p50) / 2.0;
        assert!((f64::from(result.scenario.days.p50) - halved).abs() <= 2.0, "{result:?}");
        assert!(result.delta_days.p85 < 0);
    }

    #[test]
    fn ramp_up_makes_new_people_help_less_at_first() {
        let mut what_if = WhatIf::prepare(baseline(120));
        let instant = what_if.apply(&Scenario { people_delta: 2, ..Scenario::default() }).unwrap();
        let ramping = what_if
            .apply(&Scenario { people_delta: 2, ramp_up_weeks: 6, ..Scenario::default() })
            .unwrap();
        assert!(ramping.scenario.days.p50 > instant.scenario.days.p50);
        assert!(ramping.scenario.days.p50 <= ramping.baseline.days.p50);
    }

    #[test]
    fn less_focus_or_more_scope_never_finishes_earlier() {
        let mut what_if = WhatIf::prepare(baseline(80));
        let unfocused =
            what_if.apply(&Scenario { focus_percent: 60, ..Scenario::default() }).unwrap();
        assert!(unfocused.delta_days.p50 > 0 && unfocused.delta_days.p95 > 0);
        let more = what_if
            .apply(&Scenario {
                scope_items: 10,
                scope_points: 30.0,
                split_rate_percent: 10,
                ..Scenario::default()
            })
            .unwrap();
        // 80 + 10 + 30/3 = 100 items, grown 10%.
        assert_eq!(more.scenario.items, 110);
        assert!(more.delta_days.p50 >= 0 && more.delta_days.p85 >= 0 && more.delta_days.p95 >= 0);
    }

    #[test]
    fn removing_a_blocker_helps_when_it_would_clear_late() {
        let mut blocked = baseline(40);
        blocked.blocked = Some(Blockage { items: 15, clears_after_days: 60 });
        let mut what_if = WhatIf::prepare(blocked);
        let kept = what_if.apply(&Scenario::default()).unwrap();
        // The last 15 items wait for day 60.
        assert!(kept.baseline.days.p50 >= 60);
        let removed = what_if
            .apply(&Scenario {
                remove_blocker: true,
                target: Some(date("2026-03-15")),
                ..Scenario::default()
            })
            .unwrap();
        assert!(removed.scenario.days.p85 < kept.baseline.days.p50);
        let delta = removed.target_probability_delta.unwrap();
        assert!(delta > 0.5, "{removed:?}");
    }

    #[test]
    fn a_target_date_gets_odds_on_both_sides() {
        let mut what_if = WhatIf::prepare(baseline(100));
        let result = what_if
            .apply(&Scenario {
                people_delta: -2,
                target: Some(date("2026-03-31")),
                ..Scenario::default()
            })
            .unwrap();
        let baseline_odds = result.baseline.target_probability.unwrap();
        let scenario_odds = result.scenario.target_probability.unwrap();
        assert!(scenario_odds <= baseline_odds);
        assert!((0.0..=1.0).contains(&scenario_odds));
    }

    #[test]
    fn a_team_with_nobody_left_never_finishes() {
        let mut what_if = WhatIf::prepare(baseline(10));
        let result = what_if
            .apply(&Scenario {
                people_delta: -5,
                target: Some(date("2026-12-31")),
                ..Scenario::default()
            })
            .unwrap();
        assert_eq!(result.scenario.unfinished, 1.0);
        assert_eq!(result.scenario.target_probability, Some(0.0));
    }

    #[test]
    fn invalid_scenarios_are_errors() {
        let mut no_points = baseline(10);
        no_points.points_per_item = None;
        let mut what_if = WhatIf::prepare(no_points);
        let scenario = Scenario { scope_points: 5.0, ..Scenario::default() };
        assert_eq!(what_if.apply(&scenario), Err(ScenarioError::PointsWithoutEstimates));
        let scenario = Scenario { ramp_up_weeks: 60, ..Scenario::default() };
        assert_eq!(what_if.apply(&scenario), Err(ScenarioError::RampUpTooLong(60)));
    }

    // Snapshots are files; the browser has none (wasm_forecast covers it there).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn fixed_seed_scenario_is_reproducible() {
        let mut what_if = WhatIf::prepare(baseline(150));
        let result = what_if
            .apply(&Scenario {
                people_delta: 2,
                ramp_up_weeks: 4,
                focus_percent: 90,
                scope_items: 12,
                split_rate_percent: 5,
                target: Some(date("2026-05-01")),
                ..Scenario::default()
            })
            .unwrap();
        insta::assert_json_snapshot!("scenario_seed_5", result);
    }
}
