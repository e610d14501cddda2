//! The audit chain as its readers see it: the append-only, hash-chained event log listed and
//! filtered through need-to-know (`visibility.rs`: an alert's events as its marking allows,
//! other events by organisation), and its verification.
//!
//! Public items: [`routes`] (`/api/v1/audit/…` and the console's `/audit`) and [`openapi`].

mod api;
mod pages;
mod visibility;

use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/audit/events", get(api::list))
        .route("/audit/verify", get(api::verify));
    Router::new()
        .nest("/api/v1", api)
        .route("/audit", get(pages::log))
}

#[derive(OpenApi)]
#[openapi(paths(api::list, api::verify))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
