//! Shared helpers for the maritime tests: the AIS corpus files, and messages built bit by bit
//! (so a test can write fields the crate's encoder does not, such as an IMO number) and read
//! back through the decoder (`hamnvakt_testkit::ais`).

pub use hamnvakt_testkit::ais::*;
