//! The pick-up decision over HTTP beside the ordinary gate decision: the same open-loop load
//! generator as `gate_load.rs` (a real server on loopback, SQLite or PostgreSQL, filled with
//! the demo port; latency measured from each request's scheduled send time), sending one of:
//!
//! - `ordinary`: the demo day's own presentations (what `gate_load` sends);
//! - `refer`: story 2's assigned driver and truck naming its container, which customs'
//!   targeting selected for scanning: the release and the scan selection are read, the chain
//!   and lights checked, and the answer is a referral to the scanner lane (group-committed as
//!   any decision);
//! - `grant`: the same driver and truck naming a different prepared release each time, every
//!   one granted: each grant claims its release in the decisions' group commit (the release's
//!   row written over the version checked, `release.collected` just before the decision);
//! - `mixed`: the demo day's presentations with every `--every`-th request a granted pick-up.
//!
//! The pick-ups are made by one driver and truck (`--truck`):
//!
//! - `other` (the default): another driver of story 2's haulier, outside at the end of the
//!   day's traffic, with the truck his permit names; nothing shared watches him or it, as for
//!   most trucks;
//! - `story`: story 2's assigned driver and truck. The demo's shared modus operandi watches
//!   that truck's plate (the impostor came in it), so every pick-up naming a new container is
//!   also an indicator match: a sighting and its alert written beside the gate's groups.
//!
//! `refer` always uses story 2's driver, truck and container.
//!
//! The releases for `grant` and `mixed` are made with the chain's own rules
//! (`hamnvakt_release::chain::apply`: issued, offered, accepted to the haulier, the driver and
//! truck assigned, customs green, discharged) and stored directly in batches, without their
//! step events: what is measured is the gate, not the preparation.
//!
//! `cargo bench -p hamnvakt-server --bench pickup_load -- [--mode refer] [--truck other|story] [--rate 2000] [--seconds 15] [--every 10] [--postgres]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamnvakt_core::ids::Id;
use hamnvakt_release::chain::{apply, Action, Authority};
use hamnvakt_release::model::{CustomsLight, Issue, Release, ReleaseState, Role, TerminalLight};
use hamnvakt_server::app::Instance;
use hamnvakt_store::ReleaseRow;
use hamnvakt_testkit::TestDb;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A valid ISO 6346 number for serial `n` (owner code HVBU, the check digit found by trying).
fn container(n: u64) -> String {
    (0..10)
        .map(|d| format!("HVBU{:06}{d}", n % 1_000_000))
        .find(|c| hamnvakt_release::container::container_number("c", c).is_ok())
        .unwrap()
}

/// Who collects: a driver, his card and the plate of his truck.
struct Collector {
    driver: hamnvakt_core::ids::PersonId,
    card: String,
    plate: String,
}

/// A driver of story 2's haulier other than the story's, outside at the end of the day's
/// traffic, not banned, with his own card and the truck his permit names.
fn other_collector(
    access: &hamnvakt_demo::access::DemoAccess,
    story: &hamnvakt_demo::release::DemoRelease,
) -> Collector {
    access
        .people
        .iter()
        .filter(|p| p.org_id == story.haulier && p.id != story.driver)
        .filter(|p| p.kind == hamnvakt_access::model::PersonKind::Driver)
        .filter(|p| !access.bans.iter().any(|b| b.person == Some(p.id)))
        .find_map(|p| {
            let card = access
                .credentials
                .iter()
                .find(|c| c.holder == p.id && !c.generic)?
                .number
                .clone();
            let last = access
                .traffic
                .iter()
                .rev()
                .find(|t| t.credential.as_deref() == Some(card.as_str()));
            if last.is_some_and(|t| t.direction != hamnvakt_access::decide::Direction::Out) {
                return None;
            }
            let vehicle = access.permits.iter().find(|m| m.holder == p.id)?.vehicle?;
            let plate = access
                .vehicles
                .iter()
                .find(|v| v.id == vehicle)?
                .plate
                .clone();
            Some(Collector {
                driver: p.id,
                card,
                plate,
            })
        })
        .expect("the demo port has another driver of the haulier outside at the end of the day")
}

/// Prepares `count` releases at Norvik whose chains end at `who`'s card and truck.
async fn prepare(
    state: &Instance,
    story: &hamnvakt_demo::release::DemoRelease,
    who: &Collector,
    count: u64,
) -> Vec<String> {
    let now = state.now_ms();
    let mut out = Vec::with_capacity(count as usize);
    let mut made = 0;
    while made < count {
        let mut tx = state.store.begin().await.unwrap();
        for _ in 0..1000.min(count - made) {
            let c = container(made);
            let mut bytes = [0u8; 16];
            // The counter where the UUID's version and variant bits are not.
            bytes[8..16].copy_from_slice(&made.to_be_bytes());
            bytes[0] = 0x5a;
            let r = Release::issue(
                Id::from_random_bytes(bytes),
                Issue {
                    container: c.clone(),
                    bill_of_lading: format!("BENCH{made}"),
                    line: story.line,
                    issued_by: story.line,
                    facility: Some(story.facility),
                    expires_ms: None,
                },
                now - 60_000,
            )
            .unwrap();
            let at = now - 30_000;
            let step =
                |r: Release, by, authority, a: Action| apply(&r, by, authority, &a, at).unwrap().0;
            let p = Authority::Party;
            let r = step(
                r,
                story.line,
                p,
                Action::Offer {
                    to: story.forwarder,
                    role: Role::ReleaseTo,
                },
            );
            let r = step(r, story.forwarder, p, Action::Accept);
            let r = step(
                r,
                story.forwarder,
                p,
                Action::Offer {
                    to: story.haulier,
                    role: Role::Haulier,
                },
            );
            let r = step(r, story.haulier, p, Action::Accept);
            let r = step(
                r,
                story.haulier,
                p,
                Action::Assign {
                    driver: who.driver,
                    driver_org: story.haulier,
                    driver_has_card: true,
                    plate: who.plate.clone(),
                },
            );
            let r = step(
                r,
                story.line,
                Authority::Customs,
                Action::Customs(CustomsLight::Green),
            );
            let r = step(
                r,
                story.line,
                Authority::Terminal,
                Action::Terminal(TerminalLight::Discharged),
            );
            assert_eq!(r.state, ReleaseState::Active);
            let row = ReleaseRow {
                id: r.id.to_string(),
                container: r.container.clone(),
                bill_of_lading: r.bill_of_lading.clone(),
                line_org: r.line.to_string(),
                holder_org: r.holder().to_string(),
                state: "active".into(),
                driver: Some(who.driver.to_string()),
                issued_ms: r.issued_ms,
                expires_ms: r.expires_ms,
                updated_ms: at,
                version: r.version,
                data: serde_json::to_string(&r).unwrap(),
            };
            tx.insert_release(&row).await.unwrap();
            let parties: Vec<String> = r.parties().iter().map(|o| o.to_string()).collect();
            tx.add_release_parties(&row.id, &parties).await.unwrap();
            out.push(c);
            made += 1;
        }
        tx.commit().await.unwrap();
    }
    out
}

fn main() {
    let rate: u64 = common::arg("--rate", 2000);
    let seconds: u64 = common::arg("--seconds", 15);
    let every: u64 = common::arg("--every", 10);
    let mode: String = common::arg("--mode", "refer".to_owned());
    let truck: String = common::arg("--truck", "other".to_owned());
    let kind = common::backend();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = client_rt.handle().clone();
    rt.block_on(async move {
        let db = TestDb::new(kind).await;
        let state = common::instance(&db).await;
        state.start().await.unwrap();
        let t = Instant::now();
        let summary = hamnvakt_server::cli::seed(&state, hamnvakt_demo::DEFAULT_SEED).await.unwrap();
        println!("seeded the demo port in {:.1} s; story 2 at the gate: {:?}", t.elapsed().as_secs_f64(), summary.pickups);
        let story = summary.world.release.clone().unwrap();
        let total = rate * seconds;
        let grants = match mode.as_str() {
            "grant" => total,
            "mixed" => total.div_ceil(every),
            _ => 0,
        };
        let who = match truck.as_str() {
            "story" => Collector {
                driver: story.driver,
                card: story.pickup.credential.clone().unwrap(),
                plate: story.plate.clone(),
            },
            _ => {
                assert_eq!(truck, "other", "--truck is other or story");
                other_collector(&summary.world.access, &story)
            }
        };
        if grants > 0 {
            println!("pick-ups by {} truck {}", if truck == "story" { "story 2's watched" } else { "an unwatched" }, who.plate);
        }
        let t = Instant::now();
        let prepared = prepare(&state, &story, &who, grants).await;
        if grants > 0 {
            println!("prepared {grants} releases in {:.1} s", t.elapsed().as_secs_f64());
        }
        let token = summary.machine_token.clone().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v1/access/decisions", listener.local_addr().unwrap());
        let serve_state = state.clone();
        tokio::spawn(async move { hamnvakt_server::app::serve(serve_state, listener, std::future::pending()).await });

        // What the writer's metrics were before the load: the preparation's WAL rewinds are
        // not the load's.
        let metrics_url = url.replace("/api/v1/access/decisions", "/metrics");
        let before = if std::env::var_os("GATE_LOAD_METRICS").is_some() {
            writer_metrics(&reqwest::get(&metrics_url).await.unwrap().text().await.unwrap())
        } else {
            Vec::new()
        };
        let traffic = summary.world.access.traffic.clone();
        let pickup = story.pickup.clone();
        let story_container = story.container.clone();
        let (card, plate) = (who.card.clone(), who.plate.clone());
        let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
        let outcomes = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
        let errors = Arc::new(Mutex::new(0u64));
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let (lat2, out2, err2, url2, token2) = (latencies.clone(), outcomes.clone(), errors.clone(), url.clone(), token.clone());
        let mode2 = mode.clone();
        let (start, tasks) = tokio::task::spawn_blocking(move || {
            let mode = mode2;
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
            let mut next_release = prepared.into_iter();
            let start = Instant::now();
            let mut tasks = Vec::with_capacity(total as usize);
            for i in 0..total {
                let due = start + interval * i as u32;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let as_pickup = |card: &str, plate: &str, container: String| serde_json::json!({"gate": pickup.gate, "credential": card,
                    "plate": plate, "direction": pickup.direction, "container": container});
                let (body, what) = match mode.as_str() {
                    "refer" => (as_pickup(pickup.credential.as_deref().unwrap(), pickup.plate.as_deref().unwrap(), story_container.clone()), "pick-up"),
                    "grant" => (as_pickup(&card, &plate, next_release.next().unwrap()), "pick-up"),
                    "mixed" if i % every == 0 => (as_pickup(&card, &plate, next_release.next().unwrap()), "pick-up"),
                    _ => {
                        let p = traffic.choose(&mut rng).unwrap();
                        (serde_json::json!({"gate": p.gate, "credential": p.credential, "plate": p.plate, "direction": p.direction}), "ordinary")
                    }
                };
                let (client, url, token, latencies, outcomes, errors) =
                    (client.clone(), url2.clone(), token2.clone(), lat2.clone(), out2.clone(), err2.clone());
                tasks.push(handle.spawn(async move {
                    let r = client.post(&url).bearer_auth(&token).json(&body).send().await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            let v: serde_json::Value = r.json().await.unwrap_or_default();
                            let elapsed = due.elapsed();
                            latencies.lock().unwrap().push((what, elapsed));
                            let o = format!("{what} {}", v["outcome"].as_str().unwrap_or("?"));
                            *outcomes.lock().unwrap().entry(o).or_default() += 1;
                        }
                        other => {
                            // Why it failed, among the outcomes (a status, or the transport's).
                            let why = match other {
                                Ok(r) => format!("HTTP {}", r.status().as_u16()),
                                Err(e) if e.is_timeout() => "timeout".to_owned(),
                                Err(e) if e.is_connect() => "connect".to_owned(),
                                Err(_) => "transport".to_owned(),
                            };
                            *outcomes.lock().unwrap().entry(format!("{what} error {why}")).or_default() += 1;
                            *errors.lock().unwrap() += 1
                        }
                    }
                }));
            }
            (start, tasks)
        })
        .await
        .unwrap();
        for t in tasks {
            let _ = t.await;
        }
        let elapsed = start.elapsed();
        let all = latencies.lock().unwrap().clone();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!("| backend | mode | offered | achieved | answered | errors | requests | p50 | p90 | p99 | p99.9 | max |");
        println!("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|");
        for which in ["all", "pick-up", "ordinary"] {
            let mut lat: Vec<Duration> = all.iter().filter(|(w, _)| which == "all" || *w == which).map(|(_, l)| *l).collect();
            if lat.is_empty() || (which != "all" && lat.len() == all.len()) {
                continue;
            }
            lat.sort();
            let p = |q: f64| lat[(((lat.len() - 1) as f64) * q).round() as usize];
            println!(
                "| {kind:?} | {mode} | {rate}/s for {seconds} s | {:.0}/s | {} | {} | {which} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
                all.len() as f64 / elapsed.as_secs_f64(),
                lat.len(),
                errors.lock().unwrap(),
                ms(p(0.5)),
                ms(p(0.9)),
                ms(p(0.99)),
                ms(p(0.999)),
                ms(lat[lat.len() - 1])
            );
        }
        println!("outcomes: {:?}", outcomes.lock().unwrap());
        if std::env::var_os("GATE_LOAD_METRICS").is_some() {
            let m = reqwest::get(&metrics_url).await.unwrap().text().await.unwrap();
            for line in m.lines().filter(|l| l.contains("audit_group_appends{") || l.starts_with("hamnvakt_wal_rewind_duration_seconds_") || l.contains("decision_group_") && (l.contains("_sum") || l.contains("_count"))) {
                println!("{line}");
            }
            // The same sums and counts over the load alone.
            let before: BTreeMap<String, f64> = before.into_iter().collect();
            for (name, after) in writer_metrics(&m) {
                let was = before.get(&name).copied().unwrap_or(0.0);
                println!("during the load: {name} {:.6}", after - was);
            }
        }
        let report = state.store.verify_chain().await.unwrap();
        println!("audit chain: {:?}, {} events", report.status, report.events_checked);
    });
}

/// The writer's sums and counts in a `/metrics` text: WAL rewinds (with their histogram's
/// buckets), group appends and the decision groups' commits.
fn writer_metrics(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| {
            l.contains("audit_group_appends{")
                || l.starts_with("hamnvakt_wal_rewind_duration_seconds_")
                || (l.contains("decision_group_") || l.contains("event_commit_duration_seconds"))
                    && (l.contains("_sum") || l.contains("_count"))
        })
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}
