//! The HTTP API under `/api/v1`: JSON in and out, problem documents for errors, and an
//! OpenAPI 3.1 document generated from the handlers' annotations.

pub mod access;
pub mod admin;
pub mod alerts;
pub mod audit;
pub mod consignments;
pub mod profiles;
pub mod session;
pub mod sites;
pub mod vessels;

use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/session", post(session::login).delete(session::logout))
        .route("/me", get(session::me))
        .route("/alerts", get(alerts::list).post(alerts::raise))
        .route("/alerts/{id}", get(alerts::get_one))
        .route("/alerts/{id}/history", get(alerts::history))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/assign", post(alerts::assign))
        .route("/alerts/{id}/close", post(alerts::close))
        .route(
            "/organisations",
            get(admin::list_orgs).post(admin::create_org),
        )
        .route("/users", get(admin::list_users).post(admin::create_user))
        .route("/users/{id}/roles", put(admin::set_roles))
        .route("/users/{id}/disable", post(admin::disable_user))
        .route("/users/{id}/enable", post(admin::enable_user))
        .route("/tokens", get(admin::list_tokens).post(admin::create_token))
        .route("/tokens/{id}", delete(admin::revoke_token))
        .route("/audit/events", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route("/sites", get(sites::list))
        .route("/vessels", get(vessels::list))
        .route("/vessels/stream", get(vessels::stream))
        .route("/vessels/{mmsi}", get(vessels::get_one))
        .route("/vessels/{mmsi}/track", get(vessels::track))
        .route("/vessels/{mmsi}/port-calls", get(vessels::port_calls))
        .route("/vessels/{mmsi}/risk", get(vessels::risk))
        .route("/vessels/{mmsi}/flag", put(vessels::declare_flag))
        .route("/ports", get(vessels::ports))
        .route(
            "/consignments",
            get(consignments::list).post(consignments::create),
        )
        .route("/consignments/import", post(consignments::import))
        .route("/consignments/{id}", get(consignments::get_one))
        .route(
            "/consignments/{id}/outcome",
            get(consignments::outcome).put(consignments::record_outcome),
        )
        .route(
            "/targeting/profiles",
            get(profiles::list).post(profiles::create),
        )
        .route("/targeting/profiles/{id}", put(profiles::update))
        .route("/targeting/profiles/{id}/versions", get(profiles::versions))
        .route("/targeting/selections", post(profiles::run_selection))
        .route("/targeting/worklist", get(profiles::worklist))
        .route("/targeting/report", get(profiles::report))
        .route(
            "/targeting/models",
            get(profiles::models).post(profiles::train),
        )
        .route("/consignments/{id}/reroute", post(profiles::reroute))
        .route("/consignments/{id}/score", get(profiles::score))
        .route(
            "/access/facilities",
            get(access::facilities::list).post(access::facilities::create),
        )
        .route(
            "/access/facilities/{id}",
            get(access::facilities::get_one).put(access::facilities::update),
        )
        .route(
            "/access/zones",
            get(access::zones::list).post(access::zones::create),
        )
        .route(
            "/access/zones/{id}",
            get(access::zones::get_one).put(access::zones::update),
        )
        .route(
            "/access/gates",
            get(access::gates::list).post(access::gates::create),
        )
        .route(
            "/access/gates/{id}",
            get(access::gates::get_one).put(access::gates::update),
        )
        .route(
            "/access/people",
            get(access::people::list).post(access::people::create),
        )
        .route(
            "/access/people/{id}",
            get(access::people::get_one).put(access::people::update),
        )
        .route(
            "/access/credentials",
            get(access::credentials::list).post(access::credentials::create),
        )
        .route(
            "/access/credentials/{id}",
            get(access::credentials::get_one).put(access::credentials::update),
        )
        .route(
            "/access/vehicles",
            get(access::vehicles::list).post(access::vehicles::create),
        )
        .route(
            "/access/vehicles/{id}",
            get(access::vehicles::get_one).put(access::vehicles::update),
        )
        .route(
            "/access/permits",
            get(access::permits::list).post(access::permits::create),
        )
        .route(
            "/access/permits/{id}",
            get(access::permits::get_one).put(access::permits::update),
        )
        .route(
            "/access/visits",
            get(access::visits::list).post(access::visits::create),
        )
        .route(
            "/access/visits/{id}",
            get(access::visits::get_one).put(access::visits::update),
        )
        .route(
            "/access/bans",
            get(access::bans::list).post(access::bans::create),
        )
        .route(
            "/access/bans/{id}",
            get(access::bans::get_one).put(access::bans::update),
        )
        .route("/access/decisions", get(access::feed).post(access::decide))
        .route("/access/decisions/stream", get(access::stream))
        .route(
            "/access/facilities/{id}/security-level",
            post(access::set_level),
        )
        .route("/access/facilities/{id}/muster", get(access::muster))
        .route("/access/occupancy", get(access::occupancy))
        .route(
            "/access/policies",
            get(access::policies).put(access::set_policies),
        )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hamnvakt API",
        description = "Security platform for seaports: alerts, sign-in, organisations and the audit chain. \
                       Errors are RFC 9457 problem documents with a stable `code` and a `request_id`.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    paths(
        session::login, session::logout, session::me,
        alerts::list, alerts::raise, alerts::get_one, alerts::history,
        alerts::acknowledge, alerts::assign, alerts::close,
        admin::list_orgs, admin::create_org, admin::list_users, admin::create_user,
        admin::set_roles, admin::disable_user, admin::enable_user,
        admin::list_tokens, admin::create_token, admin::revoke_token,
        audit::list, audit::verify,
        sites::list,
        vessels::list, vessels::get_one, vessels::track, vessels::port_calls, vessels::risk,
        vessels::declare_flag, vessels::ports, vessels::stream,
        consignments::create, consignments::import, consignments::list, consignments::get_one,
        consignments::record_outcome, consignments::outcome,
        profiles::list, profiles::create, profiles::update, profiles::versions,
        profiles::run_selection, profiles::worklist, profiles::reroute, profiles::report,
        profiles::train, profiles::models, profiles::score,
        access::facilities::list, access::facilities::get_one, access::facilities::create, access::facilities::update,
        access::zones::list, access::zones::get_one, access::zones::create, access::zones::update,
        access::gates::list, access::gates::get_one, access::gates::create, access::gates::update,
        access::people::list, access::people::get_one, access::people::create, access::people::update,
        access::credentials::list, access::credentials::get_one, access::credentials::create, access::credentials::update,
        access::vehicles::list, access::vehicles::get_one, access::vehicles::create, access::vehicles::update,
        access::permits::list, access::permits::get_one, access::permits::create, access::permits::update,
        access::visits::list, access::visits::get_one, access::visits::create, access::visits::update,
        access::bans::list, access::bans::get_one, access::bans::create, access::bans::update,
        access::decide, access::feed, access::stream, access::set_level, access::muster, access::occupancy,
        access::policies, access::set_policies,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&SecurityAddon),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "alerts", description = "The one alert queue"),
        (name = "admin", description = "Organisations, users, roles and API tokens"),
        (name = "audit", description = "The append-only, hash-chained event log"),
        (name = "sites", description = "The port's sites"),
        (name = "vessels", description = "The AIS vessel picture"),
        (name = "cargo", description = "Consignments for cargo risk targeting"),
        (name = "access", description = "Perimeter and access control: the register, gate decisions, ISPS levels, occupancy and policies"),
    )
)]
pub struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("hvt_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "browser session; state-changing requests also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// The OpenAPI 3.1 document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Milliseconds since the epoch as RFC 3339 text.
pub fn rfc3339(ms: i64) -> String {
    hamnvakt_core::clock::from_millis(ms).to_string()
}

/// RFC 3339 text to milliseconds, naming the field on failure.
pub fn parse_time(field: &str, s: &str) -> Result<i64, crate::error::ApiError> {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            crate::error::ApiError::field(
                field,
                "must be an RFC 3339 time such as 2026-11-28T03:10:00Z",
            )
        })
}
