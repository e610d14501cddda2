//! `/api/v1/incidents`: open from alerts, list, read with the alerts the reader may see, the
//! timeline, each step (notes, actions, state, severity, alerts, entities, attachments,
//! escalation) and the STIX bundle of the incident.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::alert::{AlertState, Severity, SubjectRef};
use hamnvakt_core::ids::{AlertId, OrgId};
use hamnvakt_core::marking::Marking;
use hamnvakt_core::Tlp;
use hamnvakt_identity::Permission;
use hamnvakt_incidents::{
    Entry, Incident, IncidentDraft, IncidentId, IncidentOutcome, IncidentState, Step,
};
use hamnvakt_sharing::{incident as stix_incident, stix};
use hamnvakt_store::{Marked, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::service::{self, Who};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};
use crate::web::state::AppState;
use crate::web::time::rfc3339;

pub fn who(p: &Principal) -> Who {
    Who {
        org: p.org(),
        reader: p.reader(),
    }
}

pub fn parse_id(s: &str) -> Result<IncidentId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("incident {s}")))
}

/// An alert of the incident, as far as the reader may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertBrief {
    #[schema(value_type = String, format = Uuid)]
    pub id: AlertId,
    pub title: String,
    /// The detector's message (`{"code", "params"}`) the title was written from, when a
    /// detector or rule raised it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub message: Option<serde_json::Value>,
    pub kind: String,
    pub severity: Severity,
    pub state: AlertState,
}

/// An incident as the reader may see it: the alerts it holds that the reader may see, and how
/// many others there are.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: IncidentId,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub state: IncidentState,
    pub outcome: Option<IncidentOutcome>,
    #[schema(value_type = String, format = Uuid)]
    pub owner_org: OrgId,
    pub marking: Marking,
    pub entities: Vec<SubjectRef>,
    #[schema(value_type = Vec<String>)]
    pub escalated_to: Vec<OrgId>,
    pub alerts: Vec<AlertBrief>,
    /// Alerts of the incident whose own marking keeps them from you.
    pub hidden_alerts: usize,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Builds the reader's view: each alert through the alert's own visibility rule.
pub async fn view(
    state: &AppState,
    p: &Principal,
    inc: Incident,
) -> Result<IncidentView, ApiError> {
    let viewer: Viewer = p.viewer();
    let mut alerts = Vec::new();
    for id in &inc.alerts {
        if let Some(a) = state.store.alert(*id, &viewer).await? {
            alerts.push(AlertBrief {
                id: a.id,
                title: a.title,
                message: a.message,
                kind: a.kind,
                severity: a.severity,
                state: a.state,
            });
        }
    }
    Ok(IncidentView {
        hidden_alerts: inc.alerts.len() - alerts.len(),
        alerts,
        id: inc.id,
        title: inc.title,
        description: inc.description,
        severity: inc.severity,
        state: inc.state,
        outcome: inc.outcome,
        owner_org: inc.owner_org,
        marking: inc.marking,
        entities: inc.entities,
        escalated_to: inc.escalated_to,
        version: inc.version,
        created_at: rfc3339(inc.created_ms),
        updated_at: rfc3339(inc.updated_ms),
    })
}

/// One line of the incident list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub state: IncidentState,
    pub outcome: Option<IncidentOutcome>,
    #[schema(value_type = String, format = Uuid)]
    pub owner_org: OrgId,
    pub marking: Marking,
    pub version: i64,
    pub updated_at: String,
}

impl From<Incident> for IncidentSummary {
    fn from(i: Incident) -> Self {
        IncidentSummary {
            id: i.id,
            title: i.title,
            severity: i.severity,
            state: i.state,
            outcome: i.outcome,
            owner_org: i.owner_org,
            marking: i.marking,
            version: i.version,
            updated_at: rfc3339(i.updated_ms),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only incidents in this state.
    pub state: Option<IncidentState>,
    /// Only the incident this alert is in.
    #[param(value_type = Option<String>, format = Uuid)]
    pub alert: Option<AlertId>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The incidents your organisation may see, most recently changed first.
#[utoipa::path(get, path = "/incidents", tag = "incidents", params(ListQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<IncidentSummary>), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<IncidentSummary>>, ApiError> {
    p.require(Permission::IncidentsRead)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let reader = p.reader();
    let rows = match q.alert {
        Some(a) => state
            .store
            .incident_of_alert(&a.to_string(), &reader)
            .await?
            .into_iter()
            .collect(),
        None => {
            let states: Vec<&str> = q.state.iter().map(|s| s.as_str()).collect();
            state
                .store
                .list_marked(Marked::Incident, &reader, &states, None, limit)
                .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let inc = service::decode(r)?;
        if q.state.is_none_or(|s| s == inc.state) {
            out.push(inc.into());
        }
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIncident {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    pub severity: Severity,
    /// Decided now: who may see the incident. Never widened later but by escalation.
    pub marking: Marking,
    /// The alerts it is opened from; your organisation must own them or be named on them.
    #[serde(default)]
    #[schema(value_type = Vec<String>, max_items = 200)]
    pub alerts: Vec<AlertId>,
    #[serde(default)]
    #[schema(max_items = 32)]
    pub entities: Vec<SubjectRef>,
}

/// Opens an incident owned by your organisation. Answered once it is durably stored.
#[utoipa::path(post, path = "/incidents", tag = "incidents", request_body = OpenIncident,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = IncidentView), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn open(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<OpenIncident>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    p.require(Permission::IncidentsWrite)?;
    let draft = IncidentDraft {
        title: b.title,
        description: b.description,
        severity: b.severity,
        owner_org: p.org(),
        marking: b.marking,
        alerts: b.alerts,
        entities: b.entities,
    };
    let inc = service::open_incident(&state, &p.actor(), &who(&p), &draft).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &p, inc).await?)))
}

/// One incident, with the alerts you may see.
#[utoipa::path(get, path = "/incidents/{id}", tag = "incidents", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<IncidentView>, ApiError> {
    p.require(Permission::IncidentsRead)?;
    let inc = service::read(&state, &p.reader(), parse_id(&id)?).await?;
    Ok(Json(view(&state, &p, inc).await?))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = IncidentTimelineEntry)]
pub struct TimelineEntry {
    pub n: i64,
    pub at: String,
    /// Who (`user:…`, `token:…`).
    pub actor: String,
    pub entry: Entry,
}

/// What happened and what was done, oldest first.
#[utoipa::path(get, path = "/incidents/{id}/timeline", tag = "incidents", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn timeline(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<TimelineEntry>>, ApiError> {
    p.require(Permission::IncidentsRead)?;
    let id = parse_id(&id)?;
    Ok(Json(read_timeline(&state, &p, id).await?))
}

pub async fn read_timeline(
    state: &AppState,
    p: &Principal,
    id: IncidentId,
) -> Result<Vec<TimelineEntry>, ApiError> {
    let rows = state
        .store
        .incident_timeline(&id.to_string(), &p.reader(), 5000)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("incident {id}")))?;
    rows.into_iter()
        .map(|r| {
            Ok(TimelineEntry {
                n: r.n,
                at: rfc3339(r.at_ms),
                actor: r.actor,
                entry: serde_json::from_str(&r.entry)
                    .map_err(|e| ApiError::Internal(format!("timeline entry: {e}")))?,
            })
        })
        .collect()
}

/// A step's body. Which fields it needs depends on the step (see each operation).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub text: String,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateAction {
    Start,
    Close,
    Reopen,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    pub action: StateAction,
    /// Required to close.
    pub outcome: Option<IncidentOutcome>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityBody {
    pub severity: Severity,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertBody {
    #[schema(value_type = String, format = Uuid)]
    pub alert: AlertId,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityBody {
    pub entity: SubjectRef,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    /// Where the evidence is kept (a video export's id, a document's path).
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub reference: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub label: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// The agency (customs, police, coast guard, maritime administration) of this
    /// installation.
    #[schema(value_type = String, format = Uuid)]
    pub organisation: OrgId,
    /// The marking you choose for the incident to let the escalation through (needed for a
    /// TLP:AMBER+STRICT incident, which otherwise stays in your organisation).
    pub tlp: Option<Tlp>,
}

async fn run(
    state: &AppState,
    p: &Principal,
    id: &str,
    step: Step,
) -> Result<Json<IncidentView>, ApiError> {
    p.require(Permission::IncidentsWrite)?;
    let id = parse_id(id)?;
    let inc = service::step(state, &p.actor(), &who(p), id, step).await?;
    Ok(Json(view(state, p, inc).await?))
}

macro_rules! step_op {
    ($name:ident, $path:literal, $body:ty, $doc:literal, |$b:ident| $step:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "incidents", params(("id" = String, Path, format = Uuid)),
            request_body = $body, security(("bearer" = []), ("session" = [])),
            responses((status = 200, body = IncidentView), (status = 404, body = Problem, content_type = "application/problem+json"),
                      (status = 409, body = Problem, content_type = "application/problem+json")))]
        pub async fn $name(
            State(state): State<AppState>,
            p: Principal,
            ApiPath(id): ApiPath<String>,
            ApiJson($b): ApiJson<$body>,
        ) -> Result<Json<IncidentView>, ApiError> {
            let step: Result<Step, ApiError> = $step;
            run(&state, &p, &id, step?).await
        }
    };
}

step_op!(
    note,
    "/incidents/{id}/notes",
    TextBody,
    "Adds a note to the timeline (the owner and the organisations named on the incident).",
    |b| Ok(Step::Note(b.text))
);
step_op!(
    action,
    "/incidents/{id}/actions",
    TextBody,
    "Records something done about the incident.",
    |b| Ok(Step::Action(b.text))
);
step_op!(
    set_state,
    "/incidents/{id}/state",
    StateBody,
    "Starts work on, closes (with the outcome) or reopens the incident.",
    |b| match (b.action, b.outcome) {
        (StateAction::Start, None) => Ok(Step::Start),
        (StateAction::Close, Some(o)) => Ok(Step::Close(o)),
        (StateAction::Reopen, None) => Ok(Step::Reopen),
        (StateAction::Close, None) => Err(ApiError::field("outcome", "closing needs an outcome")),
        (_, Some(_)) => Err(ApiError::field(
            "outcome",
            "an outcome is given only when closing"
        )),
    }
);
step_op!(
    set_severity,
    "/incidents/{id}/severity",
    SeverityBody,
    "Changes the incident's severity.",
    |b| Ok(Step::Severity(b.severity))
);
step_op!(
    link_alert,
    "/incidents/{id}/alerts",
    AlertBody,
    "Puts another alert in the incident (one your organisation may act on, in no other incident).",
    |b| Ok(Step::LinkAlert(b.alert))
);
step_op!(
    add_entity,
    "/incidents/{id}/entities",
    EntityBody,
    "Adds an entity (a person, container, vessel …) to the incident.",
    |b| Ok(Step::AddEntity(b.entity))
);
step_op!(
    attach,
    "/incidents/{id}/attachments",
    AttachmentBody,
    "Attaches evidence by reference.",
    |b| Ok(Step::Attach {
        reference: b.reference,
        label: b.label
    })
);
step_op!(escalate, "/incidents/{id}/escalate", EscalateBody, "Escalates the incident to an agency: the agency becomes a named recipient (TLP 2.0 permitting) and gets an alert in its queue. A TLP:AMBER+STRICT incident is refused unless `tlp` chooses another marking.", |b| Ok(Step::Escalate { to: b.organisation, raise: b.tlp }));

/// The incident's current version as a STIX 2.1 bundle: the `incident` with the Incident
/// Core Extension, its marking-definition, its author's identity and the extension-definition,
/// and each vessel, container and vehicle among its entities as Hamnvakt's cyber-observable
/// related to it (`x-hamnvakt-vessel`, `x-hamnvakt-container`, `x-hamnvakt-vehicle`); the
/// people and cards it names are never exported.
#[utoipa::path(get, path = "/incidents/{id}/stix", tag = "incidents", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Object, content_type = "application/stix+json;version=2.1"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn stix_bundle(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<crate::web::extract::StixBundle, ApiError> {
    p.require(Permission::IncidentsRead)?;
    let inc = service::read(&state, &p.reader(), parse_id(&id)?).await?;
    let body = service::stix_objects(&inc);
    let author = state
        .store
        .org(inc.owner_org)
        .await?
        .map(|o| stix::identity(o.id, &o.name, stix::sector_of(o.kind), o.created_ms));
    let bundle = stix_incident::bundle(author, &body, inc.marking.tlp);
    Ok(crate::web::extract::StixBundle(bundle))
}
