//! Storage for perimeter and access control: the register as JSON documents with claimed
//! unique keys, the policy versions, the gate decisions and the occupancy they produce.

use serde::Serialize;
use sqlx::Row;

use crate::sql::{chunks, Arg, Sql};
use crate::{Backend, Result, Store, StoreError, WriteTx};

/// A gate decision as stored for the feed, history and detectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRow {
    pub id: String,
    pub event_seq: i64,
    pub at_ms: i64,
    pub gate_id: Option<String>,
    pub facility_id: Option<String>,
    pub person_id: Option<String>,
    pub credential_number: Option<String>,
    pub plate: Option<String>,
    pub direction: String,
    pub outcome: String,
    /// JSON array of reasons.
    pub reasons: String,
    pub policy_version: i64,
    pub security_level: i64,
    /// The whole decision as JSON.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OccupancyRow {
    pub person_id: String,
    pub facility_id: String,
    pub zone_id: String,
    pub gate_id: String,
    pub since_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRow {
    pub version: i64,
    pub text: String,
    pub comment: String,
    pub created_by: String,
    pub created_ms: i64,
}

/// Filter for the decision feed.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub facility_id: Option<String>,
    pub person_id: Option<String>,
    pub gate_id: Option<String>,
    pub outcome: Option<String>,
    pub since_ms: Option<i64>,
    pub before_ms: Option<i64>,
    pub limit: i64,
}

const DECISION_COLUMNS: &str =
    "id, event_seq, at_ms, gate_id, facility_id, person_id, credential_number, plate, direction, \
                                outcome, reasons, policy_version, security_level, data";

fn decision_from_row(r: &sqlx::any::AnyRow) -> Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.try_get(0)?,
        event_seq: r.try_get(1)?,
        at_ms: r.try_get(2)?,
        gate_id: r.try_get(3)?,
        facility_id: r.try_get(4)?,
        person_id: r.try_get(5)?,
        credential_number: r.try_get(6)?,
        plate: r.try_get(7)?,
        direction: r.try_get(8)?,
        outcome: r.try_get(9)?,
        reasons: r.try_get(10)?,
        policy_version: r.try_get(11)?,
        security_level: r.try_get(12)?,
        data: r.try_get(13)?,
    })
}

impl WriteTx {
    /// Inserts or replaces a register record and claims its unique keys (releasing the keys it
    /// held before). A key another record holds is a conflict. Returns the register's new
    /// version: one more than the version the caller last saw, unless another writer changed
    /// the register in between.
    pub async fn put_access_record(
        &mut self,
        kind: &str,
        id: &str,
        keys: &[String],
        data: &str,
        at_ms: i64,
    ) -> Result<i64> {
        sqlx::query("DELETE FROM access_keys WHERE kind = $1 AND id = $2")
            .bind(kind.to_owned())
            .bind(id.to_owned())
            .execute(&mut *self.tx)
            .await?;
        for key in keys {
            sqlx::query("INSERT INTO access_keys (kind, key, id) VALUES ($1, $2, $3)")
                .bind(kind.to_owned())
                .bind(key.clone())
                .bind(id.to_owned())
                .execute(&mut *self.tx)
                .await
                .map_err(|e| match StoreError::from_write(e) {
                    StoreError::Conflict(_) => {
                        StoreError::Conflict(format!("another {kind} already has {key:?}"))
                    }
                    other => other,
                })?;
        }
        let n = sqlx::query(
            "UPDATE access_records SET data = $1, updated_ms = $2 WHERE kind = $3 AND id = $4",
        )
        .bind(data.to_owned())
        .bind(at_ms)
        .bind(kind.to_owned())
        .bind(id.to_owned())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n == 0 {
            sqlx::query(
                "INSERT INTO access_records (kind, id, data, updated_ms) VALUES ($1, $2, $3, $4)",
            )
            .bind(kind.to_owned())
            .bind(id.to_owned())
            .bind(data.to_owned())
            .bind(at_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        }
        self.bump_access_version().await
    }

    /// Moves the register's version on and returns the new one. The row stays locked (on
    /// PostgreSQL) until this transaction ends, so the version returned is this change's.
    async fn bump_access_version(&mut self) -> Result<i64> {
        sqlx::query("UPDATE access_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *self.tx)
            .await?;
        Ok(
            sqlx::query("SELECT version FROM access_version WHERE id = 1")
                .fetch_one(&mut *self.tx)
                .await?
                .try_get(0)?,
        )
    }

    /// Stores a new version of the access policies; returns the register's new version.
    pub async fn insert_access_policy(&mut self, p: &PolicyRow) -> Result<i64> {
        sqlx::query("INSERT INTO access_policies (version, text, comment, created_by, created_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(p.version)
            .bind(p.text.clone())
            .bind(p.comment.clone())
            .bind(p.created_by.clone())
            .bind(p.created_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        self.bump_access_version().await
    }

    pub async fn insert_decision(&mut self, d: &DecisionRow) -> Result<()> {
        self.insert_decisions(std::slice::from_ref(d)).await
    }

    /// Inserts a group of decisions with multi-row statements.
    pub async fn insert_decisions(&mut self, rows: &[DecisionRow]) -> Result<()> {
        let rows: Vec<_> = rows
            .iter()
            .map(|d| {
                [
                    Arg::Text(d.id.clone()),
                    Arg::I64(d.event_seq),
                    Arg::I64(d.at_ms),
                    Arg::OptText(d.gate_id.clone()),
                    Arg::OptText(d.facility_id.clone()),
                    Arg::OptText(d.person_id.clone()),
                    Arg::OptText(d.credential_number.clone()),
                    Arg::OptText(d.plate.clone()),
                    Arg::Text(d.direction.clone()),
                    Arg::Text(d.outcome.clone()),
                    Arg::Text(d.reasons.clone()),
                    Arg::I64(d.policy_version),
                    Arg::I64(d.security_level),
                    Arg::Text(d.data.clone()),
                ]
            })
            .collect();
        self.insert_rows(
            &format!("INSERT INTO gate_decisions ({DECISION_COLUMNS}) VALUES "),
            "",
            rows,
        )
        .await?;
        Ok(())
    }

    /// Applies a group of occupancy changes in order (`None`: the person left): the last
    /// change per person wins, written with one delete and multi-row upserts.
    pub async fn set_occupancies(
        &mut self,
        changes: &[(String, Option<OccupancyRow>)],
    ) -> Result<()> {
        let mut last: std::collections::HashMap<&str, Option<&OccupancyRow>> = Default::default();
        let mut order = Vec::new();
        for (person, row) in changes {
            if last.insert(person.as_str(), row.as_ref()).is_none() {
                order.push(person.as_str());
            }
        }
        let gone: Vec<&str> = order
            .iter()
            .copied()
            .filter(|p| matches!(last.get(p), Some(None)))
            .collect();
        let here: Vec<&OccupancyRow> = order
            .iter()
            .filter_map(|p| last.get(p).copied().flatten())
            .collect();
        let mut it = gone.iter();
        for (_, len) in chunks(gone.len()) {
            let mut sql = Sql::on(self.backend, "DELETE FROM occupancy WHERE person_id IN ");
            sql.row(
                true,
                it.by_ref().take(len).map(|p| Arg::Text((*p).to_owned())),
            );
            sql.query().execute(&mut *self.tx).await?;
        }
        let rows: Vec<_> = here
            .iter()
            .map(|o| {
                [
                    Arg::Text(o.person_id.clone()),
                    Arg::Text(o.facility_id.clone()),
                    Arg::Text(o.zone_id.clone()),
                    Arg::Text(o.gate_id.clone()),
                    Arg::I64(o.since_ms),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO occupancy (person_id, facility_id, zone_id, gate_id, since_ms) VALUES ",
            " ON CONFLICT (person_id) DO UPDATE SET facility_id = excluded.facility_id, zone_id = excluded.zone_id, \
             gate_id = excluded.gate_id, since_ms = excluded.since_ms",
            rows,
        )
        .await?;
        Ok(())
    }

    /// Sets where a person is, or removes them (left the facility).
    pub async fn set_occupancy(
        &mut self,
        person_id: &str,
        at: Option<&OccupancyRow>,
    ) -> Result<()> {
        self.set_occupancies(&[(person_id.to_owned(), at.cloned())])
            .await
    }
}

impl Store {
    /// Every record of a kind: (id, JSON).
    pub async fn access_records(&self, kind: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT id, data FROM access_records WHERE kind = $1 ORDER BY id")
            .bind(kind.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn access_record(&self, kind: &str, id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT data FROM access_records WHERE kind = $1 AND id = $2")
            .bind(kind.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// The register's change counter.
    pub async fn access_version(&self) -> Result<i64> {
        Ok(
            sqlx::query("SELECT version FROM access_version WHERE id = 1")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    pub async fn access_policies(&self) -> Result<Vec<PolicyRow>> {
        let rows = sqlx::query("SELECT version, text, comment, created_by, created_ms FROM access_policies ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PolicyRow {
                    version: r.try_get(0)?,
                    text: r.try_get(1)?,
                    comment: r.try_get(2)?,
                    created_by: r.try_get(3)?,
                    created_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Decisions, newest first.
    pub async fn list_decisions(&self, f: &DecisionFilter) -> Result<Vec<DecisionRow>> {
        let mut q = Sql::on(
            self.backend,
            &format!("SELECT {DECISION_COLUMNS} FROM gate_decisions WHERE 1 = 1"),
        );
        for (col, v) in [
            ("facility_id", &f.facility_id),
            ("person_id", &f.person_id),
            ("gate_id", &f.gate_id),
            ("outcome", &f.outcome),
        ] {
            if let Some(v) = v {
                q.push(&format!(" AND {col} = ")).arg(Arg::Text(v.clone()));
            }
        }
        if let Some(s) = f.since_ms {
            q.push(" AND at_ms >= ").arg(Arg::I64(s));
        }
        if let Some(b) = f.before_ms {
            q.push(" AND at_ms < ").arg(Arg::I64(b));
        }
        q.push(" ORDER BY at_ms DESC, event_seq DESC LIMIT ")
            .arg(Arg::I64(f.limit.clamp(1, 5000)));
        q.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decision_from_row)
            .collect()
    }

    /// Decisions since a time, oldest first (for the detectors' baselines at start-up).
    pub async fn decisions_since(&self, since_ms: i64, limit: i64) -> Result<Vec<DecisionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {DECISION_COLUMNS} FROM gate_decisions WHERE at_ms >= $1 ORDER BY at_ms, event_seq LIMIT $2"
        ))
        .bind(since_ms)
        .bind(limit.clamp(1, 1_000_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_from_row).collect()
    }

    pub async fn occupancy(&self) -> Result<Vec<OccupancyRow>> {
        let rows = sqlx::query("SELECT person_id, facility_id, zone_id, gate_id, since_ms FROM occupancy ORDER BY since_ms")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OccupancyRow {
                    person_id: r.try_get(0)?,
                    facility_id: r.try_get(1)?,
                    zone_id: r.try_get(2)?,
                    gate_id: r.try_get(3)?,
                    since_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }
}
