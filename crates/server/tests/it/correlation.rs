//! Entity references, the entity page and correlation across capabilities (issue 18), on
//! both backends: alerts raised through the API are joined by the things they name into one
//! correlated alert, only for organisations that may see every part; rules are versioned and
//! a saved version is in force from the next event.

use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};

const CONTAINER: &str = "MSKU4839210";
const DRIVER: &str = "0190a3c4-1d2e-7f00-8000-000000000001";

fn alert(kind: &str, title: &str, subjects: Value, shared_with: &[String]) -> Value {
    json!({
        "kind": kind, "severity": "high", "title": title, "subjects": subjects,
        "evidence": {}, "tlp": "TLP:AMBER", "shared_with": shared_with,
    })
}

fn cargo(container: &str) -> Value {
    alert(
        "cargo.high_risk",
        &format!("{container} in today's top 2 %"),
        json!([{"kind": "container", "reference": container}]),
        &[],
    )
}

fn refused(app: &TestApp, container: &str) -> Value {
    alert(
        "release.driver_mismatch",
        &format!("Someone else than the assigned driver presented for {container}"),
        json!([
            {"kind": "container", "reference": container},
            {"kind": "person", "reference": DRIVER, "label": "assigned: A. Driver"},
            {"kind": "organisation", "reference": app.haulier.to_string()},
        ]),
        &[],
    )
}

async fn raise(c: &mut Client, body: &Value) -> String {
    let r = c.post_json("/api/v1/alerts", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

async fn correlated(app: &TestApp, c: &mut Client) -> Vec<Value> {
    app.state.correlation.settle().await;
    let r = c.get("/api/v1/alerts?kind=correlation&limit=50").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json["alerts"].as_array().cloned().unwrap_or_default()
}

async fn joins_refusal_and_risk(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let token = app.machine_token().await;
    let mut machine = app.client().with_bearer(&token);
    let mut op = app.login("operator").await;

    let cargo_id = raise(&mut machine, &cargo(CONTAINER)).await;
    assert!(correlated(&app, &mut op).await.is_empty());
    let refused_id = raise(&mut machine, &refused(&app, CONTAINER)).await;
    let found = correlated(&app, &mut op).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let a = &found[0];
    assert_eq!(a["kind"], "correlation.refused_driver_risky_container");
    let parts: Vec<(&str, &str)> = a["evidence"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["part"].as_str().unwrap(), p["alert"].as_str().unwrap()))
        .collect();
    assert_eq!(
        parts,
        [
            ("refused", refused_id.as_str()),
            ("cargo", cargo_id.as_str())
        ]
    );
    assert_eq!(
        a["evidence"]["joined_by"][0]["entity"],
        format!("container:{CONTAINER}")
    );
    let subjects: Vec<(String, String)> = a["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_owned(),
                s["reference"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(subjects.contains(&("container".into(), CONTAINER.into())));
    assert!(subjects.contains(&("person".into(), DRIVER.into())));
    assert!(subjects.contains(&("organisation".into(), app.haulier.to_string())));
    // The same pair again raises nothing more.
    raise(&mut machine, &refused(&app, CONTAINER)).await;
    assert_eq!(correlated(&app, &mut op).await.len(), 1);

    // The alert page links every subject to its entity page and the person to the register.
    let page = op
        .get(&format!("/alerts/{}", a["id"].as_str().unwrap()))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("href=\"/entities/container:{CONTAINER}\"")),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("href=\"/entities/person:{DRIVER}\"")));
    assert!(page
        .body
        .contains(&format!("href=\"/access/r/people/{DRIVER}\"")));

    // The entity page: the container's alerts, the correlated one among them.
    let e = op
        .get(&format!(
            "/api/v1/entities/container:{}",
            CONTAINER.to_lowercase()
        ))
        .await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert_eq!(e.json["entity"], format!("container:{CONTAINER}"));
    assert_eq!(e.json["alerts"].as_array().unwrap().len(), 4);
    let html = op.get(&format!("/entities/container:{CONTAINER}")).await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("Larm som nämner den"), "{}", html.body);
    // Not an entity reference: a problem naming the field and why.
    let bad = op.get("/api/v1/entities/container:MSK123").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("ISO 6346"), "{}", bad.body);
    let bad = op.get("/api/v1/entities/driver:presented-7781").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    // Another organisation sees nothing of the port's TLP:AMBER alerts about it.
    let mut haulier = app.login("dispatch").await;
    let e = haulier
        .get(&format!("/api/v1/entities/container:{CONTAINER}"))
        .await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert_eq!(e.json["alerts"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_and_the_containers_risk_are_one_alert_sqlite() {
    joins_refusal_and_risk(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_and_the_containers_risk_are_one_alert_postgres() {
    joins_refusal_and_risk(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_no_one_may_see_whole_is_withheld() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let token = app.machine_token().await;
    let mut machine = app.client().with_bearer(&token);
    // Customs' risk, not named to the port; the port's refusal, not named to customs.
    let mut customs = app.login("targeting").await;
    raise(&mut customs, &cargo(CONTAINER)).await;
    raise(&mut machine, &refused(&app, CONTAINER)).await;
    let mut op = app.login("operator").await;
    assert!(correlated(&app, &mut op).await.is_empty());
    assert!(correlated(&app, &mut customs).await.is_empty());
    assert_eq!(
        app.state
            .correlation
            .withheld
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    // Named to the port, the risk joins the port's next refusal: the port owns the alert,
    // and customs, who may see both, is named.
    let shared = alert(
        "cargo.high_risk",
        "TGHU1234567 in today's top 2 %",
        json!([{"kind": "container", "reference": "TGHU1234567"}]),
        &[app.port.to_string()],
    );
    raise(&mut customs, &shared).await;
    let mut refusal = refused(&app, "TGHU1234567");
    refusal["shared_with"] = json!([app.customs.to_string()]);
    raise(&mut machine, &refusal).await;
    let found = correlated(&app, &mut op).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["owner_org"], app.port.to_string());
    assert_eq!(found[0]["shared_with"], json!([app.customs.to_string()]));
    assert_eq!(correlated(&app, &mut customs).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_versioned_and_a_new_version_is_in_force_at_once() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let token = app.machine_token().await;
    let mut machine = app.client().with_bearer(&token);
    let mut pfso = app.login("pfso").await;
    let rules = pfso.get("/api/v1/correlation/rules").await;
    assert_eq!(rules.status, 200, "{}", rules.body);
    let codes: Vec<&str> = rules
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "cargo_vessel_gate",
            "refused_driver_risky_container",
            "repeated_indicator_sightings"
        ]
    );
    let mut rule = rules.json[1]["rule"].clone();
    rule["enabled"] = json!(false);
    // An operator may read but not write rules.
    let mut op = app.login("operator").await;
    let r = op
        .put_json(
            "/api/v1/correlation/rules/refused_driver_risky_container",
            &rule,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = pfso
        .put_json(
            "/api/v1/correlation/rules/refused_driver_risky_container",
            &rule,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["version"], 1);
    raise(&mut machine, &cargo(CONTAINER)).await;
    raise(&mut machine, &refused(&app, CONTAINER)).await;
    assert!(correlated(&app, &mut op).await.is_empty());
    let v = pfso
        .get("/api/v1/correlation/rules/refused_driver_risky_container/versions")
        .await;
    let versions: Vec<i64> = v
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [0, 1]);
    assert_eq!(app.events("correlation_rule.changed").await.len(), 1);
    // The story's rule is at the version its code states (v1: its badge part is the stack
    // detector's), and a version saved over it follows that.
    assert_eq!(rules.json[0]["version"], 1, "{}", rules.body);
    let story = rules.json[0]["rule"].clone();
    assert_eq!(
        story["parts"][2]["kinds"][0], "access.stack_outside_task",
        "{story}"
    );
    let r = pfso
        .put_json("/api/v1/correlation/rules/cargo_vessel_gate", &story)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["version"], 2, "{}", r.body);
    let v = pfso
        .get("/api/v1/correlation/rules/cargo_vessel_gate/versions")
        .await;
    let versions: Vec<i64> = v
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2]);
    assert_eq!(app.events("correlation_rule.changed").await.len(), 2);
    // A bad rule is refused field by field.
    rule["parts"][1]["join"]["with"] = json!("nowhere");
    rule["window_minutes"] = json!(0);
    let r = pfso.post_json("/api/v1/correlation/rules", &rule).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("parts[1].join.with") && r.body.contains("window_minutes"),
        "{}",
        r.body
    );
    // A new rule of one's own: two refusals for one container within a day.
    let own = json!({
        "code": "twice_refused", "name": "Refused twice", "severity": "medium",
        "window_minutes": 1440,
        "parts": [{"name": "refusals", "kinds": ["release.*"], "min_count": 2}],
    });
    let r = pfso.post_json("/api/v1/correlation/rules", &own).await;
    assert_eq!(r.status, 201, "{}", r.body);
    raise(&mut machine, &refused(&app, CONTAINER)).await;
    assert!(correlated(&app, &mut op).await.is_empty());
    raise(&mut machine, &refused(&app, CONTAINER)).await;
    let found = correlated(&app, &mut op).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["kind"], "correlation.twice_refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subjects_must_be_entity_references() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let token = app.machine_token().await;
    let mut machine = app.client().with_bearer(&token);
    for (kind, reference, why) in [
        ("person", "driver:presented-7781", "UUID"),
        ("vessel", "265123456", "mmsi"),
        (
            "container",
            "msku4839210",
            "write it as \\\"MSKU4839210\\\"",
        ),
    ] {
        let body = alert(
            "access.test",
            "t",
            json!([{"kind": kind, "reference": reference}]),
            &[],
        );
        let r = machine.post_json("/api/v1/alerts", &body).await;
        assert_eq!(r.status, 422, "{reference}: {}", r.body);
        assert!(
            r.body.contains("subjects[0].reference") && r.body.contains(why),
            "{reference}: {}",
            r.body
        );
    }
}
