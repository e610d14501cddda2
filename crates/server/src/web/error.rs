//! The one mapping from failures to HTTP: every API error is an RFC 9457
//! `application/problem+json` document with a stable `code` and the request id. Internal causes
//! are logged with the request id and never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hamnvakt_core::validate::FieldError;
use hamnvakt_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served, set by the request-id middleware for the whole
    /// handler, so that errors built anywhere below can carry it.
    pub static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(|r| r.clone())
        .unwrap_or_else(|_| "-".to_owned())
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request has invalid fields")]
    InvalidFields(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("send the body as {0}")]
    UnsupportedMediaType(&'static str),
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    Throttled { retry_after_seconds: u32 },
    #[error("the service is not ready: {0}")]
    Unavailable(String),
    /// A client error the HTTP layer answered with a status of its own (408, 431 …).
    #[error("{detail}")]
    OtherClientError { status: StatusCode, detail: String },
    #[error("internal error")]
    Internal(String),
}

/// A problem document (RFC 9457) with Hamnvakt's extensions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:hamnvakt:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, machine-readable error code.
    pub code: String,
    /// Quote this when reporting a problem; the server log has the cause under it.
    pub request_id: String,
    /// For invalid fields: which and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// Path of the field (`subjects[0].kind`; `body` for the body as a whole).
    pub field: String,
    pub reason: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::OtherClientError { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidFields(_) => "invalid_fields",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Csrf => "csrf_failed",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Throttled { .. } => "too_many_attempts",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::OtherClientError { .. } => "client_error",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn field(field: &str, reason: impl Into<String>) -> ApiError {
        ApiError::InvalidFields(vec![FieldError::new(field, reason)])
    }

    pub fn forbidden(what: &str) -> ApiError {
        ApiError::Forbidden(what.to_owned())
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let errors = match self {
            ApiError::InvalidFields(list) => list
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    reason: f.reason.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let detail = match self {
            ApiError::InvalidFields(list) => list
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; "),
            ApiError::Internal(_) => {
                "internal error; the server log has the cause under this request id".into()
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:hamnvakt:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code().to_owned(),
            request_id: request_id(),
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(request_id = %request_id(), error = %cause, "request failed");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        let mut resp = (self.status(), body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::Throttled {
            retry_after_seconds,
        } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if matches!(self, ApiError::Unauthenticated) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hamnvakt\""),
            );
        }
        resp
    }
}

impl ApiError {
    /// A targeting record's validation: its field errors as one 422, or nothing when it holds.
    pub fn check_fields(
        errors: Vec<hamnvakt_targeting::consignment::FieldError>,
    ) -> Result<(), ApiError> {
        if errors.is_empty() {
            return Ok(());
        }
        Err(ApiError::InvalidFields(
            errors
                .into_iter()
                .map(|e| FieldError::new(&e.field, e.reason))
                .collect(),
        ))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::NotFound(m) => ApiError::NotFound(m),
            StoreError::ReadOnly => ApiError::Unavailable(StoreError::ReadOnly.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::Internal(format!("background task failed: {e}"))
    }
}

/// A problem for an error that a layer or the framework produced without one: a bare status
/// (an unknown route, a wrong method, a panic) or a `text/plain` message (a body over the
/// limit, a request the HTTP layer could not read). `detail` is that message, if any;
/// `body_limit` the configured limit on request bodies.
pub fn problem_for_status(status: StatusCode, detail: &str, body_limit: usize) -> ApiError {
    let detail: String = detail.trim().chars().take(300).collect();
    let or = |fallback: &str| {
        if detail.is_empty() {
            fallback.to_owned()
        } else {
            detail.clone()
        }
    };
    match status {
        StatusCode::BAD_REQUEST => ApiError::BadRequest(or("the request cannot be read")),
        StatusCode::NOT_FOUND => ApiError::NotFound("route".into()),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(body_limit),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType("application/json"),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::field("body", or("cannot be read")),
        s if s.is_client_error() => ApiError::OtherClientError {
            status: s,
            detail: or(s.canonical_reason().unwrap_or("the request was refused")),
        },
        _ => ApiError::Internal(format!("{status} from a layer: {detail}")),
    }
}
