//! Comparison across ports without naming them. Each port shares, per control, only its
//! answer's status; another port sees, per control, how many of the *other* contributing
//! ports implemented it, partly or not — and only when at least [`MIN_PORTS`] others
//! contribute. Never a name, never one port's answer:
//!
//! - the reader's own contribution is left out, so it cannot subtract itself from a total;
//! - fewer than three others: nothing is shown, not even how many there are;
//! - differencing over time: when the set of other ports changed by one or two since the
//!   reader last saw a comparison of that control, the reader is shown that earlier one
//!   again, since the difference between the two would be those one or two ports' answers.
//!   A new comparison is shown once the set changed by three or more, or not at all (the
//!   same ports answering anew is shown: the counts move, no port is singled out).
//!
//! The rule is documented in docs/SECURITY.md and tested below and in the server's tests.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::Status;

/// The fewest other ports a comparison is shown for.
pub const MIN_PORTS: usize = 3;

/// One port's answer to one control, as shared: the port by an opaque key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub port: String,
    pub status: Status,
}

/// What a reader is shown of one control.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    /// How many other ports the figures are over (at least three).
    pub ports: usize,
    pub implemented: usize,
    pub partly: usize,
    pub not: usize,
    pub not_applicable: usize,
}

/// The comparison a reader last saw of a control, kept by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The ports it was over.
    pub ports: BTreeSet<String>,
    pub shown: Aggregate,
}

/// The rule: what `reader` is shown of a control given every port's contribution and what
/// it was shown before. Returns the aggregate (or `None`) and the snapshot to keep.
pub fn compare(
    reader: &str,
    contributions: &[Contribution],
    last: Option<&Snapshot>,
) -> (Option<Aggregate>, Option<Snapshot>) {
    let others: Vec<&Contribution> = contributions.iter().filter(|c| c.port != reader).collect();
    let ports: BTreeSet<String> = others.iter().map(|c| c.port.clone()).collect();
    if ports.len() < MIN_PORTS {
        return (None, last.cloned());
    }
    if let Some(last) = last {
        let changed = last.ports.symmetric_difference(&ports).count();
        if changed > 0 && changed < MIN_PORTS {
            return (Some(last.shown.clone()), Some(last.clone()));
        }
    }
    let mut a = Aggregate {
        ports: ports.len(),
        implemented: 0,
        partly: 0,
        not: 0,
        not_applicable: 0,
    };
    // One answer per port: a port listed twice counts once (its last answer).
    for port in &ports {
        let Some(c) = others.iter().rev().find(|c| &c.port == port) else {
            continue;
        };
        match c.status {
            Status::Implemented => a.implemented += 1,
            Status::Partly => a.partly += 1,
            Status::Not => a.not += 1,
            Status::NotApplicable => a.not_applicable += 1,
        }
    }
    let snap = Snapshot {
        ports,
        shown: a.clone(),
    };
    (Some(a), Some(snap))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn c(port: &str, status: Status) -> Contribution {
        Contribution {
            port: port.into(),
            status,
        }
    }

    #[test]
    fn fewer_than_three_others_show_nothing() {
        let all = [
            c("me", Status::Not),
            c("a", Status::Implemented),
            c("b", Status::Partly),
        ];
        assert_eq!(compare("me", &all, None), (None, None));
        // Three contributions including the reader are still only two others.
        let (shown, _) = compare("a", &all, None);
        assert!(shown.is_none());
    }

    #[test]
    fn three_others_show_counts_without_names() {
        let all = [
            c("port-me", Status::Not),
            c("port-a", Status::Implemented),
            c("port-b", Status::Partly),
            c("port-c", Status::Implemented),
        ];
        let (shown, snap) = compare("port-me", &all, None);
        let shown = shown.unwrap();
        assert_eq!(
            (shown.ports, shown.implemented, shown.partly, shown.not),
            (3, 2, 1, 0)
        );
        let text = serde_json::to_string(&shown).unwrap();
        assert!(!text.contains("port-"), "{text}");
        assert!(snap.is_some());
    }

    #[test]
    fn one_port_joining_or_changing_cannot_be_differenced() {
        let before = [
            c("a", Status::Implemented),
            c("b", Status::Partly),
            c("c", Status::Implemented),
        ];
        let (first, snap) = compare("me", &before, None);
        // d joins: the difference would be d's answer, so the reader sees the first again.
        let mut after = before.to_vec();
        after.push(c("d", Status::Not));
        let (second, snap2) = compare("me", &after, snap.as_ref());
        assert_eq!(second, first);
        assert_eq!(snap2, snap);
        // c changes its answer: the same three ports, the counts move.
        let changed = [
            c("a", Status::Implemented),
            c("b", Status::Partly),
            c("c", Status::Not),
        ];
        let moved = compare("me", &changed, snap.as_ref()).0.unwrap();
        assert_eq!((moved.ports, moved.implemented, moved.not), (3, 1, 1));
        // Three more ports: a new comparison, over six.
        after.push(c("e", Status::Not));
        after.push(c("f", Status::Implemented));
        let (third, _) = compare("me", &after, snap.as_ref());
        assert_eq!(third.unwrap().ports, 6);
        // Two leave of three: too few, nothing.
        assert_eq!(compare("me", &before[..1], snap.as_ref()).0, None);
    }
}
