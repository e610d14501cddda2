//! Insider-behaviour detectors over the stream of gate decisions. Each watches for one
//! pattern and, when it fires, hands back a finding with its evidence for the alert queue:
//!
//! - repeated denials: N refusals of one credential within M minutes, at two or more gates;
//! - unusual hours: an entry at an hour the person almost never comes (a per-person baseline
//!   learned from their own history);
//! - first entry into a sensitive zone the person has never used;
//! - impossible travel: one credential at two gates too far apart for the time between;
//! - a suspended, lost or revoked credential presented at a gate;
//! - soft anti-passback violations;
//! - at the stack outside a task: a person let into a sensitive zone (a container or reefer
//!   stack, cargo documentation) with no task there at that time (see [`Detectors::observe`]
//!   and [`PickupTask`]).

use std::collections::{HashMap, HashSet, VecDeque};

use hamnvakt_core::alert::{AlertMessage, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::entity::EntityRef;
use hamnvakt_core::ids::{CredentialId, FacilityId, GateId, PersonId, ZoneId};
use serde::Deserialize;
use serde_json::json;

use crate::decide::{Decision, Direction, Outcome};
use crate::index::AccessIndex;
use crate::model::{CredentialState, Sensitivity, Zone};
use crate::schedule::local_day_minute;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectorSettings {
    pub repeated_denials_count: u32,
    pub repeated_denials_window_minutes: u32,
    /// Entries needed before a person's hours are judged.
    pub unusual_hours_min_history: u32,
    /// An hour (with its neighbours) holding at most this share of past entries is unusual.
    pub unusual_hours_max_share: f64,
    /// Entries needed before a first visit to a sensitive zone is notable.
    pub first_sensitive_min_history: u32,
    /// Faster than this between two gates is impossible (road travel inside the port region).
    pub max_travel_speed_kmh: f64,
    /// After a detector fires for a credential, it stays quiet for that credential this long:
    /// one alert per pattern and person, not a flood.
    pub cooldown_minutes: u32,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        DetectorSettings {
            repeated_denials_count: 2,
            repeated_denials_window_minutes: 20,
            unusual_hours_min_history: 20,
            unusual_hours_max_share: 0.02,
            first_sensitive_min_history: 10,
            max_travel_speed_kmh: 120.0,
            cooldown_minutes: 30,
        }
    }
}

/// What a detector saw, ready to become an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: &'static str,
    pub severity: Severity,
    /// The title, as a code with parameters (rendered in the reader's language).
    pub message: AlertMessage,
    pub subjects: Vec<SubjectRef>,
    pub evidence: serde_json::Value,
}

/// Every kind of alert these detectors raise.
pub const KINDS: &[&str] = &[
    "access.inactive_credential_used",
    "access.impossible_travel",
    "access.repeated_denials",
    "access.unusual_hours",
    "access.first_sensitive_zone",
    "access.anti_passback",
    STACK_OUTSIDE_TASK,
];

/// A pick-up a driver has to do, as the release chain knows it: a release assigned to them,
/// due for collection at a facility (any, when the release names none) from its assignment
/// until it expires. The server hands a driver's current ones to [`Detectors::set_pickups`]
/// before the detectors observe a decision that lets them into a sensitive zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupTask {
    pub facility: Option<FacilityId>,
    pub container: String,
    pub from_ms: i64,
    pub until_ms: i64,
}

impl PickupTask {
    fn covers(&self, facility: FacilityId, at_ms: i64) -> bool {
        self.facility.is_none_or(|f| f == facility)
            && self.from_ms <= at_ms
            && at_ms < self.until_ms
    }
}

/// The finding's kind of the stack detector.
pub const STACK_OUTSIDE_TASK: &str = "access.stack_outside_task";

#[derive(Debug, Default, Clone)]
pub struct Detectors {
    pub settings: DetectorSettings,
    /// Per driver: the pick-ups due, as last handed over by [`Detectors::set_pickups`].
    pickups: HashMap<PersonId, Vec<PickupTask>>,
    denials: HashMap<CredentialId, VecDeque<(i64, GateId)>>,
    /// Per person: entries per local hour of day.
    hours: HashMap<PersonId, [u32; 24]>,
    zones_used: HashMap<PersonId, HashSet<ZoneId>>,
    last_seen: HashMap<CredentialId, (i64, GateId)>,
    last_fired: HashMap<(&'static str, CredentialId), i64>,
}

fn subject(kind: SubjectKind, reference: String, label: Option<String>) -> SubjectRef {
    SubjectRef {
        kind,
        reference,
        label,
    }
}

/// Great-circle distance in kilometres.
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

impl Detectors {
    pub fn new(settings: DetectorSettings) -> Detectors {
        Detectors {
            settings,
            ..Default::default()
        }
    }

    /// Learns from a past decision without raising anything (start-up replay of history).
    pub fn learn(&mut self, index: &AccessIndex, d: &Decision) {
        let _ = self.observe_inner(index, d, false);
    }

    /// The pick-ups `person` has to do as the release chain stands now (replacing those
    /// handed over before).
    pub fn set_pickups(&mut self, person: PersonId, tasks: Vec<PickupTask>) {
        if tasks.is_empty() {
            self.pickups.remove(&person);
        } else {
            self.pickups.insert(person, tasks);
        }
    }

    /// The sensitive zone a decision lets a known person into, if it does: who the stack
    /// detector looks at (and whose pick-ups the server reads before it observes).
    pub fn stack_entrant(index: &AccessIndex, d: &Decision) -> Option<(PersonId, ZoneId)> {
        if d.outcome != Outcome::Grant || d.direction != Direction::In {
            return None;
        }
        let person = d.person.filter(|p| index.people.contains_key(p))?;
        let zone = d
            .to_zone
            .and_then(|z| index.zones.get(&z))
            .filter(|z| z.sensitivity == Sensitivity::Sensitive)?;
        Some((person, zone.id))
    }

    /// Whether `person` has a task in `zone` at `at_ms`: a pick-up due at the zone's facility
    /// (see [`PickupTask`]), or a permit in force at that hour that names the zone itself or
    /// a part of it — a work permit for the stack, not a broad one for the whole terminal area
    /// that merely contains it.
    fn has_task(&self, index: &AccessIndex, person: PersonId, zone: &Zone, at_ms: i64) -> bool {
        let pickup = self
            .pickups
            .get(&person)
            .is_some_and(|t| t.iter().any(|t| t.covers(zone.facility_id, at_ms)));
        let permit = index.permits_of(person).any(|p| {
            !p.suspended
                && p.valid_from_ms <= at_ms
                && at_ms < p.valid_until_ms
                && p.schedule.contains(at_ms)
                && p.zones.iter().any(|z| index.zone_within(*z, zone.id))
        });
        pickup || permit
    }

    /// Observes a new decision; returns what fired.
    ///
    /// The stack detector (`access.stack_outside_task`) fires on a granted entry of a known
    /// person into a sensitive zone when they have no task there at that time. A task is
    /// what the system knows gives them business there: a pick-up assigned to them as a
    /// driver and due at that facility (the release chain, handed over with
    /// [`Detectors::set_pickups`]), or a permit in force at that hour naming that zone (or a
    /// zone inside it). Being let in only by a permit for an enclosing area (a driver's
    /// "whole terminal" permit) is not a task. There is no shift roster in the system: a
    /// member of staff who works the stack holds a permit naming it.
    pub fn observe(&mut self, index: &AccessIndex, d: &Decision) -> Vec<Finding> {
        let findings = self.observe_inner(index, d, true);
        let Some(credential) = d.credential else {
            return findings;
        };
        let cooldown = i64::from(self.settings.cooldown_minutes) * 60_000;
        findings
            .into_iter()
            .filter(|f| {
                let key = (f.kind, credential);
                let quiet = self
                    .last_fired
                    .get(&key)
                    .is_some_and(|t| d.at_ms - t < cooldown);
                if !quiet {
                    self.last_fired.insert(key, d.at_ms);
                }
                !quiet
            })
            .collect()
    }

    fn observe_inner(&mut self, index: &AccessIndex, d: &Decision, report: bool) -> Vec<Finding> {
        let mut out = Vec::new();
        let (Some(gate_id), Some(cred_id)) = (d.gate, d.credential) else {
            return out;
        };
        let Some(gate) = index.gates.get(&gate_id) else {
            return out;
        };
        let credential = index.credentials.get(&cred_id);
        let number = credential.map(|c| c.number.clone()).unwrap_or_default();
        let person = d.person.and_then(|p| index.people.get(&p));
        let person_subject =
            || person.map(|p| subject(SubjectKind::Person, p.id.to_string(), Some(p.name.clone())));
        let cred_subject = || subject(SubjectKind::Credential, number.clone(), None);
        let gate_subject = |g: &crate::model::Gate| {
            subject(SubjectKind::Gate, g.code.clone(), Some(g.name.clone()))
        };
        let (_, minute) = local_day_minute(d.at_ms);
        let local = format!("{:02}:{:02}", minute / 60, minute % 60);

        // A credential that should not be in use.
        if let Some(state) = d.credential_state {
            if state != CredentialState::Active && report {
                let severity = if state == CredentialState::Suspended {
                    Severity::Medium
                } else {
                    Severity::High
                };
                out.push(Finding {
                    kind: "access.inactive_credential_used",
                    severity,
                    message: AlertMessage::InactiveCredentialUsed { credential: number.clone(), state: state.as_str().to_owned(), gate: gate.name.clone() },
                    subjects: [Some(cred_subject()), person_subject(), Some(gate_subject(gate))].into_iter().flatten().collect(),
                    evidence: json!({"credential_state": state.as_str(), "gate": gate.code, "local_time": local, "decision": d.outcome.as_str()}),
                });
            }
        }

        // Impossible travel between two gates.
        if let Some((prev_ms, prev_gate)) = self.last_seen.get(&cred_id).copied() {
            if let Some(pg) = index.gates.get(&prev_gate).filter(|pg| pg.id != gate.id) {
                let km = distance_km((pg.lat, pg.lon), (gate.lat, gate.lon));
                let hours = ((d.at_ms - prev_ms).max(1) as f64) / 3_600_000.0;
                let speed = km / hours;
                if km > 2.0 && speed > self.settings.max_travel_speed_kmh && report {
                    out.push(Finding {
                        kind: "access.impossible_travel",
                        severity: Severity::Medium,
                        message: AlertMessage::ImpossibleTravel { credential: number.clone(), from_gate: pg.name.clone(), to_gate: gate.name.clone(), minutes: (d.at_ms - prev_ms) / 60_000 },
                        subjects: [Some(cred_subject()), person_subject(), Some(gate_subject(pg)), Some(gate_subject(gate))].into_iter().flatten().collect(),
                        evidence: json!({"gates": [pg.code, gate.code], "distance_km": (km * 10.0).round() / 10.0, "minutes_apart": (d.at_ms - prev_ms) / 60_000, "implied_speed_kmh": speed.round()}),
                    });
                }
            }
        }
        self.last_seen.insert(cred_id, (d.at_ms, gate.id));

        // Repeated denials across gates.
        if d.outcome == Outcome::Deny && !d.awaiting_second {
            let window = i64::from(self.settings.repeated_denials_window_minutes) * 60_000;
            let list = self.denials.entry(cred_id).or_default();
            list.retain(|(t, _)| d.at_ms - *t <= window);
            list.push_back((d.at_ms, gate.id));
            let gates: HashSet<GateId> = list.iter().map(|(_, g)| *g).collect();
            if list.len() as u32 >= self.settings.repeated_denials_count
                && gates.len() >= 2
                && report
            {
                let denials: Vec<_> = list
                    .iter()
                    .map(|(t, g)| {
                        let (_, m) = local_day_minute(*t);
                        json!({"gate": index.gates.get(g).map(|g| g.code.clone()), "local_time": format!("{:02}:{:02}", m / 60, m % 60)})
                    })
                    .collect();
                let mut subjects: Vec<SubjectRef> = [Some(cred_subject()), person_subject()]
                    .into_iter()
                    .flatten()
                    .collect();
                subjects.extend(
                    gates
                        .iter()
                        .filter_map(|g| index.gates.get(g))
                        .map(gate_subject),
                );
                out.push(Finding {
                    kind: "access.repeated_denials",
                    severity: Severity::High,
                    message: AlertMessage::RepeatedDenials { credential: number.clone(), count: list.len() as u32, minutes: self.settings.repeated_denials_window_minutes, gates: gates.len() as u32 },
                    subjects,
                    evidence: json!({"denials": denials, "last_reasons": d.reasons, "threshold": {"count": self.settings.repeated_denials_count, "within_minutes": self.settings.repeated_denials_window_minutes}}),
                });
                list.clear();
            }
        }

        if d.outcome == Outcome::Grant && d.direction == Direction::In {
            if let Some(p) = person {
                // Unusual hours against the person's own baseline.
                let hour = (minute / 60) as usize;
                let hist = self.hours.entry(p.id).or_insert([0; 24]);
                let total: u32 = hist.iter().sum();
                if total >= self.settings.unusual_hours_min_history {
                    let near: u32 = [(hour + 23) % 24, hour, (hour + 1) % 24]
                        .iter()
                        .filter_map(|h| hist.get(*h))
                        .sum();
                    let share = f64::from(near) / f64::from(total);
                    if share <= self.settings.unusual_hours_max_share && report {
                        let usual: Vec<usize> = (0..24)
                            .filter(|h| hist.get(*h).copied().unwrap_or(0) * 10 >= total)
                            .collect();
                        out.push(Finding {
                            kind: "access.unusual_hours",
                            severity: Severity::Medium,
                            message: AlertMessage::UnusualHours { person: p.name.clone(), gate: gate.name.clone(), local_time: local.clone() },
                            subjects: [person_subject(), Some(cred_subject()), Some(gate_subject(gate))].into_iter().flatten().collect(),
                            evidence: json!({"local_time": local, "entries_in_history": total, "share_near_this_hour": share, "usual_hours": usual}),
                        });
                    }
                }
                if let Some(h) = hist.get_mut(hour) {
                    *h += 1;
                }
                // First entry into a sensitive zone.
                if let Some(zone) = d.to_zone.and_then(|z| index.zones.get(&z)) {
                    let used = self.zones_used.entry(p.id).or_default();
                    let history: u32 = self.hours.get(&p.id).map(|h| h.iter().sum()).unwrap_or(0);
                    if zone.sensitivity == Sensitivity::Sensitive
                        && !used.contains(&zone.id)
                        && history > self.settings.first_sensitive_min_history
                        && report
                    {
                        out.push(Finding {
                            kind: "access.first_sensitive_zone",
                            severity: Severity::Medium,
                            message: AlertMessage::FirstSensitiveZone { person: p.name.clone(), zone: zone.name.clone() },
                            subjects: [person_subject(), Some(subject(SubjectKind::Zone, zone.code.clone(), Some(zone.name.clone()))), Some(gate_subject(gate))].into_iter().flatten().collect(),
                            evidence: json!({"zone": zone.code, "local_time": local, "entries_in_history": history, "zones_used_before": used.len()}),
                        });
                    }
                    used.insert(zone.id);
                }
            }
        }

        // At the stack outside a task.
        if let Some((pid, zone)) = Self::stack_entrant(index, d)
            .filter(|_| report)
            .and_then(|(p, z)| Some((p, index.zones.get(&z)?)))
        {
            if !self.has_task(index, pid, zone, d.at_ms) {
                let name = person.map(|p| p.name.clone());
                out.push(Finding {
                    kind: STACK_OUTSIDE_TASK,
                    severity: Severity::Medium,
                    message: AlertMessage::StackOutsideTask {
                        person: name.clone().unwrap_or_default(),
                        zone: zone.name.clone(),
                        local_time: local.clone(),
                    },
                    subjects: vec![
                        EntityRef::Person(pid.uuid()).subject(name),
                        EntityRef::Credential(number.clone()).subject(None),
                        EntityRef::Zone(zone.code.clone()).subject(Some(zone.name.clone())),
                        EntityRef::Gate(gate.code.clone()).subject(Some(gate.name.clone())),
                    ],
                    evidence: json!({
                        "zone": zone.code,
                        "gate": gate.code,
                        "local_time": local,
                        "permit": d.permit,
                        "pickups_due": self.pickups.get(&pid).map(|t| t.iter().map(|t| &t.container).collect::<Vec<_>>()).unwrap_or_default(),
                        "task": "none: no pick-up due at this facility, no permit naming this zone at this hour",
                    }),
                });
            }
        }

        if d.soft_anti_passback && report {
            out.push(Finding {
                kind: "access.anti_passback",
                severity: Severity::Low,
                message: AlertMessage::AntiPassback {
                    credential: number.clone(),
                    gate: gate.name.clone(),
                },
                subjects: [
                    Some(cred_subject()),
                    person_subject(),
                    Some(gate_subject(gate)),
                ]
                .into_iter()
                .flatten()
                .collect(),
                evidence: json!({"direction": d.direction, "gate": gate.code, "local_time": local}),
            });
        }
        out
    }
}
