//! `/api/v1/sharing`: indicators, modi operandi, the objects one may see and who else may see
//! them and why, STIX 2.1 export and import, and the partner feeds.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Audience, Marking};
use hamnvakt_core::tlp::Tlp;
use hamnvakt_identity::Permission;
use hamnvakt_sharing::objects::{IndicatorDraft, ModusOperandiDraft};
use hamnvakt_sharing::stix;
use hamnvakt_store::{FeedRow, SharedQuery, SharedRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::feeds;
use super::service::{self, Arrival, Created, FileReport, SharingState};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery, StixBody};
use crate::web::state::AppState;
use crate::web::time::rfc3339;

/// A shared object as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectView {
    /// STIX id.
    pub id: String,
    #[serde(rename = "type")]
    pub stix_type: String,
    pub name: Option<String>,
    pub modified: String,
    #[schema(value_type = String, format = Uuid)]
    pub owner_org: OrgId,
    pub marking: Marking,
    /// `local`, `import:…`, `taxii:…`, `feed:…`.
    pub source: String,
    pub revoked: bool,
    /// Why the caller may see it.
    pub why: String,
    /// For sightings: what was sighted.
    pub sighting_of: Option<String>,
    /// For notes and relationships: what it is about (a note's first object, a
    /// relationship's source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// The STIX object (with its marking reference), when one object is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stix: Option<Value>,
}

fn view(row: SharedRow, reader: &marking::Reader, whole: bool) -> ObjectView {
    let is_sighting = row.stix_type == "sighting";
    let why = marking::check(row.owner_org, &row.marking, reader)
        .map(|w| w.to_string())
        .unwrap_or_default();
    let name = row
        .body
        .get("name")
        .or_else(|| row.body.get("description"))
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect());
    ObjectView {
        stix: whole.then(|| stix::with_marking(&row.body, row.marking.tlp)),
        id: row.stix_id,
        stix_type: row.stix_type,
        name,
        modified: stix::timestamp(row.modified_ms),
        owner_org: row.owner_org,
        marking: row.marking,
        source: row.source,
        revoked: row.revoked,
        why,
        sighting_of: row.ref_id.clone().filter(|_| is_sighting),
        about: row.ref_id.filter(|_| !is_sighting),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectPage {
    pub objects: Vec<ObjectView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ObjectQuery {
    /// A STIX type (`indicator`, `report`, `sighting` …).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub stix_type: Option<String>,
    /// Sightings of this object.
    pub sighting_of: Option<String>,
    /// What is written about this object: its sightings, the notes on it and the
    /// relationships from it.
    pub about: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
    /// 1–1000, default 100.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/sharing/objects", tag = "sharing", params(ObjectQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ObjectPage), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharingState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ObjectQuery>,
) -> Result<Json<ObjectPage>, ApiError> {
    p.require(Permission::SharingRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "1 to 1000"));
    }
    if let Some(t) = &q.stix_type {
        if t.len() > 250 {
            return Err(ApiError::field("type", "at most 250 characters"));
        }
    }
    if let Some(r) = &q.sighting_of {
        stix::check_id("sighting_of", r, None).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    }
    if let Some(r) = &q.about {
        stix::check_id("about", r, None).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    }
    if q.about.is_some() && q.sighting_of.is_some() {
        return Err(ApiError::field(
            "about",
            "either about or sighting_of, not both",
        ));
    }
    let mut types: Vec<String> = q.stix_type.into_iter().collect();
    if q.sighting_of.is_some() && types.is_empty() {
        types.push("sighting".into());
    }
    let reader = p.reader();
    let mut rows = state
        .store
        .list_shared(
            &reader,
            &SharedQuery {
                types,
                ref_id: q.sighting_of.or(q.about),
                after_seq: q.after,
                limit,
                ..SharedQuery::default()
            },
        )
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(Json(ObjectPage {
        objects: rows.into_iter().map(|r| view(r, &reader, false)).collect(),
        next,
    }))
}

/// An object the caller may see, or 404 (never 403: what one may not see does not exist for
/// one).
async fn visible(state: &SharingState, p: &Principal, id: &str) -> Result<SharedRow, ApiError> {
    stix::check_id("id", id, None).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    let reader = p.reader();
    state
        .store
        .shared_latest(id)
        .await?
        .filter(|r| marking::may_see(r.owner_org, &r.marking, &reader))
        .ok_or_else(|| ApiError::NotFound(format!("object {id}")))
}

#[utoipa::path(get, path = "/sharing/objects/{id}", tag = "sharing", params(("id" = String, Path, description = "STIX id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ObjectView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<SharingState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ObjectView>, ApiError> {
    p.require(Permission::SharingRead)?;
    let row = visible(&state, &p, &id).await?;
    Ok(Json(view(row, &p.reader(), true)))
}

/// One organisation's access to an object, and the reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLine {
    #[schema(value_type = String, format = Uuid)]
    pub org: OrgId,
    pub name: String,
    pub may_see: bool,
    pub why: String,
    /// Whether it may be carried to this organisation over TAXII (partner ports: only what
    /// may leave; never TLP:RED).
    pub over_taxii: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessView {
    pub id: String,
    pub marking: Marking,
    pub organisations: Vec<AccessLine>,
}

#[utoipa::path(get, path = "/sharing/objects/{id}/access", tag = "sharing", params(("id" = String, Path, description = "STIX id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AccessView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
/// Who can see this object and why: every organisation of the installation, with the rule's
/// answer. Only the owner's organisation is told (others would learn who else was named).
pub async fn access(
    State(state): State<SharingState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AccessView>, ApiError> {
    p.require(Permission::SharingRead)?;
    let row = visible(&state, &p, &id).await?;
    if row.owner_org != p.org() {
        return Err(ApiError::forbidden(
            "only the owner's organisation sees who else may see an object",
        ));
    }
    let orgs = state.store.list_orgs().await?;
    let organisations = orgs
        .into_iter()
        .map(|o| {
            let reader = marking::Reader {
                org: o.id,
                partner: o.kind == hamnvakt_core::org::OrgKind::OtherPort,
            };
            let answer = marking::check(row.owner_org, &row.marking, &reader);
            AccessLine {
                org: o.id,
                name: o.name,
                may_see: answer.is_ok(),
                why: match answer {
                    Ok(w) => w.to_string(),
                    Err(w) => w.to_string(),
                },
                over_taxii: answer.is_ok() && hamnvakt_store::feed_may_carry(&row, &reader),
            }
        })
        .collect();
    Ok(Json(AccessView {
        id: row.stix_id,
        marking: row.marking,
        organisations,
    }))
}

#[utoipa::path(post, path = "/sharing/objects/{id}/revoke", tag = "sharing", params(("id" = String, Path, description = "STIX id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<SharingState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Permission::SharingWrite)?;
    stix::check_id("id", &id, None).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    service::revoke(&state, &p.actor(), p.org(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/sharing/indicators", tag = "sharing", request_body = IndicatorDraft,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_indicator(
    State(state): State<SharingState>,
    p: Principal,
    ApiJson(d): ApiJson<IndicatorDraft>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    p.require(Permission::SharingWrite)?;
    let c = service::create_indicator(&state, &p.actor(), p.org(), &d).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(post, path = "/sharing/modi-operandi", tag = "sharing", request_body = ModusOperandiDraft,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_modus_operandi(
    State(state): State<SharingState>,
    p: Principal,
    ApiJson(d): ApiJson<ModusOperandiDraft>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    p.require(Permission::SharingWrite)?;
    let c = service::create_modus_operandi(&state, &p.actor(), p.org(), &d).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only objects given to this audience.
    pub audience: Option<Audience>,
    /// Only this STIX type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub stix_type: Option<String>,
}

/// At most this many objects in one export.
const MAX_EXPORT: usize = 100_000;

#[utoipa::path(get, path = "/sharing/export", tag = "sharing", params(ExportQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "A STIX 2.1 bundle", content_type = "application/stix+json;version=2.1"), (status = 422, body = Problem, content_type = "application/problem+json")))]
/// A STIX 2.1 bundle of everything the caller may see (newest versions), with the TLP 2.0
/// marking-definitions, the identities of the organisations that made the objects, and the
/// extension-definition of Hamnvakt's observables.
pub async fn export(
    State(state): State<SharingState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<crate::web::extract::StixBundle, ApiError> {
    p.require(Permission::SharingRead)?;
    if q.stix_type.as_ref().is_some_and(|t| t.len() > 250) {
        return Err(ApiError::field("type", "at most 250 characters"));
    }
    let reader = p.reader();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let mut page = state
            .store
            .list_shared(
                &reader,
                &SharedQuery {
                    audience: q.audience,
                    types: q.stix_type.iter().cloned().collect(),
                    after_seq: after,
                    limit: 5_000,
                    ..SharedQuery::default()
                },
            )
            .await?;
        let more = page.len() > 5_000;
        page.truncate(5_000);
        after = page.last().map(|r| r.seq);
        rows.extend(page);
        if !more || rows.len() >= MAX_EXPORT {
            break;
        }
    }
    rows.truncate(MAX_EXPORT);
    let bundle = export_bundle(&state, &rows).await?;
    Ok(crate::web::extract::StixBundle(bundle))
}

/// The bundle of `rows` with what makes it whole: markings, creators' identities, the
/// extension-definition when a Hamnvakt observable is in it.
pub async fn export_bundle(state: &AppState, rows: &[SharedRow]) -> Result<Value, ApiError> {
    let mut tlps: Vec<Tlp> = rows.iter().map(|r| r.marking.tlp).collect();
    let orgs = state.store.list_orgs().await?;
    let mut creators: Vec<OrgId> = rows
        .iter()
        .filter_map(|r| r.body.get("created_by_ref").and_then(Value::as_str))
        .filter_map(stix::org_of_identity)
        .collect();
    creators.sort();
    creators.dedup();
    let mut objects: Vec<Value> = Vec::with_capacity(rows.len() + creators.len() + 2);
    for org in creators {
        if let Some(o) = orgs.iter().find(|o| o.id == org) {
            // An identity is as public as the community: GREEN.
            tlps.push(Tlp::Green);
            objects.push(stix::with_marking(
                stix::identity(o.id, &o.name, stix::sector_of(o.kind), o.created_ms)
                    .as_object()
                    .unwrap_or(&serde_json::Map::new()),
                Tlp::Green,
            ));
        }
    }
    if rows.iter().any(|r| r.stix_type.starts_with("x-hamnvakt-")) {
        objects.extend(stix::extension_objects());
    }
    if rows.iter().any(|r| r.stix_type == "incident") {
        objects.extend(hamnvakt_sharing::incident::extension_objects());
    }
    objects.extend(
        rows.iter()
            .map(|r| stix::with_marking(&r.body, r.marking.tlp)),
    );
    Ok(stix::bundle(objects, &tlps))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The audience of the imported objects (default: the port community for TLP:GREEN and
    /// TLP:CLEAR, the organisation for the rest).
    pub audience: Option<Audience>,
    /// Named recipients (organisation ids, comma-separated) for the named audience.
    pub recipients: Option<String>,
    /// The marking of objects that carry none (default TLP:AMBER).
    pub unmarked: Option<String>,
}

#[utoipa::path(post, path = "/sharing/import", tag = "sharing", params(ImportQuery),
    request_body(content = String, description = "A STIX 2.1 bundle", content_type = "application/stix+json"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = FileReport), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
/// Files a STIX 2.1 bundle as the caller's organisation's. Objects that do not hold are
/// reported with their path and reason; the others are filed (versions by id and modified).
pub async fn import(
    State(state): State<SharingState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ImportQuery>,
    StixBody(body): StixBody,
) -> Result<Json<FileReport>, ApiError> {
    p.require(Permission::SharingWrite)?;
    let recipients = match &q.recipients {
        None => vec![],
        Some(s) => s
            .split(',')
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, s)| {
                s.trim().parse::<OrgId>().map_err(|_| {
                    ApiError::field(&format!("recipients[{i}]"), "not an organisation id")
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let unmarked = match &q.unmarked {
        None => Tlp::Amber,
        Some(s) => s.parse().map_err(|e: hamnvakt_core::tlp::UnknownTlp| {
            ApiError::field("unmarked", e.to_string())
        })?,
    };
    let read = tokio::task::spawn_blocking(move || stix::read_bundle(&body))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::InvalidFields(vec![e.0]))?;
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
            audience: q.audience,
            recipients,
            unmarked,
        }
    };
    let actor = p.actor();
    let source = format!("import:{}", actor.id);
    let report = service::file(&state, &actor, &arrival, &source, read.objects, report).await?;
    Ok(Json(report))
}

/// A partner feed as shown (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedView {
    pub id: String,
    pub name: String,
    #[schema(value_type = String, format = Uuid)]
    pub partner_org: OrgId,
    pub objects_url: String,
    pub interval_seconds: i64,
    pub enabled: bool,
    /// The date-added of the last object taken.
    pub cursor: Option<String>,
    pub last_run_at: Option<String>,
    pub last_ok_at: Option<String>,
    pub last_error: Option<String>,
    /// The objects the feed has filed here (a pull) or sent (a push), all runs together.
    pub objects_total: i64,
    /// The objects that crossed the wire on the last run: received by a pull, whether filed
    /// or not, sent by a push. A pull that finds nothing new at the partner receives 0.
    pub last_run_objects: i64,
}

impl From<FeedRow> for FeedView {
    fn from(f: FeedRow) -> Self {
        FeedView {
            id: f.id,
            name: f.name,
            partner_org: f.partner_org,
            objects_url: f.objects_url,
            interval_seconds: f.interval_seconds,
            enabled: f.enabled,
            cursor: f.cursor,
            last_run_at: f.last_run_ms.map(rfc3339),
            last_ok_at: f.last_ok_ms.map(rfc3339),
            last_error: f.last_error,
            objects_total: f.objects_total,
            last_run_objects: f.last_run_objects,
        }
    }
}

#[utoipa::path(get, path = "/sharing/feeds", tag = "sharing",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<FeedView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list_feeds(
    State(state): State<SharingState>,
    p: Principal,
) -> Result<Json<Vec<FeedView>>, ApiError> {
    p.require(Permission::SharingRead)?;
    Ok(Json(
        state
            .store
            .list_feeds()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/sharing/feeds", tag = "sharing", request_body = feeds::NewFeed,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = FeedView), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_feed(
    State(state): State<SharingState>,
    p: Principal,
    ApiJson(f): ApiJson<feeds::NewFeed>,
) -> Result<(StatusCode, Json<FeedView>), ApiError> {
    p.require(Permission::SharingManage)?;
    let row = feeds::create(&state, &p.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(post, path = "/sharing/feeds/{id}/pull", tag = "sharing", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = FeedView), (status = 404, body = Problem, content_type = "application/problem+json")))]
/// Pulls a feed now (it also runs on its interval).
pub async fn pull_feed(
    State(state): State<SharingState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<FeedView>, ApiError> {
    p.require(Permission::SharingManage)?;
    if id.len() > 100 {
        return Err(ApiError::NotFound(format!("feed {id}")));
    }
    let feed = state
        .store
        .feed(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("feed {id}")))?;
    feeds::pull(&state, &feed).await;
    let feed = state
        .store
        .feed(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("feed {id}")))?;
    Ok(Json(feed.into()))
}
