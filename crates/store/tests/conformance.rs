//! The storage conformance suite: every case runs against a fresh SQLite file and a fresh
//! PostgreSQL database, so the two backends cannot drift apart in behaviour.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hamnvakt_core::alert::{
    Action, AlertDraft, AlertState, Outcome, Severity, SubjectKind, SubjectRef,
};
use hamnvakt_core::ids::{AlertId, Id, OrgId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use hamnvakt_identity::Role;
use hamnvakt_store::*;
use hamnvakt_testkit::{Kind, TestDb};
use serde_json::json;
use sqlx::Executor;

const T0: i64 = 1_795_000_000_000;

async fn open(kind: Kind) -> (TestDb, Store) {
    let db = TestDb::new(kind).await;
    let store = Store::open(&db.url, &OpenOptions::default())
        .await
        .expect("open");
    store.migrate(T0).await.expect("migrate");
    (db, store)
}

fn id<T>(n: u8) -> Id<T> {
    Id::from_random_bytes([n; 16])
}

async fn append(store: &Store, kind: &str, payload: serde_json::Value) -> AppendedEvent {
    let mut tx = store.begin().await.unwrap();
    let e = tx
        .append(NewEvent {
            kind,
            payload,
            ..event("", 0)
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    e
}

async fn seed_orgs(store: &Store) -> (OrgId, OrgId, OrgId) {
    let (port, customs, haulier) = (id(1), id(2), id(3));
    let mut tx = store.begin().await.unwrap();
    for (oid, name, kind) in [
        (port, "Stockholms Hamnar", OrgKind::PortAuthority),
        (customs, "Tullverket", OrgKind::Customs),
        (haulier, "Baltic Haulage", OrgKind::Haulier),
    ] {
        tx.insert_org(&Organisation {
            id: oid,
            name: name.into(),
            kind,
            created_ms: T0,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    (port, customs, haulier)
}

fn draft(owner: OrgId, tlp: Tlp, shared: Vec<OrgId>, kind: &str) -> AlertDraft {
    AlertDraft {
        kind: kind.into(),
        severity: Severity::High,
        title: "Badge denied twice".into(),
        message: None,
        subjects: vec![
            SubjectRef {
                kind: SubjectKind::Credential,
                reference: "C-1001".into(),
                label: None,
            },
            SubjectRef {
                kind: SubjectKind::Person,
                reference: "P-7".into(),
                label: Some("A. Berg".into()),
            },
        ],
        evidence: json!({"denials": [{"gate": "V-Q1", "at": "03:10"}]}),
        owner_org: owner,
        tlp,
        audience: None,
        shared_with: shared,
    }
}

async fn raise(store: &Store, d: &AlertDraft, aid: AlertId, at: i64) {
    let mut tx = store.begin().await.unwrap();
    tx.append(NewEvent {
        at_ms: at,
        kind: "alert.raised",
        actor: "system",
        org: None,
        subject: None,
        request_id: None,
        payload: json!({"id": aid.to_string()}),
    })
    .await
    .unwrap();
    tx.insert_alert(&NewAlert {
        id: aid,
        draft: d,
        raised_by: "system",
        created_ms: at,
        fold_key: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn migrate_is_idempotent(kind: Kind) {
    let (_db, store) = open(kind).await;
    assert_eq!(
        store.schema_version().await.unwrap(),
        Store::latest_schema_version()
    );
    assert!(store.migrate(T0).await.unwrap().is_empty());
}

async fn appends_form_a_verifiable_chain(kind: Kind) {
    let (_db, store) = open(kind).await;
    let empty = store.verify_chain().await.unwrap();
    assert_eq!(
        (empty.events_checked, empty.status),
        (0, ChainStatus::Intact)
    );
    let a = append(&store, "test.one", json!({"b": 1, "a": "x"})).await;
    let b = append(&store, "test.two", json!({})).await;
    assert_eq!((a.seq, b.seq), (1, 2));
    let report = store.verify_chain().await.unwrap();
    assert_eq!(report.status, ChainStatus::Intact);
    assert_eq!(
        (report.events_checked, report.head_seq, report.head_hash),
        (2, 2, b.hash.clone())
    );
    let events = store.events_after(0, 10).await.unwrap();
    assert_eq!(
        events[0].payload, r#"{"a":"x","b":1}"#,
        "payload kept in canonical form"
    );
    assert_eq!(events[1].prev_hash, a.hash);
    let page = store.list_events(Some("test"), None, 1).await.unwrap();
    assert_eq!(page.events[0].seq, 2);
    let next = store
        .list_events(Some("test"), page.next_before, 10)
        .await
        .unwrap();
    assert_eq!(next.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1]);
    assert!(
        store
            .list_events(Some("tes"), None, 10)
            .await
            .unwrap()
            .events
            .is_empty(),
        "prefix is by dotted part"
    );
}

async fn rolled_back_appends_leave_no_trace(kind: Kind) {
    let (_db, store) = open(kind).await;
    append(&store, "test.kept", json!({})).await;
    {
        let mut tx = store.begin().await.unwrap();
        tx.append(NewEvent {
            at_ms: T0,
            kind: "test.lost",
            actor: "x",
            org: None,
            subject: None,
            request_id: None,
            payload: json!({}),
        })
        .await
        .unwrap();
        // dropped without commit
    }
    let c = append(&store, "test.after", json!({})).await;
    assert_eq!(c.seq, 2);
    assert_eq!(
        store.verify_chain().await.unwrap().status,
        ChainStatus::Intact
    );
}

async fn events_are_append_only(kind: Kind) {
    let (db, store) = open(kind).await;
    append(&store, "test.one", json!({})).await;
    let raw = sqlx::AnyPool::connect(&db.url).await.unwrap();
    assert!(raw
        .execute("UPDATE events SET payload = '{}' WHERE seq = 1")
        .await
        .is_err());
    assert!(raw.execute("DELETE FROM events").await.is_err());
    raw.close().await;
}

async fn tampering_names_the_first_bad_event(kind: Kind) {
    let (db, store) = open(kind).await;
    for i in 0..5 {
        append(&store, "test.n", json!({ "i": i })).await;
    }
    let raw = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let disable = match kind {
        Kind::Sqlite => "DROP TRIGGER events_append_only_update",
        Kind::Postgres => "ALTER TABLE events DISABLE TRIGGER USER",
    };
    raw.execute(disable).await.unwrap();
    raw.execute(r#"UPDATE events SET payload = '{"i":99}' WHERE seq = 3"#)
        .await
        .unwrap();
    raw.close().await;
    let report = store.verify_chain().await.unwrap();
    match report.status {
        ChainStatus::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("do not match"), "{reason}");
        }
        other => panic!("tampering not found: {other:?}"),
    }
}

async fn truncating_the_tail_is_found(kind: Kind) {
    let (db, store) = open(kind).await;
    for _ in 0..3 {
        append(&store, "test.n", json!({})).await;
    }
    let raw = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let disable = match kind {
        Kind::Sqlite => "DROP TRIGGER events_append_only_delete",
        Kind::Postgres => "ALTER TABLE events DISABLE TRIGGER USER",
    };
    raw.execute(disable).await.unwrap();
    raw.execute("DELETE FROM events WHERE seq = 3")
        .await
        .unwrap();
    raw.close().await;
    let report = store.verify_chain().await.unwrap();
    assert!(
        matches!(report.status, ChainStatus::Broken { seq: 3, .. }),
        "{report:?}"
    );
}

async fn concurrent_appends_stay_linear(kind: Kind) {
    let (_db, store) = open(kind).await;
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                append(&store, "test.concurrent", json!({"w": w, "i": i})).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = store.verify_chain().await.unwrap();
    assert_eq!(
        (report.events_checked, report.status),
        (120, ChainStatus::Intact)
    );
}

/// `Store::append_durably` hashes onto the head its process last committed; another handle
/// on the same database (another process: a CLI command beside the server) moves the head
/// under it. Every group must still land after the true head, whole, in order, exactly once.
async fn durable_group_appends_follow_other_writers(kind: Kind) {
    let (db, a) = open(kind).await;
    let b = Store::open(&db.url, &OpenOptions::default()).await.unwrap();
    let group = |tag: &'static str, n: usize| {
        (0..n)
            .map(|i| NewEvent {
                at_ms: T0,
                kind: "test.group",
                actor: "system",
                org: None,
                subject: Some(tag),
                request_id: None,
                payload: json!({ "i": i }),
            })
            .collect::<Vec<_>>()
    };
    assert!(a.append_durably(&[]).await.unwrap().is_empty());
    let start = a.verify_chain().await.unwrap().head_seq;
    let mut seqs = Vec::new();
    // Sizes across the multi-row chunk boundaries, alternating handles, so that each one's
    // knowledge of the head is stale as often as not.
    for (round, n) in [3usize, 1, 64, 65, 150, 2, 7].into_iter().enumerate() {
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        for store in [first, second, second] {
            let got = store.append_durably(&group("g", n)).await.unwrap();
            assert_eq!(got.len(), n);
            seqs.extend(got.iter().map(|e| e.seq));
        }
        // An ordinary transaction in between moves the head too.
        append(first, "test.between", json!({ "round": round })).await;
        seqs.push(first.verify_chain().await.unwrap().head_seq);
    }
    // Both handles at once.
    let mut tasks = Vec::new();
    for store in [a.clone(), b.clone()] {
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for n in [5usize, 1, 33, 70, 2] {
                let got = store.append_durably(&group("c", n)).await.unwrap();
                mine.extend(got.into_iter().map(|e| e.seq));
            }
            mine
        }));
    }
    for t in tasks {
        seqs.extend(t.await.unwrap());
    }
    seqs.sort_unstable();
    let want: Vec<i64> = (start + 1..=start + seqs.len() as i64).collect();
    assert_eq!(
        seqs, want,
        "every appended event has its own place after the start"
    );
    let report = a.verify_chain().await.unwrap();
    assert_eq!(report.status, ChainStatus::Intact);
    assert_eq!(report.head_seq, start + seqs.len() as i64);
    b.close().await;
}

fn event(kind: &'static str, i: usize) -> NewEvent<'static> {
    NewEvent {
        at_ms: T0,
        kind,
        actor: "system",
        org: None,
        subject: None,
        request_id: None,
        payload: json!({ "i": i }),
    }
}

/// Release `rel-1` of the line `line` at `version`, in `state`, held by `holder`.
fn release_one(line: OrgId, version: i64, state: &str, holder: OrgId) -> ReleaseRow {
    ReleaseRow {
        id: "rel-1".into(),
        container: "MSKU1234565".into(),
        bill_of_lading: "BL-1".into(),
        line_org: line.to_string(),
        holder_org: holder.to_string(),
        state: state.into(),
        driver: Some("person-1".into()),
        issued_ms: T0,
        expires_ms: T0 + 86_400_000,
        updated_ms: T0 + version,
        version,
        data: json!({ "v": version }).to_string(),
    }
}

/// What the gate reads for a pick-up is one statement: the container's releases and the last
/// day customs put a consignment in it in the red lane (scanner) with no inspection outcome
/// yet. A green selection, another container's red one, and a red one already inspected do
/// not count; a container without a release reads nothing. The same in a transaction.
async fn a_pickup_reads_its_release_and_selection_at_once(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, _, haulier) = seed_orgs(&store).await;
    let container = "MSKU1234565";
    let consignment = |id: &str, container: &str| ConsignmentRow {
        declaration_id: id.into(),
        day: Some(100),
        hs_code: "080390".into(),
        importer: None,
        container: Some(container.into()),
        origin_country: None,
        data: "{}".into(),
        source: "test".into(),
        updated_ms: T0,
        importer_key: None,
        value_per_kg: None,
    };
    let selection = |id: &str, day: i64, lane: &str| SelectionRow {
        declaration_id: id.into(),
        day,
        lane: lane.into(),
        why: "risk".into(),
        risk: 0.9,
        reasons: "[]".into(),
        decided_by: "test".into(),
        decided_ms: T0,
    };
    let outcome = |id: &str, result: &str| OutcomeRow {
        declaration_id: id.into(),
        result: result.into(),
        data: "{}".into(),
        recorded_by: "test".into(),
        recorded_ms: T0,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_release(&release_one(port, 1, "active", haulier))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let read = store.pickup_read(container).await.unwrap();
    assert_eq!(read.releases, vec![release_one(port, 1, "active", haulier)]);
    assert_eq!(read.red_day, None, "nothing selected yet");
    assert!(!read.scan_selected_since(0));

    let mut tx = store.begin().await.unwrap();
    tx.upsert_consignments(&[
        consignment("D1", container),
        consignment("D2", container),
        consignment("D3", "TGHU0000000"),
        consignment("D4", container),
    ])
    .await
    .unwrap();
    tx.upsert_selections(&[
        selection("D1", 100, "red"),
        selection("D2", 120, "green"),
        selection("D3", 130, "red"),
        selection("D4", 110, "red"),
    ])
    .await
    .unwrap();
    tx.upsert_outcome(&outcome("D4", "nothing_found"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let read = store.pickup_read(container).await.unwrap();
    assert_eq!(read.releases.len(), 1);
    assert_eq!(
        read.red_day,
        Some(100),
        "D1 counts; D2 is green, D3 another container's, D4 inspected"
    );
    assert!(read.scan_selected_since(70) && read.scan_selected_since(100));
    assert!(!read.scan_selected_since(101));
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.pickup_read(container).await.unwrap(), read);
    // Without a release the container reads nothing, selected or not.
    let other = tx.pickup_read("TGHU0000000").await.unwrap();
    assert!(other.releases.is_empty() && other.red_day.is_none());
    tx.upsert_outcome(&outcome("D1", "seizure")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.pickup_read(container).await.unwrap().red_day,
        None,
        "inspected: no longer waiting for the scanner"
    );
}

/// The gate committer's claim of a release, sent with its events and the commit
/// (`update_release_with_commit`, `append_and_commit`): written over the version read in the
/// transaction, and when that version moved, nothing of the transaction is written (neither
/// the release nor the events) and the error names the release. The writer is usable after.
async fn claims_go_with_the_commit_or_not_at_all(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, _, haulier) = seed_orgs(&store).await;
    let row = |version: i64, state: &str, holder: OrgId| release_one(port, version, state, holder);
    let mut tx = store.begin().await.unwrap();
    tx.insert_release(&row(1, "active", haulier)).await.unwrap();
    tx.commit().await.unwrap();
    let head = store.verify_chain().await.unwrap().head_seq;

    let containers = vec!["MSKU1234565".to_owned(), "TGHU0000000".to_owned()];
    // A claim collects; it never hands the release to another driver. One that would, over
    // the right version, is refused like a moved release, and nothing is written.
    let mut other_driver = row(2, "collected", haulier);
    other_driver.driver = Some("person-2".into());
    let (mut tx, _) = store.begin_locked_reading(&containers).await.unwrap();
    let err = match tx.update_release_with_commit(&other_driver).await {
        Err(e) => {
            drop(tx);
            e
        }
        Ok(()) => tx
            .append_and_commit(&[event("release.collected", 0)])
            .await
            .expect_err("a claim that changes the driver must fail"),
    };
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("rel-1")),
        "{err:?}"
    );
    let stored = store.release("rel-1").await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.driver.as_deref()),
        (1, Some("person-1"))
    );
    assert_eq!(store.verify_chain().await.unwrap().head_seq, head);

    // Read in the locked transaction, claimed, appended and committed together.
    let (mut tx, versions) = store.begin_locked_reading(&containers).await.unwrap();
    assert_eq!(
        versions,
        vec![("MSKU1234565".to_owned(), "rel-1".to_owned(), 1)]
    );
    tx.update_release_with_commit(&row(2, "collected", haulier))
        .await
        .unwrap();
    let got = tx
        .append_and_commit(&[event("release.collected", 0), event("access.decision", 1)])
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![head + 1, head + 2]
    );
    let stored = store.release("rel-1").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.state.as_str()), (2, "collected"));

    // A claim over a version that is no longer the stored one: a conflict, nothing written.
    // (On SQLite it fails with the commit; elsewhere the update is written, and fails, at once.)
    let (mut tx, _) = store.begin_locked_reading(&containers).await.unwrap();
    let err = match tx
        .update_release_with_commit(&row(2, "collected", port))
        .await
    {
        Err(e) => {
            drop(tx);
            e
        }
        Ok(()) => tx
            .append_and_commit(&[event("release.collected", 2), event("access.decision", 3)])
            .await
            .expect_err("a claim over a moved version must fail"),
    };
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("rel-1")),
        "the conflict names the release: {err:?}"
    );
    let stored = store.release("rel-1").await.unwrap().unwrap();
    assert_eq!(
        stored.holder_org,
        haulier.to_string(),
        "the release is untouched"
    );
    let report = store.verify_chain().await.unwrap();
    assert_eq!(
        (report.status, report.head_seq),
        (ChainStatus::Intact, head + 2)
    );

    // The same through the ordinary commit.
    let mut tx = store.begin_locked().await.unwrap();
    tx.append_many(&[event("access.decision", 4)])
        .await
        .unwrap();
    let failed = match tx
        .update_release_with_commit(&row(2, "collected", port))
        .await
    {
        Err(e) => {
            drop(tx);
            Err(e)
        }
        Ok(()) => tx.commit().await,
    };
    assert!(matches!(failed, Err(StoreError::Conflict(_))), "{failed:?}");
    assert_eq!(store.verify_chain().await.unwrap().head_seq, head + 2);

    // The writer goes on: a group append and a transaction after the failures.
    let got = store
        .append_durably(&[event("access.decision", 5)])
        .await
        .unwrap();
    assert_eq!(got[0].seq, head + 3);
    let tx = store.begin().await.unwrap();
    let got = tx
        .append_and_commit(&[event("access.decision", 6)])
        .await
        .unwrap();
    assert_eq!(got[0].seq, head + 4);
    assert_eq!(
        store.verify_chain().await.unwrap().status,
        ChainStatus::Intact
    );
}

/// A write transaction abandoned with its statements done (dropped without commit, as a
/// request whose client went away) must not keep the database's write lock: another
/// process's writer gets it at once, well before the lock timeout, and sees none of it.
async fn an_abandoned_transaction_lets_go_of_the_lock(kind: Kind) {
    let (db, a) = open(kind).await;
    let b = Store::open(
        &db.url,
        &OpenOptions {
            acquire_timeout: std::time::Duration::from_secs(3),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    append(&a, "test.kept", json!({})).await;
    {
        let mut tx = a.begin().await.unwrap();
        tx.append(event("test.lost", 0)).await.unwrap();
        // dropped without commit, and nothing else of this process writes after it
    }
    let started = std::time::Instant::now();
    let got = b
        .append_durably(&[event("test.other", 1)])
        .await
        .expect("the other writer gets the lock");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the abandoned transaction held the lock for {:?}",
        started.elapsed()
    );
    assert_eq!(got[0].seq, 2, "the abandoned event left no trace");
    let mut tx = a.begin().await.unwrap();
    assert_eq!(tx.append(event("test.after", 2)).await.unwrap().seq, 3);
    tx.commit().await.unwrap();
    assert_eq!(a.verify_chain().await.unwrap().status, ChainStatus::Intact);
    b.close().await;
}

/// A group that claims releases with nothing else to write (`Store::append_claiming`, the
/// gate's committer with pick-ups decided on arrival): on SQLite one round trip on the head
/// hint; a claim over a moved version fails the whole group, nothing written; a head moved by
/// another handle (another process) writes nothing on the hint and the group lands the
/// ordinary way, after the true head.
async fn a_claiming_group_goes_in_one_trip_or_the_ordinary_way(kind: Kind) {
    let (db, a) = open(kind).await;
    let (port, _, haulier) = seed_orgs(&a).await;
    let row = |version: i64, state: &str, holder: OrgId| release_one(port, version, state, holder);
    let mut tx = a.begin().await.unwrap();
    tx.insert_release(&row(1, "active", haulier)).await.unwrap();
    tx.commit().await.unwrap();
    // An append of this process's own, so that it knows the head.
    append(&a, "test.first", json!({})).await;
    let head = a.verify_chain().await.unwrap().head_seq;
    let (one_trip, stale) = a.group_append_counts();

    let got = a
        .append_claiming(
            &[&row(2, "active", haulier)],
            &[event("release.collected", 0), event("access.decision", 1)],
        )
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![head + 1, head + 2]
    );
    assert_eq!(a.release("rel-1").await.unwrap().unwrap().version, 2);
    if kind == Kind::Sqlite {
        assert_eq!(
            a.group_append_counts(),
            (one_trip + 1, stale),
            "one round trip"
        );
    }

    // Over a version no longer stored: the group fails, naming the release; nothing written.
    let err = a
        .append_claiming(
            &[&row(2, "collected", port)],
            &[event("release.collected", 2), event("access.decision", 3)],
        )
        .await
        .expect_err("a claim over a moved version must fail");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("rel-1")),
        "the conflict names the release: {err:?}"
    );
    let stored = a.release("rel-1").await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.holder_org),
        (2, haulier.to_string())
    );
    assert_eq!(a.verify_chain().await.unwrap().head_seq, head + 2);

    // (The failure forgot the hint; this process learns the head again.)
    append(&a, "test.again", json!({})).await;
    // Another process appends: this one's hint is stale, and the group lands after it.
    let b = Store::open(&db.url, &OpenOptions::default()).await.unwrap();
    append(&b, "test.other_process", json!({})).await;
    let (one_trip, stale) = a.group_append_counts();
    let got = a
        .append_claiming(
            &[&row(3, "collected", haulier)],
            &[event("release.collected", 4), event("access.decision", 5)],
        )
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![head + 5, head + 6]
    );
    if kind == Kind::Sqlite {
        assert_eq!(
            a.group_append_counts(),
            (one_trip, stale + 1),
            "the hint was stale"
        );
    }
    let stored = a.release("rel-1").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.state.as_str()), (3, "collected"));
    let report = a.verify_chain().await.unwrap();
    assert_eq!(
        (report.status, report.head_seq),
        (ChainStatus::Intact, head + 6)
    );
    b.close().await;
}

/// Group appends and ordinary transactions of one process at the same time: the group
/// append's head hint is read and moved while it holds the writer, so no writer of the same
/// process ever makes it stale (on SQLite, where it matters; on PostgreSQL each group that
/// raced a transaction is counted stale and goes the ordinary way).
async fn a_process_never_stales_its_own_head_hint(kind: Kind) {
    let (_db, store) = open(kind).await;
    append(&store, "test.first", json!({})).await;
    let mut tasks = Vec::new();
    for t in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                if t % 2 == 0 {
                    store
                        .append_durably(&[event("test.group", i)])
                        .await
                        .unwrap();
                } else {
                    append(&store, "test.tx", json!({ "i": i })).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (one_trip, stale) = store.group_append_counts();
    if kind == Kind::Sqlite {
        assert_eq!(
            (one_trip, stale),
            (80, 0),
            "another writer of this process made the hint stale"
        );
    } else {
        // After a stale hint the ordinary way for a while, uncounted.
        assert!(one_trip + stale <= 80, "{one_trip} {stale}");
    }
    let report = store.verify_chain().await.unwrap();
    assert_eq!((report.status, report.head_seq), (ChainStatus::Intact, 161));
}

async fn users_roles_and_conflicts(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, _, _) = seed_orgs(&store).await;
    let uid: UserId = id(10);
    let mut tx = store.begin().await.unwrap();
    let nu = NewUser {
        id: uid,
        org_id: port,
        username: "anna",
        display_name: "Anna Lind",
        password_hash: Some("$argon2id$x"),
        roles: &[Role::Pfso, Role::Operator],
        locale: "sv",
    };
    tx.insert_user(&nu, T0).await.unwrap();
    tx.commit().await.unwrap();
    let u = store.user_by_username("anna").await.unwrap().unwrap();
    assert_eq!(
        (u.id, u.org_id, u.roles.clone(), u.disabled),
        (uid, port, vec![Role::Operator, Role::Pfso], false)
    );
    let mut tx = store.begin().await.unwrap();
    let dup = NewUser {
        id: id(11),
        ..nu.clone()
    };
    assert!(matches!(
        tx.insert_user(&dup, T0).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let bad_org = NewUser {
        id: id(12),
        username: "other",
        org_id: id(99),
        ..nu.clone()
    };
    assert!(
        matches!(
            tx.insert_user(&bad_org, T0).await,
            Err(StoreError::Conflict(_))
        ),
        "foreign keys are enforced"
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.set_user_roles(uid, &[Role::Analyst]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.user(uid).await.unwrap().unwrap().roles,
        vec![Role::Analyst]
    );
    assert_eq!(store.list_users(Some(port)).await.unwrap().len(), 1);
    assert_eq!(store.list_orgs().await.unwrap().len(), 3);
}

async fn sessions_tokens_and_login_failures(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, _, _) = seed_orgs(&store).await;
    let uid: UserId = id(10);
    let mut tx = store.begin().await.unwrap();
    tx.insert_user(
        &NewUser {
            id: uid,
            org_id: port,
            username: "op",
            display_name: "Op",
            password_hash: None,
            roles: &[Role::Operator],
            locale: "en",
        },
        T0,
    )
    .await
    .unwrap();
    tx.insert_session(
        "d1",
        &SessionRecord {
            user_id: uid,
            csrf: "c".into(),
            address: "127.0.0.1".into(),
            created_ms: T0,
            expires_ms: T0 + 1000,
        },
    )
    .await
    .unwrap();
    let tid = id(20);
    tx.insert_token(&NewToken {
        id: tid,
        digest: "t1",
        user_id: uid,
        name: "gate",
        roles: &[Role::MachineClient],
        created_ms: T0,
        expires_ms: T0 + 5000,
    })
    .await
    .unwrap();
    tx.insert_login_failure("op", "10.0.0.1", T0).await.unwrap();
    tx.insert_login_failure("op", "10.0.0.2", T0 + 10)
        .await
        .unwrap();
    tx.insert_login_failure("other", "10.0.0.1", T0 + 20)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(store.session("d1", T0 + 999).await.unwrap().is_some());
    assert!(
        store.session("d1", T0 + 1000).await.unwrap().is_none(),
        "expired sessions are not returned"
    );
    let t = store.token_by_digest("t1").await.unwrap().unwrap();
    assert_eq!(
        (t.id, t.roles.clone(), t.revoked_ms),
        (tid, vec![Role::MachineClient], None)
    );
    let ((n_user, oldest_user), (n_addr, _)) =
        store.login_failures("op", "10.0.0.1", T0).await.unwrap();
    assert_eq!((n_user, oldest_user, n_addr), (2, Some(T0), 2));
    let ((n_user, _), _) = store
        .login_failures("op", "10.0.0.1", T0 + 5)
        .await
        .unwrap();
    assert_eq!(n_user, 1, "the window excludes older failures");

    let mut tx = store.begin().await.unwrap();
    assert!(tx.revoke_token(tid, T0 + 1).await.unwrap());
    assert!(
        !tx.revoke_token(tid, T0 + 2).await.unwrap(),
        "revoking twice reports false"
    );
    assert!(tx.delete_session("d1").await.unwrap());
    tx.clear_login_failures("op").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.token(tid).await.unwrap().unwrap().revoked_ms,
        Some(T0 + 1)
    );
    assert!(store.session("d1", T0).await.unwrap().is_none());
    assert_eq!(store.login_failures("op", "x", 0).await.unwrap().0 .0, 0);
}

async fn alerts_visibility_filters_and_paging(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, customs, haulier) = seed_orgs(&store).await;
    let amber_shared = draft(port, Tlp::Amber, vec![customs], "access.repeated_denials");
    let red_private = draft(port, Tlp::Red, vec![], "access.impossible_travel");
    let green = draft(customs, Tlp::Green, vec![], "cargo.high_risk");
    let (a1, a2, a3) = (id(31), id(32), id(33));
    raise(&store, &amber_shared, a1, T0 + 1).await;
    raise(&store, &red_private, a2, T0 + 2).await;
    raise(&store, &green, a3, T0 + 3).await;

    let ids = |p: &AlertPage| p.alerts.iter().map(|a| a.id).collect::<Vec<_>>();
    let all = AlertFilter {
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        ids(&store
            .list_alerts(&Viewer::member(port), &all)
            .await
            .unwrap()),
        [a3, a2, a1]
    );
    assert_eq!(
        ids(&store
            .list_alerts(&Viewer::member(customs), &all)
            .await
            .unwrap()),
        [a3, a1]
    );
    assert_eq!(
        ids(&store
            .list_alerts(&Viewer::member(haulier), &all)
            .await
            .unwrap()),
        [a3]
    );
    assert!(store
        .alert(a2, &Viewer::member(customs))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .count_alerts(&Viewer::member(port), &all)
            .await
            .unwrap(),
        3
    );

    let a = store
        .alert(a1, &Viewer::member(customs))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.subjects, amber_shared.subjects);
    assert_eq!(a.shared_with, vec![customs]);
    assert_eq!(a.evidence, amber_shared.evidence);
    assert_eq!(
        (a.state, a.tlp, a.severity),
        (AlertState::Open, Tlp::Amber, Severity::High)
    );

    let by_kind = AlertFilter {
        kind_prefix: Some("access".into()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        ids(&store
            .list_alerts(&Viewer::member(port), &by_kind)
            .await
            .unwrap()),
        [a2, a1]
    );
    let by_subject = AlertFilter {
        subject: Some((SubjectKind::Person, "P-7".into())),
        owner_org: Some(customs),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        ids(&store
            .list_alerts(&Viewer::member(port), &by_subject)
            .await
            .unwrap()),
        [a3]
    );
    let since = AlertFilter {
        since_ms: Some(T0 + 2),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        store
            .count_alerts(&Viewer::member(port), &since)
            .await
            .unwrap(),
        2
    );

    // Paging: one at a time, newest first, through all three and no further.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_alerts(
                &Viewer::member(port),
                &AlertFilter {
                    limit: 1,
                    cursor: cursor.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        seen.extend(ids(&page));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, [a3, a2, a1]);
    let oldest = AlertFilter {
        sort: AlertSort::Oldest,
        limit: 2,
        ..Default::default()
    };
    let page = store
        .list_alerts(&Viewer::member(port), &oldest)
        .await
        .unwrap();
    assert_eq!(ids(&page), [a1, a2]);

    // Transitions are checked against the state they replace.
    let assignee: UserId = id(40);
    let mut tx = store.begin().await.unwrap();
    let (state, owner) = tx.alert_state_for_update(a1).await.unwrap().unwrap();
    assert_eq!((state, owner), (AlertState::Open, port));
    tx.update_alert_state(
        a1,
        AlertState::Open,
        AlertState::Acknowledged,
        None,
        None,
        None,
        T0 + 10,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let stale = tx
        .update_alert_state(
            a1,
            AlertState::Open,
            AlertState::Closed,
            None,
            Some(Outcome::Benign),
            None,
            T0 + 11,
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let assign = hamnvakt_core::alert::transition(
        AlertState::Acknowledged,
        &Action::Assign { to: assignee },
    )
    .unwrap();
    assert!(
        matches!(
            tx.update_alert_state(
                a1,
                AlertState::Acknowledged,
                assign,
                Some(assignee),
                None,
                None,
                T0 + 12
            )
            .await,
            Err(StoreError::Conflict(_))
        ),
        "assignee must be a user"
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.update_alert_state(
        a1,
        AlertState::Acknowledged,
        AlertState::Closed,
        None,
        Some(Outcome::FalsePositive),
        Some("known contractor"),
        T0 + 13,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let closed = store
        .alert(a1, &Viewer::member(port))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            closed.state,
            closed.outcome,
            closed.closing_note.as_deref(),
            closed.updated_ms
        ),
        (
            AlertState::Closed,
            Some(Outcome::FalsePositive),
            Some("known contractor"),
            T0 + 13
        )
    );
    let open_only = AlertFilter {
        states: vec![AlertState::Open, AlertState::Acknowledged],
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        ids(&store
            .list_alerts(&Viewer::member(port), &open_only)
            .await
            .unwrap()),
        [a3, a2]
    );
}

async fn sites_round_trip(kind: Kind) {
    let (_db, store) = open(kind).await;
    let s = Site {
        id: id(50),
        code: "NORVIK".into(),
        name: "Stockholm Norvik".into(),
        description: "container and ro-ro terminal".into(),
        locode: "SENYN".into(),
        lat: 58.9376,
        lon: 17.9745,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_site(&s, T0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.list_sites().await.unwrap(), vec![s]);
}

async fn backup_copies_a_consistent_database(kind: Kind) {
    let (db, store) = open(kind).await;
    append(&store, "test.one", json!({})).await;
    let dest = db.path("backup.db");
    match kind {
        Kind::Sqlite => {
            store.backup_to(&dest).await.unwrap();
            let copy = Store::open(&sqlite_url(&dest), &OpenOptions::default())
                .await
                .unwrap();
            let report = copy.verify_chain().await.unwrap();
            assert_eq!(
                (report.events_checked, report.status),
                (1, ChainStatus::Intact)
            );
            assert!(
                matches!(store.backup_to(&dest).await, Err(StoreError::Conflict(_))),
                "never overwrites"
            );
        }
        Kind::Postgres => assert!(matches!(
            store.backup_to(&dest).await,
            Err(StoreError::Unsupported(_))
        )),
    }
}

async fn access_register_decisions_and_occupancy(kind: Kind) {
    let (_db, store) = open(kind).await;
    let v0 = store.access_version().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.put_access_record("credential", "c1", &["SH-1".into()], r#"{"n":1}"#, T0)
        .await
        .unwrap();
    tx.put_access_record("credential", "c2", &["SH-2".into()], r#"{"n":2}"#, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        store.access_version().await.unwrap() > v0,
        "register changes bump the version"
    );
    let mut tx = store.begin().await.unwrap();
    let clash = tx
        .put_access_record("credential", "c2", &["SH-1".into()], r#"{"n":3}"#, T0)
        .await;
    assert!(
        matches!(clash, Err(StoreError::Conflict(ref m)) if m.contains("SH-1")),
        "{clash:?}"
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    // Renumbering releases the old key.
    tx.put_access_record("credential", "c1", &["SH-9".into()], r#"{"n":9}"#, T0)
        .await
        .unwrap();
    tx.put_access_record("credential", "c2", &["SH-1".into()], r#"{"n":21}"#, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let all = store.access_records("credential").await.unwrap();
    assert_eq!(
        all,
        vec![
            ("c1".into(), r#"{"n":9}"#.into()),
            ("c2".into(), r#"{"n":21}"#.into())
        ]
    );
    assert_eq!(
        store
            .access_record("credential", "c2")
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"n":21}"#)
    );
    assert!(store.access_records("gate").await.unwrap().is_empty());

    let mut tx = store.begin().await.unwrap();
    tx.insert_access_policy(&PolicyRow {
        version: 1,
        text: "permit(principal, action, resource);".into(),
        comment: "first".into(),
        created_by: "cli".into(),
        created_ms: T0,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Decision rows and occupancy are derived tables, written on their own writer.
    let mut tx = store.begin_derived().await.unwrap();
    for i in 0..3 {
        let row = DecisionRow {
            at_ms: T0 + i,
            gate_id: Some("g1".into()),
            facility_id: Some("f1".into()),
            credential_number: Some("SH-1".into()),
            outcome: if i == 1 {
                "deny".into()
            } else {
                "grant".into()
            },
            ..decision_row(&format!("d{i}"), i)
        };
        tx.insert_decision(&row).await.unwrap();
    }
    let occ = OccupancyRow {
        person_id: "p1".into(),
        facility_id: "f1".into(),
        zone_id: "z1".into(),
        gate_id: "g1".into(),
        since_ms: T0,
    };
    tx.set_occupancy("p1", Some(&occ)).await.unwrap();
    tx.set_occupancy(
        "p2",
        Some(&OccupancyRow {
            person_id: "p2".into(),
            ..occ.clone()
        }),
    )
    .await
    .unwrap();
    tx.set_occupancy("p2", None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.access_policies().await.unwrap().len(), 1);
    let feed = store
        .list_decisions(&DecisionFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        feed.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["d2", "d1", "d0"]
    );
    let denies = store
        .list_decisions(&DecisionFilter {
            outcome: Some("deny".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(denies.len(), 1);
    assert_eq!(store.decisions_since(T0 + 1, 10).await.unwrap().len(), 2);
    assert_eq!(store.occupancy().await.unwrap(), vec![occ]);
}

/// A group written with multi-row statements (crossing the 64-row chunk boundary) lands in
/// order, links into the chain like single appends, and applies occupancy changes in order
/// with the last change per person winning.
async fn group_writes_cross_chunk_boundaries(kind: Kind) {
    let (_db, store) = open(kind).await;
    let first = append(&store, "test.before", json!({})).await;
    let payloads: Vec<serde_json::Value> = (0..131).map(|i| json!({ "i": i })).collect();
    let subjects: Vec<String> = (0..131).map(|i| format!("decision:d{i}")).collect();
    let events: Vec<NewEvent<'_>> = payloads
        .iter()
        .zip(&subjects)
        .map(|(p, s)| NewEvent {
            at_ms: T0,
            kind: "access.decision",
            actor: "token:t",
            org: None,
            subject: Some(s),
            request_id: if s.ends_with('7') { Some("r7") } else { None },
            payload: p.clone(),
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    let appended = tx.append_many(&events).await.unwrap();
    assert_eq!(appended.len(), 131);
    assert_eq!(appended[0].seq, first.seq + 1);
    let rows: Vec<DecisionRow> = appended
        .iter()
        .enumerate()
        .map(|(i, e)| DecisionRow {
            at_ms: T0 + i as i64,
            gate_id: Some("g1".into()),
            person_id: Some(format!("p{}", i % 5)),
            plate: Some("ABC123".into()),
            ..decision_row(&format!("d{i}"), e.seq)
        })
        .collect();
    tx.commit().await.unwrap();
    let mut tx = store.begin_derived().await.unwrap();
    tx.insert_decisions(&rows).await.unwrap();
    let at = |p: &str, zone: &str, since: i64| OccupancyRow {
        person_id: p.into(),
        facility_id: "f1".into(),
        zone_id: zone.into(),
        gate_id: "g1".into(),
        since_ms: since,
    };
    let mut changes: Vec<(String, Option<OccupancyRow>)> = Vec::new();
    for i in 0..100 {
        let p = format!("p{}", i % 70);
        changes.push((p.clone(), Some(at(&p, "z1", i))));
    }
    changes.push(("p3".into(), None)); // p3 leaves after entering
    changes.push(("p4".into(), Some(at("p4", "z2", 500)))); // p4 moves on
    tx.set_occupancies(&changes).await.unwrap();
    tx.commit().await.unwrap();

    let report = store.verify_chain().await.unwrap();
    assert_eq!(report.status, ChainStatus::Intact);
    assert_eq!(report.events_checked, 132);
    let events = store.events_after(first.seq, 200).await.unwrap();
    assert_eq!(events.len(), 131);
    assert_eq!(events[37].payload, r#"{"i":37}"#);
    assert_eq!(events[7].request_id.as_deref(), Some("r7"));
    assert_eq!(events[8].request_id, None);
    let feed = store
        .list_decisions(&DecisionFilter {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(feed.len(), 131);
    assert!(feed
        .iter()
        .all(|d| d.facility_id.is_none() && d.plate.as_deref() == Some("ABC123")));
    let occ = store.occupancy().await.unwrap();
    assert_eq!(occ.len(), 69, "70 people entered, p3 left");
    let p4 = occ.iter().find(|o| o.person_id == "p4").unwrap();
    assert_eq!((p4.zone_id.as_str(), p4.since_ms), ("z2", 500));
    let p10 = occ.iter().find(|o| o.person_id == "p10").unwrap();
    assert_eq!(p10.since_ms, 80, "the later of p10's two entries");
}

/// A projection reads the events of its kind after its mark, and moving the mark is a
/// compare-and-set: a second projector starting from the same mark changes nothing. A
/// deferred transaction commits like any other (it only skips waiting for the disk).
async fn projection_marks_move_once(kind: Kind) {
    let (_db, store) = open(kind).await;
    let head = {
        let mut tx = store.begin().await.unwrap();
        let mut last = 0;
        for (i, k) in ["access.decision", "alert.raised", "access.decision"]
            .iter()
            .enumerate()
        {
            last = tx
                .append(NewEvent {
                    at_ms: T0 + i as i64,
                    kind: k,
                    actor: "system",
                    org: None,
                    subject: None,
                    request_id: None,
                    payload: serde_json::json!({ "n": i }),
                })
                .await
                .unwrap()
                .seq;
        }
        tx.commit().await.unwrap();
        last
    };
    // A new database starts its decision projection at or before the head it was created
    // with (PostgreSQL: at it; SQLite's derived file: at 0).
    let mark = store.projection_mark("access.decisions").await.unwrap();
    assert!(mark < head - 2);
    let events = store
        .events_of_kind_after("access.decision", mark, 10)
        .await
        .unwrap();
    assert_eq!(
        events.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [head - 2, head]
    );
    assert_eq!(events[1].1, r#"{"n":2}"#);
    let mut tx = store.begin_derived().await.unwrap();
    assert!(tx
        .advance_projection("access.decisions", mark, head)
        .await
        .unwrap());
    tx.commit().await.unwrap();
    let mut late = store.begin_derived().await.unwrap();
    assert!(!late
        .advance_projection("access.decisions", mark, head - 2)
        .await
        .unwrap());
    drop(late);
    assert_eq!(
        store.projection_mark("access.decisions").await.unwrap(),
        head
    );
    assert!(store
        .events_of_kind_after("access.decision", head, 10)
        .await
        .unwrap()
        .is_empty());
    // A durable transaction after a deferred one is itself durable as usual.
    let mut tx = store.begin().await.unwrap();
    tx.append(NewEvent {
        at_ms: T0 + 9,
        kind: "test.after_deferred",
        actor: "system",
        org: None,
        subject: None,
        request_id: None,
        payload: serde_json::json!({}),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.verify_chain().await.unwrap().status,
        ChainStatus::Intact
    );
}

/// A granted entry by person p1 at T0, for the decision tables; tests override what they vary.
fn decision_row(id: &str, event_seq: i64) -> DecisionRow {
    DecisionRow {
        id: id.into(),
        event_seq,
        at_ms: T0,
        gate_id: None,
        facility_id: None,
        person_id: Some("p1".into()),
        credential_number: None,
        plate: None,
        direction: "in".into(),
        outcome: "grant".into(),
        reasons: "[]".into(),
        policy_version: 1,
        security_level: 1,
        data: "{}".into(),
    }
}

/// One projected decision: its event on the chain, then its row and the mark on the derived
/// tables. Returns the event's sequence number.
async fn project_one(store: &Store, id: &str) -> i64 {
    let seq = append(store, "access.decision", json!({ "id": id }))
        .await
        .seq;
    let mark = store.projection_mark("access.decisions").await.unwrap();
    let mut tx = store.begin_derived().await.unwrap();
    assert!(tx
        .advance_projection("access.decisions", mark, seq)
        .await
        .unwrap());
    tx.insert_decision(&decision_row(id, seq)).await.unwrap();
    tx.commit().await.unwrap();
    seq
}

/// SQLite keeps the derived tables in a second file. It survives a restart; when it is lost
/// it comes back empty with its mark at 0; and one found beside a different database (a
/// restored backup, a replaced file) is emptied rather than trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_derived_file_follows_its_chain() {
    let (db, store) = open(Kind::Sqlite).await;
    let main = db.path("hamnvakt.db");
    let derived = derived_path(&main.display().to_string());
    assert!(std::path::Path::new(&derived).exists());
    let seq = project_one(&store, "d1").await;
    let rows = |s: Store| async move {
        let list = s
            .list_decisions(&DecisionFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let mark = s.projection_mark("access.decisions").await.unwrap();
        s.close().await;
        (list.len(), mark)
    };
    store.close().await;
    let reopen = |url: String| async move {
        let s = Store::open(&url, &OpenOptions::default()).await.unwrap();
        s.migrate(T0).await.unwrap();
        s
    };
    // A restart keeps the rows and the mark.
    assert_eq!(rows(reopen(db.url.clone()).await).await, (1, seq));

    // Another database with its own chain, then this derived file copied beside it.
    let other = db.path("other.db");
    let other_url = sqlite_url(&other);
    let s = reopen(other_url.clone()).await;
    append(&s, "test.different", json!({ "chain": 2 })).await;
    append(&s, "test.different", json!({ "chain": 2 })).await;
    s.close().await;
    let other_derived = derived_path(&other.display().to_string());
    std::fs::copy(&derived, &other_derived).unwrap();
    assert_eq!(rows(reopen(other_url).await).await, (0, 0));

    // The derived file lost: it comes back empty, at mark 0, and the chain is untouched.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{derived}{suffix}"));
    }
    let s = reopen(db.url.clone()).await;
    assert_eq!(s.verify_chain().await.unwrap().status, ChainStatus::Intact);
    assert_eq!(rows(s).await, (0, 0));
}

/// `WriteTx::lock_head` is what several instances' gate decisions take turns on: while one
/// transaction holds it, another handle's append waits, and the holder's reads see every event
/// committed before it. On PostgreSQL every committed append also notifies listeners.
async fn a_locked_head_orders_other_writers(kind: Kind) {
    let (db, a) = open(kind).await;
    let b = Store::open(&db.url, &OpenOptions::default()).await.unwrap();
    let mut listener = b.listen().await.unwrap();
    assert_eq!(listener.is_some(), kind == Kind::Postgres);
    let before = append(&b, "test.before", json!({})).await;
    if let Some(l) = listener.as_mut() {
        tokio::time::timeout(std::time::Duration::from_secs(10), l.next())
            .await
            .expect("an append notifies")
            .unwrap();
    }
    let mut tx = a.begin().await.unwrap();
    assert_eq!(tx.lock_head().await.unwrap(), before.seq);
    let seen = a.events_of_kind_after("test.before", 0, 10).await.unwrap();
    assert_eq!(seen.len(), 1);
    // Another writer waits for the lock (on SQLite for the one writer).
    let waiting = tokio::spawn(async move { append(&b, "test.after", json!({})).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "an append got past a locked head");
    let mine = tx
        .append(NewEvent {
            at_ms: T0,
            kind: "test.mine",
            actor: "system",
            org: None,
            subject: None,
            request_id: None,
            payload: json!({}),
        })
        .await
        .unwrap();
    assert_eq!(mine.seq, before.seq + 1);
    tx.commit().await.unwrap();
    let after = waiting.await.unwrap();
    assert_eq!(after.seq, mine.seq + 1);
    let report = a.verify_chain().await.unwrap();
    assert_eq!(report.status, ChainStatus::Intact);
}

async fn assessments_practices_and_scores(kind: Kind) {
    let (_db, store) = open(kind).await;
    let row = AssessmentRow {
        id: "a-1".into(),
        org_id: "org-1".into(),
        facility: "Norvik".into(),
        previous: None,
        created_ms: T0,
        updated_ms: T0,
        version: 1,
        data: "{\"v\":1}".into(),
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_assessment(&row).await.unwrap();
    tx.commit().await.unwrap();
    // An edit is written over the version it was made from, once.
    let edited = AssessmentRow {
        version: 2,
        updated_ms: T0 + 1,
        data: "{\"v\":2}".into(),
        ..row.clone()
    };
    let mut tx = store.begin().await.unwrap();
    tx.update_assessment(&edited).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.update_assessment(&edited).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    assert_eq!(store.assessment("a-1").await.unwrap(), Some(edited.clone()));
    // A reassessment is a new row; the rounds list in order.
    let second = AssessmentRow {
        id: "a-2".into(),
        previous: Some("a-1".into()),
        created_ms: T0 + 10,
        ..row.clone()
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_assessment(&second).await.unwrap();
    let again = tx.insert_assessment(&second).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.insert_assessment(&second).await.unwrap();
    tx.commit().await.unwrap();
    let ids: Vec<String> = store
        .assessments_of("org-1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["a-1", "a-2"]);
    assert!(store.assessments_of("org-2", 10).await.unwrap().is_empty());

    // Practices keep their marking as written; newest first.
    let mut tx = store.begin().await.unwrap();
    for (i, owner) in ["org-1", "org-2"].iter().enumerate() {
        tx.insert_practice(&PracticeRow {
            id: format!("p-{i}"),
            owner_org: (*owner).into(),
            marking: "{\"tlp\":\"TLP:GREEN\"}".into(),
            created_ms: T0 + i as i64,
            data: "{}".into(),
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let p: Vec<String> = store
        .practices(10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(p, ["p-1", "p-0"]);
    assert_eq!(
        store.practice("p-0").await.unwrap().unwrap().owner_org,
        "org-1"
    );
    assert_eq!(store.practice("p-9").await.unwrap(), None);
    // A newer version that arrived replaces the row; a revoked one takes it out.
    let mut tx = store.begin().await.unwrap();
    tx.put_practice(&PracticeRow {
        id: "p-0".into(),
        owner_org: "org-1".into(),
        marking: "{\"tlp\":\"TLP:GREEN\"}".into(),
        created_ms: T0,
        data: "{\"v\":2}".into(),
    })
    .await
    .unwrap();
    tx.remove_practice("p-1").await.unwrap();
    tx.commit().await.unwrap();
    let all = store.practices(10).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].data, "{\"v\":2}");

    // Imported catalogue versions: never rewritten, the latest import first.
    let mut tx = store.begin().await.unwrap();
    for (i, v) in ["2027.1", "2026.9"].iter().enumerate() {
        tx.insert_catalogue(&CatalogueRow {
            version: (*v).into(),
            published: "2027-01-01".into(),
            imported_ms: T0 + i as i64,
            imported_by: "pfso".into(),
            controls: 16,
            data: format!("{{\"version\":\"{v}\"}}"),
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let listed: Vec<String> = store
        .catalogues()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.version)
        .collect();
    assert_eq!(listed, ["2026.9", "2027.1"]);
    assert_eq!(
        store.catalogue("2027.1").await.unwrap().unwrap().data,
        "{\"version\":\"2027.1\"}"
    );
    assert_eq!(store.catalogue("2030.1").await.unwrap(), None);
    let mut tx = store.begin().await.unwrap();
    let again = tx
        .insert_catalogue(&CatalogueRow {
            version: "2027.1".into(),
            published: "2027-01-01".into(),
            imported_ms: T0 + 9,
            imported_by: "pfso".into(),
            controls: 1,
            data: "{}".into(),
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    drop(tx);

    // Shared scores replace the port's earlier ones; what a reader was shown is kept.
    let mut tx = store.begin().await.unwrap();
    tx.set_control_scores(
        "org-1",
        &[
            ("ACC-1".into(), "not".into()),
            ("CRG-1".into(), "partly".into()),
        ],
        T0,
    )
    .await
    .unwrap();
    tx.set_control_scores("org-1", &[("ACC-1".into(), "implemented".into())], T0 + 1)
        .await
        .unwrap();
    tx.set_control_scores("org-2", &[("ACC-1".into(), "partly".into())], T0)
        .await
        .unwrap();
    tx.set_comparison_shown("org-3", "ACC-1", "one")
        .await
        .unwrap();
    tx.set_comparison_shown("org-3", "ACC-1", "two")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.control_scores("ACC-1").await.unwrap(),
        [
            ("org-1".to_owned(), "implemented".to_owned()),
            ("org-2".to_owned(), "partly".to_owned())
        ]
    );
    assert!(store.control_scores("CRG-1").await.unwrap().is_empty());
    assert_eq!(
        store
            .comparison_shown("org-3", "ACC-1")
            .await
            .unwrap()
            .as_deref(),
        Some("two")
    );
    assert_eq!(
        store.comparison_shown("org-1", "ACC-1").await.unwrap(),
        None
    );
}

/// Folding repeats, the severity order and the alert outbox behave alike on both backends.
async fn folds_order_and_the_outbox(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, _, _) = seed_orgs(&store).await;
    let viewer = Viewer::member(port);
    let mut d = draft(port, Tlp::Amber, vec![], "access.repeated_denials");
    d.severity = Severity::Medium;
    let (a, b): (AlertId, AlertId) = (
        Id::from_random_bytes([1; 16]),
        Id::from_random_bytes([2; 16]),
    );
    let mut tx = store.begin().await.unwrap();
    tx.insert_alert(&NewAlert {
        id: a,
        draft: &d,
        raised_by: "detector:access",
        created_ms: T0,
        fold_key: Some("k1".into()),
    })
    .await
    .unwrap();
    let mut high = d.clone();
    high.severity = Severity::High;
    tx.insert_alert(&NewAlert {
        id: b,
        draft: &high,
        raised_by: "detector:access",
        created_ms: T0 - 10,
        fold_key: Some("k2".into()),
    })
    .await
    .unwrap();
    let open = tx.open_alert_by_fold_key("k1").await.unwrap().unwrap();
    assert_eq!((open.id, open.occurrences, open.last_seen_ms), (a, 1, T0));
    assert!(tx.open_alert_by_fold_key("k3").await.unwrap().is_none());
    // A repeat seen later with a higher severity; one seen earlier leaves last seen alone.
    tx.fold_alert(a, T0 + 500, Severity::Critical, T0 + 600)
        .await
        .unwrap();
    tx.fold_alert(a, T0 + 100, Severity::Low, T0 + 700)
        .await
        .unwrap();
    // The outbox: written, listed, taken once.
    let pid: AlertId = Id::from_random_bytes([3; 16]);
    tx.insert_pending_alerts(&[PendingAlert {
        id: pid,
        actor: "detector:ais".into(),
        at_ms: Some(T0),
        draft: "{}".into(),
        created_ms: T0,
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let got = store.alert(a, &viewer).await.unwrap().unwrap();
    assert_eq!(
        (got.occurrences, got.last_seen_ms, got.created_ms),
        (3, T0 + 500, T0)
    );
    assert_eq!(got.severity, Severity::Critical);
    let page = store
        .list_alerts(
            &viewer,
            &AlertFilter {
                sort: AlertSort::Severity,
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.alerts[0].id, a);
    let next = store
        .list_alerts(
            &viewer,
            &AlertFilter {
                sort: AlertSort::Severity,
                limit: 1,
                cursor: page.next_cursor,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.alerts[0].id, b);
    assert!(next.next_cursor.is_none());
    let pending = store.pending_alerts(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].id, pending[0].at_ms), (pid, Some(T0)));
    let mut tx = store.begin().await.unwrap();
    assert!(tx.take_pending_alert(pid).await.unwrap());
    assert!(!tx.take_pending_alert(pid).await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.pending_alerts(10).await.unwrap().is_empty());
    // A closed alert is no longer the open one for its finding, and cannot be folded into.
    let mut tx = store.begin().await.unwrap();
    tx.update_alert_state(
        a,
        AlertState::Open,
        AlertState::Closed,
        None,
        Some(Outcome::Confirmed),
        None,
        T0 + 800,
    )
    .await
    .unwrap();
    assert!(tx.open_alert_by_fold_key("k1").await.unwrap().is_none());
    assert!(tx
        .fold_alert(a, T0 + 900, Severity::Low, T0 + 900)
        .await
        .is_err());
}

/// Consignment rows for the targeting context: `n` of them from `seed`, over days `days`, with
/// a few importers and headings and values per kg spread over many buckets.
fn context_rows(seed: u64, n: usize, days: std::ops::Range<i64>) -> Vec<ConsignmentRow> {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    (0..n)
        .map(|k| {
            let day = days.start + (next() as i64) % (days.end - days.start);
            let hs = ["080390", "080300", "090111", "610910", "870323"][(next() % 5) as usize];
            ConsignmentRow {
                // Unique within a batch (7 is prime to 1,000), overlapping across batches.
                declaration_id: format!("D{}", (k as u64 * 7 + seed * 3) % 1000),
                day: Some(day),
                hs_code: hs.into(),
                importer: None,
                container: None,
                origin_country: None,
                data: "{}".into(),
                source: "test".into(),
                updated_ms: T0,
                importer_key: Some(format!("SE{}", next() % 40)),
                value_per_kg: Some(0.5 + (next() % 5000) as f64 / 100.0),
            }
        })
        .collect()
}

async fn targeting_context_in_memory_matches_sql(kind: Kind) {
    let (db, a) = open(kind).await;
    // A second handle on the same database: another process, or another instance.
    let b = Store::open(&db.url, &OpenOptions::default()).await.unwrap();
    let importers: Vec<String> = (0..45).map(|i| format!("SE{i}")).collect();
    let headings: Vec<String> = ["0803", "0901", "6109", "8703", "9999"]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
    let check = |s: &Store, what: &'static str| {
        let (s, importers, headings) = (s.clone(), importers.clone(), headings.clone());
        async move {
            for day in [0, 3, 10, 17, 25, 29, 30, 31, 45] {
                let (seen, norms) = s.context_before(&importers, &headings, day).await.unwrap();
                assert_eq!(
                    seen,
                    s.importers_before(&importers, day).await.unwrap(),
                    "{what}: importers before day {day}"
                );
                assert_eq!(
                    norms,
                    s.value_norms_before(&headings, day).await.unwrap(),
                    "{what}: norms before day {day}"
                );
            }
        }
    };
    check(&a, "empty").await;
    let mut tx = a.begin().await.unwrap();
    tx.upsert_consignments(&context_rows(1, 600, 0..30))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    check(&a, "after the first import").await;
    // Through the other handle: rows of the last day only, then rows that replace earlier
    // ones (their old contributions move away from their old days), then backdated ones.
    for (seed, days) in [(2, 29..30), (3, 0..30), (4, 2..5)] {
        let mut tx = b.begin().await.unwrap();
        tx.upsert_consignments(&context_rows(seed, 300, days))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        check(&a, "after another process's import").await;
    }
    check(&b, "the other process").await;
    let (seen, norms) = a.context_before(&importers, &headings, 31).await.unwrap();
    assert!(
        seen.len() > 30 && norms.len() == 4,
        "the counts hold the rows: {seen:?} {norms:?}"
    );
}

/// The gate committer's transaction (`begin_locked`, and on PostgreSQL
/// `begin_locked_following` on the kept connection, whose events go in with their values
/// written as literals): every text is stored exactly as given, quotes, backslashes and
/// statement-like text included; a text PostgreSQL cannot hold is refused with nothing
/// written, and the connection goes on.
async fn the_committers_transaction_stores_every_text_as_given(kind: Kind) {
    let (_db, store) = open(kind).await;
    append(&store, "test.before", json!({})).await;
    let odd = [
        "o'neil \\ \\' '' $$ $1 E'x' ; DROP TABLE events; -- \u{1F6A2} å ä ö",
        "\\",
        "'",
        "line\nbreak\ttab\r",
        "\\x00 \\u0000 \\'; COMMIT; BEGIN",
    ];
    let events: Vec<NewEvent> = odd
        .iter()
        .enumerate()
        .map(|(i, t)| NewEvent {
            at_ms: T0 + i as i64,
            kind: "test.odd",
            actor: t,
            org: Some(t),
            subject: Some(t),
            request_id: Some(t),
            payload: json!({ "text": t, "nul": "a\u{0}b", "i": i }),
        })
        .collect();
    let tx = match kind {
        Kind::Postgres => {
            let (tx, followed) = store
                .begin_locked_following("test.before", 0, 10, false)
                .await
                .unwrap();
            assert_eq!(followed.events.len(), 1, "{followed:?}");
            assert_eq!(followed.events[0].0, 1);
            tx
        }
        Kind::Sqlite => store.begin_locked().await.unwrap(),
    };
    let appended = tx.append_and_commit(&events).await.unwrap();
    assert_eq!(
        appended.iter().map(|a| a.seq).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    let stored = store.events_after(1, 10).await.unwrap();
    assert_eq!(stored.len(), odd.len());
    for ((e, t), a) in stored.iter().zip(odd).zip(&appended) {
        assert_eq!(
            (e.actor.as_str(), e.org.as_deref(), e.subject.as_deref()),
            (t, Some(t), Some(t))
        );
        assert_eq!(e.request_id.as_deref(), Some(t));
        let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(payload["text"], t);
        assert_eq!(payload["nul"], "a\u{0}b");
        assert_eq!(e.hash, a.hash);
    }
    assert_eq!(
        store.verify_chain().await.unwrap().status,
        ChainStatus::Intact
    );
    if kind == Kind::Postgres {
        // Followed as written.
        let (tx, followed) = store
            .begin_locked_following("test.odd", 1, 3, true)
            .await
            .unwrap();
        assert_eq!(
            followed.events.iter().map(|e| e.0).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(followed.events[0].1, stored[0].payload);
        drop(tx);
        // A NUL in a text: refused, nothing written, and the kept connection goes on.
        let tx = store.begin_locked().await.unwrap();
        let bad = tx
            .append_and_commit(&[NewEvent {
                actor: "a\u{0}b",
                ..event("test.nul", 0)
            }])
            .await;
        assert!(matches!(bad, Err(StoreError::Unsupported(_))), "{bad:?}");
        let tx = store.begin_locked().await.unwrap();
        let got = tx
            .append_and_commit(&[event("test.after", 1)])
            .await
            .unwrap();
        assert_eq!(got[0].seq, 7);
    }
    assert_eq!(
        store.verify_chain().await.unwrap().status,
        ChainStatus::Intact
    );
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(hamnvakt_testkit::Kind::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(hamnvakt_testkit::Kind::Postgres).await })*
        }
    };
}

conformance!(
    migrate_is_idempotent,
    appends_form_a_verifiable_chain,
    rolled_back_appends_leave_no_trace,
    events_are_append_only,
    tampering_names_the_first_bad_event,
    truncating_the_tail_is_found,
    concurrent_appends_stay_linear,
    durable_group_appends_follow_other_writers,
    claims_go_with_the_commit_or_not_at_all,
    a_pickup_reads_its_release_and_selection_at_once,
    a_claiming_group_goes_in_one_trip_or_the_ordinary_way,
    an_abandoned_transaction_lets_go_of_the_lock,
    a_process_never_stales_its_own_head_hint,
    users_roles_and_conflicts,
    sessions_tokens_and_login_failures,
    alerts_visibility_filters_and_paging,
    sites_round_trip,
    backup_copies_a_consistent_database,
    access_register_decisions_and_occupancy,
    group_writes_cross_chunk_boundaries,
    projection_marks_move_once,
    a_locked_head_orders_other_writers,
    assessments_practices_and_scores,
    folds_order_and_the_outbox,
    targeting_context_in_memory_matches_sql,
    the_committers_transaction_stores_every_text_as_given,
);
