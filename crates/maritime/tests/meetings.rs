//! Loitering, encounters and MID checks on tracks written with hamnvakt-ais's encoder and read
//! back through its decoder, as a receiver would hear them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use hamnvakt_ais::encode::{position_a, sentences, Framing, PositionReport};
use hamnvakt_ais::{Decoder, Feed, Message};
use hamnvakt_maritime::behaviour::{Behaviour, BehaviourSettings, Finding};
use hamnvakt_maritime::ports;

const MIN: i64 = 60_000;

fn pos(mmsi: u32, lat: f64, lon: f64, speed_kn: f64) -> Message {
    let mut text = String::new();
    let p = PositionReport {
        mmsi,
        status: 0,
        lat,
        lon,
        speed_kn,
        course_deg: 45.0,
        heading_deg: Some(45),
        second: 0,
    };
    sentences(&position_a(&p), &Framing::default(), &mut text);
    match Decoder::new().feed(text.trim_end().as_bytes()) {
        Feed::Message(m, _) => m,
        other => panic!("{other:?}"),
    }
}

fn behaviour() -> Behaviour {
    Behaviour::new(BehaviourSettings::default()).with_ports(&ports::builtin())
}

fn kinds(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.kind).collect()
}

/// Open water in the Åland Sea, well away from any port.
const SEA: (f64, f64) = (59.95, 19.35);

#[test]
fn two_vessels_meeting_slowly_away_from_port_is_an_encounter() {
    let mut b = behaviour();
    let mut found = Vec::new();
    // A ship and a small craft drift 200 m apart at about 1 kn for 40 minutes.
    for k in 0..=40 {
        let t = k * MIN;
        let drift = k as f64 * 0.0002;
        found.extend(b.observe(&pos(265_100_001, SEA.0 + drift, SEA.1, 1.0), t));
        found.extend(b.observe(
            &pos(265_100_002, SEA.0 + drift + 0.0018, SEA.1, 0.8),
            t + 5_000,
        ));
    }
    let enc: Vec<_> = found.iter().filter(|f| f.kind == "ais.encounter").collect();
    assert_eq!(enc.len(), 1, "{:?}", kinds(&found));
    let e = enc[0];
    assert_eq!((e.mmsi, e.related), (265_100_001, Some(265_100_002)));
    assert_eq!(
        e.at_ms, 5_000,
        "the encounter starts when they first were close"
    );
    let d = e.evidence["median_distance_m"].as_f64().unwrap();
    assert!((150.0..250.0).contains(&d), "{d}");
    assert!(e.evidence["tracks"]["265100001"].as_array().unwrap().len() >= 10);
}

#[test]
fn meetings_in_port_fast_passings_and_distant_ships_are_not_encounters() {
    let mut b = behaviour();
    let mut found = Vec::new();
    let kps = (59.7227, 19.0612);
    for k in 0..=60 {
        let t = k * MIN;
        // Moored side by side at Kapellskär.
        found.extend(b.observe(&pos(265_200_001, kps.0, kps.1, 0.0), t));
        found.extend(b.observe(&pos(265_200_002, kps.0 + 0.001, kps.1, 0.0), t + 1000));
        // Two ships sailing in company at 12 kn.
        let run = k as f64 * 0.0033;
        found.extend(b.observe(&pos(265_200_003, SEA.0 + run, SEA.1, 12.0), t));
        found.extend(b.observe(
            &pos(265_200_004, SEA.0 + run, SEA.1 + 0.004, 12.0),
            t + 1000,
        ));
        // Two slow ships 2 km apart.
        found.extend(b.observe(&pos(265_200_005, SEA.0 - 0.2, SEA.1, 0.5), t));
        found.extend(b.observe(&pos(265_200_006, SEA.0 - 0.2 + 0.018, SEA.1, 0.5), t + 1000));
    }
    assert!(!kinds(&found).contains(&"ais.encounter"), "{found:?}");
}

#[test]
fn slow_for_hours_away_from_port_is_loitering_and_at_the_quay_is_not() {
    let mut b = behaviour();
    let mut found = Vec::new();
    let nvk = (58.9376, 17.9745);
    for k in 0..=150 {
        let t = k * MIN;
        let wander = (k as f64 * 0.3).sin() * 0.001;
        found.extend(b.observe(&pos(265_300_001, SEA.0 + wander, SEA.1 - wander, 0.7), t));
        found.extend(b.observe(&pos(265_300_002, nvk.0, nvk.1, 0.0), t));
    }
    let l: Vec<_> = found.iter().filter(|f| f.kind == "ais.loitering").collect();
    assert_eq!(l.len(), 1, "{:?}", kinds(&found));
    assert_eq!(l[0].mmsi, 265_300_001);
    assert_eq!(l[0].at_ms, 0);
    assert!(l[0].evidence["mean_speed_kn"].as_f64().unwrap() < 2.0);
    assert!(!l[0].evidence["track"].as_array().unwrap().is_empty());
}

#[test]
fn a_ship_sailing_slowly_but_steadily_is_not_loitering_once_its_mean_speed_says_so() {
    let mut b = behaviour();
    let mut found = Vec::new();
    // Reports 1.5 kn but covers ground at about 6 kn (a mis-set speed log): the mean implied
    // speed keeps resetting the run.
    for k in 0..=150 {
        found.extend(b.observe(
            &pos(265_300_003, SEA.0 + k as f64 * 0.0017, SEA.1, 1.5),
            k * MIN,
        ));
    }
    assert!(!kinds(&found).contains(&"ais.loitering"), "{found:?}");
}

#[test]
fn unallocated_mids_and_flag_mismatches_are_found() {
    let mut b = behaviour();
    let f = b.observe(&pos(646_000_123, SEA.0, SEA.1, 10.0), 0);
    assert_eq!(kinds(&f), ["ais.mid_unallocated"]);
    // Once per vessel.
    assert!(b
        .observe(&pos(646_000_123, SEA.0, SEA.1, 10.0), MIN)
        .is_empty());
    assert!(b
        .observe(&pos(265_000_123, SEA.0, SEA.1, 10.0), 0)
        .is_empty());
    let f = b.declare_flag(276_001_000, "PA", 0).unwrap();
    assert_eq!(f.kind, "ais.mid_flag_mismatch");
    assert_eq!(f.evidence["mid_country"], "EE");
    assert!(b.declare_flag(276_001_000, "ee", 0).is_none());
}

#[test]
fn a_ship_that_sails_out_of_the_receivers_range_has_not_gone_dark() {
    let mut b = behaviour();
    // Last heard south of Gotland, 200 km from the nearest of our terminals, at 15 kn.
    b.observe(&pos(219_000_001, 57.00, 17.60, 15.0), 0);
    for k in 0..40 {
        b.observe(
            &pos(265_000_200 + k, SEA.0, SEA.1, 10.0),
            (k as i64 + 1) * MIN,
        );
    }
    let f = b.observe(&pos(219_000_001, 57.50, 17.80, 15.0), 180 * MIN);
    assert!(!kinds(&f).contains(&"ais.gap"), "{f:?}");
    // The same silence in Kapellskär's approaches is a gap.
    b.observe(&pos(219_000_002, 59.80, 19.45, 12.0), 200 * MIN);
    for k in 0..40 {
        b.observe(
            &pos(265_000_300 + k, SEA.0, SEA.1, 10.0),
            (200 + k as i64 + 1) * MIN,
        );
    }
    let f = b.observe(&pos(219_000_002, 59.75, 19.20, 12.0), 380 * MIN);
    assert_eq!(kinds(&f), ["ais.gap"]);
}
