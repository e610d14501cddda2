//! Behaviour detectors over the decoded stream (pure; the server raises their findings as
//! alerts): AIS gaps with a reception-coverage guard, impossible jumps, identity changes (an
//! MMSI with a new name or IMO number, one IMO number on two MMSIs), drift and sudden speed
//! changes (the Danish Maritime Authority's definitions), loitering and encounters (Global
//! Fishing Watch's), and MMSIs whose MID is unallocated. Thresholds are settings; the defaults
//! scale GFW's open-sea values down to archipelago approaches, where a vessel is rarely out of
//! coverage for long and every meeting place is within a few kilometres of a port:
//!
//! | detector | GFW | here |
//! |---|---|---|
//! | gap | 12 h, ≥ 50 nm from shore | 60 min under way, others heard meanwhile |
//! | loitering | < 2 kn mean, ≥ 4 h, ≥ 20 nm from shore | < 2 kn mean, ≥ 2 h, ≥ 3 km from a port |
//! | encounter | ≤ 500 m, ≥ 2 h, median < 2 kn, ≥ 10 km from an anchorage | ≤ 500 m, ≥ 30 min, median < 2 kn, ≥ 3 km from a port |

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use hamnvakt_ais::message::{Body, Message};
use hamnvakt_core::alert::AlertMessage;

use crate::geo::distance_km;
use crate::ports::Port;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BehaviourSettings {
    /// A vessel under way that is not heard for this long has gone dark.
    pub gap_minutes: i64,
    /// Speed at the last report above which a silence counts (moored ships may switch off).
    pub gap_min_speed_kn: f64,
    /// Messages from other vessels the receivers must have heard during the silence; fewer
    /// means the receivers were down, not the ship.
    pub gap_min_other_messages: u64,
    /// Only silences starting within this distance of one of the installation's own ports
    /// count: that is where the receivers cover the sea. A ship that sails out of range is
    /// not dark. 0 counts silences anywhere.
    pub gap_area_km: f64,
    /// Implied speed between two reports above which the track jumped.
    pub jump_max_speed_kn: f64,
    /// Jumps shorter than this are position noise.
    pub jump_min_distance_km: f64,
    /// Drift (the Danish Maritime Authority's definition): speed between these bounds…
    pub drift_min_speed_kn: f64,
    pub drift_max_speed_kn: f64,
    /// …course over ground at least this far from the heading…
    pub drift_min_course_heading_deg: f64,
    /// …for at least this long, covering at least this distance.
    pub drift_minutes: i64,
    pub drift_min_distance_m: f64,
    /// Sudden speed change: from above the first speed to below the second within the time.
    pub stop_from_speed_kn: f64,
    pub stop_to_speed_kn: f64,
    pub stop_within_seconds: i64,
    /// Loitering (GFW): mean speed below this…
    pub loiter_max_speed_kn: f64,
    /// …for at least this long…
    pub loiter_min_minutes: i64,
    /// Encounters (GFW): two vessels at most this far apart…
    pub encounter_max_distance_m: f64,
    /// …with a median speed below this…
    pub encounter_max_speed_kn: f64,
    /// …for at least this long, with no silence longer than the next setting in between.
    pub encounter_min_minutes: i64,
    pub encounter_max_gap_minutes: i64,
    /// Loitering and encounters count only this far from any port's geofence centre (plus
    /// its exit radius); a ship waiting for its berth is not suspicious.
    pub min_port_distance_km: f64,
    /// Raise a finding for an MMSI whose MID no administration holds.
    pub check_mid: bool,
    /// A Class A vessel reporting "moored" is at a quay, even one not in the port list (a
    /// marina, a shipyard), and is not loitering.
    pub loiter_ignore_moored: bool,
}

impl Default for BehaviourSettings {
    fn default() -> Self {
        BehaviourSettings {
            gap_minutes: 60,
            gap_min_speed_kn: 2.0,
            gap_min_other_messages: 20,
            gap_area_km: 80.0,
            jump_max_speed_kn: 60.0,
            jump_min_distance_km: 2.0,
            drift_min_speed_kn: 1.0,
            drift_max_speed_kn: 5.0,
            drift_min_course_heading_deg: 45.0,
            drift_minutes: 10,
            drift_min_distance_m: 500.0,
            stop_from_speed_kn: 7.0,
            stop_to_speed_kn: 1.0,
            stop_within_seconds: 30,
            loiter_max_speed_kn: 2.0,
            loiter_min_minutes: 120,
            encounter_max_distance_m: 500.0,
            encounter_max_speed_kn: 2.0,
            encounter_min_minutes: 30,
            encounter_max_gap_minutes: 60,
            min_port_distance_km: 3.0,
            check_mid: true,
            loiter_ignore_moored: true,
        }
    }
}

/// Every kind of alert these detectors raise.
pub const KINDS: &[&str] = &[
    "ais.mid_unallocated",
    "ais.mid_flag_mismatch",
    "ais.impossible_jump",
    "ais.gap",
    "ais.drift",
    "ais.sudden_speed_change",
    "ais.loitering",
    "ais.identity_change",
    "ais.encounter",
];

/// A measure rounded to one decimal, as a title shows it.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Something a detector found, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub mmsi: u32,
    pub at_ms: i64,
    /// The title, as a code with parameters (rendered in the reader's language).
    pub message: AlertMessage,
    pub evidence: serde_json::Value,
    /// The other vessel, for findings about two (encounters, one IMO on two MMSIs).
    pub related: Option<u32>,
}

/// A bounded sample of a track piece for evidence: every point until full, then every other.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Piece {
    points: Vec<(i64, f64, f64, Option<f64>)>,
    stride: usize,
    seen: usize,
}

impl Piece {
    const MAX: usize = 24;

    fn push(&mut self, at_ms: i64, lat: f64, lon: f64, speed: Option<f64>) {
        self.seen += 1;
        if self.stride == 0 {
            self.stride = 1;
        }
        if !(self.seen - 1).is_multiple_of(self.stride) {
            return;
        }
        self.points.push((at_ms, lat, lon, speed));
        if self.points.len() >= Self::MAX {
            let mut k = 0;
            self.points.retain(|_| {
                k += 1;
                k % 2 == 1
            });
            self.stride *= 2;
        }
    }

    fn json(&self) -> serde_json::Value {
        self.points
            .iter()
            .map(|&(t, lat, lon, sp)| json!({"at_ms": t, "lat": lat, "lon": lon, "speed_kn": sp}))
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Loiter {
    start: Fix,
    last: Fix,
    metres: f64,
    piece: Piece,
    reported: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pair {
    start_ms: i64,
    last_ms: i64,
    distances: Vec<f32>,
    speeds: Vec<f32>,
    a: Piece,
    b: Piece,
    reported: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Fix {
    at_ms: i64,
    lat: f64,
    lon: f64,
    speed: Option<f64>,
    /// Messages heard from all vessels when this fix was taken.
    heard: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Known {
    /// Start of the current run of drift-like reports, and whether it was reported.
    drift_since: Option<Fix>,
    drift_reported: bool,
    /// Last report above the sudden-stop "from" speed.
    fast_at: Option<Fix>,
    last: Option<Fix>,
    name: Option<String>,
    imo: Option<u32>,
    loiter: Option<Loiter>,
    /// The encounter grid cell the vessel is in while slow and away from ports.
    cell: Option<(i32, i32)>,
    mid_checked: bool,
}

#[derive(Debug, Default)]
pub struct Behaviour {
    pub settings: BehaviourSettings,
    vessels: HashMap<u32, Known>,
    imo_owner: HashMap<u32, u32>,
    heard: u64,
    /// Port centres with the radius within which loitering and encounters do not count.
    ports: Vec<(f64, f64, f64)>,
    /// The installation's own ports, around which the receivers cover the sea.
    own: Vec<(f64, f64)>,
    /// Slow vessels away from ports by grid cell (0.01° latitude × 0.02° longitude).
    cells: HashMap<(i32, i32), Vec<u32>>,
    pairs: HashMap<(u32, u32), Pair>,
}

/// What the detectors remember of every vessel and pair, so that an instance that starts (or
/// takes a feed over) goes on where the last reader stopped: a vessel that went dark before a
/// restart is still found when it reappears after it. Written as JSON by the server.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BehaviourState {
    /// Messages heard from all vessels so far.
    heard: u64,
    vessels: Vec<(u32, Known)>,
    imo_owner: Vec<(u32, u32)>,
    pairs: Vec<((u32, u32), Pair)>,
}

impl BehaviourState {
    /// Vessels remembered.
    pub fn len(&self) -> usize {
        self.vessels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vessels.is_empty()
    }

    /// Messages heard when it was taken.
    pub fn heard(&self) -> u64 {
        self.heard
    }
}

fn cell_of(lat: f64, lon: f64) -> (i32, i32) {
    ((lat / 0.01).floor() as i32, (lon / 0.02).floor() as i32)
}

/// The upper median; NaN for no values.
fn median(v: &mut [f32]) -> f32 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
}

impl Behaviour {
    pub fn new(settings: BehaviourSettings) -> Behaviour {
        Behaviour {
            settings,
            ..Behaviour::default()
        }
    }

    /// Detectors that need to know where ports are (loitering, encounters) ignore vessels
    /// near these.
    pub fn with_ports(mut self, ports: &[Port]) -> Behaviour {
        let margin = self.settings.min_port_distance_km;
        self.ports = ports
            .iter()
            .map(|p| (p.lat, p.lon, p.exit_km.max(margin)))
            .collect();
        self.own = ports
            .iter()
            .filter(|p| p.ours)
            .map(|p| (p.lat, p.lon))
            .collect();
        self
    }

    /// Whether a position is in the area the receivers cover (everywhere if no own ports are
    /// known or the area is 0).
    fn covered(&self, lat: f64, lon: f64) -> bool {
        let r = self.settings.gap_area_km;
        r <= 0.0
            || self.own.is_empty()
            || self
                .own
                .iter()
                .any(|&(plat, plon)| distance_km(lat, lon, plat, plon) <= r)
    }

    fn near_port(&self, lat: f64, lon: f64) -> bool {
        self.ports.iter().any(|&(plat, plon, r)| {
            (plat - lat).abs() * 111.0 <= r && distance_km(lat, lon, plat, plon) <= r
        })
    }

    /// What the detectors remember, to be restored by [`Behaviour::restore`].
    pub fn state(&self) -> BehaviourState {
        let mut vessels: Vec<(u32, Known)> = self
            .vessels
            .iter()
            .map(|(m, k)| {
                (
                    *m,
                    Known {
                        drift_since: k.drift_since,
                        drift_reported: k.drift_reported,
                        fast_at: k.fast_at,
                        last: k.last,
                        name: k.name.clone(),
                        imo: k.imo,
                        loiter: k.loiter.clone(),
                        cell: k.cell,
                        mid_checked: k.mid_checked,
                    },
                )
            })
            .collect();
        vessels.sort_by_key(|(m, _)| *m);
        let mut imo_owner: Vec<(u32, u32)> = self.imo_owner.iter().map(|(a, b)| (*a, *b)).collect();
        imo_owner.sort_unstable();
        let mut pairs: Vec<((u32, u32), Pair)> =
            self.pairs.iter().map(|(k, p)| (*k, p.clone())).collect();
        pairs.sort_by_key(|(k, _)| *k);
        BehaviourState {
            heard: self.heard,
            vessels,
            imo_owner,
            pairs,
        }
    }

    /// Takes up what [`Behaviour::state`] gave, in place of what is remembered now; the
    /// encounter grid is rebuilt from the vessels' cells.
    pub fn restore(&mut self, s: BehaviourState) {
        self.heard = s.heard;
        self.cells.clear();
        for (mmsi, k) in &s.vessels {
            if let Some(c) = k.cell {
                self.cells.entry(c).or_default().push(*mmsi);
            }
        }
        self.vessels = s.vessels.into_iter().collect();
        self.imo_owner = s.imo_owner.into_iter().collect();
        self.pairs = s.pairs.into_iter().collect();
    }

    /// Vessels tracked (for memory accounting).
    pub fn len(&self) -> usize {
        self.vessels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vessels.is_empty()
    }

    /// Takes in one message received at `at_ms`; returns what it revealed.
    pub fn observe(&mut self, m: &Message, at_ms: i64) -> Vec<Finding> {
        self.heard += 1;
        let mut out = Vec::new();
        let s = self.settings.clone();
        let heard = self.heard;
        let away = m
            .position()
            .is_some_and(|(lat, lon)| !self.near_port(lat, lon));
        let last_covered = self
            .vessels
            .get(&m.mmsi)
            .and_then(|v| v.last)
            .is_none_or(|l| self.covered(l.lat, l.lon));
        let mut this_fix = None;
        let v = self.vessels.entry(m.mmsi).or_default();
        if s.check_mid && !v.mid_checked {
            v.mid_checked = true;
            if let crate::mid::MidCheck::Unallocated { mid } = crate::mid::check(m.mmsi, None) {
                out.push(Finding {
                    kind: "ais.mid_unallocated",
                    mmsi: m.mmsi,
                    at_ms,
                    message: AlertMessage::MidUnallocated {
                        mmsi: m.mmsi,
                        mid,
                        flag: None,
                    },
                    evidence: json!({"mid": mid, "message_type": m.msg_type}),
                    related: None,
                });
            }
        }
        if let Some((lat, lon)) = m.position() {
            let fix = Fix {
                at_ms,
                lat,
                lon,
                speed: m.speed_kn(),
                heard,
            };
            if let Some(prev) = v.last.filter(|p| at_ms > p.at_ms) {
                let hours = (at_ms - prev.at_ms) as f64 / 3_600_000.0;
                let km = distance_km(prev.lat, prev.lon, lat, lon);
                let implied_kn = km / 1.852 / hours;
                if km >= s.jump_min_distance_km && implied_kn > s.jump_max_speed_kn {
                    out.push(Finding {
                        kind: "ais.impossible_jump",
                        mmsi: m.mmsi,
                        at_ms,
                        message: AlertMessage::ImpossibleJump { mmsi: m.mmsi, km: round1(km), minutes: (hours * 60.0).round() as i64, knots: implied_kn.round() as i64 },
                        evidence: json!({"from": {"at_ms": prev.at_ms, "lat": prev.lat, "lon": prev.lon},
                                         "to": {"at_ms": at_ms, "lat": lat, "lon": lon},
                                         "distance_km": km, "implied_speed_kn": implied_kn}),
                        related: None,
                    });
                }
                let others = heard.saturating_sub(prev.heard + 1);
                let moving = prev.speed.is_some_and(|sp| sp >= s.gap_min_speed_kn);
                if moving
                    && last_covered
                    && at_ms - prev.at_ms >= s.gap_minutes * 60_000
                    && others >= s.gap_min_other_messages
                {
                    out.push(Finding {
                        kind: "ais.gap",
                        mmsi: m.mmsi,
                        at_ms,
                        message: AlertMessage::Gap { mmsi: m.mmsi, minutes: (hours * 60.0).round() as i64 },
                        evidence: json!({"last_seen": {"at_ms": prev.at_ms, "lat": prev.lat, "lon": prev.lon, "speed_kn": prev.speed},
                                         "seen_again": {"at_ms": at_ms, "lat": lat, "lon": lon},
                                         "other_messages_heard_meanwhile": others, "distance_km": km}),
                        related: None,
                    });
                }
            }
            // Drift: slow, and the bow pointing well away from where the ship goes.
            let drifting = match (m.speed_kn(), m.course_deg(), m.heading_deg()) {
                (Some(sp), Some(cog), Some(hdg)) => {
                    let diff = (cog - f64::from(hdg)).rem_euclid(360.0);
                    let diff = diff.min(360.0 - diff);
                    (s.drift_min_speed_kn..=s.drift_max_speed_kn).contains(&sp)
                        && diff >= s.drift_min_course_heading_deg
                }
                _ => false,
            };
            if drifting {
                let since = *v.drift_since.get_or_insert(fix);
                let metres = distance_km(since.lat, since.lon, lat, lon) * 1000.0;
                if !v.drift_reported
                    && at_ms - since.at_ms >= s.drift_minutes * 60_000
                    && metres >= s.drift_min_distance_m
                {
                    v.drift_reported = true;
                    out.push(Finding {
                        kind: "ais.drift",
                        mmsi: m.mmsi,
                        at_ms: since.at_ms,
                        message: AlertMessage::Drift { mmsi: m.mmsi, minutes: (at_ms - since.at_ms) / 60_000 },
                        evidence: json!({"since": {"at_ms": since.at_ms, "lat": since.lat, "lon": since.lon},
                                         "now": {"at_ms": at_ms, "lat": lat, "lon": lon, "speed_kn": m.speed_kn(),
                                                 "course_deg": m.course_deg(), "heading_deg": m.heading_deg()},
                                         "distance_m": metres}),
                        related: None,
                    });
                }
            } else if m.speed_kn().is_some() {
                v.drift_since = None;
                v.drift_reported = false;
            }
            // Sudden stop: fast, then nearly stopped within seconds.
            if let Some(sp) = m.speed_kn() {
                if sp > s.stop_from_speed_kn {
                    v.fast_at = Some(fix);
                } else if sp < s.stop_to_speed_kn {
                    if let Some(fast) = v.fast_at.take() {
                        if at_ms - fast.at_ms <= s.stop_within_seconds * 1000 {
                            out.push(Finding {
                                kind: "ais.sudden_speed_change",
                                mmsi: m.mmsi,
                                // The event starts at the last fast report, as DMA times it.
                                at_ms: fast.at_ms,
                                message: AlertMessage::SuddenSpeedChange { mmsi: m.mmsi, from_kn: round1(fast.speed.unwrap_or(0.0)),
                                    to_kn: round1(sp), seconds: (at_ms - fast.at_ms) / 1000 },
                                evidence: json!({"fast": {"at_ms": fast.at_ms, "speed_kn": fast.speed, "lat": fast.lat, "lon": fast.lon},
                                                 "slow": {"at_ms": at_ms, "speed_kn": sp, "lat": lat, "lon": lon}}),
                                related: None,
                            });
                        }
                    }
                }
            }
            // Loitering: slow on average, for long, away from ports, without long silences.
            let slow_now = m.speed_kn().map(|sp| sp < s.loiter_max_speed_kn);
            let max_gap_ms = s.encounter_max_gap_minutes * 60_000;
            let moored =
                s.loiter_ignore_moored && matches!(&m.body, Body::PositionA(p) if p.status == 5);
            if !away || moored || slow_now == Some(false) {
                v.loiter = None;
            } else if let Some(l) = v
                .loiter
                .as_mut()
                .filter(|l| at_ms - l.last.at_ms <= max_gap_ms)
            {
                if at_ms > l.last.at_ms {
                    l.metres += distance_km(l.last.lat, l.last.lon, lat, lon) * 1000.0;
                    l.last = fix;
                    l.piece.push(at_ms, lat, lon, fix.speed);
                }
                let hours = (at_ms - l.start.at_ms) as f64 / 3_600_000.0;
                let mean_kn = if hours > 0.0 {
                    l.metres / 1852.0 / hours
                } else {
                    0.0
                };
                // Judged on the mean over at least half an hour, as GFW judges hours.
                if hours >= 0.5 && mean_kn >= s.loiter_max_speed_kn {
                    v.loiter = None;
                } else if !l.reported && at_ms - l.start.at_ms >= s.loiter_min_minutes * 60_000 {
                    l.reported = true;
                    out.push(Finding {
                        kind: "ais.loitering",
                        mmsi: m.mmsi,
                        at_ms: l.start.at_ms,
                        message: AlertMessage::Loitering { mmsi: m.mmsi, hours: round1(hours), mean_kn: round1(mean_kn) },
                        evidence: json!({"since": {"at_ms": l.start.at_ms, "lat": l.start.lat, "lon": l.start.lon},
                                         "now": {"at_ms": at_ms, "lat": lat, "lon": lon},
                                         "hours": hours, "mean_speed_kn": mean_kn, "distance_m": l.metres,
                                         "track": l.piece.json()}),
                        related: None,
                    });
                }
            } else if slow_now == Some(true) {
                let mut piece = Piece::default();
                piece.push(at_ms, lat, lon, fix.speed);
                v.loiter = Some(Loiter {
                    start: fix,
                    last: fix,
                    metres: 0.0,
                    piece,
                    reported: false,
                });
            }
            v.last = Some(fix);
            this_fix = Some(fix);
        }
        if let Some(fix) = this_fix {
            self.encounters(m.mmsi, fix, away, &mut out);
        }
        let v = self.vessels.entry(m.mmsi).or_default();
        let identity = match &m.body {
            Body::StaticVoyage(sv) => Some((
                sv.shipname.as_str().trim().to_owned(),
                (sv.imo != 0).then_some(sv.imo),
            )),
            _ => None,
        };
        if let Some((name, imo)) = identity {
            if let (Some(old), false) = (&v.name, name.is_empty()) {
                if *old != name {
                    out.push(Finding {
                        kind: "ais.identity_change",
                        mmsi: m.mmsi,
                        at_ms,
                        message: AlertMessage::NameChange {
                            mmsi: m.mmsi,
                            from: old.clone(),
                            to: name.clone(),
                        },
                        evidence: json!({"field": "name", "from": old, "to": name}),
                        related: None,
                    });
                }
            }
            if let (Some(old), Some(new)) = (v.imo, imo) {
                if old != new {
                    out.push(Finding {
                        kind: "ais.identity_change",
                        mmsi: m.mmsi,
                        at_ms,
                        message: AlertMessage::ImoChange {
                            mmsi: m.mmsi,
                            from: old,
                            to: new,
                        },
                        evidence: json!({"field": "imo", "from": old, "to": new}),
                        related: None,
                    });
                }
            }
            if !name.is_empty() {
                v.name = Some(name);
            }
            if let Some(imo) = imo {
                v.imo = Some(imo);
                let owner = *self.imo_owner.entry(imo).or_insert(m.mmsi);
                if owner != m.mmsi {
                    out.push(Finding {
                        kind: "ais.identity_change",
                        mmsi: m.mmsi,
                        at_ms,
                        message: AlertMessage::ImoShared {
                            imo,
                            mmsi: owner,
                            other: m.mmsi,
                        },
                        evidence: json!({"field": "imo", "imo": imo, "mmsis": [owner, m.mmsi]}),
                        related: Some(owner),
                    });
                }
            }
        }
        out
    }

    /// Checks a flag a vessel declares (from a pre-arrival notification or a registry)
    /// against its MMSI's MID.
    pub fn declare_flag(&mut self, mmsi: u32, flag: &str, at_ms: i64) -> Option<Finding> {
        match crate::mid::check(mmsi, Some(flag)) {
            crate::mid::MidCheck::FlagMismatch { mid, country, flag } => Some(Finding {
                kind: "ais.mid_flag_mismatch",
                mmsi,
                at_ms,
                message: AlertMessage::MidFlagMismatch {
                    mmsi,
                    mid,
                    country: country.to_owned(),
                    flag: flag.clone(),
                },
                evidence: json!({"mid": mid, "mid_country": country, "declared_flag": flag}),
                related: None,
            }),
            crate::mid::MidCheck::Unallocated { mid } => Some(Finding {
                kind: "ais.mid_unallocated",
                mmsi,
                at_ms,
                message: AlertMessage::MidUnallocated {
                    mmsi,
                    mid,
                    flag: Some(flag.to_owned()),
                },
                evidence: json!({"mid": mid, "declared_flag": flag}),
                related: None,
            }),
            _ => None,
        }
    }

    /// Encounters: keeps slow vessels away from ports in a grid and follows every pair that
    /// stays within the distance.
    fn encounters(&mut self, mmsi: u32, fix: Fix, away: bool, out: &mut Vec<Finding>) {
        let s = &self.settings;
        let max_gap_ms = s.encounter_max_gap_minutes * 60_000;
        // Membership is looser than the median test, which decides.
        let slow = fix
            .speed
            .is_some_and(|sp| sp < 2.0 * s.encounter_max_speed_kn);
        let new_cell = (slow && away).then(|| cell_of(fix.lat, fix.lon));
        let old_cell = self.vessels.get(&mmsi).and_then(|k| k.cell);
        if old_cell != new_cell {
            if let Some(c) = old_cell {
                if let Some(list) = self.cells.get_mut(&c) {
                    list.retain(|&x| x != mmsi);
                    if list.is_empty() {
                        self.cells.remove(&c);
                    }
                }
            }
            if let Some(c) = new_cell {
                self.cells.entry(c).or_default().push(mmsi);
            }
            if let Some(k) = self.vessels.get_mut(&mmsi) {
                k.cell = new_cell;
            }
        }
        if self.heard.is_multiple_of(4096) {
            let now = fix.at_ms;
            self.pairs.retain(|_, p| now - p.last_ms <= max_gap_ms);
        }
        let Some((cy, cx)) = new_cell else {
            return;
        };
        let mut near: Vec<(u32, f64, Option<f64>)> = Vec::new();
        for dy in -1..=1 {
            for dx in -1..=1 {
                let Some(list) = self.cells.get(&(cy + dy, cx + dx)) else {
                    continue;
                };
                for &other in list {
                    if other == mmsi {
                        continue;
                    }
                    let Some(o) = self.vessels.get(&other).and_then(|k| k.last) else {
                        continue;
                    };
                    if (fix.at_ms - o.at_ms).abs() > max_gap_ms.min(10 * 60_000) {
                        continue;
                    }
                    let d = distance_km(fix.lat, fix.lon, o.lat, o.lon) * 1000.0;
                    if d <= s.encounter_max_distance_m {
                        near.push((other, d, o.speed));
                    }
                }
            }
        }
        for (other, d, other_speed) in near {
            let key = (mmsi.min(other), mmsi.max(other));
            let p = self.pairs.entry(key).or_insert_with(|| Pair {
                start_ms: fix.at_ms,
                last_ms: fix.at_ms,
                distances: Vec::new(),
                speeds: Vec::new(),
                a: Piece::default(),
                b: Piece::default(),
                reported: false,
            });
            if fix.at_ms - p.last_ms > max_gap_ms {
                *p = Pair {
                    start_ms: fix.at_ms,
                    last_ms: fix.at_ms,
                    distances: Vec::new(),
                    speeds: Vec::new(),
                    a: Piece::default(),
                    b: Piece::default(),
                    reported: false,
                };
            }
            p.last_ms = p.last_ms.max(fix.at_ms);
            if p.distances.len() >= 512 {
                let mut k = 0;
                p.distances.retain(|_| {
                    k += 1;
                    k % 2 == 0
                });
                let mut k = 0;
                p.speeds.retain(|_| {
                    k += 1;
                    k % 2 == 0
                });
            }
            p.distances.push(d as f32);
            p.speeds.extend(
                [fix.speed, other_speed]
                    .into_iter()
                    .flatten()
                    .map(|x| x as f32),
            );
            let piece = if mmsi == key.0 { &mut p.a } else { &mut p.b };
            piece.push(fix.at_ms, fix.lat, fix.lon, fix.speed);
            let minutes = (p.last_ms - p.start_ms) / 60_000;
            if !p.reported && minutes >= s.encounter_min_minutes {
                let med_speed = median(&mut p.speeds.clone());
                if f64::from(med_speed) < s.encounter_max_speed_kn {
                    p.reported = true;
                    let med_dist = median(&mut p.distances.clone());
                    out.push(Finding {
                        kind: "ais.encounter",
                        mmsi: key.0,
                        at_ms: p.start_ms,
                        message: AlertMessage::Encounter {
                            mmsi: key.0,
                            other: key.1,
                            minutes,
                            distance_m: f64::from(med_dist).round() as i64,
                            speed_kn: round1(f64::from(med_speed)),
                        },
                        evidence: json!({"vessels": [key.0, key.1], "start_ms": p.start_ms, "last_ms": p.last_ms,
                                         "minutes": minutes, "median_distance_m": med_dist, "median_speed_kn": med_speed,
                                         "at": {"lat": fix.lat, "lon": fix.lon},
                                         "tracks": {key.0.to_string(): p.a.json(), key.1.to_string(): p.b.json()}}),
                        related: Some(key.1),
                    });
                }
            }
        }
    }
}
