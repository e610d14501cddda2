//! Secure container release without PIN codes: a shipping line issues the release of one
//! container on one bill of lading; the release right passes from party to party (release-to
//! party, cargo directors, the haulier, its executing subcontractor), each step by the party
//! that holds it and each an audited event; the holder at the end names one driver (a person
//! of the access register with a port card) and one truck. At the gate, a decision that names
//! the container grants only that driver in that truck with all three lights allowing it, and
//! a different driver raises an alert. The rules are in `hamnvakt-release`; this folder
//! stores them, serves them and answers the gate.
//!
//! Files: `service.rs` (issue, the steps, what the gate reads and records, the
//! driver-mismatch detector), `api.rs` (`/api/v1/releases…`), `coreor_api.rs` (release
//! orders as EDIFACT COREOR), `stream.rs` (server-sent events telling a party when a
//! release reaches it, following the audit chain), `pages.rs` (the console's
//! `/releases…`: the list, a release's timeline with its lights and the dispatcher's steps,
//! and the day's pick-ups and refusals for the terminal and the security centre).
//!
//! Public items: [`routes`], [`openapi`], the use cases [`issue`], [`act`] with [`Step`] and
//! [`IssueRequest`], and for the gate [`pickup_facts`] (cached, [`FactsCache`]),
//! [`pickup_facts_in`], [`PickupFacts`], [`collect`] (a pick-up is granted only to a release
//! claimed for it, in the transaction that records the decision), [`check_pickup`],
//! [`presented`], [`pickup_tasks`] (a driver's pick-ups due, for the stack detector) and
//! [`driver_mismatch`] (the finding of a wrong driver, which the gate's
//! committer writes to the alert outbox with the decision).

mod api;
mod coreor_api;
mod pages;
mod service;
mod stream;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::access::AccessState;

pub use service::{
    act, check_pickup, collect, driver_mismatch, issue, pickup_facts, pickup_facts_in,
    pickup_tasks, presented, Collect, FactsCache, IssueRequest, PickupFacts, Step,
    DRIVER_MISMATCH_ACTOR,
};
pub use service::{may_read, oversees, visible};

pub fn routes() -> Router<AccessState> {
    let api = Router::new()
        .route("/releases", get(api::list).post(api::issue))
        .route("/releases/coreor", post(coreor_api::receive))
        .route("/releases/stream", get(stream::stream))
        .route("/releases/{id}", get(api::get_one))
        .route("/releases/{id}/steps", post(api::step));
    Router::new()
        .nest("/api/v1", api)
        .route("/releases", get(pages::list))
        .route("/releases/pickups", get(pages::pickups))
        .route("/releases/{id}", get(pages::detail))
        .route("/releases/{id}/step", post(pages::step))
}

#[derive(OpenApi)]
#[openapi(paths(
    api::issue,
    api::list,
    api::get_one,
    api::step,
    coreor_api::receive,
    stream::stream
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
