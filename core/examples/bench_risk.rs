//! Times risk (teams, epics, organisation, trend, dependency graph), the alert
//! rules and the weekly executive summary on a JIRA export, natively.
//!
//! Run with `cargo run --release -p director-core --example bench_risk -- EXPORT.json [AS_OF] [RUNS]`
//! where `AS_OF` is an RFC 3339 instant (default: the export's last change) and
//! `RUNS` the number of timed repetitions (default 10). Ingest is not timed.
//! Prints one JSON object: the median of each separate call (risk report,
//! alert rules, executive summary — each builds its own index, and the summary
//! recomputes risk and alerts inside), the median and worst of their sum, and
//! the median and worst of `summary::weekly_report`, which computes all three
//! from one index; in milliseconds. It only checks that both ways agree.
//!
//! With `BENCH_RISK_DUMP=FILE` set it also writes, once, the JSON of the
//! weekly report, `team_status` and the three separate calls, so two builds
//! can be compared byte for byte on the same export. With
//! `BENCH_RISK_PROFILE=N` it only runs `weekly_report` N times and prints
//! nothing, for a profiler (`perf record`).

// A benchmark reads the wall clock by definition; core's library code never does.
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

use std::time::Instant;

use chrono::{DateTime, Utc};
use director_core::alerts::{self, AlertOptions, AlertState};
use director_core::ingest::{ingest_str, IngestOptions};
use director_core::risk::{self, RiskConfig};
use director_core::summary::{self, IsoWeek, SummaryOptions};

/// CPU time of this thread in nanoseconds (Linux `schedstat`), so a loaded
/// machine's waiting is not counted; `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bench_risk EXPORT.json [AS_OF] [RUNS]")?;
    let as_of: Option<DateTime<Utc>> = args.next().map(|s| s.parse()).transpose()?;
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10).max(1);

    let text = std::fs::read_to_string(&path)?;
    let dataset = ingest_str(&text, &IngestOptions::default())?.dataset;
    drop(text);
    let as_of =
        as_of.or_else(|| dataset.issues.iter().map(|i| i.updated).max()).ok_or("no issues")?;
    // The week holding `as_of`, so every part is read at `as_of` itself.
    let week = IsoWeek::containing(as_of.date_naive());
    let risk_config = RiskConfig::default();
    let alert_options = AlertOptions::default();
    let summary_options = SummaryOptions::default();

    if let Some(out) = std::env::var_os("BENCH_RISK_DUMP") {
        let dump = serde_json::json!({
            "weekly_report": summary::weekly_report(&dataset, week, as_of, &summary_options),
            "team_status": summary::team_status(&dataset, as_of, &risk_config),
            "risk_report": risk::risk_report(&dataset, as_of, &risk_config),
            "alerts": alerts::evaluate(&AlertState::default(), &dataset, &[], as_of, &alert_options),
            "executive_summary": summary::executive_summary(&dataset, week, as_of, &summary_options),
        });
        std::fs::write(out, serde_json::to_vec_pretty(&dump)?)?;
    }

    if let Ok(times) = std::env::var("BENCH_RISK_PROFILE") {
        for _ in 0..times.parse::<usize>()? {
            std::hint::black_box(summary::weekly_report(&dataset, week, as_of, &summary_options));
        }
        return Ok(());
    }
    let (mut risk_ms, mut alerts_ms, mut summary_ms, mut total_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut weekly_ms, mut weekly_cpu_ms) = (Vec::new(), Vec::new());
    let (mut epics, mut alert_count, mut sentences) = (0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let report = risk::risk_report(&dataset, as_of, &risk_config);
        let risk_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let update = alerts::evaluate(&AlertState::default(), &dataset, &[], as_of, &alert_options);
        let alerts_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let weekly = summary::executive_summary(&dataset, week, as_of, &summary_options);
        let summary_s = t.elapsed().as_secs_f64();
        epics = report.epics.len();
        alert_count = update.state.alerts.len();
        sentences =
            weekly.teams.iter().map(|t| t.sentences.len()).sum::<usize>() + weekly.headline.len();
        let t = Instant::now();
        let cpu = thread_cpu_ns();
        let combined = summary::weekly_report(&dataset, week, as_of, &summary_options);
        weekly_ms.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(before), Some(after)) = (cpu, thread_cpu_ns()) {
            weekly_cpu_ms.push((after - before) as f64 / 1e6);
        }
        assert_eq!(combined.summary, weekly, "the combined report must equal the separate calls");
        risk_ms.push(risk_s * 1e3);
        alerts_ms.push(alerts_s * 1e3);
        summary_ms.push(summary_s * 1e3);
        total_ms.push((risk_s + alerts_s + summary_s) * 1e3);
    }
    let worst = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!(
        "{{\"issues\": {}, \"teams\": {}, \"epics_scored\": {epics}, \"alerts\": {alert_count}, \"summary_sentences\": {sentences}, \
         \"runs\": {runs}, \"as_of\": \"{}\", \"risk_ms\": {:.2}, \"alerts_ms\": {:.2}, \"summary_ms\": {:.2}, \
         \"total_median_ms\": {:.2}, \"total_worst_ms\": {:.2}, \"weekly_report_median_ms\": {:.2}, \"weekly_report_worst_ms\": {:.2}, \"weekly_report_cpu_median_ms\": {}}}",
        dataset.issues.len(),
        dataset.teams.len(),
        as_of.to_rfc3339(),
        median(&mut risk_ms),
        median(&mut alerts_ms),
        median(&mut summary_ms),
        median(&mut total_ms.clone()),
        worst(&total_ms),
        median(&mut weekly_ms.clone()),
        worst(&weekly_ms),
        if weekly_cpu_ms.is_empty() { "null".to_owned() } else { format!("{:.2}", median(&mut weekly_cpu_ms)) }
    );
    Ok(())
}
