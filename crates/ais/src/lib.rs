//! AIS decoding for Hamnvakt: our own decoder, from ITU-R M.1371-5 and gpsd's AIVDM
//! documentation. It turns NMEA lines into typed messages and says nothing of what they mean:
//! the vessel picture, port visits, behaviour detectors and the risk score built on the
//! decoded stream are `hamnvakt-maritime`'s.
//!
//! - [`sentence`]: NMEA 0183 framing — any two-letter talker with `VDM`/`VDO`, checksums, NMEA
//!   4.0 tag blocks (`s:`, `c:`, `g:`), DMA `\si:` source lines and Gatehouse `$PGHP`
//!   receive-time headers kept as receive metadata, trailing fields tolerated.
//! - [`assemble`]: multi-fragment reassembly keyed by source, channel and sequential id, in a
//!   fixed table with eviction.
//! - [`message`]: every message type 1–27 as typed values (positions at full precision,
//!   "not available" as `None` through the accessors).
//! - [`decoder`]: the three together over a feed, with counters.
//! - [`bits`], [`text`]: the de-armoured payload as a fixed bit buffer, and fixed-capacity
//!   text (no heap) for the six-bit names and messages inside it.
//! - [`gpsd`]: output in the format of `gpsdecode -u -c`, gpsd's regression format.
//! - [`encode`]: type 1, 5 and 18 messages back into NMEA, for simulators and tests.
//!
//! The hot path — a line in, a message out — does not allocate (a test proves it with a
//! counting allocator). Why we wrote our own rather than use a crate is measured in
//! `shared/reference/ais.md`: every crate failed part of gpsd's corpus, none kept receive
//! metadata, and some grew without bound on fragments that never complete.

#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod assemble;
pub mod bits;
pub mod decoder;
pub mod encode;
pub mod gpsd;
pub mod message;
pub mod sentence;
pub mod text;

pub use decoder::{Decoder, Feed, FeedError, Meta};
pub use message::{Body, Message};
