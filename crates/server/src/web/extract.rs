//! Extractors for outside input that fail as problem documents naming the field: JSON bodies,
//! form bodies and query strings. Bodies are read up to the configured limit and no further.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::web::error::ApiError;
use crate::web::state::AppState;

/// A JSON body parsed into `T`. Unknown fields, wrong types and missing fields are refused
/// with the path of the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// A `application/x-www-form-urlencoded` body parsed into `T` (the console's forms).
#[derive(Debug)]
pub struct FormBody<T>(pub T);

/// A query string parsed into `T`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    if let Some(len) = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
    }
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))
}

fn content_type_is(req: &Request, want: &str) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|ct| {
            ct == want
                || (want == "application/json"
                    && ct.starts_with("application/")
                    && ct.ends_with("+json"))
        })
}

/// Parses JSON in two steps, so that a body that is not JSON at all is reported as such
/// (400, with line and column) before any field is looked at, and a well-formed body with a
/// bad field is reported with the field's path (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::field(&field_path(&path), e.into_inner().to_string())
    })
}

/// serde_path_to_error writes `.` for the root; say `body` instead.
fn field_path(path: &str) -> String {
    if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

fn parse_urlencoded<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::field(&field_path(&path), e.into_inner().to_string())
    })
}

impl<T: DeserializeOwned + Send, S> FromRequest<S> for ApiJson<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        if !content_type_is(&req, "application/json") {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        let bytes = read_body(req, state.config.max_request_body_bytes).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

impl<T: DeserializeOwned + Send, S> FromRequest<S> for FormBody<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        if !content_type_is(&req, "application/x-www-form-urlencoded") {
            return Err(ApiError::UnsupportedMediaType(
                "application/x-www-form-urlencoded",
            ));
        }
        let bytes = read_body(req, state.config.max_request_body_bytes).await?;
        parse_urlencoded(&bytes).map(FormBody)
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        parse_urlencoded(q.as_bytes()).map(ApiQuery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u8,
    }

    fn field_of(r: Result<Body, ApiError>) -> (String, String) {
        match r {
            Err(ApiError::InvalidFields(f)) => f
                .first()
                .map(|f| (f.field.clone(), f.reason.clone()))
                .unwrap_or_default(),
            other => (format!("{other:?}"), String::new()),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of(parse_json(br#"{"name":"a","inner":{"count":"x"}}"#)).0,
            "inner.count"
        );
        assert_eq!(
            field_of(parse_json(br#"{"name":"a","inner":{"count":300}}"#)).0,
            "inner.count"
        );
        let (f, r) = field_of(parse_json(br#"{"name":"a","inner":{"count":1},"extra":1}"#));
        assert!(f == "extra" || r.contains("extra"), "{f} {r}");
        let (f, r) = field_of(parse_json(br#"{"name":"a"}"#));
        assert_eq!(f, "body");
        assert!(r.contains("missing field `inner`"), "{r}");
        assert!(matches!(
            parse_json::<Body>(b"{\"name\":"),
            Err(ApiError::MalformedJson(_))
        ));
        assert!(matches!(
            parse_json::<Body>(br#"{"name":"a","inner":{"count":1}} x"#),
            Err(ApiError::MalformedJson(_))
        ));
    }
}
