//! The model behind a small trait, so the library can change, and the stored model file: the
//! encoder (mapping and category codes), the trees, the options and what validation showed.

use serde::{Deserialize, Serialize};

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

    pub fn scores(&self, records: &[Record]) -> Vec<f64> {
        let mut buf = Vec::new();
        records
            .iter()
            .map(|r| {
                self.encoder.row(r, &mut buf);
                self.model.probability(&buf)
            })
            .collect()
    }

    /// The features that pushed this record's score most, strongest first.
    pub fn reasons(&self, r: &Record, top: usize) -> Vec<(String, f64)> {
        let mut buf = Vec::new();
        self.encoder.row(r, &mut buf);
        let c = self.model.contributions(&buf);
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
