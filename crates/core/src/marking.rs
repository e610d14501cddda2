//! The one rule of who may see a shareable object: its TLP 2.0 marking together with its
//! audience, decided when the object is created.
//!
//! TLP says how far the information may travel; the audience says to whom the owner actually
//! gives it. The audience may be narrower than the marking allows, never wider, and that is
//! checked at creation ([`Marking::validate`]) so nothing is ever created open and restricted
//! afterwards. The check ([`check`]) is used by every read path, export and feed, and says why
//! a reader may see an object ([`Why`]) or why not ([`WhyNot`]), so "who can see this and why"
//! is answered by the same code that enforces it.
//!
//! Who is who:
//! - the *organisation*: the owner's organisation;
//! - *named organisations*: the recipients the owner listed;
//! - the *port community*: the organisations that are members of this installation (agencies,
//!   terminals, hauliers …);
//! - the *alliance*: the port community plus the federated partner installations, which
//!   appear here as organisations of kind `other_port`.
//!
//! TLP 2.0 (FIRST, 2022) in these terms: RED goes to named recipients only and no further;
//! AMBER+STRICT stays in the owner's organisation; AMBER goes to the organisation and named
//! recipients (on a need-to-know basis within theirs — their clients are not modelled, so
//! nothing is given to them); GREEN to the community (the port community, or the alliance when
//! the owner says so), never publicly; CLEAR anywhere, still within the chosen audience.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::OrgId;
use crate::tlp::Tlp;
use crate::validate::FieldError;

/// Who the owner gives an object to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The owner's organisation only.
    Organisation,
    /// The owner's organisation and the organisations it named.
    Named,
    /// Every member organisation of this installation.
    Community,
    /// The port community and the federated partner ports.
    Alliance,
}

impl Audience {
    pub const ALL: [Audience; 4] = [
        Audience::Organisation,
        Audience::Named,
        Audience::Community,
        Audience::Alliance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Organisation => "organisation",
            Audience::Named => "named",
            Audience::Community => "community",
            Audience::Alliance => "alliance",
        }
    }

    /// The audiences TLP allows for a marking, narrowest first.
    pub fn allowed_for(tlp: Tlp) -> &'static [Audience] {
        match tlp {
            Tlp::Red => &[Audience::Named],
            Tlp::AmberStrict => &[Audience::Organisation],
            Tlp::Amber => &[Audience::Organisation, Audience::Named],
            Tlp::Green | Tlp::Clear => &Audience::ALL,
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Audience {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Audience::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown audience {s:?}; expected organisation, named, community or alliance"
                )
            })
    }
}

/// A shareable object's marking and audience.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marking {
    pub tlp: Tlp,
    pub audience: Audience,
    /// The named organisations (for the `named` audience; empty otherwise).
    #[serde(default)]
    pub recipients: Vec<OrgId>,
}

/// At most this many named recipients on one object.
pub const MAX_RECIPIENTS: usize = 50;

impl Marking {
    /// The marking an alert has: its TLP, the audience its owner chose when raising it, and
    /// the organisations named on it. An alert raised without an audience (every detector's,
    /// and any stored before alerts carried one) has the audience its TLP implies: CLEAR and
    /// GREEN for the port community, AMBER and RED for the owner and those named, AMBER+STRICT
    /// for the owner's organisation only.
    pub fn of_alert(tlp: Tlp, audience: Option<Audience>, shared_with: &[OrgId]) -> Marking {
        let audience = audience.unwrap_or(match tlp {
            Tlp::Clear | Tlp::Green => Audience::Community,
            Tlp::AmberStrict => Audience::Organisation,
            Tlp::Amber | Tlp::Red => Audience::Named,
        });
        Marking {
            tlp,
            audience,
            recipients: if audience == Audience::Named {
                shared_with.to_vec()
            } else {
                Vec::new()
            },
        }
    }

    /// Checks the marking as the owner sets it: the audience within what TLP allows, and
    /// recipients exactly when the audience is `named`. Field paths start at `field`.
    pub fn validate(&self, field: &str, owner: OrgId) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !Audience::allowed_for(self.tlp).contains(&self.audience) {
            let allowed: Vec<&str> = Audience::allowed_for(self.tlp)
                .iter()
                .map(|a| a.as_str())
                .collect();
            errors.push(FieldError::new(
                format!("{field}.audience"),
                format!(
                    "{} may not go to the {} audience; {} allows {}",
                    self.tlp,
                    self.audience,
                    self.tlp,
                    allowed.join(" or ")
                ),
            ));
        }
        match self.audience {
            Audience::Named if self.recipients.is_empty() => errors.push(FieldError::new(
                format!("{field}.recipients"),
                "the named audience needs at least one recipient organisation",
            )),
            Audience::Named => {}
            _ if !self.recipients.is_empty() => errors.push(FieldError::new(
                format!("{field}.recipients"),
                format!(
                    "recipients are only for the named audience, not {}",
                    self.audience
                ),
            )),
            _ => {}
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            errors.push(FieldError::new(
                format!("{field}.recipients"),
                format!("at most {MAX_RECIPIENTS} recipients"),
            ));
        }
        if self.recipients.contains(&owner) {
            errors.push(FieldError::new(
                format!("{field}.recipients"),
                "the owner's organisation is not a recipient: it always sees its own objects",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether the object may be given to a federated partner installation at all (over
    /// TAXII or in an export for the alliance): only what its audience gives the alliance, or
    /// names one of the partner's organisations with a marking that lets it leave the owner's
    /// walls (RED is for people, never for a machine feed; AMBER+STRICT never leaves).
    pub fn may_leave_for(&self, partner: OrgId) -> bool {
        match self.tlp {
            Tlp::Red | Tlp::AmberStrict => false,
            Tlp::Amber => self.audience == Audience::Named && self.recipients.contains(&partner),
            Tlp::Green | Tlp::Clear => match self.audience {
                Audience::Alliance => true,
                Audience::Named => self.recipients.contains(&partner),
                Audience::Organisation | Audience::Community => false,
            },
        }
    }
}

/// The reader, as the rule needs to know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub org: OrgId,
    /// The reader's organisation is a federated partner installation (kind `other_port`),
    /// not a member of this port community.
    pub partner: bool,
}

/// Why a reader may see an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The reader's organisation owns it.
    Owner,
    /// The owner named the reader's organisation.
    Named,
    /// It is given to the port community, which the reader's organisation belongs to.
    Community,
    /// It is given to the alliance, which the reader's organisation belongs to.
    Alliance,
}

/// Why a reader may not see an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WhyNot {
    /// The audience is the owner's organisation.
    OwnerOnly,
    /// The audience is named organisations and the reader's is not one of them.
    NotNamed,
    /// The audience is the port community and the reader is a partner installation.
    NotInCommunity,
    /// The marking does not allow the audience the object claims (never created so; an
    /// object arriving so from outside is refused to everyone but its owner).
    MarkingForbidsAudience,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Why::Owner => "your organisation owns it",
            Why::Named => "the owner named your organisation",
            Why::Community => "it is shared with the port community, which you belong to",
            Why::Alliance => "it is shared with the alliance, which you belong to",
        })
    }
}

impl fmt::Display for WhyNot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WhyNot::OwnerOnly => "it is for the owner's organisation only",
            WhyNot::NotNamed => "it is for named organisations and yours is not one of them",
            WhyNot::NotInCommunity => {
                "it is for this port community and your organisation is a partner port"
            }
            WhyNot::MarkingForbidsAudience => "its marking does not allow its audience",
        })
    }
}

/// The rule: may `reader` see an object of `owner` with `marking`, and why.
pub fn check(owner: OrgId, marking: &Marking, reader: &Reader) -> Result<Why, WhyNot> {
    if reader.org == owner {
        return Ok(Why::Owner);
    }
    if !Audience::allowed_for(marking.tlp).contains(&marking.audience) {
        return Err(WhyNot::MarkingForbidsAudience);
    }
    match marking.audience {
        Audience::Organisation => Err(WhyNot::OwnerOnly),
        Audience::Named if marking.recipients.contains(&reader.org) => Ok(Why::Named),
        Audience::Named => Err(WhyNot::NotNamed),
        Audience::Community if reader.partner => Err(WhyNot::NotInCommunity),
        Audience::Community => Ok(Why::Community),
        Audience::Alliance => Ok(Why::Alliance),
    }
}

/// [`check`] as a yes or no.
pub fn may_see(owner: OrgId, marking: &Marking, reader: &Reader) -> bool {
    check(owner, marking, reader).is_ok()
}

/// Whether an object of `owner` marked `marking`, written about another object (a note on
/// it, a relationship from or to it, a grouping that holds it), goes no further than that
/// object: a TLP at least as strict, and no reader of it who may not read the other.
/// Otherwise what is written about an object would tell its existence, and often its content,
/// to readers its own marking keeps out. `is_partner` says which organisations are federated
/// partner installations (outside the port community).
pub fn within(
    owner: OrgId,
    marking: &Marking,
    of_owner: OrgId,
    of: &Marking,
    is_partner: impl Fn(OrgId) -> bool,
) -> bool {
    if marking.tlp < of.tlp {
        return false;
    }
    let reads_other = |org: OrgId| {
        may_see(
            of_owner,
            of,
            &Reader {
                org,
                partner: is_partner(org),
            },
        )
    };
    // The writer reads what it writes: it must read the other object too.
    if !reads_other(owner) {
        return false;
    }
    match marking.audience {
        Audience::Organisation => true,
        Audience::Named => marking.recipients.iter().all(|r| reads_other(*r)),
        // Every member of the community must read the other object: it goes to the community
        // or the alliance, under a marking that allows it.
        Audience::Community => {
            Audience::allowed_for(of.tlp).contains(&of.audience)
                && matches!(of.audience, Audience::Community | Audience::Alliance)
        }
        Audience::Alliance => {
            Audience::allowed_for(of.tlp).contains(&of.audience)
                && of.audience == Audience::Alliance
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::ids::Id;

    fn org(n: u8) -> OrgId {
        Id::from_random_bytes([n; 16])
    }

    #[test]
    fn audiences_tlp_allows() {
        let owner = org(1);
        let named = org(2);
        for tlp in Tlp::ALL {
            for audience in Audience::ALL {
                let recipients = if audience == Audience::Named {
                    vec![named]
                } else {
                    vec![]
                };
                let m = Marking {
                    tlp,
                    audience,
                    recipients,
                };
                let want = match tlp {
                    Tlp::Red => audience == Audience::Named,
                    Tlp::AmberStrict => audience == Audience::Organisation,
                    Tlp::Amber => matches!(audience, Audience::Organisation | Audience::Named),
                    Tlp::Green | Tlp::Clear => true,
                };
                assert_eq!(
                    m.validate("marking", owner).is_ok(),
                    want,
                    "{tlp} {audience}"
                );
            }
        }
    }

    #[test]
    fn recipients_only_with_the_named_audience_and_never_the_owner() {
        let owner = org(1);
        let m = Marking {
            tlp: Tlp::Green,
            audience: Audience::Community,
            recipients: vec![org(2)],
        };
        let e = m.validate("marking", owner).unwrap_err();
        assert_eq!(e[0].field, "marking.recipients");
        let m = Marking {
            tlp: Tlp::Red,
            audience: Audience::Named,
            recipients: vec![],
        };
        assert!(m.validate("marking", owner).is_err());
        let m = Marking {
            tlp: Tlp::Red,
            audience: Audience::Named,
            recipients: vec![owner],
        };
        assert!(m.validate("marking", owner).is_err());
    }

    #[test]
    fn the_rule_as_a_table() {
        let owner = org(1);
        let named = org(2);
        let member = Reader {
            org: org(3),
            partner: false,
        };
        let partner = Reader {
            org: org(4),
            partner: true,
        };
        let named_reader = Reader {
            org: named,
            partner: false,
        };
        let m = |tlp, audience, recipients: Vec<OrgId>| Marking {
            tlp,
            audience,
            recipients,
        };
        use Audience::*;
        let cases = [
            (
                m(Tlp::Red, Named, vec![named]),
                named_reader,
                Ok(Why::Named),
            ),
            (
                m(Tlp::Red, Named, vec![named]),
                member,
                Err(WhyNot::NotNamed),
            ),
            (
                m(Tlp::AmberStrict, Organisation, vec![]),
                member,
                Err(WhyNot::OwnerOnly),
            ),
            (
                m(Tlp::AmberStrict, Named, vec![named]),
                named_reader,
                Err(WhyNot::MarkingForbidsAudience),
            ),
            (
                m(Tlp::Amber, Named, vec![named]),
                named_reader,
                Ok(Why::Named),
            ),
            (
                m(Tlp::Amber, Community, vec![]),
                member,
                Err(WhyNot::MarkingForbidsAudience),
            ),
            (m(Tlp::Green, Community, vec![]), member, Ok(Why::Community)),
            (
                m(Tlp::Green, Community, vec![]),
                partner,
                Err(WhyNot::NotInCommunity),
            ),
            (m(Tlp::Green, Alliance, vec![]), partner, Ok(Why::Alliance)),
            (
                m(Tlp::Clear, Organisation, vec![]),
                partner,
                Err(WhyNot::OwnerOnly),
            ),
            (m(Tlp::Clear, Alliance, vec![]), member, Ok(Why::Alliance)),
        ];
        for (marking, reader, want) in cases {
            assert_eq!(
                check(owner, &marking, &reader),
                want,
                "{marking:?} {reader:?}"
            );
        }
        let owner_reader = Reader {
            org: owner,
            partner: false,
        };
        assert_eq!(
            check(owner, &m(Tlp::Red, Named, vec![named]), &owner_reader),
            Ok(Why::Owner)
        );
    }

    #[test]
    fn what_is_written_about_an_object_goes_no_further_than_it() {
        let (a, b, c, p) = (org(1), org(2), org(3), org(9));
        let is_partner = |o: OrgId| o == p;
        let m = |tlp, audience, recipients: Vec<OrgId>| Marking {
            tlp,
            audience,
            recipients,
        };
        use Audience::*;
        let green_alliance = m(Tlp::Green, Alliance, vec![]);
        let green_community = m(Tlp::Green, Community, vec![]);
        let amber_to_b = m(Tlp::Amber, Named, vec![b]);
        // On an alliance object anything of a TLP at least as strict goes.
        assert!(within(a, &green_alliance, a, &green_alliance, is_partner));
        assert!(within(a, &green_community, a, &green_alliance, is_partner));
        assert!(within(a, &amber_to_b, a, &green_alliance, is_partner));
        // Not a laxer TLP, not a wider audience.
        assert!(!within(
            a,
            &m(Tlp::Clear, Alliance, vec![]),
            a,
            &green_alliance,
            is_partner
        ));
        assert!(!within(a, &green_alliance, a, &green_community, is_partner));
        // A community object may be noted to a member by name, never to a partner.
        assert!(within(
            a,
            &m(Tlp::Green, Named, vec![c]),
            a,
            &green_community,
            is_partner
        ));
        assert!(!within(
            a,
            &m(Tlp::Green, Named, vec![p]),
            a,
            &green_community,
            is_partner
        ));
        // What b was given by a can be answered to a, and to no one else.
        assert!(within(
            b,
            &m(Tlp::Amber, Named, vec![a]),
            a,
            &amber_to_b,
            is_partner
        ));
        assert!(!within(
            b,
            &m(Tlp::Amber, Named, vec![a, c]),
            a,
            &amber_to_b,
            is_partner
        ));
        assert!(within(
            b,
            &m(Tlp::AmberStrict, Organisation, vec![]),
            a,
            &amber_to_b,
            is_partner
        ));
        // One who may not read an object writes nothing about it.
        assert!(!within(
            c,
            &m(Tlp::Red, Named, vec![a]),
            a,
            &amber_to_b,
            is_partner
        ));
    }

    #[test]
    fn only_alliance_and_partner_named_objects_leave() {
        let partner = org(9);
        let m = |tlp, audience, recipients: Vec<OrgId>| Marking {
            tlp,
            audience,
            recipients,
        };
        use Audience::*;
        assert!(m(Tlp::Green, Alliance, vec![]).may_leave_for(partner));
        assert!(m(Tlp::Clear, Alliance, vec![]).may_leave_for(partner));
        assert!(!m(Tlp::Green, Community, vec![]).may_leave_for(partner));
        assert!(m(Tlp::Amber, Named, vec![partner]).may_leave_for(partner));
        assert!(!m(Tlp::Amber, Named, vec![org(8)]).may_leave_for(partner));
        assert!(!m(Tlp::Red, Named, vec![partner]).may_leave_for(partner));
        assert!(!m(Tlp::AmberStrict, Organisation, vec![]).may_leave_for(partner));
    }
}
