//! AIS for Hamnvakt: our own decoder, from ITU-R M.1371-5 and gpsd's AIVDM documentation.
//!
//! - [`sentence`]: NMEA 0183 framing — any two-letter talker with `VDM`/`VDO`, checksums, NMEA
//!   4.0 tag blocks (`s:`, `c:`, `g:`), DMA `\si:` source lines and Gatehouse `$PGHP`
//!   receive-time headers kept as receive metadata, trailing fields tolerated.
//! - [`assemble`]: multi-fragment reassembly keyed by source, channel and sequential id, in a
//!   fixed table with eviction.
//! - [`message`]: every message type 1–27 as typed values (positions at full precision,
//!   "not available" as `None` through the accessors).
//! - [`decoder`]: the three together over a feed, with counters.
//! - [`gpsd`]: output in the format of `gpsdecode -u -c`, gpsd's regression format.
//! - [`vessel`], [`ports`], [`behaviour`], [`mid`]: the vessel picture, port visits, behaviour
//!   detectors and the MID check built on the decoded stream.
//! - [`encode`]: type 1, 5 and 18 messages back into NMEA, for simulators and tests.
//!
//! The hot path — a line in, a message out — does not allocate (a test proves it with a
//! counting allocator). Why we wrote our own rather than use a crate is measured in
//! `shared/reference/ais.md`: every crate failed part of gpsd's corpus, none kept receive
//! metadata, and some grew without bound on fragments that never complete.

#![forbid(unsafe_code)]

pub mod assemble;
pub mod behaviour;
pub mod bits;
pub mod decoder;
pub mod encode;
pub mod gpsd;
pub mod message;
pub mod mid;
pub mod ports;
pub mod risk;
pub mod sentence;
pub mod text;
pub mod vessel;

pub use decoder::{Decoder, Feed, FeedError, Meta};
pub use message::{Body, Message};
