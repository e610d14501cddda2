//! The pick-up check at the gate: who and what was presented against the release. Every
//! condition is checked (not only the first that fails), so a refusal names each failed one.
//!
//! The answer is a grant only when the chain is complete (accepted to an inland operator, no
//! offer pending) and ends at an assigned driver and truck, the presented card is that
//! driver's and the plate that truck's, all three lights allow it, and the release is active,
//! in force and not collected, at its terminal, with no ban on the driver. A customs scan
//! selection, with everything else in order, is a referral to the scanner lane.

use hamnvakt_core::ids::{FacilityId, PersonId};
use serde::Serialize;

use crate::chain::normalise_plate;
use crate::model::{CommercialLight, CustomsLight, Release, ReleaseState, TerminalLight};

/// What the gate saw, resolved against the access register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The person whose card was read, when the card is known.
    pub person: Option<PersonId>,
    /// The plate the camera read.
    pub plate: Option<String>,
    /// Whether a port ban applies to the presented person.
    pub banned: bool,
    /// The facility of the gate.
    pub facility: Option<FacilityId>,
}

/// The pick-up's answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PickupVerdict {
    Grant,
    /// Everything holds but customs wants the container scanned: to the scanner lane.
    ReferToScanner,
    Deny,
}

/// One failed condition.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PickupFailure))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Stable code: `wrong_driver`, `wrong_truck`, `chain_incomplete` …
    pub code: &'static str,
    pub text: String,
}

/// The check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pickup {
    pub verdict: PickupVerdict,
    pub failures: Vec<Failure>,
    /// The card presented is a known person's but not the assigned driver's: the case the
    /// PIN fraud is made of, for which the server raises an alert.
    pub wrong_driver: bool,
}

fn fail(code: &'static str, text: impl Into<String>) -> Failure {
    Failure {
        code,
        text: text.into(),
    }
}

/// Checks a pick-up of `release` by what was `presented` at `at_ms`; `scan_selected` says
/// whether customs' targeting selected the container for scanning.
pub fn pickup(release: &Release, presented: &Presented, scan_selected: bool, at_ms: i64) -> Pickup {
    let mut failures = Vec::new();
    match release.state {
        ReleaseState::Active => {}
        ReleaseState::Withdrawn => {
            failures.push(fail("release_withdrawn", "the line withdrew the release"))
        }
        ReleaseState::Collected => failures.push(fail(
            "already_collected",
            "the container has already been collected",
        )),
    }
    if at_ms >= release.expires_ms {
        failures.push(fail("release_expired", "the release has expired"));
    }
    if at_ms < release.issued_ms {
        failures.push(fail(
            "release_not_yet_valid",
            "the release is not valid yet",
        ));
    }
    if let (Some(want), Some(here)) = (release.facility, presented.facility) {
        if want != here {
            failures.push(fail(
                "wrong_terminal",
                "the container is released from another terminal",
            ));
        }
    }
    let complete = release.pending().is_none() && release.holder_role().may_assign();
    if !complete {
        failures.push(fail(
            "chain_incomplete",
            "the release right has not reached an inland operator who accepted it",
        ));
    }
    let mut wrong_driver = false;
    match &release.assignment {
        None => failures.push(fail("no_driver_assigned", "no driver is assigned")),
        Some(a) => {
            match presented.person {
                None => failures.push(fail(
                    "driver_not_identified",
                    "no known port card was presented",
                )),
                Some(p) if p != a.driver => {
                    wrong_driver = true;
                    failures.push(fail(
                        "wrong_driver",
                        "the card presented is not the assigned driver's",
                    ));
                }
                Some(_) => {}
            }
            match presented.plate.as_deref().map(normalise_plate) {
                None => failures.push(fail("truck_not_identified", "no plate was read")),
                Some(p) if p != a.plate => failures.push(fail(
                    "wrong_truck",
                    "the plate read is not the assigned truck's",
                )),
                Some(_) => {}
            }
        }
    }
    if presented.banned {
        failures.push(fail("port_ban", "a port ban applies to the driver"));
    }
    if let CommercialLight::Blocked { reason } = &release.commercial {
        failures.push(fail(
            "commercial_blocked",
            format!("the line blocks the release: {reason}"),
        ));
    }
    match &release.terminal {
        TerminalLight::Discharged => {}
        TerminalLight::NotDischarged => failures.push(fail(
            "not_discharged",
            "the terminal has not confirmed discharge",
        )),
        TerminalLight::Blocked { reason } => failures.push(fail(
            "terminal_blocked",
            format!("the terminal blocks the container: {reason}"),
        )),
    }
    let mut scan = false;
    match release.effective_customs(scan_selected) {
        CustomsLight::Green => {}
        CustomsLight::Orange { scan: s, .. } => scan = s,
        CustomsLight::Unknown => failures.push(fail(
            "customs_unknown",
            "customs has not released the container",
        )),
        CustomsLight::Red { reason } => failures.push(fail(
            "customs_red",
            format!("customs does not release the container: {reason}"),
        )),
    }
    let verdict = if !failures.is_empty() {
        PickupVerdict::Deny
    } else if scan {
        PickupVerdict::ReferToScanner
    } else {
        PickupVerdict::Grant
    };
    Pickup {
        verdict,
        failures,
        wrong_driver,
    }
}
