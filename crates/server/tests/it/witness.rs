//! Partners witness each other's audit chain: two real instances on port 0, one (Stockholm,
//! SESTO) publishing its signed chain head to the other (Gothenburg, SEGOT); then Stockholm's
//! SQLite file is rewritten as someone with file access would — an event changed and every
//! later hash recomputed, so that `audit verify` still passes — and `audit verify --witness`
//! catches it from what Gothenburg holds. Also: what the receiving side refuses, audits and
//! keeps, on both backends.

use std::path::Path;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use hamnvakt_core::chain::{event_hash, EventFields, GENESIS_HASH};
use hamnvakt_core::witness::{public_key_hex, Checkpoint};
use hamnvakt_server::web::config::Partner;
use hamnvakt_server::witness;
use hamnvakt_testkit::{Kind, TestDb};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, Row};

use crate::binary::{hamnvakt, stdout};
use crate::helpers::TestApp;

/// Gothenburg, witnessing Stockholm (whose key is `sesto`), on `kind`.
async fn gothenburg(kind: Kind, sesto: &SigningKey) -> TestApp {
    let key = sesto.verifying_key();
    TestApp::spawn_on(TestDb::new(kind).await, move |c| {
        c.witness.installation = "SEGOT".into();
        c.witness.interval_seconds = 1;
        c.witness.partners = vec![Partner {
            installation: "SESTO".into(),
            public_key: key,
            publish: None,
        }];
    })
    .await
}

/// Stockholm's configuration file for the command line: its database, and Gothenburg as the
/// partner it publishes to (or none).
fn sesto_config(db: &TestDb, segot: Option<(&str, &str, &str)>) -> String {
    let mut text = format!(
        "data_dir = {:?}\ndatabase_url = {:?}\n[witness]\ninstallation = \"SESTO\"\n",
        db.dir.path().display().to_string(),
        db.url
    );
    if let Some((url, token, key)) = segot {
        text += &format!(
            "[[witness.partners]]\ninstallation = \"SEGOT\"\nurl = {url:?}\ntoken = {token:?}\npublic_key = {key:?}\n"
        );
    }
    let path = db.dir.path().join(format!("cli-{}.toml", segot.is_some()));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn cli(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        hamnvakt(&args, &[])
    })
    .await
    .unwrap()
}

/// Changes event `target`'s payload in the SQLite file and recomputes the hash of it and of
/// every later event and the head, as an intruder with the file would.
async fn rewrite_history(db_file: &Path, target: i64) {
    let url = format!("sqlite://{}", db_file.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    conn.execute("DROP TRIGGER events_append_only_update")
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT seq, at_ms, kind, actor, org_id, subject, request_id, payload FROM events ORDER BY seq",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut prev = GENESIS_HASH.to_owned();
    for r in &rows {
        let seq: i64 = r.get(0);
        let mut payload: String = r.get(7);
        if seq == target {
            let mut v: Value = serde_json::from_str(&payload).unwrap();
            v["rewritten"] = json!(true);
            payload = hamnvakt_core::chain::canonical_json(&v);
        }
        let (kind, actor): (String, String) = (r.get(2), r.get(3));
        let (org, subject, request_id): (Option<String>, Option<String>, Option<String>) =
            (r.get(4), r.get(5), r.get(6));
        let hash = event_hash(
            &prev,
            &EventFields {
                seq,
                at_ms: r.get(1),
                kind: &kind,
                actor: &actor,
                org: org.as_deref(),
                subject: subject.as_deref(),
                request_id: request_id.as_deref(),
                payload: &payload,
            },
        );
        sqlx::query("UPDATE events SET payload = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4")
            .bind(payload.clone())
            .bind(prev.clone())
            .bind(hash.clone())
            .bind(seq)
            .execute(&mut conn)
            .await
            .unwrap();
        prev = hash;
    }
    let last: i64 = rows.last().unwrap().get(0);
    sqlx::query("UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1")
        .bind(last)
        .bind(prev.clone())
        .execute(&mut conn)
        .await
        .unwrap();
    conn.execute(
        "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events \
         BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
}

async fn rewritten_history_is_caught(segot_kind: Kind) {
    let sesto_db = TestDb::new(Kind::Sqlite).await;
    let sesto_key = witness::load_or_create_key(sesto_db.dir.path()).unwrap();
    let segot = gothenburg(segot_kind, &sesto_key).await;
    let segot_key = witness::load_key(segot._db.dir.path()).unwrap();
    let token = segot.machine_token().await;
    let (segot_url, segot_token) = (segot.url.clone(), token.clone());
    let segot_pub = segot_key.verifying_key();
    let sesto = TestApp::spawn_on(sesto_db, move |c| {
        c.witness.installation = "SESTO".into();
        c.witness.interval_seconds = 1;
        c.witness.partners = vec![Partner {
            installation: "SEGOT".into(),
            public_key: segot_pub,
            publish: Some((segot_url, segot_token)),
        }];
    })
    .await;
    let (head, _) = sesto.state.store.chain_head().await.unwrap();
    assert!(head > 5, "the set-up wrote events");

    // Gothenburg comes to hold a checkpoint of Stockholm's chain up to its set-up.
    let mut reader = segot.client().with_bearer(&token);
    let mut held = Value::Null;
    for _ in 0..100 {
        let r = reader
            .get("/api/v1/witness/checkpoints?installation=SESTO")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        if r.json["checkpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["seq"].as_i64().unwrap() >= head)
        {
            held = r.json;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let checkpoints = held["checkpoints"]
        .as_array()
        .expect("a checkpoint arrived");
    assert_eq!(checkpoints[0]["installation"], "SESTO");
    assert_eq!(
        checkpoints[0]["public_key"],
        public_key_hex(&sesto_key.verifying_key())
    );
    assert!(!sesto.events("witness.checkpoint_signed").await.is_empty());
    assert!(!segot.events("witness.checkpoint_received").await.is_empty());
    let file = sesto._db.dir.path().join("segot-holds.json");
    std::fs::write(&file, held.to_string()).unwrap();

    let key_text = public_key_hex(&segot_key.verifying_key());
    let with_partner = sesto_config(&sesto._db, Some((&segot.url, &token, &key_text)));
    let alone = sesto_config(&sesto._db, None);
    let verify = |cfg: &str, extra: &[&str]| {
        let mut args: Vec<String> = ["audit", "verify", "--config", cfg]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        cli(args)
    };

    // Before the rewrite: the partner's checkpoints match.
    let o = verify(&with_partner, &["--witness"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("the local history is the one every partner witnessed"),
        "{}",
        stdout(&o)
    );

    // Stockholm stops; someone with the file rewrites event 3 and every hash after it.
    sesto.state.store.close().await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    rewrite_history(&sesto._db.dir.path().join("hamnvakt.db"), 3).await;

    let o = verify(&alone, &[]).await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "plain verification cannot see a recomputed chain: {}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("audit chain intact"), "{}", stdout(&o));

    let o = verify(&with_partner, &["--witness"]).await;
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("partner SEGOT: MISMATCH"), "{out}");
    assert!(out.contains("the history was rewritten"), "{out}");
    assert!(out.contains("NOT the one the partners witnessed"), "{out}");

    // The same from a file of what the partner holds, for a partner out of reach.
    let file_arg = file.display().to_string();
    let o = verify(&alone, &["--witness-file", &file_arg]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("MISMATCH"), "{}", stdout(&o));

    // No partner and no file: nothing proves anything, and the command says so.
    let o = verify(&alone, &["--witness"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_history_is_caught_by_a_partner_on_sqlite() {
    rewritten_history_is_caught(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_history_is_caught_by_a_partner_on_postgres() {
    rewritten_history_is_caught(Kind::Postgres).await;
}

fn offered(key: &SigningKey, installation: &str, seq: i64, hash: &str) -> Value {
    let cp = Checkpoint {
        installation: installation.into(),
        seq,
        head_hash: hash.into(),
        at_ms: 1_795_000_000_000,
    };
    json!({"installation": installation, "seq": seq, "head_hash": hash,
           "at_ms": cp.at_ms, "signature": cp.sign(key)})
}

async fn the_witness_refuses_audits_and_keeps(kind: Kind) {
    let sesto = SigningKey::from_bytes(&[7; 32]);
    let segot = gothenburg(kind, &sesto).await;
    let token = segot.machine_token().await;
    let mut c = segot.client().with_bearer(&token);
    let path = "/api/v1/witness/checkpoints";
    let h1 = "1a".repeat(32);

    let r = c.post_json(path, &offered(&sesto, "SESTO", 10, &h1)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json["seq"], 10);
    let r = c.post_json(path, &offered(&sesto, "SESTO", 10, &h1)).await;
    assert_eq!(
        r.status, 200,
        "the same checkpoint again is already held: {}",
        r.body
    );
    assert_eq!(segot.events("witness.checkpoint_received").await.len(), 1);

    // A different head for the same event, validly signed: the partner rewrote its history.
    let r = c
        .post_json(path, &offered(&sesto, "SESTO", 10, &"2b".repeat(32)))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let conflict = segot.events("witness.checkpoint_conflict").await;
    assert_eq!(conflict.len(), 1);
    assert!(conflict[0].payload.contains(&h1));

    // Not a partner; not its key; not a checkpoint.
    let r = c.post_json(path, &offered(&sesto, "SEMMA", 11, &h1)).await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (403, Some("forbidden")),
        "{}",
        r.body
    );
    let stranger = SigningKey::from_bytes(&[8; 32]);
    let r = c
        .post_json(path, &offered(&stranger, "SESTO", 11, &h1))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json["errors"][0]["field"], "signature");
    let mut tampered = offered(&sesto, "SESTO", 11, &h1);
    tampered["seq"] = json!(12);
    let r = c.post_json(path, &tampered).await;
    assert_eq!(r.status, 422, "a signature over other fields: {}", r.body);
    let refused = segot.events("witness.checkpoint_refused").await;
    assert_eq!(refused.len(), 3, "every refusal is audited");
    assert!(refused
        .iter()
        .any(|e| e.payload.contains("not a witness partner")));
    for body in [
        json!({"installation": "SESTO"}),
        json!({"installation": "SESTO", "seq": 0, "head_hash": "xyz", "at_ms": -1, "signature": "00"}),
        json!({"installation": "SESTO", "seq": 1, "head_hash": h1, "at_ms": 0, "signature": "00", "extra": 1}),
    ] {
        let r = c.post_json(path, &body).await;
        assert!(
            r.status == 422 || r.status == 400,
            "{body}: {} {}",
            r.status,
            r.body
        );
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let r = c
        .send(
            reqwest::Method::POST,
            path,
            Some(("application/json", b"{not json".to_vec())),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(segot.events("witness.checkpoint_refused").await.len(), 3);

    // Who may deposit: a partner's machine token, not an operator.
    let mut op = segot.login("operator").await;
    let r = op.post_json(path, &offered(&sesto, "SESTO", 11, &h1)).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // What we hold, read back; paging; the key.
    c.post_json(path, &offered(&sesto, "SESTO", 11, &"3c".repeat(32)))
        .await;
    let r = c
        .get("/api/v1/witness/checkpoints?installation=SESTO&limit=1")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["checkpoints"][0]["seq"], 11);
    assert_eq!(r.json["next_before"], 11);
    let r = c
        .get("/api/v1/witness/checkpoints?installation=SESTO&before=11")
        .await;
    assert_eq!(r.json["checkpoints"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["checkpoints"][0]["head_hash"], h1);
    let r = c.get("/api/v1/witness/checkpoints?limit=0").await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = c.get("/api/v1/witness/key").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["installation"], "SEGOT");
    let key = witness::load_key(segot._db.dir.path()).unwrap();
    assert_eq!(r.json["public_key"], public_key_hex(&key.verifying_key()));

    // Its own head, signed by the background task, listed for its auditors.
    let mut pfso = segot.login("pfso").await;
    let mut signed = Value::Null;
    for _ in 0..50 {
        signed = pfso.get("/api/v1/witness/signed").await.json;
        if signed["checkpoints"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let own = &signed["checkpoints"][0];
    assert_eq!(own["installation"], "SEGOT");
    let cp = Checkpoint {
        installation: "SEGOT".into(),
        seq: own["seq"].as_i64().unwrap(),
        head_hash: own["head_hash"].as_str().unwrap().into(),
        at_ms: own["at_ms"].as_i64().unwrap(),
    };
    cp.verify(&key.verifying_key(), own["signature"].as_str().unwrap())
        .unwrap();

    // The kept checkpoints cannot be changed or removed, as the events cannot.
    let mut conn = sqlx::AnyConnection::connect(&segot._db.url).await.unwrap();
    for sql in [
        "UPDATE witness_received SET head_hash = 'x'",
        "DELETE FROM witness_received",
        "UPDATE witness_signed SET head_hash = 'x'",
        "DELETE FROM witness_signed",
    ] {
        assert!(conn.execute(sql).await.is_err(), "{sql} must be refused");
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM witness_received")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_witness_refuses_audits_and_keeps_on_sqlite() {
    the_witness_refuses_audits_and_keeps(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_witness_refuses_audits_and_keeps_on_postgres() {
    the_witness_refuses_audits_and_keeps(Kind::Postgres).await;
}
