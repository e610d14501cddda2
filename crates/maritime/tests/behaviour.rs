//! The behaviour detectors on built tracks: a vessel going dark under way (and a receiver
//! outage that must not be blamed on it), an impossible jump, and identity changes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use hamnvakt_ais::{Decoder, Feed, Message};
use hamnvakt_maritime::behaviour::{Behaviour, BehaviourSettings};

fn position(mmsi: u32, lat: f64, lon: f64, speed_kn: f64) -> Message {
    let w = BitWriter::default()
        .u(1, 6)
        .u(0, 2)
        .u(u64::from(mmsi), 30)
        .u(0, 4)
        .i(0, 8)
        .u((speed_kn * 10.0) as u64, 10)
        .u(1, 1)
        .i((lon * 600_000.0).round() as i64, 28)
        .i((lat * 600_000.0).round() as i64, 27)
        .u(900, 12)
        .u(90, 9)
        .u(0, 6)
        .u(0, 2)
        .u(0, 3)
        .u(0, 1)
        .u(0, 19);
    decode(&w.sentence(false))
}

fn static_voyage(mmsi: u32, imo: u32, name: &str) -> Message {
    let mut w = BitWriter::default()
        .u(5, 6)
        .u(0, 2)
        .u(u64::from(mmsi), 30)
        .u(0, 2)
        .u(u64::from(imo), 30)
        .u(0, 42);
    for k in 0..20 {
        let c = name.as_bytes().get(k).copied().unwrap_or(b'@');
        w = w.u(u64::from(if c == b' ' { 32 } else { c - 64 }), 6);
    }
    decode(&w.truncate(424).sentence(false))
}

fn decode(line: &str) -> Message {
    let mut d = Decoder::new();
    match d.feed(line.as_bytes()) {
        Feed::Message(m, _) => m,
        other => panic!("{other:?}"),
    }
}

const MIN: i64 = 60_000;

#[test]
fn going_dark_under_way_is_found_but_a_receiver_outage_is_not() {
    let mut b = Behaviour::new(BehaviourSettings::default());
    assert!(b
        .observe(&position(265_000_001, 59.30, 18.90, 12.0), 0)
        .is_empty());
    // Two hours of silence while others are heard: a gap.
    for k in 0..50 {
        b.observe(
            &position(265_000_100 + k, 59.0, 19.0, 5.0),
            (k as i64 + 1) * MIN,
        );
    }
    let f = b.observe(&position(265_000_001, 59.40, 19.20, 12.0), 120 * MIN);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].kind, "ais.gap");
    assert_eq!(f[0].evidence["other_messages_heard_meanwhile"], 50);

    // Another two hours with nobody heard at all: the receivers were down, not the ship.
    let f = b.observe(&position(265_000_001, 59.50, 19.40, 12.0), 240 * MIN);
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn an_impossible_jump_is_found_and_ordinary_sailing_is_not() {
    let mut b = Behaviour::new(BehaviourSettings::default());
    b.observe(&position(265_000_002, 59.30, 18.90, 15.0), 0);
    assert!(b
        .observe(&position(265_000_002, 59.32, 18.92, 15.0), 10 * MIN)
        .is_empty());
    let f = b.observe(&position(265_000_002, 60.20, 19.90, 15.0), 20 * MIN);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind, "ais.impossible_jump");
    assert!(f[0].evidence["implied_speed_kn"].as_f64().unwrap() > 300.0);
}

#[test]
fn identity_changes_are_found() {
    let mut b = Behaviour::new(BehaviourSettings::default());
    assert!(b
        .observe(&static_voyage(265_000_003, 9_134_270, "SEA SPIRIT"), 0)
        .is_empty());
    assert!(b
        .observe(&static_voyage(265_000_003, 9_134_270, "SEA SPIRIT"), MIN)
        .is_empty());
    let f = b.observe(
        &static_voyage(265_000_003, 9_074_729, "OCEAN STAR"),
        2 * MIN,
    );
    let fields: Vec<&str> = f
        .iter()
        .map(|x| x.evidence["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "imo"], "{f:?}");
    let f = b.observe(
        &static_voyage(636_000_004, 9_074_729, "OCEAN STAR"),
        3 * MIN,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].evidence["mmsis"],
        serde_json::json!([265_000_003, 636_000_004])
    );
}

/// The Danish Maritime Authority's three labelled tracks: drift found on FRIO near the
/// authority's event time and not on STOC MARCIA, LOTUS's sudden speed change found at the
/// authority's time. (`cargo run -p hamnvakt-maritime --example dma_report` prints the report.)
#[test]
fn the_authoritys_labelled_tracks() {
    let dir = ais_data().join("real/dma-aisabnormal");
    let run = |file: &str| {
        let text = read(&dir.join(file));
        let mut d = Decoder::new();
        let mut b = Behaviour::new(BehaviourSettings::default());
        let mut found = Vec::new();
        for line in text.split(|&c| c == b'\n') {
            if let Feed::Message(m, meta) = d.feed(line) {
                if let Some(t) = meta.time_ms {
                    found.extend(b.observe(&m, t));
                }
            }
        }
        found
    };
    let frio = run("538004030_drift_1.ais");
    let drift: Vec<_> = frio.iter().filter(|f| f.kind == "ais.drift").collect();
    assert_eq!(drift.len(), 1, "{frio:?}");
    let detected = drift[0].evidence["now"]["at_ms"].as_i64().unwrap();
    let dma = 1_411_923_004_556; // 2014-09-28T16:50:04.556Z
    assert!(
        (detected - dma).abs() <= 5 * MIN,
        "detected {detected}, DMA {dma}"
    );

    assert!(run("212123000_drift_1.ais")
        .iter()
        .all(|f| f.kind != "ais.drift"));

    let lotus = run("219165000_ssc_1.ais");
    let ssc: Vec<_> = lotus
        .iter()
        .filter(|f| f.kind == "ais.sudden_speed_change")
        .collect();
    assert_eq!(ssc.len(), 1, "{lotus:?}");
    let dma = 1_412_525_411_424; // 2014-10-05T16:10:11.424Z
    assert!(
        (ssc[0].at_ms - dma).abs() <= 1_000,
        "{} vs {dma}",
        ssc[0].at_ms
    );
}

/// The detectors' memory survives a restart: a day of traffic (vessels under way, going dark,
/// drifting, two meeting slowly at sea, one IMO number on two MMSIs) cut anywhere, its state
/// written as JSON and taken up by a fresh `Behaviour`, finds exactly what one uninterrupted
/// run finds after the cut.
#[test]
fn a_restored_state_finds_what_an_uninterrupted_run_finds() {
    let mut seed: u64 = 0x5eed_1234;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as f64 / (1u64 << 31) as f64
    };
    let mut day: Vec<(Message, i64)> = Vec::new();
    day.push((static_voyage(265_000_010, 9_123_456, "NORDIC STAR"), 0));
    for step in 0..400i64 {
        let t = step * MIN;
        // Twenty vessels sailing east; one of them silent between steps 100 and 250.
        for v in 0..20u32 {
            let mmsi = 265_000_100 + v;
            if v == 3 && (100..250).contains(&step) {
                continue;
            }
            let lat = 59.0 + f64::from(v) * 0.02 + next() * 0.001;
            let lon = 19.0 + step as f64 * 0.004;
            day.push((position(mmsi, lat, lon, 12.0 + next()), t));
        }
        // Two vessels stopped side by side at sea for two hours: an encounter.
        if (150..270).contains(&step) {
            day.push((position(265_000_050, 59.60, 20.10, 0.5), t));
            day.push((position(265_000_051, 59.6004, 20.1004, 0.4), t + 1000));
        }
        // The same IMO number under a second MMSI.
        if step == 300 {
            day.push((static_voyage(265_000_011, 9_123_456, "NORDIC STAR"), t));
        }
    }
    let mut whole = Behaviour::new(BehaviourSettings::default());
    let all: Vec<Vec<_>> = day.iter().map(|(m, t)| whole.observe(m, *t)).collect();
    let found: usize = all.iter().map(Vec::len).sum();
    assert!(
        found >= 3,
        "the day finds a gap, an encounter and an identity change: {all:?}"
    );
    for cut in [1usize, 2_500, 3_100, 5_000, 6_000, day.len() - 1] {
        let mut before = Behaviour::new(BehaviourSettings::default());
        for (m, t) in &day[..cut] {
            before.observe(m, *t);
        }
        let json = serde_json::to_string(&before.state()).unwrap();
        let mut after = Behaviour::new(BehaviourSettings::default());
        after.restore(serde_json::from_str(&json).unwrap());
        assert_eq!(after.len(), before.len());
        for (i, (m, t)) in day.iter().enumerate().skip(cut) {
            assert_eq!(
                after.observe(m, *t),
                all[i],
                "message {i} after a cut at {cut}"
            );
        }
    }
}
