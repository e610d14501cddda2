//! The access-control model: sites hold port facilities (with their ISPS facility number and
//! current security level), facilities hold nested zones, gates join two zones (or a zone and
//! the outside). People carry credentials; permits say which zones a person may enter, when,
//! and for what; visits tie a visitor to a host; bans override everything.

use hamnvakt_core::ids::{
    BanId, CredentialId, FacilityId, GateId, OrgId, PermitId, PersonId, SiteId, UserId, VehicleId,
    VisitId, ZoneId,
};
use serde::{Deserialize, Serialize};

use crate::schedule::WeeklySchedule;

/// ISPS security level 1 (normal), 2 (heightened) or 3 (exceptional).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = u8, description = "ISPS security level 1, 2 or 3"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct SecurityLevel(u8);

impl SecurityLevel {
    pub const ONE: SecurityLevel = SecurityLevel(1);
    pub const TWO: SecurityLevel = SecurityLevel(2);
    pub const THREE: SecurityLevel = SecurityLevel(3);

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for SecurityLevel {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        if (1..=3).contains(&v) {
            Ok(SecurityLevel(v))
        } else {
            Err(format!("security level {v} is not 1, 2 or 3"))
        }
    }
}

impl From<SecurityLevel> for u8 {
    fn from(l: SecurityLevel) -> u8 {
        l.0
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: FacilityId,
    pub site_id: SiteId,
    pub name: String,
    /// ISPS port facility number (`SESTO-0010`).
    pub isps_number: String,
    pub security_level: SecurityLevel,
    /// The organisation that runs access control here; it owns the facility's alerts.
    pub org_id: OrgId,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// The facility's general area.
    Normal,
    /// A restricted area in the ISPS sense.
    Restricted,
    /// Security-sensitive: control rooms, reefer stacks, cargo documentation.
    Sensitive,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AntiPassback {
    Off,
    /// Grant, but raise an alert.
    Soft,
    /// Deny.
    Hard,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: ZoneId,
    pub facility_id: FacilityId,
    /// The zone this one lies inside; `None` for a facility's outermost zone.
    pub parent: Option<ZoneId>,
    pub code: String,
    pub name: String,
    pub sensitivity: Sensitivity,
    /// Entry needs a second valid credential at the same gate within the configured time.
    pub two_person: bool,
    pub anti_passback: AntiPassback,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    Pedestrian,
    Vehicle,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: GateId,
    pub facility_id: FacilityId,
    pub code: String,
    pub name: String,
    pub kind: GateKind,
    /// The zone on the outer side; `None` is outside the facility (public road, quay side).
    pub outer_zone: Option<ZoneId>,
    /// The zone entered when passing inwards.
    pub inner_zone: ZoneId,
    /// Refuses everyone at security level 2 and above.
    pub closed_at_level2: bool,
    /// WGS84 position, for impossible-travel detection and the map.
    pub lat: f64,
    pub lon: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Staff,
    Contractor,
    Driver,
    Visitor,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: PersonId,
    pub org_id: OrgId,
    pub name: String,
    pub kind: PersonKind,
    /// Police, rescue services, the port's own response team: the only people let in at level 3.
    pub responder: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    Active,
    Suspended,
    ReportedLost,
    Revoked,
}

impl CredentialState {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialState::Active => "active",
            CredentialState::Suspended => "suspended",
            CredentialState::ReportedLost => "reported_lost",
            CredentialState::Revoked => "revoked",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: CredentialId,
    /// The card or port ID number as the reader reports it.
    pub number: String,
    /// Who carries it. A generic card (a numbered day pass) is registered to a person record
    /// of its own, so occupancy and history still have someone to name.
    pub holder: PersonId,
    /// Not issued to a named person: stops working at security level 2.
    pub generic: bool,
    pub state: CredentialState,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: VehicleId,
    /// Normalised: upper case, no spaces or dashes.
    pub plate: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    pub org_id: Option<OrgId>,
}

/// Normalises a licence plate as cameras and people write it: `ABC 123`, `abc-123` → `ABC123`.
pub fn normalise_plate(p: &str) -> String {
    p.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permit {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: PermitId,
    pub holder: PersonId,
    pub purpose: String,
    /// Zones the permit opens; a zone opens its sub-zones too.
    pub zones: Vec<ZoneId>,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "Mon-Fri 06:00-22:00"))]
    pub schedule: WeeklySchedule,
    pub issued_by_org: OrgId,
    pub issued_by_user: Option<UserId>,
    /// The holder must be escorted by their host (see [`Visit`]).
    pub escort_required: bool,
    /// A visitor permit: stops working at security level 2.
    pub visitor: bool,
    /// For vehicle lanes: the vehicle this permit lets in with the holder.
    pub vehicle: Option<VehicleId>,
    pub suspended: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: VisitId,
    pub visitor: PersonId,
    pub host: PersonId,
    pub purpose: String,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ban {
    /// Assigned by the server when a record is created; ignored in request bodies.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid, read_only))]
    pub id: BanId,
    pub person: Option<PersonId>,
    /// Normalised plate, for banned vehicles.
    pub plate: Option<String>,
    pub reason: String,
    pub valid_from_ms: i64,
    /// `None`: until lifted.
    pub valid_until_ms: Option<i64>,
}

impl Ban {
    pub fn in_force(&self, now_ms: i64) -> bool {
        self.valid_from_ms <= now_ms && self.valid_until_ms.is_none_or(|u| now_ms < u)
    }
}
