//! Fuzz target: a STIX 2.1 bundle or TAXII envelope as the import, a TAXII POST and a partner
//! feed read it (`hamnvakt_sharing::stix::read_bundle`), then every indicator pattern read back
//! as the matcher does. Reading must never panic; what it takes must hold what it promises.

#![no_main]

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
    }
});
