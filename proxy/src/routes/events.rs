//! `GET /api/v1/events`: Server-Sent Events of sync progress, data changes
//! and alerts, one JSON object per event named by its `type`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::state::AppState;
use crate::sync::ServerEvent;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/events", get(stream))
}

fn name(event: &ServerEvent) -> &'static str {
    match event {
        ServerEvent::SyncStarted { .. } => "sync_started",
        ServerEvent::SyncProgress { .. } => "sync_progress",
        ServerEvent::SyncFinished(_) => "sync_finished",
        ServerEvent::DataChanged { .. } => "data_changed",
        ServerEvent::Alert { .. } => "alert",
    }
}

async fn stream(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.sync.subscribe();
    let events = futures::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => {
                    let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".into());
                    return Some((Ok(Event::default().event(name(&event)).data(data)), receiver));
                }
                // A slow client missed some progress; the next event still tells the truth.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
