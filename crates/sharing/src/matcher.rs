//! Matching what the port observes against the live indicators: a hash lookup per observed
//! value (and one per prefix length for tariff codes), so the cost does not grow with the size
//! of the indicator library.

use std::collections::HashMap;

use crate::indicator::IndicatorKind;

/// A live indicator as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// The indicator's STIX id.
    pub id: String,
    pub kind: IndicatorKind,
    /// The normalised value.
    pub value: String,
    pub valid_from_ms: i64,
    pub valid_until_ms: Option<i64>,
}

impl Watch {
    fn live_at(&self, at_ms: i64) -> bool {
        self.valid_from_ms <= at_ms && self.valid_until_ms.is_none_or(|u| at_ms < u)
    }
}

/// One observed value: what a consignment, a gate presentation, a vessel or a release shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub kind: IndicatorKind,
    /// Normalised as [`IndicatorKind::normalise`] does (values that do not normalise are
    /// never observed).
    pub value: String,
}

impl Observed {
    /// The observation of a raw value, if it normalises.
    pub fn of(kind: IndicatorKind, raw: &str) -> Option<Observed> {
        kind.normalise("value", raw)
            .ok()
            .map(|value| Observed { kind, value })
    }
}

/// A live indicator an observation matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub indicator: String,
    pub kind: IndicatorKind,
    pub value: String,
}

/// The live indicators, indexed by what they watch.
#[derive(Debug, Default, Clone)]
pub struct Matcher {
    exact: HashMap<(IndicatorKind, String), Vec<Watch>>,
    /// Where each indicator is filed, so that removing one is a lookup, not a scan.
    keys: HashMap<String, (IndicatorKind, String)>,
    len: usize,
}

impl Matcher {
    pub fn new(watches: impl IntoIterator<Item = Watch>) -> Matcher {
        let mut m = Matcher::default();
        for w in watches {
            m.insert(w);
        }
        m
    }

    /// Watches an indicator; a version of one already watched replaces it.
    pub fn insert(&mut self, w: Watch) {
        self.remove(&w.id);
        self.keys.insert(w.id.clone(), (w.kind, w.value.clone()));
        self.exact
            .entry((w.kind, w.value.clone()))
            .or_default()
            .push(w);
        self.len += 1;
    }

    /// Forgets an indicator (revoked, or replaced by a version that watches something else).
    pub fn remove(&mut self, id: &str) {
        let Some(key) = self.keys.remove(id) else {
            return;
        };
        if let Some(list) = self.exact.get_mut(&key) {
            let before = list.len();
            list.retain(|w| w.id != id);
            self.len -= before - list.len();
            if list.is_empty() {
                self.exact.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The live indicators any of `observed` matches at `at_ms`, each once.
    pub fn matches(&self, observed: &[Observed], at_ms: i64) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        if self.exact.is_empty() {
            return hits;
        }
        let mut push = |list: Option<&Vec<Watch>>, value: &str| {
            for w in list.into_iter().flatten() {
                if w.live_at(at_ms) && !hits.iter().any(|h| h.indicator == w.id) {
                    hits.push(Hit {
                        indicator: w.id.clone(),
                        kind: w.kind,
                        value: value.to_owned(),
                    });
                }
            }
        };
        let mut key = (IndicatorKind::Mmsi, String::new());
        for o in observed {
            if o.kind == IndicatorKind::HsCode {
                // A tariff-code indicator is a prefix: try every prefix of the observed code.
                for n in 2..=o.value.len() {
                    if let Some(prefix) = o.value.get(..n) {
                        key.0 = o.kind;
                        prefix.clone_into(&mut key.1);
                        push(self.exact.get(&key), &o.value);
                    }
                }
            } else {
                key.0 = o.kind;
                o.value.clone_into(&mut key.1);
                push(self.exact.get(&key), &o.value);
            }
        }
        hits
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    fn watch(id: &str, kind: IndicatorKind, value: &str, until: Option<i64>) -> Watch {
        Watch {
            id: id.into(),
            kind,
            value: value.into(),
            valid_from_ms: 100,
            valid_until_ms: until,
        }
    }

    #[test]
    fn exact_values_prefixes_and_validity() {
        use IndicatorKind::*;
        let m = Matcher::new([
            watch("indicator--a", ContainerNumber, "MSCU1234565", None),
            watch("indicator--b", HsCode, "0803", Some(1_000)),
            watch("indicator--c", TruckPlate, "ABC123", None),
        ]);
        assert_eq!(m.len(), 3);
        let seen = [
            Observed::of(ContainerNumber, "mscu 1234565").unwrap(),
            Observed::of(HsCode, "08039010").unwrap(),
            Observed::of(TruckPlate, "XYZ999").unwrap(),
        ];
        let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.indicator).collect::<Vec<_>>();
        assert_eq!(ids(m.matches(&seen, 500)), ["indicator--a", "indicator--b"]);
        // Expired, and not yet valid.
        assert_eq!(ids(m.matches(&seen, 1_000)), ["indicator--a"]);
        assert!(m.matches(&seen, 50).is_empty());
    }

    #[test]
    fn removal_and_replacement() {
        use IndicatorKind::*;
        let mut m = Matcher::new([watch("indicator--a", Mmsi, "265123456", None)]);
        m.insert(watch("indicator--a", Mmsi, "265123456", Some(200)));
        assert_eq!(m.len(), 1);
        m.remove("indicator--a");
        assert!(m.is_empty());
        let seen = [Observed::of(Mmsi, "265123456").unwrap()];
        assert!(m.matches(&seen, 150).is_empty());
    }
}
