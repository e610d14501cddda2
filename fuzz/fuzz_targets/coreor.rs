//! Fuzz target: EDIFACT COREOR container release orders as lines and agents send them, read
//! by `hamnvakt_release::coreor::parse`, which must answer every input with orders or a
//! positioned error. Every order it gives has a container whose check digit holds.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match hamnvakt_release::coreor::parse(data) {
        Ok(orders) => {
            for o in orders {
                assert!(hamnvakt_release::container::container_number("c", &o.container).is_ok());
                assert!(!o.bill_of_lading.is_empty());
            }
        }
        Err(e) => assert!(e.offset <= data.len().max(hamnvakt_release::coreor::MAX_INPUT)),
    }
});
