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
