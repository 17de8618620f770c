//! `POST /webhooks/jira`: the intake lives in [`crate::webhooks`] (signature
//! check, durable journal, dedupe, priority routing, batching); sprint
//! events reach the sync engine through it as strategic refreshes.

use axum::Router;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    crate::webhooks::router()
}
