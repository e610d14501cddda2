//! The gate decision in process, with a register of 100,000 people and credentials and 10,000
//! permits loaded: latency per decision (p50, p99), beside a bare Cedar evaluation of the same
//! request (the policy step alone, the floor under any decision that uses Cedar).
//!
//! `cargo bench -p hamnvakt-access --bench decide`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use hamnvakt_access::decide::{decide, DecisionRequest, Direction, Settings};
use hamnvakt_access::model::*;
use hamnvakt_access::policy::Facts;
use hamnvakt_access::{AccessIndex, PolicySet, Presence};
use hamnvakt_core::Id;
use rand::{Rng, SeedableRng};

fn id<T>(rng: &mut rand_chacha::ChaCha20Rng) -> Id<T> {
    Id::from_random_bytes(rng.gen())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let mut ix = AccessIndex::default();
    let org = id(&mut rng);
    let now: i64 = 1_795_000_000_000;
    let mut gates = Vec::new();
    let mut zones = Vec::new();
    for f in 0..6 {
        let facility = Facility {
            id: id(&mut rng),
            site_id: id(&mut rng),
            name: format!("F{f}"),
            isps_number: format!("X-{f}"),
            security_level: SecurityLevel::ONE,
            org_id: org,
        };
        let outer = Zone {
            id: id(&mut rng),
            facility_id: facility.id,
            parent: None,
            code: format!("Z{f}"),
            name: "area".into(),
            sensitivity: Sensitivity::Normal,
            two_person: false,
            anti_passback: AntiPassback::Off,
        };
        let quay = Zone {
            id: id(&mut rng),
            facility_id: facility.id,
            parent: Some(outer.id),
            code: format!("Q{f}"),
            name: "quay".into(),
            sensitivity: Sensitivity::Restricted,
            two_person: false,
            anti_passback: AntiPassback::Soft,
        };
        for g in 0..7 {
            let gate = Gate {
                id: id(&mut rng),
                facility_id: facility.id,
                code: format!("G{f}-{g}"),
                name: "g".into(),
                kind: GateKind::Pedestrian,
                outer_zone: if g < 4 { None } else { Some(outer.id) },
                inner_zone: if g < 4 { outer.id } else { quay.id },
                closed_at_level2: g % 2 == 0,
                lat: 59.0,
                lon: 18.0,
            };
            gates.push(gate.id);
            ix.put_gate(gate);
        }
        zones.push(outer.id);
        ix.put_zone(outer);
        ix.put_zone(quay);
        ix.put_facility(facility);
    }
    let mut numbers = Vec::with_capacity(100_000);
    let mut holders = Vec::with_capacity(100_000);
    for i in 0..100_000u32 {
        let person = Person {
            id: id(&mut rng),
            org_id: org,
            name: format!("Person {i}"),
            kind: PersonKind::Staff,
            responder: false,
        };
        let number = format!("SH-{i:06}");
        ix.put_credential(Credential {
            id: id(&mut rng),
            number: number.clone(),
            holder: person.id,
            generic: false,
            state: CredentialState::Active,
            valid_from_ms: now - 1_000_000_000,
            valid_until_ms: now + 1_000_000_000,
        });
        holders.push(person.id);
        numbers.push(number);
        ix.put_person(person);
    }
    for i in 0..10_000usize {
        let holder = holders[i * 10];
        ix.put_permit(Permit {
            id: id(&mut rng),
            holder,
            purpose: "work".into(),
            zones: vec![zones[i % zones.len()]],
            valid_from_ms: now - 1_000_000_000,
            valid_until_ms: now + 1_000_000_000,
            schedule: "Mon-Fri 06:00-22:00; Sat 08:00-14:00".parse().unwrap(),
            issued_by_org: org,
            issued_by_user: None,
            escort_required: false,
            visitor: false,
            vehicle: None,
            suspended: false,
        });
    }
    let policies = PolicySet::default_set();
    let settings = Settings::default();
    let presence = Presence::default();

    // Mostly holders of permits (grants and schedule denials), some without (denials), some unknown cards.
    let requests: Vec<DecisionRequest> = (0..200_000)
        .map(|i| {
            let n = match i % 10 {
                0 => "SH-999999".to_owned(),
                1..=2 => numbers[rng.gen_range(0..numbers.len())].clone(),
                _ => numbers[rng.gen_range(0..10_000) * 10].clone(),
            };
            DecisionRequest {
                gate: gates[rng.gen_range(0..gates.len())],
                credential: Some(n),
                plate: None,
                direction: Direction::In,
                at_ms: now + rng.gen_range(0..7 * 86_400_000),
            }
        })
        .collect();
    // Warm up.
    for r in requests.iter().take(10_000) {
        black_box(decide(&ix, &presence, &policies, &settings, r));
    }
    let mut lat = Vec::with_capacity(requests.len());
    let mut grants = 0;
    for r in &requests {
        let t = Instant::now();
        let d = decide(&ix, &presence, &policies, &settings, black_box(r));
        lat.push(t.elapsed());
        grants += usize::from(d.outcome == hamnvakt_access::Outcome::Grant);
    }
    lat.sort();
    let facts = Facts::entering_with_permit();
    let mut cedar = Vec::with_capacity(100_000);
    for _ in 0..100_000 {
        let t = Instant::now();
        black_box(policies.evaluate(black_box(&facts)));
        cedar.push(t.elapsed());
    }
    cedar.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "register: {} people, {} credentials, {} permits, {} gates",
        ix.people.len(),
        ix.credentials.len(),
        ix.permits.len(),
        ix.gates.len()
    );
    println!("| what | calls | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| Hamnvakt decide() | {} | {:.1} µs | {:.1} µs | {:.1} µs |",
        lat.len(),
        us(percentile(&lat, 0.5)),
        us(percentile(&lat, 0.99)),
        us(lat[lat.len() - 1])
    );
    println!(
        "| bare cedar-policy is_authorized (same request) | {} | {:.1} µs | {:.1} µs | {:.1} µs |",
        cedar.len(),
        us(percentile(&cedar, 0.5)),
        us(percentile(&cedar, 0.99)),
        us(cedar[cedar.len() - 1])
    );
    println!("grants: {grants} of {}", lat.len());
}
