//! Multi-fragment reassembly: fragments are joined per (source, channel, sequential id), so two
//! messages whose fragments interleave — on channels A and B, or from two stations — both
//! arrive. The table is a fixed array: when it is full the oldest message in progress is
//! evicted, and one left unfinished for too many sentences is dropped. No allocation.

use crate::bits::{ArmorError, Bits};
use crate::sentence::Sentence;

/// Messages that can be in progress at once.
pub const SLOTS: usize = 16;
/// Sentences after which an unfinished message is given up.
pub const MAX_AGE: u64 = 1_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Key {
    source: u64,
    channel: u8,
    seq: Option<u8>,
    total: u8,
}

#[derive(Debug, Default)]
struct Slot {
    key: Option<Key>,
    /// The fragment number expected next.
    next: u8,
    started: u64,
    bits: Bits,
}

/// What a fragment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment {
    /// The message is complete: read it with [`Assembler::bits`] at this slot.
    Complete(usize),
    /// Stored; more fragments to come.
    Pending,
    /// A later fragment with no message in progress (its first part was lost).
    Orphan,
    /// A fragment out of order: the message in progress was dropped.
    OutOfOrder,
    Armor(ArmorError),
}

/// Counters of what reassembly threw away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssemblyStats {
    pub orphans: u64,
    pub out_of_order: u64,
    pub evicted: u64,
    pub expired: u64,
}

#[derive(Debug)]
pub struct Assembler {
    slots: Vec<Slot>,
    clock: u64,
    pub stats: AssemblyStats,
}

impl Default for Assembler {
    fn default() -> Self {
        Assembler {
            slots: (0..SLOTS).map(|_| Slot::default()).collect(),
            clock: 0,
            stats: AssemblyStats::default(),
        }
    }
}

impl Assembler {
    /// Messages in progress.
    pub fn in_progress(&self) -> usize {
        self.slots.iter().filter(|s| s.key.is_some()).count()
    }

    /// The bits of a completed message; the slot is free again after the next fragment.
    pub fn bits(&self, slot: usize) -> Option<&Bits> {
        self.slots.get(slot).map(|s| &s.bits)
    }

    /// Adds one fragment of a multi-fragment message (`total` > 1), heard from `source`.
    /// `named` says whether the fragment named its source itself (a tag block's `s:`); a later
    /// fragment that does not (tag-block groups often name it on the first only) joins the one
    /// message in progress on its channel and sequential id whatever its source.
    pub fn push(&mut self, s: &Sentence<'_>, source: u64, named: bool) -> Fragment {
        self.clock += 1;
        let now = self.clock;
        for slot in &mut self.slots {
            if slot.key.is_some() && now.saturating_sub(slot.started) > MAX_AGE {
                slot.key = None;
                self.stats.expired += 1;
            }
        }
        let key = Key {
            source,
            channel: s.channel,
            seq: s.seq,
            total: s.total,
        };
        let mut found = self.slots.iter().position(|x| x.key == Some(key));
        if found.is_none() && s.number > 1 && !named {
            let same = |x: &Slot| {
                x.key.is_some_and(|k| {
                    (k.channel, k.seq, k.total) == (key.channel, key.seq, key.total)
                })
            };
            if self.slots.iter().filter(|x| same(x)).count() == 1 {
                found = self.slots.iter().position(same);
            }
        }
        if s.number == 1 {
            let i = match found {
                Some(i) => i,
                None => match self.slots.iter().position(|x| x.key.is_none()) {
                    Some(i) => i,
                    None => {
                        self.stats.evicted += 1;
                        self.slots
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, x)| x.started)
                            .map(|(i, _)| i)
                            .unwrap_or(0)
                    }
                },
            };
            let Some(slot) = self.slots.get_mut(i) else {
                return Fragment::Orphan;
            };
            slot.bits.clear();
            slot.key = Some(key);
            slot.next = 2;
            slot.started = now;
            if let Err(e) = slot.bits.push_armored(s.payload, 0) {
                slot.key = None;
                return Fragment::Armor(e);
            }
            return Fragment::Pending;
        }
        let Some(i) = found else {
            self.stats.orphans += 1;
            return Fragment::Orphan;
        };
        let Some(slot) = self.slots.get_mut(i) else {
            return Fragment::Orphan;
        };
        if slot.next != s.number {
            slot.key = None;
            self.stats.out_of_order += 1;
            return Fragment::OutOfOrder;
        }
        let last = s.number == s.total;
        if let Err(e) = slot
            .bits
            .push_armored(s.payload, if last { s.fill } else { 0 })
        {
            slot.key = None;
            return Fragment::Armor(e);
        }
        if last {
            slot.key = None;
            Fragment::Complete(i)
        } else {
            slot.next += 1;
            Fragment::Pending
        }
    }
}
