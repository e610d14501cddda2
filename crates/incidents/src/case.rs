//! A case: incidents grouped for an investigation (TheHive's case), with its own owner,
//! marking and state. A case names incidents; a reader of the case sees only those of them
//! its marking rule lets it see, so a case never lends its audience to an incident.

use hamnvakt_core::ids::{Id, OrgId};
use hamnvakt_core::marking::Marking;
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

use crate::incident::{IncidentId, MAX_DESCRIPTION_CHARS};

#[derive(Debug)]
pub enum CaseKind {}
pub type CaseId = Id<CaseKind>;

/// At most this many incidents in one case.
pub const MAX_INCIDENTS: usize = 500;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Open,
    Closed,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Closed => "closed",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: CaseId,
    pub title: String,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub owner_org: OrgId,
    pub marking: Marking,
    pub state: CaseState,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub incidents: Vec<IncidentId>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
}

/// A change to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStep {
    AddIncident(IncidentId),
    Close,
    Reopen,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("the case is {0}: {1}")]
    State(&'static str, &'static str),
    #[error("incident {0} is already in the case")]
    Already(IncidentId),
    #[error("a case holds at most {MAX_INCIDENTS} incidents")]
    Full,
}

/// Checks a new case's fields and marking.
pub fn validate(
    title: &str,
    description: &str,
    owner: OrgId,
    marking: &Marking,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = validate::name("title", title, hamnvakt_core::alert::MAX_TITLE_CHARS) {
        errors.push(e);
    }
    if !description.is_empty() {
        if let Err(e) = validate::text("description", description, MAX_DESCRIPTION_CHARS) {
            errors.push(e);
        }
    }
    if let Err(mut e) = marking.validate("marking", owner) {
        errors.append(&mut e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Applies a step to a case.
pub fn apply(case: &Case, step: CaseStep, now_ms: i64) -> Result<Case, CaseError> {
    let mut next = case.clone();
    match step {
        CaseStep::AddIncident(_) if case.state == CaseState::Closed => {
            return Err(CaseError::State("closed", "reopen it to add incidents"))
        }
        CaseStep::AddIncident(i) if case.incidents.contains(&i) => {
            return Err(CaseError::Already(i))
        }
        CaseStep::AddIncident(_) if case.incidents.len() >= MAX_INCIDENTS => {
            return Err(CaseError::Full)
        }
        CaseStep::AddIncident(i) => next.incidents.push(i),
        CaseStep::Close if case.state == CaseState::Closed => {
            return Err(CaseError::State("closed", "it cannot be closed again"))
        }
        CaseStep::Close => next.state = CaseState::Closed,
        CaseStep::Reopen if case.state == CaseState::Open => {
            return Err(CaseError::State("open", "only a closed case is reopened"))
        }
        CaseStep::Reopen => next.state = CaseState::Open,
    }
    next.version = case.version + 1;
    next.updated_ms = now_ms.max(case.updated_ms + 1);
    Ok(next)
}
