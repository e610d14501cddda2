//! Secure container releases (schema 15): each release as one JSON document with its lookup
//! fields as columns, the organisations it reached (what each party may see), and the
//! question the gate asks of targeting: is this container selected for scanning. And the
//! gate's pick-ups (schema 17, a table derived from the decision events beside the decision
//! list): every decision that named a container, granted, referred or refused, with why.
//!
//! The store does not know the release's rules (`hamnvakt-release` does); it keeps the
//! document and refuses a step written over a version that is no longer the stored one.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{Arg, Sql};
use crate::Backend;
use crate::{Result, Store, StoreError, WriteTx};

/// A stored release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRow {
    pub id: String,
    pub container: String,
    pub bill_of_lading: String,
    pub line_org: String,
    pub holder_org: String,
    /// `active`, `withdrawn`, `collected`.
    pub state: String,
    /// The assigned driver's person id.
    pub driver: Option<String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
    /// The whole release as JSON.
    pub data: String,
}

/// The releases of a container, newest first (`$1` the container).
fn releases_of_container_sql() -> String {
    format!("SELECT {COLUMNS} {OF_CONTAINER}")
}

/// Where and in which order a container's releases are read (`$1` the container): newest
/// first, the order the gate and every other reader by container agree on.
const OF_CONTAINER: &str =
    "FROM releases WHERE container = $1 ORDER BY issued_ms DESC, id LIMIT 20";

/// What a gate pick-up reads, in one statement (`$1` the container): the container's
/// releases as [`releases_of_container_sql`] lists them, each row also carrying, as
/// `red_day`, the last day customs selected a consignment in this container for the scanner
/// (the red lane) that has no inspection outcome yet (`NULL` when none). The selection is an
/// uncorrelated subquery, run once for the statement. No release, no rows: a container
/// without a release is not a pick-up the gate can grant, selected or not.
fn pickup_read_sql() -> String {
    format!(
        "SELECT {COLUMNS}, (SELECT MAX(s.day) FROM consignments c JOIN selections s \
         ON s.declaration_id = c.declaration_id \
         WHERE c.container = $1 AND s.lane = 'red' \
         AND NOT EXISTS (SELECT 1 FROM inspection_outcomes o \
         WHERE o.declaration_id = c.declaration_id)) AS red_day {OF_CONTAINER}"
    )
}

/// A container's releases and its last open red-lane day, from [`pickup_read_sql`]'s rows.
fn pickup_read(rows: &[AnyRow]) -> Result<PickupRead> {
    let red_day = match rows.first() {
        Some(r) => r.try_get::<Option<i64>, _>("red_day")?,
        None => None,
    };
    Ok(PickupRead {
        releases: rows.iter().map(from_row).collect::<Result<_>>()?,
        red_day,
    })
}

/// What the gate reads for a pick-up (see [`Store::pickup_read`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupRead {
    /// The container's releases, newest first.
    pub releases: Vec<ReleaseRow>,
    /// The last day (days since 1970-01-01) customs selected a consignment in the container
    /// for the scanner and has not recorded its inspection; `None` when there is no such
    /// selection or the container has no release.
    pub red_day: Option<i64>,
}

impl PickupRead {
    /// Whether the container is selected for scanning on `since_day` or after.
    pub fn scan_selected_since(&self, since_day: i64) -> bool {
        self.red_day.is_some_and(|d| d >= since_day)
    }
}

const COLUMNS: &str = "id, container, bill_of_lading, line_org, holder_org, state, driver, \
                       issued_ms, expires_ms, updated_ms, version, data";

fn from_row(r: &AnyRow) -> Result<ReleaseRow> {
    Ok(ReleaseRow {
        id: r.try_get(0)?,
        container: r.try_get(1)?,
        bill_of_lading: r.try_get(2)?,
        line_org: r.try_get(3)?,
        holder_org: r.try_get(4)?,
        state: r.try_get(5)?,
        driver: r.try_get(6)?,
        issued_ms: r.try_get(7)?,
        expires_ms: r.try_get(8)?,
        updated_ms: r.try_get(9)?,
        version: r.try_get(10)?,
        data: r.try_get(11)?,
    })
}

/// A gate decision that named a container (a row of `gate_pickups`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupRow {
    pub decision_id: String,
    pub event_seq: i64,
    pub at_ms: i64,
    pub facility_id: Option<String>,
    pub gate_id: Option<String>,
    pub container: String,
    pub release_id: Option<String>,
    /// The decision's outcome: `grant`, `refer` or `deny`.
    pub outcome: String,
    /// The pick-up check's verdict, when a release was found.
    pub verdict: Option<String>,
    pub person_id: Option<String>,
    pub plate: Option<String>,
    /// JSON array of the decision's reasons.
    pub reasons: String,
}

const PICKUP_COLUMNS: &str = "decision_id, event_seq, at_ms, facility_id, gate_id, container, \
                              release_id, outcome, verdict, person_id, plate, reasons";

const UPDATE_RELEASE: &str =
    "UPDATE releases SET holder_org = $1, state = $2, driver = $3, expires_ms = $4, \
     updated_ms = $5, version = $6, data = $7 WHERE id = $8 AND version = $9";

/// [`WriteTx::release_versions`]' statement: `(container, release id, version)` of the
/// releases of `containers`.
pub(crate) fn release_versions_sql(backend: Backend, containers: &[String]) -> Sql {
    let mut sql = Sql::on(
        backend,
        "SELECT container, id, version FROM releases WHERE container IN (",
    );
    for (i, c) in containers.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.arg(Arg::Text(c.clone()));
    }
    sql.push(") ORDER BY container, issued_ms DESC, id");
    sql
}

/// A row of [`release_versions_sql`].
pub(crate) fn release_version(r: &AnyRow) -> Result<(String, String, i64)> {
    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
}

impl WriteTx {
    /// Inserts the pick-ups of a group of projected decisions (the projector's transaction).
    pub async fn insert_pickups(&mut self, rows: &[PickupRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                [
                    Arg::Text(r.decision_id.clone()),
                    Arg::I64(r.event_seq),
                    Arg::I64(r.at_ms),
                    Arg::OptText(r.facility_id.clone()),
                    Arg::OptText(r.gate_id.clone()),
                    Arg::Text(r.container.clone()),
                    Arg::OptText(r.release_id.clone()),
                    Arg::Text(r.outcome.clone()),
                    Arg::OptText(r.verdict.clone()),
                    Arg::OptText(r.person_id.clone()),
                    Arg::OptText(r.plate.clone()),
                    Arg::Text(r.reasons.clone()),
                ]
            })
            .collect();
        self.insert_rows(
            &format!("INSERT INTO gate_pickups ({PICKUP_COLUMNS}) VALUES "),
            // A projection run again over the same events writes the same rows.
            " ON CONFLICT (decision_id) DO NOTHING",
            rows,
        )
        .await
    }

    /// Stores a new release; a second release of the same container and bill of lading is
    /// a [`StoreError::Conflict`].
    pub async fn insert_release(&mut self, r: &ReleaseRow) -> Result<()> {
        self.facts_touched = true;
        sqlx::query(&format!(
            "INSERT INTO releases ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(r.id.clone())
        .bind(r.container.clone())
        .bind(r.bill_of_lading.clone())
        .bind(r.line_org.clone())
        .bind(r.holder_org.clone())
        .bind(r.state.clone())
        .bind(r.driver.clone())
        .bind(r.issued_ms)
        .bind(r.expires_ms)
        .bind(r.updated_ms)
        .bind(r.version)
        .bind(r.data.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Writes a step over the version it was made from (`r.version - 1`); a release another
    /// step has moved meanwhile is a [`StoreError::Conflict`] and nothing is written.
    pub async fn update_release(&mut self, r: &ReleaseRow) -> Result<()> {
        self.facts_touched = true;
        let done = sqlx::query(UPDATE_RELEASE)
            .bind(r.holder_org.clone())
            .bind(r.state.clone())
            .bind(r.driver.clone())
            .bind(r.expires_ms)
            .bind(r.updated_ms)
            .bind(r.version)
            .bind(r.data.clone())
            .bind(r.id.clone())
            .bind(r.version - 1)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "release {} was changed by someone else meanwhile",
                r.id
            )));
        }
        Ok(())
    }

    /// [`WriteTx::update_release`] for a claim that the gate's committer makes just before
    /// it appends and commits ([`WriteTx::append_and_commit`]): on SQLite's writer the update
    /// goes in that same round trip, and a row that moved fails it all the same (a
    /// [`StoreError::Conflict`], the whole transaction rolled back); elsewhere it is written
    /// now.
    ///
    /// A claim collects the release: it moves the state, the time, the version and the
    /// document, never the holder, the driver or the expiry, and those are compared rather
    /// than written (a row that differs there is a conflict too). SQLite rewrites an index
    /// entry for every column a statement assigns, changed or not: assigning the driver moved
    /// the release's entry in `releases_by_driver`, a page more in every commit of granted
    /// pick-ups.
    pub async fn update_release_with_commit(&mut self, r: &ReleaseRow) -> Result<()> {
        self.facts_touched = true;
        let mut sql = Sql::on(self.backend, "");
        sql.push("UPDATE releases SET state = ")
            .arg(Arg::Text(r.state.clone()))
            .push(", updated_ms = ")
            .arg(Arg::I64(r.updated_ms))
            .push(", version = ")
            .arg(Arg::I64(r.version))
            .push(", data = ")
            .arg(Arg::Text(r.data.clone()))
            .push(" WHERE id = ")
            .arg(Arg::Text(r.id.clone()))
            .push(" AND version = ")
            .arg(Arg::I64(r.version - 1))
            .push(" AND holder_org = ")
            .arg(Arg::Text(r.holder_org.clone()))
            .push(" AND driver IS NOT DISTINCT FROM ")
            .arg(Arg::OptText(r.driver.clone()))
            .push(" AND expires_ms = ")
            .arg(Arg::I64(r.expires_ms));
        let moved = format!("release {} was changed by someone else meanwhile", r.id);
        if matches!(self.tx, crate::writer::TxConn::Writer(_)) {
            self.with_commit.push((sql, moved));
            return Ok(());
        }
        self.write_one(&sql, moved).await
    }

    /// [`Store::pickup_read`] inside this transaction (the gate's committer re-reads a
    /// pick-up's release here when it moved since the gate read it).
    pub async fn pickup_read(&mut self, container: &str) -> Result<PickupRead> {
        let rows = sqlx::query(&pickup_read_sql())
            .bind(container.to_owned())
            .fetch_all(&mut *self.tx)
            .await?;
        pickup_read(&rows)
    }

    /// The releases of these containers as `(container, release id, version)`, ordered as
    /// [`Store::releases_of_container`] orders them: one read for a whole group of pick-ups,
    /// to find the containers whose releases moved since the gate read them.
    pub async fn release_versions(
        &mut self,
        containers: &[String],
    ) -> Result<Vec<(String, String, i64)>> {
        if containers.is_empty() {
            return Ok(Vec::new());
        }
        let rows = release_versions_sql(self.backend, containers)
            .query()
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(release_version).collect()
    }

    /// Records that the release reached these organisations (kept when they are already).
    pub async fn add_release_parties(&mut self, release: &str, orgs: &[String]) -> Result<()> {
        for org in orgs {
            let known: i64 = sqlx::query(
                "SELECT COUNT(*) FROM release_parties WHERE release_id = $1 AND org_id = $2",
            )
            .bind(release.to_owned())
            .bind(org.clone())
            .fetch_one(&mut *self.tx)
            .await?
            .try_get(0)?;
            if known == 0 {
                sqlx::query("INSERT INTO release_parties (release_id, org_id) VALUES ($1, $2)")
                    .bind(release.to_owned())
                    .bind(org.clone())
                    .execute(&mut *self.tx)
                    .await
                    .map_err(StoreError::from_write)?;
            }
        }
        Ok(())
    }
}

impl Store {
    pub async fn release(&self, id: &str) -> Result<Option<ReleaseRow>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM releases WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The releases of a container, newest first (what the gate looks at).
    pub async fn releases_of_container(&self, container: &str) -> Result<Vec<ReleaseRow>> {
        let rows = sqlx::query(&releases_of_container_sql())
            .bind(container.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The releases naming a person as their assigned driver, newest first.
    pub async fn releases_of_driver(&self, person: &str) -> Result<Vec<ReleaseRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM releases WHERE driver = $1 ORDER BY issued_ms DESC, id LIMIT 20"
        ))
        .bind(person.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Releases, most recently changed first: those that reached `org`, or all with `None`
    /// (the security centre, customs and terminals).
    pub async fn list_releases(&self, org: Option<&str>, limit: i64) -> Result<Vec<ReleaseRow>> {
        let rows = match org {
            Some(org) => {
                sqlx::query(&format!(
                    "SELECT {} FROM releases r WHERE EXISTS (SELECT 1 FROM release_parties p \
                     WHERE p.release_id = r.id AND p.org_id = $1) \
                     ORDER BY r.updated_ms DESC, r.id LIMIT $2",
                    COLUMNS
                        .split(", ")
                        .map(|c| format!("r.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .bind(org.to_owned())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM releases ORDER BY updated_ms DESC, id LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// The pick-ups decided from `since_ms` on, newest first: at the facilities named, or at
    /// every facility with `None`.
    pub async fn pickups_since(
        &self,
        since_ms: i64,
        facilities: Option<&[String]>,
        limit: i64,
    ) -> Result<Vec<PickupRow>> {
        if facilities.is_some_and(|f| f.is_empty()) {
            return Ok(Vec::new());
        }
        let mut sql = format!("SELECT {PICKUP_COLUMNS} FROM gate_pickups WHERE at_ms >= $1");
        if let Some(f) = facilities {
            let marks: Vec<String> = (0..f.len()).map(|i| format!("${}", i + 3)).collect();
            sql.push_str(&format!(" AND facility_id IN ({})", marks.join(", ")));
        }
        sql.push_str(" ORDER BY at_ms DESC, decision_id LIMIT $2");
        let mut q = sqlx::query(&sql)
            .bind(since_ms)
            .bind(limit.clamp(1, 10_000));
        for f in facilities.unwrap_or(&[]) {
            q = q.bind(f.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(PickupRow {
                    decision_id: r.try_get(0)?,
                    event_seq: r.try_get(1)?,
                    at_ms: r.try_get(2)?,
                    facility_id: r.try_get(3)?,
                    gate_id: r.try_get(4)?,
                    container: r.try_get(5)?,
                    release_id: r.try_get(6)?,
                    outcome: r.try_get(7)?,
                    verdict: r.try_get(8)?,
                    person_id: r.try_get(9)?,
                    plate: r.try_get(10)?,
                    reasons: r.try_get(11)?,
                })
            })
            .collect()
    }

    /// Whether the release reached `org`.
    pub async fn release_reached(&self, release: &str, org: &str) -> Result<bool> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM release_parties WHERE release_id = $1 AND org_id = $2",
        )
        .bind(release.to_owned())
        .bind(org.to_owned())
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        Ok(n > 0)
    }

    /// What the gate reads for a pick-up, in one statement: the container's releases, newest
    /// first, and the last day customs selected it for scanning without an inspection
    /// outcome yet (see [`PickupRead`]).
    pub async fn pickup_read(&self, container: &str) -> Result<PickupRead> {
        let rows = sqlx::query(&pickup_read_sql())
            .bind(container.to_owned())
            .fetch_all(&self.pool)
            .await?;
        pickup_read(&rows)
    }

    /// For each of these containers selected for scanning (the red lane) with no inspection
    /// outcome yet, the last day of that selection: the question [`Store::pickup_read`] asks
    /// for one container, asked for a page of releases at once (the same rule, so a release's
    /// page shows the customs light the gate applies). Containers not selected are absent.
    pub async fn open_scan_days(
        &self,
        containers: &[String],
    ) -> Result<std::collections::HashMap<String, i64>> {
        let mut out = std::collections::HashMap::new();
        for part in containers.chunks(200) {
            let mut sql = Sql::on(
                self.backend,
                "SELECT c.container, MAX(s.day) FROM consignments c JOIN selections s \
                 ON s.declaration_id = c.declaration_id WHERE s.lane = 'red' \
                 AND NOT EXISTS (SELECT 1 FROM inspection_outcomes o \
                 WHERE o.declaration_id = c.declaration_id) AND c.container IN (",
            );
            for (i, c) in part.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.arg(Arg::Text(c.clone()));
            }
            sql.push(") GROUP BY c.container");
            for r in sql.query().fetch_all(&self.pool).await? {
                let day: Option<i64> = r.try_get(1)?;
                if let Some(d) = day {
                    out.insert(r.try_get::<String, _>(0)?, d);
                }
            }
        }
        Ok(out)
    }
}
