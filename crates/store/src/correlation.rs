//! Correlation rules: every version kept, the newest in force (like risk profiles).

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError, WriteTx};

/// One version of a correlation rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleRow {
    pub id: String,
    pub version: i64,
    /// The rule as JSON.
    pub data: String,
    pub author: String,
    pub created_ms: i64,
}

fn from_row(r: &AnyRow) -> Result<RuleRow> {
    Ok(RuleRow {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        data: r.try_get(2)?,
        author: r.try_get(3)?,
        created_ms: r.try_get(4)?,
    })
}

impl WriteTx {
    /// Adds a version of a rule (versions are never changed or deleted).
    pub async fn insert_rule_version(&mut self, r: &RuleRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO correlation_rules (id, version, data, author, created_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.id.clone())
        .bind(r.version)
        .bind(r.data.clone())
        .bind(r.author.clone())
        .bind(r.created_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

impl Store {
    /// The newest version of every stored rule.
    pub async fn latest_rules(&self) -> Result<Vec<RuleRow>> {
        let rows = sqlx::query(
            "SELECT r.id, r.version, r.data, r.author, r.created_ms FROM correlation_rules r \
             JOIN (SELECT id, MAX(version) AS v FROM correlation_rules GROUP BY id) l \
             ON l.id = r.id AND l.v = r.version ORDER BY r.created_ms, r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Every stored version of one rule, oldest first.
    pub async fn rule_versions(&self, id: &str) -> Result<Vec<RuleRow>> {
        let rows = sqlx::query(
            "SELECT id, version, data, author, created_ms FROM correlation_rules WHERE id = $1 ORDER BY version",
        )
        .bind(id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
