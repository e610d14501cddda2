//! The OpenAPI document against the server that serves it. Two walkers: schemathesis (from
//! PyPI, which `scripts/test` installs and names in `HAMNVAKT_TEST_SCHEMATHESIS`) generates valid
//! and invalid requests for every operation and checks every answer against the document; and
//! a walker of our own that sends every path a malformed path parameter, a malformed query
//! string, a malformed and an oversized body, and a wrong method, and wants a 4xx problem
//! document each time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hamnvakt_identity::Role;
use hamnvakt_server::identity::{self as admin, UserSpec};
use hamnvakt_server::web::change::Actor;
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{alert_body, Client, TestApp, PASSWORD};

/// A new account of `org` holding `roles`, and a bearer token for it: the account's id, the
/// token's id and its secret.
async fn account(
    app: &TestApp,
    org: hamnvakt_core::ids::OrgId,
    username: &str,
    roles: Vec<Role>,
) -> (String, String, String) {
    let actor = Actor::system("test");
    let user = admin::create_user(
        &app.state,
        &actor,
        UserSpec {
            id: None,
            org_id: org,
            username: username.into(),
            display_name: username.into(),
            password: Some(PASSWORD.into()),
            roles: roles.clone(),
            locale: "en".into(),
        },
    )
    .await
    .unwrap();
    let (token, secret) = admin::create_token(&app.state, &actor, &user, username, roles, 30)
        .await
        .unwrap();
    (user.id.to_string(), token.id.to_string(), secret)
}

/// The port authority's administrator with every role a port-authority account may hold, and
/// a customs targeting officer: between them every operation can be exercised past its
/// permission check. And a bystander, the one account and token whose id the operations on
/// one account or token are given: schemathesis reuses the ids it reads in answers, and
/// revoking the walker's own token or disabling the customs walker would leave the rest of
/// the run answering 401.
struct Tokens {
    port: String,
    customs: String,
    bystander_user: String,
    bystander_token: String,
}

async fn tokens(app: &TestApp) -> Tokens {
    let (_, _, port) = account(
        app,
        app.port,
        "walker",
        vec![
            Role::Administrator,
            Role::PlatformAdministrator,
            Role::Operator,
            Role::Pfso,
            Role::Analyst,
            Role::MachineClient,
            Role::GateController,
            Role::PortCallSystem,
        ],
    )
    .await;
    let (_, _, customs) = account(
        app,
        app.customs,
        "walker-customs",
        vec![Role::TargetingOfficer, Role::CustomsSystem],
    )
    .await;
    let (bystander_user, bystander_token, _) =
        account(app, app.port, "bystander", vec![Role::Operator]).await;
    Tokens {
        port,
        customs,
        bystander_user,
        bystander_token,
    }
}

/// Some of everything, so that lists answer with content the response schemas are checked
/// against: alerts in every state (one closed as benign), a facility with zones, a gate,
/// a person with a credential and a permit, a decision, consignments and a profile.
async fn seed(app: &TestApp, t: &Tokens) {
    let mut port = Client::new(&app.url).with_bearer(&t.port);
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = port
            .post_json(
                "/api/v1/alerts",
                &alert_body(&format!("seeded {i}"), "TLP:AMBER", &[]),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let r = port
        .post_json(
            &format!("/api/v1/alerts/{}/acknowledge", ids[0]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (id, outcome) in [(&ids[1], "benign"), (&ids[2], "confirmed")] {
        let r = port
            .post_json(
                &format!("/api/v1/alerts/{id}/close"),
                &json!({"outcome": outcome, "note": "seeded"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    let create = |kind: &'static str, body: Value| {
        let url = app.url.clone();
        let token = t.port.clone();
        async move {
            let mut c = Client::new(&url).with_bearer(&token);
            let r = c.post_json(&format!("/api/v1/access/{kind}"), &body).await;
            assert_eq!(r.status, 201, "creating {kind}: {}", r.body);
            r.json["id"].as_str().unwrap().to_owned()
        }
    };
    let facility = create(
        "facilities",
        json!({"site_id": "00000000-0000-4000-8000-000000000001", "name": "Värtahamnen",
            "isps_number": "SESTO-0010", "security_level": 1, "org_id": app.port}),
    )
    .await;
    let out = create(
        "zones",
        json!({"facility_id": facility, "code": "VHA-OUT", "name": "Terminal area",
            "sensitivity": "normal", "two_person": false, "anti_passback": "off"}),
    )
    .await;
    let quay = create(
        "zones",
        json!({"facility_id": facility, "parent": out, "code": "VHA-QUAY", "name": "Quay",
            "sensitivity": "restricted", "two_person": false, "anti_passback": "soft"}),
    )
    .await;
    create(
        "gates",
        json!({"facility_id": facility, "code": "VHA-G3", "name": "G3", "kind": "pedestrian",
            "outer_zone": out, "inner_zone": quay, "closed_at_level2": false, "lat": 59.352, "lon": 18.113}),
    )
    .await;
    let person = create(
        "people",
        json!({"org_id": app.haulier, "name": "Karl Kontraktor", "kind": "contractor", "responder": false}),
    )
    .await;
    create(
        "credentials",
        json!({"number": "SH-204117", "holder": person, "generic": false, "state": "active",
            "valid_from_ms": 1_767_225_600_000_i64, "valid_until_ms": 1_830_297_600_000_i64}),
    )
    .await;
    create(
        "permits",
        json!({"holder": person, "purpose": "Quay maintenance", "zones": [out, quay],
            "valid_from_ms": 1_767_225_600_000_i64, "valid_until_ms": 1_830_297_600_000_i64,
            "schedule": "always", "issued_by_org": app.port, "escort_required": false,
            "visitor": false, "suspended": false}),
    )
    .await;
    for direction in ["in", "out"] {
        let r = port
            .post_json(
                "/api/v1/access/decisions",
                &json!({"gate": "VHA-G3", "credential": "SH-204117", "direction": direction}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    let mut customs = Client::new(&app.url).with_bearer(&t.customs);
    for (id, day) in [
        ("NVK-2026-0001", "2026-11-16"),
        ("NVK-2026-0002", "2026-11-17"),
    ] {
        let r = customs
            .post_json(
                "/api/v1/consignments",
                &json!({"declaration_id": id, "date": day, "container": "CSQU3054383",
                    "importer": {"name": "Frukt & Grönt AB", "eori": "SE5560000001"},
                    "hs_code": "08039010", "origin_country": "EC", "departure_country": "EC",
                    "route_ports": ["ECGYE", "NLRTM", "SENYN"], "mass_kg": 21000.0, "value": 18500.0}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = customs
        .post_json(
            "/api/v1/targeting/profiles",
            &json!({"name": "Fruit via cocaine ports", "owner": "Tullverket",
                "conditions": [{"kind": "hs_prefix", "prefixes": ["0803"]}],
                "weight": 0.7, "lane": "red", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = customs
        .put_json(
            "/api/v1/consignments/NVK-2026-0001/outcome",
            &json!({"result": "seizure", "goods": "cocaine", "quantity": 12.0, "unit": "kg"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The document as the server serves it.
async fn document(app: &TestApp) -> Value {
    let r = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
}

/// Operations that schemathesis's `positive_data_acceptance` check is not run on, each with
/// the reason: what a valid request is there depends on more than its shape, which no schema
/// can state. The other checks run on them as everywhere.
const NOT_ACCEPTANCE_CHECKED: &[(&str, &str, &str)] = &[
    ("POST", "/access/facilities", REFERS),
    ("PUT", "/access/facilities/{id}", REFERS),
    ("POST", "/access/zones", REFERS),
    ("PUT", "/access/zones/{id}", REFERS),
    ("POST", "/access/gates", REFERS),
    ("PUT", "/access/gates/{id}", REFERS),
    ("POST", "/access/people", REFERS),
    ("PUT", "/access/people/{id}", REFERS),
    ("POST", "/access/credentials", REFERS),
    ("PUT", "/access/credentials/{id}", REFERS),
    ("POST", "/access/vehicles", REFERS),
    ("PUT", "/access/vehicles/{id}", REFERS),
    ("POST", "/access/permits", REFERS),
    ("PUT", "/access/permits/{id}", REFERS),
    ("POST", "/access/visits", REFERS),
    ("PUT", "/access/visits/{id}", REFERS),
    ("POST", "/access/bans", REFERS),
    ("PUT", "/access/bans/{id}", REFERS),
    (
        "POST",
        "/alerts",
        "`shared_with` names organisations, which must exist",
    ),
    (
        "POST",
        "/users",
        "`org_id` must name an organisation, and customs roles need a customs one",
    ),
    (
        "POST",
        "/tokens",
        "the owner must hold every role the token carries; the longest lifetime is configured",
    ),
    (
        "POST",
        "/access/decisions",
        "a presentation carries a credential, a plate or both; a container's ISO 6346 check digit must hold",
    ),
    (
        "POST",
        "/releases",
        "the issuer must be a shipping line, the release-to party exist, the container's check digit hold, and a container be released once per bill of lading",
    ),
    (
        "POST",
        "/releases/{id}/steps",
        "a step must be one the chain's rules allow the acting organisation on that release (only the holder, the offeree, a giver, the line, customs or the terminal)",
    ),
    (
        "GET",
        "/releases/{id}",
        "only a release that reached the reader's organisation is found",
    ),
    (
        "PUT",
        "/access/policies",
        "the text must be Cedar that parses and keeps a `valid_permit` rule",
    ),
    (
        "GET",
        "/alerts",
        "`subject_kind` and `subject_ref` come together or not at all",
    ),
    (
        "GET",
        "/vessels/{mmsi}/track",
        "`since` must not be after `until`",
    ),
    (
        "DELETE",
        "/session",
        "a request with an API token has no session to end (400)",
    ),
    (
        "POST",
        "/consignments/import",
        "the CSV file must have the columns its mapping reads",
    ),
    ("POST", "/consignments", "a container's ISO 6346 check digit must hold; an EORI, an HS code, a UN/LOCODE are checked once normalised"),
    ("PUT", "/consignments/{id}/outcome", "a seizure names the goods seized, and a quantity its unit"),
    (
        "POST",
        "/sharing/indicators",
        "the audience must be one the TLP marking allows, recipients exactly for the named audience and existing organisations, and the value of its kind's form",
    ),
    (
        "POST",
        "/sharing/modi-operandi",
        "as an indicator's, and no indicator marked wider than the modus operandi; referred indicators must exist",
    ),
    (
        "POST",
        "/sharing/notes",
        "the objects it is about must exist and be visible to the writer, and its marking no wider than theirs",
    ),
    (
        "POST",
        "/sharing/relationships",
        "both ends must exist and be visible to the writer, of types the relationship joins, and its marking no wider than theirs",
    ),
    (
        "POST",
        "/sharing/groupings",
        "the objects it groups must exist and be visible to the writer, and its marking no wider than theirs",
    ),
    (
        "POST",
        "/releases/coreor",
        "the body is an EDIFACT interchange, which the document can only call text; the sender must be a shipping line and each order's release-to party an organisation",
    ),
    (
        "POST",
        "/sharing/import",
        "the body is a STIX 2.1 bundle, which the document can only call text",
    ),
    (
        "POST",
        "/sharing/feeds",
        "the partner must be an organisation of kind other_port",
    ),
    (
        "GET",
        "/sharing/objects/{id}",
        "only an object the reader may see is found",
    ),
    (
        "GET",
        "/sharing/objects/{id}/access",
        "only an object the reader may see is found, and only its owner is told who else may",
    ),
    (
        "POST",
        "/sharing/objects/{id}/revoke",
        "only an object of the caller's organisation, not yet revoked, is revoked",
    ),
    (
        "POST",
        "/sharing/feeds/{id}/pull",
        "only a configured feed is found",
    ),
    (
        "POST",
        "/assessments",
        "names and titles must hold a visible character, and `previous` an assessment of the caller's organisation of the same facility",
    ),
    ("GET", "/assessments/{id}", ASSESSMENT),
    ("GET", "/assessments/{id}/gaps", ASSESSMENT),
    ("GET", "/assessments/{id}/report.pdf", ASSESSMENT),
    ("GET", "/assessments/{id}/actions.csv", ASSESSMENT),
    ("POST", "/assessments/{id}/measure", ASSESSMENT),
    (
        "POST",
        "/assessments/{id}/edits",
        "only an assessment of the caller's organisation is found, and an edit names controls of the catalogue, assets, scenarios and actions of that assessment, factors 1 to 5 and dates that exist",
    ),
    (
        "POST",
        "/assessments/catalogue/check",
        "a catalogue's ids are unique and its controls name its own topics and instruments",
    ),
    (
        "POST",
        "/assessments/practices",
        "a practice names controls of the catalogue, and its audience must be one the TLP marking allows",
    ),
    (
        "POST",
        "/assessments/practices/import",
        "`from` must be a partner port's organisation, the format hamnvakt.practices/1, and every practice valid and shared with the alliance",
    ),
    (
        "POST",
        "/assessments/scores",
        "`assessment` must be an assessment of the caller's organisation",
    ),
    (
        "POST",
        "/witness/checkpoints",
        "the installation must be a configured partner and the signature its key's over the other fields",
    ),
];

const ASSESSMENT: &str = "only an assessment of the caller's organisation is found";

const REFERS: &str =
    "a register record names others (facility, zone, person, organisation) that must exist";

/// How long the schemathesis run may take before the test gives up on it.
const SCHEMATHESIS_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The checks run (on the command line they would override the exceptions below).
const CHECKS: &[&str] = &[
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
];

fn schemathesis_config(t: &Tokens) -> String {
    // Ten seconds for an answer (in the file, not on the command line, where it would override
    // the streams' own below).
    let mut toml = String::from("request-timeout = 10.0\n\n[checks]\nenabled = false\n");
    for check in CHECKS {
        toml.push_str(&format!("{check}.enabled = true\n"));
    }
    toml.push('\n');
    toml.push_str(&format!(
        "[headers]\nAuthorization = \"Bearer {}\"\n\n",
        t.port
    ));
    // The customs data (consignments, profiles, selection, models) only customs' accounts
    // reach; the rest with the port authority's.
    toml.push_str(&format!(
        "[[operations]]\ninclude-tag = \"cargo\"\nheaders = {{ Authorization = \"Bearer {}\" }}\n\n",
        t.customs
    ));
    // A stream answers its status and headers at once and then never ends: schemathesis reads
    // the body until its timeout and checks what came. A second is enough for that; ten made
    // the streams' valid cases more than half of the whole walk's time.
    toml.push_str("[[operations]]\ninclude-path-regex = \"/stream$\"\nrequest-timeout = 1.0\n\n");
    for (path, id) in [
        ("/tokens/{id}", &t.bystander_token),
        ("/users/{id}/roles", &t.bystander_user),
        ("/users/{id}/disable", &t.bystander_user),
        ("/users/{id}/enable", &t.bystander_user),
    ] {
        toml.push_str(&format!(
            "[[operations]]\ninclude-path = \"{path}\"\nparameters = {{ \"path.id\" = \"{id}\" }}\n\n"
        ));
    }
    for (method, path, why) in NOT_ACCEPTANCE_CHECKED {
        toml.push_str(&format!(
            "# {why}\n[[operations]]\ninclude-method = \"{method}\"\ninclude-path = \"{path}\"\n\
             checks.positive_data_acceptance.enabled = false\n\n"
        ));
    }
    toml
}

/// Runs schemathesis against a server on port 0 with data in it, and fails on any finding:
/// a server error, a status, content type or body the document does not declare, a request
/// the document calls valid that is refused, or one it calls invalid that is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_the_document_does_not_say() {
    let Some(bin) = std::env::var_os("HAMNVAKT_TEST_SCHEMATHESIS") else {
        panic!(
            "HAMNVAKT_TEST_SCHEMATHESIS is not set: it names the schemathesis binary this test runs \
             against the OpenAPI document. scripts/test installs schemathesis into a virtual \
             environment and sets it; to run this test alone: \
             python3 -m venv ~/.cache/hamnvakt/venv && ~/.cache/hamnvakt/venv/bin/pip install \
             schemathesis && HAMNVAKT_TEST_SCHEMATHESIS=~/.cache/hamnvakt/venv/bin/schemathesis cargo test"
        )
    };
    let app = TestApp::spawn(Kind::Sqlite).await;
    let t = tokens(&app).await;
    seed(&app, &t).await;
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("openapi.json");
    std::fs::write(
        &doc_path,
        serde_json::to_vec(&document(&app).await).unwrap(),
    )
    .unwrap();
    let config_path = dir.path().join("schemathesis.toml");
    std::fs::write(&config_path, schemathesis_config(&t)).unwrap();
    // Where the requests and answers are kept (NDJSON): the temporary folder, or for a look
    // afterwards the folder HAMNVAKT_TEST_SCHEMATHESIS_REPORT names.
    let report: PathBuf = std::env::var_os("HAMNVAKT_TEST_SCHEMATHESIS_REPORT")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("report"));

    // A fixed seed, so that a run is repeatable; another (HAMNVAKT_TEST_SCHEMATHESIS_SEED) to
    // look further.
    let seed =
        std::env::var("HAMNVAKT_TEST_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261117".into());
    // Two runs side by side over the two halves of the operations, one worker each.
    // schemathesis's workers are threads of one Python process, which keeps at most one core
    // busy: one run with two workers over all the operations took 180 s where the two halves
    // side by side take 140 s on two cores (350 s before the streams' own timeout).
    let started = Instant::now();
    let run = |half: Half| {
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.arg("--config-file")
            .arg(&config_path)
            .arg("--no-color")
            .arg("run")
            .arg(&doc_path)
            .arg("--url")
            .arg(format!("{}/api/v1", app.url))
            .arg(half.filter())
            .arg(FIRST_HALF)
            .args([
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                "25",
                "--seed",
                &seed,
                // One worker each: the workers are threads, and Python 3.11's parser is not
                // safe across threads (hypothesis describing a strategy failed with "AST
                // constructor recursion depth mismatch" with two).
                "--workers",
                "1",
                // Our tokens, never ones it makes up: a run of made-up tokens from one address
                // would be throttled, and then so would ours.
                "--generation-with-security-parameters",
                "false",
                "--continue-on-failure",
                "--suppress-health-check",
                "all",
                "--report",
                "ndjson",
                "--report-dir",
            ])
            .arg(report.join(half.dir()))
            .current_dir(dir.path())
            .kill_on_drop(true);
        async move {
            let out = tokio::time::timeout(SCHEMATHESIS_TIMEOUT, cmd.output())
                .await
                .expect("schemathesis did not finish in time")
                .expect("cannot run schemathesis");
            (half, out)
        }
    };
    let (first, second) = tokio::join!(run(Half::First), run(Half::Second));
    println!("schemathesis took {:?}", started.elapsed());
    let mut failed = Vec::new();
    for (half, out) in [first, second] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!(
            "=== schemathesis over {} ===\n{stdout}\n{stderr}",
            half.name()
        );
        if !out.status.success() {
            failed.push(half.name());
        }
    }
    assert!(
        failed.is_empty(),
        "schemathesis found what the OpenAPI document does not say in {failed:?} (its output is above)"
    );
}

/// The paths of the first half of the operations (by the time schemathesis spends on them,
/// about half each); the second half is every other path.
const FIRST_HALF: &str = "^/(access|assessments|shift|cases|users|tokens|witness|correlation)(/|$)";

/// One of the two runs.
#[derive(Clone, Copy)]
enum Half {
    First,
    Second,
}

impl Half {
    fn filter(self) -> &'static str {
        match self {
            Half::First => "--include-path-regex",
            Half::Second => "--exclude-path-regex",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Half::First => "first",
            Half::Second => "second",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Half::First => "the first half",
            Half::Second => "the second half",
        }
    }
}

/// Whether a parameter's schema is an integer (`"integer"` or `["integer", "null"]`).
fn is_integer(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "integer",
        Value::Array(ts) => ts.iter().any(|t| t == "integer"),
        _ => false,
    }
}

/// A value that no parameter with this schema accepts, if there is one: a word for a number,
/// a sentence for a date, a time or a pattern; none for free text.
fn malformed(schema: &Value) -> Option<&'static str> {
    if is_integer(schema) {
        Some("twelve")
    } else if schema.get("format").is_some() || schema.get("pattern").is_some() {
        Some("not%20this")
    } else {
        None
    }
}

/// One request of the walker: method, path and query, body with its content type, and what
/// is wrong with it.
type Case<'a> = (reqwest::Method, String, Option<(&'a str, Vec<u8>)>, &'a str);

/// Every path of the document with every operation: a malformed path parameter (a word for a
/// number, bytes that are not UTF-8 for text), a malformed value for each query parameter
/// that has a form, a body that is not JSON, one over the size limit and one of another
/// content type, and a method the path does not have. Each is answered with a 4xx problem
/// document whose `status` is the answer's, never a 5xx, and a 405 says which methods there
/// are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_malformed_input_with_a_problem_document() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let t = tokens(&app).await;
    let doc = document(&app).await;
    let mut port = Client::new(&app.url).with_bearer(&t.port);
    let mut customs = Client::new(&app.url).with_bearer(&t.customs);
    let methods = ["get", "put", "post", "delete", "patch"];
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let item = item.as_object().unwrap();
        let path_of = |value_for: &dyn Fn(&Value) -> String| {
            let mut path = template.clone();
            let params = item
                .values()
                .flat_map(|op| op["parameters"].as_array().cloned().unwrap_or_default())
                .filter(|p| p["in"] == "path");
            for p in params {
                let name = p["name"].as_str().unwrap();
                path = path.replace(&format!("{{{name}}}"), &value_for(&p["schema"]));
            }
            format!("/api/v1{path}")
        };
        let good_path = path_of(&|s| {
            if is_integer(s) {
                "265547250".into()
            } else {
                "x".into()
            }
        });
        let mut cases: Vec<Case> = Vec::new();
        for (method, op) in item {
            if !methods.contains(&method.as_str()) {
                continue;
            }
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["in"] == "path") {
                let bad = path_of(&|s| {
                    if is_integer(s) {
                        "twelve".into()
                    } else {
                        "%FF%FE".into()
                    }
                });
                cases.push((m.clone(), bad, None, "malformed path parameter"));
            }
            for p in params.iter().filter(|p| p["in"] == "query") {
                if let Some(v) = malformed(&p["schema"]) {
                    let url = format!("{good_path}?{}={v}", p["name"].as_str().unwrap());
                    cases.push((m.clone(), url, None, "malformed query parameter"));
                }
            }
            // The bodies go with the query the operation needs, so that they are read: a
            // request refused for its query before its body is read gets its answer while it
            // is still sending, and a large one then sees the connection close.
            let needed: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| {
                    let example = p["example"].as_str().or(p["schema"]["example"].as_str());
                    let name = p["name"].as_str().unwrap();
                    format!(
                        "{name}={}",
                        example.unwrap_or_else(|| panic!(
                            "{method} {template}: the required parameter {name} has no example"
                        ))
                    )
                })
                .collect();
            let good_path = if needed.is_empty() {
                good_path.clone()
            } else {
                format!("{good_path}?{}", needed.join("&"))
            };
            if let Some(body) = op.get("requestBody") {
                let types: Vec<&String> = body["content"].as_object().unwrap().keys().collect();
                let json = types.iter().any(|t| *t == "application/json");
                // A type the operation declares, so that the body is read (one refused for
                // its type is answered before it is read, and a large one then sees the
                // connection close).
                let ct = if json {
                    "application/json"
                } else {
                    types.first().map(|t| t.as_str()).unwrap_or("text/csv")
                };
                if json {
                    cases.push((
                        m.clone(),
                        good_path.clone(),
                        Some((ct, b"{\"a\": ".to_vec())),
                        "body that is not JSON",
                    ));
                }
                cases.push((
                    m.clone(),
                    good_path.clone(),
                    Some((ct, vec![b' '; 70 * 1024])),
                    "body over the limit",
                ));
                cases.push((
                    m.clone(),
                    good_path.clone(),
                    Some(("application/x-unknown", b"{}".to_vec())),
                    "body of another content type",
                ));
            }
        }
        if let Some(absent) = methods.iter().find(|m| !item.contains_key(**m)) {
            let m = reqwest::Method::from_bytes(absent.to_uppercase().as_bytes()).unwrap();
            cases.push((m, good_path.clone(), None, "method the path does not have"));
        }
        let cargo = item.values().any(|op| op["tags"][0] == "cargo");
        let client = if cargo { &mut customs } else { &mut port };
        for (method, url, body, what) in cases {
            let r = client.send(method.clone(), &url, body).await;
            let shown = format!("{method} {url} ({what}): {} {}", r.status, r.body);
            assert!((400..500).contains(&r.status), "{shown}");
            assert_eq!(
                r.headers.get("content-type").map(|v| v.to_str().unwrap()),
                Some("application/problem+json"),
                "{shown}"
            );
            assert_eq!(r.json["status"], r.status, "{shown}");
            assert!(r.json["code"].is_string(), "{shown}");
            if what == "method the path does not have" {
                assert_eq!(r.status, 405, "{shown}");
                assert!(r.headers.get("allow").is_some(), "{shown}");
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "only {checked} requests");
}

/// Every string in the server's source that could be a route (`"/…"`, path characters only),
/// as the path under `/api/v1` it would be there. Routers are built by hand in each capability
/// (with `nest`, helper macros and conditions), so rather than read their code this collects
/// every candidate and lets the server say which exist.
fn route_candidates() -> Vec<String> {
    let mut files = Vec::new();
    crate::invariants::rust_files(&crate::invariants::server_src(), &mut files);
    let route_char = |c: char| c.is_ascii_alphanumeric() || "/_-.{}*".contains(c);
    let mut found = std::collections::BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, _) in text.match_indices("\"/") {
            let rest = &text[i + 1..];
            let Some(end) = rest.find('"') else { continue };
            let literal = &rest[..end];
            // `{}` is a format string's placeholder, not a route's parameter.
            if literal.len() < 2 || !literal.chars().all(route_char) || literal.contains("{}") {
                continue;
            }
            let under = literal.strip_prefix("/api/v1").unwrap_or(literal);
            if under.starts_with('/') && under.len() > 1 {
                found.insert(under.trim_end_matches('/').to_owned());
            }
        }
    }
    found.into_iter().collect()
}

/// Every route the server answers under `/api/v1` is in the OpenAPI document, with each of
/// its methods: a route missing there is one schemathesis never walks and an integrator never
/// learns of. The server says which candidates exist: a path and method with no route is
/// answered 404 with the router's own problem ("route … not found") or 405; anything
/// else (a handler's 404 for an unknown id included) is a route. `openapi.json` itself is the
/// one exception.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_is_in_the_document() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let t = tokens(&app).await;
    let doc = document(&app).await;
    let documented: std::collections::BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let probe = |method: reqwest::Method, path: String| {
        let http = http.clone();
        let url = format!("{}/api/v1{path}", app.url);
        let token = t.port.clone();
        async move {
            let r = http
                .request(method, url)
                .header("authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            // Only a 404's body is read: a stream's never ends.
            let body = if status == 404 {
                serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null)
            } else {
                Value::Null
            };
            (status, body)
        }
    };
    // The router's own answer for a path it has no route for.
    let no_route = |path: &str, body: &Value| {
        body["code"] == "not_found" && body["detail"] == format!("route /api/v1{path} not found")
    };
    let (status, body) = probe(reqwest::Method::GET, "/no-such-route-at-all".into()).await;
    assert!(
        status == 404 && no_route("/no-such-route-at-all", &body),
        "{body}"
    );
    // A concrete path is the template's when every segment is equal or a parameter.
    let fits = |template: &str, concrete: &str| {
        let (t, c): (Vec<_>, Vec<_>) =
            (template.split('/').collect(), concrete.split('/').collect());
        t.len() == c.len() && t.iter().zip(&c).all(|(t, c)| t.starts_with('{') || t == c)
    };
    // (method, the path sent, the route's template as the source writes it).
    let mut routes = Vec::new();
    for candidate in route_candidates() {
        let concrete = candidate
            .split('/')
            .map(|s| {
                if s.starts_with("{*") {
                    "container:MSKU4839210".to_owned()
                } else if s.starts_with('{') {
                    "zz".to_owned()
                } else {
                    s.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let (status, body) = probe(m, concrete.clone()).await;
            let absent = status == 405 || (status == 404 && no_route(&concrete, &body));
            if !absent && candidate != "/openapi.json" {
                routes.push((method, concrete.clone(), candidate.clone()));
            }
        }
    }
    let undocumented: Vec<_> = routes
        .iter()
        .filter(|(m, concrete, _)| {
            !documented
                .iter()
                .any(|(dm, t)| dm == m && fits(t, concrete))
        })
        .map(|(m, _, template)| format!("{m} {template}"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes the OpenAPI document does not have: {undocumented:#?}"
    );
    // The probe is not blind: it finds every documented operation as a route.
    let unseen: Vec<_> = documented
        .iter()
        .filter(|(dm, t)| {
            !routes
                .iter()
                .any(|(m, concrete, _)| dm == m && fits(t, concrete))
        })
        .collect();
    assert!(
        unseen.is_empty(),
        "documented operations the probe did not find: {unseen:#?}"
    );
    assert!(routes.len() > 100, "only {} routes", routes.len());
}
