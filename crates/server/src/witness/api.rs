//! `/api/v1/witness`: partners deposit their signed checkpoints and read back what we hold of
//! them; we list what we signed and what we received, and give out our public key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_identity::Permission;
use hamnvakt_store::CheckpointRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::service::{self, Offered, Received};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::state::AppState;
use crate::web::time::rfc3339;

/// A signed checkpoint of an installation's audit chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointBody {
    /// The signing installation's name.
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub installation: String,
    /// The sequence number of its newest event.
    #[schema(minimum = 1)]
    pub seq: i64,
    /// That event's hash.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub head_hash: String,
    /// When it was signed, milliseconds since the Unix epoch.
    #[schema(minimum = 0)]
    pub at_ms: i64,
    /// ed25519 signature over the checkpoint's canonical bytes, hex.
    #[schema(pattern = "^[0-9a-fA-F]{128}$")]
    pub signature: String,
}

/// A checkpoint as held here.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckpointView {
    pub installation: String,
    pub seq: i64,
    pub head_hash: String,
    pub at_ms: i64,
    /// `at_ms` as RFC 3339.
    pub at: String,
    pub signature: String,
    /// The public key the signature was checked against.
    pub public_key: String,
    /// When this installation received it (for its own, when it signed it).
    pub received_ms: i64,
}

impl From<CheckpointRow> for CheckpointView {
    fn from(r: CheckpointRow) -> Self {
        CheckpointView {
            at: rfc3339(r.at_ms),
            installation: r.installation,
            seq: r.seq,
            head_hash: r.head_hash,
            at_ms: r.at_ms,
            signature: r.signature,
            public_key: r.public_key,
            received_ms: r.received_ms,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckpointPage {
    /// Newest first (by installation, then sequence number).
    pub checkpoints: Vec<CheckpointView>,
    /// Pass as `before` for older ones (with the same `installation`).
    pub next_before: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckpointQuery {
    /// Only this installation's checkpoints.
    #[param(max_length = 64)]
    pub installation: Option<String>,
    /// Only checkpoints of events before this sequence number.
    pub before: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Deposits a partner installation's signed checkpoint of its own chain. The installation must
/// be a configured partner and the signature its key's; refusals are audited. The same
/// checkpoint again answers 200; a different head at a sequence number we hold answers 409
/// and is recorded as evidence.
#[utoipa::path(post, path = "/witness/checkpoints", tag = "audit", request_body = CheckpointBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CheckpointView), (status = 200, body = CheckpointView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn deposit(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<CheckpointBody>,
) -> Result<(StatusCode, Json<CheckpointView>), ApiError> {
    p.require(Permission::AuditWitness)?;
    let offered = Offered {
        installation: b.installation,
        seq: b.seq,
        head_hash: b.head_hash,
        at_ms: b.at_ms,
        signature: b.signature,
    };
    Ok(match service::receive(&state, &p.actor(), offered).await? {
        Received::Kept(row) => (StatusCode::CREATED, Json(row.into())),
        Received::AlreadyHeld(row) => (StatusCode::OK, Json(row.into())),
    })
}

fn page(mut rows: Vec<CheckpointRow>, limit: i64) -> CheckpointPage {
    let next_before = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    CheckpointPage {
        checkpoints: rows.into_iter().map(Into::into).collect(),
        next_before,
    }
}

fn limit(q: &CheckpointQuery) -> Result<i64, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    Ok(limit)
}

/// The partners' checkpoints this installation holds: a partner reads back what we hold of
/// its chain (`installation` = its name) to prove its history, `hamnvakt audit verify
/// --witness` does that.
#[utoipa::path(get, path = "/witness/checkpoints", tag = "audit", params(CheckpointQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CheckpointPage), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn received(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<CheckpointQuery>,
) -> Result<Json<CheckpointPage>, ApiError> {
    if !p.can(Permission::AuditWitness) {
        p.require(Permission::AuditRead)?;
    }
    let limit = limit(&q)?;
    if q.installation.as_ref().is_some_and(|i| i.len() > 64) {
        return Err(ApiError::field(
            "installation",
            "must be at most 64 characters",
        ));
    }
    let rows = state
        .store
        .received_checkpoints(q.installation.as_deref(), q.before, limit + 1)
        .await?;
    Ok(Json(page(rows, limit)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    /// Only checkpoints of events before this sequence number.
    pub before: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The checkpoints this installation signed of its own chain, newest first.
#[utoipa::path(get, path = "/witness/signed", tag = "audit", params(SignedQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CheckpointPage), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn signed(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<SignedQuery>,
) -> Result<Json<CheckpointPage>, ApiError> {
    p.require(Permission::AuditRead)?;
    let limit = limit(&CheckpointQuery {
        installation: None,
        before: None,
        limit: q.limit,
    })?;
    let rows = state.store.signed_checkpoints(q.before, limit + 1).await?;
    Ok(Json(page(rows, limit)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KeyView {
    /// This installation's name, as it signs its checkpoints.
    pub installation: String,
    /// Its ed25519 public key, hex: what a partner configures as `public_key`.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key: String,
}

/// This installation's name and public key, for its partners' configuration.
#[utoipa::path(get, path = "/witness/key", tag = "audit",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = KeyView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn key(State(state): State<AppState>, p: Principal) -> Result<Json<KeyView>, ApiError> {
    if !p.can(Permission::AuditWitness) {
        p.require(Permission::AuditRead)?;
    }
    let key = match super::key::load(&state.config.data_dir) {
        Ok(k) => k,
        Err(super::key::KeyError::Missing(_)) => {
            return Err(ApiError::NotFound("this installation's witness key".into()))
        }
        Err(e) => return Err(ApiError::Internal(e.to_string())),
    };
    Ok(Json(KeyView {
        installation: state.config.witness.installation.clone(),
        public_key: hamnvakt_core::witness::public_key_hex(&key.verifying_key()),
    }))
}
