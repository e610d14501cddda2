//! Ports, their geofences and port visits in the manner of Global Fishing Watch's port-visit
//! logic: a visit starts when a vessel comes within the entry radius of a port (PORT_ENTRY)
//! and ends when it goes beyond the larger exit radius (PORT_EXIT) — the hysteresis keeps a
//! ship on the boundary from making a hundred visits; it stops when its speed falls below
//! 0.2 kn and moves again above 0.5 kn (PORT_STOP); silence inside the port for four hours
//! is a PORT_GAP. A visit's confidence is 1 (entry or exit only), 2 (stop or gap only — a ship
//! that switched AIS on only in port), 3 (one of entry/exit and a stop or gap) or 4 (entry,
//! exit and a stop or gap). GFW's radii (3 km entry, 4 km exit around anchorages) suit open
//! coasts; Stockholm's city terminals lie a kilometre apart, so each port carries its own.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::geo::distance_km;

/// A port or terminal with its geofence: a circle around `lat`/`lon`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Port {
    /// UN/LOCODE, with a terminal suffix where one LOCODE covers several (`SESTO-VHA`).
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// Within this distance a vessel enters the port…
    pub entry_km: f64,
    /// …and beyond this one it has left.
    pub exit_km: f64,
    /// One of the installation's own terminals (drawn on the map, used for arrivals).
    #[serde(default)]
    pub ours: bool,
}

/// The built-in ports: the Ports of Stockholm's terminals, the counterpart ports of their
/// routes (shared/reference/port-domain.md §4.2) and the South American ports Europol names
/// for cocaine shipments (reference/sharing-maritime.md B6), at approximate coordinates.
pub fn builtin() -> Vec<Port> {
    let own: [(&str, &str, f64, f64, f64, f64); 6] = [
        ("SESTO-VHA", "Värtahamnen", 59.3515, 18.1127, 0.45, 0.65),
        ("SESTO-FRI", "Frihamnen", 59.3430, 18.1180, 0.35, 0.5),
        ("SESTO-SVI", "Stadsgården", 59.3160, 18.0960, 0.45, 0.65),
        ("SEKPS", "Kapellskär", 59.7227, 19.0612, 1.2, 1.8),
        ("SENYN", "Nynäshamn", 58.9030, 17.9530, 0.8, 1.2),
        ("SENYN-NVK", "Stockholm Norvik", 58.9376, 17.9745, 1.0, 1.5),
    ];
    let other: [(&str, &str, f64, f64, f64, f64); 22] = [
        (
            "FIHEL-LS",
            "Helsinki Länsisatama",
            60.1496,
            24.9166,
            1.0,
            1.5,
        ),
        ("FIHEL-OL", "Helsinki Olympia", 60.1608, 24.9577, 0.4, 0.6),
        (
            "FIHEL-KA",
            "Helsinki Katajanokka",
            60.1638,
            24.9684,
            0.4,
            0.6,
        ),
        ("FITKU", "Turku", 60.4344, 22.2200, 0.8, 1.2),
        ("FINLI", "Naantali", 60.4579, 22.0434, 1.0, 1.5),
        ("FIHKO", "Hanko", 59.8242, 22.9640, 1.0, 1.5),
        ("SEVBY", "Visby", 57.6347, 18.2794, 1.0, 1.5),
        ("FIMHQ", "Mariehamn", 60.0940, 19.9210, 0.8, 1.2),
        ("FILAN", "Långnäs", 60.1170, 20.2980, 0.8, 1.2),
        ("EETLL", "Tallinn", 59.4400, 24.7700, 1.5, 2.2),
        ("EEPLA", "Paldiski", 59.3400, 24.0800, 1.5, 2.2),
        ("LVRIX", "Riga", 56.9600, 24.1000, 3.0, 4.0),
        ("LVVNT", "Ventspils", 57.4000, 21.5500, 2.0, 3.0),
        ("PLGDN", "Gdańsk", 54.4000, 18.6800, 3.0, 4.0),
        ("BRSSZ", "Santos", -23.9600, -46.3000, 3.0, 4.0),
        ("ECGYE", "Guayaquil", -2.2800, -79.9100, 3.0, 4.0),
        ("ECPSJ", "Posorja", -2.7000, -80.2500, 3.0, 4.0),
        ("COCTG", "Cartagena", 10.4000, -75.5300, 3.0, 4.0),
        ("COBUN", "Buenaventura", 3.8900, -77.0800, 3.0, 4.0),
        ("COBAQ", "Barranquilla", 10.9700, -74.7800, 3.0, 4.0),
        ("COSMR", "Santa Marta", 11.2500, -74.2200, 3.0, 4.0),
        ("COTRB", "Turbo", 8.1000, -76.7300, 3.0, 4.0),
    ];
    own.iter()
        .map(|p| (p, true))
        .chain(other.iter().map(|p| (p, false)))
        .map(|(&(code, name, lat, lon, entry_km, exit_km), ours)| Port {
            code: code.into(),
            name: name.into(),
            lat,
            lon,
            entry_km,
            exit_km,
            ours,
        })
        .collect()
}

/// The ports Europol's Ciconia Alba operation names as cocaine departure points, by code.
pub const DEFAULT_HIGH_RISK: [&str; 8] = [
    "BRSSZ", "ECGYE", "ECPSJ", "COCTG", "COBUN", "COBAQ", "COSMR", "COTRB",
];

/// Thresholds of the port-visit logic (GFW's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VisitSettings {
    /// A stop begins below this speed…
    pub stop_below_kn: f64,
    /// …and ends above this one.
    pub stop_ends_above_kn: f64,
    /// Silence in port at least this long is a gap.
    pub gap_hours: f64,
    /// Visits of lower confidence are not reported (GFW's products use 2).
    pub min_confidence: u8,
}

impl Default for VisitSettings {
    fn default() -> Self {
        VisitSettings {
            stop_below_kn: 0.2,
            stop_ends_above_kn: 0.5,
            gap_hours: 4.0,
            min_confidence: 2,
        }
    }
}

/// A port visit, open (no `end_ms`) or closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortVisit {
    pub mmsi: u32,
    pub port: String,
    pub port_name: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    /// Seen crossing into the entry radius (not first heard inside the port).
    pub entered: bool,
    /// Seen leaving beyond the exit radius.
    pub exited: bool,
    /// When it first stopped in port.
    pub stop_ms: Option<i64>,
    /// A silence of at least the gap length while in port.
    pub gap: bool,
    pub confidence: u8,
}

impl PortVisit {
    fn score(&mut self) {
        let boundary = u8::from(self.entered) + u8::from(self.exited);
        let stop_or_gap = self.stop_ms.is_some() || self.gap;
        self.confidence = match (boundary, stop_or_gap) {
            (2, true) => 4,
            (1, true) => 3,
            (0, true) => 2,
            _ => 1,
        };
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Last {
    at_ms: i64,
    /// The port it was in, if any.
    port: Option<usize>,
    stopped: bool,
}

/// Port visits of every vessel, from their positions in time order.
#[derive(Debug, Default)]
pub struct PortCalls {
    pub ports: Vec<Port>,
    pub settings: VisitSettings,
    open: HashMap<u32, PortVisit>,
    last: HashMap<u32, Last>,
}

/// What one position changed.
#[derive(Debug, Clone, PartialEq)]
pub enum VisitChange {
    /// A visit began (it becomes visible at once, with the confidence known so far).
    Started(PortVisit),
    /// An open visit gained a stop or a gap.
    Updated(PortVisit),
    /// A visit ended.
    Closed(PortVisit),
}

/// The visits in progress and each vessel's last position's port, so that port calls go on
/// across a restart (see [`PortCalls::state`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PortCallsState {
    open: Vec<PortVisit>,
    last: Vec<(u32, Last)>,
}

impl PortCalls {
    /// The visits in progress and what is known of each vessel's last position.
    pub fn state(&self) -> PortCallsState {
        let mut open: Vec<PortVisit> = self.open.values().cloned().collect();
        open.sort_by_key(|v| v.mmsi);
        let mut last: Vec<(u32, Last)> = self.last.iter().map(|(m, l)| (*m, *l)).collect();
        last.sort_by_key(|(m, _)| *m);
        PortCallsState { open, last }
    }

    /// Takes up what [`PortCalls::state`] gave. A port that is not among this instance's ports
    /// (they changed meanwhile) is forgotten rather than misread.
    pub fn restore(&mut self, s: PortCallsState) {
        let n = self.ports.len();
        self.open = s
            .open
            .into_iter()
            .filter(|v| self.ports.iter().any(|p| p.code == v.port))
            .map(|v| (v.mmsi, v))
            .collect();
        self.last = s
            .last
            .into_iter()
            .map(|(m, mut l)| {
                if l.port.is_some_and(|i| i >= n) {
                    l.port = None;
                }
                (m, l)
            })
            .collect();
    }

    pub fn new(ports: Vec<Port>, settings: VisitSettings) -> PortCalls {
        PortCalls {
            ports,
            settings,
            ..PortCalls::default()
        }
    }

    /// The port whose entry radius holds the position, nearest first.
    pub fn port_at(&self, lat: f64, lon: f64) -> Option<usize> {
        self.within(lat, lon, |p| p.entry_km)
    }

    fn within(&self, lat: f64, lon: f64, radius: impl Fn(&Port) -> f64) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, p) in self.ports.iter().enumerate() {
            let r = radius(p);
            // One degree of latitude is 111 km: a cheap test before the trigonometry.
            if (p.lat - lat).abs() * 111.0 > r {
                continue;
            }
            let d = distance_km(lat, lon, p.lat, p.lon);
            if d <= r && best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The visit in progress for a vessel.
    pub fn open_visit(&self, mmsi: u32) -> Option<&PortVisit> {
        self.open.get(&mmsi)
    }

    /// Takes in one position (in time order per vessel); returns what it changed.
    pub fn observe(
        &mut self,
        mmsi: u32,
        at_ms: i64,
        lat: f64,
        lon: f64,
        speed_kn: Option<f64>,
    ) -> Vec<VisitChange> {
        let mut out = Vec::new();
        let gap_ms = (self.settings.gap_hours * 3_600_000.0) as i64;
        let prev = self.last.get(&mmsi).copied();
        if prev.is_some_and(|p| at_ms < p.at_ms) {
            return out;
        }
        let silent = prev.is_some_and(|p| at_ms - p.at_ms >= gap_ms);
        let mut stopped = prev.is_some_and(|p| p.stopped);
        if let Some(sp) = speed_kn {
            if sp < self.settings.stop_below_kn {
                stopped = true;
            } else if sp > self.settings.stop_ends_above_kn {
                stopped = false;
            }
        }
        let mut port_now = None;
        if let Some(mut v) = self.open.remove(&mmsi) {
            let i = self.ports.iter().position(|p| p.code == v.port);
            let inside = i.is_some_and(|i| {
                self.ports
                    .get(i)
                    .is_some_and(|p| distance_km(lat, lon, p.lat, p.lon) <= p.exit_km)
            });
            if inside {
                let mut changed = false;
                if silent && !v.gap {
                    v.gap = true;
                    changed = true;
                }
                if stopped && v.stop_ms.is_none() {
                    v.stop_ms = Some(at_ms);
                    changed = true;
                }
                v.score();
                if changed && v.confidence >= self.settings.min_confidence {
                    out.push(VisitChange::Updated(v.clone()));
                }
                port_now = i;
                self.open.insert(mmsi, v);
            } else {
                // Gone: crossed the exit radius, or was last heard in port long ago (then the
                // visit ends where it was last heard, without an exit).
                if silent {
                    v.gap = true;
                    v.end_ms = prev.map(|p| p.at_ms);
                } else {
                    v.exited = true;
                    v.end_ms = Some(at_ms);
                }
                v.score();
                if v.confidence >= self.settings.min_confidence {
                    out.push(VisitChange::Closed(v));
                }
            }
        }
        if port_now.is_none() && !self.open.contains_key(&mmsi) {
            if let Some(i) = self.port_at(lat, lon) {
                if let Some(p) = self.ports.get(i) {
                    // An entry is seen only if the vessel was heard outside shortly before.
                    let entered = prev.is_some_and(|p| p.port.is_none() && !silent);
                    let mut v = PortVisit {
                        mmsi,
                        port: p.code.clone(),
                        port_name: p.name.clone(),
                        start_ms: at_ms,
                        end_ms: None,
                        entered,
                        exited: false,
                        stop_ms: stopped.then_some(at_ms),
                        gap: false,
                        confidence: 1,
                    };
                    v.score();
                    if v.confidence >= self.settings.min_confidence {
                        out.push(VisitChange::Started(v.clone()));
                    }
                    self.open.insert(mmsi, v);
                    port_now = Some(i);
                }
            }
        }
        self.last.insert(
            mmsi,
            Last {
                at_ms,
                port: port_now,
                stopped,
            },
        );
        out
    }

    /// Vessels tracked (for memory accounting).
    pub fn len(&self) -> usize {
        self.last.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn calls() -> PortCalls {
        PortCalls::new(builtin(), VisitSettings::default())
    }

    const MIN: i64 = 60_000;

    #[test]
    fn arrival_stop_and_departure_make_a_confidence_four_visit() {
        let mut pc = calls();
        let kps = (59.7227, 19.0612);
        // Approaching from the east at 15 kn, outside the 1.2 km entry radius.
        assert!(pc.observe(1, 0, kps.0, kps.1 + 0.05, Some(15.0)).is_empty());
        // Inside the entry radius, still moving: a confidence-1 visit, not reported yet.
        assert!(pc
            .observe(1, 5 * MIN, kps.0, kps.1 + 0.015, Some(6.0))
            .is_empty());
        assert_eq!(pc.open_visit(1).map(|v| v.entered), Some(true));
        // Moored: the stop makes it confidence 3, reported.
        let ch = pc.observe(1, 15 * MIN, kps.0, kps.1, Some(0.0));
        assert!(
            matches!(&ch[..], [VisitChange::Updated(v)] if v.confidence == 3 && v.stop_ms == Some(15 * MIN))
        );
        // Hysteresis: between the entry (1.2 km) and exit (1.8 km) radii it is still inside.
        assert!(pc
            .observe(1, 120 * MIN, kps.0, kps.1 + 0.027, Some(12.0))
            .is_empty());
        let ch = pc.observe(1, 125 * MIN, kps.0, kps.1 + 0.04, Some(15.0));
        match &ch[..] {
            [VisitChange::Closed(v)] => {
                assert_eq!(v.confidence, 4);
                assert_eq!(v.port, "SEKPS");
                assert_eq!((v.start_ms, v.end_ms), (5 * MIN, Some(125 * MIN)));
            }
            other => panic!("{other:?}"),
        }
        assert!(pc.open_visit(1).is_none());
    }

    #[test]
    fn passing_through_is_not_a_visit() {
        let mut pc = calls();
        let nyn = (58.9030, 17.9530);
        for (k, dlon) in [-0.05, -0.01, 0.0, 0.01, 0.05].iter().enumerate() {
            let ch = pc.observe(2, k as i64 * 3 * MIN, nyn.0, nyn.1 + dlon, Some(12.0));
            assert!(ch.is_empty(), "{ch:?}");
        }
    }

    #[test]
    fn first_heard_moored_in_port_is_a_dark_arrival_of_confidence_two() {
        let mut pc = calls();
        let ch = pc.observe(3, 0, -2.28, -79.91, Some(0.0));
        assert!(
            matches!(&ch[..], [VisitChange::Started(v)] if v.confidence == 2 && !v.entered && v.port == "ECGYE")
        );
        // Heard again days later far away: the visit ends when it was last heard in port.
        let ch = pc.observe(3, 10 * 24 * 60 * MIN, 10.0, -60.0, Some(14.0));
        assert!(
            matches!(&ch[..], [VisitChange::Closed(v)] if v.end_ms == Some(0) && v.gap && !v.exited)
        );
    }

    #[test]
    fn a_visit_in_progress_goes_on_after_a_restart() {
        let kps = (59.7227, 19.0612);
        let track = [
            (0, kps.1 + 0.05, 15.0),
            (5 * MIN, kps.1 + 0.015, 6.0),
            (15 * MIN, kps.1, 0.0),
            (120 * MIN, kps.1 + 0.027, 12.0),
            (125 * MIN, kps.1 + 0.04, 15.0),
        ];
        let mut whole = calls();
        let all: Vec<Vec<VisitChange>> = track
            .iter()
            .map(|&(t, lon, sp)| whole.observe(1, t, kps.0, lon, Some(sp)))
            .collect();
        for cut in 1..track.len() {
            let mut before = calls();
            for &(t, lon, sp) in &track[..cut] {
                before.observe(1, t, kps.0, lon, Some(sp));
            }
            let json = serde_json::to_string(&before.state()).unwrap();
            let mut after = calls();
            after.restore(serde_json::from_str(&json).unwrap());
            for (i, &(t, lon, sp)) in track.iter().enumerate().skip(cut) {
                assert_eq!(
                    after.observe(1, t, kps.0, lon, Some(sp)),
                    all[i],
                    "cut {cut}"
                );
            }
        }
    }
}
