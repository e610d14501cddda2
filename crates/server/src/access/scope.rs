//! Whose register data a reader sees. The port authority's security staff see the whole
//! register: they run the perimeter. Anyone else with read access (a haulier's dispatcher, a
//! terminal's or an agency's staff) sees the infrastructure (facilities, zones, gates) and the
//! records of their own organisation only — its people, their cards and permits, its vehicles,
//! the visits its people make or host, their gate decisions and presence — never another
//! organisation's staff, and no bans. Every read of the register (lists, records, the decision
//! feed and its stream, occupancy, muster lists in JSON and CSV, the console) goes through
//! [`Scope`].

use hamnvakt_access::model::*;
use hamnvakt_access::AccessIndex;
use hamnvakt_core::ids::{OrgId, PersonId};
use hamnvakt_core::org::OrgKind;

use crate::web::auth::Principal;
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// What part of the register a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The port authority's staff: everything.
    Whole,
    /// Everyone else: the infrastructure and their own organisation's records.
    Org(OrgId),
}

impl Scope {
    pub async fn of(state: &AppState, p: &Principal) -> Result<Scope, ApiError> {
        let org = state.store.org(p.org()).await?;
        Ok(match org {
            Some(o) if o.kind == OrgKind::PortAuthority => Scope::Whole,
            _ => Scope::Org(p.org()),
        })
    }

    /// Checks `permission` and that the caller is of the port authority: only the port's
    /// staff change the register, the levels and the policies, whatever roles an account of
    /// another organisation was given.
    pub async fn require_port_staff(
        state: &AppState,
        p: &Principal,
        permission: hamnvakt_identity::Permission,
    ) -> Result<(), ApiError> {
        p.require(permission)?;
        match Scope::of(state, p).await? {
            Scope::Whole => Ok(()),
            Scope::Org(_) => Err(ApiError::Forbidden(
                "only the port authority's staff change the access register".into(),
            )),
        }
    }

    /// Whether the reader may see this person and what is theirs.
    pub fn person(&self, ix: &AccessIndex, id: PersonId) -> bool {
        match self {
            Scope::Whole => true,
            Scope::Org(org) => ix.people.get(&id).is_some_and(|p| p.org_id == *org),
        }
    }

    /// Whether the reader may see a record of the register.
    pub fn record<R: Scoped>(&self, ix: &AccessIndex, r: &R) -> bool {
        match self {
            Scope::Whole => true,
            Scope::Org(org) => r.belongs_to(ix, *org),
        }
    }
}

/// A register record's owner, for [`Scope::record`].
pub trait Scoped {
    /// Whether `org`'s readers may see it.
    fn belongs_to(&self, ix: &AccessIndex, org: OrgId) -> bool;
}

fn of_person(ix: &AccessIndex, id: PersonId, org: OrgId) -> bool {
    ix.people.get(&id).is_some_and(|p| p.org_id == org)
}

// The infrastructure is everyone's to see: where the gates are is no one's personal data.
impl Scoped for Facility {
    fn belongs_to(&self, _: &AccessIndex, _: OrgId) -> bool {
        true
    }
}

impl Scoped for Zone {
    fn belongs_to(&self, _: &AccessIndex, _: OrgId) -> bool {
        true
    }
}

impl Scoped for Gate {
    fn belongs_to(&self, _: &AccessIndex, _: OrgId) -> bool {
        true
    }
}

impl Scoped for Person {
    fn belongs_to(&self, _: &AccessIndex, org: OrgId) -> bool {
        self.org_id == org
    }
}

impl Scoped for Credential {
    fn belongs_to(&self, ix: &AccessIndex, org: OrgId) -> bool {
        of_person(ix, self.holder, org)
    }
}

impl Scoped for Vehicle {
    fn belongs_to(&self, _: &AccessIndex, org: OrgId) -> bool {
        self.org_id == Some(org)
    }
}

impl Scoped for Permit {
    fn belongs_to(&self, ix: &AccessIndex, org: OrgId) -> bool {
        of_person(ix, self.holder, org)
    }
}

impl Scoped for Visit {
    fn belongs_to(&self, ix: &AccessIndex, org: OrgId) -> bool {
        of_person(ix, self.visitor, org) || of_person(ix, self.host, org)
    }
}

// Bans are the port's security decisions about other people: the port's staff only.
impl Scoped for Ban {
    fn belongs_to(&self, _: &AccessIndex, _: OrgId) -> bool {
        false
    }
}
