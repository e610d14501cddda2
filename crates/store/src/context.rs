//! The targeting context's running counts, mirrored in memory.
//!
//! Scoring a consignment needs, for the consignments dated before its day, how many its
//! importer had and the median value per kg of its HS heading. The counts are kept in the
//! store (schema 22: per importer and day, per heading, day and value bucket), moved in the
//! transaction of every consignment upsert. Reading them with SQL costs a few hundred
//! microseconds for a consignment of the day and tens of milliseconds for one of a day long
//! past (its heading's rows of every later day); the day's worklist, tens of milliseconds. So
//! each process holds the two tables in memory as well, and asks the store one question per
//! use: the context's version (schema 31), which every upsert that moves the counts raises in
//! its transaction, recording the earliest day it moved. When the version moved — through this
//! process or another instance on the same PostgreSQL database — the rows from that day on are
//! read again; the rows before it cannot have changed. The answers are the same as the SQL's
//! (tested against it).

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use crate::{Result, Store};

/// One process's copy of the counts, as of `version`.
#[derive(Debug, Default)]
pub(crate) struct Mirror {
    version: i64,
    /// Per importer key, `(day, n)` sorted by day.
    importers: HashMap<String, Vec<(i64, i64)>>,
    /// Per HS heading, `(day, bucket, n)` sorted by day.
    values: HashMap<String, Vec<(i64, i64, i64)>>,
    /// Per HS heading, the buckets' counts over every day.
    totals: HashMap<String, BTreeMap<i64, i64>>,
}

/// What [`Store::context_before`] answers: consignments per importer and the value-per-kg
/// median per heading, before a day.
pub type ContextCounts = (HashMap<String, u32>, HashMap<String, f64>);

impl Mirror {
    fn importers_before(&self, importers: &[String], day: i64) -> HashMap<String, u32> {
        let mut out = HashMap::new();
        for i in importers {
            let Some(days) = self.importers.get(i) else {
                continue;
            };
            let end = days.partition_point(|(d, _)| *d < day);
            let n: i64 = days.iter().take(end).map(|(_, n)| n).sum();
            // As the SQL: a group with rows is there even when its sum is 0.
            if end > 0 {
                out.insert(i.clone(), u32::try_from(n.max(0)).unwrap_or(u32::MAX));
            }
        }
        out
    }

    fn norms_before(&self, headings: &[String], day: i64) -> HashMap<String, f64> {
        let mut out = HashMap::new();
        for h in headings {
            let Some(rows) = self.values.get(h) else {
                continue;
            };
            let split = rows.partition_point(|(d, _, _)| *d < day);
            // Whichever side is shorter: the days before, or the totals less the days from it.
            let buckets: BTreeMap<i64, i64> = if split <= rows.len() - split {
                let mut b = BTreeMap::new();
                for (_, bucket, n) in rows.iter().take(split) {
                    *b.entry(*bucket).or_default() += n;
                }
                b
            } else {
                let mut b = self.totals.get(h).cloned().unwrap_or_default();
                for (_, bucket, n) in rows.iter().skip(split) {
                    *b.entry(*bucket).or_default() -= n;
                }
                b
            };
            if let Some(v) = upper_median(&buckets) {
                out.insert(h.clone(), v);
            }
        }
        out
    }

    /// Replaces every row from `from` on (all rows when `None`) with `importers` and `values`,
    /// which are those rows as stored now.
    fn replace_from(
        &mut self,
        from: Option<i64>,
        importers: Vec<(String, i64, i64)>,
        values: Vec<(String, i64, i64, i64)>,
    ) {
        match from {
            None => {
                self.importers.clear();
                self.values.clear();
            }
            Some(d) => {
                for v in self.importers.values_mut() {
                    v.truncate(v.partition_point(|(day, _)| *day < d));
                }
                for v in self.values.values_mut() {
                    v.truncate(v.partition_point(|(day, _, _)| *day < d));
                }
            }
        }
        for (i, day, n) in importers {
            self.importers.entry(i).or_default().push((day, n));
        }
        for (h, day, b, n) in values {
            self.values.entry(h).or_default().push((day, b, n));
        }
        self.importers.retain(|_, v| !v.is_empty());
        self.values.retain(|_, v| !v.is_empty());
        for v in self.importers.values_mut() {
            v.sort_unstable();
        }
        for v in self.values.values_mut() {
            v.sort_unstable();
        }
        self.totals = self
            .values
            .iter()
            .map(|(h, rows)| {
                let mut b = BTreeMap::new();
                for (_, bucket, n) in rows {
                    *b.entry(*bucket).or_default() += n;
                }
                (h.clone(), b)
            })
            .collect();
    }
}

/// The upper median of bucketed counts (the value at index total / 2 of the sorted values),
/// as the in-memory context of the targeting crate takes it; buckets with no consignment left
/// count for nothing.
pub(crate) fn upper_median(buckets: &BTreeMap<i64, i64>) -> Option<f64> {
    let total: i64 = buckets.values().filter(|n| **n > 0).sum();
    if total <= 0 {
        return None;
    }
    let mut seen = 0;
    for (b, n) in buckets.iter().filter(|(_, n)| **n > 0) {
        seen += n;
        if seen > total / 2 {
            return Some(crate::consignments::bucket_value(*b));
        }
    }
    None
}

impl Store {
    /// The targeting context's counts before `day`: consignments per importer key (of
    /// `importers`) and the value-per-kg median per HS heading (of `headings`). One read of
    /// the context's version; the counts themselves come from this process's copy, brought
    /// up to date first when the version moved (see the module's notes).
    pub async fn context_before(
        &self,
        importers: &[String],
        headings: &[String],
        day: i64,
    ) -> Result<ContextCounts> {
        let version = self.context_version().await?;
        let mut m = self.context.lock().await;
        let mine = m.as_ref().map(|m| m.version);
        if mine != Some(version) {
            // From which day on the rows may differ from this copy's (`None`: all of them —
            // there is no copy yet, or the store's version went back, as after a restored
            // backup, or the changes were not recorded).
            let from = match mine {
                Some(v) if v < version => self.context_changed_since(v).await?,
                _ => None,
            };
            let (imp, val) = self.context_rows_from(from).await?;
            let mirror = m.get_or_insert_with(Mirror::default);
            mirror.replace_from(from, imp, val);
            mirror.version = version;
        }
        let mirror = m.as_ref().ok_or_else(|| {
            crate::StoreError::Corrupt("the targeting context's copy is missing".into())
        })?;
        Ok((
            mirror.importers_before(importers, day),
            mirror.norms_before(headings, day),
        ))
    }

    async fn context_version(&self) -> Result<i64> {
        let r = sqlx::query("SELECT value FROM targeting_state WHERE key = 'context_version'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => r.try_get::<i64, _>(0)?,
            None => 0,
        })
    }

    /// The earliest day the counts moved on after version `after` (`None` when no change
    /// after it is recorded: then everything is read again).
    async fn context_changed_since(&self, after: i64) -> Result<Option<i64>> {
        let r = sqlx::query(
            "SELECT CAST(MIN(min_day) AS BIGINT), COUNT(*) FROM targeting_context_changes WHERE version > $1",
        )
        .bind(after)
        .fetch_one(&self.pool)
        .await?;
        let min: Option<i64> = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        Ok(if n == 0 { None } else { min })
    }

    #[allow(clippy::type_complexity)]
    async fn context_rows_from(
        &self,
        from: Option<i64>,
    ) -> Result<(Vec<(String, i64, i64)>, Vec<(String, i64, i64, i64)>)> {
        let from = from.unwrap_or(i64::MIN);
        let mut importers = Vec::new();
        for r in
            sqlx::query("SELECT importer, day, n FROM consignment_importer_days WHERE day >= $1")
                .bind(from)
                .fetch_all(&self.pool)
                .await?
        {
            importers.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        let mut values = Vec::new();
        for r in sqlx::query(
            "SELECT heading, day, bucket, n FROM consignment_value_days WHERE day >= $1",
        )
        .bind(from)
        .fetch_all(&self.pool)
        .await?
        {
            values.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
        }
        Ok((importers, values))
    }
}
