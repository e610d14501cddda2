//! The demo generator: from a seed and the current time, a [`DemoWorld`] describing a
//! realistic starting state of the Ports of Stockholm — its organisations and partner
//! agencies, the sites at their real coordinates, users for every role, and a day's traffic:
//! gate presentations, AIS, manifests and a release chain. No alert is planted: every alert
//! of the demo is raised by a detector or a correlation rule from that traffic, and the
//! stories are planted in the traffic itself.
//!
//! The generator is pure: it returns a description, and the server applies it through the
//! same use cases the API uses, so everything it creates is in the audit chain. Each part of
//! the port lives in its own module; later capabilities add a module and a field to
//! [`DemoWorld`] (gates and people, vessels and AIS, cargo) and read the parts they build on.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod access;
pub mod assessment;
pub mod cargo;
mod clock;
pub mod maritime;
mod orgs;
pub mod release;
mod sites;

use hamnvakt_core::ids::{OrgId, SiteId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Id;
use hamnvakt_identity::Role;
use rand::{Rng, SeedableRng};

use crate::access::Presentation;
use hamnvakt_access::decide::Direction;
use rand_chacha::ChaCha20Rng;

pub use orgs::DEMO_PASSWORD;

/// The seed `hamnvakt demo` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 20_240_124; // the day the European Ports Alliance was launched

#[derive(Debug, Clone)]
pub struct DemoWorld {
    pub seed: u64,
    pub now_ms: i64,
    pub orgs: Vec<DemoOrg>,
    pub users: Vec<DemoUser>,
    pub sites: Vec<DemoSite>,
    /// Facilities, zones, gates, people, cards, permits and the day's gate traffic.
    pub access: access::DemoAccess,
    /// AIS traffic around the ports, 24 hours either side of `now_ms`, as NMEA.
    pub maritime: maritime::DemoMaritime,
    /// Eight weeks of manifests with past inspection outcomes, profiles, and today's.
    pub cargo: cargo::DemoCargo,
    /// Story 2's release chain and gate presentations (none if the register lacks them).
    pub release: Option<release::DemoRelease>,
    /// Story 6: the Norvik assessment half done and two partner ports' practices.
    pub assessment: assessment::DemoAssessment,
}

#[derive(Debug, Clone)]
pub struct DemoOrg {
    /// A short key other parts of the generator refer to (`port`, `customs`).
    pub key: &'static str,
    pub id: OrgId,
    pub name: &'static str,
    pub kind: OrgKind,
}

#[derive(Debug, Clone)]
pub struct DemoUser {
    pub id: UserId,
    pub org: OrgId,
    pub username: &'static str,
    pub display_name: &'static str,
    /// None for machine accounts.
    pub password: Option<&'static str>,
    pub roles: Vec<Role>,
    pub locale: &'static str,
    /// What the README and the demo banner say this account is for.
    pub purpose: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoSite {
    pub id: SiteId,
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub locode: &'static str,
    pub lat: f64,
    pub lon: f64,
}

impl DemoWorld {
    pub fn org(&self, key: &str) -> Option<&DemoOrg> {
        self.orgs.iter().find(|o| o.key == key)
    }

    pub fn user(&self, username: &str) -> Option<&DemoUser> {
        self.users.iter().find(|u| u.username == username)
    }
}

/// Ids drawn from the seeded generator, so the same seed gives the same world.
pub(crate) fn next_id<T>(rng: &mut ChaCha20Rng) -> Id<T> {
    Id::from_random_bytes(rng.gen())
}

/// The picture beyond every anchor, planted in the gate traffic: last night the driver the
/// reefer's release will name went through the Norvik reefer stack's door at 02:40 (his
/// haulier's permit for the whole terminal area lets him in) and came to quay gate 5 six
/// minutes later, with no pick-up to do: no release was assigned to him yet, and no permit
/// names the stack. The access capability's stack detector sees his badge at the stack
/// outside a task (`access.stack_outside_task`); with the reefer's risk and its feeder's dark
/// approach (see `maritime`), the correlation rule `cargo_vessel_gate` makes the three one
/// alert.
fn plant_night_at_the_stack(a: &mut access::DemoAccess, r: &release::DemoRelease, now_ms: i64) {
    let Some(card) = r.pickup.credential.clone() else {
        return;
    };
    let at = clock::last_local(now_ms - 30 * 60_000, 2, 40);
    for (t, gate) in [(at, "NVK-S1"), (at + 6 * 60_000, "NVK-G5")] {
        a.traffic.push(Presentation {
            at_ms: t,
            gate: gate.into(),
            credential: Some(card.clone()),
            plate: None,
            direction: Direction::In,
        });
    }
    a.traffic
        .sort_by(|x, y| x.at_ms.cmp(&y.at_ms).then_with(|| x.gate.cmp(&y.gate)));
}

/// Builds the demo world for `seed` as of `now_ms`.
pub fn generate(seed: u64, now_ms: i64) -> DemoWorld {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let orgs = orgs::organisations(&mut rng);
    let users = orgs::users(&mut rng, &orgs);
    let sites = sites::sites(&mut rng);
    let access = access::generate(&mut rng, now_ms, &orgs, &sites);
    // Its own stream, so the AIS traffic does not shift what the other parts draw.
    let maritime = maritime::generate(&mut ChaCha20Rng::seed_from_u64(seed ^ 0x4149_5321), now_ms);
    let cargo = cargo::generate(&mut ChaCha20Rng::seed_from_u64(seed ^ 0x4341_5247), now_ms);
    let mut world = DemoWorld {
        seed,
        now_ms,
        orgs,
        users,
        sites,
        access,
        maritime,
        cargo,
        release: None,
        assessment: assessment::generate(),
    };
    // Its own stream too, so that adding the release story moved nothing else.
    world.release = release::generate(
        &mut ChaCha20Rng::seed_from_u64(seed ^ 0x5245_4c45),
        now_ms,
        &world.orgs,
        &world.access,
        &world.cargo.story_container,
    );
    if let Some(r) = &world.release {
        world.users.extend(r.dispatchers.iter().cloned());
        plant_night_at_the_stack(&mut world.access, r, now_ms);
    }
    // The second partner port of story 6, last and from its own stream, so nothing drawn
    // before it moved.
    let (key, name) = assessment::SECOND_PARTNER;
    world.orgs.push(DemoOrg {
        key,
        id: next_id(&mut ChaCha20Rng::seed_from_u64(seed ^ 0x4153_5345)),
        name,
        kind: OrgKind::OtherPort,
    });
    world
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000;

    #[test]
    fn the_same_seed_gives_the_same_world() {
        let a = generate(7, NOW);
        let b = generate(7, NOW);
        assert_eq!(
            a.orgs.iter().map(|o| o.id).collect::<Vec<_>>(),
            b.orgs.iter().map(|o| o.id).collect::<Vec<_>>()
        );
        let times = |w: &DemoWorld| w.access.traffic.iter().map(|p| p.at_ms).collect::<Vec<_>>();
        assert_eq!(times(&a), times(&b));
        let c = generate(8, NOW);
        assert_ne!(times(&a), times(&c));
    }

    #[test]
    fn every_role_and_kind_of_organisation_is_there() {
        let w = generate(DEFAULT_SEED, NOW);
        for role in Role::ALL {
            assert!(
                w.users.iter().any(|u| u.roles.contains(&role)),
                "no user with {role}"
            );
        }
        for kind in [
            OrgKind::PortAuthority,
            OrgKind::Customs,
            OrgKind::Police,
            OrgKind::CoastGuard,
            OrgKind::MaritimeAdministration,
            OrgKind::Haulier,
            OrgKind::Forwarder,
            OrgKind::ShippingLine,
            OrgKind::OtherPort,
        ] {
            assert!(
                w.orgs.iter().any(|o| o.kind == kind),
                "no organisation of kind {kind}"
            );
        }
        let codes: Vec<&str> = w.sites.iter().map(|s| s.code).collect();
        assert_eq!(codes, ["VHA", "FRI", "SVI", "KPS", "NYN", "NVK"]);
    }

    #[test]
    fn story_one_is_planted_in_the_gate_traffic() {
        let w = generate(DEFAULT_SEED, NOW);
        let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC);
        let local = |ms: i64| {
            let z = jiff::Timestamp::from_millisecond(ms)
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
                .to_zoned(tz.clone());
            (z.hour(), z.minute())
        };
        let story: Vec<_> = w
            .access
            .traffic
            .iter()
            .filter(|p| p.credential.as_deref() == Some("SH-204117"))
            .collect();
        assert_eq!(
            story
                .iter()
                .map(|p| (p.gate.as_str(), local(p.at_ms)))
                .collect::<Vec<_>>(),
            [("VHA-G3", (3, 10)), ("VHA-G5", (3, 27))]
        );
        // Generated between the two (03:15), both are still played, in the past: the story
        // once went missing from a demo started in those minutes.
        let first = story.first().map(|p| p.at_ms).unwrap_or_default();
        let now = first + 5 * 60_000;
        let w = generate(DEFAULT_SEED, now);
        let story: Vec<_> = w
            .access
            .traffic
            .iter()
            .filter(|p| p.credential.as_deref() == Some("SH-204117"))
            .map(|p| (p.gate.as_str(), local(p.at_ms), p.at_ms < now))
            .collect();
        assert_eq!(
            story,
            [("VHA-G3", (3, 10), true), ("VHA-G5", (3, 27), true)]
        );
    }

    #[test]
    fn the_picture_beyond_the_anchors_is_planted_in_the_traffic() {
        let w = generate(DEFAULT_SEED, NOW);
        assert!(w.release.is_some(), "the release story is missing");
        let Some(r) = &w.release else { return };
        // The reefer arrives with the feeder that went dark on its approach…
        let story = w
            .cargo
            .consignments
            .iter()
            .find(|c| c.container.as_deref() == Some(r.container.as_str()))
            .and_then(|c| c.vessel_call.clone())
            .unwrap_or_default();
        assert!(
            story.starts_with(&format!("IMO {} SENYN ", maritime::feeder_imo())),
            "{story}"
        );
        assert!(w
            .maritime
            .vessels
            .iter()
            .any(|v| v.imo == maritime::feeder_imo() && v.mmsi == w.maritime.high_risk_vessel));
        // …and the driver its release names tried the reefer stack at night.
        let card = r.pickup.credential.clone();
        let night: Vec<&str> = w
            .access
            .traffic
            .iter()
            .filter(|p| p.credential == card)
            .map(|p| p.gate.as_str())
            .collect();
        assert!(
            night.windows(2).any(|w| w == ["NVK-S1", "NVK-G5"]),
            "{night:?}"
        );
    }

    #[test]
    fn the_access_day_has_the_promised_size() {
        let w = generate(DEFAULT_SEED, NOW);
        let a = &w.access;
        assert_eq!(a.facilities.len(), 6);
        assert!(a.people.len() >= 500, "{} people", a.people.len());
        let trucks = a
            .traffic
            .iter()
            .filter(|p| p.plate.is_some() && p.direction == hamnvakt_access::decide::Direction::In)
            .count();
        assert!((1300..=1500).contains(&trucks), "{trucks} trucks");
        assert!(
            a.traffic
                .windows(2)
                .all(|w| matches!(w, [x, y] if x.at_ms <= y.at_ms)),
            "in time order"
        );
        assert!(a
            .traffic
            .iter()
            .all(|p| p.at_ms <= NOW && p.at_ms > NOW - 86_400_000));
        let codes: std::collections::HashSet<&str> =
            a.gates.iter().map(|g| g.code.as_str()).collect();
        assert!(
            a.traffic.iter().all(|p| codes.contains(p.gate.as_str())),
            "every presentation at a registered gate"
        );
    }
}
