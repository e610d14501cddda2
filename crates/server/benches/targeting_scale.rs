//! Targeting at national scale: one consignment scored through the API, and a day's
//! worklist built through the API, with a million consignments stored.
//!
//! A real server on loopback over SQLite (or PostgreSQL with `--postgres`), filled with the
//! demo port (its profiles, its model trained on its outcomes, its day), then with more
//! consignments — copies of the demo's with new declaration ids, importers and dates over the
//! year before the demo's day, `--per-day` of them on the day itself — stored directly in
//! batches of 5,000 (through the store's upsert, which keeps the targeting context's counts,
//! but without an audit event each: what is measured is the scoring, not the import).
//!
//! Then, one request at a time: `--scores` requests `GET /api/v1/consignments/{id}/score` for
//! consignments of the day and of random earlier days, and `--worklists` requests
//! `GET /api/v1/targeting/worklist?date=<the day>`. Latency is each request's round trip.
//! The machine's load average is printed before and after.
//!
//! `cargo bench -p hamnvakt-server --bench targeting_scale -- [--total 1000000] [--per-day 2700] [--scores 2000] [--worklists 20] [--postgres]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

mod common;

use std::time::Instant;

use hamnvakt_store::ConsignmentRow;
use hamnvakt_targeting::consignment::Consignment;
use hamnvakt_testkit::TestDb;
use rand::{Rng, SeedableRng};

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn date(days: i64) -> String {
    jiff::Timestamp::from_second(days * 86_400)
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn main() {
    let kind = common::backend();
    let total: usize = common::arg("--total", 1_000_000);
    let per_day: usize = common::arg("--per-day", 2_700);
    let scores: usize = common::arg("--scores", 2_000);
    let worklists: usize = common::arg("--worklists", 20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        println!("load average at start: {}", load());
        let db = TestDb::new(kind).await;
        let state = common::instance(&db).await;
        state.start().await.unwrap();
        let t = Instant::now();
        let summary = hamnvakt_server::cli::seed(&state, hamnvakt_demo::DEFAULT_SEED).await.unwrap();
        println!("seeded the demo port in {:.1} s", t.elapsed().as_secs_f64());
        let cargo = summary.world.cargo.clone();
        let today = hamnvakt_targeting::mapping::days(&cargo.today).unwrap();

        // More consignments: copies of the demo's, over the year before its day and on it.
        let t = Instant::now();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
        let templates: Vec<Consignment> = cargo.consignments.clone();
        let stored = state.store.count_consignments().await.unwrap() as usize;
        let mut made = 0usize;
        let mut today_ids = Vec::new();
        let mut other_ids = Vec::new();
        let to_make = total.saturating_sub(stored);
        while made < to_make {
            let n = 5_000.min(to_make - made);
            let mut rows = Vec::with_capacity(n);
            for _ in 0..n {
                let mut c = templates[rng.gen_range(0..templates.len())].clone();
                let on_today = made < per_day;
                let day = if on_today { today } else { today - rng.gen_range(1..=365) };
                c.declaration_id = format!("BX{}-{made:07}", date(day).replace('-', ""));
                c.date = Some(date(day));
                // Some 60,000 importers, a few new each day.
                c.importer.eori = Some(format!("SE{:010}", rng.gen_range(0..60_000u64)));
                if let (Some(v), true) = (c.value, rng.gen_ratio(1, 3)) {
                    c.value = Some(v * rng.gen_range(0.5..2.0));
                }
                if on_today {
                    today_ids.push(c.declaration_id.clone());
                } else if other_ids.len() < 10_000 {
                    other_ids.push(c.declaration_id.clone());
                }
                rows.push(ConsignmentRow {
                    declaration_id: c.declaration_id.clone(),
                    day: Some(day),
                    hs_code: c.hs_code.clone(),
                    importer: c.importer.eori.clone(),
                    container: c.container.clone(),
                    origin_country: c.origin_country.clone(),
                    data: serde_json::to_string(&c).unwrap(),
                    source: "bench".into(),
                    updated_ms: 0,
                    importer_key: hamnvakt_targeting::profile::importer_key(&c).map(str::to_owned),
                    value_per_kg: hamnvakt_targeting::profile::value_per_kg(&c),
                });
                made += 1;
            }
            let mut tx = state.store.begin().await.unwrap();
            tx.upsert_consignments(&rows).await.unwrap();
            tx.commit().await.unwrap();
            if made % 100_000 < 5_000 {
                println!("  {made} stored ({:.0} s)", t.elapsed().as_secs_f64());
            }
        }
        let count = state.store.count_consignments().await.unwrap();
        println!(
            "{count} consignments stored ({made} added in {:.0} s), {} on the day {}",
            t.elapsed().as_secs_f64(),
            today_ids.len() + cargo.consignments.iter().filter(|c| c.date.as_deref() == Some(cargo.today.as_str())).count(),
            cargo.today
        );

        let officer = summary.world.user("targeting").unwrap();
        let owner = state.store.user(officer.id).await.unwrap().unwrap();
        let actor = hamnvakt_server::web::change::Actor::system("bench");
        let (_, token) = hamnvakt_server::identity::create_token(
            &state,
            &actor,
            &owner,
            "bench",
            vec![hamnvakt_identity::Role::TargetingOfficer],
            1,
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let serve_state = state.clone();
        tokio::spawn(async move {
            hamnvakt_server::app::serve(serve_state, listener, std::future::pending()).await
        });
        let client = reqwest::Client::new();
        let get = |path: String| {
            let (client, token, base) = (client.clone(), token.clone(), base.clone());
            async move {
                let t = Instant::now();
                let r = client
                    .get(format!("{base}{path}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let body = r.bytes().await.unwrap();
                assert!(status.is_success(), "{path}: {status} {}", String::from_utf8_lossy(&body));
                (t.elapsed().as_secs_f64() * 1000.0, body.len())
            }
        };
        println!("load average before measuring: {}", load());
        // Warm up: the first request of each kind parses the model and reads the targeting
        // context's counts into this process's copy (all of them, once).
        let (first, _) = get(format!("/api/v1/consignments/{}/score", cargo.story_declaration)).await;
        println!("first score after start (reads the context's counts into memory): {first:.1} ms");
        // Half of the day's consignments, half of earlier days' (whose value-per-kg norm is
        // the totals less every day from theirs on: the further back, the more rows).
        let (mut lat_today, mut lat_past) = (Vec::new(), Vec::new());
        for k in 0..scores {
            if k % 2 == 0 && !today_ids.is_empty() {
                let id = &today_ids[rng.gen_range(0..today_ids.len())];
                lat_today.push(get(format!("/api/v1/consignments/{id}/score")).await.0);
            } else {
                let id = &other_ids[rng.gen_range(0..other_ids.len())];
                lat_past.push(get(format!("/api/v1/consignments/{id}/score")).await.0);
            }
        }
        for (what, lat) in [("of the day", &mut lat_today), ("of earlier days", &mut lat_past)] {
            lat.sort_by(f64::total_cmp);
            println!(
                "score one consignment {what} (GET /consignments/{{id}}/score), {} requests: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                lat.len(),
                percentile(lat, 0.5),
                percentile(lat, 0.9),
                percentile(lat, 0.99),
                lat[lat.len() - 1]
            );
        }
        let mut wl = Vec::with_capacity(worklists);
        let mut size = 0;
        for _ in 0..worklists {
            let (ms, bytes) = get(format!("/api/v1/targeting/worklist?date={}", cargo.today)).await;
            wl.push(ms);
            size = bytes;
        }
        wl.sort_by(f64::total_cmp);
        println!(
            "the day's worklist (GET /targeting/worklist), {worklists} requests, {size} bytes each: p50 {:.1} ms, max {:.1} ms",
            percentile(&wl, 0.5),
            wl[wl.len() - 1]
        );
        println!("load average at the end: {}", load());
    });
}
