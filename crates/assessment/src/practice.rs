//! The best-practice library: what a port did about a weakness, what it took and what it
//! achieved, linked to the controls and modi operandi it addresses. Who may see one is its
//! marking (`hamnvakt_core::marking`), which the server keeps beside it and fixes at creation.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{Audience, Marking};
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::model::Modus;

/// At most this many practices in one import.
pub const MAX_IMPORT: usize = 1000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effort {
    /// Days to weeks, within the security team.
    Low,
    /// Months, with other departments or a supplier.
    Medium,
    /// A programme: procurement, construction, agreements with authorities.
    High,
}

/// Cost bands, in Swedish kronor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostBand {
    /// Under SEK 100,000.
    Under100k,
    /// SEK 100,000 to 1 million.
    To1m,
    /// SEK 1 to 10 million.
    To10m,
    /// Above SEK 10 million.
    Over10m,
}

/// A practice as its author writes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub title: String,
    pub description: String,
    pub effort: Effort,
    pub cost: CostBand,
    /// What changed after it was done (figures where there are any).
    pub evidence_of_effect: String,
    /// The controls it helps to meet, by catalogue id.
    pub controls: Vec<String>,
    /// The modi operandi (vulnerabilities) it addresses.
    #[serde(default)]
    pub modi: Vec<Modus>,
}

impl Practice {
    /// Every fault, by path under `at` (empty for the top level).
    pub fn check(&self, at: &str, cat: &Catalogue) -> Result<(), Vec<FieldError>> {
        let f = |name: &str| {
            if at.is_empty() {
                name.to_owned()
            } else {
                format!("{at}.{name}")
            }
        };
        let mut errors: Vec<FieldError> = [
            validate::name(&f("title"), &self.title, 200),
            validate::text(&f("description"), &self.description, 4000),
            validate::text(&f("evidence_of_effect"), &self.evidence_of_effect, 2000),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect();
        if self.controls.is_empty() || self.controls.len() > 20 {
            errors.push(FieldError::new(f("controls"), "must name 1 to 20 controls"));
        }
        for (i, c) in self.controls.iter().enumerate() {
            if cat.control(c).is_none() {
                errors.push(FieldError::new(
                    f(&format!("controls[{i}]")),
                    format!("no control {c:?} in catalogue {}", cat.version),
                ));
            }
        }
        if self.modi.len() > 9 {
            errors.push(FieldError::new(f("modi"), "at most 9"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The name of the format in which ports exchange their practices.
pub const EXPORT_FORMAT: &str = "hamnvakt.practices/1";

/// A practice with the marking it is shared under (TLP 2.0 and an audience), decided when it
/// is written and never changed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkedPractice {
    pub practice: Practice,
    pub marking: Marking,
}

/// What one port gives the alliance of its practices ([`EXPORT_FORMAT`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeExport {
    /// `hamnvakt.practices/1`.
    pub format: String,
    /// The catalogue version the controls are of.
    pub catalogue: String,
    pub practices: Vec<MarkedPractice>,
}

impl PracticeExport {
    /// The practices of an export in this format, with their markings, for [`check_import`].
    pub fn into_items(self) -> Result<Vec<(Practice, Marking)>, FieldError> {
        if self.format != EXPORT_FORMAT {
            return Err(FieldError::new(
                "export.format",
                format!("must be {EXPORT_FORMAT}"),
            ));
        }
        Ok(self
            .practices
            .into_iter()
            .map(|x| (x.practice, x.marking))
            .collect())
    }
}

/// Whether a partner port's practices may be taken in, owned here by `from` (the
/// organisation that stands for that port): 1 to [`MAX_IMPORT`] of them, each valid against
/// the catalogue and under a marking that `from` may give and that lets it reach the alliance.
/// Every fault, by path (`practices[2].marking.audience`).
pub fn check_import(
    from: OrgId,
    items: &[(Practice, Marking)],
    cat: &Catalogue,
) -> Result<(), Vec<FieldError>> {
    if items.is_empty() || items.len() > MAX_IMPORT {
        return Err(vec![FieldError::new(
            "practices",
            format!("must hold 1 to {MAX_IMPORT} practices"),
        )]);
    }
    let mut errors = Vec::new();
    for (i, (p, m)) in items.iter().enumerate() {
        let at = format!("practices[{i}]");
        errors.extend(
            p.check(&format!("{at}.practice"), cat)
                .err()
                .unwrap_or_default(),
        );
        errors.extend(
            m.validate(&format!("{at}.marking"), from)
                .err()
                .unwrap_or_default(),
        );
        if m.audience != Audience::Alliance {
            errors.push(FieldError::new(
                format!("{at}.marking.audience"),
                "a partner's practice arrives only if shared with the alliance",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_practice_names_known_controls() {
        let cat = Catalogue::builtin();
        let mut p = Practice {
            title: "Biometric check of the collecting driver".into(),
            description: "The driver's fingerprint is matched at the out-gate.".into(),
            effort: Effort::Medium,
            cost: CostBand::To1m,
            evidence_of_effect: "No fraudulent pick-up since.".into(),
            controls: vec!["CRG-1".into()],
            modi: vec![Modus::FakeDriver],
        };
        assert!(p.check("", &cat).is_ok());
        p.controls.push("XYZ-9".into());
        p.title = " ".into();
        let e = p.check("practices[3]", &cat).unwrap_err();
        assert_eq!(e[0].field, "practices[3].title");
        assert_eq!(e[1].field, "practices[3].controls[1]");
    }

    #[test]
    fn an_export_is_taken_in_only_in_its_format_and_for_the_alliance() {
        let cat = Catalogue::builtin();
        let from: OrgId = "0b0e7d2c-6a55-4f1e-9d3a-0c1f7a1e2b3c".parse().unwrap();
        let practice = Practice {
            title: "Named-driver pick-up".into(),
            description: "The release ends at one named driver.".into(),
            effort: Effort::Medium,
            cost: CostBand::To1m,
            evidence_of_effect: "No wrong-driver collection since.".into(),
            controls: vec!["CRG-1".into()],
            modi: vec![],
        };
        let export = |format: &str, audience: &str| -> PracticeExport {
            serde_json::from_value(serde_json::json!({
                "format": format, "catalogue": "2026.1",
                "practices": [{"practice": practice, "marking": {"tlp": "TLP:GREEN", "audience": audience}}]
            }))
            .unwrap()
        };
        let items = export(EXPORT_FORMAT, "alliance").into_items().unwrap();
        assert_eq!(check_import(from, &items, &cat), Ok(()));
        assert_eq!(
            export("hamnvakt.practices/2", "alliance")
                .into_items()
                .unwrap_err()
                .field,
            "export.format"
        );
        let items = export(EXPORT_FORMAT, "community").into_items().unwrap();
        let e = check_import(from, &items, &cat).unwrap_err();
        assert_eq!(e[0].field, "practices[0].marking.audience");
        assert_eq!(
            check_import(from, &[], &cat).unwrap_err()[0].field,
            "practices"
        );
    }
}
