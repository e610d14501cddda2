//! Fuzz target: consignment and declaration CSV files with their column mappings. The first
//! byte chooses the reader and mapping:
//!
//! - 0: consignments through the built-in `kcs` mapping (`POST /api/v1/consignments/import`);
//! - 1: consignments through the built-in `hamnvakt` mapping;
//! - 2: a consignment mapping file (JSON) from the input, then a NUL byte, then the CSV;
//! - 3: declarations for training and scoring through the built-in `kcs` mapping;
//! - 4: a declaration mapping file (JSON), a NUL byte, then the CSV.
//!
//! Nothing may panic; every consignment kept validates and survives a JSON round trip, and
//! every error names a line of the file.

#![no_main]

use hamnvakt_targeting::consignment::{read_consignments, Consignment, ConsignmentMapping};
use hamnvakt_targeting::features::Encoder;
use hamnvakt_targeting::mapping::{self, Mapping};
use libfuzzer_sys::fuzz_target;

fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    }
}

/// Lines in the file, as the CSV reader counts them (a final line without its newline counts).
fn lines(csv: &[u8]) -> u64 {
    csv.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn consignments(csv: &[u8], m: &ConsignmentMapping) {
    let Ok(import) = read_consignments(csv, m, |_| {}) else {
        return;
    };
    let last = lines(csv);
    for e in &import.errors {
        assert!(
            (1..=last).contains(&e.row),
            "error on line {} of a file of {last} lines: {e:?}",
            e.row
        );
    }
    for c in &import.consignments {
        assert!(c.validate().is_empty(), "kept an invalid consignment {c:?}");
        let json = serde_json::to_string(c).expect("a consignment serialises");
        let back: Consignment = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(&back, c);
        let _ = c.record(None);
    }
}

fn declarations(csv: &[u8], m: &Mapping, strict: bool) {
    let Ok(loaded) = mapping::read_from(csv, "fuzz.csv", m, strict) else {
        return;
    };
    let encoder = Encoder::fit(m, &loaded.records);
    let rows = encoder.matrix(&loaded.records);
    for r in &rows {
        assert_eq!(r.len(), encoder.width());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => consignments(rest, &ConsignmentMapping::kcs()),
        1 => consignments(rest, &ConsignmentMapping::hamnvakt()),
        2 => {
            let (m, csv) = split(rest);
            if let Ok(m) = ConsignmentMapping::from_json(&String::from_utf8_lossy(m)) {
                consignments(csv, &m);
            }
        }
        3 => declarations(rest, &Mapping::kcs(), mode & 0x80 != 0),
        _ => {
            let (m, csv) = split(rest);
            if let Ok(m) = Mapping::from_json(&String::from_utf8_lossy(m)) {
                declarations(csv, &m, mode & 0x80 != 0);
            }
        }
    }
});
