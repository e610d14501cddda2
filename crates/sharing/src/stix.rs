//! The STIX 2.1 shape of what Hamnvakt shares, and the reading of bundles from outside.
//!
//! Everything shared is kept STIX-shaped (`id` = `type--uuid`, `created`, `modified`,
//! `created_by_ref`, `revoked`), so export is a matter of adding the marking references and
//! import keeps ids, versions and sources as they came. TLP 2.0 markings use the OASIS
//! extension's fixed marking-definition ids; a vessel is our own cyber-observable type declared
//! by an extension-definition, as are the other port-world observables indicator patterns
//! compare (container, seal, vehicle, phone, company, consignment).
//!
//! Reading is total: a bundle gives objects that hold and, for the others, the path of the
//! field that does not hold and why; it never fails as a whole because one object is bad.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::tlp::Tlp;
use hamnvakt_core::validate::FieldError;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// The OASIS TLP 2.0 extension-definition.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// Hamnvakt's extension-definition for its port-world cyber-observables (`new-sco`).
pub const HAMNVAKT_EXTENSION: &str = "extension-definition--5a1f0c2e-8d3b-4e6a-9b7c-1d2e3f4a5b6c";

/// Hamnvakt's extension-definition for its own domain objects (`new-sdo`): the best practice a
/// port shares with the alliance.
pub const HAMNVAKT_SDO_EXTENSION: &str =
    "extension-definition--3c8e2a71-6f4d-4b9e-a5c2-7e1d9f0b3a48";

/// The STIX type of a best practice (a `new-sdo` of [`HAMNVAKT_SDO_EXTENSION`]).
pub const BEST_PRACTICE_TYPE: &str = "x-hamnvakt-best-practice";

/// Hamnvakt's own domain objects: they carry `created` and `modified` like any SDO; every
/// other `x-hamnvakt-` type is an observable.
pub const HAMNVAKT_SDO_TYPES: &[&str] = &[BEST_PRACTICE_TYPE];

/// The identity that authors Hamnvakt's extension-definition.
pub const HAMNVAKT_IDENTITY: &str = "identity--7d9b2c4e-3f1a-4b5c-8d6e-9f0a1b2c3d4e";

/// At most this many objects in one bundle (larger ones are refused whole, and should be
/// split by the sender).
pub const MAX_BUNDLE_OBJECTS: usize = 250_000;

/// The marking-definition id of a TLP 2.0 marking.
pub fn tlp_marking_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

/// The TLP marking a marking-definition id stands for: TLP 2.0's, or STIX 2.1's built-in TLP
/// 1.0 ones (WHITE read as CLEAR).
pub fn tlp_of_marking(id: &str) -> Option<Tlp> {
    Tlp::ALL
        .into_iter()
        .find(|t| tlp_marking_id(*t) == id)
        .or(match id {
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" => Some(Tlp::Clear),
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" => Some(Tlp::Green),
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" => Some(Tlp::Amber),
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed" => Some(Tlp::Red),
            _ => None,
        })
}

/// The TLP 2.0 marking-definition object, exactly as the OASIS extension publishes it.
pub fn tlp_marking_definition(tlp: Tlp) -> Value {
    let (name, value) = match tlp {
        Tlp::Clear => ("TLP:CLEAR", "clear"),
        Tlp::Green => ("TLP:GREEN", "green"),
        Tlp::Amber => ("TLP:AMBER", "amber"),
        Tlp::AmberStrict => ("TLP:AMBER+STRICT", "amber+strict"),
        Tlp::Red => ("TLP:RED", "red"),
    };
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp_marking_id(tlp),
        "created": "2022-10-01T00:00:00.000Z",
        "name": name,
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": value}
        }
    })
}

/// A STIX timestamp with millisecond precision, as STIX asks for `created` and `modified`.
pub fn timestamp(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

/// Reads a STIX timestamp (RFC 3339 in UTC) to milliseconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    if !s.ends_with('Z') {
        return None;
    }
    s.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// A STIX identifier `type--uuid`, checked.
pub fn check_id(field: &str, id: &str, ty: Option<&str>) -> Result<(), FieldError> {
    let Some((t, u)) = id.split_once("--") else {
        return Err(FieldError::new(
            field,
            format!("{id:?} is not a STIX id (type--uuid)"),
        ));
    };
    if !valid_type(t) {
        return Err(FieldError::new(
            field,
            format!("{t:?} is not a STIX type name"),
        ));
    }
    if let Some(want) = ty {
        if t != want {
            return Err(FieldError::new(
                field,
                format!("expected a {want} id, not {t}"),
            ));
        }
    }
    match Uuid::try_parse(u) {
        Ok(_) if u.len() == 36 => Ok(()),
        _ => Err(FieldError::new(field, format!("{u:?} is not a UUID"))),
    }
}

fn valid_type(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
}

/// The identity of an organisation as partners see it: its id is the organisation's own UUID,
/// so it is the same in every export, from every instance, and across round trips.
pub fn identity_id(org: OrgId) -> String {
    format!("identity--{}", org.uuid().hyphenated())
}

/// The organisation an identity id names, when it is one of ours.
pub fn org_of_identity(id: &str) -> Option<OrgId> {
    let u = id.strip_prefix("identity--")?;
    Uuid::try_parse(u).ok().map(OrgId::from_uuid)
}

/// An identity object for an organisation.
pub fn identity(org: OrgId, name: &str, sector: &str, created_ms: i64) -> Value {
    let ts = timestamp(created_ms);
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(org),
        "created": ts,
        "modified": ts,
        "name": name,
        "description": format!("{name}, an organisation of the port community"),
        "identity_class": "organization",
        "sectors": [sector],
    })
}

/// The STIX sector of an organisation kind (the STIX 2.1 industry-sector vocabulary).
pub fn sector_of(kind: hamnvakt_core::org::OrgKind) -> &'static str {
    use hamnvakt_core::org::OrgKind::*;
    match kind {
        Customs | Police | CoastGuard | MaritimeAdministration => "government-national",
        _ => "transportation",
    }
}

/// Hamnvakt's extension-definitions (its cyber-observables, its domain objects) and their
/// author.
pub fn extension_objects() -> [Value; 3] {
    [
        json!({
            "type": "identity",
            "spec_version": "2.1",
            "id": HAMNVAKT_IDENTITY,
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "name": "Hamnvakt",
            "description": "The open-source port security platform that defines these observables",
            "identity_class": "system",
        }),
        json!({
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": HAMNVAKT_EXTENSION,
            "created_by_ref": HAMNVAKT_IDENTITY,
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "name": "Hamnvakt port-world observables",
            "description": "Vessels (x-hamnvakt-vessel: mmsi, imo, name), containers, seals, vehicles, phones, companies and consignments as port security observes them.",
            "schema": "https://hamnvakt.invalid/stix/port-observables-1.0.json",
            "version": "1.0.0",
            "extension_types": ["new-sco"],
        }),
        json!({
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": HAMNVAKT_SDO_EXTENSION,
            "created_by_ref": HAMNVAKT_IDENTITY,
            "created": "2026-12-05T00:00:00.000Z",
            "modified": "2026-12-05T00:00:00.000Z",
            "name": "Hamnvakt port-security objects",
            "description": "Best practices ports share in the alliance (x-hamnvakt-best-practice: name, description, effort low/medium/high, cost_band under100k/to1m/to10m/over10m in SEK, evidence_of_effect, the harmonised catalogue's controls it helps to meet with catalogue_version, and the modi_operandi it addresses).",
            "schema": "https://hamnvakt.invalid/stix/port-objects-1.0.json",
            "version": "1.0.0",
            "extension_types": ["new-sdo"],
        }),
    ]
}

/// A STIX id of type `ty` that is the same every time it is made from `name`: the bits of a
/// name-based UUID (v5) marked as version 4, because the OASIS validator's strict mode takes
/// only version-4 UUIDs for objects it does not know (custom observables) and for relationships. For what is exported
/// on demand and never filed (an alert's bundle), where the same object must keep its id.
pub fn stable_id(ty: &str, name: &str) -> String {
    let bytes = *Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()).as_bytes();
    format!(
        "{ty}--{}",
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
    )
}

/// One of Hamnvakt's cyber-observables (`x-hamnvakt-…`, a `new-sco` of
/// [`HAMNVAKT_EXTENSION`]) with these properties, each a string. `id` is a fresh
/// `<type>--<UUIDv4>`: a custom observable has no ID-contributing properties STIX knows of,
/// so its id is random (the OASIS validator insists), and each sighting files its own copy
/// under its own marking — one sighting's marking never decides who sees another's.
pub fn observable(ty: &str, id: &str, properties: &[(&str, &str)]) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("type".into(), json!(ty));
    o.insert("spec_version".into(), json!("2.1"));
    o.insert("id".into(), json!(id));
    for (name, value) in properties {
        o.insert((*name).into(), json!(value));
    }
    o.insert(
        "extensions".into(),
        json!({HAMNVAKT_EXTENSION: {"extension_type": "new-sco"}}),
    );
    Value::Object(o)
}

/// A vessel as a cyber-observable, with what an MMSI or IMO indicator's pattern compares
/// (`x-hamnvakt-vessel:mmsi`, `x-hamnvakt-vessel:imo`: the digits as text); see
/// [`observable`] for its id.
pub fn vessel(id: &str, mmsi: &str, imo: Option<&str>, name: Option<&str>) -> Value {
    let mut properties = vec![("mmsi", mmsi)];
    properties.extend(imo.map(|imo| ("imo", imo)));
    properties.extend(name.map(|name| ("name", name)));
    observable("x-hamnvakt-vessel", id, &properties)
}

/// An object received from outside, with what Hamnvakt needs to file it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub id: String,
    pub ty: String,
    pub created_ms: Option<i64>,
    /// `modified`, or for unversioned objects (SCOs, marking-definitions) `created` or 0.
    pub modified_ms: i64,
    pub revoked: bool,
    /// The most restrictive TLP marking on the object, if it carries one.
    pub tlp: Option<Tlp>,
    pub created_by: Option<String>,
    /// The object as it came, without `object_marking_refs` (markings are kept as fields).
    pub body: Map<String, Value>,
}

/// Why an object of a bundle was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its index in `objects`.
    pub index: usize,
    pub id: Option<String>,
    pub error: FieldError,
}

/// A read bundle: what holds, and what does not with where and why.
#[derive(Debug, Clone, Default)]
pub struct ReadBundle {
    pub objects: Vec<Incoming>,
    pub rejected: Vec<Rejected>,
}

/// A bundle that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BundleError(pub FieldError);

/// Reads a STIX 2.1 bundle (or a TAXII envelope, `{"objects": [...]}`).
pub fn read_bundle(bytes: &[u8]) -> Result<ReadBundle, BundleError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        BundleError(FieldError::new(
            "",
            format!("not JSON at line {} column {}: {e}", e.line(), e.column()),
        ))
    })?;
    read_bundle_value(v)
}

/// [`read_bundle`] on parsed JSON.
pub fn read_bundle_value(v: Value) -> Result<ReadBundle, BundleError> {
    let Value::Object(mut top) = v else {
        return Err(BundleError(FieldError::new(
            "",
            "a bundle is a JSON object",
        )));
    };
    if let Some(t) = top.get("type") {
        if t != "bundle" {
            return Err(BundleError(FieldError::new("type", "expected \"bundle\"")));
        }
    }
    let objects = match top.remove("objects") {
        Some(Value::Array(a)) => a,
        None => Vec::new(),
        Some(_) => {
            return Err(BundleError(FieldError::new("objects", "expected an array")));
        }
    };
    if objects.len() > MAX_BUNDLE_OBJECTS {
        return Err(BundleError(FieldError::new(
            "objects",
            format!(
                "{} objects; at most {MAX_BUNDLE_OBJECTS} in one bundle — split it",
                objects.len()
            ),
        )));
    }
    let mut out = ReadBundle::default();
    for (index, o) in objects.into_iter().enumerate() {
        match read_object(index, o) {
            Ok(Some(inc)) => out.objects.push(inc),
            Ok(None) => {}
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

/// Types Hamnvakt files when they arrive; others are refused with that reason (a TAXII
/// status says so per object).
pub const ACCEPTED_TYPES: &[&str] = &[
    "indicator",
    "report",
    "sighting",
    "note",
    "grouping",
    "relationship",
    "identity",
    "location",
    "incident",
    "observed-data",
    "x-hamnvakt-vessel",
    "x-hamnvakt-container",
    "x-hamnvakt-vehicle",
    BEST_PRACTICE_TYPE,
];

/// One object: `Ok(None)` for what is understood and not filed (marking-definitions,
/// extension-definitions and the identity that authors ours), `Err` with the field path for what does not hold.
fn read_object(index: usize, o: Value) -> Result<Option<Incoming>, Rejected> {
    let reject = |id: Option<String>, field: &str, why: String| Rejected {
        index,
        id,
        error: FieldError::new(format!("objects[{index}].{field}"), why),
    };
    let Value::Object(mut body) = o else {
        return Err(reject(None, "", "an object is a JSON object".into()));
    };
    let id = match body.get("id") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(reject(None, "id", "missing or not a string".into())),
    };
    let ty = match body.get("type") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(reject(Some(id), "type", "missing or not a string".into())),
    };
    if let Err(e) = check_id("id", &id, Some(&ty)) {
        return Err(reject(Some(id), "id", e.reason));
    }
    if body.get("spec_version").and_then(Value::as_str) != Some("2.1") {
        return Err(reject(
            Some(id),
            "spec_version",
            "only STIX 2.1 objects are taken".into(),
        ));
    }
    // Hamnvakt's own identity comes with its extension-definitions, which every export that
    // needs them carries again: filed, it would be in a re-export twice.
    if ty == "marking-definition" || ty == "extension-definition" || id == HAMNVAKT_IDENTITY {
        return Ok(None);
    }
    if !ACCEPTED_TYPES.contains(&ty.as_str()) {
        return Err(reject(
            Some(id),
            "type",
            format!(
                "{ty} objects are not taken here (accepted: {})",
                ACCEPTED_TYPES.join(", ")
            ),
        ));
    }
    let ts = |body: &Map<String, Value>, f: &str| -> Result<Option<i64>, String> {
        match body.get(f) {
            None => Ok(None),
            Some(Value::String(s)) => parse_timestamp(s)
                .map(Some)
                .ok_or_else(|| format!("{s:?} is not a STIX timestamp (RFC 3339, UTC, Z)")),
            Some(_) => Err("not a string".into()),
        }
    };
    let created = ts(&body, "created").map_err(|e| reject(Some(id.clone()), "created", e))?;
    let modified = ts(&body, "modified").map_err(|e| reject(Some(id.clone()), "modified", e))?;
    let is_sco = ty.starts_with("x-hamnvakt-") && !HAMNVAKT_SDO_TYPES.contains(&ty.as_str());
    if !is_sco && (created.is_none() || modified.is_none()) {
        return Err(reject(
            Some(id),
            if created.is_none() {
                "created"
            } else {
                "modified"
            },
            "required on a STIX domain object".into(),
        ));
    }
    if let (Some(c), Some(m)) = (created, modified) {
        if m < c {
            return Err(reject(Some(id), "modified", "earlier than created".into()));
        }
    }
    let mut tlp: Option<Tlp> = None;
    if let Some(refs) = body.remove("object_marking_refs") {
        let Value::Array(refs) = refs else {
            return Err(reject(
                Some(id),
                "object_marking_refs",
                "expected an array".into(),
            ));
        };
        for (i, r) in refs.iter().enumerate() {
            let Some(r) = r.as_str() else {
                return Err(reject(
                    Some(id),
                    &format!("object_marking_refs[{i}]"),
                    "not a string".into(),
                ));
            };
            match tlp_of_marking(r) {
                // Several TLP markings: the most restrictive applies.
                Some(t) => tlp = Some(tlp.map_or(t, |old| old.max(t))),
                None => {
                    return Err(reject(
                        Some(id),
                        &format!("object_marking_refs[{i}]"),
                        format!("{r} is not a TLP marking; objects with other markings are not taken, since they could not be honoured"),
                    ))
                }
            }
        }
    }
    if body.contains_key("granular_markings") {
        return Err(reject(
            Some(id),
            "granular_markings",
            "granular markings are not honoured here, so such objects are not taken".into(),
        ));
    }
    let created_by = match body.get("created_by_ref") {
        None => None,
        Some(Value::String(s)) => {
            if let Err(e) = check_id("created_by_ref", s, Some("identity")) {
                return Err(reject(Some(id), "created_by_ref", e.reason));
            }
            Some(s.clone())
        }
        Some(_) => return Err(reject(Some(id), "created_by_ref", "not a string".into())),
    };
    let revoked = match body.get("revoked") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(reject(Some(id), "revoked", "not a boolean".into())),
    };
    if ty == "indicator" {
        for f in ["pattern", "pattern_type", "valid_from"] {
            if !body.get(f).is_some_and(Value::is_string) {
                return Err(reject(
                    Some(id),
                    f,
                    "required on an indicator, as a string".into(),
                ));
            }
        }
    }
    if ty == "sighting" {
        match body.get("sighting_of_ref").and_then(Value::as_str) {
            Some(r) => {
                if let Err(e) = check_id("sighting_of_ref", r, None) {
                    return Err(reject(Some(id), "sighting_of_ref", e.reason));
                }
            }
            None => {
                return Err(reject(
                    Some(id),
                    "sighting_of_ref",
                    "required on a sighting".into(),
                ))
            }
        }
    }
    Ok(Some(Incoming {
        id,
        ty,
        created_ms: created,
        modified_ms: modified.or(created).unwrap_or(0),
        revoked,
        tlp,
        created_by,
        body,
    }))
}

/// The object as exported: its body with the marking reference added.
pub fn with_marking(body: &Map<String, Value>, tlp: Tlp) -> Value {
    let mut o = body.clone();
    // Unversioned cyber-observables carry their marking like any object.
    o.insert("object_marking_refs".into(), json!([tlp_marking_id(tlp)]));
    Value::Object(o)
}

/// A bundle of objects, with the marking-definitions they reference first.
pub fn bundle(objects: Vec<Value>, tlps: &[Tlp]) -> Value {
    let mut all: Vec<Value> = Vec::with_capacity(objects.len() + 7);
    let mut seen: Vec<Tlp> = tlps.to_vec();
    seen.sort();
    seen.dedup();
    all.extend(seen.into_iter().map(tlp_marking_definition));
    all.extend(objects);
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", Uuid::new_v4()),
        "objects": all,
    })
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
    fn every_tlp_has_its_fixed_marking_and_reads_back() {
        for t in Tlp::ALL {
            assert_eq!(tlp_of_marking(tlp_marking_id(t)), Some(t));
            let d = tlp_marking_definition(t);
            assert_eq!(d["id"], tlp_marking_id(t));
        }
        // TLP 1.0 WHITE is CLEAR.
        assert_eq!(
            tlp_of_marking("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
    }

    #[test]
    fn timestamps_round_trip() {
        let ms = 1_764_633_600_123;
        assert_eq!(timestamp(ms), "2025-12-02T00:00:00.123Z");
        assert_eq!(parse_timestamp(&timestamp(ms)), Some(ms));
        assert_eq!(parse_timestamp("2025-12-02T00:00:00+01:00"), None);
    }

    #[test]
    fn bad_objects_are_rejected_with_their_path_and_the_rest_kept() {
        let b = json!({"type": "bundle", "id": "bundle--6d1f6a38-4d3c-4c2b-9d62-1f4c1a0b9e11", "objects": [
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
             "pattern": "[x-hamnvakt-container:number = 'MSCU1234565']", "pattern_type": "stix",
             "valid_from": "2026-01-01T00:00:00Z",
             "object_marking_refs": [tlp_marking_id(Tlp::Green), tlp_marking_id(Tlp::Amber)]},
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--nope"},
            {"type": "malware", "spec_version": "2.1", "id": "malware--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"},
            tlp_marking_definition(Tlp::Green),
            "text",
            extension_objects()[0].clone(),
            extension_objects()[1].clone()
        ]});
        let r = read_bundle(b.to_string().as_bytes()).unwrap();
        assert_eq!(r.objects.len(), 1);
        assert_eq!(r.objects[0].tlp, Some(Tlp::Amber));
        let paths: Vec<&str> = r.rejected.iter().map(|x| x.error.field.as_str()).collect();
        assert_eq!(paths, ["objects[1].id", "objects[2].type", "objects[4]."]);
        assert!(read_bundle(b"{").is_err());
        assert!(read_bundle(b"[]").is_err());
    }

    #[test]
    fn vessel_patterns_compare_what_the_vessel_observable_carries() {
        use crate::indicator::IndicatorKind;
        let id = "x-hamnvakt-vessel--1c0f9e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f";
        let v = vessel(id, "265123456", Some("9134270"), Some("LOTUS"));
        assert!(check_id("id", v["id"].as_str().unwrap(), Some("x-hamnvakt-vessel")).is_ok());
        for (kind, value) in [
            (IndicatorKind::Mmsi, "265123456"),
            (IndicatorKind::Imo, "9134270"),
        ] {
            let pattern = kind.pattern(value);
            assert_eq!(
                IndicatorKind::from_pattern(&pattern),
                Some((kind, value.to_owned()))
            );
            assert_eq!(
                kind.observed_in(&v).as_deref(),
                Some(value),
                "{pattern} against {v}"
            );
        }
        // Another vessel does not carry the value; nor does another observable type.
        let other = vessel(id, "230000001", None, None);
        assert_eq!(IndicatorKind::Imo.observed_in(&other), None);
        assert_ne!(
            IndicatorKind::Mmsi.observed_in(&other).as_deref(),
            Some("265123456")
        );
        assert_eq!(IndicatorKind::ContainerNumber.observed_in(&v), None);
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id(
            "id",
            "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            Some("indicator")
        )
        .is_ok());
        assert!(check_id(
            "id",
            "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            Some("report")
        )
        .is_err());
        assert!(check_id(
            "id",
            "Indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            None
        )
        .is_err());
        assert!(check_id("id", "indicator--0f1e2d3c4b5a49688776a5b4c3d2e1f0", None).is_err());
    }
}
