//! Schema migrations: numbered SQL files per backend, embedded in the binary, applied in order
//! inside one transaction each and recorded in `schema_migrations`.

use sqlx::{Executor, Row};

use crate::{Backend, Result, Store, StoreError};

/// A migration: its number, its name and the SQL for each backend.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../schema/sqlite/0001_init.sql"),
        postgres: include_str!("../schema/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sqlite: include_str!("../schema/sqlite/0002_access.sql"),
        postgres: include_str!("../schema/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "vessels",
        sqlite: include_str!("../schema/sqlite/0003_vessels.sql"),
        postgres: include_str!("../schema/postgres/0003_vessels.sql"),
    },
    Migration {
        version: 4,
        name: "consignments",
        sqlite: include_str!("../schema/sqlite/0004_consignments.sql"),
        postgres: include_str!("../schema/postgres/0004_consignments.sql"),
    },
    Migration {
        version: 5,
        name: "risk_profiles",
        sqlite: include_str!("../schema/sqlite/0005_risk_profiles.sql"),
        postgres: include_str!("../schema/postgres/0005_risk_profiles.sql"),
    },
    Migration {
        version: 6,
        name: "inspection_outcomes",
        sqlite: include_str!("../schema/sqlite/0006_inspection_outcomes.sql"),
        postgres: include_str!("../schema/postgres/0006_inspection_outcomes.sql"),
    },
    Migration {
        version: 7,
        name: "selections",
        sqlite: include_str!("../schema/sqlite/0007_selections.sql"),
        postgres: include_str!("../schema/postgres/0007_selections.sql"),
    },
    Migration {
        version: 8,
        name: "risk_models",
        sqlite: include_str!("../schema/sqlite/0008_risk_models.sql"),
        postgres: include_str!("../schema/postgres/0008_risk_models.sql"),
    },
    Migration {
        version: 9,
        name: "projections",
        sqlite: include_str!("../schema/sqlite/0009_projections.sql"),
        postgres: include_str!("../schema/postgres/0009_projections.sql"),
    },
    Migration {
        version: 10,
        name: "derived_file",
        sqlite: include_str!("../schema/sqlite/0010_derived_file.sql"),
        postgres: include_str!("../schema/postgres/0010_derived_file.sql"),
    },
    Migration {
        version: 11,
        name: "login_throttle",
        sqlite: include_str!("../schema/sqlite/0011_login_throttle.sql"),
        postgres: include_str!("../schema/postgres/0011_login_throttle.sql"),
    },
    Migration {
        version: 12,
        name: "auth_version",
        sqlite: include_str!("../schema/sqlite/0012_auth_version.sql"),
        postgres: include_str!("../schema/postgres/0012_auth_version.sql"),
    },
    Migration {
        version: 13,
        name: "sharing",
        sqlite: include_str!("../schema/sqlite/0013_sharing.sql"),
        postgres: include_str!("../schema/postgres/0013_sharing.sql"),
    },
    Migration {
        version: 14,
        name: "witness",
        sqlite: include_str!("../schema/sqlite/0014_witness.sql"),
        postgres: include_str!("../schema/postgres/0014_witness.sql"),
    },
    Migration {
        version: 15,
        name: "release",
        sqlite: include_str!("../schema/sqlite/0015_release.sql"),
        postgres: include_str!("../schema/postgres/0015_release.sql"),
    },
    Migration {
        version: 16,
        name: "assessment",
        sqlite: include_str!("../schema/sqlite/0016_assessment.sql"),
        postgres: include_str!("../schema/postgres/0016_assessment.sql"),
    },
    Migration {
        version: 17,
        name: "pickups",
        sqlite: include_str!("../schema/sqlite/0017_pickups.sql"),
        postgres: include_str!("../schema/postgres/0017_pickups.sql"),
    },
    Migration {
        version: 18,
        name: "notify",
        sqlite: include_str!("../schema/sqlite/0018_notify.sql"),
        postgres: include_str!("../schema/postgres/0018_notify.sql"),
    },
    Migration {
        version: 19,
        name: "incidents",
        sqlite: include_str!("../schema/sqlite/0019_incidents.sql"),
        postgres: include_str!("../schema/postgres/0019_incidents.sql"),
    },
    Migration {
        version: 20,
        name: "entity_refs",
        sqlite: include_str!("../schema/sqlite/0020_entity_refs.sql"),
        postgres: include_str!("../schema/postgres/0020_entity_refs.sql"),
    },
    Migration {
        version: 21,
        name: "alert_queue",
        sqlite: include_str!("../schema/sqlite/0021_alert_queue.sql"),
        postgres: include_str!("../schema/postgres/0021_alert_queue.sql"),
    },
    Migration {
        version: 22,
        name: "targeting_context",
        sqlite: include_str!("../schema/sqlite/0022_targeting_context.sql"),
        postgres: include_str!("../schema/postgres/0022_targeting_context.sql"),
    },
    Migration {
        version: 25,
        name: "catalogues",
        sqlite: include_str!("../schema/sqlite/0025_catalogues.sql"),
        postgres: include_str!("../schema/postgres/0025_catalogues.sql"),
    },
    Migration {
        version: 26,
        name: "maritime_state",
        sqlite: include_str!("../schema/sqlite/0026_maritime_state.sql"),
        postgres: include_str!("../schema/postgres/0026_maritime_state.sql"),
    },
    Migration {
        version: 29,
        name: "alert_messages",
        sqlite: include_str!("../schema/sqlite/0029_alert_messages.sql"),
        postgres: include_str!("../schema/postgres/0029_alert_messages.sql"),
    },
    Migration {
        version: 31,
        name: "targeting_context_version",
        sqlite: include_str!("../schema/sqlite/0031_targeting_context_version.sql"),
        postgres: include_str!("../schema/postgres/0031_targeting_context_version.sql"),
    },
    Migration {
        version: 32,
        name: "alert_audience",
        sqlite: include_str!("../schema/sqlite/0032_alert_audience.sql"),
        postgres: include_str!("../schema/postgres/0032_alert_audience.sql"),
    },
    Migration {
        version: 33,
        name: "feed_last_run_objects",
        sqlite: include_str!("../schema/sqlite/0033_feed_last_run_objects.sql"),
        postgres: include_str!("../schema/postgres/0033_feed_last_run_objects.sql"),
    },
    Migration {
        version: 34,
        name: "releases_by_driver",
        sqlite: include_str!("../schema/sqlite/0034_releases_by_driver.sql"),
        postgres: include_str!("../schema/postgres/0034_releases_by_driver.sql"),
    },
    Migration {
        version: 35,
        name: "releases_by_container",
        sqlite: include_str!("../schema/sqlite/0035_releases_by_container.sql"),
        postgres: include_str!("../schema/postgres/0035_releases_by_container.sql"),
    },
    Migration {
        version: 36,
        name: "commit_marks",
        sqlite: include_str!("../schema/sqlite/0036_commit_marks.sql"),
        postgres: include_str!("../schema/postgres/0036_commit_marks.sql"),
    },
];

/// Key of the PostgreSQL advisory lock that keeps two instances from migrating at once.
const MIGRATION_LOCK: i64 = 0x4841_4d4e_5641_4b54; // "HAMNVAKT"

impl Store {
    /// Applies the migrations not yet applied; returns the ones it applied.
    pub async fn migrate(&self, now_ms: i64) -> Result<Vec<Migration>> {
        let mut conn = self.write_connection().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations \
                 (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
            )
            .await?;
            let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
            if let Some(newest) = applied.last() {
                let known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
                if *newest > known {
                    return Err(StoreError::Unsupported(format!(
                        "the database has schema version {newest}, newer than this binary knows ({known}); \
                         run a newer hamnvakt"
                    )));
                }
            }
            let mut done = Vec::new();
            for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                let sql = match self.backend {
                    Backend::Sqlite => m.sqlite,
                    Backend::Postgres => m.postgres,
                };
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                tx.execute(sqlx::raw_sql(sql)).await?;
                sqlx::query("INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)")
                    .bind(m.version)
                    .bind(m.name)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::info!(version = m.version, name = m.name, "applied migration");
                done.push(*m);
            }
            Ok(done)
        }
        .await;
        if self.backend == Backend::Postgres {
            // Unlocking can only fail if the connection broke, which also releases the lock.
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await;
        }
        let done = result?;
        self.reconcile_derived().await?;
        Ok(done)
    }

    /// The newest schema version applied, or 0 for an empty database.
    pub async fn schema_version(&self) -> Result<i64> {
        let exists = match self.backend {
            Backend::Sqlite => {
                sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get::<i64, _>(0)?
            }
            Backend::Postgres => {
                sqlx::query("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get::<i64, _>(0)?
            }
        };
        if exists == 0 {
            return Ok(0);
        }
        let v: Option<i64> = sqlx::query("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(v.unwrap_or(0))
    }

    /// The schema version this binary brings.
    pub fn latest_schema_version() -> i64 {
        MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
    }
}
