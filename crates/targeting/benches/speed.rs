//! Training time on the KCS training year and scoring throughput (rows per second on one
//! core), the model at its default settings. `scripts/bench-targeting` runs it beside XGBoost
//! and LightGBM on the same feature matrices.
//!
//! `cargo bench -p hamnvakt-targeting --bench speed`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use hamnvakt_targeting::mapping::{read_csv, Mapping};
use hamnvakt_targeting::{TrainOptions, TrainedModel};

fn main() {
    let data = std::env::var_os("HAMNVAKT_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
        })
        .join("customs/kcs-synthetic/v2022-hs10");
    assert!(
        data.is_dir(),
        "KCS data missing at {} (set HAMNVAKT_SHARED_DATA)",
        data.display()
    );
    let m = Mapping::kcs();
    let train = read_csv(&data.join("df_syn_train_eng.csv"), &m).unwrap();
    let valid = read_csv(&data.join("df_syn_valid_eng.csv"), &m).unwrap();
    let opts = TrainOptions {
        refit_with_valid: false,
        ..TrainOptions::default()
    };
    let mut times = Vec::new();
    let mut model = None;
    for _ in 0..3 {
        let t = Instant::now();
        model = Some(TrainedModel::train(&m, &train.records, None, &opts));
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let model = model.unwrap();
    println!(
        "| ours | training, {} rows, {} trees | {:.2} s (median of 3) |",
        train.records.len(),
        opts.params.trees,
        times[1]
    );
    // Scoring: the validation quarter over and over, one row at a time as the worklist does.
    let rows = &valid.records;
    let reps = (200_000 / rows.len()).max(1);
    let t = Instant::now();
    let mut sum = 0.0;
    for _ in 0..reps {
        for r in rows {
            sum += model.scores(std::slice::from_ref(r))[0];
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "| ours | scoring one row at a time, {} rows | {:.0} rows/s on one core (checksum {sum:.3}) |",
        rows.len() * reps,
        (rows.len() * reps) as f64 / secs
    );
}
