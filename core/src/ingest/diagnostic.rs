//! Diagnostics and errors of ingest.
//!
//! Ingest is tolerant: a problem with one issue or one field becomes a
//! [`Diagnostic`] naming the issue and the field, and the rest of the input is
//! still read. Only input that cannot be JIRA data at all is an [`Error`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::IssueKey;

/// Something ingest noticed and worked around: a missing field, an unknown
/// priority, a truncated changelog, an issue it had to skip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The issue at fault, when there is one.
    pub issue: Option<IssueKey>,
    /// The JIRA field at fault (its id or name), when there is one.
    pub field: Option<String>,
    /// What happened and what ingest did about it, lowercase.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic about the input as a whole.
    pub fn general(message: impl Into<String>) -> Diagnostic {
        Diagnostic { issue: None, field: None, message: message.into() }
    }

    /// A diagnostic about one field of one issue.
    pub fn field(
        issue: Option<&IssueKey>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic { issue: issue.cloned(), field: Some(field.into()), message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.issue, &self.field) {
            (Some(issue), Some(field)) => write!(f, "{issue} ({field}): {}", self.message),
            (Some(issue), None) => write!(f, "{issue}: {}", self.message),
            (None, Some(field)) => write!(f, "({field}): {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Input that ingest cannot use at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is not JSON (nor JSON lines).
    #[error("input is not JSON: {0}")]
    NotJson(String),
    /// The input is JSON but holds no JIRA data ingest knows.
    #[error("input holds no JIRA issues, sprints, fields or changelogs: {0}")]
    Shape(String),
}
