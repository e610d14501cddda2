//! Fuzz target: a stored model file (`hamnvakt targeting train --out`, or a model version in
//! the store) read as `TrainedModel::load` reads it, then used to score records: one shaped as
//! the model's mapping says, one with nothing in it, one with extreme numbers, and a
//! consignment's. Reading must refuse a model whose parts disagree rather than let scoring
//! panic; a probability is a number from 0 to 1.

#![no_main]

use hamnvakt_targeting::consignment::Consignment;
use hamnvakt_targeting::mapping::Record;
use hamnvakt_targeting::model::FORMAT;
use hamnvakt_targeting::TrainedModel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(model) = serde_json::from_slice::<TrainedModel>(data) else {
        return;
    };
    if model.format != FORMAT {
        return;
    }
    let m = &model.encoder.mapping;
    let record = |cat: &str, num: f64| Record {
        id: "D1".into(),
        day: None,
        label: None,
        categorical: vec![cat.to_owned(); m.categorical.len()],
        numeric: vec![num; m.numeric.len()],
        value: 1.0,
    };
    let records = [
        record("1", 1.0),
        record("", f64::NAN),
        record("8471300000", 1e300),
        record("-0", -1e300),
        Record {
            id: "D2".into(),
            day: None,
            label: None,
            categorical: Vec::new(),
            numeric: Vec::new(),
            value: 0.0,
        },
        Consignment::default().record(None),
    ];
    for (r, p) in records.iter().zip(model.scores(&records)) {
        assert!((0.0..=1.0).contains(&p), "probability {p} for {r:?}");
        let _ = model.reasons(r, 5);
    }
});
