//! Equivalence with jira-agile-metrics 0.24, the peer most teams already
//! trust: on the same export of the simulated JIRA, with the same workflow,
//! `elapsed` + `reset` cycle times must equal the peer's for every issue.
//!
//! The peer runs offline through `shared/bench/peer/run_peer.py` in a Python
//! 3.7 virtual environment under the target folder's `peer-venv`, created on first use
//! (pyenv's 3.7 + `peer-requirements.txt`). When that cannot be installed the
//! test prints why and passes without comparing; `PEER_REQUIRED=1` (or
//! `CI=true`) makes that a failure. `PEER_PRESET=small` compares on the demo
//! organisation instead of the tiny one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use director_core::flow::{self, BackwardMoves, CycleTimeConvention, FlowOptions, Workflow};
use director_core::ingest::{ingest_str, IngestOptions};
use director_sim::Preset;
use serde_json::Value;

const WORKFLOW_YAML: &str = "Workflow:\n    Backlog: [To Do]\n    In Progress: [In Progress, Blocked]\n    In Review: In Review\n    Done: Done\n";

const WORKFLOW_TOML: &str = r#"
backward_moves = "reset"
[[stage]]
name = "Backlog"
statuses = ["To Do"]
[[stage]]
name = "In Progress"
statuses = ["In Progress", "Blocked"]
start = true
[[stage]]
name = "In Review"
statuses = ["In Review"]
[[stage]]
name = "Done"
statuses = ["Done"]
done = true
"#;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Cargo's target folder, which CI keeps outside the clone so the venv survives.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

fn peer_dir() -> PathBuf {
    std::env::var_os("PEER_DIR")
        .map_or_else(|| workspace().join("../shared/bench/peer"), PathBuf::from)
}

/// The peer's Python, installing it under the target folder's `peer-venv` when missing.
fn peer_python() -> anyhow::Result<PathBuf> {
    let venv = target_dir().join("peer-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import jira_agile_metrics, pandas"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && ready(&python) {
        return Ok(python);
    }
    let requirements = peer_dir().join("peer-requirements.txt");
    if !requirements.exists() {
        bail!("{} not found (set PEER_DIR)", requirements.display());
    }
    let root = Command::new("pyenv").arg("root").output().context("pyenv is not installed")?;
    let root = String::from_utf8_lossy(&root.stdout).trim().to_owned();
    let py37 = Path::new(&root).join("versions/3.7.16/bin/python3.7");
    if !py37.exists() {
        bail!("pyenv has no Python 3.7.16 at {}", py37.display());
    }
    let status = Command::new(&py37).args(["-m", "venv"]).arg(&venv).status()?;
    if !status.success() {
        bail!("creating the peer venv failed");
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "-r"])
        .arg(&requirements)
        .status()?;
    if !status.success() || !ready(&python) {
        bail!("installing the peer's requirements failed");
    }
    Ok(python)
}

/// Every issue of the site with its complete changelog, oldest history
/// first, as one `{"issues": [...]}` page.
async fn export(base: &str, projects: &[String]) -> anyhow::Result<Value> {
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move {
            let response =
                client.get(&url).basic_auth("demo@example.com", Some("demo-token")).send().await?;
            if !response.status().is_success() {
                bail!("GET {url}: {}", response.status());
            }
            Ok::<Value, anyhow::Error>(response.json().await?)
        }
    };
    let jql = format!("project in ({}) order by key", projects.join(","));
    let mut issues: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut url = reqwest::Url::parse(&format!("{base}/rest/api/3/search/jql"))?;
        url.query_pairs_mut()
            .append_pair("jql", &jql)
            .append_pair("fields", "*all")
            .append_pair("expand", "changelog")
            .append_pair("maxResults", "100");
        if let Some(t) = &token {
            url.query_pairs_mut().append_pair("nextPageToken", t);
        }
        let page = get(url.to_string()).await?;
        issues.extend(page["issues"].as_array().cloned().unwrap_or_default());
        token = page["nextPageToken"].as_str().map(str::to_owned);
        if page["isLast"].as_bool().unwrap_or(true) || token.is_none() {
            break;
        }
    }
    for issue in &mut issues {
        let total = issue["changelog"]["total"].as_u64().unwrap_or(0) as usize;
        let held = issue["changelog"]["histories"].as_array().map_or(0, Vec::len);
        let mut histories: Vec<Value> =
            issue["changelog"]["histories"].as_array().cloned().unwrap_or_default();
        if total > held {
            let key = issue["key"].as_str().unwrap_or_default().to_owned();
            histories.clear();
            let mut start = 0;
            loop {
                let page = get(format!(
                    "{base}/rest/api/3/issue/{key}/changelog?startAt={start}&maxResults=100"
                ))
                .await?;
                let values = page["values"].as_array().cloned().unwrap_or_default();
                start += values.len();
                histories.extend(values);
                if page["isLast"].as_bool().unwrap_or(true) || start >= total {
                    break;
                }
            }
        }
        // Oldest first: the peer takes the initial status from the first
        // status item it meets, which is only right in that order.
        histories.sort_by_key(|h| {
            (
                h["created"].as_str().and_then(|c| {
                    chrono::DateTime::parse_from_str(c, "%Y-%m-%dT%H:%M:%S%.f%z").ok()
                }),
                h["id"].as_str().and_then(|i| i.parse::<u64>().ok()),
            )
        });
        let n = histories.len();
        issue["changelog"] =
            serde_json::json!({"startAt": 0, "maxResults": n, "total": n, "histories": histories});
    }
    Ok(serde_json::json!({"issues": issues}))
}

fn peer_cycle_times(csv: &str) -> anyhow::Result<BTreeMap<String, Option<i64>>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().context("empty cycle_times.csv")?.split(',').collect();
    let key = header.iter().position(|h| *h == "key").context("no key column")?;
    let days =
        header.iter().position(|h| *h == "cycle_time_days").context("no cycle_time_days column")?;
    let mut out = BTreeMap::new();
    for line in lines {
        // Summaries may hold commas in quotes; key and cycle time are plain, so
        // count columns from the ends.
        let cols: Vec<&str> = line.split(',').collect();
        let from_end = header.len() - days;
        let k = cols.get(key).context("short row")?.to_string();
        let d = cols.get(cols.len() - from_end).context("short row")?;
        let d = if d.is_empty() { None } else { Some(d.parse::<f64>()? as i64) };
        out.insert(k, d);
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn elapsed_reset_cycle_times_equal_jira_agile_metrics() -> anyhow::Result<()> {
    let strict = std::env::var("PEER_REQUIRED").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true");
    let python = match peer_python() {
        Ok(p) => p,
        Err(e) if !strict => {
            println!(
                "skipping the jira-agile-metrics comparison: the peer cannot be installed: {e:#}"
            );
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let preset = match std::env::var("PEER_PRESET").as_deref() {
        Ok("small") => Preset::Small,
        _ => Preset::Tiny,
    };
    let sim = director_tests::start_sim(director_tests::sim_options(preset)).await?;
    let projects: Vec<String> = sim.teams().into_iter().map(|t| t.project_key).collect();
    let export = export(&sim.base_url(), &projects).await?;
    sim.shutdown().await;

    let dir = target_dir().join(format!("peer/{preset:?}").to_lowercase());
    std::fs::create_dir_all(&dir)?;
    let export_path = dir.join("export.json");
    let text = serde_json::to_string(&export)?;
    std::fs::write(&export_path, &text)?;
    std::fs::write(dir.join("workflow.yml"), WORKFLOW_YAML)?;
    let output = Command::new(&python)
        .arg(peer_dir().join("run_peer.py"))
        .arg(&export_path)
        .arg("--out")
        .arg(dir.join("out"))
        .args(["--jql", &format!("project in ({})", projects.join(","))])
        .arg("--workflow")
        .arg(dir.join("workflow.yml"))
        .output()?;
    if !output.status.success() {
        bail!("run_peer.py failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let peer = peer_cycle_times(&std::fs::read_to_string(dir.join("out/cycle_times.csv"))?)?;

    let ingested = ingest_str(&text, &IngestOptions::default())?;
    let workflow = Workflow::from_toml(WORKFLOW_TOML)?;
    assert_eq!(workflow.backward_moves, BackwardMoves::Reset);
    let options = FlowOptions {
        convention: CycleTimeConvention::Elapsed,
        utc_offset_secs: ingested.utc_offset_secs,
        ..FlowOptions::default()
    };
    let ours: BTreeMap<String, Option<i64>> =
        flow::flows(&ingested.dataset.issues, &workflow, &options)
            .iter()
            .map(|f| (f.key.0.clone(), flow::cycle_time_days(f, CycleTimeConvention::Elapsed)))
            .collect();

    assert_eq!(ours.len(), peer.len(), "both tools see every issue");
    let mismatches: Vec<String> = ours
        .iter()
        .filter(|(k, v)| peer.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: ours {v:?}, peer {:?}", peer.get(k)))
        .collect();
    let with_cycle_time = ours.values().filter(|v| v.is_some()).count();
    assert!(with_cycle_time > 10, "the export must exercise cycle times, got {with_cycle_time}");
    assert!(
        mismatches.is_empty(),
        "{} of {} issues differ:\n{}",
        mismatches.len(),
        ours.len(),
        mismatches.join("\n")
    );
    println!(
        "{} issues, {with_cycle_time} with a cycle time: equal to jira-agile-metrics",
        ours.len()
    );
    Ok(())
}
