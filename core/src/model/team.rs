//! Teams: who owns which issues.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::sprint::BoardId;

/// A team's identifier: its configured name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamId(pub String);

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A team and how its issues are recognised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// Team id (its name).
    pub id: TeamId,
    /// Projects whose issues belong to the team.
    pub projects: Vec<String>,
    /// The team's board, when it has one.
    pub board: Option<BoardId>,
    /// Head count, when known (what-if scales throughput by it).
    pub size: Option<u32>,
}
