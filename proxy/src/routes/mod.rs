//! The HTTP surface: `/api/v1` (one router per resource), the webhook
//! intake, `/healthz`, and the dashboard's files with an `index.html`
//! fallback so client-side routes survive a reload.

mod events;
mod health;
mod issues;
mod session;
mod spa;
mod sprints;
mod sync;
mod teams;
mod webhooks;

use axum::middleware::from_fn_with_state;
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(issues::router())
        .merge(teams::router())
        .merge(sprints::router())
        .merge(sync::router())
        .merge(session::router())
        .merge(events::router())
        .merge(crate::alerting::router())
        .fallback(|| async { ApiError::NotFound("no such api endpoint".into()) });
    // The API and the dashboard need sign-in; health, webhooks (signed) and
    // the sign-in routes do not.
    let signed_in = Router::new()
        .nest("/api/v1", api)
        .fallback_service(spa::service(&state.dist))
        .layer(from_fn_with_state(state.gate.clone(), crate::auth::require));
    Router::new()
        .merge(signed_in)
        .merge(health::router())
        .merge(webhooks::router())
        .merge(crate::auth::router())
        .layer(from_fn_with_state(state.security.clone(), crate::auth::headers::apply))
        .with_state(state)
}

pub(crate) use issues::spawn_warmer;

/// Starts an on-demand sync when data is stale; with `wait`, waits for it
/// (bounded, so a hung JIRA cannot hang the request).
pub(crate) async fn freshen(state: &AppState, wait: bool) {
    let Some(done) = state.sync.ensure_fresh() else { return };
    if wait {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(300), done).await;
    }
}
