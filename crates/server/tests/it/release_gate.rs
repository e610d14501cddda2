//! The release at the gate and around it, through the real server: simultaneous pick-ups of
//! one container (at one instance, and at two instances on one PostgreSQL database) are
//! granted exactly once; a driver banned at one instance is refused at the other before the
//! release is claimed; a presentation names its visit and is refused when the visit is not
//! the driver's or not in force; lines send COREOR interchanges that issue and withdraw
//! releases, answered per order, with a problem naming the segment for bad input; a party
//! hears through the server-sent stream when a release reaches it, and only of releases that
//! reached it; the terminal and the security centre see the day's pick-ups and refusals.

use std::sync::Arc;

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_server::app::Instance;
use hamnvakt_server::web::change::Actor;
use hamnvakt_store::{OpenOptions, Store};
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{test_config, Client, TestApp, T0_MS};
use crate::release::{codes, create, norvik, Norvik};

const CONTAINER: &str = "CSQU3054383";

async fn step(c: &mut Client, id: &str, body: Value) {
    let r = c
        .post_json(&format!("/api/v1/releases/{id}/steps"), &body)
        .await;
    assert_eq!(r.status, 200, "{body}: {}", r.body);
}

/// The parties, the register and one release whose chain ends, accepted, at the haulier's
/// first driver in truck ABC123, with customs green and the container discharged.
struct Ready {
    release: String,
    drivers: Vec<String>,
    token: String,
    facility: String,
    yard: String,
}

async fn parties(app: &TestApp) -> (OrgId, OrgId, OrgId) {
    let mut made = Vec::new();
    for (name, kind) in [
        ("North Sea Feeder", OrgKind::ShippingLine),
        ("Norvik Freight Forwarding", OrgKind::Forwarder),
        ("Norvik Terminal", OrgKind::TerminalOperator),
    ] {
        made.push(app.org(name, kind).await);
    }
    app.user(made[0], "line", vec![Role::Dispatcher]).await;
    app.user(made[1], "fwd", vec![Role::Dispatcher]).await;
    app.user(made[2], "terminal", vec![Role::Pfso]).await;
    app.user(app.haulier, "haulier", vec![Role::Dispatcher])
        .await;
    (made[0], made[1], made[2])
}

async fn ready(app: &TestApp) -> Ready {
    let (_, forwarder, terminal) = parties(app).await;
    let mut pfso = app.login("pfso").await;
    let Norvik {
        facility,
        yard,
        drivers,
    } = norvik(app, &mut pfso, terminal).await;
    let mut l = app.login("line").await;
    let r = l
        .post_json(
            "/api/v1/releases",
            &json!({"container": CONTAINER, "bill_of_lading": "NSF2611GYE01",
            "release_to": forwarder, "facility": facility}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let mut f = app.login("fwd").await;
    step(&mut f, &id, json!({"action": "accept"})).await;
    step(
        &mut f,
        &id,
        json!({"action": "offer", "to": app.haulier, "role": "haulier"}),
    )
    .await;
    let mut h = app.login("haulier").await;
    step(&mut h, &id, json!({"action": "accept"})).await;
    step(
        &mut h,
        &id,
        json!({"action": "assign", "driver": drivers[0], "plate": "ABC 123"}),
    )
    .await;
    let mut customs = app.login("targeting").await;
    step(
        &mut customs,
        &id,
        json!({"action": "customs", "light": "green"}),
    )
    .await;
    let mut term = app.login("terminal").await;
    step(
        &mut term,
        &id,
        json!({"action": "terminal", "light": "discharged"}),
    )
    .await;
    Ready {
        release: id,
        drivers,
        token: app.machine_token().await,
        facility,
        yard,
    }
}

fn pickup(credential: &str, plate: &str) -> Value {
    json!({"gate": "NVK-IN1", "credential": credential, "plate": plate, "direction": "in",
           "container": CONTAINER})
}

/// Fires the same right pick-up at the gate from `n` clients at once, spread over `urls`,
/// and beside them `n` ordinary presentations of the other driver's card (no container), which
/// land in the same decision groups; returns every pick-up's answer, after checking that every
/// ordinary one was granted (a claim never touches the other decisions of its group).
async fn simultaneous(urls: &[String], token: &str, n: usize) -> Vec<Value> {
    let start = Arc::new(tokio::sync::Barrier::new(2 * n));
    let mut ordinary = Vec::new();
    for i in 0..n {
        let url = urls[(i + 1) % urls.len()].clone();
        let token = token.to_owned();
        let start = start.clone();
        ordinary.push(tokio::spawn(async move {
            let mut c = Client::new(&url).with_bearer(&token);
            start.wait().await;
            let r = c
                .post_json(
                    "/api/v1/access/decisions",
                    &json!({"gate": "NVK-IN1", "credential": "NVK-1002", "direction": "in"}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json
        }));
    }
    let mut tasks = Vec::new();
    for i in 0..n {
        let url = urls[i % urls.len()].clone();
        let token = token.to_owned();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(&url).with_bearer(&token);
            start.wait().await;
            let r = c
                .post_json("/api/v1/access/decisions", &pickup("NVK-1001", "ABC123"))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    for t in ordinary {
        let d = t.await.unwrap();
        assert_eq!(
            d["outcome"], "grant",
            "an ordinary decision beside the pick-ups: {d}"
        );
        assert!(d.get("pickup").is_none(), "{d}");
    }
    out
}

/// A step on the release applies to the very next pick-up: the other driver is refused, the
/// haulier assigns the other driver instead, and the other driver's next presentation is
/// granted at once (on SQLite the gate caches a container's facts, and the step's commit
/// retires them), while the first driver, no longer assigned, is refused.
async fn a_step_applies_to_the_next_pickup(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let r = ready(&app).await;
    let mut gate = Client::new(&app.url).with_bearer(&r.token);
    let d = gate
        .post_json("/api/v1/access/decisions", &pickup("NVK-1002", "ABC123"))
        .await;
    assert_eq!(d.json["outcome"], "deny", "{}", d.body);
    assert!(
        codes(&d.json).contains(&"wrong_driver".to_owned()),
        "{}",
        d.body
    );
    let mut h = app.login("haulier").await;
    step(&mut h, &r.release, json!({"action": "unassign"})).await;
    step(
        &mut h,
        &r.release,
        json!({"action": "assign", "driver": r.drivers[1], "plate": "ABC 123"}),
    )
    .await;
    let d = gate
        .post_json("/api/v1/access/decisions", &pickup("NVK-1002", "ABC123"))
        .await;
    assert_eq!(d.json["outcome"], "grant", "{}", d.body);
    assert_eq!(d.json["pickup"]["verdict"], "grant", "{}", d.body);
    let d = gate
        .post_json("/api/v1/access/decisions", &pickup("NVK-1001", "ABC123"))
        .await;
    assert_eq!(d.json["outcome"], "deny", "{}", d.body);
    // The grant's collection is in the chain just before its decision, in the same commit.
    let events = app.state.store.events_after(0, 10_000).await.unwrap();
    let at = events
        .iter()
        .position(|e| e.kind == "release.collected")
        .expect("the release was collected");
    assert_eq!(events[at + 1].kind, "access.decision");
    assert_eq!(
        events[at + 1].subject.as_deref(),
        Some(
            format!(
                "decision:{}",
                serde_json::from_str::<Value>(&events[at].payload).unwrap()["decision"]
                    .as_str()
                    .unwrap()
            )
            .as_str()
        )
    );
    app.assert_chain_intact().await;
}

mod a_step_applies {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::a_step_applies_to_the_next_pickup(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::a_step_applies_to_the_next_pickup(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// Exactly one grant among the answers, every other refused as already collected (or as
/// changed under it), the release collected once.
async fn granted_once(app: &TestApp, r: &Ready, answers: &[Value]) {
    let grants: Vec<&Value> = answers.iter().filter(|a| a["outcome"] == "grant").collect();
    assert_eq!(grants.len(), 1, "exactly one grant: {answers:#?}");
    for a in answers.iter().filter(|a| a["outcome"] != "grant") {
        assert_eq!(a["outcome"], "deny", "{a}");
        let c = codes(a);
        assert!(
            c == ["already_collected"] || c == ["release_changed"],
            "a refused twin says why: {a}"
        );
    }
    let collected: Vec<_> = app
        .events("release.collected")
        .await
        .into_iter()
        .filter(|e| e.subject.as_deref() == Some(&format!("release:{}", r.release)))
        .collect();
    assert_eq!(collected.len(), 1, "{collected:#?}");
    let payload: Value = serde_json::from_str(&collected[0].payload).unwrap();
    assert_eq!(
        payload["decision"], grants[0]["id"],
        "the claim names the grant"
    );
    let mut h = app.login("haulier").await;
    let v = h.get(&format!("/api/v1/releases/{}", r.release)).await;
    assert_eq!(v.json["state"], "collected", "{}", v.body);
    app.assert_chain_intact().await;
}

async fn one_instance(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let r = ready(&app).await;
    let answers = simultaneous(std::slice::from_ref(&app.url), &r.token, 8).await;
    granted_once(&app, &r, &answers).await;
}

mod simultaneous_pickups {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::one_instance(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::one_instance(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// Two servers on one PostgreSQL database, each deciding pick-ups of the same container at
/// once: still exactly one grant (the claim is a conditional write on the release's row).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_pickups_at_two_instances() {
    let a = TestApp::spawn(Kind::Postgres).await;
    let r = ready(&a).await;
    let b_url = second_instance(&a).await;
    let answers = simultaneous(&[a.url.clone(), b_url], &r.token, 8).await;
    granted_once(&a, &r, &answers).await;
}

/// A second server on `a`'s PostgreSQL database, started after `a` was filled; its URL.
async fn second_instance(a: &TestApp) -> String {
    let store = Store::open(&a._db.url, &OpenOptions::default())
        .await
        .unwrap();
    let b = Instance::new(store, test_config(&a._db), a.clock.clone());
    b.start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = hamnvakt_server::app::serve(b, listener, std::future::pending()).await;
    });
    b_url
}

/// A driver banned at one instance presents the pick-up at another, whose register is older:
/// refused, and the release is never claimed for it (the gate asks whether it would grant of
/// the register as stored, not as the instance last held it), so its history shows no
/// collection and no collection undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ban_at_one_instance_stops_a_pickup_at_another_before_the_claim() {
    let a = TestApp::spawn(Kind::Postgres).await;
    let r = ready(&a).await;
    let b_url = second_instance(&a).await;
    let mut pfso = a.login("pfso").await;
    create(
        &mut pfso,
        "bans",
        json!({"person": r.drivers[0], "reason": "stolen seal", "valid_from_ms": T0_MS - 60_000}),
    )
    .await;
    let mut gate = Client::new(&b_url).with_bearer(&r.token);
    let d = gate
        .post_json("/api/v1/access/decisions", &pickup("NVK-1001", "ABC123"))
        .await;
    assert_eq!(
        (d.status, d.json["outcome"].as_str()),
        (200, Some("deny")),
        "{}",
        d.body
    );
    for kind in ["release.collected", "release.collect_undone"] {
        let touched: Vec<_> = a
            .events(kind)
            .await
            .into_iter()
            .filter(|e| e.subject.as_deref() == Some(&format!("release:{}", r.release)))
            .collect();
        assert!(touched.is_empty(), "{kind}: {touched:#?}");
    }
    let mut h = a.login("haulier").await;
    let v = h.get(&format!("/api/v1/releases/{}", r.release)).await;
    assert_eq!(v.json["state"], "active", "{}", v.body);
}

/// A gate request names the driver's visit: unknown, someone else's or out of time, refused
/// with the reason; the driver's own, granted; not a UUID, a 422 naming the field.
async fn visit_flow(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let r = ready(&app).await;
    let mut pfso = app.login("pfso").await;
    let visit = |visitor: &str, from: i64, until: i64| {
        json!({"visitor": visitor, "host": r.drivers[1], "purpose": "container pick-up",
               "valid_from_ms": from, "valid_until_ms": until})
    };
    let mine = create(
        &mut pfso,
        "visits",
        visit(&r.drivers[0], T0_MS - 3_600_000, T0_MS + 3_600_000),
    )
    .await;
    let theirs = create(
        &mut pfso,
        "visits",
        visit(&r.drivers[1], T0_MS - 3_600_000, T0_MS + 3_600_000),
    )
    .await;
    let past = create(
        &mut pfso,
        "visits",
        visit(&r.drivers[0], T0_MS - 7_200_000, T0_MS - 3_600_000),
    )
    .await;
    let mut gate = app.client().with_bearer(&r.token);
    let with_visit = |v: &str| {
        let mut b = pickup("NVK-1001", "ABC123");
        b["visit"] = json!(v);
        b
    };
    let d = gate
        .post_json("/api/v1/access/decisions", &with_visit("not-a-uuid"))
        .await;
    assert_eq!(
        (d.status, d.json["errors"][0]["field"].as_str()),
        (422, Some("visit")),
        "{}",
        d.body
    );
    for (v, code) in [
        (theirs.as_str(), "visit_not_this_person"),
        (past.as_str(), "visit_not_in_force"),
        ("5b0e8f0a-3c1d-4c1e-9a55-1b2c3d4e5f60", "unknown_visit"),
    ] {
        let d = gate
            .post_json("/api/v1/access/decisions", &with_visit(v))
            .await;
        assert_eq!(d.json["outcome"], "deny", "{}", d.body);
        assert_eq!(codes(&d.json), [code], "{}", d.body);
    }
    // Refused presentations leave the release as it was.
    let mut h = app.login("haulier").await;
    let v = h.get(&format!("/api/v1/releases/{}", r.release)).await;
    assert_eq!(v.json["state"], "active", "{}", v.body);
    let d = gate
        .post_json("/api/v1/access/decisions", &with_visit(&mine))
        .await;
    assert_eq!(d.json["outcome"], "grant", "{}", d.body);
    let decisions = app.events("access.decision").await;
    let last: Value = serde_json::from_str(&decisions[0].payload).unwrap();
    assert_eq!(
        last["visit"],
        mine.as_str(),
        "the decision records the visit"
    );
}

mod visits {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::visit_flow(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::visit_flow(hamnvakt_testkit::Kind::Postgres).await
    }
}

fn interchange(function: &str, release_to: &str, containers: &[&str]) -> String {
    let eqd: String = containers
        .iter()
        .map(|c| format!("EQD+CN+{c}:6346:5+45R1:6346:5+3+5'"))
        .collect();
    let count = 7 + containers.len();
    format!(
        "UNA:+.? 'UNB+UNOC:3+NSFS:ZZZ+SESTO:ZZZ+261117:0900+4711'\
         UNH+1+COREOR:D:00B:UN:SMDG20'BGM+129+REL-2611-0042+{function}'RFF+BM:NSF2611GYE02'\
         DTM+36:20270130:102'NAD+CA+NSFS:160:ZZZ'NAD+FW+{release_to}:160:ZZZ'{eqd}UNT+{count}+1'UNZ+1+4711'"
    )
}

async fn send_edifact(c: &mut Client, body: &str) -> crate::helpers::Response {
    c.send(
        reqwest::Method::POST,
        "/api/v1/releases/coreor",
        Some(("application/edifact", body.as_bytes().to_vec())),
    )
    .await
}

/// A line sends COREOR: an original issues one release per container, answered per order;
/// sending it again is refused per order; a cancel withdraws; a replace re-issues; bad input
/// is a 422 naming the segment and byte; a forwarder may not send release orders.
async fn coreor_flow(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (_, forwarder, _) = parties(&app).await;
    let fw = forwarder.to_string();
    let mut l = app.login("line").await;
    let two = ["MSKU4839210", "CSQU3054383"];
    let r = send_edifact(&mut l, &interchange("9", &fw, &two)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let orders = r.json["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "{}", r.body);
    for (o, c) in orders.iter().zip(two) {
        assert_eq!(o["outcome"], "issued", "{o}");
        assert_eq!(o["container"], c);
        assert_eq!(o["bill_of_lading"], "NSF2611GYE02");
    }
    let id = orders[0]["release"].as_str().unwrap().to_owned();
    let mut f = app.login("fwd").await;
    let v = f.get(&format!("/api/v1/releases/{id}")).await;
    assert_eq!(v.status, 200, "the forwarder was offered it: {}", v.body);
    assert_eq!(v.json["offered_to"], fw);
    assert!(
        v.json["expires"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-30T23:59:59"),
        "{}",
        v.body
    );
    // Again: refused per order, as a conflict.
    let r = send_edifact(&mut l, &interchange("9", &fw, &two[..1])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["orders"][0]["outcome"], "refused", "{}", r.body);
    assert_eq!(r.json["orders"][0]["problem"]["status"], 409, "{}", r.body);
    // Cancel withdraws; replace issues it again.
    let r = send_edifact(&mut l, &interchange("1", &fw, &two[..1])).await;
    assert_eq!(r.json["orders"][0]["outcome"], "withdrawn", "{}", r.body);
    let v = f.get(&format!("/api/v1/releases/{id}")).await;
    assert_eq!(v.json["state"], "withdrawn", "{}", v.body);
    let r = send_edifact(&mut l, &interchange("5", &fw, &two[..1])).await;
    assert_eq!(r.json["orders"][0]["outcome"], "reissued", "{}", r.body);
    // A release-to party that is not an organisation id: refused, naming the segment.
    let r = send_edifact(&mut l, &interchange("9", "NORVIKFF", &["TGHU1234567"])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["orders"][0]["outcome"], "refused", "{}", r.body);
    assert_eq!(
        r.json["orders"][0]["problem"]["errors"][0]["field"], "NAD+FW",
        "{}",
        r.body
    );
    // A broken interchange: a problem document saying where and why; nothing applied.
    let broken = interchange("9", &fw, &["MSKU4839211"]);
    let r = send_edifact(&mut l, &broken).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let field = r.json["errors"][0]["field"].as_str().unwrap();
    assert!(
        field.starts_with("body (segment ") && field.contains(", byte "),
        "{}",
        r.body
    );
    assert!(
        r.json["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("MSKU4839211"),
        "{}",
        r.body
    );
    // Another content type is a 415; a forwarder may not send release orders.
    let r = l
        .send(
            reqwest::Method::POST,
            "/api/v1/releases/coreor",
            Some(("application/json", b"{}".to_vec())),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.body);
    let r = send_edifact(&mut f, &interchange("9", &fw, &two)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Every interchange is audited, the refused one too.
    assert_eq!(app.events("release.coreor_received").await.len(), 5);
    assert_eq!(app.events("release.coreor_refused").await.len(), 1);
}

mod coreor {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::coreor_flow(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::coreor_flow(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// Reads server-sent events until one holds `want`; everything read so far.
async fn read_until(live: &mut reqwest::Response, want: &str) -> String {
    let mut pushed = String::new();
    while !pushed.contains(want) {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), live.chunk())
            .await
            .unwrap_or_else(|_| panic!("the stream pushes {want}; it pushed {pushed}"))
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }
    pushed
}

async fn stream_of(url: &str, cookie: &str, last: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{url}/api/v1/releases/stream"))
        .header("cookie", cookie);
    if let Some(last) = last {
        req = req.header("last-event-id", last);
    }
    let live = req.send().await.unwrap();
    assert_eq!(live.status(), 200);
    live
}

/// The haulier's dispatcher listens: it hears when the forwarder offers it the release (and
/// nothing of a release that never reached it); a reconnect with `Last-Event-ID` resumes.
async fn stream_flow(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (_, forwarder, _) = parties(&app).await;
    let h = app.login("haulier").await;
    let cookie = h.cookie.clone().unwrap();
    let mut live = stream_of(&app.url, &cookie, None).await;
    let mut l = app.login("line").await;
    let issue = |container: &str| json!({"container": container, "bill_of_lading": "NSF2611GYE03", "release_to": forwarder});
    // One release that stays with the forwarder, one that reaches the haulier.
    let r = l.post_json("/api/v1/releases", &issue("MSKU4839210")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let kept = r.json["id"].as_str().unwrap().to_owned();
    let r = l.post_json("/api/v1/releases", &issue("CSQU3054383")).await;
    let passed = r.json["id"].as_str().unwrap().to_owned();
    let mut f = app.login("fwd").await;
    step(&mut f, &kept, json!({"action": "accept"})).await;
    step(&mut f, &passed, json!({"action": "accept"})).await;
    step(
        &mut f,
        &passed,
        json!({"action": "offer", "to": app.haulier, "role": "haulier"}),
    )
    .await;
    // (Steps taken before the release reached the haulier are told too when the stream reads
    // them after it did: they are the release's history, which the haulier may now read.)
    let pushed = read_until(&mut live, "\"reached_you\":true").await;
    assert!(pushed.contains("event: release"), "{pushed}");
    assert!(pushed.contains(&passed), "{pushed}");
    assert!(
        !pushed.contains(&kept),
        "a release that never reached it: {pushed}"
    );
    let seq = pushed
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|s| s.trim().to_owned())
        .unwrap();
    drop(live);
    // The haulier accepts while nobody listens; a reconnect from the last id hears it.
    let mut hc = app.login("haulier").await;
    step(&mut hc, &passed, json!({"action": "accept"})).await;
    let mut again = stream_of(&app.url, &cookie, Some(&seq)).await;
    let pushed = read_until(&mut again, "release.accepted").await;
    assert!(pushed.contains(&passed), "{pushed}");
    // Another haulier's dispatcher hears nothing of it (it would have by now).
    let other = app.org("Baltic Road Cargo", OrgKind::Haulier).await;
    app.user(other, "other", vec![Role::Dispatcher]).await;
    let o = app.login("other").await;
    let mut theirs = stream_of(&app.url, o.cookie.as_deref().unwrap(), Some("0")).await;
    // The stream from the start of the chain: the other haulier's only releases are none,
    // so what it reads is its keep-alive; a release it is offered shows it is listening.
    let r = l
        .post_json(
            "/api/v1/releases",
            &json!({"container": "TGHU1234567",
        "bill_of_lading": "NSF2611GYE04", "release_to": other}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mine = r.json["id"].as_str().unwrap().to_owned();
    let pushed = read_until(&mut theirs, &mine).await;
    assert!(
        !pushed.contains(&passed) && !pushed.contains(&kept),
        "only what reached the organisation: {pushed}"
    );
    let bad = reqwest::Client::new()
        .get(format!("{}/api/v1/releases/stream", app.url))
        .header("cookie", cookie.as_str())
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

mod stream {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::stream_flow(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::stream_flow(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// The terminal and the security centre see the day's pick-ups: a refusal with its reason,
/// a grant; the forwarder does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_days_pickups() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let r = ready(&app).await;
    let mut gate = app.client().with_bearer(&r.token);
    let d = gate
        .post_json("/api/v1/access/decisions", &pickup("NVK-1002", "ABC123"))
        .await;
    assert_eq!(codes(&d.json), ["wrong_driver"], "{}", d.body);
    let d = gate
        .post_json("/api/v1/access/decisions", &pickup("NVK-1001", "ABC123"))
        .await;
    assert_eq!(d.json["outcome"], "grant", "{}", d.body);
    for who in ["terminal", "operator"] {
        let mut c = app.login(who).await;
        let page = c.get("/releases/pickups").await;
        assert_eq!(page.status, 200, "{who}: {}", page.body);
        assert!(page.body.contains(CONTAINER), "{who}: {}", page.body);
        assert!(page.body.contains("wrong_driver"), "{who}: {}", page.body);
        assert!(page.body.contains("id=\"pickups\""), "{who}: {}", page.body);
        // One grant and one refusal (the console speaks the reader's language).
        assert!(
            page.body.contains("outcome-grant\">1 ") && page.body.contains("outcome-deny\">1 "),
            "{who}: {}",
            page.body
        );
        assert!(page.body.contains("Other Driver"), "{who}: {}", page.body);
    }
    let mut f = app.login("fwd").await;
    assert_eq!(f.get("/releases/pickups").await.status, 403);
    // The release's page shows its lights, coloured, in the reader's language.
    let mut term = app.login("terminal").await;
    let page = term.get(&format!("/releases/{}", r.release)).await;
    assert!(page.body.contains("class=\"light green\""), "{}", page.body);
}

/// The release moves between the gate's read of it and the decision (the line withdraws it
/// as the truck presents). On SQLite the pick-up is granted on arrival on the facts read, the
/// claim written over the version read fails at the commit, and the grant is taken back and
/// the pick-up decided again on the release as it stands; on PostgreSQL the committer reads
/// the release again before deciding. Either way: refused as withdrawn, the release not
/// collected, the driver not inside the yard, the decision recorded once, and the next
/// presentation decided as usual.
async fn a_release_moves_under_its_pickup(kind: Kind) {
    use hamnvakt_access::{Direction, Outcome};
    use hamnvakt_server::access::{DecisionInput, GateRef};
    let app = TestApp::spawn(kind).await;
    let r = ready(&app).await;
    let state = app.state.access_state();
    let read = hamnvakt_server::release::pickup_facts(&state, CONTAINER)
        .await
        .unwrap();
    assert!(read.release.is_some());
    let mut l = app.login("line").await;
    step(&mut l, &r.release, json!({"action": "withdraw"})).await;
    let before = app.events("access.decision").await.len();
    let input = DecisionInput {
        gate: GateRef::Code("NVK-IN1".into()),
        credential: Some("NVK-1001".into()),
        plate: Some("ABC123".into()),
        direction: Direction::In,
        at_ms: app.state.now_ms(),
        pickup: Some(read),
        visit: None,
        id: None,
    };
    let (id, d, _, facts) = state
        .access
        .decide_pickup(&state, Actor::system("test"), input)
        .await;
    assert_eq!(d.outcome, Outcome::Deny, "{d:?}");
    let codes: Vec<&str> = d.reasons.iter().map(|x| x.code.as_str()).collect();
    assert!(codes.contains(&"release_withdrawn"), "{codes:?}");
    assert!(
        facts.is_some_and(|f| !f.claimed),
        "decided on the release as it stands"
    );
    let taken_back = app.state.access.metrics.claims_taken_back.get();
    match kind {
        Kind::Sqlite => assert_eq!(taken_back, 1, "granted on arrival, then taken back"),
        Kind::Postgres => assert_eq!(taken_back, 0, "decided by the committer"),
    }
    assert!(
        app.events("release.collected").await.is_empty(),
        "a withdrawn release is not collected"
    );
    let decisions = app.events("access.decision").await;
    assert_eq!(decisions.len(), before + 1, "recorded once");
    let last: Value = serde_json::from_str(&decisions[decisions.len() - 1].payload).unwrap();
    assert_eq!(last["id"], json!(id));
    assert_eq!(last["decision"]["outcome"], "deny", "{last}");
    assert!(
        state
            .access
            .lock()
            .presence
            .inside(r.drivers[0].parse().unwrap())
            .is_none(),
        "the refused driver is not inside"
    );
    // The next presentations are decided as usual: the other driver's ordinary one is
    // granted, and the withdrawn release's pick-up refused again.
    let mut c = Client::new(&app.url).with_bearer(&r.token);
    let other = c
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "NVK-IN1", "credential": "NVK-1002", "direction": "in"}),
        )
        .await;
    assert_eq!(other.json["outcome"], "grant", "{}", other.body);
    let again = c
        .post_json("/api/v1/access/decisions", &pickup("NVK-1001", "ABC123"))
        .await;
    assert_eq!(again.json["outcome"], "deny", "{}", again.body);
    let mut h = app.login("haulier").await;
    let v = h.get(&format!("/api/v1/releases/{}", r.release)).await;
    assert_eq!(v.json["state"], "withdrawn", "{}", v.body);
    app.assert_chain_intact().await;
}

mod release_moves {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::a_release_moves_under_its_pickup(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::a_release_moves_under_its_pickup(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// The stack detector with the release chain, through the real server: the driver the
/// release names (a pick-up due at Norvik) goes through the reefer stack's door and raises
/// nothing; the other driver, let in by the same yard permit with nothing to collect, raises
/// `access.stack_outside_task` naming the person, the card, the zone and the gate, through the
/// alert outbox.
async fn at_the_stack_outside_a_task(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let r = ready(&app).await;
    let mut pfso = app.login("pfso").await;
    let stack = create(
        &mut pfso,
        "zones",
        json!({"facility_id": r.facility, "parent": r.yard, "code": "NVK-REEFER",
        "name": "Norvik reefer stack", "sensitivity": "sensitive", "two_person": false,
        "anti_passback": "off"}),
    )
    .await;
    create(
        &mut pfso,
        "gates",
        json!({"facility_id": r.facility, "code": "NVK-S1", "name": "Reefer stack door",
        "kind": "pedestrian", "outer_zone": r.yard, "inner_zone": stack, "closed_at_level2": false,
        "lat": 58.98, "lon": 17.91}),
    )
    .await;
    let mut gate = app.client().with_bearer(&r.token);
    for card in ["NVK-1001", "NVK-1002"] {
        let d = gate
            .post_json(
                "/api/v1/access/decisions",
                &json!({"gate": "NVK-S1", "credential": card, "direction": "in"}),
            )
            .await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.json["outcome"], "grant", "{card}: {}", d.body);
    }
    hamnvakt_server::alerts::drain(&app.state).await.unwrap();
    let mut term = app.login("terminal").await;
    let found = term
        .get("/api/v1/alerts?kind=access.stack_outside_task")
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let alerts = found.json["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{}", found.body);
    let subjects: Vec<(String, String)> = alerts[0]["subjects"]
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
    let want: Vec<(String, String)> = [
        ("person", r.drivers[1].as_str()),
        ("credential", "NVK-1002"),
        ("zone", "NVK-REEFER"),
        ("gate", "NVK-S1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(subjects, want, "{}", found.body);
}

mod stack {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::at_the_stack_outside_a_task(Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::at_the_stack_outside_a_task(Kind::Postgres).await
    }
}
