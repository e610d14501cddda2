//! What the running system says of the controls it can measure: each measurement reads live
//! facts — the policy set in force evaluated, the audit chain verified, the releases, the
//! detector settings, targeting's lane decisions, the AIS picture — and says implemented,
//! partly or not, in words, with a link to where the facts are. Nothing here is assumed.

use hamnvakt_access::policy::Facts;
use hamnvakt_assessment::catalogue::Measure;
use hamnvakt_assessment::model::{Measured, Status};
use hamnvakt_store::ChainStatus;

use super::AssessmentState;
use crate::web::error::ApiError;

/// How far around one of our terminals a position counts as covering its approach.
const APPROACH_KM: f64 = 15.0;
/// How recent a position must be to count.
const COVERAGE_WINDOW_MS: i64 = 24 * 3_600_000;

fn m(measure: Measure, status: Status, detail: String, link: &str, at_ms: i64) -> Measured {
    Measured {
        measure,
        status,
        detail,
        link: link.to_owned(),
        at_ms,
    }
}

fn yes(allowed: bool) -> &'static str {
    if allowed {
        "let in"
    } else {
        "refused"
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
        format!(
            "Access policy version {}: a general card with a valid permit is {} at level 1 and {} at \
             level 2 (decided by {}); a personal card at level 2 is {}.",
            policies.version,
            yes(g1.allowed),
            yes(g2.allowed),
            if g2.policies.is_empty() { "no rule".to_owned() } else { g2.policies.join(", ") },
            yes(p2.allowed),
        ),
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
        if intact {
            format!(
                "The audit chain verifies: {} events checked up to the head.",
                chain.events_checked
            )
        } else {
            format!("The audit chain does not verify: {:?}.", chain.status)
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
        format!(
            "{decisions} gate decisions are events in the audit chain, each with its reasons; the chain {}.",
            if intact { "verifies" } else { "does not verify" }
        ),
        "/access/feed",
        at,
    ));

    // Releases: every release in Hamnvakt is identity-bound (there is no PIN to pass on).
    let releases = state.store.list_releases(None, 10_000).await?;
    let collected = releases.iter().filter(|r| r.state == "collected").count();
    out.push(m(
        Measure::PinFreeRelease,
        if releases.is_empty() { Status::Not } else { Status::Implemented },
        if releases.is_empty() {
            "No container release is handled in Hamnvakt: releases still travel outside it.".to_owned()
        } else {
            format!(
                "{} releases handled without PIN codes, the right passed from party to party to a named \
                 driver and truck; {collected} collected after the gate checked the driver.",
                releases.len()
            )
        },
        "/releases",
        at,
    ));

    // The insider detectors: each runs when its threshold lets it fire.
    let d = state.config.detectors;
    let detectors = [
        (
            "repeated denials",
            d.repeated_denials_count > 0 && d.repeated_denials_window_minutes > 0,
        ),
        ("unusual hours", d.unusual_hours_max_share > 0.0),
        (
            "first visit to a sensitive zone",
            d.first_sensitive_min_history > 0,
        ),
        ("impossible travel", d.max_travel_speed_kmh > 0.0),
        // No threshold: it runs whenever the gate decides.
        ("at the stack outside a task", true),
    ];
    let on: Vec<&str> = detectors.iter().filter(|x| x.1).map(|x| x.0).collect();
    out.push(m(
        Measure::InsiderDetectors,
        match on.len() {
            0 => Status::Not,
            n if n == detectors.len() => Status::Implemented,
            _ => Status::Partly,
        },
        format!(
            "{} of {} insider detectors enabled: {}.",
            on.len(),
            detectors.len(),
            on.join(", ")
        ),
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
        format!(
            "{selected} of the {total} consignments of the last seven days risk-assessed and put in a lane ({share:.0} %)."
        ),
        "/targeting",
        at,
    ));

    // AIS: which of our terminals' approaches had a position in the last day.
    let vessels = state.ais.picture().search("", 100_000);
    let ours: Vec<hamnvakt_maritime::ports::Port> = hamnvakt_maritime::ports::builtin()
        .into_iter()
        .filter(|p| p.ours)
        .collect();
    let covered: Vec<&str> = ours
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
        .map(|p| p.name.as_str())
        .collect();
    out.push(m(
        Measure::AisCoverage,
        match covered.len() {
            0 => Status::Not,
            n if n == ours.len() => Status::Implemented,
            _ => Status::Partly,
        },
        format!(
            "AIS positions within {APPROACH_KM} km in the last 24 hours at {} of {} terminals{}.",
            covered.len(),
            ours.len(),
            if covered.is_empty() {
                String::new()
            } else {
                format!(": {}", covered.join(", "))
            }
        ),
        "/map",
        at,
    ));
    Ok(out)
}
