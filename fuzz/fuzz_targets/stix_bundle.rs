//! Fuzz target: a STIX 2.1 bundle or TAXII envelope as the import, a TAXII POST and a partner
//! feed read it (`hamnvakt_sharing::stix::read_bundle`), then every indicator pattern read back
//! as the matcher does and every best practice read as the practice library takes it in.
//! Reading must never panic; what it takes must hold what it promises.

#![no_main]

use hamnvakt_assessment::Catalogue;
use hamnvakt_server::assessment::{practice_from_stix, practice_to_stix};
use hamnvakt_sharing::objects::watch_of;
use hamnvakt_sharing::stix::read_bundle;
use hamnvakt_sharing::IndicatorKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(read) = read_bundle(data) else {
        return;
    };
    for o in &read.objects {
        assert!(o.id.starts_with(&o.ty));
        if let Some(p) = o.body.get("pattern").and_then(|p| p.as_str()) {
            if let Some((kind, value)) = IndicatorKind::from_pattern(p) {
                // A pattern read back is one the kind writes again the same way.
                assert_eq!(IndicatorKind::from_pattern(&kind.pattern(&value)), Some((kind, value)));
            }
        }
        let _ = watch_of(&o.body);
        if o.ty == hamnvakt_sharing::stix::BEST_PRACTICE_TYPE {
            let cat = Catalogue::builtin();
            if let Ok(p) = practice_from_stix("", &o.body, &cat) {
                // A practice taken in is written out again as the same practice.
                let owner = "0b0e7d2c-6a55-4f1e-9d3a-0c1f7a1e2b3c".parse().expect("an org id");
                let again = practice_to_stix("4a7f0f2e-9b0c-4d8e-8f1a-2b3c4d5e6f70", owner, &p, 0, &cat.version);
                assert_eq!(practice_from_stix("", &again, &cat).ok(), Some(p));
            }
        }
    }
});
