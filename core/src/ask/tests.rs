#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::risk::fixture::{self, as_of};

fn answer(question: &str) -> Answer {
    ask(question, &fixture::demo(), as_of())
}

fn team(name: &str) -> Subject {
    Subject::Team(TeamId(name.to_owned()))
}

fn epic(key: &str) -> Subject {
    Subject::Epic(IssueKey::from(key))
}

/// Golden examples: the question, what it must be understood as, and words the answer must hold.
const GOLDEN: &[(&str, Intent, &str, &[&str])] = &[
    (
        "How is Team Alpha doing?",
        Intent::Status,
        "team:Alpha",
        &["Alpha is green", "finished", "Alpha Sprint 23"],
    ),
    ("how's bravo", Intent::Status, "team:Bravo", &["Bravo is red"]),
    ("Status of team Charlie", Intent::Status, "team:Charlie", &["Charlie is"]),
    ("How is Team Bravvo doing?", Intent::Status, "team:Bravo", &["Bravo is red"]),
    (
        "What should I worry about?",
        Intent::Risks,
        "organisation",
        &["The organisation's risk", "riskiest team is Bravo"],
    ),
    ("What are Bravo's risks?", Intent::Risks, "team:Bravo", &["Bravo's risk is", "points"]),
    (
        "When will Payments revamp land?",
        Intent::Forecast,
        "epic:BRAVO-100",
        &["BRAVO-100", "due date"],
    ),
    ("when will the paymnets revamp ship", Intent::Forecast, "epic:BRAVO-100", &["BRAVO-100"]),
    ("When will BRAVO-100 be done?", Intent::Forecast, "epic:BRAVO-100", &["BRAVO-100"]),
    (
        "When will search relevance land",
        Intent::Forecast,
        "epic:ALPHA-1",
        &["ALPHA-1", "even odds"],
    ),
    ("When will Alpha finish its sprint?", Intent::Forecast, "team:Alpha", &["Alpha Sprint 23"]),
    (
        "What is blocking Bravo?",
        Intent::Blockers,
        "team:Bravo",
        &["BRAVO-15", "BRAVO-16", "BRAVO-19 on CHARLIE-7 (Charlie)"],
    ),
    ("Anything stuck?", Intent::Blockers, "organisation", &["blocked or flagged"]),
    (
        "What changed since last week?",
        Intent::Changes,
        "organisation",
        &["went from", "Biggest moves"],
    ),
    (
        "What changed for Bravo since last week?",
        Intent::Changes,
        "team:Bravo",
        &["Bravo's risk went from", "BRAVO-17"],
    ),
    ("Data export", Intent::Status, "epic:CHARLIE-100", &["CHARLIE-100"]),
];

fn subject_name(subject: &Subject) -> String {
    match subject {
        Subject::Organisation => "organisation".to_owned(),
        Subject::Team(t) => format!("team:{t}"),
        Subject::Epic(k) => format!("epic:{k}"),
    }
}

#[test]
fn golden_questions_are_understood_and_answered_from_the_numbers() {
    for (question, intent, subject, needles) in GOLDEN {
        let a = answer(question);
        assert_eq!(
            (a.intent, subject_name(&a.subject).as_str()),
            (*intent, *subject),
            "{question}: {}",
            a.text
        );
        for needle in *needles {
            assert!(a.text.contains(needle), "{question}: `{needle}` not in: {}", a.text);
        }
        let sentences = a.text.matches(". ").count() + 1;
        assert!(sentences <= 5, "{question}: too long: {}", a.text);
    }
}

#[test]
fn unknown_questions_list_what_can_be_asked() {
    let a = answer("What is the meaning of life?");
    assert_eq!(a.intent, Intent::Help);
    assert!(a.text.contains("Alpha, Bravo, Charlie"), "{}", a.text);
    assert!(a.suggestions.iter().any(|s| s.contains("How is Team Alpha doing?")));
}

#[test]
fn an_unknown_team_is_named_in_the_answer() {
    let a = answer("How is team Zulu doing?");
    assert_eq!(a.intent, Intent::Help);
    assert!(a.text.contains("no team called \"zulu\""), "{}", a.text);
}

#[test]
fn status_matches_the_risk_report() {
    let report = risk::risk_report(&fixture::demo(), as_of(), &RiskConfig::default());
    let bravo = report.teams.iter().find(|t| t.team.0 == "Bravo").map(|t| t.risk.score);
    let a = answer("How is Bravo doing?");
    assert_eq!(a.subject, team("Bravo"));
    assert!(a.text.contains(&format!("({},", bravo.unwrap_or_default())), "{}", a.text);
    assert_eq!(answer("when will BRAVO-100 land").subject, epic("BRAVO-100"));
}

// Snapshots are files; the browser has none.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn golden_answers_snapshot() {
    let lines: Vec<String> =
        GOLDEN.iter().map(|(q, ..)| format!("Q: {q}\nA: {}\n", answer(q).text)).collect();
    insta::assert_snapshot!("golden_answers", lines.join("\n"));
}
