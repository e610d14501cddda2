//! Fuzz target: arbitrary bytes as a feed — split into lines, each through the decoder and the
//! gpsd formatter. Nothing may panic, and the reassembly table must stay within its size.
//!
//! `cargo fuzz run decode_lines` from `crates/ais` (cargo-fuzz, nightly Rust).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut decoder = hamnvakt_ais::Decoder::new();
    let mut csv = hamnvakt_ais::gpsd::Csv::new();
    let mut out = String::new();
    for line in data.split(|&b| b == b'\n') {
        if let hamnvakt_ais::Feed::Message(m, _) = decoder.feed(line) {
            out.clear();
            let _ = csv.line(&m, &mut out);
            let _ = serde_json::to_string(&m);
        }
    }
});
