//! The release of one container: who issued it to whom, until when, its three lights, the
//! release-right chain and the driver and truck assigned at its end.

use hamnvakt_core::ids::{FacilityId, Id, OrgId, PersonId};
use hamnvakt_core::validate::FieldError;
use serde::{Deserialize, Serialize};

/// Marker of release ids.
#[derive(Debug)]
pub enum ReleaseKind {}
pub type ReleaseId = Id<ReleaseKind>;

/// A release is valid for 60 days from its issue unless the line says otherwise (CPu's
/// default).
pub const DEFAULT_VALIDITY_MS: i64 = 60 * 24 * 3600 * 1000;

/// What a party is in the chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReleaseRole))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The shipping line (or its agent) that issued the release.
    Line,
    /// The line's direct customer (consignee, importer or forwarder), the first release party.
    ReleaseTo,
    /// A forwarder the previous party authorised to nominate further.
    CargoDirector,
    /// The inland operator: the exclusive right to collect.
    Haulier,
    /// The haulier's executing subcontractor ("executing charter").
    Subcontractor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Line => "line",
            Role::ReleaseTo => "release_to",
            Role::CargoDirector => "cargo_director",
            Role::Haulier => "haulier",
            Role::Subcontractor => "subcontractor",
        }
    }

    /// Whether a holder of this role may offer the right on to a party of role `next`.
    pub fn may_offer(self, next: Role) -> bool {
        use Role::*;
        matches!(
            (self, next),
            (ReleaseTo | CargoDirector, CargoDirector | Haulier)
                | (Haulier, Haulier | Subcontractor)
        )
    }

    /// Whether a holder of this role may assign the driver and truck (the inland operator
    /// at the end of the chain).
    pub fn may_assign(self) -> bool {
        matches!(self, Role::Haulier | Role::Subcontractor)
    }
}

/// Whether a link of the chain has been accepted by the party it was offered to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Offered,
    Accepted,
}

/// One link of the release-right chain: `from` gave the right to `to` in the role `role`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub from: OrgId,
    pub to: OrgId,
    pub role: Role,
    pub state: LinkState,
    pub offered_ms: i64,
    pub accepted_ms: Option<i64>,
}

/// The driver and truck the holder at the end of the chain named.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The driver, a person of the access register with a port card.
    pub driver: PersonId,
    /// The truck's plate, normalised (upper case, letters and digits).
    pub plate: String,
    /// The organisation that assigned them (the holder).
    pub by: OrgId,
    pub at_ms: i64,
}

/// The line's commercial release.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CommercialLight {
    Released,
    /// Blocked by the line (freight unpaid, a dispute …).
    Blocked {
        reason: String,
    },
}

/// The reason of the "present for scanning" light a targeting scan selection gives a
/// release (see [`Release::effective_customs`]).
pub const SCAN_SELECTED: &str = "selected for scanning by customs' targeting";

/// Customs' light, as Certified Pick-up shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CustomsLight {
    /// Not yet known: no pick-up.
    Unknown,
    /// Cleared.
    Green,
    /// Pick-up allowed with a follow-up. `scan` means the container must present itself for
    /// scanning: the gate refers the truck to the scanner lane.
    Orange { reason: String, scan: bool },
    /// Under documentary control, or not cleared: no pick-up.
    Red { reason: String },
}

/// The terminal's light: discharged and not blocked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TerminalLight {
    NotDischarged,
    Discharged,
    Blocked { reason: String },
}

/// Where the release is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReleaseLifecycle))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    Active,
    /// Withdrawn by the line: no one may act or collect until it is re-issued, which
    /// restores the prepared chain as it stood.
    Withdrawn,
    /// Collected at the gate: final.
    Collected,
}

/// The release of one container on one bill of lading.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: ReleaseId,
    /// ISO 6346, check digit verified.
    pub container: String,
    pub bill_of_lading: String,
    /// The shipping line whose release it is.
    pub line: OrgId,
    /// Who issued it: the line or its agent.
    pub issued_by: OrgId,
    /// The terminal (an access-register facility) the container is collected from, when known.
    pub facility: Option<FacilityId>,
    pub issued_ms: i64,
    pub expires_ms: i64,
    pub state: ReleaseState,
    pub commercial: CommercialLight,
    pub customs: CustomsLight,
    pub terminal: TerminalLight,
    /// The release-right chain, from the line's link to the release-to party onwards.
    pub chain: Vec<Link>,
    pub assignment: Option<Assignment>,
    pub collected_ms: Option<i64>,
    /// Bumped by every step: the store writes a step only over the version it was made from.
    pub version: i64,
}

/// What the line says when it issues a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub container: String,
    pub bill_of_lading: String,
    pub line: OrgId,
    pub issued_by: OrgId,
    pub facility: Option<FacilityId>,
    /// Default: [`DEFAULT_VALIDITY_MS`] after issue.
    pub expires_ms: Option<i64>,
}

impl Release {
    /// A new release, checked: the container's check digit, the bill of lading, an expiry
    /// after the issue. Its lights start as released (commercial: the line issues it),
    /// unknown (customs) and not discharged (terminal); the chain is empty, the line holds it.
    pub fn issue(id: ReleaseId, issue: Issue, at_ms: i64) -> Result<Release, Vec<FieldError>> {
        let mut errors = Vec::new();
        let container = crate::container::container_number("container", &issue.container)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let bill_of_lading =
            crate::container::bill_of_lading("bill_of_lading", &issue.bill_of_lading)
                .map_err(|e| errors.push(e))
                .unwrap_or_default();
        let expires_ms = issue
            .expires_ms
            .unwrap_or(at_ms.saturating_add(DEFAULT_VALIDITY_MS));
        if expires_ms <= at_ms {
            errors.push(FieldError::new(
                "expires",
                "must be after the time of issue",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Release {
            id,
            container,
            bill_of_lading,
            line: issue.line,
            issued_by: issue.issued_by,
            facility: issue.facility,
            issued_ms: at_ms,
            expires_ms,
            state: ReleaseState::Active,
            commercial: CommercialLight::Released,
            customs: CustomsLight::Unknown,
            terminal: TerminalLight::NotDischarged,
            chain: Vec::new(),
            assignment: None,
            collected_ms: None,
            version: 0,
        })
    }

    /// The party that holds the right now: the receiver of the last accepted link (the
    /// line while the first link is only offered).
    pub fn holder(&self) -> OrgId {
        self.chain
            .iter()
            .rev()
            .find(|l| l.state == LinkState::Accepted)
            .map(|l| l.to)
            .unwrap_or(self.line)
    }

    /// The holder's role.
    pub fn holder_role(&self) -> Role {
        self.chain
            .iter()
            .rev()
            .find(|l| l.state == LinkState::Accepted)
            .map(|l| l.role)
            .unwrap_or(Role::Line)
    }

    /// The offer waiting for an answer, if any (always the last link).
    pub fn pending(&self) -> Option<&Link> {
        self.chain.last().filter(|l| l.state == LinkState::Offered)
    }

    /// Every organisation the right reached: the line, the issuer and each party offered it.
    pub fn parties(&self) -> Vec<OrgId> {
        let mut out = vec![self.line, self.issued_by];
        for l in &self.chain {
            out.push(l.from);
            out.push(l.to);
        }
        let mut seen = Vec::new();
        for o in out {
            if !seen.contains(&o) {
                seen.push(o);
            }
        }
        seen
    }

    /// The customs light as the gate sees it: a scan selection by targeting turns a green
    /// or unknown light into "present for scanning"; red stays red.
    pub fn effective_customs(&self, scan_selected: bool) -> CustomsLight {
        match (&self.customs, scan_selected) {
            (CustomsLight::Red { .. }, _) | (CustomsLight::Orange { scan: true, .. }, _) => {
                self.customs.clone()
            }
            (_, true) => CustomsLight::Orange {
                reason: SCAN_SELECTED.into(),
                scan: true,
            },
            (light, false) => light.clone(),
        }
    }
}
