#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use proptest::prelude::*;

use super::fixture::{self, as_of};
use super::*;

fn report() -> RiskReport {
    risk_report(&fixture::demo(), as_of(), &RiskConfig::default())
}

fn team<'r>(report: &'r RiskReport, name: &str) -> &'r RiskScore {
    report
        .teams
        .iter()
        .find(|t| t.team.0 == name)
        .map(|t| &t.risk)
        .unwrap_or_else(|| panic!("team {name}"))
}

fn factor(score: &RiskScore, kind: FactorKind) -> &Factor {
    score.factors.iter().find(|f| f.name == kind).unwrap_or_else(|| panic!("factor {kind:?}"))
}

fn assert_adds_up(score: &RiskScore) {
    let sum: u32 = score.factors.iter().map(|f| f.points).sum();
    assert_eq!(sum, score.score, "{score:#?}");
    assert!(score.score <= 100);
    for f in &score.factors {
        assert!(f64::from(f.points) <= f.weight.ceil() + 1e-9, "{f:?}");
    }
}

#[test]
fn every_score_of_the_demo_adds_up_from_its_factors() {
    let report = report();
    assert_adds_up(&report.organisation);
    for team in &report.teams {
        assert_adds_up(&team.risk);
    }
    assert!(!report.epics.is_empty());
    for epic in &report.epics {
        assert_adds_up(&epic.risk);
    }
}

#[test]
fn the_team_in_trouble_scores_worse_than_the_steady_one() {
    let report = report();
    let (alpha, bravo) = (team(&report, "Alpha"), team(&report, "Bravo"));
    assert!(bravo.score > alpha.score + 20, "alpha {} bravo {}", alpha.score, bravo.score);
    assert_eq!(alpha.level, RiskLevel::Green);
    assert_ne!(bravo.level, RiskLevel::Green);
}

#[test]
fn blocked_and_flagged_items_are_the_evidence_of_the_blocked_factor() {
    let report = report();
    let blocked = factor(team(&report, "Bravo"), FactorKind::Blocked);
    assert_eq!(blocked.evidence, vec![IssueKey::from("BRAVO-15"), IssueKey::from("BRAVO-16")]);
    assert!(blocked.points > 0);
    assert!(blocked.why.contains("BRAVO-15"), "{}", blocked.why);
    let alpha = factor(team(&report, "Alpha"), FactorKind::Blocked);
    assert_eq!(alpha.points, 0);
    assert!(alpha.evidence.is_empty());
}

#[test]
fn the_trend_compares_with_the_same_dataset_a_week_earlier() {
    let report = report();
    let bravo = team(&report, "Bravo");
    let previous = bravo.trend.previous.unwrap_or_default();
    assert!(previous < bravo.score, "a P0, a flag and an overdue item arrived this week");
    assert_eq!(bravo.trend.delta, Some(bravo.score as i32 - previous as i32));
    assert_eq!(bravo.trend.direction, TrendDirection::Worse);
    let week_ago = team_risk(
        &fixture::demo(),
        &TeamId("Bravo".into()),
        as_of() - Duration::days(7),
        &RiskConfig::default(),
    );
    assert_eq!(week_ago.map(|r| r.score), Some(previous));
}

#[test]
fn epics_have_no_sprint_factors_and_their_weight_goes_to_the_rest() {
    let report = report();
    let epic = report.epics.iter().find(|e| e.epic.0 == "BRAVO-100").map(|e| &e.risk);
    let epic = epic.unwrap_or_else(|| panic!("BRAVO-100 scored"));
    let sprint = factor(epic, FactorKind::SprintCompletion);
    assert_eq!((sprint.weight, sprint.points), (0.0, 0));
    let total: f64 = epic.factors.iter().map(|f| f.weight).sum();
    assert!((total - 100.0).abs() < 0.05, "{total}");
    let deadline = factor(epic, FactorKind::Deadline);
    assert!(deadline.points > 0, "{deadline:?}");
    assert_eq!(deadline.evidence, vec![IssueKey::from("BRAVO-100")]);
}

#[test]
fn cross_team_waits_name_both_issues() {
    let report = report();
    let deps = factor(team(&report, "Bravo"), FactorKind::CrossTeamDependencies);
    assert!(deps.evidence.contains(&IssueKey::from("BRAVO-19")));
    assert!(deps.evidence.contains(&IssueKey::from("CHARLIE-7")));
}

#[test]
fn the_chain_behind_a_deadline_at_risk_crosses_three_teams() {
    let graph = report().dependencies;
    let chain = graph
        .chains
        .iter()
        .find(|c| c.epic.0 == "BRAVO-100")
        .unwrap_or_else(|| panic!("{graph:#?}"));
    let path: Vec<&str> = chain.path.iter().map(IssueKey::as_str).collect();
    assert_eq!(path, ["BRAVO-19", "CHARLIE-7", "ALPHA-9"]);
    let teams: Vec<&str> = chain.teams.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(teams, ["Bravo", "Charlie", "Alpha"]);
    assert!(graph
        .edges
        .iter()
        .any(|e| e.from == "team:Alpha" && e.to == "team:Charlie" && e.cross_team));
    assert!(graph.edges.iter().any(|e| e.from == "team:Charlie" && e.to == "team:Bravo"));
}

#[test]
fn json_reads_score_level_trend_factors() {
    let report = report();
    let value = serde_json::to_value(team(&report, "Bravo")).unwrap_or_default();
    let keys: Vec<&String> = value.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["factors", "level", "score", "trend"]);
    let factor = &value["factors"][0];
    let keys: Vec<&String> = factor.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["evidence", "name", "points", "weight", "why"]);
    assert_eq!(factor["name"], "blocked");
}

#[test]
fn config_takes_a_partial_toml_table_and_defaults_the_rest() {
    let cfg: RiskConfig =
        toml::from_str("red_from = 70\n[weights]\nblocked = 40\n").unwrap_or_default();
    assert_eq!(cfg.red_from, 70);
    assert_eq!(cfg.weights.blocked, 40.0);
    assert_eq!(cfg.weights.overdue, RiskWeights::default().overdue);
    assert_eq!(cfg.amber_from, RiskConfig::default().amber_from);
}

// Snapshots are files; the browser has none.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn risk_breakdown_of_the_demo_teams() {
    let report = report();
    insta::assert_json_snapshot!("demo_teams", report.teams);
    insta::assert_json_snapshot!("demo_organisation", report.organisation);
}

// Snapshots are files; the browser has none.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn dependency_graph_of_the_demo() {
    insta::assert_json_snapshot!("demo_graph", report().dependencies);
}

fn signal(kind: FactorKind, severity: Option<f64>) -> Signal {
    Signal { kind, severity, count: 0, evidence: Vec::new(), why: String::new() }
}

proptest! {
    #[test]
    fn points_always_add_up_to_a_score_within_0_and_100(
        severities in proptest::collection::vec(proptest::option::weighted(0.8, 0.0f64..=1.0), 10),
        weights in proptest::collection::vec(0.0f64..50.0, 10),
    ) {
        let cfg = RiskConfig {
            weights: RiskWeights {
                blocked: weights[0], overdue: weights[1], high_priority: weights[2], aging_wip: weights[3],
                stalled: weights[4], sprint_completion: weights[5], scope_creep: weights[6],
                carry_over: weights[7], cross_team_dependencies: weights[8], deadline: weights[9],
            },
            ..RiskConfig::default()
        };
        let signals: Vec<Signal> = FactorKind::ALL.iter().zip(&severities).map(|(k, s)| signal(*k, *s)).collect();
        let (score, factors) = score_signals(&signals, &cfg);
        prop_assert!(score <= 100);
        prop_assert_eq!(factors.iter().map(|f| f.points).sum::<u32>(), score);
        // Reported weights are rounded to 0.01, so allow for ten such roundings.
        let exact: f64 = factors.iter().zip(&signals).map(|(f, s)| f.weight * s.severity.unwrap_or(0.0)).sum();
        prop_assert!((f64::from(score) - exact).abs() <= 0.5 + 0.06, "{} vs {}", score, exact);
    }

    #[test]
    fn scores_add_up_on_any_subset_of_the_demo_at_any_instant(
        keep in proptest::collection::vec(any::<bool>(), 200),
        shift_hours in -400i64..48,
    ) {
        let mut dataset = fixture::demo();
        let mut n = 0;
        dataset.issues.retain(|_| { n += 1; keep[(n - 1) % keep.len()] });
        let report = risk_report(&dataset, as_of() + Duration::hours(shift_hours), &RiskConfig::default());
        for score in std::iter::once(&report.organisation)
            .chain(report.teams.iter().map(|t| &t.risk))
            .chain(report.epics.iter().map(|e| &e.risk))
        {
            prop_assert!(score.score <= 100);
            prop_assert_eq!(score.factors.iter().map(|f| f.points).sum::<u32>(), score.score);
        }
    }
}
