//! `web::Error`: the one error type of the dashboard, so views can branch on
//! the kind (keep showing cached data when offline, a sign-in hint on 401)
//! instead of printing a string.

use thiserror::Error;

/// Everything that can go wrong between the page, the proxy and IndexedDB.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// The proxy could not be reached at all (network down, proxy stopped).
    #[error("proxy unreachable: {0}")]
    Offline(String),
    /// The proxy answered with an error body.
    #[error("proxy answered {status} ({code}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Stable code from `director_core::api::ErrorBody`.
        code: String,
        /// Message for people.
        message: String,
    },
    /// IndexedDB refused an operation (unavailable, quota, blocked upgrade).
    #[error("cache {0}")]
    Cache(String),
    /// Bytes from the proxy or the cache did not decode into the expected type.
    #[error("could not decode {what}: {message}")]
    Decode {
        /// What was being decoded, such as `issue 10042` or `/api/v1/teams`.
        what: String,
        /// The decoder's message.
        message: String,
    },
}

impl Error {
    /// True when the fault is the network or the proxy rather than our data:
    /// the page keeps showing the cache and says how old it is.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Error::Offline(_) => true,
            Error::Api { status, .. } => *status >= 500,
            Error::Cache(_) | Error::Decode { .. } => false,
        }
    }
}
