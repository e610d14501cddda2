//! `/api/v1/targeting/profiles`: the risk profiles the targeting team writes. Every change is a
//! new version (the old ones stay readable) and an audit event; the list shows how often each
//! profile hits the stored consignments.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_identity::Permission;
use hamnvakt_targeting::profile::{Lane, Profile};
use serde::Serialize;
use utoipa::ToSchema;

use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};
use crate::web::state::AppState;

/// One version of a profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    pub id: String,
    pub version: i64,
    pub profile: Profile,
    /// Who saved this version.
    pub author: String,
    /// RFC 3339.
    pub saved_at: String,
}

fn view(r: hamnvakt_store::ProfileRow) -> Result<ProfileView, ApiError> {
    Ok(ProfileView {
        profile: serde_json::from_str(&r.data)
            .map_err(|e| ApiError::Internal(format!("stored profile {}: {e}", r.id)))?,
        id: r.id,
        version: r.version,
        author: r.author,
        saved_at: hamnvakt_core::clock::from_millis(r.created_ms).to_string(),
    })
}

/// A profile with how it performs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileStats {
    #[serde(flatten)]
    pub current: ProfileView,
    /// Stored consignments it hits (each judged against those before it).
    pub hits: usize,
    /// Consignments checked.
    pub checked: usize,
    /// Hits whose inspection outcome is recorded.
    pub inspected: usize,
    /// Share of those found irregular or seized; `null` until one is recorded.
    pub precision: Option<f64>,
}

/// Every profile's latest version with its hit count.
#[utoipa::path(get, path = "/targeting/profiles", tag = "cargo",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ProfileStats>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<ProfileStats>>, ApiError> {
    p.require(Permission::CargoRead)?;
    let rows = state.store.latest_profiles().await?;
    let views: Vec<ProfileView> = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    let profiles: Vec<Profile> = views.iter().map(|v| v.profile.clone()).collect();
    let (checked, hits) = super::service::profile_hits(&state, &profiles).await?;
    Ok(Json(
        views
            .into_iter()
            .zip(hits)
            .map(|(current, r)| ProfileStats {
                current,
                hits: r.hits,
                checked,
                inspected: r.inspected,
                precision: (r.inspected > 0).then(|| r.positive as f64 / r.inspected as f64),
            })
            .collect(),
    ))
}

/// Writes a new profile (version 1).
#[utoipa::path(post, path = "/targeting/profiles", tag = "cargo",
    request_body = Profile,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ProfileView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(profile): ApiJson<Profile>,
) -> Result<(StatusCode, Json<ProfileView>), ApiError> {
    p.require(Permission::ProfilesManage)?;
    let row = super::service::save_profile(&state, &p.actor(), None, &profile).await?;
    Ok((StatusCode::CREATED, Json(view(row)?)))
}

/// Saves a new version of a profile.
#[utoipa::path(put, path = "/targeting/profiles/{id}", tag = "cargo",
    params(("id" = String, Path, description = "Profile id")),
    request_body(content = Profile, description = "The whole profile, as for POST"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ProfileView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(profile): ApiJson<Profile>,
) -> Result<Json<ProfileView>, ApiError> {
    p.require(Permission::ProfilesManage)?;
    let row = super::service::save_profile(&state, &p.actor(), Some(&id), &profile).await?;
    Ok(Json(view(row)?))
}

/// Every version of a profile, oldest first.
#[utoipa::path(get, path = "/targeting/profiles/{id}/versions", tag = "cargo",
    params(("id" = String, Path, description = "Profile id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ProfileView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn versions(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<ProfileView>>, ApiError> {
    p.require(Permission::CargoRead)?;
    let rows = state.store.profile_versions(&id).await?;
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!("risk profile {id}")));
    }
    Ok(Json(rows.into_iter().map(view).collect::<Result<_, _>>()?))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayBody {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date: String,
}

fn day_of(date: &str) -> Result<i64, ApiError> {
    hamnvakt_targeting::mapping::days(date)
        .filter(|_| date.trim().len() == 10)
        .ok_or_else(|| ApiError::field("date", "must be YYYY-MM-DD"))
}

/// A lane decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaneView {
    pub declaration_id: String,
    /// `red`, `yellow`, `blue` or `green`.
    #[schema(value_type = Lane)]
    pub lane: String,
    /// `risk`, `random`, `exploration`, `released` or `rerouted`.
    #[schema(pattern = "^(risk|random|exploration|released|rerouted)$")]
    pub why: String,
    pub risk: f64,
    pub decided_by: String,
    /// RFC 3339.
    pub decided_at: String,
}

fn lane_view(s: hamnvakt_store::SelectionRow) -> LaneView {
    LaneView {
        declaration_id: s.declaration_id,
        lane: s.lane,
        why: s.why,
        risk: s.risk,
        decided_by: s.decided_by,
        decided_at: hamnvakt_core::clock::from_millis(s.decided_ms).to_string(),
    }
}

/// Runs the day's selection for the consignments that have no lane yet, within what is left
/// of the day's capacities (`[targeting]`). Each red or yellow selection is an audit event.
#[utoipa::path(post, path = "/targeting/selections", tag = "cargo", request_body = DayBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<LaneView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn run_selection(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<DayBody>,
) -> Result<Json<Vec<LaneView>>, ApiError> {
    p.require(Permission::CargoSelect)?;
    let day = day_of(&b.date)?;
    let rows = super::service::run_selection(&state, &p.actor(), day).await?;
    Ok(Json(rows.into_iter().map(lane_view).collect()))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerouteBody {
    pub lane: Lane,
    /// Why the officer moves it (required; at most 1000 characters).
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub reason: String,
}

/// Moves a consignment to another lane, with a reason; audited.
#[utoipa::path(post, path = "/consignments/{id}/reroute", tag = "cargo",
    params(("id" = String, Path, description = "Declaration id")), request_body = RerouteBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = LaneView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn reroute(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<RerouteBody>,
) -> Result<Json<LaneView>, ApiError> {
    p.require(Permission::CargoSelect)?;
    let row = super::service::reroute(&state, &p.actor(), &id, b.lane, &b.reason).await?;
    Ok(Json(lane_view(row)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// `YYYY-MM-DD`.
    #[param(format = Date, example = "2026-11-17")]
    pub date: String,
}

/// One line of the worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItem {
    pub declaration_id: String,
    pub risk: f64,
    /// Profile hits: name, weight, lane asked for and reasons.
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<serde_json::Value>,
    /// The learned model's probability and its strongest features, when a model is trained.
    #[schema(value_type = Option<Object>)]
    pub model: Option<serde_json::Value>,
    /// The lane it is in, once selected.
    #[schema(value_type = Option<Lane>)]
    pub lane: Option<String>,
    /// Why it is in that lane.
    #[schema(pattern = "^(risk|random|exploration|released|rerouted)$")]
    pub why: Option<String>,
    pub consignment: hamnvakt_targeting::consignment::Consignment,
}

/// Use of one lane's daily capacity.
#[derive(Debug, Serialize, ToSchema)]
pub struct Capacity {
    #[schema(value_type = Lane)]
    pub lane: String,
    pub capacity: usize,
    pub used: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Worklist {
    pub date: String,
    pub capacity: Vec<Capacity>,
    /// Riskiest first.
    pub items: Vec<WorkItem>,
}

/// The day's consignments ranked by risk, with their reasons, lanes and the lanes' capacity.
#[utoipa::path(get, path = "/targeting/worklist", tag = "cargo", params(WorklistQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Worklist), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn worklist(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<WorklistQuery>,
) -> Result<Json<Worklist>, ApiError> {
    p.require(Permission::CargoRead)?;
    let day = day_of(&q.date)?;
    let (scored, lanes) = super::service::worklist(&state, day).await?;
    let used = |lane: &str| lanes.values().filter(|s| s.lane == lane).count();
    let t = &state.config.targeting;
    Ok(Json(Worklist {
        date: q.date.trim().to_owned(),
        capacity: vec![
            Capacity {
                lane: "red".into(),
                capacity: t.red_capacity,
                used: used("red"),
            },
            Capacity {
                lane: "yellow".into(),
                capacity: t.yellow_capacity,
                used: used("yellow"),
            },
        ],
        items: scored
            .into_iter()
            .map(|s| {
                let sel = lanes.get(&s.consignment.declaration_id);
                WorkItem {
                    declaration_id: s.consignment.declaration_id.clone(),
                    risk: s.risk,
                    hits: s.hits,
                    model: s.model,
                    lane: sel.map(|x| x.lane.clone()),
                    why: sel.map(|x| x.why.clone()),
                    consignment: s.consignment,
                }
            })
            .collect(),
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The last `YYYY-MM-DD` to cover (default today).
    #[param(format = Date)]
    pub until: Option<String>,
    /// How many weeks back (1–52, default 8).
    #[param(minimum = 1, maximum = 52)]
    pub weeks: Option<i64>,
}

/// Weekly precision and estimated recall of the targeted checks beside the random baseline,
/// with a drift indicator on the risk scores.
#[utoipa::path(get, path = "/targeting/report", tag = "cargo", params(ReportQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<hamnvakt_targeting::report::Week>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<Vec<hamnvakt_targeting::report::Week>>, ApiError> {
    p.require(Permission::CargoRead)?;
    let weeks = q.weeks.unwrap_or(8);
    if !(1..=52).contains(&weeks) {
        return Err(ApiError::field("weeks", "must be between 1 and 52"));
    }
    let until = match &q.until {
        Some(d) => day_of(d)?,
        None => state.now_ms().div_euclid(86_400_000),
    };
    // Four more weeks than shown, for the drift baseline of the first one shown.
    let from = until - 7 * (weeks + 4);
    let rows = state.store.selections_with_outcomes(from).await?;
    let decisions: Vec<hamnvakt_targeting::report::Decision> = rows
        .into_iter()
        .filter(|r| r.0 <= until)
        .map(
            |(day, lane, why, risk, result)| hamnvakt_targeting::report::Decision {
                day,
                why,
                checked: matches!(lane.as_str(), "red" | "yellow"),
                risk,
                positive: result
                    .as_deref()
                    .and_then(hamnvakt_targeting::outcome::Result::parse)
                    .map(|r| r.positive()),
            },
        )
        .collect();
    let shown_from = until - 7 * weeks;
    Ok(Json(
        hamnvakt_targeting::report::weekly(&decisions)
            .into_iter()
            .filter(|w| w.monday + 6 >= shown_from)
            .collect(),
    ))
}

/// A stored model version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    pub version: i64,
    /// What it learnt from and how the held-out fifth scored.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    pub author: String,
    /// RFC 3339.
    pub trained_at: String,
}

fn model_view(m: hamnvakt_store::ModelRow) -> ModelView {
    ModelView {
        version: m.version,
        summary: serde_json::from_str(&m.summary).unwrap_or(serde_json::Value::Null),
        author: m.author,
        trained_at: hamnvakt_core::clock::from_millis(m.created_ms).to_string(),
    }
}

/// Starts training a new model version on the recorded inspection outcomes, in the
/// background: answers at once with the job, whose progress `GET /targeting/models/jobs/{id}`
/// reports; when done, the job names the stored version, which the worklist then uses.
/// Audited when stored. One training at a time.
#[utoipa::path(post, path = "/targeting/models", tag = "cargo",
    security(("bearer" = []), ("session" = [])),
    responses((status = 202, body = super::TrainingJob), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Too few recorded outcomes to learn from, or a training is running", body = Problem, content_type = "application/problem+json")))]
pub async fn train(
    State(state): State<AppState>,
    p: Principal,
) -> Result<
    (
        StatusCode,
        [(axum::http::HeaderName, String); 1],
        Json<super::TrainingJob>,
    ),
    ApiError,
> {
    p.require(Permission::ProfilesManage)?;
    let job = super::service::start_training(&state, &p.actor()).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(
            axum::http::header::LOCATION,
            format!("/api/v1/targeting/models/jobs/{}", job.id),
        )],
        Json(job),
    ))
}

/// The model trainings started on this instance, newest first (the last 20).
#[utoipa::path(get, path = "/targeting/models/jobs", tag = "cargo",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<super::TrainingJob>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn training_jobs(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<super::TrainingJob>>, ApiError> {
    p.require(Permission::CargoRead)?;
    Ok(Json(crate::targeting::runtime(&state).jobs()))
}

/// One model training: its state and progress.
#[utoipa::path(get, path = "/targeting/models/jobs/{id}", tag = "cargo",
    params(("id" = u64, Path, description = "Job number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = super::TrainingJob), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn training_job(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<u64>,
) -> Result<Json<super::TrainingJob>, ApiError> {
    p.require(Permission::CargoRead)?;
    crate::targeting::runtime(&state)
        .job(id)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("training job {id}")))
}

/// Every model version, newest first.
#[utoipa::path(get, path = "/targeting/models", tag = "cargo",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ModelView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn models(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<ModelView>>, ApiError> {
    p.require(Permission::CargoRead)?;
    Ok(Json(
        state
            .store
            .list_models()
            .await?
            .into_iter()
            .map(model_view)
            .collect(),
    ))
}

/// One consignment's risk now: its profile hits and the latest model's probability with its
/// strongest features, judged against the consignments before its day.
#[utoipa::path(get, path = "/consignments/{id}/score", tag = "cargo",
    params(("id" = String, Path, description = "Declaration id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = WorkItem), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn score(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WorkItem>, ApiError> {
    p.require(Permission::CargoRead)?;
    let row = super::service::consignment(&state, &id).await?;
    if row.day.is_none() {
        return Err(ApiError::field(
            "date",
            "the consignment has no date to judge it on",
        ));
    }
    let s = super::service::score_one(&state, &row)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("consignment {id}")))?;
    let sel = state.store.selection(&id).await?;
    Ok(Json(WorkItem {
        declaration_id: id,
        risk: s.risk,
        hits: s.hits,
        model: s.model,
        lane: sel.as_ref().map(|x| x.lane.clone()),
        why: sel.map(|x| x.why),
        consignment: s.consignment,
    }))
}
