//! `/api/v1/organisations`, `/users`, `/tokens`: administration. Every change is audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::ids::{OrgId, TokenId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::{Permission, Role};
use hamnvakt_store::{ApiTokenRecord, Organisation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::{self, UserSpec};
use super::session_api::{RoleName, UserView};
use crate::web::auth::{Principal, Via};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath};
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
    responses((status = 200, body = Vec<OrgView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
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
    /// Free text, at most 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    pub kind: OrgKind,
}

/// Adds an organisation.
#[utoipa::path(post, path = "/organisations", tag = "admin", request_body = CreateOrg,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = OrgView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn create_org(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<CreateOrg>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    p.require(Permission::OrganisationsManage)?;
    let org = admin::create_org(&state, &p.actor(), &b.name, b.kind, None).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// Users: the people of one's own organisation; a platform administrator sees everyone.
#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_users(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let scope = if p.can(Permission::OrganisationsManage) {
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
    /// 2 to 64 of lowercase letters, digits, `.`, `-` and `_`.
    #[schema(min_length = 2, max_length = 64, pattern = r"^[a-z0-9._-]{2,64}$")]
    pub username: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub display_name: String,
    /// At least 10 characters; omit for machine accounts that only use tokens.
    #[schema(min_length = 10)]
    pub password: Option<String>,
    /// Customs roles (`targeting_officer`, `customs_system`) only in a customs organisation.
    #[schema(value_type = Vec<RoleName>)]
    pub roles: Vec<Role>,
    /// `sv` (default) or `en`.
    #[schema(pattern = "^(sv|en)$")]
    pub locale: Option<String>,
}

/// Adds a user.
#[utoipa::path(post, path = "/users", tag = "admin", request_body = CreateUser,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = UserView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_user(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    require_admin_of(&p, b.org_id)?;
    may_grant(&p, &b.roles)?;
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

/// An administrator administers the accounts of their own organisation; another
/// organisation's only with the platform administrator's role.
fn require_admin_of(p: &Principal, org: OrgId) -> Result<(), ApiError> {
    p.require(Permission::UsersManage)?;
    if org == p.org() || p.can(Permission::OrganisationsManage) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "you administer the accounts of your own organisation; another organisation's \
             need the platform_administrator role"
                .into(),
        ))
    }
}

/// Only a platform administrator makes another.
fn may_grant(p: &Principal, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&Role::PlatformAdministrator) && !p.can(Permission::OrganisationsManage) {
        return Err(ApiError::Forbidden(
            "only a platform administrator grants platform_administrator".into(),
        ));
    }
    Ok(())
}

/// The user `id` if `p` may administer their account; a 404 for a user `p` may not see.
async fn administered_user(
    state: &AppState,
    p: &Principal,
    id: UserId,
) -> Result<hamnvakt_store::User, ApiError> {
    p.require(Permission::UsersManage)?;
    let user = state
        .store
        .user(id)
        .await?
        .filter(|u| u.org_id == p.org() || p.can(Permission::OrganisationsManage))
        .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
    Ok(user)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoles {
    #[schema(value_type = Vec<RoleName>)]
    pub roles: Vec<Role>,
}

/// Replaces a user's roles.
#[utoipa::path(put, path = "/users/{id}/roles", tag = "admin", params(("id" = String, Path, format = Uuid)),
    request_body = SetRoles, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "You cannot remove your own administrator role", body = Problem, content_type = "application/problem+json")))]
pub async fn set_roles(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<SetRoles>,
) -> Result<Json<UserView>, ApiError> {
    let id = parse_user_id(&id)?;
    administered_user(&state, &p, id).await?;
    may_grant(&p, &b.roles)?;
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
    responses((status = 200, body = UserView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "You cannot disable yourself", body = Problem, content_type = "application/problem+json")))]
pub async fn disable_user(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserView>, ApiError> {
    let id = parse_user_id(&id)?;
    administered_user(&state, &p, id).await?;
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
    responses((status = 200, body = UserView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn enable_user(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserView>, ApiError> {
    let id = parse_user_id(&id)?;
    administered_user(&state, &p, id).await?;
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
    #[schema(value_type = Vec<RoleName>)]
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

/// Your tokens; an administrator's: those of their organisation's accounts; a platform
/// administrator's: everyone's.
#[utoipa::path(get, path = "/tokens", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    p.require(Permission::TokensManage)?;
    let tokens = if p.can(Permission::OrganisationsManage) {
        state.store.list_tokens(None).await?
    } else if p.can(Permission::UsersManage) {
        let members: std::collections::HashSet<UserId> = state
            .store
            .list_users(Some(p.org()))
            .await?
            .iter()
            .map(|u| u.id)
            .collect();
        let mut all = state.store.list_tokens(None).await?;
        all.retain(|t| members.contains(&t.user_id));
        all
    } else {
        state.store.list_tokens(Some(p.user.id)).await?
    };
    Ok(Json(tokens.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// Roles the token carries; the owner must hold each, and a token created with a token
    /// carries none that the token in use lacks.
    #[schema(value_type = Vec<RoleName>, min_items = 1)]
    pub roles: Vec<Role>,
    /// Default 90, at most the configured maximum (`token_max_lifetime_days`).
    #[schema(minimum = 1)]
    pub lifetime_days: Option<u32>,
    /// Administrators may create tokens for their organisation's accounts (a platform
    /// administrator for any); default yourself.
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
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
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
                .filter(|u| u.org_id == p.org() || p.can(Permission::OrganisationsManage))
                .ok_or_else(|| ApiError::field("user_id", format!("no user {id}")))?
        }
        _ => p.user.clone(),
    };
    // A token never mints a broader one: created with a bearer token, the new token is
    // bounded by the roles in force for that token (its own, as its owner still holds them),
    // not by everything its owner holds.
    if let Via::Token { .. } = p.via {
        if let Some(r) = b.roles.iter().find(|r| !p.roles.contains(r)) {
            return Err(ApiError::field(
                "roles",
                format!("the token in use does not carry the role {r}, so it cannot grant it"),
            ));
        }
    }
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
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Permission::TokensManage)?;
    let id = super::login::parse_token_id(&id)?;
    let token = state
        .store
        .token(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("token {id}")))?;
    if token.user_id != p.user.id {
        administered_user(&state, &p, token.user_id)
            .await
            .map_err(|_| ApiError::NotFound(format!("token {id}")))?;
    }
    admin::revoke_token(&state, &p.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
