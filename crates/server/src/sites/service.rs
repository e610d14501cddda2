//! Adding the port's sites (terminals, harbours), each an audited event.

use hamnvakt_core::validate;
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Adds a site.
pub async fn create_site(
    state: &AppState,
    actor: &Actor,
    site: &hamnvakt_store::Site,
) -> Result<(), ApiError> {
    validate::name("name", &site.name, 200).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    if !(-90.0..=90.0).contains(&site.lat) || !(-180.0..=180.0).contains(&site.lon) {
        return Err(ApiError::field("lat", "coordinates must be WGS84 degrees"));
    }
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "site.created",
            Some(&format!("site:{}", site.id)),
            json!({"code": site.code, "name": site.name, "locode": site.locode, "lat": site.lat, "lon": site.lon}),
        )
        .await?;
    let at = change.at_ms();
    change.tx().insert_site(site, at).await?;
    change.commit().await
}
