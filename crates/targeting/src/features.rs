//! Records into features. Categories get integer codes in order of first appearance in the
//! training data (a code the model never saw becomes one more code past the last); some
//! categorical columns are also given as their numeric value (an HS code's digits order related
//! goods together); numbers are used as they are, with the value per kilogram added.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::mapping::{Mapping, Record};

/// Reading a stored encoder checks that its parts agree (see [`Encoder::check`]), so a model
/// file that was edited or damaged is refused when it is read rather than misread later.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredEncoder")]
pub struct Encoder {
    pub mapping: Mapping,
    /// Per categorical column: value → code.
    codes: Vec<HashMap<String, u32>>,
    /// Positions (in `mapping.categorical`) of the columns also read as numbers.
    numeric_codes: Vec<usize>,
    /// Index of the price and mass columns in `mapping.numeric`, for the value per kg.
    per_kg: Option<(usize, usize)>,
}

/// An encoder as stored, before its parts are checked against each other.
#[derive(Deserialize)]
struct StoredEncoder {
    mapping: Mapping,
    codes: Vec<HashMap<String, u32>>,
    numeric_codes: Vec<usize>,
    per_kg: Option<(usize, usize)>,
}

impl TryFrom<StoredEncoder> for Encoder {
    type Error = String;

    fn try_from(s: StoredEncoder) -> Result<Encoder, String> {
        let e = Encoder {
            mapping: s.mapping,
            codes: s.codes,
            numeric_codes: s.numeric_codes,
            per_kg: s.per_kg,
        };
        e.check()?;
        Ok(e)
    }
}

impl Encoder {
    /// Learns the category codes from training records.
    pub fn fit(mapping: &Mapping, records: &[Record]) -> Encoder {
        let codes: Vec<HashMap<String, u32>> = vec![HashMap::new(); mapping.categorical.len()];
        let numeric_codes = mapping
            .numeric_codes
            .iter()
            .filter_map(|c| mapping.categorical.iter().position(|x| x == c))
            .collect();
        let find = |names: &[&str]| {
            mapping
                .numeric
                .iter()
                .position(|n| names.iter().any(|x| n.eq_ignore_ascii_case(x)))
        };
        let per_kg = match (
            find(&["Item Price", "value", "price"]),
            find(&["Net Mass", "mass", "weight"]),
        ) {
            (Some(p), Some(m)) => Some((p, m)),
            _ => None,
        };
        let mut e = Encoder {
            mapping: mapping.clone(),
            codes,
            numeric_codes,
            per_kg,
        };
        e.extend(records);
        e
    }

    /// Learns codes for values first seen in more records (training on train, then valid).
    pub fn extend(&mut self, records: &[Record]) {
        for r in records {
            for (map, v) in self.codes.iter_mut().zip(&r.categorical) {
                let next = map.len() as u32;
                map.entry(v.clone()).or_insert(next);
            }
        }
    }

    /// Whether the parts agree: one category table per categorical column, and the columns
    /// read as numbers and for the value per kg among the mapping's.
    pub fn check(&self) -> Result<(), String> {
        let (categorical, numeric) = (self.mapping.categorical.len(), self.mapping.numeric.len());
        if self.codes.len() != categorical {
            return Err(format!(
                "the encoder has {} category tables for {categorical} categorical columns",
                self.codes.len()
            ));
        }
        if let Some(i) = self.numeric_codes.iter().find(|&&i| i >= categorical) {
            return Err(format!(
                "the encoder reads categorical column {i} as a number, but there are {categorical}"
            ));
        }
        if let Some((p, m)) = self.per_kg.filter(|&(p, m)| p >= numeric || m >= numeric) {
            return Err(format!(
                "the encoder's value per kg uses numeric columns {p} and {m}, but there are {numeric}"
            ));
        }
        Ok(())
    }

    /// Feature names, in the order of [`Encoder::row`].
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.mapping.categorical.clone();
        for &i in &self.numeric_codes {
            n.push(match self.mapping.categorical.get(i) {
                Some(c) => format!("{c} (as number)"),
                None => format!("categorical column {i} (as number)"),
            });
        }
        n.extend(self.mapping.numeric.iter().cloned());
        if self.per_kg.is_some() {
            n.push("value per kg".into());
        }
        n
    }

    pub fn width(&self) -> usize {
        self.codes.len()
            + self.numeric_codes.len()
            + self.mapping.numeric.len()
            + usize::from(self.per_kg.is_some())
    }

    /// One record's features.
    pub fn row(&self, r: &Record, out: &mut Vec<f64>) {
        out.clear();
        for (map, v) in self.codes.iter().zip(&r.categorical) {
            out.push(f64::from(map.get(v).copied().unwrap_or(map.len() as u32)));
        }
        for &i in &self.numeric_codes {
            let v = r
                .categorical
                .get(i)
                .and_then(|s| s.trim().parse::<f64>().ok());
            out.push(v.unwrap_or(f64::NAN));
        }
        out.extend_from_slice(&r.numeric);
        if let Some((p, m)) = self.per_kg {
            let (price, mass) = (
                r.numeric.get(p).copied().unwrap_or(f64::NAN),
                r.numeric.get(m).copied().unwrap_or(f64::NAN),
            );
            out.push(if mass > 0.0 { price / mass } else { f64::NAN });
        }
    }

    /// All records' features, row-major.
    pub fn matrix(&self, records: &[Record]) -> Vec<Vec<f64>> {
        let mut rows = Vec::with_capacity(records.len());
        let mut buf = Vec::with_capacity(self.width());
        for r in records {
            self.row(r, &mut buf);
            rows.push(buf.clone());
        }
        rows
    }
}
