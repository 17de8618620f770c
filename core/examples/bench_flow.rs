//! Times ingest and every flow metric on a JIRA export, natively.
//!
//! Run with `cargo run --release -p director-core --example bench_flow -- EXPORT.json [WORKFLOW.toml]`
//! (see `bench/README.md` for making a 100k-issue export from the simulated
//! JIRA and for the side-by-side run against jira-agile-metrics). Prints one
//! JSON object of phase timings in seconds (wall time, and `*_cpu_s`, the CPU
//! time of all threads); nothing is asserted.

// A benchmark reads the wall clock by definition; core's library code never does.
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

use std::time::Instant;

use director_core::flow::{self, FlowOptions, Workflow};
use director_core::ingest::{ingest_str, IngestOptions};
use director_core::{forecast, quality, velocity};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bench_flow EXPORT.json [WORKFLOW.toml]")?;
    let workflow_text = args.next().map(std::fs::read_to_string).transpose()?;

    let t0 = Instant::now();
    let text = std::fs::read_to_string(&path)?;
    let read_s = t0.elapsed().as_secs_f64();

    let t = Instant::now();
    let c = cpu_s();
    let ingested = ingest_str(&text, &IngestOptions::default())?;
    let ingest_s = t.elapsed().as_secs_f64();
    let ingest_cpu_s = cpu_s() - c;
    drop(text);
    let dataset = &ingested.dataset;

    let t = Instant::now();
    let c = cpu_s();
    let workflow = match &workflow_text {
        Some(w) => Workflow::from_toml(w)?,
        None => Workflow::from_categories(&dataset.statuses),
    };
    let options =
        FlowOptions { utc_offset_secs: ingested.utc_offset_secs, ..FlowOptions::default() };
    let last = dataset.issues.iter().map(|i| i.updated).max().ok_or("no issues")?;
    let as_of = options.day(last);
    // One set of flows serves the report and data quality (a flow does not
    // depend on the cycle-time convention).
    let flows = flow::flows(&dataset.issues, &workflow, &options);
    let report = flow::flow_report_from_flows(&dataset.issues, &flows, &workflow, &options, as_of);
    let flow_report_s = t.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let quality = quality::data_quality(&dataset.issues, &flows);
    let quality_s = t1.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let sprints =
        velocity::velocity(dataset, &workflow, &ingested.sprint_reports, options.end_of_day(as_of));
    let summary = velocity::summary(&sprints, 5);
    let velocity_s = t1.elapsed().as_secs_f64();
    // The peer's burn-up forecast: when will 200 more items be done, 1000
    // trials sampling the last 90 days of daily throughput.
    let t1 = Instant::now();
    let daily: Vec<u32> = report.throughput_daily.iter().map(|(_, n)| *n).collect();
    let start = report.range.map_or(as_of, |r| r.start);
    let forecast_p85 = forecast::sample_window(start, &daily, as_of, 90)
        .and_then(|w| forecast::Throughput::new(w.samples).ok())
        .map(|tp| {
            let options = forecast::ForecastOptions {
                trials: std::num::NonZeroU32::new(1000).unwrap_or(std::num::NonZeroU32::MIN),
                seed: 42,
                method: forecast::Method::MonteCarlo,
            };
            forecast::when(&tp, 200, as_of, None, &options)
        });
    let forecast_s = t1.elapsed().as_secs_f64();
    let metrics_s = t.elapsed().as_secs_f64();
    let metrics_cpu_s = cpu_s() - c;

    let histories: usize = dataset.issues.iter().map(|i| i.status_history.len()).sum();
    println!(
        "{}",
        serde_json_line(&[
            ("issues", dataset.issues.len() as f64),
            ("status_changes", histories as f64),
            ("completed", report.completed as f64),
            ("days", report.throughput_daily.len() as f64),
            ("sprints", sprints.len() as f64),
            ("unmapped_statuses", quality.unmapped_statuses.len() as f64),
            ("velocity_mean", summary.mean.unwrap_or(0.0)),
            ("read_file_s", read_s),
            ("ingest_s", ingest_s),
            ("flow_report_s", flow_report_s),
            ("quality_s", quality_s),
            ("velocity_s", velocity_s),
            ("forecast_s", forecast_s),
            ("forecast_ran", if forecast_p85.is_some() { 1.0 } else { 0.0 }),
            ("metrics_s", metrics_s),
            ("ingest_and_metrics_s", ingest_s + metrics_s),
            ("ingest_cpu_s", ingest_cpu_s),
            ("metrics_cpu_s", metrics_cpu_s),
            ("total_wall_s", t0.elapsed().as_secs_f64()),
        ])
    );
    Ok(())
}

/// CPU time of the whole process (all threads, user + system) so far, from
/// `/proc/self/stat` in clock ticks of 10 ms; 0 where that file is missing.
/// On a machine shared with other work it tells how much work a phase did
/// when its wall time mostly tells how busy the machine was.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn serde_json_line(fields: &[(&str, f64)]) -> String {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    format!("{{{}}}", body.join(", "))
}
