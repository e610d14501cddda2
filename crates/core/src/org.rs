//! Organisations and the kinds of organisation a port works with.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an organisation is to the port. The kind decides nothing by itself (roles do), but
/// it is how the demo, the UI and sharing rules talk about "the agencies" or "the hauliers".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    PortAuthority,
    TerminalOperator,
    Customs,
    Police,
    CoastGuard,
    MaritimeAdministration,
    Haulier,
    Forwarder,
    ShippingLine,
    Contractor,
    OtherPort,
}

impl OrgKind {
    pub const ALL: [OrgKind; 11] = [
        OrgKind::PortAuthority,
        OrgKind::TerminalOperator,
        OrgKind::Customs,
        OrgKind::Police,
        OrgKind::CoastGuard,
        OrgKind::MaritimeAdministration,
        OrgKind::Haulier,
        OrgKind::Forwarder,
        OrgKind::ShippingLine,
        OrgKind::Contractor,
        OrgKind::OtherPort,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::PortAuthority => "port_authority",
            OrgKind::TerminalOperator => "terminal_operator",
            OrgKind::Customs => "customs",
            OrgKind::Police => "police",
            OrgKind::CoastGuard => "coast_guard",
            OrgKind::MaritimeAdministration => "maritime_administration",
            OrgKind::Haulier => "haulier",
            OrgKind::Forwarder => "forwarder",
            OrgKind::ShippingLine => "shipping_line",
            OrgKind::Contractor => "contractor",
            OrgKind::OtherPort => "other_port",
        }
    }

    /// Public authorities (as opposed to companies); alerts are escalated to these.
    pub fn is_agency(self) -> bool {
        matches!(
            self,
            OrgKind::Customs
                | OrgKind::Police
                | OrgKind::CoastGuard
                | OrgKind::MaritimeAdministration
        )
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown organisation kind {s:?}"))
    }
}
