//! Who is who: organisations, users and their roles, API tokens, and signing in and out
//! (the API's session endpoints and the console's sign-in page). How a request is
//! authenticated is the platform's ([`crate::web::auth`]); who may be created, changed or
//! signed in is decided here, and every such change is in the audit chain.
//!
//! The console's `/admin` (`admin_pages.rs`) acts through the API's handlers.
//!
//! Public items: [`routes`], [`openapi`], and the use cases the command line and the demo
//! call: [`create_org`], [`create_user`] with [`UserSpec`], [`create_token`], [`set_roles`],
//! [`set_disabled`], [`revoke_token`]; the background task [`housekeeping`] and its
//! [`close_throttle_windows`].

mod admin;
mod admin_api;
mod admin_pages;
mod backups;
mod housekeeping;
mod login;
mod pages;
mod session_api;

use axum::routing::{delete, get, post, put};
use axum::Router;
use utoipa::OpenApi;

use crate::web::state::AppState;

pub use admin::{
    create_org, create_token, create_user, revoke_token, set_disabled, set_roles, UserSpec,
};
pub use admin_pages::admin_tabs;
pub use backups::make as make_backup;
pub use housekeeping::housekeeping;
pub use login::close_throttle_windows;

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route(
            "/session",
            post(session_api::login).delete(session_api::logout),
        )
        .route("/me", get(session_api::me))
        .route(
            "/organisations",
            get(admin_api::list_orgs).post(admin_api::create_org),
        )
        .route(
            "/users",
            get(admin_api::list_users).post(admin_api::create_user),
        )
        .route("/users/{id}/roles", put(admin_api::set_roles))
        .route("/users/{id}/disable", post(admin_api::disable_user))
        .route("/users/{id}/enable", post(admin_api::enable_user))
        .route(
            "/tokens",
            get(admin_api::list_tokens).post(admin_api::create_token),
        )
        .route("/tokens/{id}", delete(admin_api::revoke_token));
    Router::new()
        .nest("/api/v1", api)
        .route("/admin", get(admin_pages::overview))
        .route("/admin/organisations", post(admin_pages::create_org))
        .route("/admin/users", post(admin_pages::create_user))
        .route("/admin/users/{id}/roles", post(admin_pages::set_roles))
        .route("/admin/users/{id}/disable", post(admin_pages::disable_user))
        .route("/admin/users/{id}/enable", post(admin_pages::enable_user))
        .route("/admin/tokens", post(admin_pages::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin_pages::revoke_token))
        .route("/admin/backups", get(backups::page).post(backups::create))
        .route("/login", get(pages::form).post(pages::submit))
        .route("/logout", post(pages::logout))
}

#[derive(OpenApi)]
#[openapi(paths(
    session_api::login,
    session_api::logout,
    session_api::me,
    admin_api::list_orgs,
    admin_api::create_org,
    admin_api::list_users,
    admin_api::create_user,
    admin_api::set_roles,
    admin_api::disable_user,
    admin_api::enable_user,
    admin_api::list_tokens,
    admin_api::create_token,
    admin_api::revoke_token
))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
