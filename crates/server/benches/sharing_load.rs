//! Sharing at scale against a real server on loopback (SQLite, or PostgreSQL with
//! `--postgres`): the import of a 100,000-object STIX bundle through the API (objects per
//! second with every marking checked, and the process's peak memory), TAXII pages of 1,000
//! objects read by a partner port (p50/p99 over repeated pages), and the in-memory cost of
//! matching one consignment's and one gate presentation's values against the 100,000 live
//! indicators.
//!
//! `cargo bench -p hamnvakt-server --bench sharing_load -- [--objects 100000] [--pages 200] [--postgres]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_server::identity::{self as admin, UserSpec};
use hamnvakt_server::web::change::Actor;
use hamnvakt_sharing::stix::tlp_marking_id;
use hamnvakt_sharing::{IndicatorKind, Matcher, Observed, Watch};
use hamnvakt_testkit::TestDb;
use serde_json::json;

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_mib() -> f64 {
    common::status_kib("VmHWM") as f64 / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A truck plate of `i` (letters and digits, as plates are).
fn plate(i: usize) -> String {
    let l = |n: usize| (b'A' + (n % 26) as u8) as char;
    format!("{}{}{}{:04}", l(i), l(i / 26), l(i / 676), i % 10_000)
}

fn main() {
    let objects: usize = common::arg("--objects", 100_000);
    let pages: usize = common::arg("--pages", 200);
    let kind = common::backend();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let db = TestDb::new(kind).await;
        let state = common::instance(&db).await;
        state.start().await.unwrap();
        let seed = Actor::system("bench");
        let port = admin::create_org(&state, &seed, "Ports of Stockholm", OrgKind::PortAuthority, None).await.unwrap().id;
        let partner = admin::create_org(&state, &seed, "Port of Helsinki", OrgKind::OtherPort, None).await.unwrap().id;
        let token = |org, name: &'static str, roles: Vec<Role>| {
            let state = state.clone();
            let seed = seed.clone();
            async move {
                let user = admin::create_user(&state, &seed, UserSpec { id: None, org_id: org, username: name.into(), display_name: name.into(), password: None, roles: roles.clone(), locale: "en".into() }).await.unwrap();
                admin::create_token(&state, &seed, &user, name, roles, 1).await.unwrap().1
            }
        };
        let analyst = token(port, "bench.analyst", vec![Role::MachineClient]).await;
        let helsinki = token(partner, "bench.partner", vec![Role::MachineClient]).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let serve_state = state.clone();
        tokio::spawn(async move { hamnvakt_server::app::serve(serve_state, listener, std::future::pending()).await });

        // The bundle: indicators (truck plates), one report per hundred of them, TLP:GREEN.
        let green = tlp_marking_id(hamnvakt_core::Tlp::Green);
        let mut list = Vec::with_capacity(objects);
        let mut watches = Vec::with_capacity(objects);
        let mut refs = Vec::new();
        for i in 0..objects {
            if i % 100 == 99 {
                list.push(json!({"type": "report", "spec_version": "2.1", "id": format!("report--{}", uuid::Uuid::new_v4()),
                    "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                    "name": format!("Modus operandi {i}"), "description": "generated", "report_types": ["threat-report"],
                    "published": "2026-11-01T00:00:00.000Z", "object_refs": std::mem::take(&mut refs), "object_marking_refs": [green]}));
                continue;
            }
            let id = format!("indicator--{}", uuid::Uuid::new_v4());
            let value = plate(i);
            refs.push(id.clone());
            watches.push(Watch { id: id.clone(), kind: IndicatorKind::TruckPlate, value: value.clone(), valid_from_ms: 0, valid_until_ms: None });
            list.push(json!({"type": "indicator", "spec_version": "2.1", "id": id,
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "name": format!("Truck {value}"), "description": "generated", "indicator_types": ["malicious-activity"],
                "pattern": IndicatorKind::TruckPlate.pattern(&value), "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
                "object_marking_refs": [green]}));
        }
        let body = serde_json::to_vec(&json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": list})).unwrap();
        drop(list);
        let http = reqwest::Client::builder().timeout(Duration::from_secs(3600)).build().unwrap();
        let before = peak_mib();
        let t = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/sharing/import?audience=alliance"))
            .bearer_auth(&analyst)
            .header("content-type", "application/stix+json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let report: serde_json::Value = r.json().await.unwrap();
        let took = t.elapsed().as_secs_f64();
        assert!(status.is_success(), "{report}");
        println!(
            "import: {} objects ({:.1} MB) in {:.2} s = {:.0} objects/s; stored {}, refused {}; peak RSS {:.0} MiB before, {:.0} MiB after (whole process: server and this client)",
            objects, body.len() as f64 / 1e6, took, objects as f64 / took, report["stored"], report["failures"].as_array().map(Vec::len).unwrap_or(0), before, peak_mib()
        );

        // TAXII pages of 1,000 for the partner, walking the collection with `next`.
        let alliance = "8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70";
        let url = format!("{base}/taxii2/hamnvakt/collections/{alliance}/objects/");
        let mut lat = Vec::with_capacity(pages);
        let mut next: Option<String> = None;
        for _ in 0..pages {
            let mut req = http.get(&url).bearer_auth(&helsinki).header("accept", "application/taxii+json;version=2.1").query(&[("limit", "1000")]);
            if let Some(n) = &next {
                req = req.query(&[("next", n.as_str())]);
            }
            let t = Instant::now();
            let v: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
            lat.push(t.elapsed());
            assert!(v["objects"].as_array().is_some_and(|a| !a.is_empty()), "{v}");
            // At the end of the collection, start again from its beginning.
            next = v["next"].as_str().map(str::to_owned);
        }
        lat.sort();
        println!("taxii: {} pages of 1,000 objects: p50 {:.1} ms, p99 {:.1} ms", lat.len(), percentile(&lat, 0.5), percentile(&lat, 0.99));

        // Matching in memory against the same indicators.
        let m = Matcher::new(watches);
        let consignment: Vec<Observed> = [
            (IndicatorKind::ContainerNumber, "MSKU4839210"),
            (IndicatorKind::TruckPlate, "XYZ9999"),
            (IndicatorKind::HsCode, "0803901000"),
            (IndicatorKind::Eori, "SE5560000001"),
            (IndicatorKind::CompanyName, "Frukt & Grönt AB"),
            (IndicatorKind::RouteVia, "ECGYE"),
            (IndicatorKind::RouteVia, "NLRTM"),
            (IndicatorKind::RouteVia, "SENYN"),
        ]
        .into_iter()
        .filter_map(|(k, v)| Observed::of(k, v))
        .collect();
        let gate: Vec<Observed> = [(IndicatorKind::TruckPlate, plate(4_242).as_str()), (IndicatorKind::ContainerNumber, "MSKU4839210")]
            .into_iter()
            .filter_map(|(k, v)| Observed::of(k, v))
            .collect();
        for (what, obs) in [("consignment (8 values)", &consignment), ("gate presentation (2 values, one a hit)", &gate)] {
            let n = 1_000_000;
            let t = Instant::now();
            let mut hits = 0;
            for i in 0..n {
                hits += m.matches(obs, 1_800_000_000_000 + i).len();
            }
            let ns = t.elapsed().as_nanos() as f64 / n as f64;
            println!("matching a {what} against {} live indicators: {ns:.0} ns ({hits} hits in {n})", m.len());
        }
    });
}
