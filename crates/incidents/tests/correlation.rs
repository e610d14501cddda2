//! The correlation rules as a table of cases: which streams of events raise which correlated
//! alert, and which do not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use hamnvakt_core::alert::SubjectKind;
use hamnvakt_core::entity::EntityRef;
use hamnvakt_incidents::correlation::{builtin, Correlator, Event, Join, Part, Rule, Versioned};

const H: i64 = 3_600_000;
const T0: i64 = 1_795_000_000_000;

fn e(s: &str) -> EntityRef {
    s.parse().unwrap()
}

const CONTAINER: &str = "container:MSKU4839210";
const OTHER_CONTAINER: &str = "container:TGHU1234567";
const CONSIGNMENT: &str = "consignment:SE-IMP-2026-1";
const VESSEL: &str = "vessel:mmsi:265123456";
const OTHER_VESSEL: &str = "vessel:mmsi:230987650";
const RELEASE: &str = "release:0190a3c4-1d2e-7f00-8000-000000000003";
const DRIVER: &str = "person:0190a3c4-1d2e-7f00-8000-000000000001";
const OTHER_PERSON: &str = "person:0190a3c4-1d2e-7f00-8000-000000000009";
const HAULIER: &str = "organisation:0190a3c4-1d2e-7f00-8000-000000000002";
const GATE: &str = "gate:NVK-R1";

fn ev(id: &str, at_h: i64, kind: &str, entities: &[&str], links: &[(&str, &str)]) -> Event {
    Event {
        id: id.into(),
        at_ms: T0 + at_h * H,
        kind: kind.into(),
        title: id.into(),
        entities: entities.iter().map(|s| e(s)).collect(),
        links: links.iter().map(|(a, b)| (e(a), e(b))).collect(),
    }
}

/// The high-risk alert of targeting, with what the consignment links: its container and the
/// vessel its call resolved to.
fn cargo(at_h: i64, container: &str) -> Event {
    ev(
        "alert:cargo",
        at_h,
        "cargo.high_risk",
        &[CONSIGNMENT, container],
        &[(CONSIGNMENT, container), (CONSIGNMENT, VESSEL)],
    )
}

fn gap(at_h: i64, vessel: &str) -> Event {
    ev("alert:gap", at_h, "ais.gap", &[vessel], &[])
}

/// A badge event of the access detectors, with the release that names the person as driver.
fn badge(at_h: i64, person: &str, kind: &str) -> Event {
    ev(
        "alert:badge",
        at_h,
        kind,
        &[person, GATE],
        &[(RELEASE, CONTAINER), (RELEASE, DRIVER), (RELEASE, HAULIER)],
    )
}

fn refused(at_h: i64, container: &str) -> Event {
    ev(
        "alert:refused",
        at_h,
        "release.driver_mismatch",
        &[container, OTHER_PERSON, DRIVER, HAULIER, RELEASE],
        &[],
    )
}

fn sighting(id: &str, at_h: i64, plate: &str) -> Event {
    ev(id, at_h, "sharing.indicator_sighted", &[plate, GATE], &[])
}

fn noise(n: usize, at_h: i64) -> Vec<Event> {
    (0..n)
        .map(|i| {
            ev(
                &format!("event:{i}"),
                at_h,
                "access.decision",
                &[&format!("credential:SH-{i}"), GATE],
                &[],
            )
        })
        .collect()
}

fn run(events: Vec<Event>) -> Vec<(String, Vec<String>)> {
    let rules = builtin()
        .into_iter()
        .map(|r| Versioned {
            id: r.code.clone(),
            version: 0,
            rule: r,
        })
        .collect();
    let mut c = Correlator::new(rules);
    let mut out = Vec::new();
    for x in events {
        for m in c.observe(x) {
            out.push((m.code, m.parts.iter().map(|p| p.event.clone()).collect()));
        }
    }
    out
}

/// A case: its name, the events in order and the correlated alerts wanted (rule, event ids).
type Case = (
    &'static str,
    Vec<Event>,
    Vec<(&'static str, Vec<&'static str>)>,
);

#[test]
fn rule_table() {
    let story = "cargo_vessel_gate";
    let refusal = "refused_driver_risky_container";
    let repeats = "repeated_indicator_sightings";
    let cases: Vec<Case> = vec![
        (
            "the product's story in order",
            vec![
                gap(-10, VESSEL),
                cargo(0, CONTAINER),
                badge(20, DRIVER, "access.stack_outside_task"),
            ],
            vec![(story, vec!["alert:cargo", "alert:gap", "alert:badge"])],
        ),
        (
            "in another order, with gate traffic between",
            [
                vec![badge(0, DRIVER, "access.first_sensitive_zone")],
                noise(50, 1),
                vec![cargo(2, CONTAINER)],
                noise(50, 3),
                vec![ev(
                    "alert:gap",
                    4,
                    "ais.encounter",
                    &[VESSEL, OTHER_VESSEL],
                    &[],
                )],
            ]
            .concat(),
            vec![(story, vec!["alert:cargo", "alert:gap", "alert:badge"])],
        ),
        (
            "the release naming the driver comes last: the held events match then",
            vec![
                gap(-10, VESSEL),
                cargo(0, CONTAINER),
                ev(
                    "alert:badge",
                    20,
                    "access.stack_outside_task",
                    &[DRIVER, GATE],
                    &[],
                ),
                ev(
                    "alert:refused",
                    30,
                    "release.driver_mismatch",
                    &[OTHER_CONTAINER, OTHER_PERSON],
                    &[(RELEASE, CONTAINER), (RELEASE, DRIVER)],
                ),
            ],
            vec![(story, vec!["alert:cargo", "alert:gap", "alert:badge"])],
        ),
        (
            "another vessel's gap does not join",
            vec![
                gap(-10, OTHER_VESSEL),
                cargo(0, CONTAINER),
                badge(20, DRIVER, "access.stack_outside_task"),
            ],
            vec![],
        ),
        (
            "a badge of someone the release does not name does not join",
            vec![
                gap(-10, VESSEL),
                cargo(0, CONTAINER),
                badge(20, OTHER_PERSON, "access.stack_outside_task"),
            ],
            vec![],
        ),
        (
            "outside the window of 72 hours",
            vec![
                gap(-60, VESSEL),
                cargo(0, CONTAINER),
                badge(20, DRIVER, "access.stack_outside_task"),
            ],
            vec![],
        ),
        (
            "a badge event of a kind the rule does not name",
            vec![
                gap(-10, VESSEL),
                cargo(0, CONTAINER),
                badge(20, DRIVER, "access.tailgating"),
            ],
            vec![],
        ),
        // v1: being somewhere odd is not being at the stack outside a task.
        (
            "unusual hours at a gate is not the stack",
            vec![
                gap(-10, VESSEL),
                cargo(0, CONTAINER),
                badge(20, DRIVER, "access.unusual_hours"),
            ],
            vec![],
        ),
        (
            "nor are refusals or an anti-passback violation",
            vec![
                gap(-10, VESSEL),
                cargo(0, CONTAINER),
                badge(20, DRIVER, "access.repeated_denials"),
                ev(
                    "alert:badge2",
                    21,
                    "access.anti_passback",
                    &[DRIVER, GATE],
                    &[(RELEASE, CONTAINER), (RELEASE, DRIVER)],
                ),
            ],
            vec![],
        ),
        (
            "two of three parts raise nothing",
            vec![gap(-10, VESSEL), cargo(0, CONTAINER)],
            vec![],
        ),
        (
            "story 2: the refused driver and the container's risk",
            vec![cargo(0, CONTAINER), refused(5, CONTAINER)],
            vec![(refusal, vec!["alert:refused", "alert:cargo"])],
        ),
        (
            "a refusal for another container",
            vec![cargo(0, CONTAINER), refused(5, OTHER_CONTAINER)],
            vec![],
        ),
        (
            "three sightings of one plate, once",
            vec![
                sighting("alert:s1", 0, "vehicle:ABC123"),
                sighting("alert:s2", 30, "vehicle:ABC123"),
                sighting("alert:s3", 60, "vehicle:ABC123"),
                sighting("alert:s4", 61, "vehicle:ABC123"),
            ],
            vec![(repeats, vec!["alert:s1", "alert:s2", "alert:s3"])],
        ),
        (
            "three sightings of three plates at one gate",
            vec![
                sighting("alert:s1", 0, "vehicle:ABC123"),
                sighting("alert:s2", 1, "vehicle:DEF456"),
                sighting("alert:s3", 2, "vehicle:GHI789"),
            ],
            vec![],
        ),
        (
            "sightings more than a week apart",
            vec![
                sighting("alert:s1", 0, "vehicle:ABC123"),
                sighting("alert:s2", 100, "vehicle:ABC123"),
                sighting("alert:s3", 200, "vehicle:ABC123"),
            ],
            vec![],
        ),
    ];
    for (name, events, want) in cases {
        let got = run(events);
        let want: Vec<(String, Vec<String>)> = want
            .into_iter()
            .map(|(c, ids)| (c.to_owned(), ids.into_iter().map(str::to_owned).collect()))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn a_match_names_its_parts_joins_and_subjects() {
    let rules = builtin()
        .into_iter()
        .map(|r| Versioned {
            id: r.code.clone(),
            version: 0,
            rule: r,
        })
        .collect();
    let mut c = Correlator::new(rules);
    assert!(c.observe(gap(-10, VESSEL)).is_empty());
    assert!(c.observe(cargo(0, CONTAINER)).is_empty());
    let m = c.observe(badge(20, DRIVER, "access.stack_outside_task"));
    assert_eq!(m.len(), 1);
    let m = &m[0];
    assert_eq!(m.at_ms, T0 + 20 * H);
    // Each join, whichever side it was found from: the two parts and the entity.
    let mut joined: Vec<(Vec<String>, String)> = m
        .joined
        .iter()
        .map(|j| {
            let mut parts = vec![j.part.clone(), j.with.clone()];
            parts.sort();
            (parts, j.entity.to_string())
        })
        .collect();
    joined.sort();
    assert_eq!(
        joined,
        [
            (
                vec!["badge".to_owned(), "cargo".to_owned()],
                DRIVER.to_owned()
            ),
            (
                vec!["cargo".to_owned(), "vessel".to_owned()],
                VESSEL.to_owned()
            ),
        ]
    );
    let parts: Vec<&str> = m.parts.iter().map(|p| p.part.as_str()).collect();
    assert_eq!(parts, ["cargo", "vessel", "badge"]);
    for x in [CONTAINER, VESSEL, DRIVER, CONSIGNMENT] {
        assert!(m.entities.contains(&e(x)), "{x}");
    }
}

#[test]
fn gate_traffic_is_not_held() {
    let mut c = Correlator::new(
        builtin()
            .into_iter()
            .map(|r| Versioned {
                id: r.code.clone(),
                version: 0,
                rule: r,
            })
            .collect(),
    );
    for x in noise(1000, 0) {
        c.observe(x);
    }
    assert_eq!(c.held(), 0);
}

#[test]
fn rules_are_checked_field_by_field() {
    for r in builtin() {
        assert_eq!(r.validate(), Ok(()), "{}", r.code);
    }
    let bad = Rule {
        code: "Bad Code".into(),
        name: " ".into(),
        description: String::new(),
        severity: hamnvakt_core::alert::Severity::High,
        window_minutes: 0,
        parts: vec![
            Part {
                name: "a".into(),
                kinds: vec!["nodot".into()],
                join: Some(Join {
                    with: "b".into(),
                    via: vec![SubjectKind::Person],
                }),
                min_count: 1,
            },
            Part {
                name: "b".into(),
                kinds: vec!["ais.*".into()],
                join: Some(Join {
                    with: "zzz".into(),
                    via: vec![],
                }),
                min_count: 2,
            },
        ],
        enabled: true,
    };
    let fields: Vec<String> = bad
        .validate()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "code",
            "name",
            "window_minutes",
            "parts[0].kinds[0]",
            "parts[0].join",
            "parts[1].join.with",
            "parts[1].join.via",
            "parts[1].min_count"
        ]
    );
}

#[test]
fn the_story_rule_is_at_its_code_version() {
    assert_eq!(
        hamnvakt_incidents::correlation::builtin_version("cargo_vessel_gate"),
        1
    );
    assert_eq!(
        hamnvakt_incidents::correlation::builtin_version("refused_driver_risky_container"),
        0
    );
}
