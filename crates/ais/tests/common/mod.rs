//! Shared helpers for the AIS tests: the corpus files and messages built bit by bit
//! (`hamnvakt_testkit::ais`), and the decoder run the way `hamnvakt ais decode` runs it.

#![allow(dead_code)]

use hamnvakt_ais::gpsd::Csv;
use hamnvakt_ais::{Decoder, Feed};
pub use hamnvakt_testkit::ais::*;

/// Every line through the decoder and gpsd's CSV format, as `hamnvakt ais decode` prints it.
pub fn csv_of(input: &[u8]) -> String {
    let mut d = Decoder::new();
    let mut csv = Csv::new();
    let mut out = String::new();
    for line in input.split(|&b| b == b'\n') {
        if let Feed::Message(m, _) = d.feed(line) {
            if csv.line(&m, &mut out) {
                out.push('\n');
            }
        }
    }
    out
}
