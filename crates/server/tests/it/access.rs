//! Access control through the documented API: build a facility, decide at its gates, and see
//! the decisions in the audit chain, the occupancy, the muster list and the alert queue.

use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use std::sync::Arc;

use hamnvakt_core::FixedClock;
use hamnvakt_server::app::Instance;
use hamnvakt_store::{DecisionFilter, OpenOptions, Store};

use crate::helpers::{test_config, Client, TestApp};

/// Stockholm local time to the fixed clock.
fn local_ms(t: &str) -> i64 {
    let dt: jiff::civil::DateTime = t.parse().unwrap();
    dt.to_zoned(jiff::tz::TimeZone::get("Europe/Stockholm").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

fn set_clock(app: &TestApp, t: &str) {
    app.clock
        .set(jiff::Timestamp::from_millisecond(local_ms(t)).unwrap());
}

async fn create(c: &mut Client, kind: &str, body: Value) -> String {
    let r = c.post_json(&format!("/api/v1/access/{kind}"), &body).await;
    assert_eq!(r.status, 201, "creating {kind}: {}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

struct Site {
    facility: String,
    quay: String,
    permit: String,
    person: String,
}

const FROM: i64 = 1_767_225_600_000; // 2026-01-01
const UNTIL: i64 = 1_830_297_600_000; // 2028-01-01

async fn build(app: &TestApp, pfso: &mut Client) -> Site {
    let facility = create(
        pfso,
        "facilities",
        json!({"site_id": app.site, "name": "Värtahamnen",
        "isps_number": "SESTO-0010", "security_level": 1, "org_id": app.port}),
    )
    .await;
    let out = create(
        pfso,
        "zones",
        json!({"facility_id": facility, "code": "VHA-OUT", "name": "Värtahamnen terminal area",
        "sensitivity": "normal", "two_person": false, "anti_passback": "off"}),
    )
    .await;
    let quay = create(
        pfso,
        "zones",
        json!({"facility_id": facility, "parent": out, "code": "VHA-QUAY", "name": "Quay",
        "sensitivity": "restricted", "two_person": false, "anti_passback": "soft"}),
    )
    .await;
    for (code, closed, lat) in [("VHA-G3", false, 59.3520), ("VHA-G5", true, 59.3525)] {
        create(pfso, "gates", json!({"facility_id": facility, "code": code, "name": code, "kind": "pedestrian",
            "outer_zone": out, "inner_zone": quay, "closed_at_level2": closed, "lat": lat, "lon": 18.113})).await;
    }
    create(
        pfso,
        "gates",
        json!({"facility_id": facility, "code": "VHA-MAIN", "name": "Main gate", "kind": "vehicle",
        "inner_zone": out, "closed_at_level2": false, "lat": 59.3515, "lon": 18.1127}),
    )
    .await;
    let person = create(pfso, "people", json!({"org_id": app.haulier, "name": "Karl Kontraktor", "kind": "contractor", "responder": false})).await;
    create(
        pfso,
        "credentials",
        json!({"number": "SH-204117", "holder": person, "generic": false, "state": "active",
        "valid_from_ms": FROM, "valid_until_ms": UNTIL}),
    )
    .await;
    let permit = create(pfso, "permits", json!({"holder": person, "purpose": "Quay maintenance", "zones": [out],
        "valid_from_ms": FROM, "valid_until_ms": UNTIL, "schedule": "Mon-Fri 06:00-22:00", "issued_by_org": app.port,
        "escort_required": false, "visitor": false, "suspended": false})).await;
    let pool = create(
        pfso,
        "people",
        json!({"org_id": app.port, "name": "Day pass 17", "kind": "visitor", "responder": false}),
    )
    .await;
    create(
        pfso,
        "credentials",
        json!({"number": "DAY-17", "holder": pool, "generic": true, "state": "active",
        "valid_from_ms": FROM, "valid_until_ms": UNTIL}),
    )
    .await;
    create(pfso, "permits", json!({"holder": pool, "purpose": "day pass", "zones": [out], "valid_from_ms": FROM, "valid_until_ms": UNTIL,
        "schedule": "always", "issued_by_org": app.port, "escort_required": false, "visitor": false, "suspended": false})).await;
    Site {
        facility,
        quay,
        permit,
        person,
    }
}

async fn decide(m: &mut Client, gate: &str, credential: &str, direction: &str) -> Value {
    let r = m
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": gate, "credential": credential, "direction": direction}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_one_night_at_vartahamnen() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    set_clock(&app, "2026-11-26T03:00");
    let mut pfso = app.login("pfso").await;
    let site = build(&app, &mut pfso).await;
    let token = app.machine_token().await;
    let mut gate = app.client().with_bearer(&token);

    set_clock(&app, "2026-11-26T03:10");
    let d = decide(&mut gate, "VHA-G3", "SH-204117", "in").await;
    assert_eq!(d["outcome"], "deny");
    assert_eq!(d["reasons"][0]["code"], "outside_schedule", "{d}");
    assert!(d["reasons"][0]["text"].as_str().unwrap().contains("03:10"));
    // The decision is in the audit chain before the answer.
    let events = app.events("access.decision").await;
    assert!(events
        .iter()
        .any(|e| e.subject.as_deref() == Some(&format!("decision:{}", d["id"].as_str().unwrap()))));

    set_clock(&app, "2026-11-26T03:27");
    let d = decide(&mut gate, "VHA-G5", "SH-204117", "in").await;
    assert_eq!(d["outcome"], "deny");
    // The insider detector raises an alert into the shared queue.
    let mut op = app.login("operator").await;
    let mut found = Value::Null;
    for _ in 0..50 {
        let r = op.get("/api/v1/alerts?kind=access.repeated_denials").await;
        if r.json["total"].as_i64().unwrap_or(0) > 0 {
            found = r.json["alerts"][0].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found["severity"], "high", "no repeated-denials alert");
    assert_eq!(found["evidence"]["denials"].as_array().unwrap().len(), 2);
    assert!(found["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["reference"] == "SH-204117"));

    // The PFSO extends the permit; the very next decision changes.
    let mut permit = pfso
        .get(&format!("/api/v1/access/permits/{}", site.permit))
        .await
        .json;
    permit["schedule"] = json!("always");
    let r = pfso
        .put_json(&format!("/api/v1/access/permits/{}", site.permit), &permit)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = decide(&mut gate, "VHA-G3", "SH-204117", "in").await;
    assert_eq!(d["outcome"], "grant", "{d}");
    assert_eq!(d["person"]["name"], "Karl Kontraktor");
    assert_eq!(app.events("access.permit_saved").await.len(), 3);

    // Occupancy and the muster list, JSON and CSV.
    let muster = pfso
        .get(&format!(
            "/api/v1/access/facilities/{}/muster",
            site.facility
        ))
        .await;
    assert_eq!(muster.json.as_array().unwrap().len(), 1);
    assert_eq!(muster.json[0]["zone"].as_str().unwrap(), site.quay);
    let csv = pfso
        .get(&format!(
            "/api/v1/access/facilities/{}/muster?format=csv",
            site.facility
        ))
        .await;
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv.body.starts_with("name,organisation,kind,zone,gate,since\r\nKarl Kontraktor,Roslagens Åkeri,contractor,Quay,VHA-G3,"), "{}", csv.body);

    // The feed shows all three, newest first.
    let feed = op
        .get(&format!("/api/v1/access/decisions?person={}", site.person))
        .await;
    let outcomes: Vec<&str> = feed
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["grant", "deny", "deny"]);

    // The console: the person's page has a singular title and shows the card, the permit, the
    // passages and the alert about them; the gate's page its decisions; the feed filters.
    let page = pfso
        .get(&format!("/access/r/people/{}", site.person))
        .await
        .body;
    assert!(page.contains("<h1>Person</h1>"), "{page}");
    let linked = &page[page.find("id=\"linked\"").expect("linked section")..];
    assert!(linked.contains("SH-204117"), "the card: {linked}");
    assert!(
        linked.contains("VHA-G5") && linked.contains("VHA-G3"),
        "the passages: {linked}"
    );
    assert!(linked.contains("person-alerts"), "{linked}");
    // The card's state and the passages' outcomes in the page's words, not their codes.
    assert!(
        linked.contains("Beviljad")
            && linked.contains("Nekad")
            && !linked.contains("<td>deny")
            && !linked.contains("</a> active ·"),
        "{linked}"
    );
    let gates = pfso.get("/api/v1/access/gates?q=VHA-G5").await.json;
    let g5 = gates[0]["id"].as_str().unwrap().to_owned();
    let page = pfso.get(&format!("/access/r/gates/{g5}")).await.body;
    assert!(
        page.contains("Karl Kontraktor"),
        "the gate's decisions: {page}"
    );
    let denied = op.get("/access/feed?outcome=deny").await.body;
    let granted = op.get("/access/feed?outcome=grant").await.body;
    assert_eq!(
        denied.matches("data-outcome=\"deny\"").count(),
        2,
        "{denied}"
    );
    assert_eq!(denied.matches("data-outcome=\"grant\"").count(), 0);
    assert_eq!(granted.matches("data-outcome=\"grant\"").count(), 1);
    let at_g5 = op.get(&format!("/access/feed?gate={g5}")).await.body;
    assert_eq!(at_g5.matches("data-outcome=").count(), 1, "{at_g5}");
    let later = op.get("/access/feed?since=2026-11-26T03:20").await.body;
    assert_eq!(later.matches("data-outcome=").count(), 2, "{later}");
    assert_eq!(op.get("/access/feed?since=yesterday").await.status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_level_two_closes_gates_and_generic_cards() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    set_clock(&app, "2026-11-26T09:00");
    let mut pfso = app.login("pfso").await;
    let site = build(&app, &mut pfso).await;
    let token = app.machine_token().await;
    let mut gate = app.client().with_bearer(&token);
    set_clock(&app, "2026-11-26T10:00");
    assert_eq!(
        decide(&mut gate, "VHA-MAIN", "DAY-17", "in").await["outcome"],
        "grant"
    );
    let mut op = app.login("operator").await;
    let r = op
        .post_json(
            &format!("/api/v1/access/facilities/{}/security-level", site.facility),
            &json!({"level": 2, "reason": "drill"}),
        )
        .await;
    assert_eq!(r.status, 403, "operators do not set levels");
    let r = pfso
        .post_json(
            &format!("/api/v1/access/facilities/{}/security-level", site.facility),
            &json!({"level": 2, "reason": "threat report from Polisen"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.json["open_gates"].as_u64(),
            r.json["total_gates"].as_u64()
        ),
        (Some(2), Some(3))
    );
    let ev = app.events("access.security_level_set").await;
    assert!(ev[0].payload.contains("\"from\":1") && ev[0].payload.contains("threat report"));
    let d = decide(&mut gate, "VHA-G3", "DAY-17", "in").await;
    assert_eq!(
        (d["outcome"].as_str(), d["reasons"][0]["code"].as_str()),
        (Some("deny"), Some("level2_generic_card"))
    );
    let d = decide(&mut gate, "VHA-G5", "SH-204117", "in").await;
    assert!(
        d["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "level2_gate_closed"),
        "{d}"
    );
    assert_eq!(d["security_level"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controllers_always_get_a_decision_and_the_register_is_checked() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let site = build(&app, &mut pfso).await;
    let token = app.machine_token().await;
    let mut gate = app.client().with_bearer(&token);
    let d = decide(&mut gate, "NO-SUCH-GATE", "SH-204117", "in").await;
    assert_eq!(
        (d["outcome"].as_str(), d["reasons"][0]["code"].as_str()),
        (Some("deny"), Some("unknown_gate"))
    );
    let d = decide(&mut gate, "VHA-G3", "SH-000000", "in").await;
    assert_eq!(
        (d["outcome"].as_str(), d["reasons"][0]["code"].as_str()),
        (Some("deny"), Some("unknown_credential"))
    );
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-G3", "direction": "in"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("credential"))
    );
    // People may not ask for decisions; machines may not change the register.
    assert_eq!(
        pfso.post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-G3", "credential": "x", "direction": "in"})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        gate.post_json(
            "/api/v1/access/people",
            &json!({"org_id": app.port, "name": "x", "kind": "staff", "responder": false})
        )
        .await
        .status,
        403
    );
    // Referential checks and unique keys.
    let r = pfso
        .post_json(
            "/api/v1/access/credentials",
            &json!({"number": "SH-204117", "holder": site.person, "generic": false,
        "state": "active", "valid_from_ms": FROM, "valid_until_ms": UNTIL}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = pfso.post_json("/api/v1/access/permits", &json!({"holder": site.person, "purpose": "x", "zones": ["00000000-0000-4000-8000-000000000009"],
        "valid_from_ms": UNTIL, "valid_until_ms": FROM, "schedule": "Mon-Fri 06:00-22:00", "issued_by_org": app.port,
        "escort_required": false, "visitor": false, "suspended": false})).await;
    let fields: Vec<&str> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        (r.status, fields),
        (422, vec!["zones[0]", "valid_until_ms"])
    );
    let r = pfso.post_json("/api/v1/access/permits", &json!({"holder": site.person, "purpose": "x", "zones": [site.quay],
        "valid_from_ms": FROM, "valid_until_ms": UNTIL, "schedule": "Someday 06:00-22:00", "issued_by_org": app.port,
        "escort_required": false, "visitor": false, "suspended": false})).await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("schedule"))
    );
    // Search.
    let r = pfso.get("/api/v1/access/people?q=karl").await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    // Policies are readable and a broken text is refused.
    let p = pfso.get("/api/v1/access/policies").await;
    assert_eq!(p.json["version"], 1);
    assert!(p.json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "level2_generic_card"));
    let bad = pfso
        .put_json(
            "/api/v1/access/policies",
            &json!({"text": "permit (principal", "comment": "oops"}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json["errors"][0]["field"].as_str()),
        (422, Some("text"))
    );
    let typo = p.json["text"]
        .as_str()
        .unwrap()
        .replace("context.person.banned", "context.person.baned");
    let bad = pfso
        .put_json(
            "/api/v1/access/policies",
            &json!({"text": typo, "comment": "typo"}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json["errors"][0]["field"].as_str()),
        (422, Some("text")),
        "validated against the schema"
    );
    let text = p.json["text"].as_str().unwrap().replace(
        "@id(\"level2_generic_card\")\nforbid",
        "@id(\"level2_generic_card\")\n// relaxed for the drill\nforbid",
    );
    let ok = pfso
        .put_json(
            "/api/v1/access/policies",
            &json!({"text": text, "comment": "annotate"}),
        )
        .await;
    assert_eq!(
        (ok.status, ok.json["version"].as_i64()),
        (200, Some(2)),
        "{}",
        ok.body
    );
    let d = decide(&mut gate, "VHA-G3", "SH-204117", "out").await;
    assert_eq!(
        d["policy_version"], 2,
        "decisions record the policy version they used"
    );
}

/// A decision is durable as its event; the decision list and the stored occupancy are derived
/// from the events afterwards. A reader sees its own decisions at once, and rows lost between
/// the event's commit and their own (a crash) come back from the chain when the server starts.
async fn decision_rows_follow_from_the_chain(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    set_clock(&app, "2026-11-26T10:00");
    let mut pfso = app.login("pfso").await;
    let site = build(&app, &mut pfso).await;
    let token = app.machine_token().await;
    let mut gate = app.client().with_bearer(&token);
    let granted = decide(&mut gate, "VHA-G3", "SH-204117", "in").await;
    assert_eq!(granted["outcome"], "grant", "{granted}");
    let denied = decide(&mut gate, "VHA-G3", "SH-000000", "in").await;
    assert_eq!(denied["outcome"], "deny", "{denied}");

    // Read-your-writes: listed as soon as answered.
    let mut op = app.login("operator").await;
    let feed = op.get("/api/v1/access/decisions?limit=10").await;
    let ids: Vec<&str> = feed
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            denied["id"].as_str().unwrap(),
            granted["id"].as_str().unwrap()
        ]
    );

    let newest = app
        .events("access.decision")
        .await
        .iter()
        .map(|e| e.seq)
        .max()
        .unwrap();
    let metrics = app.client().get("/metrics").await.body;
    assert!(
        metrics.contains(&format!(
            "hamnvakt_access_decisions_projected_seq {newest}\n"
        )),
        "{metrics}"
    );

    // The server stops after the commit and before the rows: remove them, rewind the mark.
    // (First let the running server's background projector finish the round its last
    // decision woke it for; with no new decision it does not run again.)
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // (On SQLite those tables are in the derived file beside the database.)
    let url = match kind {
        Kind::Sqlite => {
            let main = app._db.url.trim_start_matches("sqlite://");
            format!("sqlite://{}", hamnvakt_store::derived_path(main))
        }
        Kind::Postgres => app._db.url.clone(),
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for sql in [
        "DELETE FROM gate_decisions",
        "DELETE FROM occupancy",
        "UPDATE projections SET seq = 0",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    assert!(app
        .state
        .store
        .list_decisions(&DecisionFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty());

    // A new server on the same database rebuilds them from the chain before it serves.
    let store = Store::open(&app._db.url, &OpenOptions::default())
        .await
        .unwrap();
    let again = Instance::new(
        store,
        test_config(&app._db),
        Arc::new(FixedClock::new(app.state.now())),
    );
    again.start().await.unwrap();
    let rows = again
        .store
        .list_decisions(&DecisionFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id, denied["id"].as_str().unwrap());
    assert_eq!(rows[1].outcome, "grant");
    assert_eq!(rows[1].person_id.as_deref(), Some(site.person.as_str()));
    let occupancy = again.store.occupancy().await.unwrap();
    assert_eq!(occupancy.len(), 1);
    assert_eq!(occupancy[0].person_id, site.person);
    assert_eq!(
        again
            .store
            .projection_mark("access.decisions")
            .await
            .unwrap(),
        newest
    );
    // … and the engine's presence came back from it: the muster list names the holder.
    let muster = hamnvakt_server::access::occupants(
        &again.access_state(),
        hamnvakt_server::access::Scope::Whole,
        Some(site.facility.parse().unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(muster.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_rows_follow_from_the_chain_sqlite() {
    decision_rows_follow_from_the_chain(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_rows_follow_from_the_chain_postgres() {
    decision_rows_follow_from_the_chain(Kind::Postgres).await;
}

/// A haulier's dispatcher reads the register of its own organisation only: its people, their
/// cards, their decisions, who of them is inside; never another organisation's staff or the
/// bans. The port's staff read it all; only they change it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_reads_are_scoped_by_organisation() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    set_clock(&app, "2026-11-26T10:00");
    let mut pfso = app.login("pfso").await;
    let site = build(&app, &mut pfso).await;
    let port_person = pfso.get("/api/v1/access/people?q=day").await.json[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.machine_token().await;
    let mut m = app.client().with_bearer(&token);
    // The dispatcher's live feed, open while the decisions are made.
    let dispatch_cookie = app.login("dispatch").await.cookie.unwrap();
    let mut live = reqwest::Client::new()
        .get(format!("{}/api/v1/access/decisions/stream", app.url))
        .header("cookie", dispatch_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    decide(&mut m, "VHA-MAIN", "DAY-17", "in").await;
    decide(&mut m, "VHA-MAIN", "SH-204117", "in").await;
    let mut pushed = String::new();
    while !pushed.contains("SH-204117") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), live.chunk())
            .await
            .expect("the feed pushes the dispatcher's own decision")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        !pushed.contains("DAY-17"),
        "another organisation's decision was pushed: {pushed}"
    );
    create(
        &mut pfso,
        "bans",
        json!({"person": port_person, "reason": "lost pass", "valid_from_ms": FROM}),
    )
    .await;

    let mut dispatch = app.login("dispatch").await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        names(&dispatch.get("/api/v1/access/people").await.json),
        ["Karl Kontraktor"]
    );
    assert_eq!(
        dispatch
            .get(&format!("/api/v1/access/people/{port_person}"))
            .await
            .status,
        404
    );
    let cards = dispatch.get("/api/v1/access/credentials").await.json;
    assert_eq!(cards.as_array().unwrap().len(), 1);
    assert_eq!(cards[0]["number"], "SH-204117");
    assert_eq!(
        dispatch.get("/api/v1/access/bans").await.json,
        json!([]),
        "bans are the port's"
    );
    let feed = dispatch.get("/api/v1/access/decisions").await.json;
    assert_eq!(feed.as_array().unwrap().len(), 1, "{feed}");
    assert_eq!(feed[0]["credential"], "SH-204117");
    assert_eq!(
        names(&dispatch.get("/api/v1/access/occupancy").await.json),
        ["Karl Kontraktor"]
    );
    let csv = dispatch
        .get(&format!(
            "/api/v1/access/facilities/{}/muster?format=csv",
            site.facility
        ))
        .await
        .body;
    assert!(
        csv.contains("Karl Kontraktor") && !csv.contains("Day pass"),
        "{csv}"
    );
    // The console's pages say the same.
    let page = dispatch.get("/access/r/people").await.body;
    assert!(
        page.contains("Karl Kontraktor") && !page.to_lowercase().contains("day pass"),
        "{page}"
    );
    let onsite = dispatch.get("/access/onsite").await.body;
    assert!(!onsite.contains("Day pass"), "{onsite}");

    // The port's staff see everyone.
    assert_eq!(
        pfso.get("/api/v1/access/occupancy")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        pfso.get("/api/v1/access/bans")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A register manager's role given to another organisation's account changes nothing.
    let mut admin = app.login("admin").await;
    let r = admin
        .post_json("/api/v1/users", &json!({"org_id": app.haulier, "username": "haulier.pfso", "display_name": "H", "password": crate::helpers::PASSWORD, "roles": ["pfso"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut other = app.login("haulier.pfso").await;
    let r = other
        .post_json(
            "/api/v1/access/people",
            &json!({"org_id": app.haulier, "name": "Ghost", "kind": "contractor", "responder": false}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let _ = site.quay;
}

/// Two instances on one PostgreSQL database: a card revoked through A is refused at B even
/// after B made a register change of its own (B used to mark itself up to date without A's
/// change), and a policy edit through A is what B decides with next (B used to keep its own
/// until restarted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_and_policy_changes_reach_the_other_instance() {
    let a = TestApp::spawn(Kind::Postgres).await;
    set_clock(&a, "2026-11-26T10:00");
    let mut pfso_a = a.login("pfso").await;
    build(&a, &mut pfso_a).await;
    // B: a second server on the same database.
    let store = Store::open(&a._db.url, &OpenOptions::default())
        .await
        .unwrap();
    let b = Instance::new(store, test_config(&a._db), a.clock.clone());
    b.start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_url = format!("http://{}", listener.local_addr().unwrap());
    let serving = b.clone();
    tokio::spawn(async move {
        let _ = hamnvakt_server::app::serve(serving, listener, std::future::pending()).await;
    });
    let token = a.machine_token().await;
    let mut gate_b = Client::new(&b_url).with_bearer(&token);
    assert_eq!(
        decide(&mut gate_b, "VHA-MAIN", "SH-204117", "in").await["outcome"],
        "grant"
    );
    decide(&mut gate_b, "VHA-MAIN", "SH-204117", "out").await;

    // Revoked through A …
    let card = pfso_a
        .get("/api/v1/access/credentials?q=SH-204117")
        .await
        .json[0]
        .clone();
    let mut revoked = card.clone();
    revoked["state"] = json!("revoked");
    let id = card["id"].as_str().unwrap();
    let r = pfso_a
        .put_json(&format!("/api/v1/access/credentials/{id}"), &revoked)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // … then B changes the register itself …
    let mut pfso_b = Client::new(&b_url);
    let r = pfso_b
        .post_json(
            "/api/v1/session",
            &json!({"username": "pfso", "password": crate::helpers::PASSWORD}),
        )
        .await;
    pfso_b.csrf = r.json["csrf_token"].as_str().map(str::to_owned);
    create(
        &mut pfso_b,
        "people",
        json!({"org_id": a.haulier, "name": "New Driver", "kind": "driver", "responder": false}),
    )
    .await;
    // … and still refuses the card.
    let d = decide(&mut gate_b, "VHA-MAIN", "SH-204117", "in").await;
    assert_eq!(d["outcome"], "deny", "{d}");
    // B's reads are current too.
    let seen = pfso_b
        .get(&format!("/api/v1/access/credentials/{id}"))
        .await;
    assert_eq!(seen.json["state"], "revoked");

    // A policy edit through A is what B decides with.
    let p = pfso_a.get("/api/v1/access/policies").await;
    let text = p.json["text"].as_str().unwrap().to_owned() + "\n// edited through A\n";
    let ok = pfso_a
        .put_json(
            "/api/v1/access/policies",
            &json!({"text": text, "comment": "through A"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let v = ok.json["version"].as_i64().unwrap();
    let d = decide(&mut gate_b, "VHA-G3", "DAY-17", "in").await;
    assert_eq!(d["policy_version"], v, "{d}");

    // Presence is one: in through A, B's occupancy has the holder; out through B, A's no longer.
    let mut gate_a = a.client().with_bearer(&token);
    let dispatch_b = {
        let mut c = Client::new(&b_url);
        let r = c
            .post_json(
                "/api/v1/session",
                &json!({"username": "pfso", "password": crate::helpers::PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        c.cookie.unwrap()
    };
    let mut live_b = reqwest::Client::new()
        .get(format!("{b_url}/api/v1/access/decisions/stream"))
        .header("cookie", dispatch_b)
        .send()
        .await
        .unwrap();
    assert_eq!(
        decide(&mut gate_a, "VHA-MAIN", "DAY-17", "in").await["outcome"],
        "grant"
    );
    let inside_b = pfso_b.get("/api/v1/access/occupancy").await.json;
    assert!(
        inside_b
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Day pass 17"),
        "B's occupancy has who entered through A: {inside_b}"
    );
    // B's live feed carried A's decision.
    let mut pushed = String::new();
    while !pushed.contains("DAY-17") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), live_b.chunk())
            .await
            .expect("B pushes A's decision")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }
    decide(&mut gate_b, "VHA-MAIN", "DAY-17", "out").await;
    let inside_a = pfso_a.get("/api/v1/access/occupancy").await.json;
    assert!(
        !inside_a
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Day pass 17"),
        "A's occupancy knows who left through B: {inside_a}"
    );

    // A record created through A is readable at B at once, before B decides anything.
    let new_person = create(
        &mut pfso_a,
        "people",
        json!({"org_id": a.haulier, "name": "Fresh Face", "kind": "driver", "responder": false}),
    )
    .await;
    assert_eq!(
        pfso_b
            .get(&format!("/api/v1/access/people/{new_person}"))
            .await
            .status,
        200
    );

    // A token revoked through A is refused at B at the very next request (B had it cached).
    let mut admin_a = a.login("admin").await;
    let t = admin_a
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "short", "roles": ["gate_controller"], "user_id": a.machine}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let mut short = Client::new(&b_url).with_bearer(t.json["secret"].as_str().unwrap());
    decide(&mut short, "VHA-MAIN", "DAY-17", "out").await;
    let tid = t.json["token"]["id"].as_str().unwrap();
    assert_eq!(
        admin_a
            .delete(&format!("/api/v1/tokens/{tid}"))
            .await
            .status,
        204
    );
    let r = short
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-MAIN", "credential": "DAY-17", "direction": "in"}),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
}

/// The register's console lists have columns, sort by any of them, and page with counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_lists_have_columns_sorting_and_pages() {
    let app = crate::helpers::TestApp::spawn(hamnvakt_testkit::Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    for i in 0..120 {
        let r = pfso
            .post_json(
                "/api/v1/access/people",
                &serde_json::json!({"org_id": if i % 2 == 0 { app.port } else { app.haulier }, "name": format!("Person {i:03}"), "kind": "staff", "responder": false}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let page = pfso.get("/access/r/people").await.body;
    // Columns: the name, the organisation by name, the kind.
    assert!(
        page.contains("Person 000") && !page.contains("Person 050"),
        "first page of 50"
    );
    assert!(page.contains("1–50") && page.contains(" 120<"), "{page}");
    assert!(page.contains("data-sort=\"org_id\""), "{page}");
    let haulier = app
        .state
        .store
        .org(app.haulier)
        .await
        .unwrap()
        .unwrap()
        .name;
    assert!(page.contains(&haulier), "the organisation is named: {page}");
    // A coded value in the page's words (Swedish, with no language asked), not its code.
    assert!(
        page.contains("<td>Personal</td>") && !page.contains("<td>staff</td>"),
        "{page}"
    );
    // Sorted by name, descending; the third page holds the last twenty.
    let desc = pfso.get("/access/r/people?sort=-name").await.body;
    let first = desc.find("Person 119").unwrap();
    assert!(desc.find("Person 118").unwrap() > first);
    let third = pfso.get("/access/r/people?page=3").await.body;
    assert!(
        third.contains("Person 119") && !third.contains("Person 099"),
        "{third}"
    );
    assert!(third.contains("101–120"), "{third}");
    // Search narrows the count.
    let found = pfso.get("/access/r/people?q=person+11").await.body;
    // Person 011 and Person 110 to 119.
    assert!(found.contains("1–11") && found.contains(" 11<"), "{found}");
}
