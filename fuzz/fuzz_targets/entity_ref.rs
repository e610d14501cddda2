//! Fuzz target: an entity reference as the API and the console take it (`container:MSKU4839210`,
//! `vessel:mmsi:265123456`, `vessel_call:imo:9214432/SENYN/2026-12-05`), and a manifest's vessel
//! call (`IMO 9214432 SENYN 2026-12-05`). A reference that parses prints as one that parses back
//! to the same reference; an alert subject of any kind with the input as its key is read without
//! a panic.

#![no_main]

use hamnvakt_core::alert::{SubjectKind, SubjectRef};
use hamnvakt_core::entity::{parse_manifest_call, EntityRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_manifest_call(text);
    for kind in SubjectKind::ALL {
        let s = SubjectRef {
            kind,
            reference: text.to_owned(),
            label: None,
        };
        if let Ok(e) = s.entity() {
            assert_eq!(e.kind(), kind);
        }
    }
    let Ok(e) = text.parse::<EntityRef>() else {
        return;
    };
    let shown = e.to_string();
    let again: EntityRef = match shown.parse() {
        Ok(x) => x,
        Err(err) => panic!("{text:?} printed as {shown:?}, which does not parse: {err}"),
    };
    assert_eq!(e, again, "{text:?} printed as {shown:?}");
    assert_eq!(EntityRef::parse_key(e.kind(), &e.key()).as_ref(), Ok(&e));
});
