//! `claudedirector sync` as a real process against the simulated JIRA: exit
//! status, the `--json` report, and no terminal control characters in output
//! that goes to a pipe.

use std::path::Path;
use std::process::Output;

use director_sim::Preset;
use director_tests::setup::{claudedirector, claudedirector_command, tiny_sim, ConfigFile};
use director_tests::{sim_options, start_sim, TempDir};

/// Runs `claudedirector sync` with stdout and stderr captured (pipes, not a terminal).
fn sync(binary: &Path, config: &Path, data: &Path, extra: &[&str]) -> Output {
    claudedirector_command(binary, "sync", extra, config, data)
        .env("JIRA_EMAIL", "demo@example.com")
        .env("JIRA_API_TOKEN", "demo-token")
        // The default log level: its lines go to stderr too, and must be plain there.
        .env_remove("RUST_LOG")
        .output()
        .expect("running claudedirector sync")
}

fn control_characters(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|b| b.is_ascii_control() && *b != b'\n' && *b != b'\t').collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_command_reports_json_and_draws_nothing_into_a_pipe() {
    let binary = tokio::task::spawn_blocking(claudedirector).await.unwrap();
    let sim = tiny_sim().await;
    let dir = TempDir::new("cli-sync");
    let config = ConfigFile::for_sim(&sim).fast().with_boards().write(dir.path());
    let data = dir.path().join("data");
    let truth = sim.issue_ids_and_updated().len() as u64;

    let (b, c, d) = (binary.clone(), config.clone(), data.clone());
    let first = tokio::task::spawn_blocking(move || sync(&b, &c, &d, &["--json"])).await.unwrap();
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "exit {:?}, stderr: {stderr}", first.status);
    let report: serde_json::Value = serde_json::from_slice(&first.stdout)
        .unwrap_or_else(|err| panic!("stdout is not one JSON report ({err}): {:?}", first.stdout));
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["changed"].as_u64(), Some(truth), "{report}");
    assert_eq!(report["deleted"].as_u64(), Some(0), "{report}");
    let calls = report["calls"].as_u64().unwrap_or(0);
    assert!(calls > 0, "{report}");
    // The report's call count is the site's: every call the process made is in its log.
    let logged = sim.request_log().len() as u64;
    assert_eq!(calls, logged, "report says {calls} JIRA calls, the site saw {logged}");
    assert!(control_characters(&first.stdout).is_empty(), "stdout: {:?}", first.stdout);
    assert!(control_characters(&first.stderr).is_empty(), "stderr: {stderr:?}");

    // Text mode, a deletion and a full reconcile: still no progress drawing into the pipe.
    let victim = sim.issue_ids_and_updated().into_iter().nth(2).unwrap().1;
    sim.delete_issue(&victim);
    let (b, c, d) = (binary.clone(), config.clone(), data.clone());
    let second = tokio::task::spawn_blocking(move || sync(&b, &c, &d, &["--full"])).await.unwrap();
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "exit {:?}, stderr: {}", second.status, {
        String::from_utf8_lossy(&second.stderr)
    });
    assert!(stdout.starts_with("full sync done: "), "{stdout}");
    assert!(stdout.contains(", 1 deleted,"), "{stdout}");
    assert!(control_characters(&second.stdout).is_empty(), "stdout: {stdout:?}");
    assert!(control_characters(&second.stderr).is_empty(), "stderr: {:?}", second.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_exits_non_zero_with_the_reason() {
    let binary = tokio::task::spawn_blocking(claudedirector).await.unwrap();
    // Owned, not shared: the site is shut down below.
    let sim = start_sim(sim_options(Preset::Tiny)).await.unwrap();
    let dir = TempDir::new("cli-sync-fail");
    let config = ConfigFile::for_sim(&sim).fast().with_boards().write(dir.path());
    let data = dir.path().join("data");
    // JIRA is gone before the run starts.
    sim.shutdown().await;
    let output = tokio::task::spawn_blocking(move || sync(&binary, &config, &data, &["--json"]))
        .await
        .unwrap();
    assert!(!output.status.success(), "a sync against a dead site exited 0");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert!(report["error"].as_str().is_some_and(|e| !e.is_empty()), "{report}");
    assert!(control_characters(&output.stderr).is_empty(), "stderr: {:?}", output.stderr);
}
