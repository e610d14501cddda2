//! The maritime picture's durable part: downsampled vessel tracks with retention, port visits
//! and the flags vessels declare.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::Arg;
use crate::{Result, Store, StoreError, WriteTx};

/// One stored track point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    pub mmsi: u32,
    pub at_ms: i64,
    pub lat: f64,
    pub lon: f64,
    pub speed_kn: Option<f64>,
    pub course_deg: Option<f64>,
}

/// One port visit as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortCallRow {
    pub mmsi: u32,
    pub port: String,
    pub port_name: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub entered: bool,
    pub exited: bool,
    pub stop_ms: Option<i64>,
    pub gap: bool,
    pub confidence: u8,
}

/// A flag a vessel declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VesselFlag {
    pub mmsi: u32,
    pub flag: String,
    pub declared_by: String,
    pub declared_ms: i64,
}

fn mmsi_of(r: &AnyRow, i: usize) -> Result<u32> {
    let v: i64 = r.try_get(i)?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("MMSI {v}")))
}

fn point_from_row(r: &AnyRow) -> Result<TrackPoint> {
    Ok(TrackPoint {
        mmsi: mmsi_of(r, 0)?,
        at_ms: r.try_get(1)?,
        lat: r.try_get(2)?,
        lon: r.try_get(3)?,
        speed_kn: r.try_get(4)?,
        course_deg: r.try_get(5)?,
    })
}

const CALL_COLUMNS: &str =
    "mmsi, port, port_name, start_ms, end_ms, entered, exited, stop_ms, gap, confidence";

fn call_from_row(r: &AnyRow) -> Result<PortCallRow> {
    let confidence: i64 = r.try_get(9)?;
    Ok(PortCallRow {
        mmsi: mmsi_of(r, 0)?,
        port: r.try_get(1)?,
        port_name: r.try_get(2)?,
        start_ms: r.try_get(3)?,
        end_ms: r.try_get(4)?,
        entered: r.try_get::<i64, _>(5)? != 0,
        exited: r.try_get::<i64, _>(6)? != 0,
        stop_ms: r.try_get(7)?,
        gap: r.try_get::<i64, _>(8)? != 0,
        confidence: u8::try_from(confidence)
            .map_err(|_| StoreError::Corrupt(format!("port call confidence {confidence}")))?,
    })
}

impl WriteTx {
    /// Replaces the stored state of kind `name` (schema 26: what the AIS detectors and the
    /// port-visit tracker remember).
    pub async fn put_maritime_state(&mut self, name: &str, data: &str, at_ms: i64) -> Result<()> {
        sqlx::query("DELETE FROM maritime_state WHERE name = $1")
            .bind(name.to_owned())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        sqlx::query("INSERT INTO maritime_state (name, written_ms, data) VALUES ($1, $2, $3)")
            .bind(name.to_owned())
            .bind(at_ms)
            .bind(data.to_owned())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Stores track points; a point already stored for the same vessel and time is kept.
    pub async fn insert_track_points(&mut self, points: &[TrackPoint]) -> Result<()> {
        let rows: Vec<_> = points
            .iter()
            .map(|r| {
                [
                    Arg::I64(i64::from(r.mmsi)),
                    Arg::I64(r.at_ms),
                    Arg::F64(r.lat),
                    Arg::F64(r.lon),
                    Arg::OptF64(r.speed_kn),
                    Arg::OptF64(r.course_deg),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO vessel_positions (mmsi, at_ms, lat, lon, speed_kn, course_deg) VALUES ",
            " ON CONFLICT (mmsi, at_ms) DO NOTHING",
            rows,
        )
        .await?;
        Ok(())
    }

    /// Stores vessels' latest state (`(mmsi, JSON, receive time of its latest message)`),
    /// replacing an older one, marked as written at `written_ms`.
    pub async fn upsert_vessels(
        &mut self,
        vessels: &[(u32, String, i64)],
        written_ms: i64,
    ) -> Result<()> {
        let rows: Vec<_> = vessels
            .iter()
            .map(|(mmsi, data, last_ms)| {
                [
                    Arg::I64(i64::from(*mmsi)),
                    Arg::Text(data.clone()),
                    Arg::I64(*last_ms),
                    Arg::I64(written_ms),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO vessels (mmsi, data, last_ms, written_ms) VALUES ",
            " ON CONFLICT (mmsi) DO UPDATE SET data = excluded.data, last_ms = excluded.last_ms, \
             written_ms = excluded.written_ms WHERE vessels.last_ms <= excluded.last_ms",
            rows,
        )
        .await
    }

    /// Records a port visit, or its new state (a stop, a gap, its end).
    pub async fn upsert_port_call(&mut self, c: &PortCallRow) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO port_calls ({CALL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (mmsi, port, start_ms) DO UPDATE SET end_ms = excluded.end_ms, \
             entered = excluded.entered, exited = excluded.exited, stop_ms = excluded.stop_ms, \
             gap = excluded.gap, confidence = excluded.confidence"
        ))
        .bind(i64::from(c.mmsi))
        .bind(c.port.clone())
        .bind(c.port_name.clone())
        .bind(c.start_ms)
        .bind(c.end_ms)
        .bind(i64::from(c.entered))
        .bind(i64::from(c.exited))
        .bind(c.stop_ms)
        .bind(i64::from(c.gap))
        .bind(i64::from(c.confidence))
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn set_vessel_flag(&mut self, f: &VesselFlag) -> Result<()> {
        sqlx::query(
            "INSERT INTO vessel_flags (mmsi, flag, declared_by, declared_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (mmsi) DO UPDATE SET flag = excluded.flag, declared_by = excluded.declared_by, \
             declared_ms = excluded.declared_ms",
        )
        .bind(i64::from(f.mmsi))
        .bind(f.flag.clone())
        .bind(f.declared_by.clone())
        .bind(f.declared_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Deletes track points older than `before_ms`; returns how many.
    pub async fn prune_track(&mut self, before_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM vessel_positions WHERE at_ms < $1")
            .bind(before_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// The stored state of kind `name` and when it was written.
    pub async fn maritime_state(&self, name: &str) -> Result<Option<(String, i64)>> {
        let row = sqlx::query("SELECT data, written_ms FROM maritime_state WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// A vessel's stored track between two times, oldest first, at most `limit` points (the
    /// newest ones when there are more).
    pub async fn track(
        &self,
        mmsi: u32,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
    ) -> Result<Vec<TrackPoint>> {
        let rows = sqlx::query(
            "SELECT mmsi, at_ms, lat, lon, speed_kn, course_deg FROM vessel_positions \
             WHERE mmsi = $1 AND at_ms >= $2 AND at_ms <= $3 ORDER BY at_ms DESC LIMIT $4",
        )
        .bind(i64::from(mmsi))
        .bind(from_ms)
        .bind(to_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<TrackPoint> = rows.iter().map(point_from_row).collect::<Result<_>>()?;
        out.reverse();
        Ok(out)
    }

    /// A vessel's port calls, newest first.
    pub async fn port_calls(&self, mmsi: u32, limit: i64) -> Result<Vec<PortCallRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM port_calls WHERE mmsi = $1 ORDER BY start_ms DESC LIMIT $2"
        ))
        .bind(i64::from(mmsi))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(call_from_row).collect()
    }

    /// Port calls at one port since a time, newest first.
    pub async fn port_calls_at(
        &self,
        port: &str,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<PortCallRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM port_calls WHERE port = $1 AND start_ms >= $2 \
             ORDER BY start_ms DESC LIMIT $3"
        ))
        .bind(port.to_owned())
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(call_from_row).collect()
    }

    pub async fn vessel_flag(&self, mmsi: u32) -> Result<Option<VesselFlag>> {
        let row = sqlx::query(
            "SELECT mmsi, flag, declared_by, declared_ms FROM vessel_flags WHERE mmsi = $1",
        )
        .bind(i64::from(mmsi))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(VesselFlag {
                mmsi: mmsi_of(&r, 0)?,
                flag: r.try_get(1)?,
                declared_by: r.try_get(2)?,
                declared_ms: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// How many track points are stored (for the retention test and the benchmark).
    /// Vessels' stored latest state (`(mmsi, JSON, written_ms)`) written at or after
    /// `since_ms`, at most `limit`, oldest written first.
    pub async fn vessels_written_since(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<(u32, String, i64)>> {
        let rows = sqlx::query(
            "SELECT mmsi, data, written_ms FROM vessels WHERE written_ms >= $1 ORDER BY written_ms LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit.clamp(1, 1_000_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let mmsi: i64 = r.try_get(0)?;
                let mmsi = u32::try_from(mmsi)
                    .map_err(|_| StoreError::Corrupt(format!("stored MMSI {mmsi}")))?;
                Ok((mmsi, r.try_get(1)?, r.try_get(2)?))
            })
            .collect()
    }

    pub async fn track_point_count(&self) -> Result<i64> {
        let r = sqlx::query("SELECT COUNT(*) FROM vessel_positions")
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get(0)?)
    }
}
