//! `/risks`: the organisation's, each team's and the riskiest epics' scores,
//! every point explained by its factor and the issues behind it; then the
//! cross-team dependencies, drawn as a graph of teams and one of epics with
//! the chain of blockers behind a deadline at risk highlighted, and listed.

use std::collections::{BTreeMap, BTreeSet};

use director_core::model::{Dataset, IssueKey};
use director_core::risk::graph::{Chain, DependencyGraph, NodeKind};
use director_core::risk::{RiskReport, RiskScore};
use leptos::prelude::*;

use crate::components::charts::export::Exportable;
use crate::components::charts::graph::{
    self, DependencyGraphChart, GraphEdge, GraphNode, GraphStyle,
};
use crate::pages::overview::RiskBadge;
use crate::state::use_data;

/// Epics listed.
const EPIC_LIMIT: usize = 10;
/// Cross-team dependency edges listed.
const EDGE_LIMIT: usize = 20;
/// Epics drawn in the epic graph; the list below names every edge.
const EPIC_NODE_LIMIT: usize = 24;
/// Blocking links named in an edge's description.
const LINKS_NAMED: usize = 5;

/// The risks page.
#[component]
pub fn RisksPage() -> impl IntoView {
    let data = use_data();
    let chain_index = RwSignal::new(0_usize);
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
            <h2>"Dependency graph"</h2>
            {move || {
                let report = data.risk.get();
                let dataset = data.dataset.get();
                dependency_section(&report.dependencies, &dataset, chain_index).into_any()
            }}
        </section>
    }
}

/// The chain picker, its description and the two graphs.
fn dependency_section(
    graph: &DependencyGraph,
    dataset: &Dataset,
    chain_index: RwSignal<usize>,
) -> impl IntoView {
    let chains = graph.chains.clone();
    let chosen = chains.get(chain_index.get_untracked()).or(chains.first()).cloned();
    let picker = (chains.len() > 1).then(|| {
        let options = chains
            .iter()
            .enumerate()
            .map(|(idx, chain)| {
                view! {
                    <option value=idx.to_string() selected=idx == chain_index.get_untracked()>
                        {chain_label(chain)}
                    </option>
                }
            })
            .collect_view();
        view! {
            <div class="controls">
                <label>
                    "Deadline at risk"
                    <select
                        data-testid="chain-select"
                        on:change=move |ev| {
                            if let Ok(idx) = event_target_value(&ev).parse::<usize>() {
                                chain_index.set(idx);
                            }
                        }
                    >
                        {options}
                    </select>
                </label>
            </div>
        }
    });
    let chain_text = chosen.as_ref().map(|chain| {
        let path: Vec<String> = chain.path.iter().map(|key| key.0.clone()).collect();
        let teams: Vec<String> = chain.teams.iter().map(|team| team.0.clone()).collect();
        view! {
            <p class="chain-text" data-testid="risk-chain">
                <strong>{chain_label(chain)}</strong>
                ": "
                {path.join(" waits on ")}
                {(!teams.is_empty()).then(|| format!(" (teams: {})", teams.join(" → ")))}
            </p>
        }
    });
    let chain_nodes = |kind| {
        chosen.as_ref().map(|chain| chain_node_ids(chain, dataset, kind)).unwrap_or_default()
    };
    let (team_nodes, team_edges, _) =
        graph_parts(graph, NodeKind::Team, &chain_nodes(NodeKind::Team), usize::MAX);
    let (epic_nodes, epic_edges, hidden) =
        graph_parts(graph, NodeKind::Epic, &chain_nodes(NodeKind::Epic), EPIC_NODE_LIMIT);
    let n_team_edges = team_edges.len();
    let teams = drawings("teams", "Teams blocking other teams", team_nodes, team_edges);
    let epics = (!epic_nodes.is_empty()).then(|| {
        let note = (hidden > 0).then(|| {
            view! { <p class="detail">{format!("{hidden} more epics with blocking links are in the list below.")}</p> }
        });
        view! {
            <h3>"Between epics"</h3>
            {note}
            {drawings("epics", "Epics blocking other epics", epic_nodes, epic_edges)}
        }
    });
    view! {
        <p class="detail">
            "Arrows point from the blocking work to the work waiting on it. "
            {if chosen.is_some() { "The chain behind the deadline at risk is drawn thick and vermillion." } else { "No deadline is at risk from a chain of blockers." }}
        </p>
        {picker}
        {chain_text}
        <h3>{format!("Between teams ({n_team_edges} links)")}</h3>
        {teams}
        {epics}
    }
}

/// The same graph laid out for wide screens and for phones; the stylesheet
/// shows the one that fits.
fn drawings(
    name: &'static str,
    title: &'static str,
    nodes: Vec<GraphNode>,
    edges: Vec<GraphEdge>,
) -> impl IntoView {
    let wide_nodes = nodes.clone();
    let wide_edges = edges.clone();
    view! {
        <div class="graph-wide">
            <Exportable name=format!("dependencies-{name}")>
                <DependencyGraphChart
                    nodes=wide_nodes
                    edges=wide_edges
                    style=GraphStyle::WIDE
                    name=format!("{name}-wide")
                    title=title.to_owned()
                />
            </Exportable>
        </div>
        <div class="graph-narrow">
            <Exportable name=format!("dependencies-{name}")>
                <DependencyGraphChart
                    nodes=nodes
                    edges=edges
                    style=GraphStyle::NARROW
                    name=format!("{name}-narrow")
                    title=title.to_owned()
                />
            </Exportable>
        </div>
    }
}

fn chain_label(chain: &Chain) -> String {
    let due =
        chain.due.map(|due| format!(" due {}", crate::dates::day_month(due))).unwrap_or_default();
    let odds = chain.odds.map(|odds| format!(", {:.0}% likely", odds * 100.0)).unwrap_or_default();
    format!("{}{due}{odds}", chain.epic)
}

/// The chain as graph node ids of `kind`, waiting end first, each node once
/// in a row: a team node per issue's team, an epic node per issue's epic.
fn chain_node_ids(chain: &Chain, dataset: &Dataset, kind: NodeKind) -> Vec<String> {
    let mut res: Vec<String> = Vec::new();
    for key in &chain.path {
        let issue = dataset.issue(key);
        let id = match kind {
            NodeKind::Team => {
                issue.and_then(|issue| issue.team.as_ref()).map(|team| format!("team:{team}"))
            }
            NodeKind::Epic => {
                let epic: Option<&IssueKey> = issue.and_then(|issue| issue.epic.as_ref());
                Some(format!("epic:{}", epic.unwrap_or(key)))
            }
        };
        if let Some(id) = id {
            if res.last() != Some(&id) {
                res.push(id);
            }
        }
    }
    res
}

/// Nodes and edges of `kind` for drawing, at most `limit` nodes (the chain's
/// first, then the most connected), and how many were left out.
fn graph_parts(
    graph: &DependencyGraph,
    kind: NodeKind,
    chain: &[String],
    limit: usize,
) -> (Vec<GraphNode>, Vec<GraphEdge>, usize) {
    let nodes: Vec<_> = graph.nodes.iter().filter(|node| node.kind == kind).collect();
    let known: BTreeSet<&str> = nodes.iter().map(|node| node.id.as_str()).collect();
    let edges: Vec<_> = graph
        .edges
        .iter()
        .filter(|edge| known.contains(edge.from.as_str()) && known.contains(edge.to.as_str()))
        .collect();
    let mut degree: BTreeMap<&str, usize> = BTreeMap::new();
    for edge in &edges {
        *degree.entry(edge.from.as_str()).or_default() += 1;
        *degree.entry(edge.to.as_str()).or_default() += 1;
    }
    let mut ranked: Vec<_> = nodes.clone();
    director_core::sort::stable_by_key(&mut ranked, |node| {
        (
            !chain.contains(&node.id),
            std::cmp::Reverse(degree.get(node.id.as_str()).copied().unwrap_or(0)),
            node.id.clone(),
        )
    });
    let kept: BTreeSet<&str> = ranked.iter().take(limit).map(|node| node.id.as_str()).collect();
    let hidden = nodes.len() - kept.len();
    let shown: Vec<_> = nodes.into_iter().filter(|node| kept.contains(node.id.as_str())).collect();
    let index: BTreeMap<&str, usize> =
        shown.iter().enumerate().map(|(idx, node)| (node.id.as_str(), idx)).collect();
    let pairs: Vec<(usize, usize)> = edges
        .iter()
        .filter_map(|edge| Some((*index.get(edge.from.as_str())?, *index.get(edge.to.as_str())?)))
        .collect();
    let chain_indices: Vec<usize> =
        chain.iter().filter_map(|id| index.get(id.as_str()).copied()).collect();
    let on_chain = graph::chain_edges(&pairs, &chain_indices);
    let graph_edges = edges
        .iter()
        .filter(|edge| {
            index.contains_key(edge.from.as_str()) && index.contains_key(edge.to.as_str())
        })
        .zip(pairs.iter().zip(on_chain))
        .map(|(edge, (&(from, to), highlighted))| {
            let mut links: Vec<String> = edge
                .links
                .iter()
                .take(LINKS_NAMED)
                .map(|link| format!("{} blocks {}", link.blocker, link.blocked))
                .collect();
            if edge.links.len() > LINKS_NAMED {
                links.push(format!("{} more", edge.links.len() - LINKS_NAMED));
            }
            GraphEdge {
                from,
                to,
                title: format!(
                    "{} blocks {}{}: {}",
                    short_name(&edge.from),
                    short_name(&edge.to),
                    if highlighted { " (on the chain at risk)" } else { "" },
                    links.join(", ")
                ),
                highlighted,
            }
        })
        .collect();
    let on_chain_nodes: BTreeSet<&str> = chain.iter().map(String::as_str).collect();
    let graph_nodes = shown
        .iter()
        .map(|node| {
            let highlighted = on_chain_nodes.contains(node.id.as_str());
            let (lines, title) = match node.kind {
                NodeKind::Team => {
                    (vec![graph::truncate(&node.label, 20)], format!("Team {}", node.label))
                }
                NodeKind::Epic => {
                    let (key, summary) =
                        node.label.split_once(' ').unwrap_or((node.label.as_str(), ""));
                    let team =
                        node.team.as_ref().map(|team| format!(", team {team}")).unwrap_or_default();
                    let due = node
                        .due
                        .map(|due| format!(", due {}", crate::dates::day_month_year(due)))
                        .unwrap_or_default();
                    (
                        vec![key.to_owned(), graph::truncate(summary, 20)],
                        format!("Epic {}{team}{due}", node.label),
                    )
                }
            };
            let title = if highlighted { format!("{title} (on the chain at risk)") } else { title };
            GraphNode { id: node.id.clone(), lines, title, highlighted }
        })
        .collect();
    (graph_nodes, graph_edges, hidden)
}

/// `team:Alpha` → `Alpha`, `epic:PAY-1` → `PAY-1`.
fn short_name(id: &str) -> &str {
    id.split_once(':').map_or(id, |(_, name)| name)
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
