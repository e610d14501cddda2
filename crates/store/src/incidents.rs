//! Incidents and cases (schema 19): each one JSON document with its marking and lookup fields
//! as columns, the incident's timeline, the alerts it holds; merged alerts. The shift log is
//! `shift.rs`.
//!
//! The store does not know the incident's rules (`hamnvakt-incidents` does); it keeps the
//! documents, refuses a step written over a version that is no longer the stored one, and
//! applies the visibility rule of [`hamnvakt_core::marking::check`] on every read: in SQL, and
//! again on each row before it is returned, so a mistake in the SQL can hide an incident but
//! never show one.

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Marking, Reader};
use hamnvakt_core::Tlp;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{Arg, Sql};
use crate::{Result, Store, StoreError, WriteTx};

/// A stored incident or case: the document and what reads need beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedRow {
    pub id: String,
    pub owner_org: OrgId,
    pub marking: Marking,
    pub state: String,
    /// The severity's rank (incidents; 0 for cases).
    pub severity: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
    /// The whole incident or case as JSON.
    pub data: String,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub n: i64,
    pub at_ms: i64,
    pub actor: String,
    /// The entry as JSON.
    pub entry: String,
}

/// Which table of marked documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    Incident,
    Case,
}

impl Marked {
    fn table(self) -> &'static str {
        match self {
            Marked::Incident => "incidents",
            Marked::Case => "cases",
        }
    }
}

const COLUMNS: &str = "id, owner_org, tlp, audience, recipients, state, severity, created_ms, \
                       updated_ms, version, data";
const CASE_COLUMNS: &str = "id, owner_org, tlp, audience, recipients, state, 0, created_ms, \
                            updated_ms, version, data";

fn columns(t: Marked) -> &'static str {
    match t {
        Marked::Incident => COLUMNS,
        Marked::Case => CASE_COLUMNS,
    }
}

fn encode_recipients(m: &Marking) -> String {
    if m.recipients.is_empty() {
        return String::new();
    }
    let mut s = String::from(",");
    for r in &m.recipients {
        s.push_str(&r.to_string());
        s.push(',');
    }
    s
}

fn from_row(r: &AnyRow) -> Result<MarkedRow> {
    let owner: String = r.try_get(1)?;
    let tlp: String = r.try_get(2)?;
    let audience: String = r.try_get(3)?;
    let recipients: String = r.try_get(4)?;
    Ok(MarkedRow {
        id: r.try_get(0)?,
        owner_org: owner
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("owner {owner:?}")))?,
        marking: Marking {
            tlp: tlp
                .parse::<Tlp>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            audience: audience
                .parse()
                .map_err(|e: String| StoreError::Corrupt(e))?,
            recipients: recipients
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse()
                        .map_err(|_| StoreError::Corrupt(format!("recipient {s:?}")))
                })
                .collect::<Result<_>>()?,
        },
        state: r.try_get(5)?,
        severity: r.try_get(6)?,
        created_ms: r.try_get(7)?,
        updated_ms: r.try_get(8)?,
        version: r.try_get(9)?,
        data: r.try_get(10)?,
    })
}

/// The visibility condition as SQL, for one reader (the rule of [`marking::check`]).
fn push_visibility(q: &mut Sql, reader: &Reader) {
    let org = reader.org.to_string();
    q.push(" AND (owner_org = ").arg(Arg::Text(org.clone()));
    q.push(" OR audience = 'alliance' AND tlp IN ('TLP:CLEAR', 'TLP:GREEN')");
    if !reader.partner {
        q.push(" OR audience = 'community' AND tlp IN ('TLP:CLEAR', 'TLP:GREEN')");
    }
    q.push(" OR audience = 'named' AND tlp <> 'TLP:AMBER+STRICT' AND recipients LIKE ")
        .arg(Arg::Text(format!("%,{org},%")));
    q.push(")");
}

fn visible(rows: Vec<AnyRow>, reader: &Reader) -> Result<Vec<MarkedRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = from_row(r)?;
        if marking::may_see(row.owner_org, &row.marking, reader) {
            out.push(row);
        }
    }
    Ok(out)
}

impl WriteTx {
    /// Stores a new incident or case.
    pub async fn insert_marked(&mut self, t: Marked, r: &MarkedRow) -> Result<()> {
        let sql = match t {
            Marked::Incident => format!(
                "INSERT INTO incidents ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            Marked::Case => "INSERT INTO cases (id, owner_org, tlp, audience, recipients, state, \
                 created_ms, updated_ms, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                .to_owned(),
        };
        let mut q = sqlx::query(&sql)
            .bind(r.id.clone())
            .bind(r.owner_org.to_string())
            .bind(r.marking.tlp.as_str().to_owned())
            .bind(r.marking.audience.as_str().to_owned())
            .bind(encode_recipients(&r.marking))
            .bind(r.state.clone());
        if t == Marked::Incident {
            q = q.bind(r.severity);
        }
        q.bind(r.created_ms)
            .bind(r.updated_ms)
            .bind(r.version)
            .bind(r.data.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Writes a step over the version it was made from (`r.version - 1`); one that another
    /// step moved meanwhile is a [`StoreError::Conflict`] and nothing is written.
    pub async fn update_marked(&mut self, t: Marked, r: &MarkedRow) -> Result<()> {
        let done = sqlx::query(&format!(
            "UPDATE {} SET tlp = $1, audience = $2, recipients = $3, state = $4, updated_ms = $5, \
             version = $6, data = $7 WHERE id = $8 AND version = $9",
            t.table()
        ))
        .bind(r.marking.tlp.as_str().to_owned())
        .bind(r.marking.audience.as_str().to_owned())
        .bind(encode_recipients(&r.marking))
        .bind(r.state.clone())
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
                "{} was changed by someone else meanwhile",
                r.id
            )));
        }
        if t == Marked::Incident {
            sqlx::query("UPDATE incidents SET severity = $1 WHERE id = $2")
                .bind(r.severity)
                .bind(r.id.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// The stored incident or case, for a step (no visibility: the caller checks who acts).
    pub async fn marked_for_update(&mut self, t: Marked, id: &str) -> Result<Option<MarkedRow>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM {} WHERE id = $1",
            columns(t),
            t.table()
        ))
        .bind(id.to_owned())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Puts alerts in an incident; an alert already in one is a [`StoreError::Conflict`].
    pub async fn link_incident_alerts(&mut self, incident: &str, alerts: &[String]) -> Result<()> {
        for a in alerts {
            sqlx::query("INSERT INTO incident_alerts (alert_id, incident_id) VALUES ($1, $2)")
                .bind(a.clone())
                .bind(incident.to_owned())
                .execute(&mut *self.tx)
                .await
                .map_err(|e| match StoreError::from_write(e) {
                    StoreError::Conflict(_) => {
                        StoreError::Conflict(format!("alert {a} is already in an incident"))
                    }
                    other => other,
                })?;
        }
        Ok(())
    }

    /// Appends an entry to an incident's timeline.
    pub async fn append_timeline(
        &mut self,
        incident: &str,
        at_ms: i64,
        actor: &str,
        entry: &str,
    ) -> Result<i64> {
        let n: i64 = sqlx::query(
            "SELECT COALESCE(MAX(n), 0) + 1 FROM incident_timeline WHERE incident_id = $1",
        )
        .bind(incident.to_owned())
        .fetch_one(&mut *self.tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, n, at_ms, actor, entry) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(incident.to_owned())
        .bind(n)
        .bind(at_ms)
        .bind(actor.to_owned())
        .bind(entry.to_owned())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(n)
    }

    /// Names an incident in a case.
    pub async fn add_case_incident(&mut self, case: &str, incident: &str) -> Result<()> {
        sqlx::query("INSERT INTO case_incidents (case_id, incident_id) VALUES ($1, $2)")
            .bind(case.to_owned())
            .bind(incident.to_owned())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Keeps the link from a duplicate alert to the one it duplicates.
    pub async fn insert_alert_duplicate(
        &mut self,
        alert: &str,
        duplicate_of: &str,
        at_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO alert_duplicates (alert_id, duplicate_of, at_ms) VALUES ($1, $2, $3)",
        )
        .bind(alert.to_owned())
        .bind(duplicate_of.to_owned())
        .bind(at_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Reopens a closed alert: open again, its outcome and closing note cleared (the audit
    /// chain keeps them). A merged alert's link to the one it duplicated goes.
    pub async fn reopen_alert(&mut self, alert: &str, at_ms: i64) -> Result<()> {
        let n = sqlx::query(
            "UPDATE alerts SET state = 'open', outcome = NULL, closing_note = NULL, \
             updated_ms = $1 WHERE id = $2 AND state = 'closed'",
        )
        .bind(at_ms)
        .bind(alert.to_owned())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!("alert {alert} is not closed")));
        }
        sqlx::query("DELETE FROM alert_duplicates WHERE alert_id = $1")
            .bind(alert.to_owned())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
impl Store {
    /// One incident or case, if the reader may see it.
    pub async fn marked(&self, t: Marked, id: &str, reader: &Reader) -> Result<Option<MarkedRow>> {
        let mut q = Sql::on(
            self.backend,
            &format!("SELECT {} FROM {} WHERE id = ", columns(t), t.table()),
        );
        q.arg(Arg::Text(id.to_owned()));
        push_visibility(&mut q, reader);
        let rows = q.query().fetch_all(&self.pool).await?;
        Ok(visible(rows, reader)?.into_iter().next())
    }

    /// Incidents or cases the reader may see, most recently changed first: in `states` (any
    /// when empty), changed at or after `changed_since_ms`.
    pub async fn list_marked(
        &self,
        t: Marked,
        reader: &Reader,
        states: &[&str],
        changed_since_ms: Option<i64>,
        limit: i64,
    ) -> Result<Vec<MarkedRow>> {
        let mut q = Sql::on(
            self.backend,
            &format!("SELECT {} FROM {} WHERE 1 = 1", columns(t), t.table()),
        );
        push_visibility(&mut q, reader);
        if !states.is_empty() {
            q.push(" AND state IN ");
            q.row(true, states.iter().map(|s| Arg::Text((*s).to_owned())));
        }
        if let Some(since) = changed_since_ms {
            q.push(" AND updated_ms >= ").arg(Arg::I64(since));
        }
        q.push(" ORDER BY updated_ms DESC, id LIMIT ")
            .arg(Arg::I64(limit));
        let rows = q.query().fetch_all(&self.pool).await?;
        visible(rows, reader)
    }

    /// An incident's timeline, oldest first, if the reader may see the incident.
    pub async fn incident_timeline(
        &self,
        id: &str,
        reader: &Reader,
        limit: i64,
    ) -> Result<Option<Vec<TimelineRow>>> {
        if self.marked(Marked::Incident, id, reader).await?.is_none() {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT n, at_ms, actor, entry FROM incident_timeline WHERE incident_id = $1 \
             ORDER BY n LIMIT $2",
        )
        .bind(id.to_owned())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let out = rows
            .iter()
            .map(|r| {
                Ok(TimelineRow {
                    n: r.try_get(0)?,
                    at_ms: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    entry: r.try_get(3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(out))
    }

    /// The incident an alert is in, if there is one and the reader may see it.
    pub async fn incident_of_alert(
        &self,
        alert: &str,
        reader: &Reader,
    ) -> Result<Option<MarkedRow>> {
        let id: Option<String> =
            sqlx::query("SELECT incident_id FROM incident_alerts WHERE alert_id = $1")
                .bind(alert.to_owned())
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        match id {
            Some(id) => self.marked(Marked::Incident, &id, reader).await,
            None => Ok(None),
        }
    }

    /// Which alert a merged duplicate points to.
    pub async fn alert_duplicate_of(&self, alert: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query("SELECT duplicate_of FROM alert_duplicates WHERE alert_id = $1")
                .bind(alert.to_owned())
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
        )
    }
}
