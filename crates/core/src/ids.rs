//! Typed identifiers. Every stored entity has a UUID; the type parameter keeps an alert id
//! from being passed where a user id is wanted.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// An identifier of an entity of kind `T`.
pub struct Id<T> {
    uuid: Uuid,
    kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub fn from_uuid(uuid: Uuid) -> Self {
        Id {
            uuid,
            kind: PhantomData,
        }
    }

    /// An id from 16 bytes of randomness the caller supplies (the demo generator uses a
    /// seeded generator, the server the operating system's).
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Id::from_uuid(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// A time-ordered id (UUID version 7): the millisecond time first, then 74 random bits.
    /// Ids made later sort later, as text too, so rows keyed by them are appended at the end
    /// of their indexes instead of landing on a random page (gate decisions, thousands a day).
    pub fn from_time_and_random(at_ms: i64, random: [u8; 10]) -> Self {
        let ms = u64::try_from(at_ms).unwrap_or(0);
        Id::from_uuid(uuid::Builder::from_unix_timestamp_millis(ms, &random).into_uuid())
    }

    pub fn uuid(&self) -> Uuid {
        self.uuid
    }
}

impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}
impl<T> Eq for Id<T> {}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uuid.hash(state)
    }
}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uuid.hyphenated().fmt(f)
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.uuid.hyphenated())
    }
}

impl<T> FromStr for Id<T> {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Id::from_uuid)
    }
}

impl<T> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.uuid.hyphenated())
    }
}

impl<'de, T> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Uuid::parse_str(&s)
            .map(Id::from_uuid)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl<T> utoipa::PartialSchema for Id<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl<T> utoipa::ToSchema for Id<T> {}

/// Marker types for the ids of each entity.
pub mod kind {
    #[derive(Debug)]
    pub enum Organisation {}
    #[derive(Debug)]
    pub enum User {}
    #[derive(Debug)]
    pub enum Alert {}
    #[derive(Debug)]
    pub enum ApiToken {}
    #[derive(Debug)]
    pub enum Site {}
    #[derive(Debug)]
    pub enum Facility {}
    #[derive(Debug)]
    pub enum Zone {}
    #[derive(Debug)]
    pub enum Gate {}
    #[derive(Debug)]
    pub enum Person {}
    #[derive(Debug)]
    pub enum Credential {}
    #[derive(Debug)]
    pub enum Vehicle {}
    #[derive(Debug)]
    pub enum Permit {}
    #[derive(Debug)]
    pub enum Visit {}
    #[derive(Debug)]
    pub enum Ban {}
    #[derive(Debug)]
    pub enum Decision {}
}

pub type OrgId = Id<kind::Organisation>;
pub type UserId = Id<kind::User>;
pub type AlertId = Id<kind::Alert>;
pub type TokenId = Id<kind::ApiToken>;
pub type SiteId = Id<kind::Site>;
pub type FacilityId = Id<kind::Facility>;
pub type ZoneId = Id<kind::Zone>;
pub type GateId = Id<kind::Gate>;
pub type PersonId = Id<kind::Person>;
pub type CredentialId = Id<kind::Credential>;
pub type VehicleId = Id<kind::Vehicle>;
pub type PermitId = Id<kind::Permit>;
pub type VisitId = Id<kind::Visit>;
pub type BanId = Id<kind::Ban>;
pub type DecisionId = Id<kind::Decision>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id: AlertId = Id::from_random_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<AlertId>().ok(), Some(id));
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{text}\""));
        assert!("not-a-uuid".parse::<AlertId>().is_err());
    }

    #[test]
    fn time_ordered_ids_sort_by_time_as_text() {
        let a: AlertId = Id::from_time_and_random(1_795_000_000_000, [0xff; 10]);
        let b: AlertId = Id::from_time_and_random(1_795_000_000_001, [0; 10]);
        assert!(a.to_string() < b.to_string());
        assert_eq!(b.uuid().get_version_num(), 7);
    }
}
