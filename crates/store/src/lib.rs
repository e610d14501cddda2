//! Hamnvakt's storage: an append-only, hash-chained event log plus the query tables that
//! serve reads, on embedded SQLite (default) or PostgreSQL (several instances).
//!
//! Every change goes through a [`WriteTx`]: the caller appends the event that records the
//! change and updates the query tables in the same transaction, then commits. Commit returns
//! only once the database says the transaction is durable (SQLite in WAL mode with
//! `synchronous=FULL`; PostgreSQL with its default `synchronous_commit=on`), so nothing is
//! acknowledged before it would survive a crash.
//!
//! Tables that are a pure function of the event log (the gate-decision list, occupancy, and
//! the marks of the projectors that write them) are written through
//! [`Store::begin_derived`]. On SQLite they live in a second file, `<database>.derived`, with
//! its own single writer, so projecting never holds the writer that audit appends queue for;
//! every connection attaches it, so they are read by their plain names. That file is
//! disposable: lost, or found beside another chain, it is rebuilt from the events.
//!
//! Both backends run the same SQL through sqlx's `Any` driver: parameters are written `$1`,
//! `$2` … (which SQLite accepts too), values are `i64`, `f64` and text. Only the schema files
//! and a few locking statements differ, and the conformance suite in `tests/` runs against
//! both.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod access;
mod alerts;
mod assessment;
mod consignments;
mod context;
mod events;
mod identity;
mod incidents;
mod migrate;
mod notify;
mod projections;
mod release;
mod sharing;
mod shift;
mod sites;
mod sql;
mod tx;
mod versioned;
mod vessels;
mod witness;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor, Row};
use writer::TxConn;

pub use access::{DecisionFilter, DecisionRow, OccupancyRow, PolicyRow};
pub use alerts::{
    alert_marking, AlertFilter, AlertPage, AlertRecord, AlertSort, NewAlert, OpenFinding,
    PendingAlert, Viewer,
};
pub use assessment::{AssessmentRow, CatalogueRow, PracticeRow};
pub use consignments::{ConsignmentRow, ModelRow, OutcomeRow, SelectionRow};
pub use events::{ChainReport, ChainStatus, EventPage, EventRecord};
pub use identity::{ApiTokenRecord, NewToken, NewUser, Organisation, SessionRecord, User};
pub use incidents::{Marked, MarkedRow, TimelineRow};
pub use migrate::Migration;
pub use notify::{Leadership, Listener, EVENTS_CHANNEL};
pub use release::{PickupRead, PickupRow, ReleaseRow};
pub use sharing::{feed_may_carry, FeedRow, Filed, NewShared, SharedQuery, SharedRow, Versions};
pub use shift::{HandoverRow, ShiftEntryRow};
pub use sites::{NewSite, Site};
pub use tx::{AppendedEvent, Followed, NewEvent, WriteTx};
pub use versioned::{ProfileRow, RuleRow, VersionRow};
pub use vessels::{PortCallRow, TrackPoint, VesselFlag};
pub use witness::CheckpointRow;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A uniqueness or reference constraint refused the write (a duplicate username, say).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A stored row could not be read back into its type: someone wrote to the database
    /// behind Hamnvakt's back, or a migration is missing.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
    /// The store was opened read-only (to investigate a broken chain) and refuses writes.
    #[error("the store is read-only: this instance was started to investigate, not to write")]
    ReadOnly,
}

impl StoreError {
    /// Maps constraint violations to [`StoreError::Conflict`] and leaves the rest alone.
    pub(crate) fn from_write(e: sqlx::Error) -> StoreError {
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() || db.is_foreign_key_violation() {
                return StoreError::Conflict(db.message().to_owned());
            }
        }
        StoreError::Database(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Connections for readers (and, on PostgreSQL, for writers too).
    pub max_connections: u32,
    /// How long a caller waits for a connection or, on SQLite, for a lock.
    pub acquire_timeout: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// Begins a PostgreSQL transaction holding the chain head's row lock (see
/// [`Store::begin_locked`]), on the committer's kept connection.
const LOCK_HEAD: &str = "BEGIN; SELECT 1 FROM chain_head WHERE id = 1 FOR UPDATE";

/// [`LOCK_HEAD`] for a transaction that lets go of the lock before the log's flush: its
/// commit does not wait for the disk, [`COMMIT_DURABLY`] does after the lock is released.
const LOCK_HEAD_EARLY: &str =
    "BEGIN; SET LOCAL synchronous_commit = off; SELECT 1 FROM chain_head WHERE id = 1 FOR UPDATE";

/// Ends a transaction begun with [`LOCK_HEAD_EARLY`] and returns once it is on disk: `COMMIT`, which
/// releases the chain head's lock without waiting for the log's flush, then in the same round
/// trip a one-row update in a transaction of its own, whose commit does wait (the session's
/// `synchronous_commit`, standbys included): the log is flushed in order, so that flush
/// carries the first commit too. The other instances' committers take the lock while this one
/// waits for the disk, instead of after. What the first commit wrote is visible to other
/// transactions just before it is durable, as with any asynchronous commit; an answer to a
/// caller waits for this round trip. Should the update fail after the commit went through, the
/// caller sees an error though the group is stored: the gate's committer then answers its
/// decisions as not recorded and reloads presence from the chain.
pub(crate) const COMMIT_DURABLY: &str = "COMMIT; INSERT INTO commit_marks (slot, n) \
    VALUES (pg_backend_pid() % 1024, 1) ON CONFLICT (slot) DO UPDATE SET n = commit_marks.n + 1";

/// The database handle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// Readers.
    pool: AnyPool,
    /// Writers. On SQLite a single connection, so that writers queue in-process instead of
    /// fighting over the file lock; on PostgreSQL the same pool as readers, and the chain head
    /// row lock orders appends across instances.
    writer: AnyPool,
    /// Writer of the tables derived from the event log (projections). On SQLite the single
    /// connection to the second file, `<database>.derived` (see [`derived_path`]), which every
    /// other connection attaches; on PostgreSQL the same pool as the rest.
    derived: AnyPool,
    /// On SQLite, the writer pool's one connection, kept out of it (see [`writer`]); on
    /// PostgreSQL, the connection the gate's committer keeps for its transactions on the
    /// chain head ([`Store::begin_locked`]).
    write_conn: writer::Writer,
    /// The chain head this process last committed (SQLite; see [`Store::append_durably`]).
    head_hint: tx::HeadHint,
    /// When that hint last turned out stale (another writer appended).
    hint_missed: std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// How group appends went: in one round trip on the hint, or the hint was stale.
    group_appends: std::sync::Arc<tx::GroupAppends>,
    /// Set for an instance started to investigate a broken chain: every write is refused.
    read_only: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Where a PostgreSQL database is, for the listener's own connection (see [`notify`]).
    url: ConnectUrl,
    /// Moved after every commit of this process that wrote what a gate pick-up reads
    /// (releases, consignments, selections, inspection outcomes): see
    /// [`Store::pickup_facts_generation`].
    facts_generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The targeting context's counts as this process last read them (see [`context`]).
    context: std::sync::Arc<tokio::sync::Mutex<Option<context::Mirror>>>,
}

/// A database URL, shown redacted (it may hold a password).
#[derive(Clone, Default)]
struct ConnectUrl(std::sync::Arc<str>);

impl ConnectUrl {
    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ConnectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

/// The version of `schema/sqlite/derived.sql`; a derived file of another version is rebuilt.
/// 2: `gate_pickups` (schema 17).
const DERIVED_VERSION: i64 = 2;

/// Where the embedded database at `main` keeps its derived tables: the decision list,
/// occupancy and the projection marks (rebuilt from the chain when missing).
pub fn derived_path(main: &str) -> String {
    format!("{main}.derived")
}

/// The SQLite URL for a database file.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

impl Store {
    /// Opens (creating, for SQLite) the database at `url` (`sqlite://PATH` or
    /// `postgres://…`). Does not migrate: call [`Store::migrate`].
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::InvalidUrl(format!(
                "{}: expected sqlite://PATH or postgres://…",
                redact_url(url)
            )));
        };
        match backend {
            Backend::Sqlite => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                let options = |file: &str| {
                    AnyConnectOptions::from_str(&format!("sqlite://{file}?mode=rwc"))
                        .map(|o| o.disable_statement_logging())
                        .map_err(|e| StoreError::InvalidUrl(format!("{}: {e}", redact_url(url))))
                };
                let busy_ms = opts.acquire_timeout.as_millis();
                // No ping before each use: an embedded connection does not drop like a network
                // one, and sqlx's ping is a round trip to the connection's worker thread,
                // paid by every decision group before its BEGIN.
                let derived_file = derived_path(path);
                let derived = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(opts.acquire_timeout)
                    .test_before_acquire(false)
                    .after_connect(move |conn, _| sqlite_init(conn, busy_ms, Role::Derived))
                    .connect_with(options(&derived_file)?)
                    .await?;
                prepare_derived(&derived).await?;
                let attach: std::sync::Arc<str> = format!(
                    "ATTACH DATABASE '{}' AS derived;",
                    derived_file.replace('\'', "''")
                )
                .into();
                let a = attach.clone();
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(opts.acquire_timeout)
                    .test_before_acquire(false)
                    .after_connect(move |conn, _| {
                        sqlite_init(conn, busy_ms, Role::Writer(a.clone()))
                    })
                    .connect_with(options(path)?)
                    .await?;
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(1))
                    .acquire_timeout(opts.acquire_timeout)
                    .test_before_acquire(false)
                    .after_connect(move |conn, _| {
                        sqlite_init(conn, busy_ms, Role::Reader(attach.clone()))
                    })
                    .connect_with(options(path)?)
                    .await?;
                Ok(Store {
                    backend,
                    pool,
                    writer,
                    derived,
                    write_conn: Default::default(),
                    head_hint: tx::HeadHint::default(),
                    hint_missed: Default::default(),
                    group_appends: Default::default(),
                    read_only: Default::default(),
                    url: ConnectUrl::default(),
                    facts_generation: Default::default(),
                    context: Default::default(),
                })
            }
            Backend::Postgres => {
                let connect = AnyConnectOptions::from_str(url)
                    .map_err(|e| StoreError::InvalidUrl(format!("{}: {e}", redact_url(url))))?
                    .disable_statement_logging();
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(2))
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_with(connect)
                    .await?;
                Ok(Store {
                    backend,
                    writer: pool.clone(),
                    derived: pool.clone(),
                    pool,
                    write_conn: Default::default(),
                    head_hint: tx::HeadHint::default(),
                    hint_missed: Default::default(),
                    group_appends: Default::default(),
                    read_only: Default::default(),
                    url: ConnectUrl(url.into()),
                    facts_generation: Default::default(),
                    context: Default::default(),
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A number that moves after every commit, by this process, of a write to what a gate
    /// pick-up reads (a release, a consignment, a targeting selection, an inspection
    /// outcome). A cache of pick-up facts filled under one generation is current while the
    /// generation stays the same, as far as this process's writes go (other processes'
    /// writes, on PostgreSQL or a CLI on the same SQLite file, do not move it).
    pub fn pickup_facts_generation(&self) -> u64 {
        self.facts_generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Begins a write transaction whose commit returns only once the database has it on disk.
    /// Refuses every write from now on (transactions and appends fail with
    /// [`StoreError::ReadOnly`]), for an instance started to investigate a broken chain.
    pub fn set_read_only(&self) {
        self.read_only
            .store(true, std::sync::atomic::Ordering::Release);
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only.load(std::sync::atomic::Ordering::Acquire)
    }

    fn writable(&self) -> Result<()> {
        if self.is_read_only() {
            Err(StoreError::ReadOnly)
        } else {
            Ok(())
        }
    }

    pub async fn begin(&self) -> Result<WriteTx> {
        self.writable()?;
        if self.backend == Backend::Sqlite {
            return Ok(self.begin_sqlite(false, None).await?.0);
        }
        let tx = TxConn::Pooled(self.writer.begin().await?);
        Ok(WriteTx::new(tx, self.backend, Some(self.head_hint.clone()))
            .moving(self.facts_generation.clone()))
    }

    /// SQLite's writer connection, exclusively, with no transaction open on it.
    pub(crate) async fn write_lock(&self) -> Result<writer::WriterGuard> {
        self.write_conn.lock(&self.writer).await
    }

    /// A connection to write with outside a transaction: SQLite's writer, or a pooled one.
    pub(crate) async fn write_connection(&self) -> Result<writer::Held> {
        Ok(match self.backend {
            Backend::Sqlite => writer::Held::Writer(self.write_lock().await?),
            Backend::Postgres => writer::Held::Pooled(self.writer.acquire().await?),
        })
    }

    /// SQLite's durable write transaction, its first statement taking the main file's write
    /// lock; with `head`, reading the chain head, and then running `then`, all in one round
    /// trip. Returns the transaction and the rows `then` answered.
    async fn begin_sqlite(
        &self,
        head: bool,
        then: Option<sql::Sql>,
    ) -> Result<(WriteTx, Vec<sqlx::any::AnyRow>)> {
        // Every SQLite transaction states its sync level, since the writer connection is
        // shared with deferred ones (the level cannot change inside a transaction). Its first
        // statement takes the main file's write lock (not `BEGIN IMMEDIATE`, which would lock
        // the attached derived file too): a transaction that read first and then wrote after
        // another process's commit would fail at once with "database is locked" instead of
        // waiting its turn.
        let mut conn = self.write_lock().await?;
        let mut sql = sql::Sql::on(
            Backend::Sqlite,
            "PRAGMA synchronous=FULL; BEGIN; UPDATE chain_head SET seq = seq WHERE id = 1",
        );
        if head {
            sql.push(" RETURNING seq, hash");
        }
        if let Some(then) = &then {
            sql.push("; ").append(then);
        }
        let mut rows = conn.begin(sql.query()).await?;
        let tx = WriteTx::new(
            TxConn::Writer(conn),
            self.backend,
            Some(self.head_hint.clone()),
        )
        .moving(self.facts_generation.clone());
        if !head {
            return Ok((tx, rows));
        }
        if rows.is_empty() {
            return Err(StoreError::Corrupt("chain_head row is missing".into()));
        }
        let first = rows.remove(0);
        let read = (first.try_get::<i64, _>(0)?, first.try_get::<String, _>(1)?);
        Ok((tx.with_head(read), rows))
    }

    /// Begins a durable write transaction holding the chain head: on PostgreSQL its `BEGIN`
    /// and the head's `FOR UPDATE` go in one round trip, so the next statement sees every
    /// event committed before the lock was granted (see [`Store::begin_locked_following`]); on
    /// SQLite, [`Store::begin`], which holds the only writer, with the head read by the
    /// statement that takes the file's write lock.
    pub async fn begin_locked(&self) -> Result<WriteTx> {
        match self.backend {
            Backend::Sqlite => {
                self.writable()?;
                Ok(self.begin_sqlite(true, None).await?.0)
            }
            Backend::Postgres => Ok(self.begin_held(LOCK_HEAD_EARLY, None, true).await?.0),
        }
    }

    /// On PostgreSQL, [`Store::begin_locked`] and the follow statement in one round trip:
    /// `BEGIN`, the head's lock, then (a statement of its own, begun once the lock is granted,
    /// so it sees every event committed before) the head, the register's and the authority
    /// versions and the events of `kind` after `after`. The gate's committer's way in.
    ///
    /// With `early`, the commit lets go of the chain head's lock before the log's flush and
    /// waits for the disk after it ([`COMMIT_DURABLY`]): worth its second, one-row
    /// transaction only where another instance waits for the lock meanwhile.
    pub async fn begin_locked_following(
        &self,
        kind: &str,
        after: i64,
        limit: i64,
        early: bool,
    ) -> Result<(WriteTx, tx::Followed)> {
        if self.backend == Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "following other instances is for PostgreSQL".into(),
            ));
        }
        let mut follow = sql::Sql::on(Backend::Postgres, "");
        tx::head_and_follow_sql(&mut follow, kind, after, limit);
        let lock = if early { LOCK_HEAD_EARLY } else { LOCK_HEAD };
        let (tx, rows) = self.begin_held(lock, Some(&follow), early).await?;
        // The lock's one row, then the follow's.
        let (head, followed) = tx::followed(rows.get(1..).unwrap_or(&[]))?;
        Ok((tx.with_head(head), followed))
    }

    /// PostgreSQL: begins a transaction on the committer's kept connection with `begin`
    /// (plain statements, sent as they are) and `then` (a prepared statement's execution, see
    /// `WriterGuard::execute_text`) in one round trip, to be ended with [`COMMIT_DURABLY`] if
    /// `early` (it began with [`LOCK_HEAD_EARLY`]), else with `COMMIT`; returns their rows.
    async fn begin_held(
        &self,
        begin: &str,
        then: Option<&sql::Sql>,
        early: bool,
    ) -> Result<(WriteTx, Vec<sqlx::any::AnyRow>)> {
        self.writable()?;
        let mut conn = self.write_conn.lock(&self.writer).await?;
        conn.ending_with(if early { COMMIT_DURABLY } else { "COMMIT" });
        let mut text = begin.to_owned();
        if let Some(then) = then {
            text.push_str("; ");
            conn.execute_text(then, &mut text)?;
        }
        let rows = conn.begin_raw(&text).await?;
        let tx = WriteTx::new(
            TxConn::Held(conn),
            self.backend,
            Some(self.head_hint.clone()),
        )
        .moving(self.facts_generation.clone());
        Ok((tx, rows))
    }

    /// [`Store::begin_locked`], and the releases of these containers as
    /// [`WriteTx::release_versions`] reads them in it: on SQLite in the same round trip as
    /// `BEGIN` (the gate's committer, deciding a group that holds a pick-up).
    pub async fn begin_locked_reading(
        &self,
        containers: &[String],
    ) -> Result<(WriteTx, Vec<(String, String, i64)>)> {
        if self.backend != Backend::Sqlite || containers.is_empty() {
            let mut tx = self.begin_locked().await?;
            let versions = tx.release_versions(containers).await?;
            return Ok((tx, versions));
        }
        self.writable()?;
        let then = release::release_versions_sql(Backend::Sqlite, containers);
        let (tx, rows) = self.begin_sqlite(true, Some(then)).await?;
        let versions = rows
            .iter()
            .map(release::release_version)
            .collect::<Result<Vec<_>>>()?;
        Ok((tx, versions))
    }

    /// Begins a write transaction whose commit does not wait for the disk: it is atomic, and
    /// ordered before every later commit, but reaches the disk with the next durable commit
    /// (on SQLite, whose log is one file, the next durable commit's flush carries it; on
    /// PostgreSQL, `synchronous_commit = off`, within a fraction of a second). A power cut may
    /// lose it, a crash of the process does not. Only for what can be rebuilt from durable
    /// data, such as a projection of events that moves its mark in the same transaction.
    pub async fn begin_deferred(&self) -> Result<WriteTx> {
        self.writable()?;
        let tx = match self.backend {
            Backend::Sqlite => {
                let mut conn = self.write_lock().await?;
                conn.begin(sqlx::query("PRAGMA synchronous=NORMAL; BEGIN"))
                    .await?;
                TxConn::Writer(conn)
            }
            Backend::Postgres => {
                let mut tx = self.writer.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut *tx)
                    .await?;
                TxConn::Pooled(tx)
            }
        };
        Ok(WriteTx::new(tx, self.backend, Some(self.head_hint.clone()))
            .moving(self.facts_generation.clone()))
    }

    /// Begins a transaction on the tables derived from the event log (the projections), with
    /// a commit that does not wait for the disk (they are rebuilt from the chain, see
    /// [`Store::begin_deferred`]). On SQLite it runs on the derived file's own writer, so it
    /// never holds up an append to the chain; on PostgreSQL it is a deferred transaction.
    pub async fn begin_derived(&self) -> Result<WriteTx> {
        self.writable()?;
        match self.backend {
            Backend::Sqlite => Ok(WriteTx::new(
                TxConn::Pooled(self.derived.begin().await?),
                self.backend,
                None,
            )),
            Backend::Postgres => self.begin_deferred().await,
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Copies the whole embedded database, consistently and while it is in use, into a new
    /// file that `serve` can start from (SQLite's `VACUUM INTO`). PostgreSQL deployments back
    /// up with the server's own tools (`pg_dump`, base backups).
    pub async fn backup_to(&self, dest: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "backup copies the embedded SQLite database; back up PostgreSQL with pg_dump or pg_basebackup".into(),
            ));
        }
        if dest.exists() {
            return Err(StoreError::Conflict(format!(
                "{} already exists",
                dest.display()
            )));
        }
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Unsupported("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(dest.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Copies the SQLite write-ahead log back into the database file without blocking the
    /// writer (a passive checkpoint, from a reader connection); the server runs it four times
    /// a second. Returns the frames in the log. A no-op on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<i64> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let row = sqlx::query("PRAGMA main.wal_checkpoint(PASSIVE)")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(1)?.max(0))
    }

    /// Finishes a checkpoint on the writer connection itself (a no-op on PostgreSQL), so the
    /// write-ahead log can start again from its beginning. Under a steady stream of commits
    /// the reader-side [`Store::checkpoint`] never catches the last frames, and SQLite only
    /// rewinds the log when a write begins with every frame copied back: without this the log
    /// grows without end (a gigabyte in half a minute at 2,000 gate decisions a second). Run
    /// it right after [`Store::checkpoint`], when little is left to copy, between writes: it
    /// holds the writer while it copies. Returns the frames still to copy.
    pub async fn checkpoint_on_writer(&self) -> Result<i64> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let mut conn = self.write_lock().await?;
        let row = sqlx::query("PRAGMA main.wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *conn)
            .await?;
        let log: i64 = row.try_get(1)?;
        let done: i64 = row.try_get(2)?;
        Ok((log - done).max(0))
    }

    /// Whether [`Store::close`] has been called.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// Closes the pools, waiting for connections to be returned.
    pub async fn close(&self) {
        self.write_conn.release().await;
        self.writer.close().await;
        self.pool.close().await;
        self.derived.close().await;
    }
}

type BoxFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// Which connection of an embedded database is being set up.
enum Role {
    /// The main file's single writer; with the statement that attaches the derived file.
    Writer(std::sync::Arc<str>),
    /// A reader of the main file; with the statement that attaches the derived file.
    Reader(std::sync::Arc<str>),
    /// The derived file's single writer.
    Derived,
}

/// Settings for every SQLite connection: WAL so readers never block the writer, FULL sync so
/// a commit is on disk when it returns, foreign keys on, and a busy timeout instead of
/// immediate lock errors. The main writer does not checkpoint the WAL itself (a checkpoint
/// inside a commit stalls every gate decision waiting behind it for tens of milliseconds):
/// [`Store::checkpoint`] does it from another connection, beside the writes. The derived
/// file's writer commits with NORMAL sync (its tables are rebuilt from the chain) and
/// checkpoints itself, since nothing waits for it. Main-file connections attach the derived
/// file as `derived`, so its tables are read (and, in tests, written) by their plain names.
/// The derived file checkpoints every 128 pages (SQLite's default is 1,000): its commits do
/// not wait for the disk, so its log is flushed only at a checkpoint, and a 4 MB flush every
/// second or two made the audit chain's commits queue behind it (p99 of gate answers at
/// 2,000/s fell from 3.2–4.6 ms to 2.1–2.9 ms with the smaller, more frequent flushes).
/// Temporary tables and statement journals stay in memory: as files (SQLite's default) the
/// multi-row writes and sorted reads of gate decisions created and wrote a few hundred
/// short-lived files a second under load, adding to the disk traffic every commit waits on.
fn sqlite_init(
    conn: &mut sqlx::AnyConnection,
    busy_ms: u128,
    role: Role,
) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    let sync = match role {
        Role::Derived => "NORMAL",
        _ => "FULL",
    };
    let mut pragmas = format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={busy_ms}; \
         PRAGMA journal_size_limit=67108864; PRAGMA temp_store=MEMORY;"
    );
    match role {
        Role::Writer(attach) => {
            pragmas.push_str(" PRAGMA wal_autocheckpoint=0; ");
            pragmas.push_str(&attach);
        }
        Role::Reader(attach) => pragmas.push_str(&attach),
        Role::Derived => pragmas.push_str(" PRAGMA wal_autocheckpoint=128;"),
    }
    Box::pin(async move {
        conn.execute(sqlx::raw_sql(&pragmas)).await?;
        Ok(())
    })
}

/// Creates the derived file's tables, or empties it when it was made by another version of
/// `derived.sql` (everything in it is rebuilt from the chain).
async fn prepare_derived(derived: &AnyPool) -> Result<()> {
    let version: i64 = sqlx::query("PRAGMA user_version")
        .fetch_one(derived)
        .await?
        .try_get(0)?;
    if version != DERIVED_VERSION {
        let mut conn = derived.acquire().await?;
        let tables: Vec<String> = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        for t in tables {
            conn.execute(sqlx::raw_sql(&format!("DROP TABLE \"{t}\"")))
                .await?;
        }
    }
    derived
        .execute(sqlx::raw_sql(include_str!("../schema/sqlite/derived.sql")))
        .await?;
    derived
        .execute(sqlx::raw_sql(&format!(
            "PRAGMA user_version = {DERIVED_VERSION}"
        )))
        .await?;
    Ok(())
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
