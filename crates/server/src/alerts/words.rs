//! Detector-made alert titles in the reader's language. A detector or rule stores what it
//! found as a message code with parameters ([`AlertMessage`]); here each code is written in
//! English and Swedish side by side (`pick(lang, english, swedish)`), so a code without both
//! texts does not compile. The English text is also the alert's stored `title`, for API and
//! STIX consumers. An alert without a message (raised by a person, or stored before the
//! codes) shows its title as written, as does a code this version does not know.

use hamnvakt_core::alert::{AlertMessage, MAX_TITLE_CHARS};

use crate::web::i18n::Lang;

fn pick(lang: Lang, en: String, sv: String) -> String {
    match lang {
        Lang::En => en,
        Lang::Sv => sv,
    }
}

/// A measure with a fixed number of decimals, with the reader's decimal sign.
fn fixed(lang: Lang, x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match lang {
        Lang::Sv => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A number as short as it can be written (`2`, `2.5`), with the reader's decimal sign.
fn short(lang: Lang, x: f64) -> String {
    let s = format!("{x}");
    match lang {
        Lang::Sv => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A credential's state, as the title's first word.
pub(super) fn credential_state(lang: Lang, state: &str) -> String {
    let (en, sv) = match state {
        "suspended" => ("Suspended", "Spärrat"),
        "reported_lost" => ("Reported lost", "Förlustanmält"),
        "revoked" => ("Revoked", "Återkallat"),
        "expired" => ("Expired", "Utgånget"),
        "active" => ("Active", "Aktivt"),
        other => return other.replace('_', " "),
    };
    pick(lang, en.into(), sv.into())
}

/// An indicator's kind of value, in words.
fn indicator_kind(lang: Lang, kind: &str) -> String {
    let (en, sv) = match kind {
        "container_number" => ("container number", "containernummer"),
        "seal_number" => ("seal number", "plombnummer"),
        "truck_plate" => ("truck plate", "registreringsnummer"),
        "phone_number" => ("phone number", "telefonnummer"),
        "company_name" => ("company name", "företagsnamn"),
        "eori" => ("EORI", "EORI-nummer"),
        "mmsi" => ("MMSI", "MMSI"),
        "imo" => ("IMO", "IMO-nummer"),
        "route_via" => ("route via", "rutt via"),
        "hs_code" => ("HS code", "HS-nummer"),
        other => return other.replace('_', " "),
    };
    pick(lang, en.into(), sv.into())
}

/// A built-in correlation rule's name in Swedish, when the stored rule still has its
/// built-in English name (a rule someone renamed or wrote keeps the name they gave it).
pub(super) fn correlation_name(lang: Lang, rule: &str, name: &str) -> String {
    let builtin = hamnvakt_incidents::correlation::builtin();
    let unchanged = builtin.iter().any(|r| r.code == rule && r.name == name);
    let sv = match rule {
        "cargo_vessel_gate" => {
            "Högriskcontainer, fartyget med AIS-avbrott under anseglingen, föraren vid stacken"
        }
        "refused_driver_risky_container" => "Nekad förare för en högriskcontainer",
        "repeated_indicator_sightings" => "En delad indikator observerad gång på gång",
        _ => name,
    };
    if unchanged {
        pick(lang, name.to_owned(), sv.to_owned())
    } else {
        name.to_owned()
    }
}

/// A detector's title in the reader's language.
pub fn render(lang: Lang, m: &AlertMessage) -> String {
    let f = |x: f64, d: usize| fixed(lang, x, d);
    match m {
        AlertMessage::InactiveCredentialUsed {
            credential,
            state,
            gate,
        } => {
            let s = credential_state(lang, state);
            pick(
                lang,
                format!("{s} credential {credential} presented at {gate}"),
                format!("{s} passerkort {credential} uppvisat vid {gate}"),
            )
        }
        AlertMessage::ImpossibleTravel {
            credential,
            from_gate,
            to_gate,
            minutes,
        } => pick(
            lang,
            format!("Credential {credential} at {from_gate} and {to_gate} {minutes} minutes apart"),
            format!("Passerkort {credential} vid {from_gate} och {to_gate} med {minutes} minuters mellanrum – en omöjlig förflyttning"),
        ),
        AlertMessage::RepeatedDenials {
            credential,
            count,
            minutes,
            gates,
        } => pick(
            lang,
            format!("Credential {credential} refused {count} times within {minutes} minutes at {gates} gates"),
            format!("Passerkort {credential} nekat {count} gånger inom {minutes} minuter vid {gates} grindar"),
        ),
        AlertMessage::UnusualHours {
            person,
            gate,
            local_time,
        } => pick(
            lang,
            format!("{person} entered {gate} at {local_time}, far outside their usual hours"),
            format!("{person} passerade in vid {gate} kl. {local_time}, långt utanför sina vanliga tider"),
        ),
        AlertMessage::FirstSensitiveZone { person, zone } => pick(
            lang,
            format!("{person} entered sensitive zone {zone} for the first time"),
            format!("{person} gick in i skyddszonen {zone} för första gången"),
        ),
        AlertMessage::StackOutsideTask {
            person,
            zone,
            local_time,
        } => {
            let (en, sv) = if person.is_empty() {
                ("A person".to_owned(), "En person".to_owned())
            } else {
                (person.clone(), person.clone())
            };
            pick(
                lang,
                format!("{en} entered {zone} at {local_time} with no task there"),
                format!("{sv} gick in i {zone} klockan {local_time} utan något uppdrag där"),
            )
        }
        AlertMessage::AntiPassback { credential, gate } => pick(
            lang,
            format!("Anti-passback: credential {credential} at {gate} without a matching passage"),
            format!("Antipassback: passerkort {credential} vid {gate} utan motsvarande passage"),
        ),
        AlertMessage::MidUnallocated { mmsi, mid, flag } => match flag {
            None => pick(
                lang,
                format!("MMSI {mmsi} carries MID {mid}, which no country holds"),
                format!("MMSI {mmsi} har MID {mid}, som inget land har tilldelats"),
            ),
            Some(flag) => pick(
                lang,
                format!("MMSI {mmsi} carries MID {mid}, which no country holds (declared flag {flag})"),
                format!("MMSI {mmsi} har MID {mid}, som inget land har tilldelats (uppgiven flagg {flag})"),
            ),
        },
        AlertMessage::MidFlagMismatch {
            mmsi,
            mid,
            country,
            flag,
        } => pick(
            lang,
            format!("MMSI {mmsi} is {country}'s (MID {mid}) but the vessel declares the flag {flag}"),
            format!("MMSI {mmsi} hör till {country} (MID {mid}) men fartyget uppger flaggan {flag}"),
        ),
        AlertMessage::ImpossibleJump {
            mmsi,
            km,
            minutes,
            knots,
        } => pick(
            lang,
            format!("MMSI {mmsi} jumped {} km in {minutes} min ({knots} kn)", f(*km, 1)),
            format!("MMSI {mmsi} hoppade {} km på {minutes} min ({knots} knop)", f(*km, 1)),
        ),
        AlertMessage::Gap { mmsi, minutes } => pick(
            lang,
            format!("MMSI {mmsi} silent for {minutes} min while under way"),
            format!("AIS-avbrott: MMSI {mmsi} tyst i {minutes} min under gång"),
        ),
        AlertMessage::Drift { mmsi, minutes } => pick(
            lang,
            format!("MMSI {mmsi} drifting for {minutes} min"),
            format!("MMSI {mmsi} har drivit i {minutes} min"),
        ),
        AlertMessage::SuddenSpeedChange {
            mmsi,
            from_kn,
            to_kn,
            seconds,
        } => pick(
            lang,
            format!(
                "MMSI {mmsi} went from {} kn to {} kn in {seconds} s",
                f(*from_kn, 1),
                f(*to_kn, 1)
            ),
            format!(
                "MMSI {mmsi} gick från {} till {} knop på {seconds} s",
                f(*from_kn, 1),
                f(*to_kn, 1)
            ),
        ),
        AlertMessage::Loitering {
            mmsi,
            hours,
            mean_kn,
        } => pick(
            lang,
            format!(
                "MMSI {mmsi} loitering for {} h away from port, mean {} kn",
                f(*hours, 1),
                f(*mean_kn, 1)
            ),
            format!(
                "MMSI {mmsi} har uppehållit sig {} h utanför hamn, i medel {} knop",
                f(*hours, 1),
                f(*mean_kn, 1)
            ),
        ),
        AlertMessage::NameChange { mmsi, from, to } => pick(
            lang,
            format!("MMSI {mmsi} changed its name from {from} to {to}"),
            format!("MMSI {mmsi} bytte namn från {from} till {to}"),
        ),
        AlertMessage::ImoChange { mmsi, from, to } => pick(
            lang,
            format!("MMSI {mmsi} changed its IMO number from {from} to {to}"),
            format!("MMSI {mmsi} bytte IMO-nummer från {from} till {to}"),
        ),
        AlertMessage::ImoShared { imo, mmsi, other } => pick(
            lang,
            format!("IMO {imo} is transmitted by MMSI {mmsi} and MMSI {other}"),
            format!("IMO {imo} sänds av både MMSI {mmsi} och MMSI {other}"),
        ),
        AlertMessage::Encounter {
            mmsi,
            other,
            minutes,
            distance_m,
            speed_kn,
        } => pick(
            lang,
            format!(
                "MMSI {mmsi} and MMSI {other} met for {minutes} min, {distance_m} m apart at {} kn",
                f(*speed_kn, 1)
            ),
            format!(
                "Möte till sjöss: MMSI {mmsi} och MMSI {other} i {minutes} min, {distance_m} m isär i {} knop",
                f(*speed_kn, 1)
            ),
        ),
        AlertMessage::HighRisk {
            subject,
            top_percent,
            risk,
            rank: Some(rank),
            of: Some(of),
            ..
        } => {
            let top = short(lang, *top_percent);
            pick(
                lang,
                format!(
                    "{subject}: number {rank} of {of} by risk today, in the top {top} % (risk {})",
                    f(*risk, 2)
                ),
                format!(
                    "{subject}: nummer {rank} av {of} efter risk i dag, bland de {top} % med högst risk (risk {})",
                    f(*risk, 2)
                ),
            )
        }
        AlertMessage::HighRisk {
            subject,
            top_percent,
            risk,
            rank_percent,
            ..
        } => {
            let top = short(lang, *top_percent);
            pick(
                lang,
                format!(
                    "{subject} in today's top {top} % (risk {}, rank {} %)",
                    f(*risk, 2),
                    f(*rank_percent, 1)
                ),
                format!(
                    "{subject} bland dagens {top} % med högst risk (risk {}, rang {} %)",
                    f(*risk, 2),
                    f(*rank_percent, 1)
                ),
            )
        }
        AlertMessage::DriverMismatch { container } => pick(
            lang,
            format!("{container}: a driver other than the assigned one tried to collect the container"),
            format!("{container}: en annan förare än den tilldelade försökte hämta containern"),
        ),
        AlertMessage::IndicatorSighted { seen_by, indicator } => pick(
            lang,
            format!("{seen_by} sighted «{indicator}»"),
            format!("{seen_by} har observerat «{indicator}»"),
        ),
        AlertMessage::IndicatorMatched {
            indicator,
            kind,
            value,
        } => {
            let k = indicator_kind(lang, kind);
            pick(
                lang,
                format!("Indicator «{indicator}» matched: {k} {value}"),
                format!("Indikatorn «{indicator}» gav träff: {k} {value}"),
            )
        }
        AlertMessage::IncidentEscalated { agency, incident } => pick(
            lang,
            format!("Incident escalated to {agency}: {incident}"),
            format!("Incidenten eskalerad till {agency}: {incident}"),
        ),
        AlertMessage::Correlation { rule, name } => correlation_name(lang, rule, name),
    }
}

/// The English title stored with a detector's alert (cut to the title's limit).
pub fn english_title(m: &AlertMessage) -> String {
    render(Lang::En, m).chars().take(MAX_TITLE_CHARS).collect()
}

/// An alert's title for a reader: its message in the reader's language, or the title as
/// stored when it has none (or one this version cannot read).
pub fn title(lang: Lang, message: Option<&serde_json::Value>, stored: &str) -> String {
    message
        .and_then(|v| serde_json::from_value::<AlertMessage>(v.clone()).ok())
        .map_or_else(|| stored.to_owned(), |m| render(lang, &m))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One message of every code, with parameters as a detector fills them.
    fn samples() -> Vec<AlertMessage> {
        use AlertMessage as M;
        let s = |x: &str| x.to_owned();
        vec![
            M::InactiveCredentialUsed {
                credential: s("C-1001"),
                state: s("suspended"),
                gate: s("Gate 2"),
            },
            M::InactiveCredentialUsed {
                credential: s("C-1001"),
                state: s("reported_lost"),
                gate: s("Gate 2"),
            },
            M::ImpossibleTravel {
                credential: s("C-1"),
                from_gate: s("A"),
                to_gate: s("B"),
                minutes: 4,
            },
            M::RepeatedDenials {
                credential: s("C-1"),
                count: 3,
                minutes: 20,
                gates: 2,
            },
            M::UnusualHours {
                person: s("Mats"),
                gate: s("A"),
                local_time: s("03:12"),
            },
            M::FirstSensitiveZone {
                person: s("Mats"),
                zone: s("Z"),
            },
            M::StackOutsideTask {
                person: s("Mats"),
                zone: s("Z"),
                local_time: s("02:40"),
            },
            M::AntiPassback {
                credential: s("C-1"),
                gate: s("A"),
            },
            M::MidUnallocated {
                mmsi: 200000001,
                mid: 200,
                flag: None,
            },
            M::MidUnallocated {
                mmsi: 200000001,
                mid: 200,
                flag: Some(s("SE")),
            },
            M::MidFlagMismatch {
                mmsi: 265000001,
                mid: 265,
                country: s("SE"),
                flag: s("PA"),
            },
            M::ImpossibleJump {
                mmsi: 1,
                km: 12.3,
                minutes: 5,
                knots: 80,
            },
            M::Gap {
                mmsi: 1,
                minutes: 180,
            },
            M::Drift {
                mmsi: 1,
                minutes: 40,
            },
            M::SuddenSpeedChange {
                mmsi: 1,
                from_kn: 14.2,
                to_kn: 0.4,
                seconds: 60,
            },
            M::Loitering {
                mmsi: 1,
                hours: 2.5,
                mean_kn: 0.8,
            },
            M::NameChange {
                mmsi: 1,
                from: s("A"),
                to: s("B"),
            },
            M::ImoChange {
                mmsi: 1,
                from: 9214432,
                to: 9214444,
            },
            M::ImoShared {
                imo: 9214432,
                mmsi: 1,
                other: 2,
            },
            M::Encounter {
                mmsi: 1,
                other: 2,
                minutes: 45,
                distance_m: 120,
                speed_kn: 0.6,
            },
            M::HighRisk {
                subject: s("MSKU4839210"),
                top_percent: 2.0,
                risk: 0.873,
                rank_percent: 1.4,
                rank: None,
                of: None,
            },
            M::HighRisk {
                subject: s("MSKU4839210"),
                top_percent: 2.0,
                risk: 0.873,
                rank_percent: 2.1,
                rank: Some(3),
                of: Some(141),
            },
            M::DriverMismatch {
                container: s("MSKU4839210"),
            },
            M::IndicatorSighted {
                seen_by: s("Port of Turku"),
                indicator: s("Plate ABC123"),
            },
            M::IndicatorMatched {
                indicator: s("Plate ABC123"),
                kind: s("truck_plate"),
                value: s("ABC123"),
            },
            M::IncidentEscalated {
                agency: s("Tullverket"),
                incident: s("Dark approach"),
            },
        ]
        .into_iter()
        .chain(
            hamnvakt_incidents::correlation::builtin()
                .into_iter()
                .map(|r| M::Correlation {
                    rule: r.code,
                    name: r.name,
                }),
        )
        .collect()
    }

    /// Every kind of alert a detector or rule raises.
    fn detector_kinds() -> Vec<String> {
        let mut kinds: Vec<String> = hamnvakt_access::detect::KINDS
            .iter()
            .chain(hamnvakt_maritime::behaviour::KINDS)
            .chain(&[
                "cargo.high_risk",
                "release.driver_mismatch",
                "sharing.indicator_sighted",
                "sharing.indicator_matched",
                "incident.escalated",
            ])
            .map(|k| (*k).to_owned())
            .collect();
        kinds.extend(
            hamnvakt_incidents::correlation::builtin()
                .iter()
                .map(|r| format!("correlation.{}", r.code)),
        );
        kinds
    }

    #[test]
    fn every_detector_kind_has_its_title_in_both_languages() {
        let samples = samples();
        for kind in detector_kinds() {
            let of_kind: Vec<_> = samples.iter().filter(|m| m.kind() == kind).collect();
            assert!(!of_kind.is_empty(), "no message for detector kind {kind}");
            for m in of_kind {
                let (en, sv) = (render(Lang::En, m), render(Lang::Sv, m));
                assert!(!en.trim().is_empty() && !sv.trim().is_empty(), "{kind}");
                assert_ne!(en, sv, "{kind} has no Swedish title of its own");
                for english in [
                    " credential ",
                    " times within ",
                    " at ",
                    " for the first time",
                    " silent ",
                    " drifting ",
                    " loitering ",
                    " changed its ",
                    " met for ",
                    " today's ",
                    " sighted ",
                    "matched",
                    "escalated",
                    " which no country",
                ] {
                    assert!(!sv.contains(english), "{kind}: English in Swedish: {sv}");
                }
                // The stored code reads back as the same message.
                let v = serde_json::to_value(m).unwrap();
                assert!(v["code"].as_str().unwrap().starts_with("alert."));
                assert_eq!(title(Lang::Sv, Some(&v), "stored"), sv);
            }
        }
    }

    #[test]
    fn numbers_in_the_readers_way_and_unknown_codes_as_stored() {
        let m = AlertMessage::Loitering {
            mmsi: 265123456,
            hours: 2.5,
            mean_kn: 0.8,
        };
        assert_eq!(
            render(Lang::En, &m),
            "MMSI 265123456 loitering for 2.5 h away from port, mean 0.8 kn"
        );
        assert_eq!(
            render(Lang::Sv, &m),
            "MMSI 265123456 har uppehållit sig 2,5 h utanför hamn, i medel 0,8 knop"
        );
        let unknown = json!({"code": "alert.future.thing", "params": {}});
        assert_eq!(title(Lang::Sv, Some(&unknown), "As stored"), "As stored");
        assert_eq!(
            title(Lang::Sv, None, "A person's title"),
            "A person's title"
        );
        let renamed = AlertMessage::Correlation {
            rule: "cargo_vessel_gate".into(),
            name: "Vår egen regel".into(),
        };
        assert_eq!(render(Lang::En, &renamed), "Vår egen regel");
    }
}
