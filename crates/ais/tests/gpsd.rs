//! Conformance with gpsd: our `gpsdecode -u -c` output against gpsd's own expected output for
//! the shared half of its regression sample, and against `gpsdecode` itself (Debian's
//! `gpsd-clients`, installed by `scripts/test`) on every AIS corpus in `shared/data/ais` and on
//! thousands of random messages of every type and length.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use rand::{Rng, SeedableRng};

#[test]
fn reproduces_gpsds_expected_output_for_the_shared_sample() {
    let dir = ais_data().join("gpsd");
    let ours = csv_of(&read(&dir.join("sample-shared.aivdm")));
    let expected = String::from_utf8(read(&dir.join("sample-shared.aivdm.chk"))).unwrap();
    assert_eq!(ours.lines().count(), 56);
    for (i, (a, b)) in ours.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, b, "line {} differs", i + 1);
    }
    assert_eq!(ours, expected, "byte for byte");
}

/// gpsd's decoder as an oracle: `gpsdecode -u -c`, its carriage returns removed.
fn gpsdecode(input: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("gpsdecode")
        .args(["-u", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "gpsdecode is needed as the reference decoder ({e}): install Debian's gpsd-clients \
                 (scripts/test does it)"
            )
        });
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

fn assert_same(label: &str, input: &[u8]) {
    // gpsd drops a last line that has no newline (an unfinished packet); we decode it.
    let mut input = input.to_vec();
    if input.last().is_some_and(|&b| b != b'\n') {
        input.push(b'\n');
    }
    let input = &input[..];
    let theirs = gpsdecode(input);
    let ours = csv_of(input);
    let (t, o): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
    for (i, (a, b)) in t.iter().zip(&o).enumerate() {
        assert_eq!(
            b,
            a,
            "{label}: output line {} differs (ours, then gpsd's)",
            i + 1
        );
    }
    assert_eq!(o.len(), t.len(), "{label}: number of messages");
}

#[test]
fn agrees_with_gpsdecode_on_every_corpus() {
    let dir = ais_data();
    let mut files = Vec::new();
    for sub in [
        "gpsd",
        "gpsd/daemon",
        "libais",
        "pyais",
        "real/dma-aisabnormal",
    ] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let skip = name.ends_with(".md")
                || name.ends_with(".json")
                || name.ends_with(".chk")
                || name == "LICENSE"
                || name == "COPYING";
            if p.is_file() && !skip {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 20, "found only {} corpus files", files.len());
    for f in files {
        assert_same(&f.display().to_string(), &read(&f));
    }
}

/// The shortest and longest message gpsd takes for each type, a little wider on each side.
const LENGTHS: [(u8, usize, usize); 27] = [
    (1, 160, 200),
    (2, 160, 200),
    (3, 160, 200),
    (4, 165, 200),
    (5, 415, 440),
    (6, 86, 420),
    (7, 70, 170),
    (8, 54, 420),
    (9, 165, 200),
    (10, 70, 80),
    (11, 165, 200),
    (12, 70, 300),
    (13, 70, 170),
    (14, 38, 300),
    (15, 86, 170),
    (16, 94, 170),
    (17, 78, 400),
    (18, 165, 200),
    (19, 310, 330),
    (20, 70, 190),
    (21, 270, 370),
    (22, 165, 200),
    (23, 158, 200),
    (24, 158, 200),
    (25, 38, 170),
    (26, 58, 400),
    (27, 94, 170),
];

#[test]
fn agrees_with_gpsdecode_on_random_messages_of_every_type() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(20261128);
    let apps: [(u64, u64); 13] = [
        (1, 11),
        (1, 31),
        (235, 10),
        (250, 10),
        (1, 12),
        (1, 14),
        (1, 16),
        (1, 13),
        (200, 10),
        (200, 21),
        (200, 55),
        (1, 40),
        (366, 56),
    ];
    for (t, lo, hi) in LENGTHS {
        let mut lines = Vec::new();
        for _ in 0..400 {
            let mut len = rng.gen_range(lo..=hi);
            if t == 27 && rng.gen_bool(0.5) {
                len = if rng.gen_bool(0.5) { 96 } else { 168 };
            }
            let mut w = BitWriter::default()
                .u(u64::from(t), 6)
                .u(rng.gen_range(0..4), 2)
                .u(rng.gen_range(0..1 << 30), 30);
            if (t == 6 || t == 8) && rng.gen_bool(0.6) {
                let (dac, fid) = apps[rng.gen_range(0..apps.len())];
                if t == 6 {
                    w = w.u(rng.gen_range(0..1 << 32), 32).u(rng.gen_range(0..4), 2);
                } else {
                    w = w.u(rng.gen_range(0..4), 2);
                }
                w = w.u(dac, 10).u(fid, 6);
            }
            if t == 24 && rng.gen_bool(0.5) {
                // A part A, then a part B of the same station.
                let head = w.bits[..38].to_vec();
                let a_len = if rng.gen_bool(0.5) { 160 } else { 168 };
                let mut a = BitWriter::default().raw(&head).u(0, 2);
                while a.bits.len() < a_len {
                    a = a.u(rng.gen_range(0..2), 1);
                }
                lines.push(a.sentence(false));
                w = BitWriter::default().raw(&head).u(1, 2);
            }
            while w.bits.len() < len {
                w = w.u(rng.gen_range(0..2), 1);
            }
            let w = w.truncate(len);
            lines.push(w.sentence(rng.gen_bool(0.5)));
        }
        let input = lines.join("\n") + "\n";
        assert_same(&format!("random type {t} messages"), input.as_bytes());
    }
}

#[test]
fn interleaved_fragments_from_two_channels_both_arrive() {
    // Two two-fragment type 5 messages whose fragments interleave on channels A and B.
    let a = BitWriter::default().u(5, 6).u(0, 2).u(265_001_001, 30);
    let b = BitWriter::default().u(5, 6).u(0, 2).u(265_002_002, 30);
    let (a, b) = (a.truncate(424), b.truncate(424));
    let (pa, fa) = a.armor(false);
    let (pb, fb) = b.armor(false);
    let lines = [
        sentence(2, 1, Some(3), 'A', &pa[..40], 0),
        sentence(2, 1, Some(4), 'B', &pb[..40], 0),
        sentence(2, 2, Some(3), 'A', &pa[40..], fa),
        sentence(2, 2, Some(4), 'B', &pb[40..], fb),
        // an orphan second fragment, then a first fragment that never completes
        sentence(2, 2, Some(7), 'A', &pa[40..], fa),
        sentence(2, 1, Some(8), 'A', &pa[..40], 0),
    ];
    let input = lines.join("\n");
    let mut d = hamnvakt_ais::Decoder::new();
    let mmsis: Vec<u32> = input
        .lines()
        .filter_map(|l| match d.feed(l.as_bytes()) {
            hamnvakt_ais::Feed::Message(m, _) => Some(m.mmsi),
            _ => None,
        })
        .collect();
    assert_eq!(mmsis, [265_001_001, 265_002_002]);
    assert_eq!(d.assembly().orphans, 1);
}
