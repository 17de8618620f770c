//! Descriptive statistics with one documented method.
//!
//! Percentiles use linear interpolation between closest ranks, pandas'
//! default (`Series.quantile(q, interpolation="linear")`, also NumPy's
//! `linear` method and Hyndman & Fan type 7): for sorted values
//! `x[0..n]` and a fraction `q`, the rank is `h = q · (n − 1)` and the result is
//! `x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋+1] − x[⌊h⌋])`. Empty input has no percentile:
//! functions return `None`, never NaN. See `docs/metrics.md`, "Percentiles".

use serde::{Deserialize, Serialize};

/// A percentile between 0 and 100 inclusive (85 means the 85th percentile).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percentile(f64);

impl Percentile {
    /// The 50th percentile (median).
    pub const P50: Percentile = Percentile(50.0);
    /// The 70th percentile.
    pub const P70: Percentile = Percentile(70.0);
    /// The 85th percentile.
    pub const P85: Percentile = Percentile(85.0);
    /// The 95th percentile.
    pub const P95: Percentile = Percentile(95.0);
    /// The four percentiles every summary reports.
    pub const STANDARD: [Percentile; 4] = [Self::P50, Self::P70, Self::P85, Self::P95];

    /// A percentile, or `None` outside 0..=100 or for NaN.
    pub fn new(value: f64) -> Option<Percentile> {
        (0.0..=100.0).contains(&value).then_some(Percentile(value))
    }

    /// The percentile as a number between 0 and 100.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// The `p`th percentile of already sorted, finite values (ascending).
///
/// # Examples
/// ```
/// use director_core::stats::{percentile_sorted, Percentile};
/// let days = [1.0, 2.0, 3.0, 4.0];
/// assert_eq!(percentile_sorted(&days, Percentile::P50), Some(2.5));
/// assert_eq!(percentile_sorted(&[], Percentile::P50), None);
/// ```
pub fn percentile_sorted(sorted: &[f64], p: Percentile) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = p.0 / 100.0 * last as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(last);
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

/// Percentiles of unsorted values; NaN values are ignored.
pub fn percentiles(values: &[f64], ps: &[Percentile]) -> Vec<Option<f64>> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    crate::sort::stable_by(&mut sorted, f64::total_cmp);
    ps.iter().map(|p| percentile_sorted(&sorted, *p)).collect()
}

/// Arithmetic mean; `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (n − 1 in the denominator, as pandas); `None`
/// with fewer than two values.
pub fn std_dev(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() - 1) as f64;
    Some(var.sqrt())
}

/// Least-squares slope of `values` against their index (change per step);
/// `None` with fewer than two values.
pub fn slope(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mx = (n - 1) as f64 / 2.0;
    let my = mean(values)?;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mx;
        num += dx * (y - my);
        den += dx * dx;
    }
    Some(num / den)
}

/// Count, mean and the standard percentiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of values.
    pub count: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// 50th percentile.
    pub p50: Option<f64>,
    /// 70th percentile.
    pub p70: Option<f64>,
    /// 85th percentile.
    pub p85: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

impl Summary {
    /// Summarises `values` (NaN ignored).
    pub fn of(values: &[f64]) -> Summary {
        let clean: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let p = percentiles(&clean, &Percentile::STANDARD);
        Summary {
            count: clean.len(),
            mean: mean(&clean),
            p50: p[0],
            p70: p[1],
            p85: p[2],
            p95: p[3],
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use proptest::prelude::*;

    use super::*;

    /// Tolerance for values computed with a handful of float operations.
    const TIGHT: f64 = 1e-9;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance * (1.0 + a.abs().max(b.abs()))
    }

    /// Oracle: pandas' definition written the slow, obvious way.
    fn naive(values: &[f64], q: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let pos = q * (v.len() - 1) as f64;
        let below = v[pos.floor() as usize];
        let above = v[pos.ceil() as usize];
        below + (above - below) * (pos - pos.floor())
    }

    #[test]
    fn matches_pandas_on_known_values() {
        // pandas.Series([1, 2, 3, 4, 10]).quantile([.5, .7, .85, .95]) == [3.0, 3.8, 6.4, 8.8]
        let p = percentiles(&[10.0, 1.0, 3.0, 2.0, 4.0], &Percentile::STANDARD);
        let want = [3.0, 3.8, 6.4, 8.8];
        for (got, want) in p.iter().zip(want) {
            assert!(close(got.unwrap(), want, TIGHT), "{got:?} vs {want}");
        }
    }

    #[test]
    fn empty_and_single_inputs() {
        assert_eq!(Summary::of(&[]).p50, None);
        assert_eq!(Summary::of(&[]).mean, None);
        assert_eq!(Summary::of(&[4.0]).p95, Some(4.0));
        assert_eq!(std_dev(&[4.0]), None);
        assert_eq!(Percentile::new(101.0), None);
        assert_eq!(Percentile::new(f64::NAN), None);
    }

    #[test]
    fn slope_of_a_line() {
        assert!(close(slope(&[1.0, 3.0, 5.0]).unwrap(), 2.0, TIGHT));
        assert!(close(
            std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap(),
            2.138089935299395,
            TIGHT
        ));
    }

    proptest! {
        #[test]
        fn percentiles_are_ordered_and_bounded(values in prop::collection::vec(0.0f64..1000.0, 1..200)) {
            let s = Summary::of(&values);
            let (p50, p70, p85, p95) = (s.p50.unwrap(), s.p70.unwrap(), s.p85.unwrap(), s.p95.unwrap());
            prop_assert!(p50 <= p70 && p70 <= p85 && p85 <= p95);
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(min <= p50 && p95 <= max);
        }

        #[test]
        fn percentiles_match_the_naive_oracle(values in prop::collection::vec(-50.0f64..50.0, 1..60), q in 0.0f64..=1.0) {
            let got = percentile_sorted(&{ let mut v = values.clone(); v.sort_by(f64::total_cmp); v }, Percentile::new(q * 100.0).unwrap()).unwrap();
            prop_assert!(close(got, naive(&values, q), 1e-9));
        }
    }
}
