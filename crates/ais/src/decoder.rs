//! The decoder a feed runs through: lines in, messages with their receive metadata out. It
//! keeps the source named by the last DMA `\si:` line and the receive time of the last
//! Gatehouse `$PGHP` header (applied to the sentence whose checksum it names), reassembles
//! fragments, and counts what it could not use. After start-up it does not allocate.

use crate::assemble::{Assembler, Fragment};
use crate::bits::{ArmorError, Bits};
use crate::message::{decode, DecodeError, Message};
use crate::sentence::{parse_line, Gatehouse, Line, LineError};
use crate::text::Text;

/// Where and when a message was received, as far as the feed says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Meta {
    /// Receive time, Unix milliseconds: from a `$PGHP` header, a tag block's `c:`, or a Unix
    /// time after the checksum.
    pub time_ms: Option<i64>,
    /// The source (station or feed) name: tag block `s:` or the DMA `\si:` line.
    pub source: Text<32>,
    /// The base station's MMSI from a `$PGHP` header.
    pub station: Option<u32>,
    pub channel: u8,
    pub talker: [u8; 2],
    /// From a `VDO` sentence: the receiver's own ship.
    pub own: bool,
    /// A hash of the message's bits: the same transmission heard twice has the same hash.
    pub bits_hash: u64,
}

/// Why a line gave no message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedError {
    Line(LineError),
    Armor(ArmorError),
    Decode(DecodeError),
    /// A fragment whose first part never came.
    Orphan,
    /// A fragment out of order; the message it belonged to was dropped.
    OutOfOrder,
}

impl std::fmt::Display for FeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedError::Line(e) => e.fmt(f),
            FeedError::Armor(ArmorError::BadCharacter(c)) => {
                write!(
                    f,
                    "payload character {:?} is not six-bit armour",
                    char::from(*c)
                )
            }
            FeedError::Armor(ArmorError::TooLong) => f.write_str("message longer than 4096 bits"),
            FeedError::Decode(e) => e.fmt(f),
            FeedError::Orphan => f.write_str("fragment without its first part"),
            FeedError::OutOfOrder => f.write_str("fragment out of order"),
        }
    }
}

/// What one line gave. (The message is returned by value, not boxed: boxing would allocate
/// on every message.)
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Feed {
    Message(Message, Meta),
    /// A fragment stored, or a metadata line taken in.
    Pending,
    /// Not AIS (empty, comment, another sentence).
    Skipped,
    Error(FeedError),
}

/// Counts for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: u64,
    pub sentences: u64,
    pub messages: u64,
    /// Sentences with an empty payload (keep-alives of some receivers).
    pub empty: u64,
    /// Lines or messages that could not be used, all causes together…
    pub malformed: u64,
    /// …of which: bad or missing checksum,
    pub checksum: u64,
    /// a missing or unparsable field, or a payload character outside the armour,
    pub syntax: u64,
    /// an unknown message type or a length outside the type's,
    pub undecodable: u64,
    /// a fragment whose message was lost (orphan or out of order).
    pub fragments: u64,
}

#[derive(Debug, Default)]
pub struct Decoder {
    assembler: Assembler,
    scratch: Bits,
    source: Text<32>,
    /// The last DMA source line as read (`\\si:AISD*3F\\`): the same line again, as in every
    /// message of such a feed, changes nothing and is not parsed again.
    source_line: [u8; 32],
    source_line_len: usize,
    gatehouse: Option<Gatehouse>,
    pub stats: Stats,
}

/// A 64-bit FNV-1a hash of a source name (the reassembly key).
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Counters of reassembly's losses.
    pub fn assembly(&self) -> crate::assemble::AssemblyStats {
        self.assembler.stats
    }

    /// Reads one line.
    pub fn feed(&mut self, line: &[u8]) -> Feed {
        self.stats.lines += 1;
        // Comments, blank lines and anything that cannot start a sentence or a header: what
        // `parse_line` would say, without asking it (recordings are often mostly comments).
        if !matches!(line.first(), Some(b'!' | b'\\' | b'$' | b' ' | b'\t')) {
            return Feed::Skipped;
        }
        if self.source_line_len > 0 && self.source_line.get(..self.source_line_len) == Some(line) {
            return Feed::Pending;
        }
        let s = match parse_line(line) {
            Ok(Line::Sentence(s)) => s,
            Ok(Line::Source(name)) => {
                self.source = Text::new();
                self.source.extend(name);
                match self.source_line.get_mut(..line.len()) {
                    Some(dst) => {
                        dst.copy_from_slice(line);
                        self.source_line_len = line.len();
                    }
                    None => self.source_line_len = 0,
                }
                return Feed::Pending;
            }
            Ok(Line::Gatehouse(g)) => {
                self.gatehouse = Some(g);
                return Feed::Pending;
            }
            Ok(Line::Skip) => return Feed::Skipped,
            Err(e) => return self.fail(FeedError::Line(e)),
        };
        self.stats.sentences += 1;
        if s.payload.is_empty() {
            // Some receivers send empty sentences as a keep-alive: nothing to decode.
            self.stats.empty += 1;
            return Feed::Skipped;
        }
        let mut meta = Meta {
            time_ms: s.tag.time_ms.or(s.trailing_time_ms),
            source: self.source,
            station: None,
            channel: s.channel,
            talker: s.talker,
            own: s.own,
            bits_hash: 0,
        };
        if let Some(name) = s.tag.source {
            meta.source = Text::new();
            meta.source.extend(name);
        }
        if let Some(g) = self.gatehouse {
            if s.number > 1 || g.next_checksum.is_none_or(|c| c == s.checksum) {
                meta.time_ms = Some(g.time_ms);
                meta.station = g.station;
            }
            if s.number == s.total {
                self.gatehouse = None;
            }
        }
        let result = if s.total == 1 {
            self.scratch.clear();
            if let Err(e) = self.scratch.push_armored(s.payload, s.fill) {
                return self.fail(FeedError::Armor(e));
            }
            meta.bits_hash = self.scratch.hash();
            decode(&self.scratch)
        } else {
            match self
                .assembler
                .push(&s, hash(meta.source.as_str()), s.tag.source.is_some())
            {
                Fragment::Complete(slot) => match self.assembler.bits(slot) {
                    Some(b) => {
                        meta.bits_hash = b.hash();
                        decode(b)
                    }
                    None => return Feed::Pending,
                },
                Fragment::Pending => return Feed::Pending,
                Fragment::Orphan => return self.fail(FeedError::Orphan),
                Fragment::OutOfOrder => return self.fail(FeedError::OutOfOrder),
                Fragment::Armor(e) => return self.fail(FeedError::Armor(e)),
            }
        };
        match result {
            Ok(m) => {
                self.stats.messages += 1;
                Feed::Message(m, meta)
            }
            Err(e) => self.fail(FeedError::Decode(e)),
        }
    }

    fn fail(&mut self, e: FeedError) -> Feed {
        self.stats.malformed += 1;
        match e {
            FeedError::Line(LineError::Checksum) => self.stats.checksum += 1,
            FeedError::Line(_) | FeedError::Armor(_) => self.stats.syntax += 1,
            FeedError::Decode(_) => self.stats.undecodable += 1,
            FeedError::Orphan | FeedError::OutOfOrder => self.stats.fragments += 1,
        }
        Feed::Error(e)
    }
}
