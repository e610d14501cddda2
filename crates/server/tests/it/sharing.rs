//! Sharing against real peers: every bundle exported passes the OASIS `stix2-validator` in
//! strict mode; the OASIS `taxii2-client` reads and writes our TAXII server; two Hamnvakt
//! instances federate over TAXII (story 5), with TLP:AMBER+STRICT and TLP:RED never leaving.
//!
//! The peers come from PyPI, installed by `scripts/test` into a virtual environment outside the
//! repository whose `bin` directory is named in `HAMNVAKT_TEST_PEERS`.

use std::path::PathBuf;
use std::process::Command;

use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_server::identity::{self as admin, UserSpec};
use hamnvakt_server::web::change::Actor;
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp, PASSWORD};

fn peers() -> PathBuf {
    match std::env::var_os("HAMNVAKT_TEST_PEERS") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "HAMNVAKT_TEST_PEERS is not set: it names the bin directory of a Python virtual \
             environment with stix2-validator, taxii2-client and medallion. scripts/test \
             installs them and sets it; to run these tests alone: python3 -m venv \
             ~/.cache/hamnvakt/peers && ~/.cache/hamnvakt/peers/bin/pip install stix2-validator \
             taxii2-client medallion && HAMNVAKT_TEST_PEERS=~/.cache/hamnvakt/peers/bin cargo test"
        ),
    }
}

/// Runs the OASIS validator in strict mode over a bundle; panics with its report if invalid.
pub(crate) fn validate_strict(bundle: &Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    let out = Command::new(peers().join("stix2_validator"))
        .arg("--strict")
        .arg(&file)
        .output()
        .expect("run stix2_validator");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stix2-validator --strict refused the bundle:\n{report}\n{bundle:#}"
    );
    assert!(report.contains("Valid"), "{report}");
}

/// Imports a STIX bundle through `/api/v1/sharing/import` as `c`, asserting that every object
/// was taken; returns the import's answer.
pub(crate) async fn import_whole(c: &mut Client, bundle: &str) -> crate::helpers::Response {
    let r = c
        .send(
            reqwest::Method::POST,
            "/api/v1/sharing/import",
            Some(("application/stix+json", bundle.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json["failures"].as_array().unwrap().is_empty(),
        "{}",
        r.body
    );
    r
}

pub(crate) fn green_alliance() -> Value {
    json!({"tlp": "TLP:GREEN", "audience": "alliance"})
}

/// Story 2's modus operandi: the container, the truck, the phone used to arrange the pick-up.
pub(crate) fn modus_operandi(container: &str) -> Value {
    json!({
        "name": "Fake-driver collection of a reefer from Guayaquil",
        "description": "A driver with a copied port card collected a banana reefer an hour before the real haulier; the release code had been passed on by an insider. Watch the container, the truck and the phone number that booked the slot.",
        "marking": green_alliance(),
        "indicators": [
            {"kind": "container_number", "value": container, "name": "Reefer used in the collection", "confidence": 85, "marking": green_alliance()},
            {"kind": "truck_plate", "value": "ABC 123", "name": "Truck of the fake driver", "marking": green_alliance()},
            {"kind": "phone_number", "value": "+46 70 123 45 67", "name": "Phone that booked the slot", "marking": green_alliance()},
            {"kind": "hs_code", "value": "0803", "name": "Bananas", "confidence": 30, "marking": green_alliance()}
        ]
    })
}

/// A partner port's account here: an organisation of kind other_port with a machine client,
/// and its API token.
pub(crate) async fn partner_account(
    app: &TestApp,
    name: &str,
) -> (hamnvakt_core::ids::OrgId, String) {
    let actor = Actor::system("test");
    let org = admin::create_org(&app.state, &actor, name, OrgKind::OtherPort, None)
        .await
        .unwrap()
        .id;
    let user = admin::create_user(
        &app.state,
        &actor,
        UserSpec {
            id: None,
            org_id: org,
            username: format!("taxii.{}", name.to_lowercase().replace(' ', "-")),
            display_name: name.into(),
            password: None,
            roles: vec![Role::MachineClient],
            locale: "en".into(),
        },
    )
    .await
    .unwrap();
    let (_, secret) = admin::create_token(
        &app.state,
        &actor,
        &user,
        "taxii",
        vec![Role::MachineClient],
        30,
    )
    .await
    .unwrap();
    (org, secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_pass_the_oasis_validator_and_round_trip_with_stable_ids() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let r = pfso
        .post_json(
            "/api/v1/sharing/modi-operandi",
            &modus_operandi("CSQU3054383"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let report = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["indicators"].as_array().unwrap().len(), 4);
    // Named to customs, AMBER; and one for the port authority alone.
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "eori", "value": "SE5560123456", "name": "Consignee under investigation",
                    "marking": {"tlp": "TLP:AMBER", "audience": "named", "recipients": [app.customs]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let amber = r.json["id"].as_str().unwrap().to_owned();
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "mmsi", "value": "265123456", "name": "Vessel of interest",
                    "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let strict = r.json["id"].as_str().unwrap().to_owned();
    // Create-then-restrict cannot happen: a marking wider than TLP allows is refused at once.
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "mmsi", "value": "265123456", "name": "x",
                    "marking": {"tlp": "TLP:AMBER", "audience": "alliance"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("marking.audience")),
        "{}",
        r.body
    );

    let bundle = pfso.get("/api/v1/sharing/export").await;
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    validate_strict(&bundle.json);
    let ids: Vec<&str> = bundle.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    for id in [report.as_str(), amber.as_str(), strict.as_str()] {
        assert!(ids.contains(&id), "{id} missing from the owner's export");
    }
    assert!(ids.contains(&"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"));
    assert!(ids.contains(&"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"));

    // Customs sees the AMBER one named to it, not the AMBER+STRICT one; the haulier neither.
    let mut customs = app.login("targeting").await;
    let theirs = customs.get("/api/v1/sharing/export").await;
    validate_strict(&theirs.json);
    let text = theirs.body.clone();
    assert!(text.contains(&amber) && !text.contains(&strict) && text.contains(&report));
    let mut haulier = app.login("dispatch").await;
    let theirs = haulier.get("/api/v1/sharing/export").await;
    assert!(!theirs.body.contains(&amber) && !theirs.body.contains(&strict));
    // Who may see the AMBER one and why, as its owner is told.
    let who = pfso
        .get(&format!("/api/v1/sharing/objects/{amber}/access"))
        .await;
    assert_eq!(who.status, 200, "{}", who.body);
    let lines = who.json["organisations"].as_array().unwrap();
    let line = |org: hamnvakt_core::ids::OrgId| {
        lines
            .iter()
            .find(|l| l["org"] == org.to_string())
            .unwrap()
            .clone()
    };
    assert_eq!(line(app.customs)["may_see"], true);
    assert_eq!(line(app.haulier)["may_see"], false);
    assert_eq!(
        customs
            .get(&format!("/api/v1/sharing/objects/{amber}/access"))
            .await
            .status,
        403
    );
    assert_eq!(
        haulier
            .get(&format!("/api/v1/sharing/objects/{amber}"))
            .await
            .status,
        404
    );

    // The round trip: the other instance imports the bundle and exports the same ids again.
    let other = TestApp::spawn(Kind::Sqlite).await;
    let mut analyst = other.login("pfso").await;
    let exported = bundle.body.clone();
    crate::sharing::import_whole(&mut analyst, &exported).await;
    let again = analyst.get("/api/v1/sharing/export").await;
    validate_strict(&again.json);
    for id in [report.as_str(), amber.as_str()] {
        assert!(again.body.contains(id), "{id} lost in the round trip");
    }
    // The same bundle once more changes nothing: every version is already there.
    let r = analyst
        .send(
            reqwest::Method::POST,
            "/api/v1/sharing/import",
            Some(("application/stix+json", exported.into_bytes())),
        )
        .await;
    assert_eq!(r.json["stored"], 0, "{}", r.body);
    // A bundle that does not hold says where.
    let r = analyst
        .send(reqwest::Method::POST, "/api/v1/sharing/import", Some(("application/stix+json", br#"{"type":"bundle","objects":[{"type":"indicator","id":"indicator--x","spec_version":"2.1"}]}"#.to_vec())))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json["failures"][0]["field"], "objects[0].id",
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oasis_taxii_client_reads_and_writes_our_taxii_server() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let r = pfso
        .post_json(
            "/api/v1/sharing/modi-operandi",
            &modus_operandi("CSQU3054383"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "mmsi", "value": "265123456", "name": "Vessel of interest",
                    "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}),
        )
        .await;
    let strict = r.json["id"].as_str().unwrap().to_owned();
    let (_partner, token) = partner_account(&app, "Port of Gdynia").await;

    // Without credentials 401; asking for another media type 406.
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/taxii2/", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{}/taxii2/", app.url))
        .bearer_auth(&token)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/taxii+json"));

    // The partner's own indicator, posted with the reference client.
    let post = json!({"objects": [{
        "type": "indicator", "spec_version": "2.1", "id": "indicator--2f6c0a1e-9c1b-4f7e-8a3d-5b6c7d8e9f01",
        "created": "2026-11-10T08:00:00.000Z", "modified": "2026-11-10T08:00:00.000Z",
        "name": "Seal used twice", "description": "A seal number seen on two containers",
        "indicator_types": ["malicious-activity"], "pattern": "[x-hamnvakt-seal:number = 'SL0042']",
        "pattern_type": "stix", "valid_from": "2026-11-10T08:00:00Z",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    }, {
        "type": "indicator", "spec_version": "2.1", "id": "indicator--3a7d1b2f-0d2c-4a8f-9b4e-6c7d8e9f0a12",
        "created": "2026-11-10T08:00:00.000Z", "modified": "2026-11-10T08:00:00.000Z",
        "name": "Red", "description": "Must never travel", "indicator_types": ["malicious-activity"],
        "pattern": "[x-hamnvakt-seal:number = 'SL0043']", "pattern_type": "stix", "valid_from": "2026-11-10T08:00:00Z",
        "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]
    }]});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("post.json");
    std::fs::write(&file, post.to_string()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/peers/taxii_client.py"
    );
    let out = Command::new(peers().join("python"))
        .arg(script)
        .arg(format!("{}/taxii2/", app.url))
        .arg(&token)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "taxii2-client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    // A partner port sees the alliance and its own named collection, not the community's.
    let collections = seen["collections"].as_object().unwrap();
    assert!(
        collections.contains_key("Alliance") && !collections.contains_key("Port community"),
        "{seen}"
    );
    assert_eq!(seen["can_write"], true);
    // TLP:RED from the partner is refused; the GREEN one is filed.
    assert_eq!(
        seen["status"],
        json!({"status": "complete", "total": 2, "success": 1, "failure": 1}),
        "{seen}"
    );
    assert_eq!(seen["status_again"], "complete");
    // Five GREEN alliance objects (report + four indicators), paged two at a time; the
    // partner's own indicator is filed for our port community, not handed back on.
    let ids: Vec<&str> = seen["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{seen}");
    assert_eq!(seen["pages"], json!([2, 2, 1]), "{seen}");
    assert!(!ids.contains(&strict.as_str()));
    assert_eq!(seen["indicators"], 4);
    assert_eq!(seen["versions"].as_array().unwrap().len(), 1);
    assert_eq!(seen["manifest"], 5);
    // The partner's GREEN indicator is here for the port community.
    let mut operator = app.login("operator").await;
    let r = operator
        .get("/api/v1/sharing/objects/indicator--2f6c0a1e-9c1b-4f7e-8a3d-5b6c7d8e9f01")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["marking"]["audience"], "community");
}

/// Story 5: Stockholm shares a modus operandi with the alliance; the partner port pulls it
/// over TAXII; the partner's own indicators come back; the partner's sighting of a shared
/// container returns and raises an alert at Stockholm; AMBER+STRICT and RED never leave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_ports_federate_over_taxii() {
    let sto = TestApp::spawn(Kind::Sqlite).await;
    let gdy = TestApp::spawn(Kind::Sqlite).await;
    // Each port has an account for the other, and a feed on the other's collections.
    let (gdy_at_sto, token_for_gdy) = partner_account(&sto, "Port of Gdynia").await;
    let (sto_at_gdy, token_for_sto) = partner_account(&gdy, "Ports of Stockholm").await;
    let alliance = "8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70";
    let named = "c4e7a1b9-2d3f-4e5a-8b6c-7d8e9f0a1b2c";
    let mut sto_pfso = sto.login("pfso").await;
    let mut gdy_pfso = gdy.login("pfso").await;
    let mut feeds = Vec::new();
    for (at_gdynia, app_url, partner, token, coll) in [
        (true, &sto.url, sto_at_gdy, &token_for_gdy, alliance),
        (true, &sto.url, sto_at_gdy, &token_for_gdy, named),
        (false, &gdy.url, gdy_at_sto, &token_for_sto, alliance),
        (false, &gdy.url, gdy_at_sto, &token_for_sto, named),
    ] {
        let client = if at_gdynia {
            &mut gdy_pfso
        } else {
            &mut sto_pfso
        };
        let r = client
            .post_json(
                "/api/v1/sharing/feeds",
                &json!({"name": format!("partner {coll}"), "partner_org": partner, "token": token,
                        "objects_url": format!("{app_url}/taxii2/hamnvakt/collections/{coll}/objects/"),
                        "interval_seconds": 86400}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        feeds.push(r.json["id"].as_str().unwrap().to_owned());
    }
    // Stockholm shares: the modus operandi GREEN with the alliance; one AMBER+STRICT and one
    // RED (named to Gdynia's organisation here) indicator that must never leave.
    let r = sto_pfso
        .post_json(
            "/api/v1/sharing/modi-operandi",
            &modus_operandi("CSQU3054383"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let shared: Vec<String> = r.json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let r = sto_pfso
        .post_json("/api/v1/sharing/indicators", &json!({"kind": "mmsi", "value": "265123456", "name": "strict", "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}))
        .await;
    let strict = r.json["id"].as_str().unwrap().to_owned();
    let r = sto_pfso
        .post_json("/api/v1/sharing/indicators", &json!({"kind": "mmsi", "value": "265123457", "name": "red", "marking": {"tlp": "TLP:RED", "audience": "named", "recipients": [gdy_at_sto]}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let red = r.json["id"].as_str().unwrap().to_owned();
    // Gdynia shares an indicator of its own with the alliance.
    let r = gdy_pfso
        .post_json("/api/v1/sharing/indicators", &json!({"kind": "truck_plate", "value": "GD 4711", "name": "Gdynia's truck", "marking": green_alliance()}))
        .await;
    let gdy_own = r.json["id"].as_str().unwrap().to_owned();

    // Gdynia pulls.
    for f in &feeds[..2] {
        let r = gdy_pfso
            .post_json(&format!("/api/v1/sharing/feeds/{f}/pull"), &json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json["last_error"].is_null(), "{}", r.body);
    }
    let mut gdy_op = gdy.login("operator").await;
    for id in &shared {
        assert_eq!(
            gdy_op
                .get(&format!("/api/v1/sharing/objects/{id}"))
                .await
                .status,
            200,
            "{id}"
        );
    }
    for id in [&strict, &red] {
        assert_eq!(
            gdy_pfso
                .get(&format!("/api/v1/sharing/objects/{id}"))
                .await
                .status,
            404,
            "{id} left Stockholm"
        );
    }
    // A second pull downloads nothing again (the cursor).
    let r = gdy_pfso
        .post_json(
            &format!("/api/v1/sharing/feeds/{}/pull", feeds[0]),
            &json!({}),
        )
        .await;
    let total = r.json["objects_total"].as_i64().unwrap();
    let r = gdy_pfso
        .post_json(
            &format!("/api/v1/sharing/feeds/{}/pull", feeds[0]),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.json["objects_total"].as_i64().unwrap(),
        total,
        "{}",
        r.body
    );

    // Gdynia's customs imports a manifest naming the shared container: a sighting, and an
    // alert at Gdynia.
    let mut gdy_customs = gdy.login("targeting").await;
    let r = gdy_customs
        .post_json("/api/v1/consignments", &json!({"declaration_id": "PL-2026-0042", "container": "CSQU3054383", "hs_code": "080390"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut sighting = None;
    for _ in 0..100 {
        let r = gdy_customs
            .get("/api/v1/sharing/objects?type=sighting")
            .await;
        // Both matches (the container and the tariff code) are sighted.
        if let Some(a) = r.json["objects"].as_array().filter(|a| a.len() >= 2) {
            sighting = a
                .iter()
                .find(|s| {
                    s["name"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("container_number")
                })
                .cloned();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let sighting = sighting.expect("a sighting at Gdynia");
    assert!(
        shared.contains(&sighting["sighting_of"].as_str().unwrap().to_owned()),
        "{sighting}"
    );

    // Stockholm pulls: Gdynia's own indicator and the sighting come back; the sighting raises
    // an alert for Stockholm's port authority.
    for f in &feeds[2..] {
        let r = sto_pfso
            .post_json(&format!("/api/v1/sharing/feeds/{f}/pull"), &json!({}))
            .await;
        assert!(r.json["last_error"].is_null(), "{}", r.body);
    }
    assert_eq!(
        sto_pfso
            .get(&format!("/api/v1/sharing/objects/{gdy_own}"))
            .await
            .status,
        200
    );
    // Written to the alert outbox with the sightings, raised from it just after the pull.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let r = loop {
        let r = sto_pfso
            .get("/api/v1/alerts?kind=sharing.indicator_sighted")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        if r.json["alerts"].as_array().is_some_and(|a| a.len() >= 2)
            || std::time::Instant::now() > deadline
        {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    // The container and the tariff code both matched at Gdynia: two sightings, two alerts.
    let titles: Vec<&str> = r.json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Port of Gdynia sighted «Reefer used in the collection»"),
        "{}",
        r.body
    );
    assert_eq!(titles.len(), 2, "{}", r.body);
    let _ = PASSWORD;
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// medallion, the OASIS reference TAXII 2.1 server, on a free port with one empty collection;
/// killed when dropped.
struct Medallion {
    child: std::process::Child,
    objects_url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn medallion() -> Medallion {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let collection = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4";
    let data = json!({
        "/discovery": {"title": "peer", "default": format!("{base}/epa/"), "api_roots": [format!("{base}/epa/")]},
        "epa": {
            "information": {"title": "root", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 9_765_625},
            "status": [],
            "collections": [{"id": collection, "title": "alliance", "can_read": true, "can_write": true,
                             "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]
        }
    });
    std::fs::write(dir.path().join("data.json"), data.to_string()).unwrap();
    let config = json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": dir.path().join("data.json")},
        "users": {"hamnvakt": "peer-secret"},
        // Small pages, so our client has to page.
        "taxii": {"max_page_size": 2}
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let mut child = Command::new(peers().join("medallion"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(dir.path().join("config.json"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start medallion");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http
            .get(format!("{base}/taxii2/"))
            .basic_auth("hamnvakt", Some("peer-secret"))
            .header("accept", "application/taxii+json;version=2.1")
            .send()
            .await
            .is_ok()
        {
            return Medallion {
                child,
                objects_url: format!("{base}/epa/collections/{collection}/objects/"),
                _dir: dir,
            };
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("medallion did not start on {base}");
}

/// Our TAXII client against the OASIS reference server: one port pushes what may leave for
/// the alliance, another pulls it back page by page, and a second pull downloads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_taxii_client_pushes_to_and_pulls_from_medallion() {
    let peer = medallion().await;
    let sto = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = sto.login("pfso").await;
    let r = pfso
        .post_json(
            "/api/v1/sharing/modi-operandi",
            &modus_operandi("CSQU3054383"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = pfso
        .post_json("/api/v1/sharing/indicators", &json!({"kind": "mmsi", "value": "265123456", "name": "strict", "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}))
        .await;
    let strict = r.json["id"].as_str().unwrap().to_owned();
    let (peer_org, _) = partner_account(&sto, "Alliance hub").await;
    let feed = |direction: &str, org: hamnvakt_core::ids::OrgId| {
        json!({"name": format!("medallion {direction}"), "partner_org": org, "direction": direction,
               "objects_url": peer.objects_url, "username": "hamnvakt", "token": "peer-secret",
               "interval_seconds": 86400})
    };
    let r = pfso
        .post_json("/api/v1/sharing/feeds", &feed("push", peer_org))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let push = r.json["id"].as_str().unwrap().to_owned();
    let r = pfso
        .post_json(&format!("/api/v1/sharing/feeds/{push}/pull"), &json!({}))
        .await;
    assert!(r.json["last_error"].is_null(), "{}", r.body);
    assert_eq!(r.json["objects_total"], 5, "{}", r.body);
    assert_eq!(r.json["last_run_objects"], 5, "{}", r.body);
    // What medallion holds now, read with the reference client's media type.
    let held: Value = reqwest::Client::new()
        .get(&peer.objects_url)
        .basic_auth("hamnvakt", Some("peer-secret"))
        .header("accept", "application/taxii+json;version=2.1")
        .query(&[("limit", "100")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !held.to_string().contains(&strict),
        "AMBER+STRICT left: {held}"
    );

    // The other port pulls, two objects a page, then again: nothing new.
    let gdy = TestApp::spawn(Kind::Sqlite).await;
    let (hub_at_gdy, _) = partner_account(&gdy, "Alliance hub").await;
    let mut gdy_pfso = gdy.login("pfso").await;
    let r = gdy_pfso
        .post_json("/api/v1/sharing/feeds", &feed("pull", hub_at_gdy))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pull = r.json["id"].as_str().unwrap().to_owned();
    let r = gdy_pfso
        .post_json(&format!("/api/v1/sharing/feeds/{pull}/pull"), &json!({}))
        .await;
    assert!(r.json["last_error"].is_null(), "{}", r.body);
    assert_eq!(r.json["objects_total"], 5, "{}", r.body);
    assert_eq!(r.json["last_run_objects"], 5, "{}", r.body);
    assert!(r.json["cursor"].is_string(), "{}", r.body);
    // Again: the cursor asks only for what was added since, and medallion sends nothing.
    let r = gdy_pfso
        .post_json(&format!("/api/v1/sharing/feeds/{pull}/pull"), &json!({}))
        .await;
    assert!(r.json["last_error"].is_null(), "{}", r.body);
    assert_eq!(r.json["objects_total"], 5, "{}", r.body);
    assert_eq!(r.json["last_run_objects"], 0, "{}", r.body);
    let listed = gdy_pfso.get("/api/v1/sharing/objects?type=indicator").await;
    assert_eq!(
        listed.json["objects"].as_array().unwrap().len(),
        4,
        "{}",
        listed.body
    );
    // What came through the hub keeps its marking and is the port community's here.
    assert!(listed.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["marking"]["tlp"] == "TLP:GREEN" && o["marking"]["audience"] == "community"));
}

/// A TLP:GREEN indicator as a partner port holds it, the `n`th.
fn partner_indicator(n: u32) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--7c1d2e3f-4a5b-4c6d-8e7f-{n:012}"),
        "created": "2026-11-10T08:00:00.000Z", "modified": "2026-11-10T08:00:00.000Z",
        "name": format!("Seal SL{n:04}"), "description": "A seal number seen on two containers",
        "indicator_types": ["malicious-activity"], "pattern": format!("[x-hamnvakt-seal:number = 'SL{n:04}']"),
        "pattern_type": "stix", "valid_from": "2026-11-10T08:00:00Z",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    })
}

/// The feed as listed once a run after the one at `before` is recorded (the scheduler looks
/// every 2 s; the server's clock, which decides when a feed is due, is the test's).
async fn run_after(client: &mut crate::helpers::Client, id: &str, before: &Value) -> Value {
    for _ in 0..60 {
        let list = client.get("/api/v1/sharing/feeds").await;
        let feed = list
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()
            .clone();
        if feed["last_run_at"] != *before {
            return feed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the feed did not run by itself within 6 s");
}

/// A subscription runs by itself on its interval (no one asks for the pull), and its cursor
/// means a run receives only what the partner added since the last one: nothing when nothing
/// was added, the new objects — over several pages — when some were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_pulls_on_its_interval_and_never_downloads_twice() {
    let peer = medallion().await;
    let http = reqwest::Client::new();
    let add = |ns: std::ops::RangeInclusive<u32>| {
        let req = http
            .post(&peer.objects_url)
            .basic_auth("hamnvakt", Some("peer-secret"))
            .header("accept", "application/taxii+json;version=2.1")
            .header("content-type", "application/taxii+json;version=2.1")
            .body(json!({"objects": ns.map(partner_indicator).collect::<Vec<_>>()}).to_string());
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
        }
    };
    add(1..=3).await;
    let gdy = TestApp::spawn(Kind::Sqlite).await;
    let (hub, _) = partner_account(&gdy, "Alliance hub").await;
    let mut pfso = gdy.login("pfso").await;
    let r = pfso
        .post_json(
            "/api/v1/sharing/feeds",
            &json!({"name": "hub", "partner_org": hub, "objects_url": peer.objects_url,
                    "username": "hamnvakt", "token": "peer-secret", "interval_seconds": 10}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let first = run_after(&mut pfso, &id, &Value::Null).await;
    assert!(first["last_error"].is_null(), "{first}");
    assert_eq!(
        (
            first["last_run_objects"].clone(),
            first["objects_total"].clone()
        ),
        (json!(3), json!(3)),
        "{first}"
    );
    let cursor = first["cursor"].clone();
    assert!(cursor.is_string(), "{first}");

    // Not due before its interval has passed on the server's clock.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let list = pfso.get("/api/v1/sharing/feeds").await;
    assert_eq!(
        list.json[0]["last_run_at"], first["last_run_at"],
        "{}",
        list.body
    );

    // Due again: nothing was added at the partner, nothing is received.
    gdy.clock.advance_seconds(10);
    let second = run_after(&mut pfso, &id, &first["last_run_at"]).await;
    assert!(second["last_error"].is_null(), "{second}");
    assert_eq!(
        (
            second["last_run_objects"].clone(),
            second["objects_total"].clone()
        ),
        (json!(0), json!(3)),
        "{second}"
    );
    assert_eq!(second["cursor"], cursor);

    // Three more at the partner: the next run receives those three, two pages of them.
    add(4..=6).await;
    gdy.clock.advance_seconds(10);
    let third = run_after(&mut pfso, &id, &second["last_run_at"]).await;
    assert!(third["last_error"].is_null(), "{third}");
    assert_eq!(
        (
            third["last_run_objects"].clone(),
            third["objects_total"].clone()
        ),
        (json!(3), json!(6)),
        "{third}"
    );
    assert_ne!(third["cursor"], cursor);
    let listed = pfso.get("/api/v1/sharing/objects?type=indicator").await;
    assert_eq!(
        listed.json["objects"].as_array().unwrap().len(),
        6,
        "{}",
        listed.body
    );
}

/// A live indicator on a truck's plate: the gate's presentation of that plate (whatever the
/// decision) records a sighting and raises an alert, after the decision, with the decision
/// itself unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plate_at_the_gate_matching_an_indicator_is_sighted() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "truck_plate", "value": "abc 123", "name": "Truck of the fake driver",
                    "marking": {"tlp": "TLP:GREEN", "audience": "community"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let indicator = r.json["id"].as_str().unwrap().to_owned();
    let token = app.machine_token().await;
    let mut gate = app.client().with_bearer(&token);
    let d = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "NVK-IN1", "plate": "ABC-123", "direction": "in"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.json["outcome"], "deny", "{}", d.body);
    let mut found = None;
    for _ in 0..100 {
        let r = pfso
            .get(&format!("/api/v1/sharing/objects?sighting_of={indicator}"))
            .await;
        if let Some(s) = r.json["objects"].as_array().and_then(|a| a.first()) {
            found = Some(s.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let s = found.expect("a sighting of the plate");
    assert_eq!(s["marking"]["tlp"], "TLP:AMBER+STRICT", "{s}");
    // The alert is raised after the sighting is filed: wait for it.
    let mut alerts = pfso
        .get("/api/v1/alerts?kind=sharing.indicator_matched")
        .await;
    for _ in 0..100 {
        if alerts.json["alerts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        alerts = pfso
            .get("/api/v1/alerts?kind=sharing.indicator_matched")
            .await;
    }
    assert_eq!(alerts.json["total"], 1, "{}", alerts.body);
    assert_eq!(
        alerts.json["alerts"][0]["subjects"][0]["reference"], "ABC123",
        "{}",
        alerts.body
    );
    // The same plate again at the same gate is the same sighting, not a second alert.
    gate.post_json(
        "/api/v1/access/decisions",
        &json!({"gate": "NVK-IN1", "plate": "ABC123", "direction": "in"}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The alert is raised after the sighting is filed: wait for it.
    let mut alerts = pfso
        .get("/api/v1/alerts?kind=sharing.indicator_matched")
        .await;
    for _ in 0..100 {
        if alerts.json["alerts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        alerts = pfso
            .get("/api/v1/alerts?kind=sharing.indicator_matched")
            .await;
    }
    assert_eq!(alerts.json["total"], 1, "{}", alerts.body);
}
