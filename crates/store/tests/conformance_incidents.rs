//! The storage conformance cases of incidents, cases, merged alerts and the shift log, run
//! against SQLite and PostgreSQL like `conformance.rs` (kept apart so that capabilities
//! adding cases in parallel do not edit the same list).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hamnvakt_core::ids::{Id, OrgId};
use hamnvakt_core::marking::{Audience, Marking, Reader};
use hamnvakt_core::Tlp;
use hamnvakt_store::*;
use hamnvakt_testkit::{Kind, TestDb};

const T0: i64 = 1_795_000_000_000;

async fn open(kind: Kind) -> (TestDb, Store) {
    let db = TestDb::new(kind).await;
    let store = Store::open(&db.url, &OpenOptions::default())
        .await
        .expect("open");
    store.migrate(T0).await.expect("migrate");
    (db, store)
}

fn org(n: u8) -> OrgId {
    Id::from_random_bytes([n; 16])
}

fn reader(org: OrgId) -> Reader {
    Reader {
        org,
        partner: false,
    }
}

fn row(id: &str, owner: OrgId, marking: Marking, version: i64) -> MarkedRow {
    MarkedRow {
        id: id.into(),
        owner_org: owner,
        marking,
        state: "open".into(),
        severity: 3,
        created_ms: T0,
        updated_ms: T0 + version,
        version,
        data: format!("{{\"v\":{version}}}"),
    }
}

async fn incidents_follow_their_marking_and_versions(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, police, customs, partner) = (org(1), org(2), org(3), org(4));
    let named = Marking {
        tlp: Tlp::Amber,
        audience: Audience::Named,
        recipients: vec![police],
    };
    let strict = Marking {
        tlp: Tlp::AmberStrict,
        audience: Audience::Organisation,
        recipients: vec![],
    };
    let green = Marking {
        tlp: Tlp::Green,
        audience: Audience::Community,
        recipients: vec![],
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_marked(Marked::Incident, &row("a", port, named.clone(), 1))
        .await
        .unwrap();
    tx.insert_marked(Marked::Incident, &row("b", port, strict.clone(), 1))
        .await
        .unwrap();
    tx.insert_marked(Marked::Incident, &row("c", port, green.clone(), 1))
        .await
        .unwrap();
    tx.link_incident_alerts("a", &["alert-1".into(), "alert-2".into()])
        .await
        .unwrap();
    tx.append_timeline("a", T0, "user:x", "{\"type\":\"opened\"}")
        .await
        .unwrap();
    assert_eq!(
        tx.append_timeline("a", T0, "user:x", "{\"type\":\"note\"}")
            .await
            .unwrap(),
        2
    );
    tx.commit().await.unwrap();

    let ids = |rows: Vec<MarkedRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let list = |r: Reader| {
        let store = store.clone();
        async move {
            let mut v = ids(store
                .list_marked(Marked::Incident, &r, &[], None, 50)
                .await
                .unwrap());
            v.sort();
            v
        }
    };
    assert_eq!(list(reader(port)).await, ["a", "b", "c"]);
    assert_eq!(list(reader(police)).await, ["a", "c"]);
    assert_eq!(list(reader(customs)).await, ["c"]);
    let partner_reader = Reader {
        org: partner,
        partner: true,
    };
    assert!(list(partner_reader).await.is_empty());
    assert!(store
        .marked(Marked::Incident, "b", &reader(police))
        .await
        .unwrap()
        .is_none());
    // The timeline and an alert's incident follow the incident's marking.
    assert_eq!(
        store
            .incident_timeline("a", &reader(police), 100)
            .await
            .unwrap()
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .incident_timeline("a", &reader(customs), 100)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .incident_of_alert("alert-2", &reader(police))
            .await
            .unwrap()
            .map(|r| r.id),
        Some("a".into())
    );
    assert!(store
        .incident_of_alert("alert-2", &reader(customs))
        .await
        .unwrap()
        .is_none());
    // Filters: state and change time.
    assert!(store
        .list_marked(Marked::Incident, &reader(port), &["closed"], None, 50)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_marked(Marked::Incident, &reader(port), &[], Some(T0 + 2), 50)
        .await
        .unwrap()
        .is_empty());

    // A step over a stale version writes nothing; escalation widens the marking.
    let mut tx = store.begin().await.unwrap();
    let mut next = row("a", port, named.clone(), 2);
    next.marking.recipients.push(customs);
    next.state = "in_progress".into();
    tx.update_marked(Marked::Incident, &next).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.update_marked(Marked::Incident, &row("a", port, named.clone(), 2))
            .await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let got = store
        .marked(Marked::Incident, "a", &reader(customs))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.version, 2);
    assert_eq!(got.state, "in_progress");
    assert_eq!(got.marking.recipients, vec![police, customs]);

    // An alert is in one incident only.
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.link_incident_alerts("c", &["alert-1".into()]).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn cases_duplicates_and_the_shift_log(kind: Kind) {
    let (_db, store) = open(kind).await;
    let (port, police) = (org(1), org(2));
    let strict = Marking {
        tlp: Tlp::AmberStrict,
        audience: Audience::Organisation,
        recipients: vec![],
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_marked(Marked::Case, &row("case-1", port, strict, 1))
        .await
        .unwrap();
    tx.add_case_incident("case-1", "a").await.unwrap();
    tx.commit().await.unwrap();
    // (A refused statement ends a PostgreSQL transaction: the caller drops it.)
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.add_case_incident("case-1", "a").await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    assert!(store
        .marked(Marked::Case, "case-1", &reader(port))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .marked(Marked::Case, "case-1", &reader(police))
        .await
        .unwrap()
        .is_none());

    let mut tx = store.begin().await.unwrap();
    tx.insert_alert_duplicate("dup", "orig", T0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.alert_duplicate_of("dup").await.unwrap(),
        Some("orig".into())
    );
    assert_eq!(store.alert_duplicate_of("orig").await.unwrap(), None);

    let mut tx = store.begin().await.unwrap();
    for (i, at) in [T0, T0 + 10, T0 + 20].into_iter().enumerate() {
        tx.insert_shift_entry(&ShiftEntryRow {
            id: format!("e{i}"),
            org_id: port,
            author: "user:x".into(),
            at_ms: at,
            text: format!("entry {i}"),
        })
        .await
        .unwrap();
    }
    tx.insert_handover(&HandoverRow {
        id: "h1".into(),
        org_id: port,
        by_user: "u1".into(),
        at_ms: T0 + 15,
        since_ms: None,
        summary: "{}".into(),
        acknowledged_by: None,
        acknowledged_ms: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let since: Vec<String> = store
        .shift_entries(port, Some(T0 + 10), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(since, ["e1", "e2"]);
    assert!(store
        .shift_entries(police, None, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(store.handover(police, "h1").await.unwrap().is_none());
    let mut tx = store.begin().await.unwrap();
    tx.acknowledge_handover("h1", "u2", T0 + 30).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.acknowledge_handover("h1", "u3", T0 + 31).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let h = store.handover(port, "h1").await.unwrap().unwrap();
    assert_eq!(h.acknowledged_by.as_deref(), Some("u2"));
    assert_eq!(store.handovers(port, 10).await.unwrap().len(), 1);
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
    incidents_follow_their_marking_and_versions,
    cases_duplicates_and_the_shift_log,
);
