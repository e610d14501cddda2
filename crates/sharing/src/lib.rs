//! Sharing with need-to-know: the indicators of the port world and their matching, modi
//! operandi and sightings, what analysts write about them (notes, relationships, groupings,
//! places), and their STIX 2.1 shape with TLP 2.0 markings.
//!
//! Who may see a shared object is [`hamnvakt_core::marking`]'s rule, the same for every
//! object Hamnvakt holds. This crate does no I/O and is not async; time arrives as an argument.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod analysis;
pub mod incident;
pub mod indicator;
pub mod matcher;
pub mod objects;
pub mod stix;
pub mod taxii;

pub use indicator::IndicatorKind;
pub use matcher::{Hit, Matcher, Observed, Watch};
