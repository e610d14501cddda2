//! Incidents: what the security centre does after the alert queue. An incident groups alerts
//! and entities with a timeline of what happened and what was done, is owned by one
//! organisation and marked (TLP 2.0 and an audience decided when it is opened), and is
//! escalated to an agency by naming it; a case groups incidents for an investigation; the
//! shift log and its handover carry the watch from one operator to the next. The rules are
//! `hamnvakt-incidents`'; who sees what is `hamnvakt_core::marking`'s, on every read.
//!
//! Public items: [`routes`] (`/api/v1/incidents…`, `/api/v1/cases…`, `/api/v1/shift…` and the
//! console's `/incidents…`, `/cases…` and `/shift…`), [`openapi`], [`alert_panel`], which the alert
//! page shows (the alert's incident, opening one, merge, reopen), and the use cases
//! [`open_incident`] and [`step`] (the demo opens story 2's incident through them).

mod api;
mod cases;
mod cases_api;
mod cases_pages;
mod pages;
mod service;
mod shift;
mod shift_api;
mod shift_pages;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

pub use pages::alert_panel;
pub use service::{open_incident, step, Who};

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/incidents", get(api::list).post(api::open))
        .route("/incidents/{id}", get(api::get_one))
        .route("/incidents/{id}/timeline", get(api::timeline))
        .route("/incidents/{id}/stix", get(api::stix_bundle))
        .route("/incidents/{id}/notes", post(api::note))
        .route("/incidents/{id}/actions", post(api::action))
        .route("/incidents/{id}/state", post(api::set_state))
        .route("/incidents/{id}/severity", post(api::set_severity))
        .route("/incidents/{id}/alerts", post(api::link_alert))
        .route("/incidents/{id}/entities", post(api::add_entity))
        .route("/incidents/{id}/attachments", post(api::attach))
        .route("/incidents/{id}/escalate", post(api::escalate))
        .route("/cases", get(cases_api::list).post(cases_api::open))
        .route("/cases/{id}", get(cases_api::get_one))
        .route("/cases/{id}/incidents", post(cases_api::add_incident))
        .route("/cases/{id}/state", post(cases_api::set_state))
        .route("/shift/log", get(shift_api::log).post(shift_api::write))
        .route("/shift/handover", get(shift_api::preview))
        .route(
            "/shift/handovers",
            get(shift_api::handovers).post(shift_api::hand_over),
        )
        .route(
            "/shift/handovers/{id}/acknowledge",
            post(shift_api::acknowledge),
        );
    Router::new()
        .nest("/api/v1", api)
        .route("/incidents", get(pages::list).post(pages::open))
        .route("/incidents/{id}", get(pages::detail))
        .route("/incidents/{id}/{what}", post(pages::step))
        .route("/cases", get(cases_pages::list).post(cases_pages::open))
        .route("/cases/{id}", get(cases_pages::detail))
        .route("/cases/{id}/{what}", post(cases_pages::step))
        .route("/shift", get(shift_pages::page))
        .route("/shift/log", post(shift_pages::write))
        .route("/shift/handovers", post(shift_pages::hand_over))
        .route(
            "/shift/handovers/{id}/acknowledge",
            post(shift_pages::acknowledge),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    api::list,
    api::open,
    api::get_one,
    api::timeline,
    api::stix_bundle,
    api::note,
    api::action,
    api::set_state,
    api::set_severity,
    api::link_alert,
    api::add_entity,
    api::attach,
    api::escalate,
    cases_api::list,
    cases_api::open,
    cases_api::get_one,
    cases_api::add_incident,
    cases_api::set_state,
    shift_api::log,
    shift_api::write,
    shift_api::preview,
    shift_api::handovers,
    shift_api::hand_over,
    shift_api::acknowledge
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
