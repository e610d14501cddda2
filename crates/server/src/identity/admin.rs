//! Organisations, users, roles and API tokens. Every change here is a permission change and
//! goes into the audit chain with what it was before and after.

use hamnvakt_core::ids::{OrgId, TokenId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::validate;
use hamnvakt_identity::secret::{self, TOKEN_PREFIX};
use hamnvakt_identity::{password, Role};
use hamnvakt_store::{ApiTokenRecord, NewToken, NewUser, Organisation, User};
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

/// The user with this id, or a 404 naming it.
async fn existing_user(state: &AppState, id: UserId) -> Result<User, ApiError> {
    state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("user {id}")))
}

pub async fn create_org(
    state: &AppState,
    actor: &Actor,
    name: &str,
    kind: OrgKind,
    id: Option<OrgId>,
) -> Result<Organisation, ApiError> {
    validate::name("name", name, 200).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    let mut change = Change::begin(state, actor).await?;
    let org = Organisation {
        id: id.unwrap_or_else(new_id),
        name: name.trim().to_owned(),
        kind,
        created_ms: change.at_ms(),
    };
    change
        .record(
            "org.created",
            Some(&format!("org:{}", org.id)),
            json!({"name": org.name, "kind": org.kind}),
        )
        .await?;
    change.tx().insert_org(&org).await?;
    change.commit().await?;
    Ok(org)
}

/// What a new user needs.
#[derive(Debug, Clone)]
pub struct UserSpec {
    pub id: Option<UserId>,
    pub org_id: OrgId,
    pub username: String,
    pub display_name: String,
    /// None for machine accounts, which only use API tokens.
    pub password: Option<String>,
    pub roles: Vec<Role>,
    pub locale: String,
}

fn check_username(u: &str) -> Result<(), ApiError> {
    let ok = (2..=64).contains(&u.len())
        && u.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "username",
            "2 to 64 characters: lowercase letters, digits, '.', '-', '_'",
        ))
    }
}

/// Customs roles (the targeting officer, customs' system) write consignments and inspection
/// outcomes, customs' own data: only accounts of a customs organisation may hold them.
fn check_roles_fit(org: &Organisation, roles: &[Role]) -> Result<(), ApiError> {
    if org.kind != OrgKind::Customs {
        if let Some(r) = roles.iter().find(|r| r.is_customs()) {
            return Err(ApiError::field(
                "roles",
                format!(
                    "{r} is a customs role; {} is not a customs organisation",
                    org.name
                ),
            ));
        }
    }
    Ok(())
}

pub async fn create_user(
    state: &AppState,
    actor: &Actor,
    spec: UserSpec,
) -> Result<User, ApiError> {
    check_username(&spec.username)?;
    validate::name("display_name", &spec.display_name, 200)
        .map_err(|e| ApiError::InvalidFields(vec![e]))?;
    if !matches!(spec.locale.as_str(), "sv" | "en") {
        return Err(ApiError::field("locale", "must be sv or en"));
    }
    let Some(org) = state.store.org(spec.org_id).await? else {
        return Err(ApiError::field(
            "org_id",
            format!("no organisation {}", spec.org_id),
        ));
    };
    check_roles_fit(&org, &spec.roles)?;
    let hash = match spec.password.clone() {
        Some(p) => Some(
            tokio::task::spawn_blocking(move || password::hash(&p, &mut rand::rngs::OsRng))
                .await?
                .map_err(|e| ApiError::field("password", e.to_string()))?,
        ),
        None => None,
    };
    let id = spec.id.unwrap_or_else(new_id);
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "user.created",
            Some(&format!("user:{id}")),
            json!({"username": spec.username, "org_id": spec.org_id, "display_name": spec.display_name, "roles": spec.roles, "has_password": hash.is_some()}),
        )
        .await?;
    let at = change.at_ms();
    change
        .tx()
        .insert_user(
            &NewUser {
                id,
                org_id: spec.org_id,
                username: &spec.username,
                display_name: &spec.display_name,
                password_hash: hash.as_deref(),
                roles: &spec.roles,
                locale: &spec.locale,
            },
            at,
        )
        .await?;
    change.commit().await?;
    state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::Internal("user vanished after insert".into()))
}

pub async fn set_roles(
    state: &AppState,
    actor: &Actor,
    user: UserId,
    roles: Vec<Role>,
) -> Result<User, ApiError> {
    let before = existing_user(state, user).await?;
    let org = state
        .store
        .org(before.org_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("user {user} has no organisation")))?;
    check_roles_fit(&org, &roles)?;
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "user.roles_changed",
            Some(&format!("user:{user}")),
            json!({"before": before.roles, "after": roles}),
        )
        .await?;
    change.tx().set_user_roles(user, &roles).await?;
    change.tx().bump_auth_version().await?;
    change.commit().await?;
    state.tokens.clear();
    existing_user(state, user).await
}

pub async fn set_disabled(
    state: &AppState,
    actor: &Actor,
    user: UserId,
    disabled: bool,
) -> Result<User, ApiError> {
    existing_user(state, user).await?;
    let mut change = Change::begin(state, actor).await?;
    let kind = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    change
        .record(kind, Some(&format!("user:{user}")), json!({}))
        .await?;
    change.tx().set_user_disabled(user, disabled).await?;
    change.tx().bump_auth_version().await?;
    change.commit().await?;
    state.tokens.clear();
    existing_user(state, user).await
}

/// Creates an API token for `owner` with `roles` (which the owner must hold). Returns the
/// record and the secret, which is shown this once and stored only as a digest.
pub async fn create_token(
    state: &AppState,
    actor: &Actor,
    owner: &User,
    name: &str,
    roles: Vec<Role>,
    lifetime_days: u32,
) -> Result<(ApiTokenRecord, String), ApiError> {
    validate::name("name", name, 100).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    if roles.is_empty() {
        return Err(ApiError::field("roles", "name at least one role"));
    }
    if let Some(r) = roles.iter().find(|r| !owner.roles.contains(r)) {
        return Err(ApiError::field(
            "roles",
            format!("the owner does not hold the role {r}"),
        ));
    }
    if lifetime_days == 0 || lifetime_days > state.config.token_max_lifetime_days {
        return Err(ApiError::field(
            "lifetime_days",
            format!(
                "must be between 1 and {}",
                state.config.token_max_lifetime_days
            ),
        ));
    }
    let secret_text = secret::generate(TOKEN_PREFIX, &mut rand::rngs::OsRng);
    let digest = secret::digest(&secret_text);
    let id: TokenId = new_id();
    let mut change = Change::begin(state, actor).await?;
    let created_ms = change.at_ms();
    let expires_ms = created_ms + i64::from(lifetime_days) * 86_400_000;
    change
        .record(
            "token.created",
            Some(&format!("token:{id}")),
            json!({"owner": owner.id, "name": name, "roles": roles, "expires_ms": expires_ms}),
        )
        .await?;
    change
        .tx()
        .insert_token(&NewToken {
            id,
            digest: &digest,
            user_id: owner.id,
            name,
            roles: &roles,
            created_ms,
            expires_ms,
        })
        .await?;
    change.commit().await?;
    let record = state
        .store
        .token(id)
        .await?
        .ok_or_else(|| ApiError::Internal("token vanished after insert".into()))?;
    Ok((record, secret_text))
}

pub async fn revoke_token(state: &AppState, actor: &Actor, id: TokenId) -> Result<(), ApiError> {
    let mut change = Change::begin(state, actor).await?;
    change
        .record("token.revoked", Some(&format!("token:{id}")), json!({}))
        .await?;
    let at = change.at_ms();
    if !change.tx().revoke_token(id, at).await? {
        return Err(ApiError::NotFound(format!("active token {id}")));
    }
    change.tx().bump_auth_version().await?;
    change.commit().await?;
    state.tokens.clear();
    Ok(())
}
