#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use proptest::prelude::*;

use super::*;
use crate::risk::fixture::{self, as_of, at};

fn run(state: &AlertState, events: &[Event], now: DateTime<Utc>) -> AlertUpdate {
    evaluate(state, &fixture::demo(), events, now, &AlertOptions::default())
}

fn by_rule<'a>(update: &'a AlertUpdate, rule: AlertRule, key: &str) -> Option<&'a Alert> {
    update
        .state
        .alerts
        .iter()
        .find(|a| a.rule == rule && a.issues.first().is_some_and(|k| k.0 == key))
}

#[test]
fn fnv1a_matches_the_published_test_vectors() {
    assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_demo_raises_one_alert_per_condition() {
    let update = run(&AlertState::default(), &[], as_of());
    let p0 = by_rule(&update, AlertRule::HighPriority, "BRAVO-17").map(|a| a.severity);
    assert_eq!(p0, Some(Severity::Critical));
    assert!(by_rule(&update, AlertRule::Blocked, "BRAVO-15").is_some());
    assert!(by_rule(&update, AlertRule::Flagged, "BRAVO-16").is_some());
    assert!(by_rule(&update, AlertRule::SensitiveLabel, "BRAVO-17").is_some());
    assert!(by_rule(&update, AlertRule::AgingPastP95, "BRAVO-5").is_some());
    let dep =
        by_rule(&update, AlertRule::CrossTeamDependency, "BRAVO-19").map(|a| a.issues.clone());
    assert_eq!(dep, Some(vec![IssueKey::from("BRAVO-19"), IssueKey::from("CHARLIE-7")]));
    let sprints: Vec<_> = update
        .state
        .alerts
        .iter()
        .filter(|a| a.rule == AlertRule::SprintAtRisk)
        .filter_map(|a| a.team.clone())
        .collect();
    assert!(sprints.contains(&TeamId("Bravo".into())), "{sprints:?}");
    assert!(!sprints.contains(&TeamId("Alpha".into())), "{sprints:?}");
    assert_eq!(update.raised.len(), update.state.alerts.len());
    let mut ids: Vec<_> = update.state.alerts.iter().map(|a| &a.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), update.state.alerts.len());
    assert!(update.state.alerts.windows(2).all(|w| w[0].severity <= w[1].severity));
}

#[test]
fn evaluating_again_keeps_ids_and_first_seen_and_raises_nothing() {
    let first = run(&AlertState::default(), &[], as_of());
    let again = run(&first.state, &[], as_of());
    assert!(again.raised.is_empty(), "{:?}", again.raised);
    assert!(again.resolved.is_empty());
    // Minutes later, every alert is still there with its first sighting.
    let later = as_of() + Duration::minutes(5);
    let second = run(&first.state, &[], later);
    assert!(second.resolved.is_empty());
    for a in &first.state.alerts {
        let b = second.state.alerts.iter().find(|b| b.id == a.id);
        assert_eq!(b.map(|b| (b.first_seen, b.last_seen)), Some((a.first_seen, later)));
    }
}

#[test]
fn unacknowledged_urgent_alerts_escalate_once_after_thirty_minutes() {
    let first = run(&AlertState::default(), &[], as_of());
    let early = run(&first.state, &[], as_of() + Duration::minutes(29));
    assert!(early.escalations.is_empty());
    let due = run(&early.state, &[], as_of() + Duration::minutes(30));
    let escalated: Vec<Severity> = due.escalations.iter().map(|e| e.severity).collect();
    assert!(!escalated.is_empty());
    assert!(
        escalated.iter().all(|s| matches!(s, Severity::Critical | Severity::High)),
        "{escalated:?}"
    );
    let again = run(&due.state, &[], as_of() + Duration::minutes(90));
    assert!(again.escalations.is_empty());
}

#[test]
fn an_acknowledged_alert_does_not_escalate() {
    let first = run(&AlertState::default(), &[], as_of());
    let p0 = by_rule(&first, AlertRule::HighPriority, "BRAVO-17")
        .map(|a| a.id.clone())
        .unwrap_or_else(|| AlertId(String::new()));
    let acked = acknowledge(&first.state, &p0.0[..8], as_of()).unwrap_or_default();
    let later = run(&acked, &[], as_of() + Duration::hours(1));
    assert!(later.escalations.iter().all(|e| e.id != p0));
    assert!(later.state.alerts.iter().any(|a| a.id == p0 && a.acknowledged));
    assert_eq!(
        acknowledge(&first.state, "ffff0000", as_of()),
        Err(Error::UnknownAlert("ffff0000".into()))
    );
}

#[test]
fn an_alert_resolves_when_its_condition_clears() {
    let first = run(&AlertState::default(), &[], as_of());
    let blocked = by_rule(&first, AlertRule::Blocked, "BRAVO-15").map(|a| a.id.clone());
    let mut dataset = fixture::demo();
    if let Some(issue) = dataset.issues.iter_mut().find(|i| i.key.0 == "BRAVO-15") {
        *issue = fixture::moved(issue.clone(), &[("In Progress", 0.01)]);
    }
    let later = evaluate(&first.state, &dataset, &[], at(0.02), &AlertOptions::default());
    assert_eq!(later.resolved.iter().filter(|id| Some(*id) == blocked.as_ref()).count(), 1);
}

#[test]
fn a_raised_priority_from_a_webhook_alerts_before_the_next_sync() {
    let raised = Event::PriorityChanged {
        key: IssueKey::from("CHARLIE-12"),
        team: None,
        from: Some(Priority::P2),
        to: Priority::P0,
        at: at(0.1),
    };
    let update = run(&AlertState::default(), std::slice::from_ref(&raised), at(0.2));
    let alert = by_rule(&update, AlertRule::HighPriority, "CHARLIE-12").cloned();
    let alert = alert.unwrap_or_else(|| panic!("{:#?}", update.state.alerts));
    assert_eq!(alert.severity, Severity::Critical);
    assert_eq!(alert.team, Some(TeamId("Charlie".into())));
    // Without the event again, the dataset (older than the event) keeps it open.
    let next = run(&update.state, &[], at(0.3));
    assert!(next.state.alerts.iter().any(|a| a.id == alert.id));
}

// Snapshots are files; the browser has none.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn demo_alerts_snapshot() {
    let update = run(&AlertState::default(), &[], as_of());
    let lines: Vec<String> = update
        .state
        .alerts
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {:?} {}",
                a.id,
                a.severity,
                a.rule.name(),
                a.team.as_ref().map(|t| &t.0),
                a.title
            )
        })
        .collect();
    insta::assert_snapshot!("demo_alerts", lines.join("\n"));
}

proptest! {
    #[test]
    fn the_same_inputs_give_the_same_alert_ids(
        minutes in -20_000i64..600,
        raise in proptest::option::of(0usize..40),
        flagged in any::<bool>(),
    ) {
        let now = as_of() + Duration::minutes(minutes);
        let dataset = fixture::demo();
        let mut events = Vec::new();
        if let Some(n) = raise {
            let key = dataset.issues[n % dataset.issues.len()].key.clone();
            events.push(Event::PriorityChanged { key: key.clone(), team: None, from: None, to: Priority::P1, at: now - Duration::minutes(1) });
            events.push(Event::FlagChanged { key, team: None, flagged, at: now - Duration::minutes(2) });
        }
        let opts = AlertOptions::default();
        let a = evaluate(&AlertState::default(), &dataset, &events, now, &opts);
        let b = evaluate(&AlertState::default(), &dataset.clone(), &events, now, &opts);
        prop_assert_eq!(&a, &b);
        for alert in &a.state.alerts {
            prop_assert_eq!(alert.id.0.len(), 16);
            prop_assert!(alert.id.0.chars().all(|c| c.is_ascii_hexdigit()));
        }
        // Evaluating on top of the result changes no id.
        let c = evaluate(&a.state, &dataset, &events, now, &opts);
        let ids = |u: &AlertUpdate| u.state.alerts.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
        prop_assert_eq!(ids(&a), ids(&c));
        prop_assert!(c.raised.is_empty());
    }
}
