//! `claudedirector sync` as a real process against the simulated JIRA: exit
//! status, the `--json` report, and no terminal control characters in output
//! that goes to a pipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use director_sim::Preset;
use director_tests::{sim_options, start_sim, TempDir};

/// Builds `claudedirector` (a no-op when it is current) and returns its path.
fn binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["build", "--quiet", "-p", "director-proxy", "--bin", "claudedirector"])
        .current_dir(root)
        .status()
        .expect("running cargo build");
    assert!(status.success(), "cargo build -p director-proxy failed");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let binary = target.join("debug").join("claudedirector");
    assert!(binary.is_file(), "no binary at {}", binary.display());
    binary
}

fn write_config(dir: &Path, sim: &director_sim::Sim) -> PathBuf {
    let mut text = format!(
        "[jira]\nurl = \"{}\"\nflavor = \"cloud\"\nauth = \"basic\"\nrequests_per_second = 1000\n\n\
         [sync]\ndaily_budget = 100000\n",
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

/// Runs `claudedirector sync` with stdout and stderr captured (pipes, not a terminal).
fn sync(binary: &Path, config: &Path, data: &Path, extra: &[&str]) -> Output {
    Command::new(binary)
        .args(["sync", "--config"])
        .arg(config)
        .arg("--data")
        .arg(data)
        .args(extra)
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
    let binary = tokio::task::spawn_blocking(binary).await.unwrap();
    let sim = Arc::new(start_sim(sim_options(Preset::Tiny)).await.unwrap());
    let dir = TempDir::new("cli-sync");
    let config = write_config(dir.path(), &sim);
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
    let binary = tokio::task::spawn_blocking(binary).await.unwrap();
    let sim = start_sim(sim_options(Preset::Tiny)).await.unwrap();
    let dir = TempDir::new("cli-sync-fail");
    let config = write_config(dir.path(), &sim);
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
