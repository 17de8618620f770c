//! The value axis every chart with a y axis shares: round ticks from zero to
//! just above the largest value, the scale they imply, and their grid lines
//! and labels as one SVG string (one DOM write, little code per chart).

use std::fmt::Write;

use super::geometry::Margins;
use super::scale::{self, LinearScale};

/// A y axis from zero, ticks and all, for a chart `height` high.
#[derive(Debug, Clone, PartialEq)]
pub struct YAxis {
    /// Data value → pixel y (zero on the plot's bottom edge, the top tick on
    /// its top edge).
    pub scale: LinearScale,
    /// Round tick values, zero first.
    pub ticks: Vec<f64>,
}

impl YAxis {
    /// An axis covering `0..=max` (a non-positive or non-finite `max` counts
    /// as 1) with about `max_ticks` ticks, inside `margins`.
    pub fn new(max: f64, height: f64, margins: Margins, max_ticks: usize) -> YAxis {
        let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
        let ticks = scale::nice_ticks(0.0, max, max_ticks);
        let top = ticks.last().copied().unwrap_or(max);
        YAxis { scale: LinearScale::new((0.0, top), (height - margins.bottom, margins.top)), ticks }
    }

    /// The value of the top tick (the scale's upper end).
    pub fn top(&self) -> f64 {
        self.scale.domain.1
    }

    /// Grid lines from `left` to `right` with labels right-aligned just left
    /// of `left`, each tick a `<g class="tick">`; `label` writes a tick.
    pub fn markup(&self, left: f64, right: f64, label: impl Fn(f64) -> String) -> String {
        let mut out = String::with_capacity(self.ticks.len() * 150);
        for tick in &self.ticks {
            let y = self.scale.map(*tick);
            let _ = write!(
                out,
                "<g class=\"tick\"><line x1=\"{left:.1}\" x2=\"{right:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"></line>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text></g>",
                left - 4.0,
                y + 4.0,
                super::export::escape(&label(*tick))
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Margins = Margins { top: 10.0, right: 10.0, bottom: 20.0, left: 30.0 };

    #[test]
    fn the_axis_runs_from_zero_to_the_tick_above_the_largest_value() {
        let axis = YAxis::new(13.0, 130.0, M, 4);
        assert_eq!(axis.ticks, vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(axis.top(), 15.0);
        assert_eq!(axis.scale.map(0.0), 110.0);
        assert_eq!(axis.scale.map(15.0), 10.0);
    }

    #[test]
    fn nothing_to_draw_still_gives_an_axis_to_one() {
        for max in [0.0, -3.0, f64::NAN] {
            let axis = YAxis::new(max, 130.0, M, 4);
            assert_eq!(axis.top(), 1.0, "max {max}");
            assert_eq!(axis.ticks.first(), Some(&0.0));
        }
    }

    #[test]
    fn the_markup_draws_one_grid_line_and_label_per_tick() {
        let axis = YAxis::new(10.0, 130.0, M, 2);
        assert_eq!(axis.ticks, vec![0.0, 5.0, 10.0]);
        let markup = axis.markup(30.0, 220.0, |tick| format!("{}%", scale::tick_label(tick)));
        assert_eq!(markup.matches("<g class=\"tick\">").count(), 3);
        assert!(markup.starts_with(
            "<g class=\"tick\"><line x1=\"30.0\" x2=\"220.0\" y1=\"110.0\" y2=\"110.0\" stroke=\"#eee\"></line>\
             <text x=\"26.0\" y=\"114.0\" text-anchor=\"end\">0%</text></g>"
        ));
        assert!(markup.contains("y1=\"60.0\"") && markup.contains(">5%</text>"));
        assert!(markup.ends_with(">10%</text></g>"));
    }
}
