//! The one alert queue: every detector and rule raises into it, operators acknowledge, assign
//! and close, and every reader sees only what the alert's TLP marking and audience allow.
//!
//! Public items: [`routes`] (`/api/v1/alerts…` and the console's `/alerts…`), [`openapi`],
//! and the use cases other capabilities call: [`raise`] (validate, store, record
//! `alert.raised`, or fold a detector's repeat into the alert still open for the finding),
//! [`pending`] and [`drain`] (the outbox: a finding written in the transaction of the
//! decision or AIS batch it was found in, raised afterwards — at start-up too, so a crash
//! loses none), [`act`] (a lifecycle step) and [`ACTIVE`] (the states of an open alert).
//! `stream.rs` pushes the queue's changes to the console (server-sent events, need-to-know per
//! event); `evidence.rs` renders an alert's evidence for people; `words.rs` writes a
//! detector's title ([`hamnvakt_core::alert::AlertMessage`]) in the reader's language:
//! [`english_title`] for the stored title, [`title`] wherever people see an alert.

mod api;
mod evidence;
mod pages;
mod service;
mod stream;
mod words;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

pub use service::{
    act, drain, drain_soon, merge, outbox_task, pending, raise, raised_payload, ACTIVE,
};
pub use words::{english_title, title};

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/alerts", get(api::list).post(api::raise))
        .route("/alerts/stream", get(stream::stream))
        .route("/alerts/{id}", get(api::get_one))
        .route("/alerts/{id}/history", get(api::history))
        .route("/alerts/{id}/stix", get(api::stix_bundle))
        .route("/alerts/{id}/acknowledge", post(api::acknowledge))
        .route("/alerts/{id}/assign", post(api::assign))
        .route("/alerts/{id}/close", post(api::close))
        .route("/alerts/{id}/reopen", post(api::reopen))
        .route("/alerts/{id}/merge", post(api::merge));
    Router::new()
        .nest("/api/v1", api)
        .route("/alerts", get(pages::queue))
        .route("/alerts/{id}", get(pages::detail))
        .route("/alerts/{id}/acknowledge", post(pages::acknowledge))
        .route("/alerts/{id}/assign", post(pages::assign))
        .route("/alerts/{id}/close", post(pages::close))
        .route("/alerts/{id}/reopen", post(pages::reopen))
        .route("/alerts/{id}/merge", post(pages::merge))
        .route(
            "/static/alerts.js",
            get(|| {
                crate::web::layout::asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../assets/alerts.js"),
                )
            }),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    api::list,
    stream::stream,
    api::raise,
    api::get_one,
    api::history,
    api::stix_bundle,
    api::acknowledge,
    api::assign,
    api::close,
    api::reopen,
    api::merge
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
