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

/// Runs every policy over the records (they need a date and a label). The rate must be a per
/// cent (0–100) and each exploration share a fraction (0–1); anything else is refused.
pub fn simulate(
    mapping: &Mapping,
    records: &[Record],
    o: &SimOptions,
) -> Result<Vec<PolicyResult>, String> {
    if !(0.0..=100.0).contains(&o.rate_percent) {
        return Err(format!(
            "an inspection rate of {} % is not a share of the declarations (0-100)",
            o.rate_percent
        ));
    }
    if let Some(e) = o.explore.iter().find(|e| !(0.0..=1.0).contains(*e)) {
        return Err(format!(
            "an exploration share of {e} is not a share of the inspections (0-1)"
        ));
    }
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
    let start = first.saturating_add(o.warmup_days);
    let week_of = |r: &Record| {
        r.day
            .map(|d| d.saturating_sub(start).div_euclid(7))
            .unwrap_or(-1)
    };
    let last_week = rows.last().map(|r| week_of(r)).unwrap_or(0);
    // The weeks after the warm-up, in order (rows are sorted by day, so each week is a run).
    let batches: Vec<(i64, &[&Record])> = rows
        .chunk_by(|a, b| week_of(a) == week_of(b))
        .filter_map(|batch| {
            let w = batch.first().map(|r| week_of(r))?;
            (w >= 0).then_some((w, batch))
        })
        .collect();
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
        for &(w, batch) in &batches {
            weeks += 1;
            // Both within range: the options were checked above.
            let k =
                (((batch.len() as f64) * o.rate_percent / 100.0).round() as usize).min(batch.len());
            let n_random = (((k as f64) * explore).round() as usize).min(k);
            let mut order: Vec<&Record> = batch.to_vec();
            if n_random < k {
                let opts = TrainOptions {
                    params: o.params.clone(),
                    refit_with_valid: false,
                };
                let model = TrainedModel::train(mapping, &known, None, &opts);
                let owned: Vec<Record> = batch.iter().map(|r| (*r).clone()).collect();
                let mut scored: Vec<(f64, &Record)> =
                    model.scores(&owned).into_iter().zip(order).collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                order = scored.into_iter().map(|(_, r)| r).collect();
            }
            let mut ranked = order.into_iter();
            let mut chosen: Vec<&Record> = ranked.by_ref().take(k - n_random).collect();
            let mut rest: Vec<&Record> = ranked.collect();
            rest.shuffle(&mut rng);
            chosen.extend(rest.into_iter().take(n_random));
            for r in batch {
                if r.label == Some(true) {
                    positives += 1;
                    total_value += r.value;
                }
            }
            let caught = || chosen.iter().filter(|r| r.label == Some(true));
            let week_hits = caught().count();
            caught_value += caught().map(|r| r.value).sum::<f64>();
            inspected += chosen.len();
            hits += week_hits;
            if w > last_week.saturating_sub(13) {
                late_inspected += chosen.len();
                late_hits += week_hits;
            }
            known.extend(chosen.iter().map(|r| (*r).clone()));
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
