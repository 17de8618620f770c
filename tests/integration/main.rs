//! Integration tests: the proxy against the simulated JIRA over real HTTP.

mod api;
mod resilience;
mod sync;
