//! The port community: the port authority, its partner agencies, the companies that move
//! goods through the port, an alliance partner port — and the people who sign in.

use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use rand_chacha::ChaCha20Rng;

use crate::{next_id, DemoOrg, DemoUser};

/// The password of every demo account with a password. Printed by `hamnvakt demo`.
pub const DEMO_PASSWORD: &str = "hamnvakt-demo";

pub(crate) fn organisations(rng: &mut ChaCha20Rng) -> Vec<DemoOrg> {
    let list: [(&'static str, &'static str, OrgKind); 14] = [
        ("port", "Stockholms Hamnar", OrgKind::PortAuthority),
        (
            "terminal",
            "Hutchison Ports Stockholm (Norvik)",
            OrgKind::TerminalOperator,
        ),
        ("customs", "Tullverket", OrgKind::Customs),
        ("police", "Polisen", OrgKind::Police),
        ("coastguard", "Kustbevakningen", OrgKind::CoastGuard),
        (
            "maritime",
            "Sjöfartsverket",
            OrgKind::MaritimeAdministration,
        ),
        ("haulier_se", "Roslagens Åkeri AB", OrgKind::Haulier),
        ("haulier_lt", "Baltic Road Cargo UAB", OrgKind::Haulier),
        ("haulier_nl", "Maasvlakte Transport B.V.", OrgKind::Haulier),
        (
            "forwarder",
            "Norvik Freight Forwarding AB",
            OrgKind::Forwarder,
        ),
        (
            "line_ferry",
            "Baltic Ferry Line (demo)",
            OrgKind::ShippingLine,
        ),
        (
            "line_feeder",
            "North Sea Feeder Services (demo)",
            OrgKind::ShippingLine,
        ),
        (
            "contractor",
            "Kajservice Entreprenad AB",
            OrgKind::Contractor,
        ),
        ("helsinki", "Port of Helsinki", OrgKind::OtherPort),
    ];
    list.into_iter()
        .map(|(key, name, kind)| DemoOrg {
            key,
            id: next_id(rng),
            name,
            kind,
        })
        .collect()
}

/// Organisation key, username, display name, password, roles, locale, purpose.
type UserRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [Role],
    &'static str,
    &'static str,
);

pub(crate) fn users(rng: &mut ChaCha20Rng, orgs: &[DemoOrg]) -> Vec<DemoUser> {
    let org = |key: &str| orgs.iter().find(|o| o.key == key).map(|o| o.id);
    let list: [UserRow; 11] = [
        (
            "port",
            "operator",
            "Anna Lindqvist",
            Some(DEMO_PASSWORD),
            &[Role::Operator],
            "sv",
            "security-centre operator on the night shift",
        ),
        (
            "port",
            "operator2",
            "Erik Holm",
            Some(DEMO_PASSWORD),
            &[Role::Operator],
            "sv",
            "security-centre operator, day shift",
        ),
        (
            "port",
            "pfso",
            "Maria Sandberg",
            Some(DEMO_PASSWORD),
            &[Role::Pfso],
            "sv",
            "port facility security officer",
        ),
        (
            "port",
            "admin",
            "Jonas Ek",
            Some(DEMO_PASSWORD),
            &[Role::Administrator, Role::PlatformAdministrator],
            "en",
            "administrator of the port and of the installation's organisations",
        ),
        (
            "customs",
            "targeting",
            "Johan Berg",
            Some(DEMO_PASSWORD),
            &[Role::TargetingOfficer],
            "sv",
            "Tullverket targeting officer",
        ),
        (
            "customs",
            "customs.analyst",
            "Leila Karimi",
            Some(DEMO_PASSWORD),
            &[Role::Analyst],
            "sv",
            "Tullverket intelligence analyst",
        ),
        (
            "coastguard",
            "kbv.analyst",
            "Sara Nyström",
            Some(DEMO_PASSWORD),
            &[Role::Analyst],
            "sv",
            "Kustbevakningen analyst",
        ),
        (
            "police",
            "police.analyst",
            "Lars Öberg",
            Some(DEMO_PASSWORD),
            &[Role::Analyst],
            "sv",
            "Polisen analyst, maritime police",
        ),
        (
            "haulier_se",
            "roslagen.dispatch",
            "Pia Roos",
            Some(DEMO_PASSWORD),
            &[Role::Operator],
            "sv",
            "haulier's dispatcher (sees only what is shared)",
        ),
        (
            "port",
            "gate-controller",
            "Gate controllers",
            None,
            &[Role::GateController],
            "en",
            "machine account for gate controllers (API tokens only)",
        ),
        (
            "forwarder",
            "forwarder-system",
            "Forwarder integration",
            None,
            &[Role::MachineClient],
            "en",
            "machine account for the forwarder's system",
        ),
    ];
    // Machine accounts added later take their ids from a stream of their own, so that the
    // rest of the world (and the stories planted in it) stays as it was for every seed.
    let systems: [UserRow; 3] = [
        (
            "maritime",
            "single-window",
            "Single window (vessel declarations)",
            None,
            &[Role::PortCallSystem],
            "en",
            "machine account for the agents' declarations through the single window",
        ),
        (
            "customs",
            "customs-system",
            "Tullverket declarations",
            None,
            &[Role::CustomsSystem],
            "en",
            "machine account for customs' declaration system (consignments, outcomes)",
        ),
        (
            "helsinki",
            "alliance-helsinki",
            "Port of Helsinki's Hamnvakt (TAXII)",
            None,
            &[Role::MachineClient],
            "en",
            "machine account of an alliance port's installation: reads and writes the alliance collection over TAXII",
        ),
    ];
    let mut later = rng.clone();
    later.set_stream(1);
    let mut users: Vec<DemoUser> = list
        .into_iter()
        .filter_map(
            |(org_key, username, display_name, password, roles, locale, purpose)| {
                Some(DemoUser {
                    id: next_id(rng),
                    org: org(org_key)?,
                    username,
                    display_name,
                    password,
                    roles: roles.to_vec(),
                    locale,
                    purpose,
                })
            },
        )
        .collect();
    users.extend(systems.into_iter().filter_map(
        |(org_key, username, display_name, password, roles, locale, purpose)| {
            Some(DemoUser {
                id: next_id(&mut later),
                org: org(org_key)?,
                username,
                display_name,
                password,
                roles: roles.to_vec(),
                locale,
                purpose,
            })
        },
    ));
    users
}
