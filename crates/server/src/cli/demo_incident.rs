//! Story 2's incident in the demo: after the refused driver at Norvik's in-gate, the
//! facility's security opens an incident from the detector's alert through the incident use
//! cases, names the port's security centre and escalates it to customs and the police, so it
//! is shared with the three as TLP:AMBER (named) and each agency finds the escalation in its
//! alert queue.

use hamnvakt_core::alert::{Severity, SubjectRef};
use hamnvakt_core::marking::{Audience, Marking, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use hamnvakt_demo::DemoWorld;
use hamnvakt_incidents::{IncidentDraft, Step};
use hamnvakt_store::{AlertFilter, Viewer};

use crate::app::Instance;
use crate::incidents::{self, Who};
use crate::web::change::Actor;

/// Opens and escalates the incident; `None` when story 2's alert is not there (a world
/// without the release story).
pub async fn open_story_incident(
    state: &Instance,
    world: &DemoWorld,
) -> anyhow::Result<Option<String>> {
    let mut found = None;
    for org in &world.orgs {
        let page = state
            .store
            .list_alerts(
                &Viewer::member(org.id),
                &AlertFilter {
                    kind_prefix: Some("release.driver_mismatch".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await?;
        if let Some(a) = page.alerts.into_iter().find(|a| a.owner_org == org.id) {
            found = Some(a);
            break;
        }
    }
    let Some(alert) = found else {
        tracing::warn!("story 2's driver-mismatch alert is not in the demo; no incident opened");
        return Ok(None);
    };
    let owner = alert.owner_org;
    let actor = Actor {
        id: "demo".into(),
        org: Some(owner),
        request_id: None,
    };
    let who = Who {
        org: owner,
        reader: Reader {
            org: owner,
            partner: false,
        },
    };
    let entities: Vec<SubjectRef> = alert.subjects.clone();
    let draft = IncidentDraft {
        title: "Story 2: a driver not assigned to the container tried to collect it at Norvik"
            .into(),
        description: "The release named one driver and truck; another driver presented a card \
                      at the in-gate for the same container and was refused."
            .into(),
        severity: Severity::High,
        owner_org: owner,
        // The terminal's security tells the port's security centre by name (ISPS: the
        // facility reports to the port), then escalates to the agencies.
        marking: Marking {
            tlp: Tlp::Amber,
            audience: Audience::Named,
            recipients: world
                .orgs
                .iter()
                .filter(|o| o.kind == OrgKind::PortAuthority && o.id != owner)
                .map(|o| o.id)
                .collect(),
        },
        alerts: vec![alert.id],
        entities,
    };
    let fail = |what: &'static str| move |e| anyhow::anyhow!("demo incident, {what}: {e:?}");
    let inc = incidents::open_incident(state, &actor, &who, &draft)
        .await
        .map_err(fail("opening"))?;
    for kind in [OrgKind::Customs, OrgKind::Police] {
        if let Some(agency) = world.orgs.iter().find(|o| o.kind == kind && o.id != owner) {
            incidents::step(
                state,
                &actor,
                &who,
                inc.id,
                Step::Escalate {
                    to: agency.id,
                    raise: None,
                },
            )
            .await
            .map_err(fail("escalating"))?;
        }
    }
    Ok(Some(inc.id.to_string()))
}
