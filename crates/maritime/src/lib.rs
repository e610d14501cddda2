//! The maritime picture Hamnvakt builds on top of decoded AIS ([`hamnvakt_ais`] turns lines
//! into messages; this crate decides what the messages mean for a port):
//!
//! - [`vessel`]: the latest identity, voyage and position per MMSI, de-duplication of one
//!   transmission heard by several stations, and the IMO number's check digit.
//! - [`ports`]: ports and terminals with their geofences, and port visits in Global Fishing
//!   Watch's manner (entry/exit hysteresis, stops, gaps, a confidence).
//! - [`behaviour`]: detectors of AIS gaps, impossible jumps, identity changes, drift, sudden
//!   speed changes, loitering, encounters and unallocated MIDs.
//! - [`mid`]: the ITU's table of Maritime Identification Digits and the flag check.
//! - [`risk`]: a vessel's risk score for targeting, every point with its reason.
//! - [`geo`]: the great-circle distance the geofences and the detectors measure with.
//! - [`settings`]: the `[ais]` configuration section the server reads.
//!
//! Pure: no I/O and no async; every receive time arrives as an argument, so a feed replayed
//! from a file gives the same findings as the live one.
//!
//! Modules depend one way: `behaviour` reads `ports` (the geofences) and `mid`, `risk` reads
//! `ports` (the high-risk list) and `mid`, and `ports` and `behaviour` both measure with `geo`,
//! which depends on nothing here.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod behaviour;
pub mod geo;
pub mod mid;
pub mod ports;
pub mod risk;
pub mod settings;
pub mod vessel;
