//! `/team/<name>`: one team's numbers, the current sprint's burn-up with its
//! forecast cone, weekly throughput, flow charts, and the lists a director
//! acts on (open P0/P1, blocked or flagged, overdue, stalled, oldest in
//! progress), each issue linking to its page in JIRA.

use chrono::{DateTime, Days, NaiveDate, Utc};
use director_core::flow::{self, DateRange, FlowOptions, Workflow};
use director_core::forecast::sprint::{
    current_sprint_sample, sprint_completion_probability, sprint_days_left,
};
use director_core::forecast::{Percentiles, Throughput};
use director_core::model::{Dataset, Issue, Priority, SprintState, StatusCategory};
use director_core::velocity;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::charts::bar_chart::{Bar, BarChart};
use crate::components::charts::burnup::view::BurnupChart;
use crate::components::charts::burnup::{self, SprintSeries, Unit};
use crate::components::charts::cfd_chart::CfdChart;
use crate::components::charts::export::Exportable;
use crate::components::charts::scatter_chart::{Point, RefLine, ScatterChart};
use crate::components::charts::velocity_chart::{SprintBar, VelocityChart};
use crate::route::{decode_segment, Page};
use crate::snapshot::{browse_url, Snapshot, TeamCounts};
use crate::state::use_data;

/// Weeks of throughput on the team page.
const WEEKS: usize = 12;
/// Longest list shown per kind.
const LIST_LIMIT: usize = 10;

#[derive(Debug, Clone, PartialEq)]
struct ListItem {
    key: String,
    summary: String,
    detail: String,
}

#[derive(Debug, Clone, PartialEq)]
struct TeamView {
    name: String,
    counts: TeamCounts,
    weekly: Vec<Bar>,
    high_open: Vec<ListItem>,
    blocked: Vec<ListItem>,
    overdue: Vec<ListItem>,
    oldest_wip: Vec<ListItem>,
}

/// Days of completed work on the cycle-time chart.
const CYCLE_DAYS: u64 = 90;
/// Days on the cumulative flow diagram.
const CFD_DAYS: u64 = 60;

/// The flow charts of one team, computed by `director_core::flow`.
#[derive(Debug, Clone, PartialEq)]
struct FlowCharts {
    cycle_points: Vec<Point>,
    cycle_lines: Vec<RefLine>,
    stages: Vec<String>,
    cfd: Vec<Vec<f64>>,
    aging_points: Vec<Point>,
    sprints: Vec<SprintBar>,
    current_sprint: Option<CurrentSprint>,
    stalled: Vec<ListItem>,
}

/// The running sprint's burn-up and the odds of finishing it.
#[derive(Debug, Clone, PartialEq)]
struct CurrentSprint {
    name: String,
    series: SprintSeries,
    cone: Vec<Percentiles<f64>>,
    /// Chance of finishing what is left by the sprint's end (0–1), when the
    /// team finished anything lately.
    odds: Option<f64>,
}

/// Closed sprints on the velocity chart.
const VELOCITY_SPRINTS: usize = 8;

/// The team page.
#[component]
pub fn TeamPage() -> impl IntoView {
    let data = use_data();
    let params = use_params_map();
    let name = move || {
        params
            .with(|params| params.get("name").map(|name| decode_segment(&name)).unwrap_or_default())
    };
    let team_view = Memo::new(move |_| {
        let name = name();
        let now = data.now.get_untracked();
        data.snapshot.with(|snapshot| build(snapshot, &name, now))
    });
    let charts = Memo::new(move |_| {
        let name = name();
        let dataset = data.dataset.get();
        flow_charts(&dataset, &name, data.now.get_untracked())
    });
    let jira_url = move || data.snapshot.with(|snapshot| snapshot.jira_url.clone());
    let flow_view = move || {
        charts.get().map(|charts| {
            let n_stages = charts.stages.len().max(1) as f64;
            let stage_axis = charts.stages.join(" → ");
            let FlowCharts {
                cycle_points,
                cycle_lines,
                stages,
                cfd,
                aging_points,
                sprints,
                current_sprint,
                stalled,
            } = charts;
            let aging_lines = cycle_lines.clone();
            let no_sprints = sprints.is_empty();
            view! {
                <h2>"Current sprint"</h2>
                {match current_sprint {
                    None => view! { <p class="empty">"No sprint is running on this team's board."</p> }.into_any(),
                    Some(current) => {
                        let odds = current.series.sentence(&current.name, current.odds);
                        let noun = current.series.unit.noun();
                        view! {
                            <p data-testid="sprint-odds">{odds}</p>
                            <Exportable name="burn-up">
                                <BurnupChart
                                    series=current.series
                                    cone=current.cone
                                    title=format!("Burn-up of {}: scope and {noun} done per day, with the forecast to the sprint's end", current.name)
                                />
                            </Exportable>
                        }
                            .into_any()
                    }
                }}
                <IssueList title="Stalled" items=stalled jira_url=jira_url()/>
                <h2>"Velocity"</h2>
                {if no_sprints {
                    view! { <p class="empty">"No closed sprints on this team's board yet."</p> }.into_any()
                } else {
                    view! {
                        <Exportable name="velocity">
                            <VelocityChart
                                sprints=sprints
                                title="Story points committed and completed in the last closed sprints"
                            />
                        </Exportable>
                    }
                        .into_any()
                }}
                <h2>"Cycle time of finished work"</h2>
                <Exportable name="cycle-time">
                <ScatterChart
                    points=cycle_points
                    lines=cycle_lines
                    x_domain=(0.0, CYCLE_DAYS as f64)
                    title="Cycle time in days of items finished in the last 90 days, with the 50th, 85th and 95th percentiles"
                    x_label=format!("finished over the last {CYCLE_DAYS} days")
                />
                </Exportable>
                <h2>"Work in progress by age"</h2>
                <Exportable name="aging-wip">
                <ScatterChart
                    points=aging_points
                    lines=aging_lines
                    x_domain=(-0.5, n_stages - 0.5)
                    title="Age in days of each item in progress, by stage, against past cycle times"
                    x_label=stage_axis
                />
                </Exportable>
                <h2>"Cumulative flow"</h2>
                <Exportable name="cumulative-flow">
                <CfdChart
                    stages=stages
                    cumulative=cfd
                    title=format!("Cumulative flow over the last {CFD_DAYS} days")
                />
                </Exportable>
            }
        })
    };
    view! {
        <section class="team">
            {move || match team_view.get() {
                None => {
                    view! {
                        <h1>{format!("Team {}", name())}</h1>
                        <p class="empty">
                            "This team is not in the data held here. "
                            <a href=Page::Overview.path()>"All teams"</a>
                        </p>
                    }
                        .into_any()
                }
                Some(team) => {
                    let weekly = Signal::stored(team.weekly.clone());
                    view! {
                        <h1>{format!("Team {}", team.name)}</h1>
                        <dl class="rollup">
                            <div>
                                <dt>"Open P0/P1"</dt>
                                <dd>{team.high_open.len()}</dd>
                            </div>
                            <div>
                                <dt>"In progress"</dt>
                                <dd>{team.counts.in_progress}</dd>
                            </div>
                            <div>
                                <dt>"To do"</dt>
                                <dd>{team.counts.to_do}</dd>
                            </div>
                            <div>
                                <dt>"Done"</dt>
                                <dd>{team.counts.done}</dd>
                            </div>
                        </dl>
                        <h2>"Throughput per week"</h2>
                        <Exportable name="throughput">
                            <BarChart bars=weekly title=format!("{} items done per week", team.name)/>
                        </Exportable>
                        {flow_view}
                        <IssueList title="Open P0/P1" items=team.high_open.clone() jira_url=jira_url()/>
                        <IssueList title="Blocked or flagged" items=team.blocked.clone() jira_url=jira_url()/>
                        <IssueList title="Overdue" items=team.overdue.clone() jira_url=jira_url()/>
                        <IssueList title="Longest in progress" items=team.oldest_wip.clone() jira_url=jira_url()/>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// A titled list of issues whose keys open the issue in JIRA (new tab).
#[component]
fn IssueList(
    /// Heading of the list.
    title: &'static str,
    /// The issues.
    items: Vec<ListItem>,
    /// Base URL of the JIRA site, when known.
    jira_url: Option<String>,
) -> impl IntoView {
    let empty = items.is_empty();
    view! {
        <h2>{title}</h2>
        {if empty {
            view! { <p class="empty">"None."</p> }.into_any()
        } else {
            view! {
                <ul class="issues">
                    {items
                        .into_iter()
                        .map(|item| {
                            let key = match browse_url(jira_url.as_deref(), &item.key) {
                                Some(href) => view! {
                                    <a
                                        href=href
                                        target="_blank"
                                        rel="noopener"
                                        data-testid="jira-link"
                                        aria-label=format!("{} in JIRA (opens in a new tab)", item.key)
                                    >
                                        <strong>{item.key.clone()}</strong>
                                    </a>
                                }
                                    .into_any(),
                                None => view! { <strong>{item.key.clone()}</strong> }.into_any(),
                            };
                            view! {
                                <li>
                                    {key}
                                    " "
                                    {item.summary}
                                    <span class="detail">{item.detail}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

fn build(snapshot: &Snapshot, name: &str, now: DateTime<Utc>) -> Option<TeamView> {
    let team = snapshot.team(name)?;
    let issues: Vec<&Issue> = snapshot.team_issues(team).collect();
    let mut weekly_counts = vec![0.0; WEEKS];
    for issue in issues.iter().filter(|issue| issue.is_done()) {
        if let Some(resolved) = issue.resolved {
            let weeks_ago = (now - resolved).num_weeks();
            if (0..WEEKS as i64).contains(&weeks_ago) {
                weekly_counts[WEEKS - 1 - weeks_ago as usize] += 1.0;
            }
        }
    }
    let weekly = weekly_counts
        .into_iter()
        .enumerate()
        .map(|(idx, value)| Bar { label: format!("-{}w", WEEKS - 1 - idx), value })
        .collect();
    let open: Vec<&Issue> = issues.iter().copied().filter(|issue| !issue.is_done()).collect();
    let item = |issue: &Issue, detail: String| ListItem {
        key: issue.key.0.clone(),
        summary: issue.summary.clone(),
        detail,
    };
    let high_open = open
        .iter()
        .filter(|issue| matches!(issue.priority, Priority::P0 | Priority::P1))
        .take(LIST_LIMIT)
        .map(|issue| item(issue, format!("{} · {}", issue.priority, issue.status)))
        .collect();
    let blocked = open
        .iter()
        .filter(|issue| issue.flagged || issue.status.to_ascii_lowercase().contains("block"))
        .take(LIST_LIMIT)
        .map(|issue| {
            item(issue, if issue.flagged { "flagged".to_owned() } else { issue.status.clone() })
        })
        .collect();
    let today = now.date_naive();
    let overdue = open
        .iter()
        .filter(|issue| issue.due.is_some_and(|due| due < today))
        .take(LIST_LIMIT)
        .map(|issue| {
            item(issue, format!("due {}", issue.due.map(|due| due.to_string()).unwrap_or_default()))
        })
        .collect();
    let mut wip: Vec<(&Issue, i64)> = open
        .iter()
        .filter(|issue| issue.category == StatusCategory::InProgress)
        .map(|issue| (*issue, in_progress_since(issue).map_or(0, |since| (now - since).num_days())))
        .collect();
    director_core::sort::stable_by_key(&mut wip, |entry| std::cmp::Reverse(entry.1));
    let oldest_wip = wip
        .into_iter()
        .take(LIST_LIMIT)
        .map(|(issue, days)| item(issue, format!("{days} days in progress")))
        .collect();
    Some(TeamView {
        name: team.id.0.clone(),
        counts: snapshot.team_counts(team),
        weekly,
        high_open,
        blocked,
        overdue,
        oldest_wip,
    })
}

/// When the issue last entered its current status (or was created).
fn in_progress_since(issue: &Issue) -> Option<DateTime<Utc>> {
    issue
        .status_history
        .iter()
        .rev()
        .find(|change| change.to == issue.status)
        .map(|change| change.at)
        .or(Some(issue.created))
}

fn flow_charts(dataset: &Dataset, name: &str, now: DateTime<Utc>) -> Option<FlowCharts> {
    let today = now.date_naive();
    let team = dataset.teams.iter().find(|team| team.id.0.eq_ignore_ascii_case(name))?;
    let issues: Vec<Issue> = dataset.team_issues(&team.id).cloned().collect();
    let workflow = Workflow::from_categories(&dataset.statuses);
    let options = FlowOptions::default();
    let flows = flow::flows(&issues, &workflow, &options);
    let cycle_start = today.checked_sub_days(Days::new(CYCLE_DAYS))?;
    let cycle_points = flows
        .iter()
        .filter_map(|item| {
            let completed = item.completed.filter(|day| *day >= cycle_start)?;
            let days = flow::cycle_time_days(item, options.convention)?;
            Some(Point {
                x: (completed - cycle_start).num_days() as f64,
                y: days as f64,
                label: format!("{}: {days} d, done {completed}", item.key),
            })
        })
        .collect();
    let summary = flow::cycle_time_percentiles(&issues, &workflow, &options);
    let cycle_lines = [("50%", summary.p50), ("85%", summary.p85), ("95%", summary.p95)]
        .into_iter()
        .filter_map(|(level, value)| {
            value.map(|days| RefLine { label: format!("{level}: {days:.0} d"), y: days })
        })
        .collect();
    let stages: Vec<String> = workflow.stage_names().map(str::to_owned).collect();
    let range = DateRange::new(today.checked_sub_days(Days::new(CFD_DAYS - 1))?, today)?;
    let days = flow::cumulative_flow(&flows, &workflow, range);
    let cfd = (0..stages.len())
        .map(|stage| {
            days.iter().map(|day| f64::from(day.counts.get(stage).copied().unwrap_or(0))).collect()
        })
        .collect();
    let aging_points = flow::aging_wip_from_flows(&flows, &workflow, &options, today, &summary)
        .into_iter()
        .map(|item| Point {
            x: stages.iter().position(|stage| *stage == item.stage).unwrap_or(0) as f64,
            y: item.age_days as f64,
            label: format!("{}: {} d in {}", item.key, item.age_days, item.stage),
        })
        .collect();
    let as_of = today.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc();
    let mut closed: Vec<_> = velocity::velocity(dataset, &workflow, &[], as_of)
        .into_iter()
        .filter(|sprint| sprint.state == SprintState::Closed)
        .filter(|sprint| team.board.is_none_or(|board| sprint.board == Some(board)))
        .filter(|sprint| {
            team.board.is_some()
                || sprint.name.to_ascii_lowercase().contains(&team.id.0.to_ascii_lowercase())
        })
        .collect();
    director_core::sort::stable_by_key(&mut closed, |sprint| sprint.start);
    let mut sprints: Vec<SprintBar> = closed
        .into_iter()
        .map(|sprint| SprintBar {
            name: sprint.name,
            committed: sprint.committed,
            completed: sprint.completed,
        })
        .collect();
    let skip = sprints.len().saturating_sub(VELOCITY_SPRINTS);
    sprints.drain(..skip);
    let current_sprint = current_sprint(dataset, team, &issues, &flows, today);
    let stalled = issues
        .iter()
        .zip(&flows)
        .filter(|(issue, flow)| {
            issue.key == flow.key && flow::is_stalled(issue, flow, &options, now)
        })
        .take(LIST_LIMIT)
        .map(|(issue, _)| {
            let quiet = (now - issue.updated).num_days();
            ListItem {
                key: issue.key.0.clone(),
                summary: issue.summary.clone(),
                detail: format!("{} · no change for {quiet} days", issue.status),
            }
        })
        .collect();
    Some(FlowCharts {
        cycle_points,
        cycle_lines,
        stages,
        cfd,
        aging_points,
        sprints,
        current_sprint,
        stalled,
    })
}

/// The team's running sprint: on its board, or named after the team when it
/// has no board (as the velocity chart picks them).
fn current_sprint(
    dataset: &Dataset,
    team: &director_core::model::Team,
    issues: &[Issue],
    flows: &[flow::IssueFlow],
    today: NaiveDate,
) -> Option<CurrentSprint> {
    let sprint = dataset
        .sprints
        .iter()
        .filter(|sprint| sprint.state == SprintState::Active)
        .filter(|sprint| match team.board {
            Some(board) => sprint.board == Some(board),
            None => sprint.name.to_ascii_lowercase().contains(&team.id.0.to_ascii_lowercase()),
        })
        .max_by_key(|sprint| sprint.start)?;
    let series = burnup::sprint_series(issues, sprint, today)?;
    // The same sample window and days-left rule as the overview card, `status`
    // and the risk factor, so every view quotes the same odds.
    let (sample_start, sample_end) = current_sprint_sample(today);
    let range = DateRange::new(sample_start, sample_end)?;
    let daily: Vec<u32> =
        flow::daily_throughput_from_flows(flows, range).into_iter().map(|(_, n)| n).collect();
    let throughput = Throughput::new(daily).ok();
    // The cone forecasts in the burn-up's unit: points from the points the
    // team finished per day, else items.
    let cone_throughput = match series.unit {
        Unit::Points => {
            let completed: Vec<Option<NaiveDate>> =
                flows.iter().map(|flow| flow.completed).collect();
            Throughput::new(burnup::daily_points(issues, &completed, sample_start, sample_end)).ok()
        }
        Unit::Items => throughput.clone(),
    };
    let cone = cone_throughput
        .as_ref()
        .map(|daily| burnup::forecast_cone(daily, series.done_now(), today, series.days_left()))
        .unwrap_or_default();
    let odds_days_left = sprint.end.map_or(0, |end| sprint_days_left(today, end.date_naive()));
    let odds = throughput.as_ref().map(|daily| {
        sprint_completion_probability(daily, series.remaining_items(), odds_days_left)
    });
    Some(CurrentSprint { name: sprint.name.clone(), series, cone, odds })
}
