//! Fuzz target: a catalogue of controls as `POST /api/v1/assessments/catalogues` reads it —
//! JSON (`Catalogue::from_json`) when the input starts with `{`, otherwise CSV rows
//! (`Catalogue::from_csv`) over the built-in catalogue's instruments and topics. Reading must
//! never panic, and a catalogue that was read is one its own CSV export reads back to the
//! same controls (what the console exports can be imported again).

#![no_main]

use hamnvakt_assessment::Catalogue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = Catalogue::builtin();
    let read = if text.trim_start().starts_with('{') {
        Catalogue::from_json(text)
    } else {
        Catalogue::from_csv(text, "2099.1", "2099-01-01", &base)
    };
    let Ok(cat) = read else {
        return;
    };
    let again = Catalogue::from_csv(&cat.to_csv(), &cat.version, &cat.published, &cat)
        .expect("a catalogue's own CSV reads back");
    assert_eq!(again.controls, cat.controls);
    let _ = cat.harmonise();
});
