//! Behaviour detectors over the decoded stream (pure; the server will raise their findings as
//! alerts). So far: AIS gaps with a reception-coverage guard, impossible jumps, and identity
//! changes (an MMSI with a new name or IMO number, one IMO number on two MMSIs). Thresholds are
//! settings; the defaults scale Global Fishing Watch's open-sea gap (12 h) down to
//! archipelago approaches, where a vessel is rarely out of coverage for long.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::message::{Body, Message};

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
}

impl Default for BehaviourSettings {
    fn default() -> Self {
        BehaviourSettings {
            gap_minutes: 60,
            gap_min_speed_kn: 2.0,
            gap_min_other_messages: 20,
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
        }
    }
}

/// Something a detector found, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub mmsi: u32,
    pub at_ms: i64,
    pub title: String,
    pub evidence: serde_json::Value,
}

#[derive(Debug, Clone, Copy)]
struct Fix {
    at_ms: i64,
    lat: f64,
    lon: f64,
    speed: Option<f64>,
    /// Messages heard from all vessels when this fix was taken.
    heard: u64,
}

#[derive(Debug, Default)]
struct Known {
    /// Start of the current run of drift-like reports, and whether it was reported.
    drift_since: Option<Fix>,
    drift_reported: bool,
    /// Last report above the sudden-stop "from" speed.
    fast_at: Option<Fix>,
    last: Option<Fix>,
    name: Option<String>,
    imo: Option<u32>,
}

#[derive(Debug, Default)]
pub struct Behaviour {
    pub settings: BehaviourSettings,
    vessels: HashMap<u32, Known>,
    imo_owner: HashMap<u32, u32>,
    heard: u64,
}

/// Great-circle distance in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

impl Behaviour {
    pub fn new(settings: BehaviourSettings) -> Behaviour {
        Behaviour {
            settings,
            ..Behaviour::default()
        }
    }

    /// Takes in one message received at `at_ms`; returns what it revealed.
    pub fn observe(&mut self, m: &Message, at_ms: i64) -> Vec<Finding> {
        self.heard += 1;
        let mut out = Vec::new();
        let s = self.settings.clone();
        let heard = self.heard;
        let v = self.vessels.entry(m.mmsi).or_default();
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
                        title: format!("MMSI {} jumped {km:.1} km in {:.0} min ({implied_kn:.0} kn)", m.mmsi, hours * 60.0),
                        evidence: json!({"from": {"at_ms": prev.at_ms, "lat": prev.lat, "lon": prev.lon},
                                         "to": {"at_ms": at_ms, "lat": lat, "lon": lon},
                                         "distance_km": km, "implied_speed_kn": implied_kn}),
                    });
                }
                let others = heard.saturating_sub(prev.heard + 1);
                let moving = prev.speed.is_some_and(|sp| sp >= s.gap_min_speed_kn);
                if moving
                    && at_ms - prev.at_ms >= s.gap_minutes * 60_000
                    && others >= s.gap_min_other_messages
                {
                    out.push(Finding {
                        kind: "ais.gap",
                        mmsi: m.mmsi,
                        at_ms,
                        title: format!("MMSI {} silent for {:.0} min while under way", m.mmsi, hours * 60.0),
                        evidence: json!({"last_seen": {"at_ms": prev.at_ms, "lat": prev.lat, "lon": prev.lon, "speed_kn": prev.speed},
                                         "seen_again": {"at_ms": at_ms, "lat": lat, "lon": lon},
                                         "other_messages_heard_meanwhile": others, "distance_km": km}),
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
                        title: format!("MMSI {} drifting for {} min", m.mmsi, (at_ms - since.at_ms) / 60_000),
                        evidence: json!({"since": {"at_ms": since.at_ms, "lat": since.lat, "lon": since.lon},
                                         "now": {"at_ms": at_ms, "lat": lat, "lon": lon, "speed_kn": m.speed_kn(),
                                                 "course_deg": m.course_deg(), "heading_deg": m.heading_deg()},
                                         "distance_m": metres}),
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
                                title: format!("MMSI {} went from {:.1} kn to {sp:.1} kn in {} s", m.mmsi,
                                    fast.speed.unwrap_or(0.0), (at_ms - fast.at_ms) / 1000),
                                evidence: json!({"fast": {"at_ms": fast.at_ms, "speed_kn": fast.speed, "lat": fast.lat, "lon": fast.lon},
                                                 "slow": {"at_ms": at_ms, "speed_kn": sp, "lat": lat, "lon": lon}}),
                            });
                        }
                    }
                }
            }
            v.last = Some(fix);
        }
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
                        title: format!("MMSI {} changed its name from {old} to {name}", m.mmsi),
                        evidence: json!({"field": "name", "from": old, "to": name}),
                    });
                }
            }
            if let (Some(old), Some(new)) = (v.imo, imo) {
                if old != new {
                    out.push(Finding {
                        kind: "ais.identity_change",
                        mmsi: m.mmsi,
                        at_ms,
                        title: format!(
                            "MMSI {} changed its IMO number from {old} to {new}",
                            m.mmsi
                        ),
                        evidence: json!({"field": "imo", "from": old, "to": new}),
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
                        title: format!(
                            "IMO {imo} is transmitted by MMSI {owner} and MMSI {}",
                            m.mmsi
                        ),
                        evidence: json!({"field": "imo", "imo": imo, "mmsis": [owner, m.mmsi]}),
                    });
                }
            }
        }
        out
    }
}
