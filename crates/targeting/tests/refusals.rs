//! Inputs the crate must refuse with an error, never with a panic: a weekly simulation asked
//! to inspect more than all, or less than none, of the declarations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use hamnvakt_targeting::gbdt::Params;
use hamnvakt_targeting::mapping::{Mapping, Record};
use hamnvakt_targeting::simulate::{simulate, SimOptions};

fn mapping() -> Mapping {
    Mapping {
        name: "test".into(),
        id: "id".into(),
        label: Some("irregular".into()),
        categorical: vec!["hs".into(), "origin".into()],
        numeric: vec!["price".into(), "mass".into()],
        numeric_codes: vec!["hs".into()],
        value: vec!["price".into()],
        value_divisor: 1.0,
        date: Some("date".into()),
    }
}

/// Declarations where those from origin "X" that are cheap for their mass are irregular, two a
/// day from day 18,000 on.
fn records(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let origin = ["X", "Y", "Z"][i % 3];
            let mass = 10.0 + (i % 7) as f64;
            let price = if i % 2 == 0 { 5.0 } else { 500.0 } * mass;
            Record {
                id: i.to_string(),
                day: Some(18_000 + (i / 2) as i64),
                label: Some(origin == "X" && price / mass < 100.0),
                categorical: vec![format!("{}", 8_400 + i % 5), origin.into()],
                numeric: vec![price, mass],
                value: price,
            }
        })
        .collect()
}

fn small() -> Params {
    Params {
        trees: 5,
        leaves: 7,
        min_data_in_leaf: 5,
        learning_rate: 0.3,
        ..Params::default()
    }
}

#[test]
fn a_simulation_rate_outside_0_to_100_per_cent_is_refused() {
    let m = mapping();
    let rows = records(400);
    let o = |rate_percent: f64, explore: Vec<f64>| SimOptions {
        rate_percent,
        explore,
        warmup_days: 60,
        params: small(),
        ..SimOptions::default()
    };
    for rate in [100.5, 250.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = simulate(&m, &rows, &o(rate, vec![0.0])).unwrap_err();
        assert!(e.contains("inspection rate"), "{rate}: {e}");
    }
    for explore in [1.5, -0.1, f64::NAN] {
        let e = simulate(&m, &rows, &o(10.0, vec![0.0, explore])).unwrap_err();
        assert!(e.contains("exploration share"), "{explore}: {e}");
    }
    // The bounds themselves are shares: inspecting everything after the warm-up inspects
    // every declaration there, whatever the policy.
    let after_warmup = rows.iter().filter(|r| r.day >= Some(18_060)).count();
    let r = simulate(&m, &rows, &o(100.0, vec![0.0, 1.0])).unwrap();
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|p| p.inspected == after_warmup), "{r:?}");
    let r = simulate(&m, &rows, &o(0.0, vec![0.5])).unwrap();
    assert_eq!(r[0].inspected, 0);
}
