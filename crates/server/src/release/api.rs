//! `/api/v1/releases`: a shipping line issues a release; each party reads the releases that
//! reached its organisation and takes the next step on those it holds; customs and the
//! terminal set their lights. A release's view carries its chain, lights, assigned driver and
//! truck and its timeline, and nothing of customs' consignments or risk scores.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hamnvakt_core::ids::{FacilityId, OrgId, PersonId};
use hamnvakt_identity::Permission;
use hamnvakt_release::chain::Action;
use hamnvakt_release::model::{
    Assignment, CommercialLight, CustomsLight, Link, Release, ReleaseId, ReleaseState, Role,
    TerminalLight,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{self, IssueRequest, Step};
use crate::access::AccessState;
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath};
use crate::web::time::{parse_time, rfc3339};

/// One step of the release's history, from the audit chain.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReleaseTimelineEntry)]
pub struct TimelineEntry {
    /// The audit event's sequence number.
    pub seq: i64,
    pub at: String,
    /// `release.issued`, `release.offered`, `release.accepted` …
    pub kind: String,
    /// The step as recorded (who, to whom, in which role, details).
    pub step: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ReleaseId,
    /// ISO 6346.
    pub container: String,
    pub bill_of_lading: String,
    #[schema(value_type = String, format = Uuid)]
    pub line: OrgId,
    #[schema(value_type = String, format = Uuid)]
    pub issued_by: OrgId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub facility: Option<FacilityId>,
    pub issued: String,
    pub expires: String,
    pub state: ReleaseState,
    /// Who holds the release right now.
    #[schema(value_type = String, format = Uuid)]
    pub holder: OrgId,
    pub holder_role: Role,
    /// The organisation an offer waits on, if any.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub offered_to: Option<OrgId>,
    pub commercial: CommercialLight,
    pub customs: CustomsLight,
    pub terminal: TerminalLight,
    pub chain: Vec<Link>,
    pub assignment: Option<Assignment>,
    pub collected: Option<String>,
    /// Bumped by every step.
    pub version: i64,
    /// Every step, oldest first (only in the answer for one release).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
}

pub fn view(r: &Release) -> ReleaseView {
    ReleaseView {
        id: r.id,
        container: r.container.clone(),
        bill_of_lading: r.bill_of_lading.clone(),
        line: r.line,
        issued_by: r.issued_by,
        facility: r.facility,
        issued: rfc3339(r.issued_ms),
        expires: rfc3339(r.expires_ms),
        state: r.state,
        holder: r.holder(),
        holder_role: r.holder_role(),
        offered_to: r.pending().map(|l| l.to),
        commercial: r.commercial.clone(),
        customs: r.customs.clone(),
        terminal: r.terminal.clone(),
        chain: r.chain.clone(),
        assignment: r.assignment.clone(),
        collected: r.collected_ms.map(rfc3339),
        version: r.version,
        timeline: None,
    }
}

/// One release as a reader is shown it: with the customs light the gate applies.
async fn shown(state: &AccessState, r: Release) -> Result<ReleaseView, ApiError> {
    Ok(view(&service::as_the_gate_sees_one(state, r).await?))
}

/// The timeline of a release from its events.
pub async fn timeline(state: &AccessState, id: ReleaseId) -> Result<Vec<TimelineEntry>, ApiError> {
    let events = state
        .store
        .events_for_subject(&format!("release:{id}"), 1000)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let payload: serde_json::Value =
                serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
            TimelineEntry {
                seq: e.seq,
                at: rfc3339(e.at_ms),
                kind: e.kind,
                step: payload.get("hop").cloned().unwrap_or(payload),
            }
        })
        .collect())
}

fn parse_id(id: &str) -> Result<ReleaseId, ApiError> {
    id.parse()
        .map_err(|_| ApiError::field("id", "must be a release id (a UUID)"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// ISO 6346, check digit verified (`CSQU3054383`; spaces and dashes are dropped).
    #[schema(min_length = 11, max_length = 20)]
    pub container: String,
    /// 1 to 35 letters, digits, `-` or `/`.
    #[schema(min_length = 1, max_length = 35)]
    pub bill_of_lading: String,
    /// The release-to party (consignee or forwarder): the offer goes to it.
    #[schema(value_type = String, format = Uuid)]
    pub release_to: OrgId,
    /// The line, when an agent issues for it; default the issuing organisation.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub line: Option<OrgId>,
    /// The terminal (access-register facility) the container is collected from.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub facility: Option<FacilityId>,
    /// RFC 3339; default 60 days after issue.
    #[schema(format = DateTime)]
    pub expires: Option<String>,
}

/// Issues a release of one container on one bill of lading and offers it to the
/// release-to party. Shipping lines (and their agents) only.
#[utoipa::path(post, path = "/releases", tag = "releases", request_body = IssueBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ReleaseView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn issue(
    State(state): State<AccessState>,
    p: Principal,
    ApiJson(b): ApiJson<IssueBody>,
) -> Result<(StatusCode, Json<ReleaseView>), ApiError> {
    p.require(Permission::ReleaseAct)?;
    let expires_ms = b
        .expires
        .as_deref()
        .map(|t| parse_time("expires", t))
        .transpose()?;
    if let Some(f) = b.facility {
        if !state.access.lock().index.facilities.contains_key(&f) {
            return Err(ApiError::field("facility", "no such facility"));
        }
    }
    let r = service::issue(
        &state,
        &p.actor(),
        p.org(),
        IssueRequest {
            container: b.container,
            bill_of_lading: b.bill_of_lading,
            line: b.line,
            release_to: b.release_to,
            facility: b.facility,
            expires_ms,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(shown(&state, r).await?)))
}

/// The releases that reached one's organisation (all of them for the security centre and
/// customs' targeting officers), most recently changed first, at most 200.
#[utoipa::path(get, path = "/releases", tag = "releases",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ReleaseView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AccessState>,
    p: Principal,
) -> Result<Json<Vec<ReleaseView>>, ApiError> {
    service::may_list(&p)?;
    let oversee = service::oversees(&p);
    let mut all = service::list(&state, p.org(), oversee).await?;
    service::as_the_gate_sees(&state, &mut all).await?;
    Ok(Json(all.iter().map(view).collect()))
}

/// One release with its timeline; 404 for a release that never reached one's organisation.
#[utoipa::path(get, path = "/releases/{id}", tag = "releases", params(("id" = String, Path, format = Uuid)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ReleaseView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AccessState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ReleaseView>, ApiError> {
    service::may_list(&p)?;
    let oversee = service::oversees(&p);
    let id = parse_id(&id)?;
    let not_found = || ApiError::NotFound(format!("release {id}"));
    if !service::visible(&state, id, p.org(), oversee).await? {
        return Err(not_found());
    }
    let r = service::load(&state, id).await?.ok_or_else(not_found)?;
    let mut v = shown(&state, r).await?;
    v.timeline = Some(timeline(&state, id).await?);
    Ok(Json(v))
}

/// A step on a release. `action` says which; only the current holder passes the right on
/// or assigns the driver, only the offeree accepts or declines, only a giver revokes, only
/// the line withdraws, re-issues or sets the commercial light, only customs the customs
/// light and only the terminal the terminal light.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepBody {
    /// Offer (transfer) the release right to another organisation in a role.
    Offer {
        #[schema(value_type = String, format = Uuid)]
        to: OrgId,
        role: Role,
    },
    Accept,
    Decline,
    /// Take back what one gave on (and everything after it).
    Revoke,
    /// Name the driver (a person of the register with an active port card, employed by the
    /// holder) and the truck's plate.
    Assign {
        #[schema(value_type = String, format = Uuid)]
        driver: PersonId,
        #[schema(min_length = 2, max_length = 20)]
        plate: String,
    },
    Unassign,
    Withdraw,
    /// Issue a withdrawn release again; the prepared chain comes back as it stood.
    Reissue {
        #[schema(format = DateTime)]
        expires: Option<String>,
    },
    /// The line's light: released, or blocked with a reason.
    Commercial {
        released: bool,
        #[schema(max_length = 200)]
        reason: Option<String>,
    },
    /// Customs' light: `green`, `orange` (with a reason; `scan` to send it to the scanner)
    /// or `red` (with a reason).
    Customs {
        light: CustomsColour,
        #[schema(max_length = 200)]
        reason: Option<String>,
        #[serde(default)]
        scan: bool,
    },
    /// The terminal's light.
    Terminal {
        light: TerminalColour,
        #[schema(max_length = 200)]
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomsColour {
    Green,
    Orange,
    Red,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminalColour {
    Discharged,
    NotDischarged,
    Blocked,
}

fn reason(r: Option<String>, needed: bool) -> Result<String, ApiError> {
    match r {
        Some(r) => {
            hamnvakt_core::validate::name("reason", &r, 200)
                .map_err(|e| ApiError::InvalidFields(vec![e]))?;
            Ok(r)
        }
        None if needed => Err(ApiError::field("reason", "say why")),
        None => Ok(String::new()),
    }
}

/// Turns a step's body into the use case's step, checking its fields.
pub fn step_of(b: StepBody) -> Result<Step, ApiError> {
    Ok(match b {
        StepBody::Offer { to, role } => {
            if role == Role::Line {
                return Err(ApiError::field(
                    "role",
                    "the line's place cannot be offered",
                ));
            }
            Step::Offer { to, role }
        }
        StepBody::Accept => Step::Accept,
        StepBody::Decline => Step::Decline,
        StepBody::Revoke => Step::Revoke,
        StepBody::Assign { driver, plate } => {
            let n = hamnvakt_release::normalise_plate(&plate);
            if !(2..=12).contains(&n.len()) || plate.chars().count() > 20 {
                return Err(ApiError::field(
                    "plate",
                    "must be 2 to 12 letters or digits",
                ));
            }
            Step::Assign { driver, plate }
        }
        StepBody::Unassign => Step::Unassign,
        StepBody::Withdraw => Step::Withdraw,
        StepBody::Reissue { expires } => Step::Reissue {
            expires_ms: expires
                .as_deref()
                .map(|t| parse_time("expires", t))
                .transpose()?,
        },
        StepBody::Commercial {
            released,
            reason: r,
        } => Step::Light(Action::Commercial(if released {
            CommercialLight::Released
        } else {
            CommercialLight::Blocked {
                reason: reason(r, true)?,
            }
        })),
        StepBody::Customs {
            light,
            reason: r,
            scan,
        } => Step::Light(Action::Customs(match light {
            CustomsColour::Green => CustomsLight::Green,
            CustomsColour::Orange => CustomsLight::Orange {
                reason: reason(r, true)?,
                scan,
            },
            CustomsColour::Red => CustomsLight::Red {
                reason: reason(r, true)?,
            },
        })),
        StepBody::Terminal { light, reason: r } => Step::Light(Action::Terminal(match light {
            TerminalColour::Discharged => TerminalLight::Discharged,
            TerminalColour::NotDischarged => TerminalLight::NotDischarged,
            TerminalColour::Blocked => TerminalLight::Blocked {
                reason: reason(r, true)?,
            },
        })),
    })
}

/// Takes one step on a release; the answer is the release after it. A step the chain's
/// rules refuse is a 409 whose detail starts with the rule's code (`not_holder: …`).
#[utoipa::path(post, path = "/releases/{id}/steps", tag = "releases", params(("id" = String, Path, format = Uuid)),
    request_body = StepBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ReleaseView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn step(
    State(state): State<AccessState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<StepBody>,
) -> Result<Json<ReleaseView>, ApiError> {
    p.require(Permission::ReleaseAct)?;
    let id = parse_id(&id)?;
    let oversee = service::oversees(&p);
    if !service::visible(&state, id, p.org(), oversee).await? {
        return Err(ApiError::NotFound(format!("release {id}")));
    }
    let step = step_of(b)?;
    let r = service::act(&state, &p.actor(), p.org(), id, step).await?;
    Ok(Json(shown(&state, r).await?))
}
