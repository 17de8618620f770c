//! The `/api/v1` surface over HTTP: deltas since a cursor, teams, sprints,
//! sync status and manual sync, and the error body shape.

use director_core::api::{IssuesDelta, SessionInfo, SignInMode, SyncStatus, TeamsResponse};
use director_tests::setup::tiny_cloud;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deltas_since_a_cursor_carry_changes_and_deletions() {
    let (sim, proxy) = tiny_cloud().await;
    let client = reqwest::Client::new();
    // wait=true: the first look syncs (the store is empty, so stale) and waits.
    let all: IssuesDelta = client
        .get(proxy.url("/api/v1/issues?wait=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(all.full);
    assert_eq!(all.issues.len(), sim.issue_ids_and_updated().len());
    assert!(all.data_as_of.is_some());

    let truth = sim.issue_ids_and_updated();
    let (_, changed_key, _) = &truth[0];
    let (deleted_id, deleted_key, _) = &truth[1];
    sim.update_issue(changed_key);
    sim.delete_issue(deleted_key);
    let report: serde_json::Value = client
        .post(proxy.url("/api/v1/sync?full=true&wait=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["ok"], true, "{report}");

    let delta: IssuesDelta = client
        .get(proxy.url(&format!("/api/v1/issues?since={}", all.cursor)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!delta.full);
    let keys: Vec<&str> = delta.issues.iter().map(|issue| issue.key.as_str()).collect();
    assert_eq!(keys, vec![changed_key.as_str()]);
    assert_eq!(
        delta.deleted.iter().map(|id| id.0.as_str()).collect::<Vec<_>>(),
        vec![deleted_id.as_str()]
    );
    let empty: IssuesDelta = client
        .get(proxy.url(&format!("/api/v1/issues?since={}", delta.cursor)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(empty.issues.is_empty() && empty.deleted.is_empty());

    // A cursor from another store means start over.
    let other: IssuesDelta = client
        .get(proxy.url("/api/v1/issues?since=ffff.3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(other.full);
    assert_eq!(other.issues.len(), sim.issue_ids_and_updated().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_sprints_and_status_describe_the_store() {
    let (sim, proxy) = tiny_cloud().await;
    assert!(proxy.sync(false).await.ok);
    let teams: TeamsResponse =
        reqwest::get(proxy.url("/api/v1/teams")).await.unwrap().json().await.unwrap();
    assert_eq!(teams.teams.len(), sim.teams().len());
    assert_eq!(
        teams.jira_url.as_deref(),
        Some(sim.base_url().trim_end_matches('/')),
        "the dashboard links issues to the configured site"
    );
    let total: u64 = teams.teams.iter().map(|team| team.issues).sum();
    assert_eq!(total as usize, sim.issue_ids_and_updated().len());
    for team in &teams.teams {
        assert_eq!(team.issues, team.to_do + team.in_progress + team.done, "{team:?}");
    }
    let sprints: serde_json::Value =
        reqwest::get(proxy.url("/api/v1/sprints")).await.unwrap().json().await.unwrap();
    assert!(!sprints["sprints"].as_array().unwrap().is_empty(), "{sprints}");
    let status: SyncStatus =
        reqwest::get(proxy.url("/api/v1/sync/status")).await.unwrap().json().await.unwrap();
    assert!(status.last_success.is_some());
    assert!(!status.running);
    assert_eq!(status.issues_stored as usize, sim.issue_ids_and_updated().len());
    let manual = status.calls_today.iter().find(|count| count.purpose == "manual").unwrap();
    assert!(manual.calls > 0);
    assert_eq!(
        status.budget_left,
        Some(1_000_000 - status.calls_today.iter().map(|c| c.calls).sum::<u64>())
    );
    assert!(status.next_scheduled.is_some());
    assert_eq!(status.rate_limit, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_use_one_json_shape() {
    let (_sim, proxy) = tiny_cloud().await;
    for (path, status, code) in [
        ("/api/v1/issues?since=garbage", 400, "bad_request"),
        ("/api/v1/issues?limit=minus", 400, "bad_request"),
        ("/api/v1/nothing-here", 404, "not_found"),
    ] {
        let response = reqwest::get(proxy.url(path)).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let body: director_core::api::ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.code, code, "{path}");
        assert!(!body.error.message.is_empty());
    }
    let health = reqwest::get(proxy.url("/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let page = reqwest::get(proxy.url("/")).await.unwrap().text().await.unwrap();
    assert!(page.contains("dashboard has not been built"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_sync_progress_and_data_changes() {
    let (_sim, proxy) = tiny_cloud().await;
    let client = reqwest::Client::new();
    let mut events = client.get(proxy.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(
        events.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let accepted = client.post(proxy.url("/api/v1/sync")).send().await.unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !text.contains("event: sync_finished") {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("events in time")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk.expect("stream open")));
    }
    for name in ["sync_started", "sync_progress", "data_changed", "sync_finished"] {
        assert!(text.contains(&format!("event: {name}")), "no {name} in {text}");
    }
    assert!(text.contains("\"ok\":true"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_demo_says_nobody_needs_to_sign_in() {
    let (_sim, proxy) = tiny_cloud().await;
    let session: SessionInfo =
        reqwest::get(proxy.url("/api/v1/session")).await.unwrap().json().await.unwrap();
    assert_eq!(session, SessionInfo { mode: SignInMode::Open, user: None, can_sign_out: false });
}
