//! Witnessed checkpoints (schema 14): the checkpoints of our chain this installation signed
//! (`witness_signed`) and the ones partners sent of theirs (`witness_received`). Both tables
//! are append-only; a received checkpoint is written in the transaction of the event that
//! records its receipt.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError, WriteTx};

/// One signed checkpoint, ours or a partner's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointRow {
    pub installation: String,
    pub seq: i64,
    pub head_hash: String,
    pub at_ms: i64,
    /// The signer's ed25519 public key (hex) the signature was checked against.
    pub public_key: String,
    /// The ed25519 signature (hex) over `hamnvakt_core::witness::Checkpoint::signing_bytes`.
    pub signature: String,
    /// When we received it (partners' checkpoints); for our own, when we signed it.
    pub received_ms: i64,
}

const COLUMNS: &str = "installation, seq, head_hash, at_ms, public_key, signature";

fn from_row(r: &AnyRow, received: bool) -> Result<CheckpointRow> {
    let at_ms: i64 = r.try_get(3)?;
    Ok(CheckpointRow {
        installation: r.try_get(0)?,
        seq: r.try_get(1)?,
        head_hash: r.try_get(2)?,
        at_ms,
        public_key: r.try_get(4)?,
        signature: r.try_get(5)?,
        received_ms: if received { r.try_get(6)? } else { at_ms },
    })
}

impl WriteTx {
    /// Keeps a checkpoint this installation signed.
    pub async fn insert_signed_checkpoint(&mut self, c: &CheckpointRow) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO witness_signed ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(c.installation.clone())
        .bind(c.seq)
        .bind(c.head_hash.clone())
        .bind(c.at_ms)
        .bind(c.public_key.clone())
        .bind(c.signature.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Keeps a partner's checkpoint; a second one for the same installation and sequence
    /// number is a [`StoreError::Conflict`].
    pub async fn insert_received_checkpoint(&mut self, c: &CheckpointRow) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO witness_received ({COLUMNS}, received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(c.installation.clone())
        .bind(c.seq)
        .bind(c.head_hash.clone())
        .bind(c.at_ms)
        .bind(c.public_key.clone())
        .bind(c.signature.clone())
        .bind(c.received_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

impl Store {
    /// The newest checkpoint this installation signed.
    pub async fn latest_signed_checkpoint(&self) -> Result<Option<CheckpointRow>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM witness_signed ORDER BY seq DESC LIMIT 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| from_row(&r, false)).transpose()
    }

    /// Checkpoints this installation signed, newest first, below `before` if given.
    pub async fn signed_checkpoints(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CheckpointRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM witness_signed WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| from_row(r, false)).collect()
    }

    /// The checkpoint we hold of `installation` at `seq`, if any.
    pub async fn received_checkpoint(
        &self,
        installation: &str,
        seq: i64,
    ) -> Result<Option<CheckpointRow>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, received_ms FROM witness_received WHERE installation = $1 AND seq = $2"
        ))
        .bind(installation.to_owned())
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| from_row(&r, true)).transpose()
    }

    /// Partners' checkpoints, by installation and then sequence number, newest first: those
    /// of `installation` if given, below `before` (a sequence number) if given.
    pub async fn received_checkpoints(
        &self,
        installation: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CheckpointRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, received_ms FROM witness_received \
             WHERE ($1 = '' OR installation = $1) AND seq < $2 \
             ORDER BY installation, seq DESC LIMIT $3"
        ))
        .bind(installation.unwrap_or("").to_owned())
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| from_row(r, true)).collect()
    }

    /// The event at `seq`'s hash, if it is stored.
    pub async fn event_hash_at(&self, seq: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT hash FROM events WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
