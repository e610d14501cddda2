//! Raising alerts and moving them through their lifecycle.

use hamnvakt_core::alert::{self, Action, AlertDraft, AlertState};
use hamnvakt_core::ids::{AlertId, UserId};
use hamnvakt_identity::{roles, Permission};
use hamnvakt_store::{AlertRecord, NewAlert, Viewer};
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

/// Validates and stores a new alert, recording `alert.raised` with the whole draft.
pub async fn raise(
    state: &AppState,
    actor: &Actor,
    draft: &AlertDraft,
    at_ms: Option<i64>,
) -> Result<AlertId, ApiError> {
    draft.validate().map_err(ApiError::InvalidFields)?;
    for (i, org) in draft.shared_with.iter().enumerate() {
        if state.store.org(*org).await?.is_none() {
            return Err(ApiError::field(
                &format!("shared_with[{i}]"),
                format!("no organisation {org}"),
            ));
        }
    }
    let id: AlertId = new_id();
    let mut change = Change::begin(state, actor).await?;
    let created_ms = at_ms.unwrap_or(change.at_ms());
    let subject = format!("alert:{id}");
    change
        .record(
            "alert.raised",
            Some(&subject),
            json!({
                "kind": draft.kind,
                "severity": draft.severity,
                "title": draft.title,
                "owner_org": draft.owner_org,
                "tlp": draft.tlp,
                "shared_with": draft.shared_with,
                "subjects": draft.subjects,
                "evidence": draft.evidence,
                "created_ms": created_ms,
            }),
        )
        .await?;
    change
        .tx()
        .insert_alert(&NewAlert {
            id,
            draft,
            raised_by: &actor.id,
            created_ms,
        })
        .await?;
    change.commit().await?;
    state.correlate(crate::web::state::Happened {
        id: subject,
        at_ms: created_ms,
        kind: draft.kind.clone(),
        title: draft.title.clone(),
        subjects: draft.subjects.clone(),
        owner: draft.owner_org,
        tlp: draft.tlp,
        shared_with: draft.shared_with.clone(),
    });
    Ok(id)
}

/// Moves an alert along its lifecycle. Only the owning organisation and the organisations it
/// was shared with by name may move it; community-wide visibility does not grant that.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: AlertId,
    action: Action,
    note: Option<&str>,
) -> Result<AlertRecord, ApiError> {
    let org = actor
        .org
        .ok_or_else(|| ApiError::forbidden("acting on alerts needs an organisation"))?;
    // Moving an alert needs ownership or being named (below), which a partner port's
    // organisation may be as well as a member.
    let viewer = Viewer::member(org);
    let current = state
        .store
        .alert(id, &viewer)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))?;
    if current.owner_org != org && !current.shared_with.contains(&org) {
        return Err(ApiError::forbidden(
            "only the owning organisation and those it named may act on this alert",
        ));
    }
    if let Some(n) = note {
        hamnvakt_core::validate::text("note", n, alert::MAX_NOTE_CHARS)
            .map_err(|e| ApiError::InvalidFields(vec![e]))?;
    }
    if let Action::Assign { to } = &action {
        check_assignee(state, &current, *to).await?;
    }
    let mut change = Change::begin(state, actor).await?;
    let (from, _) = change
        .tx()
        .alert_state_for_update(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))?;
    let to = alert::transition(from, &action).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let (assignee, outcome) = match &action {
        Action::Assign { to } => (Some(*to), None),
        Action::Close { outcome } => (None, Some(*outcome)),
        Action::Acknowledge | Action::Reopen => (None, None),
    };
    let kind = match action {
        Action::Acknowledge => "alert.acknowledged",
        Action::Assign { .. } => "alert.assigned",
        Action::Close { .. } => "alert.closed",
        Action::Reopen => "alert.reopened",
    };
    change
        .record(
            kind,
            Some(&format!("alert:{id}")),
            json!({"from": from, "to": to, "assignee": assignee, "outcome": outcome, "note": note}),
        )
        .await?;
    let at = change.at_ms();
    if kind == "alert.reopened" {
        // Its outcome and closing note go (the chain keeps them), and so does a merge's link.
        change.tx().reopen_alert(&id.to_string(), at).await?;
    } else {
        change
            .tx()
            .update_alert_state(id, from, to, assignee, outcome, note, at)
            .await?;
    }
    change.commit().await?;
    state
        .store
        .alert(id, &viewer)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))
}

/// Merges a duplicate into the alert it repeats: the duplicate is closed with the outcome
/// `duplicate` and keeps a link to the other, which the actor must be able to see too.
pub async fn merge(
    state: &AppState,
    actor: &Actor,
    id: AlertId,
    into: AlertId,
    note: Option<&str>,
) -> Result<AlertRecord, ApiError> {
    let org = actor
        .org
        .ok_or_else(|| ApiError::forbidden("acting on alerts needs an organisation"))?;
    let viewer = Viewer::member(org);
    if id == into {
        return Err(ApiError::field(
            "into",
            "an alert is not a duplicate of itself",
        ));
    }
    let target = state
        .store
        .alert(into, &viewer)
        .await?
        .ok_or_else(|| ApiError::field("into", format!("no alert {into}")))?;
    if let Some(further) = state.store.alert_duplicate_of(&into.to_string()).await? {
        return Err(ApiError::field(
            "into",
            format!("alert {into} is itself a duplicate of {further}: merge into that one"),
        ));
    }
    let current = state
        .store
        .alert(id, &viewer)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))?;
    if current.owner_org != org && !current.shared_with.contains(&org) {
        return Err(ApiError::forbidden(
            "only the owning organisation and those it named may act on this alert",
        ));
    }
    if let Some(n) = note {
        hamnvakt_core::validate::text("note", n, alert::MAX_NOTE_CHARS)
            .map_err(|e| ApiError::InvalidFields(vec![e]))?;
    }
    let action = Action::Close {
        outcome: alert::Outcome::Duplicate,
    };
    let mut change = Change::begin(state, actor).await?;
    let (from, _) = change
        .tx()
        .alert_state_for_update(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))?;
    let to = alert::transition(from, &action).map_err(|e| ApiError::Conflict(e.to_string()))?;
    change
        .record(
            "alert.merged",
            Some(&format!("alert:{id}")),
            json!({"from": from, "to": to, "duplicate_of": target.id, "note": note}),
        )
        .await?;
    let at = change.at_ms();
    let tx = change.tx();
    tx.update_alert_state(
        id,
        from,
        to,
        None,
        Some(alert::Outcome::Duplicate),
        note,
        at,
    )
    .await?;
    tx.insert_alert_duplicate(&id.to_string(), &into.to_string(), at)
        .await?;
    change.commit().await?;
    state
        .store
        .alert(id, &viewer)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))
}

/// An assignee must exist, be enabled, may triage alerts, and belong to the owner or a named
/// organisation.
async fn check_assignee(state: &AppState, alert: &AlertRecord, to: UserId) -> Result<(), ApiError> {
    let user = state
        .store
        .user(to)
        .await?
        .ok_or_else(|| ApiError::field("assignee", format!("no user {to}")))?;
    if user.disabled {
        return Err(ApiError::field("assignee", "the user is disabled"));
    }
    if !roles::allows(&user.roles, Permission::AlertsTriage) {
        return Err(ApiError::field(
            "assignee",
            "the user has no role that triages alerts",
        ));
    }
    if user.org_id != alert.owner_org && !alert.shared_with.contains(&user.org_id) {
        return Err(ApiError::field(
            "assignee",
            "the user's organisation may not act on this alert",
        ));
    }
    Ok(())
}

/// States an operator's queue shows by default.
pub const ACTIVE: [AlertState; 3] = [
    AlertState::Open,
    AlertState::Acknowledged,
    AlertState::Assigned,
];
