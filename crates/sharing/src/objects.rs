//! What a port writes to share — an indicator, a modus operandi, a sighting — checked and
//! turned into its STIX 2.1 object.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::Marking;
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::indicator::IndicatorKind;
use crate::matcher::Watch;
use crate::stix::{self, identity_id, timestamp};

/// At most this many indicators in one modus operandi.
pub const MAX_MO_INDICATORS: usize = 200;

/// An indicator as a port writes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDraft {
    pub kind: IndicatorKind,
    /// The watched value (normalised on the way in: `mscu 123456-5` is `MSCU1234565`).
    pub value: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// From when it is live, milliseconds since the epoch (default: now).
    #[serde(default)]
    pub valid_from_ms: Option<i64>,
    /// Until when (exclusive); none = until revoked.
    #[serde(default)]
    pub valid_until_ms: Option<i64>,
    /// How sure the author is, 0–100 (STIX confidence).
    #[serde(default = "default_confidence")]
    pub confidence: u8,
    pub marking: Marking,
}

fn default_confidence() -> u8 {
    50
}

/// A checked indicator: its normalised value and validity.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedIndicator {
    pub value: String,
    pub valid_from_ms: i64,
}

impl IndicatorDraft {
    /// Checks every field (paths under `field`), reporting all problems at once.
    pub fn check(
        &self,
        field: &str,
        owner: OrgId,
        now_ms: i64,
    ) -> Result<CheckedIndicator, Vec<FieldError>> {
        let mut errors = Vec::new();
        let p = |f: &str| {
            if field.is_empty() {
                f.to_owned()
            } else {
                format!("{field}.{f}")
            }
        };
        let value = match self.kind.normalise(&p("value"), &self.value) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if let Err(e) = validate::name(&p("name"), &self.name, 200) {
            errors.push(e);
        }
        if !self.description.is_empty() {
            if let Err(e) = validate::text(&p("description"), &self.description, 20_000) {
                errors.push(e);
            }
        }
        if self.confidence > 100 {
            errors.push(FieldError::new(p("confidence"), "0 to 100"));
        }
        let from = self.valid_from_ms.unwrap_or(now_ms);
        if let Some(until) = self.valid_until_ms {
            if until <= from {
                errors.push(FieldError::new(
                    p("valid_until_ms"),
                    "must be after valid_from_ms",
                ));
            }
        }
        if let Err(es) = self.marking.validate(&p("marking"), owner) {
            errors.extend(es);
        }
        match value {
            Some(value) if errors.is_empty() => Ok(CheckedIndicator {
                value,
                valid_from_ms: from,
            }),
            _ => Err(errors),
        }
    }

    /// The STIX indicator (without its marking reference, which export adds).
    pub fn to_stix(
        &self,
        id: &str,
        checked: &CheckedIndicator,
        owner: OrgId,
        at_ms: i64,
    ) -> Map<String, Value> {
        let mut o = json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": identity_id(owner),
            "created": timestamp(at_ms),
            "modified": timestamp(at_ms),
            "name": self.name,
            "description": if self.description.is_empty() { self.name.clone() } else { self.description.clone() },
            "indicator_types": ["malicious-activity"],
            "pattern": self.kind.pattern(&checked.value),
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": timestamp(checked.valid_from_ms),
            "confidence": self.confidence,
            "labels": [format!("hamnvakt:{}", self.kind)],
        });
        if let (Some(until), Some(obj)) = (self.valid_until_ms, o.as_object_mut()) {
            obj.insert("valid_until".into(), json!(timestamp(until)));
        }
        match o {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// What the matcher watches for a stored STIX indicator, if its pattern is one Hamnvakt can
/// observe and it is not revoked.
pub fn watch_of(body: &Map<String, Value>) -> Option<Watch> {
    if body.get("type")?.as_str()? != "indicator" || body.get("revoked") == Some(&Value::Bool(true))
    {
        return None;
    }
    let (kind, value) = IndicatorKind::from_pattern(body.get("pattern")?.as_str()?)?;
    let from = stix::parse_timestamp(body.get("valid_from")?.as_str()?)?;
    let until = match body.get("valid_until") {
        Some(v) => Some(stix::parse_timestamp(v.as_str()?)?),
        None => None,
    };
    Some(Watch {
        id: body.get("id")?.as_str()?.to_owned(),
        kind,
        value,
        valid_from_ms: from,
        valid_until_ms: until,
    })
}

/// A modus operandi: how something was done (a rip-off, a fake-driver collection), written up
/// with the indicators that show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModusOperandiDraft {
    pub name: String,
    /// The write-up (plain text or Markdown).
    pub description: String,
    /// New indicators written with it; they take the report's marking unless they say
    /// otherwise — and never a wider one.
    #[serde(default)]
    pub indicators: Vec<IndicatorDraft>,
    /// Existing indicators (STIX ids) it refers to.
    #[serde(default)]
    pub indicator_refs: Vec<String>,
    /// Where it was seen done: UN/LOCODEs (`SESTO`, `ECGYE`), shared as STIX locations.
    #[serde(default)]
    pub locations: Vec<String>,
    pub marking: Marking,
}

impl ModusOperandiDraft {
    pub fn check(
        &self,
        owner: OrgId,
        now_ms: i64,
    ) -> Result<Vec<CheckedIndicator>, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = validate::name("name", &self.name, 200) {
            errors.push(e);
        }
        if let Err(e) = validate::text("description", &self.description, 100_000) {
            errors.push(e);
        }
        if self.description.trim().is_empty() {
            errors.push(FieldError::new(
                "description",
                "a modus operandi needs its write-up",
            ));
        }
        if let Err(es) = self.marking.validate("marking", owner) {
            errors.extend(es);
        }
        if self.indicators.len() + self.indicator_refs.len() > MAX_MO_INDICATORS {
            errors.push(FieldError::new(
                "indicators",
                format!("at most {MAX_MO_INDICATORS} indicators"),
            ));
        }
        if self.indicators.is_empty() && self.indicator_refs.is_empty() {
            errors.push(FieldError::new(
                "indicators",
                "a modus operandi shares at least one indicator",
            ));
        }
        for (i, r) in self.indicator_refs.iter().enumerate() {
            if let Err(e) = stix::check_id(&format!("indicator_refs[{i}]"), r, Some("indicator")) {
                errors.push(e);
            }
        }
        if self.locations.len() > 20 {
            errors.push(FieldError::new("locations", "at most 20 places"));
        }
        let mut places = Vec::new();
        for (i, l) in self.locations.iter().enumerate() {
            match crate::analysis::normalise_locode(&format!("locations[{i}]"), l) {
                Ok(p) if places.contains(&p) => {
                    errors.push(FieldError::new(format!("locations[{i}]"), "named twice"))
                }
                Ok(p) => places.push(p),
                Err(e) => errors.push(e),
            }
        }
        let mut checked = Vec::new();
        for (i, ind) in self.indicators.iter().enumerate() {
            let field = format!("indicators[{i}]");
            if !narrower_or_equal(&ind.marking, &self.marking) {
                errors.push(FieldError::new(
                    format!("{field}.marking"),
                    "an indicator of a modus operandi may not go further than the modus operandi itself",
                ));
            }
            match ind.check(&field, owner, now_ms) {
                Ok(c) => checked.push(c),
                Err(es) => errors.extend(es),
            }
        }
        if errors.is_empty() {
            Ok(checked)
        } else {
            Err(errors)
        }
    }

    /// The STIX report (without its marking reference).
    pub fn to_stix(
        &self,
        id: &str,
        object_refs: &[String],
        owner: OrgId,
        at_ms: i64,
    ) -> Map<String, Value> {
        let o = json!({
            "type": "report",
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": identity_id(owner),
            "created": timestamp(at_ms),
            "modified": timestamp(at_ms),
            "name": self.name,
            "description": self.description,
            "report_types": ["threat-report"],
            "labels": ["hamnvakt:modus-operandi"],
            "published": timestamp(at_ms),
            "object_refs": object_refs,
        });
        match o {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// Whether marking `a` gives no more than `b`: a TLP at least as strict and an audience no
/// wider.
pub fn narrower_or_equal(a: &Marking, b: &Marking) -> bool {
    use hamnvakt_core::marking::Audience::*;
    let rank = |m: &Marking| match m.audience {
        Organisation => 0,
        Named => 1,
        Community => 2,
        Alliance => 3,
    };
    let named_ok = match (a.audience, b.audience) {
        (Named, Named) => a.recipients.iter().all(|r| b.recipients.contains(r)),
        (Named, Organisation) => false,
        _ => true,
    };
    a.tlp >= b.tlp && rank(a) <= rank(b) && named_ok
}

/// A sighting: an indicator (ours or a partner's) seen here.
#[derive(Debug, Clone, PartialEq)]
pub struct SightingFacts<'a> {
    pub indicator: &'a str,
    /// The organisation that saw it.
    pub seen_by: OrgId,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub count: u32,
    /// What was seen and where, in words (`container MSCU1234565 in a manifest at Norvik`).
    pub description: &'a str,
    /// The observed-data objects that show what was seen (a vessel's), if any.
    pub observed: &'a [String],
}

/// The STIX sighting (without its marking reference).
pub fn sighting(id: &str, f: &SightingFacts<'_>, at_ms: i64) -> Map<String, Value> {
    let o = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": identity_id(f.seen_by),
        "created": timestamp(at_ms),
        "modified": timestamp(at_ms),
        "description": f.description,
        "first_seen": timestamp(f.first_seen_ms),
        "last_seen": timestamp(f.last_seen_ms.max(f.first_seen_ms)),
        "count": f.count.max(1),
        "sighting_of_ref": f.indicator,
        "where_sighted_refs": [identity_id(f.seen_by)],
    });
    match o {
        Value::Object(mut m) => {
            if !f.observed.is_empty() {
                m.insert("observed_data_refs".into(), json!(f.observed));
            }
            m
        }
        _ => Map::new(),
    }
}

/// The STIX observed-data of what a sighting saw: `objects` are the ids of the
/// cyber-observables (a [`stix::vessel`]) filed beside it.
pub fn observed_data(
    id: &str,
    f: &SightingFacts<'_>,
    objects: &[String],
    at_ms: i64,
) -> Map<String, Value> {
    let o = json!({
        "type": "observed-data",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": identity_id(f.seen_by),
        "created": timestamp(at_ms),
        "modified": timestamp(at_ms),
        "first_observed": timestamp(f.first_seen_ms),
        "last_observed": timestamp(f.last_seen_ms.max(f.first_seen_ms)),
        "number_observed": f.count.max(1),
        "object_refs": objects,
    });
    match o {
        Value::Object(m) => m,
        _ => Map::new(),
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
    use hamnvakt_core::ids::Id;
    use hamnvakt_core::marking::Audience;
    use hamnvakt_core::tlp::Tlp;

    fn green_alliance() -> Marking {
        Marking {
            tlp: Tlp::Green,
            audience: Audience::Alliance,
            recipients: vec![],
        }
    }

    fn draft(value: &str) -> IndicatorDraft {
        IndicatorDraft {
            kind: IndicatorKind::ContainerNumber,
            value: value.into(),
            name: "Rip-off container".into(),
            description: String::new(),
            valid_from_ms: None,
            valid_until_ms: None,
            confidence: 80,
            marking: green_alliance(),
        }
    }

    #[test]
    fn an_indicator_becomes_a_watch_through_its_stix_form() {
        let owner = Id::from_random_bytes([1; 16]);
        let d = draft("mscu 1234565");
        let c = d.check("", owner, 1_000).unwrap();
        let body = d.to_stix(
            "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            &c,
            owner,
            1_000,
        );
        let w = watch_of(&body).unwrap();
        assert_eq!(
            (w.kind, w.value.as_str(), w.valid_from_ms),
            (IndicatorKind::ContainerNumber, "MSCU1234565", 1_000)
        );
    }

    #[test]
    fn a_modus_operandi_checks_its_indicators_and_their_markings() {
        let owner = Id::from_random_bytes([1; 16]);
        let mut wider = draft("MSCU1234565");
        wider.marking = Marking {
            tlp: Tlp::Clear,
            audience: Audience::Alliance,
            recipients: vec![],
        };
        let mo = ModusOperandiDraft {
            name: "Fake driver".into(),
            description: "A driver with a copied card".into(),
            indicators: vec![draft("bad"), wider],
            indicator_refs: vec![],
            locations: vec![],
            marking: green_alliance(),
        };
        let e = mo.check(owner, 0).unwrap_err();
        let paths: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(paths, ["indicators[0].value", "indicators[1].marking"]);
    }

    #[test]
    fn narrower_markings() {
        let strict = Marking {
            tlp: Tlp::AmberStrict,
            audience: Audience::Organisation,
            recipients: vec![],
        };
        assert!(narrower_or_equal(&strict, &green_alliance()));
        assert!(!narrower_or_equal(&green_alliance(), &strict));
    }
}
