//! Shift log use cases: write an entry, hand over (what the incoming operator must know: the
//! open alerts, the incidents changed and the entries written since the last handover, as the
//! outgoing operator may see them) and acknowledge. Each is an audited [`Change`]. The log is
//! the organisation's own: every read is of the reader's organisation.

use hamnvakt_core::alert::{AlertState, Severity};
use hamnvakt_core::ids::{AlertId, OrgId, UserId};
use hamnvakt_incidents::shift::{self, EntryId, Handover, HandoverId};
use hamnvakt_incidents::{IncidentId, IncidentState};
use hamnvakt_store::{AlertFilter, HandoverRow, Marked, ShiftEntryRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::service;
use crate::web::auth::Principal;
use crate::web::change::Change;
use crate::web::error::ApiError;
use crate::web::state::{new_id, new_time_id, AppState};
use crate::web::time::rfc3339;

/// At most this many of each kind in one handover.
const MAX_ITEMS: i64 = 200;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogEntry {
    pub id: String,
    /// Who wrote it (`user:…`).
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenAlert {
    #[schema(value_type = String, format = Uuid)]
    pub id: AlertId,
    pub title: String,
    /// The detector's message (`{"code", "params"}`) the title was written from, when a
    /// detector or rule raised it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub message: Option<serde_json::Value>,
    pub severity: Severity,
    pub state: AlertState,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangedIncident {
    #[schema(value_type = String, format = Uuid)]
    pub id: IncidentId,
    pub title: String,
    pub state: IncidentState,
    pub updated_at: String,
}

/// What a handover shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// The previous handover's time; absent for the first.
    pub since: Option<String>,
    pub open_alerts: Vec<OpenAlert>,
    pub incidents_changed: Vec<ChangedIncident>,
    pub entries: Vec<LogEntry>,
    /// The outgoing operator's own words to the incoming one (what to watch, what was
    /// promised to whom); only in a handover made with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn entry_of(r: ShiftEntryRow) -> LogEntry {
    LogEntry {
        id: r.id,
        author: r.author,
        at: rfc3339(r.at_ms),
        text: r.text,
    }
}

pub async fn log(
    state: &AppState,
    org: OrgId,
    since_ms: Option<i64>,
) -> Result<Vec<LogEntry>, ApiError> {
    Ok(state
        .store
        .shift_entries(org, since_ms, 1000)
        .await?
        .into_iter()
        .map(entry_of)
        .collect())
}

pub async fn write_entry(
    state: &AppState,
    p: &Principal,
    text: &str,
) -> Result<LogEntry, ApiError> {
    shift::check_entry(text).map_err(|e| ApiError::InvalidFields(vec![e]))?;
    let actor = p.actor();
    let mut change = Change::begin(state, &actor).await?;
    let at = change.at_ms();
    let id: EntryId = new_time_id(at);
    change
        .record(
            "shift.entry_written",
            Some(&format!("shift_entry:{id}")),
            json!({"text": text}),
        )
        .await?;
    let row = ShiftEntryRow {
        id: id.to_string(),
        org_id: p.org(),
        author: actor.id.clone(),
        at_ms: at,
        text: text.to_owned(),
    };
    change.tx().insert_shift_entry(&row).await?;
    change.commit().await?;
    Ok(entry_of(row))
}

/// What a handover now would show (the outgoing operator's preview).
pub async fn summary(state: &AppState, p: &Principal) -> Result<(Summary, Option<i64>), ApiError> {
    let last = state.store.handovers(p.org(), 1).await?.into_iter().next();
    let since_ms = last.as_ref().map(|h| h.at_ms);
    // The window includes the last handover's millisecond, so what it already showed is left
    // out by identity, not by time: nothing falls between two shifts, nothing shows twice.
    let shown: Option<Summary> = match &last {
        Some(h) => Some(parse(h)?.1),
        None => None,
    };
    let already_entry = |id: &str| {
        shown
            .as_ref()
            .is_some_and(|s| s.entries.iter().any(|e| e.id == id))
    };
    let already_incident = |id: IncidentId, at: &str| {
        shown.as_ref().is_some_and(|s| {
            s.incidents_changed
                .iter()
                .any(|i| i.id == id && i.updated_at == at)
        })
    };
    let (from, _) = shift::window(since_ms, state.now_ms());
    let alerts = state
        .store
        .list_alerts(
            &p.viewer(),
            &AlertFilter {
                states: crate::alerts::ACTIVE.to_vec(),
                limit: MAX_ITEMS,
                ..Default::default()
            },
        )
        .await?
        .alerts;
    let incidents = state
        .store
        .list_marked(
            Marked::Incident,
            &p.reader(),
            &[],
            since_ms.map(|_| from),
            MAX_ITEMS,
        )
        .await?;
    let mut changed = Vec::with_capacity(incidents.len());
    for r in &incidents {
        let i = service::decode(r)?;
        let updated_at = rfc3339(i.updated_ms);
        if already_incident(i.id, &updated_at) {
            continue;
        }
        changed.push(ChangedIncident {
            id: i.id,
            title: i.title,
            state: i.state,
            updated_at,
        });
    }
    let mut entries = log(state, p.org(), since_ms).await?;
    entries.retain(|e| !already_entry(&e.id));
    Ok((
        Summary {
            since: since_ms.map(rfc3339),
            open_alerts: alerts
                .into_iter()
                .map(|a| OpenAlert {
                    id: a.id,
                    title: a.title,
                    message: a.message,
                    severity: a.severity,
                    state: a.state,
                })
                .collect(),
            incidents_changed: changed,
            entries,
            note: None,
        },
        since_ms,
    ))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverView {
    #[schema(value_type = String, format = Uuid)]
    pub id: HandoverId,
    /// The outgoing operator.
    #[schema(value_type = String, format = Uuid)]
    pub by: UserId,
    pub at: String,
    pub summary: Summary,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub acknowledged_by: Option<UserId>,
    pub acknowledged_at: Option<String>,
}

fn parse(row: &HandoverRow) -> Result<(Handover, Summary), ApiError> {
    let bad = |what: &str| ApiError::Internal(format!("handover {}: {what}", row.id));
    let h = Handover {
        id: row.id.parse().map_err(|_| bad("id"))?,
        org: row.org_id,
        by: row.by_user.parse().map_err(|_| bad("by"))?,
        at_ms: row.at_ms,
        since_ms: row.since_ms,
        acknowledged_by: row
            .acknowledged_by
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|_| bad("acknowledged_by"))?,
        acknowledged_ms: row.acknowledged_ms,
    };
    let s: Summary = serde_json::from_str(&row.summary).map_err(|_| bad("summary"))?;
    Ok((h, s))
}

pub fn view(row: &HandoverRow) -> Result<HandoverView, ApiError> {
    let (h, summary) = parse(row)?;
    Ok(HandoverView {
        id: h.id,
        by: h.by,
        at: rfc3339(h.at_ms),
        summary,
        acknowledged_by: h.acknowledged_by,
        acknowledged_at: h.acknowledged_ms.map(rfc3339),
    })
}

/// The outgoing operator hands over: what the summary shows now is kept with the handover,
/// with the operator's note when there is one (blank is none; at most as long as an entry).
pub async fn hand_over(
    state: &AppState,
    p: &Principal,
    note: Option<&str>,
) -> Result<HandoverView, ApiError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        shift::check_entry(n).map_err(|mut e| {
            e.field = "note".into();
            ApiError::InvalidFields(vec![e])
        })?;
    }
    let (mut summary, since_ms) = summary(state, p).await?;
    summary.note = note.map(str::to_owned);
    let actor = p.actor();
    let mut change = Change::begin(state, &actor).await?;
    let id: HandoverId = new_id();
    let at = change.at_ms();
    change
        .record(
            "shift.handed_over",
            Some(&format!("handover:{id}")),
            json!({
                "since_ms": since_ms,
                "open_alerts": summary.open_alerts.len(),
                "incidents_changed": summary.incidents_changed.len(),
                "entries": summary.entries.len(),
                "note": summary.note.is_some(),
            }),
        )
        .await?;
    let row = HandoverRow {
        id: id.to_string(),
        org_id: p.org(),
        by_user: p.user.id.to_string(),
        at_ms: at,
        since_ms,
        summary: serde_json::to_string(&summary).map_err(|e| ApiError::Internal(e.to_string()))?,
        acknowledged_by: None,
        acknowledged_ms: None,
    };
    change.tx().insert_handover(&row).await?;
    change.commit().await?;
    view(&row)
}

/// The incoming operator acknowledges a handover of their organisation.
pub async fn acknowledge(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<HandoverView, ApiError> {
    let row = state
        .store
        .handover(p.org(), id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("handover {id}")))?;
    let (h, _) = parse(&row)?;
    let actor = p.actor();
    let mut change = Change::begin(state, &actor).await?;
    let done = shift::acknowledge(&h, p.user.id, p.org(), change.at_ms())
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    change
        .record(
            "shift.handover_acknowledged",
            Some(&format!("handover:{id}")),
            json!({"by": p.user.id}),
        )
        .await?;
    let at = done.acknowledged_ms.unwrap_or(h.at_ms);
    change
        .tx()
        .acknowledge_handover(id, &p.user.id.to_string(), at)
        .await?;
    change.commit().await?;
    let row = state
        .store
        .handover(p.org(), id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("handover {id}")))?;
    view(&row)
}
