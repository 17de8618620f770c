//! `claudedirector metrics`: offline flow and velocity metrics of a JIRA
//! export (search pages with changelogs, as one page, a list of pages or JSON
//! lines; sprint pages and sprint reports may be mixed in).
//!
//! Run with `claudedirector metrics --input export.json [--workflow wf.toml]
//! [--as-of 2026-03-01] [--cycle-time inclusive|elapsed] [--json]`.
//! Every number is defined in `docs/metrics.md`.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use director_core::flow::{
    self, BackwardMoves, CycleTimeConvention, FlowOptions, FlowReport, Workflow,
};
use director_core::ingest::{ingest_str, IngestOptions, Ingested};
use director_core::quality::{self, DataQuality};
use director_core::stats::Summary;
use director_core::velocity::{self, SprintVelocity, VelocitySummary};

/// Arguments of `claudedirector metrics`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// JIRA export to analyse.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Workflow file (TOML stages); default: stages from JIRA's status categories.
    #[arg(long, value_name = "FILE")]
    pub workflow: Option<PathBuf>,
    /// Compute as of the end of this day [default: the day of the last change in the export].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Day-counting convention for cycle and lead time.
    #[arg(long, value_enum, default_value = "inclusive")]
    pub cycle_time: Convention,
    /// Override the workflow file's rule for moves back to an earlier stage.
    #[arg(long, value_enum)]
    pub backward_moves: Option<Backward>,
    /// Sprints in the rolling velocity window.
    #[arg(long, default_value_t = 5)]
    pub velocity_window: usize,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}

/// `--cycle-time` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Convention {
    /// done − start + 1 calendar days.
    Inclusive,
    /// done − start, dates truncated to the day.
    Elapsed,
}

/// `--backward-moves` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Backward {
    /// First entry into a stage counts.
    Keep,
    /// A move back wipes later stages' dates.
    Reset,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let input = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read export {}", args.input.display()))?;
    let workflow_text = match &args.workflow {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read workflow file {}", path.display()))?,
        ),
        None => None,
    };
    let analysis = analyse(&input, workflow_text.as_deref(), &args)?;
    let out = if args.json {
        serde_json::to_string_pretty(&analysis.to_json())? + "\n"
    } else {
        analysis.to_text()
    };
    print!("{out}");
    Ok(())
}

/// Everything `metrics` computes.
#[derive(Debug)]
pub struct Analysis {
    /// As-of day.
    pub as_of: NaiveDate,
    /// Workflow used.
    pub workflow: Workflow,
    /// Ingest output.
    pub ingested: Ingested,
    /// Flow metrics.
    pub flow: FlowReport,
    /// Per-sprint velocity.
    pub sprints: Vec<SprintVelocity>,
    /// Rolling velocity.
    pub velocity: VelocitySummary,
    /// Data quality.
    pub quality: DataQuality,
}

/// Ingests `input` and computes every metric.
pub fn analyse(input: &str, workflow_text: Option<&str>, args: &Args) -> anyhow::Result<Analysis> {
    let ingested =
        ingest_str(input, &IngestOptions::default()).context("cannot read the export")?;
    let dataset = &ingested.dataset;
    let mut workflow = match workflow_text {
        Some(text) => Workflow::from_toml(text)?,
        None => Workflow::from_categories(&dataset.statuses),
    };
    if let Some(rule) = args.backward_moves {
        workflow = workflow.with_backward_moves(match rule {
            Backward::Keep => BackwardMoves::Keep,
            Backward::Reset => BackwardMoves::Reset,
        });
    }
    let options = FlowOptions {
        convention: match args.cycle_time {
            Convention::Inclusive => CycleTimeConvention::Inclusive,
            Convention::Elapsed => CycleTimeConvention::Elapsed,
        },
        utc_offset_secs: ingested.utc_offset_secs,
        ..FlowOptions::default()
    };
    let last_change: Option<DateTime<Utc>> = dataset
        .issues
        .iter()
        .flat_map(|i| std::iter::once(i.updated).chain(i.status_history.last().map(|c| c.at)))
        .max();
    let as_of = args.as_of.or_else(|| last_change.map(|t| options.day(t))).context(
        "the export holds no issues, so there is no date to compute as of; pass --as-of",
    )?;
    // A flow does not depend on the cycle-time convention: one set serves both.
    let flows = flow::flows(&dataset.issues, &workflow, &options);
    let flow = flow::flow_report_from_flows(&dataset.issues, &flows, &workflow, &options, as_of);
    let quality = quality::data_quality(&dataset.issues, &flows);
    let sprints =
        velocity::velocity(dataset, &workflow, &ingested.sprint_reports, options.end_of_day(as_of));
    let velocity = velocity::summary(&sprints, args.velocity_window);
    Ok(Analysis { as_of, workflow, ingested, flow, sprints, velocity, quality })
}

fn summary_json(convention: CycleTimeConvention, s: &Summary) -> Value {
    let round = |v: Option<f64>| v.map(|v| (v * 100.0).round() / 100.0);
    json!({
        "convention": convention,
        "count": s.count,
        "mean": round(s.mean),
        "p50": round(s.p50),
        "p70": round(s.p70),
        "p85": round(s.p85),
        "p95": round(s.p95),
    })
}

fn series(points: &[(NaiveDate, u32)], label: &str) -> Value {
    Value::Array(points.iter().map(|(d, n)| json!({ label: d, "count": n })).collect())
}

impl Analysis {
    /// The `--json` object.
    pub fn to_json(&self) -> Value {
        let f = &self.flow;
        let cfd: Vec<Value> = f
            .cfd_daily
            .iter()
            .map(|day| {
                let counts: Map<String, Value> =
                    f.stages.iter().zip(&day.counts).map(|(s, n)| (s.clone(), json!(n))).collect();
                json!({"date": day.date, "counts": counts})
            })
            .collect();
        let items: Vec<Value> = f
            .items
            .iter()
            .map(|i| {
                json!({
                    "key": i.key,
                    "started": i.started,
                    "completed": i.completed,
                    "cycle_time_days": i.cycle_time_days,
                    "lead_time_days": i.lead_time_days,
                    "blocked_days": i.blocked_days,
                    "blocked_reasons": i.blocked_reasons,
                    "blocked_now": i.blocked_now,
                    "stalled": i.stalled,
                })
            })
            .collect();
        let sprints: Vec<Value> = self
            .sprints
            .iter()
            .map(|s| {
                json!({
                    "id": s.id, "name": s.name, "state": s.state, "board": s.board,
                    "committed": s.committed, "completed": s.completed,
                    "added": s.added, "removed": s.removed, "carried_over": s.carried_over,
                    "predictability": s.predictability, "source": s.source,
                })
            })
            .collect();
        json!({
            "as_of": self.as_of,
            "workflow": {
                "stages": f.stages,
                "start": self.workflow.stages[self.workflow.start].name,
                "done": self.workflow.stages[self.workflow.done].name,
                "backward_moves": self.workflow.backward_moves,
            },
            "issues": f.issues,
            "completed": f.completed,
            "cycle_time": summary_json(f.convention, &f.cycle_time),
            "lead_time": summary_json(f.convention, &f.lead_time),
            "throughput_weekly": series(&f.throughput_weekly, "week"),
            "throughput_daily": series(&f.throughput_daily, "date"),
            "wip_daily": series(&f.wip_daily, "date"),
            "cfd_daily": cfd,
            "net_flow_weekly": f.net_flow_weekly,
            "aging_wip": f.aging_wip,
            "sprints": sprints,
            "velocity": self.velocity,
            "items": items,
            "data_quality": self.quality,
            "diagnostics": self.ingested.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })
    }

    /// The human report.
    pub fn to_text(&self) -> String {
        let f = &self.flow;
        let d = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        let convention = match f.convention {
            CycleTimeConvention::Inclusive => "inclusive",
            CycleTimeConvention::Elapsed => "elapsed",
        };
        line(format!(
            "Flow metrics as of {} ({} issues, {} done)",
            self.as_of, f.issues, f.completed
        ));
        line(format!(
            "Workflow: {} (cycle time from `{}` to `{}`, backward moves: {:?})",
            f.stages.join(" → "),
            self.workflow.stages[self.workflow.start].name,
            self.workflow.stages[self.workflow.done].name,
            self.workflow.backward_moves
        ));
        line(String::new());
        for (name, s) in [("Cycle time", &f.cycle_time), ("Lead time", &f.lead_time)] {
            line(format!(
                "{name:<11} ({convention}, days, n={}): mean {}  p50 {}  p70 {}  p85 {}  p95 {}",
                s.count,
                d(s.mean),
                d(s.p50),
                d(s.p70),
                d(s.p85),
                d(s.p95)
            ));
        }
        let recent: Vec<String> =
            f.throughput_weekly.iter().rev().take(8).rev().map(|(_, n)| n.to_string()).collect();
        line(format!("Throughput, last {} weeks: {}", recent.len(), recent.join(" ")));
        if let Some((_, wip)) = f.wip_daily.last() {
            line(format!("WIP now: {wip}"));
        }
        let old: Vec<String> = f
            .aging_wip
            .iter()
            .filter(|a| a.percentile_band.beyond_p85())
            .take(5)
            .map(|a| format!("{} ({} d, {})", a.key, a.age_days, a.stage))
            .collect();
        let beyond = f.aging_wip.iter().filter(|a| a.percentile_band.beyond_p85()).count();
        line(format!(
            "Aging WIP: {} in progress, {} older than p85{}{}",
            f.aging_wip.len(),
            beyond,
            if old.is_empty() { "" } else { ": " },
            old.join(", ")
        ));
        let blocked = f.items.iter().filter(|i| i.blocked_now).count();
        let stalled = f.items.iter().filter(|i| i.stalled).count();
        line(format!("Blocked now: {blocked}   Stalled: {stalled}"));
        if !self.sprints.is_empty() {
            line(String::new());
            line("Sprints (points): committed / completed / added / removed".to_owned());
            for s in self.sprints.iter().rev().take(6).rev() {
                line(format!(
                    "  {:<24} {:>6.1} / {:>6.1} / {:>5.1} / {:>5.1}{}",
                    s.name,
                    s.committed,
                    s.completed,
                    s.added,
                    s.removed,
                    if s.source == velocity::VelocitySource::SprintReport {
                        "  (Jira sprint report)"
                    } else {
                        ""
                    }
                ));
            }
            let v = &self.velocity;
            line(format!(
                "Velocity over {} closed sprints: mean {}  spread {}  predictability {}  trend {}/sprint",
                v.sprints,
                d(v.mean),
                d(v.spread),
                v.predictability.map_or("-".to_owned(), |p| format!("{:.0}%", p * 100.0)),
                v.trend.map_or("-".to_owned(), |t| format!("{t:+.1}"))
            ));
        }
        let q = &self.quality;
        line(String::new());
        let keys = |f: &director_core::quality::Finding| {
            let shown: Vec<&str> = f.keys.iter().take(5).map(|k| k.as_str()).collect();
            if f.count > shown.len() {
                format!("{} …", shown.join(" "))
            } else {
                shown.join(" ")
            }
        };
        line(
            format!("Data quality: {}", if q.is_clean() { "no findings" } else { "" })
                .trim_end()
                .to_owned(),
        );
        for (name, finding) in [
            ("backward moves", &q.backward_moves),
            ("done without start", &q.done_without_start),
            ("status changes after done", &q.status_changes_after_done),
            ("missing estimates", &q.missing_estimates),
        ] {
            if finding.count > 0 {
                line(format!("  {name}: {} ({})", finding.count, keys(finding)));
            }
        }
        for u in &q.unmapped_statuses {
            line(format!("  unmapped status `{}`: {} issues", u.status, u.count));
        }
        if !self.ingested.diagnostics.is_empty() {
            line(format!("Ingest diagnostics: {} (see --json)", self.ingested.diagnostics.len()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = include_str!("../../../core/testdata/sim/tiny-export-16.json");
    const WORKFLOW: &str = include_str!("../../../core/testdata/sim/workflow.toml");

    fn args(cycle_time: Convention) -> Args {
        Args {
            input: PathBuf::from("tiny-export-16.json"),
            workflow: None,
            as_of: NaiveDate::from_ymd_opt(2026, 3, 10),
            cycle_time,
            backward_moves: None,
            velocity_window: 5,
            json: true,
        }
    }

    #[test]
    fn json_report_of_a_simulated_export() {
        let analysis = analyse(EXPORT, None, &args(Convention::Inclusive)).unwrap();
        insta::assert_json_snapshot!("metrics_inclusive_default_workflow", analysis.to_json());
    }

    #[test]
    fn json_report_with_a_workflow_file_elapsed_and_reset() {
        let analysis = analyse(EXPORT, Some(WORKFLOW), &args(Convention::Elapsed)).unwrap();
        let json = analysis.to_json();
        assert_eq!(json["workflow"]["backward_moves"], "reset");
        assert_eq!(json["cycle_time"]["convention"], "elapsed");
        insta::assert_json_snapshot!("metrics_elapsed_reset_workflow", json);
    }

    #[test]
    fn every_required_key_is_present_and_consistent() {
        let json = analyse(EXPORT, None, &args(Convention::Inclusive)).unwrap().to_json();
        for key in [
            "issues",
            "completed",
            "cycle_time",
            "lead_time",
            "throughput_weekly",
            "throughput_daily",
            "wip_daily",
            "cfd_daily",
            "aging_wip",
            "sprints",
            "items",
            "data_quality",
            "diagnostics",
        ] {
            assert!(json.get(key).is_some(), "missing `{key}`");
        }
        let weekly: u64 = json["throughput_weekly"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["count"].as_u64().unwrap())
            .sum();
        assert_eq!(Some(weekly), json["completed"].as_u64());
        assert_eq!(
            json["items"].as_array().unwrap().len() as u64,
            json["issues"].as_u64().unwrap()
        );
        let monday = json["throughput_weekly"][0]["week"].as_str().unwrap();
        let monday = NaiveDate::parse_from_str(monday, "%Y-%m-%d").unwrap();
        assert_eq!(chrono::Datelike::weekday(&monday), chrono::Weekday::Mon);
    }

    #[test]
    fn text_report_names_the_essentials() {
        let text = analyse(EXPORT, None, &args(Convention::Inclusive)).unwrap().to_text();
        assert!(text.starts_with("Flow metrics as of 2026-03-10 (16 issues"));
        assert!(text.contains("Cycle time"));
        assert!(text.contains("Throughput"));
    }

    #[test]
    fn unusable_input_is_an_error_naming_the_export() {
        let err = analyse("not json", None, &args(Convention::Inclusive)).unwrap_err();
        assert!(format!("{err:#}").contains("cannot read the export"));
    }
}
