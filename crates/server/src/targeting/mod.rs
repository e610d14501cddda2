//! Cargo risk targeting: consignments from declarations and manifests, the risk profiles the
//! targeting team writes, models trained on recorded inspection outcomes, the day's selection
//! into lanes under capacity, the worklist and the weekly report. The rules and the model
//! are in `hamnvakt-targeting`; this folder stores, serves and renders them.
//!
//! Files: `consignments_api.rs` (`/api/v1/consignments…`), `profiles_api.rs`
//! (`/api/v1/targeting/…`, selection, worklist, models, scores), `pages.rs` (the console's
//! `/targeting…`), `consignment_page.rs` (a consignment's page), `service.rs` (the use cases, each one audited transaction), `words.rs` (reasons, stored as codes with parameters, in the reader's language).
//!
//! Public items: [`routes`], [`openapi`], and the use cases the command line and the demo
//! call: [`store_consignments`], [`save_profile`], [`record_outcome`], [`train_model`],
//! [`run_selection`].

mod consignment_page;
mod consignments_api;
mod model_page;
mod pages;
mod profiles_api;
mod service;
mod words;

use axum::routing::{get, post, put};
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

/// Targeting's in-memory part of this instance (the parsed model, the training jobs), kept in
/// the platform's slots.
pub(crate) fn runtime(state: &crate::web::state::AppState) -> std::sync::Arc<service::Runtime> {
    state.slots.get::<service::Runtime>()
}

pub use words::reason_value;

pub use service::{
    outcome_training_options, record_outcome, run_selection, save_profile, start_training,
    store_consignments, train_model, Runtime, TrainingJob,
};

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route(
            "/consignments",
            get(consignments_api::list).post(consignments_api::create),
        )
        .route("/consignments/import", post(consignments_api::import))
        .route("/consignments/{id}", get(consignments_api::get_one))
        .route(
            "/consignments/{id}/outcome",
            get(consignments_api::outcome).put(consignments_api::record_outcome),
        )
        .route(
            "/targeting/profiles",
            get(profiles_api::list).post(profiles_api::create),
        )
        .route("/targeting/profiles/{id}", put(profiles_api::update))
        .route(
            "/targeting/profiles/{id}/versions",
            get(profiles_api::versions),
        )
        .route("/targeting/selections", post(profiles_api::run_selection))
        .route("/targeting/worklist", get(profiles_api::worklist))
        .route("/targeting/report", get(profiles_api::report))
        .route(
            "/targeting/models",
            get(profiles_api::models).post(profiles_api::train),
        )
        .route("/targeting/models/jobs", get(profiles_api::training_jobs))
        .route(
            "/targeting/models/jobs/{id}",
            get(profiles_api::training_job),
        )
        .route("/consignments/{id}/reroute", post(profiles_api::reroute))
        .route("/consignments/{id}/score", get(profiles_api::score));
    Router::new()
        .nest("/api/v1", api)
        .route("/targeting", get(pages::worklist))
        .route("/targeting/select", post(pages::select))
        .route("/targeting/model", get(model_page::model))
        .route("/targeting/model/train", post(model_page::train))
        .route("/targeting/c/{id}", get(consignment_page::consignment))
        .route("/targeting/c/{id}/reroute", post(pages::reroute))
        .route("/targeting/c/{id}/outcome", post(pages::outcome))
        .route(
            "/targeting/profiles",
            get(pages::profiles).post(pages::create_profile),
        )
        .route("/targeting/profiles/{id}", post(pages::update_profile))
}

#[derive(OpenApi)]
#[openapi(paths(
    consignments_api::create,
    consignments_api::import,
    consignments_api::list,
    consignments_api::get_one,
    consignments_api::record_outcome,
    consignments_api::outcome,
    profiles_api::list,
    profiles_api::create,
    profiles_api::update,
    profiles_api::versions,
    profiles_api::run_selection,
    profiles_api::worklist,
    profiles_api::reroute,
    profiles_api::report,
    profiles_api::train,
    profiles_api::models,
    profiles_api::training_jobs,
    profiles_api::training_job,
    profiles_api::score
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
