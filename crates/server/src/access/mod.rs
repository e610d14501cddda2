//! Perimeter and access control: the register (facilities, zones, gates, people, credentials,
//! vehicles, permits, visits, bans), gate decisions made against it in memory and recorded in
//! the audit chain before the controller is answered, ISPS security levels, occupancy and
//! muster lists, the Cedar policies, and the operator's live decision feed. The rules are in
//! `hamnvakt-access`; this folder holds them in memory, stores and serves them.
//!
//! Files: `engine.rs` (decisions under one lock, group commit, register and policy changes),
//! `projector.rs` (the decision list and occupancy derived from the chain), `register.rs`
//! (one generic path for the nine register kinds), `scope.rs` (whose register data a reader
//! sees), `api.rs` (`/api/v1/access/…`), `pages.rs`
//! (the console's `/access…`).
//!
//! Public items: [`AccessState`] (what its handlers are given), [`routes`], [`openapi`],
//! [`start`], the [`Engine`] with [`DecisionInput`] and [`GateRef`], [`occupants`] (who is
//! inside a facility now) and [`Scope`] (whose register data a reader sees).

mod api;
mod engine;
mod pages;
mod projector;
mod record_links;
mod register;
mod register_list;
mod scope;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::web::error::ApiError;
use crate::web::state::AppState;

pub use api::occupants;
pub use engine::{DecisionInput, Engine, GateRef};
pub use register::{from_body, search, Record, Refs};
pub use scope::Scope;

/// The platform state with the access engine: what this capability's handlers are given.
/// Derefs to [`AppState`], so `state.store` and `&state` as an `&AppState` work as anywhere.
#[derive(Clone)]
pub struct AccessState {
    pub app: AppState,
    pub access: Arc<Engine>,
}

impl std::ops::Deref for AccessState {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl FromRef<AccessState> for AppState {
    fn from_ref(s: &AccessState) -> AppState {
        s.app.clone()
    }
}

/// Loads the register, the policies and presence, and starts the committer and the projector.
pub async fn start(state: &AccessState) -> Result<(), ApiError> {
    Engine::start(state).await
}

pub fn routes() -> Router<AccessState> {
    macro_rules! register {
        ($router:expr, $list:literal, $one:literal, $module:ident) => {
            $router
                .route($list, get(api::$module::list).post(api::$module::create))
                .route($one, get(api::$module::get_one).put(api::$module::update))
        };
    }
    let mut api = Router::new();
    api = register!(
        api,
        "/access/facilities",
        "/access/facilities/{id}",
        facilities
    );
    api = register!(api, "/access/zones", "/access/zones/{id}", zones);
    api = register!(api, "/access/gates", "/access/gates/{id}", gates);
    api = register!(api, "/access/people", "/access/people/{id}", people);
    api = register!(
        api,
        "/access/credentials",
        "/access/credentials/{id}",
        credentials
    );
    api = register!(api, "/access/vehicles", "/access/vehicles/{id}", vehicles);
    api = register!(api, "/access/permits", "/access/permits/{id}", permits);
    api = register!(api, "/access/visits", "/access/visits/{id}", visits);
    api = register!(api, "/access/bans", "/access/bans/{id}", bans);
    let api = api
        .route("/access/decisions", get(api::feed).post(api::decide))
        .route("/access/decisions/stream", get(api::stream))
        .route(
            "/access/facilities/{id}/security-level",
            post(api::set_level),
        )
        .route("/access/facilities/{id}/muster", get(api::muster))
        .route("/access/occupancy", get(api::occupancy))
        .route(
            "/access/policies",
            get(api::policies).put(api::set_policies),
        );
    Router::new()
        .nest("/api/v1", api)
        .route("/access", get(pages::overview))
        .route("/access/level/{id}", post(pages::set_level))
        .route("/access/feed", get(pages::feed))
        .route("/access/onsite", get(pages::onsite))
        .route("/access/muster/{id}", get(pages::muster))
        .route(
            "/access/policies",
            get(pages::policies).post(pages::save_policies),
        )
        .route("/access/r/{kind}", get(pages::list))
        .route("/access/r/{kind}/{id}", get(pages::edit).post(pages::save))
        .route(
            "/static/feed.js",
            get(|| {
                crate::web::layout::asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../assets/feed.js"),
                )
            }),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    api::facilities::list,
    api::facilities::get_one,
    api::facilities::create,
    api::facilities::update,
    api::zones::list,
    api::zones::get_one,
    api::zones::create,
    api::zones::update,
    api::gates::list,
    api::gates::get_one,
    api::gates::create,
    api::gates::update,
    api::people::list,
    api::people::get_one,
    api::people::create,
    api::people::update,
    api::credentials::list,
    api::credentials::get_one,
    api::credentials::create,
    api::credentials::update,
    api::vehicles::list,
    api::vehicles::get_one,
    api::vehicles::create,
    api::vehicles::update,
    api::permits::list,
    api::permits::get_one,
    api::permits::create,
    api::permits::update,
    api::visits::list,
    api::visits::get_one,
    api::visits::create,
    api::visits::update,
    api::bans::list,
    api::bans::get_one,
    api::bans::create,
    api::bans::update,
    api::decide,
    api::feed,
    api::stream,
    api::set_level,
    api::muster,
    api::occupancy,
    api::policies,
    api::set_policies,
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
