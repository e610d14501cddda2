//! STIX versioning by (`id`, `modified`) through import, export, TAXII and the matcher: a
//! newer version replaces what is served and watched, an older or repeated one changes
//! nothing, and a revoked version ends the indicator for good.

use std::time::Duration;

use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};
use crate::sharing::partner_account;

const ID: &str = "indicator--4c1f7d2e-8a3b-4e6f-9c5d-2b1a0f9e8d7c";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const ALLIANCE: &str = "8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70";
const TAXII: &str = "application/taxii+json;version=2.1";

/// A bundle with one version of the indicator watching a truck's plate.
fn version(modified: &str, name: &str, plate: &str, revoked: bool) -> Vec<u8> {
    let mut o = json!({
        "type": "indicator", "spec_version": "2.1", "id": ID,
        "created": "2026-11-01T00:00:00.000Z", "modified": modified,
        "name": name, "indicator_types": ["malicious-activity"],
        "pattern": format!("[x-hamnvakt-vehicle:plate = '{plate}']"),
        "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [GREEN]
    });
    if revoked {
        o["revoked"] = json!(true);
    }
    json!({"type": "bundle", "id": "bundle--0b6e3f1a-2c4d-4e5f-8a9b-1c2d3e4f5a6b", "objects": [o]})
        .to_string()
        .into_bytes()
}

async fn import(c: &mut Client, bundle: Vec<u8>) -> Value {
    let r = c
        .send(
            reqwest::Method::POST,
            "/api/v1/sharing/import?audience=alliance",
            Some(("application/stix+json", bundle)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
}

/// The indicator as the owner's export serves it (the only object with its id there).
async fn exported(c: &mut Client) -> Value {
    let r = c.get("/api/v1/sharing/export").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mine: Vec<&Value> = r.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["id"] == ID)
        .collect();
    assert_eq!(mine.len(), 1, "{}", r.body);
    mine[0].clone()
}

/// GET over TAXII as the partner port, the JSON back.
async fn taxii(app: &TestApp, token: &str, path: &str) -> Value {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/taxii2/hamnvakt/collections/{ALLIANCE}/{path}",
            app.url
        ))
        .bearer_auth(token)
        .header("accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A plate presented at a gate (whatever the decision, the plate is observed).
async fn present(gate: &mut Client, code: &str, plate: &str) {
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": code, "plate": plate, "direction": "in"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The sightings of `indicator`, once there are at least `n` (or after a while, as many as
/// there are).
async fn sightings(c: &mut Client, indicator: &str, n: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let r = c
            .get(&format!("/api/v1/sharing/objects?sighting_of={indicator}"))
            .await;
        seen = r.json["objects"].as_array().unwrap().clone();
        if seen.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_version_replaces_an_older_never_does_and_revocation_ends_matching() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let (_, token) = partner_account(&app, "Port of Gdynia").await;
    let mut pfso = app.login("pfso").await;
    let mut gate = app.client().with_bearer(&app.machine_token().await);
    const V1: &str = "2026-11-01T00:00:00.000Z";
    const V2: &str = "2026-11-02T00:00:00.000Z";
    const V3: &str = "2026-11-03T00:00:00.000Z";

    let r = import(&mut pfso, version(V1, "first", "AAA111", false)).await;
    assert_eq!(
        (r["stored"].as_i64(), r["failures"].clone()),
        (Some(1), json!([])),
        "{r}"
    );
    let r = import(&mut pfso, version(V2, "second", "BBB222", false)).await;
    assert_eq!(r["stored"], 1, "{r}");
    // Export, the object read and TAXII serve version 2; TAXII lists both versions.
    let e = exported(&mut pfso).await;
    assert_eq!(
        (e["name"].as_str(), e["modified"].as_str()),
        (Some("second"), Some(V2)),
        "{e}"
    );
    let one = pfso.get(&format!("/api/v1/sharing/objects/{ID}")).await;
    assert_eq!(one.json["name"], "second", "{}", one.body);
    let t = taxii(&app, &token, &format!("objects/{ID}/")).await;
    assert_eq!(t["objects"].as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t["objects"][0]["name"], "second", "{t}");
    let t = taxii(&app, &token, &format!("objects/{ID}/versions/")).await;
    assert_eq!(t["versions"], json!([V1, V2]), "{t}");

    // Version 1 again: already here, nothing changes.
    let r = import(&mut pfso, version(V1, "first", "AAA111", false)).await;
    assert_eq!(
        (r["stored"].as_i64(), r["duplicates"].as_i64()),
        (Some(0), Some(1)),
        "{r}"
    );
    // A version between the two arrives late: kept as a version, never served over version 2.
    const V15: &str = "2026-11-01T12:00:00.000Z";
    let r = import(&mut pfso, version(V15, "in between", "CCC333", false)).await;
    assert_eq!(r["stored"], 1, "{r}");
    let e = exported(&mut pfso).await;
    assert_eq!(e["name"], "second", "{e}");
    let t = taxii(&app, &token, &format!("objects/{ID}/")).await;
    assert_eq!(t["objects"][0]["modified"], V2, "{t}");
    let t = taxii(&app, &token, &format!("objects/{ID}/versions/")).await;
    assert_eq!(t["versions"], json!([V1, V15, V2]), "{t}");

    // The matcher watches what version 2 says, not what the others said: the older plates
    // pass unseen, version 2's is sighted.
    present(&mut gate, "NVK-IN1", "AAA111").await;
    present(&mut gate, "NVK-IN1", "CCC333").await;
    present(&mut gate, "NVK-IN1", "BBB222").await;
    let seen = sightings(&mut pfso, ID, 1).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    let full = pfso
        .get(&format!(
            "/api/v1/sharing/objects/{}",
            seen[0]["id"].as_str().unwrap()
        ))
        .await;
    assert!(full.body.contains("BBB222"), "{}", full.body);

    // Version 3 revokes it: served as revoked, and it watches nothing any more.
    let r = import(&mut pfso, version(V3, "second", "BBB222", true)).await;
    assert_eq!(r["stored"], 1, "{r}");
    let e = exported(&mut pfso).await;
    assert_eq!(
        (e["revoked"].as_bool(), e["modified"].as_str()),
        (Some(true), Some(V3)),
        "{e}"
    );
    // Another gate (another subject, so it would be a new sighting) shows the plate; a live
    // indicator seen just after proves the matcher has looked.
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "truck_plate", "value": "ZZZ999", "name": "control",
                    "marking": {"tlp": "TLP:GREEN", "audience": "community"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let control = r.json["id"].as_str().unwrap().to_owned();
    present(&mut gate, "NVK-IN2", "BBB222").await;
    present(&mut gate, "NVK-IN2", "ZZZ999").await;
    assert_eq!(sightings(&mut pfso, &control, 1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sightings(&mut pfso, ID, 0).await.len(),
        1,
        "a revoked indicator matched"
    );
    // Revocation is final: a later unrevoked version is refused, and an older one too.
    for (modified, what) in [
        ("2026-11-04T00:00:00.000Z", "later"),
        ("2026-11-01T06:00:00.000Z", "older"),
    ] {
        let r = import(&mut pfso, version(modified, "back", "BBB222", false)).await;
        assert_eq!(r["stored"], 0, "{what}: {r}");
        assert_eq!(r["failures"][0]["field"], "revoked", "{what}: {r}");
    }
    let e = exported(&mut pfso).await;
    assert_eq!(e["revoked"], true, "{e}");
}
