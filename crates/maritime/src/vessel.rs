//! The vessel picture a feed builds: the latest static and voyage data and the latest position
//! per MMSI, de-duplication of one transmission heard by several stations, and the IMO number's
//! check digit.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use hamnvakt_ais::message::{Body, DimOrMother, Message, StaticDataB};

/// Whether a number is a valid IMO ship number: seven digits whose last is the sum of the
/// first six weighted 7, 6, 5, 4, 3, 2, modulo 10.
pub fn imo_valid(imo: u32) -> bool {
    if !(1_000_000..=9_999_999).contains(&imo) {
        return false;
    }
    let digits: Vec<u32> = (0..7).rev().map(|k| imo / 10u32.pow(k) % 10).collect();
    let sum: u32 = digits
        .iter()
        .take(6)
        .zip((2..=7).rev())
        .map(|(d, w)| d * w)
        .sum();
    digits.get(6) == Some(&(sum % 10))
}

/// The ETA of a static and voyage report as `MM-DDTHH:MMZ` (UTC; AIS carries no year), or
/// `MM-DD` when the time is not available (hour 24 or minute 60), or `None` when the date is
/// not (month or day 0) or out of range. AIS's default "not available" value,
/// `00-00T24:60Z`, is thus `None`, never a date.
pub fn eta(month: u8, day: u8, hour: u8, minute: u8) -> Option<String> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour >= 24 || minute >= 60 {
        return Some(format!("{month:02}-{day:02}"));
    }
    Some(format!("{month:02}-{day:02}T{hour:02}:{minute:02}Z"))
}

/// Remembers recent transmissions (by a hash of their bits) to drop the same one heard again
/// by another station within `window_ms`. Fixed size: the oldest entries are overwritten
/// (a ring gives the order, a map the lookup, so a check costs the same at any size).
#[derive(Debug)]
pub struct Dedup {
    ring: Vec<(u64, i64)>,
    index: HashMap<u64, i64>,
    next: usize,
    window_ms: i64,
}

impl Dedup {
    pub fn new(capacity: usize, window_ms: i64) -> Dedup {
        let capacity = capacity.max(1);
        Dedup {
            ring: vec![(0, i64::MIN); capacity],
            index: HashMap::with_capacity(capacity),
            next: 0,
            window_ms,
        }
    }

    /// True when the same bits were seen within the window before `at_ms`; remembers them.
    pub fn seen(&mut self, hash: u64, at_ms: i64) -> bool {
        if let Some(&t) = self.index.get(&hash) {
            if (at_ms - t).abs() <= self.window_ms {
                return true;
            }
        }
        let len = self.ring.len();
        if let Some(slot) = self.ring.get_mut(self.next % len) {
            let (old, old_t) = *slot;
            if old_t != i64::MIN && self.index.get(&old) == Some(&old_t) {
                self.index.remove(&old);
            }
            *slot = (hash, at_ms);
        }
        self.index.insert(hash, at_ms);
        self.next = (self.next + 1) % len;
        false
    }
}

/// What is known of one vessel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vessel {
    pub mmsi: u32,
    pub name: Option<String>,
    pub callsign: Option<String>,
    pub imo: Option<u32>,
    /// Whether the IMO number's check digit holds.
    pub imo_valid: Option<bool>,
    pub ship_type: Option<u8>,
    pub length_m: Option<u16>,
    pub beam_m: Option<u16>,
    pub destination: Option<String>,
    /// ETA as transmitted, `MM-DDTHH:MMZ`, `MM-DD` without a time, `None` when not available
    /// (see [`eta`]).
    pub eta: Option<String>,
    pub draught_m: Option<f64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub speed_kn: Option<f64>,
    pub course_deg: Option<f64>,
    pub heading_deg: Option<u16>,
    pub nav_status: Option<u8>,
    /// Receive time of the latest position, Unix ms.
    pub position_ms: Option<i64>,
    /// Receive time of the latest message of any kind.
    pub last_ms: i64,
    pub messages: u64,
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Every vessel heard, by MMSI.
#[derive(Debug, Default)]
pub struct Picture {
    vessels: HashMap<u32, Vessel>,
}

impl Picture {
    pub fn len(&self) -> usize {
        self.vessels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vessels.is_empty()
    }

    pub fn get(&self, mmsi: u32) -> Option<&Vessel> {
        self.vessels.get(&mmsi)
    }

    /// Takes in a vessel as stored or as another instance heard it, unless what the picture
    /// holds of it is as recent; true when it replaced it.
    pub fn restore(&mut self, v: Vessel) -> bool {
        match self.vessels.get(&v.mmsi) {
            Some(held) if held.last_ms >= v.last_ms => false,
            _ => {
                self.vessels.insert(v.mmsi, v);
                true
            }
        }
    }

    /// Takes in one message received at `at_ms`.
    pub fn update(&mut self, m: &Message, at_ms: i64) {
        let v = self.vessels.entry(m.mmsi).or_insert_with(|| Vessel {
            mmsi: m.mmsi,
            ..Vessel::default()
        });
        v.last_ms = v.last_ms.max(at_ms);
        v.messages += 1;
        if let Some((lat, lon)) = m.position() {
            if matches!(
                m.body,
                Body::PositionA(_)
                    | Body::PositionB(_)
                    | Body::PositionBExtended(_)
                    | Body::LongRange(_)
            ) {
                v.lat = Some(lat);
                v.lon = Some(lon);
                v.speed_kn = m.speed_kn();
                v.course_deg = m.course_deg();
                v.heading_deg = m.heading_deg();
                v.position_ms = Some(at_ms);
            }
        }
        match &m.body {
            Body::PositionA(p) => v.nav_status = Some(p.status),
            Body::StaticVoyage(s) => {
                v.name = text(s.shipname.as_str()).or(v.name.take());
                v.callsign = text(s.callsign.as_str()).or(v.callsign.take());
                if s.imo != 0 {
                    v.imo = Some(s.imo);
                    v.imo_valid = Some(imo_valid(s.imo));
                }
                v.ship_type = Some(s.shiptype);
                if let Some((l, b)) = s.dim.length_beam() {
                    v.length_m = Some(l);
                    v.beam_m = Some(b);
                }
                v.destination = text(s.destination.as_str());
                v.eta = eta(s.month, s.day, s.hour, s.minute);
                v.draught_m = (s.draught > 0).then(|| f64::from(s.draught) / 10.0);
            }
            Body::PositionBExtended(p) => {
                v.name = text(p.shipname.as_str()).or(v.name.take());
                v.ship_type = Some(p.shiptype);
            }
            Body::StaticDataB(StaticDataB::A { shipname }) => {
                v.name = text(shipname.as_str()).or(v.name.take());
            }
            Body::StaticDataB(StaticDataB::B {
                shiptype,
                callsign,
                dim,
                ..
            }) => {
                v.ship_type = Some(*shiptype);
                v.callsign = text(callsign.as_str()).or(v.callsign.take());
                if let DimOrMother::Dim(d) = dim {
                    if let Some((l, b)) = d.length_beam() {
                        v.length_m = Some(l);
                        v.beam_m = Some(b);
                    }
                }
            }
            _ => {}
        }
    }

    /// Vessels whose name, call sign, MMSI or IMO contains `q` (case-insensitive), most
    /// recently heard first.
    pub fn search(&self, q: &str, limit: usize) -> Vec<Vessel> {
        let q = q.trim().to_uppercase();
        let mut hits: Vec<&Vessel> = self
            .vessels
            .values()
            .filter(|v| {
                q.is_empty()
                    || v.mmsi.to_string().contains(&q)
                    || v.imo.is_some_and(|i| i.to_string().contains(&q))
                    || v.name
                        .as_deref()
                        .is_some_and(|n| n.to_uppercase().contains(&q))
                    || v.callsign
                        .as_deref()
                        .is_some_and(|c| c.to_uppercase().contains(&q))
            })
            .collect();
        hits.sort_by(|a, b| b.last_ms.cmp(&a.last_ms).then(a.mmsi.cmp(&b.mmsi)));
        hits.into_iter().take(limit).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn eta_not_available_is_none() {
        assert_eq!(super::eta(0, 0, 24, 60), None, "AIS's default");
        assert_eq!(super::eta(0, 12, 10, 0), None);
        assert_eq!(super::eta(13, 1, 10, 0), None);
        assert_eq!(super::eta(11, 28, 24, 60).as_deref(), Some("11-28"));
        assert_eq!(super::eta(11, 28, 18, 60).as_deref(), Some("11-28"));
        assert_eq!(super::eta(11, 28, 18, 30).as_deref(), Some("11-28T18:30Z"));
    }

    use super::*;

    #[test]
    fn imo_check_digits() {
        assert!(imo_valid(9_134_270)); // EVER DIADEM, gpsd's sample
        assert!(imo_valid(9_074_729));
        assert!(!imo_valid(9_074_728));
        assert!(!imo_valid(123));
    }

    #[test]
    fn duplicates_within_the_window_only() {
        let mut d = Dedup::new(4, 2_000);
        assert!(!d.seen(7, 1_000));
        assert!(d.seen(7, 2_500));
        assert!(!d.seen(7, 9_000));
        assert!(!d.seen(8, 9_000));
    }
}
