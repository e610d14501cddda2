//! `GET /api/v1/alerts/stream`: the alert queue's changes as server-sent events, for the
//! operator's live queue. Like the release stream it follows the audit chain
//! ([`crate::web::sse::follow_chain`]), so it carries every instance's alerts on PostgreSQL and
//! resumes without loss (`Last-Event-ID`). Each event's alert is read again with the
//! reader's need to know (`Store::alert` with the reader's viewer, the rule of every read):
//! an alert the reader may not see is never sent, nor that it changed.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hamnvakt_core::ids::AlertId;
use hamnvakt_identity::Permission;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::api::AlertView;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::ApiQuery;
use crate::web::layout::UiLang;
use crate::web::sse;
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
    p.require(Permission::AlertsRead)?;
    let viewer = p.viewer();
    if q.after.is_some_and(|n| n < 0) {
        return Err(ApiError::field("after", "must be an event id (0 or more)"));
    }
    let after = match (sse::last_event_id(&headers)?, q.after) {
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => state.store.chain_head().await?.0,
    };
    let store = state.store.clone();
    Ok(sse::follow_chain(
        store.clone(),
        KINDS,
        after,
        "alert",
        move |e| {
            let store = store.clone();
            async move {
                let Some(id) = e.subject_id::<AlertId>("alert:") else {
                    return Ok(None);
                };
                let Some(alert) = store.alert(id, &viewer).await? else {
                    return Ok(None);
                };
                let data = serde_json::json!({
                    "seq": e.seq,
                    "at": rfc3339(e.at_ms),
                    "change": e.kind,
                    "alert": AlertView::from(alert).localized(lang),
                });
                Ok::<_, hamnvakt_store::StoreError>(Some(sse::json_event("alert", e.seq, &data)))
            }
        },
    ))
}
