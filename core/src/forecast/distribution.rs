//! Turning a distribution of simulated (or exactly computed) outcomes into the
//! answers people read: 50/85/95 percentiles, histograms and probabilities.
//!
//! One rule for every percentile in the forecasts, so "p85" always means the
//! same thing: **the value met or beaten by at least that share of outcomes.**
//! For "when" questions smaller is better: p85 is the smallest day count `d`
//! such that at least 85% of trials finished within `d` days. For "how many"
//! questions larger is better: p85 is the largest count `c` such that at least
//! 85% of trials completed `c` items or more. Nearest rank, no interpolation,
//! so every percentile is an outcome that actually occurred.

use serde::{Deserialize, Serialize};

/// The three confidence levels every forecast reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Percentiles<T> {
    /// Met or beaten by at least half of the outcomes.
    pub p50: T,
    /// Met or beaten by at least 85% of the outcomes.
    pub p85: T,
    /// Met or beaten by at least 95% of the outcomes.
    pub p95: T,
}

impl<T> Percentiles<T> {
    /// Applies `f` to each level.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Percentiles<U> {
        Percentiles { p50: f(self.p50), p85: f(self.p85), p95: f(self.p95) }
    }
}

/// The levels as whole percents, in report order.
pub(crate) const LEVELS: [u32; 3] = [50, 85, 95];

/// Tolerance for exact (floating-point) cumulative probabilities, so that a
/// probability that is 0.85 in exact arithmetic but summed to 0.8499999999999
/// still counts as meeting 85%.
pub(crate) const PROBABILITY_TOLERANCE: f64 = 1e-9;

/// One bar of a histogram: how often an outcome took exactly `value`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    /// The outcome: days for "when", items for "how many", sprints for sprint forecasts.
    pub value: u32,
    /// Share of trials (or exact probability) with this outcome.
    pub probability: f64,
}

/// Outcome counts indexed by value, from a simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    /// `counts[v]` trials had outcome `v`.
    pub(crate) counts: Vec<u32>,
    /// Total trials.
    pub(crate) total: u32,
}

impl Counts {
    pub(crate) fn with_len(len: usize) -> Counts {
        Counts { counts: vec![0; len.max(1)], total: 0 }
    }

    /// Clears the counts, keeping the allocation.
    pub(crate) fn reset(&mut self, len: usize) {
        self.counts.clear();
        self.counts.resize(len.max(1), 0);
        self.total = 0;
    }

    #[inline]
    pub(crate) fn add(&mut self, value: u32) {
        let index = (value as usize).min(self.counts.len() - 1);
        self.counts[index] += 1;
        self.total += 1;
    }

    /// Smallest value met or beaten (value ≤ it) by at least `percent` of trials.
    pub(crate) fn smallest_meeting(&self, percent: u32) -> u32 {
        let needed = u64::from(self.total) * u64::from(percent);
        let mut cumulative = 0u64;
        for (value, &count) in self.counts.iter().enumerate() {
            cumulative += u64::from(count);
            if cumulative * 100 >= needed {
                return value as u32;
            }
        }
        (self.counts.len() - 1) as u32
    }

    /// Largest value met or beaten (value ≥ it) by at least `percent` of trials.
    pub(crate) fn largest_meeting(&self, percent: u32) -> u32 {
        let needed = u64::from(self.total) * u64::from(percent);
        let mut cumulative = 0u64;
        for (value, &count) in self.counts.iter().enumerate().rev() {
            cumulative += u64::from(count);
            if cumulative * 100 >= needed {
                return value as u32;
            }
        }
        0
    }

    /// Lower-is-better percentiles ("when").
    pub(crate) fn lower_percentiles(&self) -> Percentiles<u32> {
        let [p50, p85, p95] = LEVELS.map(|level| self.smallest_meeting(level));
        Percentiles { p50, p85, p95 }
    }

    /// Higher-is-better percentiles ("how many").
    pub(crate) fn upper_percentiles(&self) -> Percentiles<u32> {
        let [p50, p85, p95] = LEVELS.map(|level| self.largest_meeting(level));
        Percentiles { p50, p85, p95 }
    }

    /// Trials with an outcome of at most `value`.
    pub(crate) fn at_most(&self, value: u32) -> u32 {
        let end = (value as usize + 1).min(self.counts.len());
        self.counts[..end].iter().sum()
    }

    /// Trials with an outcome of at least `value`.
    #[cfg(test)]
    pub(crate) fn at_least(&self, value: u32) -> u32 {
        let start = (value as usize).min(self.counts.len());
        self.counts[start..].iter().sum()
    }

    /// Share of trials with an outcome of at most `value`.
    pub(crate) fn share_at_most(&self, value: u32) -> f64 {
        f64::from(self.at_most(value)) / f64::from(self.total.max(1))
    }

    /// Non-empty bars, from the smallest to the largest outcome.
    pub(crate) fn histogram(&self) -> Vec<HistogramBin> {
        let total = f64::from(self.total.max(1));
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(value, &count)| HistogramBin {
                value: value as u32,
                probability: f64::from(count) / total,
            })
            .collect()
    }
}

/// An exactly computed probability mass function over `0..len`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pmf {
    pub(crate) mass: Vec<f64>,
}

impl Pmf {
    pub(crate) fn lower_percentiles(&self) -> Percentiles<u32> {
        let [p50, p85, p95] = LEVELS.map(|level| {
            let needed = f64::from(level) / 100.0 - PROBABILITY_TOLERANCE;
            let mut cumulative = 0.0;
            for (value, &mass) in self.mass.iter().enumerate() {
                cumulative += mass;
                if cumulative >= needed {
                    return value as u32;
                }
            }
            self.mass.len().saturating_sub(1) as u32
        });
        Percentiles { p50, p85, p95 }
    }

    pub(crate) fn upper_percentiles(&self) -> Percentiles<u32> {
        let [p50, p85, p95] = LEVELS.map(|level| {
            let needed = f64::from(level) / 100.0 - PROBABILITY_TOLERANCE;
            let mut cumulative = 0.0;
            for (value, &mass) in self.mass.iter().enumerate().rev() {
                cumulative += mass;
                if cumulative >= needed {
                    return value as u32;
                }
            }
            0
        });
        Percentiles { p50, p85, p95 }
    }

    pub(crate) fn at_most(&self, value: u32) -> f64 {
        let end = (value as usize + 1).min(self.mass.len());
        self.mass[..end].iter().sum::<f64>().min(1.0)
    }

    pub(crate) fn at_least(&self, value: u32) -> f64 {
        let start = (value as usize).min(self.mass.len());
        self.mass[start..].iter().sum::<f64>().min(1.0)
    }

    /// Bars with a probability of at least one in a million.
    pub(crate) fn histogram(&self) -> Vec<HistogramBin> {
        self.mass
            .iter()
            .enumerate()
            .filter(|(_, &mass)| mass >= 1e-6)
            .map(|(value, &mass)| HistogramBin { value: value as u32, probability: mass })
            .collect()
    }

    pub(crate) fn mean(&self) -> f64 {
        self.mass.iter().enumerate().map(|(value, &mass)| value as f64 * mass).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn counts_of(values: &[u32]) -> Counts {
        let max = values.iter().copied().max().unwrap_or(0);
        let mut counts = Counts::with_len(max as usize + 1);
        for &value in values {
            counts.add(value);
        }
        counts
    }

    /// Naive oracle: sort, then take the nearest rank.
    fn sorted_rank(values: &[u32], percent: u32, lower_is_better: bool) -> u32 {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        if !lower_is_better {
            sorted.reverse();
        }
        let rank = (values.len() as u64 * u64::from(percent)).div_ceil(100).max(1);
        sorted[rank as usize - 1]
    }

    #[test]
    fn percentiles_agree_with_a_sort_based_nearest_rank() {
        let values = [5, 3, 9, 9, 1, 4, 7, 7, 7, 2, 8, 6, 10, 3, 3, 12, 0, 4, 5, 6];
        let counts = counts_of(&values);
        for percent in [1, 50, 85, 95, 100] {
            assert_eq!(counts.smallest_meeting(percent), sorted_rank(&values, percent, true));
            assert_eq!(counts.largest_meeting(percent), sorted_rank(&values, percent, false));
        }
    }

    #[test]
    fn lower_p85_is_met_by_at_least_85_percent() {
        let values: Vec<u32> = (1..=20).collect();
        let counts = counts_of(&values);
        let p85 = counts.lower_percentiles().p85;
        assert_eq!(p85, 17);
        assert!(counts.at_most(p85) * 100 >= 85 * 20);
        assert!(counts.at_most(p85 - 1) * 100 < 85 * 20);
    }

    #[test]
    fn upper_p85_is_met_by_at_least_85_percent() {
        let values: Vec<u32> = (1..=20).collect();
        let counts = counts_of(&values);
        let p85 = counts.upper_percentiles().p85;
        assert_eq!(p85, 4);
        assert!(counts.at_least(p85) * 100 >= 85 * 20);
        assert!(counts.at_least(p85 + 1) * 100 < 85 * 20);
    }

    #[test]
    fn exact_percentiles_tolerate_rounding_at_the_boundary() {
        // 0.85 summed from pieces is 0.8499999999999999 in floating point.
        let pmf = Pmf { mass: vec![0.25, 0.25, 0.35, 0.15] };
        assert_eq!(pmf.lower_percentiles(), Percentiles { p50: 1, p85: 2, p95: 3 });
        assert_eq!(pmf.upper_percentiles().p85, 0);
        assert_eq!(pmf.upper_percentiles().p50, 2);
    }
}
