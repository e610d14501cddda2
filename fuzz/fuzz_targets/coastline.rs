//! Fuzz target: the map's base-layer converter (`crates/server/src/maritime/coastline.rs`,
//! which `build.rs` runs on the coastline package's GeoJSON). Any bytes: an error or a
//! document, never a panic, and what it writes is JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/server/src/maritime/coastline.rs"]
mod coastline;

fuzz_target!(|data: &[u8]| {
    let layers = coastline::console_layers();
    if let Ok((json, stats)) = coastline::convert(data, &layers, "fuzz") {
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "{json}"
        );
        assert_eq!(stats.len(), layers.len());
    }
});
