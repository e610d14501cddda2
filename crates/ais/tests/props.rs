//! Property tests: any line at all is read without a panic (and an error says why); messages
//! built from random fields decode back to the same fields; fragments split anywhere and
//! interleaved with another station's reassemble to the same message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use hamnvakt_ais::{Body, Decoder, Feed};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_read_without_panicking(line in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut d = Decoder::new();
        let _ = d.feed(&line);
        let mut framed = b"!AIVDM,1,1,,A,".to_vec();
        framed.extend_from_slice(&line);
        let _ = d.feed(&framed);
    }

    #[test]
    fn any_payload_is_decoded_or_refused_with_a_reason(
        payload in "[0-9:;<=>?@A-W`a-w]{0,120}",
        fill in 0u8..6,
        total in 1u8..4,
        number in 1u8..4,
    ) {
        let mut d = Decoder::new();
        let line = sentence(total, number.min(total), Some(1), 'B', &payload, fill);
        match d.feed(line.as_bytes()) {
            Feed::Error(e) => prop_assert!(!e.to_string().is_empty()),
            Feed::Message(m, _) => prop_assert!((1..=27).contains(&m.msg_type)),
            Feed::Pending | Feed::Skipped => {}
        }
    }

    #[test]
    fn position_reports_round_trip(
        mmsi in 0u32..(1 << 30),
        lon in -108_000_000i32..=108_600_000,
        lat in -54_000_000i32..=54_600_000,
        speed in 0u16..1024,
        course in 0u16..3601,
        heading in 0u16..512,
        pad in any::<bool>(),
    ) {
        let w = BitWriter::default()
            .u(1, 6).u(0, 2).u(u64::from(mmsi), 30).u(0, 4).i(-128, 8)
            .u(u64::from(speed), 10).u(1, 1).i(i64::from(lon), 28).i(i64::from(lat), 27)
            .u(u64::from(course), 12).u(u64::from(heading), 9).u(60, 6).u(0, 2).u(0, 3)
            .u(0, 1).u(0, 19);
        let mut d = Decoder::new();
        let Feed::Message(m, _) = d.feed(w.sentence(pad).as_bytes()) else {
            return Err(TestCaseError::fail("no message"));
        };
        prop_assert_eq!(m.mmsi, mmsi);
        let Body::PositionA(p) = m.body else { return Err(TestCaseError::fail("not type 1")) };
        prop_assert_eq!((p.lon, p.lat, p.speed, p.course, p.heading), (lon, lat, speed, course, heading));
        // Full precision: the degrees are the exact quotient, and "not available" is None.
        match m.position() {
            Some((la, lo)) => {
                prop_assert_eq!(la, f64::from(lat) / 600_000.0);
                prop_assert_eq!(lo, f64::from(lon) / 600_000.0);
            }
            // 91° and 181° mean "not available"; anything past ±90° / ±180° is invalid.
            None => prop_assert!(lat.abs() > 54_000_000 || lon.abs() > 108_000_000),
        }
        prop_assert_eq!(m.speed_kn().is_none(), speed == 1023);
        prop_assert_eq!(m.course_deg().is_none(), course >= 3600);
        prop_assert_eq!(m.heading_deg().is_none(), heading >= 360);
    }

    #[test]
    fn fragments_split_anywhere_and_interleaved_reassemble(
        cut in 1usize..70,
        name in "[A-Z ]{1,20}",
    ) {
        let text: Vec<u64> = name.bytes().map(|c| if c == b' ' { 32 } else { u64::from(c - 64) }).collect();
        let build = |mmsi: u64| {
            let mut w = BitWriter::default().u(5, 6).u(0, 2).u(mmsi, 30).u(0, 2).u(9_134_270, 30)
                .u(0, 42);
            for k in 0..20 {
                w = w.u(*text.get(k).unwrap_or(&0), 6);
            }
            w.u(70, 8).truncate(424)
        };
        let (pa, fa) = build(265_000_001).armor(false);
        let (pb, fb) = build(265_000_002).armor(false);
        let lines = [
            sentence(2, 1, Some(1), 'A', &pa[..cut], 0),
            format!("\\s:other*{:02X}\\{}", b"s:other".iter().fold(0u8, |a, b| a ^ b), sentence(2, 1, Some(1), 'A', &pb[..cut], 0)),
            sentence(2, 2, Some(1), 'A', &pa[cut..], fa),
            format!("\\s:other*{:02X}\\{}", b"s:other".iter().fold(0u8, |a, b| a ^ b), sentence(2, 2, Some(1), 'A', &pb[cut..], fb)),
        ];
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for l in &lines {
            if let Feed::Message(m, _) = d.feed(l.as_bytes()) {
                let Body::StaticVoyage(s) = m.body else { return Err(TestCaseError::fail("not type 5")) };
                got.push((m.mmsi, s.shipname.as_str().to_owned()));
            }
        }
        let want = name.trim_end().to_owned();
        prop_assert_eq!(got, vec![(265_000_001, want.clone()), (265_000_002, want)]);
    }
}

#[test]
fn the_reassembly_table_is_bounded() {
    let mut d = Decoder::new();
    // A thousand first fragments that never complete: the table stays at its size and the
    // oldest are evicted, not kept.
    for seq in 0..1000u32 {
        let line = sentence(
            2,
            1,
            Some((seq % 10) as u8),
            if seq % 2 == 0 { 'A' } else { 'B' },
            "55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8",
            0,
        );
        let tagged = format!(
            "\\s:st{seq}*{:02X}\\{line}",
            format!("s:st{seq}").bytes().fold(0u8, |a, b| a ^ b)
        );
        assert_eq!(d.feed(tagged.as_bytes()), Feed::Pending);
    }
    assert!(d.assembly().evicted >= 1000 - hamnvakt_ais::assemble::SLOTS as u64);
}
