//! Who is calling: a browser session (cookie) or a machine (bearer API token).
//!
//! The API extractor [`Principal`] accepts either; for session-authenticated requests that
//! change state it requires the session's CSRF token in `X-CSRF-Token`. The console's forms
//! use [`UiForm`], which requires the same token as the `csrf` form field. Bearer requests
//! carry no ambient authority, so they need no CSRF token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use hamnvakt_core::ids::{OrgId, TokenId};
use hamnvakt_identity::secret::{self, SESSION_PREFIX};
use hamnvakt_identity::{roles, Permission, Role};
use hamnvakt_store::{ApiTokenRecord, User};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::{request_id, ApiError};
use crate::web::extract::FormBody;
use crate::web::state::AppState;

pub const SESSION_COOKIE: &str = "hv_session";
pub const LOGIN_CSRF_COOKIE: &str = "hv_login_csrf";
pub const LANG_COOKIE: &str = "hv_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session { digest: String, csrf: String },
    Token { id: TokenId },
}

/// An authenticated caller with the roles in force for this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub roles: Vec<Role>,
    pub via: Via,
}

impl Principal {
    /// The owner of a bearer token that checked valid, with the roles it grants now.
    fn of_token(token: &ApiTokenRecord, user: User, roles: Vec<Role>) -> Principal {
        Principal {
            user,
            roles,
            via: Via::Token { id: token.id },
        }
    }

    pub fn org(&self) -> OrgId {
        self.user.org_id
    }

    /// The caller's organisation is a federated partner port (kind `other_port`), not a
    /// member of the port community.
    pub fn partner(&self) -> bool {
        self.user.org_kind == hamnvakt_core::org::OrgKind::OtherPort
    }

    /// The caller as the marking rule sees them.
    pub fn reader(&self) -> hamnvakt_core::marking::Reader {
        hamnvakt_core::marking::Reader {
            org: self.org(),
            partner: self.partner(),
        }
    }

    /// The caller as the alert queries filter for.
    pub fn viewer(&self) -> hamnvakt_store::Viewer {
        hamnvakt_store::Viewer {
            org: self.org(),
            partner: self.partner(),
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        roles::allows(&self.roles, p)
    }

    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your roles do not allow {}",
                permission_name(p)
            )))
        }
    }

    /// The actor the audit chain records for this caller.
    pub fn actor(&self) -> Actor {
        let id = match &self.via {
            Via::Session { .. } => format!("user:{}", self.user.id),
            Via::Token { id } => format!("token:{id}"),
        };
        Actor {
            id,
            org: Some(self.user.org_id),
            request_id: Some(request_id()),
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }
}

fn permission_name(p: Permission) -> &'static str {
    match p {
        Permission::AlertsRead => "reading alerts",
        Permission::AlertsTriage => "triaging alerts",
        Permission::AlertsRaise => "raising alerts",
        Permission::SitesRead => "reading sites",
        Permission::AuditRead => "reading the audit log",
        Permission::UsersManage => "managing users",
        Permission::OrganisationsManage => "managing organisations and other organisations' users",
        Permission::VesselsDeclare => "declaring a vessel's details",
        Permission::TokensManage => "managing API tokens",
        Permission::AccessDecide => "asking for gate decisions",
        Permission::AccessRead => "reading the access register",
        Permission::AccessManage => "changing the access register",
        Permission::SecurityLevelSet => "setting security levels",
        Permission::CargoRead => "seeing consignments",
        Permission::CargoWrite => "bringing consignments in",
        Permission::ProfilesManage => "managing risk profiles",
        Permission::CargoSelect => "selecting consignments for inspection",
        Permission::SharingRead => "reading shared objects",
        Permission::SharingWrite => "sharing objects",
        Permission::SharingManage => "managing the partner feeds",
        Permission::AuditWitness => "witnessing audit-chain checkpoints",
        Permission::ReleaseAct => "acting on container releases",
        Permission::ReleaseOversee => "seeing every container release",
        Permission::AssessmentRead => "reading vulnerability assessments",
        Permission::AssessmentWrite => "assessing vulnerabilities",
        Permission::IncidentsRead => "reading incidents and cases",
        Permission::IncidentsWrite => "opening and working incidents and cases",
        Permission::ShiftLog => "keeping the shift log and handing over",
        Permission::CorrelationManage => "writing correlation rules",
    }
}

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with Hamnvakt's attributes: HttpOnly, SameSite=Strict, Path=/ and,
/// when the console is served over TLS, Secure.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_seconds: i64,
    http_only: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Strict; Max-Age={max_age_seconds}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    c
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when configured
/// to trust a proxy.
pub fn client_address(state: &AppState, parts: &Parts) -> String {
    if state.config.trust_forwarded_for {
        if let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 64)
        {
            return first.to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The client's address as an extractor.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S> FromRequestParts<S> for ClientAddress
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        Ok(ClientAddress(client_address(state, parts)))
    }
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session behind the cookie, if it is live and its user enabled.
pub async fn session_principal(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, ApiError> {
    let Some(secret_text) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    if !secret::well_formed(SESSION_PREFIX, &secret_text) {
        return Ok(None);
    }
    let digest = secret::digest(&secret_text);
    let Some(session) = state.store.session(&digest, state.now_ms()).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.user(session.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    let roles = user.roles.clone();
    Ok(Some(Principal {
        user,
        roles,
        via: Via::Session {
            digest,
            csrf: session.csrf,
        },
    }))
}

impl<S> FromRequestParts<S> for Principal
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        authenticate(parts, state, true).await
    }
}

/// A caller whose handler records its own audit event naming the caller as the actor (gate
/// decisions), so a bearer token's use is not written a second time as `auth.token_used`.
/// Everything else is as [`Principal`], except that on PostgreSQL a bearer token is checked
/// without reading the stored authority version: the handler confirms it where it acts (the
/// gate's committer reads it with the chain head, under its lock), see [`Unconfirmed`].
#[derive(Debug, Clone)]
pub struct SelfAuditing(pub Principal, pub Option<Unconfirmed>);

/// A bearer token checked against what this instance last knew of the accounts' authority
/// (tokens, roles, disabled owners), which another instance may have changed since. The
/// holder compares [`Unconfirmed::version`] with the stored authority version read where it
/// acts; when they differ, it checks the token again with [`Unconfirmed::confirm`] before
/// acting on the request.
#[derive(Debug, Clone)]
pub struct Unconfirmed {
    version: i64,
    presented: String,
    method: String,
    path: String,
    address: String,
    request_id: Option<String>,
}

impl Unconfirmed {
    /// The authority version the token and its owner were read under.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Checks the token again against the stored authority version, as any other request's
    /// token is checked (a refusal is chained and answered 401); the caller then asks the
    /// returned principal for the permission it needs.
    pub async fn confirm(&self, state: &AppState) -> Result<Principal, ApiError> {
        match check_token(
            state,
            &self.presented,
            &self.method,
            &self.path,
            &self.address,
            self.request_id.clone(),
            TokenUse {
                record: false,
                defer_version: false,
            },
        )
        .await?
        {
            TokenCheck::Valid {
                token, user, roles, ..
            } => Ok(Principal::of_token(&token, user, roles)),
            TokenCheck::Refused => Err(ApiError::Unauthenticated),
        }
    }
}

impl<S> FromRequestParts<S> for SelfAuditing
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        authenticate_deferring(parts, state, false, true)
            .await
            .map(|(p, u)| SelfAuditing(p, u))
    }
}

async fn authenticate(
    parts: &mut Parts,
    state: &AppState,
    record_token_use: bool,
) -> Result<Principal, ApiError> {
    authenticate_deferring(parts, state, record_token_use, false)
        .await
        .map(|(p, _)| p)
}

/// [`authenticate`]; with `defer_version`, a bearer token's authority version is left for the
/// caller to confirm (see [`SelfAuditing`]).
async fn authenticate_deferring(
    parts: &mut Parts,
    state: &AppState,
    record_token_use: bool,
    defer_version: bool,
) -> Result<(Principal, Option<Unconfirmed>), ApiError> {
    {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let value = auth.to_str().map_err(|_| ApiError::Unauthenticated)?;
            let basic;
            let token = match value.strip_prefix("Bearer ") {
                Some(t) => t.trim(),
                // TAXII clients that only speak HTTP Basic send the token as the password
                // (the user name is not looked at). Only on the TAXII paths.
                None if original_path(parts).starts_with("/taxii2/") => {
                    basic = basic_password(value).ok_or(ApiError::Unauthenticated)?;
                    basic.as_str()
                }
                None => return Err(ApiError::Unauthenticated),
            };
            let address = client_address(state, parts);
            let path = parts.uri.path().chars().take(200).collect::<String>();
            let request_id = Some(request_id());
            return match check_token(
                state,
                token,
                parts.method.as_str(),
                &path,
                &address,
                request_id.clone(),
                TokenUse {
                    record: record_token_use,
                    defer_version,
                },
            )
            .await?
            {
                TokenCheck::Valid {
                    token: record,
                    user,
                    roles,
                    unconfirmed,
                } => Ok((
                    Principal::of_token(&record, user, roles),
                    unconfirmed.map(|version| Unconfirmed {
                        version,
                        presented: token.to_owned(),
                        method: parts.method.as_str().to_owned(),
                        path,
                        address,
                        request_id,
                    }),
                )),
                TokenCheck::Refused => Err(ApiError::Unauthenticated),
            };
        }
        let principal = session_principal(state, &parts.headers)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if is_unsafe(&parts.method) {
            let presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !secret::equal(presented, principal.csrf()) {
                return Err(ApiError::Csrf);
            }
        }
        Ok((principal, None))
    }
}

/// The request's path as the client sent it (a nested router sees it without its prefix).
fn original_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path())
        .unwrap_or(parts.uri.path())
}

/// The password of an HTTP Basic `Authorization` value.
fn basic_password(value: &str) -> Option<String> {
    use base64::Engine;
    let encoded = value.strip_prefix("Basic ")?.trim();
    if encoded.len() > 1024 {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    text.split_once(':').map(|(_, p)| p.to_owned())
}

/// A signed-in console user; anyone else is sent to the sign-in page.
#[derive(Debug)]
pub struct UiUser(pub Principal);

/// Where the console sends someone who is not signed in.
#[derive(Debug)]
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}

fn login_redirect(parts: &Parts) -> ToLogin {
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    ToLogin(format!("/login?next={encoded}"))
}

impl<S> FromRequestParts<S> for UiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        match session_principal(state, &parts.headers).await {
            Ok(Some(p)) => Ok(UiUser(p)),
            Ok(None) => Err(login_redirect(parts).into_response()),
            Err(e) => Err(page_error(e)),
        }
    }
}

/// A console form post: a signed-in session, a form body parsed into `T`, and the session's
/// CSRF token in the `csrf` field (checked, then removed before `T` is parsed). What it refuses
/// is the console's error page (a form that does not parse, a stale token), not a problem
/// document: a person at a browser sent it.
#[derive(Debug)]
pub struct UiForm<T>(pub Principal, pub T);

impl<T: DeserializeOwned + Send, S> FromRequest<S> for UiForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        let (parts, body) = req.into_parts();
        let principal = match session_principal(state, &parts.headers).await {
            Ok(Some(p)) => p,
            Ok(None) => return Err(login_redirect(&parts).into_response()),
            Err(e) => return Err(page_error(e)),
        };
        let req = Request::from_parts(parts.clone(), body);
        let FormBody(pairs): FormBody<Vec<(String, String)>> =
            <FormBody<Vec<(String, String)>> as FromRequest<AppState>>::from_request(req, state)
                .await
                .map_err(page_error)?;
        let presented = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !secret::equal(presented, principal.csrf()) {
            return Err(page_error(ApiError::Csrf));
        }
        let rest: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(k, _)| k != "csrf"))
            .finish();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(rest.as_bytes()));
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            page_error(ApiError::field(&path, e.into_inner().to_string()))
        })?;
        Ok(UiForm(principal, value))
    }
}

/// A refusal of a console request as the console's error page.
fn page_error(e: ApiError) -> Response {
    crate::web::layout::UiError(e).into_response()
}

/// What a presented API token turned out to be.
// Built once per request and matched at once; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TokenCheck {
    Valid {
        token: ApiTokenRecord,
        user: User,
        roles: Vec<Role>,
        /// Checked without reading the stored authority version (the caller asked to
        /// confirm it itself): the version the token and its owner were read under. Before
        /// acting, the caller compares it with the stored one and, where it moved, checks the
        /// token again ([`Unconfirmed::confirm`]).
        unconfirmed: Option<i64>,
    },
    Refused,
}

/// What a caller of [`check_token`] asks of it besides the check.
#[derive(Debug, Clone, Copy)]
pub struct TokenUse {
    /// Record the token's use in the chain (`auth.token_used`); handlers that chain their
    /// own event naming the token do not.
    pub record: bool,
    /// On PostgreSQL, leave the stored authority version unread: the caller confirms it
    /// where it acts (see [`Unconfirmed`]).
    pub defer_version: bool,
}

/// Checks a bearer token and records its use (or the refusal of a known token) in the chain.
/// Unknown tokens are logged and counted but not chained: they name nobody, and chaining them
/// would let anyone on the network grow the log at will.
pub async fn check_token(
    state: &AppState,
    presented: &str,
    method: &str,
    path: &str,
    address: &str,
    request_id: Option<String>,
    how: TokenUse,
) -> Result<TokenCheck, ApiError> {
    let TokenUse {
        record: record_use,
        defer_version,
    } = how;
    if !secret::well_formed(secret::TOKEN_PREFIX, presented) {
        tracing::warn!(address, "malformed bearer token refused");
        return Ok(TokenCheck::Refused);
    }
    let digest = secret::digest(presented);
    let now_ms = state.now_ms();
    // Other instances may have revoked a token or changed a role since the cache was filled.
    // (On SQLite this instance is the only writer, and clears the cache itself.) A caller
    // that confirms the version itself, later and before acting, skips the read here.
    let mut unconfirmed = state.store.is_postgres() && defer_version;
    let (stamp, token, user, refusal) = loop {
        if state.store.is_postgres() && !unconfirmed {
            state
                .tokens
                .check_version(state.store.auth_version().await?);
        }
        let stamp = state.tokens.stamp();
        let (token, user) = match state.tokens.get(&digest, now_ms, stamp) {
            Some((t, u)) => (t, Some(u)),
            None => {
                let Some(token) = state.store.token_by_digest(&digest).await? else {
                    tracing::warn!(address, "unknown bearer token refused");
                    state.metrics.login("token_unknown");
                    return Ok(TokenCheck::Refused);
                };
                let user = state.store.user(token.user_id).await?;
                if let Some(u) = &user {
                    state
                        .tokens
                        .put(digest.clone(), token.clone(), u.clone(), now_ms, stamp);
                }
                (token, user)
            }
        };
        let refusal = match &user {
            _ if token.revoked_ms.is_some() => Some("revoked"),
            _ if token.expires_ms <= now_ms => Some("expired"),
            None => Some("owner_missing"),
            Some(u) if u.disabled => Some("owner_disabled"),
            Some(_) => None,
        };
        // A refusal is chained: never on what may be stale (an owner enabled again since).
        if refusal.is_some() && unconfirmed {
            unconfirmed = false;
            continue;
        }
        break (stamp, token, user, refusal);
    };
    let actor = Actor {
        id: format!("token:{}", token.id),
        org: user.as_ref().map(|u| u.org_id),
        request_id,
    };
    let subject = format!("token:{}", token.id);
    match refusal {
        // A read-only instance (started to investigate a broken chain) cannot record uses
        // or refusals; it serves reads to existing tokens all the same.
        Some(_) if state.store.is_read_only() => {
            state.metrics.login("token_refused");
            Ok(TokenCheck::Refused)
        }
        Some(reason) => {
            let mut change = Change::begin(state, &actor).await?;
            change
                .record(
                    "auth.token_refused",
                    Some(&subject),
                    json!({"reason": reason, "method": method, "path": path, "address": address}),
                )
                .await?;
            change.commit().await?;
            state.metrics.login("token_refused");
            Ok(TokenCheck::Refused)
        }
        None => {
            // Handlers that record their own event with the token as its actor (gate
            // decisions) ask not to write a second one: the use is in the chain either way.
            if record_use && !state.store.is_read_only() {
                let mut change = Change::begin(state, &actor).await?;
                change
                    .record(
                        "auth.token_used",
                        Some(&subject),
                        json!({"method": method, "path": path, "address": address}),
                    )
                    .await?;
                change.commit().await?;
            }
            let Some(user) = user else {
                return Ok(TokenCheck::Refused);
            };
            // A token never grants more than its owner has now.
            let roles: Vec<Role> = token
                .roles
                .iter()
                .copied()
                .filter(|r| user.roles.contains(r))
                .collect();
            Ok(TokenCheck::Valid {
                token,
                user,
                roles,
                unconfirmed: unconfirmed.then_some(stamp.version),
            })
        }
    }
}
