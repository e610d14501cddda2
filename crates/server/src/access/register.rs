//! The register's record kinds, as the API and the store see them: each kind has a name, the
//! keys that must be unique across records, its checks against the rest of the register, and
//! where it goes in the in-memory index. One generic path (save, list, get, search) serves all
//! nine kinds.

use std::collections::HashSet;

use hamnvakt_access::model::*;
use hamnvakt_access::AccessIndex;
use hamnvakt_core::ids::{OrgId, SiteId, UserId};
use hamnvakt_core::validate::{self, FieldError};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What exists outside the access register that its records refer to: organisations, sites
/// and users. A record naming one that does not exist is refused, as a field error.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub orgs: HashSet<OrgId>,
    pub sites: HashSet<SiteId>,
    pub users: HashSet<UserId>,
}

impl Refs {
    /// Everything the store holds that a record may name.
    pub async fn load(store: &hamnvakt_store::Store) -> hamnvakt_store::Result<Refs> {
        Ok(Refs {
            orgs: store.list_orgs().await?.into_iter().map(|o| o.id).collect(),
            sites: store
                .list_sites()
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect(),
            users: store
                .list_users(None)
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect(),
        })
    }

    fn org(&self, errors: &mut Vec<FieldError>, field: &str, id: OrgId) {
        if !self.orgs.contains(&id) {
            errors.push(FieldError::new(field, format!("no organisation {id}")));
        }
    }
}

/// A request body as the API takes it: a JSON object, given the record's id (a create body has
/// none; the server assigns it), deserialised with the path of a bad field.
pub fn from_body<R: Record>(mut body: serde_json::Value, id: &str) -> Result<R, FieldError> {
    match body.as_object_mut() {
        Some(o) => {
            o.insert("id".into(), serde_json::Value::String(id.to_owned()));
        }
        None => return Err(FieldError::new("body", "must be a JSON object")),
    }
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        FieldError::new(
            if path == "." { "body" } else { &path },
            e.into_inner().to_string(),
        )
    })
}

pub trait Record:
    Serialize + DeserializeOwned + Clone + Send + Sync + super::scope::Scoped + 'static
{
    /// Stored kind and path segment (`permits`).
    const KIND: &'static str;
    /// The audit event recorded when a record of this kind is saved.
    const EVENT: &'static str;
    fn id_text(&self) -> String;
    /// Values no other record of this kind may hold.
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
    /// Checks against the register and what it refers to outside it; every problem with its
    /// field.
    fn check(&self, ix: &AccessIndex, refs: &Refs) -> Vec<FieldError>;
    fn put(self, ix: &mut AccessIndex);
    /// Every record of the kind, borrowed, in the kind's order.
    fn all(ix: &AccessIndex) -> Vec<&Self>;
    fn find(ix: &AccessIndex, id: &str) -> Option<Self>;
    /// Text a search matches against (lower case).
    fn search_text(&self, ix: &AccessIndex) -> String;
}

fn text(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize) {
    if let Err(e) = validate::text(field, v, max) {
        errors.push(e);
    }
}

/// A name, code or number: one line, something visible, no direction overrides.
fn name(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize) {
    if let Err(e) = validate::name(field, v, max) {
        errors.push(e);
    }
}

fn window(errors: &mut Vec<FieldError>, from: i64, until: i64) {
    if until <= from {
        errors.push(FieldError::new(
            "valid_until_ms",
            "must be after valid_from_ms",
        ));
    }
}

/// The records of a kind that `scope` may see and whose search text holds every word of `q`
/// (all when `q` is empty), in the kind's order; only the page asked for is cloned.
pub fn search<R: Record>(
    ix: &AccessIndex,
    scope: super::scope::Scope,
    q: &str,
    offset: usize,
    limit: usize,
) -> Vec<R> {
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    R::all(ix)
        .into_iter()
        .filter(|r| scope.record(ix, *r))
        .filter(|r| {
            if words.is_empty() {
                return true;
            }
            let text = r.search_text(ix);
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .skip(offset)
        .take(limit)
        .cloned()
        .collect()
}

fn sorted<T, K: Ord>(items: impl Iterator<Item = T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort_by_key(key);
    v
}

impl Record for Facility {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse()
            .ok()
            .and_then(|id| ix.facilities.get(&id).cloned())
    }
    const KIND: &'static str = "facilities";
    const EVENT: &'static str = "access.facility_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn keys(&self) -> Vec<String> {
        vec![self.isps_number.clone()]
    }
    fn check(&self, _: &AccessIndex, refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        name(&mut e, "name", &self.name, 200);
        name(&mut e, "isps_number", &self.isps_number, 40);
        if !refs.sites.contains(&self.site_id) {
            e.push(FieldError::new(
                "site_id",
                format!("no site {}", self.site_id),
            ));
        }
        refs.org(&mut e, "org_id", self.org_id);
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_facility(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.facilities.values(), |f| f.name.clone())
    }
    fn search_text(&self, _: &AccessIndex) -> String {
        format!("{} {}", self.name, self.isps_number).to_lowercase()
    }
}

impl Record for Zone {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse().ok().and_then(|id| ix.zones.get(&id).cloned())
    }
    const KIND: &'static str = "zones";
    const EVENT: &'static str = "access.zone_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn keys(&self) -> Vec<String> {
        vec![self.code.clone()]
    }
    fn check(&self, ix: &AccessIndex, _refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        name(&mut e, "code", &self.code, 40);
        name(&mut e, "name", &self.name, 200);
        if !ix.facilities.contains_key(&self.facility_id) {
            e.push(FieldError::new("facility_id", "no such facility"));
        }
        if let Some(p) = self.parent {
            match ix.zones.get(&p) {
                None => e.push(FieldError::new("parent", "no such zone")),
                Some(pz) if pz.facility_id != self.facility_id => {
                    e.push(FieldError::new("parent", "lies in another facility"))
                }
                Some(_) if p == self.id || ix.zone_within(p, self.id) => {
                    e.push(FieldError::new("parent", "would make a cycle"))
                }
                _ => {}
            }
        }
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_zone(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.zones.values(), |z| z.code.clone())
    }
    fn search_text(&self, _: &AccessIndex) -> String {
        format!("{} {}", self.code, self.name).to_lowercase()
    }
}

impl Record for Gate {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse().ok().and_then(|id| ix.gates.get(&id).cloned())
    }
    const KIND: &'static str = "gates";
    const EVENT: &'static str = "access.gate_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn keys(&self) -> Vec<String> {
        vec![self.code.clone()]
    }
    fn check(&self, ix: &AccessIndex, _refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        name(&mut e, "code", &self.code, 40);
        name(&mut e, "name", &self.name, 200);
        if !ix.facilities.contains_key(&self.facility_id) {
            e.push(FieldError::new("facility_id", "no such facility"));
        }
        match ix.zones.get(&self.inner_zone) {
            None => e.push(FieldError::new("inner_zone", "no such zone")),
            Some(z) if z.facility_id != self.facility_id => {
                e.push(FieldError::new("inner_zone", "lies in another facility"))
            }
            _ => {}
        }
        if let Some(o) = self.outer_zone {
            if !ix.zones.contains_key(&o) {
                e.push(FieldError::new("outer_zone", "no such zone"));
            }
            if o == self.inner_zone {
                e.push(FieldError::new("outer_zone", "must differ from inner_zone"));
            }
        }
        if !(-90.0..=90.0).contains(&self.lat) || !(-180.0..=180.0).contains(&self.lon) {
            e.push(FieldError::new("lat", "coordinates must be WGS84 degrees"));
        }
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_gate(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.gates.values(), |g| g.code.clone())
    }
    fn search_text(&self, _: &AccessIndex) -> String {
        format!("{} {}", self.code, self.name).to_lowercase()
    }
}

impl Record for Person {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse().ok().and_then(|id| ix.people.get(&id).cloned())
    }
    const KIND: &'static str = "people";
    const EVENT: &'static str = "access.person_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn check(&self, _: &AccessIndex, refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        name(&mut e, "name", &self.name, 200);
        refs.org(&mut e, "org_id", self.org_id);
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_person(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.people.values(), |p| p.name.clone())
    }
    fn search_text(&self, _: &AccessIndex) -> String {
        self.name.to_lowercase()
    }
}

impl Record for Credential {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse()
            .ok()
            .and_then(|id| ix.credentials.get(&id).cloned())
    }
    const KIND: &'static str = "credentials";
    const EVENT: &'static str = "access.credential_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn keys(&self) -> Vec<String> {
        vec![self.number.clone()]
    }
    fn check(&self, ix: &AccessIndex, _refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        name(&mut e, "number", &self.number, 64);
        if !ix.people.contains_key(&self.holder) {
            e.push(FieldError::new("holder", "no such person"));
        }
        window(&mut e, self.valid_from_ms, self.valid_until_ms);
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_credential(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.credentials.values(), |c| c.number.clone())
    }
    fn search_text(&self, ix: &AccessIndex) -> String {
        let holder = ix
            .people
            .get(&self.holder)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        format!("{} {holder}", self.number).to_lowercase()
    }
}

impl Record for Vehicle {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse().ok().and_then(|id| ix.vehicles.get(&id).cloned())
    }
    const KIND: &'static str = "vehicles";
    const EVENT: &'static str = "access.vehicle_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn keys(&self) -> Vec<String> {
        vec![normalise_plate(&self.plate)]
    }
    fn check(&self, _: &AccessIndex, refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        if normalise_plate(&self.plate).is_empty() || self.plate.len() > 20 {
            e.push(FieldError::new(
                "plate",
                "must hold letters or digits, at most 20 characters",
            ));
        }
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            e.push(FieldError::new(
                "country",
                "must be an ISO 3166 alpha-2 code such as SE",
            ));
        }
        if let Some(o) = self.org_id {
            refs.org(&mut e, "org_id", o);
        }
        e
    }
    fn put(mut self, ix: &mut AccessIndex) {
        self.plate = normalise_plate(&self.plate);
        ix.put_vehicle(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.vehicles.values(), |v| v.plate.clone())
    }
    fn search_text(&self, _: &AccessIndex) -> String {
        format!("{} {}", self.plate, self.country).to_lowercase()
    }
}

impl Record for Permit {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse().ok().and_then(|id| ix.permits.get(&id).cloned())
    }
    const KIND: &'static str = "permits";
    const EVENT: &'static str = "access.permit_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn check(&self, ix: &AccessIndex, refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        text(&mut e, "purpose", &self.purpose, 500);
        if !ix.people.contains_key(&self.holder) {
            e.push(FieldError::new("holder", "no such person"));
        }
        if self.zones.is_empty() {
            e.push(FieldError::new("zones", "name at least one zone"));
        }
        for (i, z) in self.zones.iter().enumerate() {
            if !ix.zones.contains_key(z) {
                e.push(FieldError::new(format!("zones[{i}]"), "no such zone"));
            }
        }
        if let Some(v) = self.vehicle {
            if !ix.vehicles.contains_key(&v) {
                e.push(FieldError::new("vehicle", "no such vehicle"));
            }
        }
        refs.org(&mut e, "issued_by_org", self.issued_by_org);
        if let Some(u) = self.issued_by_user {
            if !refs.users.contains(&u) {
                e.push(FieldError::new("issued_by_user", format!("no user {u}")));
            }
        }
        if self.schedule.windows.is_empty() {
            e.push(FieldError::new(
                "schedule",
                "an empty schedule opens nothing; write `always`",
            ));
        }
        window(&mut e, self.valid_from_ms, self.valid_until_ms);
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_permit(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.permits.values(), |p| (p.holder, p.valid_from_ms))
    }
    fn search_text(&self, ix: &AccessIndex) -> String {
        let holder = ix
            .people
            .get(&self.holder)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        format!("{holder} {}", self.purpose).to_lowercase()
    }
}

impl Record for Visit {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        id.parse().ok().and_then(|id| ix.visits.get(&id).cloned())
    }
    const KIND: &'static str = "visits";
    const EVENT: &'static str = "access.visit_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn check(&self, ix: &AccessIndex, _refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        text(&mut e, "purpose", &self.purpose, 500);
        if !ix.people.contains_key(&self.visitor) {
            e.push(FieldError::new("visitor", "no such person"));
        }
        if !ix.people.contains_key(&self.host) {
            e.push(FieldError::new("host", "no such person"));
        }
        window(&mut e, self.valid_from_ms, self.valid_until_ms);
        e
    }
    fn put(self, ix: &mut AccessIndex) {
        ix.put_visit(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.visits.values(), |v| v.valid_from_ms)
    }
    fn search_text(&self, ix: &AccessIndex) -> String {
        let name = |p| {
            ix.people
                .get(&p)
                .map(|p: &Person| p.name.clone())
                .unwrap_or_default()
        };
        format!(
            "{} {} {}",
            name(self.visitor),
            name(self.host),
            self.purpose
        )
        .to_lowercase()
    }
}

impl Record for Ban {
    fn find(ix: &AccessIndex, id: &str) -> Option<Self> {
        ix.bans.iter().find(|b| b.id.to_string() == id).cloned()
    }
    const KIND: &'static str = "bans";
    const EVENT: &'static str = "access.ban_saved";
    fn id_text(&self) -> String {
        self.id.to_string()
    }
    fn check(&self, ix: &AccessIndex, _refs: &Refs) -> Vec<FieldError> {
        let mut e = Vec::new();
        text(&mut e, "reason", &self.reason, 500);
        match (&self.person, &self.plate) {
            (None, None) => e.push(FieldError::new("person", "a ban names a person or a plate")),
            (Some(p), _) if !ix.people.contains_key(p) => {
                e.push(FieldError::new("person", "no such person"))
            }
            _ => {}
        }
        if let Some(u) = self.valid_until_ms {
            window(&mut e, self.valid_from_ms, u);
        }
        e
    }
    fn put(mut self, ix: &mut AccessIndex) {
        self.plate = self.plate.map(|p| normalise_plate(&p));
        ix.put_ban(self)
    }
    fn all(ix: &AccessIndex) -> Vec<&Self> {
        sorted(ix.bans.iter(), |b| b.valid_from_ms)
    }
    fn search_text(&self, ix: &AccessIndex) -> String {
        let who = self
            .person
            .and_then(|p| ix.people.get(&p))
            .map(|p| p.name.as_str())
            .unwrap_or("");
        format!(
            "{who} {} {}",
            self.plate.as_deref().unwrap_or(""),
            self.reason
        )
        .to_lowercase()
    }
}
