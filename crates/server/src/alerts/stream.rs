//! `GET /api/v1/alerts/stream`: the alert queue's changes as server-sent events, for the
//! operator's live queue. Like the release stream it follows the audit chain (the alert
//! events, by the `(kind, seq)` index), so it carries every instance's alerts on PostgreSQL and
//! resumes without loss: each event's id is its sequence number, and a client that sends it
//! back as `Last-Event-ID` gets what it missed. Each event's alert is read again with the
//! reader's need to know (`Store::alert` with the reader's viewer, the rule of every read):
//! an alert the reader may not see is never sent, nor that it changed.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hamnvakt_core::ids::AlertId;
use hamnvakt_identity::Permission;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::api::AlertView;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::ApiQuery;
use crate::web::layout::UiLang;
use crate::web::state::AppState;
use crate::web::time::rfc3339;

/// The alert events the queue follows.
const KINDS: &[&str] = &[
    "alert.raised",
    "alert.repeated",
    "alert.acknowledged",
    "alert.assigned",
    "alert.closed",
    "alert.reopened",
    "alert.merged",
];

/// How often the chain is read for new alert events while a reader listens.
const POLL: Duration = Duration::from_millis(250);

/// One event of the alert stream (for the OpenAPI document).
pub struct AlertEvent;

impl utoipa::PartialSchema for AlertEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::web::openapi::server_sent_event(
            &["alert"],
            "JSON: seq, at, change (alert.raised, alert.repeated, alert.acknowledged …) and alert (the alert as GET /alerts/{id} answers it now)",
        )
    }
}

impl ToSchema for AlertEvent {}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Start after this event (the chain head a page was rendered at, so that nothing
    /// between the page and the stream is missed); `Last-Event-ID`, when sent, wins.
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// Server-sent events, one `alert` event per change to an alert the reader may see (raised,
/// seen again, acknowledged, assigned, closed, reopened, merged), from now on, or from after
/// the `Last-Event-ID` the client sends back.
#[utoipa::path(get, path = "/alerts/stream", tag = "alerts",
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event (the id of the last event received)", minimum = 0), StreamQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Server-sent events: one `alert` event per change, its data JSON", body = AlertEvent, content_type = "text/event-stream"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn stream(
    State(state): State<AppState>,
    p: Principal,
    UiLang(lang): UiLang,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    p.require(Permission::AlertsRead)?;
    let viewer = p.viewer();
    if q.after.is_some_and(|n| n < 0) {
        return Err(ApiError::field("after", "must be an event id (0 or more)"));
    }
    let after = match headers.get("last-event-id") {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::field("Last-Event-ID", "must be an event id (0 or more)"))?,
        None => match q.after {
            Some(n) => n,
            None => state.store.chain_head().await?.0,
        },
    };
    let events = futures_util::stream::unfold(
        (state, after, std::collections::VecDeque::<Event>::new()),
        move |(state, mut after, mut ready)| async move {
            loop {
                if let Some(e) = ready.pop_front() {
                    return Some((Ok::<_, std::convert::Infallible>(e), (state, after, ready)));
                }
                let found = match state.store.events_of_kinds_after(KINDS, after, 200).await {
                    Ok(found) => found,
                    Err(e) => {
                        tracing::warn!(error = %e, "the alert stream cannot read the chain; ending it");
                        return None;
                    }
                };
                if found.is_empty() {
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                for e in found {
                    after = e.seq;
                    let Some(id) = e
                        .subject
                        .as_deref()
                        .and_then(|s| s.strip_prefix("alert:"))
                        .and_then(|s| s.parse::<AlertId>().ok())
                    else {
                        continue;
                    };
                    let alert = match state.store.alert(id, &viewer).await {
                        Ok(Some(a)) => a,
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::warn!(error = %e, "the alert stream cannot read an alert; ending it");
                            return None;
                        }
                    };
                    let data = serde_json::json!({
                        "seq": e.seq,
                        "at": rfc3339(e.at_ms),
                        "change": e.kind,
                        "alert": AlertView::from(alert).localized(lang),
                    });
                    let event = Event::default()
                        .event("alert")
                        .id(e.seq.to_string())
                        .json_data(data)
                        .unwrap_or_else(|_| Event::default().comment("unencodable"));
                    ready.push_back(event);
                }
            }
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}
