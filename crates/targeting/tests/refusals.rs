//! Inputs the crate must refuse with an error, never with a panic (or a hang): a stored model
//! file whose encoder, feature names and trees do not agree — edited by hand, damaged, or
//! crafted — and a weekly simulation asked to inspect more than all, or less than none, of the
//! declarations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use hamnvakt_targeting::gbdt::Params;
use hamnvakt_targeting::mapping::{Mapping, Record};
use hamnvakt_targeting::simulate::{simulate, SimOptions};
use hamnvakt_targeting::{TrainOptions, TrainedModel};
use serde_json::{json, Value};

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
        aliases: Default::default(),
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

fn stored_model() -> Value {
    let options = TrainOptions {
        params: small(),
        refit_with_valid: false,
    };
    let model = TrainedModel::train(&mapping(), &records(300), None, &options);
    serde_json::to_value(&model).unwrap()
}

/// The first split node of the first tree that has one: (tree, node).
fn a_split(m: &Value) -> (usize, usize) {
    let trees = m["model"]["trees"].as_array().unwrap();
    for (t, tree) in trees.iter().enumerate() {
        for (i, n) in tree["nodes"].as_array().unwrap().iter().enumerate() {
            if n["feature"].as_u64() != Some(u64::from(u32::MAX)) {
                return (t, i);
            }
        }
    }
    panic!("the model has no split")
}

/// Writes the model to a file and loads it as `hamnvakt targeting score` does; also reads it
/// as the server reads a stored model version (JSON straight into the type).
fn load(m: &Value) -> Result<TrainedModel, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, serde_json::to_string(m).unwrap()).unwrap();
    let loaded = TrainedModel::load(&path);
    let read = serde_json::from_value::<TrainedModel>(m.clone());
    assert_eq!(
        loaded.is_ok(),
        read.is_ok(),
        "a file and a stored version are judged alike"
    );
    loaded
}

#[test]
fn a_model_file_whose_parts_disagree_is_refused_when_loaded() {
    let good = stored_model();
    let model = load(&good).expect("the model as trained loads");
    let scores = model.scores(&records(30));
    assert!(scores.iter().all(|p| (0.0..=1.0).contains(p)), "{scores:?}");
    assert_eq!(model.reasons(&records(1)[0], 2).len(), 2);

    let (t, i) = a_split(&good);
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a category table fewer than categorical columns",
            Box::new(|m| {
                m["encoder"]["codes"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "a categorical column read as a number that is not there",
            Box::new(|m| m["encoder"]["numeric_codes"] = json!([7])),
        ),
        (
            "a value per kg from a numeric column that is not there",
            Box::new(|m| m["encoder"]["per_kg"] = json!([0, 9])),
        ),
        (
            "trees that read more features than the encoder makes",
            Box::new(|m| m["model"]["features"] = json!(40)),
        ),
        (
            "trees that read fewer features than the encoder makes",
            Box::new(|m| m["model"]["features"] = json!(2)),
        ),
        (
            "a feature name fewer than features",
            Box::new(|m| {
                m["feature_names"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "a split on a feature index out of range",
            Box::new(move |m| m["model"]["trees"][t]["nodes"][i]["feature"] = json!(99)),
        ),
        (
            "a split leading back to itself (a walk that never ends)",
            Box::new(move |m| m["model"]["trees"][t]["nodes"][i]["left"] = json!(i)),
        ),
        (
            "a split leading past the tree's last node",
            Box::new(move |m| m["model"]["trees"][t]["nodes"][i]["right"] = json!(10_000)),
        ),
        (
            "a tree without nodes",
            Box::new(move |m| m["model"]["trees"][t]["nodes"] = json!([])),
        ),
    ];
    for (what, edit) in edits {
        let mut crafted = good.clone();
        edit(&mut crafted);
        assert_ne!(crafted, good, "{what}: the edit changed nothing");
        match load(&crafted) {
            Ok(_) => panic!("{what}: loaded"),
            Err(e) => assert!(e.contains("not a model file"), "{what}: {e}"),
        }
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
