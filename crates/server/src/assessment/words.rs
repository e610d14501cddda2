//! A measurement's facts in words, in the reader's language; in English they are the
//! measurement's `detail`, kept in the record and the exports.

use hamnvakt_assessment::model::{Finding, Measured};
use hamnvakt_assessment::practice::{CostBand, Effort};

use crate::web::i18n::{decimal, fill, Lang, Msg};
use crate::web::layout::t;

/// The insider detectors the measurement counts, by code, with their words.
pub const DETECTORS: [(&str, Msg); 5] = [
    ("repeated_denials", Msg::MfDetRepeatedDenials),
    ("unusual_hours", Msg::MfDetUnusualHours),
    ("first_sensitive", Msg::MfDetFirstSensitive),
    ("impossible_travel", Msg::MfDetImpossibleTravel),
    ("stack_outside_task", Msg::MfDetStack),
];

fn allowed(lang: Lang, yes: bool) -> &'static str {
    t(lang, if yes { Msg::MfLetIn } else { Msg::MfRefused })
}

/// What `f` found, in `lang`.
pub fn finding(lang: Lang, f: &Finding) -> String {
    match f {
        Finding::Level2Cards {
            policy_version,
            general_level1,
            general_level2,
            decided_by,
            personal_level2,
        } => fill(
            t(lang, Msg::MfLevel2),
            &[
                ("version", policy_version.to_string()),
                ("general1", allowed(lang, *general_level1).to_owned()),
                ("general2", allowed(lang, *general_level2).to_owned()),
                (
                    "by",
                    if decided_by.is_empty() {
                        t(lang, Msg::MfNoRule).to_owned()
                    } else {
                        decided_by.join(", ")
                    },
                ),
                ("personal2", allowed(lang, *personal_level2).to_owned()),
            ],
        ),
        Finding::AuditChain {
            intact: true,
            events_checked,
            ..
        } => fill(
            t(lang, Msg::MfChainVerifies),
            &[("n", events_checked.to_string())],
        ),
        Finding::AuditChain {
            intact: false,
            problem,
            ..
        } => fill(
            t(lang, Msg::MfChainBroken),
            &[("problem", problem.clone().unwrap_or_default())],
        ),
        Finding::GateDecisions {
            decisions,
            chain_intact,
        } => fill(
            t(
                lang,
                if *chain_intact {
                    Msg::MfGateDecisionsOk
                } else {
                    Msg::MfGateDecisionsBroken
                },
            ),
            &[("n", decisions.to_string())],
        ),
        Finding::Releases { releases: 0, .. } => t(lang, Msg::MfNoReleases).to_owned(),
        Finding::Releases {
            releases,
            collected,
        } => fill(
            t(lang, Msg::MfReleases),
            &[
                ("n", releases.to_string()),
                ("collected", collected.to_string()),
            ],
        ),
        Finding::InsiderDetectors { enabled, total } => {
            let names: Vec<String> = enabled
                .iter()
                .map(|code| {
                    DETECTORS
                        .iter()
                        .find(|(c, _)| c == code)
                        .map_or_else(|| code.clone(), |(_, m)| t(lang, *m).to_owned())
                })
                .collect();
            fill(
                t(lang, Msg::MfDetectors),
                &[
                    ("n", enabled.len().to_string()),
                    ("total", total.to_string()),
                    ("list", names.join(", ")),
                ],
            )
        }
        Finding::RiskAssessed { selected, total } => {
            let share = if *total == 0 {
                0.0
            } else {
                *selected as f64 * 100.0 / *total as f64
            };
            fill(
                t(lang, Msg::MfRiskAssessed),
                &[
                    ("selected", selected.to_string()),
                    ("total", total.to_string()),
                    ("share", decimal(lang, share, 0)),
                ],
            )
        }
        Finding::AisCoverage {
            within_km,
            covered,
            terminals,
        } => fill(
            t(lang, Msg::MfAisCoverage),
            &[
                ("km", decimal(lang, *within_km, 0)),
                ("n", covered.len().to_string()),
                ("total", terminals.to_string()),
                (
                    "list",
                    if covered.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", covered.join(", "))
                    },
                ),
            ],
        ),
    }
}

/// A practice's effort in `lang`.
pub fn effort(lang: Lang, e: Effort) -> &'static str {
    t(
        lang,
        match e {
            Effort::Low => Msg::EffLow,
            Effort::Medium => Msg::EffMedium,
            Effort::High => Msg::EffHigh,
        },
    )
}

/// A practice's cost band in `lang`.
pub fn cost(lang: Lang, c: CostBand) -> &'static str {
    t(
        lang,
        match c {
            CostBand::Under100k => Msg::CostUnder100k,
            CostBand::To1m => Msg::CostTo1m,
            CostBand::To10m => Msg::CostTo10m,
            CostBand::Over10m => Msg::CostOver10m,
        },
    )
}

/// A measurement in `lang`: from its facts, or its recorded words when it has none (a
/// measurement recorded before the facts were kept).
pub fn measured(lang: Lang, m: &Measured) -> String {
    m.facts
        .as_ref()
        .map_or_else(|| m.detail.clone(), |f| finding(lang, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_finding() -> Vec<Finding> {
        vec![
            Finding::Level2Cards {
                policy_version: 3,
                general_level1: true,
                general_level2: false,
                decided_by: vec!["level2_generic_card".into()],
                personal_level2: true,
            },
            Finding::Level2Cards {
                policy_version: 4,
                general_level1: true,
                general_level2: true,
                decided_by: vec![],
                personal_level2: true,
            },
            Finding::AuditChain {
                intact: true,
                events_checked: 120,
                problem: None,
            },
            Finding::AuditChain {
                intact: false,
                events_checked: 7,
                problem: Some("Broken".into()),
            },
            Finding::GateDecisions {
                decisions: 5,
                chain_intact: true,
            },
            Finding::GateDecisions {
                decisions: 5,
                chain_intact: false,
            },
            Finding::Releases {
                releases: 0,
                collected: 0,
            },
            Finding::Releases {
                releases: 9,
                collected: 2,
            },
            Finding::InsiderDetectors {
                enabled: DETECTORS.iter().map(|(c, _)| (*c).to_owned()).collect(),
                total: DETECTORS.len() as u64,
            },
            Finding::RiskAssessed {
                selected: 1,
                total: 3,
            },
            Finding::AisCoverage {
                within_km: 15.0,
                covered: vec!["Norvik".into()],
                terminals: 4,
            },
        ]
    }

    #[test]
    fn every_finding_is_worded_whole_in_both_languages() {
        for f in every_finding() {
            let en = finding(Lang::En, &f);
            let sv = finding(Lang::Sv, &f);
            for text in [&en, &sv] {
                assert!(!text.contains('{') && !text.contains('}'), "{f:?}: {text}");
            }
            assert_ne!(en, sv, "{f:?}");
        }
    }

    #[test]
    fn the_english_words_are_the_records_and_an_unknown_detector_keeps_its_code() {
        let level2 = every_finding().into_iter().next();
        assert_eq!(
            level2.map(|f| finding(Lang::En, &f)).as_deref(),
            Some(
                "Access policy version 3: a general card with a valid permit is let in at level 1 \
                 and refused at level 2 (decided by level2_generic_card); a personal card at \
                 level 2 is let in."
            )
        );
        let share = Finding::RiskAssessed {
            selected: 2,
            total: 3,
        };
        assert!(finding(Lang::En, &share).ends_with("(67 %)."));
        let detectors = Finding::InsiderDetectors {
            enabled: vec!["unusual_hours".into(), "a_new_one".into()],
            total: 6,
        };
        assert_eq!(
            finding(Lang::Sv, &detectors),
            "2 av 6 detektorer för insiderbeteende påslagna: ovanliga tider, a_new_one."
        );
    }
}
