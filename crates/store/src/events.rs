//! Reading the event log and verifying its chain.

use hamnvakt_core::chain::{self, EventFields, GENESIS_HASH};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{Arg, Sql};
use crate::{Result, Store, StoreError};

/// One stored event, as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    pub seq: i64,
    pub at_ms: i64,
    pub kind: String,
    pub actor: String,
    pub org: Option<String>,
    pub subject: Option<String>,
    pub request_id: Option<String>,
    /// Canonical JSON text, exactly as hashed.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

impl EventRecord {
    /// The id the event's subject names after `prefix` (`"alert:"`, `"release:"` …), when it
    /// names one of that kind and the id parses.
    pub fn subject_id<T: std::str::FromStr>(&self, prefix: &str) -> Option<T> {
        self.subject
            .as_deref()
            .and_then(|s| s.strip_prefix(prefix))
            .and_then(|s| s.parse().ok())
    }

    fn from_row(r: &AnyRow) -> Result<EventRecord> {
        Ok(EventRecord {
            seq: r.try_get(0)?,
            at_ms: r.try_get(1)?,
            kind: r.try_get(2)?,
            actor: r.try_get(3)?,
            org: r.try_get(4)?,
            subject: r.try_get(5)?,
            request_id: r.try_get(6)?,
            payload: r.try_get(7)?,
            prev_hash: r.try_get(8)?,
            hash: r.try_get(9)?,
        })
    }

    /// The hash this event should have, recomputed from its fields.
    pub fn recompute_hash(&self) -> String {
        chain::event_hash(
            &self.prev_hash,
            &EventFields {
                seq: self.seq,
                at_ms: self.at_ms,
                kind: &self.kind,
                actor: &self.actor,
                org: self.org.as_deref(),
                subject: self.subject.as_deref(),
                request_id: self.request_id.as_deref(),
                payload: &self.payload,
            },
        )
    }
}

const EVENT_COLUMNS: &str =
    "seq, at_ms, kind, actor, org_id, subject, request_id, payload, prev_hash, hash";

/// A page of events, newest first; `next_before` continues the listing.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    pub next_before: Option<i64>,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub events_checked: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub status: ChainStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    Intact,
    /// The first event that does not match, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

impl Store {
    /// Events, newest first, optionally only those whose kind starts with `kind_prefix`.
    pub async fn list_events(
        &self,
        kind_prefix: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<EventPage> {
        let limit = limit.clamp(1, 500);
        let mut q = Sql::on(
            self.backend,
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE 1 = 1"),
        );
        if let Some(p) = kind_prefix.filter(|p| !p.is_empty()) {
            q.push(" AND (kind = ")
                .arg(Arg::Text(p.to_owned()))
                .push(" OR kind LIKE ");
            q.arg(Arg::Text(format!("{}.%", escape_like(p))))
                .push(" ESCAPE '\\')");
        }
        if let Some(b) = before {
            q.push(" AND seq < ").arg(Arg::I64(b));
        }
        q.push(" ORDER BY seq DESC LIMIT ").arg(Arg::I64(limit + 1));
        let rows = q.query().fetch_all(&self.pool).await?;
        let mut events = rows
            .iter()
            .map(EventRecord::from_row)
            .collect::<Result<Vec<_>>>()?;
        let next_before = if events.len() as i64 > limit {
            events.truncate(limit as usize);
            events.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(EventPage {
            events,
            next_before,
        })
    }

    /// The events about one subject (`alert:<id>`), oldest first.
    pub async fn events_for_subject(&self, subject: &str, limit: i64) -> Result<Vec<EventRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE subject = $1 ORDER BY seq LIMIT $2"
        ))
        .bind(subject.to_owned())
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EventRecord::from_row).collect()
    }

    /// Events with a sequence number after `after`, oldest first (for export and tests).
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<EventRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EventRecord::from_row).collect()
    }

    /// Events of these kinds with a sequence number after `after`, oldest first (what a
    /// stream that follows the chain reads; the `(kind, seq)` index answers it).
    pub async fn events_of_kinds_after(
        &self,
        kinds: &[&str],
        after: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 AND kind IN ({}) ORDER BY seq LIMIT $2",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(after).bind(limit.clamp(1, 10_000));
        for k in kinds {
            q = q.bind((*k).to_owned());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(EventRecord::from_row).collect()
    }

    /// The stored chain head: the newest event's sequence number and hash (0 and the genesis
    /// hash for an empty chain).
    pub async fn chain_head(&self) -> Result<(i64, String)> {
        let head = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::Corrupt("chain_head row is missing".into()))?;
        Ok((head.try_get(0)?, head.try_get(1)?))
    }

    /// Checks the end of the chain before an instance serves: no event is stored past the
    /// head (an append forged by someone with file access, which would make every later
    /// append collide), and the last `tail` events up to the head are contiguous, linked and
    /// match their hashes. Cheap whatever the chain's length; `verify_chain` walks it all.
    pub async fn verify_tail(&self, tail: i64) -> Result<ChainReport> {
        // One statement, so the head and the last stored event are read in one snapshot even
        // while another instance appends.
        let row = sqlx::query(
            "SELECT h.seq, h.hash, (SELECT MAX(seq) FROM events) FROM chain_head h WHERE h.id = 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::Corrupt("chain_head row is missing".into()))?;
        let head_seq: i64 = row.try_get(0)?;
        let head_hash: String = row.try_get(1)?;
        let last_stored: Option<i64> = row.try_get(2)?;
        let broken = |seq: i64, reason: String, checked: i64| ChainReport {
            events_checked: checked,
            head_seq,
            head_hash: head_hash.clone(),
            status: ChainStatus::Broken { seq, reason },
        };
        if let Some(last) = last_stored.filter(|l| *l > head_seq) {
            return Ok(broken(
                head_seq + 1,
                format!("event {last} is stored past the chain head (event {head_seq}): an append that did not go through the chain"),
                0,
            ));
        }
        let first = (head_seq - tail.max(1) + 1).max(1);
        let prev_hash = if first == 1 {
            GENESIS_HASH.to_owned()
        } else {
            match self.events_after(first - 2, 1).await?.first() {
                Some(e) if e.seq == first - 1 => e.hash.clone(),
                _ => {
                    return Ok(broken(
                        first - 1,
                        format!("event {} is missing", first - 1),
                        0,
                    ));
                }
            }
        };
        self.walk(first, prev_hash, head_seq, head_hash.clone())
            .await
    }

    /// Walks the whole chain from the first event up to the head: sequence numbers must run
    /// 1, 2, 3 … with no gap, each event must name its predecessor's hash, each stored hash must
    /// equal the hash recomputed from the event's fields, and the head must name the last event
    /// and its hash. Safe while the server writes. Reports the first event that fails.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let (head_seq, head_hash) = self.chain_head().await?;
        self.walk(1, GENESIS_HASH.to_owned(), head_seq, head_hash)
            .await
    }

    /// Checks events `first` up to the head as [`Store::verify_chain`] does, `prev_hash` being
    /// the hash event `first` must name. The walk stops at the head as read by the caller: an
    /// event appended after that moment was committed together with a newer head, so it
    /// belongs to a later verification.
    async fn walk(
        &self,
        first: i64,
        mut prev_hash: String,
        head_seq: i64,
        head_hash: String,
    ) -> Result<ChainReport> {
        let mut expected_seq = first;
        let broken = |seq: i64, reason: String, checked: i64| ChainReport {
            events_checked: checked,
            head_seq,
            head_hash: head_hash.clone(),
            status: ChainStatus::Broken { seq, reason },
        };
        while expected_seq <= head_seq {
            let batch = self.events_after(expected_seq - 1, 2000).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch.iter().take_while(|e| e.seq <= head_seq) {
                let checked = expected_seq - first;
                if e.seq != expected_seq {
                    return Ok(broken(
                        expected_seq,
                        format!("event {expected_seq} is missing (next stored is {})", e.seq),
                        checked,
                    ));
                }
                if e.prev_hash != prev_hash {
                    return Ok(broken(
                        e.seq,
                        "does not name its predecessor's hash".into(),
                        checked,
                    ));
                }
                if e.recompute_hash() != e.hash {
                    return Ok(broken(
                        e.seq,
                        "its contents do not match its hash".into(),
                        checked,
                    ));
                }
                prev_hash = e.hash.clone();
                expected_seq += 1;
            }
        }
        let last = expected_seq - 1;
        if last != head_seq || prev_hash != head_hash {
            return Ok(broken(
                last + 1,
                format!("the chain head names event {head_seq} but the log ends at event {last}"),
                last + 1 - first,
            ));
        }
        Ok(ChainReport {
            events_checked: last + 1 - first,
            head_seq,
            head_hash,
            status: ChainStatus::Intact,
        })
    }
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
