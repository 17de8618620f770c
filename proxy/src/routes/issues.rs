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
use crate::sync::ServerEvent;
use tokio::sync::broadcast::error::RecvError;

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
    // Epoch and sequence are cached, so a delta already built is found
    // without leaving the async thread and sent from its bytes without a copy.
    let epoch = state.store.epoch()?;
    let key =
        delta_key(params.since.as_deref(), &epoch, state.store.last_seq()?, limit, data_as_of)?;
    let body = delta(&state, key, epoch, data_as_of).await?;
    Ok(([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

fn delta_key(
    since: Option<&str>,
    epoch: &str,
    last: i64,
    limit: usize,
    data_as_of: Option<DateTime<Utc>>,
) -> Result<DeltaKey, ApiError> {
    let since_seq = match since.filter(|s| !s.is_empty()) {
        Some(cursor) => parse_cursor(cursor, epoch)?,
        None => None,
    };
    Ok(DeltaKey {
        // A cursor ahead of the store means the store was replaced: start over.
        since: since_seq.filter(|seq| *seq <= last),
        limit,
        last_seq: last,
        data_as_of: data_as_of.map(|at| at.timestamp_millis()),
    })
}

/// The response for `key`: cached, being built (then waited for: a burst of
/// dashboards after a sync costs one store read, not one each), or built now.
async fn delta(
    state: &AppState,
    key: DeltaKey,
    epoch: String,
    data_as_of: Option<DateTime<Utc>>,
) -> Result<Bytes, ApiError> {
    if let Some(body) = state.deltas.get(&key) {
        return Ok(body);
    }
    let slot = state.deltas.slot(key);
    let body = slot.get_or_try_init(|| build(state, key, epoch, data_as_of)).await.cloned();
    state.deltas.release(&key);
    body
}

async fn build(
    state: &AppState,
    key: DeltaKey,
    epoch: String,
    data_as_of: Option<DateTime<Utc>>,
) -> Result<Bytes, ApiError> {
    let store = state.store.clone();
    let cache = state.deltas.clone();
    tokio::task::spawn_blocking(move || -> Result<Bytes, ApiError> {
        // Built and released between this request's lookup and its slot.
        if let Some(body) = cache.get(&key) {
            return Ok(body);
        }
        let rows = store.delta(key.since, key.limit)?;
        let mut body = delta_body(&rows, &epoch, key.since.is_none());
        body.push_str(",\"data_as_of\":");
        body.push_str(&serde_json::to_string(&data_as_of).unwrap_or_else(|_| "null".into()));
        body.push('}');
        let body = Bytes::from(body);
        // Only a delta that reaches the sequence it was keyed on is reusable.
        if rows.last_seq == key.last_seq || rows.has_more {
            cache.put(key, body.clone());
        }
        Ok(body)
    })
    .await
    .map_err(|err| ApiError::Internal(err.to_string()))?
}

/// After every successful sync, builds the deltas dashboards ask for next:
/// from the cursor they held before it (told by the `data_changed` event,
/// they all ask at once) and from the one it ends at (no change, but a new
/// `data_as_of`). The first of them is then answered from memory instead of
/// waiting for a store read.
pub(crate) fn spawn_warmer(state: AppState) -> tokio::task::JoinHandle<()> {
    let mut events = state.sync.subscribe();
    tokio::spawn(async move {
        let mut before = state.store.last_seq().ok();
        loop {
            match events.recv().await {
                Ok(ServerEvent::SyncFinished(report)) if report.ok => {
                    let (Ok(epoch), Ok(last)) = (state.store.epoch(), state.store.last_seq())
                    else {
                        continue;
                    };
                    let data_as_of = state.sync.data_as_of();
                    let mut cursors = vec![last];
                    cursors.extend(before.filter(|seq| *seq < last));
                    for since in cursors {
                        let key = DeltaKey {
                            since: Some(since),
                            limit: DEFAULT_LIMIT,
                            last_seq: last,
                            data_as_of: data_as_of.map(|at| at.timestamp_millis()),
                        };
                        if let Err(err) = delta(&state, key, epoch.clone(), data_as_of).await {
                            tracing::debug!(error = %err, "could not prepare a delta");
                        }
                    }
                    before = Some(last);
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    })
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
    use std::sync::Arc;

    use super::*;
    use crate::clock::Clock;
    use crate::config::{AuthMode, Config, Credentials, Flavor, Secret, TeamConfig};
    use crate::sync::Trigger;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_delta_after_a_sync_is_ready_before_anyone_asks() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let options = director_sim::SimOptions {
            preset: director_sim::Preset::Tiny,
            ..director_sim::SimOptions::default()
        };
        let sim = Arc::new(director_sim::start(options, listener).await.unwrap());
        let teams = TeamConfig::for_sim(&sim);
        let config = Config::for_site(&sim.base_url(), Flavor::Cloud, AuthMode::Basic, teams);
        let dir = tempfile::tempdir().unwrap();
        let clock_sim = Arc::clone(&sim);
        let options = crate::StartOptions {
            data_dir: dir.path().to_owned(),
            credentials: Credentials::Basic {
                email: "demo@example.com".into(),
                token: Secret::new("demo-token"),
            },
            clock: Clock::custom(move || clock_sim.now(), 1.0),
            dist: None,
            access: crate::auth::Access::Open,
            webhook_secret: None,
        };
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let (state, _engine) = crate::start(config, options, crate::wait_for(stop_rx)).unwrap();
        assert!(state.sync.run(Trigger::Manual { full: false }).await.unwrap().ok);
        let before = state.store.last_seq().unwrap();
        for (_, key, _) in sim.issue_ids_and_updated().into_iter().take(3) {
            sim.update_issue(&key);
        }
        assert!(state.sync.run(Trigger::Manual { full: false }).await.unwrap().ok);
        let last = state.store.last_seq().unwrap();
        assert!(last > before);
        let key = DeltaKey {
            since: Some(before),
            limit: DEFAULT_LIMIT,
            last_seq: last,
            data_as_of: state.sync.data_as_of().map(|at| at.timestamp_millis()),
        };
        // No request was made: only the post-sync preparation can fill it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let body = loop {
            if let Some(body) = state.deltas.get(&key) {
                break body;
            }
            assert!(std::time::Instant::now() < deadline, "delta not prepared after the sync");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        };
        let delta: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(delta["issues"].as_array().unwrap().len(), 3);
        assert_eq!(
            delta["cursor"].as_str().unwrap(),
            format!("{}.{last}", state.store.epoch().unwrap())
        );
        // What a request for that cursor is answered with: the same bytes.
        let epoch = state.store.epoch().unwrap();
        let cursor = format!("{epoch}.{before}");
        let asked =
            delta_key(Some(&cursor), &epoch, last, DEFAULT_LIMIT, state.sync.data_as_of()).unwrap();
        assert_eq!(asked, key);
        let _ = stop.send(true);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_askers_of_one_delta_share_one_build() {
        let cache = Arc::new(crate::state::DeltaCache::default());
        let key = DeltaKey { since: Some(1), limit: 10, last_seq: 2, data_as_of: None };
        let builds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let cache = Arc::clone(&cache);
            let builds = Arc::clone(&builds);
            tasks.push(tokio::spawn(async move {
                let slot = cache.slot(key);
                let body = slot
                    .get_or_init(|| async {
                        builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Bytes::from_static(b"{}")
                    })
                    .await
                    .clone();
                cache.release(&key);
                body
            }));
        }
        for task in tasks {
            assert_eq!(&task.await.unwrap()[..], b"{}");
        }
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn cursors_of_another_store_mean_start_over() {
        assert_eq!(parse_cursor("abc.12", "abc").unwrap(), Some(12));
        assert_eq!(parse_cursor("xyz.12", "abc").unwrap(), None);
        assert!(parse_cursor("12", "abc").is_err());
        assert!(parse_cursor("abc.x", "abc").is_err());
    }
}
