//! Durable event appends: how many per second, and the p50/p99 latency of one commit, on
//! SQLite and on PostgreSQL, with one writer and with several at once. Each append is a full
//! write transaction as the server runs it: read the chain head, hash, insert, move the head,
//! commit durably.
//!
//! `cargo bench -p hamnvakt-store --bench append -- [--events N] [--writers 1,8] [--backend sqlite,postgres]`
//! PostgreSQL: the server in `HAMNVAKT_TEST_POSTGRES_URL` (default 127.0.0.1:5432).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use hamnvakt_store::{NewEvent, OpenOptions, Store};
use hamnvakt_testkit::{Kind, TestDb};
use serde_json::json;

struct Args {
    events: usize,
    writers: Vec<usize>,
    backends: Vec<Kind>,
}

fn args() -> Args {
    let mut a = Args {
        events: 4000,
        writers: vec![1, 8],
        backends: vec![Kind::Sqlite, Kind::Postgres],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--events" => a.events = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.events),
            "--writers" => {
                a.writers = it
                    .next()
                    .map(|v| v.split(',').filter_map(|w| w.parse().ok()).collect())
                    .unwrap_or_default()
            }
            "--backend" => {
                a.backends = it
                    .next()
                    .map(|v| {
                        v.split(',')
                            .filter_map(|b| match b {
                                "sqlite" => Some(Kind::Sqlite),
                                "postgres" => Some(Kind::Postgres),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            }
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(kind: Kind, writers: usize, events: usize) -> (f64, Duration, Duration) {
    let db = TestDb::new(kind).await;
    let store = Store::open(
        &db.url,
        &OpenOptions {
            max_connections: (writers as u32 + 2).max(4),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    store.migrate(0).await.unwrap();
    let per_writer = events / writers;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_writer);
            for i in 0..per_writer {
                // A payload the size of a typical alert event.
                let payload = json!({
                    "kind": "access.repeated_denials", "severity": "high", "writer": w, "i": i,
                    "title": "Card refused twice within 20 minutes at Värtahamnen quay gates",
                    "subjects": [{"kind": "credential", "reference": "SH-204117"}, {"kind": "gate", "reference": "VHA-G3"}],
                    "evidence": {"denials": [{"gate": "VHA-G3", "at": "03:10"}, {"gate": "VHA-G5", "at": "03:27"}]}
                });
                let t = Instant::now();
                let mut tx = store.begin().await.unwrap();
                tx.append(NewEvent {
                    at_ms: 1_795_000_000_000 + i as i64,
                    kind: "alert.raised",
                    actor: "token:bench",
                    org: Some("org"),
                    subject: Some("alert:bench"),
                    request_id: None,
                    payload,
                })
                .await
                .unwrap();
                tx.commit().await.unwrap();
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(events);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    let report = store.verify_chain().await.unwrap();
    assert_eq!(
        report.events_checked as usize,
        all.len(),
        "every append is in the chain"
    );
    store.close().await;
    all.sort();
    (
        all.len() as f64 / elapsed.as_secs_f64(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
    )
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| backend | writers | events | appends/s | p50 commit | p99 commit |");
    println!("|---|---:|---:|---:|---:|---:|");
    for &kind in &a.backends {
        for &w in &a.writers {
            let (rate, p50, p99) = rt.block_on(run(kind, w, a.events));
            println!(
                "| {:?} | {w} | {} | {rate:.0} | {:.2} ms | {:.2} ms |",
                kind,
                a.events / w * w,
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3
            );
        }
    }
}
