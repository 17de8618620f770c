//! `/`: every team as a card (issue counts, open P0/P1, weekly throughput,
//! data age) under an organisation roll-up. Renders straight from the cached
//! snapshot, so it appears before the proxy answers.

use chrono::{DateTime, Utc};
use director_core::model::Priority;
use director_core::risk::{RiskLevel, RiskReport, RiskScore, TrendDirection};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::charts::sparkline::Sparkline;
use crate::freshness;
use crate::route::Page;
use crate::snapshot::{Snapshot, TeamCounts};
use crate::state::use_data;

/// Weeks of throughput on a card's sparkline.
const SPARK_WEEKS: usize = 12;

#[derive(Debug, Clone, PartialEq)]
struct CardData {
    name: String,
    risk: Option<RiskBadge>,
    counts: TeamCounts,
    high_open: u64,
    weekly_done: Vec<f64>,
}

/// A team's risk as a card shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RiskBadge {
    /// 0–100.
    pub(crate) score: u32,
    /// Traffic light.
    pub(crate) level: RiskLevel,
    /// Arrow and change since last week.
    pub(crate) trend: String,
    /// The factor giving the most points.
    pub(crate) top_factor: Option<String>,
}

impl RiskBadge {
    pub(crate) fn from_score(risk: &RiskScore) -> RiskBadge {
        let trend = match (risk.trend.direction, risk.trend.delta) {
            (TrendDirection::Worse, Some(delta)) => format!("▲ +{delta} since last week"),
            (TrendDirection::Better, Some(delta)) => format!("▼ {delta} since last week"),
            (TrendDirection::New, _) => "new".to_owned(),
            _ => "► steady".to_owned(),
        };
        RiskBadge {
            score: risk.score,
            level: risk.level,
            trend,
            top_factor: risk.top_factor().map(|factor| factor.why.clone()),
        }
    }

    pub(crate) fn class(&self) -> &'static str {
        match self.level {
            RiskLevel::Green => "risk level-low",
            RiskLevel::Amber => "risk level-medium",
            RiskLevel::Red => "risk level-high",
        }
    }
}

/// The overview page.
#[component]
pub fn Overview() -> impl IntoView {
    let data = use_data();
    let cards = Memo::new(move |_| {
        let now = data.now.get_untracked();
        let risk = data.analytics_ready.get().then(|| data.risk.get());
        data.snapshot.with(|snapshot| team_cards(snapshot, risk.as_deref(), now))
    });
    let age_text = move || {
        let now = data.now.get();
        freshness::data_as_of_text(data.snapshot.with(|snapshot| snapshot.age(now)))
    };
    view! {
        <section class="overview">
            <h1>"Overview"</h1>
            <Rollup cards=cards/>
            {move || {
                let risk = data.analytics_ready.get().then(|| data.risk.get())?;
                (!risk.teams.is_empty())
                    .then(|| {
                        let badge = RiskBadge::from_score(&risk.organisation);
                        view! {
                            <p class=badge.class() data-testid="org-risk">
                                {format!("Organisation risk {} · {} · {}", badge.score, badge.level, badge.trend)}
                            </p>
                        }
                    })
            }}
            <div class="cards">
                {move || {
                    cards
                        .get()
                        .into_iter()
                        .map(|card| {
                        let values = Signal::stored(card.weekly_done.clone());
                        let high_class = if card.high_open > 0 { "alarm" } else { "" };
                        let spark_label = format!("{} throughput, last {SPARK_WEEKS} weeks", card.name);
                        let team_path = Page::Team(card.name.clone()).path();
                        let name = card.name.clone();
                        view! {
                            <article class="card" data-testid="team-card">
                                <h2>
                                    <A href=team_path>{name}</A>
                                </h2>
                                {card
                                    .risk
                                    .clone()
                                    .map(|risk| {
                                        view! {
                                            <p class=risk.class()>
                                                "Risk "
                                                <span data-testid="risk-score">{risk.score}</span>
                                                {format!(" · {} · {}", risk.level, risk.trend)}
                                            </p>
                                            <p class="why">{risk.top_factor.clone()}</p>
                                        }
                                    })}
                                <dl class="numbers">
                                    <div>
                                        <dt>"Open P0/P1"</dt>
                                        <dd
                                            data-testid="team-high-open"
                                            class=high_class
                                        >
                                            {card.high_open}
                                        </dd>
                                    </div>
                                    <div>
                                        <dt>"In progress"</dt>
                                        <dd>{card.counts.in_progress}</dd>
                                    </div>
                                    <div>
                                        <dt>"Issues"</dt>
                                        <dd data-testid="team-issue-count">{card.counts.total}</dd>
                                    </div>
                                </dl>
                                <Sparkline
                                    values=values
                                    label=spark_label
                                />
                                <p class="age">{age_text}</p>
                            </article>
                        }
                        })
                        .collect_view()
                }}
            </div>
            {move || {
                cards
                    .with(|cards| cards.is_empty())
                    .then(|| {
                        view! { <p class="empty">"Waiting for the first data from the server…"</p> }
                    })
            }}
        </section>
    }
}

/// Organisation totals above the cards.
#[component]
fn Rollup(cards: Memo<Vec<CardData>>) -> impl IntoView {
    let totals = move || {
        cards.with(|cards| {
            let issues: u64 = cards.iter().map(|card| card.counts.total).sum();
            let in_progress: u64 = cards.iter().map(|card| card.counts.in_progress).sum();
            let high: u64 = cards.iter().map(|card| card.high_open).sum();
            let done_last_week: f64 = cards.iter().filter_map(|card| card.weekly_done.last()).sum();
            (cards.len(), issues, in_progress, high, done_last_week)
        })
    };
    view! {
        <dl class="rollup" data-testid="org-rollup">
            <div>
                <dt>"Teams"</dt>
                <dd>{move || totals().0}</dd>
            </div>
            <div>
                <dt>"Open P0/P1"</dt>
                <dd>{move || totals().3}</dd>
            </div>
            <div>
                <dt>"In progress"</dt>
                <dd>{move || totals().2}</dd>
            </div>
            <div>
                <dt>"Done this week"</dt>
                <dd>{move || totals().4}</dd>
            </div>
            <div>
                <dt>"Issues"</dt>
                <dd>{move || totals().1}</dd>
            </div>
        </dl>
    }
}

fn team_cards(snapshot: &Snapshot, risk: Option<&RiskReport>, now: DateTime<Utc>) -> Vec<CardData> {
    snapshot
        .teams
        .iter()
        .map(|team| {
            let mut weekly_done = vec![0.0; SPARK_WEEKS];
            let mut high_open = 0;
            for issue in snapshot.team_issues(team) {
                if !issue.is_done() && matches!(issue.priority, Priority::P0 | Priority::P1) {
                    high_open += 1;
                }
                if let Some(resolved) = issue.resolved.filter(|_| issue.is_done()) {
                    let weeks_ago = (now - resolved).num_weeks();
                    if (0..SPARK_WEEKS as i64).contains(&weeks_ago) {
                        weekly_done[SPARK_WEEKS - 1 - weeks_ago as usize] += 1.0;
                    }
                }
            }
            let risk = risk
                .and_then(|risk| risk.teams.iter().find(|entry| entry.team == team.id))
                .map(|entry| RiskBadge::from_score(&entry.risk));
            CardData {
                name: team.id.0.clone(),
                risk,
                counts: snapshot.team_counts(team),
                high_open,
                weekly_done,
            }
        })
        .collect()
}
