//! A vessel's risk score for drug-smuggling targeting: points for port calls in a configurable
//! list of high-risk ports, for behaviour events (dark activity, encounters, loitering,
//! identity tampering) and for an MMSI or IMO number that does not hold together
//! (reference/sharing-maritime.md B6, "Feature list for our vessel risk score"). Every point
//! comes with its reason, so an officer can see why a vessel ranks where it does.

use serde::{Deserialize, Serialize};

use crate::mid::MidCheck;

/// Weights of the score's factors; the score is their sum, capped at 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskSettings {
    /// Port codes (as in the port list) that count as high-risk.
    pub high_risk_ports: Vec<String>,
    /// Only port calls and events this recent count.
    pub lookback_days: i64,
    pub per_high_risk_call: u32,
    pub per_gap: u32,
    pub per_encounter: u32,
    pub per_loitering: u32,
    pub per_identity_change: u32,
    pub per_jump: u32,
    pub mid_problem: u32,
    pub invalid_imo: u32,
}

impl Default for RiskSettings {
    fn default() -> Self {
        RiskSettings {
            high_risk_ports: crate::ports::DEFAULT_HIGH_RISK
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            lookback_days: 365,
            per_high_risk_call: 30,
            per_gap: 15,
            per_encounter: 20,
            per_loitering: 10,
            per_identity_change: 20,
            per_jump: 10,
            mid_problem: 20,
            invalid_imo: 10,
        }
    }
}

/// One reason for points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskFactor {
    pub code: String,
    pub points: u32,
    /// In English; `code` with `params` is what a reader's language renders.
    pub detail: String,
    /// The detail's values: `n` and `days` for counts, `ports`, `mid`, `country`, `flag`.
    pub params: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScore {
    /// 0–100.
    pub score: u32,
    pub factors: Vec<RiskFactor>,
}

/// Scores a vessel from its port calls (`(port code, port name, start)`), its behaviour
/// events (`(kind, at)`), its MID check and its IMO number's validity, as of `now_ms`.
pub fn score(
    s: &RiskSettings,
    now_ms: i64,
    calls: &[(&str, &str, i64)],
    events: &[(&str, i64)],
    mid: &MidCheck,
    imo_valid: Option<bool>,
) -> RiskScore {
    let since = now_ms - s.lookback_days * 86_400_000;
    let mut factors = Vec::new();
    let mut risky: Vec<&str> = Vec::new();
    for &(code, name, start) in calls {
        if start >= since && s.high_risk_ports.iter().any(|p| p == code) {
            risky.push(name);
        }
    }
    if !risky.is_empty() {
        let n = risky.len() as u32;
        risky.sort_unstable();
        risky.dedup();
        factors.push(RiskFactor {
            code: "high_risk_port_calls".into(),
            points: n.saturating_mul(s.per_high_risk_call),
            detail: format!(
                "{n} call(s) in {} days at {}",
                s.lookback_days,
                risky.join(", ")
            ),
            params: serde_json::json!({"n": n, "days": s.lookback_days, "ports": risky.join(", ")}),
        });
    }
    let mut count = |prefix: &str, code: &str, per: u32, what: &str| {
        let n = events
            .iter()
            .filter(|(k, at)| k.starts_with(prefix) && *at >= since)
            .count() as u32;
        if n > 0 && per > 0 {
            factors.push(RiskFactor {
                code: code.into(),
                points: n.saturating_mul(per),
                detail: format!("{n} {what} in {} days", s.lookback_days),
                params: serde_json::json!({"n": n, "days": s.lookback_days}),
            });
        }
    };
    count(
        "ais.gap",
        "dark_activity",
        s.per_gap,
        "AIS gap(s) under way",
    );
    count(
        "ais.encounter",
        "encounters",
        s.per_encounter,
        "encounter(s) at sea",
    );
    count(
        "ais.loitering",
        "loitering",
        s.per_loitering,
        "loitering event(s)",
    );
    count(
        "ais.identity_change",
        "identity_changes",
        s.per_identity_change,
        "identity change(s)",
    );
    count(
        "ais.impossible_jump",
        "impossible_jumps",
        s.per_jump,
        "impossible jump(s)",
    );
    match mid {
        MidCheck::Unallocated { mid } => factors.push(RiskFactor {
            code: "mid_unallocated".into(),
            points: s.mid_problem,
            detail: format!("MID {mid} is not allocated to any country"),
            params: serde_json::json!({"mid": mid}),
        }),
        MidCheck::FlagMismatch { mid, country, flag } => factors.push(RiskFactor {
            code: "mid_flag_mismatch".into(),
            points: s.mid_problem,
            detail: format!("MID {mid} is {country}'s but the declared flag is {flag}"),
            params: serde_json::json!({"mid": mid, "country": country, "flag": flag}),
        }),
        _ => {}
    }
    if imo_valid == Some(false) {
        factors.push(RiskFactor {
            code: "invalid_imo".into(),
            points: s.invalid_imo,
            detail: "the IMO number's check digit fails".into(),
            params: serde_json::json!({}),
        });
    }
    factors.sort_by_key(|f| std::cmp::Reverse(f.points));
    let total: u32 = factors.iter().map(|f| f.points).sum();
    RiskScore {
        score: total.min(100),
        factors,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn high_risk_calls_and_events_add_up_and_old_ones_do_not_count() {
        let s = RiskSettings::default();
        let day = 86_400_000;
        let now = 400 * day;
        let calls = [
            ("ECGYE", "Guayaquil", now - 20 * day),
            ("SEKPS", "Kapellskär", now - day),
            ("BRSSZ", "Santos", now - 399 * day),
        ];
        let events = [("ais.gap", now - day), ("ais.encounter", now - day)];
        let r = score(
            &s,
            now,
            &calls,
            &events,
            &MidCheck::NotApplicable,
            Some(true),
        );
        assert_eq!(r.score, 30 + 15 + 20);
        assert_eq!(r.factors[0].code, "high_risk_port_calls");
        assert!(r.factors[0].detail.contains("Guayaquil"));
        let clean = score(&s, now, &calls[1..2], &[], &MidCheck::NotApplicable, None);
        assert_eq!(clean.score, 0);
        let capped = score(
            &s,
            now,
            &[("ECGYE", "Guayaquil", now); 5],
            &[],
            &MidCheck::Unallocated { mid: 646 },
            Some(false),
        );
        assert_eq!(capped.score, 100);
    }
}
