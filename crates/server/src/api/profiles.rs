//! `/api/v1/targeting/profiles`: the risk profiles the targeting team writes. Every change is a
//! new version (the old ones stay readable) and an audit event; the list shows how often each
//! profile hits the stored consignments.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_identity::Permission;
use hamnvakt_targeting::profile::Profile;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

/// One version of a profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    pub id: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub profile: Profile,
    /// Who saved this version.
    pub author: String,
    /// RFC 3339.
    pub saved_at: String,
}

fn view(r: hamnvakt_store::ProfileRow) -> Result<ProfileView, ApiError> {
    Ok(ProfileView {
        profile: serde_json::from_str(&r.data)
            .map_err(|e| ApiError::Internal(format!("stored profile {}: {e}", r.id)))?,
        id: r.id,
        version: r.version,
        author: r.author,
        saved_at: hamnvakt_core::clock::from_millis(r.created_ms).to_string(),
    })
}

/// A profile with how it performs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileStats {
    #[serde(flatten)]
    pub current: ProfileView,
    /// Stored consignments it hits (each judged against those before it).
    pub hits: usize,
    /// Consignments checked.
    pub checked: usize,
    /// Hits whose inspection outcome is recorded.
    pub inspected: usize,
    /// Share of those found irregular or seized; `null` until one is recorded.
    pub precision: Option<f64>,
}

/// Every profile's latest version with its hit count.
#[utoipa::path(get, path = "/targeting/profiles", tag = "cargo",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ProfileStats>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<ProfileStats>>, ApiError> {
    p.require(Permission::CargoRead)?;
    let rows = state.store.latest_profiles().await?;
    let views: Vec<ProfileView> = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    let profiles: Vec<Profile> = views.iter().map(|v| v.profile.clone()).collect();
    let (checked, hits) = crate::service::cargo::profile_hits(&state, &profiles).await?;
    Ok(Json(
        views
            .into_iter()
            .zip(hits)
            .map(|(current, r)| ProfileStats {
                current,
                hits: r.hits,
                checked,
                inspected: r.inspected,
                precision: (r.inspected > 0).then(|| r.positive as f64 / r.inspected as f64),
            })
            .collect(),
    ))
}

/// Writes a new profile (version 1).
#[utoipa::path(post, path = "/targeting/profiles", tag = "cargo",
    request_body(content = Object, description = "name, description, conditions (origin_in, departure_in, hs_prefix, first_time_importer, route_via, value_per_kg_outlier), weight 0–1, lane (red, yellow, blue, green), owner, valid_from, valid_to, enabled"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(profile): ApiJson<Profile>,
) -> Result<(StatusCode, Json<ProfileView>), ApiError> {
    p.require(Permission::ProfilesManage)?;
    let row = crate::service::cargo::save_profile(&state, &p.actor(), None, &profile).await?;
    Ok((StatusCode::CREATED, Json(view(row)?)))
}

/// Saves a new version of a profile.
#[utoipa::path(put, path = "/targeting/profiles/{id}", tag = "cargo",
    params(("id" = String, Path, description = "Profile id")),
    request_body(content = Object, description = "The whole profile, as for POST"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(profile): ApiJson<Profile>,
) -> Result<Json<ProfileView>, ApiError> {
    p.require(Permission::ProfilesManage)?;
    let row = crate::service::cargo::save_profile(&state, &p.actor(), Some(&id), &profile).await?;
    Ok(Json(view(row)?))
}

/// Every version of a profile, oldest first.
#[utoipa::path(get, path = "/targeting/profiles/{id}/versions", tag = "cargo",
    params(("id" = String, Path, description = "Profile id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ProfileView>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn versions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<ProfileView>>, ApiError> {
    p.require(Permission::CargoRead)?;
    let rows = state.store.profile_versions(&id).await?;
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!("risk profile {id}")));
    }
    Ok(Json(rows.into_iter().map(view).collect::<Result<_, _>>()?))
}
