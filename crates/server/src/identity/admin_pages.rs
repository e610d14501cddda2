//! The administrator's console: organisations, users with their roles (granted, changed,
//! disabled), and API tokens (created with an expiry and roles, the secret shown once, revoked).
//! Every action goes through the API's own handler, so the console can do exactly what the API
//! allows the same person, with the same checks and audit events.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::{Permission, Role};
use maud::{html, Markup};

use super::admin_api::{self, CreateOrg, CreateToken, CreateUser, SetRoles};
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPath};
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{layout, local_time, t, Page, UiError, UiLang};
use crate::web::state::AppState;

fn page<'a>(lang: Lang, p: &'a Principal, path: &'a str) -> Page<'a> {
    Page {
        lang,
        principal: Some(p),
        path,
        title: t(lang, Msg::NavAdmin),
        nav: Some(Msg::NavAdmin),
    }
}

/// Whether the console shows the administration section to this person.
fn administers(p: &Principal) -> bool {
    p.can(Permission::UsersManage) || p.can(Permission::OrganisationsManage)
}

fn roles_select(lang: Lang, name: &str, held: &[Role], p: &Principal) -> Markup {
    html! {
        select name=(name) multiple size="6" {
            @for r in Role::ALL {
                @if r != Role::PlatformAdministrator || p.can(Permission::OrganisationsManage) {
                    option value=(r.as_str()) selected[held.contains(&r)] { (t(lang, i18n::role(r))) }
                }
            }
        }
    }
}

/// The administration section's tabs: people and tokens, and, for the installation's
/// administrators, the AIS sources and the backups.
pub fn admin_tabs(lang: Lang, current: &str, p: &Principal) -> Markup {
    let tabs: &[(&str, Msg)] = if p.can(Permission::OrganisationsManage) {
        &[
            ("/admin", Msg::AdminTabPeople),
            ("/admin/ais", Msg::AdminTabAis),
            ("/admin/backups", Msg::AdminTabBackups),
        ]
    } else {
        &[("/admin", Msg::AdminTabPeople)]
    };
    html! {
        nav.tabs aria-label=(t(lang, Msg::NavAdmin)) {
            @for (href, m) in tabs {
                a href=(href) class=[(*href == current).then_some("active")] aria-current=[(*href == current).then_some("page")] { (t(lang, *m)) }
            }
        }
    }
}

/// The administration page; `secret` is a token's secret just created, shown once.
async fn render(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    secret: Option<(String, String)>,
) -> Result<Html<String>, UiError> {
    if !administers(p) {
        return Err(ApiError::Forbidden("administration is for administrators".into()).into());
    }
    let orgs = state.store.list_orgs().await?;
    let names: HashMap<OrgId, String> = orgs.iter().map(|o| (o.id, o.name.clone())).collect();
    let all = p.can(Permission::OrganisationsManage);
    let users = state
        .store
        .list_users(if all { None } else { Some(p.org()) })
        .await?;
    let user_names: HashMap<_, _> = users.iter().map(|u| (u.id, u.username.clone())).collect();
    let mut tokens = state.store.list_tokens(None).await?;
    tokens.retain(|tk| user_names.contains_key(&tk.user_id));
    let now = state.now_ms();
    let body = html! {
        h1 { (t(lang, Msg::NavAdmin)) }
        (admin_tabs(lang, "/admin", p))
        @if let Some((name, s)) = &secret {
            div.notice #new-secret role="status" {
                p { (t(lang, Msg::TokenCreated)) " " strong { (name) } }
                p { code #secret { (s) } }
                p.muted { (t(lang, Msg::TokenShownOnce)) }
            }
        }
        h2 { (t(lang, Msg::AdminOrgs)) }
        table #orgs {
            thead { tr { th { (t(lang, Msg::F_name)) } th { (t(lang, Msg::F_kind)) } } }
            tbody { @for o in &orgs { tr { td { (o.name) } td { (t(lang, i18n::org_kind(o.kind))) } } } }
        }
        @if all {
            form.record #new-org method="post" action="/admin/organisations" {
                input type="hidden" name="csrf" value=(p.csrf());
                label { (t(lang, Msg::F_name)) input name="name" required maxlength="200"; }
                label { (t(lang, Msg::F_kind)) select name="kind" {
                    @for k in OrgKind::ALL { option value=(k.as_str()) { (t(lang, i18n::org_kind(k))) } }
                } }
                button type="submit" { (t(lang, Msg::New)) }
            }
        }
        h2 { (t(lang, Msg::AdminUsers)) }
        table #users {
            thead { tr { th { (t(lang, Msg::Username)) } th { (t(lang, Msg::F_name)) } th { (t(lang, Msg::Organisation)) } th { (t(lang, Msg::AdminRoles)) } th { (t(lang, Msg::F_state)) } th {} } }
            tbody { @for u in &users {
                tr data-user=(u.username) {
                    td { code { (u.username) } }
                    td { (u.display_name) }
                    td { (names.get(&u.org_id).map(String::as_str).unwrap_or("?")) }
                    td {
                        form.inline method="post" action={ "/admin/users/" (u.id) "/roles" } {
                            input type="hidden" name="csrf" value=(p.csrf());
                            (roles_select(lang, "role", &u.roles, p))
                            button type="submit" { (t(lang, Msg::SaveProfile)) }
                        }
                    }
                    td { @if u.disabled { (t(lang, Msg::AdminDisabled)) } @else { (t(lang, Msg::AdminActive)) } }
                    td { @if u.id != p.user.id {
                        form.inline method="post" action={ "/admin/users/" (u.id) (if u.disabled { "/enable" } else { "/disable" }) } {
                            input type="hidden" name="csrf" value=(p.csrf());
                            button type="submit" { (t(lang, if u.disabled { Msg::AdminEnable } else { Msg::AdminDisable })) }
                        }
                    } }
                }
            } }
        }
        form.record #new-user method="post" action="/admin/users" {
            input type="hidden" name="csrf" value=(p.csrf());
            label { (t(lang, Msg::Organisation)) select name="org_id" {
                @for o in orgs.iter().filter(|o| all || o.id == p.org()) { option value=(o.id) selected[o.id == p.org()] { (o.name) } }
            } }
            label { (t(lang, Msg::Username)) input name="username" required pattern="[a-z0-9._-]{2,64}"; }
            label { (t(lang, Msg::F_name)) input name="display_name" required maxlength="200"; }
            label { (t(lang, Msg::Password)) input name="password" type="password" minlength="10" autocomplete="new-password"; }
            label { (t(lang, Msg::AdminRoles)) (roles_select(lang, "role", &[], p)) }
            button type="submit" { (t(lang, Msg::New)) }
        }
        h2 { (t(lang, Msg::AdminTokens)) }
        table #tokens {
            thead { tr { th { (t(lang, Msg::F_name)) } th { (t(lang, Msg::Username)) } th { (t(lang, Msg::AdminRoles)) } th { (t(lang, Msg::AdminExpires)) } th { (t(lang, Msg::F_state)) } th {} } }
            tbody { @for tk in &tokens {
                @let live = tk.revoked_ms.is_none() && tk.expires_ms > now;
                tr data-token=(tk.name) {
                    td { (tk.name) }
                    td { code { (user_names.get(&tk.user_id).map(String::as_str).unwrap_or("?")) } }
                    td { (tk.roles.iter().map(|r| t(lang, i18n::role(*r))).collect::<Vec<_>>().join(", ")) }
                    td { (local_time(tk.expires_ms)) }
                    td { @if let Some(r) = tk.revoked_ms { (t(lang, Msg::AdminRevoked)) " " (local_time(r)) } @else if live { (t(lang, Msg::AdminActive)) } @else { (t(lang, Msg::AdminExpired)) } }
                    td { @if live {
                        form.inline method="post" action={ "/admin/tokens/" (tk.id) "/revoke" } {
                            input type="hidden" name="csrf" value=(p.csrf());
                            button type="submit" { (t(lang, Msg::AdminRevoke)) }
                        }
                    } }
                }
            } }
        }
        form.record #new-token method="post" action="/admin/tokens" {
            input type="hidden" name="csrf" value=(p.csrf());
            label { (t(lang, Msg::Username)) select name="user_id" {
                @for u in &users { option value=(u.id) selected[u.id == p.user.id] { (u.username) } }
            } }
            label { (t(lang, Msg::F_name)) input name="name" required maxlength="100"; }
            label { (t(lang, Msg::AdminLifetimeDays)) input name="lifetime_days" type="number" min="1" value="90"; }
            label { (t(lang, Msg::AdminRoles)) (roles_select(lang, "role", &[], p)) }
            button type="submit" { (t(lang, Msg::AdminCreateToken)) }
        }
    };
    Ok(layout(&page(lang, p, "/admin"), body))
}

pub async fn overview(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    render(&state, &p, lang, None).await
}

/// The values of a form field given several times (`role`), and the one value of the others.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn one(&self, k: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    fn roles(&self) -> Result<Vec<Role>, ApiError> {
        self.0
            .iter()
            .filter(|(k, _)| k == "role")
            .map(|(_, v)| {
                v.parse::<Role>()
                    .map_err(|e| ApiError::field("roles", e.to_string()))
            })
            .collect()
    }

    fn parsed<T: std::str::FromStr>(&self, k: &str) -> Result<T, ApiError> {
        self.one(k)
            .ok_or_else(|| ApiError::field(k, "required"))?
            .parse()
            .map_err(|_| ApiError::field(k, "not a valid value"))
    }
}

fn back() -> Response {
    Redirect::to("/admin").into_response()
}

pub async fn create_org(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let f = Fields(f);
    let kind: OrgKind = f.parsed("kind")?;
    let b = CreateOrg {
        name: f.one("name").unwrap_or_default(),
        kind,
    };
    let _done = admin_api::create_org(State(state), p, ApiJson(b)).await?;
    Ok(back())
}

pub async fn create_user(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let f = Fields(f);
    let b = CreateUser {
        org_id: f.parsed("org_id")?,
        username: f.one("username").unwrap_or_default(),
        display_name: f.one("display_name").unwrap_or_default(),
        password: f.one("password"),
        roles: f.roles()?,
        locale: None,
    };
    let _done = admin_api::create_user(State(state), p, ApiJson(b)).await?;
    Ok(back())
}

pub async fn set_roles(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let b = SetRoles {
        roles: Fields(f).roles()?,
    };
    let _done = admin_api::set_roles(State(state), p, ApiPath(id), ApiJson(b)).await?;
    Ok(back())
}

pub async fn disable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let _done = admin_api::disable_user(State(state), p, ApiPath(id)).await?;
    Ok(back())
}

pub async fn enable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let _done = admin_api::enable_user(State(state), p, ApiPath(id)).await?;
    Ok(back())
}

pub async fn create_token(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Result<Html<String>, UiError> {
    let f = Fields(f);
    let b = CreateToken {
        name: f.one("name").unwrap_or_default(),
        roles: f.roles()?,
        lifetime_days: f
            .one("lifetime_days")
            .map(|d| d.parse())
            .transpose()
            .map_err(|_| ApiError::field("lifetime_days", "a whole number of days"))?,
        user_id: f
            .one("user_id")
            .map(|u| u.parse())
            .transpose()
            .map_err(|_| ApiError::field("user_id", "not a user id"))?,
    };
    let name = b.name.clone();
    let (_, axum::Json(created)) =
        admin_api::create_token(State(state.clone()), p.clone(), ApiJson(b)).await?;
    // The secret is shown on this answer only; a reload shows the list without it.
    render(&state, &p, lang, Some((name, created.secret))).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let _done = admin_api::revoke_token(State(state), p, ApiPath(id)).await?;
    Ok(back())
}
