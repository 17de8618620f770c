//! The cross-team dependency graph: teams and epics as nodes, open blocking
//! links as edges, and for every deadline at risk the longest chain of
//! blockers behind it — the answer to "who do I need to talk to?".
//!
//! A link is open while both ends are unfinished. `blocks` and `is blocked by`
//! are the same link seen from either end, so each pair is counted once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Dataset, IssueKey, LinkKind, TeamId};

use super::signals::Index;
use super::{factors, RiskConfig};

/// Longest blocker chain followed, so a cycle or a pathological graph stays cheap.
const MAX_CHAIN: usize = 12;
/// Steps of path search per epic; longest simple path is exponential in the
/// worst case, so a dense tangle gets a good chain rather than the longest.
const SEARCH_BUDGET: usize = 5_000;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A team.
    Team,
    /// An epic.
    Epic,
}

/// A team or an epic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// `team:<name>` or `epic:<key>`.
    pub id: String,
    /// Team or epic.
    pub kind: NodeKind,
    /// Team name, or epic key and summary.
    pub label: String,
    /// The team (of the epic).
    pub team: Option<TeamId>,
    /// The epic's due date.
    pub due: Option<NaiveDate>,
}

/// One open `blocks` link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlockingLink {
    /// The unfinished issue in the way.
    pub blocker: IssueKey,
    /// The issue waiting on it.
    pub blocked: IssueKey,
}

/// Work of `from` blocks work of `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// Node id of the blocking side.
    pub from: String,
    /// Node id of the waiting side.
    pub to: String,
    /// The links behind the edge.
    pub links: Vec<BlockingLink>,
    /// The two sides belong to different teams.
    pub cross_team: bool,
}

/// The chain of blockers behind an epic whose deadline is at risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// The epic at risk.
    pub epic: IssueKey,
    /// Its due date.
    pub due: Option<NaiveDate>,
    /// Odds of landing by the due date.
    pub odds: Option<f64>,
    /// The epic's waiting item first, then each blocker in turn.
    pub path: Vec<IssueKey>,
    /// Teams along the path, in order of first appearance.
    pub teams: Vec<TeamId>,
}

/// Teams and epics with the open blocking links between them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DependencyGraph {
    /// Teams and epics that take part in at least one edge (every team is listed).
    pub nodes: Vec<Node>,
    /// Team→team and epic→epic edges, sorted by `from`, `to`.
    pub edges: Vec<Edge>,
    /// Blocker chains behind deadlines at risk, worst odds first.
    pub chains: Vec<Chain>,
}

/// The dependency graph as of `as_of`.
pub fn dependency_graph(
    dataset: &Dataset,
    as_of: DateTime<Utc>,
    cfg: &RiskConfig,
) -> DependencyGraph {
    let ix = Index::new(dataset, &cfg.blocked_statuses, super::signals::horizon(as_of));
    dependency_graph_in(&ix, as_of, cfg)
}

/// Open blocking pairs `(blocked, blocker)` as indices, each once.
fn open_links(ix: &Index<'_>, t: DateTime<Utc>) -> BTreeSet<(usize, usize)> {
    let mut res = BTreeSet::new();
    for idx in ix.candidates(t) {
        let issue = ix.issue(idx);
        if issue.links.is_empty() || !ix.is_open_at(issue, t) {
            continue;
        }
        for link in &issue.links {
            let Some(&other) = ix.by_key.get(link.other.as_str()) else { continue };
            if !ix.is_open_at(ix.issue(other), t) {
                continue;
            }
            match link.kind {
                LinkKind::IsBlockedBy => res.insert((idx, other)),
                LinkKind::Blocks => res.insert((other, idx)),
                LinkKind::Other(_) => false,
            };
        }
    }
    res
}

pub(crate) fn dependency_graph_in(
    ix: &Index<'_>,
    t: DateTime<Utc>,
    cfg: &RiskConfig,
) -> DependencyGraph {
    let links = open_links(ix, t);
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for team in ix.by_team.keys() {
        nodes.insert(
            format!("team:{team}"),
            Node {
                id: format!("team:{team}"),
                kind: NodeKind::Team,
                label: team.0.clone(),
                team: Some(team.clone()),
                due: None,
            },
        );
    }
    let mut edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
    let epic_of = |idx: usize| {
        let issue = ix.issue(idx);
        issue.epic.as_ref().and_then(|key| ix.by_key.get(key.as_str()).copied())
    };
    let add_epic_node = |nodes: &mut BTreeMap<String, Node>, epic: usize| {
        let issue = ix.issue(epic);
        let id = format!("epic:{}", issue.key);
        nodes.entry(id.clone()).or_insert_with(|| Node {
            id: id.clone(),
            kind: NodeKind::Epic,
            label: format!("{} {}", issue.key, issue.summary),
            team: issue.team.clone(),
            due: issue.due,
        });
        id
    };
    for &(blocked, blocker) in &links {
        let (a, b) = (ix.issue(blocker), ix.issue(blocked));
        let cross_team = a.team.is_some() && b.team.is_some() && a.team != b.team;
        let link = BlockingLink { blocker: a.key.clone(), blocked: b.key.clone() };
        let mut pairs = Vec::new();
        if let (Some(ta), Some(tb)) = (&a.team, &b.team) {
            if ta != tb {
                pairs.push((format!("team:{ta}"), format!("team:{tb}")));
            }
        }
        if let (Some(ea), Some(eb)) = (epic_of(blocker), epic_of(blocked)) {
            if ea != eb {
                pairs.push((add_epic_node(&mut nodes, ea), add_epic_node(&mut nodes, eb)));
            }
        }
        for (from, to) in pairs {
            let edge = edges.entry((from.clone(), to.clone())).or_insert_with(|| Edge {
                from,
                to,
                links: Vec::new(),
                cross_team,
            });
            edge.links.push(link.clone());
        }
    }
    let chains = chains(ix, &links, t, cfg);
    DependencyGraph {
        nodes: nodes.into_values().collect(),
        edges: edges.into_values().collect(),
        chains,
    }
}

fn chains(
    ix: &Index<'_>,
    links: &BTreeSet<(usize, usize)>,
    t: DateTime<Utc>,
    cfg: &RiskConfig,
) -> Vec<Chain> {
    let mut blockers: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(blocked, blocker) in links {
        blockers.entry(blocked).or_default().push(blocker);
    }
    let mut res = Vec::new();
    for &epic in &ix.epics {
        let issue = ix.issue(epic);
        if issue.due.is_none() || !ix.is_open_at(issue, t) {
            continue;
        }
        let Some(children) = ix.children.get(issue.key.as_str()) else { continue };
        let team_issues = issue
            .team
            .as_ref()
            .and_then(|tm| ix.by_team.get(tm))
            .map_or(&children[..], Vec::as_slice);
        let odds = factors::deadline_odds(ix, epic, team_issues, t);
        if odds.is_none_or(|p| p >= cfg.deadline_probability) {
            continue;
        }
        let mut best: Vec<usize> = Vec::new();
        for &child in children {
            if !blockers.contains_key(&child) {
                continue;
            }
            let mut budget = SEARCH_BUDGET;
            let path = longest_path(child, &blockers, &mut vec![child], &mut budget);
            if path.len() > best.len() || (path.len() == best.len() && path < best) {
                best = path;
            }
        }
        if best.len() < 2 {
            continue;
        }
        let mut teams: Vec<TeamId> = Vec::new();
        for &idx in &best {
            if let Some(team) = &ix.issue(idx).team {
                if !teams.contains(team) {
                    teams.push(team.clone());
                }
            }
        }
        res.push(Chain {
            epic: issue.key.clone(),
            due: issue.due,
            odds,
            path: best.iter().map(|&i| ix.issue(i).key.clone()).collect(),
            teams,
        });
    }
    crate::sort::stable_by(&mut res, |a, b| {
        a.odds.unwrap_or(0.0).total_cmp(&b.odds.unwrap_or(0.0)).then(a.epic.cmp(&b.epic))
    });
    res
}

/// The longest simple path of blockers starting at `from` (inclusive).
fn longest_path(
    from: usize,
    blockers: &HashMap<usize, Vec<usize>>,
    visiting: &mut Vec<usize>,
    budget: &mut usize,
) -> Vec<usize> {
    let mut best = vec![from];
    if visiting.len() >= MAX_CHAIN || *budget == 0 {
        return best;
    }
    *budget -= 1;
    for &next in blockers.get(&from).map_or(&[][..], Vec::as_slice) {
        if visiting.contains(&next) {
            continue;
        }
        visiting.push(next);
        let tail = longest_path(next, blockers, visiting, budget);
        visiting.pop();
        if tail.len() + 1 > best.len() {
            best = std::iter::once(from).chain(tail).collect();
        }
    }
    best
}
