//! Selection under capacity: a day's consignments into lanes. Each consignment's risk is the
//! combination of the profiles it hits (1 − Π(1 − weight)); red takes the riskiest of those
//! whose profiles ask for red, up to the day's red capacity less the random and exploration
//! places; the random places go to consignments drawn uniformly from the rest (the unbiased
//! baseline precision is measured on them), the exploration places to draws from the
//! consignments that hit any profile but did not make the cut (so the model and the profiles
//! learn beyond their own choices), and places left over when there are too few hits become
//! random checks too, so a quiet day still uses its capacity. Yellow fills the same way from
//! what is left; blue takes
//! the rest of what hit a blue profile; everything else is green. The draws are seeded by the
//! day, so a selection can be reproduced.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::profile::Lane;

/// `[targeting]` capacities and shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectionSettings {
    /// Physical inspections or scans a day.
    pub red_capacity: usize,
    /// Documentary checks a day.
    pub yellow_capacity: usize,
    /// Share of each lane's places drawn at random (at least one when the lane has places).
    pub random_share: f64,
    /// Share of each lane's places drawn from hits below the cut.
    pub exploration_share: f64,
    /// A learned-model probability at least this asks for red…
    pub model_red_threshold: f64,
    /// …and at least this for yellow.
    pub model_yellow_threshold: f64,
}

impl Default for SelectionSettings {
    fn default() -> Self {
        SelectionSettings {
            red_capacity: 40,
            yellow_capacity: 120,
            random_share: 0.05,
            exploration_share: 0.10,
            model_red_threshold: 0.5,
            model_yellow_threshold: 0.2,
        }
    }
}

/// Why a consignment is in its lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    Risk,
    Random,
    Exploration,
    /// Blue or green: not selected for a check.
    Released,
    /// Moved by an officer.
    Rerouted,
}

/// A consignment as selection sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub risk: f64,
    /// The strictest lane its profiles ask for, if it hit any.
    pub lane: Option<Lane>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selected {
    pub id: String,
    pub lane: Lane,
    pub why: Why,
    pub risk: f64,
}

/// Combines profile weights into one risk: the chance that at least one is right.
pub fn combine(weights: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - weights
        .into_iter()
        .fold(1.0, |acc, w| acc * (1.0 - w.clamp(0.0, 1.0)))
}

fn places(capacity: usize, share: f64) -> usize {
    if capacity == 0 || share <= 0.0 {
        0
    } else {
        ((capacity as f64 * share).round() as usize).clamp(1, capacity)
    }
}

/// One candidate during selection.
struct Slot<'a> {
    /// Its position in the input (random draws are made in input order).
    input: usize,
    c: &'a Candidate,
    taken: bool,
}

impl Slot<'_> {
    fn take(&mut self, lane: Lane, why: Why) -> Selected {
        self.taken = true;
        Selected {
            id: self.c.id.clone(),
            lane,
            why,
            risk: self.c.risk,
        }
    }
}

/// Puts the day's candidates in lanes; `seed` makes the draws reproducible.
pub fn select(settings: &SelectionSettings, candidates: &[Candidate], seed: u64) -> Vec<Selected> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    // Riskiest first (a stable sort: equal risk and id keep their input order).
    let mut order: Vec<Slot> = candidates
        .iter()
        .enumerate()
        .map(|(input, c)| Slot {
            input,
            c,
            taken: false,
        })
        .collect();
    order.sort_by(|x, y| {
        let (x, y) = (x.c, y.c);
        y.risk.total_cmp(&x.risk).then_with(|| x.id.cmp(&y.id))
    });
    let mut out = Vec::new();
    for (lane, capacity) in [
        (Lane::Red, settings.red_capacity),
        (Lane::Yellow, settings.yellow_capacity),
    ] {
        let random = places(capacity, settings.random_share);
        let explore = places(capacity, settings.exploration_share).min(capacity - random);
        let by_risk = capacity - random - explore;
        let wants = |c: &Candidate| c.lane.is_some_and(|l| l <= lane);
        let mut n = 0;
        for slot in order.iter_mut() {
            if n == by_risk {
                break;
            }
            if !slot.taken && wants(slot.c) {
                n += 1;
                out.push(slot.take(lane, Why::Risk));
            }
        }
        // Unused risk places go to exploration.
        let explore = explore + (by_risk - n);
        let mut below: Vec<&mut Slot> = order
            .iter_mut()
            .filter(|s| !s.taken && s.c.lane.is_some())
            .collect();
        below.shuffle(&mut rng);
        let mut explored = 0;
        for slot in below.into_iter().take(explore) {
            explored += 1;
            out.push(slot.take(lane, Why::Exploration));
        }
        // Places nothing else could use are random checks: the capacity is there.
        let random = random + (explore - explored);
        let mut rest: Vec<&mut Slot> = order.iter_mut().filter(|s| !s.taken).collect();
        rest.sort_by_key(|s| s.input);
        rest.shuffle(&mut rng);
        for slot in rest.into_iter().take(random) {
            out.push(slot.take(lane, Why::Random));
        }
    }
    for slot in order.iter_mut().filter(|s| !s.taken) {
        let lane = if slot.c.lane.is_some() {
            Lane::Blue
        } else {
            Lane::Green
        };
        out.push(slot.take(lane, Why::Released));
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn day(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|k| Candidate {
                id: format!("C{k:04}"),
                risk: if k % 10 == 0 {
                    0.9 - k as f64 / 10_000.0
                } else if k % 3 == 0 {
                    0.3
                } else {
                    0.0
                },
                lane: if k % 10 == 0 {
                    Some(Lane::Red)
                } else if k % 3 == 0 {
                    Some(Lane::Yellow)
                } else {
                    None
                },
            })
            .collect()
    }

    #[test]
    fn lanes_respect_capacity_and_shares() {
        let s = SelectionSettings {
            red_capacity: 20,
            yellow_capacity: 40,
            random_share: 0.05,
            exploration_share: 0.10,
            ..SelectionSettings::default()
        };
        let c = day(1000);
        let out = select(&s, &c, 7);
        assert_eq!(out.len(), 1000, "every consignment gets a lane");
        let count = |lane, why| {
            out.iter()
                .filter(|x| x.lane == lane && x.why == why)
                .count()
        };
        assert_eq!(count(Lane::Red, Why::Random), 1);
        assert_eq!(count(Lane::Red, Why::Exploration), 2);
        assert_eq!(count(Lane::Red, Why::Risk), 17);
        assert_eq!(out.iter().filter(|x| x.lane == Lane::Red).count(), 20);
        assert_eq!(out.iter().filter(|x| x.lane == Lane::Yellow).count(), 40);
        // The riskiest red hits are in red by risk.
        let top: Vec<&str> = out
            .iter()
            .filter(|x| x.why == Why::Risk && x.lane == Lane::Red)
            .map(|x| x.id.as_str())
            .collect();
        assert_eq!(top[0], "C0000");
        assert!(out
            .iter()
            .filter(|x| x.why == Why::Released)
            .all(|x| (x.lane == Lane::Blue) == c.iter().any(|k| k.id == x.id && k.lane.is_some())));
        // Reproducible for a seed, different for another.
        assert_eq!(select(&s, &c, 7), out);
        assert_ne!(select(&s, &c, 8), out);
    }

    #[test]
    fn a_quiet_day_gives_its_risk_places_to_exploration() {
        let s = SelectionSettings {
            red_capacity: 10,
            yellow_capacity: 0,
            random_share: 0.1,
            exploration_share: 0.1,
            ..SelectionSettings::default()
        };
        let mut c = day(50);
        for k in &mut c {
            if k.lane == Some(Lane::Red) {
                k.lane = Some(Lane::Yellow);
            }
        }
        let out = select(&s, &c, 1);
        let red: Vec<_> = out.iter().filter(|x| x.lane == Lane::Red).collect();
        assert_eq!(red.len(), 10);
        assert!(red.iter().all(|x| x.why != Why::Risk));
    }

    #[test]
    fn risks_combine_like_independent_chances() {
        assert_eq!(combine([]), 0.0);
        assert!((combine([0.5, 0.5]) - 0.75).abs() < 1e-12);
        assert_eq!(combine([1.0, 0.2]), 1.0);
    }
}
