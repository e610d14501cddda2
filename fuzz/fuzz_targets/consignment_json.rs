//! Fuzz target: the JSON bodies of the consignment API, parsed as the API parses them. The
//! first byte chooses the body: even, a consignment (`POST /api/v1/consignments`); odd, an
//! inspection outcome (`PUT /api/v1/consignments/{id}/outcome`).
//!
//! A consignment is normalised and validated; one that is valid stays the same when normalised
//! again, survives a JSON round trip and gives a model record. Nothing may panic.

#![no_main]

use hamnvakt_server::web::extract::parse_json;
use hamnvakt_targeting::consignment::Consignment;
use hamnvakt_targeting::outcome::Outcome;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    if mode % 2 == 1 {
        if let Ok(o) = parse_json::<Outcome>(body) {
            let _ = o.validate();
        }
        return;
    }
    let Ok(mut c) = parse_json::<Consignment>(body) else {
        return;
    };
    c.normalise();
    if !c.validate().is_empty() {
        return;
    }
    let mut again = c.clone();
    again.normalise();
    assert_eq!(again, c, "normalising twice changed a consignment");
    let json = serde_json::to_string(&c).expect("a consignment serialises");
    let back: Consignment = serde_json::from_str(&json).expect("and reads back");
    assert_eq!(back, c);
    let r = c.record(None);
    assert_eq!(
        r.categorical.len(),
        hamnvakt_targeting::consignment::model_mapping_v1()
            .categorical
            .len()
    );
    let m = hamnvakt_targeting::consignment::model_mapping();
    let ctx = hamnvakt_targeting::profile::Context::learn([&c]);
    let r = c.record_for(&m, None, &ctx);
    assert_eq!(r.categorical.len(), m.categorical.len());
    assert_eq!(r.numeric.len(), m.numeric.len());
});
