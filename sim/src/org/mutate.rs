//! Changes to the organisation after generation: what tests ask for
//! (`update_issue`, `create_issue`, `delete_issue`) and what live mode does as
//! the simulated clock runs. Each change records a changelog history exactly
//! as JIRA would and returns a `Mutation` the webhook emitter can describe.

use chrono::{DateTime, Duration, Utc};

use super::generate::{blank_issue, summary_for};
use super::{
    Change, History, Issue, Kind, Org, SprintState, BLOCKED, DONE, IN_PROGRESS, IN_REVIEW,
    PRIORITY_MEDIUM, TODO,
};
use crate::random::Rng;

/// What changed, for webhooks.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    /// An issue was created (index into `Org::issues`).
    Created(usize),
    /// An issue changed; the history holds the items.
    Updated {
        issue: usize,
        history: History,
    },
    /// An issue was deleted (it stays in `Org::issues` with `deleted` set).
    Deleted(usize),
    SprintStarted(u64),
    SprintClosed(u64),
}

/// The status an issue moves to next in the normal flow.
pub(crate) fn next_status(status: u8) -> u8 {
    match status {
        TODO => IN_PROGRESS,
        IN_PROGRESS => IN_REVIEW,
        IN_REVIEW => DONE,
        BLOCKED => IN_PROGRESS,
        _ => IN_PROGRESS,
    }
}

impl Org {
    fn record(
        &mut self,
        issue: usize,
        at: DateTime<Utc>,
        author: u32,
        items: Vec<Change>,
    ) -> History {
        let at = at.max(self.issues[issue].updated + Duration::milliseconds(1));
        let history = History { id: self.next_history_id, at, author, items };
        self.next_history_id += 1;
        let i = &mut self.issues[issue];
        for c in &history.items {
            match c {
                Change::Status { to, .. } => {
                    i.status = *to;
                    i.resolved = (*to == DONE).then_some(at);
                }
                Change::Sprint { to, .. } => i.sprints = to.clone(),
                Change::Points { to, .. } => i.points = *to,
                Change::Flagged { on } => i.flagged = *on,
                Change::Assignee { to, .. } => i.assignee = *to,
                Change::Priority { to, .. } => i.priority = *to,
                Change::Resolution { .. }
                | Change::Rank { .. }
                | Change::Workflow
                | Change::Link { .. } => {}
            }
        }
        if history.bumps_updated() {
            i.updated = at;
        }
        i.histories.push(history.clone());
        history
    }

    fn actor(&self, issue: usize) -> u32 {
        let i = &self.issues[issue];
        i.assignee.unwrap_or_else(|| self.teams[i.team].members.first().copied().unwrap_or(0))
    }

    /// Moves an issue to `to`, with the resolution and assignee changes JIRA records alongside.
    pub(crate) fn transition(&mut self, issue: usize, to: u8, at: DateTime<Utc>) -> Mutation {
        let from = self.issues[issue].status;
        let mut items = vec![Change::Status { from, to }];
        if to == DONE && from != DONE {
            items.push(Change::Resolution { done: true });
        } else if from == DONE && to != DONE {
            items.push(Change::Resolution { done: false });
        }
        if from == TODO && self.issues[issue].assignee.is_none() {
            let team = &self.teams[self.issues[issue].team];
            let who =
                team.members[(self.issues[issue].number as usize) % team.members.len().max(1)];
            items.push(Change::Assignee { from: None, to: Some(who) });
        }
        if from == BLOCKED && self.issues[issue].flagged {
            items.push(Change::Flagged { on: false });
        }
        let author = self.actor(issue);
        let history = self.record(issue, at, author, items);
        Mutation::Updated { issue, history }
    }

    /// Moves an issue one step along its workflow (reopening a done one).
    pub(crate) fn advance(&mut self, issue: usize, at: DateTime<Utc>) -> Mutation {
        let to = next_status(self.issues[issue].status);
        self.transition(issue, to, at)
    }

    /// Blocks an issue and flags it.
    pub(crate) fn block(&mut self, issue: usize, at: DateTime<Utc>) -> Mutation {
        let from = self.issues[issue].status;
        let mut items = vec![Change::Status { from, to: BLOCKED }];
        if from == DONE {
            items.push(Change::Resolution { done: false });
        }
        if !self.issues[issue].flagged {
            items.push(Change::Flagged { on: true });
        }
        let author = self.actor(issue);
        let history = self.record(issue, at, author, items);
        Mutation::Updated { issue, history }
    }

    /// Raises or clears the Flagged impediment without a status change.
    pub(crate) fn flag(&mut self, issue: usize, on: bool, at: DateTime<Utc>) -> Mutation {
        let author = self.actor(issue);
        let history = self.record(issue, at, author, vec![Change::Flagged { on }]);
        Mutation::Updated { issue, history }
    }

    /// Changes the story points of an issue.
    pub(crate) fn estimate(&mut self, issue: usize, points: f64, at: DateTime<Utc>) -> Mutation {
        let from = self.issues[issue].points;
        let author = self.actor(issue);
        let history =
            self.record(issue, at, author, vec![Change::Points { from, to: Some(points) }]);
        Mutation::Updated { issue, history }
    }

    /// Creates an issue in a team's project; `incident` makes it a Highest-priority incident.
    pub(crate) fn create(&mut self, team: usize, at: DateTime<Utc>, incident: bool) -> usize {
        let mut rng = Rng::new(self.next_issue_id);
        let kind = if incident {
            Kind::Incident
        } else {
            [Kind::Story, Kind::Task, Kind::Bug][rng.weighted(&[60.0, 20.0, 20.0])]
        };
        let reporter = *rng.pick(&self.teams[team].members);
        let priority = if incident { 0 } else { PRIORITY_MEDIUM };
        let mut issue: Issue =
            blank_issue(team, kind, summary_for(&mut rng, kind), at, reporter, priority);
        issue.id = self.next_issue_id;
        self.next_issue_id += 1;
        let t = &mut self.teams[team];
        issue.number = t.next_number;
        issue.key = format!("{}-{}", t.key, t.next_number);
        t.next_number += 1;
        issue.rank = self.issues.len() as u64 * 16;
        if incident {
            issue.labels.push("incident");
        }
        for (label, p) in [("security", 0.03), ("compliance", 0.02), ("exec-blocker", 0.01)] {
            if rng.chance(p) {
                issue.labels.push(label);
            }
        }
        let idx = self.issues.len();
        self.by_key.insert(issue.key.clone(), idx);
        self.by_id.insert(issue.id, idx);
        self.issues.push(issue);
        if !incident {
            let points = [1.0, 2.0, 3.0, 5.0, 8.0][rng.below(5) as usize];
            self.record(idx, at, reporter, vec![Change::Points { from: None, to: Some(points) }]);
        }
        idx
    }

    /// Deletes an issue: it disappears from search and lookups.
    pub(crate) fn delete(&mut self, issue: usize) -> Mutation {
        let (key, id) = (self.issues[issue].key.clone(), self.issues[issue].id);
        self.issues[issue].deleted = true;
        self.by_key.remove(&key);
        self.by_id.remove(&id);
        Mutation::Deleted(issue)
    }

    /// Closes each team's active sprint whose end has passed, carries its
    /// unfinished issues into the next sprint, starts that sprint and plans a
    /// new future one.
    pub(crate) fn roll_sprints(&mut self, now: DateTime<Utc>) -> Vec<Mutation> {
        let mut out = Vec::new();
        for team in 0..self.teams.len() {
            let active =
                self.sprints.iter().position(|s| s.team == team && s.state == SprintState::Active);
            let Some(a) = active else { continue };
            if self.sprints[a].end > now {
                continue;
            }
            let closed_at = self.sprints[a].end;
            self.sprints[a].state = SprintState::Closed;
            self.sprints[a].complete = Some(closed_at);
            let closed_id = self.sprints[a].id;
            out.push(Mutation::SprintClosed(closed_id));
            let next =
                self.sprints.iter().position(|s| s.team == team && s.state == SprintState::Future);
            let Some(f) = next else { continue };
            let next_id = self.sprints[f].id;
            let unfinished: Vec<usize> = self
                .live_issues()
                .filter(|(_, i)| i.status != DONE && i.sprints.last() == Some(&closed_id))
                .map(|(n, _)| n)
                .collect();
            for n in unfinished {
                let from = self.issues[n].sprints.clone();
                let mut to = from.clone();
                to.push(next_id);
                let author = self.actor(n);
                let history = self.record(n, closed_at, author, vec![Change::Sprint { from, to }]);
                out.push(Mutation::Updated { issue: n, history });
            }
            self.sprints[f].state = SprintState::Active;
            self.sprints[f].start = closed_at;
            self.sprints[f].end = closed_at + Duration::days(14);
            out.push(Mutation::SprintStarted(next_id));
            let seq = self.sprints.iter().filter(|s| s.team == team).count() as u32 + 1;
            let start = closed_at + Duration::days(14);
            let id = self.next_sprint_id;
            self.next_sprint_id += 1;
            self.sprints.push(super::Sprint {
                id,
                team,
                sequence: seq,
                name: format!("{} Sprint {seq}", self.teams[team].name),
                goal: String::new(),
                state: SprintState::Future,
                start,
                end: start + Duration::days(14),
                complete: None,
                created: closed_at,
            });
            self.sprint_index.insert(id, self.sprints.len() - 1);
        }
        out
    }

    /// Puts a new issue into its team's active sprint (scope added mid-sprint).
    pub(crate) fn add_to_active_sprint(
        &mut self,
        issue: usize,
        at: DateTime<Utc>,
    ) -> Option<Mutation> {
        let team = self.issues[issue].team;
        let sprint =
            self.sprints.iter().find(|s| s.team == team && s.state == SprintState::Active)?.id;
        let from = self.issues[issue].sprints.clone();
        let mut to = from.clone();
        to.push(sprint);
        let author = self.actor(issue);
        let history = self.record(issue, at, author, vec![Change::Sprint { from, to }]);
        Some(Mutation::Updated { issue, history })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{generate, Preset};
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn advancing_records_a_status_history_and_bumps_updated() {
        let now = Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap();
        let mut org = generate(5, Preset::Tiny, now);
        let idx = org.live_issues().find(|(_, i)| i.status == TODO).map(|(n, _)| n).unwrap();
        let before = org.issues[idx].histories.len();
        let at = now + Duration::minutes(3);
        let m = org.advance(idx, at);
        let Mutation::Updated { history, .. } = m else { panic!("expected an update") };
        assert!(history.items.contains(&Change::Status { from: TODO, to: IN_PROGRESS }));
        assert_eq!(org.issues[idx].histories.len(), before + 1);
        assert_eq!(org.issues[idx].updated, at);
        assert_eq!(org.issues[idx].status, IN_PROGRESS);
    }

    #[test]
    fn created_issues_get_the_next_key_and_deleted_ones_vanish() {
        let now = Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap();
        let mut org = generate(5, Preset::Tiny, now);
        let expected = format!("ALPHA-{}", org.teams[0].next_number);
        let idx = org.create(0, now, false);
        assert_eq!(org.issues[idx].key, expected);
        assert_eq!(org.find(&expected), Some(idx));
        org.delete(idx);
        assert_eq!(org.find(&expected), None);
    }

    #[test]
    fn rolling_sprints_closes_the_active_one_and_carries_work_over() {
        let now = Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap();
        let mut org = generate(5, Preset::Tiny, now);
        let later = now + Duration::days(15);
        let muts = org.roll_sprints(later);
        assert_eq!(muts.iter().filter(|m| matches!(m, Mutation::SprintClosed(_))).count(), 3);
        assert_eq!(muts.iter().filter(|m| matches!(m, Mutation::SprintStarted(_))).count(), 3);
        for t in 0..3 {
            assert_eq!(
                org.sprints
                    .iter()
                    .filter(|s| s.team == t && s.state == SprintState::Active)
                    .count(),
                1
            );
            assert_eq!(
                org.sprints
                    .iter()
                    .filter(|s| s.team == t && s.state == SprintState::Future)
                    .count(),
                1
            );
        }
    }
}
