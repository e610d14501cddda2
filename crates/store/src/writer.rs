//! SQLite's single writer connection, held by one writer of this process at a time.
//!
//! The connection is taken out of its one-connection pool once and kept: a pooled connection
//! handed back is first pinged by sqlx (a round trip to the connection's worker thread, in a
//! task of its own), and only then can the next writer have it. With every gate-decision
//! group and every write transaction queueing for this one connection, that ping sat between
//! any two of them. Here the next writer gets the connection as soon as the last one lets go.
//!
//! Transactions on it are begun and ended with plain statements. A writer that lets go with
//! a transaction still open (it failed, or its future was dropped) leaves it marked, and the
//! next writer rolls it back first.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};

use crate::{Result, StoreError};

#[derive(Default)]
pub(crate) struct Slot {
    conn: Option<PoolConnection<Any>>,
    /// A transaction may be open on the connection: roll it back before the next use.
    open: bool,
    /// PostgreSQL's kept connection: the statements that commit the open transaction.
    commit: &'static str,
    /// PostgreSQL's kept connection: the statements prepared on it by
    /// [`WriterGuard::execute_text`], by their text's hash, and the generation their names
    /// carry (moved by every failure, since a failed batch may or may not have prepared).
    prepared: std::collections::HashSet<u64>,
    generation: u64,
    /// Prepared by the batch on its way, known only once it has gone through.
    preparing: Vec<u64>,
}

/// The writer connection, shared by the clones of one store.
#[derive(Clone, Default)]
pub(crate) struct Writer(Arc<tokio::sync::Mutex<Slot>>);

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// The writer connection, exclusively, until dropped.
pub(crate) struct WriterGuard(tokio::sync::OwnedMutexGuard<Slot>);

impl std::fmt::Debug for WriterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterGuard")
            .field("open", &self.0.open)
            .finish()
    }
}

impl Writer {
    /// Waits for the connection (taking it from `pool` the first time, or after it was
    /// dropped as broken), with no transaction open on it.
    pub(crate) async fn lock(&self, pool: &AnyPool) -> Result<WriterGuard> {
        let mut slot = self.0.clone().lock_owned().await;
        if !slot.preparing.is_empty() {
            // A batch that prepared was dropped on its way: whether it did is not known.
            slot.preparing.clear();
            slot.prepared.clear();
            slot.generation += 1;
        }
        if slot.conn.is_none() {
            slot.conn = Some(pool.acquire().await?);
            slot.open = false;
            slot.prepared.clear();
        }
        if slot.open {
            // No transaction open is an error here (SQLite), and the one wanted outcome
            // either way; a connection that does not answer at all (it broke with the
            // transaction that failed) is closed and replaced.
            let answered = match slot.conn.as_deref_mut() {
                Some(conn) => {
                    sqlx::query("ROLLBACK").execute(&mut *conn).await.is_ok()
                        || sqlx::query("SELECT 1").execute(&mut *conn).await.is_ok()
                }
                None => true,
            };
            if !answered {
                if let Some(mut conn) = slot.conn.take() {
                    conn.close_on_drop();
                }
                slot.conn = Some(pool.acquire().await?);
                slot.prepared.clear();
            }
            slot.open = false;
        }
        Ok(WriterGuard(slot))
    }

    /// Hands the connection back to its pool (before the pool is closed).
    pub(crate) async fn release(&self) {
        let mut slot = self.0.lock().await;
        if let Some(conn) = slot.conn.take() {
            let _ = conn.close().await;
        }
    }
}

impl WriterGuard {
    /// Runs `begin` (statements that open a transaction, and what should go in the same
    /// round trip) and marks the transaction open until [`WriterGuard::commit`].
    pub(crate) async fn begin<'q>(
        &mut self,
        begin: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        self.0.open = true;
        Ok(begin.fetch_all(&mut **self).await?)
    }

    /// [`WriterGuard::begin`] with statements sent as they are (PostgreSQL's simple query
    /// protocol, so several in one round trip; no placeholders): the rows of all of them.
    pub(crate) async fn begin_raw(&mut self, begin: &str) -> Result<Vec<sqlx::any::AnyRow>> {
        self.0.open = true;
        let conn: &mut AnyConnection = self;
        let rows = sqlx::Executor::fetch_all(conn, sqlx::raw_sql(begin)).await;
        self.prepared(rows.is_ok());
        Ok(rows?)
    }

    /// Runs statements that end the open transaction with `COMMIT`, as they are (see
    /// [`WriterGuard::begin_raw`]); the transaction stays marked open if they fail.
    pub(crate) async fn finish_raw(&mut self, statements: &str) -> sqlx::Result<()> {
        let conn: &mut AnyConnection = self;
        let done = sqlx::Executor::execute(conn, sqlx::raw_sql(statements)).await;
        self.prepared(done.is_ok());
        done?;
        self.0.open = false;
        Ok(())
    }

    /// Appends to `out`, for a batch of plain statements, `sql` (a statement with
    /// placeholders) as `EXECUTE` of a statement prepared from its text, with its arguments as
    /// literals; the first time, with the `PREPARE` before it. PostgreSQL then plans it as a
    /// prepared statement (once, or with the cached plan) instead of every time as it would
    /// the statement written out.
    pub(crate) fn execute_text(&mut self, sql: &crate::sql::Sql, out: &mut String) -> Result<()> {
        use std::hash::{Hash, Hasher};
        let args = sql.literal_args()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sql.text.hash(&mut h);
        let key = h.finish();
        let name = format!("hamnvakt_{}_{key:016x}", self.0.generation);
        if !self.0.prepared.contains(&key) && !self.0.preparing.contains(&key) {
            out.push_str("PREPARE ");
            out.push_str(&name);
            out.push_str(" AS ");
            out.push_str(&sql.text);
            out.push_str("; ");
            self.0.preparing.push(key);
        }
        out.push_str("EXECUTE ");
        out.push_str(&name);
        out.push_str(&args);
        Ok(())
    }

    /// After a batch: what it prepared is known prepared if it went through; if it failed,
    /// nothing is known of it, and later statements are prepared again under new names.
    fn prepared(&mut self, went_through: bool) {
        let slot = &mut *self.0;
        if went_through {
            slot.prepared.extend(slot.preparing.drain(..));
        } else if !slot.preparing.is_empty() {
            slot.preparing.clear();
            slot.prepared.clear();
            slot.generation += 1;
        }
    }

    /// Sets the statements that commit the next transaction (PostgreSQL's kept connection).
    pub(crate) fn ending_with(&mut self, commit: &'static str) {
        self.0.commit = commit;
    }

    /// The statements that commit the open transaction (see [`WriterGuard::ending_with`]).
    pub(crate) fn commit_statements(&self) -> &'static str {
        if self.0.commit.is_empty() {
            "COMMIT"
        } else {
            self.0.commit
        }
    }

    /// Marks a transaction open (for a statement batch that begins and commits its own).
    pub(crate) fn opening(&mut self) {
        self.0.open = true;
    }

    /// The batch that opened a transaction committed or rolled it back itself.
    pub(crate) fn closed(&mut self) {
        self.0.open = false;
    }

    pub(crate) async fn commit(&mut self) -> Result<()> {
        sqlx::query("COMMIT").execute(&mut **self).await?;
        self.0.open = false;
        Ok(())
    }

    /// Drops the connection rather than trust its state: the next writer takes a fresh one.
    pub(crate) async fn discard(mut self) {
        if let Some(conn) = self.0.conn.take() {
            let _ = conn.close().await;
        }
        self.0.open = false;
    }
}

impl Drop for WriterGuard {
    /// A transaction left open (a failed or abandoned writer) would hold the file's write
    /// lock until the next writer of this process comes: it is rolled back right away, in a
    /// task that waits its turn for the connection (and the next writer does it anyway).
    fn drop(&mut self) {
        if !self.0.open {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let slot = tokio::sync::OwnedMutexGuard::mutex(&self.0).clone();
        rt.spawn(async move {
            let mut slot = slot.lock().await;
            if let (true, Some(conn)) = (slot.open, slot.conn.as_deref_mut()) {
                // Left marked open when it fails: the next writer tries again, and replaces
                // a connection that does not answer.
                if sqlx::query("ROLLBACK").execute(conn).await.is_ok() {
                    slot.open = false;
                }
            }
        });
    }
}

impl Deref for WriterGuard {
    type Target = AnyConnection;

    #[allow(clippy::expect_used)]
    fn deref(&self) -> &AnyConnection {
        // `Writer::lock` only hands out a guard holding a connection; `discard` consumes it.
        self.0
            .conn
            .as_deref()
            .expect("the writer guard holds a connection")
    }
}

impl DerefMut for WriterGuard {
    #[allow(clippy::expect_used)]
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.0
            .conn
            .as_deref_mut()
            .expect("the writer guard holds a connection")
    }
}

/// What a write transaction runs on: SQLite's writer, or a pooled connection's transaction
/// (PostgreSQL, and SQLite's derived file).
#[derive(Debug)]
pub(crate) enum TxConn {
    Writer(WriterGuard),
    Pooled(sqlx::Transaction<'static, Any>),
    /// PostgreSQL: the connection the gate's committer keeps, its transaction begun and
    /// ended with plain statements (see [`crate::Store::begin_locked`]).
    Held(WriterGuard),
}

impl TxConn {
    pub(crate) async fn commit(self) -> std::result::Result<Option<WriterGuard>, StoreError> {
        match self {
            TxConn::Writer(mut g) => {
                g.commit().await?;
                Ok(Some(g))
            }
            TxConn::Held(mut g) => {
                g.finish_raw(g.commit_statements()).await?;
                Ok(None)
            }
            TxConn::Pooled(t) => {
                t.commit().await?;
                Ok(None)
            }
        }
    }
}

impl Deref for TxConn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            TxConn::Writer(g) | TxConn::Held(g) => g,
            TxConn::Pooled(t) => t,
        }
    }
}

impl DerefMut for TxConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            TxConn::Writer(g) | TxConn::Held(g) => g,
            TxConn::Pooled(t) => t,
        }
    }
}

/// A connection for writing outside a [`crate::WriteTx`]: SQLite's writer, or one from the
/// pool.
pub(crate) enum Held {
    Writer(WriterGuard),
    Pooled(PoolConnection<Any>),
}

impl Deref for Held {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Held::Writer(g) => g,
            Held::Pooled(c) => c,
        }
    }
}

impl DerefMut for Held {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Held::Writer(g) => g,
            Held::Pooled(c) => c,
        }
    }
}
