//! `claudedirector forecast`: when will N items (or an epic) be done, or how
//! many will be done by a date, from a JIRA search export or explicit daily
//! counts; Monte Carlo or exact, optionally with the backtest record.
//!
//! Daily throughput is `director_core::flow`'s (the same as `metrics`, done
//! days cut in the export's UTC offset, the workflow file or else JIRA's
//! status categories saying what is done), without epics: they contain the
//! work counted. An epic's forecast assumes the
//! team's whole throughput goes to it; `director_core::forecast::portfolio`
//! shares it between epics.

use std::num::NonZeroU32;
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::{Days, NaiveDate, Utc};
use serde_json::{json, Value};

use director_core::flow::{self, DateRange, FlowOptions, IssueFlow, Workflow};
use director_core::forecast::backtest::{backtest, BacktestOptions, Calibration, Question};
use director_core::forecast::{
    self, finish_date, sample_window, ForecastOptions, Method, SampleWindow, Throughput,
    DEFAULT_TRIALS, DEFAULT_WINDOW_DAYS,
};
use director_core::ingest::{ingest_str, IngestOptions};
use director_core::model::{Dataset, IssueKey};

/// Arguments of `claudedirector forecast`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("question").required(true).args(["items", "by", "epic"])))]
pub struct Args {
    /// JIRA search export (`{"issues": [...]}` with changelogs, pages or JSON lines).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Workflow file (TOML stages, as for `metrics`) saying which statuses are done.
    #[arg(long, value_name = "FILE")]
    pub workflow: Option<PathBuf>,
    /// When will this many more items be done?
    #[arg(long, value_name = "N")]
    pub items: Option<u32>,
    /// How many items will be done by this date (inclusive)?
    #[arg(long, value_name = "DATE")]
    pub by: Option<NaiveDate>,
    /// When will the open issues of this epic be done?
    #[arg(long, value_name = "KEY")]
    pub epic: Option<String>,
    /// First day of forecast work [default: the day after the last activity
    /// in the export, or today with --throughput alone].
    #[arg(long, value_name = "DATE")]
    pub start: Option<NaiveDate>,
    /// Days of history to sample.
    #[arg(long, value_name = "D", default_value_t = DEFAULT_WINDOW_DAYS)]
    pub window_days: u32,
    /// Last day of the sample window [default: the day before --start].
    #[arg(long, value_name = "DATE")]
    pub window_end: Option<NaiveDate>,
    /// Explicit daily completed counts, oldest first, replacing the sampled history.
    #[arg(long, value_name = "COUNTS", value_delimiter = ',')]
    pub throughput: Option<Vec<u32>>,
    /// Report the probability of being done by this date.
    #[arg(long, value_name = "DATE")]
    pub deadline: Option<NaiveDate>,
    /// Simulated futures.
    #[arg(long, value_name = "N", default_value_t = NonZeroU32::new(DEFAULT_TRIALS).unwrap_or(NonZeroU32::MIN))]
    pub trials: NonZeroU32,
    /// Seed of the generator: same inputs and seed, same answer.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// How to evaluate the forecast.
    #[arg(long, value_enum, default_value_t = MethodArg::MonteCarlo)]
    pub method: MethodArg,
    /// Also replay this forecast over the last 12 months of history and report
    /// how often it came true.
    #[arg(long)]
    pub backtest: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--method` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Seeded simulation.
    MonteCarlo,
    /// Exact dynamic programming.
    Exact,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let report = forecast_report(&args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(())
}

/// Completed items per day from `start`, zero-filled.
struct History {
    start: NaiveDate,
    daily: Vec<u32>,
}

/// Computes the forecast and returns it as the `--json` object.
pub fn forecast_report(args: &Args) -> anyhow::Result<Value> {
    if args.deadline.is_some() && args.by.is_some() {
        bail!("--deadline applies to --items and --epic, not --by");
    }
    let loaded = match &args.input {
        Some(path) => Some(load(path, args.workflow.as_ref())?),
        None => None,
    };
    if loaded.is_none() && args.throughput.is_none() {
        bail!("give --input FILE or --throughput COUNTS");
    }
    if args.epic.is_some() && loaded.is_none() {
        bail!("--epic needs --input FILE");
    }

    let start = match (args.start, &loaded) {
        (Some(start), _) => start,
        (None, Some(loaded)) => {
            loaded.last_activity.succ_opt().context("last activity date out of range")?
        }
        (None, None) => Utc::now().date_naive(),
    };
    let window_end = match args.window_end {
        Some(end) => end,
        None => start.pred_opt().context("--start out of range")?,
    };

    // The history the window (and the backtest) samples from.
    let history = match (&args.throughput, &loaded) {
        (Some(counts), _) => {
            let days = u64::try_from(counts.len()).unwrap_or(0);
            let first = window_end
                .checked_sub_days(Days::new(days.saturating_sub(1)))
                .context("--throughput longer than the calendar")?;
            History { start: first, daily: counts.clone() }
        }
        (None, Some(loaded)) => loaded.history(),
        (None, None) => unreachable_history()?,
    };
    let window_days = if args.throughput.is_some() {
        u32::try_from(history.daily.len()).unwrap_or(u32::MAX)
    } else {
        args.window_days
    };
    let window = sample_window(history.start, &history.daily, window_end, window_days)
        .with_context(|| format!("the sample window ending {window_end} has no history"))?;
    let throughput = Throughput::new(window.samples.clone())
        .with_context(|| format!("sample window {} to {}", window.start, window.end))?;

    let options = ForecastOptions {
        trials: args.trials,
        seed: args.seed,
        method: match args.method {
            MethodArg::MonteCarlo => Method::MonteCarlo,
            MethodArg::Exact => Method::Exact,
        },
    };
    let (trials, seed) = match options.method {
        Method::MonteCarlo => (json!(options.trials.get()), json!(options.seed)),
        Method::Exact => (Value::Null, Value::Null),
    };

    let mut report = json!({
        "method": options.method,
        "trials": trials,
        "seed": seed,
        "start": start,
        "window": window_json(&window, &throughput),
    });
    let question = if let Some(end) = args.by {
        let forecast = forecast::how_many(&throughput, start, end, &options);
        let fields = json!({
            "question": "how_many",
            "by": end,
            "p50": forecast.items.p50,
            "p85": forecast.items.p85,
            "p95": forecast.items.p95,
            "days": {"p50": forecast.days, "p85": forecast.days, "p95": forecast.days},
            "mean_items": forecast.mean_items,
            "histogram": forecast.histogram.iter().map(|bin| json!({
                "items": bin.value, "probability": bin.probability,
            })).collect::<Vec<_>>(),
        });
        merge(&mut report, fields);
        Question::HowMany { days: forecast.days }
    } else {
        let (remaining, epic_deadline, epic) = match (&args.items, &args.epic, &loaded) {
            (Some(items), _, _) => (*items, None, None),
            (None, Some(key), Some(loaded)) => {
                let (remaining, due) = loaded.epic_remaining(&IssueKey::from(key.as_str()))?;
                (remaining, due, Some(key.clone()))
            }
            _ => bail!("give --items N, --by DATE or --epic KEY"),
        };
        let deadline = args.deadline.or(epic_deadline);
        let forecast = forecast::when(&throughput, remaining, start, deadline, &options);
        let fields = json!({
            "question": "when",
            "epic": epic,
            "remaining": remaining,
            "p50": forecast.dates.p50,
            "p85": forecast.dates.p85,
            "p95": forecast.dates.p95,
            "days": forecast.days,
            "mean_days": forecast.mean_days,
            "deadline": forecast.deadline.map(|odds| odds.date),
            "deadline_probability": forecast.deadline.map(|odds| odds.probability),
            "unfinished": forecast.unfinished,
            "histogram": forecast.histogram.iter().map(|bin| json!({
                "days": bin.value,
                "date": finish_date(start, bin.value),
                "probability": bin.probability,
            })).collect::<Vec<_>>(),
        });
        merge(&mut report, fields);
        Question::When { items: remaining }
    };

    if args.backtest {
        let backtest_options = BacktestOptions {
            window_days: args.window_days,
            forecast: options,
            ..BacktestOptions::default()
        };
        let calibration =
            backtest(history.start, &history.daily, start, question, &backtest_options);
        merge(&mut report, json!({ "calibration": calibration.as_ref().map(calibration_json) }));
    }
    Ok(report)
}

fn unreachable_history() -> anyhow::Result<History> {
    bail!("give --input FILE or --throughput COUNTS")
}

fn merge(report: &mut Value, fields: Value) {
    if let (Some(report), Value::Object(fields)) = (report.as_object_mut(), fields) {
        report.extend(fields);
    }
}

fn window_json(window: &SampleWindow, throughput: &Throughput) -> Value {
    json!({
        "start": window.start,
        "end": window.end,
        "days": window.samples.len(),
        "samples": window.samples,
        "mean_per_day": throughput.mean(),
    })
}

fn calibration_json(calibration: &Calibration) -> Value {
    json!({
        "points": calibration.points,
        "hit_rate": calibration.hit_rate,
        "mean_error_days": calibration.mean_error_days,
        "mean_error_items": calibration.mean_error_items,
        "lookback_days": calibration.lookback_days,
        "sentence": calibration.sentence(),
    })
}

/// The export, read once, with each issue's flow through the workflow.
struct Loaded {
    dataset: Dataset,
    /// `flows[i]` belongs to `dataset.issues[i]`.
    flows: Vec<IssueFlow>,
    last_activity: NaiveDate,
}

fn load(path: &PathBuf, workflow: Option<&PathBuf>) -> anyhow::Result<Loaded> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let ingested = ingest_str(&text, &IngestOptions::default())
        .with_context(|| format!("reading JIRA data from {}", path.display()))?;
    let dataset = ingested.dataset;
    let workflow = match workflow {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Workflow::from_toml(&text).with_context(|| format!("workflow {}", path.display()))?
        }
        None => Workflow::from_categories(&dataset.statuses),
    };
    let options =
        FlowOptions { utc_offset_secs: ingested.utc_offset_secs, ..FlowOptions::default() };
    let flows = flow::flows(&dataset.issues, &workflow, &options);
    let last_activity = dataset
        .issues
        .iter()
        .flat_map(|issue| {
            std::iter::once(issue.created)
                .chain(issue.resolved)
                .chain(issue.status_history.iter().map(|change| change.at))
        })
        .max()
        .map(|at| options.day(at))
        .with_context(|| format!("{} holds no issues", path.display()))?;
    Ok(Loaded { dataset, flows, last_activity })
}

impl Loaded {
    /// Completed work items per day, from the first issue created to the last
    /// activity. Epics are left out: they contain the work counted.
    fn history(&self) -> History {
        let work: Vec<IssueFlow> = self
            .dataset
            .issues
            .iter()
            .zip(&self.flows)
            .filter(|(issue, _)| !issue.issue_type.eq_ignore_ascii_case("epic"))
            .map(|(_, flow)| flow.clone())
            .collect();
        let first = work.iter().map(|flow| flow.created).min().unwrap_or(self.last_activity);
        match DateRange::new(first.min(self.last_activity), self.last_activity) {
            Some(range) => History {
                start: range.start,
                daily: flow::daily_throughput_from_flows(&work, range)
                    .into_iter()
                    .map(|(_, count)| count)
                    .collect(),
            },
            None => History { start: self.last_activity, daily: vec![0] },
        }
    }

    /// Open child issues of the epic and its due date.
    fn epic_remaining(&self, key: &IssueKey) -> anyhow::Result<(u32, Option<NaiveDate>)> {
        let epic = self.dataset.issue(key);
        let children: Vec<&IssueFlow> = self
            .dataset
            .issues
            .iter()
            .zip(&self.flows)
            .filter(|(issue, _)| {
                issue.epic.as_ref() == Some(key) || issue.parent.as_ref() == Some(key)
            })
            .map(|(_, flow)| flow)
            .collect();
        if epic.is_none() && children.is_empty() {
            bail!("epic {key} is not in the input");
        }
        let open = children.iter().filter(|flow| flow.completed.is_none()).count();
        Ok((u32::try_from(open).unwrap_or(u32::MAX), epic.and_then(|epic| epic.due)))
    }
}

fn render_text(report: &Value) -> String {
    let text = |key: &str| report.get(key).map(plain).unwrap_or_default();
    let mut out = String::new();
    let method = match report["method"].as_str() {
        Some("exact") => "exact".to_owned(),
        _ => format!("Monte Carlo, {} trials, seed {}", text("trials"), text("seed")),
    };
    let window = &report["window"];
    if report["question"] == "how_many" {
        out.push_str(&format!(
            "How many items will be done from {} to {}? ({method})\n",
            text("start"),
            text("by")
        ));
    } else if let Some(epic) = report["epic"].as_str() {
        out.push_str(&format!(
            "When will epic {epic} ({} open items) be done, starting {}? ({method})\n",
            text("remaining"),
            text("start")
        ));
    } else {
        out.push_str(&format!(
            "When will {} more items be done, starting {}? ({method})\n",
            text("remaining"),
            text("start")
        ));
    }
    out.push_str(&format!(
        "Sampled {} days, {} to {}: {:.2} items a day\n",
        plain(&window["days"]),
        plain(&window["start"]),
        plain(&window["end"]),
        window["mean_per_day"].as_f64().unwrap_or(0.0)
    ));
    for level in ["p50", "p85", "p95"] {
        let percent = &level[1..];
        if report["question"] == "how_many" {
            out.push_str(&format!("  {percent}%: at least {} items\n", plain(&report[level])));
        } else {
            out.push_str(&format!(
                "  {percent}%: by {} ({} days)\n",
                plain(&report[level]),
                plain(&report["days"][level])
            ));
        }
    }
    if let Some(probability) = report.get("deadline_probability").and_then(Value::as_f64) {
        out.push_str(&format!(
            "Done by {}: {:.0}% likely\n",
            text("deadline"),
            probability * 100.0
        ));
    }
    if let Some(calibration) = report.get("calibration") {
        match calibration.get("sentence").and_then(Value::as_str) {
            Some(sentence) => out.push_str(&format!("Track record: {sentence}\n")),
            None => out.push_str("Track record: not enough history to backtest\n"),
        }
    }
    out
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        args: Args,
    }

    fn report(line: &[&str]) -> anyhow::Result<Value> {
        let command =
            Command::try_parse_from(std::iter::once("forecast").chain(line.iter().copied()))?;
        forecast_report(&command.args)
    }

    const COUNTS: &str = "3,0,5,2,4,0,1,3,6,1,2,4,3,0,2,3,7,3,1,5";

    #[test]
    fn json_has_the_documented_keys_for_when() {
        let report = report(&[
            "--throughput",
            COUNTS,
            "--items",
            "40",
            "--start",
            "2026-03-02",
            "--deadline",
            "2026-03-20",
            "--seed",
            "7",
            "--trials",
            "2000",
        ])
        .unwrap();
        assert_eq!(report["trials"], 2000);
        assert_eq!(report["seed"], 7);
        assert_eq!(report["start"], "2026-03-02");
        assert_eq!(report["window"]["end"], "2026-03-01");
        assert_eq!(report["window"]["start"], "2026-02-10");
        assert_eq!(report["window"]["samples"].as_array().unwrap().len(), 20);
        let p50: NaiveDate = report["p50"].as_str().unwrap().parse().unwrap();
        let p95: NaiveDate = report["p95"].as_str().unwrap().parse().unwrap();
        assert!(p50 <= p95 && p50 >= "2026-03-02".parse().unwrap());
        let days = report["days"]["p85"].as_u64().unwrap();
        assert_eq!(report["p85"], json!(finish_date("2026-03-02".parse().unwrap(), days as u32)));
        let probability = report["deadline_probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&probability));
        let histogram = report["histogram"].as_array().unwrap();
        let total: f64 = histogram.iter().map(|bin| bin["probability"].as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert!(report.get("calibration").is_none());
    }

    #[test]
    fn how_many_reports_counts_and_exact_has_no_seed() {
        let report = report(&[
            "--throughput",
            COUNTS,
            "--by",
            "2026-03-15",
            "--start",
            "2026-03-02",
            "--method",
            "exact",
        ])
        .unwrap();
        assert_eq!(report["question"], "how_many");
        assert!(report["trials"].is_null() && report["seed"].is_null());
        let (p50, p95) = (report["p50"].as_u64().unwrap(), report["p95"].as_u64().unwrap());
        assert!(p50 >= p95 && p50 > 0);
        assert_eq!(report["days"]["p85"], 14);
    }

    #[test]
    fn the_same_seed_gives_the_same_report() {
        let line =
            ["--throughput", COUNTS, "--items", "60", "--start", "2026-03-02", "--seed", "11"];
        assert_eq!(report(&line).unwrap(), report(&line).unwrap());
    }

    #[test]
    fn backtest_adds_a_calibration() {
        let long: Vec<String> = (0..400).map(|day| ((day * 7) % 6).to_string()).collect();
        let long = long.join(",");
        let report = report(&[
            "--throughput",
            &long,
            "--items",
            "20",
            "--start",
            "2026-03-02",
            "--backtest",
        ])
        .unwrap();
        let calibration = &report["calibration"];
        assert!(calibration["points"].as_u64().unwrap() > 40);
        for level in ["p50", "p85", "p95"] {
            let rate = calibration["hit_rate"][level].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&rate));
        }
        assert!(calibration["mean_error_days"].is_number());
        assert!(calibration["sentence"].as_str().unwrap().starts_with("85% dates were met"));
    }

    #[test]
    fn wrong_combinations_are_errors_naming_the_flags() {
        let no_history = report(&["--items", "5"]).unwrap_err().to_string();
        assert!(no_history.contains("--throughput"), "{no_history}");
        let deadline =
            report(&["--throughput", "1", "--by", "2026-03-15", "--deadline", "2026-03-10"])
                .unwrap_err()
                .to_string();
        assert!(deadline.contains("--deadline"), "{deadline}");
        let idle = report(&["--throughput", "0,0,0", "--items", "5", "--start", "2026-03-02"])
            .unwrap_err();
        assert!(format!("{idle:#}").contains("no items were completed"), "{idle:#}");
        assert!(Command::try_parse_from(["forecast", "--throughput", "1"]).is_err());
    }

    fn issue(
        key: &str,
        status: &str,
        category: &str,
        done_on: Option<&str>,
        epic: Option<&str>,
    ) -> Value {
        let histories = match done_on {
            Some(day) => json!([{
                "id": format!("{key}-h"),
                "created": format!("{day}T10:00:00.000+0000"),
                "items": [{"field": "status", "fromString": "To Do", "toString": "Done"}],
            }]),
            None => json!([]),
        };
        json!({
            "id": key.replace('-', ""),
            "key": key,
            "fields": {
                "summary": "work",
                "issuetype": {"name": if epic.is_none() && key.ends_with("-100") { "Epic" } else { "Story" }},
                "created": "2026-01-01T09:00:00.000+0000",
                "status": {"name": status, "statusCategory": {"key": category}},
                "parent": epic.map(|epic| json!({"key": epic})),
            },
            "changelog": {"histories": histories},
        })
    }

    #[test]
    fn an_export_gives_daily_throughput_and_epic_scope() {
        let mut issues = vec![issue("T-100", "To Do", "new", None, None)];
        // Two items a day on the 10th to the 14th of January.
        for index in 0..10 {
            let day = format!("2026-01-{:02}", 10 + index / 2);
            issues.push(issue(&format!("T-{index}"), "Done", "done", Some(&day), Some("T-100")));
        }
        for index in 10..16 {
            issues.push(issue(&format!("T-{index}"), "To Do", "new", None, Some("T-100")));
        }
        let path =
            std::env::temp_dir().join(format!("forecast-export-{}.json", std::process::id()));
        std::fs::write(&path, json!({"issues": issues}).to_string()).unwrap();
        let input = path.to_str().unwrap();

        let by_items = report(&["--input", input, "--items", "4", "--window-days", "5"]).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(by_items["start"], "2026-01-15");
        assert_eq!(by_items["window"]["samples"], json!([2, 2, 2, 2, 2]));
        assert_eq!(by_items["days"], json!({"p50": 2, "p85": 2, "p95": 2}));
        assert_eq!(by_items["p95"], "2026-01-16");

        std::fs::write(&path, json!({"issues": issues}).to_string()).unwrap();
        let by_epic = report(&["--input", input, "--epic", "T-100", "--window-days", "5"]).unwrap();
        let missing = report(&["--input", input, "--epic", "NOPE-1"]).unwrap_err().to_string();
        std::fs::remove_file(&path).ok();
        assert_eq!(by_epic["remaining"], 6);
        assert_eq!(by_epic["epic"], "T-100");
        assert_eq!(by_epic["days"]["p50"], 3);
        assert!(missing.contains("NOPE-1"), "{missing}");
    }
}
