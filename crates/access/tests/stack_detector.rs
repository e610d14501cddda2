//! The stack detector (`access.stack_outside_task`) over real gate decisions: a person let
//! into a sensitive zone with no task there is a finding; a pick-up due at the facility or a
//! permit naming the zone at that hour is a task; a refusal, a normal zone, a pick-up at
//! another facility or one no longer due, and a stack permit outside its hours are not.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hamnvakt_access::decide::{apply, decide, DecisionRequest, Direction, Outcome, Settings};
use hamnvakt_access::detect::{DetectorSettings, Detectors, PickupTask, STACK_OUTSIDE_TASK};
use hamnvakt_access::model::*;
use hamnvakt_access::schedule::stockholm;
use hamnvakt_access::{AccessIndex, PolicySet, Presence};
use hamnvakt_core::alert::SubjectKind;
use hamnvakt_core::ids::*;
use hamnvakt_core::Id;

fn id<T>(n: u8) -> Id<T> {
    Id::from_random_bytes([n; 16])
}

/// Local Stockholm time to epoch milliseconds.
fn at(local: &str) -> i64 {
    let dt: jiff::civil::DateTime = local.parse().unwrap();
    dt.to_zoned(stockholm().clone())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

const FAC: u8 = 1;
const OTHER_FAC: u8 = 2;
const OUT: u8 = 10; // terminal area (normal)
const QUAY: u8 = 11; // restricted, inside OUT
const STACK: u8 = 12; // reefer stack (sensitive), inside QUAY
const G3: u8 = 21; // OUT → QUAY
const S1: u8 = 22; // QUAY → STACK
const DRIVER: u8 = 30; // a haulier's driver: the whole terminal area, always
const WORKER: u8 = 31; // the terminal's reefer hand: the area always, the stack Mon-Fri 06-22
const VISITOR: u8 = 32; // the area on weekdays 08-16

struct World {
    index: AccessIndex,
    presence: Presence,
    detectors: Detectors,
}

fn world() -> World {
    let mut ix = AccessIndex::default();
    let org: OrgId = id(3);
    for f in [FAC, OTHER_FAC] {
        ix.put_facility(Facility {
            id: id(f),
            site_id: id(4),
            name: format!("facility {f}"),
            isps_number: format!("SENYN-000{f}"),
            security_level: SecurityLevel::ONE,
            org_id: org,
        });
    }
    for (n, parent, code, s) in [
        (OUT, None, "NVK-AREA", Sensitivity::Normal),
        (QUAY, Some(OUT), "NVK-QUAY", Sensitivity::Restricted),
        (STACK, Some(QUAY), "NVK-REEFER", Sensitivity::Sensitive),
    ] {
        ix.put_zone(Zone {
            id: id(n),
            facility_id: id(FAC),
            parent: parent.map(id),
            code: code.into(),
            name: format!("{code} zone"),
            sensitivity: s,
            two_person: false,
            anti_passback: AntiPassback::Off,
        });
    }
    for (n, outer, inner) in [(G3, OUT, QUAY), (S1, QUAY, STACK)] {
        ix.put_gate(Gate {
            id: id(n),
            facility_id: id(FAC),
            code: format!("NVK-G{n}"),
            name: format!("gate {n}"),
            kind: GateKind::Pedestrian,
            outer_zone: Some(id(outer)),
            inner_zone: id(inner),
            closed_at_level2: false,
            lat: 58.98,
            lon: 17.91,
        });
    }
    for (n, kind) in [
        (DRIVER, PersonKind::Driver),
        (WORKER, PersonKind::Staff),
        (VISITOR, PersonKind::Visitor),
    ] {
        ix.put_person(Person {
            id: id(n),
            org_id: org,
            name: format!("person {n}"),
            kind,
            responder: false,
        });
        ix.put_credential(Credential {
            id: id(n + 100),
            number: format!("C{n}"),
            holder: id(n),
            generic: false,
            state: CredentialState::Active,
            valid_from_ms: at("2026-01-01T00:00"),
            valid_until_ms: at("2028-01-01T00:00"),
        });
    }
    let permit = |n: u8, holder: u8, zones: &[u8], schedule: &str| Permit {
        id: id(n),
        holder: id(holder),
        purpose: format!("permit {n}"),
        zones: zones.iter().map(|z| id(*z)).collect(),
        valid_from_ms: at("2026-01-01T00:00"),
        valid_until_ms: at("2027-01-01T00:00"),
        schedule: schedule.parse().unwrap(),
        issued_by_org: org,
        issued_by_user: None,
        escort_required: false,
        visitor: false,
        vehicle: None,
        suspended: false,
    };
    ix.put_permit(permit(50, DRIVER, &[OUT], "always"));
    ix.put_permit(permit(51, WORKER, &[OUT], "always"));
    ix.put_permit(permit(52, WORKER, &[STACK], "Mon-Fri 06:00-22:00"));
    ix.put_permit(permit(53, VISITOR, &[OUT], "Mon-Fri 08:00-16:00"));
    World {
        index: ix,
        presence: Presence::default(),
        detectors: Detectors::new(DetectorSettings::default()),
    }
}

impl World {
    /// Presents `who`'s card at `gate`, going in, at local time `when`: the decision and
    /// the stack detector's findings.
    fn present(&mut self, who: u8, gate: u8, when: &str) -> (Outcome, Vec<serde_json::Value>) {
        let d = decide(
            &self.index,
            &self.presence,
            &PolicySet::default_set(),
            &Settings::default(),
            &DecisionRequest {
                gate: id(gate),
                credential: Some(format!("C{who}")),
                plate: None,
                direction: Direction::In,
                at_ms: at(when),
            },
        );
        apply(&self.index, &mut self.presence, &d);
        let found = self
            .detectors
            .observe(&self.index, &d)
            .into_iter()
            .filter(|f| f.kind == STACK_OUTSIDE_TASK)
            .map(|f| {
                serde_json::json!({"subjects": f.subjects, "evidence": f.evidence, "message": f.message})
            })
            .collect();
        (d.outcome, found)
    }

    fn pickup(&mut self, who: u8, facility: u8, from: &str, until: &str) {
        self.detectors.set_pickups(
            id(who),
            vec![PickupTask {
                facility: Some(id(facility)),
                container: "CSQU3054383".into(),
                from_ms: at(from),
                until_ms: at(until),
            }],
        );
    }
}

#[test]
fn a_driver_at_the_stack_at_night_without_a_task_is_a_finding() {
    let mut w = world();
    let (outcome, found) = w.present(DRIVER, S1, "2026-03-03T02:40");
    assert_eq!(outcome, Outcome::Grant, "the broad permit lets him in");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    let kinds: Vec<(String, String)> = f["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_owned(),
                s["ref"]
                    .as_str()
                    .or(s["reference"].as_str())
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let person: PersonId = id(DRIVER);
    assert_eq!(
        kinds,
        [
            ("person".to_owned(), person.to_string()),
            ("credential".to_owned(), format!("C{DRIVER}")),
            ("zone".to_owned(), "NVK-REEFER".to_owned()),
            ("gate".to_owned(), format!("NVK-G{S1}")),
        ],
        "{f}"
    );
    assert_eq!(f["evidence"]["local_time"], "02:40");
    // Every subject is a typed entity reference.
    for s in f["subjects"].as_array().unwrap() {
        let s: hamnvakt_core::alert::SubjectRef = serde_json::from_value(s.clone()).unwrap();
        assert!(s.entity().is_ok(), "{s:?}");
        assert!(matches!(
            s.kind,
            SubjectKind::Person | SubjectKind::Credential | SubjectKind::Zone | SubjectKind::Gate
        ));
    }
}

#[test]
fn a_pickup_due_at_the_facility_is_a_task() {
    let mut w = world();
    w.pickup(DRIVER, FAC, "2026-03-02T18:00", "2026-03-05T00:00");
    let (outcome, found) = w.present(DRIVER, S1, "2026-03-03T02:40");
    assert_eq!(outcome, Outcome::Grant);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_pickup_elsewhere_or_not_yet_due_or_over_is_not_a_task() {
    for (facility, from, until) in [
        (OTHER_FAC, "2026-03-02T18:00", "2026-03-05T00:00"),
        (FAC, "2026-03-03T08:00", "2026-03-05T00:00"),
        (FAC, "2026-03-01T08:00", "2026-03-02T00:00"),
    ] {
        let mut w = world();
        w.pickup(DRIVER, facility, from, until);
        let (_, found) = w.present(DRIVER, S1, "2026-03-03T02:40");
        assert_eq!(found.len(), 1, "{facility} {from} {until}: {found:?}");
    }
    // Handing over no pick-ups forgets the earlier ones.
    let mut w = world();
    w.pickup(DRIVER, FAC, "2026-03-02T18:00", "2026-03-05T00:00");
    w.detectors.set_pickups(id(DRIVER), Vec::new());
    assert_eq!(w.present(DRIVER, S1, "2026-03-03T02:40").1.len(), 1);
}

#[test]
fn a_permit_naming_the_stack_is_a_task_within_its_hours_only() {
    let mut w = world();
    // Tuesday 10:00: the reefer hand's stack permit covers it.
    let (outcome, found) = w.present(WORKER, S1, "2026-03-03T10:00");
    assert_eq!(outcome, Outcome::Grant);
    assert!(found.is_empty(), "{found:?}");
    // Tuesday 02:40: let in by the always-permit for the whole area, but outside the hours
    // of the one naming the stack.
    let (outcome, found) = w.present(WORKER, S1, "2026-03-04T02:40");
    assert_eq!(outcome, Outcome::Grant);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn refusals_and_other_zones_are_not_findings() {
    let mut w = world();
    // The visitor's permit does not cover the night: refused at the stack's door.
    let (outcome, found) = w.present(VISITOR, S1, "2026-03-03T02:40");
    assert_eq!(outcome, Outcome::Deny);
    assert!(found.is_empty(), "{found:?}");
    // The driver onto the quay (restricted, not sensitive) at night.
    let (outcome, found) = w.present(DRIVER, G3, "2026-03-03T02:30");
    assert_eq!(outcome, Outcome::Grant);
    assert!(found.is_empty(), "{found:?}");
}
