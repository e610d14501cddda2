//! Case use cases: open a case over incidents, add an incident, close and reopen; each one
//! audited [`Change`] that also files the case's STIX `grouping` version with its marking.

use hamnvakt_core::marking::{self, Marking};
use hamnvakt_incidents::case::{self, Case, CaseId, CaseState, CaseStep};
use hamnvakt_incidents::IncidentId;
use hamnvakt_sharing::incident as stix_incident;
use hamnvakt_store::{Marked, MarkedRow, NewShared};
use serde_json::json;

use super::service::{self, Who};
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

pub fn decode(row: &MarkedRow) -> Result<Case, ApiError> {
    serde_json::from_str(&row.data)
        .map_err(|e| ApiError::Internal(format!("case {} does not read: {e}", row.id)))
}

fn encode(c: &Case) -> Result<MarkedRow, ApiError> {
    Ok(MarkedRow {
        id: c.id.to_string(),
        owner_org: c.owner_org,
        marking: c.marking.clone(),
        state: c.state.as_str().to_owned(),
        severity: 0,
        created_ms: c.created_ms,
        updated_ms: c.updated_ms,
        version: c.version,
        data: serde_json::to_string(c).map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

fn stix_row(c: &Case) -> Option<NewShared> {
    let refs: Vec<uuid::Uuid> = c.incidents.iter().map(|i| i.uuid()).collect();
    let body = stix_incident::grouping(
        c.id.uuid(),
        &c.title,
        &c.description,
        c.owner_org,
        c.created_ms,
        c.updated_ms,
        &refs,
    )?;
    Some(NewShared {
        stix_id: format!("grouping--{}", c.id.uuid().hyphenated()),
        modified_ms: c.updated_ms,
        stix_type: "grouping".into(),
        owner_org: c.owner_org,
        marking: c.marking.clone(),
        source: "local".into(),
        revoked: false,
        ref_id: None,
        body: body.to_string(),
    })
}

async fn write(change: &mut Change<'_>, c: &Case, new: bool) -> Result<(), ApiError> {
    let row = encode(c)?;
    let at = change.at_ms();
    let tx = change.tx();
    if new {
        tx.insert_marked(Marked::Case, &row).await?;
    } else {
        tx.update_marked(Marked::Case, &row).await?;
    }
    if let Some(s) = stix_row(c) {
        tx.file_shared(&[s], at).await?;
    }
    Ok(())
}

/// An incident the actor may see, for a case.
async fn visible_incident(
    state: &AppState,
    who: &Who,
    id: IncidentId,
    field: &str,
) -> Result<(), ApiError> {
    service::read(state, &who.reader, id)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::field(field, format!("no incident {id}")),
            other => other,
        })
}

/// Opens a case owned by the actor's organisation.
pub async fn open_case(
    state: &AppState,
    actor: &Actor,
    who: &Who,
    title: &str,
    description: &str,
    marking: Marking,
    incidents: Vec<IncidentId>,
) -> Result<Case, ApiError> {
    case::validate(title, description, who.org, &marking).map_err(ApiError::InvalidFields)?;
    let mut dedup = incidents.clone();
    dedup.sort();
    dedup.dedup();
    if dedup.len() != incidents.len() {
        return Err(ApiError::field("incidents", "an incident is named twice"));
    }
    if incidents.len() > case::MAX_INCIDENTS {
        return Err(ApiError::field(
            "incidents",
            format!("at most {} incidents", case::MAX_INCIDENTS),
        ));
    }
    for (i, inc) in incidents.iter().enumerate() {
        visible_incident(state, who, *inc, &format!("incidents[{i}]")).await?;
    }
    for (i, org) in marking.recipients.iter().enumerate() {
        if state.store.org(*org).await?.is_none() {
            return Err(ApiError::field(
                &format!("marking.recipients[{i}]"),
                format!("no organisation {org}"),
            ));
        }
    }
    let id: CaseId = new_id();
    let mut change = Change::begin(state, actor).await?;
    let at = change.at_ms();
    let c = Case {
        id,
        title: title.to_owned(),
        description: description.to_owned(),
        owner_org: who.org,
        marking,
        state: CaseState::Open,
        incidents,
        created_ms: at,
        updated_ms: at,
        version: 1,
    };
    change
        .record(
            "case.opened",
            Some(&format!("case:{id}")),
            json!({"title": c.title, "marking": c.marking, "incidents": c.incidents}),
        )
        .await?;
    write(&mut change, &c, true).await?;
    for i in &c.incidents {
        change
            .tx()
            .add_case_incident(&id.to_string(), &i.to_string())
            .await?;
    }
    change.commit().await?;
    Ok(c)
}

/// A step on a case of the actor's organisation.
pub async fn step(
    state: &AppState,
    actor: &Actor,
    who: &Who,
    id: CaseId,
    step: CaseStep,
) -> Result<Case, ApiError> {
    if let CaseStep::AddIncident(i) = step {
        visible_incident(state, who, i, "incident").await?;
    }
    let mut change = Change::begin(state, actor).await?;
    let row = change
        .tx()
        .marked_for_update(Marked::Case, &id.to_string())
        .await?
        .filter(|r| marking::may_see(r.owner_org, &r.marking, &who.reader))
        .ok_or_else(|| ApiError::NotFound(format!("case {id}")))?;
    if row.owner_org != who.org {
        return Err(ApiError::forbidden(
            "only the owning organisation works on its case",
        ));
    }
    let current = decode(&row)?;
    let next = case::apply(&current, step, change.at_ms())
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let (kind, payload) = match step {
        CaseStep::AddIncident(i) => ("case.incident_added", json!({"incident": i})),
        CaseStep::Close => ("case.closed", json!({})),
        CaseStep::Reopen => ("case.reopened", json!({})),
    };
    change
        .record(kind, Some(&format!("case:{id}")), payload)
        .await?;
    if let CaseStep::AddIncident(i) = step {
        change
            .tx()
            .add_case_incident(&id.to_string(), &i.to_string())
            .await?;
    }
    write(&mut change, &next, false).await?;
    change.commit().await?;
    Ok(next)
}
