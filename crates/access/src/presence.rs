//! Who is inside where, and who passed a gate a moment ago.
//!
//! Occupancy follows granted decisions: passing a gate inwards puts the person in the gate's
//! inner zone, outwards in its outer zone (or outside the facility). The same memory answers
//! the rules that look back a few seconds — is the visitor's host right ahead of them, has a
//! second person presented a valid card for this two-person zone — and anti-passback.

use std::collections::{HashMap, VecDeque};

use hamnvakt_core::ids::{FacilityId, GateId, PersonId, ZoneId};
use serde::Serialize;

/// Where a person is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inside {
    pub person: PersonId,
    pub facility: FacilityId,
    pub zone: ZoneId,
    pub since_ms: i64,
    pub gate: GateId,
}

/// The last few seconds at each gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passage {
    pub person: PersonId,
    pub at_ms: i64,
    pub granted: bool,
    /// A presentation that satisfied everything but the two-person rule.
    pub awaiting_second: bool,
}

/// How long the look-back memory keeps a passage.
const MEMORY_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Default, Clone)]
pub struct Presence {
    inside: HashMap<PersonId, Inside>,
    /// Each gate's passages in the order they were remembered (so, but for a clock that
    /// stepped back, oldest first).
    recent: HashMap<GateId, VecDeque<Passage>>,
}

impl Presence {
    pub fn inside(&self, person: PersonId) -> Option<&Inside> {
        self.inside.get(&person)
    }

    /// Everyone inside a facility (the muster list), longest inside first.
    pub fn muster(&self, facility: FacilityId) -> Vec<&Inside> {
        let mut list: Vec<&Inside> = self
            .inside
            .values()
            .filter(|i| i.facility == facility)
            .collect();
        list.sort_by_key(|i| (i.since_ms, i.person));
        list
    }

    pub fn all(&self) -> impl Iterator<Item = &Inside> {
        self.inside.values()
    }

    /// Restores a stored occupancy row (at start-up).
    pub fn restore(&mut self, i: Inside) {
        self.inside.insert(i.person, i);
    }

    /// Records that a person is now in `zone` (or outside the facility when `None`).
    pub fn set_location(
        &mut self,
        person: PersonId,
        facility: FacilityId,
        zone: Option<ZoneId>,
        gate: GateId,
        at_ms: i64,
    ) {
        match zone {
            Some(zone) => {
                self.inside.insert(
                    person,
                    Inside {
                        person,
                        facility,
                        zone,
                        since_ms: at_ms,
                        gate,
                    },
                );
            }
            None => {
                self.inside.remove(&person);
            }
        }
    }

    /// Remembers a presentation at a gate for the look-back rules, forgetting the gate's
    /// passages older than [`MEMORY_MS`] from the front of its list: a constant cost per
    /// decision, where a sweep of the whole list made a busy gate's every decision cost as
    /// much as its last ten minutes of traffic.
    pub fn remember(&mut self, gate: GateId, p: Passage) {
        let list = self.recent.entry(gate).or_default();
        while list.front().is_some_and(|x| p.at_ms - x.at_ms > MEMORY_MS) {
            list.pop_front();
        }
        list.push_back(p);
    }

    /// A granted passage by `person` at `gate` within `window_ms` before `at_ms`.
    pub fn granted_recently(
        &self,
        gate: GateId,
        person: PersonId,
        at_ms: i64,
        window_ms: i64,
    ) -> bool {
        self.recent.get(&gate).is_some_and(|l| {
            l.iter().any(|x| {
                x.person == person && x.granted && x.at_ms <= at_ms && at_ms - x.at_ms <= window_ms
            })
        })
    }

    /// Another person whose valid presentation at `gate` is waiting for a second one.
    pub fn awaiting_partner(
        &self,
        gate: GateId,
        not: PersonId,
        at_ms: i64,
        window_ms: i64,
    ) -> Option<PersonId> {
        self.recent.get(&gate).and_then(|l| {
            l.iter()
                .rev()
                .find(|x| {
                    x.person != not
                        && x.awaiting_second
                        && x.at_ms <= at_ms
                        && at_ms - x.at_ms <= window_ms
                })
                .map(|x| x.person)
        })
    }

    /// Marks a person's waiting two-person presentations at a gate as used.
    pub fn consume_awaiting(&mut self, gate: GateId, person: PersonId) {
        if let Some(l) = self.recent.get_mut(&gate) {
            for x in l.iter_mut().filter(|x| x.person == person) {
                x.awaiting_second = false;
            }
        }
    }

    /// Takes back a grant at `gate` at `at_ms` that was applied but is not to stand: the
    /// passage counts as refused for the look-back rules, and `person` is put back where they
    /// were before it (`before`) unless a later passage has moved them since. Decisions made
    /// meanwhile on the grant (an escort's host, for one) stand as they were recorded.
    pub fn take_back(
        &mut self,
        gate: GateId,
        person: PersonId,
        at_ms: i64,
        left: Option<&Inside>,
        before: Option<Inside>,
    ) {
        if let Some(l) = self.recent.get_mut(&gate) {
            for x in l
                .iter_mut()
                .filter(|x| x.person == person && x.at_ms == at_ms && x.granted)
            {
                x.granted = false;
            }
        }
        if self.inside.get(&person) != left {
            return;
        }
        match before {
            Some(i) => {
                self.inside.insert(person, i);
            }
            None => {
                self.inside.remove(&person);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inside.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inside.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<T>(n: u8) -> hamnvakt_core::ids::Id<T> {
        hamnvakt_core::ids::Id::from_random_bytes([n; 16])
    }

    fn passage(person: PersonId, at_ms: i64) -> Passage {
        Passage {
            person,
            at_ms,
            granted: true,
            awaiting_second: false,
        }
    }

    fn remembered(p: &Presence, gate: GateId) -> Vec<i64> {
        p.recent
            .get(&gate)
            .map(|l| l.iter().map(|x| x.at_ms).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_gate_remembers_ten_minutes_and_forgets_the_rest_as_it_goes() {
        let (gate, host, other) = (id(1), id(2), id(3));
        let mut p = Presence::default();
        p.remember(gate, passage(host, 0));
        // Thousands of passages after the host's, within ten minutes: the host's is kept.
        for k in 1..=5_000 {
            p.remember(gate, passage(other, k * 100));
        }
        assert!(p.granted_recently(gate, host, 500_000, MEMORY_MS));
        assert_eq!(remembered(&p, gate).len(), 5_001);
        // One passage past ten minutes after the host's forgets it, and only it.
        p.remember(gate, passage(other, MEMORY_MS + 1));
        assert!(!p.granted_recently(gate, host, MEMORY_MS + 1, i64::MAX));
        let kept = remembered(&p, gate);
        assert_eq!(kept.len(), 5_001);
        assert_eq!(kept.first(), Some(&100));
        // Another gate's memory is its own.
        p.remember(id(4), passage(host, MEMORY_MS + 2));
        assert!(p.granted_recently(id(4), host, MEMORY_MS + 2, 1_000));
        assert!(!p.granted_recently(gate, host, MEMORY_MS + 2, 1_000));
    }
}
