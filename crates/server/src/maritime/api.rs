//! `/api/v1/vessels`: the AIS vessel picture — latest static, voyage and position data per
//! MMSI, searchable by name, call sign, MMSI or IMO number.

use axum::extract::State;
use axum::Json;
use hamnvakt_identity::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::MaritimeState;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};

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
    /// ETA as transmitted, `MM-DDTHH:MMZ` (UTC; AIS carries no year), `MM-DD` when the time
    /// is not available; absent when the date is not (AIS `00-00T24:60Z`).
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

/// An MMSI from the path: at most nine digits, never 0.
fn check_mmsi(v: u32) -> Result<u32, ApiError> {
    if (1..=999_999_999).contains(&v) {
        Ok(v)
    } else {
        Err(ApiError::field("mmsi", "must be 1 to 999999999"))
    }
}

fn view(v: hamnvakt_maritime::vessel::Vessel) -> VesselView {
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
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Vessels in the AIS picture.
#[utoipa::path(get, path = "/vessels", tag = "vessels", params(VesselQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<VesselView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<MaritimeState>,
    p: Principal,
    ApiQuery(q): ApiQuery<VesselQuery>,
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
#[utoipa::path(get, path = "/vessels/{mmsi}", tag = "vessels", params(("mmsi" = u32, Path, minimum = 1, maximum = 999_999_999, description = "Maritime Mobile Service Identity: nine digits at most")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = VesselView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<MaritimeState>,
    p: Principal,
    ApiPath(mmsi): ApiPath<u32>,
) -> Result<Json<VesselView>, ApiError> {
    let mmsi = check_mmsi(mmsi)?;
    p.require(Permission::SitesRead)?;
    let v = state
        .ais
        .picture()
        .get(mmsi)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("vessel {mmsi}")))?;
    Ok(Json(view(v)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// RFC 3339, not after `until`; default 24 hours before `until`.
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// RFC 3339; default now.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// At most this many points (1–10000, default 2000), the newest when there are more.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<i64>,
}

fn time_param(field: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    v.map(|s| {
        s.parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .map_err(|e| ApiError::field(field, format!("not an RFC 3339 time: {e}")))
    })
    .transpose()
}

/// The vessel's stored track (downsampled; see `[ais.track]`), oldest first.
#[utoipa::path(get, path = "/vessels/{mmsi}/track", tag = "vessels",
    params(("mmsi" = u32, Path, minimum = 1, maximum = 999_999_999, description = "Maritime Mobile Service Identity: nine digits at most"), TrackQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TrackPointView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn track(
    State(state): State<MaritimeState>,
    p: Principal,
    ApiPath(mmsi): ApiPath<u32>,
    ApiQuery(q): ApiQuery<TrackQuery>,
) -> Result<Json<Vec<TrackPointView>>, ApiError> {
    let mmsi = check_mmsi(mmsi)?;
    p.require(Permission::SitesRead)?;
    let until = time_param("until", q.until.as_deref())?.unwrap_or_else(|| state.now_ms());
    let since = time_param("since", q.since.as_deref())?.unwrap_or(until - 86_400_000);
    let limit = q.limit.unwrap_or(2000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 10000"));
    }
    if since > until {
        return Err(ApiError::field("since", "must not be after until"));
    }
    let points = state.store.track(mmsi, since, until, limit).await?;
    Ok(Json(points.into_iter().map(TrackPointView::from).collect()))
}

/// One stored track point.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackPointView {
    /// RFC 3339 receive time.
    pub at: String,
    pub at_ms: i64,
    pub lat: f64,
    pub lon: f64,
    pub speed_kn: Option<f64>,
    pub course_deg: Option<f64>,
}

impl From<hamnvakt_store::TrackPoint> for TrackPointView {
    fn from(p: hamnvakt_store::TrackPoint) -> Self {
        TrackPointView {
            at: hamnvakt_core::clock::from_millis(p.at_ms).to_string(),
            at_ms: p.at_ms,
            lat: p.lat,
            lon: p.lon,
            speed_kn: p.speed_kn,
            course_deg: p.course_deg,
        }
    }
}

/// One port visit (Global Fishing Watch's logic; see the `ports` module).
#[derive(Debug, Serialize, ToSchema)]
pub struct PortCallView {
    pub port: String,
    pub port_name: String,
    pub start: String,
    /// Absent while the vessel is still in port.
    pub end: Option<String>,
    /// Seen crossing into the port's entry radius.
    pub entered: bool,
    /// Seen leaving beyond its exit radius.
    pub exited: bool,
    /// When it first stopped (below 0.2 kn).
    pub stopped_at: Option<String>,
    /// A silence of four hours or more in port.
    pub gap: bool,
    /// 1–4: 2 is a stop or gap only (AIS on only in port), 4 entry, exit and a stop or gap.
    pub confidence: u8,
    /// In the configured list of high-risk ports.
    pub high_risk: bool,
}

fn call_view(state: &MaritimeState, c: hamnvakt_store::PortCallRow) -> PortCallView {
    let at = |ms: i64| hamnvakt_core::clock::from_millis(ms).to_string();
    PortCallView {
        high_risk: state.config.ais.risk.high_risk_ports.contains(&c.port),
        port: c.port,
        port_name: c.port_name,
        start: at(c.start_ms),
        end: c.end_ms.map(at),
        entered: c.entered,
        exited: c.exited,
        stopped_at: c.stop_ms.map(at),
        gap: c.gap,
        confidence: c.confidence,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallsQuery {
    /// At most this many (1–500, default 50), newest first.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The vessel's port calls, newest first.
#[utoipa::path(get, path = "/vessels/{mmsi}/port-calls", tag = "vessels",
    params(("mmsi" = u32, Path, minimum = 1, maximum = 999_999_999, description = "Maritime Mobile Service Identity: nine digits at most"), CallsQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<PortCallView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn port_calls(
    State(state): State<MaritimeState>,
    p: Principal,
    ApiPath(mmsi): ApiPath<u32>,
    ApiQuery(q): ApiQuery<CallsQuery>,
) -> Result<Json<Vec<PortCallView>>, ApiError> {
    let mmsi = check_mmsi(mmsi)?;
    p.require(Permission::SitesRead)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let calls = state.store.port_calls(mmsi, limit).await?;
    Ok(Json(
        calls.into_iter().map(|c| call_view(&state, c)).collect(),
    ))
}

/// The vessel's risk score with its reasons, and its identity checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskView {
    pub mmsi: u32,
    /// 0–100.
    pub score: u32,
    /// Each reason with its points, largest first.
    #[schema(value_type = Vec<Object>)]
    pub factors: Vec<hamnvakt_maritime::risk::RiskFactor>,
    /// The MMSI's MID check against the declared flag.
    #[schema(value_type = Object)]
    pub mid: hamnvakt_maritime::mid::MidCheck,
    pub declared_flag: Option<String>,
    pub imo_valid: Option<bool>,
}

/// The vessel's risk score: high-risk port calls, behaviour alerts, MID and IMO checks.
#[utoipa::path(get, path = "/vessels/{mmsi}/risk", tag = "vessels",
    params(("mmsi" = u32, Path, minimum = 1, maximum = 999_999_999, description = "Maritime Mobile Service Identity: nine digits at most")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = RiskView), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn risk(
    State(state): State<MaritimeState>,
    p: Principal,
    ApiPath(mmsi): ApiPath<u32>,
) -> Result<Json<RiskView>, ApiError> {
    let mmsi = check_mmsi(mmsi)?;
    p.require(Permission::SitesRead)?;
    let settings = &state.config.ais.risk;
    let now = state.now_ms();
    let calls = state.store.port_calls(mmsi, 500).await?;
    let calls: Vec<(&str, &str, i64)> = calls
        .iter()
        .map(|c| (c.port.as_str(), c.port_name.as_str(), c.start_ms))
        .collect();
    // Behaviour alerts count only as far as the caller may see them.
    let mut events: Vec<(String, i64)> = Vec::new();
    if p.can(Permission::AlertsRead) {
        let filter = hamnvakt_store::AlertFilter {
            kind_prefix: Some("ais".into()),
            subject: Some((
                hamnvakt_core::alert::SubjectKind::Vessel,
                hamnvakt_core::entity::VesselKey::Mmsi(mmsi).to_string(),
            )),
            since_ms: Some(now - settings.lookback_days * 86_400_000),
            limit: 500,
            ..Default::default()
        };
        let viewer = p.viewer();
        let page = state.store.list_alerts(&viewer, &filter).await?;
        events = page
            .alerts
            .into_iter()
            .map(|a| (a.kind, a.created_ms))
            .collect();
    }
    let events: Vec<(&str, i64)> = events.iter().map(|(k, t)| (k.as_str(), *t)).collect();
    let flag = state.store.vessel_flag(mmsi).await?.map(|f| f.flag);
    let mid = hamnvakt_maritime::mid::check(mmsi, flag.as_deref());
    let imo_valid = state.ais.picture().get(mmsi).and_then(|v| v.imo_valid);
    let r = hamnvakt_maritime::risk::score(settings, now, &calls, &events, &mid, imo_valid);
    Ok(Json(RiskView {
        mmsi,
        score: r.score,
        factors: r.factors,
        mid,
        declared_flag: flag,
        imo_valid,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagBody {
    /// ISO 3166-1 alpha-2 code of the flag state the vessel declares.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub flag: String,
}

/// Records the flag a vessel declares (from its pre-arrival notification or a registry); the
/// MMSI's MID is checked against it and a mismatch raises an alert. Audited.
#[utoipa::path(put, path = "/vessels/{mmsi}/flag", tag = "vessels",
    params(("mmsi" = u32, Path, minimum = 1, maximum = 999_999_999, description = "Maritime Mobile Service Identity: nine digits at most")),
    request_body = FlagBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = RiskView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn declare_flag(
    State(state): State<MaritimeState>,
    p: Principal,
    ApiPath(mmsi): ApiPath<u32>,
    ApiJson(b): ApiJson<FlagBody>,
) -> Result<Json<RiskView>, ApiError> {
    let mmsi = check_mmsi(mmsi)?;
    p.require(Permission::VesselsDeclare)?;
    let flag = b.flag.trim().to_ascii_uppercase();
    if flag.len() != 2 || !flag.bytes().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::field(
            "flag",
            "must be a two-letter ISO 3166-1 country code",
        ));
    }
    let actor = p.actor();
    let mut change = crate::web::change::Change::begin(&state, &actor).await?;
    change
        .record(
            "vessel.flag_declared",
            Some(&format!("vessel:mmsi:{mmsi}")),
            serde_json::json!({"mmsi": mmsi, "flag": flag}),
        )
        .await?;
    let at = change.at_ms();
    change
        .tx()
        .set_vessel_flag(&hamnvakt_store::VesselFlag {
            mmsi,
            flag: flag.clone(),
            declared_by: actor.id.clone(),
            declared_ms: at,
        })
        .await?;
    change.commit().await?;
    state.ais.declare_flag(mmsi, &flag, at);
    risk(State(state), p, ApiPath(mmsi)).await
}

/// A port or terminal with its geofence.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortView {
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// Entry and exit radii of the geofence, in kilometres.
    pub entry_km: f64,
    pub exit_km: f64,
    /// One of this installation's terminals.
    pub ours: bool,
    pub high_risk: bool,
}

/// The ports the port-visit logic knows, with their geofences.
#[utoipa::path(get, path = "/ports", tag = "vessels",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<PortView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn ports(
    State(state): State<MaritimeState>,
    p: Principal,
) -> Result<Json<Vec<PortView>>, ApiError> {
    p.require(Permission::SitesRead)?;
    let risky = &state.config.ais.risk.high_risk_ports;
    Ok(Json(
        state
            .ais
            .ports
            .iter()
            .map(|x| PortView {
                code: x.code.clone(),
                name: x.name.clone(),
                lat: x.lat,
                lon: x.lon,
                entry_km: x.entry_km,
                exit_km: x.exit_km,
                ours: x.ours,
                high_risk: risky.contains(&x.code),
            })
            .collect(),
    ))
}

/// An event of the live position feed.
pub struct PositionEvent;

impl utoipa::PartialSchema for PositionEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::web::openapi::server_sent_event(
            &["snapshot", "positions"],
            "A JSON array of positions (mmsi, name, ship_type, lat, lon, speed_kn, course_deg, heading_deg, at_ms)",
        )
    }
}

impl ToSchema for PositionEvent {}

/// Live vessel positions as server-sent events: first a `snapshot` event with every vessel
/// that has a position, then `positions` events (about twice a second) with those that moved.
#[utoipa::path(get, path = "/vessels/stream", tag = "vessels", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Server-sent events: `snapshot` and `positions`, each's data a JSON array of positions", body = PositionEvent, content_type = "text/event-stream"), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn stream(
    State(state): State<MaritimeState>,
    p: Principal,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::IntoResponse;
    p.require(Permission::SitesRead)?;
    let rx = state.ais.live.subscribe();
    let snapshot: Vec<super::ingest::LivePosition> = state
        .ais
        .picture()
        .search("", 100_000)
        .into_iter()
        .filter_map(|v| {
            Some(super::ingest::LivePosition {
                mmsi: v.mmsi,
                name: v.name,
                ship_type: v.ship_type,
                lat: v.lat?,
                lon: v.lon?,
                speed_kn: v.speed_kn,
                course_deg: v.course_deg,
                heading_deg: v.heading_deg,
                at_ms: v.position_ms?,
            })
        })
        .collect();
    let first = Event::default()
        .event("snapshot")
        .json_data(&snapshot)
        .unwrap_or_else(|_| Event::default().comment("unencodable"));
    let head = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(first) });
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(list) => {
                    let event = Event::default()
                        .event("positions")
                        .json_data(&*list)
                        .unwrap_or_else(|_| Event::default().comment("unencodable"));
                    return Some((Ok::<_, std::convert::Infallible>(event), rx));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    use futures_util::StreamExt;
    Ok(Sse::new(head.chain(rest))
        .keep_alive(KeepAlive::default())
        .into_response())
}
