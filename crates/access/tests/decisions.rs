//! The gate decision, case by case (a table), and as a property: no random sequence of
//! permits, security levels, bans, credential changes and presentations lets a banned person,
//! an inactive credential or a credential outside its permit's window through.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hamnvakt_access::decide::{apply, decide, DecisionRequest, Direction, Outcome, Settings};
use hamnvakt_access::model::*;
use hamnvakt_access::schedule::{stockholm, WeeklySchedule};
use hamnvakt_access::{AccessIndex, PolicySet, Presence};
use hamnvakt_core::ids::*;
use hamnvakt_core::Id;
use proptest::prelude::*;

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

const YEAR_MS: i64 = 365 * 86_400_000;

struct World {
    index: AccessIndex,
    presence: Presence,
    policies: PolicySet,
    settings: Settings,
}

// Facility VHA: OUT (normal) ⊃ QUAY (restricted, hard anti-passback) ⊃ CTRL (sensitive, two-person).
const FAC: u8 = 1;
const OUT: u8 = 10;
const QUAY: u8 = 11;
const CTRL: u8 = 12;
const G_MAIN: u8 = 20; // outside → OUT, vehicle lane
const G3: u8 = 21; // OUT → QUAY
const G5: u8 = 22; // OUT → QUAY, closed at level 2
const G_CTRL: u8 = 23; // QUAY → CTRL
const G_FAR: u8 = 24; // a gate at Kapellskär, 50 km away (another facility)

const ANNA: u8 = 30; // staff, quay around the clock
const KALLE: u8 = 31; // contractor, quay Mon-Fri 06:00-22:00
const VERA: u8 = 32; // visitor, escorted by Anna
const RITA: u8 = 33; // responder
const BO: u8 = 34; // banned
const DAY17: u8 = 35; // generic day pass
const OLLE: u8 = 36; // second person for the control room

fn world() -> World {
    let mut ix = AccessIndex::default();
    let org: OrgId = id(2);
    ix.put_facility(Facility {
        id: id(FAC),
        site_id: id(3),
        name: "Värtahamnen".into(),
        isps_number: "SESTO-0010".into(),
        security_level: SecurityLevel::ONE,
        org_id: org,
    });
    ix.put_facility(Facility {
        id: id(4),
        site_id: id(5),
        name: "Kapellskär".into(),
        isps_number: "SEKPS-0001".into(),
        security_level: SecurityLevel::ONE,
        org_id: org,
    });
    let zone =
        |n: u8, parent: Option<u8>, code: &str, s: Sensitivity, two: bool, apb: AntiPassback| {
            Zone {
                id: id(n),
                facility_id: id(FAC),
                parent: parent.map(id),
                code: code.into(),
                name: code.into(),
                sensitivity: s,
                two_person: two,
                anti_passback: apb,
            }
        };
    ix.put_zone(zone(
        OUT,
        None,
        "VHA-OUT",
        Sensitivity::Normal,
        false,
        AntiPassback::Off,
    ));
    ix.put_zone(zone(
        QUAY,
        Some(OUT),
        "VHA-QUAY",
        Sensitivity::Restricted,
        false,
        AntiPassback::Hard,
    ));
    ix.put_zone(zone(
        CTRL,
        Some(QUAY),
        "VHA-CTRL",
        Sensitivity::Sensitive,
        true,
        AntiPassback::Off,
    ));
    let mut kzone = zone(
        40,
        None,
        "KPS-OUT",
        Sensitivity::Normal,
        false,
        AntiPassback::Off,
    );
    kzone.facility_id = id(4);
    ix.put_zone(kzone);
    let gate =
        |n: u8, kind: GateKind, outer: Option<u8>, inner: u8, closed: bool, lat: f64, lon: f64| {
            Gate {
                id: id(n),
                facility_id: id(FAC),
                code: format!("G{n}"),
                name: format!("gate {n}"),
                kind,
                outer_zone: outer.map(id),
                inner_zone: id(inner),
                closed_at_level2: closed,
                lat,
                lon,
            }
        };
    ix.put_gate(gate(
        G_MAIN,
        GateKind::Vehicle,
        None,
        OUT,
        false,
        59.3515,
        18.1127,
    ));
    ix.put_gate(gate(
        G3,
        GateKind::Pedestrian,
        Some(OUT),
        QUAY,
        false,
        59.3520,
        18.1130,
    ));
    ix.put_gate(gate(
        G5,
        GateKind::Pedestrian,
        Some(OUT),
        QUAY,
        true,
        59.3525,
        18.1135,
    ));
    ix.put_gate(gate(
        G_CTRL,
        GateKind::Pedestrian,
        Some(QUAY),
        CTRL,
        false,
        59.3521,
        18.1131,
    ));
    let mut far = gate(
        G_FAR,
        GateKind::Pedestrian,
        None,
        40,
        false,
        59.7227,
        19.0612,
    );
    far.facility_id = id(4);
    ix.put_gate(far);
    for (n, name, kind, responder) in [
        (ANNA, "Anna", PersonKind::Staff, false),
        (KALLE, "Kalle", PersonKind::Contractor, false),
        (VERA, "Vera", PersonKind::Visitor, false),
        (RITA, "Rita", PersonKind::Staff, true),
        (BO, "Bo", PersonKind::Contractor, false),
        (DAY17, "Day pass 17", PersonKind::Visitor, false),
        (OLLE, "Olle", PersonKind::Staff, false),
    ] {
        ix.put_person(Person {
            id: id(n),
            org_id: org,
            name: name.into(),
            kind,
            responder,
        });
        ix.put_credential(Credential {
            id: id(n + 100),
            number: format!("C{n}"),
            holder: id(n),
            generic: n == DAY17,
            state: CredentialState::Active,
            valid_from_ms: at("2026-01-01T00:00"),
            valid_until_ms: at("2026-01-01T00:00") + 2 * YEAR_MS,
        });
    }
    let permit =
        |n: u8, holder: u8, zones: &[u8], schedule: &str, visitor: bool, escort: bool| Permit {
            id: id(n),
            holder: id(holder),
            purpose: format!("permit {n}"),
            zones: zones.iter().map(|z| id(*z)).collect(),
            valid_from_ms: at("2026-01-01T00:00"),
            valid_until_ms: at("2027-01-01T00:00"),
            schedule: schedule.parse().unwrap(),
            issued_by_org: org,
            issued_by_user: None,
            escort_required: escort,
            visitor,
            vehicle: None,
            suspended: false,
        };
    ix.put_permit(permit(50, ANNA, &[OUT], "always", false, false));
    ix.put_permit(permit(
        51,
        KALLE,
        &[OUT],
        "Mon-Fri 06:00-22:00",
        false,
        false,
    ));
    ix.put_permit(permit(52, VERA, &[OUT], "always", true, true));
    ix.put_permit(permit(53, RITA, &[OUT], "always", false, false));
    ix.put_permit(permit(54, BO, &[OUT], "always", false, false));
    ix.put_permit(permit(55, DAY17, &[OUT], "always", false, false));
    ix.put_permit(permit(56, OLLE, &[OUT], "always", false, false));
    ix.put_visit(Visit {
        id: id(60),
        visitor: id(VERA),
        host: id(ANNA),
        purpose: "meeting".into(),
        valid_from_ms: at("2026-01-01T00:00"),
        valid_until_ms: at("2027-01-01T00:00"),
    });
    ix.put_ban(Ban {
        id: id(70),
        person: Some(id(BO)),
        plate: None,
        reason: "AIGIS".into(),
        valid_from_ms: at("2026-06-01T00:00"),
        valid_until_ms: None,
    });
    ix.put_vehicle(Vehicle {
        id: id(80),
        plate: "ABC123".into(),
        country: "SE".into(),
        org_id: Some(org),
    });
    World {
        index: ix,
        presence: Presence::default(),
        policies: PolicySet::default_set(),
        settings: Settings::default(),
    }
}

fn req(gate: u8, cred: Option<&str>, dir: Direction, when: &str) -> DecisionRequest {
    DecisionRequest {
        gate: id(gate),
        credential: cred.map(str::to_owned),
        plate: None,
        direction: dir,
        at_ms: at(when),
    }
}

impl World {
    fn run(&mut self, r: &DecisionRequest) -> hamnvakt_access::Decision {
        let d = decide(
            &self.index,
            &self.presence,
            &self.policies,
            &self.settings,
            r,
        );
        apply(&self.index, &mut self.presence, &d);
        d
    }
    fn level(&mut self, level: SecurityLevel) {
        let mut f = self.index.facilities[&id(FAC)].clone();
        f.security_level = level;
        self.index.put_facility(f);
    }
}

const THU_10: &str = "2026-11-26T10:00";
const THU_0310: &str = "2026-11-26T03:10";

#[test]
fn decision_table() {
    use Direction::*;
    type Setup = fn(&mut World);
    let none: Setup = |_| {};
    let cases: Vec<(&str, Setup, DecisionRequest, Outcome, &str)> = vec![
        (
            "staff with a permit",
            none,
            req(G3, Some("C30"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "contractor inside the schedule",
            none,
            req(G3, Some("C31"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "story 1: contractor at 03:10",
            none,
            req(G3, Some("C31"), In, THU_0310),
            Outcome::Deny,
            "outside_schedule",
        ),
        (
            "contractor on a Saturday",
            none,
            req(G3, Some("C31"), In, "2026-11-28T12:00"),
            Outcome::Deny,
            "outside_schedule",
        ),
        (
            "unknown credential",
            none,
            req(G3, Some("C999"), In, THU_10),
            Outcome::Deny,
            "unknown_credential",
        ),
        (
            "unknown gate",
            none,
            req(99, Some("C30"), In, THU_10),
            Outcome::Deny,
            "unknown_gate",
        ),
        (
            "banned person",
            none,
            req(G3, Some("C34"), In, THU_10),
            Outcome::Deny,
            "port_ban",
        ),
        (
            "banned person may leave",
            none,
            req(G3, Some("C34"), Out, THU_10),
            Outcome::Grant,
            "exit",
        ),
        (
            "ban not yet in force",
            none,
            req(G3, Some("C34"), In, "2026-05-01T10:00"),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "lost card",
            |w| {
                let mut c = w.index.credential_by_number("C30").unwrap().clone();
                c.state = CredentialState::ReportedLost;
                w.index.put_credential(c);
            },
            req(G3, Some("C30"), In, THU_10),
            Outcome::Deny,
            "credential_not_active",
        ),
        (
            "suspended card",
            |w| {
                let mut c = w.index.credential_by_number("C30").unwrap().clone();
                c.state = CredentialState::Suspended;
                w.index.put_credential(c);
            },
            req(G3, Some("C30"), In, THU_10),
            Outcome::Deny,
            "credential_not_active",
        ),
        (
            "expired card",
            none,
            req(G3, Some("C30"), In, "2028-06-01T10:00"),
            Outcome::Deny,
            "credential_not_active",
        ),
        (
            "expired permit",
            none,
            req(G3, Some("C30"), In, "2027-02-01T10:00"),
            Outcome::Deny,
            "permit_expired",
        ),
        (
            "suspended permit",
            |w| {
                let mut p = w.index.permits[&id(50)].clone();
                p.suspended = true;
                w.index.put_permit(p);
            },
            req(G3, Some("C30"), In, THU_10),
            Outcome::Deny,
            "permit_suspended",
        ),
        (
            "zone not covered",
            |w| {
                let mut p = w.index.permits[&id(50)].clone();
                p.zones = vec![id(CTRL)];
                w.index.put_permit(p);
            },
            req(G3, Some("C30"), In, THU_10),
            Outcome::Deny,
            "zone_not_permitted",
        ),
        (
            "visitor without host",
            none,
            req(G3, Some("C32"), In, THU_10),
            Outcome::Deny,
            "escort_required",
        ),
        (
            "visitor right behind host",
            |w| {
                w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T09:59:40"));
            },
            req(G3, Some("C32"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "visitor, host too long ago",
            |w| {
                w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T09:50"));
            },
            req(G3, Some("C32"), In, THU_10),
            Outcome::Deny,
            "escort_required",
        ),
        (
            "visitor, host at another gate",
            |w| {
                w.run(&req(G5, Some("C30"), Direction::In, "2026-11-26T09:59:40"));
            },
            req(G3, Some("C32"), In, THU_10),
            Outcome::Deny,
            "escort_required",
        ),
        (
            "level 2: visitor permit",
            |w| {
                w.level(SecurityLevel::TWO);
                w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T09:59:40"));
            },
            req(G3, Some("C32"), In, THU_10),
            Outcome::Deny,
            "level2_visitor_permit",
        ),
        (
            "level 2: generic card",
            |w| w.level(SecurityLevel::TWO),
            req(G3, Some("C35"), In, THU_10),
            Outcome::Deny,
            "level2_generic_card",
        ),
        (
            "level 1: generic card",
            none,
            req(G3, Some("C35"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "level 2: closed gate",
            |w| w.level(SecurityLevel::TWO),
            req(G5, Some("C30"), In, THU_10),
            Outcome::Deny,
            "level2_gate_closed",
        ),
        (
            "level 2: closed gate both ways",
            |w| w.level(SecurityLevel::TWO),
            req(G5, Some("C30"), Out, THU_10),
            Outcome::Deny,
            "level2_gate_closed",
        ),
        (
            "level 2: open gate, staff",
            |w| w.level(SecurityLevel::TWO),
            req(G3, Some("C30"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "level 3: staff",
            |w| w.level(SecurityLevel::THREE),
            req(G3, Some("C30"), In, THU_10),
            Outcome::Deny,
            "level3_responders_only",
        ),
        (
            "level 3: responder",
            |w| w.level(SecurityLevel::THREE),
            req(G3, Some("C33"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "two-person zone alone",
            none,
            req(G_CTRL, Some("C30"), In, THU_10),
            Outcome::Deny,
            "two_person_rule",
        ),
        (
            "two-person zone, second card",
            |w| {
                w.run(&req(
                    G_CTRL,
                    Some("C36"),
                    Direction::In,
                    "2026-11-26T09:59:50",
                ));
            },
            req(G_CTRL, Some("C30"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "two-person zone, same card twice",
            |w| {
                w.run(&req(
                    G_CTRL,
                    Some("C30"),
                    Direction::In,
                    "2026-11-26T09:59:50",
                ));
            },
            req(G_CTRL, Some("C30"), In, THU_10),
            Outcome::Deny,
            "two_person_rule",
        ),
        (
            "two-person, partner without permit",
            |w| {
                w.run(&req(G_CTRL, Some("C31"), Direction::In, "2026-11-26T03:00"));
            },
            req(G_CTRL, Some("C30"), In, "2026-11-26T03:00:10"),
            Outcome::Deny,
            "two_person_rule",
        ),
        (
            "hard anti-passback: entering twice",
            |w| {
                w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T09:00"));
            },
            req(G5, Some("C30"), In, THU_10),
            Outcome::Deny,
            "anti_passback",
        ),
        (
            "anti-passback forgiven after 12 h",
            |w| {
                w.run(&req(G3, Some("C30"), Direction::In, "2026-11-25T20:00"));
            },
            req(G5, Some("C30"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "in, out, in again",
            |w| {
                w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T09:00"));
                w.run(&req(G3, Some("C30"), Direction::Out, "2026-11-26T09:30"));
            },
            req(G5, Some("C30"), In, THU_10),
            Outcome::Grant,
            "valid_permit",
        ),
        (
            "plate only, known vehicle",
            none,
            DecisionRequest {
                gate: id(G_MAIN),
                credential: None,
                plate: Some("abc 123".into()),
                direction: In,
                at_ms: at(THU_10),
            },
            Outcome::Refer,
            "driver_not_identified",
        ),
        (
            "plate only, unknown vehicle",
            none,
            DecisionRequest {
                gate: id(G_MAIN),
                credential: None,
                plate: Some("XYZ999".into()),
                direction: In,
                at_ms: at(THU_10),
            },
            Outcome::Deny,
            "unknown_vehicle",
        ),
        (
            "banned plate",
            |w| {
                w.index.put_ban(Ban {
                    id: id(71),
                    person: None,
                    plate: Some("ABC123".into()),
                    reason: "x".into(),
                    valid_from_ms: 0,
                    valid_until_ms: None,
                })
            },
            DecisionRequest {
                gate: id(G_MAIN),
                credential: Some("C30".into()),
                plate: Some("ABC-123".into()),
                direction: In,
                at_ms: at(THU_10),
            },
            Outcome::Deny,
            "port_ban",
        ),
        (
            "plate not the permit's vehicle",
            |w| {
                let mut p = w.index.permits[&id(50)].clone();
                p.vehicle = Some(id(80));
                w.index.put_permit(p);
            },
            DecisionRequest {
                gate: id(G_MAIN),
                credential: Some("C30".into()),
                plate: Some("QQQ111".into()),
                direction: In,
                at_ms: at(THU_10),
            },
            Outcome::Refer,
            "plate_mismatch",
        ),
        (
            "the permit's vehicle",
            |w| {
                let mut p = w.index.permits[&id(50)].clone();
                p.vehicle = Some(id(80));
                w.index.put_permit(p);
            },
            DecisionRequest {
                gate: id(G_MAIN),
                credential: Some("C30".into()),
                plate: Some("abc-123".into()),
                direction: In,
                at_ms: at(THU_10),
            },
            Outcome::Grant,
            "valid_permit",
        ),
    ];
    for (name, setup, r, outcome, code) in cases {
        let mut w = world();
        setup(&mut w);
        let d = decide(&w.index, &w.presence, &w.policies, &w.settings, &r);
        assert_eq!(d.outcome, outcome, "{name}: {:?}", d.reasons);
        assert!(
            d.reasons.iter().any(|x| x.code == code),
            "{name}: expected reason {code}, got {:?}",
            d.reasons
        );
        assert!(
            d.reasons.iter().all(|x| !x.text.is_empty()),
            "{name}: every reason is readable"
        );
        assert_eq!(d.policy_version, 1, "{name}");
    }
}

#[test]
fn occupancy_follows_grants_and_two_person_partners_enter_together() {
    let mut w = world();
    assert_eq!(
        w.run(&req(G_MAIN, Some("C30"), Direction::In, "2026-11-26T08:00"))
            .outcome,
        Outcome::Grant
    );
    assert_eq!(w.presence.inside(id(ANNA)).unwrap().zone, id(OUT));
    w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T08:05"));
    w.run(&req(G3, Some("C36"), Direction::In, "2026-11-26T08:06"));
    assert_eq!(w.presence.muster(id(FAC)).len(), 2);
    let first = w.run(&req(
        G_CTRL,
        Some("C36"),
        Direction::In,
        "2026-11-26T08:10:00",
    ));
    assert!(first.awaiting_second);
    let second = w.run(&req(
        G_CTRL,
        Some("C30"),
        Direction::In,
        "2026-11-26T08:10:20",
    ));
    assert_eq!(
        (second.outcome, second.partner),
        (Outcome::Grant, Some(id(OLLE)))
    );
    assert_eq!(
        w.presence.inside(id(OLLE)).unwrap().zone,
        id(CTRL),
        "the first person entered with the second"
    );
    // A third person cannot ride on the used pair.
    let third = w.run(&req(
        G_CTRL,
        Some("C33"),
        Direction::In,
        "2026-11-26T08:10:30",
    ));
    assert_eq!(third.outcome, Outcome::Deny);
    w.run(&req(
        G_CTRL,
        Some("C30"),
        Direction::Out,
        "2026-11-26T09:00",
    ));
    w.run(&req(G3, Some("C30"), Direction::Out, "2026-11-26T09:01"));
    w.run(&req(
        G_MAIN,
        Some("C30"),
        Direction::Out,
        "2026-11-26T09:02",
    ));
    assert!(w.presence.inside(id(ANNA)).is_none(), "left the facility");
    assert_eq!(w.presence.muster(id(FAC)).len(), 1);
}

/// A grant taken back (a pick-up whose release moved before its claim was written) puts the
/// person back where they were and counts as a refused passage; once a later passage has
/// moved them, taking it back leaves them where that passage put them.
#[test]
fn a_grant_taken_back_puts_the_person_back() {
    let mut w = world();
    w.run(&req(G_MAIN, Some("C30"), Direction::In, "2026-11-26T08:00"));
    let before = w.presence.inside(id(ANNA)).cloned();
    assert_eq!(before.as_ref().unwrap().zone, id(OUT));
    let into_yard = w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T08:05"));
    assert_eq!(into_yard.outcome, Outcome::Grant);
    assert_ne!(w.presence.inside(id(ANNA)).unwrap().zone, id(OUT));
    hamnvakt_access::decide::take_back(&w.index, &mut w.presence, &into_yard, before.clone());
    assert_eq!(
        w.presence.inside(id(ANNA)).cloned(),
        before,
        "back where she was"
    );
    assert!(
        !w.presence
            .granted_recently(id(G3), id(ANNA), at("2026-11-26T08:05"), 60_000),
        "the passage counts as refused"
    );
    // Entered again, then out through the main gate: taking the first entry back now
    // would undo a passage it did not make, so she stays out.
    let again = w.run(&req(G3, Some("C30"), Direction::In, "2026-11-26T08:07"));
    assert_eq!(again.outcome, Outcome::Grant);
    w.run(&req(G3, Some("C30"), Direction::Out, "2026-11-26T08:20"));
    w.run(&req(
        G_MAIN,
        Some("C30"),
        Direction::Out,
        "2026-11-26T08:21",
    ));
    assert!(w.presence.inside(id(ANNA)).is_none());
    hamnvakt_access::decide::take_back(&w.index, &mut w.presence, &again, before);
    assert!(
        w.presence.inside(id(ANNA)).is_none(),
        "a later passage stands"
    );
}

#[test]
fn a_security_level_change_applies_to_the_very_next_decision() {
    let mut w = world();
    assert_eq!(
        w.run(&req(G5, Some("C35"), Direction::In, THU_10)).outcome,
        Outcome::Grant
    );
    w.level(SecurityLevel::TWO);
    let d = w.run(&req(G5, Some("C35"), Direction::Out, "2026-11-26T10:00:01"));
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(d.security_level, 2);
}

#[test]
fn schedules_hold_across_the_clock_changes() {
    let mut w = world();
    // Kalle: Mon-Fri 06:00-22:00. Spring change Sunday 2026-03-29; check Friday 27th and Monday 30th.
    let utc = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let at_utc = |t: &str, gate: u8| DecisionRequest {
        gate: id(gate),
        credential: Some("C31".into()),
        plate: None,
        direction: Direction::In,
        at_ms: utc(t),
    };
    assert_eq!(
        w.run(&at_utc("2026-03-27T04:59:00Z", G3)).outcome,
        Outcome::Deny,
        "05:59 CET"
    );
    assert_eq!(
        w.run(&at_utc("2026-03-27T05:00:00Z", G3)).outcome,
        Outcome::Grant,
        "06:00 CET"
    );
    w.run(&DecisionRequest {
        direction: Direction::Out,
        ..at_utc("2026-03-27T06:00:00Z", G3)
    });
    assert_eq!(
        w.run(&at_utc("2026-03-30T03:59:00Z", G3)).outcome,
        Outcome::Deny,
        "05:59 CEST"
    );
    assert_eq!(
        w.run(&at_utc("2026-03-30T04:00:00Z", G3)).outcome,
        Outcome::Grant,
        "06:00 CEST"
    );
    w.run(&DecisionRequest {
        direction: Direction::Out,
        ..at_utc("2026-03-30T05:00:00Z", G3)
    });
    // Autumn change Sunday 2026-10-25: 22:00 is 20:00 UTC before, 21:00 UTC after.
    assert_eq!(
        w.run(&at_utc("2026-10-23T19:59:00Z", G3)).outcome,
        Outcome::Grant,
        "21:59 CEST"
    );
    w.run(&DecisionRequest {
        direction: Direction::Out,
        ..at_utc("2026-10-23T19:59:30Z", G3)
    });
    assert_eq!(
        w.run(&at_utc("2026-10-23T20:00:00Z", G3)).outcome,
        Outcome::Deny,
        "22:00 CEST"
    );
    assert_eq!(
        w.run(&at_utc("2026-10-26T20:30:00Z", G3)).outcome,
        Outcome::Grant,
        "21:30 CET"
    );
    w.run(&DecisionRequest {
        direction: Direction::Out,
        ..at_utc("2026-10-26T20:40:00Z", G3)
    });
    assert_eq!(
        w.run(&at_utc("2026-10-26T21:00:00Z", G3)).outcome,
        Outcome::Deny,
        "22:00 CET"
    );
}

#[derive(Debug, Clone)]
enum Op {
    Level(u8),
    Ban(u8, bool),
    CredentialState(u8, u8),
    Schedule(u8, u8, u16, u16),
    Present(u8, u8, bool, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let person = prop::sample::select(vec![ANNA, KALLE, VERA, RITA, BO, DAY17, OLLE]);
    let gate = prop::sample::select(vec![G_MAIN, G3, G5, G_CTRL, 99]);
    prop_oneof![
        (1u8..=3).prop_map(Op::Level),
        (person.clone(), any::<bool>()).prop_map(|(p, b)| Op::Ban(p, b)),
        (person.clone(), 0u8..4).prop_map(|(p, s)| Op::CredentialState(p, s)),
        (person.clone(), 1u8..128, 0u16..1440, 0u16..1440)
            .prop_map(|(p, d, a, b)| Op::Schedule(p, d, a, b)),
        (person, gate, any::<bool>(), 0i64..(3 * 86_400_000))
            .prop_map(|(p, g, i, t)| Op::Present(p, g, i, t)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nothing_forbidden_ever_gets_in(ops in prop::collection::vec(op(), 1..60)) {
        let mut w = world();
        let base = at("2026-11-23T00:00"); // a Monday
        let mut clock = base;
        for o in ops {
            match o {
                Op::Level(l) => w.level(SecurityLevel::try_from(l).unwrap()),
                Op::Ban(p, on) => {
                    if on {
                        w.index.put_ban(Ban { id: id(200 + p), person: Some(id(p)), plate: None, reason: "test".into(), valid_from_ms: 0, valid_until_ms: None });
                    } else {
                        w.index.bans.retain(|b| b.person != Some(id(p)) || b.id == id(70));
                    }
                }
                Op::CredentialState(p, s) => {
                    let mut c = w.index.credentials[&id(p + 100)].clone();
                    c.state = [CredentialState::Active, CredentialState::Suspended, CredentialState::ReportedLost, CredentialState::Revoked][s as usize];
                    w.index.put_credential(c);
                }
                Op::Schedule(p, days, a, b) => {
                    let permit = w.index.permits_of(id(p)).next().cloned();
                    if let Some(mut permit) = permit {
                        permit.schedule = WeeklySchedule { windows: vec![hamnvakt_access::schedule::Window { days: days & 0x7f, start: a, end: b }] };
                        w.index.put_permit(permit);
                    }
                }
                Op::Present(p, g, inwards, dt) => {
                    clock = clock.max(base + dt);
                    let r = DecisionRequest { gate: id(g), credential: Some(format!("C{p}")), plate: None, direction: if inwards { Direction::In } else { Direction::Out }, at_ms: clock };
                    let d = w.run(&r);
                    if d.outcome == Outcome::Grant && inwards {
                        let cred = &w.index.credentials[&id(p + 100)];
                        prop_assert_eq!(cred.state, CredentialState::Active);
                        prop_assert!(cred.valid_from_ms <= clock && clock < cred.valid_until_ms);
                        prop_assert!(w.index.ban_for(Some(id(p)), None, clock).is_none(), "banned person let in");
                        let gate = &w.index.gates[&id(g)];
                        let ok = w.index.permits_of(id(p)).any(|pm| {
                            !pm.suspended && pm.valid_from_ms <= clock && clock < pm.valid_until_ms
                                && pm.schedule.contains(clock)
                                && pm.zones.iter().any(|z| w.index.zone_within(gate.inner_zone, *z))
                        });
                        prop_assert!(ok, "granted without a permit in force");
                        let level = w.index.facilities[&gate.facility_id].security_level.get();
                        prop_assert!(level < 3 || w.index.people[&id(p)].responder, "level 3 let a non-responder in");
                        prop_assert!(level < 2 || !(gate.closed_at_level2 || cred.generic), "level 2 rules broken");
                    }
                }
            }
        }
    }
}
