//! Sharing with need-to-know: indicators of the port world, modi operandi and sightings under
//! TLP 2.0 markings and an audience decided at creation; STIX 2.1 export and import; a TAXII
//! 2.1 server and client; and the matching of what the port observes against the live
//! indicators. Who may see what is [`hamnvakt_core::marking`]'s one rule, applied by every
//! read here (the store's queries and a check of every row), the TAXII feeds included.
//!
//! Files: `service.rs` (the use cases, the matcher, sightings and their alerts), `analysis.rs`
//! (notes, relationships, groupings and places, each no wider than what it is about), `api.rs`
//! and `analysis_api.rs` (`/api/v1/sharing/…`), `taxii.rs` (`/taxii2/…`), `feeds.rs` (the
//! TAXII client), `pages.rs` (the console's `/sharing`).
//!
//! Public items: [`Sharing`] and [`SharingState`], [`routes`], [`openapi`], [`start`] and
//! [`Watcher`] (the platform observer that matches observations against indicators).

mod analysis;
mod analysis_api;
mod api;
mod feeds;
mod pages;
mod service;
mod taxii;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

pub use analysis::{create_grouping, create_note, create_relationship};
pub(crate) use service::{check_recipients, new_row};
pub use service::{create_indicator, create_modus_operandi, Sharing, SharingState, Watcher};

pub fn routes() -> Router<SharingState> {
    let api = Router::new()
        .route("/sharing/objects", get(api::list))
        .route("/sharing/objects/{id}", get(api::get_one))
        .route("/sharing/objects/{id}/access", get(api::access))
        .route("/sharing/objects/{id}/revoke", post(api::revoke))
        .route("/sharing/indicators", post(api::create_indicator))
        .route("/sharing/modi-operandi", post(api::create_modus_operandi))
        .route("/sharing/notes", post(analysis_api::create_note))
        .route(
            "/sharing/relationships",
            post(analysis_api::create_relationship),
        )
        .route("/sharing/groupings", post(analysis_api::create_grouping))
        .route("/sharing/export", get(api::export))
        .route("/sharing/import", post(api::import))
        .route(
            "/sharing/feeds",
            get(api::list_feeds).post(api::create_feed),
        )
        .route("/sharing/feeds/{id}/pull", post(api::pull_feed));
    let taxii = Router::new()
        .route("/{root}/", get(taxii::api_root))
        .route("/{root}/collections/", get(taxii::collections))
        .route("/{root}/collections/{id}/", get(taxii::one_collection))
        .route(
            "/{root}/collections/{id}/objects/",
            get(taxii::get_objects).post(taxii::add_objects),
        )
        .route(
            "/{root}/collections/{id}/objects/{object}/",
            get(taxii::get_object),
        )
        .route(
            "/{root}/collections/{id}/objects/{object}/versions/",
            get(taxii::versions),
        )
        .route("/{root}/collections/{id}/manifest/", get(taxii::manifest))
        .route("/{root}/status/{id}/", get(taxii::status))
        .fallback(taxii::no_such_resource)
        .layer(axum::middleware::from_fn(taxii::errors_as_taxii));
    Router::new()
        .nest("/api/v1", api)
        .route("/sharing", get(pages::overview))
        .route("/sharing/objects/{id}", get(pages::object))
        // Discovery is `/taxii2/`, with its slash, as TAXII 2.1 names it.
        .route(
            "/taxii2/",
            get(taxii::discovery).layer(axum::middleware::from_fn(taxii::errors_as_taxii)),
        )
        .nest("/taxii2", taxii)
}

/// Loads the live indicators into the matcher and starts the partner feeds.
pub async fn start(state: SharingState) -> Result<usize, crate::web::error::ApiError> {
    let n = state.sharing.load(&state).await?;
    state.set_observer(Arc::new(Watcher(state.sharing.clone())));
    feeds::start(state);
    Ok(n)
}

#[derive(OpenApi)]
#[openapi(paths(
    api::list,
    api::get_one,
    api::access,
    api::revoke,
    api::create_indicator,
    api::create_modus_operandi,
    analysis_api::create_note,
    analysis_api::create_relationship,
    analysis_api::create_grouping,
    api::export,
    api::import,
    api::list_feeds,
    api::create_feed,
    api::pull_feed
))]
struct Doc;

/// This capability's paths of the OpenAPI document (the TAXII server is described by the
/// TAXII 2.1 specification, not here).
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
