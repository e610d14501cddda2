//! The sign-in page. Before a session exists the form is protected by a double-submit token:
//! a random value in a cookie that must come back in the form.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hamnvakt_identity::secret;
use maud::html;
use serde::Deserialize;

use crate::web::auth::{
    cookie, set_cookie, ClientAddress, UiForm, Via, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::web::error::{request_id, ApiError};
use crate::web::extract::{UiFormBody, UiQuery};
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{layout, safe_back, t, Page, UiLang};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

fn render(
    state: &AppState,
    lang: Lang,
    next: &str,
    error: Option<Msg>,
    status: StatusCode,
) -> Response {
    let token = secret::generate("", &mut rand::rngs::OsRng);
    let page = Page {
        lang,
        principal: None,
        path: "/login",
        title: t(lang, Msg::SignIn),
        nav: None,
    };
    let body = html! {
        section.login {
            h1 { (t(lang, Msg::SignIn)) }
            p.notice { (t(lang, Msg::ProtectedNotice)) }
            @if let Some(e) = error { p.error role="alert" { (t(lang, e)) } }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                label { (t(lang, Msg::Username)) input name="username" autocomplete="username" required autofocus; }
                label { (t(lang, Msg::Password)) input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { (t(lang, Msg::SignIn)) }
            }
        }
    };
    let c = set_cookie(state, LOGIN_CSRF_COOKIE, &token, 3600, true);
    (status, [(header::SET_COOKIE, c)], layout(&page, body)).into_response()
}

pub async fn form(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    UiQuery(q): UiQuery<LoginQuery>,
) -> Response {
    match safe_back("next", q.next.as_deref(), "/") {
        Ok(next) => render(&state, lang, &next, None, StatusCode::OK),
        Err(e) => crate::web::layout::UiError(e).into_response(),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    UiFormBody(f): UiFormBody<LoginForm>,
) -> Response {
    let next = match safe_back("next", f.next.as_deref(), "/") {
        Ok(next) => next,
        Err(e) => return crate::web::layout::UiError(e).into_response(),
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !secret::equal(&expected, &f.csrf) {
        return render(
            &state,
            lang,
            &next,
            Some(Msg::SessionExpired),
            StatusCode::FORBIDDEN,
        );
    }
    match super::login::login(
        &state,
        &f.username,
        &f.password,
        &address,
        Some(request_id()),
    )
    .await
    {
        Ok(s) => {
            let session = set_cookie(
                &state,
                SESSION_COOKIE,
                &s.secret,
                i64::from(state.config.session_timeout_seconds),
                true,
            );
            let clear = set_cookie(&state, LOGIN_CSRF_COOKIE, "", 0, true);
            let mut resp = Redirect::to(&next).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                session
                    .parse()
                    .unwrap_or(header::HeaderValue::from_static("")),
            );
            resp.headers_mut().append(
                header::SET_COOKIE,
                clear
                    .parse()
                    .unwrap_or(header::HeaderValue::from_static("")),
            );
            resp
        }
        Err(ApiError::Throttled { .. }) => render(
            &state,
            lang,
            &next,
            Some(Msg::Throttled),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(ApiError::BadCredentials) => render(
            &state,
            lang,
            &next,
            Some(Msg::BadCredentials),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => crate::web::layout::UiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    State(state): State<AppState>,
    UiForm(principal, _f): UiForm<LogoutForm>,
) -> Response {
    if let Via::Session { digest, .. } = &principal.via {
        if let Err(e) = super::login::logout(&state, &principal.actor(), digest).await {
            return crate::web::layout::UiError(e).into_response();
        }
    }
    let clear = set_cookie(&state, SESSION_COOKIE, "", 0, true);
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}
