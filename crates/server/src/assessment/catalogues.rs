//! The versions of the catalogue of controls: the one shipped with the binary and those
//! imported since (as JSON, or as CSV rows over the catalogue in force's instruments and
//! topics), each kept whole under its version in the store. A version is never reused, so an
//! assessment is always read against the version it was made with; the catalogue in force —
//! for new assessments, reassessments and practices — is the one imported last, or the
//! built-in one while none is. Every instance on one database sees the same versions (they are
//! read from the store).

use std::sync::{Arc, OnceLock};

use hamnvakt_assessment::catalogue::Catalogue;
use hamnvakt_store::CatalogueRow;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// The catalogue shipped with the binary.
pub fn builtin() -> &'static Arc<Catalogue> {
    static CAT: OnceLock<Arc<Catalogue>> = OnceLock::new();
    CAT.get_or_init(|| Arc::new(Catalogue::builtin()))
}

fn parse(row: &CatalogueRow) -> Result<Arc<Catalogue>, ApiError> {
    let c: Catalogue = serde_json::from_str(&row.data).map_err(|e| {
        ApiError::Internal(format!(
            "stored catalogue {} does not parse: {e}",
            row.version
        ))
    })?;
    Ok(Arc::new(c))
}

/// One version, if it exists: the built-in one or an imported one.
pub async fn of_version(
    state: &AppState,
    version: &str,
) -> Result<Option<Arc<Catalogue>>, ApiError> {
    if version == builtin().version {
        return Ok(Some(builtin().clone()));
    }
    // Read from the store each time (a few kilobytes, on assessment pages only), so that
    // every instance and every store in one process answers from its own database.
    match state.store.catalogue(version).await? {
        Some(row) => Ok(Some(parse(&row)?)),
        None => Ok(None),
    }
}

/// The version an assessment was made with (the built-in one should it ever be missing,
/// which the store's never deleting versions rules out).
pub async fn for_assessment(state: &AppState, version: &str) -> Result<Arc<Catalogue>, ApiError> {
    Ok(of_version(state, version)
        .await?
        .unwrap_or_else(|| builtin().clone()))
}

/// The catalogue in force: the one imported last, or the built-in one.
pub async fn in_force(state: &AppState) -> Result<Arc<Catalogue>, ApiError> {
    match state.store.catalogues().await?.first() {
        Some(latest) => for_assessment(state, &latest.version).await,
        None => Ok(builtin().clone()),
    }
}

/// One version as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueVersion {
    pub version: String,
    pub published: String,
    pub controls: usize,
    /// `builtin` or `imported`.
    pub source: String,
    /// When it was imported (RFC 3339), for an imported one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<String>,
    /// Whether new assessments are made against it.
    pub in_force: bool,
}

/// Every version, the one in force first, then the others as imported, the built-in last.
pub async fn versions(state: &AppState) -> Result<Vec<CatalogueVersion>, ApiError> {
    let rows = state.store.catalogues().await?;
    let mut out: Vec<CatalogueVersion> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| CatalogueVersion {
            version: r.version.clone(),
            published: r.published.clone(),
            controls: usize::try_from(r.controls).unwrap_or(0),
            source: "imported".into(),
            imported: Some(crate::web::time::rfc3339(r.imported_ms)),
            in_force: i == 0,
        })
        .collect();
    let b = builtin();
    out.push(CatalogueVersion {
        version: b.version.clone(),
        published: b.published.clone(),
        controls: b.controls.len(),
        source: "builtin".into(),
        imported: None,
        in_force: rows.is_empty(),
    });
    Ok(out)
}

/// Imports a checked catalogue as a new version, which is in force from now on
/// (`assessment.catalogue_imported`). A version that exists already is a conflict: versions
/// are never rewritten.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    c: Catalogue,
) -> Result<CatalogueVersion, ApiError> {
    c.check().map_err(ApiError::InvalidFields)?;
    if of_version(state, &c.version).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "catalogue version {} exists already: a version is never rewritten, give the new one a new version",
            c.version
        )));
    }
    let data = serde_json::to_string(&c)
        .map_err(|e| ApiError::Internal(format!("a catalogue does not serialise: {e}")))?;
    let mut change = Change::begin(state, actor).await?;
    let at = change.at_ms();
    change
        .record(
            "assessment.catalogue_imported",
            Some(&format!("catalogue:{}", c.version)),
            json!({"version": c.version, "published": c.published, "controls": c.controls.len(),
                   "instruments": c.instruments.len(), "topics": c.topics.len()}),
        )
        .await?;
    change
        .tx()
        .insert_catalogue(&CatalogueRow {
            version: c.version.clone(),
            published: c.published.clone(),
            imported_ms: at,
            imported_by: actor.id.clone(),
            controls: i64::try_from(c.controls.len()).unwrap_or(i64::MAX),
            data,
        })
        .await?;
    change.commit().await?;
    Ok(CatalogueVersion {
        version: c.version.clone(),
        published: c.published.clone(),
        controls: c.controls.len(),
        source: "imported".into(),
        imported: Some(crate::web::time::rfc3339(at)),
        in_force: true,
    })
}
