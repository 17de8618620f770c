//! Integration tests: the proxy against the simulated JIRA over real HTTP.

mod api;
mod auth;
mod cli;
mod contract;
mod golden;
mod notify;
mod peer;
mod resilience;
mod sessions;
mod sim_faults;
mod sync;
mod tokens;
mod webhooks;
