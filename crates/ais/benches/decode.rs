//! Decoder throughput on one core: the Danish 5-minute feed (DMA/Gatehouse framing, 77 % type 1)
//! and gpsd's shared regression sample (binary-heavy, every type; ten comment lines per
//! sentence, so it is also run with the sentence lines alone), each repeated to about a
//! million sentences, decoded line by line from memory as a feed would be. Reports sentences
//! per second, the median of five runs.
//!
//! `cargo bench -p hamnvakt-ais --bench decode`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::time::Instant;

use hamnvakt_ais::{Decoder, Feed};

fn corpus(path: &std::path::Path, gz: bool) -> Vec<u8> {
    if gz {
        std::process::Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .output()
            .expect("gzip runs")
            .stdout
    } else {
        std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

fn run(label: &str, one: &[u8], sentences_only: bool) {
    let kept: Vec<u8>;
    let one = if sentences_only {
        kept = one
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"!"))
            .flat_map(|l| l.iter().copied().chain(std::iter::once(b'\n')))
            .collect();
        &kept[..]
    } else {
        one
    };
    let base: Vec<&[u8]> = one
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"!"))
        .collect();
    let reps = (1_000_000 / base.len().max(1)).max(1);
    let all: Vec<u8> = std::iter::repeat_n(one, reps).flatten().copied().collect();
    let lines: Vec<&[u8]> = all.split(|&b| b == b'\n').collect();
    let sentences = base.len() * reps;
    let mut rates = Vec::new();
    let mut messages = 0;
    for _ in 0..5 {
        let mut d = Decoder::new();
        messages = 0;
        let t = Instant::now();
        for l in &lines {
            if let Feed::Message(m, _) = d.feed(l) {
                messages += 1;
                std::hint::black_box(&m);
            }
        }
        rates.push(sentences as f64 / t.elapsed().as_secs_f64());
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "| {label} | {} lines | {sentences} sentences | {messages} messages | {:.2} M sentences/s |",
        lines.len(),
        rates[2] / 1e6
    );
}

fn main() {
    let data = std::env::var_os("HAMNVAKT_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
        })
        .join("ais");
    assert!(
        data.is_dir(),
        "shared AIS data missing at {} (set HAMNVAKT_SHARED_DATA)",
        data.display()
    );
    run(
        "DMA real feed",
        &corpus(&data.join("real/dma-aisabnormal/ais-sample.txt.gz"), true),
        false,
    );
    let gpsd = corpus(&data.join("gpsd/sample-shared.aivdm"), false);
    run("gpsd shared sample, whole file", &gpsd, false);
    run("gpsd shared sample, sentence lines only", &gpsd, true);
}
