//! Weekly selection with label scarcity (shared/reference/targeting.md §6): the first weeks are
//! fully labelled; after that, each week a model is trained on every label revealed so far,
//! r % of the week's declarations are inspected — the top of the ranking, with a share chosen
//! at random instead (exploration) — and only inspected declarations reveal their label. Shows
//! what exploitation alone costs or gains against exploration and random selection.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

use crate::gbdt::Params;
use crate::mapping::{Mapping, Record};
use crate::model::{TrainOptions, TrainedModel};

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Share of each week's declarations inspected, per cent.
    pub rate_percent: f64,
    /// Exploration shares to compare (0 = exploit only, 1 = all random).
    pub explore: Vec<f64>,
    /// Days from the first declaration that start fully labelled.
    pub warmup_days: i64,
    pub params: Params,
    pub seed: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            rate_percent: 5.0,
            explore: vec![0.0, 0.1, 0.2, 1.0],
            warmup_days: 31,
            params: Params {
                trees: 100,
                leaves: 63,
                learning_rate: 0.1,
                min_data_in_leaf: 10,
                ..Params::default()
            },
            seed: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyResult {
    pub explore: f64,
    pub weeks: usize,
    pub inspected: usize,
    pub precision: f64,
    pub precision_last_13_weeks: f64,
    pub recall: f64,
    pub value: f64,
}

/// Runs every policy over the records (they need a date and a label).
pub fn simulate(
    mapping: &Mapping,
    records: &[Record],
    o: &SimOptions,
) -> Result<Vec<PolicyResult>, String> {
    let mut rows: Vec<&Record> = records
        .iter()
        .filter(|r| r.day.is_some() && r.label.is_some())
        .collect();
    if rows.len() < 100 {
        return Err(format!(
            "{} dated, labelled declarations; a simulation needs at least 100",
            rows.len()
        ));
    }
    rows.sort_by_key(|r| r.day);
    let first = rows.first().and_then(|r| r.day).unwrap_or(0);
    let start = first + o.warmup_days;
    let week_of = |r: &Record| r.day.map(|d| (d - start).div_euclid(7)).unwrap_or(-1);
    let last_week = rows.last().map(|r| week_of(r)).unwrap_or(0);
    let mut out = Vec::new();
    for &explore in &o.explore {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(o.seed);
        let mut known: Vec<Record> = rows
            .iter()
            .filter(|r| week_of(r) < 0)
            .map(|r| (*r).clone())
            .collect();
        let (mut inspected, mut hits, mut positives) = (0usize, 0usize, 0usize);
        let (mut caught_value, mut total_value) = (0.0, 0.0);
        let (mut late_inspected, mut late_hits) = (0usize, 0usize);
        let mut weeks = 0;
        for w in 0..=last_week {
            let batch: Vec<&Record> = rows.iter().copied().filter(|r| week_of(r) == w).collect();
            if batch.is_empty() {
                continue;
            }
            weeks += 1;
            let k = ((batch.len() as f64) * o.rate_percent / 100.0).round() as usize;
            let n_random = ((k as f64) * explore).round() as usize;
            let mut order: Vec<usize> = (0..batch.len()).collect();
            if n_random < k {
                let opts = TrainOptions {
                    params: o.params.clone(),
                    refit_with_valid: false,
                };
                let model = TrainedModel::train(mapping, &known, None, &opts);
                let owned: Vec<Record> = batch.iter().map(|r| (*r).clone()).collect();
                let s = model.scores(&owned);
                order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
            }
            let mut chosen: Vec<usize> = order[..k - n_random].to_vec();
            let mut rest: Vec<usize> = order[k - n_random..].to_vec();
            rest.shuffle(&mut rng);
            chosen.extend(rest.into_iter().take(n_random));
            for r in &batch {
                if r.label == Some(true) {
                    positives += 1;
                    total_value += r.value;
                }
            }
            let week_hits = chosen
                .iter()
                .filter(|&&i| batch[i].label == Some(true))
                .count();
            caught_value += chosen
                .iter()
                .filter(|&&i| batch[i].label == Some(true))
                .map(|&i| batch[i].value)
                .sum::<f64>();
            inspected += chosen.len();
            hits += week_hits;
            if w > last_week - 13 {
                late_inspected += chosen.len();
                late_hits += week_hits;
            }
            known.extend(chosen.iter().map(|&i| batch[i].clone()));
        }
        let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        out.push(PolicyResult {
            explore,
            weeks,
            inspected,
            precision: ratio(hits, inspected),
            precision_last_13_weeks: ratio(late_hits, late_inspected),
            recall: ratio(hits, positives),
            value: if total_value > 0.0 {
                caught_value / total_value
            } else {
                0.0
            },
        });
    }
    Ok(out)
}
