//! Instances on PostgreSQL working together, with the database's own means. Wake-ups: every
//! transaction that appends to the event log notifies the channel `hamnvakt_events` (schema
//! 18, a statement trigger), and an instance that listens learns at once that another one
//! wrote, instead of at its next poll. Leadership: one instance at a time holds a duty (an
//! AIS feed) by a session advisory lock, which the database releases when its holder dies.
//!
//! A notification is a hint, never the record: the listener may miss some while its
//! connection is re-made, so a listener still reads what changed from the tables (events past
//! the ones it followed, the register's version) and keeps a slow poll beside it.

use crate::{Backend, Result, Store};

/// The channel every append notifies (see `schema/postgres/0018_notify.sql`).
pub const EVENTS_CHANNEL: &str = "hamnvakt_events";

/// A connection listening for appends by any instance.
pub struct Listener {
    inner: sqlx::postgres::PgListener,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

impl Listener {
    /// Waits for the next append by any instance (this one included). After a lost
    /// connection it reconnects; what was notified meanwhile is lost, hence the poll.
    pub async fn next(&mut self) -> Result<()> {
        self.inner.recv().await?;
        Ok(())
    }

    /// Drops the notifications already received and not yet taken: one read of the tables
    /// answers all of them.
    pub fn drain(&mut self) {
        while self.inner.next_buffered().is_some() {}
    }
}

impl Store {
    /// On PostgreSQL, a listener for appends to the event log; on SQLite `None` (one
    /// instance writes, and it knows what it wrote).
    pub async fn listen(&self) -> Result<Option<Listener>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut inner = sqlx::postgres::PgListener::connect(self.url.expose()).await?;
        inner.listen(EVENTS_CHANNEL).await?;
        Ok(Some(Listener { inner }))
    }
}

/// Cluster-wide leadership of one named duty (reading an AIS feed): a PostgreSQL session
/// advisory lock held on a connection of its own. When the holder dies its connection closes
/// and the database releases the lock, so another instance takes the duty over at its next
/// try. On SQLite there is one instance, and it always leads.
pub struct Leadership {
    conn: Option<sqlx::AnyConnection>,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Leadership")
    }
}

impl Leadership {
    /// Whether the lead is still ours: its connection still answers (a broken connection
    /// has lost the lock, and another instance may hold it now).
    pub async fn held(&mut self) -> bool {
        match self.conn.as_mut() {
            None => true,
            Some(c) => sqlx::query("SELECT 1").execute(c).await.is_ok(),
        }
    }
}

impl Store {
    /// Takes the lead of `duty` if no instance holds it; `None` when another does.
    pub async fn try_lead(&self, duty: &str) -> Result<Option<Leadership>> {
        use sqlx::{ConnectOptions, Connection, Row};
        use std::str::FromStr;
        if self.backend != Backend::Postgres {
            return Ok(Some(Leadership { conn: None }));
        }
        let options =
            sqlx::any::AnyConnectOptions::from_str(self.url.expose())?.disable_statement_logging();
        let mut conn = sqlx::AnyConnection::connect_with(&options).await?;
        let got: i64 = sqlx::query(
            "SELECT CAST(CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END AS BIGINT)",
        )
        .bind(crate::identity::advisory_key(&format!("lead:{duty}")))
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
        if got == 1 {
            Ok(Some(Leadership { conn: Some(conn) }))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }
}
