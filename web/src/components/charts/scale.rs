//! Scales and ticks: the pure arithmetic behind every chart, tested natively.
//!
//! A [`LinearScale`] maps a data domain onto a pixel range; [`nice_ticks`]
//! picks round tick values (1, 2 or 5 times a power of ten) covering a domain.

/// A linear map from a data domain onto a pixel range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScale {
    /// Data interval (`start`, `end`).
    pub domain: (f64, f64),
    /// Pixel interval; may be reversed (SVG's y axis grows downwards).
    pub range: (f64, f64),
}

impl LinearScale {
    /// A scale from `domain` onto `range`.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> LinearScale {
        LinearScale { domain, range }
    }

    /// The pixel position of `value`; a collapsed domain maps to the range's middle.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (d1 - d0).abs() < f64::EPSILON {
            return (r0 + r1) / 2.0;
        }
        r0 + (value - d0) / (d1 - d0) * (r1 - r0)
    }

    /// The data value at pixel `position` (for hover and tap details).
    pub fn invert(&self, position: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (r1 - r0).abs() < f64::EPSILON {
            return d0;
        }
        d0 + (position - r0) / (r1 - r0) * (d1 - d0)
    }
}

/// Round tick values covering `[min, max]` with at most about `max_ticks`
/// ticks; the first tick is ≤ `min` and the last ≥ `max`.
pub fn nice_ticks(min: f64, max: f64, max_ticks: usize) -> Vec<f64> {
    if !min.is_finite() || !max.is_finite() || max_ticks == 0 {
        return Vec::new();
    }
    let (min, max) = if min <= max { (min, max) } else { (max, min) };
    let span = if (max - min).abs() < f64::EPSILON { min.abs().max(1.0) } else { max - min };
    let step = nice_step(span / max_ticks.max(1) as f64);
    let start = (min / step).floor() * step;
    let end = (max / step).ceil() * step;
    let end = if end - start < step / 2.0 { start + step } else { end };
    let n_steps = ((end - start) / step).round() as usize;
    (0..=n_steps).map(|idx| round_to_step(start + idx as f64 * step, step)).collect()
}

/// The smallest of 1, 2, 5 × 10^k that is ≥ `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Removes float noise such as 0.30000000000000004 from a tick.
fn round_to_step(value: f64, step: f64) -> f64 {
    let decimals = (-step.log10().floor()).max(0.0) as i32;
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

/// A tick label: integers without decimals, others with one.
pub fn tick_label(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_scale_maps_and_inverts_including_a_flipped_range() {
        let scale = LinearScale::new((0.0, 10.0), (100.0, 0.0));
        assert_eq!(scale.map(0.0), 100.0);
        assert_eq!(scale.map(10.0), 0.0);
        assert_eq!(scale.map(2.5), 75.0);
        assert_eq!(scale.invert(75.0), 2.5);
    }

    #[test]
    fn a_collapsed_domain_maps_to_the_middle_instead_of_nan() {
        let scale = LinearScale::new((3.0, 3.0), (0.0, 50.0));
        assert_eq!(scale.map(3.0), 25.0);
    }

    #[test]
    fn ticks_are_round_and_cover_the_domain() {
        assert_eq!(nice_ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(3.0, 97.0, 4), vec![0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(0.1, 0.9, 4), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        let ticks = nice_ticks(-7.0, 13.0, 5);
        assert!(ticks[0] <= -7.0 && *ticks.last().unwrap() >= 13.0);
    }

    #[test]
    fn degenerate_domains_still_give_ticks() {
        assert!(nice_ticks(5.0, 5.0, 5).len() >= 2);
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
        assert_eq!(nice_ticks(10.0, 0.0, 5), nice_ticks(0.0, 10.0, 5));
    }

    #[test]
    fn nice_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(34.0), 50.0);
        assert_eq!(nice_step(600.0), 1000.0);
    }

    #[test]
    fn tick_labels_drop_needless_decimals() {
        assert_eq!(tick_label(4.0), "4");
        assert_eq!(tick_label(0.5), "0.5");
    }
}
