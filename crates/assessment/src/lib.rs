//! Vulnerability assessment of a port facility, as an ISPS port facility security assessment
//! (PFSA) is done, against one harmonised catalogue of controls
//! (`shared/reference/port-domain.md` §2 and §5).
//!
//! - [`catalogue`]: the controls with their requirement in our words, the instruments'
//!   references each satisfies, the assessor's questions and the evidence that counts; the
//!   built-in catalogue ships in the binary (`data/catalogue.json`); JSON and CSV in and out;
//!   the harmonisation view per topic.
//! - [`scale`]: the documented 1–5 scales of threat, vulnerability and consequence, and risk
//!   as their product (MSRAM's form).
//! - [`model`]: an assessment of one facility — assets, threat scenarios, answers per control
//!   with evidence (typed by the assessor or measured by the system and confirmed), actions —
//!   and what is derived from it: gaps ranked by risk, the summary a trend is drawn from.
//! - [`practice`]: the best-practice library's entries.
//! - [`compare`]: the rule for showing other ports' control scores only as aggregates of at
//!   least three ports, never naming or betraying one.
//! - [`report`]: the PFSA report as a PDF and the action plan as CSV.
//!
//! Pure: no I/O, not async; every function that needs the time takes it as an argument.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod catalogue;
pub mod compare;
pub mod model;
pub mod pdf;
pub mod practice;
pub mod report;
pub mod scale;

pub use catalogue::{Catalogue, Control};
pub use model::{Answer, Assessment, Gap, Status};
pub use practice::Practice;
