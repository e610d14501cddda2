//! `/api/v1/sharing/notes`, `/relationships` and `/groupings`: what an analyst writes about
//! shared objects, each going no further than what it is about.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_identity::Permission;
use hamnvakt_sharing::analysis::{GroupingDraft, NoteDraft, RelationshipDraft};

use super::analysis;
use super::service::{Created, SharingState};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::ApiJson;

#[utoipa::path(post, path = "/sharing/notes", tag = "sharing", request_body = NoteDraft,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
/// A note on shared objects the caller may see (STIX `note`), marked no wider than any of
/// them.
pub async fn create_note(
    State(state): State<SharingState>,
    p: Principal,
    ApiJson(d): ApiJson<NoteDraft>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    p.require(Permission::SharingWrite)?;
    let c = analysis::create_note(&state, &p.actor(), &p.reader(), &d).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(post, path = "/sharing/relationships", tag = "sharing", request_body = RelationshipDraft,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
/// A relationship between two shared objects the caller may see (STIX `relationship`),
/// marked no wider than either.
pub async fn create_relationship(
    State(state): State<SharingState>,
    p: Principal,
    ApiJson(d): ApiJson<RelationshipDraft>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    p.require(Permission::SharingWrite)?;
    let c = analysis::create_relationship(&state, &p.actor(), &p.reader(), &d).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(post, path = "/sharing/groupings", tag = "sharing", request_body = GroupingDraft,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
/// A grouping of shared objects the caller may see (STIX `grouping`), marked no wider than
/// any of them.
pub async fn create_grouping(
    State(state): State<SharingState>,
    p: Principal,
    ApiJson(d): ApiJson<GroupingDraft>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    p.require(Permission::SharingWrite)?;
    let c = analysis::create_grouping(&state, &p.actor(), &p.reader(), &d).await?;
    Ok((StatusCode::CREATED, Json(c)))
}
