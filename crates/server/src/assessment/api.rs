//! `/api/v1/assessments…`: the catalogue (JSON or CSV) and its harmonisation view, one's
//! organisation's assessments with their gaps, edits, measurements and reports, the
//! best-practice library under its markings, and the comparison across ports.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hamnvakt_assessment::catalogue::{Catalogue, TopicView};
use hamnvakt_assessment::model::{Assessment, Edit, Gap, Summary};
pub use hamnvakt_assessment::practice::{MarkedPractice, PracticeExport, EXPORT_FORMAT};
use hamnvakt_assessment::report;
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::Audience;
use hamnvakt_identity::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalogues::{self, CatalogueVersion};
use super::service::{self, ControlComparison, StoredPractice};
use super::AssessmentState;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};
use crate::web::time::rfc3339;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// A catalogue version (default: the one in force).
    #[param(max_length = 40)]
    pub version: Option<String>,
}

async fn catalogue_of(
    state: &AssessmentState,
    version: Option<&str>,
) -> Result<std::sync::Arc<Catalogue>, ApiError> {
    match version.map(str::trim) {
        None | Some("") => catalogues::in_force(state).await,
        Some(v) => catalogues::of_version(state, v)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("catalogue version {v}"))),
    }
}

/// The catalogue of controls in force (or the version asked for): JSON, or with `format=csv`
/// one row per control and reference.
#[utoipa::path(get, path = "/assessments/catalogue", tag = "assessments", params(FormatQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The catalogue",
        content((Catalogue = "application/json"), (String = "text/csv"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_catalogue(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let format = q.format.as_deref().map(str::trim);
    if !matches!(format, None | Some("json") | Some("csv")) {
        return Err(ApiError::field("format", "must be json or csv"));
    }
    let cat = catalogue_of(&state, q.version.as_deref()).await?;
    match format {
        Some("csv") => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            cat.to_csv(),
        )
            .into_response()),
        _ => Ok(Json(cat.as_ref().clone()).into_response()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A catalogue version (default: the one in force).
    #[param(max_length = 40)]
    pub version: Option<String>,
}

/// Per topic, each control with what every instrument says of it: where they require the
/// same thing and where they differ.
#[utoipa::path(get, path = "/assessments/catalogue/harmonisation", tag = "assessments", params(VersionQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TopicView>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn harmonisation(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<Vec<TopicView>>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    Ok(Json(
        catalogue_of(&state, q.version.as_deref())
            .await?
            .harmonise(),
    ))
}

/// Every version of the catalogue: the one in force first, the built-in one last.
#[utoipa::path(get, path = "/assessments/catalogues", tag = "assessments",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<CatalogueVersion>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list_catalogues(
    State(state): State<AssessmentState>,
    p: Principal,
) -> Result<Json<Vec<CatalogueVersion>>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    Ok(Json(catalogues::versions(&state).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CsvImportQuery {
    /// For a CSV body: the version the rows make (never one that exists).
    #[param(max_length = 40)]
    pub version: Option<String>,
    /// For a CSV body: the date it was published, `YYYY-MM-DD`.
    #[param(max_length = 10)]
    pub published: Option<String>,
}

/// Imports a catalogue as a new version, in force from now on: JSON as
/// `GET /assessments/catalogue` gives it, or CSV rows as `?format=csv` gives them (with
/// `version` and `published`; the instruments and topics are the catalogue in force's).
/// Checked whole first; every fault is named by its path (JSON) or row and column (CSV).
/// A version that exists already is a conflict: versions are never rewritten.
#[utoipa::path(post, path = "/assessments/catalogues", tag = "assessments", params(CsvImportQuery),
    request_body(content((Catalogue = "application/json"), (String = "text/csv"))),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CatalogueVersion), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_catalogue(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiQuery(q): ApiQuery<CsvImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CatalogueVersion>), ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::field("body", format!("not UTF-8: {e}")))?;
    let cat = match media.as_str() {
        "application/json" => {
            if q.version.is_some() || q.published.is_some() {
                return Err(ApiError::field(
                    "version",
                    "only for a CSV body: a JSON catalogue carries its own version",
                ));
            }
            Catalogue::from_json(text).map_err(ApiError::InvalidFields)?
        }
        "text/csv" => {
            let (Some(version), Some(published)) = (q.version.as_deref(), q.published.as_deref())
            else {
                return Err(ApiError::field(
                    if q.version.is_none() {
                        "version"
                    } else {
                        "published"
                    },
                    "a CSV catalogue needs its version and publication date",
                ));
            };
            let base = catalogues::in_force(&state).await?;
            Catalogue::from_csv(text, version, published, &base).map_err(ApiError::InvalidFields)?
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "application/json or text/csv",
            ))
        }
    };
    let made = catalogues::import(&state, &p.actor(), cat).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueChecked {
    pub version: String,
    pub controls: usize,
}

/// Checks a catalogue (as JSON, as `GET /assessments/catalogue` gives it) before it is
/// shipped: every fault by its path.
#[utoipa::path(post, path = "/assessments/catalogue/check", tag = "assessments", request_body = Catalogue,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CatalogueChecked), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn check_catalogue(
    p: Principal,
    ApiJson(c): ApiJson<Catalogue>,
) -> Result<Json<CatalogueChecked>, ApiError> {
    p.require(Permission::AssessmentWrite)?;
    c.check().map_err(ApiError::InvalidFields)?;
    Ok(Json(CatalogueChecked {
        version: c.version.clone(),
        controls: c.controls.len(),
    }))
}

/// One round of a facility's assessments, for the trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    pub id: String,
    pub title: String,
    pub created: String,
    pub summary: Summary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentView {
    pub assessment: Assessment,
    pub summary: Summary,
    /// Gaps ranked by the risk they leave, highest first.
    pub gaps: Vec<Gap>,
    /// Every round of this facility's assessments, oldest first (this one included).
    pub trend: Vec<TrendPoint>,
}

/// Every round of the facility `a` assesses, oldest first.
pub async fn trend(state: &AssessmentState, a: &Assessment) -> Result<Vec<TrendPoint>, ApiError> {
    let all = service::list(state, a.org).await?;
    let mut rounds: Vec<&Assessment> = all.iter().filter(|x| x.facility == a.facility).collect();
    // Rounds made in the same millisecond are ordered by how many rounds precede them.
    let depth = |x: &Assessment| {
        let mut n = 0usize;
        let mut at = x.previous.as_deref();
        while let Some(prev) = at {
            n += 1;
            at = all
                .iter()
                .find(|y| y.id == prev)
                .and_then(|y| y.previous.as_deref());
            if n > all.len() {
                break;
            }
        }
        n
    };
    rounds.sort_by_key(|x| (x.created_ms, depth(x)));
    let mut cats: std::collections::HashMap<String, std::sync::Arc<Catalogue>> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rounds.len());
    for x in rounds {
        let cat = match cats.get(&x.catalogue) {
            Some(c) => c.clone(),
            None => {
                let c = catalogues::for_assessment(state, &x.catalogue).await?;
                cats.insert(x.catalogue.clone(), c.clone());
                c
            }
        };
        out.push(TrendPoint {
            id: x.id.clone(),
            title: x.title.clone(),
            created: rfc3339(x.created_ms),
            summary: x.summary(&cat),
        });
    }
    Ok(out)
}

async fn view(state: &AssessmentState, a: Assessment) -> Result<AssessmentView, ApiError> {
    let cat = catalogues::for_assessment(state, &a.catalogue).await?;
    Ok(AssessmentView {
        summary: a.summary(&cat),
        gaps: a.gaps(&cat),
        trend: trend(state, &a).await?,
        assessment: a,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListEntry {
    pub id: String,
    pub facility: String,
    pub title: String,
    pub previous: Option<String>,
    pub created: String,
    pub updated: String,
    pub summary: Summary,
}

/// One's organisation's assessments, per facility, oldest round first.
#[utoipa::path(get, path = "/assessments", tag = "assessments",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ListEntry>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AssessmentState>,
    p: Principal,
) -> Result<Json<Vec<ListEntry>>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let all = service::list(&state, p.org()).await?;
    let mut out = Vec::with_capacity(all.len());
    for a in &all {
        let cat = catalogues::for_assessment(&state, &a.catalogue).await?;
        out.push(ListEntry {
            id: a.id.clone(),
            facility: a.facility.clone(),
            title: a.title.clone(),
            previous: a.previous.clone(),
            created: rfc3339(a.created_ms),
            updated: rfc3339(a.updated_ms),
            summary: a.summary(&cat),
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The facility assessed (`Stockholm Norvik Port`).
    #[schema(min_length = 1, max_length = 200)]
    pub facility: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Reassess: the earlier round this one follows (its facility is taken, `facility` must
    /// name the same).
    pub previous: Option<String>,
}

/// Starts an assessment of a facility against the catalogue in force, or (with `previous`)
/// the next round of an earlier one, carrying over its assets, scenarios, answers and the
/// actions not yet done.
#[utoipa::path(post, path = "/assessments", tag = "assessments", request_body = CreateBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = AssessmentView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<AssessmentView>), ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let a = match &b.previous {
        None => service::create(&state, &p.actor(), p.org(), &b.facility, &b.title).await?,
        Some(prev) => {
            let before = service::get(&state, p.org(), prev).await.map_err(|_| {
                ApiError::field("previous", "no such assessment of your organisation")
            })?;
            if before.facility != b.facility.trim() {
                return Err(ApiError::field(
                    "facility",
                    "must be the facility of the previous round",
                ));
            }
            service::reassess(&state, &p.actor(), p.org(), prev, &b.title).await?
        }
    };
    Ok((StatusCode::CREATED, Json(view(&state, a).await?)))
}

/// An assessment with its summary, ranked gaps and the trend of its facility's rounds.
#[utoipa::path(get, path = "/assessments/{id}", tag = "assessments", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AssessmentView>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let a = service::get(&state, p.org(), &id).await?;
    Ok(Json(view(&state, a).await?))
}

/// One change: an asset, a scenario or its scores, an answer, a confirmation or an override
/// (with its reason) of a measured answer, an action or its state. Each is an audited event.
#[utoipa::path(post, path = "/assessments/{id}/edits", tag = "assessments", params(("id" = String, Path)), request_body = Edit,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn edit(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(e): ApiJson<Edit>,
) -> Result<Json<AssessmentView>, ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let a = service::edit(&state, &p.actor(), p.org(), &id, &e).await?;
    Ok(Json(view(&state, a).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureResult {
    /// How many answers the measurements changed.
    pub changed: usize,
    pub assessment: AssessmentView,
}

/// Pre-fills the controls Hamnvakt can measure from live facts, each with a link to them;
/// an answer the assessor gave stays, with the measurement beside it.
#[utoipa::path(post, path = "/assessments/{id}/measure", tag = "assessments", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeasureResult), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn measure(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MeasureResult>, ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let (a, changed) = service::measure(&state, &p.actor(), p.org(), &id).await?;
    Ok(Json(MeasureResult {
        changed,
        assessment: view(&state, a).await?,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapView {
    pub gap: Gap,
    /// The practices other ports used for the gap's control, as far as the caller may see.
    pub practices: Vec<StoredPractice>,
}

/// The gaps ranked by risk, each with the practices other ports used for it.
#[utoipa::path(get, path = "/assessments/{id}/gaps", tag = "assessments", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<GapView>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn gaps(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<GapView>>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let a = service::get(&state, p.org(), &id).await?;
    let cat = catalogues::for_assessment(&state, &a.catalogue).await?;
    let with = service::practices_for_gaps(&state, &p.reader(), &a.gaps(&cat)).await?;
    Ok(Json(
        with.into_iter()
            .map(|(gap, practices)| GapView { gap, practices })
            .collect(),
    ))
}

/// The PFSA report as a PDF: general information, assets, threat scenarios, the controls
/// answered with their evidence, the gaps with other ports' practices, the action plan and
/// the scales.
#[utoipa::path(get, path = "/assessments/{id}/report.pdf", tag = "assessments", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The report", content((String = "application/pdf"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let a = service::get(&state, p.org(), &id).await?;
    let cat = catalogues::for_assessment(&state, &a.catalogue).await?;
    let with = service::practices_for_gaps(&state, &p.reader(), &a.gaps(&cat)).await?;
    let practices: Vec<(String, Vec<String>)> = with
        .into_iter()
        .map(|(g, ps)| {
            (
                g.control,
                ps.into_iter().map(|x| x.practice.title).collect(),
            )
        })
        .collect();
    let org = state
        .store
        .org(p.org())
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let now = state.now_ms();
    let bytes = tokio::task::spawn_blocking(move || {
        report::pfsa_pdf(&report::ReportInput {
            assessment: &a,
            catalogue: &cat,
            organisation: &org,
            generated_ms: now,
            practices: &practices,
        })
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"pfsa-report.pdf\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The action plan as CSV: action, control, title, owner, due, state, practice.
#[utoipa::path(get, path = "/assessments/{id}/actions.csv", tag = "assessments", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The action plan", content((String = "text/csv"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn actions_csv(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let a = service::get(&state, p.org(), &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        report::actions_csv(&a),
    )
        .into_response())
}

/// The best practices the caller may see, newest first.
#[utoipa::path(get, path = "/assessments/practices", tag = "assessments",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<StoredPractice>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn practices(
    State(state): State<AssessmentState>,
    p: Principal,
) -> Result<Json<Vec<StoredPractice>>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    Ok(Json(service::visible_practices(&state, &p.reader()).await?))
}

/// Writes a best practice under its marking.
#[utoipa::path(post, path = "/assessments/practices", tag = "assessments", request_body = MarkedPractice,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = StoredPractice), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_practice(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiJson(b): ApiJson<MarkedPractice>,
) -> Result<(StatusCode, Json<StoredPractice>), ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let s = service::create_practice(&state, &p.actor(), p.org(), &b.practice, &b.marking).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// One's organisation's practices that are shared with the alliance, for partner ports.
#[utoipa::path(get, path = "/assessments/practices/export", tag = "assessments",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeExport), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn export_practices(
    State(state): State<AssessmentState>,
    p: Principal,
) -> Result<Json<PracticeExport>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    let all = service::visible_practices(&state, &p.reader()).await?;
    Ok(Json(PracticeExport {
        format: EXPORT_FORMAT.to_owned(),
        catalogue: catalogues::in_force(&state).await?.version.clone(),
        practices: all
            .into_iter()
            .filter(|x| x.owner == p.org() && x.marking.audience == Audience::Alliance)
            .map(|x| MarkedPractice {
                practice: x.practice,
                marking: x.marking,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    /// The partner port's organisation here (kind `other_port`): the practices' owner.
    pub from: OrgId,
    /// The partner's export.
    pub export: PracticeExport,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    pub imported: usize,
}

/// Takes in a partner port's export: every practice under the marking it came with, owned by
/// the partner's organisation; all or nothing, every fault by its path.
#[utoipa::path(post, path = "/assessments/practices/import", tag = "assessments", request_body = ImportBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Imported), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_practices(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiJson(b): ApiJson<ImportBody>,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let items = b
        .export
        .into_items()
        .map_err(|e| ApiError::InvalidFields(vec![e]))?;
    let done = service::import_practices(&state, &p.actor(), b.from, &items).await?;
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            imported: done.len(),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    /// The assessment whose answers are shared (statuses only).
    pub assessment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Shared {
    pub controls: usize,
}

/// Shares one's status per control, from one of one's assessments, for the comparison across
/// ports: statuses only, replacing what one's organisation shared before.
#[utoipa::path(post, path = "/assessments/scores", tag = "assessments", request_body = ShareBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Shared), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn share_scores(
    State(state): State<AssessmentState>,
    p: Principal,
    ApiJson(b): ApiJson<ShareBody>,
) -> Result<Json<Shared>, ApiError> {
    p.require(Permission::AssessmentWrite)?;
    let a = service::get(&state, p.org(), &b.assessment)
        .await
        .map_err(|_| ApiError::field("assessment", "no such assessment of your organisation"))?;
    let scores: BTreeMap<String, _> = a
        .answers
        .iter()
        .map(|(c, x)| (c.clone(), x.status))
        .collect();
    let n = service::share_scores(&state, &p.actor(), p.org(), &scores).await?;
    Ok(Json(Shared { controls: n }))
}

/// Per control, one's own shared status beside the other ports' answers counted — only
/// where at least three other ports contribute, never naming one (docs/SECURITY.md).
#[utoipa::path(get, path = "/assessments/comparison", tag = "assessments",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ControlComparison>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn comparison(
    State(state): State<AssessmentState>,
    p: Principal,
) -> Result<Json<Vec<ControlComparison>>, ApiError> {
    p.require(Permission::AssessmentRead)?;
    Ok(Json(
        service::comparison(&state, &p.actor(), p.org()).await?,
    ))
}
