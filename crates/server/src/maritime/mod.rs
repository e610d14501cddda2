//! The maritime picture: AIS from the configured sources decoded, de-duplicated and kept as
//! the vessel picture with tracks and port calls; the behaviour detectors raising alerts into
//! the shared queue; the vessel risk score; and the live map. The decoding is `hamnvakt-ais`'s,
//! the picture and detectors the maritime domain crate's; this folder runs them on feeds,
//! stores, serves and renders them.
//!
//! Files: `ingest.rs` (sources, the picture task, the track writer), `coastline.rs` (the map's
//! offline base layer, converted at build time by `build.rs`), `api.rs`
//! (`/api/v1/vessels…`, `/api/v1/ports`), `pages.rs` (the console's `/map`).
//!
//! Public items: [`MaritimeState`] (what its handlers are given), [`routes`], [`openapi`],
//! [`start`], the [`Ingest`] with its configuration ([`AisConfig`], [`SourceConfig`],
//! [`TrackConfig`], defined in the domain crate) and [`LivePosition`], and file replay ([`replay`], [`replay_until_live`],
//! [`Pace`]).

mod admin_page;
mod api;
#[cfg(test)]
mod coastline;
mod ingest;
mod pages;
pub mod sources;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, put};
use axum::Router;
use utoipa::OpenApi;

use crate::web::layout::asset;
use crate::web::state::AppState;

pub use hamnvakt_maritime::settings::{AisConfig, SourceConfig, TrackConfig};
pub use ingest::{replay, replay_until_live, spawn_source, start, Ingest, LivePosition, Pace};

/// The platform state with the AIS ingest and the vessel picture: what this capability's
/// handlers are given. Derefs to [`AppState`].
#[derive(Clone)]
pub struct MaritimeState {
    pub app: AppState,
    pub ais: Arc<Ingest>,
}

impl std::ops::Deref for MaritimeState {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl FromRef<MaritimeState> for AppState {
    fn from_ref(s: &MaritimeState) -> AppState {
        s.app.clone()
    }
}

pub fn routes() -> Router<MaritimeState> {
    let api = Router::new()
        .route("/vessels", get(api::list))
        .route("/vessels/stream", get(api::stream))
        .route("/vessels/{mmsi}", get(api::get_one))
        .route("/vessels/{mmsi}/track", get(api::track))
        .route("/vessels/{mmsi}/port-calls", get(api::port_calls))
        .route("/vessels/{mmsi}/risk", get(api::risk))
        .route("/vessels/{mmsi}/flag", put(api::declare_flag))
        .route("/ports", get(api::ports))
        .route("/ais/sources", get(admin_page::sources_api));
    Router::new()
        .nest("/api/v1", api)
        .route("/map", get(pages::map))
        .route("/admin/ais", get(admin_page::page))
        .route(
            "/static/map.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../assets/map.js"),
                )
            }),
        )
        .route(
            "/static/coast.json",
            get(|| {
                asset(
                    "application/json",
                    include_str!(concat!(env!("OUT_DIR"), "/coast.json")),
                )
            }),
        )
        .route(
            "/static/leaflet.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!(concat!(env!("OUT_DIR"), "/leaflet.js")),
                )
            }),
        )
        .route(
            "/static/leaflet.css",
            get(|| {
                asset(
                    "text/css; charset=utf-8",
                    include_str!(concat!(env!("OUT_DIR"), "/leaflet.css")),
                )
            }),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    api::list,
    api::get_one,
    api::track,
    api::port_calls,
    api::risk,
    api::declare_flag,
    api::ports,
    api::stream,
    admin_page::sources_api
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
