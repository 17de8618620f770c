//! `/risks`: the organisation's, each team's and the riskiest epics' scores,
//! every point explained by its factor and the issues behind it; then the
//! cross-team dependencies.

use director_core::risk::{RiskReport, RiskScore};
use leptos::prelude::*;

use crate::pages::overview::RiskBadge;
use crate::state::use_data;

/// Epics listed.
const EPIC_LIMIT: usize = 10;
/// Cross-team dependency edges listed.
const EDGE_LIMIT: usize = 20;

/// The risks page.
#[component]
pub fn RisksPage() -> impl IntoView {
    let data = use_data();
    view! {
        <section class="risks">
            <h1>"Risks"</h1>
            {move || {
                let report = data.risk.get();
                if report.teams.is_empty() {
                    view! { <p class="empty">"Waiting for data…"</p> }.into_any()
                } else {
                    render(&report).into_any()
                }
            }}
        </section>
    }
}

fn render(report: &RiskReport) -> impl IntoView {
    let org = RiskBadge::from_score(&report.organisation);
    let teams = report
        .teams
        .iter()
        .map(|team| {
            let badge = RiskBadge::from_score(&team.risk);
            view! {
                <article class="card" data-testid="team-risk">
                    <h2>{team.team.0.clone()}</h2>
                    <p class=badge.class()>
                        "Risk "
                        <span data-testid="risk-score">{badge.score}</span>
                        {format!(" · {} · {}", badge.level, badge.trend)}
                    </p>
                    <Factors risk=team.risk.clone()/>
                </article>
            }
        })
        .collect_view();
    let epics = report
        .epics
        .iter()
        .take(EPIC_LIMIT)
        .map(|epic| {
            let badge = RiskBadge::from_score(&epic.risk);
            view! {
                <tr>
                    <td>
                        <strong>{epic.epic.0.clone()}</strong>
                        " "
                        {epic.summary.clone()}
                    </td>
                    <td>{epic.team.as_ref().map(|team| team.0.clone()).unwrap_or_default()}</td>
                    <td class=badge.class()>{badge.score}</td>
                    <td>{badge.top_factor.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let cross_team: Vec<_> =
        report.dependencies.edges.iter().filter(|edge| edge.cross_team).collect();
    let n_cross_team = cross_team.len();
    let edges = cross_team
        .into_iter()
        .take(EDGE_LIMIT)
        .map(|edge| {
            let links: Vec<String> = edge
                .links
                .iter()
                .map(|link| format!("{} blocks {}", link.blocker, link.blocked))
                .collect();
            view! {
                <li>
                    <strong>{format!("{} → {}", edge.from, edge.to)}</strong>
                    <span class="detail">{links.join(", ")}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class=org.class() data-testid="org-risk">
            {format!("Organisation {} · {} · {}", org.score, org.level, org.trend)}
        </p>
        <div class="cards">{teams}</div>
        <h2>"Riskiest epics"</h2>
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Epic"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Score"</th>
                        <th scope="col">"Main factor"</th>
                    </tr>
                </thead>
                <tbody>{epics}</tbody>
            </table>
        </div>
        <h2>{format!("Cross-team dependencies ({n_cross_team})")}</h2>
        <ul class="issues">{edges}</ul>
    }
}

/// The factors that give points, with their evidence.
#[component]
fn Factors(risk: RiskScore) -> impl IntoView {
    let rows = risk
        .factors
        .into_iter()
        .filter(|factor| factor.points > 0)
        .map(|factor| {
            let evidence: Vec<String> =
                factor.evidence.iter().take(5).map(|key| key.0.clone()).collect();
            view! {
                <li>
                    <strong>{format!("{} pts · {}", factor.points, factor.name.label())}</strong>
                    " "
                    {factor.why}
                    <span class="detail">{evidence.join(", ")}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="issues">{rows}</ul> }
}
