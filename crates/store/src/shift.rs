//! The shift log (schema 19): an organisation's entries and its handovers with what each
//! showed and who acknowledged it. Every read is of one organisation: the log is never shared.

use hamnvakt_core::ids::OrgId;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError, WriteTx};

/// One entry of the shift log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftEntryRow {
    pub id: String,
    pub org_id: OrgId,
    pub author: String,
    pub at_ms: i64,
    pub text: String,
}

/// A handover with what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverRow {
    pub id: String,
    pub org_id: OrgId,
    pub by_user: String,
    pub at_ms: i64,
    pub since_ms: Option<i64>,
    pub summary: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_ms: Option<i64>,
}

impl WriteTx {
    pub async fn insert_shift_entry(&mut self, e: &ShiftEntryRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO shift_entries (id, org_id, author, at_ms, text) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.id.clone())
        .bind(e.org_id.to_string())
        .bind(e.author.clone())
        .bind(e.at_ms)
        .bind(e.text.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn insert_handover(&mut self, h: &HandoverRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO handovers (id, org_id, by_user, at_ms, since_ms, summary, \
             acknowledged_by, acknowledged_ms) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)",
        )
        .bind(h.id.clone())
        .bind(h.org_id.to_string())
        .bind(h.by_user.clone())
        .bind(h.at_ms)
        .bind(h.since_ms)
        .bind(h.summary.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Records the acknowledgement, once: a handover acknowledged meanwhile is a
    /// [`StoreError::Conflict`].
    pub async fn acknowledge_handover(&mut self, id: &str, by: &str, at_ms: i64) -> Result<()> {
        let n = sqlx::query(
            "UPDATE handovers SET acknowledged_by = $1, acknowledged_ms = $2 \
             WHERE id = $3 AND acknowledged_by IS NULL",
        )
        .bind(by.to_owned())
        .bind(at_ms)
        .bind(id.to_owned())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "handover {id} was acknowledged already"
            )));
        }
        Ok(())
    }
}

fn handover_of(r: &AnyRow) -> Result<HandoverRow> {
    let org: String = r.try_get(1)?;
    Ok(HandoverRow {
        id: r.try_get(0)?,
        org_id: org
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("handover org {org:?}")))?,
        by_user: r.try_get(2)?,
        at_ms: r.try_get(3)?,
        since_ms: r.try_get(4)?,
        summary: r.try_get(5)?,
        acknowledged_by: r.try_get(6)?,
        acknowledged_ms: r.try_get(7)?,
    })
}

const HANDOVER_COLUMNS: &str =
    "id, org_id, by_user, at_ms, since_ms, summary, acknowledged_by, acknowledged_ms";

impl Store {
    /// The organisation's shift log at or after `since_ms`, oldest first.
    pub async fn shift_entries(
        &self,
        org: OrgId,
        since_ms: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ShiftEntryRow>> {
        let rows = sqlx::query(
            "SELECT id, org_id, author, at_ms, text FROM shift_entries \
             WHERE org_id = $1 AND at_ms >= $2 ORDER BY at_ms, id LIMIT $3",
        )
        .bind(org.to_string())
        .bind(since_ms.unwrap_or(i64::MIN))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ShiftEntryRow {
                    id: r.try_get(0)?,
                    org_id: org,
                    author: r.try_get(2)?,
                    at_ms: r.try_get(3)?,
                    text: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The organisation's handovers, newest first.
    pub async fn handovers(&self, org: OrgId, limit: i64) -> Result<Vec<HandoverRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {HANDOVER_COLUMNS} FROM handovers WHERE org_id = $1 \
             ORDER BY at_ms DESC, id LIMIT $2"
        ))
        .bind(org.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(handover_of).collect()
    }

    /// One handover of the organisation.
    pub async fn handover(&self, org: OrgId, id: &str) -> Result<Option<HandoverRow>> {
        let row = sqlx::query(&format!(
            "SELECT {HANDOVER_COLUMNS} FROM handovers WHERE org_id = $1 AND id = $2"
        ))
        .bind(org.to_string())
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(handover_of).transpose()
    }
}
