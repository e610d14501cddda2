//! Runs the behaviour detectors over the Danish Maritime Authority's three labelled tracks and
//! prints what fired and when, beside the authority's own event times.
//!
//! `cargo run --release -p hamnvakt-maritime --example dma_report`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use hamnvakt_ais::{Decoder, Feed};
use hamnvakt_maritime::behaviour::{Behaviour, BehaviourSettings};

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn iso(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

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
            let detected = f.evidence["now"]["at_ms"]
                .as_i64()
                .or(f.evidence["slow"]["at_ms"].as_i64());
            println!(
                "  {} {} (event from {}, detected {})",
                f.kind,
                serde_json::to_string(&f.message).unwrap_or_default(),
                iso(f.at_ms),
                detected.map(iso).unwrap_or_default()
            );
        }
    }
}
