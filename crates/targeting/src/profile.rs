//! Risk profiles: rules the targeting team writes and versions. A profile holds when all its
//! conditions hold on a consignment — origin or departure in a list, an HS code prefix, a
//! first-time importer, routing via listed ports, a value per kilogram far from the norm for
//! its HS heading — and carries a weight, a lane, an owner, a validity window and an enabled
//! flag. Each hit comes with the reasons a targeting officer reads.

use std::collections::HashMap;

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

/// What the conditions need to know beyond the consignment itself, as of a moment: the
/// consignments before it. Built in memory with [`Context::learn`] and [`Context::observe`]
/// (one consignment at a time, in date order, so each is judged on what came before it), or
/// by the server from its running counts, without reading every stored consignment.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// Earlier consignments per importer (EORI, else id, else name).
    pub importers: HashMap<String, u32>,
    /// Median value per kilogram by HS heading (four digits).
    pub value_per_kg: HashMap<String, f64>,
    /// Values per kilogram seen by [`Context::observe`], per heading, as a running median.
    seen_per_kg: HashMap<String, RunningMedian>,
}

/// A value that orders by [`f64::total_cmp`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Total(f64);
impl Eq for Total {}
impl PartialOrd for Total {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Total {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// The median of the values pushed so far (the upper one of an even count, as `v[n / 2]` of
/// the sorted values), in O(log n) a value: the lower half in a max-heap, the upper in a
/// min-heap.
#[derive(Debug, Clone, Default)]
struct RunningMedian {
    lower: std::collections::BinaryHeap<Total>,
    upper: std::collections::BinaryHeap<std::cmp::Reverse<Total>>,
}

impl RunningMedian {
    fn push(&mut self, x: f64) {
        match self.upper.peek() {
            Some(std::cmp::Reverse(m)) if x >= m.0 => self.upper.push(std::cmp::Reverse(Total(x))),
            None => self.upper.push(std::cmp::Reverse(Total(x))),
            _ => self.lower.push(Total(x)),
        }
        let n = self.lower.len() + self.upper.len();
        while self.lower.len() > n / 2 {
            if let Some(v) = self.lower.pop() {
                self.upper.push(std::cmp::Reverse(v));
            }
        }
        while self.upper.len() > n - n / 2 {
            if let Some(std::cmp::Reverse(v)) = self.upper.pop() {
                self.lower.push(v);
            }
        }
    }

    fn median(&self) -> Option<f64> {
        self.upper.peek().map(|std::cmp::Reverse(v)| v.0)
    }
}

impl Context {
    /// Learns the importers and the value-per-kilogram norms from earlier consignments.
    pub fn learn<'a>(earlier: impl IntoIterator<Item = &'a Consignment>) -> Context {
        let mut ctx = Context::default();
        for c in earlier {
            ctx.observe(c);
        }
        ctx
    }

    /// A context from counts kept elsewhere (the server's): earlier consignments per
    /// importer and the norms by heading.
    pub fn from_counts(
        importers: HashMap<String, u32>,
        value_per_kg: HashMap<String, f64>,
    ) -> Context {
        Context {
            importers,
            value_per_kg,
            seen_per_kg: HashMap::new(),
        }
    }

    /// Adds one more consignment to what is known (after judging it, when walking in order).
    pub fn observe(&mut self, c: &Consignment) {
        if let Some(i) = importer(c) {
            *self.importers.entry(i.to_owned()).or_default() += 1;
        }
        if let Some(per_kg) = value_per_kg(c) {
            let heading = heading(&c.hs_code);
            let v = self.seen_per_kg.entry(heading.clone()).or_default();
            v.push(per_kg);
            if let Some(m) = v.median() {
                self.value_per_kg.insert(heading, m);
            }
        }
    }

    /// How many earlier consignments the importer has (0: a first-time importer).
    pub fn earlier_of(&self, importer: &str) -> u32 {
        self.importers.get(importer).copied().unwrap_or(0)
    }

    /// The consignment's value per kilogram against the norm of its heading (1: at the
    /// norm), when both are known.
    pub fn value_ratio(&self, c: &Consignment) -> Option<f64> {
        let norm = *self.value_per_kg.get(&heading(&c.hs_code))?;
        (norm > 0.0).then(|| value_per_kg(c).map(|v| v / norm))?
    }
}

/// The HS heading: the code's first four characters.
pub fn heading(hs_code: &str) -> String {
    hs_code.chars().take(4).collect()
}

/// Declared value over net mass, when both are there and the mass is positive.
pub fn value_per_kg(c: &Consignment) -> Option<f64> {
    let (v, m) = (c.value?, c.mass_kg.filter(|m| *m > 0.0)?);
    let r = v / m;
    r.is_finite().then_some(r)
}

/// The key an importer is known by: EORI, else id, else name.
pub fn importer_key(c: &Consignment) -> Option<&str> {
    importer(c)
}

fn importer(c: &Consignment) -> Option<&str> {
    c.importer
        .eori
        .as_deref()
        .or(c.importer.id.as_deref())
        .or(c.importer.name.as_deref())
}

/// Why a condition holds, as a message code with its parameters, so each reader sees it in
/// their own language (the server renders it; [`std::fmt::Display`] gives the English).
/// Codes: `origin` (`country`), `departure` (`country`), `hs_prefix` (`hs`, `prefix`),
/// `first_importer` (`importer`), `route_via` (`port`), `value_per_kg` (`per_kg`, `norm`,
/// `heading`; numbers with two decimals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub params: std::collections::BTreeMap<String, String>,
}

impl Reason {
    fn new(code: &str, params: &[(&str, String)]) -> Reason {
        Reason {
            code: code.into(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    /// A parameter, or the empty string.
    pub fn param(&self, key: &str) -> &str {
        self.params.get(key).map_or("", String::as_str)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = |k| self.param(k);
        match self.code.as_str() {
            "origin" => write!(f, "origin {}", p("country")),
            "departure" => write!(f, "departure from {}", p("country")),
            "hs_prefix" => write!(f, "HS {} under {}", p("hs"), p("prefix")),
            "first_importer" => write!(f, "first consignment of importer {}", p("importer")),
            "route_via" => write!(f, "routed via {}", p("port")),
            "value_per_kg" => write!(
                f,
                "{} per kg against a norm of {} for HS {}",
                p("per_kg"),
                p("norm"),
                p("heading")
            ),
            other => {
                write!(f, "{other}")?;
                for (k, v) in &self.params {
                    write!(f, " {k}={v}")?;
                }
                Ok(())
            }
        }
    }
}

impl Condition {
    /// Why it holds, or `None`.
    pub fn holds(&self, c: &Consignment, ctx: &Context) -> Option<Reason> {
        let upper = |v: &[String], x: &str| v.iter().any(|s| s.eq_ignore_ascii_case(x));
        match self {
            Condition::OriginIn { countries } => c
                .origin_country
                .as_deref()
                .filter(|o| upper(countries, o))
                .map(|o| Reason::new("origin", &[("country", o.to_owned())])),
            Condition::DepartureIn { countries } => c
                .departure_country
                .as_deref()
                .filter(|o| upper(countries, o))
                .map(|o| Reason::new("departure", &[("country", o.to_owned())])),
            Condition::HsPrefix { prefixes } => prefixes
                .iter()
                .find(|p| c.hs_code.starts_with(p.as_str()))
                .map(|p| {
                    Reason::new(
                        "hs_prefix",
                        &[("hs", c.hs_code.clone()), ("prefix", p.clone())],
                    )
                }),
            Condition::FirstTimeImporter => match importer(c) {
                Some(i) if ctx.earlier_of(i) == 0 => {
                    Some(Reason::new("first_importer", &[("importer", i.to_owned())]))
                }
                _ => None,
            },
            Condition::RouteVia { ports } => c
                .route_ports
                .iter()
                .find(|p| upper(ports, p))
                .map(|p| Reason::new("route_via", &[("port", p.clone())])),
            Condition::ValuePerKgOutlier { factor } => {
                let per_kg = value_per_kg(c)?;
                let heading = heading(&c.hs_code);
                let norm = *ctx.value_per_kg.get(&heading)?;
                (norm > 0.0 && (per_kg > norm * factor || per_kg * factor < norm)).then(|| {
                    Reason::new(
                        "value_per_kg",
                        &[
                            ("per_kg", format!("{per_kg:.2}")),
                            ("norm", format!("{norm:.2}")),
                            ("heading", heading),
                        ],
                    )
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
    pub fn hits(&self, c: &Consignment, ctx: &Context) -> Option<Vec<Reason>> {
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
        assert_eq!(reasons[1].to_string(), "routed via ECGYE");
        assert_eq!(reasons[2].code, "first_importer");
        assert_eq!(reasons[2].param("importer"), "SE5569999999");
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
        assert!(p.hits(&bananas("N", "X", 5_000.0), &ctx).unwrap()[0]
            .to_string()
            .contains("norm of 1.00"));
        assert!(p.hits(&bananas("N", "X", 90_000.0), &ctx).is_some());
    }

    #[test]
    fn the_running_median_is_the_sorted_middle() {
        let mut m = RunningMedian::default();
        let mut all = Vec::new();
        for k in 0..200u32 {
            let x = f64::from((k * 7919) % 211) / 3.0;
            m.push(x);
            all.push(x);
            all.sort_by(f64::total_cmp);
            assert_eq!(m.median(), all.get(all.len() / 2).copied(), "after {k}");
        }
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
