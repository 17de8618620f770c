//! The site over real HTTP: paging, changelog caps and order, flavours, auth.

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use crate::{start, Fault, FaultRule, Flavor, Matcher, Preset, Sim, SimOptions};

async fn site(flavor: Flavor) -> Sim {
    let options = SimOptions {
        preset: Preset::Tiny,
        flavor,
        seed: 5,
        now: Utc.with_ymd_and_hms(2026, 2, 2, 9, 0, 0).unwrap(),
        ..SimOptions::default()
    };
    start(options, tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get(sim: &Sim, path: &str) -> (u16, Value) {
    let res = client()
        .get(format!("{}{path}", sim.base_url()))
        .basic_auth("demo@example.com", Some("demo-token"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post(sim: &Sim, path: &str, body: &Value) -> (u16, Value) {
    let res = client()
        .post(format!("{}{path}", sim.base_url()))
        .basic_auth("demo@example.com", Some("demo-token"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Pages through `/search/jql` and returns every issue id in order.
async fn page_all(sim: &Sim, jql: &str, max: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"jql": jql, "maxResults": max, "fields": ["updated"]});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let (status, page) = post(sim, "/rest/api/3/search/jql", &body).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.get("total").is_none(), "the enhanced search has no total");
        ids.extend(
            page["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        if page["isLast"] == json!(true) {
            assert!(page.get("nextPageToken").is_none(), "the last page carries no token key");
            break;
        }
        token = Some(page["nextPageToken"].as_str().unwrap().to_string());
    }
    ids
}

#[tokio::test]
async fn paging_never_skips_or_duplicates_on_a_still_site() {
    let sim = site(Flavor::Cloud).await;
    let truth: HashSet<String> =
        sim.issue_ids_and_updated().into_iter().map(|(id, _, _)| id).collect();
    for max in [1, 7, 50, 5000] {
        let ids =
            page_all(&sim, "project in (ALPHA, BRAVO, CHARLIE) ORDER BY updated ASC", max).await;
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(unique.len(), ids.len(), "duplicates at page size {max}");
        assert_eq!(unique, truth, "page size {max}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_issue_updated_mid_paging_shifts_the_rest_of_an_updated_ordered_search() {
    let sim = site(Flavor::Cloud).await;
    let total = sim.issue_ids_and_updated().len();
    sim.faults()
        .push(FaultRule::new(Matcher::path("/rest/api/3/search/jql"), Fault::MutateDuringPaging));
    let ids = page_all(&sim, "project in (ALPHA, BRAVO, CHARLIE) ORDER BY updated ASC", 20).await;
    let unique: HashSet<&String> = ids.iter().collect();
    // The first issue moved to the end: it is seen twice and another one is skipped.
    assert_eq!(ids.len(), total);
    assert_eq!(unique.len(), total - 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn default_fields_are_ids_and_page_sizes_are_capped() {
    let sim = site(Flavor::Cloud).await;
    let (s, page) =
        get(&sim, "/rest/api/3/search/jql?jql=project%20%3D%20ALPHA&maxResults=1").await;
    assert_eq!(s, 200);
    let issue = &page["issues"][0];
    assert_eq!(issue.as_object().unwrap().keys().collect::<Vec<_>>(), ["id"]);
    let (_, page) = get(&sim, "/rest/api/3/search/jql?jql=project%20in%20(ALPHA,BRAVO,CHARLIE)&maxResults=1000&fields=*all").await;
    assert_eq!(page["issues"].as_array().unwrap().len(), 100);
    let (_, page) = get(
        &sim,
        "/rest/api/3/search/jql?jql=project%20%3D%20ALPHA&fields=summary,-summary,status",
    )
    .await;
    let fields = page["issues"][0]["fields"].as_object().unwrap();
    assert!(fields.contains_key("status") && !fields.contains_key("summary"));
    sim.shutdown().await;
}

#[tokio::test]
async fn unbounded_jql_and_bad_tokens_get_jira_errors() {
    let sim = site(Flavor::Cloud).await;
    let (s, body) = get(&sim, "/rest/api/3/search/jql?jql=ORDER%20BY%20updated").await;
    assert_eq!(s, 400);
    assert_eq!(body["errorMessages"][0], "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
    let (s, body) = get(&sim, "/rest/api/3/search/jql?jql=fixVersion%20%3D%201").await;
    assert_eq!(s, 400);
    assert!(body["errorMessages"][0].as_str().unwrap().contains("fixVersion"));
    let (s, _) = post(
        &sim,
        "/rest/api/3/search/jql",
        &json!({"jql": "project = ALPHA", "nextPageToken": "nope"}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) =
        post(&sim, "/rest/api/3/search/jql", &json!({"jql": "project = ALPHA", "startAt": 10}))
            .await;
    assert_eq!(s, 400, "startAt is not a field of the enhanced search body");
    let (s, body) = get(&sim, "/rest/api/2/search?jql=project%20%3D%20ALPHA").await;
    assert_eq!(s, 410);
    assert!(body["errorMessages"][0]
        .as_str()
        .unwrap()
        .starts_with("The requested API has been removed."));
    sim.shutdown().await;
}

#[tokio::test]
async fn embedded_changelog_is_newest_first_and_capped_with_the_true_total() {
    let sim = site(Flavor::Cloud).await;
    // One issue worked on far more than most, so its changelog outgrows the cap.
    let busy = sim.issue_ids_and_updated()[0].1.clone();
    for _ in 0..45 {
        sim.update_issue(&busy);
    }
    let mut issues = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"jql": "project in (ALPHA, BRAVO, CHARLIE)", "maxResults": 100, "expand": "changelog", "fields": ["updated"]});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let (_, page) = post(&sim, "/rest/api/3/search/jql", &body).await;
        issues.extend(page["issues"].as_array().unwrap().iter().cloned());
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert!(
        issues.iter().any(|i| i["changelog"]["total"].as_u64().unwrap() > 40),
        "no issue outgrows the embedded cap"
    );
    for issue in &issues {
        let cl = &issue["changelog"];
        let histories = cl["histories"].as_array().unwrap();
        assert!(histories.len() <= 40);
        assert!(cl["total"].as_u64().unwrap() as usize >= histories.len());
        let ids: Vec<u64> =
            histories.iter().map(|h| h["id"].as_str().unwrap().parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn changelog_pages_are_oldest_first_and_complete() {
    let sim = site(Flavor::Cloud).await;
    let (_, page) = get(&sim, "/rest/api/3/search/jql?jql=project%20%3D%20ALPHA%20ORDER%20BY%20key&fields=key&expand=changelog").await;
    let issue = page["issues"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|i| i["changelog"]["total"].as_u64())
        .unwrap();
    let key = issue["key"].as_str().unwrap();
    let total = issue["changelog"]["total"].as_u64().unwrap() as usize;
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let (s, p) =
            get(&sim, &format!("/rest/api/3/issue/{key}/changelog?startAt={start}&maxResults=2"))
                .await;
        assert_eq!(s, 200);
        assert_eq!(p["total"].as_u64().unwrap() as usize, total);
        seen.extend(
            p["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["created"].as_str().unwrap().to_string()),
        );
        if p["isLast"] == json!(true) {
            assert!(p.get("nextPage").is_none());
            break;
        }
        assert!(p["nextPage"].as_str().unwrap().contains(&format!("startAt={}", start + 2)));
        start += 2;
    }
    assert_eq!(seen.len(), total);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "oldest first");
    let (s, body) = get(&sim, "/rest/api/3/issue/ALPHA-99999/changelog").await;
    assert_eq!(s, 404);
    assert_eq!(
        body["errorMessages"][0],
        "Issue does not exist or you do not have permission to see it."
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bulkfetch_returns_every_history_across_token_pages() {
    let sim = site(Flavor::Cloud).await;
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().take(30).map(|(_, k, _)| k).collect();
    let mut expected = 0;
    for k in &keys {
        let (_, p) = get(&sim, &format!("/rest/api/3/issue/{k}/changelog?maxResults=1")).await;
        expected += p["total"].as_u64().unwrap();
    }
    let mut got = 0;
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"issueIdsOrKeys": keys, "maxResults": 25});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let (s, p) = post(&sim, "/rest/api/3/changelog/bulkfetch", &body).await;
        assert_eq!(s, 200, "{p}");
        for log in p["issueChangeLogs"].as_array().unwrap() {
            got += log["changeHistories"].as_array().unwrap().len() as u64;
        }
        match p.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(got, expected);
    sim.shutdown().await;
}

#[tokio::test]
async fn data_center_pages_by_start_at_with_a_total_and_bearer_tokens() {
    let sim = site(Flavor::DataCenter).await;
    let total = sim.issue_ids_and_updated().len();
    let url = format!("{}/rest/api/2/search?jql=project%20in%20(ALPHA,BRAVO,CHARLIE)&startAt=0&maxResults=10&expand=changelog", sim.base_url());
    let res = client().get(&url).bearer_auth("demo-pat").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["total"].as_u64().unwrap() as usize, total);
    assert_eq!(body["issues"].as_array().unwrap().len(), 10);
    assert!(
        body["issues"][0]["fields"].get("summary").is_some(),
        "DC default fields are navigable"
    );
    let res = client().get(&url).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = client()
        .get(format!("{}/rest/api/3/search/jql?jql=project%3DALPHA", sim.base_url()))
        .bearer_auth("demo-pat")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let info: Value = client()
        .get(format!("{}/rest/api/2/serverInfo", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["deploymentType"], "Server");
    let log = sim.request_log();
    assert_eq!(log[0].identity.as_deref(), Some("pat"));
    assert_eq!(log[1].identity, None);
    assert_eq!(log[1].status, 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_story_points_field_is_discovered_by_name_and_matches_the_board() {
    let sim = site(Flavor::Cloud).await;
    let (_, fields) = get(&sim, "/rest/api/3/field").await;
    let sp = fields.as_array().unwrap().iter().find(|f| f["name"] == "Story Points").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let board = sim.teams()[0].board_id;
    let (_, config) = get(&sim, &format!("/rest/agile/1.0/board/{board}/configuration")).await;
    assert_eq!(config["estimation"]["field"]["fieldId"], json!(sp));
    let (_, sprints) =
        get(&sim, &format!("/rest/agile/1.0/board/{board}/sprint?maxResults=50")).await;
    assert!(sprints.get("total").is_none());
    let states: Vec<&str> = sprints["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.last(), Some(&"future"));
    assert_eq!(states.iter().filter(|s| **s == "active").count(), 1);
    let (_, me) = get(&sim, "/rest/api/3/myself").await;
    assert_eq!(me["timeZone"], "UTC");
    sim.shutdown().await;
}

#[tokio::test]
async fn test_mutations_show_up_in_search_and_ground_truth() {
    let sim = site(Flavor::Cloud).await;
    let key = sim.create_issue("BRAVO");
    assert!(key.starts_with("BRAVO-"));
    let (_, page) =
        get(&sim, &format!("/rest/api/3/search/jql?jql=key%20%3D%20{key}&fields=status,updated"))
            .await;
    assert_eq!(page["issues"][0]["fields"]["status"]["name"], "To Do");
    sim.update_issue(&key);
    let (_, page) =
        get(&sim, &format!("/rest/api/3/search/jql?jql=key%20%3D%20{key}&fields=status")).await;
    assert_eq!(page["issues"][0]["fields"]["status"]["name"], "In Progress");
    sim.delete_issue(&key);
    assert!(sim.issue_ids_and_updated().iter().all(|(_, k, _)| *k != key));
    let (s, _) = get(&sim, &format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(s, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn velocity_and_sprint_reports_agree_and_look_like_a_scrum_team() {
    let options = SimOptions {
        preset: Preset::Small,
        seed: 8,
        now: Utc.with_ymd_and_hms(2026, 2, 2, 9, 0, 0).unwrap(),
        ..SimOptions::default()
    };
    let sim =
        start(options, tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await.unwrap();
    let mut ratios = Vec::new();
    for team in sim.teams() {
        let (s, velocity) = get(
            &sim,
            &format!("/rest/greenhopper/1.0/rapid/charts/velocity?rapidViewId={}", team.board_id),
        )
        .await;
        assert_eq!(s, 200);
        let entries = velocity["velocityStatEntries"].as_object().unwrap();
        assert_eq!(entries.len(), 7);
        for (sprint, entry) in entries {
            let (s, report) =
                get(&sim, &format!("/rest/greenhopper/1.0/rapid/charts/sprintreport?rapidViewId={}&sprintId={sprint}", team.board_id)).await;
            assert_eq!(s, 200);
            let completed =
                report["contents"]["completedIssuesEstimateSum"]["value"].as_f64().unwrap_or(0.0);
            assert_eq!(completed, entry["completed"]["value"].as_f64().unwrap(), "sprint {sprint}");
            assert_eq!(report["sprint"]["state"], "CLOSED");
            let committed = entry["estimated"]["value"].as_f64().unwrap();
            if committed > 0.0 {
                ratios.push(completed / committed);
            }
        }
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    assert!((0.75..=1.05).contains(&mean), "completed/committed averages {mean:.2}");
    sim.shutdown().await;
}
