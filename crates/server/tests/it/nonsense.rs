//! Input that makes no sense is refused, through the API: records naming organisations, sites
//! or users that do not exist, names made only of invisible characters or carrying direction
//! overrides, an inspection that found nothing yet seized goods; and CSV imports whose errors
//! name the line of the file, with a quote left open reported instead of swallowing the rows
//! after it.

use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, Response, TestApp};

const NOBODY: &str = "00000000-0000-4000-8000-0000000000ff";
const FROM: i64 = 1_767_225_600_000; // 2026-01-01
const UNTIL: i64 = 1_830_297_600_000; // 2028-01-01

fn fields(r: &Response) -> Vec<String> {
    r.json["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn refused(c: &mut Client, path: &str, body: Value, field: &str) {
    let r = c.post_json(path, &body).await;
    assert_eq!(r.status, 422, "{path} {body}: {}", r.body);
    assert!(
        fields(&r).iter().any(|f| f == field),
        "{path} {body}: expected an error on {field}: {}",
        r.body
    );
}

async fn created(c: &mut Client, path: &str, body: Value) -> String {
    let r = c.post_json(path, &body).await;
    assert_eq!(r.status, 201, "{path} {body}: {}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn register_records_naming_what_does_not_exist_are_refused() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let facility = |site: &str, org: &str| {
        json!({"site_id": site, "name": "Värtahamnen", "isps_number": "SESTO-0010",
               "security_level": 1, "org_id": org})
    };
    let (site, port) = (app.site.to_string(), app.port.to_string());
    refused(
        &mut pfso,
        "/api/v1/access/facilities",
        facility(NOBODY, &port),
        "site_id",
    )
    .await;
    refused(
        &mut pfso,
        "/api/v1/access/facilities",
        facility(&site, NOBODY),
        "org_id",
    )
    .await;
    let f = created(
        &mut pfso,
        "/api/v1/access/facilities",
        facility(&site, &port),
    )
    .await;
    let zone = created(
        &mut pfso,
        "/api/v1/access/zones",
        json!({"facility_id": f, "code": "VHA-OUT", "name": "Terminal area",
               "sensitivity": "normal", "two_person": false, "anti_passback": "off"}),
    )
    .await;
    let person = |org: &str| json!({"org_id": org, "name": "Karl Kontraktor", "kind": "contractor", "responder": false});
    refused(&mut pfso, "/api/v1/access/people", person(NOBODY), "org_id").await;
    let holder = created(
        &mut pfso,
        "/api/v1/access/people",
        person(&app.haulier.to_string()),
    )
    .await;
    refused(
        &mut pfso,
        "/api/v1/access/vehicles",
        json!({"plate": "ABC 123", "country": "SE", "org_id": NOBODY}),
        "org_id",
    )
    .await;
    let permit = |org: &str, user: Option<&str>| {
        json!({"holder": holder, "purpose": "Quay maintenance", "zones": [zone],
               "valid_from_ms": FROM, "valid_until_ms": UNTIL, "schedule": "Mon-Fri 06:00-22:00",
               "issued_by_org": org, "issued_by_user": user, "escort_required": false,
               "visitor": false, "suspended": false})
    };
    refused(
        &mut pfso,
        "/api/v1/access/permits",
        permit(NOBODY, None),
        "issued_by_org",
    )
    .await;
    refused(
        &mut pfso,
        "/api/v1/access/permits",
        permit(&port, Some(NOBODY)),
        "issued_by_user",
    )
    .await;
    created(
        &mut pfso,
        "/api/v1/access/permits",
        permit(&port, Some(&app.admin.to_string())),
    )
    .await;
    // An update is checked the same way.
    let r = pfso
        .put_json(
            &format!("/api/v1/access/facilities/{f}"),
            &facility(NOBODY, &port),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(fields(&r), ["site_id"], "{}", r.body);
    assert_eq!(app.events("access.facility_saved").await.len(), 1);
}

#[tokio::test]
async fn names_of_invisible_characters_or_with_direction_overrides_are_refused() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let facility = |name: &str| {
        json!({"site_id": app.site, "name": name, "isps_number": "SESTO-0010",
               "security_level": 1, "org_id": app.port})
    };
    for name in [
        "\u{200B}\u{200C}\u{200D}",
        "\u{FEFF}",
        "\u{2060}\u{00A0}\u{3000}",
        "\u{202E}\u{202C}",
    ] {
        refused(
            &mut pfso,
            "/api/v1/access/facilities",
            facility(name),
            "name",
        )
        .await;
    }
    // "Värtahamnen" shown reversed after the override: refused even with visible letters.
    refused(
        &mut pfso,
        "/api/v1/access/facilities",
        facility("\u{202E}nemmahaträV"),
        "name",
    )
    .await;
    refused(
        &mut pfso,
        "/api/v1/access/facilities",
        facility("Värta\u{2066}hamnen\u{2069}"),
        "name",
    )
    .await;
    let r = pfso
        .post_json(
            "/api/v1/access/people",
            &json!({"org_id": app.port, "name": "\u{200B}", "kind": "staff", "responder": false}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(fields(&r), ["name"]);
    created(
        &mut pfso,
        "/api/v1/access/facilities",
        facility("Värtahamnen"),
    )
    .await;

    // Alert titles are names too.
    let token = app.machine_token().await;
    let mut m = app.client().with_bearer(&token);
    for title in ["\u{200B}\u{2060}", "Gate \u{202E}3G-AHV forced"] {
        refused(
            &mut m,
            "/api/v1/alerts",
            json!({"kind": "access.forced", "severity": "high", "title": title, "tlp": "TLP:AMBER"}),
            "title",
        )
        .await;
    }
}

#[tokio::test]
async fn an_inspection_that_found_nothing_seized_nothing() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut t = app.login("targeting").await;
    let r = t
        .post_json(
            "/api/v1/consignments",
            &json!({"declaration_id": "NVK-2026-0001", "hs_code": "0803901000", "origin_country": "EC"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let path = "/api/v1/consignments/NVK-2026-0001/outcome";
    let r = t
        .put_json(
            path,
            &json!({"result": "nothing_found", "goods": "cocaine", "quantity": 48.5, "unit": "kg"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(fields(&r), ["goods", "quantity"], "{}", r.body);
    assert_eq!(t.get(path).await.status, 404, "nothing was recorded");
    let r = t
        .put_json(
            path,
            &json!({"result": "nothing_found", "note": "scanned, opened"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn csv_errors_name_the_file_line_and_an_open_quote_is_reported() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut t = app.login("targeting").await;
    let import = |csv: &str| csv.as_bytes().to_vec();
    // Line 4 is blank and D1's importer name runs over two lines: D3 starts on line 6, its
    // third record.
    let csv = "declaration_id,hs_code,mass_kg,importer.name\n\
               D1,0803901000,1,\"Banan AB\nGöteborg\"\n\
               \n\
               D2,0803901000,2,Frukt AB\n\
               D3,0803901000,heavy,Frukt AB\n";
    let r = t
        .send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=hamnvakt",
            Some(("text/csv", import(csv))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["stored"], 2, "{}", r.body);
    assert_eq!(r.json["errors"][0]["row"], 6, "{}", r.body);
    assert_eq!(r.json["errors"][0]["column"], "mass_kg", "{}", r.body);

    // A quote opened on line 3 and never closed: the rows after it are not silently taken in.
    let csv = "declaration_id,hs_code,mass_kg,importer.name\n\
               D4,0803901000,1,Frukt AB\n\
               D5,0803901000,1,\"Banan AB\n\
               D6,0803901000,2,Frukt AB\n\
               D7,0803901000,3,Frukt AB\n";
    let r = t
        .send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=hamnvakt",
            Some(("text/csv", import(csv))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["stored"], 1, "{}", r.body);
    assert_eq!(r.json["rejected_rows"], 1, "{}", r.body);
    let e = &r.json["errors"][0];
    assert_eq!(e["row"], 3, "{}", r.body);
    assert_eq!(e["column"], "importer.name", "{}", r.body);
    assert!(
        e["reason"].as_str().unwrap().contains("quote"),
        "{}",
        r.body
    );
    assert_eq!(t.get("/api/v1/consignments/D5").await.status, 404);
}

#[tokio::test]
async fn a_policy_nested_a_thousand_deep_is_refused_and_the_server_lives() {
    // Found while fuzzing the policy text: Cedar's parser overflowed the stack on 1,000 nested
    // parentheses, which ends the process — every gate with it.
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let text = format!(
        "@id(\"valid_permit\")\npermit (principal, action == Hamnvakt::Action::\"enter\", resource)\nwhen {{ {}context.permit.valid{} }};\n",
        "(".repeat(1000),
        ")".repeat(1000)
    );
    let r = pfso
        .put_json(
            "/api/v1/access/policies",
            &json!({"text": text, "comment": "deep"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(fields(&r), ["text"], "{}", r.body);
    assert_eq!(pfso.get("/api/v1/access/policies").await.status, 200);
}
