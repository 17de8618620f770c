//! `Snapshot`: what the dashboard holds about the organisation (teams,
//! issues, sprints, the sync cursor and how old it all is), and the pure
//! rules for merging a delta from the proxy into it.
//!
//! Plain data with no browser types, so the merge rules are tested natively;
//! `cache` persists a snapshot in IndexedDB and `state` puts it in a signal.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use director_core::api::{IssuesDelta, TeamInfo};
use director_core::model::{Dataset, Issue, Sprint, StatusCategory, Team, TeamId};
use serde::{Deserialize, Serialize};

/// The dashboard's copy of the organisation's data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Teams as the proxy last listed them.
    pub teams: Vec<Team>,
    /// Every issue we hold, keyed in practice by `Issue::id`.
    pub issues: Vec<Issue>,
    /// Sprints of every board.
    pub sprints: Vec<Sprint>,
    /// Cursor to send as `since` on the next delta request.
    pub cursor: Option<String>,
    /// When this browser last received a delta from the proxy.
    pub fetched_at: Option<DateTime<Utc>>,
    /// When the proxy last finished a successful sync with JIRA: the age the
    /// page shows, because that is how old the facts are.
    pub data_as_of: Option<DateTime<Utc>>,
    /// Base URL of the JIRA site, for links to issues (`<url>/browse/KEY`).
    #[serde(default)]
    pub jira_url: Option<String>,
}

/// Issue counts of one team, by status category.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamCounts {
    /// All issues.
    pub total: u64,
    /// In To Do.
    pub to_do: u64,
    /// In progress.
    pub in_progress: u64,
    /// Done.
    pub done: u64,
}

impl Snapshot {
    /// True when nothing has ever been fetched (first visit or a wiped cache).
    pub fn is_empty(&self) -> bool {
        self.cursor.is_none() && self.issues.is_empty() && self.teams.is_empty()
    }

    /// Replaces the team list with the proxy's.
    pub fn set_teams(&mut self, teams: &[TeamInfo]) {
        self.teams = teams.iter().map(|info| info.team.clone()).collect();
    }

    /// Merges a delta: upserts changed issues by id, drops deleted ones, or
    /// replaces everything when the proxy says the delta is full.
    pub fn apply_delta(&mut self, delta: &IssuesDelta, fetched_at: DateTime<Utc>) {
        if delta.full {
            self.issues = delta.issues.clone();
        } else {
            let mut position: HashMap<&str, usize> = HashMap::with_capacity(self.issues.len());
            for (idx, issue) in self.issues.iter().enumerate() {
                position.insert(issue.id.0.as_str(), idx);
            }
            let mut replacements = Vec::new();
            let mut additions = Vec::new();
            for issue in &delta.issues {
                match position.get(issue.id.0.as_str()) {
                    Some(&idx) => replacements.push((idx, issue.clone())),
                    None => additions.push(issue.clone()),
                }
            }
            for (idx, issue) in replacements {
                self.issues[idx] = issue;
            }
            self.issues.extend(additions);
            if !delta.deleted.is_empty() {
                self.issues.retain(|issue| !delta.deleted.contains(&issue.id));
            }
        }
        self.cursor = Some(delta.cursor.clone());
        self.fetched_at = Some(fetched_at);
        if delta.data_as_of.is_some() {
            self.data_as_of = delta.data_as_of;
        }
    }

    /// The issues of `team`: by the team ingest assigned, or by project when
    /// ingest left the team unset.
    pub fn team_issues<'a>(&'a self, team: &'a Team) -> impl Iterator<Item = &'a Issue> + 'a {
        self.issues.iter().filter(move |issue| belongs_to(issue, team))
    }

    /// Issue counts of `team` by category.
    pub fn team_counts(&self, team: &Team) -> TeamCounts {
        let mut res = TeamCounts::default();
        for issue in self.team_issues(team) {
            res.total += 1;
            match issue.category {
                StatusCategory::ToDo => res.to_do += 1,
                StatusCategory::InProgress => res.in_progress += 1,
                StatusCategory::Done => res.done += 1,
            }
        }
        res
    }

    /// Looks a team up by its name.
    pub fn team(&self, name: &str) -> Option<&Team> {
        self.teams.iter().find(|team| team.id.0.eq_ignore_ascii_case(name))
    }

    /// The snapshot as core's `Dataset`, for the analytics. Issues whose team
    /// was left unset get it from their project, so per-team analytics see them.
    pub fn to_dataset(&self) -> Dataset {
        let mut issues = self.issues.clone();
        for issue in &mut issues {
            if issue.team.is_none() {
                issue.team = self
                    .teams
                    .iter()
                    .find(|team| team.projects.iter().any(|project| project == &issue.project))
                    .map(|team| team.id.clone());
            }
        }
        let mut statuses = std::collections::BTreeMap::new();
        for issue in &issues {
            statuses.entry(issue.status.clone()).or_insert(issue.category);
        }
        Dataset { issues, sprints: self.sprints.clone(), teams: self.teams.clone(), statuses }
    }

    /// Age of the data at `now` (from the proxy's last sync, else our fetch).
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.data_as_of.or(self.fetched_at).map(|at| now - at)
    }
}

fn belongs_to(issue: &Issue, team: &Team) -> bool {
    match &issue.team {
        Some(id) => id == &team.id,
        None => team.projects.iter().any(|project| project == &issue.project),
    }
}

/// The JIRA page of issue `key` on the site at `jira_url`, if the site is known
/// and the key looks like one (so nothing odd lands in an `href`).
pub fn browse_url(jira_url: Option<&str>, key: &str) -> Option<String> {
    let base = jira_url?.trim().trim_end_matches('/');
    let is_web = base.starts_with("https://") || base.starts_with("http://");
    let key_ok = !key.is_empty()
        && key.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    (is_web && key_ok).then(|| format!("{base}/browse/{key}"))
}

/// The team id for a name as typed in a URL.
pub fn team_id(name: &str) -> TeamId {
    TeamId(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use director_core::model::{IssueId, IssueKey};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    fn issue(id: &str, project: &str, category: StatusCategory) -> Issue {
        Issue {
            summary: format!("issue {id}"),
            project: project.to_owned(),
            status: format!("{category:?}"),
            category,
            updated: at(2),
            ..Issue::new(IssueId(id.to_owned()), IssueKey(format!("{project}-{id}")), at(1))
        }
    }

    fn team(name: &str, project: &str) -> Team {
        Team { id: team_id(name), projects: vec![project.to_owned()], board: None, size: None }
    }

    fn delta(issues: Vec<Issue>, deleted: &[&str], full: bool) -> IssuesDelta {
        IssuesDelta {
            issues,
            deleted: deleted.iter().map(|id| IssueId((*id).to_owned())).collect(),
            cursor: format!("c{}", deleted.len()),
            full,
            has_more: false,
            data_as_of: Some(at(5)),
        }
    }

    #[test]
    fn incremental_delta_upserts_by_id_and_drops_deleted_issues() {
        let mut snapshot = Snapshot::default();
        snapshot.apply_delta(
            &delta(
                vec![
                    issue("1", "A", StatusCategory::ToDo),
                    issue("2", "A", StatusCategory::ToDo),
                    issue("3", "B", StatusCategory::ToDo),
                ],
                &[],
                true,
            ),
            at(3),
        );
        snapshot.apply_delta(
            &delta(
                vec![issue("2", "A", StatusCategory::Done), issue("4", "B", StatusCategory::ToDo)],
                &["3"],
                false,
            ),
            at(4),
        );
        let mut ids: Vec<&str> = snapshot.issues.iter().map(|issue| issue.id.0.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["1", "2", "4"]);
        let second = snapshot.issues.iter().find(|issue| issue.id.0 == "2").unwrap();
        assert_eq!(second.category, StatusCategory::Done);
        assert_eq!(snapshot.cursor.as_deref(), Some("c1"));
        assert_eq!(snapshot.fetched_at, Some(at(4)));
    }

    #[test]
    fn full_delta_replaces_everything_held() {
        let mut snapshot = Snapshot::default();
        snapshot.apply_delta(&delta(vec![issue("1", "A", StatusCategory::ToDo)], &[], true), at(3));
        snapshot.apply_delta(&delta(vec![issue("9", "A", StatusCategory::ToDo)], &[], true), at(4));
        assert_eq!(snapshot.issues.len(), 1);
        assert_eq!(snapshot.issues[0].id.0, "9");
    }

    #[test]
    fn team_counts_use_the_assigned_team_or_else_the_project() {
        let mut snapshot = Snapshot::default();
        let mut assigned = issue("1", "X", StatusCategory::InProgress);
        assigned.team = Some(team_id("Alpha"));
        snapshot.issues = vec![
            assigned,
            issue("2", "A", StatusCategory::Done),
            issue("3", "A", StatusCategory::ToDo),
            issue("4", "B", StatusCategory::ToDo),
        ];
        let counts = snapshot.team_counts(&team("Alpha", "A"));
        assert_eq!(counts, TeamCounts { total: 3, to_do: 1, in_progress: 1, done: 1 });
        snapshot.teams = vec![team("Alpha", "A"), team("Bravo", "B")];
        let dataset = snapshot.to_dataset();
        assert_eq!(
            dataset.team_issues(&team_id("Alpha")).count(),
            3,
            "the dataset fills unset teams"
        );
        assert_eq!(dataset.team_issues(&team_id("Bravo")).count(), 1);
    }

    #[test]
    fn issue_links_point_at_the_site_browse_page() {
        assert_eq!(
            browse_url(Some("https://acme.atlassian.net/"), "ALPHA-12").as_deref(),
            Some("https://acme.atlassian.net/browse/ALPHA-12")
        );
        assert_eq!(
            browse_url(Some("http://127.0.0.1:8089"), "A_B-1").as_deref(),
            Some("http://127.0.0.1:8089/browse/A_B-1")
        );
        assert_eq!(browse_url(None, "ALPHA-12"), None);
        assert_eq!(browse_url(Some("javascript:alert(1)"), "ALPHA-12"), None);
        assert_eq!(browse_url(Some("https://acme.atlassian.net"), "A-1\"><x"), None);
    }

    #[test]
    fn age_prefers_the_proxy_sync_time_over_our_fetch_time() {
        let mut snapshot = Snapshot { fetched_at: Some(at(4)), ..Snapshot::default() };
        assert_eq!(snapshot.age(at(6)), Some(Duration::hours(2)));
        snapshot.data_as_of = Some(at(1));
        assert_eq!(snapshot.age(at(6)), Some(Duration::hours(5)));
        assert_eq!(Snapshot::default().age(at(6)), None);
    }
}
