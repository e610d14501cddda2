//! The incident use cases: open an incident from alerts, apply a step (notes, actions, state,
//! severity, links, attachments, escalation), and the reads every surface goes through.
//!
//! Each write is one [`Change`]: the audit event first, then the document over the version it
//! was made from, the timeline entry, the alerts it holds and the incident's STIX version in
//! the shared-object store with the incident's marking, so sharing's export, TAXII and the
//! versions endpoint carry it with nothing more. Escalating also raises the agency's
//! notification alert in the same transaction.

use hamnvakt_core::alert::{AlertDraft, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::ids::{AlertId, OrgId};
use hamnvakt_core::marking::{self, Reader};
use hamnvakt_incidents::escalation;
use hamnvakt_incidents::{
    apply, open, Entry, Incident, IncidentDraft, IncidentId, IncidentOutcome, IncidentState, Step,
    StepError,
};
use hamnvakt_sharing::incident as stix_incident;
use hamnvakt_store::{AlertRecord, Marked, MarkedRow, NewAlert, NewShared, Viewer};
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

/// Reads the stored document back; a document that does not read is an internal error.
pub fn decode(row: &MarkedRow) -> Result<Incident, ApiError> {
    serde_json::from_str(&row.data)
        .map_err(|e| ApiError::Internal(format!("incident {} does not read: {e}", row.id)))
}

fn encode(inc: &Incident) -> Result<MarkedRow, ApiError> {
    Ok(MarkedRow {
        id: inc.id.to_string(),
        owner_org: inc.owner_org,
        marking: inc.marking.clone(),
        state: inc.state.as_str().to_owned(),
        severity: inc.severity.rank(),
        created_ms: inc.created_ms,
        updated_ms: inc.updated_ms,
        version: inc.version,
        data: serde_json::to_string(inc).map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

/// An incident as its STIX `incident` describes it (the Incident Core Extension's status
/// and determination from its state and outcome).
pub fn stix_version(inc: &Incident) -> stix_incident::IncidentVersion<'_> {
    use stix_incident::{Determination as D, InvestigationStatus as S};
    let status = match inc.state {
        IncidentState::Open => S::New,
        IncidentState::InProgress => S::Open,
        IncidentState::Closed => S::Closed,
    };
    let determination = match inc.outcome {
        None => D::Suspected,
        Some(IncidentOutcome::Confirmed) => D::SuccessfulAttempt,
        Some(IncidentOutcome::Prevented) => D::Blocked,
        Some(IncidentOutcome::Attempted) => D::FailedAttempt,
        Some(IncidentOutcome::Benign) => D::LowValue,
        Some(IncidentOutcome::FalsePositive) => D::FalsePositive,
    };
    stix_incident::IncidentVersion {
        id: inc.id.uuid(),
        name: &inc.title,
        description: &inc.description,
        owner_org: inc.owner_org,
        created_ms: inc.created_ms,
        modified_ms: inc.updated_ms,
        severity: inc.severity,
        status,
        determination,
        detection_methods: Vec::new(),
    }
}

/// An incident's current version as STIX objects, without markings: the `incident`, then
/// each vessel, container and vehicle among its entities as Hamnvakt's cyber-observable with
/// the `related-to` relationship from the incident (people and cards never leave).
pub fn stix_objects(inc: &Incident) -> Vec<serde_json::Value> {
    let version = stix_version(inc);
    let observed: Vec<stix_incident::Observable> = inc
        .entities
        .iter()
        .filter_map(stix_incident::Observable::of_subject)
        .collect();
    let mut objects = vec![stix_incident::incident(&version)];
    objects.extend(stix_incident::related(&version, &observed));
    objects
}

/// The STIX version of an incident as the shared-object store files it (TAXII and the
/// export serve it): [`stix_objects`], every object under the incident's marking as it
/// stands and filed as of this version, so that a recipient added later (an escalation) gets
/// the observables with the incident, and one removed keeps only what it had.
pub fn stix_rows(inc: &Incident) -> Vec<NewShared> {
    stix_objects(inc)
        .into_iter()
        .map(|body| NewShared {
            stix_id: text_of(&body, "id"),
            modified_ms: inc.updated_ms,
            stix_type: text_of(&body, "type"),
            owner_org: inc.owner_org,
            marking: inc.marking.clone(),
            source: "local".into(),
            revoked: false,
            ref_id: None,
            body: body.to_string(),
        })
        .collect()
}

/// A STIX object's string property (empty when absent).
fn text_of(object: &serde_json::Value, key: &str) -> String {
    object
        .get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Who is acting, as the rules need them.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub org: OrgId,
    pub reader: Reader,
}

/// An alert the actor's organisation may act on (it owns it or was named on it); one it may
/// not see does not exist for it.
pub async fn actionable_alert(
    state: &AppState,
    who: &Who,
    id: AlertId,
    field: &str,
) -> Result<AlertRecord, ApiError> {
    let viewer = Viewer {
        org: who.reader.org,
        partner: who.reader.partner,
    };
    let a = state
        .store
        .alert(id, &viewer)
        .await?
        .ok_or_else(|| ApiError::field(field, format!("no alert {id}")))?;
    if a.owner_org != who.org && !a.shared_with.contains(&who.org) {
        return Err(ApiError::field(
            field,
            "only the alert's owner and the organisations it names may put it in an incident",
        ));
    }
    Ok(a)
}

/// Opens an incident owned by the actor's organisation, from the alerts it names.
pub async fn open_incident(
    state: &AppState,
    actor: &Actor,
    who: &Who,
    draft: &IncidentDraft,
) -> Result<Incident, ApiError> {
    draft.validate().map_err(ApiError::InvalidFields)?;
    for (i, org) in draft.marking.recipients.iter().enumerate() {
        if state.store.org(*org).await?.is_none() {
            return Err(ApiError::field(
                &format!("marking.recipients[{i}]"),
                format!("no organisation {org}"),
            ));
        }
    }
    for (i, a) in draft.alerts.iter().enumerate() {
        actionable_alert(state, who, *a, &format!("alerts[{i}]")).await?;
    }
    let id: IncidentId = new_id();
    let mut change = Change::begin(state, actor).await?;
    let (inc, entry) = open(id, draft, change.at_ms());
    let subject = format!("incident:{id}");
    change
        .record(
            "incident.opened",
            Some(&subject),
            json!({
                "title": inc.title,
                "severity": inc.severity,
                "owner_org": inc.owner_org,
                "marking": inc.marking,
                "alerts": inc.alerts,
                "entities": inc.entities,
            }),
        )
        .await?;
    for a in &inc.alerts {
        // On the alert's own history: the incident's id only, never its title.
        change
            .record(
                "alert.added_to_incident",
                Some(&format!("alert:{a}")),
                json!({"incident": id}),
            )
            .await?;
    }
    write(&mut change, &inc, &entry, actor, true).await?;
    let alerts: Vec<String> = inc.alerts.iter().map(|a| a.to_string()).collect();
    change
        .tx()
        .link_incident_alerts(&id.to_string(), &alerts)
        .await?;
    change.commit().await?;
    Ok(inc)
}

async fn write(
    change: &mut Change<'_>,
    inc: &Incident,
    entry: &Entry,
    actor: &Actor,
    new: bool,
) -> Result<(), ApiError> {
    let row = encode(inc)?;
    let at = change.at_ms();
    let tx = change.tx();
    if new {
        tx.insert_marked(Marked::Incident, &row).await?;
    } else {
        tx.update_marked(Marked::Incident, &row).await?;
    }
    let entry = serde_json::to_string(entry).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_timeline(&row.id, at, &actor.id, &entry).await?;
    tx.file_shared(&stix_rows(inc), at).await?;
    Ok(())
}

fn step_error(e: StepError) -> ApiError {
    match e {
        StepError::Invalid(f) => ApiError::InvalidFields(vec![f]),
        other => ApiError::Conflict(other.to_string()),
    }
}

/// Whether the step needs the owner: named recipients (the agencies it was escalated to) work
/// the incident with notes, actions and attachments; its state, severity, contents and
/// audience are the owner's.
fn owner_only(step: &Step) -> bool {
    !matches!(step, Step::Note(_) | Step::Action(_) | Step::Attach { .. })
}

/// Applies a step to an incident the actor may see, over the version it was made from.
pub async fn step(
    state: &AppState,
    actor: &Actor,
    who: &Who,
    id: IncidentId,
    step: Step,
) -> Result<Incident, ApiError> {
    let not_found = || ApiError::NotFound(format!("incident {id}"));
    let mut agency = None;
    match &step {
        Step::LinkAlert(a) => {
            actionable_alert(state, who, *a, "alert").await?;
        }
        Step::Escalate { to, .. } => {
            let org =
                state.store.org(*to).await?.ok_or_else(|| {
                    ApiError::field("organisation", format!("no organisation {to}"))
                })?;
            if !org.kind.is_agency() {
                return Err(ApiError::field(
                    "organisation",
                    format!(
                        "{} is a {}, not an agency: incidents are escalated to customs, police, the coast guard or the maritime administration",
                        org.name, org.kind
                    ),
                ));
            }
            agency = Some(org);
        }
        _ => {}
    }
    let mut change = Change::begin(state, actor).await?;
    let row = change
        .tx()
        .marked_for_update(Marked::Incident, &id.to_string())
        .await?
        .filter(|r| marking::may_see(r.owner_org, &r.marking, &who.reader))
        .ok_or_else(not_found)?;
    let current = decode(&row)?;
    let named = current.marking.recipients.contains(&who.org);
    let may_work = current.owner_org == who.org || (named && !owner_only(&step));
    if !may_work {
        return Err(ApiError::forbidden(if owner_only(&step) {
            "only the owning organisation changes the incident's state, contents and audience"
        } else {
            "only the owning organisation and those it named work on this incident"
        }));
    }
    let (next, entry) = apply(&current, &step, change.at_ms()).map_err(step_error)?;
    let subject = format!("incident:{id}");
    change
        .record(
            event_kind(&entry),
            Some(&subject),
            json!({"version": next.version, "entry": entry}),
        )
        .await?;
    if let Entry::AlertLinked { alert } = &entry {
        change
            .record(
                "alert.added_to_incident",
                Some(&format!("alert:{alert}")),
                json!({"incident": id}),
            )
            .await?;
        change
            .tx()
            .link_incident_alerts(&id.to_string(), &[alert.to_string()])
            .await?;
    }
    if let (Entry::Escalated { to, .. }, Some(org)) = (&entry, &agency) {
        notify(&mut change, actor, &next, *to, &org.name).await?;
    }
    write(&mut change, &next, &entry, actor, false).await?;
    change.commit().await?;
    Ok(next)
}

fn event_kind(e: &Entry) -> &'static str {
    match e {
        Entry::Opened => "incident.opened",
        Entry::Note { .. } => "incident.note_added",
        Entry::Action { .. } => "incident.action_recorded",
        Entry::StateChanged { .. } => "incident.state_changed",
        Entry::SeverityChanged { .. } => "incident.severity_changed",
        Entry::AlertLinked { .. } => "incident.alert_linked",
        Entry::EntityAdded { .. } => "incident.entity_added",
        Entry::Attachment { .. } => "incident.attachment_added",
        Entry::Escalated { .. } => "incident.escalated",
    }
}

/// The agency's notification: an alert in its queue, owned by the incident's owner and named
/// to the agency, never marked wider than the incident.
async fn notify(
    change: &mut Change<'_>,
    actor: &Actor,
    inc: &Incident,
    to: OrgId,
    agency: &str,
) -> Result<(), ApiError> {
    let message = hamnvakt_core::alert::AlertMessage::IncidentEscalated {
        agency: agency.to_owned(),
        incident: inc.title.clone(),
    };
    let draft = AlertDraft {
        kind: "incident.escalated".into(),
        severity: inc.severity.max(Severity::Medium),
        title: crate::alerts::english_title(&message),
        message: Some(message),
        subjects: vec![SubjectRef {
            kind: SubjectKind::Organisation,
            reference: to.to_string(),
            label: Some(agency.chars().take(200).collect()),
        }],
        evidence: json!({"incident": inc.id, "version": inc.version}),
        owner_org: inc.owner_org,
        tlp: escalation::notification_tlp(&inc.marking),
        audience: None,
        shared_with: vec![to],
    };
    draft.validate().map_err(ApiError::InvalidFields)?;
    let id: AlertId = new_id();
    let created_ms = change.at_ms();
    change
        .record(
            "alert.raised",
            Some(&format!("alert:{id}")),
            crate::alerts::raised_payload(&draft, created_ms),
        )
        .await?;
    change
        .tx()
        .insert_alert(&NewAlert {
            id,
            draft: &draft,
            raised_by: &actor.id,
            created_ms,
            fold_key: None,
        })
        .await?;
    Ok(())
}

/// One incident, if the reader may see it.
pub async fn read(state: &AppState, reader: &Reader, id: IncidentId) -> Result<Incident, ApiError> {
    let row = state
        .store
        .marked(Marked::Incident, &id.to_string(), reader)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("incident {id}")))?;
    decode(&row)
}

/// The incident an alert is in, when the reader may see it (for the alert's page).
pub async fn of_alert(
    state: &AppState,
    reader: &Reader,
    alert: AlertId,
) -> Result<Option<Incident>, ApiError> {
    match state
        .store
        .incident_of_alert(&alert.to_string(), reader)
        .await?
    {
        Some(row) => Ok(Some(decode(&row)?)),
        None => Ok(None),
    }
}
