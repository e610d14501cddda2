//! Best practice travels between alliance ports through the sharing capability (issue 15
//! point 3, issue 16 point 4): a practice is a STIX object (`x-hamnvakt-best-practice`, a
//! `new-sdo` declared by Hamnvakt's extension-definition) filed with its marking when it is
//! written, exported in bundles that pass the OASIS validator in strict mode, served by the
//! TAXII collections and pulled by a partner installation into its practice library, where
//! the partner's gaps list it. Revocation travels the same way. One port on SQLite, the other
//! on PostgreSQL, so the library's following of the sharing store runs on both backends.

use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};
use crate::sharing::{partner_account, validate_strict};

const ALLIANCE: &str = "8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70";

fn practice(title: &str, controls: &[&str]) -> Value {
    json!({
        "title": title,
        "description": "The release right ends at one named driver; the out-gate checks the card and the plate against it.",
        "effort": "medium",
        "cost": "to1m",
        "evidence_of_effect": "No collection by a wrong driver in the twelve months after.",
        "controls": controls,
        "modi": ["fake_driver", "release_fraud"]
    })
}

fn titles(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["practice"]["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn pull(client: &mut Client, feed: &str) {
    let r = client
        .post_json(&format!("/api/v1/sharing/feeds/{feed}/pull"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json["last_error"].is_null(), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn best_practices_travel_between_ports_as_stix_under_their_marking() {
    let sto = TestApp::spawn(Kind::Sqlite).await;
    let gdy = TestApp::spawn(Kind::Postgres).await;
    let (_, token_for_gdy) = partner_account(&sto, "Port of Gdynia").await;
    let (sto_at_gdy, _) = partner_account(&gdy, "Ports of Stockholm").await;
    let mut sto_pfso = sto.login("pfso").await;
    let mut gdy_pfso = gdy.login("pfso").await;

    // Stockholm writes two practices: one for the alliance, one that stays in the port.
    let r = sto_pfso
        .post_json(
            "/api/v1/assessments/practices",
            &json!({"practice": practice("Named-driver pick-up", &["CRG-1"]),
                    "marking": {"tlp": "TLP:GREEN", "audience": "alliance"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let shared = r.json["stix_id"].as_str().unwrap().to_owned();
    assert_eq!(
        shared,
        format!(
            "x-hamnvakt-best-practice--{}",
            r.json["id"].as_str().unwrap()
        )
    );
    let r = sto_pfso
        .post_json(
            "/api/v1/assessments/practices",
            &json!({"practice": practice("Our own night patrol", &["CRG-1"]),
                    "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let kept = r.json["stix_id"].as_str().unwrap().to_owned();
    let events = sto.events("assessment.practice_created").await;
    assert_eq!(events.len(), 2);

    // It is a shared object like any other, and its bundle holds for the OASIS validator.
    let r = sto_pfso
        .get(&format!("/api/v1/sharing/objects/{shared}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bundle = sto_pfso.get("/api/v1/sharing/export").await;
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    validate_strict(&bundle.json);
    let objects = bundle.json["objects"].as_array().unwrap();
    let p = objects.iter().find(|o| o["id"] == shared.as_str()).unwrap();
    assert_eq!(p["type"], "x-hamnvakt-best-practice");
    assert_eq!(p["name"], "Named-driver pick-up");
    assert_eq!(p["controls"], json!(["CRG-1"]));
    assert_eq!(p["effort"], "medium");
    assert_eq!(
        p["object_marking_refs"],
        json!(["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])
    );
    assert!(
        objects
            .iter()
            .any(|o| o["type"] == "extension-definition"
                && o["extension_types"] == json!(["new-sdo"])),
        "the extension-definition that declares the practice travels with it"
    );

    // Gdynia follows Stockholm's alliance collection and pulls: the alliance practice arrives
    // in its library with the same id, owned by Stockholm's organisation there; the one kept
    // in Stockholm does not.
    let r = gdy_pfso
        .post_json(
            "/api/v1/sharing/feeds",
            &json!({"name": "Stockholm, alliance", "partner_org": sto_at_gdy, "token": token_for_gdy,
                    "objects_url": format!("{}/taxii2/hamnvakt/collections/{ALLIANCE}/objects/", sto.url),
                    "interval_seconds": 86400}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let feed = r.json["id"].as_str().unwrap().to_owned();
    pull(&mut gdy_pfso, &feed).await;
    let lib = gdy_pfso.get("/api/v1/assessments/practices").await;
    assert_eq!(lib.status, 200, "{}", lib.body);
    assert_eq!(titles(&lib.json), ["Named-driver pick-up"], "{}", lib.body);
    assert_eq!(lib.json[0]["stix_id"], shared.as_str());
    assert_eq!(lib.json[0]["owner"], sto_at_gdy.to_string());
    assert_eq!(
        lib.json[0]["practice"]["modi"],
        json!(["fake_driver", "release_fraud"])
    );
    assert_eq!(
        gdy_pfso
            .get(&format!("/api/v1/sharing/objects/{kept}"))
            .await
            .status,
        404
    );
    // A second pull changes nothing.
    pull(&mut gdy_pfso, &feed).await;
    let again = gdy_pfso.get("/api/v1/assessments/practices").await;
    assert_eq!(again.json.as_array().unwrap().len(), 1, "{}", again.body);

    // Gdynia's own assessment lists it under the gap it addresses.
    let r = gdy_pfso
        .post_json(
            "/api/v1/assessments",
            &json!({"facility": "Gdynia container terminal", "title": "PFSA 2027"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["assessment"]["id"].as_str().unwrap().to_owned();
    let r = gdy_pfso
        .post_json(
            &format!("/api/v1/assessments/{id}/edits"),
            &json!({"op": "answer", "control": "CRG-1", "status": "not", "evidence": "PIN codes are still handed out"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gaps = gdy_pfso
        .get(&format!("/api/v1/assessments/{id}/gaps"))
        .await;
    assert_eq!(gaps.status, 200, "{}", gaps.body);
    let crg = gaps
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gap"]["control"] == "CRG-1")
        .unwrap();
    assert_eq!(titles(&crg["practices"]), ["Named-driver pick-up"]);

    // Stockholm revokes it: gone from its library at once, and from Gdynia's at the next pull.
    let r = sto_pfso
        .post_json(
            &format!("/api/v1/sharing/objects/{shared}/revoke"),
            &json!({}),
        )
        .await;
    assert!(
        r.status == 200 || r.status == 204,
        "{} {}",
        r.status,
        r.body
    );
    let lib = sto_pfso.get("/api/v1/assessments/practices").await;
    assert_eq!(titles(&lib.json), ["Our own night patrol"], "{}", lib.body);
    pull(&mut gdy_pfso, &feed).await;
    let lib = gdy_pfso.get("/api/v1/assessments/practices").await;
    assert!(lib.json.as_array().unwrap().is_empty(), "{}", lib.body);

    // A practice object that does not hold is refused with the field and why; the rest of
    // the bundle is filed.
    let mut bad = p.clone();
    bad["id"] = json!("x-hamnvakt-best-practice--6f1c2b3a-4d5e-4f70-8a9b-0c1d2e3f4a5b");
    bad["controls"] = json!(["NOPE-9"]);
    bad["effort"] = json!("a lot");
    let bundle = json!({"type": "bundle", "id": "bundle--0c3f3d1e-7b8a-4c5d-9e0f-1a2b3c4d5e6f", "objects": [bad]});
    let r = gdy_pfso
        .send(
            reqwest::Method::POST,
            "/api/v1/sharing/import",
            Some(("application/stix+json", bundle.to_string().into_bytes())),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fields: Vec<&str> = r.json["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"effort"), "{}", r.body);
    assert_eq!(r.json["stored"], 0, "{}", r.body);
}
