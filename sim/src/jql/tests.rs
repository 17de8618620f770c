//! JQL tests.
