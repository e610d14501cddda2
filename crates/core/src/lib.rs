//! Shared vocabulary of Hamnvakt: validated ids, TLP 2.0 markings, the alert model every
//! detector raises into, the canonical encoding of the audit chain and the clock.
//!
//! This crate does no I/O and is not async. Time always arrives as an argument (see
//! [`clock`]), so everything here is a pure function that a table of cases can test.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod alert;
pub mod alert_message;
pub mod chain;
pub mod clock;
pub mod entity;
pub mod ids;
pub mod marking;
pub mod need_to_know;
pub mod org;
pub mod tlp;
pub mod validate;
pub mod witness;

pub use clock::{Clock, FixedClock};
pub use ids::Id;
pub use tlp::Tlp;
