//! The alert queue of a 24/7 centre (issue 18, points 5 and 7): a detector's repeats of one
//! finding fold into one alert with a count, audited; the queue sorts by severity then time;
//! an alert's time is its event's; the live stream pushes only what the reader may see; and a
//! finding committed with its gate decision survives a SIGKILL of `hamnvakt serve` before it
//! was raised — on SQLite and on PostgreSQL.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamnvakt_core::alert::{AlertDraft, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::Tlp;
use hamnvakt_server::web::change::Actor;
use hamnvakt_testkit::{Kind, TestDb};
use serde_json::{json, Value};

use crate::binary::{bootstrap, hamnvakt, stdout, write_config, Server, ADMIN_PASSWORD};
use crate::helpers::{Client, TestApp, PASSWORD, T0_MS};

fn subject(kind: SubjectKind, reference: &str) -> SubjectRef {
    SubjectRef {
        kind,
        reference: reference.into(),
        label: None,
    }
}

fn draft(owner: OrgId, kind: &str, severity: Severity, subjects: Vec<SubjectRef>) -> AlertDraft {
    AlertDraft {
        kind: kind.into(),
        severity,
        title: format!("{kind} finding"),
        message: None,
        subjects,
        evidence: json!({"n": 1}),
        owner_org: owner,
        tlp: Tlp::Amber,
        audience: None,
        shared_with: Vec::new(),
    }
}

fn detector(owner: OrgId) -> Actor {
    Actor {
        id: "detector:access".into(),
        org: Some(owner),
        request_id: None,
    }
}

async fn repeats_fold_into_one_alert_and_the_queue_sorts_by_severity(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let st = &app.state.state;
    let det = detector(app.port);
    let card = |gate: &str| {
        vec![
            subject(SubjectKind::Credential, "C-77"),
            subject(SubjectKind::Person, "7b0e3c1a-2d4f-4e6a-8b9c-0d1e2f3a4b5c"),
            subject(SubjectKind::Gate, gate),
        ]
    };
    let first = T0_MS - 3_600_000;
    let a = hamnvakt_server::alerts::raise(
        st,
        &det,
        &draft(
            app.port,
            "access.repeated_denials",
            Severity::Medium,
            card("G1"),
        ),
        Some(first),
    )
    .await
    .unwrap();
    // The same card refused again at another gate, later: the same finding.
    let again = hamnvakt_server::alerts::raise(
        st,
        &det,
        &draft(
            app.port,
            "access.repeated_denials",
            Severity::High,
            card("G5"),
        ),
        Some(first + 600_000),
    )
    .await
    .unwrap();
    assert_eq!(a, again, "a repeat of an open finding folds into its alert");
    // Another card is another finding; another detector's pattern too.
    let other_card = hamnvakt_server::alerts::raise(
        st,
        &det,
        &draft(
            app.port,
            "access.repeated_denials",
            Severity::Low,
            vec![subject(SubjectKind::Credential, "C-78")],
        ),
        Some(first + 60_000),
    )
    .await
    .unwrap();
    assert_ne!(a, other_card);
    let other_kind = hamnvakt_server::alerts::raise(
        st,
        &det,
        &draft(
            app.port,
            "access.impossible_travel",
            Severity::Medium,
            card("G1"),
        ),
        Some(first + 120_000),
    )
    .await
    .unwrap();
    assert_ne!(a, other_kind);

    let mut op = app.login("operator").await;
    let v = op.get(&format!("/api/v1/alerts/{a}")).await.json;
    assert_eq!(v["occurrences"], 2, "{v}");
    assert_eq!(
        v["created_at"],
        hamnvakt_server::web::time::rfc3339(first),
        "the alert's time is the first event's, not the ingestion's"
    );
    assert_eq!(
        v["last_seen_at"],
        hamnvakt_server::web::time::rfc3339(first + 600_000)
    );
    assert_eq!(v["severity"], "high", "a repeat may raise the severity");
    // The audit log records the repeat on the alert.
    let history = op.get(&format!("/api/v1/alerts/{a}/history")).await.json;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"alert.repeated"), "{history}");
    let repeated = app.events("alert.repeated").await;
    assert_eq!(repeated.len(), 1);
    assert!(repeated[0].payload.contains("\"occurrences\":2"));

    // People and partner systems raising twice mean two alerts.
    let mut m = app.client().with_bearer(&app.machine_token().await);
    let body = json!({"kind": "partner.report", "severity": "low", "title": "Report",
        "subjects": [{"kind": "vessel", "reference": "mmsi:265000001", "label": null}], "tlp": "TLP:AMBER"});
    let one = m.post_json("/api/v1/alerts", &body).await.json["id"].clone();
    let two = m.post_json("/api/v1/alerts", &body).await.json["id"].clone();
    assert_ne!(one, two);

    // Severity, then the latest seen first.
    let q = op.get("/api/v1/alerts?sort=severity&limit=500").await.json;
    let order: Vec<(i64, String)> = q["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let rank = ["info", "low", "medium", "high", "critical"]
                .iter()
                .position(|s| *s == x["severity"].as_str().unwrap())
                .unwrap() as i64;
            (rank, x["last_seen_at"].as_str().unwrap().to_owned())
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(order, sorted, "{q}");
    assert_eq!(q["alerts"][0]["id"], a.to_string());
    // Paged in that order, nothing lost or repeated.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/alerts?sort=severity&limit=2&cursor={c}"),
            None => "/api/v1/alerts?sort=severity&limit=2".into(),
        };
        let page = op.get(&url).await.json;
        for x in page["alerts"].as_array().unwrap() {
            seen.push(x["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let all: Vec<String> = q["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, all);

    // The console's queue shows the count, in the severity order by default.
    let page = op.get("/alerts").await.body;
    assert!(page.contains("data-occurrences=\"2\""), "{page}");
    assert!(page.contains("id=\"alert-queue-live\""));

    // Closed, the finding's next repeat is a new alert.
    let r = op
        .post_json(
            &format!("/api/v1/alerts/{a}/close"),
            &json!({"outcome": "confirmed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after_close = hamnvakt_server::alerts::raise(
        st,
        &det,
        &draft(
            app.port,
            "access.repeated_denials",
            Severity::High,
            card("G2"),
        ),
        Some(first + 900_000),
    )
    .await
    .unwrap();
    assert_ne!(a, after_close);
}

/// Reads server-sent events from `resp` until `until` says stop or `within` passes; returns
/// the `alert` events' data.
async fn read_alert_events(
    resp: &mut reqwest::Response,
    within: Duration,
    until: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + within;
    let mut text = String::new();
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return events;
        }
        match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return events,
        }
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: alert") {
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                events.push(serde_json::from_str(&data).unwrap());
            }
        }
        if until(&events) {
            return events;
        }
    }
}

async fn the_stream_pushes_what_the_reader_may_see_and_nothing_else(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let st = &app.state.state;
    let targeting = app.login("targeting").await;
    let mut customs = reqwest::Client::new()
        .get(format!("{}/api/v1/alerts/stream", app.url))
        .header("cookie", targeting.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(customs.status(), 200);
    let operator = app.login("operator").await;
    let mut port = reqwest::Client::new()
        .get(format!("{}/api/v1/alerts/stream", app.url))
        .header("cookie", operator.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    // Not for customs: the port's own TLP:AMBER finding.
    let hidden = hamnvakt_server::alerts::raise(
        st,
        &detector(app.port),
        &draft(
            app.port,
            "access.inactive_credential_used",
            Severity::High,
            vec![subject(SubjectKind::Credential, "C-1")],
        ),
        None,
    )
    .await
    .unwrap();
    // Shared with customs by name.
    let mut shared_draft = draft(
        app.port,
        "ais.gap",
        Severity::Medium,
        vec![subject(SubjectKind::Vessel, "mmsi:265000002")],
    );
    shared_draft.shared_with = vec![app.customs];
    let shared = hamnvakt_server::alerts::raise(st, &detector(app.port), &shared_draft, None)
        .await
        .unwrap();
    // Seen again: pushed as a change too.
    hamnvakt_server::alerts::raise(st, &detector(app.port), &shared_draft, None)
        .await
        .unwrap();

    let got = read_alert_events(&mut port, Duration::from_secs(10), |e| e.len() >= 3).await;
    let ids: Vec<&str> = got
        .iter()
        .map(|e| e["alert"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [hidden.to_string(), shared.to_string(), shared.to_string()]
    );
    assert_eq!(got[2]["change"], "alert.repeated");
    assert_eq!(got[2]["alert"]["occurrences"], 2);

    let got = read_alert_events(&mut customs, Duration::from_secs(3), |e| e.len() >= 3).await;
    let ids: BTreeSet<&str> = got
        .iter()
        .map(|e| e["alert"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([shared.to_string().as_str()]),
        "{got:?}"
    );
    assert!(
        !got.iter()
            .any(|e| e.to_string().contains(&hidden.to_string())),
        "customs is never told of the port's own alert"
    );

    // Resuming after a reconnect with Last-Event-ID misses nothing.
    let first_seq = got[0]["seq"].as_i64().unwrap();
    let mut resumed = reqwest::Client::new()
        .get(format!("{}/api/v1/alerts/stream", app.url))
        .header("cookie", targeting.cookie.clone().unwrap())
        .header("last-event-id", (first_seq - 1).to_string())
        .send()
        .await
        .unwrap();
    let again = read_alert_events(&mut resumed, Duration::from_secs(10), |e| e.len() >= 2).await;
    assert_eq!(again.len(), 2, "{again:?}");
    // So does a stream asked to start after the head a page was read at.
    let mut from_page = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/alerts/stream?after={}",
            app.url,
            first_seq - 1
        ))
        .header("cookie", targeting.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    let again = read_alert_events(&mut from_page, Duration::from_secs(10), |e| e.len() >= 2).await;
    assert_eq!(again.len(), 2, "{again:?}");
    let bad = reqwest::Client::new()
        .get(format!("{}/api/v1/alerts/stream?after=-1", app.url))
        .header("cookie", targeting.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

/// A gate's alert is at the time of the presentation, not of the commit.
async fn a_gate_finding_is_at_the_time_of_the_presentation(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut pfso = app.login("pfso").await;
    build_gate(
        &mut pfso,
        &app.site.to_string(),
        &app.port.to_string(),
        &app.haulier.to_string(),
        1,
    )
    .await;
    let mut gate = app.client().with_bearer(&app.machine_token().await);
    let at = "2026-11-17T03:12:00Z";
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-MAIN", "credential": "S-0", "direction": "in", "at": at}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let alert = wait_for_alert(&mut pfso, "S-0", Duration::from_secs(10)).await;
    assert_eq!(alert["kind"], "access.inactive_credential_used");
    assert_eq!(alert["created_at"], at, "{alert}");
}

/// A detector's alert is stored with its message code and parameters: the API keeps the
/// English title (and gives the message), the console writes it in the reader's language —
/// the alert page, the queue and the API's `display_title` in Swedish and in English.
async fn a_detectors_alert_reads_in_the_readers_language(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut pfso = app.login("pfso").await;
    build_gate(
        &mut pfso,
        &app.site.to_string(),
        &app.port.to_string(),
        &app.haulier.to_string(),
        1,
    )
    .await;
    let mut gate = app.client().with_bearer(&app.machine_token().await);
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-MAIN", "credential": "S-0", "direction": "in", "at": "2026-11-17T03:12:00Z"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let alert = wait_for_alert(&mut pfso, "S-0", Duration::from_secs(10)).await;
    let english = "Suspended credential S-0 presented at Main gate";
    let swedish = "Spärrat passerkort S-0 uppvisat vid Main gate";
    assert_eq!(alert["title"], english, "{alert}");
    assert_eq!(
        alert["message"],
        json!({"code": "alert.access.inactive_credential_used",
               "params": {"credential": "S-0", "state": "suspended", "gate": "Main gate"}})
    );
    let raised = app.events("alert.raised").await;
    let payload: Value = serde_json::from_str(&raised.last().unwrap().payload).unwrap();
    assert_eq!(
        payload["message"], alert["message"],
        "the chain keeps the message"
    );
    let id = alert["id"].as_str().unwrap();
    let session = pfso.cookie.clone().unwrap();
    for (lang, title, other) in [("sv", swedish, english), ("en", english, swedish)] {
        pfso.cookie = Some(format!("{session}; hv_lang={lang}"));
        let page = pfso.get(&format!("/alerts/{id}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let h1 = page
            .body
            .split("id=\"alert-title\"")
            .nth(1)
            .unwrap_or_default();
        let h1 = h1.split("</h1>").next().unwrap_or_default();
        assert!(h1.contains(title), "{lang}: {h1}");
        assert!(!page.body.contains(other), "{lang} page shows {other}");
        let queue = pfso.get("/alerts").await;
        assert!(queue.body.contains(title), "{lang} queue: {}", queue.body);
        let api = pfso.get(&format!("/api/v1/alerts/{id}")).await;
        assert_eq!(api.json["display_title"], title);
        assert_eq!(api.json["title"], english);
    }
}

async fn create(c: &mut Client, kind: &str, body: Value) -> String {
    let r = c.post_json(&format!("/api/v1/access/{kind}"), &body).await;
    assert_eq!(r.status, 201, "creating {kind}: {}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

/// A facility with one gate, `VHA-MAIN`, and `cards` suspended cards `S-0` … of one driver:
/// each presented once is one finding of the inactive-credential detector.
async fn build_gate(pfso: &mut Client, site: &str, port: &str, haulier: &str, cards: usize) {
    let facility = create(
        pfso,
        "facilities",
        json!({"site_id": site, "name": "Värtahamnen", "isps_number": "SESTO-0010",
        "security_level": 1, "org_id": port}),
    )
    .await;
    let area = create(
        pfso,
        "zones",
        json!({"facility_id": facility, "code": "VHA-OUT", "name": "Terminal area",
        "sensitivity": "normal", "two_person": false, "anti_passback": "off"}),
    )
    .await;
    create(
        pfso,
        "gates",
        json!({"facility_id": facility, "code": "VHA-MAIN", "name": "Main gate", "kind": "vehicle",
        "inner_zone": area, "closed_at_level2": false, "lat": 59.3515, "lon": 18.1127}),
    )
    .await;
    let person = create(
        pfso,
        "people",
        json!({"org_id": haulier, "name": "Driver", "kind": "driver", "responder": false}),
    )
    .await;
    for i in 0..cards {
        create(
            pfso,
            "credentials",
            json!({"number": format!("S-{i}"), "holder": person, "generic": false,
            "state": "suspended", "valid_from_ms": 1_767_225_600_000_i64, "valid_until_ms": 4_102_444_800_000_i64}),
        )
        .await;
    }
}

/// The container of [`release_to_driver`]'s release.
const CONTAINER: &str = "CSQU3054383";

/// A release of [`CONTAINER`], issued by a line to a forwarder, passed to the haulier, and
/// assigned to the haulier's driver holding card `M-1` in truck ABC123; card `M-2` is another
/// of the haulier's drivers.
async fn release_to_driver(url: &str, admin: &mut Client, pfso: &mut Client, haulier: &str) {
    let mut orgs = Vec::new();
    for (name, kind) in [
        ("North Sea Feeder", "shipping_line"),
        ("Norvik Freight Forwarding", "forwarder"),
    ] {
        let r = admin
            .post_json(
                "/api/v1/organisations",
                &json!({"name": name, "kind": kind}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        orgs.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let (line, forwarder) = (orgs[0].clone(), orgs[1].clone());
    for (o, name) in [
        (&line, "line"),
        (&forwarder, "fwd"),
        (&haulier.to_owned(), "haul"),
    ] {
        let r = admin
            .post_json("/api/v1/users", &json!({"org_id": o, "username": name, "display_name": name, "password": PASSWORD, "roles": ["dispatcher"]}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let mut drivers = Vec::new();
    for (name, card) in [("Assigned Driver", "M-1"), ("Other Driver", "M-2")] {
        let person = create(
            pfso,
            "people",
            json!({"org_id": haulier, "name": name, "kind": "driver", "responder": false}),
        )
        .await;
        create(
            pfso,
            "credentials",
            json!({"number": card, "holder": person, "generic": false, "state": "active",
            "valid_from_ms": 1_767_225_600_000_i64, "valid_until_ms": 4_102_444_800_000_i64}),
        )
        .await;
        drivers.push(person);
    }
    let mut l = login(url, "line", PASSWORD).await;
    let r = l
        .post_json(
            "/api/v1/releases",
            &json!({"container": CONTAINER, "bill_of_lading": "NSF2611GYE01", "release_to": forwarder}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let mut f = login(url, "fwd", PASSWORD).await;
    let mut h = login(url, "haul", PASSWORD).await;
    for (by_haulier, body) in [
        (false, json!({"action": "accept"})),
        (
            false,
            json!({"action": "offer", "to": haulier, "role": "haulier"}),
        ),
        (true, json!({"action": "accept"})),
        (
            true,
            json!({"action": "assign", "driver": drivers[0], "plate": "ABC 123"}),
        ),
    ] {
        let c = if by_haulier { &mut h } else { &mut f };
        let r = c
            .post_json(&format!("/api/v1/releases/{id}/steps"), &body)
            .await;
        assert_eq!(r.status, 200, "{body}: {}", r.body);
    }
}

async fn wait_for_alert(c: &mut Client, card: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let r = c
            .get(&format!(
                "/api/v1/alerts?subject_kind=credential&subject_ref={card}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        if let Some(a) = r.json["alerts"].as_array().and_then(|a| a.first()) {
            return a.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no alert for {card} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn login(url: &str, username: &str, password: &str) -> Client {
    let mut c = Client::new(url);
    let r = c
        .post_json(
            "/api/v1/session",
            &json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(r.status, 200, "login {username}: {}", r.body);
    c.csrf = r.json["csrf_token"].as_str().map(str::to_owned);
    c
}

/// Point 7: gate decisions whose detectors fire, as fast as eight controllers can ask, and a
/// SIGKILL of the server in the middle; after the restart every acknowledged decision's
/// finding is an alert (each card's presentation is one finding, and the alert names the
/// card), and the chain verifies.
async fn no_finding_of_an_acknowledged_decision_is_lost(kind: Kind) {
    const CARDS: usize = 600;
    let db = TestDb::new(kind).await;
    let config = write_config(&db);
    let cfg = config.to_str().unwrap().to_owned();
    bootstrap(&cfg);
    let site = crate::binary::SITE;
    crate::binary::seed_site(&db).await;
    let server = Server::start(&config, &db.path("serve-1.log"));
    let mut admin = login(&server.url, "admin", ADMIN_PASSWORD).await;
    let port = admin.get("/api/v1/me").await.json["user"]["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let haulier = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Roslagens Åkeri", "kind": "haulier"}),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = admin
        .post_json("/api/v1/users", &json!({"org_id": port, "username": "pfso", "display_name": "PFSO", "password": PASSWORD, "roles": ["pfso"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin
        .post_json("/api/v1/users", &json!({"org_id": port, "username": "gates", "display_name": "Gates", "roles": ["machine_client", "gate_controller"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let t = admin
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "gates", "roles": ["gate_controller"], "user_id": r.json["id"]}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let token = t.json["secret"].as_str().unwrap().to_owned();
    let mut pfso = login(&server.url, "pfso", PASSWORD).await;
    build_gate(&mut pfso, site, &port, &haulier, CARDS).await;
    release_to_driver(&server.url, &mut admin, &mut pfso, &haulier).await;

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut controllers = Vec::new();
    for w in 0..8 {
        let (url, token, acked) = (server.url.clone(), token.clone(), acked.clone());
        controllers.push(tokio::spawn(async move {
            for i in (w..CARDS).step_by(8) {
                let card = format!("S-{i}");
                let r = reqwest::Client::new()
                    .post(format!("{url}/api/v1/access/decisions"))
                    .bearer_auth(&token)
                    .json(&json!({"gate": "VHA-MAIN", "credential": card, "direction": "in"}))
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 200 => acked.lock().unwrap().push(card),
                    _ => break,
                }
            }
        }));
    }
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if acked.lock().unwrap().len() >= 120 {
            break;
        }
    }
    // In the middle of the burst, a driver other than the assigned one tries to collect the
    // container: the server is killed the moment the refusal is acknowledged.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/access/decisions", server.url))
        .bearer_auth(&token)
        .json(
            &json!({"gate": "VHA-MAIN", "credential": "M-2", "plate": "ABC123",
            "direction": "in", "container": CONTAINER}),
        )
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    server.kill();
    let refusal: Value = r.json().await.unwrap();
    assert_eq!(refusal["outcome"], "deny", "{refusal}");
    assert!(
        refusal["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "wrong_driver"),
        "{refusal}"
    );
    for c in controllers {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 120 && acked.len() < CARDS, "{}", acked.len());

    let server = Server::start(&config, &db.path("serve-2.log"));
    let mut pfso = login(&server.url, "pfso", PASSWORD).await;
    // Raised at start-up, before the server listens: no waiting.
    let mut missing = Vec::new();
    for card in &acked {
        let r = pfso
            .get(&format!(
                "/api/v1/alerts?subject_kind=credential&subject_ref={card}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        if r.json["total"].as_i64() != Some(1) {
            missing.push(card.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged decisions' findings are missing after SIGKILL: {missing:?}",
        missing.len(),
        acked.len()
    );
    // The wrong driver's finding was written with the refusal: raised, once.
    let r = pfso
        .get(&format!(
            "/api/v1/alerts?subject_kind=container&subject_ref={CONTAINER}"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mismatches: Vec<&Value> = r.json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "release.driver_mismatch")
        .collect();
    assert_eq!(
        mismatches.len(),
        1,
        "the driver mismatch acknowledged before SIGKILL is lost: {}",
        r.body
    );
    server.stop();
    let o = hamnvakt(&["audit", "verify", "--config", &cfg], &[]);
    assert!(o.status.success(), "{}", stdout(&o));
    println!(
        "{kind:?}: {} decisions acknowledged before SIGKILL, every finding raised after restart",
        acked.len()
    );
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn repeats_fold_into_one_alert_and_the_queue_sorts_by_severity() {
        super::repeats_fold_into_one_alert_and_the_queue_sorts_by_severity(Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_stream_pushes_what_the_reader_may_see_and_nothing_else() {
        super::the_stream_pushes_what_the_reader_may_see_and_nothing_else(Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_gate_finding_is_at_the_time_of_the_presentation() {
        super::a_gate_finding_is_at_the_time_of_the_presentation(Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_detectors_alert_reads_in_the_readers_language() {
        super::a_detectors_alert_reads_in_the_readers_language(Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_finding_of_an_acknowledged_decision_is_lost() {
        super::no_finding_of_an_acknowledged_decision_is_lost(Kind::Sqlite).await
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn repeats_fold_into_one_alert_and_the_queue_sorts_by_severity() {
        super::repeats_fold_into_one_alert_and_the_queue_sorts_by_severity(Kind::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_stream_pushes_what_the_reader_may_see_and_nothing_else() {
        super::the_stream_pushes_what_the_reader_may_see_and_nothing_else(Kind::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_gate_finding_is_at_the_time_of_the_presentation() {
        super::a_gate_finding_is_at_the_time_of_the_presentation(Kind::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_detectors_alert_reads_in_the_readers_language() {
        super::a_detectors_alert_reads_in_the_readers_language(Kind::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_finding_of_an_acknowledged_decision_is_lost() {
        super::no_finding_of_an_acknowledged_decision_is_lost(Kind::Postgres).await
    }
}
