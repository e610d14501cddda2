//! The model behind a small trait, so the library can change, and the stored model file: the
//! encoder (mapping and category codes), the trees, the options and what validation showed.

use serde::{Deserialize, Serialize};

use crate::calibrate::{reliability, Platt, Reliability};
use crate::features::Encoder;
use crate::gbdt::{Gbdt, Params};
use crate::mapping::{Mapping, Record};
use crate::metrics::Report;

/// What any risk model offers: a probability and the features that moved it.
pub trait RiskModel {
    /// Probability that the consignment holds an irregularity.
    fn probability(&self, features: &[f64]) -> f64;
    /// Each feature's contribution to the score (log-odds).
    fn contributions(&self, features: &[f64]) -> Vec<f64>;
}

impl RiskModel for Gbdt {
    fn probability(&self, features: &[f64]) -> f64 {
        self.predict(features)
    }
    fn contributions(&self, features: &[f64]) -> Vec<f64> {
        Gbdt::contributions(self, features)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainOptions {
    pub params: Params,
    /// After validating, train again on training and validation data together (the default):
    /// the final model has seen the latest quarter.
    pub refit_with_valid: bool,
}

impl TrainOptions {
    /// For a model trained on recorded inspection outcomes (hundreds, not KCS's tens of
    /// thousands): small, shallow, strongly regularised trees — at least 15 outcomes a leaf,
    /// an L2 penalty of 5 on leaf values, at most 6 leaves, 120 trees at 0.05 — to be
    /// calibrated afterwards ([`TrainedModel::train_calibrated`]); seeded, so the same
    /// outcomes give the same model.
    pub fn for_outcomes() -> TrainOptions {
        TrainOptions {
            params: Params {
                trees: 120,
                leaves: 6,
                learning_rate: 0.05,
                min_data_in_leaf: 15,
                lambda: 5.0,
                row_sample: 0.8,
                col_sample: 0.8,
                ..Default::default()
            },
            refit_with_valid: false,
        }
    }
}

/// Reading a stored model checks that its encoder, feature names and trees agree (see
/// [`TrainedModel::check`]): a file edited or damaged so that they do not is refused when it is
/// read, wherever it is read from (a file, the store), rather than scored wrongly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredModel")]
pub struct TrainedModel {
    pub format: String,
    pub encoder: Encoder,
    pub feature_names: Vec<String>,
    pub options: TrainOptions,
    pub trained_rows: usize,
    /// Metrics on the validation file, from the model trained on the training file alone.
    pub validation: Option<Report>,
    pub model: Gbdt,
    /// Platt scaling of the trees' log-odds and how it held on a later stretch the model had
    /// not seen; none for models trained on a declarations file (`train`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// How a model's scores are made probabilities, and the evidence that they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub platt: Platt,
    /// The held-out check: the model trained and calibrated on the earlier four fifths,
    /// scored on the latest fifth — with calibration…
    pub held_out: Option<Reliability>,
    /// …and the trees' own probabilities, for comparison.
    pub held_out_uncalibrated: Option<Reliability>,
}

/// A model as stored, before its parts are checked against each other.
#[derive(Deserialize)]
struct StoredModel {
    format: String,
    encoder: Encoder,
    feature_names: Vec<String>,
    options: TrainOptions,
    trained_rows: usize,
    validation: Option<Report>,
    model: Gbdt,
    #[serde(default)]
    calibration: Option<Calibration>,
}

impl TryFrom<StoredModel> for TrainedModel {
    type Error = String;

    fn try_from(s: StoredModel) -> Result<TrainedModel, String> {
        let m = TrainedModel {
            format: s.format,
            encoder: s.encoder,
            feature_names: s.feature_names,
            options: s.options,
            trained_rows: s.trained_rows,
            validation: s.validation,
            model: s.model,
            calibration: s.calibration,
        };
        m.check()?;
        Ok(m)
    }
}

pub const FORMAT: &str = "hamnvakt-targeting-gbdt/1";

fn labelled(records: &[Record]) -> (Vec<&Record>, Vec<bool>) {
    records
        .iter()
        .filter_map(|r| r.label.map(|l| (r, l)))
        .unzip()
}

impl TrainedModel {
    /// Trains on `train`; with `valid`, reports validation metrics and (by default) refits on
    /// both.
    pub fn train(
        mapping: &Mapping,
        train: &[Record],
        valid: Option<&[Record]>,
        options: &TrainOptions,
    ) -> TrainedModel {
        let (tr, ytr) = labelled(train);
        let tr_owned: Vec<Record> = tr.into_iter().cloned().collect();
        let encoder = Encoder::fit(mapping, &tr_owned);
        let model = Gbdt::fit(&encoder.matrix(&tr_owned), &ytr, &options.params);
        let mut out = TrainedModel {
            format: FORMAT.into(),
            feature_names: encoder.names(),
            encoder,
            options: options.clone(),
            trained_rows: tr_owned.len(),
            validation: None,
            model,
            calibration: None,
        };
        if let Some(valid) = valid {
            let (va, yva) = labelled(valid);
            let va_owned: Vec<Record> = va.into_iter().cloned().collect();
            let scores = out.scores(&va_owned);
            let values: Vec<f64> = va_owned.iter().map(|r| r.value).collect();
            out.validation = Some(crate::metrics::evaluate(
                &scores,
                &yva,
                &values,
                &[1.0, 2.0, 5.0, 10.0],
            ));
            if options.refit_with_valid && !va_owned.is_empty() {
                let mut all = tr_owned.clone();
                all.extend(va_owned);
                let mut encoder = out.encoder.clone();
                encoder.extend(&all);
                let y: Vec<bool> = all.iter().map(|r| r.label.unwrap_or(false)).collect();
                out.model = Gbdt::fit(&encoder.matrix(&all), &y, &options.params);
                out.encoder = encoder;
                out.trained_rows = all.len();
            }
        }
        out
    }

    /// Trains a calibrated model on labelled records in time order (oldest first), for when
    /// outcomes are hundreds rather than tens of thousands:
    ///
    /// 1. the check: on the earlier four fifths, out-of-fold log-odds (five folds, each a
    ///    stretch of time, scored by a model trained on the other four) fit a Platt scaling;
    ///    a model trained on all four fifths, so scaled, scores the latest fifth, and the
    ///    reliability table of that fifth is kept (with the unscaled one beside it);
    /// 2. the model kept: the same on all rows.
    ///
    /// `progress(done, total)` is called after each of the twelve trainings.
    pub fn train_calibrated(
        mapping: &Mapping,
        rows: &[Record],
        options: &TrainOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> TrainedModel {
        const FOLDS: usize = 5;
        let total = 2 * (FOLDS + 1);
        let mut done = 0;
        let mut step = |progress: &mut dyn FnMut(usize, usize)| {
            done += 1;
            progress(done, total);
        };
        let plain = TrainOptions {
            params: options.params.clone(),
            refit_with_valid: false,
        };
        let mut fit = |rows: &[Record], progress: &mut dyn FnMut(usize, usize)| {
            let y: Vec<bool> = rows.iter().map(|r| r.label == Some(true)).collect();
            let mut oof = Vec::with_capacity(rows.len());
            for k in 0..FOLDS {
                let (a, b) = (k * rows.len() / FOLDS, (k + 1) * rows.len() / FOLDS);
                let (head, rest) = rows.split_at(a.min(rows.len()));
                let (fold, tail) = rest.split_at((b - a).min(rest.len()));
                let others: Vec<Record> = head.iter().chain(tail).cloned().collect();
                let m = TrainedModel::train(mapping, &others, None, &plain);
                oof.extend(fold.iter().map(|r| m.margin(r)));
                step(progress);
            }
            let platt = Platt::fit(&oof, &y);
            let m = TrainedModel::train(mapping, rows, None, &plain);
            step(progress);
            (m, platt)
        };
        let cut = rows.len() * 4 / 5;
        let (earlier, later) = rows.split_at(cut);
        let (check, check_platt) = fit(earlier, progress);
        let y_later: Vec<bool> = later.iter().map(|r| r.label == Some(true)).collect();
        let margins: Vec<f64> = later.iter().map(|r| check.margin(r)).collect();
        let calibrated: Vec<f64> = margins.iter().map(|&m| check_platt.apply(m)).collect();
        let raw: Vec<f64> = margins.iter().map(|&m| 1.0 / (1.0 + (-m).exp())).collect();
        let values: Vec<f64> = later.iter().map(|r| r.value).collect();
        let validation = (!later.is_empty()).then(|| {
            crate::metrics::evaluate(&calibrated, &y_later, &values, &[1.0, 2.0, 5.0, 10.0])
        });
        let (mut out, platt) = fit(rows, progress);
        out.options = options.clone();
        out.validation = validation;
        out.calibration = Some(Calibration {
            platt,
            held_out: (!later.is_empty()).then(|| reliability(&calibrated, &y_later, 5)),
            held_out_uncalibrated: (!later.is_empty()).then(|| reliability(&raw, &y_later, 5)),
        });
        out
    }

    /// Whether the parts agree: the encoder with itself, and the encoder's rows, the feature
    /// names and the trees all of one width. (Each part's own check runs when it is read.)
    pub fn check(&self) -> Result<(), String> {
        self.encoder.check()?;
        self.model.check()?;
        let width = self.encoder.width();
        // 0 is a model trained on no rows: it has no splits (its check saw to that).
        if self.model.features() != width && self.model.features() != 0 {
            return Err(format!(
                "the trees read {} features, but the encoder makes rows of {width}",
                self.model.features()
            ));
        }
        if self.feature_names.len() != width {
            return Err(format!(
                "{} feature names for rows of {width} features",
                self.feature_names.len()
            ));
        }
        Ok(())
    }

    /// Probabilities (calibrated, when the model is).
    pub fn scores(&self, records: &[Record]) -> Vec<f64> {
        let mut buf = Vec::new();
        records
            .iter()
            .map(|r| {
                self.encoder.row(r, &mut buf);
                match &self.calibration {
                    Some(c) => c.platt.apply(self.model.margin(&buf)),
                    None => self.model.probability(&buf),
                }
            })
            .collect()
    }

    /// The trees' log-odds of one record (before calibration).
    pub fn margin(&self, r: &Record) -> f64 {
        let mut buf = Vec::new();
        self.encoder.row(r, &mut buf);
        self.model.margin(&buf)
    }

    /// The features that pushed this record's score most, strongest first, each with its
    /// contribution to the log-odds of the probability [`TrainedModel::scores`] gives (so
    /// `exp` of it is the factor by which the feature multiplied the odds).
    pub fn reasons(&self, r: &Record, top: usize) -> Vec<(String, f64)> {
        let mut buf = Vec::new();
        self.encoder.row(r, &mut buf);
        let slope = self.calibration.as_ref().map_or(1.0, |c| c.platt.a);
        let c: Vec<f64> = self
            .model
            .contributions(&buf)
            .into_iter()
            .map(|x| x * slope)
            .collect();
        let mut named: Vec<(String, f64)> = self.feature_names.iter().cloned().zip(c).collect();
        named.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        named.truncate(top);
        named
    }

    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }

    pub fn load(path: &std::path::Path) -> Result<TrainedModel, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let m: TrainedModel = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a model file: {e}", path.display()))?;
        if m.format != FORMAT {
            return Err(format!(
                "{}: model format {:?}, expected {FORMAT:?}",
                path.display(),
                m.format
            ));
        }
        Ok(m)
    }
}
