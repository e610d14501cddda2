//! `/api/v1/shift`: the organisation's shift log, the handover preview, handing over and the
//! incoming operator's acknowledgement.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_identity::Permission;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::shift::{self, HandoverView, LogEntry, Summary};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};
use crate::web::state::AppState;
use crate::web::time::parse_time;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// RFC 3339; entries written at or after.
    #[param(format = DateTime)]
    pub since: Option<String>,
}

/// Your organisation's shift log, oldest first.
#[utoipa::path(get, path = "/shift/log", tag = "shift", params(LogQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<LogEntry>), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn log(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<Vec<LogEntry>>, ApiError> {
    p.require(Permission::ShiftLog)?;
    let since = q
        .since
        .as_deref()
        .map(|s| parse_time("since", s))
        .transpose()?;
    Ok(Json(shift::log(&state, p.org(), since).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub text: String,
}

/// Writes an entry in the shift log.
#[utoipa::path(post, path = "/shift/log", tag = "shift", request_body = EntryBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = LogEntry)))]
pub async fn write(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<EntryBody>,
) -> Result<(StatusCode, Json<LogEntry>), ApiError> {
    p.require(Permission::ShiftLog)?;
    Ok((
        StatusCode::CREATED,
        Json(shift::write_entry(&state, &p, &b.text).await?),
    ))
}

/// What a handover now would show: the open alerts, the incidents changed and the entries
/// written since the last handover.
#[utoipa::path(get, path = "/shift/handover", tag = "shift",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Summary)))]
pub async fn preview(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Summary>, ApiError> {
    p.require(Permission::ShiftLog)?;
    Ok(Json(shift::summary(&state, &p).await?.0))
}

/// Your organisation's handovers, newest first.
#[utoipa::path(get, path = "/shift/handovers", tag = "shift",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<HandoverView>)))]
pub async fn handovers(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<HandoverView>>, ApiError> {
    p.require(Permission::ShiftLog)?;
    let rows = state.store.handovers(p.org(), 50).await?;
    Ok(Json(
        rows.iter().map(shift::view).collect::<Result<_, _>>()?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    /// The outgoing operator's words to the incoming one; blank is none.
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    #[serde(default)]
    pub note: Option<String>,
}

/// Hands over: the summary as it stands, and the note, are kept for the incoming operator
/// to read and acknowledge.
#[utoipa::path(post, path = "/shift/handovers", tag = "shift", request_body = HandoverBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = HandoverView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn hand_over(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<HandoverBody>,
) -> Result<(StatusCode, Json<HandoverView>), ApiError> {
    p.require(Permission::ShiftLog)?;
    Ok((
        StatusCode::CREATED,
        Json(shift::hand_over(&state, &p, b.note.as_deref()).await?),
    ))
}

/// The incoming operator acknowledges a handover (not the one who handed over; once).
#[utoipa::path(post, path = "/shift/handovers/{id}/acknowledge", tag = "shift", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = HandoverView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn acknowledge(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HandoverView>, ApiError> {
    p.require(Permission::ShiftLog)?;
    if id.parse::<hamnvakt_incidents::HandoverId>().is_err() {
        return Err(ApiError::NotFound(format!("handover {id}")));
    }
    Ok(Json(shift::acknowledge(&state, &p, &id).await?))
}
