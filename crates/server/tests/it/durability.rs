//! Durability: a burst of writes over HTTP, SIGKILL in the middle, restart; every write that
//! was acknowledged is there and the chain verifies — on SQLite and on PostgreSQL. And the
//! other side: one event changed behind Hamnvakt's back is found and named.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hamnvakt_testkit::{Kind, TestDb};
use serde_json::json;
use sqlx::Executor;

use crate::binary::{bootstrap, hamnvakt, stderr, stdout, write_config, Server, ADMIN_PASSWORD};
use crate::helpers::{alert_body, Client};

/// A machine token with the right to raise alerts, made through the API.
async fn machine_token(url: &str) -> String {
    let mut c = Client::new(url);
    let r = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    c.csrf = r.json["csrf_token"].as_str().map(str::to_owned);
    let org = c.get("/api/v1/me").await.json["user"]["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let u = c
        .post_json("/api/v1/users", &json!({"org_id": org, "username": "detector", "display_name": "Detector", "roles": ["machine_client"]}))
        .await;
    assert_eq!(u.status, 201, "{}", u.body);
    let t = c
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "burst", "roles": ["machine_client"], "user_id": u.json["id"]}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    t.json["secret"].as_str().unwrap().to_owned()
}

async fn kill_mid_burst_loses_nothing_acknowledged(kind: Kind) {
    let db = TestDb::new(kind).await;
    let config = write_config(&db);
    let cfg = config.to_str().unwrap().to_owned();
    bootstrap(&cfg);
    let server = Server::start(&config, &db.path("serve-1.log"));
    let token = machine_token(&server.url).await;

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..8 {
        let (url, token, acked) = (server.url.clone(), token.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let body = alert_body(&format!("burst {w}-{i}"), "TLP:AMBER", &[]);
                let mut req = reqwest::Client::new()
                    .post(format!("{url}/api/v1/alerts"))
                    .bearer_auth(&token)
                    .json(&body);
                req = req.timeout(Duration::from_secs(5));
                match req.send().await {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        if let Some(id) = v["id"].as_str() {
                            acked.lock().unwrap().push(id.to_owned());
                        }
                    }
                    // Once the server is gone, connections fail: stop.
                    _ => break,
                }
            }
        }));
    }
    // Let the burst run, then kill the server in the middle of it.
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if acked.lock().unwrap().len() >= 150 {
            break;
        }
    }
    server.kill();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 150);

    let server = Server::start(&config, &db.path("serve-2.log"));
    let mut c = Client::new(&server.url).with_bearer(&token);
    let total = c.get("/api/v1/alerts?limit=1").await.json["total"]
        .as_i64()
        .unwrap();
    assert!(
        total >= acked.len() as i64,
        "{total} stored < {} acknowledged",
        acked.len()
    );
    for id in &acked {
        let r = c.get(&format!("/api/v1/alerts/{id}")).await;
        assert_eq!(
            r.status, 200,
            "acknowledged alert {id} is missing after SIGKILL"
        );
    }
    server.stop();
    let o = hamnvakt(&["audit", "verify", "--config", &cfg], &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("audit chain intact"), "{}", stdout(&o));
    println!(
        "{kind:?}: {} writes acknowledged before SIGKILL, {total} stored after restart",
        acked.len()
    );
}

async fn a_modified_event_is_named(kind: Kind) {
    let db = TestDb::new(kind).await;
    let config = write_config(&db);
    let cfg = config.to_str().unwrap().to_owned();
    bootstrap(&cfg);
    let o = hamnvakt(&["audit", "verify", "--config", &cfg], &[]);
    assert!(o.status.success(), "{}", stdout(&o));

    // Someone with database access edits event 2 (the administrator's creation).
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let disable = match kind {
        Kind::Sqlite => "DROP TRIGGER events_append_only_update",
        Kind::Postgres => "ALTER TABLE events DISABLE TRIGGER USER",
    };
    pool.execute(disable).await.unwrap();
    let n = pool
        .execute("UPDATE events SET payload = REPLACE(payload, '\"administrator\"', '\"operator\"') WHERE seq = 2")
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1);
    pool.close().await;

    let o = hamnvakt(&["audit", "verify", "--config", &cfg], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("BROKEN at event 2"), "{}", stdout(&o));
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn kill_mid_burst_loses_nothing_acknowledged() {
        super::kill_mid_burst_loses_nothing_acknowledged(Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_modified_event_is_named() {
        super::a_modified_event_is_named(Kind::Sqlite).await
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn kill_mid_burst_loses_nothing_acknowledged() {
        super::kill_mid_burst_loses_nothing_acknowledged(Kind::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_modified_event_is_named() {
        super::a_modified_event_is_named(Kind::Postgres).await
    }
}
