//! Indicators of the port world: the values a port can watch for (a container number, a seal,
//! a truck's plate, a phone number, a company by name or EORI, a vessel by MMSI or IMO, a
//! route through a port, a tariff-code pattern), each normalised so that what a partner wrote
//! and what a manifest says compare equal, and each with its STIX 2.1 pattern.

use std::fmt;

use hamnvakt_core::validate::FieldError;
use serde::{Deserialize, Serialize};

/// What an indicator watches.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// ISO 6346 container number (`MSCU1234565`).
    ContainerNumber,
    /// A seal's number as printed on it.
    SealNumber,
    /// A truck's or trailer's registration plate.
    TruckPlate,
    /// A phone number in international form (`+46701234567`).
    PhoneNumber,
    /// A company by its name.
    CompanyName,
    /// A company by its EORI number (`SE5560123456`).
    Eori,
    /// A vessel's MMSI (nine digits).
    Mmsi,
    /// A vessel's IMO number (seven digits).
    Imo,
    /// A route through a port: a consignment routed via this UN/LOCODE.
    RouteVia,
    /// A Harmonized System tariff-code prefix (`0803` bananas).
    HsCode,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 10] = [
        IndicatorKind::ContainerNumber,
        IndicatorKind::SealNumber,
        IndicatorKind::TruckPlate,
        IndicatorKind::PhoneNumber,
        IndicatorKind::CompanyName,
        IndicatorKind::Eori,
        IndicatorKind::Mmsi,
        IndicatorKind::Imo,
        IndicatorKind::RouteVia,
        IndicatorKind::HsCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::ContainerNumber => "container_number",
            IndicatorKind::SealNumber => "seal_number",
            IndicatorKind::TruckPlate => "truck_plate",
            IndicatorKind::PhoneNumber => "phone_number",
            IndicatorKind::CompanyName => "company_name",
            IndicatorKind::Eori => "eori",
            IndicatorKind::Mmsi => "mmsi",
            IndicatorKind::Imo => "imo",
            IndicatorKind::RouteVia => "route_via",
            IndicatorKind::HsCode => "hs_code",
        }
    }

    /// The STIX object path the pattern compares: our own cyber-observable types (declared by
    /// the extension-definition in [`crate::stix`]) since STIX has none for the port world.
    fn stix_path(self) -> (&'static str, &'static str) {
        match self {
            IndicatorKind::ContainerNumber => ("x-hamnvakt-container", "number"),
            IndicatorKind::SealNumber => ("x-hamnvakt-seal", "number"),
            IndicatorKind::TruckPlate => ("x-hamnvakt-vehicle", "plate"),
            IndicatorKind::PhoneNumber => ("x-hamnvakt-phone", "number"),
            IndicatorKind::CompanyName => ("x-hamnvakt-company", "name"),
            IndicatorKind::Eori => ("x-hamnvakt-company", "eori"),
            IndicatorKind::Mmsi => ("x-hamnvakt-vessel", "mmsi"),
            IndicatorKind::Imo => ("x-hamnvakt-vessel", "imo"),
            IndicatorKind::RouteVia => ("x-hamnvakt-consignment", "route_ports[*]"),
            IndicatorKind::HsCode => ("x-hamnvakt-consignment", "hs_code"),
        }
    }

    /// The value an observable of this kind's STIX type carries where this kind's pattern
    /// compares (a vessel's `mmsi` for [`IndicatorKind::Mmsi`]), normalised; none when the
    /// object is of another type or lacks the property.
    pub fn observed_in(self, sco: &serde_json::Value) -> Option<String> {
        let (ty, prop) = self.stix_path();
        if sco.get("type")?.as_str()? != ty || prop.ends_with("[*]") {
            return None;
        }
        self.normalise(prop, sco.get(prop)?.as_str()?).ok()
    }

    /// The value in the form every comparison uses, or why it is not one.
    pub fn normalise(self, field: &str, value: &str) -> Result<String, FieldError> {
        let bad = |why: String| FieldError::new(field, why);
        let compact: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let upper = compact.to_ascii_uppercase();
        let out = match self {
            IndicatorKind::ContainerNumber => {
                let ok = upper.len() == 11
                    && upper.bytes().take(4).all(|b| b.is_ascii_uppercase())
                    && upper.bytes().skip(4).all(|b| b.is_ascii_digit());
                if !ok {
                    return Err(bad(format!(
                        "{value:?} is not an ISO 6346 container number (four letters, seven digits)"
                    )));
                }
                upper
            }
            IndicatorKind::SealNumber | IndicatorKind::TruckPlate => {
                if upper.is_empty()
                    || upper.len() > 20
                    || !upper.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(bad(format!(
                        "{value:?}: letters and digits only, 1 to 20 of them"
                    )));
                }
                upper
            }
            IndicatorKind::PhoneNumber => {
                let digits: String = compact
                    .chars()
                    .filter(|c| !matches!(c, '(' | ')' | '.'))
                    .collect();
                let rest = digits.strip_prefix('+').unwrap_or(&digits);
                let rest = rest.strip_prefix("00").unwrap_or(rest);
                if rest.len() < 7 || rest.len() > 15 || !rest.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(format!(
                        "{value:?} is not a phone number in international form (+ and 7 to 15 digits)"
                    )));
                }
                format!("+{rest}")
            }
            IndicatorKind::CompanyName => {
                let words: Vec<String> =
                    value.split_whitespace().map(|w| w.to_lowercase()).collect();
                let name = words.join(" ");
                if name.is_empty() || name.chars().count() > 200 {
                    return Err(bad("a company name of 1 to 200 characters".into()));
                }
                if name.chars().any(|c| c.is_control()) {
                    return Err(bad("control characters are not allowed".into()));
                }
                name
            }
            IndicatorKind::Eori => {
                let ok = upper.len() >= 3
                    && upper.len() <= 17
                    && upper.bytes().take(2).all(|b| b.is_ascii_uppercase())
                    && upper.bytes().skip(2).all(|b| b.is_ascii_alphanumeric());
                if !ok {
                    return Err(bad(format!(
                        "{value:?} is not an EORI number (country code and up to 15 characters)"
                    )));
                }
                upper
            }
            IndicatorKind::Mmsi => {
                if upper.len() != 9 || !upper.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(format!("{value:?} is not an MMSI (nine digits)")));
                }
                upper
            }
            IndicatorKind::Imo => {
                let n = upper.strip_prefix("IMO").unwrap_or(&upper).to_owned();
                if n.len() != 7 || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(format!(
                        "{value:?} is not an IMO number (seven digits)"
                    )));
                }
                n
            }
            IndicatorKind::RouteVia => {
                if upper.len() != 5 || !upper.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(bad(format!(
                        "{value:?} is not a UN/LOCODE (five characters)"
                    )));
                }
                upper
            }
            IndicatorKind::HsCode => {
                let digits: String = upper.chars().filter(|c| *c != '.').collect();
                if digits.len() < 2
                    || digits.len() > 10
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(bad(format!(
                        "{value:?} is not a tariff-code prefix (2 to 10 digits)"
                    )));
                }
                digits
            }
        };
        Ok(out)
    }

    /// The STIX 2.1 pattern that says "this value", as an indicator carries it.
    pub fn pattern(self, normalised: &str) -> String {
        let (ty, prop) = self.stix_path();
        let quoted = normalised.replace('\\', "\\\\").replace('\'', "\\'");
        if self == IndicatorKind::HsCode {
            format!("[{ty}:{prop} LIKE '{quoted}%']")
        } else {
            format!("[{ty}:{prop} = '{quoted}']")
        }
    }

    /// Reads back a pattern of the form [`IndicatorKind::pattern`] writes; other patterns are
    /// valid STIX that Hamnvakt keeps but cannot observe, and give `None`.
    pub fn from_pattern(pattern: &str) -> Option<(IndicatorKind, String)> {
        let inner = pattern.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
        let (path, rest) = inner.split_once(' ')?;
        let rest = rest.trim_start();
        let (like, literal) = if let Some(l) = rest.strip_prefix("LIKE ") {
            (true, l.trim())
        } else {
            (false, rest.strip_prefix("= ")?.trim())
        };
        let body = literal.strip_prefix('\'')?.strip_suffix('\'')?;
        let mut value = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.push(chars.next()?),
                '\'' => return None,
                c => value.push(c),
            }
        }
        let kind = IndicatorKind::ALL.into_iter().find(|k| {
            let (ty, prop) = k.stix_path();
            path.strip_prefix(ty)
                .and_then(|p| p.strip_prefix(':'))
                .is_some_and(|p| p == prop)
                && (*k == IndicatorKind::HsCode) == like
        })?;
        let value = if like {
            value.strip_suffix('%')?.to_owned()
        } else {
            value
        };
        let normalised = kind.normalise("pattern", &value).ok()?;
        Some((kind, normalised))
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IndicatorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndicatorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = IndicatorKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown indicator kind {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn values_normalise_so_that_spellings_compare_equal() {
        use IndicatorKind::*;
        let cases = [
            (ContainerNumber, "mscu 123456-5", Some("MSCU1234565")),
            (ContainerNumber, "MSCU12345", None),
            (TruckPlate, "abc 123", Some("ABC123")),
            (PhoneNumber, "0046 70-123 45 67", Some("+46701234567")),
            (PhoneNumber, "+46 (70) 12", None),
            (
                CompanyName,
                "  Fruta   del Sur S.A. ",
                Some("fruta del sur s.a."),
            ),
            (Eori, "se 5560123456", Some("SE5560123456")),
            (Mmsi, "265 123 456", Some("265123456")),
            (Mmsi, "26512345", None),
            (Imo, "IMO 9074729", Some("9074729")),
            (RouteVia, "ecgye", Some("ECGYE")),
            (HsCode, "0803.90", Some("080390")),
            (HsCode, "8", None),
        ];
        for (kind, value, want) in cases {
            assert_eq!(
                kind.normalise("value", value).ok().as_deref(),
                want,
                "{kind} {value}"
            );
        }
    }

    #[test]
    fn patterns_round_trip() {
        for kind in IndicatorKind::ALL {
            let sample = match kind {
                IndicatorKind::ContainerNumber => "MSCU1234565",
                IndicatorKind::SealNumber => "SL0042",
                IndicatorKind::TruckPlate => "ABC123",
                IndicatorKind::PhoneNumber => "+46701234567",
                IndicatorKind::CompanyName => "o'brien \\ sons",
                IndicatorKind::Eori => "SE5560123456",
                IndicatorKind::Mmsi => "265123456",
                IndicatorKind::Imo => "9074729",
                IndicatorKind::RouteVia => "ECGYE",
                IndicatorKind::HsCode => "0803",
            };
            let p = kind.pattern(sample);
            assert_eq!(
                IndicatorKind::from_pattern(&p),
                Some((kind, sample.to_owned())),
                "{p}"
            );
        }
        assert_eq!(IndicatorKind::from_pattern("[file:name = 'x']"), None);
        assert_eq!(
            IndicatorKind::from_pattern(
                "[x-hamnvakt-vessel:mmsi = '1' OR x-hamnvakt-vessel:mmsi = '2']"
            ),
            None
        );
    }
}
