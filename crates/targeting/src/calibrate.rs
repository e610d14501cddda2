//! Calibration: turning a model's scores into probabilities that mean what they say. A
//! boosted model trained on a few hundred outcomes ranks well but its raw probabilities are
//! off (pulled towards the base rate by regularisation, or pushed to the extremes by
//! over-fitting). Platt scaling fits `p = σ(a·m + b)` on the model's log-odds `m` for rows the
//! model did not learn from (out-of-fold), and the reliability table checks the result on a
//! later, held-out stretch: within each group of consignments, does the mean predicted
//! probability match the share where something was found?

use serde::{Deserialize, Serialize};

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `p = σ(a·m + b)` on a model's log-odds `m`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Default for Platt {
    fn default() -> Self {
        Platt { a: 1.0, b: 0.0 }
    }
}

impl Platt {
    /// Fits `a` and `b` by Newton's method on the log-loss, with Platt's smoothed targets
    /// (`(n₊+1)/(n₊+2)` and `1/(n₋+2)`, so a handful of positives cannot drive the fit to
    /// certainty) and a small ridge on `a − 1` and `b`.
    pub fn fit(margins: &[f64], y: &[bool]) -> Platt {
        let pos = y.iter().filter(|v| **v).count() as f64;
        let neg = y.len() as f64 - pos;
        let (t_pos, t_neg) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let ridge = 1e-3;
        let target = |l: bool| if l { t_pos } else { t_neg };
        let loss = |a: f64, b: f64| {
            let mut sum = 0.5 * ridge * ((a - 1.0).powi(2) + b * b);
            for (&m, &l) in margins.iter().zip(y) {
                if m.is_finite() {
                    let z = a * m + b;
                    let t = target(l);
                    // log(1 + e^z) − t·z, computed without overflow.
                    sum += z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z;
                }
            }
            sum
        };
        let (mut a, mut b) = (1.0f64, 0.0f64);
        let mut current = loss(a, b);
        for _ in 0..100 {
            let (mut ga, mut gb) = (ridge * (a - 1.0), ridge * b);
            let (mut haa, mut hab, mut hbb) = (ridge, 0.0, ridge);
            for (&m, &l) in margins.iter().zip(y) {
                if !m.is_finite() {
                    continue;
                }
                let p = sigmoid(a * m + b);
                let d = p - target(l);
                let w = (p * (1.0 - p)).max(1e-12);
                ga += d * m;
                gb += d;
                haa += w * m * m;
                hab += w * m;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-18 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Newton's step, halved until the loss goes down.
            let mut step = 1.0;
            let mut moved = false;
            for _ in 0..40 {
                let (na, nb) = (a - step * da, b - step * db);
                let l = loss(na, nb);
                if l <= current {
                    (a, b, current) = (na, nb, l);
                    moved = true;
                    break;
                }
                step /= 2.0;
            }
            if !moved || (step * da).abs() < 1e-9 && (step * db).abs() < 1e-9 {
                break;
            }
        }
        if a.is_finite() && b.is_finite() {
            Platt { a, b }
        } else {
            Platt::default()
        }
    }

    pub fn apply(&self, margin: f64) -> f64 {
        sigmoid(self.a * margin + self.b)
    }
}

/// One group of the reliability table.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub rows: usize,
    pub positives: usize,
    /// Mean predicted probability in the group…
    pub predicted: f64,
    /// …and the share where something was found.
    pub observed: f64,
}

/// How well probabilities match outcomes on rows the model did not learn from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    pub rows: usize,
    pub positives: usize,
    /// Groups of equal size by predicted probability, lowest first.
    pub bins: Vec<Bin>,
    /// Mean squared error of the probabilities…
    pub brier: f64,
    /// …and of always predicting the rows' own base rate (a model worth having beats it).
    pub brier_base_rate: f64,
    pub log_loss: f64,
    /// Expected calibration error: the rows-weighted mean of |predicted − observed| over the
    /// groups.
    pub ece: f64,
    /// Mean predicted probability against the share found, over all rows.
    pub mean_predicted: f64,
    pub mean_observed: f64,
}

/// The reliability table of probabilities `p` against outcomes `y`, in `groups` groups of
/// (nearly) equal size.
pub fn reliability(p: &[f64], y: &[bool], groups: usize) -> Reliability {
    let mut rows: Vec<(f64, bool)> = p.iter().copied().zip(y.iter().copied()).collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = rows.len();
    let positives = rows.iter().filter(|r| r.1).count();
    let rate = if n == 0 {
        0.0
    } else {
        positives as f64 / n as f64
    };
    let groups = groups.clamp(1, n.max(1));
    let mut bins = Vec::new();
    for g in 0..groups {
        let part = rows
            .get(g * n / groups..(g + 1) * n / groups)
            .unwrap_or(&[]);
        if part.is_empty() {
            continue;
        }
        let k = part.len() as f64;
        let pos = part.iter().filter(|r| r.1).count();
        bins.push(Bin {
            rows: part.len(),
            positives: pos,
            predicted: part.iter().map(|r| r.0).sum::<f64>() / k,
            observed: pos as f64 / k,
        });
    }
    let nf = (n as f64).max(1.0);
    let t = |l: bool| if l { 1.0 } else { 0.0 };
    let brier = rows.iter().map(|r| (r.0 - t(r.1)).powi(2)).sum::<f64>() / nf;
    let brier_base_rate = rows.iter().map(|r| (rate - t(r.1)).powi(2)).sum::<f64>() / nf;
    let log_loss = rows
        .iter()
        .map(|r| {
            let p = r.0.clamp(1e-12, 1.0 - 1e-12);
            -(if r.1 { p.ln() } else { (1.0 - p).ln() })
        })
        .sum::<f64>()
        / nf;
    let ece = bins
        .iter()
        .map(|b| b.rows as f64 * (b.predicted - b.observed).abs())
        .sum::<f64>()
        / nf;
    Reliability {
        rows: n,
        positives,
        bins,
        brier,
        brier_base_rate,
        log_loss,
        ece,
        mean_predicted: rows.iter().map(|r| r.0).sum::<f64>() / nf,
        mean_observed: rate,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn platt_recovers_a_known_scaling() {
        // Outcomes drawn with p = σ(0.5·m − 1): a model whose log-odds are twice too steep
        // and too high.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let m: Vec<f64> = (0..20_000).map(|_| rng.gen_range(-6.0..6.0)).collect();
        let y: Vec<bool> = m
            .iter()
            .map(|&m| rng.gen::<f64>() < sigmoid(0.5 * m - 1.0))
            .collect();
        let p = Platt::fit(&m, &y);
        assert!((p.a - 0.5).abs() < 0.05, "{p:?}");
        assert!((p.b + 1.0).abs() < 0.08, "{p:?}");
        let cal: Vec<f64> = m.iter().map(|&x| p.apply(x)).collect();
        let raw: Vec<f64> = m.iter().map(|&x| sigmoid(x)).collect();
        let (rc, rr) = (reliability(&cal, &y, 10), reliability(&raw, &y, 10));
        assert!(rc.ece < 0.02, "{rc:?}");
        assert!(rr.ece > 0.1, "{rr:?}");
        assert!(rc.brier < rr.brier);
    }

    #[test]
    fn reliability_groups_are_equal_and_ordered() {
        let p: Vec<f64> = (0..100).map(|k| f64::from(k) / 100.0).collect();
        let y: Vec<bool> = (0..100).map(|k| k % 2 == 0).collect();
        let r = reliability(&p, &y, 4);
        assert_eq!(r.bins.len(), 4);
        assert!(r.bins.iter().all(|b| b.rows == 25));
        assert!(r.bins.windows(2).all(|w| w[0].predicted < w[1].predicted));
        assert_eq!(r.positives, 50);
        assert!((r.brier_base_rate - 0.25).abs() < 1e-12);
    }
}
