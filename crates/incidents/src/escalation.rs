//! Escalating an incident to an agency (customs, police, the coast guard): the agency becomes
//! a named recipient, within what TLP 2.0 allows, and is notified. The marking is never
//! widened silently: AMBER+STRICT stays in the owner's organisation unless the owner chooses
//! another marking in the same request, and nothing that already sees the incident loses it.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{Audience, Marking, MAX_RECIPIENTS};
use hamnvakt_core::Tlp;

/// Why an escalation was refused; each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the incident is marked TLP:AMBER+STRICT, which keeps it inside the owner's organisation: to escalate it to another organisation, choose TLP:AMBER or TLP:RED explicitly in `tlp` (the agency becomes a named recipient)")]
    AmberStrict,
    #[error("the incident is shared with the {0} audience: changing its marking to {1} would take it away from organisations that see it now; escalate without `tlp`")]
    WouldNarrow(Audience, Tlp),
    #[error(
        "the owner's organisation always sees its own incident: escalate to another organisation"
    )]
    Owner,
    #[error("an incident names at most {MAX_RECIPIENTS} recipient organisations")]
    TooMany,
}

/// The marking after escalating to `to`; `raise` is the marking the owner chose explicitly.
pub fn escalate(
    m: &Marking,
    owner: OrgId,
    to: OrgId,
    raise: Option<Tlp>,
) -> Result<Marking, Refused> {
    if to == owner {
        return Err(Refused::Owner);
    }
    let tlp = raise.unwrap_or(m.tlp);
    match m.audience {
        // Every member sees it already: the marking stays; the agency is notified.
        Audience::Community | Audience::Alliance => {
            if tlp != m.tlp {
                return Err(Refused::WouldNarrow(m.audience, tlp));
            }
            Ok(m.clone())
        }
        Audience::Organisation | Audience::Named => {
            if !Audience::allowed_for(tlp).contains(&Audience::Named) {
                return Err(Refused::AmberStrict);
            }
            let mut recipients = m.recipients.clone();
            if !recipients.contains(&to) {
                recipients.push(to);
            }
            if recipients.len() > MAX_RECIPIENTS {
                return Err(Refused::TooMany);
            }
            Ok(Marking {
                tlp,
                audience: Audience::Named,
                recipients,
            })
        }
    }
}

/// The TLP of the alert that tells the agency: never wider than the incident. RED stays RED;
/// an incident for the whole community may say so; anything narrower is AMBER, named to the
/// agency alone (an alert of CLEAR or GREEN would be read by the whole community).
pub fn notification_tlp(m: &Marking) -> Tlp {
    match (m.tlp, m.audience) {
        (Tlp::Red, _) => Tlp::Red,
        (t, Audience::Community | Audience::Alliance) => t,
        _ => Tlp::Amber,
    }
}
