//! Real samples from other decoders' test suites: libais's one-message-per-type examples
//! against their expected values, and pyais's real-traffic samples decoding without errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use hamnvakt_ais::{Body, Decoder, Feed};

#[test]
fn libais_type_examples_decode_to_their_expected_values() {
    let dir = ais_data().join("libais");
    let nmea = String::from_utf8(read(&dir.join("typeexamples.nmea"))).unwrap();
    let expected: Vec<serde_json::Value> = String::from_utf8(read(&dir.join("typeexamples.json")))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut d = Decoder::new();
    let mut got = Vec::new();
    for line in nmea.lines() {
        if let Feed::Message(m, _) = d.feed(line.as_bytes()) {
            got.push(m);
        }
    }
    assert_eq!(got.len(), expected.len(), "one message per example");
    let mut positions = 0;
    for (m, e) in got.iter().zip(&expected) {
        assert_eq!(u64::from(m.msg_type), e["type"].as_u64().unwrap());
        assert_eq!(
            u64::from(m.mmsi),
            e["mmsi"].as_u64().unwrap(),
            "type {}",
            m.msg_type
        );
        // libais prints scaled positions as f32; ours are exact, so compare to f32 precision.
        if let (Some(lat), Some(lon)) = (e["lat"].as_f64(), e["lon"].as_f64()) {
            let raw = match &m.body {
                Body::PositionA(p) => Some((p.lat, p.lon, 600_000.0)),
                Body::PositionB(p) => Some((p.lat, p.lon, 600_000.0)),
                Body::BaseStation(p) => Some((p.lat, p.lon, 600_000.0)),
                Body::SarPosition(p) => Some((p.lat, p.lon, 600_000.0)),
                Body::AidToNavigation(p) => Some((p.lat, p.lon, 600_000.0)),
                Body::LongRange(p) => Some((p.lat, p.lon, 600.0)),
                Body::Dgnss(p) => Some((p.lat, p.lon, 600.0)),
                _ => None,
            };
            if let Some((la, lo, scale)) = raw {
                assert!(
                    (f64::from(la) / scale - lat).abs() < 1e-4,
                    "type {} lat",
                    m.msg_type
                );
                assert!(
                    (f64::from(lo) / scale - lon).abs() < 1e-4,
                    "type {} lon",
                    m.msg_type
                );
                positions += 1;
            }
        }
        // (The type 21 name is not compared: this JSON was written by gpsd, whose JSON
        // writer replaces `_` and `'` in names; our CSV output matches gpsd's CSV exactly.)
        if let Body::StaticVoyage(s) = &m.body {
            assert_eq!(s.shipname.as_str(), e["shipname"]);
        }
    }
    assert!(positions >= 8, "positions compared: {positions}");
}

#[test]
fn pyais_real_samples_decode_without_errors() {
    let dir = ais_data().join("pyais");
    // File, and the lines it holds on purpose that are not valid AIS (pyais's tests check
    // that they are skipped): a tag block without its checksum, a fragment count of 0, a
    // sentence whose checksum does not match.
    for (file, invalid_on_purpose) in [
        ("nmea_data_sample.txt", 0),
        ("messages.ais", 0),
        ("timestamped.ais", 0),
        ("examples-gatehouse.nmea", 0),
        ("ais_test_messages", 0),
        ("examples-sample.ais", 2),
        ("mixed.txt", 1),
    ] {
        let text = read(&dir.join(file));
        let mut d = Decoder::new();
        for line in text.split(|&b| b == b'\n') {
            let _ = d.feed(line);
        }
        assert_eq!(
            d.stats.malformed, invalid_on_purpose,
            "{file}: {:?}",
            d.stats
        );
        assert!(d.stats.messages > 0, "{file}");
    }
}

#[test]
fn the_danish_feed_keeps_station_and_receive_time() {
    let text = read(&ais_data().join("real/dma-aisabnormal/ais-sample.txt.gz"));
    let mut d = Decoder::new();
    let (mut timed, mut total) = (0, 0);
    for line in text.split(|&b| b == b'\n') {
        if let Feed::Message(_, meta) = d.feed(line) {
            if meta.own {
                continue; // the base stations' own VDO reports come without a $PGHP header
            }
            total += 1;
            if let Some(t) = meta.time_ms {
                // 2013-11-12 12:00–12:05 UTC
                assert!((1_384_257_600_000..1_384_258_000_000).contains(&t), "{t}");
                assert!(!meta.source.is_empty());
                timed += 1;
            }
        }
    }
    assert_eq!(
        d.stats.messages, 26_077,
        "messages in the 5-minute sample (SOURCE.md)"
    );
    assert!(
        timed * 1000 / total >= 999,
        "{timed} of {total} have a receive time"
    );
}
