//! `BurnupChart`: the current sprint's scope and completed items per day, with
//! a forecast cone from today to the sprint's end.
//!
//! Three pure layers, tested natively: [`sprint_series`] counts scope and
//! completed items per day from issue histories; [`forecast_cone`] asks
//! `director_core::forecast` how many more items each remaining day brings at
//! 50/85/95%; [`layout`] turns both into SVG paths. The component only lays out
//! what `layout` returns.

use chrono::{DateTime, Days, NaiveDate, Utc};
use director_core::forecast::{self, ForecastOptions, Method, Percentiles, Throughput};
use director_core::model::{Issue, Sprint, SprintId};

use super::geometry::{self, Margins};
use super::scale::{self, LinearScale};

/// Scope and completed items of one sprint, one value per day from its first
/// day through today (or its last day, if that came first).
#[derive(Debug, Clone, PartialEq)]
pub struct SprintSeries {
    /// First day of the sprint.
    pub start: NaiveDate,
    /// Last planned day of the sprint.
    pub end: NaiveDate,
    /// Items in the sprint at the end of each day.
    pub scope: Vec<u32>,
    /// Of those, items done by the end of each day.
    pub done: Vec<u32>,
}

impl SprintSeries {
    /// Days from the first to the last planned day, both included.
    pub fn length_days(&self) -> u32 {
        ((self.end - self.start).num_days() + 1).max(1) as u32
    }

    /// Days left after the last observed day.
    pub fn days_left(&self) -> u32 {
        self.length_days().saturating_sub(self.scope.len() as u32)
    }

    /// Items in the sprint and not done on the last observed day.
    pub fn remaining(&self) -> u32 {
        let scope = self.scope.last().copied().unwrap_or(0);
        scope.saturating_sub(self.done.last().copied().unwrap_or(0))
    }
}

/// True when `issue` was in sprint `id` at `at`, read from its sprint history
/// (the field before the first change, else after the last change up to `at`).
pub fn in_sprint_at(issue: &Issue, id: SprintId, at: DateTime<Utc>) -> bool {
    if issue.created > at {
        return false;
    }
    match issue.sprint_history.iter().rev().find(|change| change.at <= at) {
        Some(change) => change.to.contains(&id),
        None => match issue.sprint_history.first() {
            Some(first) => first.from.contains(&id),
            None => issue.sprints.contains(&id),
        },
    }
}

/// Per-day scope and completed counts of `sprint` from `issues`, through
/// `today`. `None` for a sprint without dates or not started by `today`.
pub fn sprint_series<'a>(
    issues: impl IntoIterator<Item = &'a Issue>,
    sprint: &Sprint,
    today: NaiveDate,
) -> Option<SprintSeries> {
    let start = sprint.start?.date_naive();
    let end = sprint.end?.date_naive().max(start);
    if today < start {
        return None;
    }
    let last = today.min(end);
    let n_days = (last - start).num_days() as usize + 1;
    let mut scope = vec![0u32; n_days];
    let mut done = vec![0u32; n_days];
    // Only issues ever in the sprint can count on any day.
    let candidates: Vec<&Issue> = issues
        .into_iter()
        .filter(|issue| {
            issue.sprints.contains(&sprint.id)
                || issue.sprint_history.iter().any(|change| {
                    change.to.contains(&sprint.id) || change.from.contains(&sprint.id)
                })
        })
        .collect();
    for (idx, day) in start.iter_days().take(n_days).enumerate() {
        let Some(end_of_day) = day.and_hms_opt(23, 59, 59).map(|at| at.and_utc()) else {
            continue;
        };
        for issue in &candidates {
            if !in_sprint_at(issue, sprint.id, end_of_day) {
                continue;
            }
            scope[idx] += 1;
            if issue.is_done() && issue.resolved.is_some_and(|resolved| resolved <= end_of_day) {
                done[idx] += 1;
            }
        }
    }
    Some(SprintSeries { start, end, scope, done })
}

/// Items done by the end of each remaining day, at 50/85/95% (each level met
/// or beaten by that share of outcomes), computed exactly from `daily`
/// throughput starting the day after `today`. `done_now` is added, so the
/// values sit on the burn-up's scale.
pub fn forecast_cone(
    daily: &Throughput,
    done_now: u32,
    today: NaiveDate,
    days_left: u32,
) -> Vec<Percentiles<u32>> {
    let Some(first) = today.checked_add_days(Days::new(1)) else { return Vec::new() };
    let options = ForecastOptions { method: Method::Exact, ..ForecastOptions::default() };
    (0..days_left)
        .filter_map(|offset| {
            let end = first.checked_add_days(Days::new(u64::from(offset)))?;
            let forecast = forecast::how_many(daily, first, end, &options);
            Some(forecast.items.map(|items| items.saturating_add(done_now)))
        })
        .collect()
}

/// The burn-up drawn in a `width` × `height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnupLayout {
    /// Path of the scope line.
    pub scope: String,
    /// Path of the completed line.
    pub done: String,
    /// Closed path of the cone between the 95% and 50% lines (empty without a cone).
    pub cone: String,
    /// Paths of the 50%, 85% and 95% lines of the cone.
    pub cone_lines: Percentiles<String>,
    /// X of today's marker.
    pub today_x: f64,
    /// Y axis ticks: (pixel y, label).
    pub y_ticks: Vec<(f64, String)>,
    /// X axis labels: (pixel x, label), first day, today and last day.
    pub x_labels: Vec<(f64, String)>,
}

/// Lays out `series` and its `cone` (one entry per day after the observed ones).
pub fn layout(
    series: &SprintSeries,
    cone: &[Percentiles<u32>],
    width: f64,
    height: f64,
    margins: Margins,
) -> BurnupLayout {
    let length = series.length_days();
    let y_max = series
        .scope
        .iter()
        .chain(&series.done)
        .chain(cone.iter().map(|levels| &levels.p50))
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let ticks = scale::nice_ticks(0.0, f64::from(y_max), 4);
    let y_top = ticks.last().copied().unwrap_or(f64::from(y_max));
    // Day i is drawn at its end, so day 0 sits one step right of the axis and
    // the sprint's last day at the right edge.
    let x = LinearScale::new((0.0, f64::from(length)), (margins.left, width - margins.right));
    let y = LinearScale::new((0.0, y_top), (height - margins.bottom, margins.top));
    let line = |values: &[u32]| {
        let mut points = vec![(x.map(0.0), y.map(0.0))];
        points.extend(
            values
                .iter()
                .enumerate()
                .map(|(idx, value)| (x.map(idx as f64 + 1.0), y.map(f64::from(*value)))),
        );
        geometry::polyline(&points)
    };
    let observed = series.scope.len();
    let today_x = x.map(observed as f64);
    let done_now = series.done.last().copied().unwrap_or(0);
    let cone_level = |pick: fn(&Percentiles<u32>) -> u32| -> Vec<(f64, f64)> {
        let mut points = vec![(today_x, y.map(f64::from(done_now)))];
        points.extend(cone.iter().enumerate().map(|(idx, levels)| {
            (x.map((observed + idx + 1) as f64), y.map(f64::from(pick(levels))))
        }));
        points
    };
    let (cone_path, cone_lines) = if cone.is_empty() {
        (String::new(), Percentiles::default())
    } else {
        let high = cone_level(|levels| levels.p50);
        let low = cone_level(|levels| levels.p95);
        let mut outline = high.clone();
        outline.extend(low.iter().rev());
        let mut path = geometry::polyline(&outline);
        path.push_str(" Z");
        (
            path,
            Percentiles {
                p50: geometry::polyline(&high),
                p85: geometry::polyline(&cone_level(|levels| levels.p85)),
                p95: geometry::polyline(&low),
            },
        )
    };
    let y_ticks = ticks.into_iter().map(|tick| (y.map(tick), scale::tick_label(tick))).collect();
    let label = |day: NaiveDate| day.format("%d %b").to_string();
    let mut x_labels = vec![(x.map(0.0), label(series.start))];
    if observed > 0 && (observed as u32) < length {
        if let Some(today) = series.start.checked_add_days(Days::new(observed as u64 - 1)) {
            x_labels.push((today_x, format!("today {}", label(today))));
        }
    }
    x_labels.push((x.map(f64::from(length)), label(series.end)));
    BurnupLayout {
        scope: line(&series.scope),
        done: line(&series.done),
        cone: cone_path,
        cone_lines,
        today_x,
        y_ticks,
        x_labels,
    }
}

/// The chart component (browser only: Leptos is not a native dependency).
#[cfg(target_arch = "wasm32")]
pub mod view {
    use leptos::prelude::*;

    use super::super::geometry::Margins;
    use super::super::PALETTE;
    use super::{layout, Percentiles, SprintSeries};

    /// A sprint burn-up with its forecast cone and a legend.
    #[component]
    pub fn BurnupChart(
        /// Observed scope and completed items per day.
        series: SprintSeries,
        /// Forecast of completed items for each remaining day.
        cone: Vec<Percentiles<u32>>,
        /// Accessible title.
        #[prop(into)]
        title: String,
        /// Width of the drawing.
        #[prop(default = 560.0)]
        width: f64,
        /// Height of the drawing.
        #[prop(default = 220.0)]
        height: f64,
    ) -> impl IntoView {
        let margins = Margins { right: 24.0, ..Margins::AXES };
        let drawn = layout(&series, &cone, width, height, margins);
        let has_cone = !drawn.cone.is_empty();
        let ticks = drawn
            .y_ticks
            .into_iter()
            .map(|(ty, text)| {
                view! {
                    <g class="tick">
                        <line x1=margins.left x2=width - margins.right y1=ty y2=ty stroke="#eee"></line>
                        <text x=margins.left - 4.0 y=ty + 4.0 text-anchor="end">{text}</text>
                    </g>
                }
            })
            .collect_view();
        let n_labels = drawn.x_labels.len();
        let x_labels = drawn
            .x_labels
            .into_iter()
            .enumerate()
            .map(|(idx, (tx, text))| {
                let anchor = if idx == 0 {
                    "start"
                } else if idx + 1 == n_labels {
                    "end"
                } else {
                    "middle"
                };
                view! { <text x=tx y=height - 6.0 text-anchor=anchor>{text}</text> }
            })
            .collect_view();
        let cone_view = has_cone.then(|| {
            view! {
                <g data-testid="burnup-cone">
                    <path d=drawn.cone fill=PALETTE[4] fill-opacity="0.3" stroke="none">
                        <title>"Forecast: items done by each remaining day, 50% to 95% likely"</title>
                    </path>
                    <path d=drawn.cone_lines.p50 fill="none" stroke=PALETTE[2] stroke-dasharray="2 3"></path>
                    <path d=drawn.cone_lines.p85 fill="none" stroke=PALETTE[2] stroke-width="2" stroke-dasharray="6 3"></path>
                    <path d=drawn.cone_lines.p95 fill="none" stroke=PALETTE[2] stroke-dasharray="2 3"></path>
                </g>
            }
        });
        let aria_label = title.clone();
        view! {
            <figure class="cfd">
                <svg class="chart burnup" data-testid="burnup" viewBox=format!("0 0 {width} {height}") role="img" aria-label=aria_label>
                    <title>{title}</title>
                    {ticks}
                    {cone_view}
                    <line
                        x1=drawn.today_x
                        x2=drawn.today_x
                        y1=margins.top
                        y2=height - margins.bottom
                        stroke="#767676"
                        stroke-dasharray="3 3"
                    ></line>
                    <path d=drawn.scope fill="none" stroke=PALETTE[0] stroke-width="2" data-testid="burnup-scope"></path>
                    <path d=drawn.done fill="none" stroke=PALETTE[5] stroke-width="2.5" data-testid="burnup-done"></path>
                    {x_labels}
                </svg>
                <ul class="legend">
                    <li><span class="swatch" style=format!("background:{}", PALETTE[0])></span>"Scope"</li>
                    <li><span class="swatch" style=format!("background:{}", PALETTE[5])></span>"Done"</li>
                    {has_cone.then(|| view! {
                        <li>
                            <span class="swatch" style=format!("background:{}", PALETTE[4])></span>
                            "Forecast: 50–95% likely (dashed bold: 85%)"
                        </li>
                    })}
                </ul>
            </figure>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use director_core::model::{IssueId, IssueKey, SprintChange, SprintState, StatusCategory};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    fn date(day: u32) -> NaiveDate {
        at(day, 0).date_naive()
    }

    fn sprint() -> Sprint {
        Sprint {
            id: SprintId(7),
            name: "Alpha 7".to_owned(),
            state: SprintState::Active,
            board: None,
            start: Some(at(2, 9)),
            end: Some(at(13, 17)),
            complete: None,
            goal: None,
        }
    }

    fn issue(id: &str, sprints: &[u64]) -> Issue {
        Issue {
            sprints: sprints.iter().map(|id| SprintId(*id)).collect(),
            ..Issue::new(IssueId(id.to_owned()), IssueKey(format!("A-{id}")), at(1, 9))
        }
    }

    fn done(mut issue: Issue, day: u32) -> Issue {
        issue.category = StatusCategory::Done;
        issue.status = "Done".to_owned();
        issue.resolved = Some(at(day, 15));
        issue
    }

    #[test]
    fn scope_follows_the_sprint_history_and_done_follows_resolution() {
        let mut added = issue("3", &[7]);
        added.sprint_history =
            vec![SprintChange { at: at(4, 10), from: Vec::new(), to: vec![SprintId(7)] }];
        let mut removed = issue("4", &[]);
        removed.sprint_history =
            vec![SprintChange { at: at(3, 10), from: vec![SprintId(7)], to: Vec::new() }];
        let issues =
            vec![done(issue("1", &[7]), 3), issue("2", &[7]), added, removed, issue("5", &[8])];
        let series = sprint_series(&issues, &sprint(), date(5)).unwrap();
        assert_eq!(series.start, date(2));
        assert_eq!(series.end, date(13));
        // Days 2..=5: #4 leaves on day 3, #3 joins on day 4, #1 is done on day 3.
        assert_eq!(series.scope, vec![3, 2, 3, 3]);
        assert_eq!(series.done, vec![0, 1, 1, 1]);
        assert_eq!(series.length_days(), 12);
        assert_eq!(series.days_left(), 8);
        assert_eq!(series.remaining(), 2);
    }

    #[test]
    fn a_sprint_not_started_or_without_dates_has_no_series() {
        assert_eq!(sprint_series(&[issue("1", &[7])], &sprint(), date(1)), None);
        let undated = Sprint { start: None, ..sprint() };
        assert_eq!(sprint_series(&[issue("1", &[7])], &undated, date(5)), None);
        // After its end the series stops at the last day.
        let series = sprint_series(&[issue("1", &[7])], &sprint(), date(20)).unwrap();
        assert_eq!(series.scope.len(), 12);
        assert_eq!(series.days_left(), 0);
    }

    #[test]
    fn the_cone_widens_and_keeps_its_levels_ordered() {
        let daily = Throughput::new(vec![0, 1, 2, 1, 0, 3, 1]).unwrap();
        let cone = forecast_cone(&daily, 4, date(5), 6);
        assert_eq!(cone.len(), 6);
        for levels in &cone {
            assert!(levels.p95 <= levels.p85 && levels.p85 <= levels.p50, "{levels:?}");
            assert!(levels.p95 >= 4, "never below what is already done");
        }
        for pair in cone.windows(2) {
            assert!(pair[1].p50 >= pair[0].p50);
        }
        let first_spread = cone[0].p50 - cone[0].p95;
        let last_spread = cone[5].p50 - cone[5].p95;
        assert!(last_spread > first_spread, "the cone widens: {cone:?}");
        assert!(forecast_cone(&daily, 4, date(5), 0).is_empty());
    }

    #[test]
    fn a_constant_throughput_gives_a_cone_of_one_line() {
        let daily = Throughput::new(vec![2]).unwrap();
        let cone = forecast_cone(&daily, 1, date(5), 3);
        let p50: Vec<u32> = cone.iter().map(|levels| levels.p50).collect();
        assert_eq!(p50, vec![3, 5, 7]);
        assert!(cone.iter().all(|levels| levels.p95 == levels.p50));
    }

    #[test]
    fn layout_starts_at_zero_and_puts_today_and_the_cone_on_the_time_axis() {
        let series = SprintSeries {
            start: date(2),
            end: date(11),
            scope: vec![10, 10, 12, 12],
            done: vec![0, 2, 3, 5],
        };
        let cone =
            vec![Percentiles { p50: 6, p85: 6, p95: 5 }, Percentiles { p50: 8, p85: 7, p95: 6 }];
        let margins = Margins { top: 10.0, right: 10.0, bottom: 20.0, left: 30.0 };
        let drawn = layout(&series, &cone, 230.0, 130.0, margins);
        // 10 days over 190 px: 19 px a day. y: ticks to 15 over 100 px.
        assert!(drawn.scope.starts_with("M30.0 110.0 L49.0 43.3"), "{}", drawn.scope);
        assert!(drawn.done.ends_with("L106.0 76.7"), "{}", drawn.done);
        assert_eq!(drawn.today_x, 106.0);
        assert!(drawn.cone.starts_with("M106.0 76.7 L125.0 70.0 L144.0 56.7"), "{}", drawn.cone);
        assert!(drawn.cone.ends_with(" Z"));
        assert_eq!(drawn.cone_lines.p95, "M106.0 76.7 L125.0 76.7 L144.0 70.0");
        let labels: Vec<&str> = drawn.x_labels.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(labels, ["02 Mar", "today 05 Mar", "11 Mar"]);
        assert_eq!(drawn.y_ticks.first().map(|(y, _)| *y), Some(110.0));
    }

    #[test]
    fn without_a_cone_there_are_no_cone_paths() {
        let series =
            SprintSeries { start: date(2), end: date(3), scope: vec![1, 1], done: vec![0, 1] };
        let drawn = layout(&series, &[], 200.0, 100.0, Margins::AXES);
        assert!(drawn.cone.is_empty() && drawn.cone_lines.p50.is_empty());
        assert_eq!(drawn.x_labels.len(), 2, "no today label on the last day");
    }
}
