//! The ClaudeDirector proxy: the only holder of JIRA credentials. It syncs
//! JIRA into its store, serves `/api/v1` and the dashboard, takes webhooks and
//! sends alerts. The `claudedirector` CLI is built on the same library.

pub mod cli;
