//! AIS traffic for the demo, as NMEA sentences the server plays through its real ingest path:
//! the ferries on their real routes (Värtahamnen–Helsinki, Turku and Tallinn; Stadsgården–
//! Helsinki and Turku; Kapellskär–Naantali via Långnäs; Nynäshamn–Visby and Gdańsk;
//! Norvik–Ventspils), container feeders to Norvik, a pilot boat and small craft — from 24 hours
//! before "now" to 24 hours after, so the picture has a past and keeps moving live.
//!
//! Routes follow approximate fairway waypoints (synthetic, not charted). Ship names are the
//! operators' real ships; MMSI and IMO numbers are made up (with valid IMO check digits).
//!
//! Planted, for story 3 of the product brief and the risk score:
//! - a ro-ro freighter bound for Kapellskär from Paldiski slows down in the Åland Sea, meets a
//!   small craft that has been loitering there for 45 minutes, then goes dark for three hours
//!   before reappearing in Kapellskär's approach (gap, encounter and loitering alerts);
//! - a container feeder at Norvik whose history includes a call at Guayaquil three weeks ago,
//!   whose MMSI is Liberian while its agent declares Panama, and which goes dark for an hour
//!   and a half on its approach to Norvik this morning (the vessel of story 2's reefer: the
//!   picture beyond every anchor, caught by correlation).

use std::fmt::Write as _;

use hamnvakt_ais::encode::{self, Framing, PositionReport, StaticReport};
use rand::Rng;
use rand_chacha::ChaCha20Rng;

type LatLon = (f64, f64);

const VHA: LatLon = (59.3515, 18.1127);
const SVI: LatLon = (59.3160, 18.0960);
const KPS: LatLon = (59.7227, 19.0612);
const NYN: LatLon = (58.9030, 17.9530);
const NVK: LatLon = (58.9376, 17.9745);
const MARIEHAMN: LatLon = (60.0940, 19.9210);
const HELSINKI_OL: LatLon = (60.1608, 24.9577);
const HELSINKI_KA: LatLon = (60.1638, 24.9684);
const HELSINKI_LS: LatLon = (60.1496, 24.9166);
const TURKU: LatLon = (60.4344, 22.2200);
const TALLINN: LatLon = (59.4400, 24.7700);
const NAANTALI: LatLon = (60.4579, 22.0434);
const LANGNAS: LatLon = (60.1170, 20.2980);
const VISBY: LatLon = (57.6347, 18.2794);
const GDANSK: LatLon = (54.4000, 18.6800);
const VENTSPILS: LatLon = (57.4000, 21.5500);
const PALDISKI: LatLon = (59.3400, 24.0800);
const GUAYAQUIL: LatLon = (-2.2800, -79.9100);

/// Out of Stockholm through the archipelago to Söderarm.
const STOCKHOLM_OUT: [LatLon; 7] = [
    (59.36, 18.16),
    (59.39, 18.30),
    (59.40, 18.42),
    (59.43, 18.60),
    (59.50, 18.80),
    (59.62, 19.10),
    (59.75, 19.40),
];
const STADSGARDEN_OUT: [LatLon; 3] = [(59.322, 18.125), (59.338, 18.150), (59.355, 18.170)];
const ALAND_SEA_TO_MARIEHAMN: [LatLon; 2] = [(59.95, 19.70), (60.05, 19.88)];
const MARIEHAMN_TO_HELSINKI: [LatLon; 5] = [
    (60.03, 20.30),
    (59.90, 21.20),
    (59.80, 22.50),
    (59.85, 23.60),
    (60.05, 24.60),
];
const MARIEHAMN_TO_TURKU: [LatLon; 3] = [(60.15, 20.60), (60.25, 21.30), (60.38, 21.90)];
const MARIEHAMN_TO_TALLINN: [LatLon; 3] = [(60.00, 20.40), (59.90, 21.50), (59.60, 23.50)];
const KAPELLSKAR_OUT: [LatLon; 2] = [(59.73, 19.15), (59.80, 19.45)];
const LANGNAS_TO_NAANTALI: [LatLon; 3] = [(60.20, 20.70), (60.28, 21.20), (60.40, 21.80)];
const NYNASHAMN_OUT: [LatLon; 3] = [(58.88, 18.00), (58.82, 18.10), (58.70, 18.30)];
const NORVIK_OUT: [LatLon; 3] = [(58.92, 17.99), (58.84, 18.08), (58.70, 18.30)];
const SOUTH_TO_GDANSK: [LatLon; 4] = [
    (58.00, 17.80),
    (57.00, 17.60),
    (56.00, 17.90),
    (55.00, 18.50),
];
const TO_VISBY: [LatLon; 1] = [(58.20, 18.25)];
const TO_VENTSPILS: [LatLon; 2] = [(58.30, 19.60), (57.80, 20.60)];

fn route(parts: &[&[LatLon]]) -> Vec<LatLon> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

fn rev(v: &[LatLon]) -> Vec<LatLon> {
    v.iter().rev().copied().collect()
}

/// Kilometres between two points (equirectangular; enough at these scales).
fn km(a: LatLon, b: LatLon) -> f64 {
    let mean = ((a.0 + b.0) / 2.0).to_radians();
    let dy = (b.0 - a.0) * 111.195;
    let dx = (b.1 - a.1) * 111.195 * mean.cos();
    (dx * dx + dy * dy).sqrt()
}

fn bearing(a: LatLon, b: LatLon) -> f64 {
    let mean = ((a.0 + b.0) / 2.0).to_radians();
    let dy = b.0 - a.0;
    let dx = (b.1 - a.1) * mean.cos();
    dx.atan2(dy).to_degrees().rem_euclid(360.0)
}

fn length(r: &[LatLon]) -> f64 {
    r.windows(2)
        .map(|w| match w {
            [a, b] => km(*a, *b),
            _ => 0.0,
        })
        .sum()
}

/// The point `d` km along a route, and the course there.
fn along(r: &[LatLon], mut d: f64) -> (LatLon, f64) {
    for w in r.windows(2) {
        if let [a, b] = w {
            let l = km(*a, *b);
            if d <= l || l == 0.0 {
                let f = if l > 0.0 { d / l } else { 0.0 };
                return (
                    (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f),
                    bearing(*a, *b),
                );
            }
            d -= l;
        }
    }
    let n = r.len();
    let last = r.last().copied().unwrap_or((0.0, 0.0));
    let course = match (n >= 2).then(|| (r.get(n - 2), r.get(n - 1))) {
        Some((Some(a), Some(b))) => bearing(*a, *b),
        _ => 0.0,
    };
    (last, course)
}

/// Where a vessel is and what it does at one moment.
#[derive(Debug, Clone, Copy)]
struct State {
    at: LatLon,
    speed_kn: f64,
    course: f64,
    /// AIS navigational status: 0 under way, 5 moored, 7 fishing.
    status: u8,
}

const KN_KMH: f64 = 1.852;

/// A ship shuttling on a route: moored `dwell_h` at each end, sailing at `speed_kn` between.
#[derive(Debug, Clone)]
struct Shuttle {
    route: Vec<LatLon>,
    speed_kn: f64,
    dwell_h: f64,
    /// Hours into the cycle at time zero.
    phase_h: f64,
    /// The far end is out of the receivers' range: nothing is heard while the ship is there.
    far_end_silent: bool,
}

impl Shuttle {
    fn cycle_h(&self) -> f64 {
        2.0 * (self.dwell_h + length(&self.route) / (self.speed_kn * KN_KMH))
    }

    fn state(&self, hours: f64) -> Option<State> {
        let travel_h = length(&self.route) / (self.speed_kn * KN_KMH);
        let u = (hours + self.phase_h).rem_euclid(self.cycle_h());
        let total = length(&self.route);
        let sail = |d: f64, forward: bool| {
            let (at, course) = if forward {
                along(&self.route, d)
            } else {
                let (p, c) = along(&self.route, total - d);
                (p, (c + 180.0).rem_euclid(360.0))
            };
            // Slow in the last and first kilometre and a half, as ships do near the quay.
            let near = d.min(total - d);
            let speed = if near < 1.5 {
                3.0 + near * 3.0
            } else {
                self.speed_kn
            };
            State {
                at,
                speed_kn: speed,
                course,
                status: 0,
            }
        };
        let first = self.route.first().copied().unwrap_or((0.0, 0.0));
        let last = self.route.last().copied().unwrap_or((0.0, 0.0));
        Some(if u < self.dwell_h {
            moored(first)
        } else if u < self.dwell_h + travel_h {
            sail((u - self.dwell_h) * self.speed_kn * KN_KMH, true)
        } else if u < 2.0 * self.dwell_h + travel_h {
            if self.far_end_silent {
                return None;
            }
            moored(last)
        } else {
            sail(
                (u - 2.0 * self.dwell_h - travel_h) * self.speed_kn * KN_KMH,
                false,
            )
        })
    }
}

fn moored(at: LatLon) -> State {
    State {
        at,
        speed_kn: 0.0,
        course: 0.0,
        status: 5,
    }
}

/// A vessel of the demo.
#[derive(Debug, Clone)]
pub struct DemoVessel {
    pub mmsi: u32,
    pub name: &'static str,
    pub imo: u32,
    pub callsign: &'static str,
    pub ship_type: u8,
    pub length_m: u16,
    pub destination: &'static str,
    /// Class B (small craft) reports with type 18 and no type 5.
    pub class_b: bool,
}

/// The demo's AIS: a recording, oldest first, and the facts tests check.
#[derive(Debug, Clone)]
pub struct DemoMaritime {
    /// NMEA 0183 with NMEA 4.0 tag blocks carrying the receive time.
    pub nmea: String,
    pub vessels: Vec<DemoVessel>,
    /// Flags declared by the vessels' agents (ISO alpha-2).
    pub declared_flags: Vec<(u32, &'static str)>,
    /// The planted dark approach: the freighter, the small craft, and the silence.
    pub dark_vessel: u32,
    pub met_vessel: u32,
    pub dark_from_ms: i64,
    pub dark_to_ms: i64,
    /// The feeder with a call at Guayaquil.
    pub high_risk_vessel: u32,
}

/// The IMO number of the feeder that brings story 2's reefer to Norvik (manifests name it).
pub fn feeder_imo() -> u32 {
    imo(947_318)
}

/// A valid IMO number from six digits.
fn imo(six: u32) -> u32 {
    let digits: Vec<u32> = (0..6).rev().map(|k| six / 10u32.pow(k) % 10).collect();
    let sum: u32 = digits.iter().zip((2..=7).rev()).map(|(d, w)| d * w).sum();
    six * 10 + sum % 10
}

enum Motion {
    Shuttle(Shuttle),
    /// Explicit (time, place, speed, status) keyframes, interpolated; `None` place: silent.
    Script(Vec<(i64, Option<LatLon>, f64, u8)>),
}

impl Motion {
    fn state(&self, t0_ms: i64, at_ms: i64) -> Option<State> {
        match self {
            Motion::Shuttle(s) => s.state((at_ms - t0_ms) as f64 / 3_600_000.0),
            Motion::Script(keys) => {
                let i = keys.iter().rposition(|k| k.0 <= at_ms)?;
                let (ta, pa, sa, status) = *keys.get(i)?;
                let pa = pa?;
                match keys.get(i + 1) {
                    Some(&(tb, Some(pb), sb, _)) if tb > ta => {
                        let f = (at_ms - ta) as f64 / (tb - ta) as f64;
                        let at = (pa.0 + (pb.0 - pa.0) * f, pa.1 + (pb.1 - pa.1) * f);
                        let course = if pa == pb { 0.0 } else { bearing(pa, pb) };
                        // Ships slow down gradually towards a slower keyframe and speed up at
                        // once when leaving one.
                        Some(State {
                            at,
                            speed_kn: if sb < sa { sa + (sb - sa) * f } else { sa },
                            course,
                            status,
                        })
                    }
                    _ => Some(State {
                        at: pa,
                        speed_kn: sa,
                        course: 0.0,
                        status,
                    }),
                }
            }
        }
    }
}

/// Generates the recording for the 24 hours either side of `now_ms`.
pub(crate) fn generate(rng: &mut ChaCha20Rng, now_ms: i64) -> DemoMaritime {
    const H: i64 = 3_600_000;
    const M: i64 = 60_000;
    let start = now_ms - 24 * H;
    let end = now_ms + 24 * H;
    let ferry = |mmsi, name, imo6, callsign, length_m, destination| DemoVessel {
        mmsi,
        name,
        imo: imo(imo6),
        callsign,
        ship_type: 69,
        length_m,
        destination,
        class_b: false,
    };
    let vha_hel = route(&[
        &[VHA],
        &STOCKHOLM_OUT,
        &ALAND_SEA_TO_MARIEHAMN,
        &[MARIEHAMN],
        &MARIEHAMN_TO_HELSINKI,
        &[HELSINKI_OL],
    ]);
    let vha_tku = route(&[
        &[VHA],
        &STOCKHOLM_OUT,
        &ALAND_SEA_TO_MARIEHAMN,
        &[MARIEHAMN],
        &MARIEHAMN_TO_TURKU,
        &[TURKU],
    ]);
    let vha_tll = route(&[
        &[VHA],
        &STOCKHOLM_OUT,
        &ALAND_SEA_TO_MARIEHAMN,
        &[MARIEHAMN],
        &MARIEHAMN_TO_TALLINN,
        &[TALLINN],
    ]);
    let svi_hel = route(&[
        &[SVI],
        &STADSGARDEN_OUT,
        &STOCKHOLM_OUT,
        &ALAND_SEA_TO_MARIEHAMN,
        &[MARIEHAMN],
        &MARIEHAMN_TO_HELSINKI,
        &[HELSINKI_KA],
    ]);
    let svi_tku = route(&[
        &[SVI],
        &STADSGARDEN_OUT,
        &STOCKHOLM_OUT,
        &ALAND_SEA_TO_MARIEHAMN,
        &[MARIEHAMN],
        &MARIEHAMN_TO_TURKU,
        &[TURKU],
    ]);
    let kps_nli = route(&[
        &[KPS],
        &KAPELLSKAR_OUT,
        &[(60.00, 19.95)],
        &[LANGNAS],
        &LANGNAS_TO_NAANTALI,
        &[NAANTALI],
    ]);
    let nyn_vby = route(&[&[NYN], &NYNASHAMN_OUT, &TO_VISBY, &[VISBY]]);
    let nyn_gdn = route(&[&[NYN], &NYNASHAMN_OUT, &SOUTH_TO_GDANSK, &[GDANSK]]);
    let nvk_vnt = route(&[&[NVK], &NORVIK_OUT, &TO_VENTSPILS, &[VENTSPILS]]);
    let nvk_south = route(&[&[NVK], &NORVIK_OUT, &SOUTH_TO_GDANSK[..2]]);
    let hel_tll = route(&[
        &[HELSINKI_LS],
        &[(60.00, 24.85), (59.60, 24.80)],
        &[TALLINN],
    ]);
    let mut plan: Vec<(DemoVessel, Motion)> = vec![
        (
            ferry(
                230_912_000,
                "SILJA SERENADE",
                871_512,
                "OJCS",
                203,
                "HELSINKI",
            ),
            Motion::Shuttle(Shuttle {
                route: vha_hel.clone(),
                speed_kn: 17.0,
                dwell_h: 3.0,
                phase_h: 2.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(
                230_913_000,
                "SILJA SYMPHONY",
                871_513,
                "OJCT",
                203,
                "STOCKHOLM",
            ),
            Motion::Shuttle(Shuttle {
                route: vha_hel,
                speed_kn: 17.0,
                dwell_h: 3.0,
                phase_h: 18.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(
                276_779_000,
                "BALTIC PRINCESS",
                935_468,
                "ESHW",
                212,
                "TURKU",
            ),
            Motion::Shuttle(Shuttle {
                route: vha_tku,
                speed_kn: 16.5,
                dwell_h: 2.0,
                phase_h: 7.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(276_780_000, "BALTIC QUEEN", 944_383, "ESIB", 212, "TALLINN"),
            Motion::Shuttle(Shuttle {
                route: vha_tll,
                speed_kn: 17.5,
                dwell_h: 2.5,
                phase_h: 12.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(230_363_000, "GABRIELLA", 849_208, "OJMH", 171, "HELSINKI"),
            Motion::Shuttle(Shuttle {
                route: svi_hel,
                speed_kn: 16.5,
                dwell_h: 3.0,
                phase_h: 9.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(230_041_000, "VIKING GRACE", 960_690, "OJPE", 218, "TURKU"),
            Motion::Shuttle(Shuttle {
                route: svi_tku,
                speed_kn: 18.0,
                dwell_h: 2.0,
                phase_h: 1.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(230_184_000, "FINNSIRIUS", 980_702, "OJRK", 235, "NAANTALI"),
            Motion::Shuttle(Shuttle {
                route: kps_nli.clone(),
                speed_kn: 18.5,
                dwell_h: 2.0,
                phase_h: 3.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(
                230_185_000,
                "FINNCANOPUS",
                980_703,
                "OJRL",
                235,
                "KAPELLSKAR",
            ),
            Motion::Shuttle(Shuttle {
                route: kps_nli,
                speed_kn: 18.5,
                dwell_h: 2.0,
                phase_h: 11.5,
                far_end_silent: false,
            }),
        ),
        (
            ferry(265_866_000, "VISBORG", 977_316, "SLKA", 200, "VISBY"),
            Motion::Shuttle(Shuttle {
                route: nyn_vby.clone(),
                speed_kn: 26.0,
                dwell_h: 1.5,
                phase_h: 0.5,
                far_end_silent: false,
            }),
        ),
        (
            ferry(265_867_000, "THJELVAR", 977_317, "SLKB", 200, "NYNASHAMN"),
            Motion::Shuttle(Shuttle {
                route: nyn_vby,
                speed_kn: 26.0,
                dwell_h: 1.5,
                phase_h: 4.5,
                far_end_silent: false,
            }),
        ),
        (
            ferry(261_001_240, "WAWEL", 851_461, "SPWA", 163, "GDANSK"),
            Motion::Shuttle(Shuttle {
                route: nyn_gdn,
                speed_kn: 17.0,
                dwell_h: 4.0,
                phase_h: 6.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(
                265_610_000,
                "STENA SCANDICA",
                925_198,
                "SLSC",
                222,
                "VENTSPILS",
            ),
            Motion::Shuttle(Shuttle {
                route: nvk_vnt.clone(),
                speed_kn: 19.0,
                dwell_h: 3.0,
                phase_h: 2.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(265_611_000, "STENA BALTICA", 925_199, "SLSD", 222, "NORVIK"),
            Motion::Shuttle(Shuttle {
                route: nvk_vnt,
                speed_kn: 19.0,
                dwell_h: 3.0,
                phase_h: 14.0,
                far_end_silent: false,
            }),
        ),
        (
            ferry(276_781_000, "MEGASTAR", 977_350, "ESMS", 212, "TALLINN"),
            Motion::Shuttle(Shuttle {
                route: hel_tll,
                speed_kn: 24.0,
                dwell_h: 1.5,
                phase_h: 0.0,
                far_end_silent: false,
            }),
        ),
        (
            DemoVessel {
                mmsi: 219_030_000,
                name: "ELBSTROM FEEDER",
                imo: imo(932_125),
                callsign: "OXFD",
                ship_type: 71,
                length_m: 170,
                destination: "SENYN NORVIK",
                class_b: false,
            },
            Motion::Shuttle(Shuttle {
                route: nvk_south.clone(),
                speed_kn: 15.0,
                dwell_h: 10.0,
                phase_h: 9.0,
                far_end_silent: true,
            }),
        ),
        (
            DemoVessel {
                mmsi: 255_806_000,
                name: "TUNADAL FEEDER",
                imo: imo(931_544),
                callsign: "CQAT",
                ship_type: 71,
                length_m: 155,
                destination: "NORVIK",
                class_b: false,
            },
            Motion::Shuttle(Shuttle {
                route: nvk_south,
                speed_kn: 14.0,
                dwell_h: 12.0,
                phase_h: 25.0,
                far_end_silent: true,
            }),
        ),
    ];
    // A pilot boat working out of Kapellskär, and small craft in the archipelago.
    plan.push((
        DemoVessel {
            mmsi: 265_509_950,
            name: "PILOT 731 SE",
            imo: 0,
            callsign: "SGPB",
            ship_type: 50,
            length_m: 16,
            destination: "",
            class_b: false,
        },
        Motion::Shuttle(Shuttle {
            route: route(&[&[KPS], &KAPELLSKAR_OUT]),
            speed_kn: 20.0,
            dwell_h: 1.2,
            phase_h: 0.3,
            far_end_silent: false,
        }),
    ));
    for (k, (mmsi, name, from, to)) in [
        (265_745_110_u32, "SOLVIK", (59.42, 18.55), (59.48, 18.72)),
        (265_745_120, "TRUT", (59.05, 18.10), (58.98, 18.25)),
        (265_745_130, "ALBATROSS", (59.60, 19.00), (59.66, 19.20)),
    ]
    .into_iter()
    .enumerate()
    {
        plan.push((
            DemoVessel {
                mmsi,
                name,
                imo: 0,
                callsign: "",
                ship_type: 37,
                length_m: 11,
                destination: "",
                class_b: true,
            },
            Motion::Shuttle(Shuttle {
                route: vec![from, to],
                speed_kn: 7.0,
                dwell_h: 0.6 + 0.4 * k as f64,
                phase_h: k as f64 * 1.7,
                far_end_silent: false,
            }),
        ));
    }

    // Story 3: the freighter from Paldiski meets the small craft, goes dark, reappears.
    let meet: LatLon = (59.86, 19.62);
    let reappear: LatLon = (59.80, 19.45);
    let paldiski_to_meet = route(&[
        &[PALDISKI],
        &[(59.55, 23.00), (59.75, 21.50), (59.85, 20.20)],
        &[meet],
    ]);
    let arrive = now_ms - 2 * H;
    let approach = route(&[&[reappear], &KAPELLSKAR_OUT[..1], &[KPS]]);
    let approach_ms = (length(&approach) / (11.0 * KN_KMH) * H as f64) as i64;
    let seen_again = arrive - approach_ms;
    let dark_from = seen_again - 3 * H;
    let meet_end = dark_from - 5 * M;
    let meet_start = meet_end - 45 * M;
    let crossing_ms = (length(&paldiski_to_meet) / (14.0 * KN_KMH) * H as f64) as i64;
    let depart = meet_start - crossing_ms;
    let mut keys: Vec<(i64, Option<LatLon>, f64, u8)> =
        vec![(start - 6 * H, Some(PALDISKI), 0.0, 5)];
    let steps = 24;
    for i in 0..=steps {
        let f = f64::from(i) / f64::from(steps);
        let (p, _) = along(&paldiski_to_meet, f * length(&paldiski_to_meet));
        let speed = if i == steps { 0.8 } else { 14.0 };
        keys.push((depart + (f * crossing_ms as f64) as i64, Some(p), speed, 0));
    }
    // Side by side, drifting west at under a knot.
    keys.push((meet_end, Some((meet.0, meet.1 - 0.012)), 9.5, 0));
    keys.push((dark_from, Some((meet.0 - 0.004, meet.1 - 0.03)), 9.5, 0));
    keys.push((dark_from + 1, None, 0.0, 0));
    keys.push((seen_again, Some(reappear), 11.0, 0));
    for i in 1..approach.len() {
        let d: f64 = length(approach.get(..=i).unwrap_or(&[]));
        keys.push((
            seen_again + (d / (11.0 * KN_KMH) * H as f64) as i64,
            approach.get(i).copied(),
            if i + 1 == approach.len() { 0.0 } else { 11.0 },
            if i + 1 == approach.len() { 5 } else { 0 },
        ));
    }
    keys.push((end, Some(KPS), 0.0, 5));
    let dark = DemoVessel {
        mmsi: 276_812_000,
        name: "LIIVI CARRIER",
        imo: imo(918_277),
        callsign: "ESLC",
        ship_type: 70,
        length_m: 142,
        destination: "SEKPS KAPELLSKAR",
        class_b: false,
    };
    let dark_mmsi = dark.mmsi;
    plan.push((dark, Motion::Script(keys)));
    // The small craft: waits at the meeting place for 45 minutes before the freighter comes,
    // stays alongside, then runs for the coast.
    let craft_keys = vec![
        (meet_start - 3 * H, Some((59.70, 19.25)), 16.0, 0),
        (
            meet_start - 3 * H + 40 * M,
            Some((meet.0 + 0.01, meet.1 + 0.02)),
            0.6,
            7,
        ),
        (meet_start, Some((meet.0 + 0.0015, meet.1 + 0.001)), 0.8, 7),
        (meet_end, Some((meet.0 + 0.0015, meet.1 - 0.011)), 18.0, 0),
        (meet_end + 40 * M, Some((59.66, 19.28)), 0.0, 5),
        // Home at a private jetty, where the set is switched off.
        (meet_end + 50 * M, None, 0.0, 0),
    ];
    let craft = DemoVessel {
        mmsi: 265_771_440,
        name: "SJOBRIS",
        imo: 0,
        callsign: "",
        ship_type: 30,
        length_m: 12,
        destination: "",
        class_b: true,
    };
    let craft_mmsi = craft.mmsi;
    plan.push((craft, Motion::Script(craft_keys)));

    // The feeder with a past: moored at Guayaquil three weeks ago (satellite AIS every few
    // hours), at Norvik since this morning.
    let feeder = DemoVessel {
        mmsi: 636_019_870,
        name: "ANDES TRADER",
        imo: imo(947_318),
        callsign: "D5TR9",
        ship_type: 71,
        length_m: 185,
        destination: "SENYN NORVIK",
        class_b: false,
    };
    let feeder_mmsi = feeder.mmsi;
    let in_baltic = route(&[
        &SOUTH_TO_GDANSK[..2]
            .iter()
            .rev()
            .copied()
            .collect::<Vec<_>>(),
        &rev(&NORVIK_OUT),
        &[NVK],
    ]);
    let sail_ms = (length(&in_baltic) / (15.0 * KN_KMH) * H as f64) as i64;
    let at_norvik = now_ms - 8 * H;
    let mut feeder_keys = vec![
        (now_ms - 21 * 24 * H, Some(GUAYAQUIL), 0.0, 5),
        (now_ms - 20 * 24 * H, Some(GUAYAQUIL), 0.0, 5),
        (now_ms - 20 * 24 * H + 1, None, 0.0, 0),
    ];
    for i in 0..in_baltic.len() {
        let d = length(in_baltic.get(..=i).unwrap_or(&[]));
        let last = i + 1 == in_baltic.len();
        feeder_keys.push((
            at_norvik - sail_ms + (d / (15.0 * KN_KMH) * H as f64) as i64,
            in_baltic.get(i).copied(),
            if last { 0.0 } else { 15.0 },
            if last { 5 } else { 0 },
        ));
    }
    // Dark on the approach: silent from halfway between the Gotland Sea waypoint and the
    // fairway's mouth (inside the receivers' cover) until the mouth.
    if let (Some(a), Some(b)) = (in_baltic.get(..=1), in_baltic.get(..=2)) {
        let (la, lb) = (length(a), length(b));
        let mid = (la + lb) / 2.0;
        let (p, _) = along(&in_baltic, mid);
        let t = at_norvik - sail_ms + (mid / (15.0 * KN_KMH) * H as f64) as i64;
        feeder_keys.push((t, Some(p), 15.0, 0));
        feeder_keys.push((t + 1, None, 0.0, 0));
        feeder_keys.sort_by_key(|k| k.0);
    }
    feeder_keys.push((end, Some(NVK), 0.0, 5));
    plan.push((feeder, Motion::Script(feeder_keys)));

    // Emit: Class A every 10 s under way and every 3 min moored; Class B every 30 s / 3 min;
    // static data every 6 min; the Guayaquil history every 3 hours. One report in twenty is
    // heard by a second station too (de-duplication has work to do).
    let mut lines: Vec<(i64, String)> = Vec::new();
    let stations = ["SE-KPS", "SE-STO", "SE-NYN", "FI-MHQ"];
    for (vi, (v, motion)) in plan.iter().enumerate() {
        let first = match motion {
            Motion::Script(k) => k.first().map(|k| k.0).unwrap_or(start).min(start),
            Motion::Shuttle(_) => start,
        };
        let mut t = first + rng.gen_range(0..10_000);
        let mut next_static = t;
        let mut seq: u8 = (vi % 10) as u8;
        while t < end {
            let s = motion.state(start, t);
            let step = match s {
                None => 60_000,
                Some(s) if t < start => {
                    let _ = s;
                    3 * H
                }
                Some(s) if s.speed_kn >= 2.0 => {
                    if v.class_b {
                        30_000
                    } else {
                        10_000
                    }
                }
                Some(_) => 180_000,
            };
            if let Some(s) = s {
                let station = stations
                    .get(vi % stations.len())
                    .copied()
                    .unwrap_or("SE-STO");
                let report = PositionReport {
                    mmsi: v.mmsi,
                    status: s.status,
                    lat: s.at.0 + rng.gen_range(-0.00002..0.00002),
                    lon: s.at.1 + rng.gen_range(-0.00002..0.00002),
                    speed_kn: (s.speed_kn
                        + if s.speed_kn > 0.0 {
                            rng.gen_range(-0.2..0.2)
                        } else {
                            0.0
                        })
                    .max(0.0),
                    course_deg: s.course,
                    heading_deg: (s.speed_kn > 0.0).then_some(s.course.round() as u16 % 360),
                    second: ((t / 1000) % 60) as u8,
                };
                let bits = if v.class_b {
                    encode::position_b(&report)
                } else {
                    encode::position_a(&report)
                };
                let mut text = String::new();
                let framing = Framing {
                    time_ms: Some(t),
                    source: Some(station),
                    channel: if rng.gen_bool(0.5) { 'A' } else { 'B' },
                    sequence: 0,
                };
                encode::sentences(&bits, &framing, &mut text);
                if rng.gen_ratio(1, 20) {
                    let other = Framing {
                        source: Some("SE-SDM"),
                        ..framing
                    };
                    encode::sentences(&bits, &other, &mut text);
                }
                lines.push((t, text));
                if !v.class_b && t >= next_static {
                    next_static = t + 6 * M;
                    let st = StaticReport {
                        mmsi: v.mmsi,
                        imo: v.imo,
                        callsign: v.callsign.into(),
                        name: v.name.into(),
                        ship_type: v.ship_type,
                        to_bow: v.length_m * 2 / 3,
                        to_stern: v.length_m - v.length_m * 2 / 3,
                        to_port: (v.length_m / 14).min(63) as u8,
                        to_starboard: (v.length_m / 14).min(63) as u8,
                        eta: (0, 0, 24, 60),
                        draught_m: f64::from(v.length_m) / 30.0,
                        destination: v.destination.into(),
                    };
                    let mut text = String::new();
                    seq = (seq + 1) % 10;
                    encode::sentences(
                        &encode::static_voyage(&st),
                        &Framing {
                            time_ms: Some(t + 500),
                            source: Some(station),
                            channel: 'A',
                            sequence: seq,
                        },
                        &mut text,
                    );
                    lines.push((t + 500, text));
                }
            }
            t += step + rng.gen_range(-500..500);
        }
    }
    lines.sort_by_key(|(t, _)| *t);
    let mut nmea = String::with_capacity(lines.iter().map(|(_, l)| l.len()).sum());
    for (_, l) in lines {
        let _ = write!(nmea, "{l}");
    }
    DemoMaritime {
        nmea,
        vessels: plan.into_iter().map(|(v, _)| v).collect(),
        declared_flags: vec![(feeder_mmsi, "PA"), (dark_mmsi, "EE"), (230_912_000, "FI")],
        dark_vessel: dark_mmsi,
        met_vessel: craft_mmsi,
        dark_from_ms: dark_from,
        dark_to_ms: seen_again,
        high_risk_vessel: feeder_mmsi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn imo_numbers_are_valid() {
        for six in [871_512, 935_468, 947_318] {
            assert!(hamnvakt_maritime::vessel::imo_valid(imo(six)));
        }
    }

    #[test]
    fn shuttles_stay_on_their_route_and_moor_at_the_ends() {
        let s = Shuttle {
            route: vec![VHA, (59.40, 18.40), MARIEHAMN],
            speed_kn: 17.0,
            dwell_h: 2.0,
            phase_h: 0.0,
            far_end_silent: false,
        };
        assert_eq!(s.state(1.0).map(|s| s.status), Some(5));
        let mid = s.state(2.0 + 1.0);
        assert_eq!(mid.map(|s| s.status), Some(0));
        assert!(mid.is_some_and(|m| m.at.0 > VHA.0 && m.at.0 < MARIEHAMN.0));
        let back = s.state(s.cycle_h() - 0.5);
        assert!(
            back.is_some_and(|b| b.course > 90.0 && b.course < 270.0),
            "heading home south-west: {back:?}"
        );
        let silent = Shuttle {
            far_end_silent: true,
            ..s.clone()
        };
        let at_far_end = 2.0 + length(&s.route) / (17.0 * KN_KMH) + 1.0;
        assert!(silent.state(at_far_end).is_none());
        assert!(s.state(at_far_end).is_some());
    }

    #[test]
    fn the_recording_is_in_time_order_and_holds_the_dark_hours() {
        let now = 1_790_000_000_000;
        let m = generate(&mut ChaCha20Rng::seed_from_u64(1), now);
        let mut d = hamnvakt_ais::Decoder::new();
        let mut last = 0_i64;
        let mut dark_reports = 0;
        let mut messages = 0;
        for line in m.nmea.lines() {
            if let hamnvakt_ais::Feed::Message(msg, meta) = d.feed(line.as_bytes()) {
                messages += 1;
                let t = meta.time_ms.unwrap_or_default();
                assert!(t >= last - 1000, "out of order");
                last = last.max(t);
                if msg.mmsi == m.dark_vessel && t > m.dark_from_ms && t < m.dark_to_ms {
                    dark_reports += 1;
                }
            }
        }
        assert_eq!(d.stats.malformed, 0);
        assert!(messages > 100_000, "{messages}");
        assert_eq!(dark_reports, 0);
        assert_eq!(m.dark_to_ms - m.dark_from_ms, 3 * 3_600_000);
    }
}
