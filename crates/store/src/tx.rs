//! Write transactions and the append to the event log.
//!
//! Appending reads the chain head, hashes the new event onto it, inserts the event and moves
//! the head, all inside the caller's transaction. On PostgreSQL the head row is read
//! `FOR UPDATE`, so appends from several instances take turns and the chain stays linear; on
//! SQLite the single writer connection already orders them.
//!
//! [`crate::Store::append_durably`] is the hot path of gate decisions on SQLite: it appends a
//! group in one round trip to the writer (`BEGIN; INSERT …; UPDATE chain_head …; COMMIT`),
//! hashing onto the head this process last committed. That head is only a hint: every
//! statement of the group is conditional on the stored head still being it, so a hint made
//! stale by another process (a CLI command on the same file) commits nothing, and the group
//! goes the ordinary way, which reads the head in the transaction.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamnvakt_core::chain::{self, EventFields};
use sqlx::Row;

use crate::sql::{chunks, Arg, Sql};
use crate::writer::TxConn;
use crate::{Backend, Result, StoreError};

/// An event to append. The payload is any JSON; it is stored in canonical form.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub at_ms: i64,
    /// Dotted event kind: `auth.login`, `alert.acknowledged` …
    pub kind: &'a str,
    /// Who did it: `user:<id>`, `token:<id>`, `system`, `cli`.
    pub actor: &'a str,
    /// The actor's organisation, when there is one.
    pub org: Option<&'a str>,
    /// What it was done to: `alert:<id>`, `user:<id>` …
    pub subject: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub payload: serde_json::Value,
}

/// Where an appended event landed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedEvent {
    pub seq: i64,
    pub hash: String,
}

/// How long [`crate::Store::append_durably`] goes the ordinary way after its hint was stale.
const HINT_BACKOFF: Duration = Duration::from_millis(100);

pub(crate) const INSERT_EVENTS: &str =
    "INSERT INTO events (seq, at_ms, kind, actor, org_id, subject, request_id, payload, prev_hash, hash) ";

/// The chain head (sequence number and hash) as this process last committed it: a hint for
/// [`crate::Store::append_durably`], never trusted without a check inside the transaction.
pub(crate) type HeadHint = Arc<Mutex<Option<(i64, String)>>>;

/// How [`crate::Store::append_durably`]'s groups went since the store was opened.
#[derive(Debug, Default)]
pub(crate) struct GroupAppends {
    one_trip: std::sync::atomic::AtomicU64,
    missed: std::sync::atomic::AtomicU64,
}

pub(crate) fn set_hint(hint: &HeadHint, head: Option<(i64, String)>) {
    *hint.lock().unwrap_or_else(|p| p.into_inner()) = head;
}

/// A transaction on the writer connection. Dropping it without [`WriteTx::commit`] rolls
/// everything back, events included.
#[derive(Debug)]
pub struct WriteTx {
    pub(crate) tx: crate::writer::TxConn,
    pub(crate) backend: Backend,
    /// The chain head as this transaction has moved it, once read.
    head: Option<(i64, String)>,
    /// Whether appends moved the head; it is stored with them (each append writes the head
    /// in the same round trip as its events), so the commit only leaves it as the next hint.
    head_written: bool,
    /// Where a commit that moved the head leaves it for the next group append.
    hint: Option<HeadHint>,
    /// The store's pick-up facts generation, moved after a commit that wrote what a gate
    /// pick-up reads ([`crate::Store::pickup_facts_generation`]).
    facts: Option<Arc<std::sync::atomic::AtomicU64>>,
    /// Whether this transaction wrote what a gate pick-up reads.
    pub(crate) facts_touched: bool,
    /// Conditional updates to send with the commit, each to change exactly one row (else
    /// the transaction fails with the conflict given): see
    /// [`WriteTx::update_release_with_commit`].
    pub(crate) with_commit: Vec<(Sql, String)>,
}

impl WriteTx {
    pub(crate) fn new(
        tx: crate::writer::TxConn,
        backend: Backend,
        hint: Option<HeadHint>,
    ) -> WriteTx {
        WriteTx {
            tx,
            backend,
            head: None,
            head_written: false,
            hint,
            facts: None,
            facts_touched: false,
            with_commit: Vec::new(),
        }
    }

    /// The chain head as read when the transaction began ([`crate::Store::begin_locked`]).
    pub(crate) fn with_head(mut self, head: (i64, String)) -> WriteTx {
        self.head = Some(head);
        self
    }

    /// Moves `generation` after a commit that wrote what a gate pick-up reads.
    pub(crate) fn moving(mut self, generation: Arc<std::sync::atomic::AtomicU64>) -> WriteTx {
        self.facts = Some(generation);
        self
    }

    /// Reads the chain head now (on PostgreSQL `FOR UPDATE`) and returns its sequence number.
    /// Until this transaction ends, no other transaction, in this process or another, can
    /// append; and every event committed before it is visible to reads made after it
    /// returns. What is decided between this call and the commit is therefore decided
    /// against every event before it and ordered before every event after it: the gate
    /// decisions of several instances on PostgreSQL take turns this way. Appends after it
    /// hash onto the head read here.
    pub async fn lock_head(&mut self) -> Result<i64> {
        if let Some((seq, _)) = &self.head {
            return Ok(*seq);
        }
        let sql = match self.backend {
            Backend::Sqlite => "SELECT seq, hash FROM chain_head WHERE id = 1",
            Backend::Postgres => "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE",
        };
        let row = sqlx::query(sql)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| StoreError::Corrupt("chain_head row is missing".into()))?;
        let seq = row.try_get::<i64, _>(0)?;
        self.head = Some((seq, row.try_get::<String, _>(1)?));
        Ok(seq)
    }

    /// Appends one event to the chain.
    pub async fn append(&mut self, e: NewEvent<'_>) -> Result<AppendedEvent> {
        let mut out = self.append_many(std::slice::from_ref(&e)).await?;
        out.pop()
            .ok_or_else(|| StoreError::Corrupt("an append returned no event".into()))
    }

    /// Appends events to the chain in the order given, with multi-row inserts (a group of
    /// gate decisions costs a handful of statements, not one per event).
    pub async fn append_many(&mut self, events: &[NewEvent<'_>]) -> Result<Vec<AppendedEvent>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.lock_head().await?;
        let (seq, prev_hash) = self
            .head
            .take()
            .ok_or_else(|| StoreError::Corrupt("chain head not read".into()))?;
        let (rows, appended, head) = chain_rows(seq, prev_hash, events);
        if self.backend == Backend::Postgres {
            // One statement: the events and the head that names the last of them (this
            // transaction holds the head row's lock since `lock_head`).
            pg_append(rows, &head)
                .query()
                .execute(&mut *self.tx)
                .await?;
            self.head = Some(head);
            self.head_written = true;
            return Ok(appended);
        }
        // SQLite: the inserts and, with the last of them, the head, one round trip per chunk
        // (the single writer connection is held since `begin`, so no one else can move it).
        let mut rows = rows.into_iter();
        let parts = chunks(events.len());
        let last = parts.len().saturating_sub(1);
        for (k, (_, len)) in parts.into_iter().enumerate() {
            let mut sql = Sql::on(self.backend, INSERT_EVENTS);
            sql.push("VALUES ");
            for (i, row) in rows.by_ref().take(len).enumerate() {
                sql.row(i == 0, row);
            }
            if k == last {
                sql.push("; ");
                set_head(&mut sql, &head).push(" WHERE id = 1");
            }
            sql.query().execute(&mut *self.tx).await?;
        }
        self.head = Some(head);
        self.head_written = true;
        Ok(appended)
    }

    /// Appends `events` and commits, as [`WriteTx::append_many`] then [`WriteTx::commit`]. On
    /// SQLite's writer that is one round trip: the inserts, the head and `COMMIT` go together
    /// (for the gate's committer, whose group ends with its events).
    pub async fn append_and_commit(self, events: &[NewEvent<'_>]) -> Result<Vec<AppendedEvent>> {
        self.append_and_commit_on(events, None)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a begun transaction found its head moved".into()))
    }

    /// [`WriteTx::append_and_commit`]; with `unbegun`, on SQLite's writer holding no
    /// transaction yet: `BEGIN`, a check that the stored head is still `unbegun` (this
    /// process's hint), the claims, the events, the head and `COMMIT` all go in one round
    /// trip. `None` when the stored head was another (another process appended): nothing was
    /// written, and the caller goes the ordinary way.
    pub(crate) async fn append_and_commit_on(
        mut self,
        events: &[NewEvent<'_>],
        unbegun: Option<(i64, String)>,
    ) -> Result<Option<Vec<AppendedEvent>>> {
        if matches!(self.tx, TxConn::Held(_)) && unbegun.is_none() {
            return self.append_and_commit_held(events).await.map(Some);
        }
        let TxConn::Writer(conn) = &mut self.tx else {
            let appended = self.append_many(events).await?;
            self.commit().await?;
            return Ok(Some(appended));
        };
        if events.is_empty() && unbegun.is_none() {
            self.commit().await?;
            return Ok(Some(Vec::new()));
        }
        let (seq, prev_hash) = match self.head.take().or_else(|| unbegun.clone()) {
            Some(head) => head,
            None => {
                let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
                    .fetch_optional(&mut **conn)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("chain_head row is missing".into()))?;
                (row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?)
            }
        };
        let (rows, appended, head) = chain_rows(seq, prev_hash, events);
        let mut sql = Sql::on(Backend::Sqlite, "");
        if let Some(on) = &unbegun {
            // The write lock is taken by the head's update, which also checks it: the batch
            // fails (the head row exists) unless the head is still the one hashed onto.
            sql.push("PRAGMA synchronous=FULL; BEGIN; UPDATE chain_head SET seq = seq WHERE id = 1 AND seq = ")
                .arg(Arg::I64(on.0))
                .push(" AND hash = ")
                .arg(Arg::Text(on.1.clone()))
                .push("; INSERT INTO chain_head (id, seq, hash) SELECT 1, 0, '' WHERE changes() <> 1; ");
            conn.opening();
        }
        let checks = std::mem::take(&mut self.with_commit);
        for (update, _) in &checks {
            sql.append(update);
            // Fails the batch (the head row exists) unless the update changed one row.
            sql.push(
                "; INSERT INTO chain_head (id, seq, hash) SELECT 1, 0, '' WHERE changes() <> 1; ",
            );
        }
        let mut rows = rows.into_iter();
        for (_, len) in chunks(events.len()) {
            sql.push(INSERT_EVENTS).push("VALUES ");
            for (i, row) in rows.by_ref().take(len).enumerate() {
                sql.row(i == 0, row);
            }
            sql.push("; ");
        }
        set_head(&mut sql, &head).push(" WHERE id = 1; COMMIT;");
        // A batch cut short leaves the transaction open: the guard rolls it back when dropped.
        let done = sql.query().execute(&mut **conn).await;
        // Moved whether or not the commit went through, as in `commit`.
        if let (true, Some(g)) = (self.facts_touched, &self.facts) {
            g.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        if let Err(e) = done {
            if let Some(hint) = &self.hint {
                set_hint(hint, None);
            }
            let guard = e
                .as_database_error()
                .is_some_and(|d| d.is_unique_violation() && d.message().contains("chain_head"));
            if let (true, Some(on)) = (guard, &unbegun) {
                // The head's check or a claim's: which one, the head as it stands says.
                sqlx::query("ROLLBACK").execute(&mut **conn).await?;
                conn.closed();
                let now = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
                    .fetch_optional(&mut **conn)
                    .await?
                    .map(|r| -> Result<(i64, String)> {
                        Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?))
                    })
                    .transpose()?;
                if now.as_ref() != Some(on) {
                    return Ok(None);
                }
            }
            return Err(match checks.into_iter().next() {
                Some((_, conflict)) if guard => StoreError::Conflict(conflict),
                _ => StoreError::from_write(e),
            });
        }
        conn.closed();
        if let Some(hint) = &self.hint {
            // Still holding the writer (see `commit`).
            set_hint(hint, Some(head));
        }
        Ok(Some(appended))
    }

    /// [`WriteTx::append_and_commit`] on PostgreSQL's kept connection: the events, the head
    /// and the commit (`COMMIT`, or [`crate::COMMIT_DURABLY`]) in one round trip, their values written in
    /// as literals ([`Sql::inline`]), since the extended protocol's placeholders allow one
    /// statement a round trip. The head's lock is released with the commit, before the log's
    /// flush: this spares every other instance's committer a round trip and a flush of
    /// waiting.
    async fn append_and_commit_held(
        mut self,
        events: &[NewEvent<'_>],
    ) -> Result<Vec<AppendedEvent>> {
        for (sql, conflict) in std::mem::take(&mut self.with_commit) {
            self.write_one(&sql, conflict).await?;
        }
        let mut statements = String::new();
        let mut appended = Vec::new();
        let mut moved = None;
        if !events.is_empty() {
            self.lock_head().await?;
            let (seq, prev_hash) = self
                .head
                .take()
                .ok_or_else(|| StoreError::Corrupt("chain head not read".into()))?;
            let (rows, out, head) = chain_rows(seq, prev_hash, events);
            let TxConn::Held(conn) = &mut self.tx else {
                return Err(StoreError::Corrupt("not the kept connection".into()));
            };
            conn.execute_text(&pg_append(rows, &head), &mut statements)?;
            statements.push_str("; ");
            appended = out;
            moved = Some(head);
        }
        let TxConn::Held(conn) = &mut self.tx else {
            return Err(StoreError::Corrupt("not the kept connection".into()));
        };
        statements.push_str(conn.commit_statements());
        // Cut short, the transaction stays open: the guard rolls it back when dropped.
        let done = conn.finish_raw(&statements).await;
        // Moved whether or not the commit went through, as in `commit`.
        if let (true, Some(g)) = (self.facts_touched, &self.facts) {
            g.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        if let Some(hint) = &self.hint {
            match (&done, moved) {
                (Ok(()), Some(head)) => set_hint(hint, Some(head)),
                (Ok(()), None) => {}
                (Err(_), _) => set_hint(hint, None),
            }
        }
        done.map_err(StoreError::from_write)?;
        Ok(appended)
    }

    /// Writes `rows` with multi-row statements, `head (…), (…) tail`, chunked as
    /// [`chunks`] says; constraint violations come back as [`StoreError::Conflict`].
    pub(crate) async fn insert_rows<R: IntoIterator<Item = Arg>>(
        &mut self,
        head: &str,
        tail: &str,
        rows: Vec<R>,
    ) -> Result<()> {
        let n = rows.len();
        let mut it = rows.into_iter();
        for (_, len) in chunks(n) {
            let mut sql = Sql::on(self.backend, head);
            for (i, row) in it.by_ref().take(len).enumerate() {
                sql.row(i == 0, row);
            }
            sql.push(tail);
            sql.query()
                .execute(&mut *self.tx)
                .await
                .map_err(StoreError::from_write)?;
        }
        Ok(())
    }

    /// Runs a write that must change exactly one row (a row written over the version it was
    /// read at); none is [`StoreError::Conflict`] with `conflict` as its message.
    pub(crate) async fn write_one(&mut self, sql: &Sql, conflict: String) -> Result<()> {
        let done = sql
            .query()
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(conflict));
        }
        Ok(())
    }

    /// Makes the transaction durable. Returns only after the database has it on disk.
    pub async fn commit(mut self) -> Result<()> {
        for (sql, conflict) in std::mem::take(&mut self.with_commit) {
            self.write_one(&sql, conflict).await?;
        }
        let moved = match self.head.take() {
            Some(head) if self.head_written => Some(head),
            _ => None,
        };
        // On SQLite the writer connection is still held here (`held`): the head is left as
        // the hint before the next writer can have the connection.
        let committed = self.tx.commit().await;
        // Moved whether or not the commit went through: a cache filled before may be stale
        // either way, and a needless move only costs a read.
        if let (true, Some(g)) = (self.facts_touched, &self.facts) {
            g.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        match (committed, &self.hint, moved) {
            (Ok(held), Some(hint), Some(head)) => {
                set_hint(hint, Some(head));
                drop(held);
            }
            (Ok(_), _, _) => {}
            (Err(e), hint, _) => {
                if let Some(hint) = hint {
                    set_hint(hint, None);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

/// `UPDATE chain_head SET seq = …, hash = …`, the caller's condition to follow.
fn set_head<'s>(sql: &'s mut Sql, head: &(i64, String)) -> &'s mut Sql {
    sql.push("UPDATE chain_head SET seq = ")
        .arg(Arg::I64(head.0))
        .push(", hash = ")
        .arg(Arg::Text(head.1.clone()))
}

/// Hashes `events` onto the head `(seq, prev_hash)`: their rows for `events`, where each
/// landed, and the new head.
#[allow(clippy::type_complexity)]
pub(crate) fn chain_rows(
    mut seq: i64,
    mut prev_hash: String,
    events: &[NewEvent<'_>],
) -> (Vec<[Arg; 10]>, Vec<AppendedEvent>, (i64, String)) {
    let mut rows = Vec::with_capacity(events.len());
    let mut appended = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let payload = chain::canonical_json(&e.payload);
        let hash = chain::event_hash(
            &prev_hash,
            &EventFields {
                seq,
                at_ms: e.at_ms,
                kind: e.kind,
                actor: e.actor,
                org: e.org,
                subject: e.subject,
                request_id: e.request_id,
                payload: &payload,
            },
        );
        let prev = std::mem::replace(&mut prev_hash, hash.clone());
        appended.push(AppendedEvent {
            seq,
            hash: hash.clone(),
        });
        rows.push([
            Arg::I64(seq),
            Arg::I64(e.at_ms),
            Arg::Text(e.kind.to_owned()),
            Arg::Text(e.actor.to_owned()),
            Arg::OptText(e.org.map(str::to_owned)),
            Arg::OptText(e.subject.map(str::to_owned)),
            Arg::OptText(e.request_id.map(str::to_owned)),
            Arg::Text(payload),
            Arg::Text(prev),
            Arg::Text(hash),
        ]);
    }
    (rows, appended, (seq, prev_hash))
}

impl crate::Store {
    /// Appends `events` to the chain in a transaction of their own and returns once it is on
    /// disk. On SQLite, when this process knows the head, that is one round trip to the writer
    /// connection instead of five (begin, read the head, insert, move the head, commit): the
    /// statements go together, each conditional on the stored head being the one hashed onto.
    /// If it is not (another process appended meanwhile) nothing is written, and the group is
    /// appended the ordinary way.
    pub async fn append_durably(&self, events: &[NewEvent<'_>]) -> Result<Vec<AppendedEvent>> {
        self.writable()?;
        if events.is_empty() {
            return Ok(Vec::new());
        }
        if !self.hint_backing_off() && self.hint().is_some() {
            if let Some(appended) = self.counted(self.append_on_hint(events).await?) {
                return Ok(appended);
            }
        }
        let mut tx = self.begin().await?;
        let appended = tx.append_many(events).await?;
        tx.commit().await?;
        Ok(appended)
    }

    /// Appends a group that claims releases (`claims`, each written over the version it was
    /// read at, as [`WriteTx::update_release_with_commit`]) with its `events`, durably. On
    /// SQLite, when this process knows the head, that is one round trip to the writer
    /// connection: `BEGIN`, a check of the head, the claims, the events, the head and
    /// `COMMIT` together. A claim whose release moved fails the whole group with
    /// [`StoreError::Conflict`], nothing written. A head moved by another process writes
    /// nothing either, and the group goes the ordinary way (begin, then the rest).
    pub async fn append_claiming(
        &self,
        claims: &[&crate::ReleaseRow],
        events: &[NewEvent<'_>],
    ) -> Result<Vec<AppendedEvent>> {
        self.writable()?;
        if self.backend == Backend::Sqlite && !self.hint_backing_off() {
            let conn = self.write_lock().await?;
            // Read while holding the writer: no other writer of this process moves it now.
            if let Some(on_head) = self.hint() {
                let mut tx = WriteTx::new(
                    TxConn::Writer(conn),
                    self.backend,
                    Some(self.head_hint.clone()),
                )
                .moving(self.facts_generation.clone());
                for c in claims {
                    tx.update_release_with_commit(c).await?;
                }
                let tried = tx.append_and_commit_on(events, Some(on_head)).await?;
                if let Some(appended) = self.counted(tried) {
                    return Ok(appended);
                }
            }
        }
        let mut tx = self.begin().await?;
        for c in claims {
            tx.update_release_with_commit(c).await?;
        }
        tx.append_and_commit(events).await
    }

    /// Whether a group append found the hint stale within [`HINT_BACKOFF`]: where other
    /// writers append all the time (several instances on one PostgreSQL, a CLI command on the
    /// same SQLite file), the hint is mostly stale and each try a wasted statement, so after a
    /// miss the ordinary way for a while.
    fn hint_backing_off(&self) -> bool {
        matches!(
            *self.hint_missed.lock().unwrap_or_else(|p| p.into_inner()),
            Some(at) if at.elapsed() < HINT_BACKOFF
        )
    }

    /// Counts a group append tried on the hint: one round trip when it went, a miss (and the
    /// back-off starting now) when the hint was stale.
    fn counted<T>(&self, tried: Option<T>) -> Option<T> {
        let counts = &self.group_appends;
        match &tried {
            Some(_) => counts.one_trip.fetch_add(1, Ordering::Relaxed),
            None => {
                *self.hint_missed.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                counts.missed.fetch_add(1, Ordering::Relaxed)
            }
        };
        tried
    }

    /// How many group appends of this process went in one round trip on the head hint, and
    /// how many found the hint stale (another writer had appended) and went the ordinary way.
    pub fn group_append_counts(&self) -> (u64, u64) {
        let c = &self.group_appends;
        (
            c.one_trip.load(Ordering::Relaxed),
            c.missed.load(Ordering::Relaxed),
        )
    }

    fn hint(&self) -> Option<(i64, String)> {
        self.head_hint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The one-round-trip append onto the hinted head; `None` when the stored head is another
    /// (every statement is conditional on it, so then nothing was written) or there is no
    /// hint. On SQLite the hint is read, and moved, while this holds the only writer
    /// connection, so no other writer of this process can move the head in between: a miss
    /// there means another process appended.
    async fn append_on_hint(&self, events: &[NewEvent<'_>]) -> Result<Option<Vec<AppendedEvent>>> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.write_lock().await?;
                let Some(on_head) = self.hint() else {
                    return Ok(None);
                };
                let (rows, appended, head) = chain_rows(on_head.0, on_head.1.clone(), events);
                // The batch begins and commits its own transaction: marked open until it
                // answered, so a batch cut short is rolled back by the next writer.
                conn.opening();
                let answered = sqlite_group(rows, &on_head, &head)
                    .query()
                    .fetch_all(&mut *conn)
                    .await;
                let moved = match answered {
                    Ok(rows) => match rows.as_slice() {
                        [row] => {
                            conn.closed();
                            row.try_get::<i64, _>(0).map_err(StoreError::from)
                        }
                        _ => Err(StoreError::Corrupt(format!(
                            "a group append answered {} rows where one count was expected",
                            rows.len()
                        ))),
                    },
                    Err(e) => {
                        // A statement failed before COMMIT: undo the rest, and start the next
                        // writer on a fresh connection rather than trust this one's state.
                        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                        set_hint(&self.head_hint, None);
                        conn.discard().await;
                        return Err(e.into());
                    }
                };
                // Moved before the connection goes back to the pool (see above).
                let (hint, out) = match moved {
                    Ok(1) => (Some(head), Ok(Some(appended))),
                    Ok(_) => (None, Ok(None)),
                    Err(e) => (None, Err(e)),
                };
                set_hint(&self.head_hint, hint);
                drop(conn);
                out
            }
            Backend::Postgres => {
                let Some(on_head) = self.hint() else {
                    return Ok(None);
                };
                let (rows, appended, head) = chain_rows(on_head.0, on_head.1.clone(), events);
                let moved = pg_group(rows, &on_head, &head)
                    .query()
                    .fetch_one(&self.writer)
                    .await
                    .and_then(|r| r.try_get::<i64, _>(0))
                    .map_err(StoreError::from);
                let (hint, out) = match moved {
                    Ok(1) => (Some(head), Ok(Some(appended))),
                    Ok(_) => (None, Ok(None)),
                    Err(e) => (None, Err(e)),
                };
                set_hint(&self.head_hint, hint);
                out
            }
        }
    }
}

/// SQLite's group append onto `on`: one batch of statements, each conditional on the stored
/// head being `on`, answering `changes()` of the head update (the driver's own count of
/// changed rows is not reliable across several statements).
fn sqlite_group(rows: Vec<[Arg; 10]>, on: &(i64, String), head: &(i64, String)) -> Sql {
    let is_head = |sql: &mut Sql| {
        sql.push(" WHERE EXISTS (SELECT 1 FROM chain_head WHERE id = 1 AND seq = ")
            .arg(Arg::I64(on.0))
            .push(" AND hash = ")
            .arg(Arg::Text(on.1.clone()))
            .push(")");
    };
    let mut sql = Sql::on(Backend::Sqlite, "PRAGMA synchronous=FULL; BEGIN; ");
    let n = rows.len();
    let mut rows = rows.into_iter();
    for (_, len) in chunks(n) {
        sql.push(INSERT_EVENTS).push("SELECT * FROM (VALUES ");
        for (i, row) in rows.by_ref().take(len).enumerate() {
            sql.row(i == 0, row);
        }
        sql.push(")");
        is_head(&mut sql);
        sql.push("; ");
    }
    set_head(&mut sql, head)
        .push(" WHERE id = 1 AND seq = ")
        .arg(Arg::I64(on.0))
        .push(" AND hash = ")
        .arg(Arg::Text(on.1.clone()))
        .push("; SELECT changes(); COMMIT;");
    sql
}

/// PostgreSQL's append of `rows` in a transaction that holds the head row's lock: the events
/// and the new head in one statement.
fn pg_append(rows: Vec<[Arg; 10]>, head: &(i64, String)) -> Sql {
    let mut sql = Sql::on(Backend::Postgres, "WITH ");
    let n = rows.len();
    let mut rows = rows.into_iter();
    for (k, (_, len)) in chunks(n).into_iter().enumerate() {
        if k > 0 {
            sql.push(", ");
        }
        sql.push(&format!("i{k} AS ("))
            .push(INSERT_EVENTS)
            .push("VALUES ");
        for (i, row) in rows.by_ref().take(len).enumerate() {
            sql.row(i == 0, row);
        }
        sql.push(" RETURNING 1)");
    }
    sql.push(" ");
    set_head(&mut sql, head).push(" WHERE id = 1");
    sql
}

/// PostgreSQL's group append onto `on`: one statement, so its own transaction, that locks the
/// head row only if it is still `on`, and inserts the group and moves the head only when it
/// got that lock; it answers how many head rows it moved.
fn pg_group(rows: Vec<[Arg; 10]>, on: &(i64, String), head: &(i64, String)) -> Sql {
    let mut sql = Sql::on(
        Backend::Postgres,
        "WITH h AS (SELECT 1 FROM chain_head WHERE id = 1 AND seq = ",
    );
    sql.arg(Arg::I64(on.0))
        .push(" AND hash = ")
        .arg(Arg::Text(on.1.clone()))
        .push(" FOR UPDATE)");
    let n = rows.len();
    let mut rows = rows.into_iter();
    for (k, (_, len)) in chunks(n).into_iter().enumerate() {
        sql.push(&format!(", i{k} AS ("))
            .push(INSERT_EVENTS)
            .push("SELECT * FROM (VALUES ");
        for (i, row) in rows.by_ref().take(len).enumerate() {
            sql.row(i == 0, row);
        }
        sql.push(") AS v WHERE EXISTS (SELECT 1 FROM h) RETURNING 1)");
    }
    sql.push(", u AS (");
    set_head(&mut sql, head)
        .push(" WHERE id = 1 AND EXISTS (SELECT 1 FROM h) RETURNING 1) SELECT count(*) FROM u");
    sql
}

/// The follow statement of [`crate::Store::begin_locked_following`], appended to `sql`: the
/// head, the register's and the accounts' authority versions, and the events of `kind` after
/// `after` (at most `limit`, oldest first).
pub(crate) fn head_and_follow_sql(sql: &mut Sql, kind: &str, after: i64, limit: i64) {
    sql.push(
        "SELECT h.seq, h.hash, (SELECT version FROM access_version WHERE id = 1), \
         (SELECT version FROM auth_version WHERE id = 1), e.seq, e.payload \
         FROM chain_head h LEFT JOIN LATERAL (SELECT seq, payload FROM events \
         WHERE kind = ",
    )
    .arg(Arg::Text(kind.to_owned()))
    .push(" AND seq > ")
    .arg(Arg::I64(after))
    .push(" ORDER BY seq LIMIT ")
    .arg(Arg::I64(limit.clamp(1, 100_000)))
    .push(") e ON TRUE WHERE h.id = 1 ORDER BY e.seq");
}

/// The head and what [`head_and_follow_sql`] read, from its rows.
pub(crate) fn followed(rows: &[sqlx::any::AnyRow]) -> Result<((i64, String), Followed)> {
    let first = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("chain_head row is missing".into()))?;
    let head = (first.try_get(0)?, first.try_get(1)?);
    let register: i64 = first.try_get(2)?;
    let authority: i64 = first.try_get(3)?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(seq) = r.try_get::<Option<i64>, _>(4)? {
            events.push((seq, r.try_get::<String, _>(5)?));
        }
    }
    Ok((
        head,
        Followed {
            register,
            authority,
            events,
        },
    ))
}

/// What [`crate::Store::begin_locked_following`] read with the chain head.
#[derive(Debug)]
pub struct Followed {
    /// The access register's version ([`crate::Store::access_version`]).
    pub register: i64,
    /// The accounts' authority version ([`crate::Store::auth_version`]).
    pub authority: i64,
    /// The events after the given one, oldest first: sequence number and payload.
    pub events: Vec<(i64, String)>,
}
