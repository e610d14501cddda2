//! The scales an assessment scores on, documented where they are used: threat,
//! vulnerability and consequence each 1–5, risk their product, 1–125 (MSRAM's
//! threat × vulnerability × consequence; the 1–5 steps are ours, since MSRAM's are not
//! public — `shared/reference/port-domain.md` §5.1).

use serde::Serialize;

/// One step of a scale with what it means.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Step {
    pub value: u8,
    pub label: &'static str,
    pub meaning: &'static str,
}

/// Threat: how likely the scenario is attempted here within a year (intent and capability).
pub const THREAT: [Step; 5] = [
    Step {
        value: 1,
        label: "rare",
        meaning: "no known intent or capability against this port",
    },
    Step {
        value: 2,
        label: "unlikely",
        meaning: "capability exists in the region, no sign of intent here",
    },
    Step {
        value: 3,
        label: "possible",
        meaning: "attempted at comparable ports in the last years",
    },
    Step {
        value: 4,
        label: "likely",
        meaning: "attempted here or at a neighbouring port in the last years",
    },
    Step {
        value: 5,
        label: "expected",
        meaning: "ongoing: seizures or intelligence show it is being done here",
    },
];

/// Vulnerability: how likely an attempt succeeds against the measures in place (MSRAM's
/// achievability, the owner's, police's and coast guard's or customs' effectiveness, and
/// hardness, judged together).
pub const VULNERABILITY: [Step; 5] = [
    Step {
        value: 1,
        label: "very low",
        meaning: "layered measures; an attempt would almost surely be stopped",
    },
    Step {
        value: 2,
        label: "low",
        meaning: "measures in place and tested; some gaps need insiders",
    },
    Step {
        value: 3,
        label: "moderate",
        meaning: "measures in place but untested or partly bypassable",
    },
    Step {
        value: 4,
        label: "high",
        meaning: "measures weak or easily bypassed by one insider",
    },
    Step {
        value: 5,
        label: "very high",
        meaning: "no effective measure",
    },
];

/// Consequence: the worst of life, economic, environmental, national-security and symbolic
/// harm if the scenario succeeds.
pub const CONSEQUENCE: [Step; 5] = [
    Step {
        value: 1,
        label: "minor",
        meaning: "local nuisance, no injury, loss under SEK 100,000",
    },
    Step {
        value: 2,
        label: "moderate",
        meaning: "injuries or loss under SEK 1 M, or one seizure's worth of drugs",
    },
    Step {
        value: 3,
        label: "serious",
        meaning: "serious injury, loss under SEK 10 M, criminal foothold in the port",
    },
    Step {
        value: 4,
        label: "major",
        meaning: "death, loss under SEK 100 M, days of closure, corruption network",
    },
    Step {
        value: 5,
        label: "catastrophic",
        meaning: "several deaths, national-security harm, the port's trust lost",
    },
];

/// The highest risk.
pub const MAX_RISK: u32 = 125;

/// Risk = threat × vulnerability × consequence, each 1–5; `None` when a factor is off the
/// scale.
pub fn risk(threat: u8, vulnerability: u8, consequence: u8) -> Option<u32> {
    let ok = |v: u8| (1..=5).contains(&v);
    if ok(threat) && ok(vulnerability) && ok(consequence) {
        Some(u32::from(threat) * u32::from(vulnerability) * u32::from(consequence))
    } else {
        None
    }
}

/// A risk's band, for the report: low below 20, medium below 50, high below 80, critical
/// from 80.
pub fn band(risk: u32) -> &'static str {
    match risk {
        0..=19 => "low",
        20..=49 => "medium",
        50..=79 => "high",
        _ => "critical",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_is_the_product_on_the_scales() {
        assert_eq!(risk(1, 1, 1), Some(1));
        assert_eq!(risk(5, 5, 5), Some(MAX_RISK));
        assert_eq!(risk(4, 3, 4), Some(48));
        assert_eq!(risk(0, 3, 3), None);
        assert_eq!(risk(3, 6, 3), None);
        assert_eq!(band(48), "medium");
        assert_eq!(band(80), "critical");
        for (i, s) in THREAT
            .iter()
            .chain(&VULNERABILITY)
            .chain(&CONSEQUENCE)
            .enumerate()
        {
            assert_eq!(usize::from(s.value), i % 5 + 1);
        }
    }
}
