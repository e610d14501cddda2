//! The gate decision: given the register, who is where, the policies and one presentation at
//! a gate, answer grant, deny or refer-to-guard with reason codes and readable reasons.
//!
//! Fail closed: an unknown gate, credential or holder, or anything that cannot be evaluated, is
//! a deny with a reason — never an answer a controller could take for an open gate.

use hamnvakt_core::ids::{
    CredentialId, FacilityId, GateId, PermitId, PersonId, VehicleId, VisitId, ZoneId,
};
use serde::{Deserialize, Serialize};

use crate::index::AccessIndex;
use crate::model::{AntiPassback, CredentialState, Gate, GateKind, Permit};
use crate::policy::{Facts, PolicySet};
use crate::presence::{Inside, Presence};
use crate::schedule::local_day_minute;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Through the gate into its inner zone.
    In,
    /// Through the gate out to its outer zone (or out of the facility).
    Out,
}

/// What a gate decision came to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DecisionOutcome))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Grant,
    Deny,
    /// A guard must look: the machine cannot decide alone.
    Refer,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Grant => "grant",
            Outcome::Deny => "deny",
            Outcome::Refer => "refer",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code: `outside_schedule`, `port_ban`, `level2_visitor_permit` …
    pub code: String,
    /// For the guard and the log.
    pub text: String,
}

fn reason(code: &str, text: impl Into<String>) -> Reason {
    Reason {
        code: code.to_owned(),
        text: text.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRequest {
    pub gate: GateId,
    pub credential: Option<String>,
    pub plate: Option<String>,
    pub direction: Direction,
    /// When the presentation happened (controllers that buffer send it; else now).
    pub at_ms: i64,
}

/// Timings of the look-back rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub two_person_window_seconds: u32,
    pub escort_window_seconds: u32,
    /// After this long, presence is forgotten for anti-passback (a missed exit is forgiven).
    pub anti_passback_forgiveness_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            two_person_window_seconds: 30,
            escort_window_seconds: 60,
            anti_passback_forgiveness_seconds: 12 * 3600,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub gate: Option<GateId>,
    pub facility: Option<FacilityId>,
    pub person: Option<PersonId>,
    pub credential: Option<CredentialId>,
    pub vehicle: Option<VehicleId>,
    pub permit: Option<PermitId>,
    /// Where a grant moves the person: from this zone (None: outside) …
    pub from_zone: Option<ZoneId>,
    /// … to this one (None: outside the facility).
    pub to_zone: Option<ZoneId>,
    pub direction: Direction,
    pub policy_version: i64,
    pub security_level: u8,
    /// The two-person partner who passes with this grant.
    pub partner: Option<PersonId>,
    /// Granted despite a soft anti-passback violation (the detector raises an alert).
    pub soft_anti_passback: bool,
    /// Everything held but the two-person rule: waiting for a second card.
    pub awaiting_second: bool,
    /// The presented credential's state, when it was not active (for the detectors).
    pub credential_state: Option<CredentialState>,
    pub at_ms: i64,
}

impl Decision {
    fn denied(req: &DecisionRequest, policy_version: i64, r: Reason) -> Decision {
        Decision {
            outcome: Outcome::Deny,
            reasons: vec![r],
            gate: None,
            facility: None,
            person: None,
            credential: None,
            vehicle: None,
            permit: None,
            from_zone: None,
            to_zone: None,
            direction: req.direction,
            policy_version,
            security_level: 0,
            partner: None,
            soft_anti_passback: false,
            awaiting_second: false,
            credential_state: None,
            at_ms: req.at_ms,
        }
    }
}

/// Why the best permit did not open the zone, most specific first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PermitMiss {
    None,
    ZoneNotCovered,
    NotYetValid,
    Expired,
    Suspended,
    OutsideSchedule(String),
}

fn check_permit(
    index: &AccessIndex,
    p: &Permit,
    zone: ZoneId,
    at_ms: i64,
) -> Result<(), PermitMiss> {
    if !p.zones.iter().any(|z| index.zone_within(zone, *z)) {
        return Err(PermitMiss::ZoneNotCovered);
    }
    if at_ms < p.valid_from_ms {
        return Err(PermitMiss::NotYetValid);
    }
    if at_ms >= p.valid_until_ms {
        return Err(PermitMiss::Expired);
    }
    if p.suspended {
        return Err(PermitMiss::Suspended);
    }
    if !p.schedule.contains(at_ms) {
        return Err(PermitMiss::OutsideSchedule(p.schedule.to_string()));
    }
    Ok(())
}

fn hhmm(at_ms: i64) -> String {
    let (_, m) = local_day_minute(at_ms);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn miss_reason(miss: &PermitMiss, zone_name: &str, at_ms: i64) -> Reason {
    match miss {
        PermitMiss::None => reason("no_permit", format!("no permit for {zone_name}")),
        PermitMiss::ZoneNotCovered => reason(
            "zone_not_permitted",
            format!("no permit covers {zone_name}"),
        ),
        PermitMiss::NotYetValid => reason("permit_not_yet_valid", "the permit is not valid yet"),
        PermitMiss::Expired => reason("permit_expired", "the permit has expired"),
        PermitMiss::Suspended => reason("permit_suspended", "the permit is suspended"),
        PermitMiss::OutsideSchedule(s) => reason(
            "outside_schedule",
            format!(
                "the permit's schedule ({s}) does not cover {} local time",
                hhmm(at_ms)
            ),
        ),
    }
}

fn policy_reason(id: &str, gate: &Gate, level: u8) -> Reason {
    let text = match id {
        "port_ban" => "a port ban is in force".to_owned(),
        "credential_not_active" => "the credential is not active".to_owned(),
        "level2_visitor_permit" => format!("visitor permits do not work at security level {level}"),
        "level2_generic_card" => format!("generic cards do not work at security level {level}"),
        "level2_gate_closed" => format!("gate {} is closed at security level {level}", gate.code),
        "level3_responders_only" => "at security level 3 only responders enter".to_owned(),
        "escort_required" => "the visitor's host has not passed this gate just before".to_owned(),
        "two_person_rule" => "two-person zone: waiting for a second valid card".to_owned(),
        "anti_passback" => "anti-passback: already inside (no exit recorded)".to_owned(),
        other => format!("refused by policy {other}"),
    };
    reason(id, text)
}

/// Decides one presentation. Reads only; the caller applies a grant to [`Presence`] with
/// [`apply`] once the decision is durable.
pub fn decide(
    index: &AccessIndex,
    presence: &Presence,
    policies: &PolicySet,
    settings: &Settings,
    req: &DecisionRequest,
) -> Decision {
    let pv = policies.version;
    let Some(gate) = index.gates.get(&req.gate) else {
        return Decision::denied(
            req,
            pv,
            reason("unknown_gate", "the gate is not registered"),
        );
    };
    let Some(facility) = index.facility_of_gate(gate) else {
        return Decision::denied(
            req,
            pv,
            reason("internal_error", "the gate's facility is missing; refused"),
        );
    };
    let level = facility.security_level.get();
    let mut d = Decision::denied(req, pv, reason("internal_error", "undecided"));
    d.gate = Some(gate.id);
    d.facility = Some(facility.id);
    d.security_level = level;
    let (from_zone, to_zone) = match req.direction {
        Direction::In => (gate.outer_zone, Some(gate.inner_zone)),
        Direction::Out => (Some(gate.inner_zone), gate.outer_zone),
    };
    d.from_zone = from_zone;
    d.to_zone = to_zone;
    let vehicle = req.plate.as_deref().and_then(|p| index.vehicle_by_plate(p));
    d.vehicle = vehicle.map(|v| v.id);

    let credential = match req.credential.as_deref() {
        Some(number) => match index.credential_by_number(number) {
            Some(c) => c,
            None => {
                d.reasons = vec![reason(
                    "unknown_credential",
                    format!("credential {number} is not registered"),
                )];
                return d;
            }
        },
        None => {
            // A plate alone identifies a vehicle, not who drives it.
            let banned = req
                .plate
                .as_deref()
                .and_then(|p| index.ban_for(None, Some(p), req.at_ms));
            d.reasons = match (vehicle, banned) {
                (_, Some(_)) => vec![reason("port_ban", "the vehicle is banned from the port")],
                (Some(v), None) => {
                    d.outcome = Outcome::Refer;
                    vec![reason(
                        "driver_not_identified",
                        format!(
                            "vehicle {} is known; the guard must identify the driver",
                            v.plate
                        ),
                    )]
                }
                (None, None) => vec![reason(
                    "unknown_vehicle",
                    "neither a credential nor a known plate was presented",
                )],
            };
            return d;
        }
    };
    d.credential = Some(credential.id);
    let Some(person) = index.people.get(&credential.holder) else {
        d.reasons = vec![reason(
            "internal_error",
            "the credential's holder is missing; refused",
        )];
        return d;
    };
    d.person = Some(person.id);
    let entering = req.direction == Direction::In;

    let credential_state = if credential.state != CredentialState::Active {
        d.credential_state = Some(credential.state);
        credential.state.as_str()
    } else if req.at_ms < credential.valid_from_ms {
        "not_yet_valid"
    } else if req.at_ms >= credential.valid_until_ms {
        "expired"
    } else {
        "active"
    };
    let banned = index
        .ban_for(Some(person.id), req.plate.as_deref(), req.at_ms)
        .is_some();
    let inner = index.zones.get(&gate.inner_zone);
    let zone_name = inner.map(|z| z.name.as_str()).unwrap_or("the zone");

    // The permit that opens the inner zone now, or the most telling reason none does.
    let (mut permit, mut miss) = (None::<&Permit>, PermitMiss::None);
    if entering {
        for p in index.permits_of(person.id) {
            match check_permit(index, p, gate.inner_zone, req.at_ms) {
                Ok(()) => {
                    // Prefer a permit that needs no escort and works at higher levels.
                    if permit.is_none_or(|q| {
                        (q.visitor, q.escort_required) > (p.visitor, p.escort_required)
                    }) {
                        permit = Some(p);
                    }
                }
                Err(m) => miss = miss.max(m),
            }
        }
    }
    d.permit = permit.map(|p| p.id);
    let escort_present = match permit {
        Some(p) if p.escort_required => index.visits_of(person.id).any(|v| {
            v.valid_from_ms <= req.at_ms
                && req.at_ms < v.valid_until_ms
                && presence.granted_recently(
                    gate.id,
                    v.host,
                    req.at_ms,
                    i64::from(settings.escort_window_seconds) * 1000,
                )
        }),
        _ => false,
    };
    let two_person = entering && inner.is_some_and(|z| z.two_person);
    let partner = if two_person {
        presence.awaiting_partner(
            gate.id,
            person.id,
            req.at_ms,
            i64::from(settings.two_person_window_seconds) * 1000,
        )
    } else {
        None
    };
    let apb_mode = inner.map(|z| z.anti_passback).unwrap_or(AntiPassback::Off);
    let forgiveness_ms = i64::from(settings.anti_passback_forgiveness_seconds) * 1000;
    let already_inside = presence.inside(person.id).is_some_and(|i| {
        index.zone_within(i.zone, gate.inner_zone) && req.at_ms - i.since_ms <= forgiveness_ms
    });
    let apb = match (apb_mode, entering, already_inside) {
        (AntiPassback::Hard, true, true) => "hard_violation",
        (AntiPassback::Soft, true, true) => "soft_violation",
        // Leaving a zone one was never seen entering: never refused, but noted.
        (AntiPassback::Soft | AntiPassback::Hard, false, false) => "soft_violation",
        _ => "ok",
    };
    let facts = Facts {
        entering,
        security_level: level,
        person_banned: banned,
        person_responder: person.responder,
        credential_state,
        credential_generic: credential.generic,
        permit_valid: permit.is_some(),
        permit_visitor: permit.is_some_and(|p| p.visitor),
        permit_escort_required: permit.is_some_and(|p| p.escort_required),
        escort_present,
        zone_two_person: two_person,
        second_person_present: partner.is_some(),
        gate_closed_at_level2: gate.closed_at_level2,
        anti_passback: apb,
    };
    let verdict = policies.evaluate(&facts);
    if verdict.allowed {
        // Vehicle lanes: the plate must be the permit's vehicle when the permit names one.
        if let (GateKind::Vehicle, Some(p), Some(plate)) = (gate.kind, permit, req.plate.as_deref())
        {
            let expected = p.vehicle.and_then(|v| index.vehicles.get(&v));
            if let Some(expected) = expected {
                if crate::model::normalise_plate(plate) != expected.plate {
                    d.outcome = Outcome::Refer;
                    d.reasons = vec![reason(
                        "plate_mismatch",
                        format!(
                            "the permit names vehicle {}, the camera read {}",
                            expected.plate,
                            crate::model::normalise_plate(plate)
                        ),
                    )];
                    return d;
                }
            }
        }
        d.outcome = Outcome::Grant;
        d.soft_anti_passback = apb == "soft_violation";
        d.partner = partner;
        d.reasons = verdict
            .policies
            .iter()
            .map(|id| match id.as_str() {
                "valid_permit" => reason(
                    "valid_permit",
                    format!(
                        "permit for {zone_name}: {}",
                        permit.map(|p| p.purpose.as_str()).unwrap_or("")
                    ),
                ),
                "exit" => reason("exit", "leaving is always allowed"),
                other => reason(other, format!("allowed by policy {other}")),
            })
            .collect();
        if d.soft_anti_passback {
            d.reasons.push(reason(
                "anti_passback_soft",
                "anti-passback: no matching entry or exit recorded; allowed, alert raised",
            ));
        }
        return d;
    }
    d.outcome = Outcome::Deny;
    d.reasons = verdict
        .policies
        .iter()
        .map(|id| policy_reason(id, gate, level))
        .collect();
    if !facts.permit_valid && entering {
        d.reasons.push(miss_reason(&miss, zone_name, req.at_ms));
    }
    if !verdict.errors.is_empty() {
        d.reasons.push(reason(
            "policy_error",
            "the policy could not be evaluated; refused",
        ));
    }
    // Waiting for a partner only when everything else held, the permit included.
    d.awaiting_second =
        facts.permit_valid && verdict.errors.is_empty() && verdict.policies == ["two_person_rule"];
    d
}

/// A presentation that names its visit (the booked trip a terminal's TAR or remote check-in
/// stands for): the visit must be in the register, be the presented person's, and be in
/// force at the decision's time. Each failure is a reason of its own and denies; a decision
/// that passes keeps its outcome.
pub fn check_visit(index: &AccessIndex, d: &mut Decision, visit: VisitId) {
    let mut failed = Vec::new();
    match index.visits.get(&visit) {
        None => failed.push(reason("unknown_visit", "no such visit is booked")),
        Some(v) => {
            match d.person {
                None => failed.push(reason(
                    "visit_not_this_person",
                    "the visit cannot be checked: no known card was presented",
                )),
                Some(p) if p != v.visitor => failed.push(reason(
                    "visit_not_this_person",
                    "the visit is booked for someone else",
                )),
                Some(_) => {}
            }
            if d.at_ms < v.valid_from_ms || d.at_ms >= v.valid_until_ms {
                failed.push(reason(
                    "visit_not_in_force",
                    "the visit is not valid at this time",
                ));
            }
        }
    }
    if failed.is_empty() {
        return;
    }
    // A grant's reasons say why it was granted; they would mislead beside a refusal.
    if d.outcome == Outcome::Grant {
        d.reasons.clear();
    }
    d.outcome = Outcome::Deny;
    d.awaiting_second = false;
    d.reasons.extend(failed);
}

/// The facility a decision at `gate` is at.
fn facility_of(index: &AccessIndex, d: &Decision, gate: GateId) -> Option<FacilityId> {
    d.facility
        .or_else(|| index.gates.get(&gate).map(|g| g.facility_id))
}

/// Takes back a grant [`apply`]d a moment ago that could not be recorded as such (see
/// [`Presence::take_back`]); `before` is where its person was just before it. A decision
/// with a partner moved two people and is not taken back here.
pub fn take_back(
    index: &AccessIndex,
    presence: &mut Presence,
    d: &Decision,
    before: Option<Inside>,
) {
    let (Some(gate), Some(person)) = (d.gate, d.person) else {
        return;
    };
    if d.outcome != Outcome::Grant || d.partner.is_some() {
        return;
    }
    let Some(facility) = facility_of(index, d, gate) else {
        return;
    };
    // Where the grant left them.
    let left = d.to_zone.map(|zone| Inside {
        person,
        facility,
        zone,
        since_ms: d.at_ms,
        gate,
    });
    presence.take_back(gate, person, d.at_ms, left.as_ref(), before);
}

/// Applies a durable decision to the presence memory: grants move people, every presentation
/// is remembered for the look-back rules.
pub fn apply(index: &AccessIndex, presence: &mut Presence, d: &Decision) {
    let (Some(gate), Some(person)) = (d.gate, d.person) else {
        return;
    };
    let granted = d.outcome == Outcome::Grant;
    presence.remember(
        gate,
        crate::presence::Passage {
            person,
            at_ms: d.at_ms,
            granted,
            awaiting_second: d.awaiting_second,
        },
    );
    if !granted {
        return;
    }
    let Some(facility) = facility_of(index, d, gate) else {
        return;
    };
    presence.set_location(person, facility, d.to_zone, gate, d.at_ms);
    if let Some(partner) = d.partner {
        presence.set_location(partner, facility, d.to_zone, gate, d.at_ms);
        // The partner's wait is over.
        presence.consume_awaiting(gate, partner);
    }
}
