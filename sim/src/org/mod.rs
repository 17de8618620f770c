//! The synthetic organisation behind the site: teams, people, boards,
//! sprints, epics and issues with their full changelog. Everything is plain
//! data generated from a seed (`generate`) and changed in place by the few
//! mutations live mode and tests need (`mutate`). Rendering into JIRA's JSON
//! shapes lives in `render`; this module knows nothing about HTTP.

mod generate;
mod mutate;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

pub(crate) use generate::generate;
pub(crate) use mutate::Mutation;

/// Which size of organisation to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// Three teams, about 300 issues: for fast tests.
    Tiny,
    /// The demo: six teams (Alpha .. Foxtrot), about 60 engineers, about 6k issues.
    #[default]
    Small,
    /// Twenty teams and more than 100k issues: for load and sync benchmarks.
    Large,
}

impl std::str::FromStr for Preset {
    type Err = String;

    fn from_str(s: &str) -> Result<Preset, String> {
        match s.to_ascii_lowercase().as_str() {
            "tiny" => Ok(Preset::Tiny),
            "small" => Ok(Preset::Small),
            "large" => Ok(Preset::Large),
            other => Err(format!("unknown preset `{other}` (expected tiny, small or large)")),
        }
    }
}

/// JIRA's three status categories, with their REST ids and keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    New,
    Indeterminate,
    Done,
}

impl Category {
    pub(crate) fn id(self) -> u32 {
        match self {
            Category::New => 2,
            Category::Indeterminate => 4,
            Category::Done => 3,
        }
    }
    pub(crate) fn key(self) -> &'static str {
        match self {
            Category::New => "new",
            Category::Indeterminate => "indeterminate",
            Category::Done => "done",
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            Category::New => "To Do",
            Category::Indeterminate => "In Progress",
            Category::Done => "Done",
        }
    }
    pub(crate) fn color(self) -> &'static str {
        match self {
            Category::New => "blue-gray",
            Category::Indeterminate => "yellow",
            Category::Done => "green",
        }
    }
}

/// A workflow status.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatusDef {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) category: Category,
}

pub(crate) const TODO: u8 = 0;
pub(crate) const IN_PROGRESS: u8 = 1;
pub(crate) const IN_REVIEW: u8 = 2;
pub(crate) const BLOCKED: u8 = 3;
pub(crate) const DONE: u8 = 4;

/// The site's workflow, indexed by the constants above.
pub(crate) const STATUSES: [StatusDef; 5] = [
    StatusDef { id: "10000", name: "To Do", category: Category::New },
    StatusDef { id: "3", name: "In Progress", category: Category::Indeterminate },
    StatusDef { id: "10001", name: "In Review", category: Category::Indeterminate },
    StatusDef { id: "10002", name: "Blocked", category: Category::Indeterminate },
    StatusDef { id: "10003", name: "Done", category: Category::Done },
];

/// Issue types used by the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Story,
    Task,
    Bug,
    Incident,
    Epic,
}

impl Kind {
    pub(crate) fn id(self) -> &'static str {
        match self {
            Kind::Epic => "10000",
            Kind::Story => "10001",
            Kind::Task => "10002",
            Kind::Bug => "10004",
            Kind::Incident => "10005",
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Epic => "Epic",
            Kind::Story => "Story",
            Kind::Task => "Task",
            Kind::Bug => "Bug",
            Kind::Incident => "Incident",
        }
    }
    pub(crate) fn hierarchy_level(self) -> i32 {
        if self == Kind::Epic {
            1
        } else {
            0
        }
    }
}

/// Priorities, most urgent first; index into this table.
pub(crate) const PRIORITIES: [(&str, &str); 5] =
    [("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest")];
pub(crate) const PRIORITY_MEDIUM: u8 = 2;

/// A person on the site.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) account_id: String,
    pub(crate) display_name: String,
    pub(crate) email: String,
    pub(crate) time_zone: &'static str,
}

/// A team: one company-managed project and one scrum board.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) project_id: u64,
    pub(crate) board_id: u64,
    pub(crate) members: Vec<u32>,
    /// Next issue number in the project.
    pub(crate) next_number: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SprintState {
    Closed,
    Active,
    Future,
}

impl SprintState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SprintState::Closed => "closed",
            SprintState::Active => "active",
            SprintState::Future => "future",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Sprint {
    pub(crate) id: u64,
    pub(crate) team: usize,
    pub(crate) sequence: u32,
    pub(crate) name: String,
    pub(crate) goal: String,
    pub(crate) state: SprintState,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) complete: Option<DateTime<Utc>>,
    pub(crate) created: DateTime<Utc>,
}

/// One field change inside a changelog history.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Status {
        from: u8,
        to: u8,
    },
    Resolution {
        done: bool,
    },
    Sprint {
        from: Vec<u64>,
        to: Vec<u64>,
    },
    Points {
        from: Option<f64>,
        to: Option<f64>,
    },
    Flagged {
        on: bool,
    },
    Assignee {
        from: Option<u32>,
        to: Option<u32>,
    },
    Priority {
        from: u8,
        to: u8,
    },
    Rank {
        higher: bool,
    },
    /// A workflow scheme migration: JIRA records it without bumping `updated`.
    Workflow,
    /// An issue link added or removed; `other` indexes `Org::issues`.
    Link {
        added: bool,
        direction: LinkDirection,
        other: usize,
    },
}

/// One changelog entry.
#[derive(Debug, Clone)]
pub(crate) struct History {
    pub(crate) id: u64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) author: u32,
    pub(crate) items: Vec<Change>,
}

impl History {
    /// Whether this entry moves the issue's `updated` timestamp.
    pub(crate) fn bumps_updated(&self) -> bool {
        !self.items.iter().all(|c| matches!(c, Change::Workflow))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkDirection {
    /// This issue blocks the other (`outwardIssue`).
    Blocks,
    /// This issue is blocked by the other (`inwardIssue`).
    BlockedBy,
}

#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) id: u64,
    pub(crate) direction: LinkDirection,
    /// Index of the other issue in `Org::issues`.
    pub(crate) other: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) number: u32,
    pub(crate) team: usize,
    pub(crate) kind: Kind,
    pub(crate) summary: String,
    pub(crate) priority: u8,
    pub(crate) labels: Vec<&'static str>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    pub(crate) due: Option<NaiveDate>,
    pub(crate) status: u8,
    pub(crate) resolved: Option<DateTime<Utc>>,
    pub(crate) points: Option<f64>,
    /// Sprint ids, oldest first (JIRA lists every sprint the issue was in).
    pub(crate) sprints: Vec<u64>,
    /// Index of the parent epic in `Org::issues`.
    pub(crate) epic: Option<usize>,
    pub(crate) links: Vec<Link>,
    pub(crate) assignee: Option<u32>,
    pub(crate) reporter: u32,
    pub(crate) flagged: bool,
    pub(crate) rank: u64,
    /// Oldest first.
    pub(crate) histories: Vec<History>,
    pub(crate) deleted: bool,
}

/// Ids of the custom fields; the story-points id differs from site to site.
#[derive(Debug, Clone)]
pub(crate) struct FieldIds {
    pub(crate) story_points: String,
    pub(crate) sprint: &'static str,
    pub(crate) epic_link: &'static str,
    pub(crate) rank: &'static str,
    pub(crate) flagged: &'static str,
    pub(crate) story_point_estimate: &'static str,
}

/// The whole site.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub(crate) teams: Vec<Team>,
    pub(crate) users: Vec<User>,
    pub(crate) sprints: Vec<Sprint>,
    pub(crate) issues: Vec<Issue>,
    pub(crate) fields: FieldIds,
    pub(crate) by_key: HashMap<String, usize>,
    pub(crate) by_id: HashMap<u64, usize>,
    pub(crate) sprint_index: HashMap<u64, usize>,
    pub(crate) next_issue_id: u64,
    pub(crate) next_history_id: u64,
    pub(crate) next_sprint_id: u64,
    /// The user the API credentials belong to.
    pub(crate) me: u32,
}

impl Org {
    /// Finds a live issue by key or numeric id.
    pub(crate) fn find(&self, key_or_id: &str) -> Option<usize> {
        let idx = match key_or_id.parse::<u64>() {
            Ok(id) => self.by_id.get(&id).copied(),
            Err(_) => self.by_key.get(&key_or_id.to_ascii_uppercase()).copied(),
        }?;
        (!self.issues[idx].deleted).then_some(idx)
    }

    pub(crate) fn sprint(&self, id: u64) -> Option<&Sprint> {
        self.sprint_index.get(&id).map(|&i| &self.sprints[i])
    }

    pub(crate) fn live_issues(&self) -> impl Iterator<Item = (usize, &Issue)> {
        self.issues.iter().enumerate().filter(|(_, i)| !i.deleted)
    }

    pub(crate) fn team_by_board(&self, board_id: u64) -> Option<usize> {
        self.teams.iter().position(|t| t.board_id == board_id)
    }

    pub(crate) fn reindex(&mut self) {
        self.by_key = self
            .issues
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.deleted)
            .map(|(n, i)| (i.key.clone(), n))
            .collect();
        self.by_id = self
            .issues
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.deleted)
            .map(|(n, i)| (i.id, n))
            .collect();
        self.sprint_index = self.sprints.iter().enumerate().map(|(n, s)| (s.id, n)).collect();
    }
}
