//! Cargo for the demo: twelve weeks of container and ro-ro manifests at Norvik and the ferry
//! terminals — fruit from Ecuador and Colombia, trucks from the Baltic states and the
//! Netherlands, ordinary trade from Germany and China — with the outcomes of the inspections
//! made then (so the model has something to learn), the profiles the targeting team runs, and
//! today's manifests with story 2 of the product brief: a reefer of bananas from Guayaquil for
//! a consignee never seen before, which must rank in the day's top 2 % with its reasons.
//!
//! All synthetic: importers are invented, EORI numbers are made up, container numbers carry
//! valid ISO 6346 check digits.

use hamnvakt_targeting::consignment::{Consignment, Party};
use hamnvakt_targeting::outcome::{Outcome, Result as Found};
use hamnvakt_targeting::profile::{Condition, Lane, Profile};
use rand::Rng;
use rand_chacha::ChaCha20Rng;

/// What the demo's cargo is.
#[derive(Debug, Clone)]
pub struct DemoCargo {
    /// Oldest first; today's last.
    pub consignments: Vec<Consignment>,
    /// Inspections made in the past weeks and what they found.
    pub outcomes: Vec<(String, Outcome)>,
    pub profiles: Vec<Profile>,
    /// Today, `YYYY-MM-DD`.
    pub today: String,
    /// Story 2's declaration and container.
    pub story_declaration: String,
    pub story_container: String,
}

/// An ISO 6346 number from owner code and serial, with its check digit.
pub fn container(owner: &str, serial: u32) -> String {
    let body = format!("{owner}U{serial:06}");
    let value = |c: u8| -> u32 {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            let mut v = 10;
            let mut l = b'A';
            while l < c {
                v += 1;
                if v % 11 == 0 {
                    v += 1;
                }
                l += 1;
            }
            v
        }
    };
    let sum: u32 = body.bytes().enumerate().map(|(i, c)| value(c) << i).sum();
    format!("{body}{}", sum % 11 % 10)
}

fn date(days: i64) -> String {
    // Days since 1970-01-01 to YYYY-MM-DD (civil calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn pick<T: Copy + Default>(rng: &mut ChaCha20Rng, items: &[T]) -> T {
    items
        .get(rng.gen_range(0..items.len().max(1)))
        .copied()
        .unwrap_or_default()
}

fn party(eori: &str, name: &str) -> Party {
    Party {
        id: None,
        name: Some(name.into()),
        eori: Some(eori.into()),
    }
}

const FRUIT_IMPORTERS: [(&str, &str); 4] = [
    ("SE5565012341", "Nordfrukt AB"),
    ("SE5563320987", "Banan-Kompaniet Stockholm AB"),
    ("SE5567788112", "Grönsakshallen Sorunda AB"),
    ("NL812345671", "Fresh Line Rotterdam BV"),
];
const TRADERS: [(&str, &str); 6] = [
    ("SE5561112223", "Möbelhuset Haninge AB"),
    ("SE5569876543", "Datorgrossisten Norden AB"),
    ("SE5564441118", "Livsmedelsimport Södertälje AB"),
    ("DE123456789", "Hansa Maschinen GmbH"),
    ("LT100001234", "Baltic Road Cargo UAB"),
    ("LV40003123456", "Rīgas Tirdzniecība SIA"),
];

/// Weeks of history before today.
pub const HISTORY_WEEKS: i64 = 12;
/// Inspections a past day: picked by the team's judgement…
const TARGETED_A_DAY: usize = 8;
/// …and at random, so the record also says what unsuspected cargo holds.
const RANDOM_A_DAY: usize = 3;

/// How a past day's inspections were chosen and what they found: the targeting team of the
/// time inspected the consignments it found most suspicious — by what it could see (fruit
/// from the ports cocaine leaves from, a consignee it did not know, cigarettes off a Baltic
/// truck, a value far below what such goods cost), with its own noise — and a few at random.
/// Each inspection found something with the consignment's true probability, which the
/// generator set and nobody at the time knew. Nothing is planted: the outcomes, and so the
/// model, are what this process gives.
fn inspect_day(
    rng: &mut ChaCha20Rng,
    day: &[(usize, f64, f64)],
    consignments: &[Consignment],
    outcomes: &mut Vec<(String, Outcome)>,
) {
    let mut order: Vec<(usize, f64, f64)> = day
        .iter()
        .map(|&(i, p, suspicion)| (i, p, suspicion + rng.gen_range(0.0..2.5)))
        .collect();
    order.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<(usize, f64)> = order
        .iter()
        .take(TARGETED_A_DAY)
        .map(|x| (x.0, x.1))
        .collect();
    let rest = order.get(TARGETED_A_DAY..).unwrap_or(&[]);
    for _ in 0..RANDOM_A_DAY.min(rest.len()) {
        let x = pick(rng, rest);
        if !chosen.iter().any(|c| c.0 == x.0) {
            chosen.push((x.0, x.1));
        }
    }
    for (i, p_irregular) in chosen {
        let Some(c) = consignments.get(i) else {
            continue;
        };
        let found = rng.gen_bool(p_irregular.clamp(0.0, 1.0));
        let outcome = match (
            found,
            c.hs_code.starts_with("0803") || c.hs_code.starts_with("0804"),
        ) {
            (true, true) => Outcome {
                result: Found::Seizure,
                goods: Some("cocaine".into()),
                quantity: Some(f64::from(rng.gen_range(20..400))),
                unit: Some("kg".into()),
                note: "in the reefer's cooling unit".into(),
            },
            (true, false) if c.hs_code.starts_with("2402") => Outcome {
                result: Found::Seizure,
                goods: Some("undeclared cigarettes".into()),
                quantity: Some(f64::from(rng.gen_range(50..800) * 1000)),
                unit: Some("pieces".into()),
                note: String::new(),
            },
            (true, false) => Outcome {
                result: Found::Irregularity,
                goods: None,
                quantity: None,
                unit: None,
                note: "value or origin misdeclared".into(),
            },
            (false, _) => Outcome {
                result: Found::NothingFound,
                goods: None,
                quantity: None,
                unit: None,
                note: String::new(),
            },
        };
        outcomes.push((c.declaration_id.clone(), outcome));
    }
}

/// Generates the cargo for `now_ms`'s day and the [`HISTORY_WEEKS`] before it.
pub(crate) fn generate(rng: &mut ChaCha20Rng, now_ms: i64) -> DemoCargo {
    let today = now_ms.div_euclid(86_400_000);
    let mut consignments = Vec::new();
    let mut outcomes = Vec::new();
    let mut serial = 100_000u32;
    for day in (today - 7 * HISTORY_WEEKS)..=today {
        // This day's consignments: (index, true probability of a finding, how suspicious
        // the team of the time would have found it).
        let mut this_day: Vec<(usize, f64, f64)> = Vec::new();
        let n = if day == today {
            140
        } else {
            60 + rng.gen_range(0..20)
        };
        for k in 0..n {
            serial += 1;
            let id = format!("SE{}-{k:04}", date(day).replace('-', ""));
            let kind = rng.gen_range(0..100);
            let mut c = Consignment {
                declaration_id: id.clone(),
                date: Some(date(day)),
                ..Consignment::default()
            };
            // What makes a consignment truly irregular in this synthetic world, for the
            // outcomes of past inspections, and what made the team suspicious of it.
            let mut p_irregular = 0.015;
            let mut suspicion = 0.0;
            if kind < 25 {
                // Fruit in reefers from South America, via Rotterdam or Antwerp, to Norvik.
                let (eori, name) = pick(rng, &FRUIT_IMPORTERS);
                // New consignees in the history (where the model learns from them); today the
                // story's is the only one.
                let new_consignee = rng.gen_ratio(1, 25) && day < today;
                c.importer = if new_consignee {
                    party(
                        &format!("SE55690{:05}", rng.gen_range(0..99_999)),
                        "Nyetablerad Frukt AB",
                    )
                } else {
                    party(eori, name)
                };
                let (origin, port) = pick(
                    rng,
                    &[
                        ("EC", "ECGYE"),
                        ("EC", "ECPSJ"),
                        ("CO", "COTRB"),
                        ("CR", "CRMOB"),
                    ],
                );
                c.origin_country = Some(origin.into());
                c.departure_country = Some(origin.into());
                c.hs_code = if rng.gen_ratio(4, 5) {
                    "0803901000".into()
                } else {
                    "0804300000".into()
                };
                c.route_ports = vec![
                    port.into(),
                    if rng.gen_bool(0.5) { "NLRTM" } else { "BEANR" }.into(),
                    "SENYN".into(),
                ];
                c.container = Some(container(pick(rng, &["MSK", "CMA", "HLX"]), serial));
                c.mass_kg = Some(f64::from(rng.gen_range(18_000..22_000)));
                c.value = Some(c.mass_kg.unwrap_or(0.0) * rng.gen_range(0.9..1.3));
                c.vessel_call = Some(format!("UNIFEEDER SENYN {}", date(day)));
                if new_consignee && port != "CRMOB" {
                    p_irregular = 0.45;
                } else if new_consignee {
                    p_irregular = 0.08;
                } else if port == "ECGYE" || port == "COTRB" {
                    p_irregular = 0.04;
                }
                suspicion += if port == "CRMOB" { 0.5 } else { 1.5 };
                if new_consignee {
                    suspicion += 2.5;
                }
            } else if kind < 60 {
                // Trucks and trailers on the ferries from the Baltic states and the Netherlands.
                // (country, plate prefix, arrival terminal, the ferry): the Ventspils ferry is
                // the one the demo's AIS picture runs into Norvik; the others are invented.
                let (from, plate_prefix, terminal, ferry) = pick(
                    rng,
                    &[
                        ("LT", "LT", "SEKPS", "BALTIC NAVIGATOR"),
                        ("LV", "LV", "SENYN", "STENA SCANDICA"),
                        ("EE", "EE", "SEKPS", "PALDISKI LINK"),
                        ("NL", "NL", "SESTO", "NORDIC TRAILER"),
                    ],
                );
                let (eori, name) = pick(rng, &TRADERS);
                // Now and then a haulier's customer nobody has seen before.
                let new_trader = rng.gen_ratio(1, 30) && day < today;
                c.importer = if new_trader {
                    party(
                        &format!("{from}{:09}", rng.gen_range(0..999_999_999)),
                        "Nauja Prekyba",
                    )
                } else {
                    party(eori, name)
                };
                c.departure_country = Some(from.into());
                c.origin_country = Some(if rng.gen_ratio(1, 3) { "PL" } else { from }.into());
                c.roro_unit = Some(format!(
                    "{plate_prefix}-{}{:03}",
                    pick(rng, &["KRM", "AB", "TTX", "ZZ"]),
                    rng.gen_range(0..999)
                ));
                let tobacco = rng.gen_ratio(1, 12);
                c.hs_code = if tobacco {
                    "2402200000".into()
                } else {
                    pick(
                        rng,
                        &["9403600000", "2106909800", "8471300000", "3926909790"],
                    )
                    .into()
                };
                c.route_ports = vec![
                    match from {
                        "LT" => "LTKLJ",
                        "LV" => "LVVNT",
                        "EE" => "EEPLA",
                        _ => "NLRTM",
                    }
                    .into(),
                    terminal.into(),
                ];
                c.vessel_call = Some(format!("{ferry} {terminal} {}", date(day)));
                c.mass_kg = Some(f64::from(rng.gen_range(4_000..24_000)));
                let per_kg = if tobacco {
                    40.0
                } else {
                    rng.gen_range(2.0..30.0)
                };
                let undervalued = tobacco && rng.gen_ratio(1, 3);
                c.value = Some(
                    c.mass_kg.unwrap_or(0.0) * if undervalued { per_kg / 8.0 } else { per_kg },
                );
                if undervalued {
                    p_irregular = 0.6;
                } else if tobacco {
                    p_irregular = 0.1;
                } else if new_trader && from != "NL" {
                    p_irregular = 0.12;
                }
                if tobacco {
                    suspicion += if from == "NL" { 1.0 } else { 2.0 };
                }
                if undervalued {
                    suspicion += 1.5;
                }
                if new_trader {
                    suspicion += 1.0;
                }
            } else {
                // Ordinary container trade.
                let (eori, name) = pick(rng, TRADERS.get(..4).unwrap_or(&TRADERS));
                c.importer = party(eori, name);
                let (origin, port) = pick(
                    rng,
                    &[
                        ("CN", "CNSHA"),
                        ("DE", "DEHAM"),
                        ("US", "USNYC"),
                        ("CN", "CNNGB"),
                    ],
                );
                c.origin_country = Some(origin.into());
                c.departure_country = Some(origin.into());
                c.hs_code = pick(
                    rng,
                    &[
                        "8471300000",
                        "9403600000",
                        "8517130000",
                        "6403990000",
                        "3926909790",
                    ],
                )
                .into();
                c.route_ports = vec![port.into(), "DEHAM".into(), "SENYN".into()];
                c.vessel_call = Some(format!("ELBE SHUTTLE SENYN {}", date(day)));
                c.container = Some(container(pick(rng, &["TGH", "MSC", "CMA"]), serial));
                c.mass_kg = Some(f64::from(rng.gen_range(2_000..26_000)));
                // Electronics from China declared at a fraction of their worth: a duty fraud.
                let electronics = c.hs_code.starts_with("8471") || c.hs_code.starts_with("8517");
                let undervalued = electronics && origin == "CN" && rng.gen_ratio(1, 15);
                let per_kg = if undervalued {
                    rng.gen_range(1.0..4.0)
                } else if electronics {
                    rng.gen_range(25.0..60.0)
                } else {
                    rng.gen_range(3.0..30.0)
                };
                c.value = Some(c.mass_kg.unwrap_or(0.0) * per_kg);
                if undervalued {
                    p_irregular = 0.3;
                    suspicion += 1.5;
                }
                if origin == "CN" {
                    suspicion += 0.3;
                }
            }
            this_day.push((consignments.len(), p_irregular, suspicion));
            consignments.push(c);
        }
        if day < today {
            inspect_day(rng, &this_day, &consignments, &mut outcomes);
        }
    }
    // Story 2: today's reefer from Guayaquil for a consignee never seen before.
    let story_container = container("MSK", 483_921);
    let story_declaration = format!("SE{}-7781", date(today).replace('-', ""));
    consignments.push(Consignment {
        declaration_id: story_declaration.clone(),
        date: Some(date(today)),
        container: Some(story_container.clone()),
        // The feeder with the Guayaquil history that went dark on its approach.
        vessel_call: Some(format!(
            "IMO {} SENYN {}",
            crate::maritime::feeder_imo(),
            date(today)
        )),
        importer: party("SE5569904417", "Polarfrukt Import AB"),
        declarant: party("SE5562220001", "Norvik Tullombud AB"),
        seller: Party {
            name: Some("Exportadora Bananera del Pacífico S.A.".into()),
            ..Party::default()
        },
        carrier: Party {
            name: Some("Unifeeder A/S".into()),
            eori: Some("DK25731891".into()),
            ..Party::default()
        },
        hs_code: "0803901000".into(),
        origin_country: Some("EC".into()),
        departure_country: Some("EC".into()),
        route_ports: vec!["ECGYE".into(), "NLRTM".into(), "SENYN".into()],
        mass_kg: Some(20_400.0),
        value: Some(9_800.0),
        ..Consignment::default()
    });
    let profile = |name: &str, conditions, lane, weight| Profile {
        name: name.into(),
        description: String::new(),
        conditions,
        weight,
        lane,
        owner: "Tullverket, riskanalys Stockholm".into(),
        valid_from: None,
        valid_to: None,
        enabled: true,
    };
    let profiles = vec![
        profile(
            "Fruit via cocaine ports for a new consignee",
            vec![
                Condition::HsPrefix {
                    prefixes: vec!["0803".into(), "0804".into()],
                },
                Condition::RouteVia {
                    ports: vec![
                        "ECGYE".into(),
                        "ECPSJ".into(),
                        "COTRB".into(),
                        "COCTG".into(),
                        "COBUN".into(),
                        "BRSSZ".into(),
                    ],
                },
                Condition::FirstTimeImporter,
            ],
            Lane::Red,
            0.6,
        ),
        profile(
            "Cigarettes on Baltic trucks",
            vec![
                Condition::HsPrefix {
                    prefixes: vec!["2402".into()],
                },
                Condition::DepartureIn {
                    countries: vec!["LT".into(), "LV".into(), "EE".into()],
                },
            ],
            Lane::Yellow,
            0.3,
        ),
        profile(
            "Value per kg far below the norm",
            vec![Condition::ValuePerKgOutlier { factor: 4.0 }],
            Lane::Yellow,
            0.25,
        ),
    ];
    DemoCargo {
        consignments,
        outcomes,
        profiles,
        today: date(today),
        story_declaration,
        story_container,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn containers_and_dates_hold() {
        assert_eq!(container("CSQ", 305_438), "CSQU3054383");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20_780), "2026-11-23");
        let c = generate(&mut ChaCha20Rng::seed_from_u64(1), 1_795_000_000_000);
        assert!(
            c.consignments.iter().all(|k| k.validate().is_empty()),
            "{:?}",
            c.consignments
                .iter()
                .find(|k| !k.validate().is_empty())
                .map(|k| (k, k.validate()))
        );
        assert!(c.consignments.len() > 3_000);
        assert!(c.outcomes.len() > 200);
        assert!(
            c.outcomes
                .iter()
                .filter(|(_, o)| o.result.positive())
                .count()
                >= 10
        );
        assert_eq!(c.story_container, "MSKU4839210");
        // Every consignment's vessel call names a vessel and the port its route ends at.
        for k in &c.consignments {
            let call = k.vessel_call.as_deref().unwrap_or_default();
            let parsed = hamnvakt_core::entity::parse_manifest_call(call);
            assert!(parsed.is_ok(), "{call}: {parsed:?}");
            let Ok((_, port, day)) = parsed else { continue };
            assert_eq!(Some(&port), k.route_ports.last(), "{call}");
            assert_eq!(Some(&day), k.date.as_ref(), "{call}");
        }
        assert!(c.profiles.iter().all(|p| p.validate().is_empty()));
    }

    /// The demo's history teaches a model whose probabilities mean what they say: trained on
    /// the earlier four fifths of the outcomes (by date) and checked on the latest fifth,
    /// the calibrated probabilities match the share found within each fifth of that stretch,
    /// beat the base rate, and rank; and on today's traffic they are not all "0.0 %".
    #[test]
    fn the_history_gives_a_calibrated_model() {
        use hamnvakt_targeting::consignment::{labelled_records, model_mapping};
        use hamnvakt_targeting::{TrainOptions, TrainedModel};
        let c = generate(&mut ChaCha20Rng::seed_from_u64(7), 1_795_000_000_000);
        let outcomes: std::collections::HashMap<String, bool> = c
            .outcomes
            .iter()
            .map(|(id, o)| (id.clone(), o.result.positive()))
            .collect();
        let positives = outcomes.values().filter(|p| **p).count();
        assert!(outcomes.len() > 800, "{}", outcomes.len());
        assert!(positives > 60, "{positives} positives");
        let all: Vec<(Option<i64>, Consignment)> = c
            .consignments
            .iter()
            .map(|k| {
                (
                    k.date
                        .as_deref()
                        .and_then(hamnvakt_targeting::mapping::days),
                    k.clone(),
                )
            })
            .collect();
        let mapping = model_mapping();
        let rows = labelled_records(
            all.clone(),
            &outcomes,
            &mapping,
            hamnvakt_targeting::consignment::WARM_UP_DAYS,
        );
        assert!(
            rows.len() * 10 > outcomes.len() * 8,
            "{} of {}",
            rows.len(),
            outcomes.len()
        );
        let m = TrainedModel::train_calibrated(
            &mapping,
            &rows,
            &TrainOptions::for_outcomes(),
            &mut |_, _| {},
        );
        let cal = m.calibration.clone().unwrap();
        let held = cal.held_out.unwrap();
        let raw = cal.held_out_uncalibrated.unwrap();
        eprintln!("platt {:?}", cal.platt);
        for (name, r) in [("calibrated", &held), ("uncalibrated", &raw)] {
            eprintln!(
                "{name}: rows {} positives {} brier {:.4} (base rate {:.4}) log-loss {:.4} ece {:.4} mean {:.3} vs {:.3}",
                r.rows, r.positives, r.brier, r.brier_base_rate, r.log_loss, r.ece, r.mean_predicted, r.mean_observed
            );
            for b in &r.bins {
                eprintln!(
                    "  {:>4} rows  predicted {:>6.3}  observed {:>6.3} ({} found)",
                    b.rows, b.predicted, b.observed, b.positives
                );
            }
        }
        // Better than always saying the base rate, and calibrated: over the stretch and in
        // each fifth of it, predicted and found agree within what ~35 outcomes a fifth allow.
        assert!(held.brier < held.brier_base_rate * 0.9, "{held:?}");
        assert!(
            (held.mean_predicted - held.mean_observed).abs() < 0.05,
            "{held:?}"
        );
        assert!(held.ece < 0.08, "{held:?}");
        for b in &held.bins {
            let sd = (b.predicted * (1.0 - b.predicted) / b.rows as f64).sqrt();
            assert!(
                (b.predicted - b.observed).abs() < 3.0 * sd + 0.05,
                "a group predicted {:.3} and found {:.3}: {held:?}",
                b.predicted,
                b.observed
            );
        }
        let (first, last) = (held.bins.first().unwrap(), held.bins.last().unwrap());
        assert!(last.observed > first.observed + 0.2, "{held:?}");
        assert!(m.validation.as_ref().unwrap().auc > 0.75);
        // Today's traffic, scored with what was known before today.
        let today = hamnvakt_targeting::mapping::days(&c.today).unwrap();
        let before: Vec<&Consignment> = all
            .iter()
            .filter(|(d, _)| d.is_some_and(|d| d < today))
            .map(|(_, k)| k)
            .collect();
        let ctx = hamnvakt_targeting::profile::Context::learn(before);
        let p: Vec<f64> = all
            .iter()
            .filter(|(d, _)| *d == Some(today))
            .map(|(_, k)| m.scores(&[k.record_for(&mapping, None, &ctx)])[0])
            .collect();
        let tiny = p.iter().filter(|p| **p < 0.001).count();
        assert!(tiny * 10 < p.len(), "{tiny} of {} under 0.1 %", p.len());
        let story = all
            .iter()
            .find(|(_, k)| k.declaration_id == c.story_declaration)
            .unwrap();
        let ps = m.scores(&[story.1.record_for(&mapping, None, &ctx)])[0];
        eprintln!("story 2: {ps:.3}; today's median {:.3}", {
            let mut q = p.clone();
            q.sort_by(f64::total_cmp);
            q[q.len() / 2]
        });
        assert!(ps > 0.2, "story 2's reefer at {ps}");
        let reasons = m.reasons(&story.1.record_for(&mapping, None, &ctx), 3);
        assert!(
            reasons
                .iter()
                .any(|(f, w)| f == "importer_earlier" && *w > 0.0),
            "{reasons:?}"
        );
    }
}
