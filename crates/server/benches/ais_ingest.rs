//! End-to-end AIS ingest: a recording of `--vessels` ships (default 10,000) reporting around
//! the Baltic, `--sentences` lines in all (default 1,000,000, one in twenty heard twice), played
//! as fast as possible through the server's real path — decoding, the bounded queue,
//! de-duplication, the vessel picture, the behaviour detectors, port visits, the track sampler
//! and the batched writes to the store (SQLite, or PostgreSQL with `--postgres`). Prints the
//! sustained rate and the resident memory the ingest state added.
//!
//! `cargo bench -p hamnvakt-server --bench ais_ingest -- [--vessels 10000] [--sentences 1000000] [--postgres]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use hamnvakt_ais::encode::{position_a, sentences, Framing, PositionReport};
use hamnvakt_server::web::state::SystemClock;
use hamnvakt_testkit::TestDb;
use rand::{Rng, SeedableRng};

fn main() {
    // Before anything: the growth then includes the runtime and SQLite's page cache, an upper
    // bound on what the ingest state costs. (The recording itself is freed by then.)
    let before = common::status_kib("VmRSS");
    let vessels: u32 = common::arg("--vessels", 10_000);
    let total: usize = common::arg("--sentences", 1_000_000);
    let kind = common::backend();
    // The recording: ships spread over the Baltic, each reporting every 10 s at 5–20 kn.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let now = hamnvakt_core::clock::Clock::now(&SystemClock).as_millisecond();
    let t0 = now - 3_600_000;
    let mut ships: Vec<(u32, f64, f64, f64, f64)> = (0..vessels)
        .map(|k| {
            (
                230_000_000 + k,
                rng.gen_range(54.5..60.5),
                rng.gen_range(12.0..28.0),
                rng.gen_range(5.0..20.0),
                rng.gen_range(0.0..360.0),
            )
        })
        .collect();
    let mut text = String::with_capacity(total * 80);
    let mut lines = 0usize;
    let mut round = 0i64;
    while lines < total {
        for s in ships.iter_mut() {
            if lines >= total {
                break;
            }
            let (mmsi, lat, lon, speed, course) = *s;
            let at = t0 + round * 10_000 + i64::from(mmsi % 10_000);
            let p = PositionReport {
                mmsi,
                status: 0,
                lat,
                lon,
                speed_kn: speed,
                course_deg: course,
                heading_deg: Some(course as u16),
                second: ((at / 1000) % 60) as u8,
            };
            let f = Framing {
                time_ms: Some(at),
                source: Some("bench"),
                channel: 'A',
                sequence: 0,
            };
            let bits = position_a(&p);
            sentences(&bits, &f, &mut text);
            lines += 1;
            if lines < total && rng.gen_ratio(1, 20) {
                sentences(
                    &bits,
                    &Framing {
                        source: Some("bench-2"),
                        ..f
                    },
                    &mut text,
                );
                lines += 1;
            }
            let d_km = speed * 1.852 * 10.0 / 3600.0;
            s.1 += d_km / 111.2 * course.to_radians().cos();
            s.2 += d_km / (111.2 * s.1.to_radians().cos()) * course.to_radians().sin();
        }
        round += 1;
    }
    let bytes = text.len();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let db = TestDb::new(kind).await;
        let state = common::instance(&db).await;
        let store = state.store.clone();
        state.start().await.unwrap();
        let start = Instant::now();
        hamnvakt_server::maritime::replay(
            state.maritime_state(),
            text.into_bytes(),
            hamnvakt_server::maritime::Pace::Speed(0.0),
        )
        .await;
        while !state.ais.queue_empty() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let processed = start.elapsed();
        // Let the writer catch up with the last batches.
        let mut stored = store.track_point_count().await.unwrap();
        loop {
            tokio::time::sleep(Duration::from_millis(700)).await;
            let now = store.track_point_count().await.unwrap();
            if now == stored {
                break;
            }
            stored = now;
        }
        let all = start.elapsed();
        let after = common::status_kib("VmRSS");
        let metrics = state.metrics.encode();
        let duplicates = metrics
            .lines()
            .find(|l| l.starts_with("hamnvakt_ais_duplicates_total"))
            .and_then(|l| l.split_whitespace().last())
            .unwrap_or("?")
            .to_owned();
        println!(
            "{kind:?}: {lines} sentences ({:.1} MB) from {vessels} vessels, {duplicates} duplicates dropped",
            bytes as f64 / 1e6
        );
        println!(
            "  through decode, queue, de-duplication, picture, detectors, port visits: {:.2} s, {:.0} sentences/s",
            processed.as_secs_f64(),
            lines as f64 / processed.as_secs_f64()
        );
        println!(
            "  and stored ({stored} track points): {:.2} s, {:.0} sentences/s",
            all.as_secs_f64(),
            lines as f64 / all.as_secs_f64()
        );
        let tracked = state.ais.picture().len();
        println!(
            "  resident memory grew {:.1} MB while tracking {} vessels ({:.1} MB per 10,000)",
            (after.saturating_sub(before)) as f64 / 1024.0,
            tracked,
            (after.saturating_sub(before)) as f64 / 1024.0 * 10_000.0 / tracked.max(1) as f64
        );
    });
}
