//! `GET /api/v1/session`: who the dashboard is signed in as, and how
//! (a session cookie, the shared token, or an open loopback demo), so the
//! settings page can say so and offer signing out.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::{Json, Router};
use director_core::api::{SessionInfo, SignInMode};

use crate::auth::{Gate, Principal};
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/session", get(show))
}

async fn show(State(gate): State<Gate>, headers: HeaderMap) -> Result<Json<SessionInfo>, ApiError> {
    // The gate in front already let this request in; asking it again with the
    // same headers names the principal it accepted.
    let principal = gate
        .principal(&headers)
        .ok_or_else(|| ApiError::Internal("a request passed the gate with no principal".into()))?;
    let bearer = headers.contains_key(header::AUTHORIZATION);
    Ok(Json(describe(principal, bearer)))
}

/// A user is signed in by session cookie unless the request carried a bearer
/// token (their own API token), which signing out cannot end.
fn describe(principal: Principal, bearer: bool) -> SessionInfo {
    match principal {
        Principal::Open => SessionInfo { mode: SignInMode::Open, user: None, can_sign_out: false },
        Principal::User(user) if bearer => {
            SessionInfo { mode: SignInMode::Token, user: Some(user), can_sign_out: false }
        }
        Principal::User(user) => {
            SessionInfo { mode: SignInMode::Session, user: Some(user), can_sign_out: true }
        }
        Principal::Token => {
            SessionInfo { mode: SignInMode::Token, user: None, can_sign_out: false }
        }
    }
}
