//! `/api/v1/alerts`: list, filter and page the queue; raise; acknowledge, assign, close.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::alert::{
    Action, AlertDraft, AlertState, Outcome, Severity, SubjectKind, SubjectRef,
};
use hamnvakt_core::ids::{AlertId, OrgId, UserId};
use hamnvakt_core::Tlp;
use hamnvakt_identity::Permission;
use hamnvakt_store::{AlertFilter, AlertRecord, AlertSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::service;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};
use crate::web::i18n::Lang;
use crate::web::layout::UiLang;
use crate::web::state::AppState;
use crate::web::time::{parse_time, rfc3339};

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AlertId,
    /// Detector and pattern, `area.pattern`.
    pub kind: String,
    pub severity: Severity,
    /// The title in English: a person's own text, or a detector's message written in English.
    pub title: String,
    /// What a detector or rule said, as a code with parameters
    /// (`{"code": "alert.ais.gap", "params": {"mmsi": 265123456, "minutes": 180}}`), from which
    /// the title is written in each reader's language; absent for alerts people raised.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub message: Option<serde_json::Value>,
    /// The title in the reader's language (the console's language cookie, else
    /// `Accept-Language`; Swedish when neither names sv or en), on reads of the queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_title: Option<String>,
    pub state: AlertState,
    #[schema(value_type = String, format = Uuid)]
    pub owner_org: OrgId,
    pub tlp: Tlp,
    /// Who it is given to: the audience its owner chose when raising it, or the one its TLP
    /// implies.
    pub audience: hamnvakt_core::marking::Audience,
    #[schema(value_type = Vec<String>)]
    pub shared_with: Vec<OrgId>,
    pub subjects: Vec<SubjectRef>,
    pub evidence: serde_json::Value,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee: Option<UserId>,
    pub outcome: Option<Outcome>,
    pub closing_note: Option<String>,
    /// Who raised it (`user:…`, `token:…`, `system`).
    pub raised_by: String,
    /// When the finding was first seen: the time of the event, not of its ingestion.
    pub created_at: String,
    pub updated_at: String,
    /// How many times the finding was seen (a detector's repeats fold into one alert).
    pub occurrences: i64,
    /// When the finding was last seen (the time of that event).
    pub last_seen_at: String,
}

impl From<AlertRecord> for AlertView {
    fn from(a: AlertRecord) -> Self {
        let audience = hamnvakt_store::alert_marking(&a).audience;
        AlertView {
            audience,
            id: a.id,
            kind: a.kind,
            severity: a.severity,
            title: a.title,
            message: a.message,
            display_title: None,
            state: a.state,
            owner_org: a.owner_org,
            tlp: a.tlp,
            shared_with: a.shared_with,
            subjects: a.subjects,
            evidence: a.evidence,
            assignee: a.assignee,
            outcome: a.outcome,
            closing_note: a.closing_note,
            raised_by: a.raised_by,
            created_at: rfc3339(a.created_ms),
            updated_at: rfc3339(a.updated_ms),
            occurrences: a.occurrences,
            last_seen_at: rfc3339(a.last_seen_ms),
        }
    }
}

impl AlertView {
    /// With the title in the reader's language.
    pub fn localized(mut self, lang: Lang) -> Self {
        self.display_title = Some(super::title(lang, self.message.as_ref(), &self.title));
        self
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPageView {
    pub alerts: Vec<AlertView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many alerts match the filter in all.
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Comma-separated states (`open,acknowledged,assigned,closed`); default all.
    #[param(
        pattern = r"^((open|acknowledged|assigned|closed)(,(open|acknowledged|assigned|closed))*)?$"
    )]
    pub state: Option<String>,
    /// Lowest severity to include.
    pub min_severity: Option<Severity>,
    /// Kind or kind prefix: `access` matches `access.repeated_denials`.
    pub kind: Option<String>,
    /// With `subject_ref`: only alerts about this subject.
    pub subject_kind: Option<SubjectKind>,
    pub subject_ref: Option<String>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub owner_org: Option<OrgId>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub assignee: Option<UserId>,
    /// RFC 3339; raised at or after.
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// RFC 3339; raised before.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// `newest` (default), `oldest`, or `severity` (the operator's queue: most severe first,
    /// then the finding seen last first).
    #[param(pattern = "^(newest|oldest|severity)$")]
    pub sort: Option<String>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl ListQuery {
    pub fn to_filter(&self) -> Result<AlertFilter, ApiError> {
        let states = match self.state.as_deref().filter(|s| !s.is_empty()) {
            Some(list) => list
                .split(',')
                .map(|s| {
                    s.trim()
                        .parse::<AlertState>()
                        .map_err(|e| ApiError::field("state", e))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let subject = match (&self.subject_kind, &self.subject_ref) {
            (Some(k), Some(r)) => Some((*k, r.clone())),
            (None, None) => None,
            _ => {
                return Err(ApiError::field(
                    "subject_ref",
                    "give subject_kind and subject_ref together",
                ))
            }
        };
        let sort = match self.sort.as_deref().map(str::trim) {
            None | Some("newest") => AlertSort::Newest,
            Some("oldest") => AlertSort::Oldest,
            Some("severity") => AlertSort::Severity,
            Some(_) => {
                return Err(ApiError::field(
                    "sort",
                    "must be newest, oldest or severity",
                ))
            }
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 500"));
        }
        Ok(AlertFilter {
            states,
            min_severity: self.min_severity,
            kind_prefix: self.kind.clone(),
            subject,
            owner_org: self.owner_org,
            assignee: self.assignee,
            since_ms: self
                .since
                .as_deref()
                .map(|s| parse_time("since", s))
                .transpose()?,
            until_ms: self
                .until
                .as_deref()
                .map(|s| parse_time("until", s))
                .transpose()?,
            sort,
            cursor: self.cursor.clone(),
            limit,
        })
    }
}

/// The alerts your organisation may see, newest first, filtered and paged.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(ListQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertPageView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    UiLang(lang): UiLang,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<AlertPageView>, ApiError> {
    principal.require(Permission::AlertsRead)?;
    let filter = q.to_filter()?;
    let viewer = principal.viewer();
    // Counted before the page is read (two reads, not one snapshot): an alert raised in
    // between is then on the page beyond the count, never counted and missing from the page.
    let total = state.store.count_alerts(&viewer, &filter).await?;
    let page = state.store.list_alerts(&viewer, &filter).await?;
    Ok(Json(AlertPageView {
        alerts: page
            .alerts
            .into_iter()
            .map(|a| AlertView::from(a).localized(lang))
            .collect(),
        next_cursor: page.next_cursor,
        total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseAlert {
    /// `area.pattern`, lowercase: `access.repeated_denials` (2 to 4 parts, at most 64
    /// characters).
    #[schema(max_length = 64, pattern = r"^[a-z0-9_]+(\.[a-z0-9_]+){1,3}$")]
    pub kind: String,
    pub severity: Severity,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(max_items = 32)]
    pub subjects: Vec<SubjectRef>,
    /// Whatever made the detector fire; at most 64 KiB of JSON.
    #[serde(default)]
    pub evidence: serde_json::Value,
    pub tlp: Tlp,
    /// Who the alert is given to, decided now and never widened after: `organisation`,
    /// `named` (the organisations in `shared_with`), `community` (this port's member
    /// organisations) or `alliance` (with the federated partner ports), within what the TLP
    /// allows. Without it, the TLP's own: the port community for CLEAR and GREEN, the named
    /// organisations for AMBER and RED, the organisation for AMBER+STRICT.
    #[serde(default)]
    pub audience: Option<hamnvakt_core::marking::Audience>,
    /// Organisations named as recipients (AMBER, RED, or the `named` audience).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub shared_with: Vec<OrgId>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AlertCreated)]
pub struct Created {
    #[schema(value_type = String, format = Uuid)]
    pub id: AlertId,
}

/// Raises an alert owned by your organisation. Answered only after it is durably stored.
#[utoipa::path(post, path = "/alerts", tag = "alerts", request_body = RaiseAlert,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"),
               (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn raise(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<RaiseAlert>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    principal.require(Permission::AlertsRaise)?;
    let draft = AlertDraft {
        kind: body.kind,
        severity: body.severity,
        title: body.title,
        message: None,
        subjects: body.subjects,
        evidence: body.evidence,
        owner_org: principal.org(),
        tlp: body.tlp,
        audience: body.audience,
        shared_with: body.shared_with,
    };
    let id = service::raise(&state, &principal.actor(), &draft, None).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

pub fn parse_alert_id(s: &str) -> Result<AlertId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("alert {s}")))
}

/// The alert `id` names, if the principal may read alerts and its organisation may see this
/// one; otherwise "no alert", the same as one that does not exist.
async fn readable(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<AlertRecord, ApiError> {
    principal.require(Permission::AlertsRead)?;
    let id = parse_alert_id(id)?;
    state
        .store
        .alert(id, &principal.viewer())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))
}

/// One alert, if your organisation may see it.
#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    principal: Principal,
    UiLang(lang): UiLang,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AlertView>, ApiError> {
    let a = readable(&state, &principal, &id).await?;
    Ok(Json(AlertView::from(a).localized(lang)))
}

/// The alert as a STIX 2.1 bundle, under its marking: an `incident` with the Incident Core
/// Extension (state and outcome as the extension's status and determination, severity as
/// criticality, the detector's kind as detection method), its owner's identity, and each
/// vessel, container and vehicle it is about as Hamnvakt's cyber-observable
/// (`x-hamnvakt-vessel` by MMSI or IMO number, `x-hamnvakt-container`, `x-hamnvakt-vehicle`)
/// related to it; people and their cards are never exported. Only if your organisation may
/// see the alert.
#[utoipa::path(get, path = "/alerts/{id}/stix", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Object, content_type = "application/stix+json;version=2.1"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn stix_bundle(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<crate::web::extract::StixBundle, ApiError> {
    use hamnvakt_sharing::incident::{
        self as stix_incident, Determination as D, InvestigationStatus as S, Observable,
    };
    use hamnvakt_sharing::stix;
    let a = readable(&state, &principal, &id).await?;
    let status = match a.state {
        AlertState::Open => S::New,
        AlertState::Acknowledged | AlertState::Assigned => S::Open,
        AlertState::Closed => S::Closed,
    };
    let determination = match a.outcome {
        None | Some(Outcome::Confirmed) | Some(Outcome::Duplicate) => D::Suspected,
        Some(Outcome::Benign) => D::LowValue,
        Some(Outcome::FalsePositive) => D::FalsePositive,
    };
    // What a partner can match on: vessels (named as the alert labels them), containers and
    // vehicles; never people or their cards.
    let observed: Vec<Observable> = a
        .subjects
        .iter()
        .filter_map(Observable::of_subject)
        .collect();
    let body = stix_incident::alert(
        &stix_incident::IncidentVersion {
            id: a.id.uuid(),
            name: &a.title,
            description: "",
            owner_org: a.owner_org,
            created_ms: a.created_ms,
            modified_ms: a.updated_ms.max(a.created_ms),
            severity: a.severity,
            status,
            determination,
            detection_methods: vec![a.kind.clone()],
        },
        &observed,
    );
    let author = state
        .store
        .org(a.owner_org)
        .await?
        .map(|o| stix::identity(o.id, &o.name, stix::sector_of(o.kind), o.created_ms));
    let bundle = stix_incident::bundle(author, &body, a.tlp);
    Ok(crate::web::extract::StixBundle(bundle))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub details: serde_json::Value,
}

/// The alert's timeline, from the audit chain.
#[utoipa::path(get, path = "/alerts/{id}/history", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn history(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let id = readable(&state, &principal, &id).await?.id;
    let events = state
        .store
        .events_for_subject(&format!("alert:{id}"), 500)
        .await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| HistoryEntry {
                seq: e.seq,
                at: rfc3339(e.at_ms),
                kind: e.kind,
                actor: e.actor,
                details: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    #[schema(value_type = String, format = Uuid)]
    pub assignee: UserId,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    pub outcome: Outcome,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub note: Option<String>,
}

async fn act(
    state: &AppState,
    p: &Principal,
    id: &str,
    action: Action,
    note: Option<&str>,
) -> Result<Json<AlertView>, ApiError> {
    p.require(Permission::AlertsTriage)?;
    let id = parse_alert_id(id)?;
    Ok(Json(
        service::act(state, &p.actor(), id, action, note)
            .await?
            .into(),
    ))
}

/// Acknowledges an open alert.
#[utoipa::path(post, path = "/alerts/{id}/acknowledge", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    request_body = NoteBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn acknowledge(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NoteBody>,
) -> Result<Json<AlertView>, ApiError> {
    act(&state, &p, &id, Action::Acknowledge, b.note.as_deref()).await
}

/// Assigns an alert to a user who may triage it.
#[utoipa::path(post, path = "/alerts/{id}/assign", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    request_body = AssignBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn assign(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<AssignBody>,
) -> Result<Json<AlertView>, ApiError> {
    act(
        &state,
        &p,
        &id,
        Action::Assign { to: b.assignee },
        b.note.as_deref(),
    )
    .await
}

/// Closes an alert with its outcome.
#[utoipa::path(post, path = "/alerts/{id}/close", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    request_body = CloseBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn close(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Json<AlertView>, ApiError> {
    act(
        &state,
        &p,
        &id,
        Action::Close { outcome: b.outcome },
        b.note.as_deref(),
    )
    .await
}

/// Reopens a closed alert: open again, its outcome and closing note cleared (the history
/// keeps them); a merged duplicate loses its link.
#[utoipa::path(post, path = "/alerts/{id}/reopen", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    request_body = NoteBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn reopen(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NoteBody>,
) -> Result<Json<AlertView>, ApiError> {
    act(&state, &p, &id, Action::Reopen, b.note.as_deref()).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The alert this one repeats; it stays as it is.
    #[schema(value_type = String, format = Uuid)]
    pub into: AlertId,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub note: Option<String>,
}

/// Merges this alert, a duplicate, into the one it repeats: it is closed as `duplicate` and
/// keeps the link.
#[utoipa::path(post, path = "/alerts/{id}/merge", tag = "alerts", params(("id" = String, Path, format = Uuid)),
    request_body = MergeBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn merge(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<MergeBody>,
) -> Result<Json<AlertView>, ApiError> {
    p.require(Permission::AlertsTriage)?;
    let id = parse_alert_id(&id)?;
    Ok(Json(
        service::merge(&state, &p.actor(), id, b.into, b.note.as_deref())
            .await?
            .into(),
    ))
}
