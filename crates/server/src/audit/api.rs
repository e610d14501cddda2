//! `/api/v1/audit`: reading the event log and verifying its chain.

use axum::extract::State;
use axum::Json;
use hamnvakt_identity::Permission;
use hamnvakt_store::{ChainStatus, EventRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::ApiQuery;
use crate::web::state::AppState;
use crate::web::time::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub org: Option<String>,
    pub subject: Option<String>,
    pub request_id: Option<String>,
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<EventRecord> for EventView {
    fn from(e: EventRecord) -> Self {
        EventView {
            seq: e.seq,
            at: rfc3339(e.at_ms),
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            kind: e.kind,
            actor: e.actor,
            org: e.org,
            subject: e.subject,
            request_id: e.request_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPageView {
    pub events: Vec<EventView>,
    /// Pass as `before` for older events.
    pub next_before: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Kind or dotted prefix (`auth`, `alert.closed`).
    pub kind: Option<String>,
    /// Only events before this sequence number.
    pub before: Option<i64>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The audit log, newest first: the events the caller's organisation may see (an alert's
/// events as the alert's marking allows; otherwise its own organisation's).
#[utoipa::path(get, path = "/audit/events", tag = "audit", params(EventQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = EventPageView), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Json<EventPageView>, ApiError> {
    p.require(Permission::AuditRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let reader = super::visibility::reader(&state, &p).await?;
    let page =
        super::visibility::visible_events(&state, &reader, q.kind.as_deref(), q.before, limit)
            .await?;
    Ok(Json(EventPageView {
        events: page.events.into_iter().map(Into::into).collect(),
        next_before: page.next_before,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyView {
    /// `intact` or `broken`.
    #[schema(pattern = "^(intact|broken)$")]
    pub status: String,
    pub events_checked: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first event that does not match, when broken.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// Walks the whole chain and reports whether it is intact.
#[utoipa::path(get, path = "/audit/verify", tag = "audit", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = VerifyView), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<VerifyView>, ApiError> {
    p.require(Permission::AuditRead)?;
    let r = state.store.verify_chain().await?;
    let (status, broken_at, reason) = match r.status {
        ChainStatus::Intact => ("intact", None, None),
        ChainStatus::Broken { seq, reason } => ("broken", Some(seq), Some(reason)),
    };
    Ok(Json(VerifyView {
        status: status.into(),
        events_checked: r.events_checked,
        head_seq: r.head_seq,
        head_hash: r.head_hash,
        broken_at,
        reason,
    }))
}
