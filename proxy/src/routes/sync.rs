//! `GET /api/v1/sync/status` (freshness, cost, rate-limit state, last error)
//! and `POST /api/v1/sync` (a manual run, coalesced with any other trigger).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use director_core::api::SyncStatus;
use serde::Deserialize;

use crate::error::{ApiError, AppQuery};
use crate::state::AppState;
use crate::sync::Trigger;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/sync/status", get(status)).route("/sync", post(trigger))
}

async fn status(State(state): State<AppState>) -> Result<Json<SyncStatus>, ApiError> {
    let status = tokio::task::spawn_blocking(move || state.sync_status())
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))??;
    Ok(Json(status))
}

#[derive(Debug, Deserialize)]
struct TriggerParams {
    #[serde(default)]
    full: bool,
    #[serde(default)]
    wait: bool,
}

async fn trigger(
    State(state): State<AppState>,
    AppQuery(params): AppQuery<TriggerParams>,
) -> Result<Response, ApiError> {
    let done = state.sync.trigger(Trigger::Manual { full: params.full });
    if !params.wait {
        return Ok(
            (StatusCode::ACCEPTED, Json(serde_json::json!({ "accepted": true }))).into_response()
        );
    }
    match done.await {
        Ok(report) => Ok(Json(report).into_response()),
        Err(_) => Err(ApiError::Internal("sync engine stopped".into())),
    }
}
