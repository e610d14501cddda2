//! An assessment edited as a PFSO would: scenarios scored, controls answered and measured,
//! gaps ranked, actions planned, a reassessment carried over; and the reports it gives.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use hamnvakt_assessment::model::{
    ActionState, AssetCategory, Edit, Measured, Modus, Source, Status,
};
use hamnvakt_assessment::report::{actions_csv, pfsa_pdf, ReportInput};
use hamnvakt_assessment::{catalogue::Measure, Assessment, Catalogue};
use hamnvakt_core::ids::Id;

const T0: i64 = 1_795_000_000_000;

fn norvik(cat: &Catalogue) -> Assessment {
    let mut a = Assessment::new(
        "a1".into(),
        Id::from_random_bytes([1; 16]),
        "Stockholm Norvik Port",
        "PFSA 2026",
        cat,
        T0,
    )
    .unwrap();
    let edits = [
        Edit::AddAsset {
            name: "Container yard".into(),
            category: AssetCategory::Cargo,
            note: String::new(),
        },
        Edit::AddAsset {
            name: "Out-gate".into(),
            category: AssetCategory::Access,
            note: "four lanes".into(),
        },
        Edit::AddScenario {
            title: "Fake driver collects a container".into(),
            modus: Modus::FakeDriver,
            assets: vec!["A1".into(), "A2".into()],
            vulnerabilities: "Release codes travel by e-mail".into(),
            consequences: "A load of cocaine leaves the port".into(),
            threat: 4,
            vulnerability: 4,
            consequence: 4,
            controls: vec!["CRG-1".into(), "ACC-1".into()],
        },
        Edit::AddScenario {
            title: "Insider with a valid badge".into(),
            modus: Modus::InsiderBadge,
            assets: vec!["A1".into()],
            vulnerabilities: "Contractors are not re-vetted".into(),
            consequences: "Extraction from the yard".into(),
            threat: 3,
            vulnerability: 3,
            consequence: 4,
            controls: vec!["PER-1".into(), "PER-2".into()],
        },
        Edit::Answer {
            control: "CRG-1".into(),
            status: Status::Partly,
            evidence: "Half the lines".into(),
        },
        Edit::Answer {
            control: "PER-1".into(),
            status: Status::Not,
            evidence: String::new(),
        },
        Edit::Answer {
            control: "ACC-1".into(),
            status: Status::Implemented,
            evidence: "Readers".into(),
        },
        Edit::AddAction {
            control: Some("PER-1".into()),
            title: "Re-vet contractors".into(),
            owner: "PFSO".into(),
            due: "2027-03-31".into(),
            practice: None,
        },
    ];
    for (i, e) in edits.iter().enumerate() {
        a.apply(cat, e, T0 + i as i64).unwrap();
    }
    a
}

#[test]
fn gaps_are_ranked_by_the_risk_they_leave() {
    let cat = Catalogue::builtin();
    let a = norvik(&cat);
    assert_eq!(a.version, 9);
    assert_eq!(a.scenarios[0].risk(), 64);
    let gaps = a.gaps(&cat);
    let order: Vec<(&str, f64)> = gaps.iter().map(|g| (g.control.as_str(), g.risk)).collect();
    // PER-1 not (36 × 1) outranks CRG-1 partly (64 × ½ = 32).
    assert_eq!(order, [("PER-1", 36.0), ("CRG-1", 32.0)]);
    assert_eq!(gaps[0].actions, ["P1"]);
    let s = a.summary(&cat);
    assert_eq!((s.implemented, s.partly, s.not), (1, 1, 1));
    assert_eq!(s.score, 50.0);
    assert_eq!(s.highest_risk, 64);
}

#[test]
fn bad_edits_name_the_field_and_change_nothing() {
    let cat = Catalogue::builtin();
    let mut a = norvik(&cat);
    let before = a.clone();
    let bad = [
        (
            Edit::AddScenario {
                title: "x".into(),
                modus: Modus::Other,
                assets: vec!["A9".into()],
                vulnerabilities: "v".into(),
                consequences: "c".into(),
                threat: 6,
                vulnerability: 1,
                consequence: 1,
                controls: vec!["NOPE-1".into()],
            },
            vec!["threat", "assets[0]", "controls[0]"],
        ),
        (
            Edit::Answer {
                control: "XX-1".into(),
                status: Status::Not,
                evidence: String::new(),
            },
            vec!["control"],
        ),
        (
            Edit::AddAction {
                control: None,
                title: "t".into(),
                owner: " ".into(),
                due: "tomorrow".into(),
                practice: None,
            },
            vec!["owner", "due"],
        ),
        (
            Edit::Confirm {
                control: "PER-1".into(),
            },
            vec!["control"],
        ),
        (
            Edit::Override {
                control: "PER-1".into(),
                status: Status::Implemented,
                reason: "r".into(),
            },
            vec!["control"],
        ),
        (
            Edit::SetAction {
                action: "P7".into(),
                state: ActionState::Done,
            },
            vec!["action"],
        ),
    ];
    for (edit, fields) in bad {
        let e = a.apply(&cat, &edit, T0).unwrap_err();
        assert_eq!(
            e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            fields,
            "{edit:?}"
        );
    }
    assert_eq!(a, before);
}

#[test]
fn measurements_prefill_and_the_assessor_confirms_or_overrides() {
    let cat = Catalogue::builtin();
    let mut a = norvik(&cat);
    let m = |status, detail: &str| Measured {
        measure: Measure::Level2CardsStop,
        status,
        detail: detail.into(),
        facts: None,
        link: "/access/policies".into(),
        at_ms: T0,
    };
    assert!(a.prefill(
        "LVL-1",
        m(Status::Implemented, "0 of 2 general cards open at level 2")
    ));
    assert!(!a.prefill(
        "LVL-1",
        m(Status::Implemented, "0 of 2 general cards open at level 2")
    ));
    assert_eq!(a.answers["LVL-1"].source, Source::Measured);
    a.apply(
        &cat,
        &Edit::Confirm {
            control: "LVL-1".into(),
        },
        T0,
    )
    .unwrap();
    assert_eq!(a.answers["LVL-1"].source, Source::Confirmed);
    // A new measurement that disagrees takes the answer back to unconfirmed.
    a.prefill(
        "LVL-1",
        m(Status::Not, "2 of 2 general cards open at level 2"),
    );
    assert_eq!(
        (a.answers["LVL-1"].status, a.answers["LVL-1"].source),
        (Status::Not, Source::Measured)
    );
    let e = a
        .apply(
            &cat,
            &Edit::Override {
                control: "LVL-1".into(),
                status: Status::Partly,
                reason: String::new(),
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e[0].field, "reason");
    a.apply(
        &cat,
        &Edit::Override {
            control: "LVL-1".into(),
            status: Status::Partly,
            reason: "guards turn cards away by hand".into(),
        },
        T0,
    )
    .unwrap();
    assert_eq!(a.answers["LVL-1"].source, Source::Overridden);
    // A measurement beside the assessor's own answer does not replace it.
    a.prefill(
        "ACC-1",
        Measured {
            measure: Measure::GateDecisionsAudited,
            status: Status::Not,
            detail: "no decisions".into(),
            facts: None,
            link: "/audit".into(),
            at_ms: T0,
        },
    );
    assert_eq!(
        (a.answers["ACC-1"].status, a.answers["ACC-1"].source),
        (Status::Implemented, Source::Assessor)
    );
    assert!(a.answers["ACC-1"].measured.is_some());
}

#[test]
fn a_reassessment_carries_over_and_the_trend_moves() {
    let cat = Catalogue::builtin();
    let mut a = norvik(&cat);
    a.apply(
        &cat,
        &Edit::AddAction {
            control: Some("CRG-1".into()),
            title: "PIN-free release".into(),
            owner: "Terminal".into(),
            due: "2027-01-31".into(),
            practice: None,
        },
        T0,
    )
    .unwrap();
    a.apply(
        &cat,
        &Edit::SetAction {
            action: "P2".into(),
            state: ActionState::Done,
        },
        T0,
    )
    .unwrap();
    let mut b = a.reassess("a2".into(), "PFSA 2027", T0 + 1, &cat).unwrap();
    assert_eq!(b.previous.as_deref(), Some("a1"));
    assert_eq!(
        b.actions.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ["P1"]
    );
    b.apply(
        &cat,
        &Edit::Answer {
            control: "CRG-1".into(),
            status: Status::Implemented,
            evidence: "All lines".into(),
        },
        T0 + 2,
    )
    .unwrap();
    b.apply(
        &cat,
        &Edit::ScoreScenario {
            scenario: "S1".into(),
            threat: 4,
            vulnerability: 2,
            consequence: 4,
        },
        T0 + 3,
    )
    .unwrap();
    assert!(b.summary(&cat).score > a.summary(&cat).score);
    assert!(b.summary(&cat).total_risk < a.summary(&cat).total_risk);
    // Numbering does not reuse a done action's number.
    b.apply(
        &cat,
        &Edit::AddAction {
            control: None,
            title: "Drill".into(),
            owner: "PFSO".into(),
            due: "2027-02-01".into(),
            practice: None,
        },
        T0,
    )
    .unwrap();
    assert_eq!(b.actions[1].id, "P2");
}

#[test]
fn reports_carry_the_assessment() {
    let cat = Catalogue::builtin();
    let a = norvik(&cat);
    let pdf = pfsa_pdf(&ReportInput {
        assessment: &a,
        catalogue: &cat,
        organisation: "Stockholms Hamnar",
        generated_ms: T0,
        practices: &[("PER-1".into(), vec!["Re-vetting every two years".into()])],
    });
    assert!(pdf.starts_with(b"%PDF-1.4"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("Norvik Port"));
    assert!(text.contains("Re-vetting every two years"));
    let csv = actions_csv(&a);
    assert_eq!(
        csv.lines().next(),
        Some("action,control,title,owner,due,state,practice")
    );
    assert!(csv.contains("P1,PER-1,Re-vet contractors,PFSO,2027-03-31,open,"));
}

#[test]
fn a_reassessment_moves_to_the_catalogue_in_force() {
    let cat = Catalogue::builtin();
    let mut a = norvik(&cat);
    a.apply(
        &cat,
        &Edit::Answer {
            control: "CRG-1".into(),
            status: Status::Partly,
            evidence: String::new(),
        },
        T0,
    )
    .unwrap();
    // The next version drops CRG-1 and adds nothing; the round made against it keeps every
    // other answer and leaves CRG-1's with the earlier round.
    let mut next = cat.clone();
    next.version = "2027.1".into();
    next.controls.retain(|c| c.id != "CRG-1");
    next.check().unwrap();
    let b = a.reassess("a2".into(), "PFSA 2027", T0 + 1, &next).unwrap();
    assert_eq!(b.catalogue, "2027.1");
    assert!(!b.answers.contains_key("CRG-1"));
    assert!(a.answers.contains_key("CRG-1"));
    assert_eq!(b.answers.len(), a.answers.len() - 1);
    assert!(b
        .scenarios
        .iter()
        .all(|s| !s.controls.iter().any(|c| c == "CRG-1")));
    assert!(b.gaps(&next).iter().all(|g| g.control != "CRG-1"));
}
