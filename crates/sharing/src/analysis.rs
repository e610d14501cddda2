//! What analysts write about shared objects — a note on them, a relationship between two, a
//! grouping of several for one piece of work — and the places they happen at, as STIX 2.1
//! `note`, `relationship`, `grouping` and `location` objects.
//!
//! Each is written about objects that already exist, so each says which: the server checks
//! that the writer may see every one of them and that what is written goes no further than
//! any of them ([`hamnvakt_core::marking::within`]). This module checks the shape and builds
//! the STIX object; it does no I/O.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::Marking;
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::stix::{self, identity_id, timestamp};

/// At most this many objects one note or grouping is about.
pub const MAX_REFS: usize = 500;

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Checks a list of STIX ids: at least one, at most [`MAX_REFS`], each well formed, none
/// twice.
fn check_refs(field: &str, refs: &[String], errors: &mut Vec<FieldError>) {
    if refs.is_empty() {
        errors.push(FieldError::new(field, "at least one object"));
    }
    if refs.len() > MAX_REFS {
        errors.push(FieldError::new(
            field,
            format!("at most {MAX_REFS} objects"),
        ));
        return;
    }
    for (i, r) in refs.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if let Err(e) = stix::check_id(&f, r, None) {
            errors.push(e);
        } else if r.starts_with("marking-definition--") || r.starts_with("extension-definition--") {
            errors.push(FieldError::new(
                f,
                "a marking or extension is not written about",
            ));
        } else if refs.get(..i).is_some_and(|before| before.contains(r)) {
            errors.push(FieldError::new(f, "named twice"));
        }
    }
}

fn done(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A note: an analyst's comment on one or more shared objects (what MISP calls an analyst
/// note; a hand-over remark, a correction, what a partner found when it checked).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteDraft {
    /// A one-line summary (STIX `abstract`).
    #[serde(default, rename = "abstract")]
    pub summary: String,
    /// The note (plain text or Markdown).
    pub content: String,
    /// The STIX ids of the objects it is about.
    pub object_refs: Vec<String>,
    pub marking: Marking,
}

impl NoteDraft {
    pub fn check(&self, owner: OrgId) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !self.summary.is_empty() {
            if let Err(e) = validate::name("abstract", &self.summary, 300) {
                errors.push(e);
            }
        }
        if let Err(e) = validate::text("content", &self.content, 50_000) {
            errors.push(e);
        } else if self.content.trim().is_empty() {
            errors.push(FieldError::new("content", "a note needs its text"));
        }
        check_refs("object_refs", &self.object_refs, &mut errors);
        if let Err(es) = self.marking.validate("marking", owner) {
            errors.extend(es);
        }
        done(errors)
    }

    /// The STIX note (without its marking reference).
    pub fn to_stix(&self, id: &str, owner: OrgId, at_ms: i64) -> Map<String, Value> {
        let mut o = as_map(json!({
            "type": "note",
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": identity_id(owner),
            "created": timestamp(at_ms),
            "modified": timestamp(at_ms),
            "content": self.content,
            "object_refs": self.object_refs,
        }));
        if !self.summary.is_empty() {
            o.insert("abstract".into(), json!(self.summary));
        }
        o
    }
}

/// The relationships a port writes between shared objects: those of STIX 2.1's common
/// vocabulary that hold between any two objects, and `located-at` from an organisation to a
/// place. (`indicates`, `attributed-to` and the like need threat types Hamnvakt does not keep.)
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipType {
    /// The two have to do with each other (a sighting's indicator and a vessel; two modi
    /// operandi of one network).
    RelatedTo,
    /// The same thing written twice (two ports' indicators of one container); same type.
    DuplicateOf,
    /// The source was made from the target (our indicator from a partner's); same type.
    DerivedFrom,
    /// An organisation at a place (identity → location).
    LocatedAt,
}

impl RelationshipType {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipType::RelatedTo => "related-to",
            RelationshipType::DuplicateOf => "duplicate-of",
            RelationshipType::DerivedFrom => "derived-from",
            RelationshipType::LocatedAt => "located-at",
        }
    }
}

/// A relationship between two shared objects.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipDraft {
    pub relationship_type: RelationshipType,
    pub source_ref: String,
    pub target_ref: String,
    #[serde(default)]
    pub description: String,
    pub marking: Marking,
}

fn type_of(id: &str) -> &str {
    id.split_once("--").map(|(t, _)| t).unwrap_or(id)
}

impl RelationshipDraft {
    pub fn check(&self, owner: OrgId) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut ids_ok = true;
        for (f, r) in [
            ("source_ref", &self.source_ref),
            ("target_ref", &self.target_ref),
        ] {
            if let Err(e) = stix::check_id(f, r, None) {
                errors.push(e);
                ids_ok = false;
            } else if r.starts_with("marking-definition--")
                || r.starts_with("extension-definition--")
                || r.starts_with("relationship--")
            {
                errors.push(FieldError::new(
                    f,
                    "a relationship joins objects, not markings, extensions or relationships",
                ));
                ids_ok = false;
            }
        }
        if ids_ok {
            let (s, t) = (type_of(&self.source_ref), type_of(&self.target_ref));
            if self.source_ref == self.target_ref {
                errors.push(FieldError::new(
                    "target_ref",
                    "the same object as the source",
                ));
            }
            match self.relationship_type {
                RelationshipType::DuplicateOf | RelationshipType::DerivedFrom if s != t => errors
                    .push(FieldError::new(
                        "target_ref",
                        format!(
                            "{} joins objects of one type, not {s} and {t}",
                            self.relationship_type.as_str()
                        ),
                    )),
                RelationshipType::LocatedAt if s != "identity" || t != "location" => {
                    errors.push(FieldError::new(
                        "relationship_type",
                        format!("located-at goes from an identity to a location, not {s} to {t}"),
                    ))
                }
                _ => {}
            }
        }
        if !self.description.is_empty() {
            if let Err(e) = validate::text("description", &self.description, 10_000) {
                errors.push(e);
            }
        }
        if let Err(es) = self.marking.validate("marking", owner) {
            errors.extend(es);
        }
        done(errors)
    }

    /// The STIX relationship (without its marking reference).
    pub fn to_stix(&self, id: &str, owner: OrgId, at_ms: i64) -> Map<String, Value> {
        let mut o = as_map(json!({
            "type": "relationship",
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": identity_id(owner),
            "created": timestamp(at_ms),
            "modified": timestamp(at_ms),
            "relationship_type": self.relationship_type.as_str(),
            "source_ref": self.source_ref,
            "target_ref": self.target_ref,
        }));
        if !self.description.is_empty() {
            o.insert("description".into(), json!(self.description));
        }
        o
    }
}

/// Why objects are grouped (STIX 2.1's grouping-context vocabulary, the part a port uses).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupingContext {
    /// Objects that together may show something illicit, still being worked on.
    SuspiciousActivity,
    Unspecified,
}

impl GroupingContext {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupingContext::SuspiciousActivity => "suspicious-activity",
            GroupingContext::Unspecified => "unspecified",
        }
    }
}

/// A grouping: objects put together for one piece of work (a working set before it is a
/// finished report; what MISP calls an event).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupingDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub context: GroupingContext,
    pub object_refs: Vec<String>,
    pub marking: Marking,
}

impl GroupingDraft {
    pub fn check(&self, owner: OrgId) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = validate::name("name", &self.name, 200) {
            errors.push(e);
        }
        if !self.description.is_empty() {
            if let Err(e) = validate::text("description", &self.description, 20_000) {
                errors.push(e);
            }
        }
        check_refs("object_refs", &self.object_refs, &mut errors);
        if let Err(es) = self.marking.validate("marking", owner) {
            errors.extend(es);
        }
        done(errors)
    }

    /// The STIX grouping (without its marking reference).
    pub fn to_stix(&self, id: &str, owner: OrgId, at_ms: i64) -> Map<String, Value> {
        as_map(json!({
            "type": "grouping",
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": identity_id(owner),
            "created": timestamp(at_ms),
            "modified": timestamp(at_ms),
            "name": self.name,
            "description": if self.description.is_empty() { self.name.clone() } else { self.description.clone() },
            "context": self.context.as_str(),
            "object_refs": self.object_refs,
        }))
    }
}

/// A UN/LOCODE (two letters of the country, three of the place), upper-cased.
pub fn normalise_locode(field: &str, value: &str) -> Result<String, FieldError> {
    let upper = value.trim().to_ascii_uppercase();
    let ok = upper.len() == 5
        && upper.bytes().take(2).all(|b| b.is_ascii_uppercase())
        && upper.bytes().skip(2).all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(upper)
    } else {
        Err(FieldError::new(
            field,
            format!("{value:?} is not a UN/LOCODE (country letters and three of the place, SESTO)"),
        ))
    }
}

/// What Hamnvakt knows of a place named by its UN/LOCODE.
#[derive(Debug, Clone, PartialEq)]
pub struct Place<'a> {
    pub locode: &'a str,
    pub name: Option<&'a str>,
    /// Latitude and longitude in degrees, when the place is one Hamnvakt has coordinates for.
    pub position: Option<(f64, f64)>,
}

/// The STIX location of a place (without its marking reference): its UN/LOCODE as an
/// external reference, its country, and its coordinates when known. (Its id is a random one,
/// as STIX asks of domain objects; the server reuses an organisation's location of a place.)
pub fn location(id: &str, owner: OrgId, place: &Place<'_>, at_ms: i64) -> Map<String, Value> {
    let name = place.name.unwrap_or(place.locode);
    let mut o = as_map(json!({
        "type": "location",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": identity_id(owner),
        "created": timestamp(at_ms),
        "modified": timestamp(at_ms),
        "name": name,
        "description": format!("{name} (UN/LOCODE {})", place.locode),
        "country": place.locode.get(..2).unwrap_or_default(),
        "external_references": [{"source_name": "UN/LOCODE", "external_id": place.locode}],
    }));
    if let Some((lat, lon)) = place.position {
        o.insert("latitude".into(), json!(lat));
        o.insert("longitude".into(), json!(lon));
    }
    o
}

/// The UN/LOCODE a location object names, if it names one.
pub fn locode_of(body: &Map<String, Value>) -> Option<&str> {
    body.get("external_references")?
        .as_array()?
        .iter()
        .find(|r| r.get("source_name").and_then(Value::as_str) == Some("UN/LOCODE"))?
        .get("external_id")?
        .as_str()
}

/// The object a note, relationship or sighting is about, for listing it beside that object: a
/// sighting's indicator, a note's first object, a relationship's source.
pub fn about(body: &Map<String, Value>) -> Option<&str> {
    match body.get("type").and_then(Value::as_str)? {
        "sighting" => body.get("sighting_of_ref").and_then(Value::as_str),
        "note" | "opinion" => body
            .get("object_refs")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str),
        "relationship" => body.get("source_ref").and_then(Value::as_str),
        _ => None,
    }
}

/// Every object an object refers to by id (its `*_ref` and `*_refs` fields, but not its
/// creator or markings), for checking that what is written about them goes no further.
pub fn referred(body: &Map<String, Value>) -> Vec<&str> {
    let mut out = Vec::new();
    for (k, v) in body {
        if k == "created_by_ref" || k == "object_marking_refs" {
            continue;
        }
        if k.ends_with("_ref") {
            if let Some(s) = v.as_str() {
                out.push(s);
            }
        } else if k.ends_with("_refs") {
            if let Some(a) = v.as_array() {
                out.extend(a.iter().filter_map(Value::as_str));
            }
        }
    }
    out
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

    const IND: &str = "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
    const REP: &str = "report--1f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

    fn green() -> Marking {
        Marking {
            tlp: Tlp::Green,
            audience: Audience::Alliance,
            recipients: vec![],
        }
    }

    #[test]
    fn a_note_is_checked_and_becomes_a_stix_note() {
        let owner = Id::from_random_bytes([1; 16]);
        let mut n = NoteDraft {
            summary: "Checked".into(),
            content: "The seal number was cloned.".into(),
            object_refs: vec![IND.into()],
            marking: green(),
        };
        n.check(owner).unwrap();
        let o = n.to_stix("note--2f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", owner, 0);
        assert_eq!(o["abstract"], "Checked");
        assert_eq!(about(&o), Some(IND));
        assert_eq!(referred(&o), vec![IND]);
        n.object_refs = vec![IND.into(), IND.into(), "nope".into()];
        n.content = " ".into();
        let e = n.check(owner).unwrap_err();
        let paths: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(paths, ["content", "object_refs[1]", "object_refs[2]"]);
    }

    #[test]
    fn relationships_hold_between_the_right_types() {
        let owner = Id::from_random_bytes([1; 16]);
        let r = |t, s: &str, d: &str| RelationshipDraft {
            relationship_type: t,
            source_ref: s.into(),
            target_ref: d.into(),
            description: String::new(),
            marking: green(),
        };
        assert!(r(RelationshipType::RelatedTo, IND, REP)
            .check(owner)
            .is_ok());
        assert!(r(RelationshipType::DuplicateOf, IND, REP)
            .check(owner)
            .is_err());
        assert!(r(RelationshipType::RelatedTo, IND, IND)
            .check(owner)
            .is_err());
        let loc = "location--4f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
        let me = identity_id(owner);
        assert!(r(RelationshipType::LocatedAt, &me, loc)
            .check(owner)
            .is_ok());
        assert!(r(RelationshipType::LocatedAt, IND, loc)
            .check(owner)
            .is_err());
        let o = r(RelationshipType::RelatedTo, IND, REP).to_stix(
            "relationship--3f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            owner,
            0,
        );
        assert_eq!(o["relationship_type"], "related-to");
        assert_eq!(about(&o), Some(IND));
        assert_eq!(referred(&o).len(), 2);
    }

    #[test]
    fn locations_carry_their_locode() {
        let a = Id::from_random_bytes([1; 16]);
        assert_eq!(normalise_locode("l", " sesto ").unwrap(), "SESTO");
        assert!(normalise_locode("l", "S3STO").is_err());
        assert!(normalise_locode("l", "SESTOO").is_err());
        let o = location(
            "location--4f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            a,
            &Place {
                locode: "SEKPS",
                name: Some("Kapellskär"),
                position: Some((59.72, 19.06)),
            },
            0,
        );
        assert_eq!(o["country"], "SE");
        assert_eq!(locode_of(&o), Some("SEKPS"));
        assert_eq!(o["latitude"], 59.72);
    }
}
