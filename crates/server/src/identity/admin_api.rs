//! `/api/v1/organisations`, `/users`, `/tokens`: administration. Every change is audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::ids::{OrgId, TokenId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::{Permission, Role};
use hamnvakt_store::{ApiTokenRecord, Organisation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::{self, UserSpec};
use super::session_api::UserView;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::ApiJson;
use crate::web::state::AppState;
use crate::web::time::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
}

impl From<Organisation> for OrgView {
    fn from(o: Organisation) -> Self {
        OrgView {
            id: o.id,
            name: o.name,
            kind: o.kind,
        }
    }
}

/// All organisations connected to this installation (names are not secret inside it).
#[utoipa::path(get, path = "/organisations", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<OrgView>), (status = 401, body = Problem)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    _p: Principal,
) -> Result<Json<Vec<OrgView>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    pub name: String,
    pub kind: OrgKind,
}

/// Adds an organisation.
#[utoipa::path(post, path = "/organisations", tag = "admin", request_body = CreateOrg,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = OrgView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn create_org(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<CreateOrg>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    p.require(Permission::UsersManage)?;
    let org = admin::create_org(&state, &p.actor(), &b.name, b.kind, None).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// Users: administrators see everyone, others the people of their own organisation.
#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 401, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let scope = if p.can(Permission::UsersManage) {
        None
    } else {
        Some(p.org())
    };
    Ok(Json(
        state
            .store
            .list_users(scope)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(value_type = String, format = Uuid)]
    pub org_id: OrgId,
    pub username: String,
    pub display_name: String,
    /// At least 10 characters; omit for machine accounts that only use tokens.
    pub password: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    /// `sv` (default) or `en`.
    pub locale: Option<String>,
}

/// Adds a user.
#[utoipa::path(post, path = "/users", tag = "admin", request_body = CreateUser,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    p.require(Permission::UsersManage)?;
    let spec = UserSpec {
        id: None,
        org_id: b.org_id,
        username: b.username,
        display_name: b.display_name,
        password: b.password,
        roles: b.roles,
        locale: b.locale.unwrap_or_else(|| "sv".into()),
    };
    let user = admin::create_user(&state, &p.actor(), spec).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

fn parse_user_id(s: &str) -> Result<UserId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("user {s}")))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoles {
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
}

/// Replaces a user's roles.
#[utoipa::path(put, path = "/users/{id}/roles", tag = "admin", params(("id" = String, Path, format = Uuid)),
    request_body = SetRoles, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_roles(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SetRoles>,
) -> Result<Json<UserView>, ApiError> {
    p.require(Permission::UsersManage)?;
    let id = parse_user_id(&id)?;
    if id == p.user.id && !b.roles.contains(&Role::Administrator) {
        return Err(ApiError::Conflict(
            "you cannot remove your own administrator role".into(),
        ));
    }
    Ok(Json(
        (&admin::set_roles(&state, &p.actor(), id, b.roles).await?).into(),
    ))
}

/// Disables a user and ends their sessions.
#[utoipa::path(post, path = "/users/{id}/disable", tag = "admin", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn disable_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    p.require(Permission::UsersManage)?;
    let id = parse_user_id(&id)?;
    if id == p.user.id {
        return Err(ApiError::Conflict("you cannot disable yourself".into()));
    }
    Ok(Json(
        (&admin::set_disabled(&state, &p.actor(), id, true).await?).into(),
    ))
}

/// Enables a user again.
#[utoipa::path(post, path = "/users/{id}/enable", tag = "admin", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn enable_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    p.require(Permission::UsersManage)?;
    let id = parse_user_id(&id)?;
    Ok(Json(
        (&admin::set_disabled(&state, &p.actor(), id, false).await?).into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    #[schema(value_type = String, format = Uuid)]
    pub id: TokenId,
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    pub name: String,
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

impl From<ApiTokenRecord> for TokenView {
    fn from(t: ApiTokenRecord) -> Self {
        TokenView {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            roles: t.roles,
            created_at: rfc3339(t.created_ms),
            expires_at: rfc3339(t.expires_ms),
            revoked_at: t.revoked_ms.map(rfc3339),
        }
    }
}

/// Your tokens (administrators: everyone's).
#[utoipa::path(get, path = "/tokens", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    p.require(Permission::TokensManage)?;
    let scope = if p.can(Permission::UsersManage) {
        None
    } else {
        Some(p.user.id)
    };
    Ok(Json(
        state
            .store
            .list_tokens(scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// Roles the token carries; the owner must hold each.
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    /// Default 90, at most the configured maximum.
    pub lifetime_days: Option<u32>,
    /// Administrators may create tokens for machine accounts; default yourself.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// The bearer secret. Shown once; only its digest is stored.
    pub secret: String,
}

/// Creates an API token; the secret is in the answer and nowhere else.
#[utoipa::path(post, path = "/tokens", tag = "admin", request_body = CreateToken,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    p.require(Permission::TokensManage)?;
    let owner = match b.user_id {
        Some(id) if id != p.user.id => {
            p.require(Permission::UsersManage)?;
            state
                .store
                .user(id)
                .await?
                .ok_or_else(|| ApiError::field("user_id", format!("no user {id}")))?
        }
        _ => p.user.clone(),
    };
    let (record, secret) = admin::create_token(
        &state,
        &p.actor(),
        &owner,
        &b.name,
        b.roles,
        b.lifetime_days.unwrap_or(90),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: record.into(),
            secret,
        }),
    ))
}

/// Revokes a token at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "admin", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Permission::TokensManage)?;
    let id = super::login::parse_token_id(&id)?;
    let token = state
        .store
        .token(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("token {id}")))?;
    if token.user_id != p.user.id && !p.can(Permission::UsersManage) {
        return Err(ApiError::NotFound(format!("token {id}")));
    }
    admin::revoke_token(&state, &p.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
