//! Experiment: train on the KCS training year, report on the validation quarter, for settings
//! given as JSON on the command line. Used to choose the defaults; not part of the product.
//!
//! `cargo run --release -p hamnvakt-targeting --example kcs_experiment -- '{"leaves":255}'`

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use hamnvakt_targeting::gbdt::Params;
use hamnvakt_targeting::mapping::{read_csv, Mapping};
use hamnvakt_targeting::{TrainOptions, TrainedModel};

fn main() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/customs/kcs-synthetic/v2022-hs10");
    let mut m = Mapping::kcs();
    let args: Vec<String> = std::env::args().collect();
    let params: Params =
        serde_json::from_str(args.get(1).map(String::as_str).unwrap_or("{}")).unwrap();
    if let Some(extra) = args.get(2) {
        m = serde_json::from_str(extra).unwrap();
    }
    let train = read_csv(&dir.join("df_syn_train_eng.csv"), &m).unwrap();
    let valid = read_csv(&dir.join("df_syn_valid_eng.csv"), &m).unwrap();
    // With DUMP_DIR set, write the feature matrices (label, value, features…) so that Python
    // peers train on exactly the same inputs.
    if let Some(out) = std::env::var_os("DUMP_DIR") {
        let enc = hamnvakt_targeting::features::Encoder::fit(&m, &train.records);
        for (name, recs) in [("train", &train.records), ("valid", &valid.records)] {
            let mut s = format!(
                "__y,__value,{}\n",
                enc.names()
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            for (r, row) in recs.iter().zip(enc.matrix(recs)) {
                let cells: Vec<String> = row
                    .iter()
                    .map(|v| {
                        if v.is_nan() {
                            String::new()
                        } else {
                            v.to_string()
                        }
                    })
                    .collect();
                s.push_str(&format!(
                    "{},{},{}\n",
                    u8::from(r.label.unwrap_or(false)),
                    r.value,
                    cells.join(",")
                ));
            }
            std::fs::write(std::path::Path::new(&out).join(format!("{name}.csv")), s).unwrap();
        }
    }
    let t = std::time::Instant::now();
    let opts = TrainOptions {
        params,
        refit_with_valid: false,
    };
    let model = TrainedModel::train(&m, &train.records, Some(&valid.records), &opts);
    let r = model.validation.unwrap();
    print!("train {:.1}s ", t.elapsed().as_secs_f64());
    for a in &r.at {
        print!("P@{}={:.3} ", a.percent, a.precision);
    }
    println!(
        "R@10={:.3} V@5={:.3} AUC={:.3}",
        r.at[3].recall, r.at[2].value, r.auc
    );
}
