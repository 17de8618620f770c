//! Portfolio forecast: several epics, in priority order, sharing one team's
//! throughput under a WIP limit, as in jira-agile-metrics' progress report and
//! Focused Objective's feature cut line.
//!
//! Each trial:
//! 1. draws every epic's size: remaining items uniform in its range (a range
//!    when not all stories exist yet), grown by a split rate drawn uniformly in
//!    its percent range (backlog growth while work proceeds), plus the impact
//!    of each discrete risk event that fires (likelihood, impact range);
//! 2. runs days drawn from the team's history; each day's completed items go
//!    round-robin to the active epics, the first `wip_limit` unfinished ones in
//!    priority order, so the active epics share the team evenly and an epic
//!    that finishes frees its share for the next one in line.
//!
//! Each epic gets its 50/85/95 finish days and dates and, when it has a
//! deadline, the probability of meeting it. Buffers are allocated once per
//! forecast and reused by every trial.

use std::num::NonZeroU32;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::distribution::{Counts, Percentiles};
use super::monte_carlo::{DaySampler, DayStream, TrialSeeds};
use super::{days_until, finish_date, DeadlineOdds, ForecastOptions, Throughput, MAX_HORIZON_DAYS};
use crate::model::IssueKey;
use crate::rng::Xoshiro256StarStar;

/// An inclusive range of whole numbers, `low ≤ high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    low: u32,
    high: u32,
}

/// A range whose bounds are the wrong way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpanError {
    /// `low` is above `high`.
    #[error("range low {low} is above its high {high}")]
    Reversed {
        /// The lower bound given.
        low: u32,
        /// The upper bound given.
        high: u32,
    },
}

impl Span {
    /// The range `low..=high`.
    pub fn new(low: u32, high: u32) -> Result<Span, SpanError> {
        if low > high {
            return Err(SpanError::Reversed { low, high });
        }
        Ok(Span { low, high })
    }

    /// A single value.
    pub fn exactly(value: u32) -> Span {
        Span { low: value, high: value }
    }

    /// Lower bound.
    pub fn low(&self) -> u32 {
        self.low
    }

    /// Upper bound.
    pub fn high(&self) -> u32 {
        self.high
    }

    #[inline]
    fn draw(&self, rng: &mut Xoshiro256StarStar) -> u32 {
        if self.low == self.high {
            return self.low;
        }
        let width = self.high - self.low;
        match width.checked_add(1) {
            Some(bound) => self.low + rng.below(bound),
            None => rng.next_u64() as u32,
        }
    }
}

/// A discrete risk: with `likelihood_percent` chance it happens and adds
/// between `impact_items.low` and `impact_items.high` items to its epic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskEvent {
    /// What could happen ("payment provider changes its API").
    pub name: String,
    /// Chance it happens, 0–100.
    pub likelihood_percent: u32,
    /// Items it adds when it happens.
    pub impact_items: Span,
}

/// One epic of the portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpicPlan {
    /// The epic.
    pub key: IssueKey,
    /// Items left, as a range when not all stories exist yet.
    pub remaining_items: Span,
    /// Backlog growth while work proceeds, in percent of the drawn size.
    pub split_rate_percent: Span,
    /// Date it must land by, if any.
    pub deadline: Option<NaiveDate>,
    /// Risks that would add work.
    pub risks: Vec<RiskEvent>,
}

/// Epics in priority order (most important first) and how many run at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioPlan {
    /// Epics, highest priority first.
    pub epics: Vec<EpicPlan>,
    /// Epics worked on at the same time.
    pub wip_limit: NonZeroU32,
    /// First day of forecast work.
    pub start: NaiveDate,
}

/// One epic's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpicForecast {
    /// The epic.
    pub key: IssueKey,
    /// Days until it is done, met or beaten by 50/85/95% of trials.
    pub days: Percentiles<u32>,
    /// The dates of those days.
    pub dates: Percentiles<NaiveDate>,
    /// Mean items it took, splits and risks included.
    pub mean_items: f64,
    /// Probability of landing by its deadline.
    pub deadline: Option<DeadlineOdds>,
}

/// Forecasts of every epic, in the plan's priority order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioForecast {
    /// Simulated futures.
    pub trials: u32,
    /// Seed used.
    pub seed: u64,
    /// First day of forecast work.
    pub start: NaiveDate,
    /// One per epic, in priority order.
    pub epics: Vec<EpicForecast>,
}

/// Runs the portfolio simulation (Monte Carlo; `options.method` is not consulted).
pub fn forecast_portfolio(
    throughput: &Throughput,
    plan: &PortfolioPlan,
    options: &ForecastOptions,
) -> PortfolioForecast {
    let epic_count = plan.epics.len();
    let most_items: u64 = plan
        .epics
        .iter()
        .map(|epic| {
            let grown = u64::from(epic.remaining_items.high)
                * (100 + u64::from(epic.split_rate_percent.high))
                / 100;
            let risk: u64 = epic.risks.iter().map(|risk| u64::from(risk.impact_items.high)).sum();
            grown + 1 + risk
        })
        .sum();
    let horizon = throughput.horizon_for(most_items).min(MAX_HORIZON_DAYS);
    let sampler = DaySampler::new(throughput.days());
    let mut seeds = TrialSeeds::new(options.seed);
    let wip_limit = plan.wip_limit.get() as usize;

    let mut counts: Vec<Counts> =
        (0..epic_count).map(|_| Counts::with_len(horizon as usize + 1)).collect();
    let mut item_totals = vec![0u64; epic_count];
    let mut left = vec![0u64; epic_count];
    let mut active: Vec<usize> = Vec::with_capacity(wip_limit);
    let trials = options.trials.get();

    for _ in 0..trials {
        let mut rng = seeds.next_trial();
        for (epic_index, epic) in plan.epics.iter().enumerate() {
            let size = u64::from(epic.remaining_items.draw(&mut rng));
            let split = u64::from(epic.split_rate_percent.draw(&mut rng));
            let mut items = (size * (100 + split)).div_ceil(100);
            for risk in &epic.risks {
                if rng.below(100) < risk.likelihood_percent {
                    items += u64::from(risk.impact_items.draw(&mut rng));
                }
            }
            left[epic_index] = items;
            item_totals[epic_index] += items;
            if items == 0 {
                counts[epic_index].add(0);
            }
        }
        let mut next_in_line = 0usize;
        active.clear();
        refill(&mut active, &mut next_in_line, &left, wip_limit);
        let mut days = DayStream::new(&sampler, rng);
        let mut turn = 0usize;
        let mut day = 0u32;
        while !active.is_empty() && day < horizon {
            day += 1;
            let mut completed = days.next_day();
            while completed > 0 && !active.is_empty() {
                if turn >= active.len() {
                    turn = 0;
                }
                let epic_index = active[turn];
                left[epic_index] -= 1;
                completed -= 1;
                if left[epic_index] == 0 {
                    counts[epic_index].add(day);
                    active.remove(turn);
                    refill(&mut active, &mut next_in_line, &left, wip_limit);
                } else {
                    turn += 1;
                }
            }
        }
        // Anything still open ran past the horizon.
        for (epic_index, &items) in left.iter().enumerate() {
            if items > 0 {
                counts[epic_index].add(horizon);
            }
        }
    }

    let epics = plan
        .epics
        .iter()
        .zip(&counts)
        .zip(&item_totals)
        .map(|((epic, counts), &items)| {
            let days = counts.lower_percentiles();
            EpicForecast {
                key: epic.key.clone(),
                days,
                dates: days.map(|days| finish_date(plan.start, days)),
                mean_items: items as f64 / f64::from(trials),
                deadline: epic.deadline.map(|date| DeadlineOdds {
                    date,
                    probability: counts.share_at_most(days_until(plan.start, date)),
                }),
            }
        })
        .collect();
    PortfolioForecast { trials, seed: options.seed, start: plan.start, epics }
}

/// Tops the active set up to the WIP limit with the next unfinished epics in
/// priority order (epics of size zero are already done and skipped).
fn refill(active: &mut Vec<usize>, next_in_line: &mut usize, left: &[u64], wip_limit: usize) {
    while active.len() < wip_limit && *next_in_line < left.len() {
        if left[*next_in_line] > 0 {
            active.push(*next_in_line);
        }
        *next_in_line += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn epic(key: &str, items: u32) -> EpicPlan {
        EpicPlan {
            key: IssueKey::from(key),
            remaining_items: Span::exactly(items),
            split_rate_percent: Span::exactly(0),
            deadline: None,
            risks: Vec::new(),
        }
    }

    fn plan(epics: Vec<EpicPlan>, wip_limit: u32) -> PortfolioPlan {
        PortfolioPlan {
            epics,
            wip_limit: NonZeroU32::new(wip_limit).unwrap(),
            start: date("2026-03-02"),
        }
    }

    #[test]
    fn one_at_a_time_epics_finish_in_sequence_at_constant_throughput() {
        let throughput = Throughput::new(vec![2, 2, 2]).unwrap();
        let forecast = forecast_portfolio(
            &throughput,
            &plan(vec![epic("A-1", 10), epic("A-2", 6)], 1),
            &ForecastOptions::default(),
        );
        assert_eq!(forecast.epics[0].days.p85, 5);
        assert_eq!(forecast.epics[1].days.p85, 8);
        assert_eq!(forecast.epics[1].dates.p85, date("2026-03-09"));
    }

    #[test]
    fn sharing_the_team_delays_the_top_epic_and_speeds_the_next() {
        let throughput = Throughput::new(vec![2, 2, 2]).unwrap();
        let epics = vec![epic("A-1", 10), epic("A-2", 10)];
        let serial =
            forecast_portfolio(&throughput, &plan(epics.clone(), 1), &ForecastOptions::default());
        let shared = forecast_portfolio(&throughput, &plan(epics, 2), &ForecastOptions::default());
        assert!(shared.epics[0].days.p50 > serial.epics[0].days.p50);
        assert_eq!(shared.epics[1].days.p50, serial.epics[1].days.p50);
    }

    #[test]
    fn a_certain_risk_adds_its_impact() {
        let throughput = Throughput::new(vec![1]).unwrap();
        let mut risky = epic("A-1", 10);
        risky.risks.push(RiskEvent {
            name: "vendor API change".to_owned(),
            likelihood_percent: 100,
            impact_items: Span::exactly(5),
        });
        let forecast =
            forecast_portfolio(&throughput, &plan(vec![risky], 1), &ForecastOptions::default());
        assert_eq!(forecast.epics[0].days.p50, 15);
        assert_eq!(forecast.epics[0].mean_items, 15.0);
    }

    #[test]
    fn split_rate_grows_the_backlog() {
        let throughput = Throughput::new(vec![1]).unwrap();
        let mut growing = epic("A-1", 10);
        growing.split_rate_percent = Span::new(50, 50).unwrap();
        growing.deadline = Some(date("2026-03-13"));
        let forecast =
            forecast_portfolio(&throughput, &plan(vec![growing], 1), &ForecastOptions::default());
        assert_eq!(forecast.epics[0].days.p50, 15);
        // 12 days to the deadline, 15 needed.
        assert_eq!(forecast.epics[0].deadline.unwrap().probability, 0.0);
    }

    #[test]
    fn size_ranges_spread_the_dates() {
        let throughput = Throughput::new(vec![3]).unwrap();
        let mut uncertain = epic("A-1", 0);
        uncertain.remaining_items = Span::new(30, 60).unwrap();
        let forecast =
            forecast_portfolio(&throughput, &plan(vec![uncertain], 1), &ForecastOptions::default());
        let days = forecast.epics[0].days;
        assert!(days.p50 > 10 && days.p95 <= 20 && days.p50 < days.p95);
    }

    #[test]
    fn reversed_ranges_are_rejected() {
        assert_eq!(Span::new(5, 3), Err(SpanError::Reversed { low: 5, high: 3 }));
    }
}
