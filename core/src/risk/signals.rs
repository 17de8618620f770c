//! The facts risk, alerts, the summary and `ask` read about issues *at a point
//! in time*: status category, blocked or flagged, sprint membership, cycle
//! start and finish, plus the few statistics they need (cycle-time
//! percentiles, daily throughput, the odds of finishing N items in D days).
//!
//! Everything is reconstructed from the histories, so the same dataset
//! answers "as of today" and "as of a week ago" (the trend). Priority, labels,
//! due dates and links have no history in the model: their current values are
//! used at every instant.
//!
//! The statistics are not computed here but by the modules the dashboard's
//! own pages use, so every view agrees: cycle times, start days and aging by
//! [`crate::flow`] (its per-issue flow, day convention and aging rule),
//! percentiles by [`crate::stats`], sprint odds by
//! [`crate::forecast::sprint::sprint_completion_probability`] and epic dates and
//! deadline odds by the exact method of [`crate::forecast::when`]. The index only
//! decides which issues each question reads at which instant, and caches.
//!
//! One [`Index`] is built per call and shared by every rule, so the large
//! organisation (100k issues) is walked a handful of times, never per lookup.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::flow::{self, BackwardMoves, CycleTimeConvention, FlowOptions, IssueFlow, Workflow};
use crate::forecast::sprint::{
    current_sprint_sample, sprint_completion_probability, sprint_days_left,
    CURRENT_SPRINT_SAMPLE_DAYS,
};
use crate::forecast::{ExactWhen, Throughput, ThroughputError};
use crate::hash::FnvMap;
use crate::model::{Dataset, Issue, IssueKey, LinkKind, Sprint, SprintId, StatusCategory, TeamId};
use crate::stats::{self, Percentile};

/// Days of history used for cycle-time percentiles.
pub(crate) const HISTORY_DAYS: i64 = 90;
/// Days of daily throughput samples used for completion odds: whole
/// calendar days ending the day before the instant asked about, the running
/// sprint's window ([`current_sprint_sample`]).
pub(crate) const SAMPLE_DAYS: i64 = CURRENT_SPRINT_SAMPLE_DAYS as i64;

/// How far before the earliest instant a computation looks: a week for the
/// trend, five weeks of throughput before a report's week, and the cycle-time
/// history. Issues settled before this cannot change an answer.
pub(crate) fn horizon(earliest: DateTime<Utc>) -> DateTime<Utc> {
    earliest - Duration::days(7 + 35 + HISTORY_DAYS)
}

/// Lookups shared by every rule of one evaluation.
#[derive(Debug)]
pub(crate) struct Index<'a> {
    pub(crate) dataset: &'a Dataset,
    /// Issues finished for good before this are left out of the lists.
    horizon: DateTime<Utc>,
    /// Indices of the issues that are not settled before `horizon` (epics
    /// included), ascending.
    live: Vec<usize>,
    pub(crate) by_key: FnvMap<&'a str, usize>,
    /// Team → indices of its issues (epics excluded), teams in dataset order then by name.
    pub(crate) by_team: BTreeMap<TeamId, Vec<usize>>,
    /// Epic key → indices of its children.
    pub(crate) children: FnvMap<&'a str, Vec<usize>>,
    /// Indices of epics.
    pub(crate) epics: Vec<usize>,
    /// Status names that mean "blocked", lower-cased.
    blocked_statuses: Vec<String>,
    /// Cycle times and daily throughput per (issue list, instant), so the
    /// epics of one team do not rescan the team's history each.
    cycle_cache: Cache<(ListKey, i64), Rc<Vec<f64>>>,
    throughput_cache: Cache<(ListKey, i64, i64), Rc<Vec<u32>>>,
    open_cache: Cache<(ListKey, i64), Rc<Vec<usize>>>,
    aging_cache: Cache<(ListKey, i64), Rc<Aged>>,
    /// Exact "when" distributions per (throughput source, instant, items):
    /// the dated epics of a team without their own throughput share one.
    when_cache: Cache<(ListKey, i64, u32), Option<Rc<ExactWhen>>>,
    /// How [`crate::flow`] reads the histories: the workflow of the
    /// dataset's status categories and the default options, as the team page.
    workflow: Workflow,
    flow_options: FlowOptions,
    /// Per issue, flow's start day, completion day and cycle time: filled
    /// while the index is built for the issues finished late enough to enter
    /// a cycle-time or throughput window (their histories are in cache
    /// then), on first use for the rest (work in progress being aged).
    flow_days: Vec<OnceCell<FlowDays>>,
    stages: RefCell<StageLookup<'a>>,
    /// Sprint → the relevant issues that were ever in it, ascending.
    in_sprint: FnvMap<SprintId, Vec<usize>>,
    sprint_cache: Cache<(ListKey, i64), Option<SprintOdds<'a>>>,
    /// Status histories as categories, for the live issues asked about an
    /// instant before their last status change (most questions are about
    /// instants after it, which `facts` answers): built on first use, so the
    /// status names of a quiet issue are never read.
    steps: Vec<OnceCell<Box<[Step]>>>,
    /// Whether the last of an issue's steps is blocked, reading only its
    /// final status name: what an instant after the last change needs.
    final_blocked: Vec<OnceCell<bool>>,
    lookup: RefCell<StatusLookup<'a>>,
    /// Per issue, what holds from its last status change on: most questions
    /// are about instants after it, and this answers them from one small
    /// array instead of the issue's histories.
    facts: Vec<Fact>,
}

/// What the analytics read of an issue's [`IssueFlow`]: two days, so the
/// table of one per issue stays small.
#[derive(Debug, Clone, Copy)]
struct FlowDays {
    started: Option<NaiveDate>,
    completed: Option<NaiveDate>,
}

impl FlowDays {
    fn of(flow: &IssueFlow) -> FlowDays {
        FlowDays { started: flow.started, completed: flow.completed }
    }

    /// [`flow::cycle_time_days`]: `completed − started` in flow's convention.
    fn cycle_days(&self, convention: CycleTimeConvention) -> Option<i64> {
        Some(age_days(self.started?, self.completed?, convention))
    }

    /// What [`flow::issue_flow`] gives for `started`, `completed` and the
    /// cycle time, without the rest of the flow (its stage days, key copy
    /// and unmapped statuses, which nothing here reads) and with one day
    /// conversion per stage instead of one per change: flow's rules, stage
    /// by stage, with the stages from `stage_of` (flow's own lookup,
    /// remembered per name). A test checks it against `issue_flow`.
    fn compute<'d>(
        issue: &'d Issue,
        workflow: &Workflow,
        options: &FlowOptions,
        stage_of: &mut StageLookup<'d>,
    ) -> FlowDays {
        const MAX_STAGES: usize = 8;
        let n = workflow.stages.len();
        if n > MAX_STAGES || workflow.start > workflow.done || workflow.done >= n {
            return FlowDays::of(&flow::issue_flow(issue, workflow, options));
        }
        // First entry into each stage (flow keeps its day; the day of the
        // same instant is taken at the end).
        let mut entered: [Option<DateTime<Utc>>; MAX_STAGES] = [None; MAX_STAGES];
        let mut previous: Option<usize> = None;
        for change in &issue.status_history {
            let Some(stage) = stage_of.get(workflow, &change.to) else { continue };
            if entered[stage].is_none() {
                entered[stage] = Some(change.at);
            }
            if workflow.backward_moves == BackwardMoves::Reset {
                for later in &mut entered[stage + 1..n] {
                    *later = None;
                }
            }
            previous = Some(stage);
        }
        let current_stage = stage_of.get(workflow, &issue.status).or(previous);
        let mut middle =
            entered[workflow.start..workflow.done].iter().flatten().map(|&at| options.day(at));
        let started = match workflow.backward_moves {
            BackwardMoves::Reset => middle.next(),
            BackwardMoves::Keep => middle.min(),
        };
        let completed = entered[workflow.done].map(|at| options.day(at)).filter(|_| match workflow
            .backward_moves
        {
            BackwardMoves::Reset => true,
            BackwardMoves::Keep => current_stage == Some(workflow.done),
        });
        FlowDays { started, completed }
    }

    /// [`IssueFlow::in_progress_on`].
    fn in_progress_on(&self, day: NaiveDate) -> bool {
        self.started.is_some_and(|s| s <= day) && self.completed.is_none_or(|c| c > day)
    }
}

/// Flow's count of days from `started` to `day`: `day − started`, plus one
/// in the inclusive convention (its aging chart's age and its cycle time).
fn age_days(started: NaiveDate, day: NaiveDate, convention: CycleTimeConvention) -> i64 {
    let elapsed = (day - started).num_days();
    match convention {
        CycleTimeConvention::Inclusive => elapsed + 1,
        CycleTimeConvention::Elapsed => elapsed,
    }
}

/// The final state of an issue and since when it holds.
#[derive(Debug, Clone, Copy)]
struct Fact {
    created: DateTime<Utc>,
    /// Last status change (or creation).
    settled: DateTime<Utc>,
    /// When it was finished, if its final category is Done.
    finished: Option<DateTime<Utc>>,
    category: StatusCategory,
    epic: bool,
    /// Kept by the index (an epic, or not finished for good before the horizon).
    live: bool,
}

/// The final state of `issue`; `live` unless it was finished for good before `horizon`.
fn fact_of(issue: &Issue, horizon: DateTime<Utc>) -> Fact {
    let settled = issue.status_history.last().map_or(issue.created, |c| c.at);
    let finished =
        (issue.category == StatusCategory::Done).then(|| match issue.status_history.last() {
            Some(change) => change.at,
            None => issue.resolved.unwrap_or(issue.created),
        });
    let epic = is_epic(issue);
    // Epics are always kept; an issue done before the horizon, resolved
    // before it and unchanged since can change no answer after it.
    let done_for_good = issue.category == StatusCategory::Done
        && issue.resolved.is_none_or(|r| r < horizon)
        && settled < horizon;
    Fact {
        created: issue.created,
        settled,
        finished,
        category: issue.category,
        epic,
        live: epic || !done_for_good,
    }
}

/// Identifies an issue list for the caches: its address, length, first and
/// last elements (the lists are the index's own, or live as long as it).
type ListKey = (usize, usize, usize, usize);

/// Items in progress with their age in days, oldest first.
type Aged = Vec<(usize, i64)>;

/// A memo table filled while one index is in use.
type Cache<K, V> = RefCell<HashMap<K, V>>;

fn list_key(issues: &[usize]) -> ListKey {
    (
        issues.as_ptr() as usize,
        issues.len(),
        issues.first().copied().unwrap_or(usize::MAX),
        issues.last().copied().unwrap_or(usize::MAX),
    )
}

/// One status change as the analytics need it.
#[derive(Debug, Clone, Copy)]
struct Step {
    at: DateTime<Utc>,
    category: StatusCategory,
    blocked: bool,
}

/// Status names resolved to their category and whether they mean
/// "blocked". Few distinct statuses: a short list compared length first
/// beats a map of strings; names missing from the dataset's map are
/// remembered too.
#[derive(Debug)]
struct StatusLookup<'d> {
    dataset: &'d Dataset,
    blocked: Vec<String>,
    known: Vec<(&'d str, StatusCategory, bool)>,
}

impl<'d> StatusLookup<'d> {
    fn get(&mut self, name: &'d str) -> (StatusCategory, bool) {
        if let Some((_, category, is_blocked)) =
            self.known.iter().find(|(n, ..)| n.len() == name.len() && *n == name)
        {
            return (*category, *is_blocked);
        }
        let category =
            self.dataset.statuses.get(name).copied().unwrap_or_else(|| guess_category(name));
        let is_blocked = self.blocked.iter().any(|b| b.eq_ignore_ascii_case(name));
        self.known.push((name, category, is_blocked));
        (category, is_blocked)
    }
}

/// [`Workflow::stage_of`] remembered per status name: few distinct names,
/// so a short list compared length first beats hashing every change's name.
#[derive(Debug, Default)]
struct StageLookup<'d> {
    known: Vec<(&'d str, Option<usize>)>,
}

impl<'d> StageLookup<'d> {
    fn get(&mut self, workflow: &Workflow, name: &'d str) -> Option<usize> {
        if let Some((_, stage)) =
            self.known.iter().find(|(n, _)| n.len() == name.len() && *n == name)
        {
            return *stage;
        }
        let stage = workflow.stage_of(name);
        self.known.push((name, stage));
        stage
    }
}

/// The steps of one issue: one for the status at creation, then one per change.
fn build_steps<'d>(issue: &'d Issue, lookup: &mut StatusLookup<'d>) -> Box<[Step]> {
    let mut steps = Vec::with_capacity(issue.status_history.len() + 1);
    let first = match issue.status_history.first() {
        Some(change) => change.from.as_deref().unwrap_or("To Do"),
        None => issue.status.as_str(),
    };
    let (category, is_blocked) = if issue.status_history.is_empty() {
        (issue.category, lookup.get(first).1)
    } else {
        lookup.get(first)
    };
    steps.push(Step { at: issue.created, category, blocked: is_blocked });
    for change in &issue.status_history {
        let (category, is_blocked) = lookup.get(&change.to);
        steps.push(Step { at: change.at, category, blocked: is_blocked });
    }
    // The current category is authoritative for the current status.
    if let Some(last) = steps.last_mut() {
        last.category = issue.category;
    }
    steps.into_boxed_slice()
}

/// Whether the last of [`build_steps`] is blocked, reading one status name.
fn final_blocked<'d>(issue: &'d Issue, lookup: &mut StatusLookup<'d>) -> bool {
    match issue.status_history.last() {
        Some(change) => lookup.get(&change.to).1,
        None => lookup.get(&issue.status).1,
    }
}

/// Records every sprint `issue` (at `idx`) can be in at some instant: the
/// ones [`sprints_at`] can return (the current field, the first change's
/// `from`, every change's `to`). A later change's `from` repeats the change
/// before it and is not read.
fn push_sprints(idx: usize, issue: &Issue, in_sprint: &mut FnvMap<SprintId, Vec<usize>>) {
    let ever = issue
        .sprints
        .iter()
        .chain(issue.sprint_history.first().into_iter().flat_map(|c| &c.from))
        .chain(issue.sprint_history.iter().flat_map(|c| &c.to));
    // The same few sprints repeat along the history: look each up in the map once.
    let mut seen: [Option<SprintId>; 4] = [None; 4];
    for (n, sprint) in ever.enumerate() {
        if seen.contains(&Some(*sprint)) {
            continue;
        }
        seen[n % seen.len()] = Some(*sprint);
        let list = in_sprint.entry(*sprint).or_default();
        // Issues arrive in ascending order, so an issue already in the list
        // is its last element: no scan needed.
        if list.last() != Some(&idx) {
            list.push(idx);
        }
    }
}

fn guess_category(status: &str) -> StatusCategory {
    StatusCategory::from_jira(status).unwrap_or(if status.eq_ignore_ascii_case("done") {
        StatusCategory::Done
    } else {
        StatusCategory::InProgress
    })
}

impl<'a> Index<'a> {
    /// The position of `issue` in the dataset, when it is one of its issues
    /// (all the analytics pass those); by address, so nothing is compared.
    fn idx_of(&self, issue: &Issue) -> Option<usize> {
        let base = self.dataset.issues.as_ptr() as usize;
        let offset = (issue as *const Issue as usize).checked_sub(base)?;
        let size = std::mem::size_of::<Issue>();
        let idx = offset / size;
        (offset % size == 0 && idx < self.dataset.issues.len()).then_some(idx)
    }

    /// The steps of `issue`, when it is one of the index's live issues.
    fn steps_for(&self, issue: &Issue) -> Option<&[Step]> {
        let idx = self.idx_of(issue)?;
        if !self.facts[idx].live {
            return None;
        }
        let issue = self.issue(idx);
        Some(self.steps[idx].get_or_init(|| build_steps(issue, &mut self.lookup.borrow_mut())))
    }

    /// An index for questions about instants after `horizon`: issues finished
    /// (for good) before it can change no answer, so the per-team and per-epic
    /// lists leave them out — most of a year of history.
    pub(crate) fn new(
        dataset: &'a Dataset,
        blocked_statuses: &[String],
        horizon: DateTime<Utc>,
    ) -> Index<'a> {
        let blocked_statuses: Vec<String> =
            blocked_statuses.iter().map(|s| s.to_lowercase()).collect();
        let n = dataset.issues.len();
        // A tight first pass over the final states: the one read of each
        // issue's history it needs misses the cache, and a short loop keeps
        // many of those reads in flight at once. The pass below then reads
        // only the issues kept.
        let facts: Vec<Fact> = dataset.issues.iter().map(|i| fact_of(i, horizon)).collect();
        let mut by_key = FnvMap::with_capacity_and_hasher(n / 2, Default::default());
        let mut by_team: BTreeMap<TeamId, Vec<usize>> = BTreeMap::new();
        for team in &dataset.teams {
            by_team.entry(team.id.clone()).or_default();
        }
        let mut children: FnvMap<&str, Vec<usize>> = FnvMap::default();
        let mut epics = Vec::new();
        let mut live = Vec::new();
        let lookup = StatusLookup { dataset, blocked: blocked_statuses.clone(), known: Vec::new() };
        let workflow = Workflow::from_categories(&dataset.statuses);
        let flow_options = FlowOptions::default();
        let flow_days: Vec<OnceCell<FlowDays>> = vec![OnceCell::new(); n];
        let mut stages = StageLookup::default();
        // The earliest window is the cycle-time history of the instant a
        // week before the earliest asked about: it starts 35 days after the
        // horizon (see `horizon`). Two days of slack.
        let completed_from = horizon + Duration::days(35 - 2);
        let mut in_sprint: FnvMap<SprintId, Vec<usize>> = FnvMap::default();
        let mut current: Option<(&TeamId, Vec<usize>)> = None;
        for (idx, fact) in facts.iter().enumerate() {
            // Settled issues are left out of the key index too: as blockers
            // they are done, and "unknown" and "done long ago" answer alike.
            if !fact.live {
                continue;
            }
            let issue = &dataset.issues[idx];
            if fact.epic {
                by_key.insert(issue.key.as_str(), idx);
                epics.push(idx);
                live.push(idx);
                push_sprints(idx, issue, &mut in_sprint);
                continue;
            }
            by_key.insert(issue.key.as_str(), idx);
            live.push(idx);
            if let Some(team) = &issue.team {
                // Exports come sorted by project, so the previous issue's team usually matches.
                match &mut current {
                    Some((name, list)) if *name == team => list.push(idx),
                    _ => {
                        if let Some((name, list)) = current.take() {
                            by_team.entry(name.clone()).or_default().extend(list);
                        }
                        current = Some((team, vec![idx]));
                    }
                }
            }
            if let Some(epic) = issue.epic.as_ref().or(issue.parent.as_ref()) {
                children.entry(epic.as_str()).or_default().push(idx);
            }
            push_sprints(idx, issue, &mut in_sprint);
            if fact.finished.is_some_and(|f| f >= completed_from) {
                let days = FlowDays::compute(issue, &workflow, &flow_options, &mut stages);
                let _ = flow_days[idx].set(days);
            }
        }
        if let Some((name, list)) = current.take() {
            by_team.entry(name.clone()).or_default().extend(list);
        }
        // Issue order inside a team is the dataset's, whatever the grouping above did.
        for list in by_team.values_mut() {
            crate::sort::stable(list);
        }
        // A parent that is not an epic (sub-task parents) is not an epic group.
        children.retain(|key, _| by_key.get(key).is_some_and(|&i| facts[i].epic));
        Index {
            dataset,
            horizon,
            live,
            by_key,
            by_team,
            children,
            epics,
            blocked_statuses,
            steps: vec![OnceCell::new(); n],
            final_blocked: vec![OnceCell::new(); n],
            lookup: RefCell::new(lookup),
            facts,
            in_sprint,
            cycle_cache: RefCell::default(),
            throughput_cache: RefCell::default(),
            open_cache: RefCell::default(),
            aging_cache: RefCell::default(),
            sprint_cache: RefCell::default(),
            when_cache: RefCell::default(),
            workflow,
            flow_options,
            flow_days,
            stages: RefCell::new(stages),
        }
    }

    /// Indices of every issue that can be open at `t`, ascending: the live
    /// ones when `t` is after the horizon (a settled issue is done there),
    /// else all.
    pub(crate) fn candidates(&self, t: DateTime<Utc>) -> impl Iterator<Item = usize> + '_ {
        let (live, all) = if t >= self.horizon {
            (Some(self.live.iter().copied()), None)
        } else {
            (None, Some(0..self.dataset.issues.len()))
        };
        live.into_iter().flatten().chain(all.into_iter().flatten())
    }

    pub(crate) fn issue(&self, idx: usize) -> &'a Issue {
        &self.dataset.issues[idx]
    }

    pub(crate) fn find(&self, key: &IssueKey) -> Option<&'a Issue> {
        self.by_key.get(key.as_str()).map(|&i| &self.dataset.issues[i])
    }

    /// The category of a status name: the dataset's map, then JIRA's names, else in progress.
    pub(crate) fn category_of(&self, status: &str) -> StatusCategory {
        if let Some(cat) = self.dataset.statuses.get(status) {
            return *cat;
        }
        StatusCategory::from_jira(status).unwrap_or(if status.eq_ignore_ascii_case("done") {
            StatusCategory::Done
        } else {
            StatusCategory::InProgress
        })
    }

    /// Status name at `t`, `None` before the issue existed.
    pub(crate) fn status_at<'i>(&self, issue: &'i Issue, t: DateTime<Utc>) -> Option<&'i str> {
        if issue.created > t {
            return None;
        }
        // Nothing changed after `t`: the current status holds (the usual case).
        if issue.status_history.last().is_none_or(|c| c.at <= t) {
            return Some(&issue.status);
        }
        let mut res: Option<&str> = None;
        for change in &issue.status_history {
            if change.at <= t {
                res = Some(&change.to);
            } else {
                if res.is_none() {
                    res = change.from.as_deref();
                }
                break;
            }
        }
        Some(res.unwrap_or(if issue.status_history.is_empty() { &issue.status } else { "To Do" }))
    }

    pub(crate) fn category_at(&self, issue: &Issue, t: DateTime<Utc>) -> Option<StatusCategory> {
        if let Some(fact) = self.idx_of(issue).map(|idx| self.facts[idx]) {
            if fact.created > t {
                return None;
            }
            if fact.settled <= t {
                return Some(fact.category);
            }
        }
        if issue.created > t {
            return None;
        }
        if issue.status_history.last().is_none_or(|c| c.at <= t) {
            return Some(issue.category);
        }
        if let Some(steps) = self.steps_for(issue) {
            return steps.iter().rev().find(|s| s.at <= t).map(|s| s.category);
        }
        let status = self.status_at(issue, t)?;
        if status == issue.status {
            return Some(issue.category);
        }
        Some(self.category_of(status))
    }

    pub(crate) fn is_open_at(&self, issue: &Issue, t: DateTime<Utc>) -> bool {
        matches!(self.category_at(issue, t), Some(c) if c != StatusCategory::Done)
    }

    pub(crate) fn is_blocked_status(&self, status: &str) -> bool {
        self.blocked_statuses.iter().any(|b| b.eq_ignore_ascii_case(status))
    }

    /// Since when the issue has been blocked (blocked status or flag) at `t`.
    pub(crate) fn blocked_since(&self, issue: &Issue, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let known = self.idx_of(issue).filter(|&idx| self.facts[idx].live);
        if let Some(idx) =
            known.filter(|&i| self.facts[i].settled <= t && self.facts[i].created <= t)
        {
            // The last status holds at `t`: blocked since it was entered.
            let blocked = *self.final_blocked[idx]
                .get_or_init(|| final_blocked(self.issue(idx), &mut self.lookup.borrow_mut()));
            let since = blocked.then_some(self.facts[idx].settled);
            return match flagged_since(issue, t) {
                Some(flag) => Some(since.map_or(flag, |s| s.min(flag))),
                None => since,
            };
        }
        if let Some(steps) = self.steps_for(issue) {
            if issue.created > t {
                return None;
            }
            let mut since = None;
            let mut current = steps.iter().rev().skip_while(|s| s.at > t);
            if current.next().is_some_and(|s| s.blocked) {
                since = steps.iter().rev().find(|s| s.at <= t && s.blocked).map(|s| s.at);
            }
            if let Some(flag) = flagged_since(issue, t) {
                since = Some(since.map_or(flag, |s: DateTime<Utc>| s.min(flag)));
            }
            return since;
        }
        let status = self.status_at(issue, t)?;
        let mut since = None;
        if self.is_blocked_status(status) {
            since = issue
                .status_history
                .iter()
                .rev()
                .find(|c| c.at <= t && self.is_blocked_status(&c.to))
                .map(|c| c.at)
                .or(Some(issue.created));
        }
        if let Some(flag) = flagged_since(issue, t) {
            since = Some(since.map_or(flag, |s: DateTime<Utc>| s.min(flag)));
        }
        since
    }

    /// When the issue first entered an in-progress status, if it had by `t`.
    pub(crate) fn started_at(&self, issue: &Issue, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let Some(steps) = self.steps_for(issue) {
            return steps
                .iter()
                .skip(1)
                .take_while(|s| s.at <= t)
                .find(|s| s.category != StatusCategory::ToDo)
                .map(|s| s.at);
        }
        issue
            .status_history
            .iter()
            .take_while(|c| c.at <= t)
            .find(|c| self.category_of(&c.to) != StatusCategory::ToDo)
            .map(|c| c.at)
    }

    /// When the issue was finished, if it was done at `t`: the last entry into Done.
    pub(crate) fn finished_at(&self, issue: &Issue, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let Some(fact) = self.idx_of(issue).map(|idx| self.facts[idx]) {
            if fact.created > t {
                return None;
            }
            if fact.settled <= t {
                return fact.finished;
            }
        }
        if self.category_at(issue, t)? != StatusCategory::Done {
            return None;
        }
        if let Some(steps) = self.steps_for(issue) {
            let from_steps = steps
                .iter()
                .skip(1)
                .rev()
                .find(|s| s.at <= t && s.category == StatusCategory::Done)
                .map(|s| s.at);
            return from_steps.or(issue.resolved.filter(|r| *r <= t)).or(Some(issue.created));
        }
        let from_history = issue
            .status_history
            .iter()
            .rev()
            .filter(|c| c.at <= t)
            .find(|c| self.category_of(&c.to) == StatusCategory::Done)
            .map(|c| c.at);
        from_history.or(issue.resolved.filter(|r| *r <= t)).or(Some(issue.created))
    }

    /// The calendar day of an instant, as [`crate::flow`] cuts days.
    pub(crate) fn day(&self, t: DateTime<Utc>) -> NaiveDate {
        self.flow_options.day(t)
    }

    /// Flow's days of one issue, computed once per index.
    fn flow_days(&self, idx: usize) -> FlowDays {
        *self.flow_days[idx].get_or_init(|| {
            FlowDays::compute(
                self.issue(idx),
                &self.workflow,
                &self.flow_options,
                &mut self.stages.borrow_mut(),
            )
        })
    }

    /// The issues of `issues` done at `t` whose completion day (flow's) falls
    /// in the `days` days ending on `last_day`, with that day and their cycle
    /// time. "Done at `t`" is the index's (the status at that instant).
    fn completions(
        &self,
        issues: &[usize],
        t: DateTime<Utc>,
        last_day: NaiveDate,
        days: i64,
    ) -> Vec<(NaiveDate, Option<i64>)> {
        let first_day = last_day - Duration::days(days - 1);
        // A day of slack either side of the window: flow cuts days in its own
        // offset and counts a reopened issue from its first completion.
        let earliest = t - Duration::days((self.day(t) - first_day).num_days() + 2);
        issues
            .iter()
            .filter_map(|&idx| {
                let done = self.finished_at(self.issue(idx), t)?;
                if done < earliest {
                    return None;
                }
                let days = self.flow_days(idx);
                let (day, cycle_days) =
                    (days.completed, days.cycle_days(self.flow_options.convention));
                let day = day.filter(|d| *d >= first_day && *d <= last_day)?;
                Some((day, cycle_days))
            })
            .collect()
    }

    /// Cycle times in days ([`flow::cycle_time_days`] in flow's default
    /// convention) of the issues done at `t` and completed in the
    /// `HISTORY_DAYS` days ending on `t`'s day, ascending.
    pub(crate) fn cycle_times(&self, issues: &[usize], t: DateTime<Utc>) -> Rc<Vec<f64>> {
        let key = (list_key(issues), t.timestamp());
        if let Some(hit) = self.cycle_cache.borrow().get(&key) {
            return hit.clone();
        }
        let mut sorted: Vec<f64> = self
            .completions(issues, t, self.day(t), HISTORY_DAYS)
            .into_iter()
            .filter_map(|(_, cycle_days)| cycle_days.map(|days| days as f64))
            .collect();
        crate::sort::stable_by(&mut sorted, f64::total_cmp);
        let res = Rc::new(sorted);
        self.cycle_cache.borrow_mut().insert(key, res.clone());
        res
    }

    /// The `percentile` of `issues`' cycle times at `t` ([`Self::cycle_times`]),
    /// with how many there are; `None` below `min_history` items.
    pub(crate) fn cycle_time_limit(
        &self,
        issues: &[usize],
        t: DateTime<Utc>,
        percentile: f64,
        min_history: usize,
    ) -> (usize, Option<f64>) {
        let cycle_times = self.cycle_times(issues, t);
        let limit = Percentile::new(percentile)
            .filter(|_| cycle_times.len() >= min_history)
            .and_then(|p| stats::percentile_sorted(&cycle_times, p));
        (cycle_times.len(), limit)
    }

    /// The items of `open` in progress on `t`'s day with their age in days,
    /// oldest first (ties by key): the team page's aging chart
    /// ([`flow::aging_wip_from_flows`]) without its percentile bands, which
    /// no rule reads.
    pub(crate) fn aging(&self, open: &[usize], t: DateTime<Utc>) -> Rc<Aged> {
        let key = (list_key(open), t.timestamp());
        if let Some(hit) = self.aging_cache.borrow().get(&key) {
            return hit.clone();
        }
        let today = self.day(t);
        let mut items: Vec<(usize, i64)> = open
            .iter()
            .filter_map(|&idx| {
                let days = self.flow_days(idx);
                let started = days.started.filter(|_| days.in_progress_on(today))?;
                Some((idx, age_days(started, today, self.flow_options.convention)))
            })
            .collect();
        crate::sort::stable_by(&mut items, |a, b| {
            b.1.cmp(&a.1).then_with(|| self.issue(a.0).key.cmp(&self.issue(b.0).key))
        });
        let res = Rc::new(items);
        self.aging_cache.borrow_mut().insert(key, res.clone());
        res
    }

    /// Items completed per calendar day (flow's completion day) over the
    /// `days` whole days before `t`'s day, oldest first: the sample window
    /// the forecast page uses, ending yesterday.
    pub(crate) fn daily_throughput(
        &self,
        issues: &[usize],
        t: DateTime<Utc>,
        days: i64,
    ) -> Rc<Vec<u32>> {
        let key = (list_key(issues), t.timestamp(), days);
        if let Some(hit) = self.throughput_cache.borrow().get(&key) {
            return hit.clone();
        }
        let mut res = vec![0u32; days.max(0) as usize];
        if days > 0 {
            let (_, last_day) = current_sprint_sample(self.day(t));
            let first_day = last_day - Duration::days(days - 1);
            for (day, _) in self.completions(issues, t, last_day, days) {
                if let Some(slot) = res.get_mut((day - first_day).num_days() as usize) {
                    *slot += 1;
                }
            }
        }
        let res = Rc::new(res);
        self.throughput_cache.borrow_mut().insert(key, res.clone());
        res
    }

    /// The exact distribution of the days `remaining` items need at the
    /// daily throughput of `source` before `t`; `None` when `source`
    /// finished nothing in the sample window.
    pub(crate) fn when_done(
        &self,
        source: &[usize],
        t: DateTime<Utc>,
        remaining: u32,
    ) -> Option<Rc<ExactWhen>> {
        let key = (list_key(source), t.timestamp(), remaining);
        if let Some(hit) = self.when_cache.borrow().get(&key) {
            return hit.clone();
        }
        let daily = self.daily_throughput(source, t, SAMPLE_DAYS);
        let res = Throughput::new(daily.to_vec())
            .ok()
            .map(|throughput| Rc::new(ExactWhen::new(&throughput, remaining)));
        self.when_cache.borrow_mut().insert(key, res.clone());
        res
    }

    /// How many of `issues` are open at `t`.
    pub(crate) fn open_count(&self, issues: &[usize], t: DateTime<Utc>) -> usize {
        self.open_list(issues, t).len()
    }

    /// The issues of `issues` open at `t`.
    pub(crate) fn open_list(&self, issues: &[usize], t: DateTime<Utc>) -> Rc<Vec<usize>> {
        let key = (list_key(issues), t.timestamp());
        if let Some(hit) = self.open_cache.borrow().get(&key) {
            return hit.clone();
        }
        let res: Rc<Vec<usize>> = Rc::new(
            issues.iter().copied().filter(|&i| self.is_open_at(self.issue(i), t)).collect(),
        );
        self.open_cache.borrow_mut().insert(key, res.clone());
        res
    }

    /// Items finished in `[from, to)`.
    pub(crate) fn finished_between(
        &self,
        issues: &[usize],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<usize> {
        issues
            .iter()
            .copied()
            .filter(|&idx| {
                self.finished_at(self.issue(idx), to - Duration::seconds(1))
                    .is_some_and(|d| d >= from && d < to)
            })
            .collect()
    }

    /// The sprint the team was running at `t`, if any: the latest started one not yet completed.
    pub(crate) fn active_sprint(
        &self,
        team: &TeamId,
        issues: &[usize],
        t: DateTime<Utc>,
    ) -> Option<&'a Sprint> {
        let board = self.dataset.teams.iter().find(|tm| &tm.id == team).and_then(|tm| tm.board);
        let running = |s: &&Sprint| {
            s.start.is_some_and(|start| start <= t) && s.complete.is_none_or(|c| c > t)
        };
        if let Some(b) = board {
            return self
                .dataset
                .sprints
                .iter()
                .filter(|s| s.board == Some(b))
                .filter(running)
                .max_by_key(|s| (s.start, s.id));
        }
        // Without a board, a sprint is the team's when one of its issues
        // lists it. Few sprints run at `t`, so ask of those only, through
        // the sprint index when it covers `issues` (live and ascending).
        let indexed = issues.is_sorted() && issues.iter().all(|&idx| self.is_live(idx));
        let listed_by_issues = |id: SprintId| -> bool {
            if indexed {
                self.in_sprint.get(&id).is_some_and(|candidates| {
                    candidates.iter().any(|idx| {
                        issues.binary_search(idx).is_ok() && self.issue(*idx).sprints.contains(&id)
                    })
                })
            } else {
                issues.iter().any(|&idx| self.issue(idx).sprints.contains(&id))
            }
        };
        self.dataset
            .sprints
            .iter()
            .filter(running)
            .filter(|s| listed_by_issues(s.id))
            .max_by_key(|s| (s.start, s.id))
    }

    /// True when the issue at `idx` is an epic (its type read once, while the index was built).
    pub(crate) fn is_epic_at(&self, idx: usize) -> bool {
        self.facts[idx].epic
    }

    /// True when `idx` is an issue the index keeps (not settled before the horizon).
    fn is_live(&self, idx: usize) -> bool {
        self.facts.get(idx).is_some_and(|f| f.live)
    }

    /// Issues of `issues` in `sprint` at `t`.
    pub(crate) fn sprint_members(
        &self,
        issues: &[usize],
        sprint: SprintId,
        t: DateTime<Utc>,
    ) -> Vec<usize> {
        // Only issues that were ever in the sprint can be in it at `t`;
        // `issues` lists are ascending, so membership is a binary search.
        let Some(candidates) = self.in_sprint.get(&sprint) else { return Vec::new() };
        candidates
            .iter()
            .copied()
            .filter(|idx| issues.binary_search(idx).is_ok())
            .filter(|&idx| sprints_at(self.issue(idx), t).contains(&sprint))
            .collect()
    }

    /// The running sprint of `team` at `t` with its remaining items and completion odds.
    pub(crate) fn sprint_odds(
        &self,
        team: &TeamId,
        issues: &[usize],
        t: DateTime<Utc>,
    ) -> Option<SprintOdds<'a>> {
        let key = (list_key(issues), t.timestamp());
        if let Some(hit) = self.sprint_cache.borrow().get(&key) {
            return hit.clone();
        }
        let res = self.sprint_odds_uncached(team, issues, t);
        self.sprint_cache.borrow_mut().insert(key, res.clone());
        res
    }

    fn sprint_odds_uncached(
        &self,
        team: &TeamId,
        issues: &[usize],
        t: DateTime<Utc>,
    ) -> Option<SprintOdds<'a>> {
        let sprint = self.active_sprint(team, issues, t)?;
        let members = self.sprint_members(issues, sprint.id, t);
        let remaining: Vec<usize> =
            members.iter().copied().filter(|&i| self.is_open_at(self.issue(i), t)).collect();
        let days_left = sprint.end.map_or(0, |end| sprint_days_left(self.day(t), self.day(end)));
        let odds = if remaining.is_empty() {
            Some(1.0)
        } else {
            let daily = self.daily_throughput(issues, t, SAMPLE_DAYS);
            match Throughput::new(daily.to_vec()) {
                Ok(throughput) => Some(probability(sprint_completion_probability(
                    &throughput,
                    remaining.len() as u32,
                    days_left,
                ))),
                // Nothing finished in six weeks: under the model nothing will.
                Err(ThroughputError::NoCompletions) => Some(0.0),
                Err(_) => None,
            }
        };
        Some(SprintOdds { sprint, members, remaining, days_left, odds })
    }

    /// Open issues at `t` that wait on an unfinished issue of another team: (blocked, blocker).
    pub(crate) fn cross_team_blockers(
        &self,
        issues: &[usize],
        t: DateTime<Utc>,
    ) -> Vec<(usize, usize)> {
        let mut res = Vec::new();
        for &idx in issues {
            let issue = self.issue(idx);
            if !self.is_open_at(issue, t) {
                continue;
            }
            for link in &issue.links {
                if link.kind != LinkKind::IsBlockedBy {
                    continue;
                }
                let Some(&other_idx) = self.by_key.get(link.other.as_str()) else { continue };
                let other = self.issue(other_idx);
                if other.team.is_none() || other.team == issue.team || !self.is_open_at(other, t) {
                    continue;
                }
                res.push((idx, other_idx));
            }
        }
        res
    }
}

/// A running sprint and its odds of finishing.
#[derive(Debug, Clone)]
pub(crate) struct SprintOdds<'a> {
    pub(crate) sprint: &'a Sprint,
    pub(crate) members: Vec<usize>,
    pub(crate) remaining: Vec<usize>,
    /// Calendar days left, today included.
    pub(crate) days_left: u32,
    /// [`sprint_completion_probability`] of the remaining items; `None`
    /// without a sample window.
    pub(crate) odds: Option<f64>,
}

/// A probability kept to six decimals: far finer than any view shows, and
/// short enough that JSON carries it exactly (a long mantissa with a large
/// exponent, such as the exact method's 2.7e-10, does not survive parsing).
pub(crate) fn probability(p: f64) -> f64 {
    (p.clamp(0.0, 1.0) * 1e6).round() / 1e6
}

pub(crate) fn is_epic(issue: &Issue) -> bool {
    issue.issue_type.eq_ignore_ascii_case("epic")
}

/// Since when the issue has been flagged at `t`.
pub(crate) fn flagged_since(issue: &Issue, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if issue.flag_periods.is_empty() {
        return (issue.flagged && issue.updated <= t).then_some(issue.updated);
    }
    issue
        .flag_periods
        .iter()
        .rev()
        .find(|p| p.start <= t && p.end.is_none_or(|e| e > t))
        .map(|p| p.start)
}

/// The sprint field at `t`, rebuilt from the sprint history.
pub(crate) fn sprints_at(issue: &Issue, t: DateTime<Utc>) -> &[SprintId] {
    let mut res: Option<&[SprintId]> = None;
    for change in &issue.sprint_history {
        if change.at <= t {
            res = Some(&change.to);
        } else {
            if res.is_none() {
                res = Some(&change.from);
            }
            break;
        }
    }
    res.unwrap_or(&issue.sprints)
}

/// The last time anything changed on the issue, as known at `t`.
pub(crate) fn last_activity(issue: &Issue, t: DateTime<Utc>) -> DateTime<Utc> {
    if issue.updated <= t {
        return issue.updated;
    }
    let mut res = issue.created;
    let stamps = issue
        .status_history
        .iter()
        .map(|c| c.at)
        .chain(issue.sprint_history.iter().map(|c| c.at))
        .chain(issue.estimate_history.iter().map(|c| c.at))
        .chain(issue.flag_periods.iter().flat_map(|p| std::iter::once(p.start).chain(p.end)));
    for at in stamps {
        if at <= t && at > res {
            res = at;
        }
    }
    res
}

pub(crate) fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    use crate::flow::DateRange;
    use crate::risk::fixture;

    fn team_issues(dataset: &Dataset, team: &str) -> Vec<Issue> {
        dataset
            .issues
            .iter()
            .filter(|i| i.team.as_ref().is_some_and(|t| t.0 == team))
            .cloned()
            .collect()
    }

    /// The window the forecast page samples: whole days ending yesterday.
    fn forecast_page_daily(dataset: &Dataset, team: &str, as_of: DateTime<Utc>) -> Vec<u32> {
        let yesterday = as_of.date_naive() - Duration::days(1);
        let range = DateRange::new(yesterday - Duration::days(SAMPLE_DAYS - 1), yesterday).unwrap();
        let issues: Vec<Issue> =
            team_issues(dataset, team).into_iter().filter(|i| !is_epic(i)).collect();
        let workflow = Workflow::from_categories(&dataset.statuses);
        flow::daily_throughput(&issues, &workflow, &FlowOptions::default(), range)
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    }

    #[test]
    fn sprint_odds_are_the_forecast_modules_on_the_forecast_pages_sample() {
        let dataset = fixture::demo();
        let as_of = fixture::as_of();
        let ix = Index::new(&dataset, &["Blocked".to_owned()], horizon(as_of));
        for team in ["Alpha", "Bravo", "Charlie"] {
            let id = TeamId(team.to_owned());
            let issues = &ix.by_team[&id];
            let daily = forecast_page_daily(&dataset, team, as_of);
            assert_eq!(*ix.daily_throughput(issues, as_of, SAMPLE_DAYS), daily, "{team}");
            let running = ix.sprint_odds(&id, issues, as_of).unwrap();
            // Sprints end 14 days after a start 4 days ago: today and 10 more days.
            assert_eq!(running.days_left, 11, "{team}");
            let expected = sprint_completion_probability(
                &Throughput::new(daily).unwrap(),
                running.remaining.len() as u32,
                running.days_left,
            );
            assert_eq!(running.odds, Some(probability(expected)), "{team}");
        }
    }

    #[test]
    fn cycle_times_and_aging_are_flows() {
        let dataset = fixture::demo();
        let as_of = fixture::as_of();
        let ix = Index::new(&dataset, &["Blocked".to_owned()], horizon(as_of));
        let workflow = Workflow::from_categories(&dataset.statuses);
        let options = FlowOptions::default();
        let today = as_of.date_naive();
        let bravo = TeamId("Bravo".to_owned());
        let issues = &ix.by_team[&bravo];
        let mut expected: Vec<f64> = team_issues(&dataset, "Bravo")
            .iter()
            .filter(|i| !is_epic(i))
            .map(|i| flow::issue_flow(i, &workflow, &options))
            .filter(|f| f.completed.is_some_and(|c| (today - c).num_days() < HISTORY_DAYS))
            .filter_map(|f| flow::cycle_time_days(&f, options.convention))
            .map(|d| d as f64)
            .collect();
        expected.sort_by(f64::total_cmp);
        assert!(!expected.is_empty());
        assert_eq!(*ix.cycle_times(issues, as_of), expected);

        let open = ix.open_list(issues, as_of);
        let aged: Vec<(IssueKey, i64)> = ix
            .aging(&open, as_of)
            .iter()
            .map(|&(idx, age)| (ix.issue(idx).key.clone(), age))
            .collect();
        let in_progress: Vec<Issue> =
            team_issues(&dataset, "Bravo").into_iter().filter(|i| !is_epic(i)).collect();
        let from_flow: Vec<(IssueKey, i64)> =
            flow::aging_wip(&in_progress, &workflow, &options, today)
                .into_iter()
                .map(|a| (a.key, a.age_days))
                .collect();
        assert_eq!(aged, from_flow);
        // The old, quiet item started 40 days ago: 41 days in flow's inclusive count.
        assert!(aged.contains(&(IssueKey::from("BRAVO-5"), 41)), "{aged:?}");
    }

    #[test]
    fn flow_days_are_issue_flows_under_both_backward_move_rules() {
        let mut dataset = fixture::demo();
        let options = FlowOptions::default();
        let name_of = |category: StatusCategory| {
            dataset
                .statuses
                .iter()
                .find(|(_, c)| **c == category)
                .map(|(n, _)| n.to_owned())
                .unwrap()
        };
        let (doing, done) = (name_of(StatusCategory::InProgress), name_of(StatusCategory::Done));
        // Reopened, moved back, and through a status no stage maps.
        let mut extra = Vec::new();
        for issue in dataset.issues.iter().filter(|i| !i.status_history.is_empty()) {
            let mut moved = issue.clone();
            let last = moved.status_history.last().unwrap().clone();
            for (days, to) in [(1, "Limbo".to_owned()), (2, doing.clone()), (4, done.clone())] {
                moved.status_history.push(crate::model::StatusChange {
                    at: last.at + Duration::days(days),
                    from: Some(last.to.clone()),
                    to,
                });
            }
            moved.status.clone_from(&done);
            moved.category = StatusCategory::Done;
            extra.push(moved);
        }
        dataset.issues.extend(extra);
        for rule in [BackwardMoves::Keep, BackwardMoves::Reset] {
            let mut workflow = Workflow::from_categories(&dataset.statuses);
            workflow.backward_moves = rule;
            let mut stages = StageLookup::default();
            let mut checked = (0, 0);
            for issue in &dataset.issues {
                let flow = flow::issue_flow(issue, &workflow, &options);
                let days = FlowDays::compute(issue, &workflow, &options, &mut stages);
                assert_eq!(days.started, flow.started, "{} {rule:?}", issue.key);
                assert_eq!(days.completed, flow.completed, "{} {rule:?}", issue.key);
                assert_eq!(
                    days.cycle_days(options.convention),
                    flow::cycle_time_days(&flow, options.convention),
                    "{} {rule:?}",
                    issue.key
                );
                checked.0 += usize::from(flow.completed.is_some());
                checked.1 += usize::from(flow.backward_moves > 0);
            }
            assert!(checked.0 > 0, "the fixture has finished items");
            assert!(checked.1 > 0, "the fixture has backward moves");
        }
    }

    #[test]
    fn a_week_ago_sees_only_what_was_done_then() {
        let dataset = fixture::demo();
        let as_of = fixture::as_of();
        let ix = Index::new(&dataset, &["Blocked".to_owned()], horizon(as_of - Duration::days(7)));
        let alpha = &ix.by_team[&TeamId("Alpha".to_owned())];
        let now = ix.daily_throughput(alpha, as_of, SAMPLE_DAYS);
        let before = ix.daily_throughput(alpha, as_of - Duration::days(7), SAMPLE_DAYS);
        // The same calendar days, shifted by a week.
        assert_eq!(before[7..], now[..SAMPLE_DAYS as usize - 7]);
    }
}
