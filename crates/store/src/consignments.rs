//! Consignments for cargo targeting: one row per declaration, the worklist's filter fields as
//! columns and the whole consignment as JSON (the store does not know the targeting crate's
//! types).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{Arg, Sql};
use crate::{Result, Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsignmentRow {
    pub declaration_id: String,
    /// Days since 1970-01-01 of its date, when it has one.
    pub day: Option<i64>,
    pub hs_code: String,
    pub importer: Option<String>,
    pub container: Option<String>,
    pub origin_country: Option<String>,
    /// The consignment as JSON.
    pub data: String,
    /// Where it came from (`api`, `import:kcs`).
    pub source: String,
    pub updated_ms: i64,
    /// What it adds to the targeting context's counts: its importer as the profiles know
    /// importers (EORI, else id, else name)…
    pub importer_key: Option<String>,
    /// …and its value per kg.
    pub value_per_kg: Option<f64>,
}

const COLUMNS: &str =
    "declaration_id, day, hs_code, importer, container, origin_country, data, source, updated_ms, importer_key, value_per_kg";

/// Width of a value-per-kg bucket: `floor(BUCKETS_PER_E · ln(v))`, about 2 %.
const BUCKETS_PER_E: f64 = 50.0;

fn bucket(value_per_kg: f64) -> Option<i64> {
    (value_per_kg > 0.0 && value_per_kg.is_finite())
        .then(|| (value_per_kg.ln() * BUCKETS_PER_E).floor() as i64)
}

pub(crate) fn bucket_value(b: i64) -> f64 {
    ((b as f64 + 0.5) / BUCKETS_PER_E).exp()
}

/// The HS heading: the first four characters of the code.
fn heading(hs_code: &str) -> String {
    hs_code.chars().take(4).collect()
}

/// Changes to the context's counts, gathered before they are written.
#[derive(Default)]
struct Deltas {
    importer_days: std::collections::HashMap<(String, i64), i64>,
    value_days: std::collections::HashMap<(String, i64, i64), i64>,
    value_totals: std::collections::HashMap<(String, i64), i64>,
}

impl Deltas {
    fn add(
        &mut self,
        day: Option<i64>,
        importer: Option<&str>,
        hs_code: &str,
        vpk: Option<f64>,
        by: i64,
    ) {
        let Some(day) = day else { return };
        if let Some(i) = importer {
            *self.importer_days.entry((i.to_owned(), day)).or_default() += by;
        }
        if let Some(b) = vpk.and_then(bucket) {
            let h = heading(hs_code);
            *self.value_days.entry((h.clone(), day, b)).or_default() += by;
            *self.value_totals.entry((h, b)).or_default() += by;
        }
    }
}

fn from_row(r: &AnyRow) -> Result<ConsignmentRow> {
    Ok(ConsignmentRow {
        declaration_id: r.try_get(0)?,
        day: r.try_get(1)?,
        hs_code: r.try_get(2)?,
        importer: r.try_get(3)?,
        container: r.try_get(4)?,
        origin_country: r.try_get(5)?,
        data: r.try_get(6)?,
        source: r.try_get(7)?,
        updated_ms: r.try_get(8)?,
        importer_key: r.try_get(9)?,
        value_per_kg: r.try_get::<Option<f64>, _>(10)?.filter(|v| v.is_finite()),
    })
}

impl WriteTx {
    /// Stores consignments; one with a declaration id already stored replaces it. The
    /// targeting context's counts move in the same transaction: a replaced row's contribution
    /// is taken away, the new one's added.
    pub async fn upsert_consignments(&mut self, rows: &[ConsignmentRow]) -> Result<()> {
        self.facts_touched = true;
        let mut deltas = Deltas::default();
        for part in rows.chunks(500) {
            let mut sql = Sql::on(
                self.backend,
                "SELECT day, importer_key, hs_code, value_per_kg FROM consignments WHERE declaration_id IN (",
            );
            for (i, r) in part.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.arg(Arg::Text(r.declaration_id.clone()));
            }
            sql.push(")");
            for old in sql.query().fetch_all(&mut *self.tx).await? {
                let (day, importer, hs, vpk): (Option<i64>, Option<String>, String, Option<f64>) = (
                    old.try_get(0)?,
                    old.try_get(1)?,
                    old.try_get(2)?,
                    old.try_get(3)?,
                );
                deltas.add(day, importer.as_deref(), &hs, vpk, -1);
            }
        }
        for r in rows {
            deltas.add(
                r.day,
                r.importer_key.as_deref(),
                &r.hs_code,
                r.value_per_kg,
                1,
            );
        }
        let args: Vec<_> = rows
            .iter()
            .map(|r| {
                [
                    Arg::Text(r.declaration_id.clone()),
                    Arg::OptI64(r.day),
                    Arg::Text(r.hs_code.clone()),
                    Arg::OptText(r.importer.clone()),
                    Arg::OptText(r.container.clone()),
                    Arg::OptText(r.origin_country.clone()),
                    Arg::Text(r.data.clone()),
                    Arg::Text(r.source.clone()),
                    Arg::I64(r.updated_ms),
                    Arg::OptText(r.importer_key.clone()),
                    // Never a typed NULL: PostgreSQL keeps the parameter types of the first
                    // statement it prepared with this text, and a NULL there is not a
                    // float8 (SQLite stores NaN as NULL; either reads back as no value).
                    Arg::F64(r.value_per_kg.filter(|v| v.is_finite()).unwrap_or(f64::NAN)),
                ]
            })
            .collect();
        self.insert_rows(
            &format!("INSERT INTO consignments ({COLUMNS}) VALUES "),
            " ON CONFLICT (declaration_id) DO UPDATE SET day = excluded.day, hs_code = excluded.hs_code, \
             importer = excluded.importer, container = excluded.container, \
             origin_country = excluded.origin_country, data = excluded.data, \
             source = excluded.source, updated_ms = excluded.updated_ms, \
             importer_key = excluded.importer_key, value_per_kg = excluded.value_per_kg",
            args,
        )
        .await?;
        self.apply_deltas(deltas).await
    }

    async fn apply_deltas(&mut self, d: Deltas) -> Result<()> {
        // The context's version moves with the counts, naming the earliest day they moved on
        // (what another process's copy must read again: see `context.rs`).
        let min_day = d
            .importer_days
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((_, day), _)| *day)
            .chain(
                d.value_days
                    .iter()
                    .filter(|(_, n)| **n != 0)
                    .map(|((_, day, _), _)| *day),
            )
            .min();
        if let Some(min_day) = min_day {
            let r = sqlx::query(
                "UPDATE targeting_state SET value = value + 1 WHERE key = 'context_version' RETURNING value",
            )
            .fetch_one(&mut *self.tx)
            .await?;
            let version: i64 = r.try_get(0)?;
            sqlx::query("INSERT INTO targeting_context_changes (version, min_day) VALUES ($1, $2)")
                .bind(version)
                .bind(min_day)
                .execute(&mut *self.tx)
                .await?;
        }
        let mut importer_days: Vec<_> = d.importer_days.into_iter().filter(|x| x.1 != 0).collect();
        importer_days.sort();
        let rows: Vec<_> = importer_days
            .into_iter()
            .map(|((i, day), n)| [Arg::Text(i), Arg::I64(day), Arg::I64(n)])
            .collect();
        self.insert_rows(
            "INSERT INTO consignment_importer_days (importer, day, n) VALUES ",
            " ON CONFLICT (importer, day) DO UPDATE SET n = consignment_importer_days.n + excluded.n",
            rows,
        )
        .await?;
        let mut value_days: Vec<_> = d.value_days.into_iter().filter(|x| x.1 != 0).collect();
        value_days.sort();
        let rows: Vec<_> = value_days
            .into_iter()
            .map(|((h, day, b), n)| [Arg::Text(h), Arg::I64(day), Arg::I64(b), Arg::I64(n)])
            .collect();
        self.insert_rows(
            "INSERT INTO consignment_value_days (heading, day, bucket, n) VALUES ",
            " ON CONFLICT (heading, day, bucket) DO UPDATE SET n = consignment_value_days.n + excluded.n",
            rows,
        )
        .await?;
        let mut totals: Vec<_> = d.value_totals.into_iter().filter(|x| x.1 != 0).collect();
        totals.sort();
        let rows: Vec<_> = totals
            .into_iter()
            .map(|((h, b), n)| [Arg::Text(h), Arg::I64(b), Arg::I64(n)])
            .collect();
        self.insert_rows(
            "INSERT INTO consignment_value_totals (heading, bucket, n) VALUES ",
            " ON CONFLICT (heading, bucket) DO UPDATE SET n = consignment_value_totals.n + excluded.n",
            rows,
        )
        .await?;
        Ok(())
    }

    /// Records that the context's counts hold the consignments stored before schema 22.
    pub async fn mark_context_built(&mut self) -> Result<()> {
        sqlx::query("UPDATE targeting_state SET value = 1 WHERE key = 'context_built'")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// A day's lanes, read inside this transaction (so a selection decides against every
    /// lane committed before it).
    pub async fn selections_of_day(&mut self, day: i64) -> Result<Vec<SelectionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {SELECTION_COLUMNS} FROM selections WHERE day = $1 ORDER BY risk DESC, declaration_id"
        ))
        .bind(day)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(selection_from_row).collect()
    }
}

impl Store {
    /// Whether the context's counts hold the consignments stored before they were kept
    /// (schema 22); [`WriteTx::mark_context_built`] once they do.
    pub async fn context_built(&self) -> Result<bool> {
        let r = sqlx::query("SELECT value FROM targeting_state WHERE key = 'context_built'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => r.try_get::<i64, _>(0)? == 1,
            None => false,
        })
    }

    /// The latest model's version, without reading the model.
    pub async fn latest_model_version(&self) -> Result<Option<i64>> {
        let r = sqlx::query("SELECT MAX(version) FROM risk_models")
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get(0)?)
    }

    /// The lane one consignment is in, if any.
    pub async fn selection(&self, declaration_id: &str) -> Result<Option<SelectionRow>> {
        let r = sqlx::query(&format!(
            "SELECT {SELECTION_COLUMNS} FROM selections WHERE declaration_id = $1"
        ))
        .bind(declaration_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(selection_from_row).transpose()
    }

    /// How many consignments dated before `day` each importer has.
    pub async fn importers_before(
        &self,
        importers: &[String],
        day: i64,
    ) -> Result<std::collections::HashMap<String, u32>> {
        let mut out = std::collections::HashMap::new();
        for part in importers.chunks(500) {
            let mut sql = Sql::on(
                self.backend,
                "SELECT importer, CAST(SUM(n) AS BIGINT) FROM consignment_importer_days WHERE day < ",
            );
            sql.arg(Arg::I64(day)).push(" AND importer IN (");
            for (i, k) in part.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.arg(Arg::Text(k.clone()));
            }
            sql.push(") GROUP BY importer");
            for r in sql.query().fetch_all(&self.pool).await? {
                let n: i64 = r.try_get(1)?;
                out.insert(r.try_get(0)?, u32::try_from(n.max(0)).unwrap_or(u32::MAX));
            }
        }
        Ok(out)
    }

    /// The median value per kg of each HS heading among the consignments dated before
    /// `day` (to within a bucket, 2 %): the totals less the days from `day` on.
    pub async fn value_norms_before(
        &self,
        headings: &[String],
        day: i64,
    ) -> Result<std::collections::HashMap<String, f64>> {
        use std::collections::{BTreeMap, HashMap};
        let mut counts: HashMap<String, BTreeMap<i64, i64>> = HashMap::new();
        for part in headings.chunks(200) {
            let list = |sql: &mut Sql| {
                for (i, h) in part.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.arg(Arg::Text(h.clone()));
                }
                sql.push(")");
            };
            let mut sql = Sql::on(
                self.backend,
                "SELECT heading, bucket, n FROM consignment_value_totals WHERE heading IN (",
            );
            list(&mut sql);
            for r in sql.query().fetch_all(&self.pool).await? {
                let (h, b, n): (String, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                *counts.entry(h).or_default().entry(b).or_default() += n;
            }
            let mut sql = Sql::on(
                self.backend,
                "SELECT heading, bucket, CAST(SUM(n) AS BIGINT) FROM consignment_value_days WHERE day >= ",
            );
            sql.arg(Arg::I64(day)).push(" AND heading IN (");
            list(&mut sql);
            sql.push(" GROUP BY heading, bucket");
            for r in sql.query().fetch_all(&self.pool).await? {
                let (h, b, n): (String, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                *counts.entry(h).or_default().entry(b).or_default() -= n;
            }
        }
        let mut out = HashMap::new();
        for (h, buckets) in counts {
            if let Some(v) = crate::context::upper_median(&buckets) {
                out.insert(h, v);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Consignments of one day (or all), in declaration id order after `after`, at most
    /// `limit`.
    pub async fn list_consignments(
        &self,
        day: Option<i64>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ConsignmentRow>> {
        let mut sql = Sql::on(
            self.backend,
            &format!("SELECT {COLUMNS} FROM consignments WHERE 1 = 1"),
        );
        if let Some(d) = day {
            sql.push(" AND day = ").arg(Arg::I64(d));
        }
        if let Some(a) = after {
            sql.push(" AND declaration_id > ")
                .arg(Arg::Text(a.to_owned()));
        }
        sql.push(" ORDER BY declaration_id LIMIT ")
            .arg(Arg::I64(limit));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// The consignments declared for one container, newest day first, at most `limit`.
    pub async fn consignments_of_container(
        &self,
        container: &str,
        limit: i64,
    ) -> Result<Vec<ConsignmentRow>> {
        let mut sql = Sql::on(
            self.backend,
            &format!("SELECT {COLUMNS} FROM consignments WHERE container = "),
        );
        sql.arg(Arg::Text(container.to_owned()));
        sql.push(" ORDER BY day DESC, declaration_id LIMIT ")
            .arg(Arg::I64(limit));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn consignment(&self, declaration_id: &str) -> Result<Option<ConsignmentRow>> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM consignments WHERE declaration_id = $1"
        ))
        .bind(declaration_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(from_row).transpose()
    }

    pub async fn count_consignments(&self) -> Result<i64> {
        let r = sqlx::query("SELECT COUNT(*) FROM consignments")
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get(0)?)
    }
}

/// What an inspection of a consignment found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRow {
    pub declaration_id: String,
    /// `nothing_found`, `irregularity` or `seizure`.
    pub result: String,
    /// The outcome as JSON (goods, quantity, note …).
    pub data: String,
    pub recorded_by: String,
    pub recorded_ms: i64,
}

impl WriteTx {
    /// Records an inspection's outcome; a later record for the same consignment replaces it
    /// (the audit chain keeps every one).
    pub async fn upsert_outcome(&mut self, o: &OutcomeRow) -> Result<()> {
        self.facts_touched = true;
        sqlx::query(
            "INSERT INTO inspection_outcomes (declaration_id, result, data, recorded_by, recorded_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (declaration_id) DO UPDATE SET \
             result = excluded.result, data = excluded.data, recorded_by = excluded.recorded_by, \
             recorded_ms = excluded.recorded_ms",
        )
        .bind(o.declaration_id.clone())
        .bind(o.result.clone())
        .bind(o.data.clone())
        .bind(o.recorded_by.clone())
        .bind(o.recorded_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

impl Store {
    /// Every recorded outcome (declaration id → result).
    pub async fn outcome_results(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT declaration_id, result FROM inspection_outcomes")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn outcome(&self, declaration_id: &str) -> Result<Option<OutcomeRow>> {
        let r = sqlx::query(
            "SELECT declaration_id, result, data, recorded_by, recorded_ms FROM inspection_outcomes \
             WHERE declaration_id = $1",
        )
        .bind(declaration_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(OutcomeRow {
                declaration_id: r.try_get(0)?,
                result: r.try_get(1)?,
                data: r.try_get(2)?,
                recorded_by: r.try_get(3)?,
                recorded_ms: r.try_get(4)?,
            })
        })
        .transpose()
    }
}

/// The lane a consignment is in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionRow {
    pub declaration_id: String,
    pub day: i64,
    /// `red`, `yellow`, `blue`, `green`.
    pub lane: String,
    /// `risk`, `random`, `exploration`, `released`, `rerouted`.
    pub why: String,
    pub risk: f64,
    /// The profile hits as JSON, or the re-route's reason.
    pub reasons: String,
    pub decided_by: String,
    pub decided_ms: i64,
}

const SELECTION_COLUMNS: &str =
    "declaration_id, day, lane, why, risk, reasons, decided_by, decided_ms";

fn selection_from_row(r: &AnyRow) -> Result<SelectionRow> {
    Ok(SelectionRow {
        declaration_id: r.try_get(0)?,
        day: r.try_get(1)?,
        lane: r.try_get(2)?,
        why: r.try_get(3)?,
        risk: r.try_get(4)?,
        reasons: r.try_get(5)?,
        decided_by: r.try_get(6)?,
        decided_ms: r.try_get(7)?,
    })
}

impl WriteTx {
    /// Records lanes; a consignment already in a lane is moved.
    pub async fn upsert_selections(&mut self, rows: &[SelectionRow]) -> Result<()> {
        self.facts_touched = true;
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                [
                    Arg::Text(r.declaration_id.clone()),
                    Arg::I64(r.day),
                    Arg::Text(r.lane.clone()),
                    Arg::Text(r.why.clone()),
                    Arg::F64(r.risk),
                    Arg::Text(r.reasons.clone()),
                    Arg::Text(r.decided_by.clone()),
                    Arg::I64(r.decided_ms),
                ]
            })
            .collect();
        self.insert_rows(
            &format!("INSERT INTO selections ({SELECTION_COLUMNS}) VALUES "),
            " ON CONFLICT (declaration_id) DO UPDATE SET day = excluded.day, lane = excluded.lane, \
             why = excluded.why, risk = excluded.risk, reasons = excluded.reasons, \
             decided_by = excluded.decided_by, decided_ms = excluded.decided_ms",
            rows,
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// A day's lanes, riskiest first.
    pub async fn selections_of_day(&self, day: i64) -> Result<Vec<SelectionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {SELECTION_COLUMNS} FROM selections WHERE day = $1 ORDER BY risk DESC, declaration_id"
        ))
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(selection_from_row).collect()
    }
}

impl Store {
    /// Every lane decision from `from_day` on, with the inspection result where one is
    /// recorded: `(day, lane, why, risk, result)`.
    pub async fn selections_with_outcomes(
        &self,
        from_day: i64,
    ) -> Result<Vec<(i64, String, String, f64, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT s.day, s.lane, s.why, s.risk, o.result FROM selections s \
             LEFT JOIN inspection_outcomes o ON o.declaration_id = s.declaration_id \
             WHERE s.day >= $1 ORDER BY s.day",
        )
        .bind(from_day)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }
}

/// A stored model version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    pub version: i64,
    /// The model file's JSON (empty in listings).
    pub data: String,
    /// What it was trained on and how it validated, as JSON.
    pub summary: String,
    pub author: String,
    pub created_ms: i64,
}

impl WriteTx {
    /// Stores a model as the next version; returns it.
    pub async fn insert_model(
        &mut self,
        data: &str,
        summary: &str,
        author: &str,
        at_ms: i64,
    ) -> Result<i64> {
        let r = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM risk_models")
            .fetch_one(&mut *self.tx)
            .await?;
        let version: i64 = r.try_get::<i64, _>(0)? + 1;
        sqlx::query(
            "INSERT INTO risk_models (version, data, summary, author, created_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(version)
        .bind(data.to_owned())
        .bind(summary.to_owned())
        .bind(author.to_owned())
        .bind(at_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(version)
    }
}

impl Store {
    pub async fn latest_model(&self) -> Result<Option<ModelRow>> {
        let r = sqlx::query(
            "SELECT version, data, summary, author, created_ms FROM risk_models ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(ModelRow {
                version: r.try_get(0)?,
                data: r.try_get(1)?,
                summary: r.try_get(2)?,
                author: r.try_get(3)?,
                created_ms: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Every model version, newest first, without the model itself.
    pub async fn list_models(&self) -> Result<Vec<ModelRow>> {
        let rows = sqlx::query(
            "SELECT version, summary, author, created_ms FROM risk_models ORDER BY version DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ModelRow {
                    version: r.try_get(0)?,
                    data: String::new(),
                    summary: r.try_get(1)?,
                    author: r.try_get(2)?,
                    created_ms: r.try_get(3)?,
                })
            })
            .collect()
    }
}
