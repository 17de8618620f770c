//! `POST /webhooks/jira`: accepts JIRA webhooks. Until signature checks and
//! the durable intake queue land, deliveries are acknowledged (202) so JIRA
//! does not retry them: sprint events refresh sprints and issues, critical
//! issue events (P0/P1, Blocked, security / exec-blocker / compliance
//! labels, deletions) schedule a coalesced follow-up fetch, and everything
//! else waits for the next sync.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::Value;

use crate::state::AppState;
use crate::sync::Trigger;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/webhooks/jira", post(receive))
}

async fn receive(State(state): State<AppState>, body: Bytes) -> StatusCode {
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let event = value.get("webhookEvent").and_then(Value::as_str).unwrap_or("");
    if event.starts_with("sprint_") {
        drop(state.sync.trigger(Trigger::SprintEvent));
    } else if event.starts_with("jira:issue_") && is_critical(&value) {
        if let Some(key) = value.pointer("/issue/key").and_then(Value::as_str) {
            drop(state.sync.trigger(Trigger::Webhook { keys: vec![key.to_owned()] }));
        }
    }
    StatusCode::ACCEPTED
}

/// What directors are paged for.
pub(crate) fn is_critical(body: &Value) -> bool {
    let fields = body.pointer("/issue/fields");
    let priority = fields
        .and_then(|f| f.pointer("/priority/name"))
        .and_then(Value::as_str)
        .and_then(director_core::model::Priority::from_jira_name)
        .is_some_and(director_core::model::Priority::is_high);
    let blocked = fields
        .and_then(|f| f.pointer("/status/name"))
        .and_then(Value::as_str)
        .is_some_and(|status| status.eq_ignore_ascii_case("blocked"));
    let labelled = fields
        .and_then(|f| f.get("labels"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|label| ["security", "exec-blocker", "compliance"].iter().any(|l| l.eq_ignore_ascii_case(label)));
    priority || blocked || labelled
}
