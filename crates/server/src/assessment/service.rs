//! The assessment use cases. Each write is a [`Change`]: the event that says what changed
//! (the edit itself, so the chain replays the assessment), then the row written over the
//! version it was made from, then commit. Reads check need-to-know: an assessment is its
//! organisation's alone (another's is "not found"); a practice is seen under its marking.

use std::collections::BTreeMap;

use hamnvakt_assessment::catalogue::Catalogue;
use hamnvakt_assessment::compare::{self, Aggregate, Contribution, Snapshot};
use hamnvakt_assessment::model::{Assessment, Edit, Gap, Status};
use hamnvakt_assessment::practice::{self, Practice};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Marking, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::validate::FieldError;
use hamnvakt_store::{AssessmentRow, PracticeRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::AssessmentState;
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

/// The catalogue in force (`catalogues.rs`).
pub async fn catalogue(state: &AppState) -> Result<std::sync::Arc<Catalogue>, ApiError> {
    super::catalogues::in_force(state).await
}

/// A fresh random id (a UUID) for an assessment or a practice.
fn fresh_id() -> String {
    new_id::<()>().to_string()
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::InvalidFields(errors)
}

fn to_row(a: &Assessment) -> Result<AssessmentRow, ApiError> {
    Ok(AssessmentRow {
        id: a.id.clone(),
        org_id: a.org.to_string(),
        facility: a.facility.clone(),
        previous: a.previous.clone(),
        created_ms: a.created_ms,
        updated_ms: a.updated_ms,
        version: a.version,
        data: serde_json::to_string(a)
            .map_err(|e| ApiError::Internal(format!("an assessment does not serialise: {e}")))?,
    })
}

fn from_row(row: &AssessmentRow) -> Result<Assessment, ApiError> {
    serde_json::from_str(&row.data).map_err(|e| {
        ApiError::Internal(format!("stored assessment {} does not parse: {e}", row.id))
    })
}

/// One's organisation's assessment; another organisation's does not exist for the caller.
pub async fn get(state: &AppState, org: OrgId, id: &str) -> Result<Assessment, ApiError> {
    match state.store.assessment(id).await? {
        Some(row) if row.org_id == org.to_string() => from_row(&row),
        _ => Err(ApiError::NotFound(format!("assessment {id}"))),
    }
}

/// One's organisation's assessments, per facility in the order they were made.
pub async fn list(state: &AppState, org: OrgId) -> Result<Vec<Assessment>, ApiError> {
    state
        .store
        .assessments_of(&org.to_string(), 500)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Starts an assessment of a facility (`assessment.created`).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    facility: &str,
    title: &str,
) -> Result<Assessment, ApiError> {
    let cat = catalogue(state).await?;
    let mut change = Change::begin(state, actor).await?;
    let id = fresh_id();
    let a = Assessment::new(id, org, facility, title, &cat, change.at_ms()).map_err(invalid)?;
    change
        .record(
            "assessment.created",
            Some(&format!("assessment:{}", a.id)),
            json!({"facility": a.facility, "title": a.title, "catalogue": a.catalogue}),
        )
        .await?;
    change.tx().insert_assessment(&to_row(&a)?).await?;
    change.commit().await?;
    Ok(a)
}

/// The next round of an assessment (`assessment.reassessed`): the earlier one stays as it was.
pub async fn reassess(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    previous: &str,
    title: &str,
) -> Result<Assessment, ApiError> {
    let before = get(state, org, previous)
        .await
        .map_err(|_| ApiError::field("previous", "no such assessment of your organisation"))?;
    // The next round is made against the catalogue in force, which may be newer.
    let cat = catalogue(state).await?;
    let mut change = Change::begin(state, actor).await?;
    let id = fresh_id();
    let a = before
        .reassess(id, title, change.at_ms(), &cat)
        .map_err(invalid)?;
    change
        .record(
            "assessment.reassessed",
            Some(&format!("assessment:{}", a.id)),
            json!({"previous": previous, "facility": a.facility, "title": a.title,
                   "catalogue": a.catalogue}),
        )
        .await?;
    change.tx().insert_assessment(&to_row(&a)?).await?;
    change.commit().await?;
    Ok(a)
}

/// Applies one edit; the event carries the edit and the version it made.
pub async fn edit(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    id: &str,
    e: &Edit,
) -> Result<Assessment, ApiError> {
    let mut a = get(state, org, id).await?;
    let cat = super::catalogues::for_assessment(state, &a.catalogue).await?;
    let mut change = Change::begin(state, actor).await?;
    a.apply(&cat, e, change.at_ms()).map_err(invalid)?;
    change
        .record(
            e.kind(),
            Some(&format!("assessment:{id}")),
            json!({"edit": e, "version": a.version}),
        )
        .await?;
    change.tx().update_assessment(&to_row(&a)?).await?;
    change.commit().await?;
    Ok(a)
}

/// Pre-fills the measurable controls from live facts (`assessment.measured`, with every
/// measurement that changed an answer). Returns the assessment and how many changed.
pub async fn measure(
    state: &AssessmentState,
    actor: &Actor,
    org: OrgId,
    id: &str,
) -> Result<(Assessment, usize), ApiError> {
    let mut a = get(state, org, id).await?;
    let found = super::measure::all(state).await?;
    let cat = super::catalogues::for_assessment(state, &a.catalogue).await?;
    let mut changed = Vec::new();
    for m in found {
        for c in cat.controls.iter().filter(|c| c.measure == Some(m.measure)) {
            if a.prefill(&c.id, m.clone()) {
                changed.push(json!({"control": c.id, "measured": m}));
            }
        }
    }
    if changed.is_empty() {
        return Ok((a, 0));
    }
    let mut change = Change::begin(state, actor).await?;
    a.version += 1;
    a.updated_ms = change.at_ms();
    change
        .record(
            "assessment.measured",
            Some(&format!("assessment:{id}")),
            json!({"measurements": changed, "version": a.version}),
        )
        .await?;
    change.tx().update_assessment(&to_row(&a)?).await?;
    change.commit().await?;
    Ok((a, changed.len()))
}

/// A practice as stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StoredPractice {
    pub id: String,
    /// Its id as a shared STIX object (`x-hamnvakt-best-practice--<id>`).
    pub stix_id: String,
    /// The organisation that wrote it (for a partner port's practice, the organisation that
    /// stands for that port here).
    #[schema(value_type = String, format = Uuid)]
    pub owner: OrgId,
    pub marking: Marking,
    pub created: String,
    pub practice: Practice,
}

fn practice_of(row: &PracticeRow) -> Result<StoredPractice, ApiError> {
    let marking: Marking = serde_json::from_str(&row.marking)
        .map_err(|e| ApiError::Internal(format!("practice {} marking: {e}", row.id)))?;
    let practice: Practice = serde_json::from_str(&row.data)
        .map_err(|e| ApiError::Internal(format!("practice {} does not parse: {e}", row.id)))?;
    Ok(StoredPractice {
        id: row.id.clone(),
        stix_id: super::stix::stix_id(&row.id),
        owner: row
            .owner_org
            .parse()
            .map_err(|_| ApiError::Internal(format!("practice {} owner", row.id)))?,
        marking,
        created: crate::web::time::rfc3339(row.created_ms),
        practice,
    })
}

async fn insert_practice(
    change: &mut Change<'_>,
    owner: OrgId,
    p: &Practice,
    m: &Marking,
) -> Result<StoredPractice, ApiError> {
    let id = fresh_id();
    let at = change.at_ms();
    change
        .record(
            "assessment.practice_created",
            Some(&format!("practice:{id}")),
            json!({"owner": owner, "title": p.title, "controls": p.controls, "marking": m}),
        )
        .await?;
    let row = PracticeRow {
        id: id.clone(),
        owner_org: owner.to_string(),
        marking: serde_json::to_string(m)
            .map_err(|e| ApiError::Internal(format!("a marking does not serialise: {e}")))?,
        created_ms: at,
        data: serde_json::to_string(p)
            .map_err(|e| ApiError::Internal(format!("a practice does not serialise: {e}")))?,
    };
    change.tx().insert_practice(&row).await?;
    practice_of(&row)
}

/// Writes a practice with its marking, decided now and never changed.
pub async fn create_practice(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    p: &Practice,
    m: &Marking,
) -> Result<StoredPractice, ApiError> {
    let cat = catalogue(state).await?;
    let mut errors = p.check("", &cat).err().unwrap_or_default();
    errors.extend(m.validate("marking", org).err().unwrap_or_default());
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    crate::sharing::check_recipients(state, "marking", m).await?;
    let mut change = Change::begin(state, actor).await?;
    let s = insert_practice(&mut change, org, p, m).await?;
    // The practice is a shared object too, under the same marking: exported, served by the
    // TAXII collections and pulled by partner installations like every other (`stix.rs`).
    let at = change.at_ms();
    let body = super::stix::to_stix(&s.id, org, p, at, &cat.version);
    let row = crate::sharing::new_row(&body, org, m, "local");
    change
        .tx()
        .file_shared(std::slice::from_ref(&row), at)
        .await?;
    change.commit().await?;
    Ok(s)
}

/// Takes in a partner port's practices (its export): owned here by the organisation that
/// stands for that port (kind `other_port`), each under the marking it came with, which must
/// let it reach the alliance. All or nothing.
pub async fn import_practices(
    state: &AppState,
    actor: &Actor,
    from: OrgId,
    items: &[(Practice, Marking)],
) -> Result<Vec<StoredPractice>, ApiError> {
    match state.store.org(from).await? {
        Some(o) if o.kind == OrgKind::OtherPort => {}
        _ => {
            return Err(ApiError::field(
                "from",
                "must be a partner port's organisation",
            ))
        }
    }
    let cat = catalogue(state).await?;
    practice::check_import(from, items, &cat).map_err(invalid)?;
    let mut change = Change::begin(state, actor).await?;
    let mut out = Vec::with_capacity(items.len());
    for (p, m) in items {
        out.push(insert_practice(&mut change, from, p, m).await?);
    }
    change.commit().await?;
    Ok(out)
}

/// The practices the reader may see, newest first.
pub async fn visible_practices(
    state: &AppState,
    reader: &Reader,
) -> Result<Vec<StoredPractice>, ApiError> {
    let rows = state.store.practices(2000).await?;
    let mut out = Vec::new();
    for row in &rows {
        let p = practice_of(row)?;
        if marking::may_see(p.owner, &p.marking, reader) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Per gap, the practices other organisations used for its control that the reader may see.
pub async fn practices_for_gaps(
    state: &AppState,
    reader: &Reader,
    gaps: &[Gap],
) -> Result<Vec<(Gap, Vec<StoredPractice>)>, ApiError> {
    let all = visible_practices(state, reader).await?;
    Ok(gaps
        .iter()
        .map(|g| {
            let used: Vec<StoredPractice> = all
                .iter()
                .filter(|p| p.owner != reader.org && p.practice.controls.contains(&g.control))
                .cloned()
                .collect();
            (g.clone(), used)
        })
        .collect())
}

/// Shares one's status per control from an assessment for the comparison across ports
/// (`assessment.scores_shared`): only statuses, replacing what the organisation shared before.
pub async fn share_scores(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    scores: &BTreeMap<String, Status>,
) -> Result<usize, ApiError> {
    let cat = catalogue(state).await?;
    let mut errors = Vec::new();
    for c in scores.keys() {
        if cat.control(c).is_none() {
            errors.push(FieldError::new(format!("scores.{c}"), "no such control"));
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let rows: Vec<(String, String)> = scores
        .iter()
        .map(|(c, s)| (c.clone(), s.as_str().to_owned()))
        .collect();
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "assessment.scores_shared",
            None,
            json!({"controls": rows.len()}),
        )
        .await?;
    let at = change.at_ms();
    change
        .tx()
        .set_control_scores(&org.to_string(), &rows, at)
        .await?;
    change.commit().await?;
    Ok(rows.len())
}

/// One control in the comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ControlComparison {
    pub control: String,
    pub title: String,
    /// What one's own organisation shared.
    pub own: Option<Status>,
    /// The other ports' answers counted, when at least three contribute; otherwise absent.
    pub others: Option<Aggregate>,
}

fn status_of(s: &str) -> Option<Status> {
    Status::ALL.into_iter().find(|x| x.as_str() == s)
}

/// The comparison across ports as the reader may see it (the rule is
/// `hamnvakt_assessment::compare`). What was shown is kept per reader and control
/// (`assessment.compared`), so a later one cannot be differenced against it.
pub async fn comparison(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
) -> Result<Vec<ControlComparison>, ApiError> {
    let me = org.to_string();
    let mut out = Vec::new();
    let mut keep: Vec<(String, String)> = Vec::new();
    let cat = catalogue(state).await?;
    for c in &cat.controls {
        let rows = state.store.control_scores(&c.id).await?;
        let own = rows
            .iter()
            .find(|(o, _)| o == &me)
            .and_then(|(_, s)| status_of(s));
        let contributions: Vec<Contribution> = rows
            .iter()
            .filter_map(|(o, s)| {
                status_of(s).map(|status| Contribution {
                    port: o.clone(),
                    status,
                })
            })
            .collect();
        let last_text = state.store.comparison_shown(&me, &c.id).await?;
        let last: Option<Snapshot> = last_text
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        let (shown, snap) = compare::compare(&me, &contributions, last.as_ref());
        if let Some(snap) = snap.filter(|s| Some(s) != last.as_ref()) {
            let text = serde_json::to_string(&snap)
                .map_err(|e| ApiError::Internal(format!("a snapshot does not serialise: {e}")))?;
            keep.push((c.id.clone(), text));
        }
        out.push(ControlComparison {
            control: c.id.clone(),
            title: c.title.clone(),
            own,
            others: shown,
        });
    }
    if !keep.is_empty() {
        let mut change = Change::begin(state, actor).await?;
        let controls: Vec<&str> = keep.iter().map(|(c, _)| c.as_str()).collect();
        change
            .record("assessment.compared", None, json!({"controls": controls}))
            .await?;
        for (control, text) in &keep {
            change.tx().set_comparison_shown(&me, control, text).await?;
        }
        change.commit().await?;
    }
    Ok(out)
}
