//! `/api/v1/consignments`: consignments in — one at a time as JSON, or in bulk as CSV through a
//! column mapping (`kcs` or `hamnvakt`) with every bad row reported by row, column and reason
//! while the good rows are kept — and out, by day.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_identity::Permission;
use hamnvakt_targeting::consignment::{read_consignments, Consignment, ConsignmentMapping};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery, CsvBody};
use crate::web::state::AppState;

/// Bad rows listed in an import answer at most (the count covers them all).
const MAX_LISTED_ERRORS: usize = 1000;

/// One consignment as stored: the consignment and where it came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsignmentView {
    #[schema(value_type = Consignment)]
    pub consignment: serde_json::Value,
    /// `api` or `import:<mapping>`.
    pub source: String,
    /// RFC 3339.
    pub updated_at: String,
}

fn view(r: hamnvakt_store::ConsignmentRow) -> Result<ConsignmentView, ApiError> {
    Ok(ConsignmentView {
        consignment: serde_json::from_str(&r.data).map_err(|e| {
            ApiError::Internal(format!("stored consignment {}: {e}", r.declaration_id))
        })?,
        source: r.source,
        updated_at: hamnvakt_core::clock::from_millis(r.updated_ms).to_string(),
    })
}

/// Brings in one consignment (a re-sent declaration id replaces the stored one).
#[utoipa::path(post, path = "/consignments", tag = "cargo",
    request_body(content = Consignment, description = "A consignment: declaration_id (at most 100 bytes), hs_code (6 to 10 digits once dots and spaces are dropped), and any of date, container (ISO 6346, its check digit verified), roro_unit, vessel_call, importer/declarant/seller/carrier {id, name, eori}, origin_country and departure_country (ISO 3166-1 alpha-2), route_ports (UN/LOCODEs), mass_kg, value (zero or more), extra"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ConsignmentView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(mut c): ApiJson<Consignment>,
) -> Result<(StatusCode, Json<ConsignmentView>), ApiError> {
    p.require(Permission::CargoWrite)?;
    c.normalise();
    ApiError::check_fields(c.validate())?;
    super::service::store_consignments(&state, &p.actor(), std::slice::from_ref(&c), "api").await?;
    let row = state
        .store
        .consignment(&c.declaration_id)
        .await?
        .ok_or_else(|| ApiError::Internal("a stored consignment is missing".into()))?;
    Ok((StatusCode::CREATED, Json(view(row)?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Column mapping: `kcs` (the KCS declaration format) or `hamnvakt` (our field names).
    #[param(pattern = "^(kcs|hamnvakt)$", example = "kcs")]
    pub mapping: String,
}

/// What a bulk import kept and refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: u64,
    /// Consignments stored (a declaration id repeated in the file counts once).
    pub stored: usize,
    /// Rows refused.
    pub rejected_rows: usize,
    /// Why, row by row (the first 1000): `row` is the file's line number (the header is 1).
    pub errors: Vec<hamnvakt_targeting::consignment::RowError>,
}

/// Bulk import of a CSV file (`text/csv` body, with a header line) through a column mapping.
/// Good rows are stored, bad rows reported; a file the mapping cannot read at all (no
/// declaration id or HS code column) is refused whole.
#[utoipa::path(post, path = "/consignments/import", tag = "cargo", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ImportReport), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ImportQuery>,
    CsvBody(body): CsvBody,
) -> Result<Json<ImportReport>, ApiError> {
    p.require(Permission::CargoWrite)?;
    let mapping = match q.mapping.trim() {
        "kcs" => ConsignmentMapping::kcs(),
        "hamnvakt" => ConsignmentMapping::hamnvakt(),
        _ => return Err(ApiError::field("mapping", "must be kcs or hamnvakt")),
    };
    let imported =
        read_consignments(&body[..], &mapping, |_| {}).map_err(|e| ApiError::field("body", e))?;
    let stored = super::service::store_consignments(
        &state,
        &p.actor(),
        &imported.consignments,
        &format!("import:{}", mapping.name),
    )
    .await?;
    let mut rejected: Vec<u64> = imported.errors.iter().map(|e| e.row).collect();
    rejected.dedup();
    let mut errors = imported.errors;
    errors.truncate(MAX_LISTED_ERRORS);
    Ok(Json(ImportReport {
        rows: imported.rows,
        stored,
        rejected_rows: rejected.len(),
        errors,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this day's (`YYYY-MM-DD`).
    #[param(format = Date)]
    pub date: Option<String>,
    /// Continue after this declaration id.
    pub after: Option<String>,
    /// 1–1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Consignments in declaration id order, optionally of one day.
#[utoipa::path(get, path = "/consignments", tag = "cargo", params(ListQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ConsignmentView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ConsignmentView>>, ApiError> {
    p.require(Permission::CargoRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let day = match &q.date {
        Some(d) => Some(
            hamnvakt_targeting::mapping::days(d)
                .ok_or_else(|| ApiError::field("date", "must be YYYY-MM-DD"))?,
        ),
        None => None,
    };
    let rows = state
        .store
        .list_consignments(day, q.after.as_deref(), limit)
        .await?;
    Ok(Json(rows.into_iter().map(view).collect::<Result<_, _>>()?))
}

/// One consignment by declaration id.
#[utoipa::path(get, path = "/consignments/{id}", tag = "cargo",
    params(("id" = String, Path, description = "Declaration id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ConsignmentView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ConsignmentView>, ApiError> {
    p.require(Permission::CargoRead)?;
    let row = super::service::consignment(&state, &id).await?;
    Ok(Json(view(row)?))
}

/// An inspection outcome as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    pub declaration_id: String,
    pub outcome: hamnvakt_targeting::outcome::Outcome,
    pub recorded_by: String,
    /// RFC 3339.
    pub recorded_at: String,
}

fn outcome_view(r: hamnvakt_store::OutcomeRow) -> Result<OutcomeView, ApiError> {
    Ok(OutcomeView {
        outcome: serde_json::from_str(&r.data)
            .map_err(|e| ApiError::Internal(format!("stored outcome {}: {e}", r.declaration_id)))?,
        declaration_id: r.declaration_id,
        recorded_by: r.recorded_by,
        recorded_at: hamnvakt_core::clock::from_millis(r.recorded_ms).to_string(),
    })
}

/// Records what the inspection of a consignment found (a later record replaces the stored
/// one; the audit chain keeps both). It counts in the profiles' precision at once.
#[utoipa::path(put, path = "/consignments/{id}/outcome", tag = "cargo",
    params(("id" = String, Path, description = "Declaration id")),
    request_body(content = hamnvakt_targeting::outcome::Outcome, description = "What the inspection found; a seizure names the goods, a quantity its unit"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = OutcomeView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_outcome(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(o): ApiJson<hamnvakt_targeting::outcome::Outcome>,
) -> Result<Json<OutcomeView>, ApiError> {
    p.require(Permission::CargoWrite)?;
    let row = super::service::record_outcome(&state, &p.actor(), &id, &o).await?;
    Ok(Json(outcome_view(row)?))
}

/// The recorded outcome of a consignment's inspection.
#[utoipa::path(get, path = "/consignments/{id}/outcome", tag = "cargo",
    params(("id" = String, Path, description = "Declaration id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = OutcomeView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn outcome(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OutcomeView>, ApiError> {
    p.require(Permission::CargoRead)?;
    let row =
        state.store.outcome(&id).await?.ok_or_else(|| {
            ApiError::NotFound(format!("no outcome recorded for consignment {id}"))
        })?;
    Ok(Json(outcome_view(row)?))
}
