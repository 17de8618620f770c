//! JIRA JSON → [`crate::model`]. Tolerant: one bad issue is a diagnostic naming
//! the issue and field, never a panic and never a silently dropped issue.
