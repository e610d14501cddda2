//! The weekly report: how the selections did against the random checks made beside them, and
//! whether the risk scores drift. Precision is the share of inspected consignments found
//! irregular; the random checks' precision estimates how common irregularities are in the
//! whole flow, so recall is estimated as what the targeted checks found over that rate times
//! the week's consignments. Drift is the population stability index of the week's risk scores
//! against the weeks before (above 0.2 is conventionally a shift worth a look).

use serde::Serialize;

/// One lane decision with its outcome, as the report reads it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub day: i64,
    /// `risk`, `exploration`, `random`, `rerouted` or `released`.
    pub why: String,
    /// Red or yellow: inspected.
    pub checked: bool,
    pub risk: f64,
    /// `Some(true)` found something, `Some(false)` nothing, `None` not recorded.
    pub positive: Option<bool>,
}

/// One week of the targeting report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// Monday of the week, days since 1970-01-01.
    pub monday: i64,
    pub consignments: usize,
    pub targeted: usize,
    pub targeted_with_outcome: usize,
    pub targeted_positive: usize,
    pub random: usize,
    pub random_with_outcome: usize,
    pub random_positive: usize,
    /// Targeted (risk, exploration, re-routed) checks that found something.
    pub precision: Option<f64>,
    /// The random checks' precision: the baseline.
    pub baseline_precision: Option<f64>,
    /// Estimated share of the week's irregular consignments the targeted checks found.
    pub recall: Option<f64>,
    /// Population stability index of the week's risk scores against the earlier weeks.
    pub drift_psi: Option<f64>,
    pub drift: bool,
}

fn monday(day: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    day - (day + 3).rem_euclid(7)
}

fn psi(now: &[f64], before: &[f64]) -> Option<f64> {
    if now.len() < 20 || before.len() < 20 {
        return None;
    }
    let bins = |v: &[f64]| {
        let mut b = [0f64; 10];
        for &x in v {
            let i = ((x.clamp(0.0, 1.0) * 10.0) as usize).min(9);
            if let Some(slot) = b.get_mut(i) {
                *slot += 1.0;
            }
        }
        b.map(|c| (c / v.len() as f64).max(1e-4))
    };
    let (p, q) = (bins(now), bins(before));
    Some(
        p.iter()
            .zip(q.iter())
            .map(|(a, b)| (a - b) * (a / b).ln())
            .sum(),
    )
}

/// Weeks in order, oldest first.
pub fn weekly(decisions: &[Decision]) -> Vec<Week> {
    let mut mondays: Vec<i64> = decisions.iter().map(|d| monday(d.day)).collect();
    mondays.sort_unstable();
    mondays.dedup();
    let mut out = Vec::new();
    for &m in &mondays {
        let week: Vec<&Decision> = decisions.iter().filter(|d| monday(d.day) == m).collect();
        let targeted: Vec<&&Decision> = week
            .iter()
            .filter(|d| d.checked && matches!(d.why.as_str(), "risk" | "exploration" | "rerouted"))
            .collect();
        let random: Vec<&&Decision> = week
            .iter()
            .filter(|d| d.checked && d.why == "random")
            .collect();
        let with = |v: &[&&Decision]| v.iter().filter(|d| d.positive.is_some()).count();
        let pos = |v: &[&&Decision]| v.iter().filter(|d| d.positive == Some(true)).count();
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        let (tw, tp, rw, rp) = (with(&targeted), pos(&targeted), with(&random), pos(&random));
        let baseline = ratio(rp, rw);
        let recall = baseline
            .filter(|b| *b > 0.0)
            .map(|b| (tp as f64 / (b * week.len() as f64)).min(1.0));
        let now: Vec<f64> = week.iter().map(|d| d.risk).collect();
        let before: Vec<f64> = decisions
            .iter()
            .filter(|d| monday(d.day) < m && monday(d.day) >= m - 28)
            .map(|d| d.risk)
            .collect();
        let drift_psi = psi(&now, &before);
        out.push(Week {
            monday: m,
            consignments: week.len(),
            targeted: targeted.len(),
            targeted_with_outcome: tw,
            targeted_positive: tp,
            random: random.len(),
            random_with_outcome: rw,
            random_positive: rp,
            precision: ratio(tp, tw),
            baseline_precision: baseline,
            recall,
            drift_psi,
            drift: drift_psi.is_some_and(|p| p > 0.2),
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(day: i64, why: &str, checked: bool, risk: f64, positive: Option<bool>) -> Decision {
        Decision {
            day,
            why: why.into(),
            checked,
            risk,
            positive,
        }
    }

    #[test]
    fn precision_beside_the_random_baseline_and_an_estimated_recall() {
        // Week of Monday 2026-11-23 (day 20_780).
        let mut v = Vec::new();
        for k in 0..10 {
            v.push(d(20_782, "risk", true, 0.8, Some(k < 6)));
        }
        for k in 0..10 {
            v.push(d(20_782, "random", true, 0.1, Some(k < 1)));
        }
        for _ in 0..180 {
            v.push(d(20_783, "released", false, 0.05, None));
        }
        let w = weekly(&v);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].monday, 20_780);
        assert_eq!(w[0].precision, Some(0.6));
        assert_eq!(w[0].baseline_precision, Some(0.1));
        // 6 found of an estimated 0.1 × 200 = 20.
        assert!((w[0].recall.unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(w[0].drift_psi, None, "no earlier weeks");
    }

    #[test]
    fn a_shift_in_risk_scores_is_flagged() {
        let mut v = Vec::new();
        for k in 0..100 {
            v.push(d(20_773, "released", false, f64::from(k % 10) / 50.0, None));
            v.push(d(
                20_780,
                "released",
                false,
                0.5 + f64::from(k % 10) / 25.0,
                None,
            ));
        }
        let w = weekly(&v);
        assert_eq!(w.len(), 2);
        assert!(!w[0].drift);
        assert!(w[1].drift && w[1].drift_psi.unwrap() > 1.0, "{:?}", w[1]);
    }
}
