//! The TAXII 2.1 server at `/taxii2/`: discovery, one API root, a collection per audience
//! (what a caller reads from it is what its organisation may see, and for a partner port only
//! what may leave; TLP:RED never travels on a machine feed), objects with `added_after`,
//! `match[…]` and `limit`/`next` paging, one object, its versions, the manifest, and the
//! status of a POST.
//!
//! Authentication is the API's: a bearer token, or HTTP Basic with the token as the password
//! for clients that only speak Basic. Errors are TAXII error messages that are also RFC 9457
//! problem documents (the fields of both), sent as `application/taxii+json;version=2.1`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hamnvakt_core::marking::Audience;
use hamnvakt_identity::Permission;
use hamnvakt_sharing::stix;
use hamnvakt_sharing::taxii::{Query, Version};
use hamnvakt_store::{SharedQuery, SharedRow, Versions};
use serde_json::{json, Value};

use super::service::{self, Arrival, FileReport, SharingState};
use crate::web::auth::Principal;
use crate::web::error::ApiError;
use crate::web::extract::{read_body, ApiPath, ApiQuery};

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const API_ROOT: &str = "hamnvakt";
/// The largest POST body taken (the API root's `max_content_length`).
pub const MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;

/// A collection: its fixed id, title, and the audience it carries.
pub struct Collection {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub audience: Audience,
}

pub const COLLECTIONS: [Collection; 3] = [
    Collection {
        id: "8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70",
        title: "Alliance",
        description: "What this port shares with the alliance's ports (TLP:GREEN and TLP:CLEAR). Partner ports read and write here.",
        audience: Audience::Alliance,
    },
    Collection {
        id: "5b2d9c1a-7e3f-4a8b-b6c5-0d1e2f3a4b5c",
        title: "Port community",
        description: "What is shared with this port's community: its agencies, terminals and partners. Members only.",
        audience: Audience::Community,
    },
    Collection {
        id: "c4e7a1b9-2d3f-4e5a-8b6c-7d8e9f0a1b2c",
        title: "Named to your organisation",
        description: "What an owner gave your organisation by name (TLP:AMBER, TLP:GREEN); never TLP:RED, which is for people, not feeds.",
        audience: Audience::Named,
    },
];

/// A TAXII error: a TAXII error message and a problem document in one.
pub struct TaxiiError(pub ApiError);

impl From<ApiError> for TaxiiError {
    fn from(e: ApiError) -> Self {
        TaxiiError(e)
    }
}

impl From<hamnvakt_store::StoreError> for TaxiiError {
    fn from(e: hamnvakt_store::StoreError) -> Self {
        TaxiiError(e.into())
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let v = serde_json::to_value(self.0.problem()).unwrap_or_else(|_| json!({}));
        if let ApiError::Internal(cause) = &self.0 {
            tracing::error!(error = %cause, "TAXII request failed");
        }
        error_message(status, v)
    }
}

/// A problem document as a TAXII error message: the problem's fields with TAXII's
/// `description` and `http_status`; a 401 names both ways to present a token.
fn error_message(status: StatusCode, mut problem: Value) -> Response {
    if let Some(o) = problem.as_object_mut() {
        let detail = o.get("detail").cloned().unwrap_or(Value::Null);
        o.insert("description".into(), detail);
        o.insert("http_status".into(), json!(status.as_u16().to_string()));
    }
    let mut out = taxii_json(status, problem);
    if status == StatusCode::UNAUTHORIZED {
        out.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"hamnvakt\", Basic realm=\"hamnvakt\""),
        );
    }
    out
}

/// Makes every error answer under `/taxii2/` a TAXII error message, whoever gave it: the
/// handlers answer one already, but the extractors in front of them (the token, the path's
/// parameters) answer problem documents, and the router a bare 405 or 404. A problem keeps
/// its fields; a bare status gets the API's words for it.
pub async fn errors_as_taxii(req: Request, next: axum::middleware::Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let kind = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !(status.is_client_error() || status.is_server_error())
        || kind.starts_with("application/taxii+json")
    {
        return resp;
    }
    let is_problem = kind.starts_with("application/problem+json");
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let problem = if is_problem {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}))
    } else {
        let text = String::from_utf8_lossy(&bytes);
        let e = crate::web::error::problem_for_status(status, &text, MAX_CONTENT_LENGTH);
        serde_json::to_value(e.problem()).unwrap_or_else(|_| json!({}))
    };
    let mut out = error_message(status, problem);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// A path under `/taxii2/` that names nothing.
pub async fn no_such_resource(req: Request) -> TaxiiError {
    TaxiiError(ApiError::NotFound(format!(
        "TAXII resource {}",
        req.uri().path().chars().take(100).collect::<String>()
    )))
}

type TaxiiResult = Result<Response, TaxiiError>;

fn taxii_json(status: StatusCode, v: Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII));
    r
}

/// 406 unless the caller accepts TAXII 2.1 (an absent `Accept` or `*/*` accepts anything).
fn check_accept(headers: &HeaderMap) -> Result<(), TaxiiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let accept = accept.to_str().unwrap_or("").to_ascii_lowercase();
    let ok = accept.split(',').any(|part| {
        let part: String = part.chars().filter(|c| !c.is_whitespace()).collect();
        let mut it = part.split(';');
        let ty = it.next().unwrap_or("");
        let params: Vec<&str> = it.filter(|p| !p.starts_with("q=")).collect();
        match ty {
            "*/*" | "application/*" => true,
            "application/taxii+json" => params.iter().all(|p| *p == "version=2.1"),
            _ => false,
        }
    });
    if ok {
        Ok(())
    } else {
        Err(TaxiiError(ApiError::OtherClientError {
            status: StatusCode::NOT_ACCEPTABLE,
            detail: format!("this server answers {TAXII}; the request accepts only {accept}"),
        }))
    }
}

fn base_url(state: &SharingState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.len() < 256
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn collection(id: &str) -> Result<&'static Collection, TaxiiError> {
    COLLECTIONS
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| TaxiiError(ApiError::NotFound(format!("collection {id}"))))
}

/// The collections a caller may use: partner ports do not read the port community's.
fn may_use(p: &Principal, c: &Collection) -> bool {
    !(p.partner() && c.audience == Audience::Community)
}

fn collection_json(p: &Principal, c: &Collection) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "can_read": p.can(Permission::SharingRead),
        "can_write": p.can(Permission::SharingWrite) && c.audience != Audience::Named,
        "media_types": ["application/stix+json;version=2.1"],
    })
}

pub async fn discovery(
    State(state): State<SharingState>,
    p: Principal,
    headers: HeaderMap,
) -> TaxiiResult {
    check_accept(&headers)?;
    p.require(Permission::SharingRead)?;
    let root = format!("{}/taxii2/{API_ROOT}/", base_url(&state, &headers));
    Ok(taxii_json(
        StatusCode::OK,
        json!({
            "title": "Hamnvakt TAXII 2.1",
            "description": "Indicators, modi operandi and sightings of the port community and the alliance, under their TLP 2.0 markings.",
            "default": root,
            "api_roots": [root],
        }),
    ))
}

fn check_root(root: &str) -> Result<(), TaxiiError> {
    if root == API_ROOT {
        Ok(())
    } else {
        Err(TaxiiError(ApiError::NotFound(format!("API root {root}"))))
    }
}

pub async fn api_root(
    p: Principal,
    headers: HeaderMap,
    ApiPath(root): ApiPath<String>,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    p.require(Permission::SharingRead)?;
    Ok(taxii_json(
        StatusCode::OK,
        json!({
            "title": "Hamnvakt",
            "description": "This installation's shared objects",
            "versions": [TAXII],
            "max_content_length": MAX_CONTENT_LENGTH,
        }),
    ))
}

pub async fn collections(
    p: Principal,
    headers: HeaderMap,
    ApiPath(root): ApiPath<String>,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    p.require(Permission::SharingRead)?;
    let list: Vec<Value> = COLLECTIONS
        .iter()
        .filter(|c| may_use(&p, c))
        .map(|c| collection_json(&p, c))
        .collect();
    Ok(taxii_json(StatusCode::OK, json!({"collections": list})))
}

fn usable(p: &Principal, root: &str, id: &str) -> Result<&'static Collection, TaxiiError> {
    check_root(root)?;
    let c = collection(id)?;
    if !may_use(p, c) {
        return Err(TaxiiError(ApiError::NotFound(format!("collection {id}"))));
    }
    Ok(c)
}

pub async fn one_collection(
    p: Principal,
    headers: HeaderMap,
    ApiPath((root, id)): ApiPath<(String, String)>,
) -> TaxiiResult {
    check_accept(&headers)?;
    p.require(Permission::SharingRead)?;
    let c = usable(&p, &root, &id)?;
    Ok(taxii_json(StatusCode::OK, collection_json(&p, c)))
}

/// The query of objects, manifest and versions: the parameters as
/// [`hamnvakt_sharing::taxii::Query`] reads them, in the store's terms.
#[derive(Debug, Default)]
struct Filter {
    added_after: Option<i64>,
    limit: i64,
    next: Option<i64>,
    ids: Vec<String>,
    types: Vec<String>,
    versions: Vec<Versions>,
    spec_ok: bool,
}

fn filter(q: &[(String, String)]) -> Result<Filter, TaxiiError> {
    let q = Query::parse(q).map_err(|e| TaxiiError(ApiError::InvalidFields(vec![e])))?;
    Ok(Filter {
        added_after: q.added_after,
        limit: q.limit,
        next: q.next,
        ids: q.ids,
        types: q.types,
        versions: q
            .versions
            .iter()
            .map(|v| match v {
                Version::Last => Versions::Last,
                Version::First => Versions::First,
                Version::All => Versions::All,
                Version::At(ms) => Versions::At(*ms),
            })
            .collect(),
        spec_ok: q.spec_ok,
    })
}

async fn page(
    state: &SharingState,
    p: &Principal,
    c: &Collection,
    f: &Filter,
    ids: Vec<String>,
) -> Result<(Vec<SharedRow>, bool), TaxiiError> {
    if !f.spec_ok {
        return Ok((vec![], false));
    }
    let mut rows = state
        .store
        .list_shared(
            &p.reader(),
            &SharedQuery {
                audience: Some(c.audience),
                types: f.types.clone(),
                ids,
                versions: f.versions.clone(),
                added_after_ms: f.added_after,
                after_seq: f.next,
                feed: true,
                limit: f.limit,
                ref_id: None,
            },
        )
        .await?;
    let more = rows.len() as i64 > f.limit;
    rows.truncate(f.limit as usize);
    Ok((rows, more))
}

fn with_date_headers(mut r: Response, rows: &[SharedRow]) -> Response {
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        for (name, ms) in [
            ("x-taxii-date-added-first", first.added_ms),
            ("x-taxii-date-added-last", last.added_ms),
        ] {
            if let Ok(v) = HeaderValue::from_str(&stix::timestamp(ms)) {
                r.headers_mut().insert(name, v);
            }
        }
    }
    r
}

fn envelope(rows: &[SharedRow], more: bool, items: Vec<Value>, key: &str) -> Value {
    let mut v = json!({"more": more});
    if let Some(o) = v.as_object_mut() {
        if more {
            if let Some(last) = rows.last() {
                o.insert("next".into(), json!(last.seq.to_string()));
            }
        }
        if !items.is_empty() {
            o.insert(key.into(), Value::Array(items));
        }
    }
    v
}

/// The page of one object's versions the filter selects; 404 when the object is not in the
/// collection for this reader.
async fn one_object(
    state: &SharingState,
    p: &Principal,
    c: &Collection,
    f: &Filter,
    object: &str,
) -> Result<(Vec<SharedRow>, bool), TaxiiError> {
    stix::check_id("object", object, None)
        .map_err(|e| TaxiiError(ApiError::InvalidFields(vec![e])))?;
    let (rows, more) = page(state, p, c, f, vec![object.to_owned()]).await?;
    if rows.is_empty() && f.next.is_none() {
        return Err(TaxiiError(ApiError::NotFound(format!(
            "object {object} in this collection"
        ))));
    }
    Ok((rows, more))
}

/// An envelope of objects with their markings, and the date-added headers.
fn objects_answer(rows: &[SharedRow], more: bool) -> Response {
    let objects: Vec<Value> = rows
        .iter()
        .map(|r| stix::with_marking(&r.body, r.marking.tlp))
        .collect();
    with_date_headers(
        taxii_json(StatusCode::OK, envelope(rows, more, objects, "objects")),
        rows,
    )
}

pub async fn get_objects(
    State(state): State<SharingState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath((root, id)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<Vec<(String, String)>>,
) -> TaxiiResult {
    check_accept(&headers)?;
    p.require(Permission::SharingRead)?;
    let c = usable(&p, &root, &id)?;
    let f = filter(&q)?;
    let (rows, more) = page(&state, &p, c, &f, f.ids.clone()).await?;
    Ok(objects_answer(&rows, more))
}

pub async fn get_object(
    State(state): State<SharingState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath((root, id, object)): ApiPath<(String, String, String)>,
    ApiQuery(q): ApiQuery<Vec<(String, String)>>,
) -> TaxiiResult {
    check_accept(&headers)?;
    p.require(Permission::SharingRead)?;
    let c = usable(&p, &root, &id)?;
    let f = filter(&q)?;
    let (rows, more) = one_object(&state, &p, c, &f, &object).await?;
    Ok(objects_answer(&rows, more))
}

pub async fn versions(
    State(state): State<SharingState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath((root, id, object)): ApiPath<(String, String, String)>,
    ApiQuery(q): ApiQuery<Vec<(String, String)>>,
) -> TaxiiResult {
    check_accept(&headers)?;
    p.require(Permission::SharingRead)?;
    let c = usable(&p, &root, &id)?;
    let mut f = filter(&q)?;
    f.versions = vec![Versions::All];
    let (rows, more) = one_object(&state, &p, c, &f, &object).await?;
    let mut vs: Vec<String> = rows
        .iter()
        .map(|r| stix::timestamp(r.modified_ms))
        .collect();
    vs.sort();
    Ok(with_date_headers(
        taxii_json(
            StatusCode::OK,
            envelope(
                &rows,
                more,
                vs.into_iter().map(Value::String).collect(),
                "versions",
            ),
        ),
        &rows,
    ))
}

pub async fn manifest(
    State(state): State<SharingState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath((root, id)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<Vec<(String, String)>>,
) -> TaxiiResult {
    check_accept(&headers)?;
    p.require(Permission::SharingRead)?;
    let c = usable(&p, &root, &id)?;
    let f = filter(&q)?;
    let (rows, more) = page(&state, &p, c, &f, f.ids.clone()).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.stix_id,
                "date_added": stix::timestamp(r.added_ms),
                "version": stix::timestamp(r.modified_ms),
                "media_type": "application/stix+json;version=2.1",
            })
        })
        .collect();
    Ok(with_date_headers(
        taxii_json(StatusCode::OK, envelope(&rows, more, items, "objects")),
        &rows,
    ))
}

/// A POST: an envelope of objects, filed as the caller's organisation's under the
/// collection's audience; the answer is the status resource (complete: the objects are filed
/// before it is sent).
pub async fn add_objects(
    State(state): State<SharingState>,
    p: Principal,
    ApiPath((root, id)): ApiPath<(String, String)>,
    req: Request,
) -> TaxiiResult {
    check_accept(req.headers())?;
    p.require(Permission::SharingWrite)?;
    let c = usable(&p, &root, &id)?;
    if c.audience == Audience::Named {
        return Err(TaxiiError(ApiError::forbidden(
            "this collection is read-only",
        )));
    }
    if !crate::web::extract::content_type_is(&req, "application/taxii+json") {
        return Err(TaxiiError(ApiError::UnsupportedMediaType(TAXII)));
    }
    let body = read_body(req, MAX_CONTENT_LENGTH).await?;
    let read = tokio::task::spawn_blocking(move || stix::read_bundle(&body))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| TaxiiError(ApiError::InvalidFields(vec![e.0])))?;
    let total = read.objects.len() + read.rejected.len();
    let mut report = FileReport::default();
    report
        .failures
        .extend(read.rejected.into_iter().map(|r| service::Failure {
            id: r.id,
            field: r.error.field,
            message: r.error.reason,
        }));
    let arrival = if p.partner() {
        Arrival::Partner {
            partner: p.org(),
            operator: service::operator_org(&state).await?.unwrap_or(p.org()),
        }
    } else {
        Arrival::Import {
            owner: p.org(),
            audience: Some(c.audience),
            recipients: vec![],
            unmarked: hamnvakt_core::tlp::Tlp::Amber,
        }
    };
    let actor = p.actor();
    let source = format!("taxii:{}", p.org());
    let report = service::file(&state, &actor, &arrival, &source, read.objects, report).await?;
    let status_id = uuid::Uuid::new_v4().to_string();
    let now = state.now_ms();
    let status = json!({
        "id": status_id,
        "status": "complete",
        "request_timestamp": stix::timestamp(now),
        "total_count": total,
        "success_count": report.successes.len(),
        "successes": report.successes.iter().map(|(id, v)| json!({"id": id, "version": v})).collect::<Vec<_>>(),
        "failure_count": report.failures.len(),
        "failures": report.failures.iter().map(|f| json!({"id": f.id.clone().unwrap_or_default(), "message": format!("{}: {}", f.field, f.message)})).collect::<Vec<_>>(),
        "pending_count": 0,
    });
    let mut c = crate::web::change::Change::begin(&state, &actor).await?;
    c.record("sharing.taxii_status", Some(&format!("taxii-status:{status_id}")), json!({"total": total, "success": report.successes.len(), "failure": report.failures.len()}))
        .await?;
    c.tx()
        .insert_taxii_status(&status_id, p.org(), now, &status.to_string())
        .await?;
    c.commit().await?;
    Ok(taxii_json(StatusCode::ACCEPTED, status))
}

pub async fn status(
    State(state): State<SharingState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath((root, id)): ApiPath<(String, String)>,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    p.require(Permission::SharingRead)?;
    if id.len() > 64 {
        return Err(TaxiiError(ApiError::NotFound(format!("status {id}"))));
    }
    let body = state
        .store
        .taxii_status(&id, p.org())
        .await?
        .ok_or_else(|| TaxiiError(ApiError::NotFound(format!("status {id}"))))?;
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    Ok(taxii_json(StatusCode::OK, v))
}
