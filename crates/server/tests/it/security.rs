//! The holes an outside review found, each as the attack it was: open redirects, headers that
//! made the server answer 500, and the other points of the security issue. Each test fails on
//! the code before its fix.

use hamnvakt_testkit::Kind;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn return_paths_are_same_origin_paths_only() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut c = app.client();
    // Ours: followed.
    let r = c.get("/lang/en?back=%2Falerts%3Fstate%3Dactive").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.headers["location"], "/alerts?state=active");
    // Another origin in every spelling a browser accepts, and characters no Location header
    // can carry: refused with a 4xx, never followed, never a 500.
    for bad in [
        "%2F%2Fevil.example%2F",
        "%2F%5Cevil.example",
        "%2F%09%2Fevil.example%2F",
        "%2F%0A%2Fevil.example",
        "%2F%0D%0ASet-Cookie%3A%20x%3Dy",
        "https%3A%2F%2Fevil.example%2F",
        "%2Fal%C3%A5",
        "%00",
    ] {
        for path in [format!("/lang/sv?back={bad}"), format!("/login?next={bad}")] {
            let r = c.get(&path).await;
            assert!(
                (400..500).contains(&r.status),
                "{path}: {} {}",
                r.status,
                r.body
            );
            assert!(r.headers.get("location").is_none(), "{path} redirected");
        }
    }
}

/// Thirty wrong passwords for one account at the same moment: the limit is five, so five are
/// checked and the rest refused, on both backends.
async fn throttling_holds_under_concurrency(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let url = app.url.clone();
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = crate::helpers::Client::new(&url);
            c.post_json(
                "/api/v1/session",
                &json!({"username": "operator", "password": "guess guess"}),
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
    assert_eq!(app.events("auth.login_failed").await.len(), 5);
    // One event stands for the window's refusals; housekeeping records their count once the
    // window has passed.
    assert_eq!(app.events("auth.login_throttled").await.len(), 1);
    app.clock.advance_seconds(901);
    assert_eq!(
        hamnvakt_server::identity::close_throttle_windows(&app.state)
            .await
            .unwrap(),
        1
    );
    let window = app.events("auth.login_throttled_window").await;
    assert_eq!(window.len(), 1);
    let payload: serde_json::Value = serde_json::from_str(&window[0].payload).unwrap();
    assert_eq!(payload["attempts"], 25);
    assert_eq!(payload["key"], "account:operator");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_holds_under_concurrency_sqlite() {
    throttling_holds_under_concurrency(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_holds_under_concurrency_postgres() {
    throttling_holds_under_concurrency(Kind::Postgres).await;
}

/// A flood of throttled sign-ins with a huge request id and a huge username does not grow the
/// chain: the id is replaced, the username refused, repeats counted, not chained.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_callers_cannot_grow_the_chain() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let before = app.state.store.verify_chain().await.unwrap().head_seq;
    let http = reqwest::Client::new();
    let huge = "x".repeat(60_000);
    let mut statuses = Vec::new();
    for i in 0..100 {
        let username = if i % 2 == 0 {
            "operator".to_owned()
        } else {
            "y".repeat(10_000)
        };
        let r = http
            .post(format!("{}/api/v1/session", app.url))
            .header("x-request-id", &huge)
            .json(&json!({"username": username, "password": "guess guess"}))
            .send()
            .await
            .unwrap();
        // Our own id comes back, not the client's.
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(id.len() <= 64, "{id}");
        statuses.push(r.status().as_u16());
    }
    assert!(
        statuses.contains(&422),
        "long usernames are refused: {statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    let after = app.state.store.verify_chain().await.unwrap().head_seq;
    // Five failures and one throttling event (plus nothing for the refused usernames).
    assert!(
        after - before <= 6,
        "{} events for 100 requests",
        after - before
    );
    let events = app
        .state
        .store
        .list_events(Some("auth"), None, 500)
        .await
        .unwrap()
        .events;
    assert!(events
        .iter()
        .all(|e| e.request_id.as_deref().map_or(0, str::len) <= 64));
    // A well-formed id of the client's own is kept.
    let r = http
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "gate-7:2026-11-28.001")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "gate-7:2026-11-28.001");
}

/// An event appended behind the chain's back (a row past the head, by someone with file
/// access) used to let the server start and then answer 500 to every sign-in and deny every
/// gate. Now `serve` refuses to start and says where the chain breaks; `--read-only` serves
/// it for investigation and refuses writes. `/metrics` reports the stored head from the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_is_checked_at_start_up() {
    use crate::binary::{bootstrap, hamnvakt, stderr, write_config, Server, ADMIN_PASSWORD, BIN};
    use sqlx::Executor;
    use std::io::BufRead;

    let db = hamnvakt_testkit::TestDb::new(Kind::Sqlite).await;
    let config = write_config(&db);
    let cfg = config.to_str().unwrap().to_owned();
    bootstrap(&cfg);

    // The head survives a restart in /metrics.
    let server = Server::start(&config, &db.path("serve.log"));
    let metrics = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    server.stop();
    let store = hamnvakt_store::Store::open(&db.url, &hamnvakt_store::OpenOptions::default())
        .await
        .unwrap();
    let (seq, hash) = store.chain_head().await.unwrap();
    store.close().await;
    assert!(seq > 0);
    assert!(
        metrics.contains(&format!("hamnvakt_audit_chain_head_seq {seq}")),
        "{metrics}"
    );
    assert!(metrics.contains(&format!("hash=\"{hash}\"")), "{metrics}");

    // A forged append past the head.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    pool.execute(
        format!(
            "INSERT INTO events (seq, at_ms, kind, actor, org_id, subject, request_id, payload, prev_hash, hash) \
             VALUES ({}, 0, 'user.created', 'cli', NULL, NULL, NULL, '{{}}', '{hash}', '{hash}')",
            seq + 1
        )
        .as_str(),
    )
    .await
    .unwrap();
    pool.close().await;

    let o = hamnvakt(&["serve", "--config", &cfg], &[]);
    assert!(!o.status.success(), "serve started on a broken chain");
    let err = stderr(&o);
    assert!(
        err.contains(&format!("broken at event {}", seq + 1)) && err.contains("--read-only"),
        "{err}"
    );

    // Read-only: it serves reads, refuses writes.
    let mut child = std::process::Command::new(BIN)
        .args(["serve", "--read-only", "--config", &cfg])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(db.path("ro.log")).unwrap())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(l)) => {
                if let Some(u) = l.strip_prefix("Hamnvakt listening on ") {
                    break u.trim().to_owned();
                }
            }
            _ => panic!(
                "read-only serve exited: {}",
                std::fs::read_to_string(db.path("ro.log")).unwrap_or_default()
            ),
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let mut c = crate::helpers::Client::new(&url);
    assert_eq!(c.get("/healthz").await.status, 200);
    let r = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json["code"], "unavailable");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Creates a user through the API as `admin` and returns its id.
async fn create_user(
    admin: &mut crate::helpers::Client,
    org: hamnvakt_core::ids::OrgId,
    username: &str,
    roles: &[&str],
    password: bool,
) -> String {
    let mut body =
        json!({"org_id": org, "username": username, "display_name": username, "roles": roles});
    if password {
        body["password"] = json!(crate::helpers::PASSWORD);
    }
    let r = admin.post_json("/api/v1/users", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_never_mints_a_broader_one() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut admin = app.login("admin").await;
    create_user(
        &mut admin,
        app.port,
        "duty.officer",
        &["operator", "pfso"],
        true,
    )
    .await;
    let mut officer = app.login("duty.officer").await;
    let narrow = officer
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "feed", "roles": ["operator"]}),
        )
        .await;
    assert_eq!(narrow.status, 201, "{}", narrow.body);
    let mut with_token = app
        .client()
        .with_bearer(narrow.json["secret"].as_str().unwrap());
    // The owner holds pfso, the token in use does not: refused.
    let broader = with_token
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "more", "roles": ["pfso"]}),
        )
        .await;
    assert_eq!(
        (broader.status, broader.json["errors"][0]["field"].as_str()),
        (422, Some("roles")),
        "{}",
        broader.body
    );
    let same = with_token
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "same", "roles": ["operator"]}),
        )
        .await;
    assert_eq!(same.status, 201, "{}", same.body);
    assert!(app.events("token.created").await.len() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisations_administrator_manages_only_its_own() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut platform = app.login("admin").await;
    create_user(
        &mut platform,
        app.customs,
        "customs.admin",
        &["administrator"],
        true,
    )
    .await;
    let port_user = create_user(&mut platform, app.port, "port.clerk", &["operator"], true).await;
    let mut customs = app.login("customs.admin").await;

    // Its own organisation: yes.
    create_user(
        &mut customs,
        app.customs,
        "customs.clerk",
        &["analyst"],
        true,
    )
    .await;
    // Another organisation's accounts: no, in every way.
    let r = customs
        .post_json("/api/v1/users", &json!({"org_id": app.port, "username": "sneaky", "display_name": "S", "password": crate::helpers::PASSWORD, "roles": ["pfso"]}))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = customs
        .put_json(
            &format!("/api/v1/users/{port_user}/roles"),
            &json!({"roles": ["pfso"]}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = customs
        .post_json(&format!("/api/v1/users/{port_user}/disable"), &json!({}))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = customs
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "x", "roles": ["operator"], "user_id": port_user}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let users = customs.get("/api/v1/users").await;
    assert!(users
        .json
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["org_id"] == app.customs.to_string()));
    // Organisations and the platform role are the platform administrator's.
    let r = customs
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Fake AB", "kind": "haulier"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = customs
        .post_json("/api/v1/users", &json!({"org_id": app.customs, "username": "root", "display_name": "R", "password": crate::helpers::PASSWORD, "roles": ["administrator", "platform_administrator"]}))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // The platform administrator does all of it, audited as ever.
    let r = platform
        .put_json(
            &format!("/api/v1/users/{port_user}/roles"),
            &json!({"roles": ["analyst"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!app.events("user.roles_changed").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_accounts_have_narrow_roles_and_customs_data_is_customs_only() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut admin = app.login("admin").await;
    let gate = create_user(
        &mut admin,
        app.port,
        "gate.ctl",
        &["gate_controller"],
        false,
    )
    .await;
    let t = admin
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "gates", "roles": ["gate_controller"], "user_id": gate}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let mut g = app.client().with_bearer(t.json["secret"].as_str().unwrap());
    let consignment = json!({"declaration_id": "D-1", "container": "MSKU4839210", "hs_code": "080390", "origin_country": "EC"});
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/consignments".to_owned(),
            consignment.clone(),
        ),
        (
            "PUT",
            "/api/v1/consignments/D-1/outcome".to_owned(),
            json!({"result": "nothing_found"}),
        ),
        (
            "PUT",
            "/api/v1/vessels/265547250/flag".to_owned(),
            json!({"flag": "SE"}),
        ),
        (
            "POST",
            "/api/v1/alerts".to_owned(),
            crate::helpers::alert_body("x", "TLP:AMBER", &[]),
        ),
        ("GET", "/api/v1/access/people".to_owned(), json!(null)),
    ] {
        let r = match method {
            "POST" => g.post_json(&path, &body).await,
            "PUT" => g.put_json(&path, &body).await,
            _ => g.get(&path).await,
        };
        assert_eq!(r.status, 403, "{method} {path}: {}", r.body);
    }
    // What it is for: a decision (an unknown gate is a deny, but an answer).
    let d = g
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "NOPE", "credential": "X", "direction": "in"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.json["outcome"], "deny");
    // A customs role cannot be given to a haulier's account.
    let r = admin
        .post_json("/api/v1/users", &json!({"org_id": app.haulier, "username": "fake.customs", "display_name": "F", "roles": ["customs_system"]}))
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("roles")),
        "{}",
        r.body
    );
    // Customs' own system may bring consignments in.
    let cs = create_user(
        &mut admin,
        app.customs,
        "tulldata",
        &["customs_system"],
        false,
    )
    .await;
    let t = admin
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "decl", "roles": ["customs_system"], "user_id": cs}),
        )
        .await;
    let mut c = app.client().with_bearer(t.json["secret"].as_str().unwrap());
    let r = c.post_json("/api/v1/consignments", &consignment).await;
    assert_ne!(r.status, 403, "{}", r.body);
}
