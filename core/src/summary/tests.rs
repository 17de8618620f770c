#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::render::{self, Format};
use super::*;
use crate::risk::fixture::{self, as_of};

fn week() -> IsoWeek {
    IsoWeek::containing(as_of().date_naive())
}

fn summary() -> ExecutiveSummary {
    executive_summary(&fixture::demo(), week(), as_of(), &SummaryOptions::default())
}

#[test]
fn a_week_not_over_is_read_at_as_of() {
    let s = summary();
    assert_eq!(s.as_of, as_of());
    assert_eq!(s.week.to_string(), "2026-W48");
    let earlier =
        executive_summary(&fixture::demo(), week().previous(), as_of(), &SummaryOptions::default());
    assert_eq!(earlier.as_of.date_naive(), week().monday());
}

#[test]
fn every_team_gets_a_few_plain_sentences() {
    let s = summary();
    assert_eq!(s.teams.len(), 3);
    for team in &s.teams {
        assert!((2..=4).contains(&team.sentences.len()), "{:?}", team.sentences);
        assert!(team.sentences[0].starts_with(&team.team.0));
        assert!(team.sentences.iter().all(|line| line.ends_with('.')), "{:?}", team.sentences);
    }
}

#[test]
fn throughput_counts_the_week_against_the_four_before() {
    let s = summary();
    let total: u32 = s.teams.iter().map(|t| t.throughput.this_week).sum();
    assert_eq!(s.throughput.this_week, total);
    let shipped: u32 = s.shipped.iter().map(|sh| sh.items).sum();
    assert_eq!(shipped, total);
    assert!(s.throughput.mean_4w > 0.0);
}

#[test]
fn the_riskiest_things_lead_with_their_reason() {
    let s = summary();
    assert!(!s.risks.is_empty());
    assert_eq!(s.risks[0].subject, "Bravo");
    assert!(s.risks.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(s.headline.iter().any(|line| line.contains("Biggest concern: Bravo")));
}

#[test]
fn dated_epics_come_first_with_their_odds() {
    let s = summary();
    let first = &s.epics[0];
    assert_eq!(first.epic.as_str(), "BRAVO-100");
    assert!(first.odds.is_some_and(|o| o < 0.7));
    assert!(first.sentence.contains("due date"), "{}", first.sentence);
    if let (Some(p50), Some(p85)) = (first.p50, first.p85) {
        assert!(p50 <= p85);
    }
}

#[test]
fn the_weeks_alerts_include_the_new_p0() {
    let s = summary();
    assert!(s.alerts.iter().any(|a| a.title.contains("BRAVO-17")));
    assert!(s.alerts.windows(2).all(|w| w[0].severity <= w[1].severity));
}

#[test]
fn html_escapes_jira_text_and_needs_nothing_external() {
    let mut dataset = fixture::demo();
    for issue in &mut dataset.issues {
        if issue.key.as_str() == "BRAVO-100" {
            issue.summary = "<script>alert('x')</script> & co".to_owned();
        }
    }
    let s = executive_summary(&dataset, week(), as_of(), &SummaryOptions::default());
    let page = render::render(&s, Format::Html);
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("src="));
    assert!(page.contains("@media print"));
}

#[test]
fn json_round_trips() {
    let s = summary();
    let text = render::render(&s, Format::Json);
    let back: ExecutiveSummary = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, s);
}

// Snapshots are files; the browser has none.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn markdown_summary_of_the_demo() {
    insta::assert_snapshot!("demo_markdown", render::render(&summary(), Format::Markdown));
}

// Snapshots are files; the browser has none.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn html_summary_of_the_demo() {
    insta::assert_snapshot!("demo_html", render::render(&summary(), Format::Html));
}

#[test]
fn status_has_a_line_per_team_consistent_with_risk() {
    let status = team_status(&fixture::demo(), as_of(), &RiskConfig::default());
    let report = crate::risk::risk_report(&fixture::demo(), as_of(), &RiskConfig::default());
    assert_eq!(status.teams.len(), report.teams.len());
    for (line, risk) in status.teams.iter().zip(&report.teams) {
        assert_eq!((&line.team, line.score), (&risk.team, risk.risk.score));
    }
    let total: u32 = status.teams.iter().map(|t| t.throughput.this_week).sum();
    assert_eq!(status.throughput.this_week, total);
    let bravo = status.teams.iter().find(|t| t.team.0 == "Bravo").and_then(|t| t.sprint_odds);
    assert!(bravo.is_some_and(|odds| odds < 0.5));
}
