//! Secure container release through the API on both backends, with the real server on port
//! 0: a shipping line issues, the forwarder accepts and nominates the haulier, the haulier's
//! system (a token of its organisation) accepts and assigns its driver and truck; customs and
//! the terminal set their lights; then the gate: a different driver is refused and the
//! detector raises the alert, the wrong truck is refused, customs' scan selection from
//! targeting refers the right driver to the scanner lane, and once cleared the pick-up is
//! granted and the release is collected. Each party sees only the releases that reached it.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_server::identity::{self as admin, UserSpec};
use hamnvakt_server::web::change::Actor;
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};

pub(crate) const FROM: i64 = 1_767_225_600_000; // 2026-01-01
pub(crate) const UNTIL: i64 = 1_830_297_600_000; // 2028-01-01
const CONTAINER: &str = "CSQU3054383";

pub(crate) async fn create(c: &mut Client, kind: &str, body: Value) -> String {
    let r = c.post_json(&format!("/api/v1/access/{kind}"), &body).await;
    assert_eq!(r.status, 201, "creating {kind}: {}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

/// Norvik as the pick-up tests want it, made through the register's API: the facility (its
/// terminal operator `terminal`), its yard behind the vehicle in-gate NVK-IN1, and two drivers
/// of the test haulier with port cards NVK-1001 and NVK-1002 and permits for the yard.
pub(crate) struct Norvik {
    pub facility: String,
    pub yard: String,
    pub drivers: Vec<String>,
}

pub(crate) async fn norvik(app: &TestApp, pfso: &mut Client, terminal: OrgId) -> Norvik {
    let facility = create(
        pfso,
        "facilities",
        json!({"site_id": app.site, "name": "Norvik",
        "isps_number": "SENYN-0001", "security_level": 1, "org_id": terminal}),
    )
    .await;
    let yard = create(
        pfso,
        "zones",
        json!({"facility_id": facility, "code": "NVK-YARD", "name": "Norvik yard",
        "sensitivity": "normal", "two_person": false, "anti_passback": "off"}),
    )
    .await;
    create(pfso, "gates", json!({"facility_id": facility, "code": "NVK-IN1", "name": "Norvik in-gate", "kind": "vehicle",
        "inner_zone": yard, "closed_at_level2": false, "lat": 58.98, "lon": 17.91})).await;
    let mut drivers = Vec::new();
    for (name, card) in [
        ("Assigned Driver", "NVK-1001"),
        ("Other Driver", "NVK-1002"),
    ] {
        let person = create(
            pfso,
            "people",
            json!({"org_id": app.haulier, "name": name, "kind": "contractor", "responder": false}),
        )
        .await;
        create(
            pfso,
            "credentials",
            json!({"number": card, "holder": person, "generic": false, "state": "active",
            "valid_from_ms": FROM, "valid_until_ms": UNTIL}),
        )
        .await;
        create(pfso, "permits", json!({"holder": person, "purpose": "container pick-up", "zones": [yard],
            "valid_from_ms": FROM, "valid_until_ms": UNTIL, "schedule": "always", "issued_by_org": app.port,
            "escort_required": false, "visitor": false, "suspended": false})).await;
        drivers.push(person);
    }
    Norvik {
        facility,
        yard,
        drivers,
    }
}

async fn step(c: &mut Client, id: &str, body: Value) -> (u16, Value) {
    let r = c
        .post_json(&format!("/api/v1/releases/{id}/steps"), &body)
        .await;
    (r.status, r.json)
}

pub(crate) fn codes(d: &Value) -> Vec<String> {
    d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn release_flow(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let seed = Actor::system("test");
    let line = app.org("North Sea Feeder", OrgKind::ShippingLine).await;
    let forwarder = app
        .org("Norvik Freight Forwarding", OrgKind::Forwarder)
        .await;
    let other_haulier = app.org("Baltic Road Cargo", OrgKind::Haulier).await;
    let terminal = app.org("Norvik Terminal", OrgKind::TerminalOperator).await;
    app.user(line, "line", vec![Role::Dispatcher]).await;
    app.user(forwarder, "fwd", vec![Role::Dispatcher]).await;
    app.user(other_haulier, "other", vec![Role::Dispatcher])
        .await;
    app.user(terminal, "terminal", vec![Role::Pfso]).await;
    // The security centre's role, held in a haulier outside the chain (the demo's Roslagens
    // Åkeri dispatcher): the role does not make it the port's security centre.
    app.user(other_haulier, "other.operator", vec![Role::Operator])
        .await;
    app.user(app.haulier, "haulier.dispatch", vec![Role::Dispatcher])
        .await;
    // The haulier's own system acts with a token of its organisation.
    let system = admin::create_user(
        &app.state,
        &seed,
        UserSpec {
            id: None,
            org_id: app.haulier,
            username: "haulier.system".into(),
            display_name: "haulier system".into(),
            password: None,
            roles: vec![Role::ReleaseSystem],
            locale: "en".into(),
        },
    )
    .await
    .unwrap();
    let (_, haulier_token) = admin::create_token(
        &app.state,
        &seed,
        &system,
        "release integration",
        vec![Role::ReleaseSystem],
        30,
    )
    .await
    .unwrap();

    // The register: Norvik with its truck gate, two drivers of the haulier with port cards.
    let mut pfso = app.login("pfso").await;
    let Norvik {
        facility,
        yard: _,
        drivers,
    } = norvik(&app, &mut pfso, terminal).await;
    let no_card = create(
        &mut pfso,
        "people",
        json!({"org_id": app.haulier, "name": "No Card", "kind": "contractor", "responder": false}),
    )
    .await;

    // The line issues; the container's check digit is verified.
    let mut l = app.login("line").await;
    let issue = json!({"container": "CSQU 305438-3", "bill_of_lading": "NSF2611GYE01",
        "release_to": forwarder, "facility": facility});
    let mut bad = issue.clone();
    bad["container"] = json!("CSQU3054384");
    let r = l.post_json("/api/v1/releases", &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json["errors"][0]["field"], "container", "{}", r.body);
    let r = l.post_json("/api/v1/releases", &issue).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["container"], CONTAINER);
    assert_eq!(r.json["offered_to"], forwarder.to_string());
    let r = l.post_json("/api/v1/releases", &issue).await;
    assert_eq!(
        r.status, 409,
        "one release per container and bill: {}",
        r.body
    );
    // A forwarder cannot issue.
    let mut f = app.login("fwd").await;
    assert_eq!(f.post_json("/api/v1/releases", &issue).await.status, 403);

    // The haulier sees nothing yet, and cannot act on what has not reached it.
    let mut h = app.client().with_bearer(&haulier_token);
    assert_eq!(h.get(&format!("/api/v1/releases/{id}")).await.status, 404);
    assert_eq!(step(&mut h, &id, json!({"action": "accept"})).await.0, 404);
    assert_eq!(h.get("/api/v1/releases").await.json, json!([]));

    // The forwarder accepts and nominates the haulier; one offer at a time.
    assert_eq!(step(&mut f, &id, json!({"action": "accept"})).await.0, 200);
    let (s, v) = step(
        &mut f,
        &id,
        json!({"action": "offer", "to": forwarder, "role": "haulier"}),
    )
    .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("to")),
        "{v}"
    );
    let (s, v) = step(
        &mut f,
        &id,
        json!({"action": "offer", "to": app.haulier, "role": "haulier"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = step(
        &mut f,
        &id,
        json!({"action": "offer", "to": other_haulier, "role": "haulier"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["detail"].as_str().unwrap().starts_with("offer_pending"),
        "{v}"
    );
    // The line no longer holds it.
    let (s, v) = step(&mut l, &id, json!({"action": "revoke"})).await;
    assert_eq!(s, 200, "the line may revoke what it gave: {v}");
    assert_eq!(v["holder"], line.to_string());
    assert!(v["chain"].as_array().unwrap().is_empty());
    // Re-run the chain after the line took it back.
    assert_eq!(
        step(
            &mut l,
            &id,
            json!({"action": "offer", "to": forwarder, "role": "release_to"})
        )
        .await
        .0,
        200
    );
    assert_eq!(step(&mut f, &id, json!({"action": "accept"})).await.0, 200);
    assert_eq!(
        step(
            &mut f,
            &id,
            json!({"action": "offer", "to": app.haulier, "role": "haulier"})
        )
        .await
        .0,
        200
    );
    let (s, v) = step(&mut h, &id, json!({"action": "accept"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["holder"], app.haulier.to_string());
    assert_eq!(v["holder_role"], "haulier");

    // Assigning: a driver with a card, of the haulier; the forwarder cannot.
    let (s, v) = step(
        &mut f,
        &id,
        json!({"action": "assign", "driver": drivers[0], "plate": "ABC 123"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["detail"].as_str().unwrap().starts_with("not_holder"),
        "{v}"
    );
    let (s, v) = step(
        &mut h,
        &id,
        json!({"action": "assign", "driver": no_card, "plate": "ABC 123"}),
    )
    .await;
    assert!(
        s == 409
            && v["detail"]
                .as_str()
                .unwrap()
                .starts_with("driver_without_card"),
        "{v}"
    );
    let (s, v) = step(
        &mut h,
        &id,
        json!({"action": "assign", "driver": drivers[0], "plate": "ABC 123"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["assignment"]["plate"], "ABC123");
    // The dispatcher's form shows what is assigned, so a stray Assign changes nothing; each
    // driver is offered with the card that makes them assignable.
    let page = app
        .login("haulier.dispatch")
        .await
        .get(&format!("/releases/{id}"))
        .await;
    assert!(
        page.body
            .contains(&format!("<option value=\"{}\" selected>", drivers[0])),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"ABC123\""), "{}", page.body);
    assert!(page.body.contains(" — NVK-1001</option>"), "{}", page.body);

    // The gate, before customs and the terminal said anything: refused, each reason named.
    let token = app.machine_token().await;
    let mut gate = app.client().with_bearer(&token);
    let decide = |credential: &'static str, plate: &'static str| json!({"gate": "NVK-IN1", "credential": credential, "plate": plate, "direction": "in", "container": CONTAINER});
    let r = gate
        .post_json("/api/v1/access/decisions", &decide("NVK-1001", "ABC123"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["outcome"], "deny", "{}", r.body);
    assert_eq!(
        codes(&r.json),
        ["not_discharged", "customs_unknown"],
        "{}",
        r.body
    );
    assert_eq!(r.json["pickup"]["release"], id.as_str());

    // Lights: only customs sets customs', only the terminal the terminal's.
    let (s, _) = step(&mut h, &id, json!({"action": "customs", "light": "green"})).await;
    assert_eq!(s, 409);
    let mut customs = app.login("targeting").await;
    assert_eq!(
        step(
            &mut customs,
            &id,
            json!({"action": "customs", "light": "green"})
        )
        .await
        .0,
        200
    );
    let mut term = app.login("terminal").await;
    assert_eq!(
        step(
            &mut term,
            &id,
            json!({"action": "terminal", "light": "discharged"})
        )
        .await
        .0,
        200
    );

    // A different driver of the same haulier, in the right truck: refused, and the alert.
    let r = gate
        .post_json("/api/v1/access/decisions", &decide("NVK-1002", "ABC123"))
        .await;
    assert_eq!(r.json["outcome"], "deny", "{}", r.body);
    assert_eq!(codes(&r.json), ["wrong_driver"], "{}", r.body);
    // Written to the alert outbox with the decision, raised from it right after the commit
    // (drained here too, so the test does not wait on the background drain).
    hamnvakt_server::alerts::drain(&app.state).await.unwrap();
    let raised = app.events("alert.raised").await;
    let alert: Value = raised
        .iter()
        .map(|e| serde_json::from_str::<Value>(&e.payload).unwrap())
        .find(|p| p["kind"] == "release.driver_mismatch")
        .expect("the detector raised the driver mismatch");
    assert_eq!(alert["evidence"]["container"], CONTAINER);
    assert_eq!(alert["evidence"]["presented_driver"], drivers[1].as_str());
    assert_eq!(alert["evidence"]["assigned_driver"], drivers[0].as_str());
    assert_eq!(alert["evidence"]["haulier"], app.haulier.to_string());
    assert_eq!(alert["owner_org"], terminal.to_string());
    // On the alert's page the haulier is named, not shown as its id.
    let alert_id = raised
        .iter()
        .find(|e| e.payload.contains("release.driver_mismatch"))
        .and_then(|e| e.subject.as_deref()?.strip_prefix("alert:"))
        .unwrap()
        .to_owned();
    let page = term.get(&format!("/alerts/{alert_id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Roslagens Åkeri"), "{}", page.body);
    // The evidence names the drivers and the haulier; the ids stay beside them, and the
    // evidence as recorded is kept as it was.
    assert!(
        page.body.contains("<dd>Assigned Driver</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<dd>Roslagens Åkeri</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("&quot;haulier&quot;: &quot;{}&quot;", app.haulier)),
        "{}",
        page.body
    );
    // And in the queue's Concerns column, with its role in the finding.
    let queue = term.get("/alerts").await;
    assert!(
        queue
            .body
            .contains("Roslagens Åkeri (åkeriet som innehar frisläppandet)"),
        "{}",
        queue.body
    );
    assert!(
        !page.body.contains(&format!("<code>{}</code>", app.haulier)),
        "{}",
        page.body
    );
    // The right driver in another truck.
    let r = gate
        .post_json("/api/v1/access/decisions", &decide("NVK-1001", "XYZ999"))
        .await;
    assert_eq!(codes(&r.json), ["wrong_truck"], "{}", r.body);

    // Customs' targeting selects the container for scanning: the right driver is referred
    // to the scanner lane.
    let r = customs
        .post_json(
            "/api/v1/consignments",
            &json!({
        "declaration_id": "NVK-REL-1", "date": "2026-11-17", "container": CONTAINER,
        "hs_code": "0803901000", "origin_country": "EC", "route_ports": ["ECGYE", "NLRTM", "SENYN"],
        "mass_kg": 20400.0, "value": 9800.0}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = customs
        .post_json(
            "/api/v1/targeting/profiles",
            &json!({"name": "Bananas via Guayaquil", "owner": "Tullverket",
        "conditions": [{"kind": "hs_prefix", "prefixes": ["0803"]}], "lane": "red", "weight": 0.9}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = customs
        .post_json(
            "/api/v1/targeting/selections",
            &json!({"date": "2026-11-17"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json[0]["lane"], "red", "{}", r.body);
    let r = gate
        .post_json("/api/v1/access/decisions", &decide("NVK-1001", "ABC-123"))
        .await;
    assert_eq!(r.json["outcome"], "refer", "{}", r.body);
    assert_eq!(r.json["pickup"]["lane"], "scanner", "{}", r.body);
    assert_eq!(codes(&r.json), ["scan_selected"], "{}", r.body);
    // The haulier sees the release and its lights, but never consignments or risk scores.
    // Customs' light is the one the gate applies: present for scanning, in the release, the
    // list and the console, though customs last set it green.
    let r = h.get(&format!("/api/v1/releases/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["customs"]["state"], "orange", "{}", r.body);
    assert_eq!(r.json["customs"]["scan"], true, "{}", r.body);
    let listed = h.get("/api/v1/releases").await;
    assert_eq!(listed.json[0]["customs"]["scan"], true, "{}", listed.body);
    // (Customs' officer reads the console in Swedish.)
    let page = customs.get(&format!("/releases/{id}")).await;
    assert!(page.body.contains("ska till röntgen"), "{}", page.body);
    assert!(
        r.json["timeline"].as_array().unwrap().len() >= 8,
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("NVK-REL-1") && !r.body.contains("risk"),
        "{}",
        r.body
    );
    assert_eq!(h.get("/api/v1/consignments").await.status, 403);
    assert_eq!(
        h.get("/api/v1/targeting/worklist?date=2026-11-17")
            .await
            .status,
        403
    );

    // Scanned: the outcome recorded, customs green; the pick-up is granted and collected.
    let r = customs
        .put_json(
            "/api/v1/consignments/NVK-REL-1/outcome",
            &json!({"result": "nothing_found"}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    let r = gate
        .post_json("/api/v1/access/decisions", &decide("NVK-1001", "ABC123"))
        .await;
    assert_eq!(r.json["outcome"], "grant", "{}", r.body);
    assert_eq!(r.json["pickup"]["verdict"], "grant", "{}", r.body);
    let r = h.get(&format!("/api/v1/releases/{id}")).await;
    assert_eq!(r.json["state"], "collected", "{}", r.body);
    assert_eq!(r.json["customs"]["state"], "green", "{}", r.body);
    let r = gate
        .post_json("/api/v1/access/decisions", &decide("NVK-1001", "ABC123"))
        .await;
    assert_eq!(r.json["outcome"], "deny");
    assert_eq!(codes(&r.json), ["already_collected"], "{}", r.body);

    // An unknown container: refused with the reason; a malformed one is a 422 naming it.
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "NVK-IN1", "credential": "NVK-1001",
        "plate": "ABC123", "direction": "in", "container": "MSKU4839210"}),
        )
        .await;
    assert_eq!(r.json["outcome"], "deny");
    assert!(
        codes(&r.json).contains(&"no_release".to_owned()),
        "{}",
        r.body
    );
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "NVK-IN1", "credential": "NVK-1001",
        "direction": "in", "container": "MSKU4839211"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("container")),
        "{}",
        r.body
    );

    // Need-to-know: another haulier sees nothing; the forwarder and the line see it; the
    // security centre sees all.
    for who in ["other", "other.operator"] {
        let mut o = app.login(who).await;
        assert_eq!(o.get("/api/v1/releases").await.json, json!([]), "{who}");
        assert_eq!(
            o.get(&format!("/api/v1/releases/{id}")).await.status,
            404,
            "{who}"
        );
        let page = o.get(&format!("/releases/{id}")).await;
        assert_eq!(page.status, 404, "{who}: {}", page.body);
        let list = o.get("/releases").await;
        assert!(!list.body.contains(&id), "{who} lists the release");
        // Nor through the container's or the release's entity page.
        for entity in [
            format!("/entities/container:{CONTAINER}"),
            format!("/entities/release:{id}"),
        ] {
            let page = o.get(&entity).await;
            assert!(
                page.status == 200
                    && !page.body.contains("NSF2611GYE01")
                    && !page.body.contains(&format!("href=\"/releases/{id}\"")),
                "{who} {entity}: {} {}",
                page.status,
                page.body
            );
        }
    }
    assert_eq!(
        f.get("/api/v1/releases")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The console's `/` (where signing in lands unless a page was asked for) is one's own
    // start page: a dispatcher's releases, the security centre's queue, a PFSO's access
    // control; never a page one's roles refuse.
    for (who, home) in [
        ("fwd", "/releases"),
        ("operator", "/alerts"),
        ("terminal", "/access"),
    ] {
        let r = app.login(who).await.get("/").await;
        assert_eq!(
            (
                r.status,
                r.headers.get("location").and_then(|v| v.to_str().ok())
            ),
            (303, Some(home)),
            "{who}"
        );
    }
    let r = app.client().get("/login").await;
    assert!(
        r.body.contains(r#"name="next" value="/""#),
        "the sign-in form goes to the start page: {}",
        r.body
    );
    let mut op = app.login("operator").await;
    assert_eq!(
        op.get("/api/v1/releases")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The container's entity page names the release by its bill of lading, with its state in
    // the page's words (Swedish, with no language asked), not its code.
    let page = op
        .get(&format!("/entities/container:{CONTAINER}"))
        .await
        .body;
    let line = page
        .split("data-relation=\"released_by\"")
        .nth(1)
        .and_then(|l| l.split("</li>").next())
        .unwrap_or_default();
    assert!(
        ["(aktiv)", "(hämtad)", "(återkallad av rederiet)"]
            .iter()
            .any(|w| line.contains(w)),
        "{page}"
    );

    // Every step is an audited event on the chain, and no PIN or secret is in any of them.
    let events = app.events("release").await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "release.issued",
        "release.offered",
        "release.accepted",
        "release.revoked",
        "release.assigned",
        "release.light",
        "release.collected",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(events
        .iter()
        .all(|e| !e.payload.contains("\"pin") && !e.payload.contains("secret")));
    app.assert_chain_intact().await;
}

mod flow {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::release_flow(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::release_flow(hamnvakt_testkit::Kind::Postgres).await
    }
}
