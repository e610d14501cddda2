//! Consignments in: validated, de-duplicated by declaration id (the last one wins), stored in
//! one transaction with an audit event that says how many came from where.

use hamnvakt_store::ConsignmentRow;
use hamnvakt_targeting::consignment::Consignment;
use serde_json::json;

use super::{Actor, Change};
use crate::error::ApiError;
use crate::state::AppState;

/// Stores consignments that passed validation; returns how many were stored.
pub async fn store_consignments(
    state: &AppState,
    actor: &Actor,
    consignments: &[Consignment],
    source: &str,
) -> Result<usize, ApiError> {
    if consignments.is_empty() {
        return Ok(0);
    }
    let mut last: std::collections::BTreeMap<&str, &Consignment> = Default::default();
    for c in consignments {
        last.insert(c.declaration_id.as_str(), c);
    }
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "consignments.imported",
            None,
            json!({"source": source, "count": last.len(),
                   "first": last.keys().next(), "last": last.keys().next_back()}),
        )
        .await?;
    let at = change.at_ms();
    let rows: Vec<ConsignmentRow> = last
        .values()
        .map(|c| {
            Ok(ConsignmentRow {
                declaration_id: c.declaration_id.clone(),
                day: c
                    .date
                    .as_deref()
                    .and_then(hamnvakt_targeting::mapping::days),
                hs_code: c.hs_code.clone(),
                importer: c.importer.id.clone().or_else(|| c.importer.eori.clone()),
                container: c.container.clone(),
                origin_country: c.origin_country.clone(),
                data: serde_json::to_string(c)
                    .map_err(|e| ApiError::Internal(format!("encoding a consignment: {e}")))?,
                source: source.to_owned(),
                updated_ms: at,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    change.tx().upsert_consignments(&rows).await?;
    change.commit().await?;
    Ok(rows.len())
}
