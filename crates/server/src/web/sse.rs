//! Server-sent event streams that follow the audit chain. A stream reads the events of some
//! kinds after a sequence number (the `(kind, seq)` index), so on PostgreSQL it carries what
//! every instance appended, and it resumes without loss: each event's id is its sequence
//! number, and a client that sends it back as `Last-Event-ID` gets what it missed. What an
//! event becomes for its reader, or whether the reader may see it at all, is the caller's
//! `render`, which applies the reader's need to know.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use hamnvakt_store::{EventRecord, Store};

use super::error::ApiError;

/// How often the chain is read for new events while a reader listens.
const POLL: Duration = Duration::from_millis(250);

/// How many events one read of the chain takes at most.
const BATCH: i64 = 200;

/// The `Last-Event-ID` a reconnecting client sent: `None` when it sent none, a problem when
/// it is not an event id.
pub fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get("last-event-id") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| ApiError::field("Last-Event-ID", "must be an event id (0 or more)"))
}

/// A server-sent event with this name and id (the event's sequence number) carrying `data`
/// as JSON.
pub fn json_event(name: &str, seq: i64, data: &serde_json::Value) -> Event {
    Event::default()
        .event(name)
        .id(seq.to_string())
        .json_data(data)
        .unwrap_or_else(|_| Event::default().comment("unencodable"))
}

/// The stream of `kinds` events after `after`, each passed to `render`: `Ok(Some(event))` is
/// sent, `Ok(None)` skipped (not the reader's to see, or nothing to tell), and an error ends
/// the stream (logged with `what`, the stream's name), as does a failed read of the chain.
pub fn follow_chain<F, Fut, E>(
    store: Store,
    kinds: &'static [&'static str],
    after: i64,
    what: &'static str,
    render: F,
) -> Response
where
    F: Fn(EventRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Event>, E>> + Send,
    E: std::fmt::Display,
{
    let events = futures_util::stream::unfold(
        (store, after, VecDeque::<Event>::new(), render),
        move |(store, mut after, mut ready, render)| async move {
            loop {
                if let Some(e) = ready.pop_front() {
                    return Some((
                        Ok::<_, std::convert::Infallible>(e),
                        (store, after, ready, render),
                    ));
                }
                let found = match store.events_of_kinds_after(kinds, after, BATCH).await {
                    Ok(found) => found,
                    Err(e) => {
                        tracing::warn!(error = %e, stream = what, "a stream cannot read the chain; ending it");
                        return None;
                    }
                };
                if found.is_empty() {
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                for e in found {
                    after = e.seq;
                    match render(e).await {
                        Ok(Some(event)) => ready.push_back(event),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, stream = what, "a stream cannot read what an event names; ending it");
                            return None;
                        }
                    }
                }
            }
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
