//! `BurnupChart`: the current sprint's scope and completed story points per
//! day, with a forecast cone from today to the sprint's end. A sprint without
//! any estimate is drawn in items instead, and says so.
//!
//! Three pure layers, tested natively: [`sprint_series`] sums scope and
//! completed points (and counts items) per day from issue histories;
//! [`forecast_cone`] asks `director_core::forecast` how much more each
//! remaining day brings at 50/85/95%; [`layout`] turns both into SVG paths.
//! The component only lays out what `layout` returns.

use chrono::{DateTime, Days, NaiveDate, Utc};
use director_core::forecast::{self, ForecastOptions, Method, Percentiles, Throughput};
use director_core::model::{Issue, Sprint, SprintId};

use super::axis::YAxis;
use super::geometry::{self, Margins};
use super::scale::{self, LinearScale};

/// What a burn-up counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Story points (issues without an estimate count zero).
    Points,
    /// Issues, when nothing in the sprint has an estimate.
    Items,
}

impl Unit {
    /// The plural noun ("points", "items").
    pub fn noun(self) -> &'static str {
        match self {
            Unit::Points => "points",
            Unit::Items => "items",
        }
    }
}

/// Scope and completed work of one sprint, one value per day from its first
/// day through today (or its last day, if that came first).
#[derive(Debug, Clone, PartialEq)]
pub struct SprintSeries {
    /// First day of the sprint.
    pub start: NaiveDate,
    /// Last planned day of the sprint.
    pub end: NaiveDate,
    /// What `scope` and `done` count.
    pub unit: Unit,
    /// Points (or items) in the sprint at the end of each day.
    pub scope: Vec<f64>,
    /// Of those, points (or items) done by the end of each day.
    pub done: Vec<f64>,
    /// Items in the sprint at the end of each day.
    pub scope_items: Vec<u32>,
    /// Of those, items done by the end of each day.
    pub done_items: Vec<u32>,
    /// Items in the sprint on the last observed day without an estimate.
    pub unestimated: u32,
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
    pub fn remaining_items(&self) -> u32 {
        let scope = self.scope_items.last().copied().unwrap_or(0);
        scope.saturating_sub(self.done_items.last().copied().unwrap_or(0))
    }

    /// Points (or items) done on the last observed day.
    pub fn done_now(&self) -> f64 {
        self.done.last().copied().unwrap_or(0.0)
    }

    /// Points (or items) in the sprint on the last observed day.
    pub fn scope_now(&self) -> f64 {
        self.scope.last().copied().unwrap_or(0.0)
    }

    /// "Alpha 7: 21 of 40 points done (9 of 18 items), 5 days left; 62%
    /// likely to finish the remaining items in time." `odds` (0–1) counts
    /// items, as on the overview and in `status`; the amounts are in the
    /// burn-up's unit.
    pub fn sentence(&self, name: &str, odds: Option<f64>) -> String {
        let items_done = self.done_items.last().copied().unwrap_or(0);
        let items = self.scope_items.last().copied().unwrap_or(0);
        let amount = match self.unit {
            Unit::Points => {
                let unestimated = match self.unestimated {
                    0 => String::new(),
                    n => format!(", {n} without an estimate"),
                };
                format!(
                    "{} of {} points done ({items_done} of {items} items{unestimated})",
                    scale::tick_label(self.done_now()),
                    scale::tick_label(self.scope_now())
                )
            }
            Unit::Items => {
                format!("{items_done} of {items} items done (no estimates, so counted in items)")
            }
        };
        match odds {
            Some(odds) => format!(
                "{name}: {amount}, {} days left; {:.0}% likely to finish the remaining items in time.",
                self.days_left(),
                odds * 100.0,
            ),
            None => format!("{name}: {amount}; no finished work lately to forecast from."),
        }
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

/// The estimate of `issue` at `at`, read from its estimate history the same
/// way as the sprint field (as velocity reads it).
pub fn points_at(issue: &Issue, at: DateTime<Utc>) -> Option<f64> {
    let value = match issue.estimate_history.iter().rev().find(|change| change.at <= at) {
        Some(change) => change.to,
        None => match issue.estimate_history.first() {
            Some(first) => first.from,
            None => issue.points,
        },
    };
    value.map(|points| points.0)
}

/// Per-day scope and completed points and items of `sprint` from `issues`,
/// through `today`, in points unless no issue in the sprint on any day had
/// an estimate. `None` for a sprint without dates or not started by `today`.
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
    let mut scope_items = vec![0u32; n_days];
    let mut done_items = vec![0u32; n_days];
    let mut scope_points = vec![0.0; n_days];
    let mut done_points = vec![0.0; n_days];
    let mut estimated = false;
    let mut unestimated = 0;
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
            let points = points_at(issue, end_of_day);
            estimated |= points.is_some();
            if idx + 1 == n_days && points.is_none() {
                unestimated += 1;
            }
            let points = points.unwrap_or(0.0);
            scope_items[idx] += 1;
            scope_points[idx] += points;
            if issue.is_done() && issue.resolved.is_some_and(|resolved| resolved <= end_of_day) {
                done_items[idx] += 1;
                done_points[idx] += points;
            }
        }
    }
    let (unit, scope, done) = if estimated {
        (Unit::Points, scope_points, done_points)
    } else {
        let as_f64 = |values: &[u32]| values.iter().map(|value| f64::from(*value)).collect();
        (Unit::Items, as_f64(&scope_items), as_f64(&done_items))
    };
    Some(SprintSeries { start, end, unit, scope, done, scope_items, done_items, unestimated })
}

/// Whole story points completed per day of `range`: each completed issue's
/// current estimate (none counts zero) on the day it was done, each day's sum
/// rounded, so the forecast can draw whole days from it. `completed` holds
/// one completion day per issue, aligned with `issues`.
pub fn daily_points(
    issues: &[Issue],
    completed: &[Option<NaiveDate>],
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<u32> {
    let n_days = ((last - first).num_days() + 1).max(0) as usize;
    let mut sums = vec![0.0_f64; n_days];
    for (issue, day) in issues.iter().zip(completed) {
        let Some(day) = day.filter(|day| *day >= first && *day <= last) else { continue };
        sums[(day - first).num_days() as usize] += issue.points.map_or(0.0, |points| points.0);
    }
    sums.into_iter().map(|sum| sum.max(0.0).round() as u32).collect()
}

/// Points (or items) done by the end of each remaining day, at 50/85/95%
/// (each level met or beaten by that share of outcomes), computed exactly
/// from `daily` throughput in the same unit starting the day after `today`.
/// `done_now` is added, so the values sit on the burn-up's scale.
pub fn forecast_cone(
    daily: &Throughput,
    done_now: f64,
    today: NaiveDate,
    days_left: u32,
) -> Vec<Percentiles<f64>> {
    let Some(first) = today.checked_add_days(Days::new(1)) else { return Vec::new() };
    let options = ForecastOptions { method: Method::Exact, ..ForecastOptions::default() };
    (0..days_left)
        .filter_map(|offset| {
            let end = first.checked_add_days(Days::new(u64::from(offset)))?;
            let forecast = forecast::how_many(daily, first, end, &options);
            Some(forecast.items.map(|more| f64::from(more) + done_now))
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
    /// The value axis.
    pub y_axis: YAxis,
    /// X axis labels: (pixel x, label), first day, today and last day.
    pub x_labels: Vec<(f64, String)>,
}

/// Lays out `series` and its `cone` (one entry per day after the observed ones).
pub fn layout(
    series: &SprintSeries,
    cone: &[Percentiles<f64>],
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
        .fold(1.0_f64, f64::max);
    let y_axis = YAxis::new(y_max, height, margins, 4);
    // Day i is drawn at its end, so day 0 sits one step right of the axis and
    // the sprint's last day at the right edge.
    let x = LinearScale::new((0.0, f64::from(length)), (margins.left, width - margins.right));
    let y = y_axis.scale;
    let line = |values: &[f64]| {
        let mut points = vec![(x.map(0.0), y.map(0.0))];
        points.extend(
            values.iter().enumerate().map(|(idx, value)| (x.map(idx as f64 + 1.0), y.map(*value))),
        );
        geometry::polyline(&points)
    };
    let observed = series.scope.len();
    let today_x = x.map(observed as f64);
    let done_now = series.done_now();
    let cone_level = |pick: fn(&Percentiles<f64>) -> f64| -> Vec<(f64, f64)> {
        let mut points = vec![(today_x, y.map(done_now))];
        points.extend(
            cone.iter()
                .enumerate()
                .map(|(idx, levels)| (x.map((observed + idx + 1) as f64), y.map(pick(levels)))),
        );
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
    let label = crate::dates::day_month;
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
        y_axis,
        x_labels,
    }
}

/// The chart component (browser only: Leptos is not a native dependency).
#[cfg(target_arch = "wasm32")]
pub mod view {
    use leptos::prelude::*;

    use super::super::geometry::Margins;
    use super::super::scale::tick_label;
    use super::super::PALETTE;
    use super::{layout, Percentiles, SprintSeries};

    /// A sprint burn-up with its forecast cone and a legend.
    #[component]
    pub fn BurnupChart(
        /// Observed scope and completed points (or items) per day.
        series: SprintSeries,
        /// Forecast of completed points (or items) for each remaining day.
        cone: Vec<Percentiles<f64>>,
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
        let noun = series.unit.noun();
        let has_cone = !drawn.cone.is_empty();
        let axis = drawn.y_axis.markup(margins.left, width - margins.right, tick_label);
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
                        <title>{format!("Forecast: {noun} done by each remaining day, 50% to 95% likely")}</title>
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
                <svg class="chart burnup" data-testid="burnup" data-unit=noun viewBox=format!("0 0 {width} {height}") role="img" aria-label=aria_label>
                    <title>{title}</title>
                    <g inner_html=axis></g>
                    <text x=margins.left y=margins.top + 4.0 data-testid="burnup-unit">{noun}</text>
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
                    <li><span class="swatch" style=format!("background:{}", PALETTE[0])></span>{format!("Scope ({noun})")}</li>
                    <li><span class="swatch" style=format!("background:{}", PALETTE[5])></span>{format!("Done ({noun})")}</li>
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
    use director_core::model::{
        EstimateChange, IssueId, IssueKey, SprintChange, SprintState, StatusCategory, StoryPoints,
    };

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

    fn points(mut issue: Issue, points: f64) -> Issue {
        issue.points = Some(StoryPoints(points));
        issue
    }

    fn series(scope: Vec<f64>, done: Vec<f64>, start: u32, end: u32) -> SprintSeries {
        let items = vec![0; scope.len()];
        SprintSeries {
            start: date(start),
            end: date(end),
            unit: Unit::Points,
            scope,
            done,
            scope_items: items.clone(),
            done_items: items,
            unestimated: 0,
        }
    }

    #[test]
    fn without_any_estimate_the_burn_up_counts_items() {
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
        assert_eq!(series.unit, Unit::Items);
        // Days 2..=5: #4 leaves on day 3, #3 joins on day 4, #1 is done on day 3.
        assert_eq!(series.scope, vec![3.0, 2.0, 3.0, 3.0]);
        assert_eq!(series.done, vec![0.0, 1.0, 1.0, 1.0]);
        assert_eq!(series.scope_items, vec![3, 2, 3, 3]);
        assert_eq!(series.length_days(), 12);
        assert_eq!(series.days_left(), 8);
        assert_eq!(series.remaining_items(), 2);
        assert_eq!(series.unestimated, 3);
        assert_eq!(
            series.sentence("Alpha 7", None),
            "Alpha 7: 1 of 3 items done (no estimates, so counted in items); \
             no finished work lately to forecast from."
        );
    }

    #[test]
    fn scope_and_done_sum_the_points_each_issue_had_that_day() {
        // #1: 3 points, done on day 3. #2: 5 points, re-estimated to 8 on
        // day 4. #3: 2 points, joins on day 4, done on day 5. #4: 8 points,
        // leaves on day 3. #5: no estimate. #6: another sprint's.
        let mut re_estimated = points(issue("2", &[7]), 8.0);
        re_estimated.estimate_history = vec![EstimateChange {
            at: at(4, 11),
            from: Some(StoryPoints(5.0)),
            to: Some(StoryPoints(8.0)),
        }];
        let mut added = points(issue("3", &[7]), 2.0);
        added.sprint_history =
            vec![SprintChange { at: at(4, 10), from: Vec::new(), to: vec![SprintId(7)] }];
        let mut removed = points(issue("4", &[]), 8.0);
        removed.sprint_history =
            vec![SprintChange { at: at(3, 10), from: vec![SprintId(7)], to: Vec::new() }];
        let issues = vec![
            done(points(issue("1", &[7]), 3.0), 3),
            re_estimated,
            done(added, 5),
            removed,
            issue("5", &[7]),
            points(issue("6", &[8]), 13.0),
        ];
        let series = sprint_series(&issues, &sprint(), date(5)).unwrap();
        assert_eq!(series.unit, Unit::Points);
        // Day 2: 3 + 5 + 8 + 0 = 16. Day 3: #4 gone, #1 done: 8, 3 done.
        // Day 4: #3 joins (2), #2 now 8: 3 + 8 + 2 = 13. Day 5: #3 done: 5.
        assert_eq!(series.scope, vec![16.0, 8.0, 13.0, 13.0]);
        assert_eq!(series.done, vec![0.0, 3.0, 3.0, 5.0]);
        assert_eq!(series.scope_items, vec![4, 3, 4, 4]);
        assert_eq!(series.done_items, vec![0, 1, 1, 2]);
        assert_eq!(series.remaining_items(), 2);
        assert_eq!(series.unestimated, 1);
        assert_eq!((series.scope_now(), series.done_now()), (13.0, 5.0));
        assert_eq!(
            series.sentence("Alpha 7", Some(0.623)),
            "Alpha 7: 5 of 13 points done (2 of 4 items, 1 without an estimate), 8 days left; \
             62% likely to finish the remaining items in time."
        );
    }

    #[test]
    fn daily_points_sum_each_day_and_round_to_whole_points() {
        let issues = vec![
            points(issue("1", &[]), 3.0),
            points(issue("2", &[]), 5.0),
            issue("3", &[]),
            points(issue("4", &[]), 0.5),
            points(issue("5", &[]), 1.0),
            points(issue("6", &[]), 8.0),
            points(issue("7", &[]), 2.0),
        ];
        let completed = [
            Some(date(10)),
            Some(date(10)),
            Some(date(11)),
            Some(date(12)),
            Some(date(12)),
            Some(date(9)),
            None,
        ];
        // Day 10: 3 + 5; day 11: one without an estimate; day 12: 1.5 → 2.
        assert_eq!(daily_points(&issues, &completed, date(10), date(12)), vec![8, 0, 2]);
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
        let cone = forecast_cone(&daily, 4.0, date(5), 6);
        assert_eq!(cone.len(), 6);
        for levels in &cone {
            assert!(levels.p95 <= levels.p85 && levels.p85 <= levels.p50, "{levels:?}");
            assert!(levels.p95 >= 4.0, "never below what is already done");
        }
        for pair in cone.windows(2) {
            assert!(pair[1].p50 >= pair[0].p50);
        }
        let first_spread = cone[0].p50 - cone[0].p95;
        let last_spread = cone[5].p50 - cone[5].p95;
        assert!(last_spread > first_spread, "the cone widens: {cone:?}");
        assert!(forecast_cone(&daily, 4.0, date(5), 0).is_empty());
    }

    #[test]
    fn a_constant_throughput_gives_a_cone_of_one_line() {
        // 3 points a day on top of 10.5 done.
        let daily = Throughput::new(vec![3]).unwrap();
        let cone = forecast_cone(&daily, 10.5, date(5), 3);
        let p50: Vec<f64> = cone.iter().map(|levels| levels.p50).collect();
        assert_eq!(p50, vec![13.5, 16.5, 19.5]);
        assert!(cone.iter().all(|levels| levels.p95 == levels.p50));
    }

    #[test]
    fn layout_starts_at_zero_and_puts_today_and_the_cone_on_the_time_axis() {
        let series = series(vec![10.0, 10.0, 12.0, 12.0], vec![0.0, 2.0, 3.0, 5.0], 2, 11);
        let cone = vec![
            Percentiles { p50: 6.0, p85: 6.0, p95: 5.0 },
            Percentiles { p50: 8.0, p85: 7.0, p95: 6.0 },
        ];
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
        assert_eq!(drawn.y_axis.ticks, vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(drawn.y_axis.scale.map(0.0), 110.0);
    }

    #[test]
    fn fractional_points_are_drawn_where_they_fall() {
        // 7.5 of 20 points done on the second of 4 days: y ticks to 20 over
        // 100 px, so 7.5 points stand 37.5 px above the baseline.
        let series = series(vec![20.0, 20.0], vec![2.5, 7.5], 2, 5);
        let margins = Margins { top: 10.0, right: 10.0, bottom: 20.0, left: 30.0 };
        let drawn = layout(&series, &[], 230.0, 130.0, margins);
        assert_eq!(drawn.done, "M30.0 110.0 L77.5 97.5 L125.0 72.5");
        assert_eq!(drawn.y_axis.top(), 20.0);
    }

    #[test]
    fn without_a_cone_there_are_no_cone_paths() {
        let series = series(vec![1.0, 1.0], vec![0.0, 1.0], 2, 3);
        let drawn = layout(&series, &[], 200.0, 100.0, Margins::AXES);
        assert!(drawn.cone.is_empty() && drawn.cone_lines.p50.is_empty());
        assert_eq!(drawn.x_labels.len(), 2, "no today label on the last day");
    }
}
