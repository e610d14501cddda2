//! The incident: alerts and entities that are one story, with the timeline of what happened
//! and what was done, an owner, a marking decided at creation, a severity, a state and an
//! outcome. Every change is a [`Step`] through [`apply`], which says whether it is legal and
//! gives the timeline entry to record, so the API, the console and the store cannot disagree.

use std::fmt;
use std::str::FromStr;

use hamnvakt_core::alert::{Severity, SubjectRef, MAX_NOTE_CHARS, MAX_TITLE_CHARS};
use hamnvakt_core::ids::{AlertId, Id, OrgId};
use hamnvakt_core::marking::Marking;
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

use crate::escalation;

/// Marker of incident ids.
#[derive(Debug)]
pub enum IncidentKind {}
pub type IncidentId = Id<IncidentKind>;

/// At most this many alerts in one incident.
pub const MAX_ALERTS: usize = 200;
/// At most this long a description.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;

/// Where an incident stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    /// Opened, nobody has worked it yet.
    Open,
    InProgress,
    Closed,
}

/// How an incident ended (the STIX Incident Core Extension's `determination`, in the port's
/// words).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentOutcome {
    /// It happened (a container left, a person got in).
    Confirmed,
    /// It was tried and stopped by what the port did (a refused gate, a seizure).
    Prevented,
    /// It was tried and failed by itself.
    Attempted,
    /// Real, but of little consequence.
    Benign,
    /// Nothing happened: the alerts were wrong.
    FalsePositive,
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <$t>::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let all: Vec<&str> = <$t>::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown value {s:?}; expected one of {}", all.join(", "))
                })
            }
        }
    };
}
names!(IncidentState { Open => "open", InProgress => "in_progress", Closed => "closed" });
names!(IncidentOutcome {
    Confirmed => "confirmed",
    Prevented => "prevented",
    Attempted => "attempted",
    Benign => "benign",
    FalsePositive => "false_positive",
});

/// What an operator hands in to open an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentDraft {
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub owner_org: OrgId,
    /// Decided now, for good: an incident is never created open and restricted afterwards.
    pub marking: Marking,
    pub alerts: Vec<AlertId>,
    pub entities: Vec<SubjectRef>,
}

impl IncidentDraft {
    /// Every problem at once, each with its field path.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = validate::name("title", &self.title, MAX_TITLE_CHARS) {
            errors.push(e);
        }
        if !self.description.is_empty() {
            if let Err(e) = validate::text("description", &self.description, MAX_DESCRIPTION_CHARS)
            {
                errors.push(e);
            }
        }
        if let Err(mut e) = self.marking.validate("marking", self.owner_org) {
            errors.append(&mut e);
        }
        if self.alerts.len() > MAX_ALERTS {
            errors.push(FieldError::new(
                "alerts",
                format!("at most {MAX_ALERTS} alerts"),
            ));
        }
        let mut seen = self.alerts.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.alerts.len() {
            errors.push(FieldError::new("alerts", "an alert is named twice"));
        }
        errors.extend(check_entities("entities", &self.entities));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn check_entities(field: &str, entities: &[SubjectRef]) -> Vec<FieldError> {
    hamnvakt_core::alert::check_subjects(field, entities)
}

/// An incident as it stands (the store keeps it as one document with a version).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: IncidentId,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub state: IncidentState,
    pub outcome: Option<IncidentOutcome>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub owner_org: OrgId,
    pub marking: Marking,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub alerts: Vec<AlertId>,
    pub entities: Vec<SubjectRef>,
    /// The agencies it was escalated to (each also a named recipient of the marking).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub escalated_to: Vec<OrgId>,
    pub created_ms: i64,
    /// Strictly increasing from one version to the next (STIX versions by it).
    pub updated_ms: i64,
    /// 1 when opened, one more with every step.
    pub version: i64,
}

/// One thing on an incident's timeline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    Opened,
    Note {
        text: String,
    },
    /// Something done about it (a patrol sent, a badge blocked), in the operator's words.
    Action {
        text: String,
    },
    StateChanged {
        from: IncidentState,
        to: IncidentState,
        outcome: Option<IncidentOutcome>,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
    },
    AlertLinked {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        alert: AlertId,
    },
    EntityAdded {
        entity: SubjectRef,
    },
    /// Evidence kept elsewhere, by reference (a video export's id, a document's path).
    Attachment {
        reference: String,
        label: String,
    },
    Escalated {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        to: OrgId,
        /// The marking before, when escalating changed it.
        marking_before: Option<Marking>,
    },
}

impl Entry {
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Opened => "opened",
            Entry::Note { .. } => "note",
            Entry::Action { .. } => "action",
            Entry::StateChanged { .. } => "state_changed",
            Entry::SeverityChanged { .. } => "severity_changed",
            Entry::AlertLinked { .. } => "alert_linked",
            Entry::EntityAdded { .. } => "entity_added",
            Entry::Attachment { .. } => "attachment",
            Entry::Escalated { .. } => "escalated",
        }
    }
}

/// A change to an incident.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Note(String),
    Action(String),
    Start,
    Close(IncidentOutcome),
    Reopen,
    Severity(Severity),
    LinkAlert(AlertId),
    AddEntity(SubjectRef),
    Attach {
        reference: String,
        label: String,
    },
    /// Share with an agency and name it; `raise` is the marking the owner chose explicitly to
    /// let the escalation through (see [`escalation::escalate`]).
    Escalate {
        to: OrgId,
        raise: Option<hamnvakt_core::Tlp>,
    },
}

/// Why a step was refused; the message says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    #[error("an incident that is {from} cannot be {action}")]
    State {
        from: IncidentState,
        action: &'static str,
    },
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{0}")]
    Escalation(#[from] escalation::Refused),
    #[error("{0}")]
    Already(String),
}

/// Opens an incident from a validated draft.
pub fn open(id: IncidentId, draft: &IncidentDraft, now_ms: i64) -> (Incident, Entry) {
    (
        Incident {
            id,
            title: draft.title.clone(),
            description: draft.description.clone(),
            severity: draft.severity,
            state: IncidentState::Open,
            outcome: None,
            owner_org: draft.owner_org,
            marking: draft.marking.clone(),
            alerts: draft.alerts.clone(),
            entities: draft.entities.clone(),
            escalated_to: Vec::new(),
            created_ms: now_ms,
            updated_ms: now_ms,
            version: 1,
        },
        Entry::Opened,
    )
}

fn text(field: &str, s: &str, max: usize) -> Result<String, StepError> {
    validate::text(field, s, max).map_err(StepError::Invalid)?;
    if s.trim().is_empty() {
        return Err(StepError::Invalid(FieldError::new(
            field,
            "must not be empty",
        )));
    }
    Ok(s.to_owned())
}

/// Applies a step: the incident after it and the timeline entry to record, or why not.
/// Closed incidents take notes, attachments and reopening only.
pub fn apply(inc: &Incident, step: &Step, now_ms: i64) -> Result<(Incident, Entry), StepError> {
    use IncidentState::*;
    let mut next = inc.clone();
    let closed = inc.state == Closed;
    let refuse = |action| {
        Err(StepError::State {
            from: inc.state,
            action,
        })
    };
    let entry = match step {
        Step::Note(t) => Entry::Note {
            text: text("note", t, MAX_NOTE_CHARS)?,
        },
        Step::Attach { reference, label } => Entry::Attachment {
            reference: text("reference", reference, 500)?,
            label: text("label", label, 200)?,
        },
        _ if closed && *step != Step::Reopen => return refuse("changed until it is reopened"),
        Step::Action(t) => Entry::Action {
            text: text("action", t, MAX_NOTE_CHARS)?,
        },
        Step::Start if inc.state == Open => {
            next.state = InProgress;
            Entry::StateChanged {
                from: Open,
                to: InProgress,
                outcome: None,
            }
        }
        Step::Start => return refuse("started"),
        Step::Close(outcome) => {
            next.state = Closed;
            next.outcome = Some(*outcome);
            Entry::StateChanged {
                from: inc.state,
                to: Closed,
                outcome: Some(*outcome),
            }
        }
        Step::Reopen if closed => {
            next.state = InProgress;
            next.outcome = None;
            Entry::StateChanged {
                from: Closed,
                to: InProgress,
                outcome: None,
            }
        }
        Step::Reopen => return refuse("reopened"),
        Step::Severity(s) if *s == inc.severity => {
            return Err(StepError::Already(format!("the severity is already {s}")))
        }
        Step::Severity(s) => {
            next.severity = *s;
            Entry::SeverityChanged {
                from: inc.severity,
                to: *s,
            }
        }
        Step::LinkAlert(a) if inc.alerts.contains(a) => {
            return Err(StepError::Already(format!("alert {a} is already linked")))
        }
        Step::LinkAlert(_) if inc.alerts.len() >= MAX_ALERTS => {
            return Err(StepError::Invalid(FieldError::new(
                "alert",
                format!("an incident holds at most {MAX_ALERTS} alerts"),
            )))
        }
        Step::LinkAlert(a) => {
            next.alerts.push(*a);
            Entry::AlertLinked { alert: *a }
        }
        Step::AddEntity(e) => {
            if inc.entities.contains(e) {
                return Err(StepError::Already("the entity is already there".into()));
            }
            next.entities.push(e.clone());
            if let Some(err) = check_entities("entities", &next.entities)
                .into_iter()
                .next()
            {
                return Err(StepError::Invalid(FieldError::new(
                    err.field.replacen("entities", "entity", 1),
                    err.reason,
                )));
            }
            Entry::EntityAdded { entity: e.clone() }
        }
        Step::Escalate { to, raise } => {
            if inc.escalated_to.contains(to) {
                return Err(StepError::Already(format!(
                    "the incident is already escalated to {to}"
                )));
            }
            let marking = escalation::escalate(&inc.marking, inc.owner_org, *to, *raise)?;
            let before = (marking != inc.marking).then(|| inc.marking.clone());
            next.marking = marking;
            next.escalated_to.push(*to);
            Entry::Escalated {
                to: *to,
                marking_before: before,
            }
        }
    };
    next.version = inc.version + 1;
    next.updated_ms = now_ms.max(inc.updated_ms + 1);
    Ok((next, entry))
}
