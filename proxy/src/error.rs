//! One error type for every API handler, mapped to a status code and the
//! stable body `{"error": {"code", "message"}}` of `director_core::api`.
//! Internal causes are logged, never sent.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use director_core::api::{ErrorBody, ErrorDetail};

/// A failed API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The store failed; details stay in the log.
    #[error("the store failed")]
    Store(#[from] crate::store::Error),
    /// Something else failed inside; details stay in the log.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Store(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::Store(err) => tracing::error!(error = ?err, "api store error"),
            ApiError::Internal(detail) => tracing::error!(detail, "api internal error"),
            _ => {}
        }
        let body =
            ErrorBody { error: ErrorDetail { code: code.to_owned(), message: self.to_string() } };
        (status, Json(body)).into_response()
    }
}

/// `Query` whose rejection uses the API's error body.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(AppQuery(value)),
            Err(rejection) => Err(ApiError::BadRequest(query_message(&rejection))),
        }
    }
}

fn query_message(rejection: &QueryRejection) -> String {
    format!("bad query string: {}", rejection.body_text().to_lowercase())
}
