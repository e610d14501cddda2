//! `/api/v1/sites`: the port's sites with their coordinates.

use axum::extract::State;
use axum::Json;
use hamnvakt_core::ids::SiteId;
use hamnvakt_identity::Permission;
use serde::Serialize;
use utoipa::ToSchema;

use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    #[schema(value_type = String, format = Uuid)]
    pub id: SiteId,
    pub code: String,
    pub name: String,
    pub description: String,
    /// UN/LOCODE of the port.
    pub locode: String,
    /// WGS84 latitude.
    pub lat: f64,
    /// WGS84 longitude.
    pub lon: f64,
}

/// The port's sites.
#[utoipa::path(get, path = "/sites", tag = "sites", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<SiteView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<SiteView>>, ApiError> {
    p.require(Permission::SitesRead)?;
    let sites = state.store.list_sites().await?;
    Ok(Json(
        sites
            .into_iter()
            .map(|s| SiteView {
                id: s.id,
                code: s.code,
                name: s.name,
                description: s.description,
                locode: s.locode,
                lat: s.lat,
                lon: s.lon,
            })
            .collect(),
    ))
}
