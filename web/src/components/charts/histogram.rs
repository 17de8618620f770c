//! `Histogram`: how the simulated futures spread over finishing days, with
//! vertical lines at the 50/85/95% days (and a target date), and today's plan
//! drawn as an outline behind a what-if scenario.
//!
//! The layout is pure and tested natively: outcomes are whole days, grouped
//! into at most `max_bars` buckets of equal width so a long tail stays
//! readable on a phone; a line at day `d` stands at the right edge of day
//! `d`, so the bars left of it hold the share of futures done within `d` days.

use chrono::NaiveDate;

use super::axis::YAxis;
use super::geometry::{Margins, Rect};
use super::scale::{self, LinearScale};

/// What a histogram shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistogramData {
    /// First day of forecast work: day 1 ends on this date.
    pub start: Option<NaiveDate>,
    /// (days needed, share of futures), the outcomes drawn as bars.
    pub outcomes: Vec<(u32, f64)>,
    /// The same for today's plan, drawn as an outline when it differs.
    pub baseline: Option<Vec<(u32, f64)>>,
    /// Labelled vertical lines (label, day), such as ("85%", 34).
    pub markers: Vec<(String, u32)>,
}

/// One bar: the days it covers and the share of futures that finished then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistBar {
    /// Where it is drawn.
    pub rect: Rect,
    /// First day covered.
    pub first_day: u32,
    /// Last day covered (inclusive).
    pub last_day: u32,
    /// Share of futures finishing within these days.
    pub share: f64,
}

/// A marker line placed on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedMarker {
    /// Its label.
    pub label: String,
    /// Its day.
    pub day: u32,
    /// Horizontal position.
    pub x: f64,
    /// Row of its label (0 = top), so labels of close lines do not overlap.
    pub row: usize,
}

/// Scales and buckets shared by every series of one histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramLayout {
    /// First day of the first bucket.
    pub first_day: u32,
    /// Days per bucket.
    pub step: u32,
    /// Number of buckets.
    pub buckets: usize,
    /// Horizontal scale in days (a bucket spans `[first, first + step)`).
    pub x: LinearScale,
    /// Vertical axis in share of futures.
    pub y: YAxis,
    /// Chart width.
    pub width: f64,
    /// Chart height.
    pub height: f64,
    /// Margins around the plot area.
    pub margins: Margins,
}

/// Shares summed per bucket of `step` days starting at `first_day`.
fn bucket_shares(outcomes: &[(u32, f64)], first_day: u32, step: u32, buckets: usize) -> Vec<f64> {
    let mut res = vec![0.0; buckets];
    for &(day, share) in outcomes {
        if !share.is_finite() || share <= 0.0 || day < first_day {
            continue;
        }
        let idx = (((day - first_day) / step) as usize).min(buckets.saturating_sub(1));
        res[idx] += share;
    }
    res
}

impl HistogramLayout {
    /// A layout covering every series, or `None` when there is nothing to draw.
    pub fn new(
        series: &[&[(u32, f64)]],
        max_bars: usize,
        width: f64,
        height: f64,
        margins: Margins,
    ) -> Option<HistogramLayout> {
        let days = || series.iter().flat_map(|outcomes| outcomes.iter().map(|(day, _)| *day));
        let min = days().min()?;
        let max = days().max()?;
        let span = max - min + 1;
        let step = span.div_ceil(max_bars.max(1) as u32).max(1);
        let buckets = span.div_ceil(step) as usize;
        let tallest = series
            .iter()
            .flat_map(|outcomes| bucket_shares(outcomes, min, step, buckets))
            .fold(0.0_f64, f64::max);
        let end = min + step * buckets as u32;
        Some(HistogramLayout {
            first_day: min,
            step,
            buckets,
            x: LinearScale::new(
                (f64::from(min), f64::from(end)),
                (margins.left, width - margins.right),
            ),
            y: YAxis::new(tallest, height, margins, 4),
            width,
            height,
            margins,
        })
    }

    /// The bars of one series: one per bucket that holds any futures.
    pub fn bars(&self, outcomes: &[(u32, f64)], gap: f64) -> Vec<HistBar> {
        let baseline = self.height - self.margins.bottom;
        bucket_shares(outcomes, self.first_day, self.step, self.buckets)
            .into_iter()
            .enumerate()
            .filter(|(_, share)| *share > 0.0)
            .map(|(idx, share)| {
                let first_day = self.first_day + idx as u32 * self.step;
                let left = self.x.map(f64::from(first_day));
                let right = self.x.map(f64::from(first_day + self.step));
                let inset = (gap / 2.0).min((right - left) / 4.0);
                let top = self.y.scale.map(share);
                HistBar {
                    rect: Rect {
                        x: left + inset,
                        y: top,
                        width: (right - left - 2.0 * inset).max(0.5),
                        height: (baseline - top).max(0.0),
                    },
                    first_day,
                    last_day: first_day + self.step - 1,
                    share,
                }
            })
            .collect()
    }

    /// A stepped outline over the buckets of one series (for comparison bars).
    pub fn outline(&self, outcomes: &[(u32, f64)]) -> String {
        let shares = bucket_shares(outcomes, self.first_day, self.step, self.buckets);
        let baseline = self.height - self.margins.bottom;
        let mut points = vec![(self.x.map(f64::from(self.first_day)), baseline)];
        for (idx, share) in shares.iter().enumerate() {
            let left = self.x.map(f64::from(self.first_day + idx as u32 * self.step));
            let right = self.x.map(f64::from(self.first_day + (idx as u32 + 1) * self.step));
            let top = self.y.scale.map(*share);
            points.push((left, top));
            points.push((right, top));
        }
        points.push((
            self.x.map(f64::from(self.first_day + self.buckets as u32 * self.step)),
            baseline,
        ));
        super::geometry::polyline(&points)
    }

    /// The right edge of `day`, clamped to the plot.
    pub fn x_after_day(&self, day: u32) -> f64 {
        let (left, right) = self.x.range;
        self.x.map(f64::from(day) + 1.0).clamp(left, right)
    }

    /// Marker lines with label rows chosen so labels closer than `min_gap`
    /// pixels go on different rows.
    pub fn markers(&self, markers: &[(String, u32)], min_gap: f64) -> Vec<PlacedMarker> {
        let mut placed: Vec<PlacedMarker> = Vec::with_capacity(markers.len());
        let mut order: Vec<usize> = (0..markers.len()).collect();
        director_core::sort::stable_by_key(&mut order, |&idx| markers[idx].1);
        let mut res = vec![None; markers.len()];
        for idx in order {
            let (label, day) = &markers[idx];
            let x = self.x_after_day(*day);
            let row = (0..)
                .find(|row| {
                    placed.iter().all(|other| other.row != *row || (other.x - x).abs() >= min_gap)
                })
                .unwrap_or(0);
            let marker = PlacedMarker { label: label.clone(), day: *day, x, row };
            placed.push(marker.clone());
            res[idx] = Some(marker);
        }
        res.into_iter().flatten().collect()
    }

    /// Round day values for the x axis with their positions, at most about
    /// `max_ticks`, all inside the plot.
    pub fn x_ticks(&self, max_ticks: usize) -> Vec<(u32, f64)> {
        let first = f64::from(self.first_day);
        let last = f64::from(self.first_day + self.step * self.buckets as u32 - 1);
        scale::nice_ticks(first, last, max_ticks)
            .into_iter()
            .filter(|day| *day >= first && *day <= last && day.fract() == 0.0)
            .map(|day| (day as u32, self.x.map(day + 0.5)))
            .collect()
    }
}

/// Colours of the 50/85/95 and target lines, after the bars' blue and the
/// plan's orange.
const MARKER_COLOURS: [&str; 4] = ["#009E73", "#CC79A7", "#56B4E9", "#D55E00"];

/// The inside of the histogram's `<svg>`: grid, bars with their details,
/// today's plan as a dashed outline, the marker lines and the date axis.
/// Drawn as one string because it is redrawn on every slider step.
pub fn histogram_markup(
    data: &HistogramData,
    max_bars: usize,
    width: f64,
    height: f64,
    margins: Margins,
) -> String {
    use std::fmt::Write;

    use super::export::escape;

    let mut series: Vec<&[(u32, f64)]> = vec![&data.outcomes];
    if let Some(baseline) = &data.baseline {
        series.push(baseline);
    }
    let Some(layout) = HistogramLayout::new(&series, max_bars, width, height, margins) else {
        return format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">No forecast yet</text>",
            width / 2.0,
            height / 2.0
        );
    };
    let date_of = |day: u32| {
        data.start
            .map(|start| crate::dates::day_month(director_core::forecast::finish_date(start, day)))
    };
    let mut out = String::with_capacity(8 * 1024);
    out.push_str(&layout.y.markup(margins.left, width - margins.right, |tick| {
        format!("{}%", scale::tick_label(tick * 100.0))
    }));
    for bar in layout.bars(&data.outcomes, 2.0) {
        let days = if bar.first_day == bar.last_day {
            format!("day {}", bar.first_day)
        } else {
            format!("days {}–{}", bar.first_day, bar.last_day)
        };
        let when = date_of(bar.last_day).map(|date| format!(" (by {date})")).unwrap_or_default();
        let _ = write!(
            out,
            "<rect class=\"hist-bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" tabindex=\"0\">\
             <title>{days}{when}: {:.1}% of futures</title></rect>",
            bar.rect.x,
            bar.rect.y,
            bar.rect.width,
            bar.rect.height,
            super::PALETTE[0],
            bar.share * 100.0
        );
    }
    if let Some(baseline) = data.baseline.as_ref().filter(|baseline| **baseline != data.outcomes) {
        let _ = write!(
            out,
            "<path class=\"hist-baseline\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\">\
             <title>Today's plan</title></path>",
            layout.outline(baseline),
            super::PALETTE[1]
        );
    }
    for (idx, marker) in layout.markers(&data.markers, 34.0).into_iter().enumerate() {
        let colour = MARKER_COLOURS[idx % MARKER_COLOURS.len()];
        let label_y = margins.top - 18.0 + marker.row as f64 * 11.0;
        let when = date_of(marker.day).unwrap_or_else(|| format!("{} d", marker.day));
        let label = escape(&marker.label);
        let _ = write!(
            out,
            "<g class=\"hist-marker\" data-testid=\"histogram-marker\"><title>{label}: {when}</title>\
             <line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"></line>\
             <text x=\"{x:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\" style=\"fill:{colour};font-weight:600\">{label}</text></g>",
            label_y + 2.0,
            height - margins.bottom,
            x = marker.x,
        );
    }
    for (day, x) in layout.x_ticks(5) {
        let label = date_of(day).unwrap_or_else(|| format!("{day} d"));
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            height - 6.0
        );
    }
    out
}

/// Days needed → probability until every one of several independent
/// forecasts is done: the chance all are done within `d` days is the product
/// of each one's chance, so the combined distribution is the difference of
/// that product from day to day. Each input is (days, probability).
pub fn all_done(forecasts: &[Vec<(u32, f64)>]) -> Vec<(u32, f64)> {
    if forecasts.is_empty() || forecasts.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let mut days: Vec<u32> =
        forecasts.iter().flat_map(|forecast| forecast.iter().map(|(day, _)| *day)).collect();
    director_core::sort::stable(&mut days);
    days.dedup();
    let cumulative = |forecast: &[(u32, f64)], day: u32| -> f64 {
        forecast.iter().filter(|(d, _)| *d <= day).map(|(_, p)| p).sum::<f64>().min(1.0)
    };
    let mut previous = 0.0;
    let mut res = Vec::new();
    for day in days {
        let all: f64 = forecasts.iter().map(|forecast| cumulative(forecast, day)).product();
        if all > previous {
            res.push((day, all - previous));
            previous = all;
        }
    }
    res
}

/// The smallest day by which at least `level` (0–1) of the probability is
/// done, nearest rank as in core's forecasts; `None` for an empty input.
pub fn day_at(outcomes: &[(u32, f64)], level: f64) -> Option<u32> {
    let mut sorted: Vec<(u32, f64)> = outcomes.to_vec();
    director_core::sort::stable_by_key(&mut sorted, |(day, _)| *day);
    let mut cumulative = 0.0;
    for (day, probability) in &sorted {
        cumulative += probability;
        // Same tolerance as core: sums of shares may fall short by rounding.
        if cumulative >= level - 1e-9 {
            return Some(*day);
        }
    }
    sorted.last().map(|(day, _)| *day)
}

/// Narrowest and widest drawing, in CSS pixels.
const WIDTH_RANGE: (f64, f64) = (240.0, 1200.0);
/// Width before the frame is measured (or while it is hidden).
const UNMEASURED_WIDTH: f64 = 560.0;

/// The drawing width for a frame `measured` CSS pixels wide: its whole
/// width, so one unit of the drawing is one pixel on screen, within
/// [`WIDTH_RANGE`]; a frame not laid out yet (0) gets a laptop's width.
pub fn drawing_width(measured: f64) -> f64 {
    if !measured.is_finite() || measured <= 0.0 {
        return UNMEASURED_WIDTH;
    }
    measured.floor().clamp(WIDTH_RANGE.0, WIDTH_RANGE.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Margins = Margins { top: 10.0, right: 10.0, bottom: 20.0, left: 30.0 };

    #[test]
    fn the_drawing_takes_the_width_of_its_frame() {
        assert_eq!(drawing_width(343.0), 343.0);
        assert_eq!(drawing_width(900.6), 900.0);
        // Hidden or not laid out yet: a laptop's width until measured.
        assert_eq!(drawing_width(0.0), 560.0);
        assert_eq!(drawing_width(f64::NAN), 560.0);
        // A sliver still holds the axis labels; a wall screen stays legible.
        assert_eq!(drawing_width(120.0), 240.0);
        assert_eq!(drawing_width(3000.0), 1200.0);
    }

    #[test]
    fn a_narrow_and_a_wide_drawing_span_their_whole_width() {
        let outcomes: Vec<(u32, f64)> = (10..=30).map(|day| (day, 1.0 / 21.0)).collect();
        for width in [343.0, 1100.0] {
            let layout = HistogramLayout::new(&[&outcomes], 40, width, 220.0, M).unwrap();
            let bars = layout.bars(&outcomes, 0.0);
            assert!((bars[0].rect.x - M.left).abs() < 1e-9);
            let last = bars[bars.len() - 1].rect;
            assert!((last.x + last.width - (width - M.right)).abs() < 1e-9, "width {width}");
        }
    }

    #[test]
    fn all_done_is_never_earlier_than_any_part() {
        let a = vec![(10, 0.5), (20, 0.5)];
        let b = vec![(15, 1.0)];
        let both = all_done(&[a.clone(), b.clone()]);
        // Done by 15 only when a finished on 10: 0.5; by 20 surely.
        assert_eq!(both, vec![(15, 0.5), (20, 0.5)]);
        for level in [0.5, 0.85, 0.95] {
            let joint = day_at(&both, level).unwrap();
            assert!(joint >= day_at(&a, level).unwrap());
            assert!(joint >= day_at(&b, level).unwrap());
        }
        assert_eq!(all_done(std::slice::from_ref(&a)), a);
        assert!(all_done(&[a, Vec::new()]).is_empty());
    }

    #[test]
    fn day_at_takes_the_nearest_rank() {
        let outcomes = [(3, 0.5), (1, 0.35), (9, 0.15)];
        assert_eq!(day_at(&outcomes, 0.35), Some(1));
        assert_eq!(day_at(&outcomes, 0.5), Some(3));
        assert_eq!(day_at(&outcomes, 0.85), Some(3));
        assert_eq!(day_at(&outcomes, 0.95), Some(9));
        assert_eq!(day_at(&[], 0.5), None);
    }

    #[test]
    fn one_bar_per_day_when_the_days_fit() {
        let outcomes = [(10, 0.2), (11, 0.4), (12, 0.4)];
        let layout = HistogramLayout::new(&[&outcomes], 40, 330.0, 130.0, M).unwrap();
        assert_eq!((layout.first_day, layout.step, layout.buckets), (10, 1, 3));
        let bars = layout.bars(&outcomes, 0.0);
        assert_eq!(bars.len(), 3);
        // 290 px of plot over 3 days.
        assert!((bars[0].rect.x - 30.0).abs() < 1e-9);
        assert!((bars[2].rect.x + bars[2].rect.width - 320.0).abs() < 1e-9);
        // The tallest bars (0.4) reach the top tick (0.4); the other half way.
        assert_eq!(layout.y.top(), 0.4);
        assert!((bars[1].rect.y - 10.0).abs() < 1e-9);
        assert!((bars[0].rect.height - 50.0).abs() < 1e-9);
    }

    #[test]
    fn long_tails_are_grouped_and_keep_every_share() {
        let outcomes: Vec<(u32, f64)> = (1..=100).map(|day| (day, 0.01)).collect();
        let layout = HistogramLayout::new(&[&outcomes], 30, 560.0, 200.0, M).unwrap();
        assert!(layout.buckets <= 30);
        assert_eq!(layout.step, 4);
        let bars = layout.bars(&outcomes, 2.0);
        let total: f64 = bars.iter().map(|bar| bar.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(bars[0].first_day, 1);
        assert_eq!(bars[0].last_day, 4);
        for pair in bars.windows(2) {
            assert!(pair[0].rect.x + pair[0].rect.width <= pair[1].rect.x, "bars overlap");
        }
    }

    #[test]
    fn series_share_one_scale_so_the_scenario_and_the_plan_compare() {
        let plan = [(20, 1.0)];
        let scenario = [(10, 0.5), (12, 0.5)];
        let layout = HistogramLayout::new(&[&scenario, &plan], 40, 330.0, 130.0, M).unwrap();
        assert_eq!(layout.first_day, 10);
        assert_eq!(layout.buckets, 11);
        let outline = layout.outline(&plan);
        assert!(outline.starts_with("M30.0 110.0"));
        assert!(outline.ends_with("L320.0 110.0"));
        // The plan's lone bar reaches the top tick.
        assert!(outline.contains(" 10.0"));
    }

    #[test]
    fn a_line_at_day_d_stands_after_the_bar_of_day_d() {
        let outcomes = [(10, 0.5), (11, 0.5)];
        let layout = HistogramLayout::new(&[&outcomes], 40, 230.0, 130.0, M).unwrap();
        let bars = layout.bars(&outcomes, 0.0);
        let x = layout.x_after_day(10);
        assert!((x - (bars[0].rect.x + bars[0].rect.width)).abs() < 1e-9);
        // Lines outside the outcomes stay on the plot.
        assert_eq!(layout.x_after_day(500), 220.0);
        assert_eq!(layout.x_after_day(0), 30.0);
    }

    #[test]
    fn close_marker_labels_go_on_separate_rows() {
        let outcomes: Vec<(u32, f64)> = (1..=50).map(|day| (day, 0.02)).collect();
        let layout = HistogramLayout::new(&[&outcomes], 50, 530.0, 200.0, M).unwrap();
        let markers = vec![("50%".to_owned(), 25), ("85%".to_owned(), 26), ("95%".to_owned(), 40)];
        let placed = layout.markers(&markers, 30.0);
        assert_eq!(placed.len(), 3);
        assert_eq!(placed[0].row, 0);
        assert_eq!(placed[1].row, 1);
        assert_eq!(placed[2].row, 0);
        assert!(placed[0].x < placed[1].x && placed[1].x < placed[2].x);
    }

    #[test]
    fn x_ticks_are_round_days_inside_the_plot() {
        let outcomes: Vec<(u32, f64)> = (7..=43).map(|day| (day, 1.0 / 37.0)).collect();
        let layout = HistogramLayout::new(&[&outcomes], 40, 560.0, 200.0, M).unwrap();
        let ticks = layout.x_ticks(5);
        assert!(!ticks.is_empty());
        for (day, x) in ticks {
            assert!(day % 10 == 0, "tick at day {day}");
            assert!((30.0..=550.0).contains(&x));
        }
    }

    #[test]
    fn the_markup_holds_every_bar_line_and_the_plan() {
        let data = HistogramData {
            start: NaiveDate::from_ymd_opt(2026, 3, 2),
            outcomes: vec![(10, 0.5), (12, 0.5)],
            baseline: Some(vec![(20, 1.0)]),
            markers: vec![("50%".to_owned(), 10), ("85%".to_owned(), 12), ("<b>".to_owned(), 11)],
        };
        let markup = histogram_markup(&data, 40, 560.0, 220.0, M);
        assert_eq!(markup.matches("class=\"hist-bar\"").count(), 2);
        assert_eq!(markup.matches("data-testid=\"histogram-marker\"").count(), 3);
        assert_eq!(markup.matches("class=\"hist-baseline\"").count(), 1);
        // Day 10 from 2 March ends on 11 March.
        assert!(markup.contains("day 10 (by 11 Mar): 50.0% of futures"));
        assert!(markup.contains("&lt;b&gt;") && !markup.contains("<b>"));
        let same = HistogramData { baseline: Some(data.outcomes.clone()), ..data };
        assert!(!histogram_markup(&same, 40, 560.0, 220.0, M).contains("hist-baseline"));
        assert!(histogram_markup(&HistogramData::default(), 40, 560.0, 220.0, M)
            .contains("No forecast yet"));
    }

    #[test]
    fn nothing_to_draw_gives_no_layout() {
        assert!(HistogramLayout::new(&[&[]], 40, 100.0, 100.0, M).is_none());
    }
}

#[cfg(target_arch = "wasm32")]
pub use view::Histogram;

/// The component, in the browser only.
#[cfg(target_arch = "wasm32")]
pub mod view {
    use leptos::prelude::*;

    use super::super::export::escape;
    use super::super::geometry::Margins;
    use super::{drawing_width, histogram_markup, HistogramData};

    /// Bars at most: one per day up to this many days, wider buckets beyond.
    const MAX_BARS: usize = 40;

    /// The histogram; `data` may change on every slider step. It is drawn at
    /// the width its frame has on the page, measured when it appears and on
    /// every window resize, so its text keeps its size from a phone to a
    /// projector.
    #[component]
    pub fn Histogram(
        /// What to draw.
        #[prop(into)]
        data: Signal<HistogramData>,
        /// Accessible title.
        #[prop(into)]
        title: String,
        /// Height of the drawing.
        #[prop(default = 220.0)]
        height: f64,
    ) -> impl IntoView {
        let frame = NodeRef::<leptos::html::Div>::new();
        let width = RwSignal::new(drawing_width(0.0));
        let measure = move || {
            if let Some(frame) = frame.get_untracked() {
                let measured = drawing_width(f64::from(frame.client_width()));
                if measured != width.get_untracked() {
                    width.set(measured);
                }
            }
        };
        Effect::new(move |_| {
            if frame.get().is_some() {
                measure();
            }
        });
        let listener = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || listener.remove());
        let margins = Margins { top: 30.0, right: 12.0, bottom: 22.0, left: 36.0 };
        let heading = format!("<title>{}</title>", escape(&title));
        view! {
            <div class="histogram-frame" node_ref=frame>
                <svg
                    class="chart histogram"
                    viewBox=move || format!("0 0 {} {height}", width.get())
                    role="img"
                    aria-label=title
                    data-testid="forecast-histogram"
                    inner_html=move || {
                        let width = width.get();
                        data.with(|data| {
                            let mut markup = heading.clone();
                            markup.push_str(&histogram_markup(data, MAX_BARS, width, height, margins));
                            markup
                        })
                    }
                ></svg>
            </div>
        }
    }
}
