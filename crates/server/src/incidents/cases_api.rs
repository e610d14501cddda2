//! `/api/v1/cases`: open a case over incidents, list, read (with only the incidents the
//! reader may see), add an incident, close and reopen.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::Marking;
use hamnvakt_identity::Permission;
use hamnvakt_incidents::case::{Case, CaseId, CaseState, CaseStep};
use hamnvakt_incidents::IncidentId;
use hamnvakt_store::Marked;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api::{who, IncidentSummary};
use super::{cases, service};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath};
use crate::web::state::AppState;
use crate::web::time::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[schema(value_type = String, format = Uuid)]
    pub id: CaseId,
    pub title: String,
    pub description: String,
    #[schema(value_type = String, format = Uuid)]
    pub owner_org: OrgId,
    pub marking: Marking,
    pub state: CaseState,
    /// The case's incidents that you may see.
    pub incidents: Vec<IncidentSummary>,
    /// Incidents of the case whose own marking keeps them from you.
    pub hidden_incidents: usize,
    pub version: i64,
    pub updated_at: String,
}

pub(super) async fn view(state: &AppState, p: &Principal, c: Case) -> Result<CaseView, ApiError> {
    let reader = p.reader();
    let mut incidents = Vec::new();
    for id in &c.incidents {
        if let Some(row) = state
            .store
            .marked(Marked::Incident, &id.to_string(), &reader)
            .await?
        {
            incidents.push(service::decode(&row)?.into());
        }
    }
    Ok(CaseView {
        hidden_incidents: c.incidents.len() - incidents.len(),
        incidents,
        id: c.id,
        title: c.title,
        description: c.description,
        owner_org: c.owner_org,
        marking: c.marking,
        state: c.state,
        version: c.version,
        updated_at: rfc3339(c.updated_ms),
    })
}

pub(super) fn parse_id(s: &str) -> Result<CaseId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("case {s}")))
}

/// The cases your organisation may see, most recently changed first.
#[utoipa::path(get, path = "/cases", tag = "incidents",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<CaseView>)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    p.require(Permission::IncidentsRead)?;
    let rows = state
        .store
        .list_marked(Marked::Case, &p.reader(), &[], None, 100)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(view(&state, &p, cases::decode(r)?).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    pub marking: Marking,
    #[serde(default)]
    #[schema(value_type = Vec<String>, max_items = 500)]
    pub incidents: Vec<IncidentId>,
}

/// Opens a case owned by your organisation over incidents you may see.
#[utoipa::path(post, path = "/cases", tag = "incidents", request_body = OpenCase,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CaseView)))]
pub async fn open(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<OpenCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    p.require(Permission::IncidentsWrite)?;
    let c = cases::open_case(
        &state,
        &p.actor(),
        &who(&p),
        &b.title,
        &b.description,
        b.marking,
        b.incidents,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &p, c).await?)))
}

/// One case, with the incidents you may see.
#[utoipa::path(get, path = "/cases/{id}", tag = "incidents", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CaseView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseView>, ApiError> {
    p.require(Permission::IncidentsRead)?;
    let id = parse_id(&id)?;
    let row = state
        .store
        .marked(Marked::Case, &id.to_string(), &p.reader())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("case {id}")))?;
    Ok(Json(view(&state, &p, cases::decode(&row)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseIncidentBody {
    #[schema(value_type = String, format = Uuid)]
    pub incident: IncidentId,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    Close,
    Reopen,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStateBody {
    pub action: CaseAction,
}

async fn run(
    state: &AppState,
    p: &Principal,
    id: &str,
    step: CaseStep,
) -> Result<Json<CaseView>, ApiError> {
    p.require(Permission::IncidentsWrite)?;
    let id = parse_id(id)?;
    let c = cases::step(state, &p.actor(), &who(p), id, step).await?;
    Ok(Json(view(state, p, c).await?))
}

/// Adds an incident you may see to a case of your organisation.
#[utoipa::path(post, path = "/cases/{id}/incidents", tag = "incidents", params(("id" = String, Path, format = Uuid)),
    request_body = CaseIncidentBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CaseView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn add_incident(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<CaseIncidentBody>,
) -> Result<Json<CaseView>, ApiError> {
    run(&state, &p, &id, CaseStep::AddIncident(b.incident)).await
}

/// Closes or reopens a case of your organisation.
#[utoipa::path(post, path = "/cases/{id}/state", tag = "incidents", params(("id" = String, Path, format = Uuid)),
    request_body = CaseStateBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CaseView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn set_state(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<CaseStateBody>,
) -> Result<Json<CaseView>, ApiError> {
    let step = match b.action {
        CaseAction::Close => CaseStep::Close,
        CaseAction::Reopen => CaseStep::Reopen,
    };
    run(&state, &p, &id, step).await
}
