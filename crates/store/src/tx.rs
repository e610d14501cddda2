//! Write transactions and the append to the event log.
//!
//! Appending reads the chain head, hashes the new event onto it, inserts the event and moves
//! the head, all inside the caller's transaction. On PostgreSQL the head row is read
//! `FOR UPDATE`, so appends from several instances take turns and the chain stays linear; on
//! SQLite the single writer connection already orders them.

use hamnvakt_core::chain::{self, EventFields};
use sqlx::{Any, Row, Transaction};

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
        let (prev_seq, prev_hash) = match self.head.take() {
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
        let seq = prev_seq + 1;
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
        sqlx::query(
            "INSERT INTO events (seq, at_ms, kind, actor, org_id, subject, request_id, payload, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(e.at_ms)
        .bind(e.kind.to_owned())
        .bind(e.actor.to_owned())
        .bind(e.org.map(str::to_owned))
        .bind(e.subject.map(str::to_owned))
        .bind(e.request_id.map(str::to_owned))
        .bind(payload)
        .bind(prev_hash)
        .bind(hash.clone())
        .execute(&mut *self.tx)
        .await?;
        self.head = Some((seq, hash.clone()));
        self.head_moved = true;
        Ok(AppendedEvent { seq, hash })
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
