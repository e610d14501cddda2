//! Consignments as the targeting officer sees them: an import declaration or manifest line with
//! its container (ISO 6346, check digit verified) or ro-ro unit, vessel call, parties
//! (importer, declarant, seller, carrier, with EORI where known), HS code, origin and
//! departure countries, route ports, mass and value. Read from CSV through a column mapping
//! (`kcs`, the KCS declaration format, and `hamnvakt`, our own column names, are built in;
//! others are JSON files), every bad row reported with its row, column and reason while the
//! good rows are kept.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A party to a consignment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The declaration system's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Economic Operators Registration and Identification number, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eori: Option<String>,
}

impl Party {
    fn is_empty(&self) -> bool {
        self.id.is_none() && self.name.is_none() && self.eori.is_none()
    }
}

/// One consignment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consignment {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub declaration_id: String,
    /// Arrival or declaration date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: Option<String>,
    /// ISO 6346 container number (`MSKU4839210`), check digit verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Ro-ro unit: a trailer or truck registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roro_unit: Option<String>,
    /// The vessel call it arrives with (`IMO 9214432 SEKPS 2026-11-28`, or the port's call id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessel_call: Option<String>,
    #[serde(default, skip_serializing_if = "Party::is_empty")]
    pub importer: Party,
    #[serde(default, skip_serializing_if = "Party::is_empty")]
    pub declarant: Party,
    #[serde(default, skip_serializing_if = "Party::is_empty")]
    pub seller: Party,
    #[serde(default, skip_serializing_if = "Party::is_empty")]
    pub carrier: Party,
    /// Harmonized System code, 6 to 10 digits.
    pub hs_code: String,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure_country: Option<String>,
    /// UN/LOCODEs of the ports on the way, first to last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_ports: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass_kg: Option<f64>,
    /// Customs value, in the declaration's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Other columns the mapping keeps (for the model and the profiles).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// A field that does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

fn err(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Checks an ISO 6346 container number: owner code (three letters), category (U, J or Z),
/// six-digit serial and the check digit computed from the other ten characters (letters
/// valued 10–38 skipping multiples of 11, each weighted 2^position, sum mod 11, 10 → 0).
pub fn iso6346(number: &str) -> Result<(), String> {
    let s: Vec<u8> = number
        .bytes()
        .filter(|b| *b != b' ' && *b != b'-')
        .collect();
    if s.len() != 11 {
        return Err(format!(
            "{number:?} is not 11 characters (4 letters, 7 digits)"
        ));
    }
    let (letters, digits) = s.split_at(4);
    if !letters.iter().all(u8::is_ascii_uppercase) {
        return Err(format!("{number:?} must start with four capital letters"));
    }
    if !matches!(letters.get(3), Some(b'U' | b'J' | b'Z')) {
        return Err(format!(
            "{number:?}: the fourth letter is the category, U, J or Z"
        ));
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(format!("{number:?} must end with seven digits"));
    }
    let value = |c: u8| -> u32 {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            // A = 10, then skipping 11, 22 and 33.
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
    let sum: u32 = s
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, &c)| value(c) << i)
        .sum();
    let check = (sum % 11) % 10;
    let given = s.get(10).map(|c| u32::from(c - b'0'));
    if given != Some(check) {
        return Err(format!(
            "{number:?}: the check digit should be {check}, not {}",
            given.unwrap_or(0)
        ));
    }
    Ok(())
}

fn country(field: &str, v: &Option<String>, out: &mut Vec<FieldError>) {
    if let Some(c) = v {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            out.push(err(
                field,
                format!("{c:?} is not an ISO 3166-1 alpha-2 code"),
            ));
        }
    }
}

impl Consignment {
    /// Brings codes to their canonical case and spacing.
    pub fn normalise(&mut self) {
        let up = |v: &mut Option<String>| {
            if let Some(s) = v {
                *s = s.trim().to_ascii_uppercase().replace([' ', '-'], "");
                if s.is_empty() {
                    *v = None;
                }
            }
        };
        up(&mut self.container);
        up(&mut self.origin_country);
        up(&mut self.departure_country);
        self.declaration_id = self.declaration_id.trim().to_owned();
        self.hs_code = self.hs_code.trim().replace(['.', ' '], "");
        for p in &mut self.route_ports {
            *p = p.trim().to_ascii_uppercase().replace(' ', "");
        }
        self.route_ports.retain(|p| !p.is_empty());
    }

    /// Every field that does not hold.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.declaration_id.is_empty() || self.declaration_id.len() > 100 {
            out.push(err("declaration_id", "must be 1–100 characters"));
        }
        if !(6..=10).contains(&self.hs_code.len())
            || !self.hs_code.bytes().all(|b| b.is_ascii_digit())
        {
            out.push(err(
                "hs_code",
                format!("{:?} is not a 6–10 digit HS code", self.hs_code),
            ));
        }
        if let Some(c) = &self.container {
            if let Err(e) = iso6346(c) {
                out.push(err("container", e));
            }
        }
        country("origin_country", &self.origin_country, &mut out);
        country("departure_country", &self.departure_country, &mut out);
        for p in &self.route_ports {
            if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
                out.push(err("route_ports", format!("{p:?} is not a UN/LOCODE")));
            }
        }
        if let Some(d) = &self.date {
            if crate::mapping::days(d).is_none() {
                out.push(err("date", format!("{d:?} is not a YYYY-MM-DD date")));
            }
        }
        for (field, v) in [("mass_kg", self.mass_kg), ("value", self.value)] {
            if v.is_some_and(|x| !x.is_finite() || x < 0.0) {
                out.push(err(field, "must be a number zero or above"));
            }
        }
        for (field, p) in [
            ("importer", &self.importer),
            ("declarant", &self.declarant),
            ("seller", &self.seller),
            ("carrier", &self.carrier),
        ] {
            if let Some(e) = &p.eori {
                let ok = (3..=17).contains(&e.len())
                    && e.bytes().take(2).all(|b| b.is_ascii_uppercase())
                    && e.bytes().skip(2).all(|b| b.is_ascii_alphanumeric());
                if !ok {
                    out.push(err(
                        &format!("{field}.eori"),
                        format!("{e:?} is not an EORI number"),
                    ));
                }
            }
        }
        out
    }
}

/// The canonical fields a mapping can fill, by name.
pub const FIELDS: [&str; 23] = [
    "declaration_id",
    "date",
    "container",
    "roro_unit",
    "vessel_call",
    "importer.id",
    "importer.name",
    "importer.eori",
    "declarant.id",
    "declarant.name",
    "declarant.eori",
    "seller.id",
    "seller.name",
    "seller.eori",
    "carrier.id",
    "carrier.name",
    "carrier.eori",
    "hs_code",
    "origin_country",
    "departure_country",
    "route_ports",
    "mass_kg",
    "value",
];

/// Which column of a file fills which field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsignmentMapping {
    pub name: String,
    /// Field (one of [`FIELDS`]) → column header, or headers separated by `|` of which the
    /// first a file has is read (`HS10 Code|HS6 Code`).
    pub columns: BTreeMap<String, String>,
    /// Columns kept as they are in `extra`.
    #[serde(default)]
    pub extra: Vec<String>,
    /// Separator of the route ports in their column.
    #[serde(default = "semicolon")]
    pub route_separator: String,
}

fn semicolon() -> String {
    ";".into()
}

impl ConsignmentMapping {
    /// The KCS declaration format (shared/data/customs): no containers or routes; parties by
    /// their anonymised ids.
    pub fn kcs() -> ConsignmentMapping {
        let columns = [
            ("declaration_id", "Declaration ID"),
            ("date", "Date"),
            ("declarant.id", "Declarant ID"),
            ("importer.id", "Importer ID"),
            ("seller.id", "Seller ID"),
            ("carrier.id", "Courier ID"),
            // Ten digits in v2022-hs10, six in v2023-hs6.
            ("hs_code", "HS10 Code|HS6 Code"),
            ("departure_country", "Country of Departure"),
            ("origin_country", "Country of Origin"),
            ("mass_kg", "Net Mass"),
            ("value", "Item Price"),
        ];
        ConsignmentMapping {
            name: "kcs".into(),
            columns: columns
                .iter()
                .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
                .collect(),
            extra: [
                "Office ID",
                "Process Type",
                "Import Type",
                "Import Use",
                "Payment Type",
                "Mode of Transport",
                "Tax Rate",
                "Tax Type",
                "Country of Origin Indicator",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            route_separator: semicolon(),
        }
    }

    /// Our own format: every field under its own name as the column header.
    pub fn hamnvakt() -> ConsignmentMapping {
        ConsignmentMapping {
            name: "hamnvakt".into(),
            columns: FIELDS
                .iter()
                .map(|f| ((*f).to_owned(), (*f).to_owned()))
                .collect(),
            extra: Vec::new(),
            route_separator: semicolon(),
        }
    }

    /// A built-in mapping by name, or a JSON mapping file.
    pub fn load(name_or_path: &str) -> Result<ConsignmentMapping, String> {
        match name_or_path {
            "kcs" => Ok(Self::kcs()),
            "hamnvakt" => Ok(Self::hamnvakt()),
            path => {
                let text = std::fs::read_to_string(Path::new(path)).map_err(|e| {
                    format!("{path}: not a built-in mapping (kcs, hamnvakt) and not a readable file: {e}")
                })?;
                Self::from_json(&text).map_err(|e| format!("{path}: {e}"))
            }
        }
    }

    /// A mapping file's text: JSON with the keys of [`ConsignmentMapping`], every column's
    /// field one of [`FIELDS`].
    pub fn from_json(text: &str) -> Result<ConsignmentMapping, String> {
        let m: ConsignmentMapping = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if let Some(bad) = m.columns.keys().find(|f| !FIELDS.contains(&f.as_str())) {
            return Err(format!(
                "{bad:?} is not a consignment field (one of {FIELDS:?})"
            ));
        }
        Ok(m)
    }
}

/// A row that could not be kept.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line of the file (the header is line 1).
    pub row: u64,
    /// The column header, when one column is to blame.
    pub column: Option<String>,
    pub reason: String,
}

/// What a file gave.
#[derive(Debug, Default)]
pub struct Import {
    pub consignments: Vec<Consignment>,
    pub errors: Vec<RowError>,
    pub rows: u64,
}

/// Reads consignments from CSV, calling `progress` with the rows read so far every 10,000
/// rows. A file without the mapping's declaration id or HS code column is refused whole.
pub fn read_consignments(
    input: impl std::io::Read,
    m: &ConsignmentMapping,
    mut progress: impl FnMut(u64),
) -> Result<Import, String> {
    let mut rd = crate::csvfile::CsvFile::new(input);
    let headers = rd.headers().map_err(|e| format!("the header line: {e}"))?;
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut at: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (field, column) in &m.columns {
        // A column, or alternatives separated by `|` (the names of other versions of a
        // format), the first the file has.
        if let Some((i, c)) = column.split('|').find_map(|c| col(c).map(|i| (i, c))) {
            at.insert(field.as_str(), (i, c));
        }
    }
    for needed in ["declaration_id", "hs_code"] {
        if !at.contains_key(needed) {
            let column = m.columns.get(needed).map(String::as_str).unwrap_or(needed);
            return Err(format!(
                "no {column:?} column (the mapping {:?} reads {needed} from it)",
                m.name
            ));
        }
    }
    let extra: Vec<(usize, &str)> = m
        .extra
        .iter()
        .filter_map(|c| col(c).map(|i| (i, c.as_str())))
        .collect();
    let mut out = Import::default();
    let width = headers.len();
    while let Some((row, rec)) = rd.next_record() {
        out.rows += 1;
        if out.rows % 10_000 == 0 {
            progress(out.rows);
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowError {
                    row,
                    column: None,
                    reason: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        if let Some(q) = crate::csvfile::runaway_quote(&rec, row, width) {
            out.errors.push(RowError {
                row: q.line,
                column: headers.get(q.column).map(|h| h.trim().to_owned()),
                reason: q.reason(),
            });
            continue;
        }
        let get = |field: &str| -> Option<String> {
            at.get(field)
                .and_then(|(i, _)| rec.get(*i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let mut row_errors = Vec::new();
        let mut number = |field: &str| -> Option<f64> {
            let s = get(field)?;
            match s.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    row_errors.push(err(field, format!("{s:?} is not a number")));
                    None
                }
            }
        };
        let mass_kg = number("mass_kg");
        let value = number("value");
        let party = |p: &str| Party {
            id: get(&format!("{p}.id")),
            name: get(&format!("{p}.name")),
            eori: get(&format!("{p}.eori")),
        };
        let mut c = Consignment {
            declaration_id: get("declaration_id").unwrap_or_default(),
            date: get("date").map(|d| d.chars().take(10).collect()),
            container: get("container"),
            roro_unit: get("roro_unit"),
            vessel_call: get("vessel_call"),
            importer: party("importer"),
            declarant: party("declarant"),
            seller: party("seller"),
            carrier: party("carrier"),
            hs_code: get("hs_code").unwrap_or_default(),
            origin_country: get("origin_country"),
            departure_country: get("departure_country"),
            route_ports: get("route_ports")
                .map(|r| {
                    r.split(m.route_separator.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            mass_kg,
            value,
            extra: extra
                .iter()
                .filter_map(|(i, name)| {
                    rec.get(*i)
                        .map(|v| ((*name).to_owned(), v.trim().to_owned()))
                })
                .collect(),
        };
        c.normalise();
        row_errors.extend(c.validate());
        if row_errors.is_empty() {
            out.consignments.push(c);
        } else {
            for e in row_errors {
                let field = e.field.split('.').next().unwrap_or("").to_owned();
                let column = at
                    .get(e.field.as_str())
                    .or_else(|| at.get(field.as_str()))
                    .map(|(_, c)| (*c).to_owned());
                out.errors.push(RowError {
                    row,
                    column,
                    reason: format!("{}: {}", e.field, e.reason),
                });
            }
        }
    }
    progress(out.rows);
    Ok(out)
}

/// The first model view of a consignment (models stored before point-in-time features read
/// it still): the parties' identities as categories, no history.
pub fn model_mapping_v1() -> crate::mapping::Mapping {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    crate::mapping::Mapping {
        name: "consignment".into(),
        id: "declaration_id".into(),
        label: Some("outcome".into()),
        categorical: s(&[
            "importer",
            "declarant",
            "seller",
            "carrier",
            "origin_country",
            "departure_country",
            "hs_code",
            "hs4",
            "first_port",
            "last_foreign_port",
            "transport",
        ]),
        numeric: s(&["mass", "value", "route_length"]),
        numeric_codes: s(&["hs_code"]),
        value: s(&["value"]),
        value_divisor: 1.0,
        date: Some("date".into()),
        aliases: Default::default(),
    }
}

/// Name of the model view with point-in-time history features ([`model_mapping`]).
pub const MODEL_VIEW: &str = "consignment/2";

/// The model's view of a consignment, which a model trained on stored consignments and their
/// outcomes uses: where it comes from and what it is as categories; mass, value and route
/// length; and two features of its history *as of its own date* — how many consignments its
/// importer had before (0: a new importer) and its value per kg against the median of its HS
/// heading among the consignments before it (a ratio; 1 is the norm). The parties' identities
/// are left out: with hundreds of outcomes a model would learn names, not patterns.
pub fn model_mapping() -> crate::mapping::Mapping {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    crate::mapping::Mapping {
        name: MODEL_VIEW.into(),
        id: "declaration_id".into(),
        label: Some("outcome".into()),
        categorical: s(&[
            "carrier",
            "origin_country",
            "departure_country",
            "hs_code",
            "hs4",
            "first_port",
            "last_foreign_port",
            "transport",
        ]),
        numeric: s(&[
            "mass",
            "value",
            "route_length",
            "importer_earlier",
            "value_vs_norm",
        ]),
        numeric_codes: s(&["hs_code"]),
        value: s(&["value"]),
        value_divisor: 1.0,
        date: Some("date".into()),
        aliases: Default::default(),
    }
}

/// Days at the start of the stored history whose outcomes are not learnt from: their
/// history features are not yet meaningful (on the first day every importer is "new").
pub const WARM_UP_DAYS: i64 = 14;

/// The labelled records in date order, each with its history as of its own day: the
/// consignments of a day are judged on the days before it, then learnt from. Outcomes of the
/// first `warm_up_days` days of the history (see [`WARM_UP_DAYS`]) are left out.
pub fn labelled_records(
    mut all: Vec<(Option<i64>, Consignment)>,
    outcomes: &std::collections::HashMap<String, bool>,
    mapping: &crate::mapping::Mapping,
    warm_up_days: i64,
) -> Vec<crate::mapping::Record> {
    all.sort_by(|a, b| (a.0, &a.1.declaration_id).cmp(&(b.0, &b.1.declaration_id)));
    let mut ctx = crate::profile::Context::default();
    let mut out = Vec::new();
    let mut start = 0;
    let first = all.iter().find_map(|x| x.0);
    while start < all.len() {
        let day = all.get(start).and_then(|x| x.0);
        let end = start
            + all
                .get(start..)
                .unwrap_or(&[])
                .iter()
                .take_while(|x| x.0 == day)
                .count();
        let group = all.get(start..end).unwrap_or(&[]);
        let warm = match (day, first) {
            (Some(d), Some(f)) => d >= f + warm_up_days,
            _ => false,
        };
        for (_, c) in group.iter().filter(|_| warm) {
            if let Some(&y) = outcomes.get(&c.declaration_id) {
                out.push(c.record_for(mapping, Some(y), &ctx));
            }
        }
        if day.is_some() {
            for (_, c) in group {
                ctx.observe(c);
            }
        }
        start = end.max(start + 1);
    }
    out
}

impl Consignment {
    /// As a record for a model with `mapping` (the first view, or [`model_mapping`]'s with the
    /// history features read from `ctx`: what was known before this consignment).
    pub fn record_for(
        &self,
        mapping: &crate::mapping::Mapping,
        label: Option<bool>,
        ctx: &crate::profile::Context,
    ) -> crate::mapping::Record {
        let mut r = self.record(label);
        if mapping.name != MODEL_VIEW {
            return r;
        }
        let earlier = crate::profile::importer_key(self).map(|i| ctx.earlier_of(i));
        r.categorical.drain(..3);
        r.numeric.push(earlier.map_or(f64::NAN, f64::from));
        r.numeric.push(ctx.value_ratio(self).unwrap_or(f64::NAN));
        r
    }

    /// As a record for the first model view ([`model_mapping_v1`]'s order).
    pub fn record(&self, label: Option<bool>) -> crate::mapping::Record {
        let party = |p: &Party| {
            p.eori
                .clone()
                .or_else(|| p.id.clone())
                .or_else(|| p.name.clone())
                .unwrap_or_default()
        };
        let transport = if self.container.is_some() {
            "container"
        } else if self.roro_unit.is_some() {
            "roro"
        } else {
            ""
        };
        let n = self.route_ports.len();
        crate::mapping::Record {
            id: self.declaration_id.clone(),
            day: self.date.as_deref().and_then(crate::mapping::days),
            label,
            categorical: vec![
                party(&self.importer),
                party(&self.declarant),
                party(&self.seller),
                party(&self.carrier),
                self.origin_country.clone().unwrap_or_default(),
                self.departure_country.clone().unwrap_or_default(),
                self.hs_code.clone(),
                self.hs_code.chars().take(4).collect(),
                self.route_ports.first().cloned().unwrap_or_default(),
                self.route_ports
                    .get(n.saturating_sub(2))
                    .cloned()
                    .unwrap_or_default(),
                transport.to_owned(),
            ],
            numeric: vec![
                self.mass_kg.unwrap_or(f64::NAN),
                self.value.unwrap_or(f64::NAN),
                n as f64,
            ],
            value: self.value.unwrap_or(0.0),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn iso6346_check_digits() {
        // Published examples: CSQU 305438 3, MSKU 483921 1 is made up and checked here.
        assert_eq!(iso6346("CSQU3054383"), Ok(()));
        assert!(iso6346("CSQU3054384").unwrap_err().contains("should be 3"));
        assert_eq!(iso6346("CSQU 305438-3"), Ok(()));
        assert!(iso6346("CSQX3054383").is_err(), "category letter");
        assert!(iso6346("CSQU305438").is_err(), "length");
        assert!(iso6346("csqu3054383").is_err(), "case");
    }

    #[test]
    fn the_hamnvakt_mapping_reads_every_field_and_reports_bad_rows() {
        let csv = "declaration_id,date,container,importer.eori,hs_code,origin_country,route_ports,mass_kg,value\n\
                   D1,2026-11-28,CSQU3054383,SE5560000001,0803901000,EC,ECGYE;NLRTM;SENYN,18000,21000\n\
                   D2,2026-11-28,CSQU3054384,,0803901000,EC,,18000,21000\n\
                   D3,2026-11-28,,,08,E1,,heavy,1\n";
        let imp =
            read_consignments(csv.as_bytes(), &ConsignmentMapping::hamnvakt(), |_| {}).unwrap();
        assert_eq!(imp.rows, 3);
        assert_eq!(imp.consignments.len(), 1);
        let c = &imp.consignments[0];
        assert_eq!(c.route_ports, ["ECGYE", "NLRTM", "SENYN"]);
        assert_eq!(c.importer.eori.as_deref(), Some("SE5560000001"));
        assert_eq!(c.mass_kg, Some(18000.0));
        let rows: Vec<(u64, Option<&str>)> = imp
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_deref()))
            .collect();
        assert!(rows.contains(&(3, Some("container"))), "{:?}", imp.errors);
        assert!(rows.contains(&(4, Some("mass_kg"))), "{:?}", imp.errors);
        assert!(rows.contains(&(4, Some("hs_code"))), "{:?}", imp.errors);
        assert!(
            rows.contains(&(4, Some("origin_country"))),
            "{:?}",
            imp.errors
        );
    }

    #[test]
    fn errors_name_the_file_line_not_the_record_number() {
        // D2 is the third record but starts on line 6, after a quoted line break and a blank
        // line.
        let csv = "declaration_id,hs_code,mass_kg,importer.name\n\
                   D1,0803901000,1,\"Banan AB\nGöteborg\"\n\
                   \n\
                   D3,0803901000,2,Frukt AB\n\
                   D2,0803901000,heavy,Frukt AB\n";
        let imp =
            read_consignments(csv.as_bytes(), &ConsignmentMapping::hamnvakt(), |_| {}).unwrap();
        assert_eq!(imp.consignments.len(), 2);
        assert_eq!(
            imp.consignments[0].importer.name.as_deref(),
            Some("Banan AB\nGöteborg")
        );
        let rows: Vec<(u64, Option<&str>)> = imp
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_deref()))
            .collect();
        assert_eq!(rows, [(6, Some("mass_kg"))], "{:?}", imp.errors);
    }

    #[test]
    fn an_unclosed_quote_does_not_swallow_later_rows_unreported() {
        let csv = "declaration_id,hs_code,mass_kg,importer.name\n\
                   D1,0803901000,1,Frukt AB\n\
                   D2,0803901000,1,\"Banan AB\n\
                   D3,0803901000,2,Frukt AB\n\
                   D4,0803901000,3,Frukt AB\n";
        let imp =
            read_consignments(csv.as_bytes(), &ConsignmentMapping::hamnvakt(), |_| {}).unwrap();
        let kept: Vec<&str> = imp
            .consignments
            .iter()
            .map(|c| c.declaration_id.as_str())
            .collect();
        assert_eq!(kept, ["D1"]);
        assert_eq!(imp.errors.len(), 1, "{:?}", imp.errors);
        let e = &imp.errors[0];
        assert_eq!((e.row, e.column.as_deref()), (3, Some("importer.name")));
        assert!(
            e.reason.contains("quote") && e.reason.contains("line 5"),
            "{e:?}"
        );
    }

    #[test]
    fn a_file_without_the_id_column_is_refused() {
        let e = read_consignments("a,b\n1,2\n".as_bytes(), &ConsignmentMapping::kcs(), |_| {})
            .unwrap_err();
        assert!(e.contains("Declaration ID"), "{e}");
    }

    #[test]
    fn both_kcs_versions_give_their_tariff_code() {
        for (column, code) in [("HS10 Code", "4408909195"), ("HS6 Code", "440890")] {
            let csv = format!(
                "Declaration ID,Date,Importer ID,{column},Country of Origin,Net Mass,Item Price\n\
                 97061800,2020-01-01,QLRUBN9,{code},BE,108.0,372254.4\n"
            );
            let i = read_consignments(csv.as_bytes(), &ConsignmentMapping::kcs(), |_| {}).unwrap();
            assert!(i.errors.is_empty(), "{column}: {:?}", i.errors);
            assert_eq!(i.consignments[0].hs_code, code, "{column}");
        }
    }
}
