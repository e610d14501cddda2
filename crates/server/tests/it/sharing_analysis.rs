//! What analysts write about shared objects — notes, relationships, groupings, the places of a
//! modus operandi — goes no further than what it is about, is exported as STIX 2.1 that the
//! OASIS validator passes in strict mode, and keeps its ids through an import elsewhere.

use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::sharing::{green_alliance, modus_operandi, validate_strict};

fn ids(bundle: &Value) -> Vec<String> {
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_relationships_groupings_and_places_go_no_further_than_their_objects() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let mut mo = modus_operandi("CSQU3054383");
    mo["locations"] = json!(["SENYN", "ecgye"]);
    let r = pfso.post_json("/api/v1/sharing/modi-operandi", &mo).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let report = r.json["id"].as_str().unwrap().to_owned();
    let container = r.json["indicators"][0].as_str().unwrap().to_owned();
    let plate = r.json["indicators"][1].as_str().unwrap().to_owned();
    let one = pfso.get(&format!("/api/v1/sharing/objects/{report}")).await;
    let refs: Vec<String> = one.json["stix"]["object_refs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let places: Vec<&String> = refs
        .iter()
        .filter(|r| r.starts_with("location--"))
        .collect();
    assert_eq!(places.len(), 2, "{refs:?}");
    let place = places[0].clone();
    let loc = pfso.get(&format!("/api/v1/sharing/objects/{place}")).await;
    assert_eq!(loc.status, 200, "{}", loc.body);
    assert_eq!(
        loc.json["stix"]["external_references"][0]["external_id"], "SENYN",
        "{}",
        loc.body
    );
    assert!(loc.json["stix"]["latitude"].is_number(), "{}", loc.body);
    // A second modus operandi naming the same place refers to the same location.
    let mut again = modus_operandi("MSCU1234565");
    again["locations"] = json!(["SENYN"]);
    let r = pfso
        .post_json("/api/v1/sharing/modi-operandi", &again)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r2 = r.json["id"].as_str().unwrap().to_owned();
    let two = pfso.get(&format!("/api/v1/sharing/objects/{r2}")).await;
    assert!(two.json["stix"]["object_refs"]
        .as_array()
        .unwrap()
        .contains(&json!(place)));

    // Named to customs, AMBER.
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "eori", "value": "SE5560123456", "name": "Consignee under investigation",
                    "marking": {"tlp": "TLP:AMBER", "audience": "named", "recipients": [app.customs]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let amber = r.json["id"].as_str().unwrap().to_owned();

    // A note on the alliance's report, for the alliance: fine; a laxer TLP is not.
    let r = pfso
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"abstract": "Seal cloned", "content": "The seal on the reefer was a clone of the line's series.", "object_refs": [report], "marking": green_alliance()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let note = r.json["id"].as_str().unwrap().to_owned();
    let r = pfso
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"content": "x", "object_refs": [report], "marking": {"tlp": "TLP:CLEAR", "audience": "alliance"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("marking")),
        "{}",
        r.body
    );
    // On the AMBER indicator named to customs, nothing for the community.
    let r = pfso
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"content": "x", "object_refs": [amber], "marking": {"tlp": "TLP:GREEN", "audience": "community"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = pfso
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"content": "The consignee changed its address twice this month.", "object_refs": [amber],
                    "marking": {"tlp": "TLP:AMBER", "audience": "named", "recipients": [app.customs]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let amber_note = r.json["id"].as_str().unwrap().to_owned();
    // Customs answers the port authority, and no one else.
    let mut customs = app.login("targeting").await;
    let r = customs
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"content": "Known to us: two seizures in 2025.", "object_refs": [amber],
                    "marking": {"tlp": "TLP:AMBER", "audience": "named", "recipients": [app.port, app.haulier]}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = customs
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"content": "Known to us: two seizures in 2025.", "object_refs": [amber],
                    "marking": {"tlp": "TLP:AMBER", "audience": "named", "recipients": [app.port]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let answer = r.json["id"].as_str().unwrap().to_owned();
    let about = pfso
        .get(&format!("/api/v1/sharing/objects?about={amber}"))
        .await;
    assert_eq!(about.status, 200, "{}", about.body);
    assert!(about.body.contains(&amber_note) && about.body.contains(&answer));
    // The haulier sees none of it, not even that a note exists.
    let mut haulier = app.login("dispatch").await;
    for id in [&amber_note, &answer] {
        let r = haulier.get(&format!("/api/v1/sharing/objects/{id}")).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
    // One who may not see an object cannot write about it, and is told only that there is
    // no such object.
    let r = pfso
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": "mmsi", "value": "265123456", "name": "Vessel of interest",
                    "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let strict = r.json["id"].as_str().unwrap().to_owned();
    let r = customs
        .post_json(
            "/api/v1/sharing/notes",
            &json!({"content": "x", "object_refs": [strict], "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("object_refs[0]")),
        "{}",
        r.body
    );
    assert_eq!(
        r.json["errors"][0]["reason"].as_str(),
        Some(format!("no object {strict}").as_str()),
        "{}",
        r.body
    );

    // Relationships: between two indicators; same-type ones refuse mixed types.
    let r = pfso
        .post_json(
            "/api/v1/sharing/relationships",
            &json!({"relationship_type": "related-to", "source_ref": plate, "target_ref": container,
                    "description": "The truck collected the container", "marking": green_alliance()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rel = r.json["id"].as_str().unwrap().to_owned();
    let r = pfso
        .post_json(
            "/api/v1/sharing/relationships",
            &json!({"relationship_type": "duplicate-of", "source_ref": plate, "target_ref": report, "marking": green_alliance()}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("target_ref")),
        "{}",
        r.body
    );
    // The port authority is located at the place.
    let me = format!("identity--{}", app.port);
    let r = pfso
        .post_json(
            "/api/v1/sharing/relationships",
            &json!({"relationship_type": "located-at", "source_ref": me, "target_ref": place, "marking": green_alliance()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let located = r.json["id"].as_str().unwrap().to_owned();

    // A grouping of the night's work, for the port community.
    let r = pfso
        .post_json(
            "/api/v1/sharing/groupings",
            &json!({"name": "Norvik, night of 28 November", "context": "suspicious-activity",
                    "object_refs": [report, plate, note], "marking": {"tlp": "TLP:GREEN", "audience": "community"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let grouping = r.json["id"].as_str().unwrap().to_owned();
    // With the AMBER indicator in it, the community is too wide.
    let r = pfso
        .post_json(
            "/api/v1/sharing/groupings",
            &json!({"name": "Too wide", "context": "suspicious-activity",
                    "object_refs": [report, amber], "marking": {"tlp": "TLP:GREEN", "audience": "community"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Every write is in the audit log.
    for kind in [
        "sharing.note_created",
        "sharing.relationship_created",
        "sharing.grouping_created",
    ] {
        assert!(!app.events(kind).await.is_empty(), "{kind} not audited");
    }

    // The console's object page shows what is written about the report.
    let page = pfso.get(&format!("/sharing/objects/{report}")).await;
    assert!(page.body.contains("Seal cloned"), "{}", page.body);

    // The export passes the OASIS validator in strict mode and carries every kind.
    let bundle = pfso.get("/api/v1/sharing/export").await;
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    validate_strict(&bundle.json);
    let exported = ids(&bundle.json);
    for id in [
        &note,
        &amber_note,
        &answer,
        &rel,
        &located,
        &grouping,
        &place,
    ] {
        assert!(exported.contains(id), "{id} missing from the export");
    }
    // Customs' export has its answer and the note named to it, not the community's grouping.
    let theirs = customs.get("/api/v1/sharing/export").await;
    validate_strict(&theirs.json);
    let theirs = ids(&theirs.json);
    assert!(theirs.contains(&answer) && theirs.contains(&amber_note));
    assert!(
        theirs.contains(&grouping),
        "customs is of the port community"
    );

    // Imported elsewhere, every id survives and the bundle still validates.
    let other = TestApp::spawn(Kind::Sqlite).await;
    let mut analyst = other.login("pfso").await;
    crate::sharing::import_whole(&mut analyst, &bundle.body).await;
    let again = analyst.get("/api/v1/sharing/export").await;
    validate_strict(&again.json);
    let again = ids(&again.json);
    for id in [&note, &rel, &located, &grouping, &place] {
        assert!(again.contains(id), "{id} lost in the round trip");
    }
}
