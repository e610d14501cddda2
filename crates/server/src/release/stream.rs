//! `GET /api/v1/releases/stream`: tells a party, as server-sent events, when a release reaches
//! it and of every later step on the releases it holds or held. The stream follows the audit
//! chain (the release events, by the `(kind, seq)` index), so it carries every instance's
//! steps on PostgreSQL and resumes without loss after a reconnect: each event's id is its
//! sequence number in the chain, and a client that sends it back as `Last-Event-ID` gets what
//! it missed. Each event is checked against the reader's need to know (the release reached
//! its organisation, or it oversees releases) before it is sent.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hamnvakt_release::ReleaseId;
use utoipa::ToSchema;

use super::service;
use crate::access::AccessState;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::sse;
use crate::web::time::rfc3339;

/// The release events a party is told of.
const KINDS: &[&str] = &[
    "release.issued",
    "release.offered",
    "release.accepted",
    "release.declined",
    "release.revoked",
    "release.assigned",
    "release.unassigned",
    "release.withdrawn",
    "release.reissued",
    "release.light",
    "release.collected",
    "release.collect_undone",
];

/// One event of the release stream (for the OpenAPI document).
pub struct ReleaseEvent;

impl utoipa::PartialSchema for ReleaseEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::web::openapi::server_sent_event(
            &["release"],
            "JSON: seq, at, kind (release.offered …), release, container, step, and reached_you (true when the step offered the release to the reader's organisation)",
        )
    }
}

impl ToSchema for ReleaseEvent {}

/// Server-sent events, one `release` event per step on a release that reached one's
/// organisation (every release for the security centre and customs' targeting officers),
/// from now on, or from after the `Last-Event-ID` the client sends back.
#[utoipa::path(get, path = "/releases/stream", tag = "releases",
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event (the id of the last event received)", minimum = 0)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Server-sent events: one `release` event per step, its data JSON", body = ReleaseEvent, content_type = "text/event-stream"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn stream(
    State(state): State<AccessState>,
    p: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    super::service::may_list(&p)?;
    let oversee = super::service::oversees(&p);
    let org = p.org();
    let after = match sse::last_event_id(&headers)? {
        Some(n) => n,
        None => state.store.chain_head().await?.0,
    };
    let store = state.store.clone();
    Ok(sse::follow_chain(
        store,
        KINDS,
        after,
        "release",
        move |e| {
            let state = state.clone();
            async move {
                let Some(id) = e.subject_id::<ReleaseId>("release:") else {
                    return Ok(None);
                };
                if !service::visible(&state, id, org, oversee).await? {
                    return Ok(None);
                }
                let payload: serde_json::Value =
                    serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
                let step = payload
                    .get("hop")
                    .cloned()
                    .unwrap_or(serde_json::Value::Null);
                let reached_you = e.kind == "release.offered"
                    && step.get("other").and_then(|o| o.as_str()) == Some(&org.to_string());
                let data = serde_json::json!({
                    "seq": e.seq,
                    "at": rfc3339(e.at_ms),
                    "kind": e.kind,
                    "release": id,
                    "container": payload.get("container"),
                    "step": step,
                    "reached_you": reached_you,
                });
                Ok::<_, ApiError>(Some(sse::json_event("release", e.seq, &data)))
            }
        },
    ))
}
