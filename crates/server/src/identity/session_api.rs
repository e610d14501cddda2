//! `/api/v1/session` and `/api/v1/me`: signing in for browser-based clients.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hamnvakt_core::ids::{OrgId, UserId};
use hamnvakt_identity::{Permission, Role};
use hamnvakt_store::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::web::auth::{set_cookie, ClientAddress, Principal, Via, SESSION_COOKIE};
use crate::web::error::{request_id, ApiError, Problem};
use crate::web::extract::ApiJson;
use crate::web::state::AppState;
use crate::web::time::rfc3339;

/// A role's name in the document: one of [`Role::ALL`].
pub struct RoleName;

impl utoipa::PartialSchema for RoleName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::web::openapi::string_enum(
            Role::ALL.iter().map(|r| r.as_str().to_owned()),
            "A role: what its holder may do",
        )
    }
}

impl ToSchema for RoleName {
    fn name() -> std::borrow::Cow<'static, str> {
        "Role".into()
    }
}

/// A permission's name in the document: every permission some role grants, which is every
/// one a caller can have.
pub struct PermissionName;

impl utoipa::PartialSchema for PermissionName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut all: Vec<Permission> = Role::ALL
            .iter()
            .flat_map(|r| r.permissions().iter().copied())
            .collect();
        all.sort();
        all.dedup();
        crate::web::openapi::string_enum(
            all.iter().filter_map(|p| {
                serde_json::to_value(p)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
            }),
            "A permission: what a role allows",
        )
    }
}

impl ToSchema for PermissionName {
    fn name() -> std::borrow::Cow<'static, str> {
        "Permission".into()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    #[schema(value_type = String, format = Uuid)]
    pub org_id: OrgId,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = Vec<RoleName>)]
    pub roles: Vec<Role>,
    pub locale: String,
    pub disabled: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            org_id: u.org_id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.clone(),
            locale: u.locale.clone(),
            disabled: u.disabled,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub user: UserView,
    /// Send as `X-CSRF-Token` on every state-changing request made with the session cookie.
    pub csrf_token: String,
    pub expires_at: String,
}

/// Signs in; sets the session cookie. Throttled per account and per address.
#[utoipa::path(post, path = "/session", tag = "session", request_body = LoginBody,
    responses((status = 200, body = SessionView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(b): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let s = super::login::login(
        &state,
        &b.username,
        &b.password,
        &address,
        Some(request_id()),
    )
    .await?;
    let cookie = set_cookie(
        &state,
        SESSION_COOKIE,
        &s.secret,
        i64::from(state.config.session_timeout_seconds),
        true,
    );
    let view = SessionView {
        user: (&s.user).into(),
        csrf_token: s.csrf,
        expires_at: rfc3339(s.expires_ms),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(view)).into_response())
}

/// Signs out of the current browser session.
#[utoipa::path(delete, path = "/session", tag = "session", security(("session" = [])),
    responses((status = 204), (status = 400, description = "The request carries an API token, which has no session to end", body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn logout(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, ApiError> {
    let Via::Session { digest, .. } = &principal.via else {
        return Err(ApiError::BadRequest(
            "API tokens have no session; revoke the token instead".into(),
        ));
    };
    super::login::logout(&state, &principal.actor(), digest).await?;
    let cookie = set_cookie(&state, SESSION_COOKIE, "", 0, true);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    /// The roles in force for this request (a token's may be fewer than its owner's).
    #[schema(value_type = Vec<RoleName>)]
    pub roles: Vec<Role>,
    #[schema(value_type = Vec<PermissionName>)]
    pub permissions: Vec<Permission>,
    /// `session` or `token`.
    #[schema(pattern = "^(session|token)$")]
    pub via: String,
}

/// Who you are, and what you may do.
#[utoipa::path(get, path = "/me", tag = "session", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeView), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(principal: Principal) -> Json<MeView> {
    let mut permissions: Vec<Permission> = principal
        .roles
        .iter()
        .flat_map(|r| r.permissions().iter().copied())
        .collect();
    permissions.sort();
    permissions.dedup();
    Json(MeView {
        user: (&principal.user).into(),
        roles: principal.roles.clone(),
        permissions,
        via: match principal.via {
            Via::Session { .. } => "session".into(),
            Via::Token { .. } => "token".into(),
        },
    })
}
