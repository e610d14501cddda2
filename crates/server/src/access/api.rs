//! `/api/v1/access`: the access register (facilities, zones, gates, people, credentials,
//! vehicles, permits, visits, bans), gate decisions, security levels, occupancy, muster lists
//! and the access policies.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hamnvakt_access::decide::{Direction, Outcome, Reason};
use hamnvakt_access::model::{
    Ban, Credential, Facility, Gate, Permit, Person, SecurityLevel, Vehicle, Visit, Zone,
};
use hamnvakt_core::ids::{CredentialId, DecisionId, FacilityId, GateId, PersonId, ZoneId};
use hamnvakt_identity::Permission;
use hamnvakt_store::DecisionFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::register::Record;
use super::scope::Scope;
use super::AccessState;
use crate::access::{DecisionInput, GateRef};
use crate::web::auth::{Principal, SelfAuditing};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery};
use crate::web::time::{parse_time, rfc3339};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find (name, number, code, plate, purpose), case-insensitive.
    pub q: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// How many matches to skip.
    #[param(minimum = 0)]
    pub offset: Option<usize>,
}

async fn search<R: Record>(
    state: &AccessState,
    p: &Principal,
    q: &SearchQuery,
) -> Result<Vec<R>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let scope = Scope::of(state, p).await?;
    state.access.refresh_if_stale(&state.store).await?;
    let inner = state.access.lock();
    Ok(super::register::search(
        &inner.index,
        scope,
        q.q.as_deref().unwrap_or(""),
        q.offset.unwrap_or(0),
        limit,
    ))
}

/// A create body is the record without its id; the server assigns one.
fn with_id<R: Record>(body: serde_json::Value, id: &str) -> Result<R, ApiError> {
    super::register::from_body(body, id).map_err(|e| ApiError::InvalidFields(vec![e]))
}

async fn create_record<R: Record>(
    state: &AccessState,
    p: &Principal,
    body: serde_json::Value,
) -> Result<(StatusCode, Json<R>), ApiError> {
    Scope::require_port_staff(state, p, Permission::AccessManage).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let record: R = with_id(body, &id)?;
    let saved = state.access.save(state, &p.actor(), record, true).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn update_record<R: Record>(
    state: &AccessState,
    p: &Principal,
    id: &str,
    body: serde_json::Value,
) -> Result<Json<R>, ApiError> {
    Scope::require_port_staff(state, p, Permission::AccessManage).await?;
    if R::find(&state.access.lock().index, id).is_none() {
        return Err(ApiError::NotFound(format!("{} {id}", R::KIND)));
    }
    let record: R = with_id(body, id)?;
    Ok(Json(
        state.access.save(state, &p.actor(), record, false).await?,
    ))
}

async fn get_record<R: Record>(
    state: &AccessState,
    p: &Principal,
    id: &str,
) -> Result<Json<R>, ApiError> {
    p.require(Permission::AccessRead)?;
    let scope = Scope::of(state, p).await?;
    state.access.refresh_if_stale(&state.store).await?;
    let inner = state.access.lock();
    R::find(&inner.index, id)
        .filter(|r| scope.record(&inner.index, r))
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("{} {id}", R::KIND)))
}

macro_rules! register_api {
    ($module:ident, $t:ty, $list:literal, $one:literal, $what:literal) => {
        pub mod $module {
            use super::*;

            #[doc = concat!("Lists ", $what, ", with search.")]
            #[utoipa::path(get, path = $list, tag = "access", params(SearchQuery), security(("bearer" = []), ("session" = [])),
                responses((status = 200, body = Vec<$t>), (status = 403, body = Problem, content_type = "application/problem+json")))]
            pub async fn list(State(state): State<AccessState>, p: Principal, ApiQuery(q): ApiQuery<SearchQuery>) -> Result<Json<Vec<$t>>, ApiError> {
                p.require(Permission::AccessRead)?;
                Ok(Json(search::<$t>(&state, &p, &q).await?))
            }

            #[doc = concat!("One of the ", $what, ".")]
            #[utoipa::path(get, path = $one, tag = "access", params(("id" = String, Path, format = Uuid)), security(("bearer" = []), ("session" = [])),
                responses((status = 200, body = $t), (status = 404, body = Problem, content_type = "application/problem+json")))]
            pub async fn get_one(State(state): State<AccessState>, p: Principal, ApiPath(id): ApiPath<String>) -> Result<Json<$t>, ApiError> {
                get_record::<$t>(&state, &p, &id).await
            }

            #[doc = concat!("Adds to the ", $what, " (the id is assigned). Audited; applies to the next decision.")]
            #[utoipa::path(post, path = $list, tag = "access", request_body = $t, security(("bearer" = []), ("session" = [])),
                responses((status = 201, body = $t), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
            pub async fn create(State(state): State<AccessState>, p: Principal, ApiJson(body): ApiJson<serde_json::Value>) -> Result<(StatusCode, Json<$t>), ApiError> {
                create_record::<$t>(&state, &p, body).await
            }

            #[doc = concat!("Replaces one of the ", $what, " (suspend, revoke, edit). Audited; applies to the next decision.")]
            #[utoipa::path(put, path = $one, tag = "access", params(("id" = String, Path, format = Uuid)), request_body = $t,
                security(("bearer" = []), ("session" = [])),
                responses((status = 200, body = $t), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
            pub async fn update(State(state): State<AccessState>, p: Principal, ApiPath(id): ApiPath<String>, ApiJson(body): ApiJson<serde_json::Value>) -> Result<Json<$t>, ApiError> {
                update_record::<$t>(&state, &p, &id, body).await
            }
        }
    };
}

register_api!(
    facilities,
    Facility,
    "/access/facilities",
    "/access/facilities/{id}",
    "port facilities"
);
register_api!(zones, Zone, "/access/zones", "/access/zones/{id}", "zones");
register_api!(gates, Gate, "/access/gates", "/access/gates/{id}", "gates");
register_api!(
    people,
    Person,
    "/access/people",
    "/access/people/{id}",
    "people"
);
register_api!(
    credentials,
    Credential,
    "/access/credentials",
    "/access/credentials/{id}",
    "credentials"
);
register_api!(
    vehicles,
    Vehicle,
    "/access/vehicles",
    "/access/vehicles/{id}",
    "vehicles"
);
register_api!(
    permits,
    Permit,
    "/access/permits",
    "/access/permits/{id}",
    "permits"
);
register_api!(
    visits,
    Visit,
    "/access/visits",
    "/access/visits/{id}",
    "visits"
);
register_api!(bans, Ban, "/access/bans", "/access/bans/{id}", "port bans");

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// The gate's code (`VHA-G3`) or id.
    pub gate: String,
    /// The card or port ID number the reader read (a credential, a plate or both).
    #[schema(min_length = 1, max_length = 64)]
    pub credential: Option<String>,
    /// The plate the camera read.
    #[schema(min_length = 1, max_length = 64)]
    pub plate: Option<String>,
    pub direction: Direction,
    /// When it happened (RFC 3339), for controllers that buffer; default now.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    /// A pick-up: the container (ISO 6346) the truck comes to collect. The answer grants only
    /// the driver and truck its release names, with every light allowing it.
    #[schema(min_length = 11, max_length = 20)]
    pub container: Option<String>,
    /// The visit (booked trip) the driver comes on, by id: the answer grants only when the
    /// visit is the presented person's and in force.
    #[schema(format = Uuid)]
    pub visit: Option<String>,
}

/// The pick-up check's part of a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickupView {
    pub container: String,
    /// The release checked, if the container has one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub release: Option<hamnvakt_release::ReleaseId>,
    /// `grant`, `refer_to_scanner` or `deny`; absent when no release was found.
    pub verdict: Option<hamnvakt_release::PickupVerdict>,
    /// `scanner` when the truck goes to the scanner lane.
    pub lane: Option<String>,
    /// Every failed condition of the pick-up.
    pub failures: Vec<hamnvakt_release::Failure>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: PersonId,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: DecisionId,
    /// `grant`, `deny` or `refer` (to a guard).
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub gate: Option<GateId>,
    pub facility: Option<FacilityId>,
    pub person: Option<PersonRef>,
    pub credential: Option<CredentialId>,
    pub from_zone: Option<ZoneId>,
    pub to_zone: Option<ZoneId>,
    pub direction: Direction,
    pub security_level: u8,
    pub policy_version: i64,
    /// The two-person partner who passes with this grant.
    pub partner: Option<PersonId>,
    pub at: String,
    /// Present when the request named a container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup: Option<PickupView>,
}

/// Decides one presentation at a gate: grant, deny or refer to a guard, with reasons.
/// The decision is in the audit chain before this answer is sent. An unknown gate or
/// credential, or any internal failure, is a deny with a reason.
#[utoipa::path(post, path = "/access/decisions", tag = "access", request_body = DecisionBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DecisionView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AccessState>,
    SelfAuditing(p, unconfirmed): SelfAuditing,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<Json<DecisionView>, ApiError> {
    p.require(Permission::AccessDecide)?;
    if b.credential.is_none() && b.plate.is_none() {
        return Err(ApiError::field(
            "credential",
            "present a credential, a plate or both",
        ));
    }
    for (field, v) in [("credential", &b.credential), ("plate", &b.plate)] {
        if v.as_ref().is_some_and(|v| v.is_empty() || v.len() > 64) {
            return Err(ApiError::field(field, "must be 1 to 64 characters"));
        }
    }
    let at_ms = match &b.at {
        Some(t) => parse_time("at", t)?,
        None => state.now_ms(),
    };
    let gate = match b.gate.parse::<GateId>() {
        Ok(id) => GateRef::Id(id),
        Err(_) => GateRef::Code(b.gate.clone()),
    };
    // Only a pick-up reads more than the register in memory: its release and selection.
    let pickup = match &b.container {
        None => None,
        Some(c) => {
            let container = hamnvakt_release::container::container_number("container", c)
                .map_err(|e| ApiError::InvalidFields(vec![e]))?;
            Some(read_pickup(&state, container).await)
        }
    };
    let visit = b
        .visit
        .as_deref()
        .map(|v| {
            v.parse::<hamnvakt_core::ids::VisitId>()
                .map_err(|_| ApiError::field("visit", "must be a visit id (a UUID)"))
        })
        .transpose()?;
    let watched = gate_observation(
        &b.gate,
        b.plate.as_deref(),
        pickup.as_ref().map(|f| f.container.as_str()),
        at_ms,
    );
    let id: DecisionId = crate::web::state::new_time_id(state.now_ms());
    let input = DecisionInput {
        gate,
        credential: b.credential,
        plate: b.plate,
        direction: b.direction,
        at_ms,
        pickup,
        visit,
        id: Some(id),
    };
    // A grant claims the release in the transaction that records the decision, and a wrong
    // driver's finding goes to the alert outbox in it; the facts come back as decided on
    // (read again when the release moved meanwhile).
    let (id, d, checked, facts) = state
        .access
        .decide_confirming(&state, &p, unconfirmed, input)
        .await?;
    // After the decision, never before it: matching is in memory, and what a match leads to
    // (a sighting, an alert) is written in the background.
    state.observe(watched);
    let pickup_view = facts.as_ref().map(|f| PickupView {
        container: f.container.clone(),
        release: f.release.as_ref().map(|r| r.id),
        verdict: checked.as_ref().map(|c| c.verdict),
        lane: (d.outcome == Outcome::Refer
            && checked
                .as_ref()
                .is_some_and(|c| c.verdict == hamnvakt_release::PickupVerdict::ReferToScanner))
        .then(|| "scanner".to_owned()),
        failures: checked
            .as_ref()
            .map(|c| c.failures.clone())
            .unwrap_or_default(),
    });
    let person = d.person.and_then(|pid| {
        state
            .access
            .lock()
            .index
            .people
            .get(&pid)
            .map(|x| PersonRef {
                id: x.id,
                name: x.name.clone(),
            })
    });
    Ok(Json(DecisionView {
        id,
        outcome: d.outcome,
        reasons: d.reasons,
        gate: d.gate,
        facility: d.facility,
        person,
        credential: d.credential,
        from_zone: d.from_zone,
        to_zone: d.to_zone,
        direction: d.direction,
        security_level: d.security_level,
        policy_version: d.policy_version,
        partner: d.partner,
        at: rfc3339(d.at_ms),
        pickup: pickup_view,
    }))
}

/// The pick-up facts of a container; facts that cannot be read make the gate deny.
async fn read_pickup(state: &AccessState, container: String) -> crate::release::PickupFacts {
    match crate::release::pickup_facts(state, &container).await {
        Ok(facts) => facts,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a container's release for the gate");
            crate::release::PickupFacts::unreadable(container)
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    pub facility: Option<FacilityId>,
    pub person: Option<PersonId>,
    pub gate: Option<GateId>,
    /// `grant`, `deny` or `refer`.
    pub outcome: Option<Outcome>,
    /// RFC 3339.
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// RFC 3339; only decisions before it (for paging back).
    #[param(format = DateTime)]
    pub before: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEntry {
    pub id: String,
    pub at: String,
    pub gate: Option<String>,
    pub gate_code: Option<String>,
    pub facility: Option<String>,
    pub person: Option<String>,
    pub person_name: Option<String>,
    pub credential: Option<String>,
    pub plate: Option<String>,
    #[schema(value_type = Direction)]
    pub direction: String,
    #[schema(value_type = Outcome)]
    pub outcome: String,
    pub reasons: Vec<Reason>,
    pub security_level: i64,
    pub policy_version: i64,
    /// The decision's event in the audit chain.
    pub event_seq: i64,
}

/// The live feed of decisions, newest first.
#[utoipa::path(get, path = "/access/decisions", tag = "access", params(FeedQuery), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<FeedEntry>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn feed(
    State(state): State<AccessState>,
    p: Principal,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Json<Vec<FeedEntry>>, ApiError> {
    p.require(Permission::AccessRead)?;
    let scope = Scope::of(&state, &p).await?;
    Ok(Json(feed_entries(&state, scope, &q).await?))
}

/// The decisions `scope` may see, newest first: for a reader scoped to an organisation, those
/// of its people (a page may then hold fewer than `limit`).
pub async fn feed_entries(
    state: &AccessState,
    scope: Scope,
    q: &FeedQuery,
) -> Result<Vec<FeedEntry>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let filter = DecisionFilter {
        facility_id: q.facility.map(|x| x.to_string()),
        person_id: q.person.map(|x| x.to_string()),
        gate_id: q.gate.map(|x| x.to_string()),
        outcome: q.outcome.map(|o| o.as_str().to_owned()),
        since_ms: q
            .since
            .as_deref()
            .map(|s| parse_time("since", s))
            .transpose()?,
        before_ms: q
            .before
            .as_deref()
            .map(|s| parse_time("before", s))
            .transpose()?,
        limit,
    };
    state.access.projector.catch_up(state).await?;
    let rows = state.store.list_decisions(&filter).await?;
    let inner = state.access.lock();
    let ix = &inner.index;
    Ok(rows
        .into_iter()
        .filter(|r| {
            scope == Scope::Whole
                || r.person_id
                    .as_deref()
                    .and_then(|x| x.parse::<PersonId>().ok())
                    .is_some_and(|x| scope.person(ix, x))
        })
        .map(|r| {
            let gate = r
                .gate_id
                .as_deref()
                .and_then(|g| g.parse::<GateId>().ok())
                .and_then(|g| ix.gates.get(&g));
            let person = r
                .person_id
                .as_deref()
                .and_then(|x| x.parse::<PersonId>().ok())
                .and_then(|x| ix.people.get(&x));
            FeedEntry {
                at: rfc3339(r.at_ms),
                gate_code: gate.map(|g| g.code.clone()),
                person_name: person.map(|x| x.name.clone()),
                reasons: serde_json::from_str(&r.reasons).unwrap_or_default(),
                id: r.id,
                gate: r.gate_id,
                facility: r.facility_id,
                person: r.person_id,
                credential: r.credential_number,
                plate: r.plate,
                direction: r.direction,
                outcome: r.outcome,
                security_level: r.security_level,
                policy_version: r.policy_version,
                event_seq: r.event_seq,
            }
        })
        .collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelBody {
    /// 1, 2 or 3.
    #[schema(value_type = u8, minimum = 1, maximum = 3)]
    pub level: SecurityLevel,
    /// Why, for the audit chain: free text, at most 500 characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    pub facility: Facility,
    /// Gates of the facility that stay open at this level.
    pub open_gates: usize,
    pub total_gates: usize,
}

pub fn level_view(state: &AccessState, f: Facility) -> LevelView {
    let inner = state.access.lock();
    let gates: Vec<&Gate> = inner
        .index
        .gates
        .values()
        .filter(|g| g.facility_id == f.id)
        .collect();
    let open = gates
        .iter()
        .filter(|g| f.security_level.get() < 2 || !g.closed_at_level2)
        .count();
    LevelView {
        open_gates: open,
        total_gates: gates.len(),
        facility: f,
    }
}

/// Sets a facility's ISPS security level, with the reason. Audited; the very next decision
/// uses it.
#[utoipa::path(post, path = "/access/facilities/{id}/security-level", tag = "access", params(("id" = String, Path, format = Uuid)),
    request_body = LevelBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = LevelView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn set_level(
    State(state): State<AccessState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<LevelBody>,
) -> Result<Json<LevelView>, ApiError> {
    Scope::require_port_staff(&state, &p, Permission::SecurityLevelSet).await?;
    let id: FacilityId = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("facility {id}")))?;
    let f = state
        .access
        .set_level(&state, &p.actor(), id, b.level, &b.reason)
        .await?;
    Ok(Json(level_view(&state, f)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Occupant {
    pub person: PersonId,
    pub name: String,
    pub kind: String,
    pub organisation: String,
    pub facility: FacilityId,
    pub zone: ZoneId,
    pub zone_name: String,
    pub gate: GateId,
    pub gate_code: String,
    pub since: String,
}

/// Who is inside now (in `facility`, or anywhere), as far as `scope` may see.
pub async fn occupants(
    state: &AccessState,
    scope: Scope,
    facility: Option<FacilityId>,
) -> Result<Vec<Occupant>, ApiError> {
    let orgs: std::collections::HashMap<_, _> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    state.access.follow_others(&state.store).await?;
    let inner = state.access.lock();
    let ix = &inner.index;
    let mut list: Vec<Occupant> = inner
        .presence
        .all()
        .filter(|i| facility.is_none_or(|f| i.facility == f))
        .filter(|i| scope.person(ix, i.person))
        .map(|i| {
            let person = ix.people.get(&i.person);
            Occupant {
                person: i.person,
                name: person.map(|p| p.name.clone()).unwrap_or_default(),
                kind: person
                    .map(|p| format!("{:?}", p.kind).to_lowercase())
                    .unwrap_or_default(),
                organisation: person
                    .and_then(|p| orgs.get(&p.org_id).cloned())
                    .unwrap_or_default(),
                facility: i.facility,
                zone: i.zone,
                zone_name: ix
                    .zones
                    .get(&i.zone)
                    .map(|z| z.name.clone())
                    .unwrap_or_default(),
                gate: i.gate,
                gate_code: ix
                    .gates
                    .get(&i.gate)
                    .map(|g| g.code.clone())
                    .unwrap_or_default(),
                since: rfc3339(i.since_ms),
            }
        })
        .collect();
    list.sort_by(|a, b| (&a.zone_name, &a.name).cmp(&(&b.zone_name, &b.name)));
    Ok(list)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OccupancyQuery {
    pub facility: Option<FacilityId>,
}

/// Who is inside now, derived from the decisions.
#[utoipa::path(get, path = "/access/occupancy", tag = "access", params(OccupancyQuery), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<Occupant>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn occupancy(
    State(state): State<AccessState>,
    p: Principal,
    ApiQuery(q): ApiQuery<OccupancyQuery>,
) -> Result<Json<Vec<Occupant>>, ApiError> {
    p.require(Permission::AccessRead)?;
    let scope = Scope::of(&state, &p).await?;
    Ok(Json(occupants(&state, scope, q.facility).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MusterQuery {
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// A CSV field, quoted when it needs to be, with formula characters neutralised for
/// spreadsheets.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn muster_csv(list: &[Occupant]) -> String {
    let mut out = String::from("name,organisation,kind,zone,gate,since\r\n");
    for o in list {
        let row = [
            &o.name,
            &o.organisation,
            &o.kind,
            &o.zone_name,
            &o.gate_code,
            &o.since,
        ]
        .map(|s| csv_field(s))
        .join(",");
        out.push_str(&row);
        out.push_str("\r\n");
    }
    out
}

/// The muster list of a facility: everyone inside now, as JSON or CSV.
#[utoipa::path(get, path = "/access/facilities/{id}/muster", tag = "access", params(("id" = String, Path, format = Uuid), MusterQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Everyone inside: JSON, or with `format=csv` a CSV file (name, organisation, kind, zone, gate, since)",
        content((Vec<Occupant> = "application/json"), (String = "text/csv"))), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn muster(
    State(state): State<AccessState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<MusterQuery>,
) -> Result<Response, ApiError> {
    p.require(Permission::AccessRead)?;
    let id: FacilityId = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("facility {id}")))?;
    if !state.access.lock().index.facilities.contains_key(&id) {
        return Err(ApiError::NotFound(format!("facility {id}")));
    }
    let scope = Scope::of(&state, &p).await?;
    let list = occupants(&state, scope, Some(id)).await?;
    match q.format.as_deref().map(str::trim) {
        None | Some("json") => Ok(Json(list).into_response()),
        Some("csv") => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            muster_csv(&list),
        )
            .into_response()),
        Some(_) => Err(ApiError::field("format", "must be json or csv")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    pub version: i64,
    pub comment: String,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub version: i64,
    /// The Cedar text in force.
    pub text: String,
    /// The `@id`s of its rules, in order.
    pub rules: Vec<String>,
    pub history: Vec<PolicyVersion>,
}

async fn policy_view(state: &AccessState) -> Result<PolicyView, ApiError> {
    let rows = state.store.access_policies().await?;
    let current = state.access.lock().policies.clone();
    Ok(PolicyView {
        version: current.version,
        rules: current.ids(),
        text: current.text,
        history: rows
            .into_iter()
            .map(|r| PolicyVersion {
                version: r.version,
                comment: r.comment,
                created_by: r.created_by,
                created_at: rfc3339(r.created_ms),
            })
            .collect(),
    })
}

/// The access policies in force, as Cedar text, and their history.
#[utoipa::path(get, path = "/access/policies", tag = "access", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PolicyView), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn policies(
    State(state): State<AccessState>,
    p: Principal,
) -> Result<Json<PolicyView>, ApiError> {
    p.require(Permission::AccessRead)?;
    Ok(Json(policy_view(&state).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// Cedar policy text; must parse and keep a `valid_permit` rule.
    pub text: String,
    /// Why it changed, for the reviewers.
    pub comment: String,
}

/// Replaces the access policies with a new, audited version.
#[utoipa::path(put, path = "/access/policies", tag = "access", request_body = PolicyBody, security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PolicyView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_policies(
    State(state): State<AccessState>,
    p: Principal,
    ApiJson(b): ApiJson<PolicyBody>,
) -> Result<Json<PolicyView>, ApiError> {
    Scope::require_port_staff(&state, &p, Permission::AccessManage).await?;
    if b.text.len() > 256 * 1024 {
        return Err(ApiError::field("text", "at most 256 KiB"));
    }
    state
        .access
        .set_policy(&state, &p.actor(), &b.text, &b.comment)
        .await?;
    Ok(Json(policy_view(&state).await?))
}

/// An event of the live decision feed.
pub struct DecisionEvent;

impl utoipa::PartialSchema for DecisionEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::web::openapi::server_sent_event(&["decision"], "A FeedEntry as JSON")
    }
}

impl ToSchema for DecisionEvent {}

/// The live feed of decisions as server-sent events (`text/event-stream`), one `decision`
/// event per recorded decision, each carrying the same fields as a feed entry.
#[utoipa::path(get, path = "/access/decisions/stream", tag = "access", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Server-sent events: one `decision` event per decision, its data a FeedEntry as JSON", body = DecisionEvent, content_type = "text/event-stream"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn stream(State(state): State<AccessState>, p: Principal) -> Result<Response, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    p.require(Permission::AccessRead)?;
    let scope = Scope::of(&state, &p).await?;
    let rx = state.access.feed.subscribe();
    let engine = state.access.clone();
    let events = futures_util::stream::unfold((rx, engine), move |(mut rx, engine)| async move {
        loop {
            match rx.recv().await {
                Ok(item) => {
                    // Only decisions about people the reader may see.
                    let visible = scope == Scope::Whole
                        || item
                            .get("person")
                            .and_then(|v| v.as_str())
                            .and_then(|x| x.parse::<PersonId>().ok())
                            .is_some_and(|x| scope.person(&engine.lock().index, x));
                    if !visible {
                        continue;
                    }
                    let event = Event::default()
                        .event("decision")
                        .json_data(item)
                        .unwrap_or_else(|_| Event::default().comment("unencodable"));
                    return Some((Ok::<_, std::convert::Infallible>(event), (rx, engine)));
                }
                // A slow reader skips what it missed; the feed page can reload for history.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// What a gate presentation shows that an indicator may watch: the truck's plate and the
/// container it came for.
fn gate_observation(
    gate: &str,
    plate: Option<&str>,
    container: Option<&str>,
    at_ms: i64,
) -> crate::web::state::Observation {
    use hamnvakt_core::alert::{SubjectKind, SubjectRef};
    use hamnvakt_sharing::{IndicatorKind, Observed};
    let mut values = Vec::new();
    let mut subjects = Vec::new();
    if let Some(o) = plate.and_then(|p| Observed::of(IndicatorKind::TruckPlate, p)) {
        subjects.extend(SubjectRef::typed(SubjectKind::Vehicle, &o.value, None));
        values.push(o);
    }
    if let Some(o) = container.and_then(|c| Observed::of(IndicatorKind::ContainerNumber, c)) {
        subjects.extend(SubjectRef::typed(SubjectKind::Container, &o.value, None));
        values.push(o);
    }
    subjects.extend(SubjectRef::typed(SubjectKind::Gate, gate, None));
    let gate: String = gate.chars().take(64).collect();
    crate::web::state::Observation {
        what: format!("a presentation at gate {gate}"),
        subject: format!(
            "gate:{gate}:{}",
            values
                .iter()
                .map(|v| v.value.as_str())
                .collect::<Vec<_>>()
                .join(":")
        ),
        subjects,
        org: None,
        at_ms,
        values,
    }
}
