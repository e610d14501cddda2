//! Vulnerability assessment: the PFSO assesses a facility against the harmonised catalogue
//! of controls, as an ISPS port facility security assessment is done — assets, threat
//! scenarios scored threat × vulnerability × consequence, an answer per control with its
//! evidence, gaps ranked by risk, an action plan — with the controls Hamnvakt can measure
//! pre-filled from live facts for the assessor to confirm or override. Best practices travel
//! between ports under their TLP marking; control scores are compared across ports only as
//! aggregates of three or more. The rules are in `hamnvakt-assessment`; this folder stores,
//! serves, measures and renders them. Every change is an audited event.
//!
//! Files: `service.rs` (the use cases: create, reassess, edit, measure, practices, shared
//! scores and the comparison), `measure.rs` (what the running system says of a control),
//! `api.rs` (`/api/v1/assessments…`), `pages.rs` (the console's `/assessments…`).
//!
//! Public items: [`AssessmentState`], [`routes`], [`openapi`], and for the demo the use cases
//! [`create`], [`edit`], [`measure`], [`create_practice`] and [`import_practices`].

mod api;
mod catalogues;
mod measure;
mod pages;
mod service;
mod stix;
mod words;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

pub use catalogues::in_force as catalogue_in_force;
pub use service::{create, create_practice, edit, import_practices, measure};
pub use stix::{from_stix as practice_from_stix, to_stix as practice_to_stix};

/// Keeps the best-practice library in step with what was just filed in the sharing store
/// (`stix.rs`), in the same transaction.
pub async fn follow_shared(
    tx: &mut hamnvakt_store::WriteTx,
    rows: &[hamnvakt_store::NewShared],
    filed: &[hamnvakt_store::Filed],
    cat: &hamnvakt_assessment::catalogue::Catalogue,
) -> Result<(), crate::web::error::ApiError> {
    stix::follow_shared(tx, rows, filed, cat).await
}

/// The platform state with what the measurements read: the access engine (the policy set in
/// force, the register) and the AIS picture.
#[derive(Clone)]
pub struct AssessmentState {
    pub app: AppState,
    pub access: Arc<crate::access::Engine>,
    pub ais: Arc<crate::maritime::Ingest>,
}

impl std::ops::Deref for AssessmentState {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl FromRef<AssessmentState> for AppState {
    fn from_ref(s: &AssessmentState) -> AppState {
        s.app.clone()
    }
}

pub fn routes() -> Router<AssessmentState> {
    let api = Router::new()
        .route("/assessments", get(api::list).post(api::create))
        .route("/assessments/catalogue", get(api::get_catalogue))
        .route(
            "/assessments/catalogue/harmonisation",
            get(api::harmonisation),
        )
        .route("/assessments/catalogue/check", post(api::check_catalogue))
        .route(
            "/assessments/catalogues",
            get(api::list_catalogues).post(api::import_catalogue),
        )
        .route(
            "/assessments/practices",
            get(api::practices).post(api::create_practice),
        )
        .route("/assessments/practices/export", get(api::export_practices))
        .route("/assessments/practices/import", post(api::import_practices))
        .route("/assessments/scores", post(api::share_scores))
        .route("/assessments/comparison", get(api::comparison))
        .route("/assessments/{id}", get(api::get_one))
        .route("/assessments/{id}/edits", post(api::edit))
        .route("/assessments/{id}/measure", post(api::measure))
        .route("/assessments/{id}/gaps", get(api::gaps))
        .route("/assessments/{id}/report.pdf", get(api::report))
        .route("/assessments/{id}/actions.csv", get(api::actions_csv));
    Router::new()
        .nest("/api/v1", api)
        .route("/assessments", get(pages::list).post(pages::create))
        .route("/assessments/catalogue", get(pages::harmonisation))
        .route("/assessments/practices", get(pages::practices))
        .route("/assessments/{id}", get(pages::detail))
        .route("/assessments/{id}/edit", post(pages::edit))
        .route("/assessments/{id}/measure", post(pages::measure))
}

#[derive(OpenApi)]
#[openapi(paths(
    api::list,
    api::create,
    api::get_catalogue,
    api::harmonisation,
    api::check_catalogue,
    api::list_catalogues,
    api::import_catalogue,
    api::practices,
    api::create_practice,
    api::export_practices,
    api::import_practices,
    api::share_scores,
    api::comparison,
    api::get_one,
    api::edit,
    api::measure,
    api::gaps,
    api::report,
    api::actions_csv,
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
