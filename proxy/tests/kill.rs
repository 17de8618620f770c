//! `kill -9` of a real `claudedirector sync` mid-run, then a restart: the
//! store must end equal to the simulated JIRA, nothing lost and nothing
//! duplicated. Lives here (not in `tests/`) to use this package's binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use director_proxy::store::{SqliteStore, Store};
use director_sim::{Fault, FaultRule, Matcher, Preset, SimOptions};

fn write_config(dir: &std::path::Path, sim: &director_sim::Sim) -> std::path::PathBuf {
    let mut text = format!(
        "[jira]\nurl = \"{}\"\nflavor = \"cloud\"\nauth = \"basic\"\npage_size = 25\nrequests_per_second = 1000\n\n[sync]\ndaily_budget = 100000\n",
        sim.base_url()
    );
    for team in sim.teams() {
        text.push_str(&format!(
            "\n[[team]]\nname = \"{}\"\njql = \"project = {}\"\nboard = {}\n",
            team.name, team.project_key, team.board_id
        ));
    }
    let path = dir.join("claudedirector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn sync_command(config: &std::path::Path, data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claudedirector"));
    command
        .args(["sync", "--config"])
        .arg(config)
        .arg("--data")
        .arg(data)
        .env("JIRA_EMAIL", "demo@example.com")
        .env("JIRA_API_TOKEN", "demo-token")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_mid_sync_then_restart_loses_and_duplicates_nothing() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim =
        director_sim::start(SimOptions { preset: Preset::Tiny, ..SimOptions::default() }, listener)
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let data = dir.path().join("data");
    // Slow pages so the kill lands mid-run, after some pages are committed.
    sim.faults().push(
        FaultRule::new(
            Matcher::path("/rest/api/3/search"),
            Fault::Slow(Duration::from_millis(150)),
        )
        .times(1000),
    );
    let mut child = sync_command(&config, &data).spawn().unwrap();
    let started = Instant::now();
    let db = data.join("claudedirector.sqlite3");
    loop {
        assert!(started.elapsed() < Duration::from_secs(60), "sync never committed a page");
        if db.exists() {
            if let Ok(store) = SqliteStore::open(&db) {
                if store.issue_count().unwrap_or(0) >= 50 {
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL: no destructor, no flush, no goodbye.
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = SqliteStore::open(&db).unwrap().issue_count().unwrap();
    let total = sim.issue_ids_and_updated().len() as u64;
    assert!(partial < total, "the kill came after the sync finished ({partial} of {total})");

    // Meanwhile JIRA moves on.
    let keys: Vec<String> =
        sim.issue_ids_and_updated().into_iter().map(|(_, key, _)| key).take(3).collect();
    for key in &keys {
        sim.update_issue(key);
    }
    sim.faults().clear();
    let status = sync_command(&config, &data).status().unwrap();
    assert!(status.success());
    let store = SqliteStore::open(&db).unwrap();
    let truth = sim.issue_ids_and_updated();
    let ids: Vec<String> = truth.iter().map(|(id, _, _)| id.clone()).collect();
    let stored = store.versions(&ids).unwrap();
    for (id, key, updated) in &truth {
        let version = stored.get(id).unwrap_or_else(|| panic!("{key} was lost"));
        let at = director_proxy::jira::parse_jira_time(&version.updated).unwrap();
        assert_eq!(at.timestamp_millis(), updated.timestamp_millis(), "{key} is stale");
    }
    assert_eq!(
        store.issue_count().unwrap(),
        truth.len() as u64,
        "duplicates or strays in the store"
    );
    assert_eq!(store.issues_json().unwrap().len(), truth.len(), "some issues were not normalised");
    sim.shutdown().await;
}
