//! The port's sites (Värtahamnen, Norvik …): the top of the place hierarchy that zones and
//! gates hang from.

use hamnvakt_core::ids::SiteId;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: SiteId,
    /// Short stable code (`VARTA`, `NORVIK`).
    pub code: String,
    pub name: String,
    pub description: String,
    /// UN/LOCODE of the port the site belongs to (SESTO, SEKPS, SENYN).
    pub locode: String,
    pub lat: f64,
    pub lon: f64,
}

pub type NewSite = Site;

fn site_from_row(r: &AnyRow) -> Result<Site> {
    let id: String = r.try_get(0)?;
    Ok(Site {
        id: id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("site id {id:?}")))?,
        code: r.try_get(1)?,
        name: r.try_get(2)?,
        description: r.try_get(3)?,
        locode: r.try_get(4)?,
        lat: r.try_get(5)?,
        lon: r.try_get(6)?,
    })
}

impl WriteTx {
    pub async fn insert_site(&mut self, s: &NewSite, created_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sites (id, code, name, description, locode, lat, lon, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.id.to_string())
        .bind(s.code.clone())
        .bind(s.name.clone())
        .bind(s.description.clone())
        .bind(s.locode.clone())
        .bind(s.lat)
        .bind(s.lon)
        .bind(created_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

impl Store {
    pub async fn list_sites(&self) -> Result<Vec<Site>> {
        let rows = sqlx::query(
            "SELECT id, code, name, description, locode, lat, lon FROM sites ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(site_from_row).collect()
    }
}
