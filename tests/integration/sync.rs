//! Sync correctness against the simulated JIRA: initial and incremental runs
//! end equal to the site, deletions are found by the reconcile, far time
//! zones, Data Center paging and changelogs past the embedded cap.

use std::sync::Arc;

use director_proxy::config::Flavor;
use director_proxy::store::Purpose;
use director_sim::{Preset, SimOptions};
use director_tests::setup::{site_and_proxy, tiny_cloud, tiny_sim};
use director_tests::{assert_store_matches_sim, config_for, sim_options, store_differences};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_and_incremental_sync_equal_the_site() {
    let (sim, proxy) = tiny_cloud().await;
    let first = proxy.sync(false).await;
    assert!(first.ok, "{first:?}");
    assert!(first.changed > 100, "{first:?}");
    assert_store_matches_sim(&proxy.state, &sim);

    let teams = sim.teams();
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).take(5).collect();
    for key in &keys {
        sim.update_issue(key);
    }
    let created = sim.create_issue(&teams[0].project_key);
    assert!(!created.is_empty());
    sim.clear_request_log();
    let second = proxy.sync(false).await;
    assert!(second.ok, "{second:?}");
    assert!(!second.full);
    // Five updated plus one created; the overlap window may re-read a few, which must not count.
    assert_eq!(second.changed, 6, "{second:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    // A narrow window is one detailed page: no ids pass, no field list again.
    let searches = sim.request_log().iter().filter(|r| r.path.contains("/search")).count();
    assert_eq!(searches, 1, "{:?}", sim.request_log());

    // Nothing changed: nothing counts as changed, and no issue is rewritten.
    let seq = proxy.state.store.last_seq().unwrap();
    let third = proxy.sync(false).await;
    assert_eq!(third.changed, 0, "{third:?}");
    assert_eq!(proxy.state.store.last_seq().unwrap(), seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_are_found_by_the_full_reconcile() {
    let (sim, proxy) = tiny_cloud().await;
    assert!(proxy.sync(false).await.ok);
    let victims: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).skip(3).take(2).collect();
    for key in &victims {
        sim.delete_issue(key);
    }
    // An incremental run cannot see deletions...
    assert!(proxy.sync(false).await.ok);
    assert_eq!(store_differences(&proxy.state, &sim).len(), 2);
    // ...the reconcile does.
    let full = proxy.sync(true).await;
    assert!(full.ok && full.full, "{full:?}");
    assert_eq!(full.deleted, 2, "{full:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    let calls = proxy.state.store.calls_on(proxy.state.clock.now().date_naive()).unwrap();
    assert!(calls.iter().any(|(purpose, n)| *purpose == Purpose::Manual && *n > 0), "{calls:?}");
}

async fn sync_in_time_zone(zone: &str) {
    let options = SimOptions { user_time_zone: zone.into(), ..sim_options(Preset::Tiny) };
    let (sim, proxy) = site_and_proxy(options, Flavor::Cloud, |config| {
        config.org.time_zone = zone.parse().unwrap();
    })
    .await;
    assert!(proxy.sync(false).await.ok);
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).take(3).collect();
    for key in &keys {
        sim.update_issue(key);
    }
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_eq!(report.changed, 3, "{zone}: {report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_works_fourteen_hours_ahead_of_utc() {
    sync_in_time_zone("Pacific/Kiritimati").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_works_ten_hours_behind_utc() {
    sync_in_time_zone("America/Adak").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_paging_and_bearer_auth() {
    let options =
        SimOptions { flavor: director_sim::Flavor::DataCenter, ..sim_options(Preset::Tiny) };
    let (sim, proxy) =
        site_and_proxy(options, Flavor::Datacenter, |config| config.jira.page_size = 40).await;
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    assert!(sim.request_log().iter().any(|r| r.path == "/rest/api/2/search"));
    assert!(sim.request_log().iter().all(|r| r.identity.as_deref() == Some("pat")));
}

/// History ids of the changelog the store holds for issue `id`, as stored.
fn stored_history_ids(proxy: &director_tests::Proxy, id: &str) -> Vec<String> {
    let stored = proxy.state.store.raw_issues().unwrap();
    let (_, _, _, changelog) = stored.iter().find(|(stored_id, ..)| stored_id == id).unwrap();
    let histories: Vec<serde_json::Value> = serde_json::from_str(changelog).unwrap();
    histories.iter().map(|h| h["id"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Works one issue `times` steps along its workflow; returns its (id, key).
fn churn_first_issue(sim: &director_sim::Sim, times: usize) -> (String, String) {
    let (id, key, _) = sim.issue_ids_and_updated().into_iter().next().unwrap();
    for _ in 0..times {
        sim.update_issue(&key);
    }
    (id, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changelogs_past_the_embedded_cap_are_completed_by_bulk_fetch() {
    let (sim, proxy) = tiny_cloud().await;
    assert!(proxy.sync(false).await.ok);
    // The enhanced search embeds the 40 newest histories; this issue gets more than that.
    let (id, key) = churn_first_issue(&sim, 60);
    let truth = sim.history_ids(&key);
    assert!(truth.len() > 60, "the site holds only {} histories for {key}", truth.len());
    sim.clear_request_log();
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    assert_eq!(stored_history_ids(&proxy, &id), truth, "stored changelog of {key} differs");
    let log = sim.request_log();
    let bulk: Vec<_> = log.iter().filter(|r| r.path == "/rest/api/3/changelog/bulkfetch").collect();
    assert!(!bulk.is_empty(), "no bulk fetch: {log:?}");
    assert!(bulk.iter().all(|r| r.method == "POST" && r.status == 200), "{bulk:?}");
    // The bulk fetch answered: no issue's changelog was paged one by one.
    assert!(!log.iter().any(|r| r.path.ends_with(&format!("/issue/{key}/changelog"))), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_bulk_fetch_changelogs_are_paged_per_issue() {
    use director_sim::{Fault, FaultRule, Matcher};
    let (sim, proxy) = tiny_cloud().await;
    assert!(proxy.sync(false).await.ok);
    // More than one page of the per-issue changelog (100 a page).
    let (id, key) = churn_first_issue(&sim, 130);
    let truth = sim.history_ids(&key);
    assert!(truth.len() > 100, "the site holds only {} histories for {key}", truth.len());
    // A site without the bulk endpoint answers 404, as JIRA does for unknown resources.
    sim.faults().push(
        FaultRule::new(Matcher::path("/rest/api/3/changelog/bulkfetch"), Fault::ServerError(404))
            .times(100),
    );
    sim.clear_request_log();
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    assert_eq!(stored_history_ids(&proxy, &id), truth, "stored changelog of {key} differs");
    let pages = sim
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with(&format!("/issue/{key}/changelog")) && r.status == 200)
        .count();
    assert!(pages >= 2, "expected the changelog read in pages of 100, saw {pages} pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_changelogs_past_what_search_embeds_are_completed() {
    let options =
        SimOptions { flavor: director_sim::Flavor::DataCenter, ..sim_options(Preset::Tiny) };
    let (sim, proxy) = site_and_proxy(options, Flavor::Datacenter, |_| {}).await;
    assert!(proxy.sync(false).await.ok);
    // Data Center's search embeds the 100 newest histories; this issue gets more.
    let (id, key) = churn_first_issue(&sim, 130);
    let truth = sim.history_ids(&key);
    assert!(truth.len() > 100, "the site holds only {} histories for {key}", truth.len());
    sim.clear_request_log();
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    assert_eq!(stored_history_ids(&proxy, &id), truth, "stored changelog of {key} differs");
    let log = sim.request_log();
    assert!(
        log.iter().any(|r| r.path == format!("/rest/api/2/issue/{key}")
            && r.query.contains("expand=changelog")
            && r.status == 200),
        "the issue's changelog was not read: {log:?}"
    );
    // Data Center has neither Cloud's bulk fetch nor the v3 API.
    assert!(log.iter().all(|r| !r.path.starts_with("/rest/api/3/")), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_team_jql_refreshes_that_team_in_full() {
    let sim = tiny_sim().await;
    let teams = sim.teams();
    let config = config_for(&sim, Flavor::Cloud);
    let data = Arc::new(director_tests::TempDir::new("jql-change"));
    {
        let proxy =
            director_tests::start_proxy_in(&sim, config.clone(), Arc::clone(&data)).await.unwrap();
        assert!(proxy.sync(false).await.ok);
        assert_store_matches_sim(&proxy.state, &sim);
    }
    // The first team now owns the last team's project instead of its own.
    let mut changed = config.clone();
    let last_project = teams.last().unwrap().project_key.clone();
    changed.teams[0].jql = format!("project = {last_project} AND statusCategory != Done");
    changed.teams.pop();
    let proxy = director_tests::start_proxy_in(&sim, changed, Arc::clone(&data)).await.unwrap();
    let report = proxy.sync(false).await;
    assert!(report.ok && report.deleted > 0, "{report:?}");
    let first_project = &teams[0].project_key;
    let issues: Vec<director_core::model::Issue> = proxy
        .state
        .store
        .issues_json()
        .unwrap()
        .iter()
        .map(|json| serde_json::from_str(json).unwrap())
        .collect();
    assert!(
        !issues.iter().any(|issue| &issue.project == first_project),
        "issues of the dropped scope remain"
    );
    let first_team = director_core::model::TeamId(teams[0].name.clone());
    let owned: Vec<_> =
        issues.iter().filter(|issue| issue.team.as_ref() == Some(&first_team)).collect();
    assert!(!owned.is_empty());
    assert!(owned.iter().all(|issue| issue.project == last_project && !issue.is_done()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wide_windows_are_read_ids_first() {
    let (sim, proxy) = site_and_proxy(sim_options(Preset::Tiny), Flavor::Cloud, |config| {
        config.sync.ids_first_after = std::time::Duration::ZERO;
    })
    .await;
    assert!(proxy.sync(false).await.ok);
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).skip(7).take(3).collect();
    for key in &keys {
        sim.update_issue(key);
    }
    sim.clear_request_log();
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_eq!(report.changed, 3, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    // One listing of ids + updated, one detailed page of the three that changed.
    let searches = sim.request_log().iter().filter(|r| r.path.contains("/search")).count();
    assert_eq!(searches, 2, "{:?}", sim.request_log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sprint_reports_are_read_where_the_site_has_them() {
    use director_sim::{Fault, FaultRule, Matcher};
    let (sim, proxy) = tiny_cloud().await;
    let teams = sim.teams();
    // The first board's report is missing (404, as on sites without it); the others are there.
    sim.faults()
        .push(FaultRule::new(Matcher::path("/rest/greenhopper"), Fault::ServerError(404)).times(1));
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    let reports = sim.request_log().iter().filter(|r| r.path.contains("sprintreport")).count();
    assert_eq!(reports, teams.len(), "one report per board, for its latest closed sprint");
    let sprints: Vec<director_core::model::Sprint> = proxy
        .state
        .store
        .sprints_json()
        .unwrap()
        .iter()
        .map(|json| serde_json::from_str(json).unwrap())
        .collect();
    let mut stored = 0;
    for sprint in &sprints {
        let board = sprint.board.unwrap().0;
        if let Some(json) =
            proxy.state.store.meta(&format!("sprint_report:{board}:{}", sprint.id)).unwrap()
        {
            if json.contains("completedIssues") {
                stored += 1;
            }
        }
    }
    assert_eq!(stored, teams.len() - 1);
    // Later runs read reports only of sprints that closed since: none here.
    sim.clear_request_log();
    assert!(proxy.sync(true).await.ok);
    let again = sim.request_log().iter().filter(|r| r.path.contains("sprintreport")).count();
    assert_eq!(again, 0, "historical sprint reports were fetched again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_delta_answer_states_the_latest_data_age() {
    let (sim, proxy) = tiny_cloud().await;
    assert!(proxy.sync(false).await.ok);
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move {
            let value: serde_json::Value =
                http.get(url).send().await.unwrap().json().await.unwrap();
            value
        }
    };
    let full = get(proxy.url("/api/v1/issues")).await;
    let cursor = full["cursor"].as_str().unwrap().to_owned();
    let key = sim.issue_ids_and_updated().into_iter().nth(1).unwrap().1;
    sim.update_issue(&key);
    assert!(proxy.sync(false).await.ok);
    let url = proxy.url(&format!("/api/v1/issues?since={cursor}"));
    // Asked twice: the second answer is the shared one.
    let first = get(url.clone()).await;
    assert_eq!(first, get(url.clone()).await);
    assert_eq!(first["issues"].as_array().map(Vec::len), Some(1), "{first}");
    // A sync that changes nothing still makes the data younger; the shared
    // answer must say so rather than repeat the age it was built with.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let quiet = proxy.sync(false).await;
    assert!(quiet.ok && quiet.changed == 0, "{quiet:?}");
    let again = get(url).await;
    let expected = serde_json::to_value(proxy.state.sync.data_as_of()).unwrap();
    assert_eq!(again["data_as_of"], expected);
    assert_ne!(again["data_as_of"], first["data_as_of"], "the data age did not move");
    assert_eq!(again["issues"], first["issues"]);
    assert_eq!(again["cursor"], first["cursor"]);
}
