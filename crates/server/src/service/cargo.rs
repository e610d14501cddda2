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

/// Saves a profile as a new version (1 for a new profile), audited.
pub async fn save_profile(
    state: &AppState,
    actor: &Actor,
    id: Option<&str>,
    profile: &hamnvakt_targeting::profile::Profile,
) -> Result<hamnvakt_store::ProfileRow, ApiError> {
    let errors = profile.validate();
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(
            errors
                .into_iter()
                .map(|e| hamnvakt_core::validate::FieldError::new(&e.field, e.reason))
                .collect(),
        ));
    }
    let (id, version) = match id {
        Some(id) => {
            let versions = state.store.profile_versions(id).await?;
            let last = versions
                .last()
                .ok_or_else(|| ApiError::NotFound(format!("risk profile {id}")))?;
            (id.to_owned(), last.version + 1)
        }
        None => (crate::state::new_id::<()>().to_string(), 1),
    };
    let mut change = Change::begin(state, actor).await?;
    let data = serde_json::to_string(profile)
        .map_err(|e| ApiError::Internal(format!("encoding a profile: {e}")))?;
    change
        .record(
            if version == 1 {
                "profile.created"
            } else {
                "profile.changed"
            },
            Some(&format!("profile:{id}")),
            json!({"version": version, "profile": profile}),
        )
        .await?;
    let row = hamnvakt_store::ProfileRow {
        id,
        version,
        data,
        author: actor.id.clone(),
        created_ms: change.at_ms(),
    };
    change.tx().insert_profile_version(&row).await?;
    change.commit().await?;
    Ok(row)
}

/// How often each profile hits the stored consignments: each consignment is judged against
/// the ones before it (by date, then id), so "first-time importer" means first in the store;
/// value-per-kg norms come from them all.
/// A profile's record on the stored consignments.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileRecord {
    pub hits: usize,
    /// Hits with a recorded outcome…
    pub inspected: usize,
    /// …of which irregular or seized.
    pub positive: usize,
}

pub async fn profile_hits(
    state: &AppState,
    profiles: &[hamnvakt_targeting::profile::Profile],
) -> Result<(usize, Vec<ProfileRecord>), ApiError> {
    let outcomes: std::collections::HashMap<String, bool> = state
        .store
        .outcome_results()
        .await?
        .into_iter()
        .map(|(id, r)| {
            let positive =
                hamnvakt_targeting::outcome::Result::parse(&r).is_some_and(|r| r.positive());
            (id, positive)
        })
        .collect();
    use hamnvakt_targeting::profile::Context;
    let mut all: Vec<(Option<i64>, Consignment)> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = state
            .store
            .list_consignments(None, after.as_deref(), 1000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.declaration_id.clone());
        for r in &page {
            if let Ok(c) = serde_json::from_str::<Consignment>(&r.data) {
                all.push((r.day, c));
            }
        }
        if page.len() < 1000 || all.len() >= 500_000 {
            break;
        }
    }
    all.sort_by(|a, b| (a.0, &a.1.declaration_id).cmp(&(b.0, &b.1.declaration_id)));
    let mut ctx = Context::learn(all.iter().map(|(_, c)| c));
    ctx.known_importers.clear();
    let mut hits = vec![ProfileRecord::default(); profiles.len()];
    for (_, c) in &all {
        for (h, p) in hits.iter_mut().zip(profiles) {
            if p.hits(c, &ctx).is_some() {
                h.hits += 1;
                if let Some(&positive) = outcomes.get(&c.declaration_id) {
                    h.inspected += 1;
                    h.positive += usize::from(positive);
                }
            }
        }
        if let Some(i) = c
            .importer
            .eori
            .as_ref()
            .or(c.importer.id.as_ref())
            .or(c.importer.name.as_ref())
        {
            ctx.known_importers.insert(i.clone());
        }
    }
    Ok((all.len(), hits))
}

/// Records what an inspection of a consignment found, audited before it is stored.
pub async fn record_outcome(
    state: &AppState,
    actor: &Actor,
    declaration_id: &str,
    outcome: &hamnvakt_targeting::outcome::Outcome,
) -> Result<hamnvakt_store::OutcomeRow, ApiError> {
    let errors = outcome.validate();
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(
            errors
                .into_iter()
                .map(|e| hamnvakt_core::validate::FieldError::new(&e.field, e.reason))
                .collect(),
        ));
    }
    if state.store.consignment(declaration_id).await?.is_none() {
        return Err(ApiError::NotFound(format!("consignment {declaration_id}")));
    }
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "inspection.outcome_recorded",
            Some(&format!("consignment:{declaration_id}")),
            json!(outcome),
        )
        .await?;
    let row = hamnvakt_store::OutcomeRow {
        declaration_id: declaration_id.to_owned(),
        result: outcome.result.as_str().to_owned(),
        data: serde_json::to_string(outcome)
            .map_err(|e| ApiError::Internal(format!("encoding an outcome: {e}")))?,
        recorded_by: actor.id.clone(),
        recorded_ms: change.at_ms(),
    };
    change.tx().upsert_outcome(&row).await?;
    change.commit().await?;
    Ok(row)
}
