//! Risk profiles: rules the targeting team writes and versions. A profile holds when all its
//! conditions hold on a consignment — origin or departure in a list, an HS code prefix, a
//! first-time importer, routing via listed ports, a value per kilogram far from the norm for
//! its HS heading — and carries a weight, a lane, an owner, a validity window and an enabled
//! flag. Each hit comes with the reasons a targeting officer reads.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::consignment::Consignment;

/// Control lanes, from the strictest.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Physical inspection or scan.
    Red,
    /// Documentary check.
    Yellow,
    /// Release, audit later.
    Blue,
    /// Release.
    Green,
}

/// One condition of a profile.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Country of origin in the list (ISO alpha-2).
    OriginIn {
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        countries: Vec<String>,
    },
    /// Country of departure in the list.
    DepartureIn {
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        countries: Vec<String>,
    },
    /// HS code starting with one of the prefixes (`0803` bananas, `2401` tobacco).
    HsPrefix {
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        prefixes: Vec<String>,
    },
    /// An importer not seen in earlier consignments.
    FirstTimeImporter,
    /// Routed via one of the ports (UN/LOCODE).
    RouteVia {
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        ports: Vec<String>,
    },
    /// Value per kilogram more than `factor` times above or below the median of its HS
    /// heading (first four digits) among the consignments known.
    ValuePerKgOutlier {
        #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 1.0))]
        factor: f64,
    },
}

/// A risk profile (one version of it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// 1 to 200 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// All must hold.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub conditions: Vec<Condition>,
    /// How much a hit adds to the consignment's risk, 0–1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 1.0))]
    pub weight: f64,
    /// The lane a hit asks for.
    pub lane: Lane,
    /// Who answers for it.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S"))]
    pub owner: String,
    /// Validity window, `YYYY-MM-DD`, both ends included.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub valid_from: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub valid_to: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// What the conditions need to know beyond the consignment itself.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// Importers (id or EORI) seen before.
    pub known_importers: HashSet<String>,
    /// Median value per kilogram by HS heading (four digits).
    pub value_per_kg: HashMap<String, f64>,
}

impl Context {
    /// Learns the importers and the value-per-kilogram norms from earlier consignments.
    pub fn learn<'a>(earlier: impl IntoIterator<Item = &'a Consignment>) -> Context {
        let mut ctx = Context::default();
        let mut by_heading: HashMap<String, Vec<f64>> = HashMap::new();
        for c in earlier {
            if let Some(i) = importer(c) {
                ctx.known_importers.insert(i.to_owned());
            }
            if let (Some(v), Some(m)) = (c.value, c.mass_kg.filter(|m| *m > 0.0)) {
                by_heading
                    .entry(c.hs_code.chars().take(4).collect())
                    .or_default()
                    .push(v / m);
            }
        }
        for (h, mut v) in by_heading {
            v.sort_by(f64::total_cmp);
            if let Some(m) = v.get(v.len() / 2) {
                ctx.value_per_kg.insert(h, *m);
            }
        }
        ctx
    }
}

fn importer(c: &Consignment) -> Option<&str> {
    c.importer
        .eori
        .as_deref()
        .or(c.importer.id.as_deref())
        .or(c.importer.name.as_deref())
}

impl Condition {
    /// Why it holds, or `None`.
    pub fn holds(&self, c: &Consignment, ctx: &Context) -> Option<String> {
        let upper = |v: &[String], x: &str| v.iter().any(|s| s.eq_ignore_ascii_case(x));
        match self {
            Condition::OriginIn { countries } => c
                .origin_country
                .as_deref()
                .filter(|o| upper(countries, o))
                .map(|o| format!("origin {o}")),
            Condition::DepartureIn { countries } => c
                .departure_country
                .as_deref()
                .filter(|o| upper(countries, o))
                .map(|o| format!("departure from {o}")),
            Condition::HsPrefix { prefixes } => prefixes
                .iter()
                .find(|p| c.hs_code.starts_with(p.as_str()))
                .map(|p| format!("HS {} under {p}", c.hs_code)),
            Condition::FirstTimeImporter => match importer(c) {
                Some(i) if !ctx.known_importers.contains(i) => {
                    Some(format!("first consignment of importer {i}"))
                }
                _ => None,
            },
            Condition::RouteVia { ports } => c
                .route_ports
                .iter()
                .find(|p| upper(ports, p))
                .map(|p| format!("routed via {p}")),
            Condition::ValuePerKgOutlier { factor } => {
                let (v, m) = (c.value?, c.mass_kg.filter(|m| *m > 0.0)?);
                let heading: String = c.hs_code.chars().take(4).collect();
                let norm = *ctx.value_per_kg.get(&heading)?;
                let per_kg = v / m;
                (norm > 0.0 && (per_kg > norm * factor || per_kg * factor < norm)).then(|| {
                    format!("{per_kg:.2} per kg against a norm of {norm:.2} for HS {heading}")
                })
            }
        }
    }
}

impl Profile {
    /// Whether it applies on a day (days since 1970-01-01; `None`: any day).
    pub fn active(&self, day: Option<i64>) -> bool {
        if !self.enabled {
            return false;
        }
        let Some(day) = day else {
            return true;
        };
        let from = self.valid_from.as_deref().and_then(crate::mapping::days);
        let to = self.valid_to.as_deref().and_then(crate::mapping::days);
        from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
    }

    /// The reasons, one per condition, when the profile hits.
    pub fn hits(&self, c: &Consignment, ctx: &Context) -> Option<Vec<String>> {
        let day = c.date.as_deref().and_then(crate::mapping::days);
        if !self.active(day) || self.conditions.is_empty() {
            return None;
        }
        self.conditions.iter().map(|k| k.holds(c, ctx)).collect()
    }

    /// Every field that does not hold.
    pub fn validate(&self) -> Vec<crate::consignment::FieldError> {
        let mut out = Vec::new();
        let mut e = |field: &str, reason: &str| {
            out.push(crate::consignment::FieldError {
                field: field.into(),
                reason: reason.into(),
            })
        };
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            e("name", "must be 1–200 characters");
        }
        if self.conditions.is_empty() {
            e("conditions", "a profile needs at least one condition");
        }
        if !(0.0..=1.0).contains(&self.weight) {
            e("weight", "must be between 0 and 1");
        }
        if self.owner.trim().is_empty() {
            e("owner", "must name who answers for the profile");
        }
        for (f, v) in [
            ("valid_from", &self.valid_from),
            ("valid_to", &self.valid_to),
        ] {
            if v.as_deref()
                .is_some_and(|d| crate::mapping::days(d).is_none())
            {
                e(f, "must be YYYY-MM-DD");
            }
        }
        for c in &self.conditions {
            match c {
                Condition::OriginIn { countries } | Condition::DepartureIn { countries }
                    if countries.is_empty() =>
                {
                    e("conditions", "a country list is empty")
                }
                Condition::HsPrefix { prefixes } if prefixes.is_empty() => {
                    e("conditions", "an HS prefix list is empty")
                }
                Condition::RouteVia { ports } if ports.is_empty() => {
                    e("conditions", "a port list is empty")
                }
                Condition::ValuePerKgOutlier { factor }
                    if !(*factor > 1.0 && factor.is_finite()) =>
                {
                    e("conditions", "a value-per-kg factor must be above 1")
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::consignment::Party;

    fn bananas(id: &str, importer: &str, value: f64) -> Consignment {
        Consignment {
            declaration_id: id.into(),
            date: Some("2026-11-28".into()),
            container: Some("CSQU3054383".into()),
            importer: Party {
                eori: Some(importer.into()),
                ..Party::default()
            },
            hs_code: "0803901000".into(),
            origin_country: Some("EC".into()),
            departure_country: Some("EC".into()),
            route_ports: vec!["ECGYE".into(), "NLRTM".into(), "SENYN".into()],
            mass_kg: Some(20_000.0),
            value: Some(value),
            ..Consignment::default()
        }
    }

    fn profile(conditions: Vec<Condition>) -> Profile {
        Profile {
            name: "Fruit from cocaine ports".into(),
            description: String::new(),
            conditions,
            weight: 0.6,
            lane: Lane::Red,
            owner: "Tullverket targeting".into(),
            valid_from: Some("2026-01-01".into()),
            valid_to: Some("2026-12-31".into()),
            enabled: true,
        }
    }

    #[test]
    fn all_conditions_must_hold_and_each_gives_its_reason() {
        let history: Vec<Consignment> = (0..9)
            .map(|k| bananas(&format!("H{k}"), "SE5560000001", 20_000.0 + f64::from(k)))
            .collect();
        let ctx = Context::learn(&history);
        let p = profile(vec![
            Condition::HsPrefix {
                prefixes: vec!["0803".into()],
            },
            Condition::RouteVia {
                ports: vec!["ECGYE".into(), "COCTG".into()],
            },
            Condition::FirstTimeImporter,
        ]);
        let new = bananas("N1", "SE5569999999", 20_000.0);
        let reasons = p.hits(&new, &ctx).unwrap();
        assert_eq!(reasons.len(), 3);
        assert!(reasons[1].contains("ECGYE"));
        assert!(reasons[2].contains("SE5569999999"));
        // A known importer: the third condition fails, so the profile does not hit.
        assert!(p
            .hits(&bananas("N2", "SE5560000001", 20_000.0), &ctx)
            .is_none());
        // Outside the validity window, or disabled.
        let mut late = new.clone();
        late.date = Some("2027-01-02".into());
        assert!(p.hits(&late, &ctx).is_none());
        let mut off = p.clone();
        off.enabled = false;
        assert!(off.hits(&new, &ctx).is_none());
    }

    #[test]
    fn value_per_kg_far_from_the_norm() {
        let history: Vec<Consignment> = (0..9)
            .map(|k| bananas(&format!("H{k}"), "SE5560000001", 20_000.0))
            .collect();
        let ctx = Context::learn(&history);
        let p = profile(vec![Condition::ValuePerKgOutlier { factor: 3.0 }]);
        assert!(p.hits(&bananas("N", "X", 20_000.0), &ctx).is_none());
        assert!(p.hits(&bananas("N", "X", 5_000.0), &ctx).unwrap()[0].contains("norm of 1.00"));
        assert!(p.hits(&bananas("N", "X", 90_000.0), &ctx).is_some());
    }

    #[test]
    fn bad_profiles_are_refused() {
        let mut p = profile(vec![]);
        p.weight = 2.0;
        p.valid_to = Some("soon".into());
        let fields: Vec<String> = p.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["conditions", "weight", "valid_to"]);
    }

    #[test]
    fn a_name_is_counted_in_characters() {
        let mut p = profile(vec![Condition::FirstTimeImporter]);
        p.name = "ö".repeat(200);
        assert!(p.validate().is_empty(), "{:?}", p.validate());
        p.name.push('ö');
        let fields: Vec<String> = p.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name"]);
    }
}
