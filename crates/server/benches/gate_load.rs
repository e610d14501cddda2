//! Gate decisions over HTTP with the durable audit write: an open-loop load generator sends
//! decisions at a fixed rate to a real server (on loopback, SQLite or PostgreSQL) filled with
//! the demo port, and reports the latency of each answer measured from its scheduled send
//! time (so queueing is counted, not hidden) and the throughput achieved.
//!
//! `cargo bench -p hamnvakt-server --bench gate_load -- [--rate 2000] [--seconds 15] [--postgres]
//! [--indicators 100000] [--instances 2]`
//!
//! With `--indicators N`, N shared indicators of truck plates are imported first (ten of them
//! plates the demo's trucks carry), so every presentation is matched against them after its
//! answer, as it is in a port that takes the alliance's indicators.
//!
//! With `--instances 2` (PostgreSQL) a second server on the same database takes every other
//! request, as two instances behind a load balancer would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamnvakt_server::app::Instance;
use hamnvakt_testkit::{Kind, TestDb};
use rand::seq::SliceRandom;
use rand::SeedableRng;

fn main() {
    let rate: u64 = common::arg("--rate", 2000);
    let seconds: u64 = common::arg("--seconds", 15);
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
        println!("seeded the demo port in {:.1} s ({} decisions replayed)", t.elapsed().as_secs_f64(), summary.decisions);
        let token = summary.machine_token.clone().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v1/access/decisions", listener.local_addr().unwrap());
        let serve_state = state.clone();
        tokio::spawn(async move { hamnvakt_server::app::serve(serve_state, listener, std::future::pending()).await });
        let indicators: usize = common::arg("--indicators", 0);
        if indicators > 0 {
            load_indicators(&state, &url.replace("/access/decisions", "/sharing/import?audience=alliance"), indicators, &summary.world.access.traffic).await;
        }
        let mut urls = vec![url.clone()];
        for _ in 1..common::arg("--instances", 1usize) {
            assert_eq!(kind, Kind::Postgres, "several instances need PostgreSQL");
            let other = common::instance(&db).await;
            other.start().await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            urls.push(format!("http://{}/api/v1/access/decisions", listener.local_addr().unwrap()));
            tokio::spawn(async move { hamnvakt_server::app::serve(other, listener, std::future::pending()).await });
        }

        // The demo day's own presentations (card, plate, gate, direction), replayed at the
        // offered rate: realistic mixes of grants and denials. The generator runs apart from
        // the server: a scheduler thread that sleeps precisely until each request's due time
        // (tokio's timer ticks in whole milliseconds, which would itself add up to 1 ms), and
        // a one-thread runtime of its own that sends the requests and times the answers.
        let traffic = summary.world.access.traffic.clone();
        let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
        let latencies = Arc::new(Mutex::new(Vec::with_capacity((rate * seconds) as usize)));
        let errors = Arc::new(Mutex::new(0u64));
        let total = rate * seconds;
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let (lat2, err2, urls2, token2) = (latencies.clone(), errors.clone(), urls.clone(), token.clone());
        let (start, tasks) = tokio::task::spawn_blocking(move || {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
            let start = Instant::now();
            let mut tasks = Vec::with_capacity(total as usize);
            for i in 0..total {
                let due = start + interval * i as u32;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let p = traffic.choose(&mut rng).unwrap();
                let body = serde_json::json!({"gate": p.gate, "credential": p.credential, "plate": p.plate, "direction": p.direction});
                let url = urls2[i as usize % urls2.len()].clone();
                let (client, token, latencies, errors) = (client.clone(), token2.clone(), lat2.clone(), err2.clone());
                tasks.push(handle.spawn(async move {
                    let r = client.post(&url).bearer_auth(&token).json(&body).send().await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            latencies.lock().unwrap().push((due - start, due.elapsed()));
                        }
                        _ => *errors.lock().unwrap() += 1,
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
        let sent = latencies.lock().unwrap().clone();
        let mut lat: Vec<Duration> = sent.iter().map(|(_, l)| *l).collect();
        lat.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let p = |q: f64| lat[(((lat.len() - 1) as f64) * q).round() as usize];
        println!("| backend | offered | achieved | answered | errors | p50 | p90 | p99 | p99.9 | max |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {kind:?} ×{} | {rate}/s for {seconds} s | {:.0}/s | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
            urls.len(),
            lat.len() as f64 / elapsed.as_secs_f64(),
            lat.len(),
            errors.lock().unwrap(),
            ms(p(0.5)),
            ms(p(0.9)),
            ms(p(0.99)),
            ms(p(0.999)),
            ms(lat[lat.len() - 1])
        );
        // Where the slow answers fell: per 100 ms of the run, how many took over 5 ms (shows
        // whether the tail is a few stalls that catch many requests at once, or spread out).
        if std::env::var_os("GATE_LOAD_TAIL").is_some() {
            let mut slots = std::collections::BTreeMap::<u64, (u32, Duration)>::new();
            for (at, l) in sent.iter().filter(|(_, l)| *l > Duration::from_millis(5)) {
                let e = slots.entry(at.as_millis() as u64 / 100).or_default();
                e.0 += 1;
                e.1 = e.1.max(*l);
            }
            for (slot, (n, worst)) in slots {
                println!("tail at {:.1} s: {n} answers over 5 ms, worst {:.1} ms", slot as f64 / 10.0, ms(worst));
            }
        }
        if std::env::var_os("GATE_LOAD_METRICS").is_some() {
            let m = reqwest::get(url.replace("/api/v1/access/decisions", "/metrics")).await.unwrap().text().await.unwrap();
            for line in m.lines().filter(|l| l.contains("events_appended_total{") || l.contains("audit_group_appends{") || l.contains("commit_duration_seconds") || l.contains("commit_duration_seconds_count") || l.contains("decision_group_") || (l.contains("http_request_duration_seconds") && l.contains("decisions"))) {
                println!("{line}");
            }
        }
        let report = state.store.verify_chain().await.unwrap();
        println!("audit chain: {:?}, {} events", report.status, report.events_checked);
    });
}

/// Imports `n` TLP:GREEN indicators of truck plates through the API, as a partner feed would
/// bring them; ten are plates of the demo's own trucks, so sightings happen too.
async fn load_indicators(
    state: &Instance,
    url: &str,
    n: usize,
    traffic: &[hamnvakt_demo::access::Presentation],
) {
    use hamnvakt_core::org::OrgKind;
    use hamnvakt_identity::Role;
    use hamnvakt_server::identity::{self as admin, UserSpec};
    use hamnvakt_sharing::IndicatorKind;
    let actor = hamnvakt_server::web::change::Actor::system("bench");
    let port = state
        .store
        .list_orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::PortAuthority)
        .unwrap()
        .id;
    let user = admin::create_user(
        state,
        &actor,
        UserSpec {
            id: None,
            org_id: port,
            username: "bench.sharing".into(),
            display_name: "bench".into(),
            password: None,
            roles: vec![Role::MachineClient],
            locale: "en".into(),
        },
    )
    .await
    .unwrap();
    let token = admin::create_token(state, &actor, &user, "bench", vec![Role::MachineClient], 1)
        .await
        .unwrap()
        .1;
    let mut plates: Vec<String> = traffic.iter().filter_map(|p| p.plate.clone()).collect();
    plates.sort();
    plates.dedup();
    let green = hamnvakt_sharing::stix::tlp_marking_id(hamnvakt_core::Tlp::Green);
    let objects: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let value = match plates.get(i * 7).filter(|_| i < 10) {
                Some(p) => p.clone(),
                None => format!("ZZ{:06}", i),
            };
            serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid::Uuid::new_v4()),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "name": format!("Truck {value}"), "description": "generated", "indicator_types": ["malicious-activity"],
                "pattern": IndicatorKind::TruckPlate.pattern(&value), "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
                "object_marking_refs": [green]})
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects})).unwrap();
    let t = Instant::now();
    let r = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .build()
        .unwrap()
        .post(url)
        .bearer_auth(&token)
        .header("content-type", "application/stix+json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
    println!(
        "loaded {n} shared indicators in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}
