//! The simulated JIRA site.
