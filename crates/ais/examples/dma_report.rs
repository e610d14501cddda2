//! Runs the behaviour detectors over the Danish Maritime Authority's three labelled tracks and
//! prints what fired and when, beside the authority's own event times.
//!
//! `cargo run --release -p hamnvakt-ais --example dma_report`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use hamnvakt_ais::behaviour::{Behaviour, BehaviourSettings};
use hamnvakt_ais::{Decoder, Feed};

fn main() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/ais/real/dma-aisabnormal");
    for (file, label) in [
        (
            "538004030_drift_1.ais",
            "FRIO: drift from 2014-09-28T16:50:04.556Z",
        ),
        (
            "212123000_drift_1.ais",
            "STOC MARCIA: no drift (negative case)",
        ),
        (
            "219165000_ssc_1.ais",
            "LOTUS: sudden speed change at 2014-10-05T16:10:11.424Z",
        ),
    ] {
        let text = std::fs::read(dir.join(file)).expect("DMA track (shared/data)");
        let mut d = Decoder::new();
        let mut b = Behaviour::new(BehaviourSettings::default());
        let (mut messages, mut findings) = (0, Vec::new());
        for line in text.split(|&c| c == b'\n') {
            if let Feed::Message(m, meta) = d.feed(line) {
                messages += 1;
                let Some(t) = meta.time_ms else { continue };
                findings.extend(b.observe(&m, t));
            }
        }
        println!(
            "{file} — {label}: {messages} messages, {} findings",
            findings.len()
        );
        for f in findings {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(f.at_ms as u64);
            println!("  {:?} {} {}", at, f.kind, f.title);
        }
    }
}
