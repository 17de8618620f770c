//! The workflow: ordered stages, which statuses belong to each, where cycle
//! time starts and ends, and what a backward move does.
//!
//! By default stages come from status categories (To Do → backlog, In
//! Progress → start, Done → done). A TOML workflow file overrides it:
//!
//! ```toml
//! backward_moves = "reset"            # or "keep" (default)
//! blocked_statuses = ["Blocked"]      # optional; default: statuses named like "block"
//! [[stage]]
//! name = "Backlog"
//! statuses = ["Open", "Reopened"]
//! [[stage]]
//! name = "In Progress"
//! statuses = ["In Progress"]
//! start = true                        # cycle time starts on first entry here
//! [[stage]]
//! name = "Done"
//! statuses = ["Resolved", "Closed"]
//! done = true
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::hash::FnvMap;
use crate::model::StatusCategory;

/// What a move to an earlier stage does to the dates of later stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackwardMoves {
    /// The first entry into each stage counts; moving back changes nothing
    /// (ActionableAgile, jirametrics).
    #[default]
    Keep,
    /// Moving back wipes the dates of every later stage, so they count from
    /// the next entry (jira-agile-metrics).
    Reset,
}

/// One stage of the workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Stage name, as charts show it.
    pub name: String,
    /// JIRA status names in this stage (matched case-insensitively).
    pub statuses: Vec<String>,
}

/// The workflow every flow metric reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Stages in order, backlog first, done last.
    pub stages: Vec<Stage>,
    /// Index of the stage where cycle time starts.
    pub start: usize,
    /// Index of the done stage (always the last).
    pub done: usize,
    /// Backward-move rule.
    pub backward_moves: BackwardMoves,
    /// Statuses that mean "blocked" (matched case-insensitively).
    pub blocked_statuses: Vec<String>,
    #[serde(skip)]
    lookup: FnvMap<String, usize>,
}

/// A workflow file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// Not valid TOML or not the expected shape.
    #[error("workflow file is not valid: {0}")]
    Toml(String),
    /// Fewer than two stages.
    #[error("workflow needs at least two stages, found {0}")]
    TooFewStages(usize),
    /// `start`/`done` flags are missing, repeated or out of order.
    #[error("workflow stages are not usable: {0}")]
    Stages(String),
    /// A status is listed in two stages.
    #[error("status `{status}` is listed in both stage `{first}` and stage `{second}`")]
    DuplicateStatus {
        /// The status.
        status: String,
        /// First stage naming it.
        first: String,
        /// Second stage naming it.
        second: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowFile {
    #[serde(default)]
    backward_moves: BackwardMoves,
    blocked_statuses: Option<Vec<String>>,
    #[serde(default)]
    stage: Vec<StageFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageFile {
    name: String,
    #[serde(default)]
    statuses: Vec<String>,
    #[serde(default)]
    start: bool,
    #[serde(default)]
    done: bool,
}

fn default_blocked<'a>(statuses: impl Iterator<Item = &'a String>) -> Vec<String> {
    statuses.filter(|s| s.to_lowercase().contains("block")).cloned().collect()
}

impl Workflow {
    /// Builds a workflow from stages; `start` defaults to the second stage and
    /// `done` to the last.
    ///
    /// # Errors
    /// When there are fewer than two stages, `start` is not before `done`,
    /// `done` is not the last stage, or a status sits in two stages.
    pub fn new(
        stages: Vec<Stage>,
        start: Option<usize>,
        done: Option<usize>,
        backward_moves: BackwardMoves,
        blocked_statuses: Option<Vec<String>>,
    ) -> Result<Workflow, WorkflowError> {
        if stages.len() < 2 {
            return Err(WorkflowError::TooFewStages(stages.len()));
        }
        let mut lookup = FnvMap::default();
        for (i, stage) in stages.iter().enumerate() {
            for status in &stage.statuses {
                if let Some(prev) = lookup.insert(status.to_lowercase(), i) {
                    if prev != i {
                        return Err(WorkflowError::DuplicateStatus {
                            status: status.clone(),
                            first: stages[prev].name.clone(),
                            second: stage.name.clone(),
                        });
                    }
                }
            }
        }
        // Exact spellings too, so the common lookup needs no lowercase copy.
        for (i, stage) in stages.iter().enumerate() {
            for status in &stage.statuses {
                lookup.entry(status.clone()).or_insert(i);
            }
        }
        let last = stages.len() - 1;
        let done = done.unwrap_or(last);
        let start = start.unwrap_or(if done >= 2 { 1 } else { 0 });
        if done != last {
            return Err(WorkflowError::Stages(format!(
                "the done stage `{}` must be the last stage",
                stages[done].name
            )));
        }
        if start >= done {
            return Err(WorkflowError::Stages(format!(
                "the start stage `{}` must come before the done stage",
                stages[start].name
            )));
        }
        let blocked_statuses = blocked_statuses
            .unwrap_or_else(|| default_blocked(stages.iter().flat_map(|s| s.statuses.iter())));
        Ok(Workflow { stages, start, done, backward_moves, blocked_statuses, lookup })
    }

    /// The default workflow: one stage per status category, statuses taken
    /// from `statuses` (a dataset's status map). Cycle time starts in "In
    /// Progress" and ends in "Done"; backward moves keep first entries.
    pub fn from_categories(statuses: &BTreeMap<String, StatusCategory>) -> Workflow {
        let pick = |c: StatusCategory| -> Vec<String> {
            statuses.iter().filter(|(_, cat)| **cat == c).map(|(s, _)| s.clone()).collect()
        };
        let stages = vec![
            Stage { name: "To Do".into(), statuses: pick(StatusCategory::ToDo) },
            Stage { name: "In Progress".into(), statuses: pick(StatusCategory::InProgress) },
            Stage { name: "Done".into(), statuses: pick(StatusCategory::Done) },
        ];
        let blocked = default_blocked(statuses.keys());
        let mut lookup = FnvMap::default();
        for (i, stage) in stages.iter().enumerate() {
            for s in &stage.statuses {
                lookup.entry(s.to_lowercase()).or_insert(i);
                lookup.entry(s.clone()).or_insert(i);
            }
        }
        Workflow {
            stages,
            start: 1,
            done: 2,
            backward_moves: BackwardMoves::Keep,
            blocked_statuses: blocked,
            lookup,
        }
    }

    /// Reads a TOML workflow file (format in the module docs).
    ///
    /// # Errors
    /// [`WorkflowError`] naming what is wrong.
    pub fn from_toml(text: &str) -> Result<Workflow, WorkflowError> {
        let file: WorkflowFile =
            toml::from_str(text).map_err(|e| WorkflowError::Toml(e.to_string()))?;
        let find = |flag: fn(&StageFile) -> bool,
                    what: &str|
         -> Result<Option<usize>, WorkflowError> {
            let marked: Vec<usize> =
                file.stage.iter().enumerate().filter(|(_, s)| flag(s)).map(|(i, _)| i).collect();
            match marked.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(*one)),
                _ => Err(WorkflowError::Stages(format!(
                    "{} stages are marked `{what} = true`; mark one",
                    marked.len()
                ))),
            }
        };
        let start = find(|s| s.start, "start")?;
        let done = find(|s| s.done, "done")?;
        let stages =
            file.stage.into_iter().map(|s| Stage { name: s.name, statuses: s.statuses }).collect();
        Workflow::new(stages, start, done, file.backward_moves, file.blocked_statuses)
    }

    /// The same workflow with another backward-move rule.
    pub fn with_backward_moves(mut self, rule: BackwardMoves) -> Workflow {
        self.backward_moves = rule;
        self
    }

    /// The stage of a status, or `None` when the workflow does not map it.
    pub fn stage_of(&self, status: &str) -> Option<usize> {
        if let Some(i) = self.lookup.get(status) {
            return Some(*i);
        }
        self.lookup.get(&status.to_lowercase()).copied()
    }

    /// True when the status means blocked.
    pub fn is_blocked_status(&self, status: &str) -> bool {
        self.blocked_statuses.iter().any(|b| b.eq_ignore_ascii_case(status))
    }

    /// Stage names in order.
    pub fn stage_names(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|s| s.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_documented_file_parses() {
        let wf = Workflow::from_toml(
            r#"
backward_moves = "reset"
[[stage]]
name = "Backlog"
statuses = ["Open", "Reopened"]
[[stage]]
name = "In Progress"
statuses = ["In Progress"]
start = true
[[stage]]
name = "Done"
statuses = ["Resolved", "Closed"]
done = true
"#,
        )
        .unwrap();
        assert_eq!(wf.backward_moves, BackwardMoves::Reset);
        assert_eq!((wf.start, wf.done), (1, 2));
        assert_eq!(wf.stage_of("closed"), Some(2));
        assert_eq!(wf.stage_of("Nope"), None);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let err = Workflow::from_toml("[[stage]]\nname = \"A\"\nstatuses = [\"x\"]\n").unwrap_err();
        assert_eq!(err, WorkflowError::TooFewStages(1));
        let err = Workflow::from_toml("[[stage]]\nname = \"A\"\nstatuses = [\"x\"]\n[[stage]]\nname = \"B\"\nstatuses = [\"X\"]\n").unwrap_err();
        assert!(matches!(err, WorkflowError::DuplicateStatus { .. }));
        let err =
            Workflow::from_toml("[[stage]]\nname = \"A\"\ndone = true\n[[stage]]\nname = \"B\"\n")
                .unwrap_err();
        assert!(err.to_string().contains("last stage"));
        assert!(matches!(Workflow::from_toml("stage = 3"), Err(WorkflowError::Toml(_))));
    }
}
