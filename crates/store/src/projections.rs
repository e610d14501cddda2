//! Projections of the event log: tables derived from events after the events are durable,
//! each with a mark naming the last event it reflects (the row is created by the migration
//! that introduces the projection). A projector reads the events of its kind after its mark,
//! then, in one transaction, moves the mark and writes what those events imply, so a crash
//! between an event and its projection loses nothing: the next run starts at the mark.

use sqlx::Row;

use crate::{Backend, Result, Store, WriteTx};

impl Store {
    /// On SQLite, checks that the derived file belongs to this database's chain: it must name
    /// the same first event, and no mark may be past the chain head. Otherwise (the database was
    /// replaced or restored from a backup beside a newer derived file) it is emptied, and the
    /// projectors rebuild it from the chain. Run by [`Store::migrate`].
    pub(crate) async fn reconcile_derived(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let first: Option<String> = sqlx::query("SELECT hash FROM main.events WHERE seq = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let head: i64 = sqlx::query("SELECT seq FROM main.chain_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let from: Option<String> = sqlx::query("SELECT first_hash FROM derived_from WHERE id = 1")
            .fetch_optional(&self.derived)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let mark: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM projections")
            .fetch_one(&self.derived)
            .await?
            .try_get(0)?;
        let stale = mark > head || (from.is_some() && from != first);
        let mut tx = self.derived.begin().await?;
        if stale {
            tracing::warn!(
                mark,
                head,
                "the derived tables do not belong to this database's audit chain; rebuilding them from it"
            );
            for sql in [
                "DELETE FROM gate_decisions",
                "DELETE FROM gate_pickups",
                "DELETE FROM occupancy",
                "UPDATE projections SET seq = 0",
                "DELETE FROM derived_from",
            ] {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
        }
        if let (Some(first), true) = (first, stale || from.is_none()) {
            sqlx::query("INSERT INTO derived_from (id, first_hash) VALUES (1, $1)")
                .bind(first)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The last event a projection reflects (0 if it has none).
    pub async fn projection_mark(&self, name: &str) -> Result<i64> {
        let row = sqlx::query("SELECT seq FROM projections WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }

    /// Sequence numbers and payloads of the events of one kind after `after`, oldest first.
    pub async fn events_of_kind_after(
        &self,
        kind: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT seq, payload FROM events WHERE kind = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(kind.to_owned())
        .bind(after)
        .bind(limit.clamp(1, 100_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

impl WriteTx {
    /// [`Store::events_of_kind_after`] inside this transaction (after
    /// [`WriteTx::lock_head`]: every event before the head, and no other).
    pub async fn events_of_kind_after(
        &mut self,
        kind: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT seq, payload FROM events WHERE kind = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(kind.to_owned())
        .bind(after)
        .bind(limit.clamp(1, 100_000))
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Moves a projection's mark from `from` to `to`. Returns false, changing nothing, when
    /// the mark is no longer at `from` (another projector got there first: read again). On
    /// PostgreSQL the row stays locked until this transaction ends, so two instances never
    /// write the same events' rows.
    pub async fn advance_projection(&mut self, name: &str, from: i64, to: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE projections SET seq = $1 WHERE name = $2 AND seq = $3")
            .bind(to)
            .bind(name.to_owned())
            .bind(from)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
