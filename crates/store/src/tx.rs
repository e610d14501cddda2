//! Write transactions and the append to the event log.
//!
//! Appending reads the chain head, hashes the new event onto it, inserts the event and moves
//! the head, all inside the caller's transaction. On PostgreSQL the head row is read
//! `FOR UPDATE`, so appends from several instances take turns and the chain stays linear; on
//! SQLite the single writer connection already orders them.

use hamnvakt_core::chain::{self, EventFields};
use sqlx::{Any, Row, Transaction};

use crate::sql::{chunks, Arg, Sql};
use crate::{Backend, Result, StoreError};

/// An event to append. The payload is any JSON; it is stored in canonical form.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub at_ms: i64,
    /// Dotted event kind: `auth.login`, `alert.acknowledged` …
    pub kind: &'a str,
    /// Who did it: `user:<id>`, `token:<id>`, `system`, `cli`.
    pub actor: &'a str,
    /// The actor's organisation, when there is one.
    pub org: Option<&'a str>,
    /// What it was done to: `alert:<id>`, `user:<id>` …
    pub subject: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub payload: serde_json::Value,
}

/// Where an appended event landed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedEvent {
    pub seq: i64,
    pub hash: String,
}

/// A transaction on the writer connection. Dropping it without [`WriteTx::commit`] rolls
/// everything back, events included.
#[derive(Debug)]
pub struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    /// The chain head as this transaction has moved it, once read.
    head: Option<(i64, String)>,
    /// Whether appends moved the head (written once, at commit).
    head_moved: bool,
}

impl WriteTx {
    pub(crate) fn new(tx: Transaction<'static, Any>, backend: Backend) -> WriteTx {
        WriteTx {
            tx,
            backend,
            head: None,
            head_moved: false,
        }
    }

    /// Appends one event to the chain.
    pub async fn append(&mut self, e: NewEvent<'_>) -> Result<AppendedEvent> {
        let mut out = self.append_many(std::slice::from_ref(&e)).await?;
        out.pop()
            .ok_or_else(|| StoreError::Corrupt("an append returned no event".into()))
    }

    /// Appends events to the chain in the order given, with multi-row inserts (a group of
    /// gate decisions costs a handful of statements, not one per event).
    pub async fn append_many(&mut self, events: &[NewEvent<'_>]) -> Result<Vec<AppendedEvent>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (mut seq, mut prev_hash) = match self.head.take() {
            Some(h) => h,
            None => {
                let sql = match self.backend {
                    Backend::Sqlite => "SELECT seq, hash FROM chain_head WHERE id = 1",
                    Backend::Postgres => "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE",
                };
                let row = sqlx::query(sql)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("chain_head row is missing".into()))?;
                (row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?)
            }
        };
        let mut rows = Vec::with_capacity(events.len());
        let mut appended = Vec::with_capacity(events.len());
        for e in events {
            seq += 1;
            let payload = chain::canonical_json(&e.payload);
            let hash = chain::event_hash(
                &prev_hash,
                &EventFields {
                    seq,
                    at_ms: e.at_ms,
                    kind: e.kind,
                    actor: e.actor,
                    org: e.org,
                    subject: e.subject,
                    request_id: e.request_id,
                    payload: &payload,
                },
            );
            let prev = std::mem::replace(&mut prev_hash, hash.clone());
            appended.push(AppendedEvent {
                seq,
                hash: hash.clone(),
            });
            rows.push([
                Arg::I64(seq),
                Arg::I64(e.at_ms),
                Arg::Text(e.kind.to_owned()),
                Arg::Text(e.actor.to_owned()),
                Arg::OptText(e.org.map(str::to_owned)),
                Arg::OptText(e.subject.map(str::to_owned)),
                Arg::OptText(e.request_id.map(str::to_owned)),
                Arg::Text(payload),
                Arg::Text(prev),
                Arg::Text(hash),
            ]);
        }
        let mut rows = rows.into_iter();
        for (_, len) in chunks(events.len()) {
            let mut sql = Sql::on(self.backend,
                "INSERT INTO events (seq, at_ms, kind, actor, org_id, subject, request_id, payload, prev_hash, hash) VALUES ",
            );
            for (i, row) in rows.by_ref().take(len).enumerate() {
                sql.row(i == 0, row);
            }
            sql.query().execute(&mut *self.tx).await?;
        }
        self.head = Some((seq, prev_hash));
        self.head_moved = true;
        Ok(appended)
    }

    /// Writes `rows` with multi-row statements, `head (…), (…) tail`, chunked as
    /// [`chunks`] says; constraint violations come back as [`StoreError::Conflict`].
    pub(crate) async fn insert_rows<R: IntoIterator<Item = Arg>>(
        &mut self,
        head: &str,
        tail: &str,
        rows: Vec<R>,
    ) -> Result<()> {
        let n = rows.len();
        let mut it = rows.into_iter();
        for (_, len) in chunks(n) {
            let mut sql = Sql::on(self.backend, head);
            for (i, row) in it.by_ref().take(len).enumerate() {
                sql.row(i == 0, row);
            }
            sql.push(tail);
            sql.query()
                .execute(&mut *self.tx)
                .await
                .map_err(StoreError::from_write)?;
        }
        Ok(())
    }

    /// Makes the transaction durable. Returns only after the database has it on disk. The
    /// chain head is written once here, after all of the transaction's appends.
    pub async fn commit(mut self) -> Result<()> {
        if let (true, Some((seq, hash))) = (self.head_moved, self.head.take()) {
            sqlx::query("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(hash)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}
