//! `GET /api/v1/issues?since=CURSOR`: issues changed and deleted since the
//! cursor, and the next cursor. The body is assembled from the normalised
//! JSON the store holds, without re-encoding, and kept: concurrent
//! dashboards asking for the same delta are answered from the same bytes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{ApiError, AppQuery};
use crate::state::{AppState, DeltaKey};
use crate::store::DeltaRows;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/issues", get(list))
}

/// Issues per response unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 20_000;

#[derive(Debug, Deserialize)]
struct Params {
    since: Option<String>,
    limit: Option<usize>,
    #[serde(default)]
    wait: bool,
}

/// A cursor is `<store epoch>.<change sequence>`; one from another store
/// (or a reset one) yields a full answer.
fn parse_cursor(cursor: &str, epoch: &str) -> Result<Option<i64>, ApiError> {
    let (cursor_epoch, seq) = cursor.split_once('.').ok_or_else(|| {
        ApiError::BadRequest(format!("cursor {cursor:?} is not one this proxy issued"))
    })?;
    let seq: i64 = seq.parse().map_err(|_| {
        ApiError::BadRequest(format!("cursor {cursor:?} is not one this proxy issued"))
    })?;
    Ok((cursor_epoch == epoch).then_some(seq))
}

async fn list(
    State(state): State<AppState>,
    AppQuery(params): AppQuery<Params>,
) -> Result<Response, ApiError> {
    super::freshen(&state, params.wait).await;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100_000);
    let data_as_of = state.sync.data_as_of();
    let as_of_ms = data_as_of.map(|at| at.timestamp_millis());
    // Fast path: many dashboards asking for the same delta share one
    // response, found without leaving the async thread (epoch and sequence
    // are cached) and sent from the cached bytes without a copy.
    let cached = match (state.store.epoch(), state.store.last_seq()) {
        (Ok(epoch), Ok(last)) => {
            let since_seq = match params.since.as_deref().filter(|s| !s.is_empty()) {
                Some(cursor) => parse_cursor(cursor, &epoch)?,
                None => None,
            };
            let since_seq = since_seq.filter(|seq| *seq <= last);
            state.deltas.get(&DeltaKey {
                since: since_seq,
                limit,
                last_seq: last,
                data_as_of: as_of_ms,
            })
        }
        _ => None,
    };
    let body = match cached {
        Some(body) => body,
        None => build(&state, params.since.clone(), limit, data_as_of).await?,
    };
    Ok(([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

async fn build(
    state: &AppState,
    since: Option<String>,
    limit: usize,
    data_as_of: Option<DateTime<Utc>>,
) -> Result<Bytes, ApiError> {
    let store = state.store.clone();
    let cache = state.deltas.clone();
    tokio::task::spawn_blocking(move || -> Result<Bytes, ApiError> {
        let epoch = store.epoch()?;
        let since_seq = match since.as_deref().filter(|s| !s.is_empty()) {
            Some(cursor) => parse_cursor(cursor, &epoch)?,
            None => None,
        };
        let last = store.last_seq()?;
        // A cursor ahead of the store means the store was replaced: start over.
        let since_seq = since_seq.filter(|seq| *seq <= last);
        let key = DeltaKey {
            since: since_seq,
            limit,
            last_seq: last,
            data_as_of: data_as_of.map(|at| at.timestamp_millis()),
        };
        if let Some(body) = cache.get(&key) {
            return Ok(body);
        }
        let rows = store.delta(since_seq, limit)?;
        let mut body = delta_body(&rows, &epoch, since_seq.is_none());
        body.push_str(",\"data_as_of\":");
        body.push_str(&serde_json::to_string(&data_as_of).unwrap_or_else(|_| "null".into()));
        body.push('}');
        let body = Bytes::from(body);
        // Only a delta that reaches the sequence it was keyed on is reusable.
        if rows.last_seq == last || rows.has_more {
            cache.put(key, body.clone());
        }
        Ok(body)
    })
    .await
    .map_err(|err| ApiError::Internal(err.to_string()))?
}

/// Everything of the response but `data_as_of` and the closing brace.
fn delta_body(rows: &DeltaRows, epoch: &str, full: bool) -> String {
    let mut body = String::with_capacity(rows.issues.iter().map(String::len).sum::<usize>() + 256);
    body.push_str("{\"issues\":[");
    for (idx, issue) in rows.issues.iter().enumerate() {
        if idx > 0 {
            body.push(',');
        }
        body.push_str(issue);
    }
    body.push_str("],\"deleted\":");
    body.push_str(&serde_json::to_string(&rows.deleted).unwrap_or_else(|_| "[]".into()));
    body.push_str(",\"cursor\":");
    body.push_str(
        &serde_json::to_string(&format!("{epoch}.{}", rows.last_seq)).unwrap_or_default(),
    );
    body.push_str(",\"full\":");
    body.push_str(if full { "true" } else { "false" });
    body.push_str(",\"has_more\":");
    body.push_str(if rows.has_more { "true" } else { "false" });
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_of_another_store_mean_start_over() {
        assert_eq!(parse_cursor("abc.12", "abc").unwrap(), Some(12));
        assert_eq!(parse_cursor("xyz.12", "abc").unwrap(), None);
        assert!(parse_cursor("12", "abc").is_err());
        assert!(parse_cursor("abc.x", "abc").is_err());
    }
}
