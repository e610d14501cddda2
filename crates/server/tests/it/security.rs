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
