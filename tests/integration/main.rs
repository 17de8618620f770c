//! Integration tests: the proxy against the simulated JIRA over real HTTP.

mod api;
mod resilience;
mod sync;
mod contract;
mod sim_faults;
mod peer;
mod webhooks;
mod auth;
mod notify;
mod golden;
mod cli;
mod sessions;
mod tokens;
