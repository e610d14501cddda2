//! The port's sites: its terminals and harbours with their UN/LOCODE and position.
//!
//! Public items: [`routes`] (`/api/v1/sites` and the console's `/sites`), [`openapi`] and the
//! use case [`create_site`].

mod api;
mod pages;
mod service;

use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

pub use service::create_site;

pub fn routes() -> Router<AppState> {
    Router::new()
        .nest("/api/v1", Router::new().route("/sites", get(api::list)))
        .route("/sites", get(pages::list))
}

#[derive(OpenApi)]
#[openapi(paths(api::list))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
