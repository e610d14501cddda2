//! The pick-up check in process: a release whose chain runs line → forwarder → cargo director
//! → haulier → subcontractor, accepted, with a driver and truck assigned and the lights set,
//! checked against presentations that mix the right driver and truck, a wrong driver, a wrong
//! truck and a scan selection: latency per check (p50, p99). Beside the gate decision
//! (`cargo bench -p hamnvakt-access --bench decide`), which the server runs first.
//!
//! `cargo bench -p hamnvakt-release --bench pickup`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use hamnvakt_core::ids::{Id, OrgId, PersonId};
use hamnvakt_release::chain::{apply, Action, Authority};
use hamnvakt_release::gate::{pickup, Presented};
use hamnvakt_release::model::{CustomsLight, Issue, Release, Role, TerminalLight};

const T0: i64 = 1_795_000_000_000;

fn org(n: u8) -> OrgId {
    Id::from_random_bytes([n; 16])
}

fn person(n: u8) -> PersonId {
    Id::from_random_bytes([100 + n; 16])
}

fn step(r: Release, by: u8, authority: Authority, a: Action) -> Release {
    apply(&r, org(by), authority, &a, T0 + 1000).unwrap().0
}

fn release() -> Release {
    let r = Release::issue(
        Id::from_random_bytes([9; 16]),
        Issue {
            container: "CSQU3054383".into(),
            bill_of_lading: "NSF2611GYE01".into(),
            line: org(1),
            issued_by: org(1),
            facility: Some(Id::from_random_bytes([200; 16])),
            expires_ms: None,
        },
        T0,
    )
    .unwrap();
    let p = Authority::Party;
    let offer = |to: u8, role| Action::Offer { to: org(to), role };
    let r = step(r, 1, p, offer(3, Role::ReleaseTo));
    let r = step(r, 3, p, Action::Accept);
    let r = step(r, 3, p, offer(4, Role::CargoDirector));
    let r = step(r, 4, p, Action::Accept);
    let r = step(r, 4, p, offer(5, Role::Haulier));
    let r = step(r, 5, p, Action::Accept);
    let r = step(r, 5, p, offer(6, Role::Subcontractor));
    let r = step(r, 6, p, Action::Accept);
    let r = step(
        r,
        6,
        p,
        Action::Assign {
            driver: person(1),
            driver_org: org(6),
            driver_has_card: true,
            plate: "ABC 123".into(),
        },
    );
    let r = step(
        r,
        10,
        Authority::Customs,
        Action::Customs(CustomsLight::Green),
    );
    step(
        r,
        11,
        Authority::Terminal,
        Action::Terminal(TerminalLight::Discharged),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn main() {
    let r = release();
    let facility = r.facility;
    let cases = [
        (Some(person(1)), "ABC123", false),
        (Some(person(2)), "ABC123", false),
        (Some(person(1)), "XYZ999", false),
        (Some(person(1)), "ABC123", true),
    ];
    let n = 400_000;
    let mut took = Vec::with_capacity(n);
    let mut verdicts = [0usize; 3];
    for i in 0..n {
        let (who, plate, scan) = cases[i % cases.len()];
        let presented = Presented {
            person: who,
            plate: Some(plate.to_owned()),
            banned: false,
            facility,
        };
        let t = Instant::now();
        let p = black_box(pickup(black_box(&r), &presented, scan, T0 + 5000));
        took.push(t.elapsed());
        verdicts[p.verdict as usize] += 1;
    }
    took.sort();
    println!("| what | checks | grant / scanner / deny | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| `gate::pickup()`, chain of 4 links | {n} | {} / {} / {} | {:.2} µs | {:.2} µs | {:.1} µs |",
        verdicts[0],
        verdicts[1],
        verdicts[2],
        percentile(&took, 0.5).as_secs_f64() * 1e6,
        percentile(&took, 0.99).as_secs_f64() * 1e6,
        took[n - 1].as_secs_f64() * 1e6
    );
}
