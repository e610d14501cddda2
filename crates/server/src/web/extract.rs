//! Extractors for outside input that fail as problem documents naming the field: JSON bodies,
//! form bodies, CSV bodies, query strings and path parameters. Bodies are read up to the
//! configured limit and no further. Handlers use these, never axum's own `Path`, `Query`,
//! `Json` or `Bytes`, whose rejections are `text/plain`.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::web::error::ApiError;
use crate::web::layout::UiError;
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

/// [`ApiQuery`] for a console page: a query that does not parse is the console's error page,
/// not a problem document.
#[derive(Debug)]
pub struct UiQuery<T>(pub T);

/// [`FormBody`] for a console form read without a session (signing in): a body that does not
/// parse is the console's error page. Forms of a signed-in session use `auth::UiForm`.
#[derive(Debug)]
pub struct UiFormBody<T>(pub T);

/// The route's path parameters parsed into `T` (one value, or a tuple in route order). A
/// segment that does not parse — `abc` for an MMSI, bytes that are not UTF-8 once
/// percent-decoded — is a 422 naming the parameter.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

/// A STIX 2.1 bundle or TAXII envelope as the body (`application/stix+json`,
/// `application/taxii+json` or `application/json`), read whole up to [`MAX_BUNDLE_BYTES`]:
/// imports are large by nature (a 100,000-object bundle is some 60 MB), and are parsed off
/// the async runtime by the caller.
#[derive(Debug)]
pub struct StixBody(pub Bytes);

/// The largest bundle taken.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

impl<S> FromRequest<S> for StixBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if ![
            "application/stix+json",
            "application/taxii+json",
            "application/json",
        ]
        .iter()
        .any(|t| content_type_is(&req, t))
        {
            return Err(ApiError::UnsupportedMediaType(
                "application/stix+json;version=2.1",
            ));
        }
        read_body(req, MAX_BUNDLE_BYTES).await.map(StixBody)
    }
}

/// A STIX 2.1 bundle as a response, with its media type.
#[derive(Debug)]
pub struct StixBundle(pub serde_json::Value);

impl axum::response::IntoResponse for StixBundle {
    fn into_response(self) -> axum::response::Response {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/stix+json;version=2.1",
            )],
            self.0.to_string(),
        )
            .into_response()
    }
}

/// A `text/csv` body, read whole up to the configured limit.
#[derive(Debug)]
pub struct CsvBody(pub Bytes);

/// An EDIFACT interchange (`application/edifact`, or `text/plain` as some senders label it),
/// read whole up to the configured limit.
#[derive(Debug)]
pub struct EdifactBody(pub Bytes);

/// Reads a body of at most `limit` bytes. A larger one is refused with 413, but read on (and
/// thrown away) up to four times the limit first, so that the client, still sending, reads
/// the answer rather than a reset connection; one that says it is larger than that is
/// refused at once.
pub async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let linger = limit.saturating_mul(4);
    if let Some(len) = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > linger {
            return Err(ApiError::PayloadTooLarge(limit));
        }
    }
    let mut stream = req.into_body().into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the body broke off: {e}")))?;
        seen = seen.saturating_add(chunk.len());
        if seen > linger {
            break;
        }
        if seen <= limit {
            bytes.extend_from_slice(&chunk);
        }
    }
    if seen > limit {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    Ok(Bytes::from(bytes))
}

pub fn content_type_is(req: &Request, want: &str) -> bool {
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

impl<T: DeserializeOwned + Send, S> FromRequest<S> for UiFormBody<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = UiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let FormBody(v) = FormBody::from_request(req, state).await?;
        Ok(UiFormBody(v))
    }
}

impl<S> FromRequest<S> for CsvBody
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        if !content_type_is(&req, "text/csv") {
            return Err(ApiError::UnsupportedMediaType("text/csv"));
        }
        read_body(req, state.config.max_request_body_bytes)
            .await
            .map(CsvBody)
    }
}

impl<S> FromRequest<S> for EdifactBody
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        if !content_type_is(&req, "application/edifact") && !content_type_is(&req, "text/plain") {
            return Err(ApiError::UnsupportedMediaType("application/edifact"));
        }
        read_body(req, state.config.max_request_body_bytes)
            .await
            .map(EdifactBody)
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => {
                // The names of the route's parameters, for errors that do not carry one.
                let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
                    .await
                    .map(|raw| raw.iter().map(|(k, _)| k.to_owned()).collect())
                    .unwrap_or_default();
                Err(path_error(rejection, &names))
            }
        }
    }
}

/// A path rejection as a problem naming the parameter.
fn path_error(rejection: PathRejection, names: &[String]) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        // No parameters where the handler expects some: the route table is wrong.
        return ApiError::Internal(format!("path parameters: {}", rejection.body_text()));
    };
    let only = || names.first().cloned().unwrap_or_else(|| "path".to_owned());
    let reason = |expected: &str| format!("must be {}", expected_name(expected));
    match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => ApiError::field(key, reason(expected_type)),
        ErrorKind::ParseErrorAtIndex {
            index,
            expected_type,
            ..
        } => ApiError::field(
            &names.get(*index).cloned().unwrap_or_else(only),
            reason(expected_type),
        ),
        ErrorKind::ParseError { expected_type, .. } => {
            ApiError::field(&only(), reason(expected_type))
        }
        ErrorKind::InvalidUtf8InPathParam { key } => {
            ApiError::field(key, "must be UTF-8 once percent-decoded")
        }
        ErrorKind::DeserializeError { key, message, .. } => ApiError::field(key, message.clone()),
        _ => ApiError::field(&only(), e.body_text()),
    }
}

/// What a path parameter of this Rust type must look like, in words.
fn expected_name(rust_type: &str) -> &'static str {
    match rust_type {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" => "true or false",
        _ => "well-formed",
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        parse_urlencoded(q.as_bytes()).map(ApiQuery)
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for UiQuery<T> {
    type Rejection = UiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(UiQuery(parse_urlencoded(q.as_bytes())?))
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
