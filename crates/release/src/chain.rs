//! The release-right chain as a state machine. [`apply`] takes a release, the organisation
//! acting, an [`Action`] and the time, and either returns the release after the step with
//! the [`Hop`] to record, or says why the step is refused ([`HopError`], each a case of the
//! anchors' error lists). Nothing here is a secret: the right is who holds it, and only the
//! holder can move it on.
//!
//! Re-issue: a line that withdrew its release can issue it again; the prepared chain and the
//! assigned driver are restored as they stood (Secure Chain restores the chain
//! automatically), with the new expiry.

use hamnvakt_core::ids::{OrgId, PersonId};
use serde::Serialize;

use crate::model::{
    Assignment, CommercialLight, CustomsLight, Link, LinkState, Release, ReleaseState, Role,
    TerminalLight,
};

/// One step an organisation asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Offer (transfer) the right to `to` in role `role`.
    Offer { to: OrgId, role: Role },
    /// Accept the offer made to the actor.
    Accept,
    /// Decline the offer made to the actor.
    Decline,
    /// Take back the right the actor gave on: the link the actor gave and everything after
    /// it goes; the actor holds it again.
    Revoke,
    /// Name the driver and truck (the inland operator at the end of the chain).
    Assign {
        driver: PersonId,
        /// The driver's organisation in the access register.
        driver_org: OrgId,
        /// Whether the driver holds an active port card.
        driver_has_card: bool,
        plate: String,
    },
    /// Take the assignment back.
    Unassign,
    /// The line withdraws the whole release.
    Withdraw,
    /// The line issues a withdrawn release again, valid until `expires_ms`.
    Reissue { expires_ms: i64 },
    /// The line sets its commercial light.
    Commercial(CommercialLight),
    /// Customs sets its light.
    Customs(CustomsLight),
    /// The terminal sets its light.
    Terminal(TerminalLight),
    /// Collected at the gate (the server applies it after a granted pick-up).
    Collect,
}

/// Who may set a light: the kind of organisation the server found the actor to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// An ordinary party: chain steps only, the line's steps if it is the release's line.
    Party,
    Customs,
    Terminal,
    /// The gate, recording a collection.
    Gate,
}

/// What a step did, for the audit event and the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// `offered`, `accepted`, `declined`, `revoked`, `assigned`, `unassigned`, `withdrawn`,
    /// `reissued`, `light`, `collected`.
    pub kind: &'static str,
    pub by: OrgId,
    /// The organisation the step concerns, when it is another one (offered to, revoked from).
    pub other: Option<OrgId>,
    pub role: Option<Role>,
    pub at_ms: i64,
    pub detail: serde_json::Value,
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HopError {
    #[error("the release has been withdrawn by the line")]
    Withdrawn,
    #[error("the container has already been collected")]
    Collected,
    #[error("the release expired")]
    Expired,
    #[error("only the current holder of the release right may do this")]
    NotHolder,
    #[error("an offer is already waiting for an answer; revoke it first")]
    OfferPending,
    #[error("no offer is waiting for this organisation")]
    NoOfferForYou,
    #[error("a {from} may not pass the right to a {to}")]
    RoleNotAllowed {
        from: &'static str,
        to: &'static str,
    },
    #[error("the right cannot be offered to its holder")]
    SelfOffer,
    #[error("that organisation already holds a place in this chain")]
    AlreadyInChain,
    #[error("this organisation gave no link of the chain that it could revoke")]
    NothingToRevoke,
    #[error("a driver is assigned; take the assignment back before passing the right on")]
    DriverAssigned,
    #[error("only the inland operator (haulier or its subcontractor) may assign a driver")]
    NotInlandOperator,
    #[error("the driver has no active port card")]
    DriverWithoutCard,
    #[error("the driver does not work for the organisation assigning them")]
    DriverOfOtherOrg,
    #[error("the plate must be 2 to 12 letters or digits")]
    BadPlate,
    #[error("no driver is assigned")]
    NotAssigned,
    #[error("only the line that issued the release may do this")]
    NotLine,
    #[error("the release is not withdrawn")]
    NotWithdrawn,
    #[error("the new expiry must be in the future")]
    ExpiryInPast,
    #[error("only {0} may set this light")]
    NotLightAuthority(&'static str),
    #[error("the container can be collected only through the gate")]
    NotGate,
}

impl HopError {
    /// A stable code for the problem document.
    pub fn code(&self) -> &'static str {
        match self {
            HopError::Withdrawn => "release_withdrawn",
            HopError::Collected => "release_collected",
            HopError::Expired => "release_expired",
            HopError::NotHolder => "not_holder",
            HopError::OfferPending => "offer_pending",
            HopError::NoOfferForYou => "no_offer",
            HopError::RoleNotAllowed { .. } => "role_not_allowed",
            HopError::SelfOffer => "self_offer",
            HopError::AlreadyInChain => "already_in_chain",
            HopError::NothingToRevoke => "nothing_to_revoke",
            HopError::DriverAssigned => "driver_assigned",
            HopError::NotInlandOperator => "not_inland_operator",
            HopError::DriverWithoutCard => "driver_without_card",
            HopError::DriverOfOtherOrg => "driver_of_other_org",
            HopError::BadPlate => "bad_plate",
            HopError::NotAssigned => "not_assigned",
            HopError::NotLine => "not_line",
            HopError::NotWithdrawn => "not_withdrawn",
            HopError::ExpiryInPast => "expiry_in_past",
            HopError::NotLightAuthority(_) => "not_light_authority",
            HopError::NotGate => "not_gate",
        }
    }
}

/// Normalises a plate as cameras read it (`ABC 123`, `abc-123` → `ABC123`).
pub fn normalise_plate(p: &str) -> String {
    p.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn hop(kind: &'static str, by: OrgId, other: Option<OrgId>, role: Option<Role>, at_ms: i64) -> Hop {
    Hop {
        kind,
        by,
        other,
        role,
        at_ms,
        detail: serde_json::Value::Null,
    }
}

/// Applies one step by `actor` (acting with `authority`) at `at_ms`. On success the release
/// has its version bumped and the hop says what happened; on refusal nothing changed.
pub fn apply(
    release: &Release,
    actor: OrgId,
    authority: Authority,
    action: &Action,
    at_ms: i64,
) -> Result<(Release, Hop), HopError> {
    let mut r = release.clone();
    // Lights and the line's own steps first: they are allowed on a withdrawn release.
    let h = match action {
        Action::Withdraw => {
            line_only(&r, actor)?;
            live(&r)?;
            r.state = ReleaseState::Withdrawn;
            hop("withdrawn", actor, None, None, at_ms)
        }
        Action::Reissue { expires_ms } => {
            line_only(&r, actor)?;
            if r.state != ReleaseState::Withdrawn {
                return Err(HopError::NotWithdrawn);
            }
            if *expires_ms <= at_ms {
                return Err(HopError::ExpiryInPast);
            }
            r.state = ReleaseState::Active;
            r.expires_ms = *expires_ms;
            let mut h = hop("reissued", actor, None, None, at_ms);
            h.detail = serde_json::json!({ "expires_ms": expires_ms });
            h
        }
        Action::Commercial(light) => {
            line_only(&r, actor)?;
            not_collected(&r)?;
            r.commercial = light.clone();
            light_hop(actor, "commercial", light, at_ms)
        }
        Action::Customs(light) => {
            if authority != Authority::Customs {
                return Err(HopError::NotLightAuthority("customs"));
            }
            not_collected(&r)?;
            r.customs = light.clone();
            light_hop(actor, "customs", light, at_ms)
        }
        Action::Terminal(light) => {
            if authority != Authority::Terminal {
                return Err(HopError::NotLightAuthority("the terminal"));
            }
            not_collected(&r)?;
            r.terminal = light.clone();
            light_hop(actor, "terminal", light, at_ms)
        }
        Action::Collect => {
            if authority != Authority::Gate {
                return Err(HopError::NotGate);
            }
            live(&r)?;
            r.state = ReleaseState::Collected;
            r.collected_ms = Some(at_ms);
            hop("collected", actor, None, None, at_ms)
        }
        chain_step => {
            live(&r)?;
            if at_ms >= r.expires_ms {
                return Err(HopError::Expired);
            }
            step(&mut r, actor, chain_step, at_ms)?
        }
    };
    r.version += 1;
    Ok((r, h))
}

fn light_hop<T: Serialize>(actor: OrgId, which: &str, light: &T, at_ms: i64) -> Hop {
    let mut h = hop("light", actor, None, None, at_ms);
    h.detail = serde_json::json!({ "light": which, "value": light });
    h
}

fn line_only(r: &Release, actor: OrgId) -> Result<(), HopError> {
    if actor == r.line || actor == r.issued_by {
        Ok(())
    } else {
        Err(HopError::NotLine)
    }
}

fn not_collected(r: &Release) -> Result<(), HopError> {
    if r.state == ReleaseState::Collected {
        Err(HopError::Collected)
    } else {
        Ok(())
    }
}

fn live(r: &Release) -> Result<(), HopError> {
    match r.state {
        ReleaseState::Active => Ok(()),
        ReleaseState::Withdrawn => Err(HopError::Withdrawn),
        ReleaseState::Collected => Err(HopError::Collected),
    }
}

fn step(r: &mut Release, actor: OrgId, action: &Action, at_ms: i64) -> Result<Hop, HopError> {
    match action {
        Action::Offer { to, role } => {
            // The line (or its agent) holds the right until the release-to party accepts.
            let holder = r.holder();
            let holds = actor == holder || (holder == r.line && actor == r.issued_by);
            if !holds {
                return Err(HopError::NotHolder);
            }
            if r.pending().is_some() {
                return Err(HopError::OfferPending);
            }
            if r.assignment.is_some() {
                return Err(HopError::DriverAssigned);
            }
            let from_role = r.holder_role();
            let allowed = match from_role {
                Role::Line => *role == Role::ReleaseTo && r.chain.is_empty(),
                other => other.may_offer(*role),
            };
            if !allowed {
                return Err(HopError::RoleNotAllowed {
                    from: from_role.as_str(),
                    to: role.as_str(),
                });
            }
            if *to == actor || *to == holder {
                return Err(HopError::SelfOffer);
            }
            if *to == r.line || r.chain.iter().any(|l| l.to == *to) {
                return Err(HopError::AlreadyInChain);
            }
            r.chain.push(Link {
                from: holder,
                to: *to,
                role: *role,
                state: LinkState::Offered,
                offered_ms: at_ms,
                accepted_ms: None,
            });
            Ok(hop("offered", actor, Some(*to), Some(*role), at_ms))
        }
        Action::Accept | Action::Decline => {
            let Some(pending) = r.pending() else {
                return Err(HopError::NoOfferForYou);
            };
            if pending.to != actor {
                return Err(HopError::NoOfferForYou);
            }
            let (from, role) = (pending.from, pending.role);
            if *action == Action::Accept {
                if let Some(last) = r.chain.last_mut() {
                    last.state = LinkState::Accepted;
                    last.accepted_ms = Some(at_ms);
                }
                Ok(hop("accepted", actor, Some(from), Some(role), at_ms))
            } else {
                r.chain.pop();
                Ok(hop("declined", actor, Some(from), Some(role), at_ms))
            }
        }
        Action::Revoke => {
            let giver_is_line = |l: &Link| l.from == r.line && actor == r.issued_by;
            let Some(at) = r
                .chain
                .iter()
                .position(|l| l.from == actor || giver_is_line(l))
            else {
                return Err(HopError::NothingToRevoke);
            };
            let taken: Vec<Link> = r.chain.split_off(at);
            r.assignment = None;
            let first = taken.first();
            let mut h = hop(
                "revoked",
                actor,
                first.map(|l| l.to),
                first.map(|l| l.role),
                at_ms,
            );
            h.detail = serde_json::json!({
                "links_removed": taken.len(),
                "from": taken.iter().map(|l| l.to).collect::<Vec<_>>(),
            });
            Ok(h)
        }
        Action::Assign {
            driver,
            driver_org,
            driver_has_card,
            plate,
        } => {
            if actor != r.holder() {
                return Err(HopError::NotHolder);
            }
            if !r.holder_role().may_assign() {
                return Err(HopError::NotInlandOperator);
            }
            if r.pending().is_some() {
                return Err(HopError::OfferPending);
            }
            if !driver_has_card {
                return Err(HopError::DriverWithoutCard);
            }
            if *driver_org != actor {
                return Err(HopError::DriverOfOtherOrg);
            }
            let plate = normalise_plate(plate);
            if !(2..=12).contains(&plate.len()) {
                return Err(HopError::BadPlate);
            }
            r.assignment = Some(Assignment {
                driver: *driver,
                plate: plate.clone(),
                by: actor,
                at_ms,
            });
            let mut h = hop("assigned", actor, None, Some(r.holder_role()), at_ms);
            h.detail = serde_json::json!({ "driver": driver, "plate": plate });
            Ok(h)
        }
        Action::Unassign => {
            if actor != r.holder() {
                return Err(HopError::NotHolder);
            }
            if r.assignment.take().is_none() {
                return Err(HopError::NotAssigned);
            }
            Ok(hop("unassigned", actor, None, None, at_ms))
        }
        // The other actions are handled by `apply` before it calls this.
        _ => Err(HopError::NotHolder),
    }
}
