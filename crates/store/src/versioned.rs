//! Documents kept in every version, the newest in force: risk profiles (targeting) and
//! correlation rules. Each lives in its own table of the same shape, `(id, version, data,
//! author, created_ms)`; a version is added and never changed or deleted.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError, WriteTx};

/// One version of a versioned document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VersionRow {
    pub id: String,
    pub version: i64,
    /// The document as JSON.
    pub data: String,
    pub author: String,
    pub created_ms: i64,
}

/// One version of a risk profile.
pub type ProfileRow = VersionRow;

/// One version of a correlation rule.
pub type RuleRow = VersionRow;

/// The tables of versioned documents (a closed set: their names go into SQL text).
#[derive(Debug, Clone, Copy)]
enum Table {
    RiskProfiles,
    CorrelationRules,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::RiskProfiles => "risk_profiles",
            Table::CorrelationRules => "correlation_rules",
        }
    }
}

fn from_row(r: &AnyRow) -> Result<VersionRow> {
    Ok(VersionRow {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        data: r.try_get(2)?,
        author: r.try_get(3)?,
        created_ms: r.try_get(4)?,
    })
}

impl WriteTx {
    async fn insert_version(&mut self, table: Table, v: &VersionRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (id, version, data, author, created_ms) VALUES ($1, $2, $3, $4, $5)",
            table.name()
        );
        sqlx::query(&sql)
            .bind(v.id.clone())
            .bind(v.version)
            .bind(v.data.clone())
            .bind(v.author.clone())
            .bind(v.created_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Adds a version of a profile (versions are never changed or deleted).
    pub async fn insert_profile_version(&mut self, p: &ProfileRow) -> Result<()> {
        self.insert_version(Table::RiskProfiles, p).await
    }

    /// Adds a version of a rule (versions are never changed or deleted).
    pub async fn insert_rule_version(&mut self, r: &RuleRow) -> Result<()> {
        self.insert_version(Table::CorrelationRules, r).await
    }
}

impl Store {
    async fn latest_versions(&self, table: Table) -> Result<Vec<VersionRow>> {
        let sql = format!(
            "SELECT t.id, t.version, t.data, t.author, t.created_ms FROM {0} t \
             JOIN (SELECT id, MAX(version) AS v FROM {0} GROUP BY id) l \
             ON l.id = t.id AND l.v = t.version ORDER BY t.created_ms, t.id",
            table.name()
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    async fn versions(&self, table: Table, id: &str) -> Result<Vec<VersionRow>> {
        let sql = format!(
            "SELECT id, version, data, author, created_ms FROM {} WHERE id = $1 ORDER BY version",
            table.name()
        );
        let rows = sqlx::query(&sql)
            .bind(id.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The latest version of every profile.
    pub async fn latest_profiles(&self) -> Result<Vec<ProfileRow>> {
        self.latest_versions(Table::RiskProfiles).await
    }

    /// Every version of one profile, oldest first.
    pub async fn profile_versions(&self, id: &str) -> Result<Vec<ProfileRow>> {
        self.versions(Table::RiskProfiles, id).await
    }

    /// The newest version of every stored rule.
    pub async fn latest_rules(&self) -> Result<Vec<RuleRow>> {
        self.latest_versions(Table::CorrelationRules).await
    }

    /// Every stored version of one rule, oldest first.
    pub async fn rule_versions(&self, id: &str) -> Result<Vec<RuleRow>> {
        self.versions(Table::CorrelationRules, id).await
    }
}
