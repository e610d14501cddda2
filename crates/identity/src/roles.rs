//! Roles and permissions. A user has one or more roles; a role is a fixed set of permissions.
//! Handlers ask for a permission, never for a role, so that adding a role touches this file
//! only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Security-centre operator, on shift around the clock.
    Operator,
    /// Port facility security officer.
    Pfso,
    /// Customs targeting officer.
    TargetingOfficer,
    /// Coast guard, police or port analyst.
    Analyst,
    /// Manages its own organisation's users, roles and tokens, integrations and backups.
    Administrator,
    /// Creates organisations and manages users and tokens of every organisation of the
    /// installation: held apart from `administrator`, so that cross-organisation
    /// administration is a separate, visible grant (every use is audited like any other).
    PlatformAdministrator,
    /// A partner's system or a detector: raises and reads alerts; a partner installation
    /// deposits its signed audit-chain checkpoints.
    MachineClient,
    /// A gate controller: asks for gate decisions, nothing else.
    GateController,
    /// Customs' declaration system: brings consignments in and records inspection outcomes.
    CustomsSystem,
    /// The port-call system (the agents' single window): declares what the vessels' agents
    /// declare, such as a vessel's flag.
    PortCallSystem,
    /// A shipping line's, forwarder's or haulier's dispatcher: issues, accepts, passes on and
    /// assigns drivers to the container releases its organisation holds.
    Dispatcher,
    /// A shipping line's, forwarder's or haulier's system doing what a dispatcher does.
    ReleaseSystem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the alerts one's organisation may see.
    AlertsRead,
    /// Acknowledge, assign and close alerts of one's own organisation.
    AlertsTriage,
    /// Raise an alert (detectors, partner systems, people reporting).
    AlertsRaise,
    /// See the port's sites and the picture.
    SitesRead,
    /// Read the audit log and verify the chain.
    AuditRead,
    /// Create users of one's own organisation and change their roles.
    UsersManage,
    /// Create organisations; manage users and tokens of every organisation.
    OrganisationsManage,
    /// Create and revoke API tokens (for oneself; administrators for anyone).
    TokensManage,
    /// Ask for gate decisions (gate controllers).
    AccessDecide,
    /// See the access register, decisions, occupancy and muster lists.
    AccessRead,
    /// Change the access register and the access policies.
    AccessManage,
    /// Set a facility's ISPS security level.
    SecurityLevelSet,
    /// See consignments and the targeting worklist.
    CargoRead,
    /// Bring consignments in (declarations, manifests) and record inspection outcomes:
    /// customs' own data, and the targeting model's training labels.
    CargoWrite,
    /// Record what a vessel's agent declares (its flag).
    VesselsDeclare,
    /// Write and version risk profiles.
    ProfilesManage,
    /// Run the day's selection and re-route consignments between lanes.
    CargoSelect,
    /// See the shared objects (indicators, modi operandi, sightings) one's organisation may
    /// see, in the console, the API and over TAXII.
    SharingRead,
    /// Share: write indicators and modi operandi, import bundles, push over TAXII.
    SharingWrite,
    /// Set up the partner feeds (TAXII subscriptions).
    SharingManage,
    /// Give this installation signed checkpoints of one's own installation's audit chain, and
    /// read back the checkpoints it holds (a partner installation witnessing ours).
    AuditWitness,
    /// Act on the container releases one's organisation holds or is offered (issue, offer,
    /// accept, decline, revoke, assign a driver), and set the light one's organisation is
    /// the authority for (customs, the terminal). Sees only the releases that reached it.
    ReleaseAct,
    /// See every release and the day's pick-ups and refusals (the security centre, customs).
    ReleaseOversee,
    /// See one's organisation's vulnerability assessments, the catalogue of controls, the
    /// best practices one's organisation may see and the comparison across ports.
    AssessmentRead,
    /// Assess: edit one's organisation's assessments, write and import best practices, share
    /// one's control scores for the comparison across ports.
    AssessmentWrite,
    /// See the incidents and cases one's organisation may see (their marking decides).
    IncidentsRead,
    /// Open incidents and cases, work them (notes, actions, state), escalate to an agency.
    IncidentsWrite,
    /// Write in one's organisation's shift log, hand over and acknowledge a handover.
    ShiftLog,
    /// Write and version correlation rules (the security centre's joins across capabilities).
    CorrelationManage,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Operator,
        Role::Pfso,
        Role::TargetingOfficer,
        Role::Analyst,
        Role::Administrator,
        Role::PlatformAdministrator,
        Role::MachineClient,
        Role::GateController,
        Role::CustomsSystem,
        Role::PortCallSystem,
        Role::Dispatcher,
        Role::ReleaseSystem,
    ];

    /// Roles of systems, not people: they sign in with API tokens only.
    pub fn is_machine(self) -> bool {
        matches!(
            self,
            Role::MachineClient
                | Role::GateController
                | Role::CustomsSystem
                | Role::PortCallSystem
                | Role::ReleaseSystem
        )
    }

    /// Roles that only a customs organisation's accounts may hold: consignments and
    /// inspection outcomes are customs' data.
    pub fn is_customs(self) -> bool {
        matches!(self, Role::TargetingOfficer | Role::CustomsSystem)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Pfso => "pfso",
            Role::TargetingOfficer => "targeting_officer",
            Role::Analyst => "analyst",
            Role::Administrator => "administrator",
            Role::PlatformAdministrator => "platform_administrator",
            Role::MachineClient => "machine_client",
            Role::GateController => "gate_controller",
            Role::CustomsSystem => "customs_system",
            Role::PortCallSystem => "port_call_system",
            Role::Dispatcher => "dispatcher",
            Role::ReleaseSystem => "release_system",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Operator => &[
                SharingRead,
                AlertsRead,
                AlertsTriage,
                AlertsRaise,
                SitesRead,
                TokensManage,
                AccessRead,
                VesselsDeclare,
                ReleaseOversee,
                IncidentsRead,
                IncidentsWrite,
                ShiftLog,
            ],
            Role::Pfso => &[
                SharingRead,
                SharingWrite,
                SharingManage,
                AlertsRead,
                AlertsTriage,
                AlertsRaise,
                SitesRead,
                AuditRead,
                TokensManage,
                AccessRead,
                AccessManage,
                SecurityLevelSet,
                ReleaseAct,
                ReleaseOversee,
                AssessmentRead,
                AssessmentWrite,
                IncidentsRead,
                IncidentsWrite,
                ShiftLog,
                CorrelationManage,
            ],
            Role::TargetingOfficer => &[
                SharingRead,
                SharingWrite,
                AlertsRead,
                AlertsTriage,
                AlertsRaise,
                SitesRead,
                TokensManage,
                CargoRead,
                CargoWrite,
                ProfilesManage,
                CargoSelect,
                ReleaseAct,
                ReleaseOversee,
                IncidentsRead,
                IncidentsWrite,
            ],
            Role::Analyst => &[
                AlertsRead,
                AlertsTriage,
                SitesRead,
                TokensManage,
                SharingRead,
                SharingWrite,
                AssessmentRead,
                IncidentsRead,
                IncidentsWrite,
            ],
            Role::Administrator => &[
                SharingRead,
                SharingManage,
                AlertsRead,
                SitesRead,
                AuditRead,
                UsersManage,
                TokensManage,
                AccessRead,
            ],
            Role::PlatformAdministrator => &[OrganisationsManage],
            Role::MachineClient => &[
                AlertsRaise,
                AlertsRead,
                SitesRead,
                SharingRead,
                SharingWrite,
                AuditWitness,
            ],
            Role::GateController => &[AccessDecide],
            Role::CustomsSystem => &[CargoWrite, CargoRead, ReleaseAct],
            Role::PortCallSystem => &[VesselsDeclare, SitesRead],
            Role::Dispatcher => &[ReleaseAct, SitesRead, TokensManage],
            Role::ReleaseSystem => &[ReleaseAct],
        }
    }
}

/// Whether any of the roles grants the permission.
pub fn allows(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.permissions().contains(&permission))
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// Roles as stored: a comma-separated list in a fixed order, so equal sets store equally.
pub fn encode_roles(roles: &[Role]) -> String {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses the stored form; an unknown name is an error (fail closed), not silently dropped.
pub fn decode_roles(text: &str) -> Result<Vec<Role>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrators_manage_users_and_machines_cannot_triage() {
        for role in Role::ALL {
            assert_eq!(
                allows(&[role], Permission::UsersManage),
                role == Role::Administrator
            );
        }
        assert!(!allows(&[Role::MachineClient], Permission::AlertsTriage));
        assert!(!allows(&[], Permission::AlertsRead));
    }

    #[test]
    fn machine_roles_are_narrow_and_customs_data_is_customs_only() {
        for role in Role::ALL {
            let p = role.permissions();
            // Consignments and outcomes: customs roles only.
            assert_eq!(
                p.contains(&Permission::CargoWrite),
                role.is_customs(),
                "{role}"
            );
            // Cross-organisation administration is its own role.
            assert_eq!(
                p.contains(&Permission::OrganisationsManage),
                role == Role::PlatformAdministrator
            );
        }
        // The gate controller decides gates and nothing else.
        assert_eq!(
            Role::GateController.permissions(),
            &[Permission::AccessDecide]
        );
        for machine in Role::ALL.into_iter().filter(|r| r.is_machine()) {
            for p in [
                Permission::UsersManage,
                Permission::AccessManage,
                Permission::AuditRead,
                Permission::AlertsTriage,
                Permission::TokensManage,
            ] {
                assert!(!allows(&[machine], p), "{machine} may {p:?}");
            }
        }
        assert!(!allows(&[Role::GateController], Permission::CargoWrite));
        assert!(!allows(&[Role::GateController], Permission::VesselsDeclare));
    }

    #[test]
    fn roles_round_trip_in_a_canonical_order() {
        let text = encode_roles(&[Role::Pfso, Role::Operator, Role::Pfso]);
        assert_eq!(text, "operator,pfso");
        assert_eq!(decode_roles(&text), Ok(vec![Role::Operator, Role::Pfso]));
        assert!(decode_roles("operator,root").is_err());
        assert_eq!(decode_roles(""), Ok(vec![]));
    }
}
