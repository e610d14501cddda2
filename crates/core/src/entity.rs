//! One identity for each thing: a typed reference to a container, a consignment, a vessel (by
//! MMSI or IMO number), a vessel call, a person, a credential, a vehicle, an organisation, a
//! release, a gate, a zone or a site.
//!
//! Alerts, incidents, evidence and correlation rules name what they are about with an
//! [`EntityRef`], written `kind:key` (`container:MSKU4839210`, `vessel:mmsi:265123456`,
//! `vessel:imo:9214432`, `vessel_call:imo:9214432/SENYN/2026-12-05`, `person:<uuid>`). Parsing
//! is total: every string either is one reference, in its one canonical form, or is refused
//! with the reason. An alert's [`SubjectRef`] keeps the kind and the key apart (`kind: vessel`,
//! `reference: mmsi:265123456`); [`EntityRef::from_subject`] joins them and also reads the
//! forms stored before the references were typed (`person:<uuid>` under the person kind, a
//! bare MMSI under the vessel kind, `org:<uuid>`), so old alerts and incidents stay readable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::alert::{SubjectKind, SubjectRef};

/// How a vessel is identified: its MMSI (what AIS transmits) or its IMO ship number (what
/// manifests and port-call systems use; it stays with the hull when the flag and MMSI change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VesselKey {
    Mmsi(u32),
    Imo(u32),
}

impl fmt::Display for VesselKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VesselKey::Mmsi(n) => write!(f, "mmsi:{n:09}"),
            VesselKey::Imo(n) => write!(f, "imo:{n:07}"),
        }
    }
}

impl FromStr for VesselKey {
    type Err = EntityError;
    fn from_str(s: &str) -> Result<Self, EntityError> {
        let (scheme, number) = s.split_once(':').ok_or_else(|| {
            EntityError::new(
                s,
                "a vessel is `mmsi:` and nine digits or `imo:` and seven digits",
            )
        })?;
        let digits = |n: usize| -> Result<u32, EntityError> {
            if number.len() == n && number.bytes().all(|b| b.is_ascii_digit()) {
                number
                    .parse()
                    .map_err(|_| EntityError::new(s, "not a number"))
            } else {
                Err(EntityError::new(
                    s,
                    format!("{scheme} must be exactly {n} digits"),
                ))
            }
        };
        match scheme.to_ascii_lowercase().as_str() {
            "mmsi" => Ok(VesselKey::Mmsi(digits(9)?)),
            "imo" => Ok(VesselKey::Imo(digits(7)?)),
            _ => Err(EntityError::new(
                s,
                "a vessel is identified by `mmsi:` or `imo:`",
            )),
        }
    }
}

/// One call of a vessel at a port on a day: what a manifest names (`IMO 9214432 SENYN
/// 2026-12-05`), resolved by the maritime picture to the vessel's AIS track and port visit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VesselCall {
    pub vessel: VesselKey,
    /// The port's UN/LOCODE (five letters; a terminal suffix `-XXX` allowed: `SENYN-NVK`).
    pub port: String,
    /// The local date of the call, `YYYY-MM-DD`.
    pub date: String,
}

/// A typed reference to one thing the port knows about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityRef {
    /// An ISO 6346 container number: owner code, category, six digits and check digit.
    Container(String),
    /// A customs declaration or manifest line, by its declaration id.
    Consignment(String),
    Vessel(VesselKey),
    VesselCall(VesselCall),
    Person(Uuid),
    /// A badge or port ID card, by its printed number.
    Credential(String),
    /// A truck or car, by its plate (upper case, without spaces or dashes).
    Vehicle(String),
    Organisation(Uuid),
    Release(Uuid),
    /// A gate or reader, by its code (`KPS-F1`).
    Gate(String),
    Zone(String),
    /// A site, by its code (`NVK`).
    Site(String),
}

/// Why a string is not an entity reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an entity reference: {reason}")]
pub struct EntityError {
    pub input: String,
    pub reason: String,
}

impl EntityError {
    fn new(input: &str, reason: impl Into<String>) -> EntityError {
        EntityError {
            input: input.chars().take(80).collect(),
            reason: reason.into(),
        }
    }
}

/// The longest key any kind accepts.
pub const MAX_KEY_CHARS: usize = 64;

impl EntityRef {
    /// The kind of subject this is, as alerts record it.
    pub fn kind(&self) -> SubjectKind {
        match self {
            EntityRef::Container(_) => SubjectKind::Container,
            EntityRef::Consignment(_) => SubjectKind::Consignment,
            EntityRef::Vessel(_) => SubjectKind::Vessel,
            EntityRef::VesselCall(_) => SubjectKind::VesselCall,
            EntityRef::Person(_) => SubjectKind::Person,
            EntityRef::Credential(_) => SubjectKind::Credential,
            EntityRef::Vehicle(_) => SubjectKind::Vehicle,
            EntityRef::Organisation(_) => SubjectKind::Organisation,
            EntityRef::Release(_) => SubjectKind::Release,
            EntityRef::Gate(_) => SubjectKind::Gate,
            EntityRef::Zone(_) => SubjectKind::Zone,
            EntityRef::Site(_) => SubjectKind::Site,
        }
    }

    /// The key within its kind, as an alert's subject stores it (`mmsi:265123456`, a uuid).
    pub fn key(&self) -> String {
        match self {
            EntityRef::Container(s)
            | EntityRef::Consignment(s)
            | EntityRef::Credential(s)
            | EntityRef::Vehicle(s)
            | EntityRef::Gate(s)
            | EntityRef::Zone(s)
            | EntityRef::Site(s) => s.clone(),
            EntityRef::Vessel(v) => v.to_string(),
            EntityRef::VesselCall(c) => format!("{}/{}/{}", c.vessel, c.port, c.date),
            EntityRef::Person(u) | EntityRef::Organisation(u) | EntityRef::Release(u) => {
                u.hyphenated().to_string()
            }
        }
    }

    /// This reference as an alert's subject, with a label for people.
    pub fn subject(&self, label: Option<String>) -> SubjectRef {
        SubjectRef {
            kind: self.kind(),
            reference: self.key(),
            label,
        }
    }

    /// Parses a key of a given kind, in its canonical form or a recognised spelling of it
    /// (lower-case container numbers, a plate with spaces).
    pub fn parse_key(kind: SubjectKind, key: &str) -> Result<EntityRef, EntityError> {
        let k = key.trim();
        if k.is_empty() {
            return Err(EntityError::new(key, "the key is empty"));
        }
        if k.chars().count() > MAX_KEY_CHARS + 20 {
            return Err(EntityError::new(
                key,
                format!("a key is at most {MAX_KEY_CHARS} characters"),
            ));
        }
        Ok(match kind {
            SubjectKind::Container => EntityRef::Container(container(k)?),
            SubjectKind::Consignment => EntityRef::Consignment(declaration(k)?),
            SubjectKind::Vessel => EntityRef::Vessel(k.parse()?),
            SubjectKind::VesselCall => EntityRef::VesselCall(vessel_call(k)?),
            SubjectKind::Person => EntityRef::Person(uuid(k, "person")?),
            SubjectKind::Organisation => EntityRef::Organisation(uuid(k, "organisation")?),
            SubjectKind::Release => EntityRef::Release(uuid(k, "release")?),
            SubjectKind::Credential => EntityRef::Credential(code(k)?),
            SubjectKind::Vehicle => EntityRef::Vehicle(plate(k)?),
            SubjectKind::Gate => EntityRef::Gate(code(k)?),
            SubjectKind::Zone => EntityRef::Zone(code(k)?),
            SubjectKind::Site => EntityRef::Site(code(k)?),
        })
    }

    /// The entity an alert's or incident's subject names, reading the forms stored before
    /// references were typed too: `person:<uuid>` and `org:<uuid>` under their kinds, and
    /// a bare nine-digit MMSI (or `vessel:<mmsi>`) under the vessel kind.
    pub fn from_subject(s: &SubjectRef) -> Result<EntityRef, EntityError> {
        let r = s.reference.trim();
        let prefixed = |p: &str| r.strip_prefix(p).map(str::to_owned);
        let legacy = match s.kind {
            SubjectKind::Person => prefixed("person:"),
            SubjectKind::Organisation => prefixed("org:").or_else(|| prefixed("organisation:")),
            SubjectKind::Release => prefixed("release:"),
            SubjectKind::Vessel => {
                let bare = prefixed("vessel:").unwrap_or_else(|| r.to_owned());
                (bare.len() == 9 && bare.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| format!("mmsi:{bare}"))
                    .or_else(|| prefixed("vessel:"))
            }
            _ => None,
        };
        EntityRef::parse_key(s.kind, legacy.as_deref().unwrap_or(r))
    }

    /// The console page about this thing.
    pub fn page(&self) -> String {
        format!("/entities/{}", self)
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", prefix(self.kind()), self.key())
    }
}

/// The word before the colon: the kind's name.
fn prefix(kind: SubjectKind) -> &'static str {
    kind.as_str()
}

impl FromStr for EntityRef {
    type Err = EntityError;
    fn from_str(s: &str) -> Result<Self, EntityError> {
        let (kind, key) = s.split_once(':').ok_or_else(|| {
            EntityError::new(s, "write it as kind:key, e.g. container:MSKU4839210")
        })?;
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "vessel-call" | "vessel_call" => SubjectKind::VesselCall,
            "org" => SubjectKind::Organisation,
            other => other.parse::<SubjectKind>().map_err(|_| {
                let names: Vec<&str> = SubjectKind::ALL.iter().map(|k| prefix(*k)).collect();
                EntityError::new(
                    s,
                    format!(
                        "unknown kind {other:?}; expected one of {}",
                        names.join(", ")
                    ),
                )
            })?,
        };
        EntityRef::parse_key(kind, key)
    }
}

impl Serialize for EntityRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EntityRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn container(k: &str) -> Result<String, EntityError> {
    let c: String = k
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let b = c.as_bytes();
    let ok = b.len() == 11
        && b.iter().take(4).all(u8::is_ascii_uppercase)
        && b.iter().skip(4).all(u8::is_ascii_digit)
        && matches!(b.get(3), Some(b'U' | b'J' | b'Z'));
    if ok {
        Ok(c)
    } else {
        Err(EntityError::new(
            k,
            "a container number is three letters, U, J or Z, and seven digits (ISO 6346: MSKU4839210)",
        ))
    }
}

fn declaration(k: &str) -> Result<String, EntityError> {
    let ok = k.chars().count() <= MAX_KEY_CHARS
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(k.to_owned())
    } else {
        Err(EntityError::new(
            k,
            "a declaration id is at most 64 letters, digits and - _ . /",
        ))
    }
}

fn uuid(k: &str, what: &str) -> Result<Uuid, EntityError> {
    Uuid::parse_str(k)
        .map_err(|_| EntityError::new(k, format!("a {what} is named by its id (a UUID)")))
}

fn code(k: &str) -> Result<String, EntityError> {
    if k.chars().count() > MAX_KEY_CHARS {
        return Err(EntityError::new(
            k,
            format!("a code is at most {MAX_KEY_CHARS} characters"),
        ));
    }
    if k.chars()
        .any(|c| c.is_control() || crate::validate::bidi_control(c))
    {
        return Err(EntityError::new(
            k,
            "a code has no control or direction characters",
        ));
    }
    Ok(k.to_owned())
}

fn plate(k: &str) -> Result<String, EntityError> {
    let p: String = k
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    if (2..=12).contains(&p.chars().count()) && p.chars().all(char::is_alphanumeric) {
        Ok(p)
    } else {
        Err(EntityError::new(
            k,
            "a plate is 2 to 12 letters and digits (spaces and dashes are dropped)",
        ))
    }
}

fn locode(k: &str) -> bool {
    let b = k.as_bytes();
    let (head, tail) = b.split_at(b.len().min(5));
    head.len() == 5
        && head.iter().all(u8::is_ascii_uppercase)
        && (tail.is_empty()
            || (tail.first() == Some(&b'-')
                && (2..=5).contains(&tail.len())
                && tail.iter().skip(1).all(u8::is_ascii_alphanumeric)))
}

fn date(k: &str) -> bool {
    k.parse::<jiff::civil::Date>().is_ok() && k.len() == 10
}

fn vessel_call(k: &str) -> Result<VesselCall, EntityError> {
    let mut parts = k.split('/');
    let (Some(v), Some(port), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(EntityError::new(
            k,
            "a vessel call is vessel/port/date: imo:9214432/SENYN/2026-12-05",
        ));
    };
    let vessel = v.parse()?;
    let port = port.to_ascii_uppercase();
    if !locode(&port) {
        return Err(EntityError::new(
            k,
            "the port is a UN/LOCODE: five letters (SENYN), optionally -terminal",
        ));
    }
    if !date(day) {
        return Err(EntityError::new(k, "the date is YYYY-MM-DD"));
    }
    Ok(VesselCall {
        vessel,
        port,
        date: day.to_owned(),
    })
}

/// How a manifest names the vessel of a call, before the maritime picture resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallVessel {
    Key(VesselKey),
    /// Only the vessel's name (`UNIFEEDER`): the picture finds the vessel that transmits it.
    Name(String),
}

/// A manifest's vessel call as written (`IMO 9214432 SENYN 2026-12-05`, `MMSI 265123456 SENYN
/// 2026-12-05`, `UNIFEEDER SENYN 2026-12-05`, or already `imo:9214432/SENYN/2026-12-05`):
/// the vessel as named, the port and the date.
pub fn parse_manifest_call(text: &str) -> Result<(CallVessel, String, String), EntityError> {
    if let Ok(c) = vessel_call(text.trim()) {
        return Ok((CallVessel::Key(c.vessel), c.port, c.date));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let n = words.len();
    let (Some(port), Some(day)) = (
        n.checked_sub(2).and_then(|i| words.get(i)),
        n.checked_sub(1).and_then(|i| words.get(i)),
    ) else {
        return Err(EntityError::new(
            text,
            "a vessel call ends with the port's UN/LOCODE and the date",
        ));
    };
    let port = port.to_ascii_uppercase();
    if !locode(&port) || !date(day) {
        return Err(EntityError::new(
            text,
            "a vessel call ends with the port's UN/LOCODE and the date (SENYN 2026-12-05)",
        ));
    }
    let head = words.get(..n - 2).unwrap_or_default();
    let vessel = match head {
        [] => {
            return Err(EntityError::new(text, "the vessel is missing"));
        }
        [scheme, number]
            if scheme.eq_ignore_ascii_case("imo") || scheme.eq_ignore_ascii_case("mmsi") =>
        {
            CallVessel::Key(format!("{}:{number}", scheme.to_ascii_lowercase()).parse()?)
        }
        words => CallVessel::Name(words.join(" ")),
    };
    Ok((vessel, port, (*day).to_owned()))
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_round_trip() {
        for s in [
            "container:MSKU4839210",
            "consignment:SE-IMP-2026-118734",
            "vessel:mmsi:265123456",
            "vessel:imo:9214432",
            "vessel_call:imo:9214432/SENYN-NVK/2026-12-05",
            "person:0190a3c4-1d2e-7f00-8000-000000000001",
            "credential:SH-118730",
            "vehicle:ABC123",
            "organisation:0190a3c4-1d2e-7f00-8000-000000000002",
            "release:0190a3c4-1d2e-7f00-8000-000000000003",
            "gate:KPS-F1",
            "zone:NVK reefer stack",
            "site:NVK",
        ] {
            let e: EntityRef = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(e.to_string(), s);
            assert_eq!(
                EntityRef::from_subject(&e.subject(None)),
                Ok(e.clone()),
                "{s}"
            );
            let json = serde_json::to_string(&e).unwrap_or_default();
            assert_eq!(serde_json::from_str::<EntityRef>(&json).ok(), Some(e));
        }
    }

    #[test]
    fn spellings_are_normalised() {
        let cases = [
            ("container:msku 483921 0", "container:MSKU4839210"),
            ("vehicle:abc 12-3", "vehicle:ABC123"),
            (
                "org:0190a3c4-1d2e-7f00-8000-000000000002",
                "organisation:0190a3c4-1d2e-7f00-8000-000000000002",
            ),
            ("vessel:MMSI:265123456", "vessel:mmsi:265123456"),
            (
                "vessel-call:imo:9214432/senyn/2026-12-05",
                "vessel_call:imo:9214432/SENYN/2026-12-05",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                input.parse::<EntityRef>().map(|e| e.to_string()).as_deref(),
                Ok(want),
                "{input}"
            );
        }
    }

    #[test]
    fn bad_references_are_refused_with_the_reason() {
        let cases = [
            ("MSKU4839210", "kind:key"),
            ("ship:mmsi:265123456", "unknown kind"),
            ("container:MSK4839210", "ISO 6346"),
            ("container:", "empty"),
            ("vessel:265123456", "mmsi"),
            ("vessel:mmsi:26512345", "exactly 9 digits"),
            ("vessel:imo:92144321", "exactly 7 digits"),
            ("person:driver:presented-7781", "UUID"),
            ("release:7781", "UUID"),
            ("vessel-call:imo:9214432/SENYN", "vessel/port/date"),
            ("vessel-call:imo:9214432/SE/2026-12-05", "UN/LOCODE"),
            ("vessel-call:imo:9214432/SENYN/2026-13-05", "YYYY-MM-DD"),
            ("consignment:a b", "letters, digits"),
            ("vehicle:!", "plate"),
            ("gate:a\u{202e}b", "direction"),
        ];
        for (input, why) in cases {
            match input.parse::<EntityRef>() {
                Ok(e) => panic!("{input} parsed as {e}"),
                Err(e) => assert!(e.to_string().contains(why), "{input}: {e}"),
            }
        }
    }

    #[test]
    fn legacy_subjects_stay_readable() {
        let s = |kind, r: &str| SubjectRef {
            kind,
            reference: r.into(),
            label: None,
        };
        let p = "0190a3c4-1d2e-7f00-8000-000000000001";
        let cases = [
            (
                s(SubjectKind::Person, &format!("person:{p}")),
                format!("person:{p}"),
            ),
            (
                s(SubjectKind::Vessel, "265123456"),
                "vessel:mmsi:265123456".into(),
            ),
            (
                s(SubjectKind::Vessel, "vessel:265123456"),
                "vessel:mmsi:265123456".into(),
            ),
            (
                s(SubjectKind::Vessel, "mmsi:265123456"),
                "vessel:mmsi:265123456".into(),
            ),
            (
                s(SubjectKind::Organisation, &format!("org:{p}")),
                format!("organisation:{p}"),
            ),
        ];
        for (subject, want) in cases {
            assert_eq!(
                EntityRef::from_subject(&subject).map(|e| e.to_string()),
                Ok(want),
                "{subject:?}"
            );
        }
        assert!(EntityRef::from_subject(&s(SubjectKind::Person, "driver:presented-7781")).is_err());
    }

    #[test]
    fn manifest_calls_name_the_vessel_port_and_day() {
        assert_eq!(
            parse_manifest_call("IMO 9214432 SEKPS 2026-11-28"),
            Ok((
                CallVessel::Key(VesselKey::Imo(9_214_432)),
                "SEKPS".into(),
                "2026-11-28".into()
            ))
        );
        assert_eq!(
            parse_manifest_call("UNIFEEDER SENYN 2026-12-05"),
            Ok((
                CallVessel::Name("UNIFEEDER".into()),
                "SENYN".into(),
                "2026-12-05".into()
            ))
        );
        assert!(parse_manifest_call("SENYN 2026-12-05").is_err());
        assert!(parse_manifest_call("IMO 92 SENYN 2026-12-05").is_err());
        assert!(parse_manifest_call("UNIFEEDER tomorrow").is_err());
    }
}
