//! Ranking quality as customs measures it: of the top n % by score (exactly ⌊N·n/100⌋ items,
//! ties broken by input order), the share that were irregular (precision), the share of all
//! irregular items caught (recall) and the share of the irregular items' value caught; and the
//! area under the ROC curve.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AtK {
    pub percent: f64,
    pub k: usize,
    pub precision: f64,
    pub recall: f64,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub rows: usize,
    pub positives: usize,
    pub at: Vec<AtK>,
    pub auc: f64,
}

/// Metrics for scores against labels; `value` is each item's value (caught only if irregular).
/// Items are the scores; a missing label is "not irregular", a missing value 0.
pub fn evaluate(scores: &[f64], labels: &[bool], value: &[f64], percents: &[f64]) -> Report {
    let n = scores.len();
    // (score, irregular, value) per item; sorted below, best score first (a stable sort: ties
    // keep their input order).
    let mut order: Vec<(f64, bool, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let label = labels.get(i).copied().unwrap_or(false);
            (s, label, value.get(i).copied().unwrap_or(0.0))
        })
        .collect();
    let positives = order.iter().filter(|x| x.1).count();
    let total_value: f64 = order.iter().filter(|x| x.1).map(|x| x.2).sum();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let at = percents
        .iter()
        .map(|&p| {
            let k = ((n as f64) * p / 100.0).floor() as usize;
            let top = || order.iter().take(k).filter(|x| x.1);
            let hits = top().count();
            let v: f64 = top().map(|x| x.2).sum();
            AtK {
                percent: p,
                k,
                precision: if k > 0 { hits as f64 / k as f64 } else { 0.0 },
                recall: if positives > 0 {
                    hits as f64 / positives as f64
                } else {
                    0.0
                },
                value: if total_value > 0.0 {
                    v / total_value
                } else {
                    0.0
                },
            }
        })
        .collect();
    Report {
        rows: n,
        positives,
        at,
        auc: auc(scores, labels),
    }
}

/// Area under the ROC curve by ranks (ties share their average rank). Items are the scores; a
/// missing label is "not irregular".
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<(f64, bool)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, labels.get(i).copied().unwrap_or(false)))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_pos = 0.0;
    // 0-based rank of the first item of each run of equal scores.
    let mut first = 0usize;
    for tied in order.chunk_by(|a, b| a.0 == b.0) {
        let next = first + tied.len();
        // The mean of the 1-based ranks first + 1 ..= next.
        let avg = (first + next + 1) as f64 / 2.0;
        for _ in tied.iter().filter(|x| x.1) {
            rank_sum_pos += avg;
        }
        first = next;
    }
    let p = order.iter().filter(|x| x.1).count() as f64;
    let q = order.len() as f64 - p;
    if p == 0.0 || q == 0.0 {
        return 0.5;
    }
    (rank_sum_pos - p * (p + 1.0) / 2.0) / (p * q)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn exact_top_k_and_auc() {
        let s = [0.9, 0.8, 0.7, 0.1];
        let y = [true, false, true, false];
        let r = evaluate(&s, &y, &[10.0, 1.0, 30.0, 1.0], &[50.0]);
        assert_eq!(r.at[0].k, 2);
        assert_eq!(r.at[0].precision, 0.5);
        assert_eq!(r.at[0].recall, 0.5);
        assert_eq!(r.at[0].value, 0.25);
        assert_eq!(auc(&s, &y), 0.75);
        assert_eq!(auc(&[0.5, 0.5], &[true, false]), 0.5);
    }
}
