//! Correlation under load: events of every capability at `--rate` per second (default 2,000)
//! handed to the correlator as the capabilities hand them — nine in ten gate decisions no rule
//! uses, one in ten alerts of kinds the rules use (AIS gaps of random vessels, badges of random
//! people) that are held, given their links from the store and tried against the rules — and
//! among them `--stories` (default 200) pairs of real alerts raised through the alert use case
//! (a container's high risk, then a refused driver for it) that the built-in rule
//! `refused_driver_risky_container` makes one alert. Measures, per story, the time from the
//! moment the last contributing alert is committed to the moment the correlated alert is
//! committed; prints percentiles. SQLite, or PostgreSQL with `--postgres`.
//!
//! `cargo bench -p hamnvakt-server --bench correlation_load -- [--rate 2000] [--stories 200] [--postgres]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hamnvakt_core::alert::{AlertDraft, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use hamnvakt_server::web::change::Actor;
use hamnvakt_server::web::state::{Happened, SystemClock};
use hamnvakt_testkit::TestDb;
use rand::{Rng, SeedableRng};

/// An ISO 6346-shaped container number for story `n`.
fn container(n: u32) -> String {
    format!("BNCU{:07}", n)
}

fn subject(kind: SubjectKind, key: &str) -> SubjectRef {
    SubjectRef::typed(kind, key, None).unwrap()
}

fn main() {
    let rate: u64 = common::arg("--rate", 2_000);
    let stories: u32 = common::arg("--stories", 200);
    let kind = common::backend();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let db = TestDb::new(kind).await;
        let instance = common::instance(&db).await;
        instance.start().await.unwrap();
        let seed = Actor::system("bench");
        let port = hamnvakt_server::identity::create_org(
            &instance,
            &seed,
            "Stockholms Hamnar",
            OrgKind::PortAuthority,
            None,
        )
        .await
        .unwrap()
        .id;

        // The load: `rate` events a second, in ticks of 10 ms.
        let load = instance.state.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop_load = stop.clone();
        let per_tick = (rate / 100).max(1);
        let loader = tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(18);
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let mut n: u64 = 0;
            while !stop_load.load(Ordering::Relaxed) {
                tick.tick().await;
                let now = hamnvakt_core::clock::Clock::now(&SystemClock).as_millisecond();
                for _ in 0..per_tick {
                    n += 1;
                    let (kind, subjects) = match n % 10 {
                        0 => (
                            "ais.gap",
                            vec![subject(
                                SubjectKind::Vessel,
                                &format!("mmsi:{}", rng.gen_range(200_000_000u32..800_000_000)),
                            )],
                        ),
                        5 => (
                            "access.unusual_hours",
                            vec![subject(
                                SubjectKind::Person,
                                &uuid::Uuid::from_u128(rng.gen()).to_string(),
                            )],
                        ),
                        _ => (
                            "access.decision",
                            vec![
                                subject(SubjectKind::Credential, &format!("SH-{}", rng.gen_range(0..20_000))),
                                subject(SubjectKind::Gate, "NVK-IN2"),
                            ],
                        ),
                    };
                    load.correlate(Happened {
                        id: format!("event:{n}"),
                        at_ms: now,
                        kind: kind.into(),
                        title: String::new(),
                        subjects,
                        owner: port,
                        marking: hamnvakt_core::marking::Marking::of_alert(Tlp::Amber, None, &[]),
                        shared_with: vec![],
                    });
                }
            }
            n
        });

        let detector = Actor::system("detector:bench");
        let draft = |kind: &str, subjects: Vec<SubjectRef>| AlertDraft {
            kind: kind.into(),
            severity: Severity::High,
            title: kind.into(),
            message: None,
            subjects,
            evidence: serde_json::json!({}),
            owner_org: port,
            tlp: Tlp::Amber,
            audience: None,
            shared_with: vec![],
        };
        let driver = uuid::Uuid::from_u128(7).to_string();
        let started = Instant::now();
        let mut latencies: Vec<Duration> = Vec::new();
        for s in 0..stories {
            let c = container(s);
            hamnvakt_server::alerts::raise(
                &instance,
                &detector,
                &draft("cargo.high_risk", vec![subject(SubjectKind::Container, &c)]),
                None,
            )
            .await
            .unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            let before = instance.correlation.raised.load(Ordering::Relaxed);
            hamnvakt_server::alerts::raise(
                &instance,
                &detector,
                &draft(
                    "release.driver_mismatch",
                    vec![
                        subject(SubjectKind::Container, &c),
                        subject(SubjectKind::Person, &driver),
                    ],
                ),
                None,
            )
            .await
            .unwrap();
            let last = Instant::now();
            let deadline = last + Duration::from_secs(10);
            while instance.correlation.raised.load(Ordering::Relaxed) == before {
                if Instant::now() > deadline {
                    panic!("story {s}: no correlated alert within 10 s");
                }
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
            latencies.push(last.elapsed());
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        stop.store(true, Ordering::Relaxed);
        let events = loader.await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        latencies.sort();
        let pct = |p: f64| {
            let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
            latencies[i].as_secs_f64() * 1000.0
        };
        println!(
            "correlation ({kind:?}): {events} load events in {secs:.1} s ({:.0}/s offered), {} dropped, {} stories",
            events as f64 / secs,
            instance.correlation.dropped.load(Ordering::Relaxed),
            latencies.len()
        );
        println!(
            "last contributing alert committed → correlated alert committed: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(0.5),
            pct(0.95),
            pct(0.99),
            pct(1.0)
        );
    });
}
