//! Perimeter and access control for protected port facilities (skyddsobjekt), to the standard
//! of Genetec Synergis, Gallagher and OnGuard, with the ISPS security levels built in.
//!
//! - [`model`]: facilities, zones, gates, people, credentials, vehicles, permits, visits, bans.
//! - [`schedule`]: weekly schedules in Europe/Stockholm local time, correct across DST.
//! - [`index`]: the facts a decision reads, indexed in memory.
//! - [`policy`]: the general rules as Cedar policies a PFSO can read, and their evaluation.
//! - [`decide`]: the gate decision — grant, deny or refer to a guard, with reasons.
//! - [`presence`]: who is inside where (occupancy, anti-passback, two-person and escort memory).
//! - [`detect`]: insider-behaviour detectors over the stream of decisions.
//!
//! Pure: no I/O, no async, the time is an argument. A broken invariant denies.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod decide;
pub mod detect;
pub mod index;
pub mod model;
pub mod policy;
pub mod presence;
pub mod schedule;

pub use decide::{decide, Decision, DecisionRequest, Direction, Outcome, Reason};
pub use index::AccessIndex;
pub use policy::PolicySet;
pub use presence::Presence;
