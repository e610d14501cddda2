//! Shared objects (STIX-shaped, one row per version), partner feeds and TAXII statuses.
//!
//! Visibility is applied in SQL with the rule of [`hamnvakt_core::marking::check`], and every
//! row read is checked against that rule again before it is returned, so a mistake in the SQL
//! can hide an object but never show one.

use std::collections::HashMap;

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Audience, Marking, Reader};
use hamnvakt_core::tlp::Tlp;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{chunks, Arg, Sql};
use crate::{Result, Store, StoreError, WriteTx};

/// One stored version of a shared object.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedRow {
    /// Date-added order.
    pub seq: i64,
    pub stix_id: String,
    pub modified_ms: i64,
    pub stix_type: String,
    pub owner_org: OrgId,
    pub marking: Marking,
    pub source: String,
    pub revoked: bool,
    pub latest: bool,
    pub ref_id: Option<String>,
    pub added_ms: i64,
    pub body: Map<String, Value>,
}

/// A version to file.
#[derive(Debug, Clone)]
pub struct NewShared {
    pub stix_id: String,
    pub modified_ms: i64,
    pub stix_type: String,
    pub owner_org: OrgId,
    pub marking: Marking,
    pub source: String,
    pub revoked: bool,
    pub ref_id: Option<String>,
    /// The STIX object as JSON text (without its marking references).
    pub body: String,
}

/// What filing one version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    /// Stored, and now the newest version of its id.
    Latest,
    /// Stored as an older version (a newer one was already here).
    Older,
    /// This exact version (id and modified) was already here; nothing changed.
    Duplicate,
    /// The id belongs to another organisation's object: only its creator versions it.
    NotOwner,
    /// The id is already here and revoked: revocation is final.
    Revoked,
}

/// Which versions a query returns (TAXII's `match[version]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Versions {
    #[default]
    Last,
    First,
    All,
    At(i64),
}

/// A query over shared objects, as the reader may see them.
#[derive(Debug, Clone, Default)]
pub struct SharedQuery {
    /// Only objects given to this audience (the TAXII collection's), or any.
    pub audience: Option<Audience>,
    pub types: Vec<String>,
    pub ids: Vec<String>,
    /// Any of these versions of each object; none is the newest only.
    pub versions: Vec<Versions>,
    /// Only objects added after this time.
    pub added_after_ms: Option<i64>,
    /// Only objects after this date-added position (the paging cursor).
    pub after_seq: Option<i64>,
    /// Only sightings of this object.
    pub ref_id: Option<String>,
    /// For a machine feed: never TLP:RED (for the eyes of named people only) nor what may not
    /// leave for a partner port.
    pub feed: bool,
    pub limit: i64,
}

const COLUMNS: &str =
    "seq, stix_id, modified_ms, stix_type, owner_org, tlp, audience, recipients, \
     source, revoked, latest, ref_id, added_ms, body";

fn corrupt(what: &'static str) -> impl Fn(String) -> StoreError {
    move |e| StoreError::Corrupt(format!("shared object {what}: {e}"))
}

fn row_of(r: &AnyRow) -> Result<SharedRow> {
    let owner: String = r.try_get(4)?;
    let tlp: String = r.try_get(5)?;
    let audience: String = r.try_get(6)?;
    let recipients: String = r.try_get(7)?;
    let body: String = r.try_get(13)?;
    let body = match serde_json::from_str::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(StoreError::Corrupt(
                "shared object body is not a JSON object".into(),
            ))
        }
    };
    Ok(SharedRow {
        seq: r.try_get(0)?,
        stix_id: r.try_get(1)?,
        modified_ms: r.try_get(2)?,
        stix_type: r.try_get(3)?,
        owner_org: owner
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("owner {owner:?}")))?,
        marking: Marking {
            tlp: tlp
                .parse::<Tlp>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            audience: audience.parse().map_err(corrupt("audience"))?,
            recipients: recipients
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse()
                        .map_err(|_| StoreError::Corrupt(format!("recipient {s:?}")))
                })
                .collect::<Result<_>>()?,
        },
        source: r.try_get(8)?,
        revoked: r.try_get::<i64, _>(9)? != 0,
        latest: r.try_get::<i64, _>(10)? != 0,
        ref_id: r.try_get(11)?,
        added_ms: r.try_get(12)?,
        body,
    })
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

/// Whether a machine feed may carry `row` to `reader`.
pub fn feed_may_carry(row: &SharedRow, reader: &Reader) -> bool {
    row.marking.tlp != Tlp::Red
        && (!reader.partner || row.owner_org == reader.org || row.marking.may_leave_for(reader.org))
}

/// The visibility condition as SQL, for one reader; for a feed, also what a feed may carry
/// ([`feed_may_carry`]: never RED; for a partner port only its own objects, the alliance's
/// GREEN and CLEAR, and what names it — which the visibility condition already narrows to).
fn push_visibility(q: &mut Sql, reader: &Reader, feed: bool) {
    let org = reader.org.to_string();
    q.push(" AND (owner_org = ").arg(Arg::Text(org.clone()));
    q.push(" OR audience = 'alliance' AND tlp IN ('TLP:CLEAR', 'TLP:GREEN')");
    if !reader.partner {
        q.push(" OR audience = 'community' AND tlp IN ('TLP:CLEAR', 'TLP:GREEN')");
    }
    q.push(" OR audience = 'named' AND tlp <> 'TLP:AMBER+STRICT' AND recipients LIKE ")
        .arg(Arg::Text(format!("%,{org},%")));
    q.push(")");
    if feed {
        q.push(" AND tlp <> 'TLP:RED'");
    }
}

impl WriteTx {
    /// Files versions of shared objects, in order, and says what each did. Ownership and
    /// revocation are checked against what is stored and what came earlier in `rows`.
    pub async fn file_shared(&mut self, rows: &[NewShared], added_ms: i64) -> Result<Vec<Filed>> {
        // What is here already, per id: its owner, whether revoked, its versions, the latest.
        struct Here {
            owner: String,
            revoked: bool,
            versions: Vec<i64>,
            latest: i64,
        }
        let mut here: HashMap<String, Here> = HashMap::new();
        let mut ids: Vec<&str> = rows.iter().map(|r| r.stix_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut rest = ids.as_slice();
        for (_, len) in chunks(ids.len()) {
            let (now, later) = rest.split_at(len.min(rest.len()));
            rest = later;
            let mut q = Sql::on(
                self.backend,
                "SELECT stix_id, modified_ms, owner_org, revoked, latest FROM shared_objects WHERE stix_id IN ",
            );
            q.row(true, now.iter().map(|s| Arg::Text((*s).to_owned())));
            for r in q.query().fetch_all(&mut *self.tx).await? {
                let id: String = r.try_get(0)?;
                let modified: i64 = r.try_get(1)?;
                let e = here.entry(id).or_insert_with(|| Here {
                    owner: String::new(),
                    revoked: false,
                    versions: Vec::new(),
                    latest: i64::MIN,
                });
                e.owner = r.try_get(2)?;
                e.revoked |= r.try_get::<i64, _>(3)? != 0;
                e.versions.push(modified);
                if r.try_get::<i64, _>(4)? != 0 {
                    e.latest = modified;
                }
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut superseded: Vec<String> = Vec::new();
        let mut insert: Vec<(usize, bool)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let owner = r.owner_org.to_string();
            let filed = match here.get_mut(&r.stix_id) {
                None => {
                    here.insert(
                        r.stix_id.clone(),
                        Here {
                            owner,
                            revoked: r.revoked,
                            versions: vec![r.modified_ms],
                            latest: r.modified_ms,
                        },
                    );
                    Filed::Latest
                }
                Some(h) if h.owner != owner => Filed::NotOwner,
                Some(h) if h.versions.contains(&r.modified_ms) => Filed::Duplicate,
                Some(h) if h.revoked => Filed::Revoked,
                Some(h) => {
                    h.versions.push(r.modified_ms);
                    h.revoked |= r.revoked && r.modified_ms > h.latest;
                    if r.modified_ms > h.latest {
                        h.latest = r.modified_ms;
                        superseded.push(r.stix_id.clone());
                        Filed::Latest
                    } else {
                        Filed::Older
                    }
                }
            };
            if matches!(filed, Filed::Latest | Filed::Older) {
                insert.push((i, filed == Filed::Latest));
            }
            out.push(filed);
        }
        // Only the last version filed for an id in this batch stays latest.
        let mut last_latest: HashMap<&str, usize> = HashMap::new();
        for (i, latest) in &insert {
            if *latest {
                if let Some(r) = rows.get(*i) {
                    last_latest.insert(r.stix_id.as_str(), *i);
                }
            }
        }
        superseded.sort_unstable();
        superseded.dedup();
        let mut rest = superseded.as_slice();
        for (_, len) in chunks(superseded.len()) {
            let (now, later) = rest.split_at(len.min(rest.len()));
            rest = later;
            let mut q = Sql::on(
                self.backend,
                "UPDATE shared_objects SET latest = 0 WHERE latest = 1 AND stix_id IN ",
            );
            q.row(true, now.iter().map(|s| Arg::Text(s.clone())));
            q.query().execute(&mut *self.tx).await?;
        }
        let values: Vec<Vec<Arg>> = insert
            .iter()
            .filter_map(|(i, _)| rows.get(*i).map(|r| (*i, r)))
            .map(|(i, r)| {
                let latest = last_latest.get(r.stix_id.as_str()) == Some(&i);
                vec![
                    Arg::Text(r.stix_id.clone()),
                    Arg::I64(r.modified_ms),
                    Arg::Text(r.stix_type.clone()),
                    Arg::Text(r.owner_org.to_string()),
                    Arg::Text(r.marking.tlp.as_str().to_owned()),
                    Arg::Text(r.marking.audience.as_str().to_owned()),
                    Arg::Text(encode_recipients(&r.marking)),
                    Arg::Text(r.source.clone()),
                    Arg::I64(i64::from(r.revoked)),
                    Arg::I64(i64::from(latest)),
                    Arg::OptText(r.ref_id.clone()),
                    Arg::I64(added_ms),
                    Arg::Text(r.body.clone()),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO shared_objects (stix_id, modified_ms, stix_type, owner_org, tlp, audience, \
             recipients, source, revoked, latest, ref_id, added_ms, body) VALUES ",
            "",
            values,
        )
        .await?;
        Ok(out)
    }

    pub async fn insert_feed(&mut self, f: &FeedRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO sharing_feeds (id, name, partner_org, direction, objects_url, username, \
             token, interval_seconds, enabled, cursor, last_run_ms, last_ok_ms, last_error, \
             objects_total, last_run_objects, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(f.id.clone())
        .bind(f.name.clone())
        .bind(f.partner_org.to_string())
        .bind(f.direction.clone())
        .bind(f.objects_url.clone())
        .bind(f.username.clone())
        .bind(f.token.clone())
        .bind(f.interval_seconds)
        .bind(i64::from(f.enabled))
        .bind(f.cursor.clone())
        .bind(f.last_run_ms)
        .bind(f.last_ok_ms)
        .bind(f.last_error.clone())
        .bind(f.objects_total)
        .bind(f.last_run_objects)
        .bind(f.created_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Records a feed's run: its new cursor (when the pull took objects), the objects it filed
    /// (`taken`, added to the total), the objects that crossed the wire (`transferred`, kept as
    /// the last run's), and the outcome.
    pub async fn record_feed_run(
        &mut self,
        id: &str,
        at_ms: i64,
        cursor: Option<&str>,
        taken: i64,
        transferred: i64,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sharing_feeds SET last_run_ms = $1, \
             last_ok_ms = CASE WHEN $2 IS NULL THEN $3 ELSE last_ok_ms END, \
             last_error = $4, cursor = COALESCE($5, cursor), objects_total = objects_total + $6, \
             last_run_objects = $7 WHERE id = $8",
        )
        .bind(at_ms)
        .bind(error.map(str::to_owned))
        .bind(at_ms)
        .bind(error.map(str::to_owned))
        .bind(cursor.map(str::to_owned))
        .bind(taken)
        .bind(transferred)
        .bind(id.to_owned())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn insert_taxii_status(
        &mut self,
        id: &str,
        owner: OrgId,
        at_ms: i64,
        body: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO taxii_statuses (id, owner_org, created_ms, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_owned())
        .bind(owner.to_string())
        .bind(at_ms)
        .bind(body.to_owned())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

/// A partner collection we pull from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub id: String,
    pub name: String,
    /// The organisation (kind `other_port`) that stands for the partner here: it owns what
    /// the feed brings.
    pub partner_org: OrgId,
    /// `pull` or `push`.
    pub direction: String,
    /// The collection's objects URL (`…/collections/{id}/objects/`).
    pub objects_url: String,
    /// For partners that only take HTTP Basic: the user name (the token is the password).
    pub username: Option<String>,
    /// The API token the partner issued us (sent as a bearer token, or as the Basic password).
    pub token: String,
    pub interval_seconds: i64,
    pub enabled: bool,
    /// The date-added of the last object taken (TAXII's `added_after` for the next pull).
    pub cursor: Option<String>,
    pub last_run_ms: Option<i64>,
    pub last_ok_ms: Option<i64>,
    pub last_error: Option<String>,
    pub objects_total: i64,
    /// The objects that crossed the wire on the last run: received by a pull (whether filed
    /// or not), sent by a push. A pull that finds nothing new receives nothing.
    pub last_run_objects: i64,
    pub created_ms: i64,
}

const FEED_COLUMNS: &str =
    "id, name, partner_org, direction, objects_url, username, token, interval_seconds, enabled, \
     cursor, last_run_ms, last_ok_ms, last_error, objects_total, created_ms, last_run_objects";

fn feed_of(r: &AnyRow) -> Result<FeedRow> {
    let org: String = r.try_get(2)?;
    Ok(FeedRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        partner_org: org
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("feed partner {org:?}")))?,
        direction: r.try_get(3)?,
        objects_url: r.try_get(4)?,
        username: r.try_get(5)?,
        token: r.try_get(6)?,
        interval_seconds: r.try_get(7)?,
        enabled: r.try_get::<i64, _>(8)? != 0,
        cursor: r.try_get(9)?,
        last_run_ms: r.try_get(10)?,
        last_ok_ms: r.try_get(11)?,
        last_error: r.try_get(12)?,
        objects_total: r.try_get(13)?,
        created_ms: r.try_get(14)?,
        last_run_objects: r.try_get(15)?,
    })
}

impl Store {
    /// Shared objects as `reader` may see them, in date-added order; `limit + 1` are read so
    /// the caller knows whether there are more.
    pub async fn list_shared(&self, reader: &Reader, q: &SharedQuery) -> Result<Vec<SharedRow>> {
        let mut sql = Sql::on(
            self.backend,
            &format!("SELECT {COLUMNS} FROM shared_objects WHERE 1 = 1"),
        );
        push_visibility(&mut sql, reader, q.feed);
        if let Some(a) = q.audience {
            sql.push(" AND audience = ")
                .arg(Arg::Text(a.as_str().to_owned()));
        }
        if !q.types.is_empty() {
            sql.push(" AND stix_type IN ");
            sql.row(true, q.types.iter().map(|t| Arg::Text(t.clone())));
        }
        if !q.ids.is_empty() {
            sql.push(" AND stix_id IN ");
            sql.row(true, q.ids.iter().map(|t| Arg::Text(t.clone())));
        }
        if !q.versions.contains(&Versions::All) {
            let versions = if q.versions.is_empty() {
                &[Versions::Last][..]
            } else {
                &q.versions[..]
            };
            sql.push(" AND (");
            for (i, v) in versions.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                match v {
                    Versions::Last => {
                        sql.push("latest = 1");
                    }
                    Versions::All => {}
                    Versions::First => {
                        sql.push(
                            "modified_ms = (SELECT MIN(s2.modified_ms) FROM shared_objects s2 \
                             WHERE s2.stix_id = shared_objects.stix_id)",
                        );
                    }
                    Versions::At(ms) => {
                        sql.push("modified_ms = ").arg(Arg::I64(*ms));
                    }
                }
            }
            sql.push(")");
        }
        if let Some(a) = q.added_after_ms {
            sql.push(" AND added_ms > ").arg(Arg::I64(a));
        }
        if let Some(s) = q.after_seq {
            sql.push(" AND seq > ").arg(Arg::I64(s));
        }
        if let Some(r) = &q.ref_id {
            sql.push(" AND ref_id = ").arg(Arg::Text(r.clone()));
        }
        sql.push(" ORDER BY seq LIMIT ")
            .arg(Arg::I64(q.limit.clamp(1, 10_001) + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let row = row_of(r)?;
            // The one rule, again: the SQL can only narrow what it decides.
            if !marking::may_see(row.owner_org, &row.marking, reader) {
                return Err(StoreError::Corrupt(format!(
                    "the visibility query returned {} which the marking rule refuses",
                    row.stix_id
                )));
            }
            // What a feed may carry is decided by the SQL too, so a page is never cut short by
            // rows dropped after its limit: a row it admits and the rule refuses is an error.
            if q.feed && !feed_may_carry(&row, reader) {
                return Err(StoreError::Corrupt(format!(
                    "the feed query returned {} which may not leave for its reader",
                    row.stix_id
                )));
            }
            out.push(row);
        }
        Ok(out)
    }

    /// The newest version of an object, whoever may see it (for ownership checks and the
    /// matcher; never returned to a caller without [`marking::check`]).
    pub async fn shared_latest(&self, stix_id: &str) -> Result<Option<SharedRow>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM shared_objects WHERE stix_id = $1 AND latest = 1"
        ))
        .bind(stix_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_of).transpose()
    }

    /// The newest version of every live indicator (the matcher's input).
    pub async fn live_indicators(&self) -> Result<Vec<SharedRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM shared_objects WHERE stix_type = 'indicator' AND latest = 1 AND revoked = 0 ORDER BY seq"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_of).collect()
    }

    /// How many objects of each type the reader may see (newest versions).
    pub async fn count_shared_by_type(&self, reader: &Reader) -> Result<Vec<(String, i64)>> {
        let mut sql = Sql::on(
            self.backend,
            "SELECT stix_type, COUNT(*) FROM shared_objects WHERE latest = 1",
        );
        push_visibility(&mut sql, reader, false);
        sql.push(" GROUP BY stix_type ORDER BY stix_type");
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn list_feeds(&self) -> Result<Vec<FeedRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {FEED_COLUMNS} FROM sharing_feeds ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(feed_of).collect()
    }

    pub async fn feed(&self, id: &str) -> Result<Option<FeedRow>> {
        let row = sqlx::query(&format!(
            "SELECT {FEED_COLUMNS} FROM sharing_feeds WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(feed_of).transpose()
    }

    /// A TAXII status, if it is the organisation's.
    pub async fn taxii_status(&self, id: &str, owner: OrgId) -> Result<Option<String>> {
        let row = sqlx::query("SELECT body FROM taxii_statuses WHERE id = $1 AND owner_org = $2")
            .bind(id.to_owned())
            .bind(owner.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }
}
