//! `GET /api/v1/sprints`: sprints of every team's board.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use director_core::api::SprintsResponse;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/sprints", get(list))
}

async fn list(State(state): State<AppState>) -> Result<Json<SprintsResponse>, ApiError> {
    let store = state.store.clone();
    let rows = tokio::task::spawn_blocking(move || store.sprints_json())
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))??;
    let sprints = rows.iter().filter_map(|json| serde_json::from_str(json).ok()).collect();
    Ok(Json(SprintsResponse { sprints }))
}
