//! The alert queue's tables: alerts, their typed subjects and the organisations they are
//! shared with. Visibility is applied in SQL, with the same rule as
//! [`hamnvakt_core::alert::visible_to`] ([`hamnvakt_core::marking::check`]), so a page never holds an alert the viewer may not see.

use std::collections::HashMap;

use hamnvakt_core::alert::{AlertState, Outcome, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::ids::{AlertId, OrgId, UserId};
use hamnvakt_core::marking::{Audience, Marking};
use hamnvakt_core::Tlp;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{Arg, Sql};
use crate::{Backend, Result, Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRecord {
    pub id: AlertId,
    pub kind: String,
    pub severity: Severity,
    pub title: String,
    /// What a detector or rule said, as stored (`{"code", "params"}`): kept as JSON, so a
    /// code this version does not know is still read; `None` for alerts people raised.
    pub message: Option<serde_json::Value>,
    pub state: AlertState,
    pub owner_org: OrgId,
    pub tlp: Tlp,
    /// The audience the owner chose when raising it; `None` is the one its TLP implies
    /// ([`hamnvakt_core::marking::Marking::of_alert`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    pub shared_with: Vec<OrgId>,
    pub subjects: Vec<SubjectRef>,
    pub evidence: serde_json::Value,
    pub assignee: Option<UserId>,
    pub outcome: Option<Outcome>,
    pub closing_note: Option<String>,
    pub raised_by: String,
    /// When the finding was first seen (the time of the event, not of its ingestion).
    pub created_ms: i64,
    pub updated_ms: i64,
    /// How many times the finding was seen: repeats fold into the alert still open for it.
    pub occurrences: i64,
    /// When the finding was last seen (the time of that event).
    pub last_seen_ms: i64,
}

/// A validated alert to insert.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    pub id: AlertId,
    pub draft: &'a hamnvakt_core::alert::AlertDraft,
    pub raised_by: &'a str,
    pub created_ms: i64,
    /// What makes a repeat the same finding ([`hamnvakt_core::alert::fold_key`]).
    pub fold_key: Option<String>,
}

/// A finding waiting in the outbox to be raised.
#[derive(Debug, Clone)]
pub struct PendingAlert {
    /// The id the alert gets when it is raised as a new one.
    pub id: AlertId,
    /// Who raised it (`detector:access` …).
    pub actor: String,
    /// The time of the event it was found in.
    pub at_ms: Option<i64>,
    /// The alert draft as JSON.
    pub draft: String,
    pub created_ms: i64,
}

/// The alert still open for a finding, found by its fold key.
#[derive(Debug, Clone, Copy)]
pub struct OpenFinding {
    pub id: AlertId,
    pub occurrences: i64,
    pub last_seen_ms: i64,
    pub severity: Severity,
}

/// Who is looking: alerts are filtered to what this organisation may see.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub org: OrgId,
    /// The viewer's organisation is a federated partner port, not a member of the port
    /// community ([`hamnvakt_core::marking::Reader::partner`]).
    pub partner: bool,
}

impl Viewer {
    /// A member of the port community.
    pub fn member(org: OrgId) -> Viewer {
        Viewer {
            org,
            partner: false,
        }
    }

    pub fn reader(&self) -> hamnvakt_core::marking::Reader {
        hamnvakt_core::marking::Reader {
            org: self.org,
            partner: self.partner,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertSort {
    #[default]
    Newest,
    Oldest,
    /// The operator's queue: most severe first, then the finding seen last first.
    Severity,
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Any of these states; empty means all.
    pub states: Vec<AlertState>,
    pub min_severity: Option<Severity>,
    /// `ais` matches `ais.gap` and `ais.loitering`.
    pub kind_prefix: Option<String>,
    pub subject: Option<(SubjectKind, String)>,
    pub owner_org: Option<OrgId>,
    pub assignee: Option<UserId>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub sort: AlertSort,
    /// Continue after this cursor (from a previous page).
    pub cursor: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    pub alerts: Vec<AlertRecord>,
    pub next_cursor: Option<String>,
}

const ALERT_COLUMNS: &str =
    "id, kind, severity, title, state, owner_org, tlp, evidence, assignee, outcome, \
                             closing_note, raised_by, created_ms, updated_ms, occurrences, last_seen_ms, message, audience";

fn corrupt<T: std::fmt::Display>(what: &str) -> impl Fn(T) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn alert_from_row(r: &AnyRow) -> Result<AlertRecord> {
    let evidence: String = r.try_get(7)?;
    let assignee: Option<String> = r.try_get(8)?;
    let outcome: Option<String> = r.try_get(9)?;
    Ok(AlertRecord {
        id: r
            .try_get::<String, _>(0)?
            .parse()
            .map_err(corrupt("alert id"))?,
        kind: r.try_get(1)?,
        severity: r
            .try_get::<String, _>(2)?
            .parse()
            .map_err(corrupt("severity"))?,
        title: r.try_get(3)?,
        state: r
            .try_get::<String, _>(4)?
            .parse()
            .map_err(corrupt("state"))?,
        owner_org: r
            .try_get::<String, _>(5)?
            .parse()
            .map_err(corrupt("owner"))?,
        tlp: r.try_get::<String, _>(6)?.parse().map_err(corrupt("tlp"))?,
        audience: r
            .try_get::<Option<String>, _>(17)?
            .map(|a| a.parse())
            .transpose()
            .map_err(corrupt("audience"))?,
        shared_with: Vec::new(),
        subjects: Vec::new(),
        evidence: serde_json::from_str(&evidence).map_err(corrupt("evidence"))?,
        assignee: assignee
            .map(|a| a.parse())
            .transpose()
            .map_err(corrupt("assignee"))?,
        outcome: outcome
            .map(|o| o.parse())
            .transpose()
            .map_err(corrupt("outcome"))?,
        closing_note: r.try_get(10)?,
        raised_by: r.try_get(11)?,
        created_ms: r.try_get(12)?,
        updated_ms: r.try_get(13)?,
        occurrences: r.try_get(14)?,
        last_seen_ms: r.try_get(15)?,
        message: r
            .try_get::<Option<String>, _>(16)?
            .and_then(|m| serde_json::from_str(&m).ok()),
    })
}

/// The audience of an alert as SQL: the one its owner chose, else the one its TLP implies
/// (as [`Marking::of_alert`] says).
const ALERT_AUDIENCE: &str = "COALESCE(alerts.audience, CASE WHEN alerts.tlp IN ('TLP:CLEAR', 'TLP:GREEN') THEN 'community' WHEN alerts.tlp = 'TLP:AMBER+STRICT' THEN 'organisation' ELSE 'named' END)";

/// The visibility condition, as SQL on `alerts`, for one viewer: [`hamnvakt_core::marking::check`]
/// on the alert's marking. An audience its TLP does not allow (never stored so: drafts are
/// validated) gives it to nobody but its owner.
fn push_visibility(q: &mut Sql, viewer: &Viewer) {
    let org = viewer.org.to_string();
    q.push(" AND (alerts.owner_org = ")
        .arg(Arg::Text(org.clone()));
    // The port community's alerts are not the partner ports'.
    if !viewer.partner {
        q.push(&format!(
            " OR {ALERT_AUDIENCE} = 'community' AND alerts.tlp IN ('TLP:CLEAR', 'TLP:GREEN')"
        ));
    }
    q.push(&format!(
        " OR {ALERT_AUDIENCE} = 'alliance' AND alerts.tlp IN ('TLP:CLEAR', 'TLP:GREEN')"
    ));
    // Named organisations: for any TLP but AMBER+STRICT, which is the owner's organisation
    // only, whoever was named.
    q.push(&format!(" OR {ALERT_AUDIENCE} = 'named' AND alerts.tlp <> 'TLP:AMBER+STRICT' AND EXISTS (SELECT 1 FROM alert_shares s WHERE s.alert_id = alerts.id AND s.org_id = "));
    q.arg(Arg::Text(org)).push("))");
}

/// [`Marking::of_alert`] of a stored alert.
pub fn alert_marking(a: &AlertRecord) -> Marking {
    Marking::of_alert(a.tlp, a.audience, &a.shared_with)
}

fn encode_cursor(a: &AlertRecord, sort: AlertSort) -> String {
    match sort {
        AlertSort::Severity => format!("{}_{}_{}", a.severity.rank(), a.last_seen_ms, a.id),
        AlertSort::Newest | AlertSort::Oldest => format!("{}_{}", a.created_ms, a.id),
    }
}

fn decode_cursor(c: &str) -> Option<(i64, String)> {
    let (ms, id) = c.split_once('_')?;
    let ms = ms.parse().ok()?;
    id.parse::<AlertId>().ok()?;
    Some((ms, id.to_owned()))
}

/// A severity-order cursor: rank, last seen, id.
fn decode_severity_cursor(c: &str) -> Option<(i64, i64, String)> {
    let (rank, rest) = c.split_once('_')?;
    let (ms, id) = decode_cursor(rest)?;
    Some((rank.parse().ok()?, ms, id))
}

impl WriteTx {
    pub async fn insert_alert(&mut self, a: &NewAlert<'_>) -> Result<()> {
        let d = a.draft;
        sqlx::query(&format!(
            "INSERT INTO alerts ({ALERT_COLUMNS}, severity_rank, fold_key) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, NULL, NULL, NULL, $8, $9, $9, 1, $9, $12, $13, $10, $11)"
        ))
        .bind(a.id.to_string())
        .bind(d.kind.clone())
        .bind(d.severity.as_str())
        .bind(d.title.clone())
        .bind(d.owner_org.to_string())
        .bind(d.tlp.as_str())
        .bind(hamnvakt_core::chain::canonical_json(&d.evidence))
        .bind(a.raised_by.to_owned())
        .bind(a.created_ms)
        .bind(d.severity.rank())
        .bind(a.fold_key.clone())
        .bind(
            d.message
                .as_ref()
                .and_then(|m| serde_json::to_value(m).ok())
                .map(|v| hamnvakt_core::chain::canonical_json(&v)),
        )
        .bind(d.audience.map(|a| a.as_str().to_owned()))
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        for (i, s) in d.subjects.iter().enumerate() {
            sqlx::query("INSERT INTO alert_subjects (alert_id, ord, kind, reference, label) VALUES ($1, $2, $3, $4, $5)")
                .bind(a.id.to_string())
                .bind(i as i64)
                .bind(s.kind.as_str())
                .bind(s.reference.clone())
                .bind(s.label.clone())
                .execute(&mut *self.tx)
                .await
                .map_err(StoreError::from_write)?;
        }
        for org in &d.shared_with {
            sqlx::query("INSERT INTO alert_shares (alert_id, org_id) VALUES ($1, $2)")
                .bind(a.id.to_string())
                .bind(org.to_string())
                .execute(&mut *self.tx)
                .await
                .map_err(StoreError::from_write)?;
        }
        Ok(())
    }

    /// The alert still open (not closed) for a finding, by its fold key. Read inside the
    /// transaction after the chain head is locked, so two raisers of one finding take turns.
    pub async fn open_alert_by_fold_key(&mut self, key: &str) -> Result<Option<OpenFinding>> {
        let row = sqlx::query(
            "SELECT id, occurrences, last_seen_ms, severity FROM alerts \
             WHERE fold_key = $1 AND state <> 'closed' ORDER BY created_ms, id LIMIT 1",
        )
        .bind(key.to_owned())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            Ok(OpenFinding {
                id: r
                    .try_get::<String, _>(0)?
                    .parse()
                    .map_err(corrupt("alert id"))?,
                occurrences: r.try_get(1)?,
                last_seen_ms: r.try_get(2)?,
                severity: r
                    .try_get::<String, _>(3)?
                    .parse()
                    .map_err(corrupt("severity"))?,
            })
        })
        .transpose()
    }

    /// Folds a repeat into an open alert: one more occurrence, last seen at the later of
    /// the two times, the higher of the two severities.
    pub async fn fold_alert(
        &mut self,
        id: AlertId,
        seen_ms: i64,
        severity: Severity,
        at_ms: i64,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE alerts SET occurrences = occurrences + 1, \
             last_seen_ms = CASE WHEN last_seen_ms < $1 THEN $1 ELSE last_seen_ms END, \
             severity = CASE WHEN severity_rank < $2 THEN $3 ELSE severity END, \
             severity_rank = CASE WHEN severity_rank < $2 THEN $2 ELSE severity_rank END, \
             updated_ms = $4 WHERE id = $5 AND state <> 'closed'",
        )
        .bind(seen_ms)
        .bind(severity.rank())
        .bind(severity.as_str())
        .bind(at_ms)
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "alert {id} was closed concurrently"
            )));
        }
        Ok(())
    }

    /// Puts findings in the outbox, in the transaction that commits what they were found in.
    pub async fn insert_pending_alerts(&mut self, pending: &[PendingAlert]) -> Result<()> {
        for p in pending {
            sqlx::query(
                "INSERT INTO alert_outbox (id, actor, at_ms, draft, created_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(p.id.to_string())
            .bind(p.actor.clone())
            .bind(p.at_ms)
            .bind(p.draft.clone())
            .bind(p.created_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        }
        Ok(())
    }

    /// Takes a finding out of the outbox, in the transaction that raises it; false when it
    /// is gone (another raiser took it first: on PostgreSQL this waits for that one's end).
    pub async fn take_pending_alert(&mut self, id: AlertId) -> Result<bool> {
        let n = sqlx::query("DELETE FROM alert_outbox WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?
            .rows_affected();
        Ok(n == 1)
    }

    /// The alert's state, read inside this transaction (locked on PostgreSQL) so that a
    /// transition is checked against the state it replaces.
    pub async fn alert_state_for_update(
        &mut self,
        id: AlertId,
    ) -> Result<Option<(AlertState, OrgId)>> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT state, owner_org FROM alerts WHERE id = $1",
            Backend::Postgres => "SELECT state, owner_org FROM alerts WHERE id = $1 FOR UPDATE",
        };
        let row = sqlx::query(sql)
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|r| {
            Ok((
                r.try_get::<String, _>(0)?
                    .parse()
                    .map_err(corrupt("state"))?,
                r.try_get::<String, _>(1)?
                    .parse()
                    .map_err(corrupt("owner"))?,
            ))
        })
        .transpose()
    }

    /// Moves an alert from `from` to `to`; fails with a conflict if another writer moved it
    /// first.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_alert_state(
        &mut self,
        id: AlertId,
        from: AlertState,
        to: AlertState,
        assignee: Option<UserId>,
        outcome: Option<Outcome>,
        note: Option<&str>,
        at_ms: i64,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE alerts SET state = $1, assignee = COALESCE($2, assignee), outcome = COALESCE($3, outcome), \
             closing_note = COALESCE($4, closing_note), updated_ms = $5 WHERE id = $6 AND state = $7",
        )
        .bind(to.as_str())
        .bind(assignee.map(|u| u.to_string()))
        .bind(outcome.map(|o| o.as_str().to_owned()))
        .bind(note.map(str::to_owned))
        .bind(at_ms)
        .bind(id.to_string())
        .bind(from.as_str())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "alert {id} changed state concurrently"
            )));
        }
        Ok(())
    }
}

impl Store {
    /// One alert, if the viewer may see it.
    pub async fn alert(&self, id: AlertId, viewer: &Viewer) -> Result<Option<AlertRecord>> {
        let mut q = Sql::on(
            self.backend,
            &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = "),
        );
        q.arg(Arg::Text(id.to_string()));
        push_visibility(&mut q, viewer);
        let Some(row) = q.query().fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let mut alerts = vec![alert_from_row(&row)?];
        self.attach_links(&mut alerts).await?;
        Ok(alerts.pop())
    }

    fn filtered(&self, viewer: &Viewer, f: &AlertFilter, select: &str) -> Sql {
        let mut q = Sql::on(
            self.backend,
            &format!("SELECT {select} FROM alerts WHERE 1 = 1"),
        );
        push_visibility(&mut q, viewer);
        if !f.states.is_empty() {
            q.push(" AND alerts.state IN (");
            for (i, s) in f.states.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.arg(Arg::Text(s.as_str().to_owned()));
            }
            q.push(")");
        }
        if let Some(s) = f.min_severity {
            q.push(" AND alerts.severity_rank >= ")
                .arg(Arg::I64(s.rank()));
        }
        if let Some(k) = f.kind_prefix.as_deref().filter(|k| !k.is_empty()) {
            q.push(" AND (alerts.kind = ")
                .arg(Arg::Text(k.to_owned()))
                .push(" OR alerts.kind LIKE ");
            q.arg(Arg::Text(format!("{}.%", crate::events::escape_like(k))))
                .push(" ESCAPE '\\')");
        }
        if let Some((kind, reference)) = &f.subject {
            q.push(" AND EXISTS (SELECT 1 FROM alert_subjects s WHERE s.alert_id = alerts.id AND s.kind = ");
            q.arg(Arg::Text(kind.as_str().to_owned()))
                .push(" AND s.reference = ");
            q.arg(Arg::Text(reference.clone())).push(")");
        }
        if let Some(o) = f.owner_org {
            q.push(" AND alerts.owner_org = ")
                .arg(Arg::Text(o.to_string()));
        }
        if let Some(u) = f.assignee {
            q.push(" AND alerts.assignee = ")
                .arg(Arg::Text(u.to_string()));
        }
        if let Some(s) = f.since_ms {
            q.push(" AND alerts.created_ms >= ").arg(Arg::I64(s));
        }
        if let Some(u) = f.until_ms {
            q.push(" AND alerts.created_ms < ").arg(Arg::I64(u));
        }
        q
    }

    /// A page of the alerts the viewer may see that match the filter.
    pub async fn list_alerts(&self, viewer: &Viewer, f: &AlertFilter) -> Result<AlertPage> {
        let limit = f.limit.clamp(1, 500);
        let mut q = self.filtered(viewer, f, ALERT_COLUMNS);
        if f.sort == AlertSort::Severity {
            if let Some((rank, ms, id)) = f.cursor.as_deref().and_then(decode_severity_cursor) {
                q.push(" AND (alerts.severity_rank < ").arg(Arg::I64(rank));
                q.push(" OR (alerts.severity_rank = ").arg(Arg::I64(rank));
                q.push(" AND (alerts.last_seen_ms < ").arg(Arg::I64(ms));
                q.push(" OR (alerts.last_seen_ms = ").arg(Arg::I64(ms));
                q.push(" AND alerts.id < ").arg(Arg::Text(id)).push("))))");
            }
            q.push(" ORDER BY alerts.severity_rank DESC, alerts.last_seen_ms DESC, alerts.id DESC LIMIT ")
                .arg(Arg::I64(limit + 1));
            return self.alert_page(q, limit, f.sort).await;
        }
        let (cmp, order) = match f.sort {
            AlertSort::Newest | AlertSort::Severity => ("<", "DESC"),
            AlertSort::Oldest => (">", "ASC"),
        };
        if let Some((ms, id)) = f.cursor.as_deref().and_then(decode_cursor) {
            q.push(&format!(" AND (alerts.created_ms {cmp} "))
                .arg(Arg::I64(ms));
            q.push(" OR (alerts.created_ms = ").arg(Arg::I64(ms));
            q.push(&format!(" AND alerts.id {cmp} "))
                .arg(Arg::Text(id))
                .push("))");
        }
        q.push(&format!(
            " ORDER BY alerts.created_ms {order}, alerts.id {order} LIMIT "
        ))
        .arg(Arg::I64(limit + 1));
        self.alert_page(q, limit, f.sort).await
    }

    async fn alert_page(&self, q: Sql, limit: i64, sort: AlertSort) -> Result<AlertPage> {
        let rows = q.query().fetch_all(&self.pool).await?;
        let mut alerts = rows
            .iter()
            .map(alert_from_row)
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if alerts.len() as i64 > limit {
            alerts.truncate(limit as usize);
            alerts.last().map(|a| encode_cursor(a, sort))
        } else {
            None
        };
        self.attach_links(&mut alerts).await?;
        Ok(AlertPage {
            alerts,
            next_cursor,
        })
    }

    /// Findings waiting in the outbox, oldest first.
    pub async fn pending_alerts(&self, limit: i64) -> Result<Vec<PendingAlert>> {
        let rows = sqlx::query(
            "SELECT id, actor, at_ms, draft, created_ms FROM alert_outbox ORDER BY created_ms, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingAlert {
                    id: r
                        .try_get::<String, _>(0)?
                        .parse()
                        .map_err(corrupt("pending alert id"))?,
                    actor: r.try_get(1)?,
                    at_ms: r.try_get(2)?,
                    draft: r.try_get(3)?,
                    created_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// How many alerts the viewer may see match the filter (cursor and limit ignored).
    pub async fn count_alerts(&self, viewer: &Viewer, f: &AlertFilter) -> Result<i64> {
        let q = self.filtered(viewer, f, "COUNT(*)");
        Ok(q.query().fetch_one(&self.pool).await?.try_get(0)?)
    }

    /// Fills in subjects and shares for a page of alerts with two queries.
    async fn attach_links(&self, alerts: &mut [AlertRecord]) -> Result<()> {
        if alerts.is_empty() {
            return Ok(());
        }
        let mut subj = Sql::on(
            self.backend,
            "SELECT alert_id, kind, reference, label FROM alert_subjects WHERE alert_id IN (",
        );
        let mut shares = Sql::on(
            self.backend,
            "SELECT alert_id, org_id FROM alert_shares WHERE alert_id IN (",
        );
        for (i, a) in alerts.iter().enumerate() {
            if i > 0 {
                subj.push(", ");
                shares.push(", ");
            }
            subj.arg(Arg::Text(a.id.to_string()));
            shares.arg(Arg::Text(a.id.to_string()));
        }
        subj.push(") ORDER BY alert_id, ord");
        shares.push(") ORDER BY alert_id, org_id");
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, a) in alerts.iter().enumerate() {
            index.insert(a.id.to_string(), i);
        }
        for r in subj.query().fetch_all(&self.pool).await? {
            let id: String = r.try_get(0)?;
            let kind: String = r.try_get(1)?;
            let s = SubjectRef {
                kind: kind.parse().map_err(corrupt("subject kind"))?,
                reference: r.try_get(2)?,
                label: r.try_get(3)?,
            };
            if let Some(a) = index.get(&id).and_then(|&i| alerts.get_mut(i)) {
                a.subjects.push(s);
            }
        }
        for r in shares.query().fetch_all(&self.pool).await? {
            let id: String = r.try_get(0)?;
            let org: OrgId = r
                .try_get::<String, _>(1)?
                .parse()
                .map_err(corrupt("share org"))?;
            if let Some(a) = index.get(&id).and_then(|&i| alerts.get_mut(i)) {
                a.shared_with.push(org);
            }
        }
        Ok(())
    }
}
