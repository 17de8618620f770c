//! Exact "when" and "how many" distributions under i.i.d. daily throughput.
//!
//! Monte Carlo draws each simulated day uniformly from the history, so the
//! model is: daily completions are independent draws from the empirical
//! distribution `p(k)` = share of history days that completed `k` items. Under
//! that model both questions have exact answers, computed here by dynamic
//! programming:
//! - **how many in `D` days** is the `D`-fold convolution of `p`;
//! - **when will `N` be done**: carry the distribution of items done after each
//!   day, capped at `N` (an absorbing state); the mass in the cap after day `d`
//!   is P(finished within `d` days).
//!
//! The answer never moves between runs and needs no seed. Monte Carlo remains
//! the cross-check (tests compare the two) and covers what this cannot: scope
//! that varies per trial, ramp-up, WIP across several epics.

use super::distribution::Pmf;

/// Probability of each daily count, from history days (`mass[k]` = P(k items)).
pub(crate) fn daily_pmf(history: &[u32]) -> Vec<(u32, f64)> {
    let max = history.iter().copied().max().unwrap_or(0) as usize;
    let mut counts = vec![0u32; max + 1];
    for &day in history {
        counts[day as usize] += 1;
    }
    let total = history.len() as f64;
    counts
        .iter()
        .enumerate()
        .filter(|(_, &count)| count > 0)
        .map(|(value, &count)| (value as u32, f64::from(count) / total))
        .collect()
}

/// Distribution of days needed to finish `remaining` items. Mass that has not
/// finished after `max_days` (below the tolerance for any sane input) is put on
/// `max_days`; the second value is that mass.
pub(crate) fn when_days(history: &[u32], remaining: u32, max_days: u32) -> (Pmf, f64) {
    let pmf = daily_pmf(history);
    if remaining == 0 {
        return (Pmf { mass: vec![1.0] }, 0.0);
    }
    let target = remaining as usize;
    // state[j] = P(j items done and not yet finished), j < target; the mass
    // lives in state[low..=high].
    let mut state = vec![0.0f64; target];
    let mut next = vec![0.0f64; target];
    state[0] = 1.0;
    let (mut low, mut high) = (0usize, 0usize);
    let max_per_day = pmf.last().map_or(0, |&(value, _)| value as usize);
    let mut by_day = vec![0.0f64];
    let mut unfinished = 1.0f64;
    for _ in 0..max_days {
        let next_high = (high + max_per_day).min(target - 1);
        next[low..=next_high].iter_mut().for_each(|mass| *mass = 0.0);
        let mut finished_today = 0.0;
        for (offset, &mass) in state[low..=high].iter().enumerate() {
            if mass == 0.0 {
                continue;
            }
            for &(count, probability) in &pmf {
                let reached = low + offset + count as usize;
                if reached >= target {
                    finished_today += mass * probability;
                } else {
                    next[reached] += mass * probability;
                }
            }
        }
        std::mem::swap(&mut state, &mut next);
        high = next_high;
        while low < high && state[low] < NEGLIGIBLE_MASS {
            state[low] = 0.0;
            low += 1;
        }
        while high > low && state[high] < NEGLIGIBLE_MASS {
            state[high] = 0.0;
            high -= 1;
        }
        by_day.push(finished_today);
        unfinished = state[low..=high].iter().sum();
        if unfinished < 1e-12 {
            break;
        }
    }
    if let Some(last) = by_day.last_mut() {
        *last += unfinished.max(0.0);
    }
    (Pmf { mass: by_day }, unfinished.max(0.0))
}

/// Mass below this at either end of the distribution is dropped as the
/// convolution proceeds, so long horizons cost time in proportion to the
/// distribution's width rather than its range. Over 36,600 days at most
/// 7e-12 of probability is lost, far below the percentile tolerance.
const NEGLIGIBLE_MASS: f64 = 1e-16;

/// Distribution of items completed in `days` days.
pub(crate) fn how_many_items(history: &[u32], days: u32) -> Pmf {
    let pmf = daily_pmf(history);
    let max_per_day = pmf.last().map_or(0, |&(value, _)| value as usize);
    let mut total = vec![0.0f64; max_per_day * days as usize + 1];
    let mut next = total.clone();
    total[0] = 1.0;
    // Mass lives in total[low..=high].
    let (mut low, mut high) = (0usize, 0usize);
    for _ in 0..days {
        next[low..=high + max_per_day].iter_mut().for_each(|mass| *mass = 0.0);
        for (offset, &mass) in total[low..=high].iter().enumerate() {
            if mass == 0.0 {
                continue;
            }
            for &(count, probability) in &pmf {
                next[low + offset + count as usize] += mass * probability;
            }
        }
        std::mem::swap(&mut total, &mut next);
        high += max_per_day;
        while low < high && total[low] < NEGLIGIBLE_MASS {
            total[low] = 0.0;
            low += 1;
        }
        while high > low && total[high] < NEGLIGIBLE_MASS {
            total[high] = 0.0;
            high -= 1;
        }
    }
    total.truncate(high + 1);
    Pmf { mass: total }
}

/// P(at least `remaining` items are completed in `days` days).
pub(crate) fn probability_at_least(history: &[u32], remaining: u32, days: u32) -> f64 {
    if remaining == 0 {
        return 1.0;
    }
    how_many_items(history, days).at_least(remaining)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn constant_throughput_gives_a_single_day() {
        let (pmf, unfinished) = when_days(&[3, 3, 3], 30, 1000);
        assert_eq!(unfinished, 0.0);
        assert_eq!(pmf.histogram().len(), 1);
        assert_eq!(pmf.histogram()[0].value, 10);
    }

    #[test]
    fn how_many_of_two_coin_days_is_binomial() {
        let pmf = how_many_items(&[0, 1], 2);
        assert_eq!(pmf.mass, vec![0.25, 0.5, 0.25]);
    }

    #[test]
    fn large_scope_stays_fast_and_finishes() {
        let (pmf, unfinished) = when_days(&[0, 1, 2, 5, 0, 3], 5_000, 36_600);
        assert!(unfinished < 1e-9);
        let mean = 5_000.0 * 6.0 / 11.0;
        assert!((pmf.mean() - mean).abs() < 0.01 * mean, "{}", pmf.mean());
    }

    #[test]
    fn long_horizons_stay_fast_and_keep_their_mass() {
        let pmf = how_many_items(&[0, 1, 2, 5, 0, 3], 3_660);
        let total: f64 = pmf.mass.iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let mean = 3_660.0 * 11.0 / 6.0;
        assert!((pmf.mean() - mean).abs() < 1e-6 * mean);
    }

    #[test]
    fn when_and_how_many_agree_on_the_deadline_probability() {
        let history = [0, 1, 2, 5, 0, 3];
        let (when, _) = when_days(&history, 20, 400);
        let how_many = how_many_items(&history, 8);
        let finished_in_eight = when.at_most(8);
        let at_least_twenty = how_many.at_least(20);
        assert!((finished_in_eight - at_least_twenty).abs() < 1e-12);
    }
}
