//! Secure container release: what replaces the PIN code that anyone who knew it could use to
//! collect a container (`shared/reference/port-domain.md` §1, the union of Rotterdam's Secure
//! Chain and Antwerp's Certified Pick-up).
//!
//! - [`container`]: ISO 6346 container numbers with their check digit, and bills of lading.
//! - [`model`]: the [`Release`](model::Release) of one container and bill of lading, issued by
//!   the shipping line (or its agent) to the release-to party, with its validity and the
//!   three lights (commercial, customs, terminal).
//! - [`chain`]: the release right as a state machine: offer, accept, decline, revoke by the
//!   giver, withdraw and re-issue by the line, cargo directors, the haulier's executing
//!   subcontractor, and the holder's assignment of one named driver and truck. Only the
//!   current holder acts on the next hop; each step returns the [`Hop`](chain::Hop) the
//!   server records as an audited event.
//! - [`gate`]: the pick-up check at the gate: every condition checked, every failure named.
//! - [`coreor`]: EDIFACT COREOR release orders, parsed totally with positioned errors.
//!
//! Pure: no I/O, not async; every function that needs the time takes it as an argument.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod chain;
pub mod container;
pub mod coreor;
pub mod gate;
pub mod model;

pub use chain::{apply, normalise_plate, Action, Authority, Hop, HopError};
pub use gate::{pickup, Failure, Pickup, PickupVerdict, Presented};
pub use model::{
    Assignment, CommercialLight, CustomsLight, Issue, Link, LinkState, Release, ReleaseId,
    ReleaseState, Role, TerminalLight, DEFAULT_VALIDITY_MS,
};
