//! `GET /healthz`: the process is up and the store answers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(get_health))
}

async fn get_health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.last_seq()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n"),
    }
}
