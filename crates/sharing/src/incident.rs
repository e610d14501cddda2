//! Incidents and cases in STIX 2.1: an incident version is a STIX `incident` carrying the
//! OASIS Incident Core Extension (a property-extension: `determination`,
//! `investigation_status`, `criticality`, `detection_methods`), and a case is a `grouping`
//! of its incidents with the context `suspicious-activity`.
//!
//! The extension's definition is published by OASIS in cti-stix-common-objects
//! (`objects/extension-definition/extension-definition--ef765651-….json`, version 1.1.0); a
//! bundle that carries an incident carries that object too, as [`extension_objects`] gives
//! it. The bodies here have no marking references: the sharing store keeps the marking beside
//! the body and adds them on the way out ([`crate::stix::with_marking`]).

use hamnvakt_core::alert::{Severity, SubjectRef};
use hamnvakt_core::entity::{EntityRef, VesselKey};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::tlp::Tlp;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::stix;

/// The OASIS Incident Core Extension.
pub const INCIDENT_CORE_EXTENSION: &str =
    "extension-definition--ef765651-680c-498d-9894-99799f2fa126";

/// The extension-definition object as OASIS publishes it (its author's identity is not
/// published with it, so it is referenced, not included).
pub fn extension_objects() -> [Value; 1] {
    [json!({
        "id": INCIDENT_CORE_EXTENSION,
        "type": "extension-definition",
        "spec_version": "2.1",
        "name": "Incident Core Extension",
        "description": "A core extension of the Incident object to allow core details of the Incident to be shared while tracking major details tied to the incident's timeline.  Multiple Incidents can be tied together via relationships if a higher degree of fidelity is needed across phases.",
        "created": "2020-10-19T20:51:00.000Z",
        "modified": "2022-10-27T15:09:00.000Z",
        "created_by_ref": "identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a",
        "schema": "https://github.com/oasis-open/cti-stix-common-objects/tree/main/extension-definition-specifications/incident-core",
        "version": "1.1.0",
        "extension_types": ["property-extension"],
    })]
}

/// The extension's `determination` vocabulary (closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Determination {
    Suspected,
    SuccessfulAttempt,
    Blocked,
    FailedAttempt,
    LowValue,
    FalsePositive,
}

impl Determination {
    pub fn as_str(self) -> &'static str {
        match self {
            Determination::Suspected => "suspected",
            Determination::SuccessfulAttempt => "successful-attempt",
            Determination::Blocked => "blocked",
            Determination::FailedAttempt => "failed-attempt",
            Determination::LowValue => "low-value",
            Determination::FalsePositive => "false-positive",
        }
    }
}

/// The extension's `investigation_status`: `new` until someone acts, then `open`, then
/// `closed` (the values the extension's specification recommends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvestigationStatus {
    New,
    Open,
    Closed,
}

impl InvestigationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvestigationStatus::New => "new",
            InvestigationStatus::Open => "open",
            InvestigationStatus::Closed => "closed",
        }
    }
}

/// The extension's `criticality` (0 to 100) of a severity.
pub fn criticality(s: Severity) -> i64 {
    s.rank() * 25
}

/// One version of an incident, as the STIX mapping needs it.
#[derive(Debug, Clone)]
pub struct IncidentVersion<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub description: &'a str,
    pub owner_org: OrgId,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub severity: Severity,
    pub status: InvestigationStatus,
    pub determination: Determination,
    /// What detected it: the kinds of its alerts (`release.driver_mismatch`), or a person.
    pub detection_methods: Vec<String>,
}

/// The STIX id of an incident.
pub fn incident_id(id: Uuid) -> String {
    format!("incident--{}", id.hyphenated())
}

/// The STIX `incident` of one version.
pub fn incident(v: &IncidentVersion<'_>) -> Value {
    let mut ext = json!({
        "extension_type": "property-extension",
        "determination": v.determination.as_str(),
        "investigation_status": v.status.as_str(),
        "criticality": criticality(v.severity),
    });
    let mut methods = v.detection_methods.clone();
    methods.sort();
    methods.dedup();
    if !methods.is_empty() {
        if let Some(o) = ext.as_object_mut() {
            o.insert("detection_methods".into(), json!(methods));
        }
    }
    let mut o = json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id(v.id),
        "created": stix::timestamp(v.created_ms),
        "modified": stix::timestamp(v.modified_ms),
        "created_by_ref": stix::identity_id(v.owner_org),
        "name": v.name,
        "extensions": { INCIDENT_CORE_EXTENSION: ext },
    });
    if !v.description.is_empty() {
        if let Some(m) = o.as_object_mut() {
            m.insert("description".into(), json!(v.description));
        }
    }
    o
}

/// A thing an alert or an incident is about that a partner can match on, as one of
/// Hamnvakt's cyber-observables, with the properties the indicators' patterns compare. People
/// and their cards are not among them: what leaves names things, never persons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observable {
    /// A vessel by its MMSI (nine digits) or its IMO number (seven), with the name it is
    /// labelled with.
    Vessel {
        mmsi: Option<String>,
        imo: Option<String>,
        name: Option<String>,
    },
    /// A container by its ISO 6346 number (`x-hamnvakt-container:number`).
    Container(String),
    /// A truck or car by its plate (`x-hamnvakt-vehicle:plate`).
    Vehicle(String),
}

impl Observable {
    /// What a subject (of an alert, or an incident's entity) is as an observable: a vessel,
    /// a container or a vehicle; `None` for anything else (people, cards, organisations,
    /// places), and for a reference that does not parse.
    pub fn of_subject(s: &SubjectRef) -> Option<Observable> {
        Some(match EntityRef::from_subject(s).ok()? {
            EntityRef::Vessel(VesselKey::Mmsi(n)) => Observable::Vessel {
                mmsi: Some(format!("{n:09}")),
                imo: None,
                name: s.label.clone(),
            },
            EntityRef::Vessel(VesselKey::Imo(n)) => Observable::Vessel {
                mmsi: None,
                imo: Some(format!("{n:07}")),
                name: s.label.clone(),
            },
            EntityRef::Container(n) => Observable::Container(n),
            EntityRef::Vehicle(p) => Observable::Vehicle(p),
            _ => return None,
        })
    }

    /// The observable, its id named from the incident's and what identifies the thing, so
    /// every export names it the same way; `None` for a vessel with neither number.
    fn object(&self, incident: Uuid) -> Option<Value> {
        Some(match self {
            Observable::Vessel { mmsi, imo, name } => {
                // An MMSI-named vessel keeps the id it had before IMO numbers were exported.
                let key = match (mmsi, imo) {
                    (Some(mmsi), _) => format!("{incident}:{mmsi}"),
                    (None, Some(imo)) => format!("{incident}:imo:{imo}"),
                    (None, None) => return None,
                };
                let id = stix::stable_id("x-hamnvakt-vessel", &key);
                let mut properties = Vec::with_capacity(3);
                properties.extend(mmsi.as_deref().map(|m| ("mmsi", m)));
                properties.extend(imo.as_deref().map(|i| ("imo", i)));
                properties.extend(name.as_deref().map(|n| ("name", n)));
                stix::observable("x-hamnvakt-vessel", &id, &properties)
            }
            Observable::Container(number) => {
                let id = stix::stable_id("x-hamnvakt-container", &format!("{incident}:{number}"));
                stix::observable("x-hamnvakt-container", &id, &[("number", number)])
            }
            Observable::Vehicle(plate) => {
                let id = stix::stable_id("x-hamnvakt-vehicle", &format!("{incident}:{plate}"));
                stix::observable("x-hamnvakt-vehicle", &id, &[("plate", plate)])
            }
        })
    }
}

/// The things an incident is about ([`Observable`]), each as Hamnvakt's cyber-observable and
/// a `related-to` relationship from the incident. Their ids derive from the incident's, so
/// every export names them the same way. Bodies without markings, as [`incident`]'s.
pub fn related(v: &IncidentVersion<'_>, observed: &[Observable]) -> Vec<Value> {
    let mut out = Vec::with_capacity(observed.len() * 2);
    for object in observed.iter().filter_map(|o| o.object(v.id)) {
        let target = object.get("id").cloned().unwrap_or(Value::Null);
        let rel = stix::stable_id(
            "relationship",
            &format!("{}:{}", v.id, target.as_str().unwrap_or_default()),
        );
        out.push(object);
        out.push(json!({
            "type": "relationship",
            "spec_version": "2.1",
            "id": rel,
            "created": stix::timestamp(v.created_ms),
            // Restated with every version of the incident (the shared-object store files
            // each version's relationships under that version's marking).
            "modified": stix::timestamp(v.modified_ms.max(v.created_ms)),
            "created_by_ref": stix::identity_id(v.owner_org),
            "relationship_type": "related-to",
            "source_ref": incident_id(v.id),
            "target_ref": target,
        }));
    }
    out
}

/// An alert as STIX: an `incident` carrying the Incident Core Extension (the way threat
/// intelligence platforms exchange alerts: `determination` suspected until it is closed,
/// `investigation_status` new until someone acts on it, `detection_methods` the detector's
/// kind), then what it is about, as [`related`] gives it. Bodies without markings, as
/// [`incident`]'s.
pub fn alert(v: &IncidentVersion<'_>, observed: &[Observable]) -> Vec<Value> {
    let mut out = vec![incident(v)];
    out.extend(related(v, observed));
    out
}

/// The bundle of one alert or incident under its marking: its author's identity (when
/// known), the extension-definitions its objects use, and `objects` ([`incident`] or
/// [`alert`], with [`related`]'s observables), each marked `tlp`.
pub fn bundle(author: Option<Value>, objects: &[Value], tlp: Tlp) -> Value {
    let mut all = Vec::with_capacity(objects.len() + 4);
    all.extend(author);
    all.extend(extension_objects());
    if objects.len() > 1 {
        all.extend(stix::extension_objects());
    }
    for o in objects {
        if let Value::Object(m) = o {
            all.push(stix::with_marking(m, tlp));
        }
    }
    stix::bundle(all, &[tlp])
}

/// A case as a STIX `grouping` of the incidents it names; `None` while it names none (a
/// grouping must reference at least one object).
#[allow(clippy::too_many_arguments)]
pub fn grouping(
    id: Uuid,
    name: &str,
    description: &str,
    owner_org: OrgId,
    created_ms: i64,
    modified_ms: i64,
    incidents: &[Uuid],
) -> Option<Value> {
    if incidents.is_empty() {
        return None;
    }
    let refs: Vec<String> = incidents.iter().map(|u| incident_id(*u)).collect();
    let mut o = json!({
        "type": "grouping",
        "spec_version": "2.1",
        "id": format!("grouping--{}", id.hyphenated()),
        "created": stix::timestamp(created_ms),
        "modified": stix::timestamp(modified_ms),
        "created_by_ref": stix::identity_id(owner_org),
        "name": name,
        "context": "suspicious-activity",
        "object_refs": refs,
    });
    if !description.is_empty() {
        if let Some(m) = o.as_object_mut() {
            m.insert("description".into(), json!(description));
        }
    }
    Some(o)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use hamnvakt_core::ids::Id;

    /// A refused driver's incident, open and blocked.
    fn refused_driver() -> IncidentVersion<'static> {
        IncidentVersion {
            id: Uuid::from_bytes([1; 16]),
            name: "Refused driver",
            description: "",
            owner_org: Id::from_random_bytes([2; 16]),
            created_ms: 1_764_633_600_000,
            modified_ms: 1_764_633_600_001,
            severity: Severity::High,
            status: InvestigationStatus::Open,
            determination: Determination::Blocked,
            detection_methods: vec!["release.driver_mismatch".into(); 2],
        }
    }

    #[test]
    fn an_incident_carries_the_core_extension() {
        let v = refused_driver();
        let o = incident(&v);
        let ext = &o["extensions"][INCIDENT_CORE_EXTENSION];
        assert_eq!(ext["extension_type"], "property-extension");
        assert_eq!(ext["determination"], "blocked");
        assert_eq!(ext["investigation_status"], "open");
        assert_eq!(ext["criticality"], 75);
        assert_eq!(ext["detection_methods"], json!(["release.driver_mismatch"]));
        assert!(o.get("description").is_none());
        assert_eq!(o["modified"], "2025-12-02T00:00:00.001Z");
        assert_eq!(criticality(Severity::Critical), 100);
        assert_eq!(criticality(Severity::Info), 0);
    }

    #[test]
    fn a_grouping_needs_an_incident() {
        let org = Id::from_random_bytes([2; 16]);
        let u = Uuid::from_bytes([3; 16]);
        assert!(grouping(u, "Case", "", org, 1, 2, &[]).is_none());
        let g = grouping(u, "Case", "", org, 1, 2, &[u]).unwrap();
        assert_eq!(g["context"], "suspicious-activity");
        assert_eq!(g["object_refs"][0], incident_id(u));
    }

    #[test]
    fn an_alert_relates_each_observable_under_ids_of_its_own() {
        let v = refused_driver();
        let things = [
            Observable::Container("MSKU4839210".into()),
            // A vessel with neither number cannot be matched on: left out.
            Observable::Vessel {
                mmsi: None,
                imo: None,
                name: Some("Unknown".into()),
            },
            Observable::Vehicle("ABC123".into()),
        ];
        let out = alert(&v, &things);
        let types: Vec<&str> = out.iter().map(|o| o["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "incident",
                "x-hamnvakt-container",
                "relationship",
                "x-hamnvakt-vehicle",
                "relationship"
            ]
        );
        assert_eq!(out[1]["number"], "MSKU4839210");
        assert_eq!(out[2]["target_ref"], out[1]["id"]);
        assert_eq!(out[3]["plate"], "ABC123");
        assert_eq!(out[4]["source_ref"], incident_id(v.id));
        // The same ids at every export, and another alert's differ.
        assert_eq!(alert(&v, &things), out);
        let other = IncidentVersion {
            id: Uuid::from_bytes([5; 16]),
            ..refused_driver()
        };
        assert_ne!(alert(&other, &things)[1]["id"], out[1]["id"]);
    }
}
