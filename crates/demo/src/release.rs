//! Story 2's gate half, as data to run for real (the server's demo applies it through the
//! release chain and the gate decision; nothing here is a result): the line's release of the
//! Guayaquil reefer at Norvik to the forwarder, the forwarder's nomination of Baltic Road
//! Cargo, the haulier's assignment of one of its own drivers and his truck, the dispatchers
//! who do it, and the two presentations at Norvik's in-gate: the assigned driver (whom
//! customs' scan selection sends to the scanner lane) and a different driver who tries to
//! collect the container.

use hamnvakt_access::decide::Direction;
use hamnvakt_core::ids::{FacilityId, OrgId, PersonId};
use hamnvakt_identity::Role;
use rand::Rng;
use rand_chacha::ChaCha20Rng;

use crate::access::{DemoAccess, Presentation};
use crate::{next_id, DemoOrg, DemoUser, DEMO_PASSWORD};

/// The story's release and who acts on it.
#[derive(Debug, Clone)]
pub struct DemoRelease {
    pub container: String,
    pub bill_of_lading: String,
    pub line: OrgId,
    pub forwarder: OrgId,
    pub haulier: OrgId,
    /// Norvik, where the container is collected.
    pub facility: FacilityId,
    /// The haulier's driver the release is assigned to, and his truck.
    pub driver: PersonId,
    pub plate: String,
    /// The assigned driver at the in-gate, and a different driver trying to collect it.
    pub pickup: Presentation,
    pub impostor: Presentation,
    pub impostor_person: PersonId,
    /// The dispatchers of the line, the forwarder and the haulier (also in `DemoWorld::users`).
    pub dispatchers: Vec<DemoUser>,
}

fn last_is_out(access: &DemoAccess, card: &str) -> bool {
    access
        .traffic
        .iter()
        .rev()
        .find(|p| p.credential.as_deref() == Some(card))
        .is_none_or(|p| p.direction == Direction::Out)
}

/// Chooses the story's drivers from the register (drivers not inside a facility at the end
/// of the day's traffic) and makes the dispatchers' accounts from a stream of their own.
pub(crate) fn generate(
    rng: &mut ChaCha20Rng,
    now_ms: i64,
    orgs: &[DemoOrg],
    access: &DemoAccess,
    container: &str,
) -> Option<DemoRelease> {
    let org = |key: &str| orgs.iter().find(|o| o.key == key).map(|o| o.id);
    let (line, forwarder, haulier) = (org("line_feeder")?, org("forwarder")?, org("haulier_lt")?);
    let other = org("haulier_se")?;
    let facility = access
        .facilities
        .iter()
        .find(|f| f.isps_number.contains("NVK"))?
        .id;
    let card_of = |person: PersonId| {
        access
            .credentials
            .iter()
            .find(|c| c.holder == person && !c.generic)
            .map(|c| c.number.clone())
    };
    let outside_driver = |of: OrgId, skip: Option<PersonId>| {
        access
            .people
            .iter()
            .filter(|p| p.org_id == of && Some(p.id) != skip)
            .filter(|p| p.kind == hamnvakt_access::model::PersonKind::Driver)
            .filter(|p| !access.bans.iter().any(|b| b.person == Some(p.id)))
            .find_map(|p| {
                let card = card_of(p.id)?;
                last_is_out(access, &card).then_some((p.id, card))
            })
    };
    let (driver, card) = outside_driver(haulier, None)?;
    let plate = access
        .permits
        .iter()
        .find(|p| p.holder == driver)
        .and_then(|p| p.vehicle)
        .and_then(|v| access.vehicles.iter().find(|x| x.id == v))
        .map(|v| v.plate.clone())?;
    let (impostor_person, impostor_card) = outside_driver(other, Some(driver))?;
    let gate = "NVK-IN2".to_owned();
    let pickup = Presentation {
        at_ms: now_ms,
        gate: gate.clone(),
        credential: Some(card),
        plate: Some(plate.clone()),
        direction: Direction::In,
    };
    // Before the legitimate driver arrives, someone else comes for it in the same truck.
    // Both present when the demo runs: the release is issued then.
    let impostor = Presentation {
        at_ms: now_ms,
        gate,
        credential: Some(impostor_card),
        plate: Some(plate.clone()),
        direction: Direction::In,
    };
    let mut user =
        |org: OrgId, username: &'static str, name: &'static str, purpose: &'static str| DemoUser {
            id: next_id(rng),
            org,
            username,
            display_name: name,
            password: Some(DEMO_PASSWORD),
            roles: vec![Role::Dispatcher],
            locale: "en",
            purpose,
        };
    let dispatchers = vec![
        user(
            line,
            "feeder.release",
            "Anke Jensen",
            "the line's release desk (issues releases)",
        ),
        user(
            forwarder,
            "forwarder.dispatch",
            "Sara Lind",
            "the forwarder's dispatcher (nominates the haulier)",
        ),
        user(
            haulier,
            "baltic.dispatch",
            "Tomas Kazlauskas",
            "the haulier's dispatcher (accepts, assigns a driver)",
        ),
        DemoUser {
            password: None,
            roles: vec![Role::ReleaseSystem],
            ..user(
                haulier,
                "baltic-system",
                "Baltic Road Cargo transport system",
                "machine account for the haulier's transport system (releases, API tokens only)",
            )
        },
    ];
    let bl_serial: u32 = rng.gen_range(100_000..1_000_000);
    Some(DemoRelease {
        container: container.to_owned(),
        bill_of_lading: format!("NSFS{bl_serial}GYE"),
        line,
        forwarder,
        haulier,
        facility,
        driver,
        plate,
        pickup,
        impostor,
        impostor_person,
        dispatchers,
    })
}
