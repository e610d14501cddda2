//! Fuzz target: a partner port's best-practice export (`hamnvakt.practices/1`) as
//! `POST /api/v1/assessments/practices/import` reads it — the JSON parsed as the API parses
//! every body (`parse_json`), the format checked (`PracticeExport::into_items`), then every
//! practice and marking checked against the built-in catalogue for the partner that sends it
//! (`check_import`). Nothing may panic; what is read writes back to JSON that reads the same,
//! and what is taken in is shared with the alliance and nothing narrower.

#![no_main]

use std::sync::OnceLock;

use hamnvakt_assessment::practice::{check_import, PracticeExport};
use hamnvakt_assessment::Catalogue;
use hamnvakt_core::marking::Audience;
use hamnvakt_server::web::extract::parse_json;
use libfuzzer_sys::fuzz_target;

fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(Catalogue::builtin)
}

fuzz_target!(|data: &[u8]| {
    let Ok(export) = parse_json::<PracticeExport>(data) else {
        return;
    };
    let again = serde_json::to_vec(&export).expect("an export writes as JSON");
    assert_eq!(parse_json::<PracticeExport>(&again).ok().as_ref(), Some(&export));
    let Ok(items) = export.into_items() else {
        return;
    };
    let from = "0b0e7d2c-6a55-4f1e-9d3a-0c1f7a1e2b3c".parse().expect("an org id");
    if check_import(from, &items, catalogue()).is_ok() {
        assert!(!items.is_empty());
        assert!(items.iter().all(|(_, m)| m.audience == Audience::Alliance));
    }
});
