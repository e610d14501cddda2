//! The console's frame: the page layout with its navigation, the language of the page, error
//! pages, local times, safe return paths and static assets. The console is server-rendered
//! in Swedish and English, with plain HTML forms carrying CSRF tokens, one stylesheet and no
//! scripts from elsewhere; each capability renders its own pages inside this frame.

use axum::extract::{FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use hamnvakt_identity::Permission;
use maud::{html, Markup, DOCTYPE};

use crate::web::auth::{cookie, Principal, LANG_COOKIE};
use crate::web::error::{request_id, ApiError};
use crate::web::i18n::{Lang, Msg};
use crate::web::state::AppState;

/// The platform's own console routes: the language switch, the stylesheet and the icon.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lang/{code}", get(switch_language))
        .route("/static/style.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/static/theme.js", get(theme_script))
        // Browsers ask for this without a link; the same anchor answers.
        .route("/favicon.ico", get(favicon))
}

async fn theme_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/theme.js"),
    )
    .await
}

async fn favicon() -> Response {
    asset("image/svg+xml", include_str!("../../assets/favicon.svg")).await
}

/// The language of the page: the cookie the switch sets, else the browser's preference.
#[derive(Debug, Clone, Copy)]
pub struct UiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UiLang(lang_of(&parts.headers)))
    }
}

fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE)
        .as_deref()
        .and_then(Lang::parse)
    {
        return l;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Lang::from_accept_language(accept)
}

/// A path on this site to return to after an action (`fallback` when none is given). Only a
/// same-origin path is taken: it starts with one `/`, holds no backslash (browsers read `\`
/// as `/`, so `/\host` is another origin) and only visible ASCII — no space, tab or line
/// break, which browsers strip, so that `/\t/host` would become `//host`, and no character
/// that cannot stand in a `Location` header. Anything else is refused with a 400 naming
/// `field`, rather than quietly replaced, so that a crafted link fails visibly.
pub fn safe_back(field: &str, back: Option<&str>, fallback: &str) -> Result<String, ApiError> {
    let Some(b) = back else {
        return Ok(fallback.to_owned());
    };
    let visible = b.bytes().all(|c| c.is_ascii_graphic());
    let one_slash = b.starts_with('/') && !b.starts_with("//");
    if visible && one_slash && !b.contains('\\') && b.len() < 2000 {
        Ok(b.to_owned())
    } else {
        Err(ApiError::field(
            field,
            "must be a path on this site, such as /alerts (one leading slash, no backslash, \
             no spaces or control characters)",
        ))
    }
}

#[derive(Debug, serde::Deserialize)]
struct BackQuery {
    back: Option<String>,
}

async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(code): Path<String>,
    crate::web::extract::ApiQuery(q): crate::web::extract::ApiQuery<BackQuery>,
) -> Result<Response, UiError> {
    let lang = Lang::parse(&code).unwrap_or(Lang::Sv);
    let back = safe_back("back", q.back.as_deref(), "/alerts")?;
    let cookie =
        crate::web::auth::set_cookie(&state, LANG_COOKIE, lang.code(), 365 * 86_400, false);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response())
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/style.css"),
    )
        .into_response()
}

/// A static file compiled into the binary, cached for an hour.
pub async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// What the layout needs to know about the page.
pub struct Page<'a> {
    pub lang: Lang,
    pub principal: Option<&'a Principal>,
    /// The current path with query, for the language switch to come back to.
    pub path: &'a str,
    pub title: &'a str,
    pub nav: Option<Msg>,
}

pub fn t(lang: Lang, m: Msg) -> &'static str {
    m.text(lang)
}

/// The frame every page shares: header with navigation, language switch and sign-out.
pub fn layout(p: &Page<'_>, body: Markup) -> Html<String> {
    let lang = p.lang;
    let back: String = form_urlencoded::byte_serialize(p.path.as_bytes()).collect();
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.title) " · " (t(lang, Msg::AppName)) }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" type="image/svg+xml" href="/static/favicon.svg";
                // Not deferred: the theme is set before the page is drawn.
                script src="/static/theme.js" {}
            }
            body {
                header.top {
                    a.brand href=(p.principal.map_or("/", home)) {
                        span.mark { "⚓" }
                        span { (t(lang, Msg::AppName)) }
                        small { (t(lang, Msg::Tagline)) }
                    }
                    @if let Some(pr) = p.principal {
                        nav.main {
                            @if pr.can(Permission::AlertsRead) {
                                a href="/alerts" class=[(p.nav == Some(Msg::NavAlerts)).then_some("active")] { (t(lang, Msg::NavAlerts)) }
                            }
                            @if pr.can(Permission::IncidentsRead) {
                                a href="/incidents" class=[(p.nav == Some(Msg::NavIncidents)).then_some("active")] { (t(lang, Msg::NavIncidents)) }
                            }
                            @if pr.can(Permission::ShiftLog) {
                                a href="/shift" class=[(p.nav == Some(Msg::NavShift)).then_some("active")] { (t(lang, Msg::NavShift)) }
                            }
                            a href="/sites" class=[(p.nav == Some(Msg::NavSites)).then_some("active")] { (t(lang, Msg::NavSites)) }
                            @if pr.can(Permission::SitesRead) {
                                a href="/map" class=[(p.nav == Some(Msg::NavMaritime)).then_some("active")] { (t(lang, Msg::NavMaritime)) }
                            }
                            @if pr.can(Permission::AccessRead) {
                                a href="/access" class=[(p.nav == Some(Msg::NavAccess)).then_some("active")] { (t(lang, Msg::NavAccess)) }
                            }
                            @if pr.can(Permission::CargoRead) {
                                a href="/targeting" class=[(p.nav == Some(Msg::NavTargeting)).then_some("active")] { (t(lang, Msg::NavTargeting)) }
                            }
                            @if pr.can(Permission::SharingRead) {
                                a href="/sharing" class=[(p.nav == Some(Msg::NavSharing)).then_some("active")] { (t(lang, Msg::NavSharing)) }
                            }
                            @if pr.can(Permission::ReleaseAct) || pr.can(Permission::ReleaseOversee) {
                                a href="/releases" class=[(p.nav == Some(Msg::NavReleases)).then_some("active")] { (t(lang, Msg::NavReleases)) }
                            }
                            @if pr.can(Permission::AssessmentRead) {
                                a href="/assessments" class=[(p.nav == Some(Msg::NavAssessments)).then_some("active")] { (t(lang, Msg::NavAssessments)) }
                            }
                            @if pr.can(Permission::AuditRead) {
                                a href="/audit" class=[(p.nav == Some(Msg::NavAudit)).then_some("active")] { (t(lang, Msg::NavAudit)) }
                            }
                            @if pr.can(Permission::UsersManage) || pr.can(Permission::OrganisationsManage) {
                                a href="/admin" class=[(p.nav == Some(Msg::NavAdmin)).then_some("active")] { (t(lang, Msg::NavAdmin)) }
                            }
                        }
                    }
                    div.session {
                        button #theme-switch type="button" title=(t(lang, Msg::ThemeSwitch)) aria-label=(t(lang, Msg::ThemeSwitch)) { "◐" }
                        span.langs aria-label=(t(lang, Msg::Language)) {
                            a href={ "/lang/sv?back=" (back) } class=[(lang == Lang::Sv).then_some("active")] lang="sv" { "SV" }
                            " | "
                            a href={ "/lang/en?back=" (back) } class=[(lang == Lang::En).then_some("active")] lang="en" { "EN" }
                        }
                        @if let Some(pr) = p.principal {
                            span.who title=(t(lang, Msg::SignedInAs)) { (pr.user.display_name) }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(pr.csrf());
                                button.link type="submit" { (t(lang, Msg::SignOut)) }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    };
    Html(markup.into_string())
}

/// Errors on console pages: the status and a bilingual explanation, never the cause.
#[derive(Debug)]
pub struct UiError(pub ApiError);

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError(e)
    }
}

impl From<hamnvakt_store::StoreError> for UiError {
    fn from(e: hamnvakt_store::StoreError) -> Self {
        UiError(e.into())
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if let ApiError::Internal(cause) = &self.0 {
            tracing::error!(request_id = %request_id(), error = %cause, "page failed");
        }
        let (title_sv, title_en) = match status {
            StatusCode::NOT_FOUND => (Msg::NotFound.text(Lang::Sv), Msg::NotFound.text(Lang::En)),
            StatusCode::FORBIDDEN => (Msg::Forbidden.text(Lang::Sv), Msg::Forbidden.text(Lang::En)),
            _ => (
                Msg::ErrorTitle.text(Lang::Sv),
                Msg::ErrorTitle.text(Lang::En),
            ),
        };
        // The problem document's detail: for invalid fields, each field and why.
        let detail = match &self.0 {
            ApiError::Internal(_) => String::new(),
            other => other.problem().detail,
        };
        let markup = html! {
            (DOCTYPE)
            html lang="sv" {
                head { meta charset="utf-8"; title { (title_sv) } link rel="stylesheet" href="/static/style.css"; }
                body.error-page {
                    main {
                        h1 { (title_sv) " / " span lang="en" { (title_en) } }
                        // The problem's detail is the API's, in English.
                        @if !detail.is_empty() { p.detail lang="en" { (detail) } }
                        p { (Msg::ErrorText.text(Lang::Sv)) " " code { (request_id()) } }
                        p lang="en" { (Msg::ErrorText.text(Lang::En)) " " code { (request_id()) } }
                        p { a href="/" { (Msg::BackToStart.text(Lang::Sv)) } " / " a href="/" lang="en" { (Msg::BackToStart.text(Lang::En)) } }
                    }
                }
            }
        };
        (status, Html(markup.into_string())).into_response()
    }
}

pub fn not_found_page(req: &Request) -> Html<String> {
    let lang = lang_of(req.headers());
    layout(
        &Page {
            lang,
            principal: None,
            path: "/",
            title: t(lang, Msg::NotFound),
            nav: None,
        },
        html! { h1 { (t(lang, Msg::NotFound)) } p { (t(lang, Msg::NotFoundText)) } p { a href="/" { (t(lang, Msg::BackToStart)) } } },
    )
}

/// Where someone's work starts in the console, by what their roles are for and where they
/// hold them: the console's `/`, where signing in lands unless a page was asked for, and the
/// way back from an error page.
pub fn home_page(
    roles: &[hamnvakt_identity::Role],
    kind: hamnvakt_core::org::OrgKind,
) -> &'static str {
    use hamnvakt_core::org::OrgKind;
    use hamnvakt_identity::Role;
    let has = |r: Role| roles.contains(&r);
    if has(Role::TargetingOfficer) {
        "/targeting"
    } else if has(Role::Dispatcher) || has(Role::ReleaseSystem) {
        "/releases"
    } else if has(Role::Pfso) {
        "/access"
    } else if has(Role::Operator) {
        "/alerts"
    } else if has(Role::Administrator) || has(Role::PlatformAdministrator) {
        "/audit"
    } else if has(Role::Analyst) && matches!(kind, OrgKind::CoastGuard | OrgKind::Police) {
        "/map"
    } else if has(Role::Analyst) {
        "/sharing"
    } else {
        "/sites"
    }
}

/// [`home_page`] of a signed-in user.
pub fn home(p: &Principal) -> &'static str {
    home_page(&p.roles, p.user.org_kind)
}

/// Milliseconds since the epoch as local time in Stockholm, `2026-11-28 03:10`.
pub fn local_time(ms: i64) -> String {
    let ts = hamnvakt_core::clock::from_millis(ms);
    match jiff::tz::TimeZone::get("Europe/Stockholm") {
        Ok(tz) => ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// The path and query of a request, for links back to it.
pub fn current_path(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into())
}
