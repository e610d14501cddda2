//! The security centre after the alert queue: incidents, cases, escalation to agencies and
//! the shift log with its handover (anchors: TheHive's cases, PSIM alarm handling, Genetec
//! Security Desk's incident reports).
//!
//! - [`incident`]: the incident, its states and outcome, its timeline entries, and [`apply`],
//!   the one function that says which change is legal.
//! - [`escalation`]: what escalating to an agency does to the marking under TLP 2.0.
//! - [`case`]: incidents grouped for an investigation.
//! - [`shift`]: the shift log's entries and the handover's acknowledgement.
//! - [`correlation`]: rules over the events of every capability, joined by entity
//!   references, and the correlator that raises one alert for a story told in parts.
//!
//! Who may see an incident or a case is [`hamnvakt_core::marking`]'s rule, the same as for
//! every object Hamnvakt holds. Pure: no I/O, not async; the time is an argument.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod case;
pub mod correlation;
pub mod escalation;
pub mod incident;
pub mod shift;

pub use case::{Case, CaseId, CaseState, CaseStep};
pub use incident::{
    apply, open, Entry, Incident, IncidentDraft, IncidentId, IncidentOutcome, IncidentState, Step,
    StepError,
};
pub use shift::{EntryId, Handover, HandoverId};
