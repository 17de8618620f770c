//! `GET /healthz`: the process is up and the store answers. `GET /readyz`:
//! the store answers and the last sync state, so a load balancer or an
//! operator can tell "up but never synced" or "JIRA failing" from ready.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(get_health)).route("/readyz", get(get_ready))
}

async fn get_health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.last_seq()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n"),
    }
}

/// `GET /readyz` body.
#[derive(Debug, serde::Serialize)]
struct Ready {
    ready: bool,
    store: &'static str,
    last_sync_ok: Option<bool>,
    last_success: Option<chrono::DateTime<chrono::Utc>>,
    sync_running: bool,
}

async fn get_ready(State(state): State<AppState>) -> (StatusCode, axum::Json<Ready>) {
    let store = state.store.clone();
    let checked = tokio::task::spawn_blocking(move || -> Result<_, crate::store::Error> {
        store.last_seq()?;
        Ok((store.runs(1)?.into_iter().next(), store.last_success()?))
    })
    .await;
    let running = state.sync.state().running_since.is_some();
    match checked {
        Ok(Ok((last, success))) => {
            // The store serves (with a staleness warning) even when JIRA
            // fails, so readiness is the store's; the sync state is reported.
            let body = Ready {
                ready: true,
                store: "ok",
                last_sync_ok: last.map(|run| run.ok),
                last_success: success.and_then(|run| run.finished),
                sync_running: running,
            };
            (StatusCode::OK, axum::Json(body))
        }
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(Ready {
                ready: false,
                store: "unavailable",
                last_sync_ok: None,
                last_success: None,
                sync_running: running,
            }),
        ),
    }
}
