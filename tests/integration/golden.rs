//! Golden tests of risk, alerts, the executive summary, `ask` and the
//! dashboard overview on the simulated organisation: a fixed seed and a fixed
//! "now", exported over the sim's real search API exactly as a user would,
//! read by core's ingest, and checked against committed snapshots.

use chrono::{DateTime, Utc};
use director_core::alerts::{self, AlertOptions, AlertState};
use director_core::ask;
use director_core::ingest::{self, IngestOptions};
use director_core::model::Dataset;
use director_core::risk::{self, RiskConfig, RiskScore};
use director_core::summary::render::{self, Format};
use director_core::summary::{self, IsoWeek, SummaryOptions};
use director_proxy::cli::dashboard::{self, Overview};
use director_sim::Preset;
use director_tests::{sim_options, start_sim};

/// The instant every golden is computed at: the sim's "now".
fn as_of() -> DateTime<Utc> {
    sim_options(Preset::Tiny).now
}

/// The tiny organisation as a JIRA search export (`{"issues": [...]}` with changelogs).
async fn export() -> anyhow::Result<String> {
    let sim = start_sim(sim_options(Preset::Tiny)).await?;
    let projects: Vec<String> = sim.teams().iter().map(|t| t.project_key.clone()).collect();
    let client = reqwest::Client::new();
    let mut issues: Vec<serde_json::Value> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![
            ("jql", format!("project in ({}) ORDER BY key", projects.join(","))),
            ("fields", "*all".to_owned()),
            ("expand", "changelog".to_owned()),
            ("maxResults", "100".to_owned()),
        ];
        if let Some(next) = &token {
            query.push(("nextPageToken", next.clone()));
        }
        let page: serde_json::Value = client
            .get(format!("{}/rest/api/3/search/jql", sim.base_url()))
            .basic_auth("demo@example.com", Some("demo-token"))
            .query(&query)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        issues.extend(page["issues"].as_array().cloned().unwrap_or_default());
        token = page["nextPageToken"].as_str().map(str::to_owned);
        if token.is_none() || page["isLast"].as_bool() == Some(true) {
            break;
        }
    }
    sim.shutdown().await;
    Ok(serde_json::json!({ "issues": issues }).to_string())
}

async fn dataset() -> anyhow::Result<Dataset> {
    let text = export().await?;
    let (dataset, _diagnostics) = ingest::dataset_from_str(&text, &IngestOptions::default())?;
    anyhow::ensure!(!dataset.issues.is_empty(), "the sim exported no issues");
    Ok(dataset)
}

fn assert_adds_up(score: &RiskScore) {
    assert!(score.score <= 100);
    assert_eq!(score.factors.iter().map(|f| f.points).sum::<u32>(), score.score, "{score:#?}");
}

#[tokio::test]
async fn risk_alerts_and_summary_of_the_sim_match_their_goldens() -> anyhow::Result<()> {
    let dataset = dataset().await?;
    let report = risk::risk_report(&dataset, as_of(), &RiskConfig::default());
    assert_adds_up(&report.organisation);
    report.teams.iter().for_each(|t| assert_adds_up(&t.risk));
    report.epics.iter().for_each(|e| assert_adds_up(&e.risk));
    insta::assert_json_snapshot!("sim_tiny_risk_teams", report.teams);

    let week = IsoWeek::last_full_before(as_of());
    let weekly = summary::weekly_report(&dataset, week, as_of(), &SummaryOptions::default());
    insta::assert_snapshot!(
        "sim_tiny_summary_md",
        render::render(&weekly.summary, Format::Markdown)
    );
    // The combined report equals the separate calls.
    assert_eq!(
        weekly.summary,
        summary::executive_summary(&dataset, week, as_of(), &SummaryOptions::default())
    );

    let update =
        alerts::evaluate(&AlertState::default(), &dataset, &[], as_of(), &AlertOptions::default());
    let lines: Vec<String> = update
        .state
        .alerts
        .iter()
        .map(|a| format!("{} {} {} {}", a.id, a.severity, a.rule.name(), a.title))
        .collect();
    insta::assert_snapshot!("sim_tiny_alerts", lines.join("\n"));
    Ok(())
}

#[tokio::test]
async fn the_same_sim_gives_the_same_alert_ids_in_another_process_image() -> anyhow::Result<()> {
    // Two independent exports and ingests of the same seed: ids are a pure
    // function of the conditions, not of memory layout or hasher state.
    let (first, second) = (dataset().await?, dataset().await?);
    let ids = |dataset: &Dataset| {
        alerts::evaluate(&AlertState::default(), dataset, &[], as_of(), &AlertOptions::default())
            .state
            .alerts
            .into_iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
    };
    let ids_first = ids(&first);
    assert!(!ids_first.is_empty());
    assert_eq!(ids_first, ids(&second));
    Ok(())
}

#[tokio::test]
async fn ask_golden_answers_on_the_sim() -> anyhow::Result<()> {
    let dataset = dataset().await?;
    let team = dataset.teams.first().map(|t| t.id.0.clone()).unwrap_or_default();
    let questions = [
        format!("How is Team {team} doing?"),
        "What should I worry about?".to_owned(),
        format!("What is blocking {}?", team.to_lowercase()),
        "What changed since last week?".to_owned(),
        "When will the epics land?".to_owned(),
        "What is the airspeed of a swallow?".to_owned(),
    ];
    let mut lines = Vec::new();
    for question in &questions {
        let answer = ask::ask(question, &dataset, as_of());
        lines.push(format!("Q: {question}\nintent: {:?}\nA: {}\n", answer.intent, answer.text));
    }
    assert_eq!(ask::ask(&questions[0], &dataset, as_of()).intent, ask::Intent::Status);
    assert_eq!(ask::ask(&questions[5], &dataset, as_of()).intent, ask::Intent::Help);
    insta::assert_snapshot!("sim_tiny_ask", lines.join("\n"));
    Ok(())
}

#[tokio::test]
async fn the_dashboard_overview_fits_an_80_by_24_terminal() -> anyhow::Result<()> {
    let dataset = dataset().await?;
    let options = SummaryOptions::default();
    let weekly = summary::weekly_report(
        &dataset,
        IsoWeek::containing(as_of().date_naive()),
        as_of(),
        &options,
    );
    let overview = Overview {
        status: summary::team_status(&dataset, as_of(), &options.risk),
        summary: weekly.summary,
        alerts: weekly.alerts.state.alerts,
        data_age: "5 min".to_owned(),
        url: "http://127.0.0.1:8080/".to_owned(),
    };
    let screen = dashboard::render(&overview);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines.len() <= dashboard::HEIGHT, "{} lines:\n{screen}", lines.len());
    assert!(lines.iter().all(|l| l.chars().count() <= dashboard::WIDTH), "{screen}");
    assert_eq!(lines.last().copied(), Some("Dashboard: http://127.0.0.1:8080/"));
    let html = render::render(&overview.summary, Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
    Ok(())
}
