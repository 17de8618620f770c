//! Browser tests of the dashboard in headless Chromium: the IndexedDB cache
//! (round trip, schema upgrade, recovery from corrupted, outdated or wiped
//! data) and one chart mounted into a real DOM.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p director-web
//! --target wasm32-unknown-unknown` (the runner is set in `.cargo/config.toml`;
//! Chrome flags come from `web/webdriver.json`).

#![cfg(target_arch = "wasm32")]

use chrono::{DateTime, TimeZone, Utc};
use director_core::api::IssuesDelta;
use director_core::model::{
    Issue, IssueId, IssueKey, Priority, Sprint, SprintId, SprintState, StatusCategory,
    StatusChange, Team, TeamId,
};
use director_web::cache::{schema, Cache};
use director_web::error::Error;
use director_web::snapshot::Snapshot;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 9, 30, 0).unwrap()
}

fn issue(id: &str, category: StatusCategory) -> Issue {
    Issue {
        id: IssueId(id.to_owned()),
        key: IssueKey(format!("ALPHA-{id}")),
        summary: format!("work item {id} — with non-ASCII ✓"),
        issue_type: "Story".to_owned(),
        project: "ALPHA".to_owned(),
        status: "In Progress".to_owned(),
        category,
        priority: Priority::P1,
        priority_name: Some("High".to_owned()),
        labels: vec!["security".to_owned()],
        created: at(1),
        updated: at(2),
        resolved: None,
        due: Some(at(20).date_naive()),
        points: None,
        epic: None,
        parent: None,
        sprints: vec![SprintId(7)],
        links: Vec::new(),
        flagged: true,
        assignee: Some("Ada".to_owned()),
        team: Some(TeamId("Alpha".to_owned())),
        status_history: vec![StatusChange {
            at: at(2),
            from: Some("To Do".to_owned()),
            to: "In Progress".to_owned(),
        }],
        sprint_history: Vec::new(),
        estimate_history: Vec::new(),
        flag_periods: Vec::new(),
        link_history: Vec::new(),
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        teams: vec![Team {
            id: TeamId("Alpha".to_owned()),
            projects: vec!["ALPHA".to_owned()],
            board: None,
            size: Some(8),
        }],
        issues: vec![issue("101", StatusCategory::InProgress), issue("102", StatusCategory::ToDo)],
        sprints: vec![Sprint {
            id: SprintId(7),
            name: "Alpha 7".to_owned(),
            state: SprintState::Active,
            board: None,
            start: Some(at(1)),
            end: Some(at(14)),
            complete: None,
            goal: None,
        }],
        cursor: Some("cursor-1".to_owned()),
        fetched_at: Some(at(3)),
        data_as_of: Some(at(2)),
        jira_url: Some("https://acme.atlassian.net".to_owned()),
    }
}

fn sorted(mut snapshot: Snapshot) -> Snapshot {
    snapshot.issues.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot
}

async fn fresh(name: &str) -> Cache {
    Cache::delete(name).await.expect("deleting the test database");
    Cache::open_named(name).await.expect("opening the test database")
}

#[wasm_bindgen_test]
async fn a_saved_snapshot_reads_back_identical() {
    let cache = fresh("test-round-trip").await;
    assert_eq!(cache.load_snapshot().await, Ok(None), "a new database holds nothing");
    let original = snapshot();
    cache.save_snapshot(&original).await.unwrap();
    let loaded = cache.load_snapshot().await.unwrap().expect("a snapshot");
    assert_eq!(sorted(loaded), sorted(original));
    assert_eq!(cache.sync_cursor().await.unwrap().as_deref(), Some("cursor-1"));
    cache.close();
}

#[wasm_bindgen_test]
async fn a_stored_delta_matches_the_same_delta_applied_in_memory() {
    let cache = fresh("test-delta").await;
    let mut expected = snapshot();
    cache.save_snapshot(&expected).await.unwrap();
    let delta = IssuesDelta {
        issues: vec![issue("102", StatusCategory::Done), issue("103", StatusCategory::ToDo)],
        deleted: vec![IssueId("101".to_owned())],
        cursor: "cursor-2".to_owned(),
        full: false,
        has_more: false,
        data_as_of: Some(at(4)),
    };
    cache.apply_delta(&delta, at(5)).await.unwrap();
    expected.apply_delta(&delta, at(5));
    let loaded = cache.load_snapshot().await.unwrap().unwrap();
    assert_eq!(sorted(loaded), sorted(expected));
    cache.close();
}

#[wasm_bindgen_test]
async fn an_older_schema_is_upgraded_and_keeps_its_data() {
    let name = "test-upgrade";
    Cache::delete(name).await.unwrap();
    let old = Cache::open_at_version(name, 1).await.unwrap();
    assert_eq!(old.store_names(), vec!["issues", "meta"]);
    old.put_raw(schema::META, schema::META_FORMAT, &schema::FORMAT_VERSION.to_string())
        .await
        .unwrap();
    old.put_raw(schema::META, schema::META_CURSOR, "old-cursor").await.unwrap();
    let kept = issue("7", StatusCategory::ToDo);
    old.put_raw(schema::ISSUES, "7", &serde_json::to_string(&kept).unwrap()).await.unwrap();
    old.close();

    let upgraded = Cache::open_named(name).await.unwrap();
    assert_eq!(upgraded.version(), schema::DB_VERSION);
    assert_eq!(upgraded.store_names(), vec!["issues", "meta", "sprints"]);
    let loaded =
        upgraded.load_snapshot().await.unwrap().expect("the old data survives the upgrade");
    assert_eq!(loaded.issues, vec![kept]);
    assert_eq!(loaded.cursor.as_deref(), Some("old-cursor"));
    upgraded.close();
}

#[wasm_bindgen_test]
async fn a_corrupted_record_resets_the_cache_instead_of_failing_the_page() {
    let cache = fresh("test-corrupt").await;
    cache.save_snapshot(&snapshot()).await.unwrap();
    cache.put_raw(schema::ISSUES, "999", "{not json").await.unwrap();
    let err = cache.load_snapshot().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "got {err:?}");
    let (snapshot, reason) = cache.load_or_reset().await;
    assert_eq!(snapshot, None);
    assert!(reason.is_some());
    assert_eq!(cache.load_snapshot().await, Ok(None), "the reset leaves an empty cache to refill");
    cache.close();
}

#[wasm_bindgen_test]
async fn an_outdated_format_is_cleared_and_refetched() {
    let cache = fresh("test-outdated").await;
    cache.save_snapshot(&snapshot()).await.unwrap();
    cache.put_raw(schema::META, schema::META_FORMAT, "0").await.unwrap();
    let (snapshot, reason) = cache.load_or_reset().await;
    assert_eq!(snapshot, None);
    let reason = reason.expect("a reason for the reset");
    assert!(reason.to_string().contains("outdated"), "{reason}");
    assert_eq!(cache.load_snapshot().await, Ok(None));
    cache.close();
}

#[wasm_bindgen_test]
async fn a_wiped_database_opens_empty() {
    let name = "test-wiped";
    let cache = fresh(name).await;
    cache.save_snapshot(&snapshot()).await.unwrap();
    cache.close();
    Cache::delete(name).await.unwrap();
    let reopened = Cache::open_named(name).await.unwrap();
    assert_eq!(reopened.load_snapshot().await, Ok(None));
    reopened.close();
}

#[wasm_bindgen_test]
fn a_sparkline_mounts_with_the_geometry_it_was_given() {
    use director_web::components::charts::geometry;
    use director_web::components::charts::sparkline::Sparkline;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    host.set_id("sparkline-host");
    document.body().unwrap().append_child(&host).unwrap();
    let values = vec![1.0, 4.0, 2.0];
    let expected = geometry::sparkline(&values, 120.0, 28.0);
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        view! { <Sparkline values=Signal::stored(values.clone()) label="throughput"/> }
    });
    let path = host.query_selector("svg.sparkline path").unwrap().expect("a path element");
    assert_eq!(path.get_attribute("d").as_deref(), Some(expected.as_str()));
    let svg = host.query_selector("svg").unwrap().unwrap();
    assert_eq!(svg.get_attribute("aria-label").as_deref(), Some("throughput"));
    drop(handle);
}

#[wasm_bindgen_test]
fn the_freshness_threshold_is_kept_by_the_browser() {
    use director_web::cache;
    use director_web::freshness::DEFAULT_FRESH_FOR;

    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(schema::FRESH_FOR_KEY).unwrap();
    assert_eq!(cache::load_fresh_for(), DEFAULT_FRESH_FOR, "nothing stored yet");
    cache::save_fresh_for(chrono::Duration::minutes(45)).unwrap();
    assert_eq!(cache::load_fresh_for(), chrono::Duration::minutes(45));
    // A value edited by hand into something invalid falls back to the default.
    storage.set_item(schema::FRESH_FOR_KEY, "two hours").unwrap();
    assert_eq!(cache::load_fresh_for(), DEFAULT_FRESH_FOR);
    storage.remove_item(schema::FRESH_FOR_KEY).unwrap();
}

#[wasm_bindgen_test]
async fn a_large_cache_reads_back_every_issue_across_key_ranges() {
    // More issues than one read request takes, so the load goes range by range.
    let cache = fresh("test-large").await;
    let mut expected = snapshot();
    expected.issues = (0..4_500).map(|n| issue(&format!("{n:05}"), StatusCategory::ToDo)).collect();
    cache.save_snapshot(&expected).await.unwrap();
    let loaded = cache.load_snapshot().await.unwrap().expect("a stored snapshot");
    assert_eq!(sorted(loaded), sorted(expected));
    cache.close();
}
