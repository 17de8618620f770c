//! Chart geometry: SVG paths, bar rectangles and histogram bins computed from
//! plain numbers, so chart components only lay out what these return.

use super::scale::LinearScale;

/// Inner margins of a chart, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    /// Top.
    pub top: f64,
    /// Right.
    pub right: f64,
    /// Bottom (room for x labels).
    pub bottom: f64,
    /// Left (room for y labels).
    pub left: f64,
}

impl Margins {
    /// No margins (sparklines).
    pub const NONE: Margins = Margins { top: 0.0, right: 0.0, bottom: 0.0, left: 0.0 };
    /// Room for axis labels on the left and at the bottom.
    pub const AXES: Margins = Margins { top: 8.0, right: 8.0, bottom: 22.0, left: 32.0 };
}

/// A rectangle in SVG coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// An SVG path through `points` (`M x y L x y ...`), coordinates rounded to
/// 0.1 px to keep the markup small.
pub fn polyline(points: &[(f64, f64)]) -> String {
    let mut res = String::with_capacity(points.len() * 14);
    for (idx, (x, y)) in points.iter().enumerate() {
        if idx > 0 {
            res.push(' ');
        }
        res.push(if idx == 0 { 'M' } else { 'L' });
        res.push_str(&format!("{:.1} {:.1}", x, y));
    }
    res
}

/// The path of a sparkline of `values` filling `width` × `height`, with the
/// y axis starting at zero so a flat line at the bottom means "nothing".
pub fn sparkline(values: &[f64], width: f64, height: f64) -> String {
    if values.is_empty() {
        return String::new();
    }
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let x = LinearScale::new((0.0, (values.len().max(2) - 1) as f64), (1.0, width - 1.0));
    let y = LinearScale::new((0.0, if max > 0.0 { max } else { 1.0 }), (height - 1.0, 1.0));
    let points: Vec<(f64, f64)> =
        values.iter().enumerate().map(|(idx, value)| (x.map(idx as f64), y.map(*value))).collect();
    polyline(&points)
}

/// Vertical bars for `values` across the plot area of `width` × `height`
/// inside `margins`, bars separated by `gap` pixels, scaled to `y_max`.
pub fn bars(
    values: &[f64],
    width: f64,
    height: f64,
    margins: Margins,
    gap: f64,
    y_max: f64,
) -> Vec<Rect> {
    if values.is_empty() {
        return Vec::new();
    }
    let plot_width = (width - margins.left - margins.right).max(0.0);
    let slot = plot_width / values.len() as f64;
    let bar_width = (slot - gap).max(1.0);
    let y = LinearScale::new(
        (0.0, if y_max > 0.0 { y_max } else { 1.0 }),
        (height - margins.bottom, margins.top),
    );
    values
        .iter()
        .enumerate()
        .map(|(idx, value)| {
            let top = y.map(value.max(0.0));
            Rect {
                x: margins.left + idx as f64 * slot + (slot - bar_width) / 2.0,
                y: top,
                width: bar_width,
                height: (height - margins.bottom - top).max(0.0),
            }
        })
        .collect()
}

/// Side-by-side bars: for each slot, one bar per series (`series[s][slot]`),
/// all scaled to `y_max`. Returns `rects[s][slot]`.
pub fn grouped_bars(
    series: &[Vec<f64>],
    width: f64,
    height: f64,
    margins: Margins,
    gap: f64,
    y_max: f64,
) -> Vec<Vec<Rect>> {
    let n_slots = series.iter().map(Vec::len).max().unwrap_or(0);
    if n_slots == 0 || series.is_empty() {
        return Vec::new();
    }
    let plot_width = (width - margins.left - margins.right).max(0.0);
    let slot = plot_width / n_slots as f64;
    let bar_width = ((slot - gap) / series.len() as f64).max(1.0);
    let y = LinearScale::new(
        (0.0, if y_max > 0.0 { y_max } else { 1.0 }),
        (height - margins.bottom, margins.top),
    );
    series
        .iter()
        .enumerate()
        .map(|(series_idx, values)| {
            values
                .iter()
                .enumerate()
                .map(|(slot_idx, value)| {
                    let top = y.map(value.max(0.0));
                    Rect {
                        x: margins.left
                            + slot_idx as f64 * slot
                            + gap / 2.0
                            + series_idx as f64 * bar_width,
                        y: top,
                        width: bar_width,
                        height: (height - margins.bottom - top).max(0.0),
                    }
                })
                .collect()
        })
        .collect()
}

/// One histogram bin: `[start, end)` (the last bin includes its end) and its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Lower edge, inclusive.
    pub start: f64,
    /// Upper edge, exclusive except for the last bin.
    pub end: f64,
    /// Values that fell in the bin.
    pub count: usize,
}

/// Splits the range of `values` into `n_bins` equal bins and counts values;
/// non-finite values are ignored.
pub fn histogram(values: &[f64], n_bins: usize) -> Vec<Bin> {
    let finite: Vec<f64> = values.iter().copied().filter(|value| value.is_finite()).collect();
    if finite.is_empty() || n_bins == 0 {
        return Vec::new();
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = if max > min { (max - min) / n_bins as f64 } else { 1.0 };
    let mut res: Vec<Bin> = (0..n_bins)
        .map(|idx| Bin {
            start: min + idx as f64 * width,
            end: min + (idx + 1) as f64 * width,
            count: 0,
        })
        .collect();
    for value in finite {
        let idx = (((value - min) / width).floor() as usize).min(n_bins - 1);
        res[idx].count += 1;
    }
    res
}

/// Maps data points onto the plot area of `width` × `height` inside
/// `margins`, for x in `x_domain` and y in `y_domain` (y grows upwards).
pub fn scatter(
    points: &[(f64, f64)],
    x_domain: (f64, f64),
    y_domain: (f64, f64),
    width: f64,
    height: f64,
    margins: Margins,
) -> Vec<(f64, f64)> {
    let x = LinearScale::new(x_domain, (margins.left, width - margins.right));
    let y = LinearScale::new(y_domain, (height - margins.bottom, margins.top));
    points.iter().map(|(px, py)| (x.map(*px), y.map(*py))).collect()
}

/// Closed SVG paths of a cumulative-flow chart. `cumulative[stage][day]`
/// counts items that reached `stage` or a later one by `day`, so each
/// stage's band lies between its own line and the next stage's (the last
/// stage's between its line and zero). One path per stage, in stage order.
pub fn cumulative_bands(
    cumulative: &[Vec<f64>],
    width: f64,
    height: f64,
    margins: Margins,
    y_max: f64,
) -> Vec<String> {
    let n_days = cumulative.first().map_or(0, Vec::len);
    if n_days == 0 {
        return Vec::new();
    }
    let x =
        LinearScale::new((0.0, (n_days.max(2) - 1) as f64), (margins.left, width - margins.right));
    let y = LinearScale::new(
        (0.0, if y_max > 0.0 { y_max } else { 1.0 }),
        (height - margins.bottom, margins.top),
    );
    let zero = vec![0.0; n_days];
    (0..cumulative.len())
        .map(|stage| {
            let upper = &cumulative[stage];
            let lower = cumulative.get(stage + 1).unwrap_or(&zero);
            let mut points: Vec<(f64, f64)> = upper
                .iter()
                .enumerate()
                .map(|(day, value)| (x.map(day as f64), y.map(*value)))
                .collect();
            points.extend(
                lower
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(day, value)| (x.map(day as f64), y.map(*value))),
            );
            let mut path = polyline(&points);
            path.push_str(" Z");
            path
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_the_width_and_puts_the_maximum_at_the_top() {
        let path = sparkline(&[0.0, 5.0, 10.0], 100.0, 20.0);
        assert_eq!(path, "M1.0 19.0 L50.0 10.0 L99.0 1.0");
        assert_eq!(sparkline(&[], 100.0, 20.0), "");
    }

    #[test]
    fn an_all_zero_sparkline_lies_flat_on_the_bottom() {
        assert_eq!(sparkline(&[0.0, 0.0], 10.0, 10.0), "M1.0 9.0 L9.0 9.0");
    }

    #[test]
    fn bars_share_the_plot_width_and_stand_on_the_baseline() {
        let rects = bars(&[2.0, 4.0], 100.0, 50.0, Margins::NONE, 10.0, 4.0);
        assert_eq!(rects.len(), 2);
        assert_eq!(rects[0], Rect { x: 5.0, y: 25.0, width: 40.0, height: 25.0 });
        assert_eq!(rects[1], Rect { x: 55.0, y: 0.0, width: 40.0, height: 50.0 });
    }

    #[test]
    fn grouped_bars_sit_side_by_side_within_their_slot() {
        let rects =
            grouped_bars(&[vec![2.0, 4.0], vec![1.0, 0.0]], 100.0, 40.0, Margins::NONE, 10.0, 4.0);
        assert_eq!(rects.len(), 2);
        assert_eq!(rects[0][0], Rect { x: 5.0, y: 20.0, width: 20.0, height: 20.0 });
        assert_eq!(rects[1][0], Rect { x: 25.0, y: 30.0, width: 20.0, height: 10.0 });
        assert_eq!(rects[0][1].x, 55.0);
        assert_eq!(rects[1][1].height, 0.0);
    }

    #[test]
    fn negative_values_draw_no_bar_below_the_baseline() {
        let rects = bars(&[-3.0], 10.0, 10.0, Margins::NONE, 0.0, 1.0);
        assert_eq!(rects[0].height, 0.0);
    }

    #[test]
    fn histogram_counts_every_finite_value_once() {
        let values = [1.0, 2.0, 2.5, 3.0, 10.0, f64::NAN];
        let bins = histogram(&values, 3);
        assert_eq!(bins.iter().map(|bin| bin.count).sum::<usize>(), 5);
        assert_eq!(bins[0].count, 4);
        assert_eq!(bins[2].count, 1);
        assert_eq!(bins[0].start, 1.0);
        assert_eq!(bins[2].end, 10.0);
    }

    #[test]
    fn scatter_puts_the_domain_corners_on_the_plot_corners() {
        let margins = Margins { top: 5.0, right: 5.0, bottom: 10.0, left: 20.0 };
        let points =
            scatter(&[(0.0, 0.0), (10.0, 4.0)], (0.0, 10.0), (0.0, 4.0), 120.0, 60.0, margins);
        assert_eq!(points, vec![(20.0, 50.0), (115.0, 5.0)]);
    }

    #[test]
    fn cumulative_bands_stack_each_stage_on_the_next() {
        // Two stages over two days: 4 then 6 items started, 1 then 3 done.
        let bands =
            cumulative_bands(&[vec![4.0, 6.0], vec![1.0, 3.0]], 10.0, 6.0, Margins::NONE, 6.0);
        assert_eq!(bands.len(), 2);
        assert_eq!(bands[0], "M0.0 2.0 L10.0 0.0 L10.0 3.0 L0.0 5.0 Z");
        assert_eq!(bands[1], "M0.0 5.0 L10.0 3.0 L10.0 6.0 L0.0 6.0 Z");
        assert!(cumulative_bands(&[], 10.0, 6.0, Margins::NONE, 1.0).is_empty());
    }

    #[test]
    fn a_single_repeated_value_makes_one_full_bin() {
        let bins = histogram(&[4.0, 4.0], 5);
        assert_eq!(bins[0].count, 2);
    }
}
