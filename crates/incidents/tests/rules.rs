//! The incident, escalation, case and handover rules as tables of cases.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use hamnvakt_core::alert::{Severity, SubjectKind, SubjectRef};
use hamnvakt_core::ids::{Id, OrgId};
use hamnvakt_core::marking::{self, Audience, Marking, Reader};
use hamnvakt_core::Tlp;
use hamnvakt_incidents::escalation::{self, Refused};
use hamnvakt_incidents::shift::{self, HandoverError};
use hamnvakt_incidents::*;

fn org(n: u8) -> OrgId {
    Id::from_random_bytes([n; 16])
}

fn marking(tlp: Tlp, audience: Audience, recipients: Vec<OrgId>) -> Marking {
    Marking {
        tlp,
        audience,
        recipients,
    }
}

fn draft(m: Marking) -> IncidentDraft {
    IncidentDraft {
        title: "Refused driver at Norvik".into(),
        description: String::new(),
        severity: Severity::High,
        owner_org: org(1),
        marking: m,
        alerts: vec![Id::from_random_bytes([9; 16])],
        entities: vec![SubjectRef {
            kind: SubjectKind::Container,
            reference: "MSCU1234565".into(),
            label: None,
        }],
    }
}

fn opened(m: Marking) -> Incident {
    open(Id::from_random_bytes([5; 16]), &draft(m), 1_000).0
}

#[test]
fn drafts_are_refused_with_every_reason() {
    let mut d = draft(marking(Tlp::Red, Audience::Organisation, vec![]));
    d.title = " ".into();
    d.alerts.push(d.alerts[0]);
    let errors = d.validate().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"title"), "{fields:?}");
    assert!(fields.contains(&"marking.audience"), "{fields:?}");
    assert!(fields.contains(&"alerts"), "{fields:?}");
    assert!(draft(marking(Tlp::Amber, Audience::Organisation, vec![]))
        .validate()
        .is_ok());
}

#[test]
fn the_state_machine_as_a_table() {
    use IncidentState::*;
    let base = opened(marking(Tlp::Amber, Audience::Organisation, vec![]));
    let at = |state| Incident {
        state,
        ..base.clone()
    };
    let cases: Vec<(IncidentState, Step, Option<IncidentState>)> = vec![
        (Open, Step::Start, Some(InProgress)),
        (InProgress, Step::Start, None),
        (Closed, Step::Start, None),
        (Open, Step::Close(IncidentOutcome::Prevented), Some(Closed)),
        (
            InProgress,
            Step::Close(IncidentOutcome::Benign),
            Some(Closed),
        ),
        (Closed, Step::Close(IncidentOutcome::Benign), None),
        (Closed, Step::Reopen, Some(InProgress)),
        (Open, Step::Reopen, None),
        (InProgress, Step::Reopen, None),
        (Closed, Step::Note("seen on camera 4".into()), Some(Closed)),
        (Closed, Step::Action("patrol sent".into()), None),
        (Open, Step::Action("patrol sent".into()), Some(Open)),
        (Closed, Step::Severity(Severity::Low), None),
        (Open, Step::Severity(Severity::Low), Some(Open)),
        (Open, Step::Severity(Severity::High), None),
        (Open, Step::Note("   ".into()), None),
    ];
    for (from, step, want) in cases {
        let got = apply(&at(from), &step, 2_000);
        assert_eq!(
            got.as_ref().ok().map(|(i, _)| i.state),
            want,
            "{from:?} {step:?}"
        );
        if let Ok((i, _)) = got {
            assert_eq!(i.version, base.version + 1);
            assert!(i.updated_ms > base.updated_ms);
        }
    }
    // Closing keeps the outcome; reopening clears it.
    let (closed, entry) = apply(&base, &Step::Close(IncidentOutcome::Prevented), 2_000).unwrap();
    assert_eq!(closed.outcome, Some(IncidentOutcome::Prevented));
    assert!(matches!(entry, Entry::StateChanged { to: Closed, .. }));
    let (again, _) = apply(&closed, &Step::Reopen, 2_000).unwrap();
    assert_eq!(again.outcome, None);
}

#[test]
fn versions_strictly_increase_even_within_a_millisecond() {
    let a = opened(marking(Tlp::Amber, Audience::Organisation, vec![]));
    let (b, _) = apply(&a, &Step::Note("one".into()), a.updated_ms).unwrap();
    let (c, _) = apply(&b, &Step::Note("two".into()), a.updated_ms).unwrap();
    assert!(a.updated_ms < b.updated_ms && b.updated_ms < c.updated_ms);
}

#[test]
fn alerts_and_entities_link_once() {
    let a = opened(marking(Tlp::Amber, Audience::Organisation, vec![]));
    let alert = a.alerts[0];
    assert!(matches!(
        apply(&a, &Step::LinkAlert(alert), 2_000),
        Err(StepError::Already(_))
    ));
    let other = Id::from_random_bytes([10; 16]);
    let (b, e) = apply(&a, &Step::LinkAlert(other), 2_000).unwrap();
    assert_eq!(b.alerts, vec![alert, other]);
    assert_eq!(e, Entry::AlertLinked { alert: other });
    assert!(apply(&a, &Step::AddEntity(a.entities[0].clone()), 2_000).is_err());
}

#[test]
fn escalation_follows_tlp_2() {
    let (owner, police, customs) = (org(1), org(2), org(3));
    use Audience::*;
    let cases: Vec<(Marking, Option<Tlp>, Result<Marking, Refused>)> = vec![
        // RED: the agency becomes a named recipient, nobody else.
        (
            marking(Tlp::Red, Named, vec![customs]),
            None,
            Ok(marking(Tlp::Red, Named, vec![customs, police])),
        ),
        // AMBER for the organisation: named now.
        (
            marking(Tlp::Amber, Organisation, vec![]),
            None,
            Ok(marking(Tlp::Amber, Named, vec![police])),
        ),
        // AMBER+STRICT: refused unless the owner raises the marking explicitly.
        (
            marking(Tlp::AmberStrict, Organisation, vec![]),
            None,
            Err(Refused::AmberStrict),
        ),
        (
            marking(Tlp::AmberStrict, Organisation, vec![]),
            Some(Tlp::Amber),
            Ok(marking(Tlp::Amber, Named, vec![police])),
        ),
        (
            marking(Tlp::AmberStrict, Organisation, vec![]),
            Some(Tlp::Red),
            Ok(marking(Tlp::Red, Named, vec![police])),
        ),
        (
            marking(Tlp::Amber, Organisation, vec![]),
            Some(Tlp::AmberStrict),
            Err(Refused::AmberStrict),
        ),
        // Community-wide: unchanged (the agency sees it already), and never narrowed.
        (
            marking(Tlp::Green, Community, vec![]),
            None,
            Ok(marking(Tlp::Green, Community, vec![])),
        ),
        (
            marking(Tlp::Green, Community, vec![]),
            Some(Tlp::Red),
            Err(Refused::WouldNarrow(Community, Tlp::Red)),
        ),
    ];
    for (m, raise, want) in cases {
        let got = escalation::escalate(&m, owner, police, raise);
        assert_eq!(got, want, "{m:?} raise {raise:?}");
        if let Ok(after) = got {
            // The agency may see it afterwards, and whoever saw it before still does.
            let r = |org| Reader {
                org,
                partner: false,
            };
            assert!(marking::may_see(owner, &after, &r(police)));
            for o in [customs, org(4)] {
                if marking::may_see(owner, &m, &r(o)) {
                    assert!(marking::may_see(owner, &after, &r(o)));
                }
            }
            assert!(after.validate("marking", owner).is_ok());
        }
    }
    assert_eq!(
        escalation::escalate(&marking(Tlp::Red, Named, vec![customs]), owner, owner, None),
        Err(Refused::Owner)
    );
}

#[test]
fn escalating_records_the_marking_before_and_only_once() {
    let a = opened(marking(Tlp::Amber, Audience::Organisation, vec![]));
    let police = org(2);
    let step = Step::Escalate {
        to: police,
        raise: None,
    };
    let (b, e) = apply(&a, &step, 2_000).unwrap();
    assert_eq!(b.escalated_to, vec![police]);
    assert_eq!(
        e,
        Entry::Escalated {
            to: police,
            marking_before: Some(a.marking.clone())
        }
    );
    assert!(matches!(
        apply(&b, &step, 3_000),
        Err(StepError::Already(_))
    ));
    let strict = opened(marking(Tlp::AmberStrict, Audience::Organisation, vec![]));
    let refused = apply(&strict, &step, 2_000).unwrap_err();
    assert!(
        refused.to_string().contains("TLP:AMBER+STRICT"),
        "{refused}"
    );
}

#[test]
fn the_notification_is_never_wider_than_the_incident() {
    use Audience::*;
    let cases = [
        (marking(Tlp::Red, Named, vec![org(2)]), Tlp::Red),
        (marking(Tlp::Amber, Named, vec![org(2)]), Tlp::Amber),
        (marking(Tlp::Green, Named, vec![org(2)]), Tlp::Amber),
        (marking(Tlp::Clear, Organisation, vec![]), Tlp::Amber),
        (marking(Tlp::Green, Community, vec![]), Tlp::Green),
    ];
    for (m, want) in cases {
        assert_eq!(escalation::notification_tlp(&m), want, "{m:?}");
    }
}

#[test]
fn cases_as_a_table() {
    let inc: IncidentId = Id::from_random_bytes([7; 16]);
    let c = Case {
        id: Id::from_random_bytes([8; 16]),
        title: "Stack 14 thefts".into(),
        description: String::new(),
        owner_org: org(1),
        marking: marking(Tlp::Amber, Audience::Organisation, vec![]),
        state: CaseState::Open,
        incidents: vec![],
        created_ms: 1,
        updated_ms: 1,
        version: 1,
    };
    let with = case::apply(&c, CaseStep::AddIncident(inc), 5).unwrap();
    assert_eq!(with.incidents, vec![inc]);
    assert!(case::apply(&with, CaseStep::AddIncident(inc), 6).is_err());
    let closed = case::apply(&with, CaseStep::Close, 6).unwrap();
    assert!(case::apply(&closed, CaseStep::Close, 7).is_err());
    assert!(case::apply(
        &closed,
        CaseStep::AddIncident(Id::from_random_bytes([9; 16])),
        7
    )
    .is_err());
    assert_eq!(
        case::apply(&closed, CaseStep::Reopen, 7).unwrap().state,
        CaseState::Open
    );
    assert!(case::apply(&c, CaseStep::Reopen, 7).is_err());
}

#[test]
fn the_incoming_operator_acknowledges_once() {
    let (outgoing, incoming) = (
        Id::from_random_bytes([1; 16]),
        Id::from_random_bytes([2; 16]),
    );
    let h = Handover {
        id: Id::from_random_bytes([3; 16]),
        org: org(1),
        by: outgoing,
        at_ms: 100,
        since_ms: Some(10),
        acknowledged_by: None,
        acknowledged_ms: None,
    };
    assert_eq!(
        shift::acknowledge(&h, outgoing, org(1), 200),
        Err(HandoverError::OwnHandover)
    );
    assert_eq!(
        shift::acknowledge(&h, incoming, org(2), 200),
        Err(HandoverError::OtherOrganisation)
    );
    let done = shift::acknowledge(&h, incoming, org(1), 200).unwrap();
    assert_eq!(done.acknowledged_by, Some(incoming));
    assert_eq!(
        shift::acknowledge(&done, incoming, org(1), 300),
        Err(HandoverError::Acknowledged)
    );
    assert_eq!(shift::window(Some(100), 500), (100, 500));
    assert_eq!(shift::window(None, 500).0, i64::MIN);
}
