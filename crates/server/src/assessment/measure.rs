//! What the running system says of the controls it can measure: each measurement reads live
//! facts — the policy set in force evaluated, the audit chain verified, the releases, the
//! detector settings, targeting's lane decisions, the AIS picture — and says implemented,
//! partly or not, in words, with a link to where the facts are. Nothing here is assumed.

use hamnvakt_access::policy::Facts;
use hamnvakt_assessment::catalogue::Measure;
use hamnvakt_assessment::model::{Finding, Measured, Status};
use hamnvakt_store::ChainStatus;

use super::words::{self, DETECTORS};
use super::AssessmentState;
use crate::web::error::ApiError;
use crate::web::i18n::Lang;

/// How far around one of our terminals a position counts as covering its approach.
const APPROACH_KM: f64 = 15.0;
/// How recent a position must be to count.
const COVERAGE_WINDOW_MS: i64 = 24 * 3_600_000;

/// A measurement of `facts`, with them in English words for the record.
fn m(measure: Measure, status: Status, facts: Finding, link: &str, at_ms: i64) -> Measured {
    Measured {
        measure,
        status,
        detail: words::finding(Lang::En, &facts),
        facts: Some(facts),
        link: link.to_owned(),
        at_ms,
    }
}

/// Every measurement, now.
pub async fn all(state: &AssessmentState) -> Result<Vec<Measured>, ApiError> {
    let at = state.now_ms();
    let mut out = Vec::with_capacity(Measure::ALL.len());

    // The policy set in force, evaluated for a general (non-personal) card with a valid
    // permit at level 1 and 2, and a personal card at level 2.
    let policies = state.access.lock().policies.clone();
    let general = Facts {
        credential_generic: true,
        ..Facts::entering_with_permit()
    };
    let g1 = policies.evaluate(&Facts {
        security_level: 1,
        ..general.clone()
    });
    let g2 = policies.evaluate(&Facts {
        security_level: 2,
        ..general
    });
    let p2 = policies.evaluate(&Facts {
        security_level: 2,
        ..Facts::entering_with_permit()
    });
    let status = if g2.allowed {
        Status::Not
    } else if g1.allowed && p2.allowed {
        Status::Implemented
    } else {
        // Refusing everyone at level 2 also stops general cards, but is no access control.
        Status::Partly
    };
    out.push(m(
        Measure::Level2CardsStop,
        status,
        Finding::Level2Cards {
            policy_version: policies.version,
            general_level1: g1.allowed,
            general_level2: g2.allowed,
            decided_by: g2.policies.clone(),
            personal_level2: p2.allowed,
        },
        "/access/policies",
        at,
    ));

    // The audit chain, walked whole; and whether gate decisions are in it.
    let chain = state.store.verify_chain().await?;
    let intact = chain.status == ChainStatus::Intact;
    let (selected, total, decisions) = state.store.assessment_counts().await?;
    out.push(m(
        Measure::AuditChainVerifies,
        if intact {
            Status::Implemented
        } else {
            Status::Not
        },
        Finding::AuditChain {
            intact,
            events_checked: chain.events_checked,
            problem: (!intact).then(|| format!("{:?}", chain.status)),
        },
        "/audit",
        at,
    ));
    out.push(m(
        Measure::GateDecisionsAudited,
        match (intact, decisions > 0) {
            (true, true) => Status::Implemented,
            (true, false) => Status::Partly,
            (false, _) => Status::Not,
        },
        Finding::GateDecisions {
            decisions,
            chain_intact: intact,
        },
        "/access/feed",
        at,
    ));

    // Releases: every release in Hamnvakt is identity-bound (there is no PIN to pass on).
    let releases = state.store.list_releases(None, 10_000).await?;
    let collected = releases.iter().filter(|r| r.state == "collected").count();
    out.push(m(
        Measure::PinFreeRelease,
        if releases.is_empty() {
            Status::Not
        } else {
            Status::Implemented
        },
        Finding::Releases {
            releases: releases.len() as u64,
            collected: collected as u64,
        },
        "/releases",
        at,
    ));

    // The insider detectors: each runs when its threshold lets it fire.
    let d = state.config.detectors;
    let running = |code: &str| match code {
        "repeated_denials" => d.repeated_denials_count > 0 && d.repeated_denials_window_minutes > 0,
        "unusual_hours" => d.unusual_hours_max_share > 0.0,
        "first_sensitive" => d.first_sensitive_min_history > 0,
        "impossible_travel" => d.max_travel_speed_kmh > 0.0,
        // No threshold: the stack detector runs whenever the gate decides.
        "stack_outside_task" => true,
        _ => false,
    };
    let on: Vec<String> = DETECTORS
        .iter()
        .map(|(code, _)| *code)
        .filter(|code| running(code))
        .map(str::to_owned)
        .collect();
    out.push(m(
        Measure::InsiderDetectors,
        match on.len() {
            0 => Status::Not,
            n if n == DETECTORS.len() => Status::Implemented,
            _ => Status::Partly,
        },
        Finding::InsiderDetectors {
            enabled: on,
            total: DETECTORS.len() as u64,
        },
        "/alerts",
        at,
    ));

    // Targeting: the consignments of the last seven days put in a lane, of all brought in
    // for those days.
    let share = if total == 0 {
        0.0
    } else {
        selected as f64 * 100.0 / total as f64
    };
    out.push(m(
        Measure::ContainersRiskAssessed,
        if total == 0 || share < 50.0 {
            Status::Not
        } else if share < 95.0 {
            Status::Partly
        } else {
            Status::Implemented
        },
        Finding::RiskAssessed { selected, total },
        "/targeting",
        at,
    ));

    // AIS: which of our terminals' approaches had a position in the last day.
    let vessels = state.ais.picture().search("", 100_000);
    let ours: Vec<hamnvakt_maritime::ports::Port> = hamnvakt_maritime::ports::builtin()
        .into_iter()
        .filter(|p| p.ours)
        .collect();
    let covered: Vec<String> = ours
        .iter()
        .filter(|p| {
            vessels.iter().any(|v| match (v.lat, v.lon, v.position_ms) {
                (Some(lat), Some(lon), Some(t)) => {
                    at - t <= COVERAGE_WINDOW_MS
                        && hamnvakt_maritime::geo::distance_km(lat, lon, p.lat, p.lon)
                            <= APPROACH_KM
                }
                _ => false,
            })
        })
        .map(|p| p.name.clone())
        .collect();
    out.push(m(
        Measure::AisCoverage,
        match covered.len() {
            0 => Status::Not,
            n if n == ours.len() => Status::Implemented,
            _ => Status::Partly,
        },
        Finding::AisCoverage {
            within_km: APPROACH_KM,
            covered,
            terminals: ours.len() as u64,
        },
        "/map",
        at,
    ));
    Ok(out)
}
