//! The facts a gate decision reads, held in memory and indexed the way decisions look them
//! up: credential by number, vehicle by plate, permits and visits by person, bans by person
//! and plate. The server loads it from the store and updates it on every change, so a
//! decision never waits for the database to read.

use std::collections::HashMap;

use hamnvakt_core::ids::{
    CredentialId, FacilityId, GateId, PermitId, PersonId, VehicleId, VisitId, ZoneId,
};

use crate::model::{
    normalise_plate, Ban, Credential, Facility, Gate, Permit, Person, Vehicle, Visit, Zone,
};

/// How deep zones may nest; deeper chains (or a cycle) are treated as not contained.
const MAX_ZONE_DEPTH: usize = 16;

#[derive(Debug, Default, Clone)]
pub struct AccessIndex {
    pub facilities: HashMap<FacilityId, Facility>,
    pub zones: HashMap<ZoneId, Zone>,
    pub gates: HashMap<GateId, Gate>,
    gate_by_code: HashMap<String, GateId>,
    pub people: HashMap<PersonId, Person>,
    pub credentials: HashMap<CredentialId, Credential>,
    credential_by_number: HashMap<String, CredentialId>,
    pub vehicles: HashMap<VehicleId, Vehicle>,
    vehicle_by_plate: HashMap<String, VehicleId>,
    pub permits: HashMap<PermitId, Permit>,
    permits_by_holder: HashMap<PersonId, Vec<PermitId>>,
    pub visits: HashMap<VisitId, Visit>,
    visits_by_visitor: HashMap<PersonId, Vec<VisitId>>,
    pub bans: Vec<Ban>,
}

impl AccessIndex {
    pub fn put_facility(&mut self, f: Facility) {
        self.facilities.insert(f.id, f);
    }

    pub fn put_zone(&mut self, z: Zone) {
        self.zones.insert(z.id, z);
    }

    pub fn put_gate(&mut self, g: Gate) {
        if let Some(old) = self.gates.get(&g.id) {
            self.gate_by_code.remove(&old.code);
        }
        self.gate_by_code.insert(g.code.clone(), g.id);
        self.gates.insert(g.id, g);
    }

    pub fn put_person(&mut self, p: Person) {
        self.people.insert(p.id, p);
    }

    pub fn put_credential(&mut self, c: Credential) {
        if let Some(old) = self.credentials.get(&c.id) {
            self.credential_by_number.remove(&old.number);
        }
        self.credential_by_number.insert(c.number.clone(), c.id);
        self.credentials.insert(c.id, c);
    }

    pub fn put_vehicle(&mut self, v: Vehicle) {
        if let Some(old) = self.vehicles.get(&v.id) {
            self.vehicle_by_plate.remove(&old.plate);
        }
        self.vehicle_by_plate
            .insert(normalise_plate(&v.plate), v.id);
        self.vehicles.insert(v.id, v);
    }

    pub fn put_permit(&mut self, p: Permit) {
        if let Some(old) = self.permits.get(&p.id) {
            if let Some(list) = self.permits_by_holder.get_mut(&old.holder) {
                list.retain(|id| *id != p.id);
            }
        }
        self.permits_by_holder
            .entry(p.holder)
            .or_default()
            .push(p.id);
        self.permits.insert(p.id, p);
    }

    pub fn put_visit(&mut self, v: Visit) {
        if let Some(old) = self.visits.get(&v.id) {
            if let Some(list) = self.visits_by_visitor.get_mut(&old.visitor) {
                list.retain(|id| *id != v.id);
            }
        }
        self.visits_by_visitor
            .entry(v.visitor)
            .or_default()
            .push(v.id);
        self.visits.insert(v.id, v);
    }

    pub fn put_ban(&mut self, b: Ban) {
        self.bans.retain(|x| x.id != b.id);
        self.bans.push(b);
    }

    pub fn gate_by_code(&self, code: &str) -> Option<&Gate> {
        self.gate_by_code
            .get(code)
            .and_then(|id| self.gates.get(id))
    }

    pub fn credential_by_number(&self, number: &str) -> Option<&Credential> {
        self.credential_by_number
            .get(number)
            .and_then(|id| self.credentials.get(id))
    }

    pub fn vehicle_by_plate(&self, plate: &str) -> Option<&Vehicle> {
        self.vehicle_by_plate
            .get(&normalise_plate(plate))
            .and_then(|id| self.vehicles.get(id))
    }

    pub fn permits_of(&self, person: PersonId) -> impl Iterator<Item = &Permit> {
        self.permits_by_holder
            .get(&person)
            .into_iter()
            .flatten()
            .filter_map(|id| self.permits.get(id))
    }

    pub fn visits_of(&self, visitor: PersonId) -> impl Iterator<Item = &Visit> {
        self.visits_by_visitor
            .get(&visitor)
            .into_iter()
            .flatten()
            .filter_map(|id| self.visits.get(id))
    }

    /// The ban in force at `now_ms` on this person or plate, if any.
    pub fn ban_for(
        &self,
        person: Option<PersonId>,
        plate: Option<&str>,
        now_ms: i64,
    ) -> Option<&Ban> {
        let plate = plate.map(normalise_plate);
        self.bans.iter().find(|b| {
            b.in_force(now_ms)
                && ((person.is_some() && b.person == person)
                    || (plate.is_some() && b.plate.as_deref() == plate.as_deref()))
        })
    }

    /// Whether `zone` is `ancestor` or lies inside it.
    pub fn zone_within(&self, zone: ZoneId, ancestor: ZoneId) -> bool {
        let mut cur = Some(zone);
        for _ in 0..MAX_ZONE_DEPTH {
            match cur {
                Some(z) if z == ancestor => return true,
                Some(z) => cur = self.zones.get(&z).and_then(|z| z.parent),
                None => return false,
            }
        }
        false
    }

    pub fn facility_of_gate(&self, gate: &Gate) -> Option<&Facility> {
        self.facilities.get(&gate.facility_id)
    }

    /// Counts, for the performance notes and the status page.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (
            self.people.len(),
            self.credentials.len(),
            self.permits.len(),
        )
    }
}
