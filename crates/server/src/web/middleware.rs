//! The middleware every route runs under: request ids, metrics, security headers, body
//! limits, panic containment, and problem documents for errors that layers produce without a
//! body; with the health, readiness and metrics endpoints and the fallback for unknown paths.

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::web::error::{problem_for_status, ApiError, REQUEST_ID};
use crate::web::metrics::{HttpLabels, RouteLabels};
use crate::web::state::AppState;

const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps the merged routes of every capability in the middleware stack, adds the platform's
/// own routes (health, readiness, metrics) and the fallback for unknown paths.
pub fn wrap(routes: Router<AppState>, state: AppState) -> Router {
    let limit = state.config.max_request_body_bytes;
    routes
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn(keep_matched_path))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked; answered 500");
            ApiError::Internal("handler panicked".into()).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
        .layer(middleware::from_fn(sanitize_request_id))
        .with_state(state)
}

/// The longest client-chosen request id kept.
const MAX_REQUEST_ID_LEN: usize = 64;

/// A client may name its request (to find it in our logs and the audit chain), but the name
/// goes into every event the request writes: one that is longer than
/// [`MAX_REQUEST_ID_LEN`] or holds anything but letters, digits and `-_.:` is dropped, and the
/// request gets an id of our own, so that nobody can grow the chain with a request header.
async fn sanitize_request_id(mut req: Request, next: Next) -> Response {
    let acceptable = |v: &HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= MAX_REQUEST_ID_LEN
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
    };
    let headers = req.headers_mut();
    let values: Vec<HeaderValue> = headers
        .get_all(&REQUEST_ID_HEADER)
        .iter()
        .cloned()
        .collect();
    if values.len() > 1 || values.first().is_some_and(|v| !acceptable(v)) {
        headers.remove(&REQUEST_ID_HEADER);
    }
    next.run(req).await
}

/// Sets the request id for everything below, counts and times the request, and turns bare
/// error statuses into problem documents.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path();
    let is_api = path.starts_with("/api/");
    // The console's pages: everything but the API, TAXII (which has its own error document),
    // the static files and the probes.
    let is_page = !is_api
        && !path.starts_with("/taxii2")
        && !path.starts_with("/static/")
        && !matches!(path, "/healthz" | "/readyz" | "/metrics");
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %req.uri().path());
    let limit = state.config.max_request_body_bytes;
    let fut = REQUEST_ID.scope(id.clone(), async move {
        let resp = next.run(req).await;
        if is_api && resp.status().as_u16() >= 400 && !is_problem(&resp) {
            as_problem(resp, limit, false).await
        } else if is_page && resp.status().is_client_error() && is_bare(&resp) {
            as_problem(resp, limit, true).await
        } else {
            resp
        }
    });
    let resp = tracing::Instrument::instrument(fut, span).await;
    let status = resp.status().as_u16();
    let route = resp
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    state
        .metrics
        .http_requests
        .get_or_create(&HttpLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .http_duration
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    if status >= 500 {
        tracing::warn!(request_id = %id, status, "request failed");
    }
    resp
}

fn is_problem(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"))
}

/// A framework's answer: `text/plain` (axum's rejections, the layers) or no body type at all
/// (a bare status, such as a 405).
fn is_bare(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}

/// An error answer of the framework (axum's rejections and layers answer `text/plain` or a
/// bare status) rebuilt as a problem document with its message as the detail — or, for a
/// console page (`page`), as the console's error page saying the same — keeping the headers
/// that say what to do next (`Allow` on a 405, `Retry-After`, `WWW-Authenticate`).
async fn as_problem(resp: Response, body_limit: usize, page: bool) -> Response {
    let (parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(bytes) if parts.headers.get(header::CONTENT_TYPE).is_some() => {
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => String::new(),
    };
    let problem = problem_for_status(parts.status, &text, body_limit);
    let mut out = if page {
        crate::web::layout::UiError(problem).into_response()
    } else {
        problem.into_response()
    };
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out.extensions_mut().extend(parts.extensions);
    out
}

/// Copies the matched route template onto the response, where [`observe`] (which runs
/// before routing) can read it as a bounded metrics label.
async fn keep_matched_path(req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let mut resp = next.run(req).await;
    if let Some(m) = matched {
        resp.extensions_mut().insert(m);
    }
    resp
}

/// Headers every answer carries. The console loads nothing from elsewhere, so the content
/// security policy allows only this origin.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    if !is_static {
        set(h, "cache-control", "no-store");
    }
    if state.config.secure_cookies {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    resp
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the database answers and has the schema this binary expects.
async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.store.ping().await {
        return ApiError::Unavailable(format!("database: {e}")).into_response();
    }
    match state.store.schema_version().await {
        Ok(v) if v == hamnvakt_store::Store::latest_schema_version() => "ready\n".into_response(),
        Ok(v) => ApiError::Unavailable(format!("schema version {v}; run hamnvakt migrate"))
            .into_response(),
        Err(e) => ApiError::Unavailable(format!("database: {e}")).into_response(),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    // The head as stored, not as this instance last wrote it: right after a start, and with
    // other instances appending to the same PostgreSQL chain.
    match state.store.chain_head().await {
        Ok((seq, hash)) => state.metrics.set_chain_head(seq, &hash),
        Err(e) => tracing::warn!(error = %e, "cannot read the chain head for /metrics"),
    }
    state
        .metrics
        .set_group_appends(state.store.group_append_counts());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        ApiError::NotFound(format!(
            "route {}",
            req.uri().path().chars().take(100).collect::<String>()
        ))
        .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            crate::web::layout::not_found_page(&req),
        )
            .into_response()
    }
}
