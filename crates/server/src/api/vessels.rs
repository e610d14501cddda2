//! `/api/v1/vessels`: the AIS vessel picture — latest static, voyage and position data per
//! MMSI, searchable by name, call sign, MMSI or IMO number.

use axum::extract::{Path, Query, State};
use axum::Json;
use hamnvakt_identity::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// One vessel as the AIS picture knows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VesselView {
    pub mmsi: u32,
    pub name: Option<String>,
    pub callsign: Option<String>,
    pub imo: Option<u32>,
    /// Whether the IMO number's check digit holds (a false IMO is a warning sign).
    pub imo_valid: Option<bool>,
    /// AIS ship and cargo type code.
    pub ship_type: Option<u8>,
    pub length_m: Option<u16>,
    pub beam_m: Option<u16>,
    pub destination: Option<String>,
    /// ETA as transmitted, `MM-DDTHH:MMZ` (UTC; AIS carries no year).
    pub eta: Option<String>,
    pub draught_m: Option<f64>,
    /// WGS84 degrees.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub speed_kn: Option<f64>,
    pub course_deg: Option<f64>,
    pub heading_deg: Option<u16>,
    /// AIS navigational status code (0 under way using engine, 1 at anchor, 5 moored …).
    pub nav_status: Option<u8>,
    /// Receive time of the latest position (RFC 3339).
    pub position_at: Option<String>,
    /// Receive time of the latest message (RFC 3339).
    pub last_heard: String,
    pub messages: u64,
}

fn view(v: hamnvakt_ais::vessel::Vessel) -> VesselView {
    let at = |ms: i64| hamnvakt_core::clock::from_millis(ms).to_string();
    VesselView {
        mmsi: v.mmsi,
        name: v.name,
        callsign: v.callsign,
        imo: v.imo,
        imo_valid: v.imo_valid,
        ship_type: v.ship_type,
        length_m: v.length_m,
        beam_m: v.beam_m,
        destination: v.destination,
        eta: v.eta,
        draught_m: v.draught_m,
        lat: v.lat,
        lon: v.lon,
        speed_kn: v.speed_kn,
        course_deg: v.course_deg,
        heading_deg: v.heading_deg,
        nav_status: v.nav_status,
        position_at: v.position_ms.map(at),
        last_heard: at(v.last_ms),
        messages: v.messages,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VesselQuery {
    /// Part of a name, call sign, MMSI or IMO number; empty lists all.
    pub q: Option<String>,
    /// At most this many (1–1000, default 100), most recently heard first.
    pub limit: Option<u32>,
}

/// Vessels in the AIS picture.
#[utoipa::path(get, path = "/vessels", tag = "vessels", params(VesselQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<VesselView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<VesselQuery>,
) -> Result<Json<Vec<VesselView>>, ApiError> {
    p.require(Permission::SitesRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let found = state
        .ais
        .picture()
        .search(q.q.as_deref().unwrap_or(""), limit as usize);
    Ok(Json(found.into_iter().map(view).collect()))
}

/// One vessel by MMSI.
#[utoipa::path(get, path = "/vessels/{mmsi}", tag = "vessels", params(("mmsi" = u32, Path, description = "Maritime Mobile Service Identity")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = VesselView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    Path(mmsi): Path<u32>,
) -> Result<Json<VesselView>, ApiError> {
    p.require(Permission::SitesRead)?;
    let v = state
        .ais
        .picture()
        .get(mmsi)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("vessel {mmsi}")))?;
    Ok(Json(view(v)))
}
