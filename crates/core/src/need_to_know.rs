//! Who may read what, beyond the alert's own rule ([`crate::alert::visible_to`]): the rule the
//! audit log applies to every event, so that the log never shows what the objects it records
//! would not.
//!
//! An event about a marked object (an alert) is readable exactly when the object is. Any other
//! event is its organisation's: readable by that organisation's auditors; events of no
//! organisation (the system, the command line, anonymous sign-in attempts) by the
//! installation operator's (the port authority's); and, of another organisation, only the
//! account-administration events (sign-ins, users, tokens, organisations), and only by a
//! platform administrator, who administers those accounts. Nothing else crosses an
//! organisation's boundary through the log.

use crate::ids::OrgId;

/// The reader, as the rule needs to know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub org: OrgId,
    /// The reader's organisation runs the installation (the port authority).
    pub installation_operator: bool,
    /// The reader holds the platform administrator's role.
    pub platform_administrator: bool,
    /// The reader's organisation is a federated partner port ([`crate::marking::Reader`]).
    pub partner: bool,
}

impl Reader {
    /// The reader as the marking rule sees them.
    pub fn marking_reader(&self) -> crate::marking::Reader {
        crate::marking::Reader {
            org: self.org,
            partner: self.partner,
        }
    }
}

/// Event kinds that record the administration of accounts.
const ACCOUNT_KINDS: [&str; 4] = ["auth.", "user.", "token.", "org."];

/// Whether `reader` may read an event of `kind` written by `org` that is about no marked
/// object. (An event about a marked object follows the object's marking instead.)
pub fn may_read_unmarked_event(reader: &Reader, org: Option<OrgId>, kind: &str) -> bool {
    match org {
        Some(o) if o == reader.org => true,
        None => reader.installation_operator || reader.platform_administrator,
        Some(_) => {
            reader.platform_administrator && ACCOUNT_KINDS.iter().any(|p| kind.starts_with(p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Id;

    #[test]
    fn the_rule_as_a_table() {
        let own: OrgId = Id::from_random_bytes([1; 16]);
        let other: OrgId = Id::from_random_bytes([2; 16]);
        let staff = Reader {
            org: own,
            installation_operator: false,
            platform_administrator: false,
            partner: false,
        };
        let port = Reader {
            installation_operator: true,
            ..staff
        };
        let platform = Reader {
            platform_administrator: true,
            ..staff
        };
        let cases = [
            (staff, Some(own), "access.decision", true),
            (staff, Some(other), "access.decision", false),
            (staff, Some(other), "auth.login", false),
            (staff, None, "auth.login_failed", false),
            (port, None, "auth.login_failed", true),
            (port, Some(other), "auth.login", false),
            (port, Some(other), "targeting.selected", false),
            (platform, Some(other), "user.created", true),
            (platform, Some(other), "token.created", true),
            (platform, Some(other), "targeting.selected", false),
            (platform, Some(other), "consignment.imported", false),
            (platform, None, "system.started", true),
        ];
        for (reader, org, kind, want) in cases {
            assert_eq!(
                may_read_unmarked_event(&reader, org, kind),
                want,
                "{reader:?} {org:?} {kind}"
            );
        }
    }
}
