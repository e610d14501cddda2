//! Raising alerts and moving them through their lifecycle.

use hamnvakt_core::alert::{self, Action, AlertDraft, AlertState};
use hamnvakt_core::ids::{AlertId, UserId};
use hamnvakt_identity::{roles, Permission};
use hamnvakt_store::{AlertRecord, NewAlert, PendingAlert, Viewer};
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

/// Validates and stores a new alert, recording `alert.raised` with the whole draft; or, when
/// it is a detector's repeat of a finding whose alert is still open, folds it into that alert
/// (`alert.repeated`: one more occurrence, last seen at `at_ms`). `at_ms` is the time of the
/// event the finding is about (the change's time when there is none); returns the alert's id.
pub async fn raise(
    state: &AppState,
    actor: &Actor,
    draft: &AlertDraft,
    at_ms: Option<i64>,
) -> Result<AlertId, ApiError> {
    check(state, draft).await?;
    let mut change = Change::begin(state, actor).await?;
    let at = at_ms.unwrap_or(change.at_ms());
    let id = raise_in(&mut change, actor, draft, at_ms, new_id()).await?;
    change.commit().await?;
    correlate(state, id, draft, at);
    Ok(id)
}

/// Hands a raised (or folded) alert to the correlator, after its commit.
fn correlate(state: &AppState, id: AlertId, draft: &AlertDraft, at_ms: i64) {
    state.correlate(crate::web::state::Happened {
        id: format!("alert:{id}"),
        at_ms,
        kind: draft.kind.clone(),
        title: draft.title.clone(),
        subjects: draft.subjects.clone(),
        owner: draft.owner_org,
        marking: draft.marking(),
        shared_with: draft.shared_with.clone(),
    });
}

/// The draft's fields, and that every organisation it names exists.
async fn check(state: &AppState, draft: &AlertDraft) -> Result<(), ApiError> {
    draft.validate().map_err(ApiError::InvalidFields)?;
    for (i, org) in draft.shared_with.iter().enumerate() {
        if state.store.org(*org).await?.is_none() {
            return Err(ApiError::field(
                &format!("shared_with[{i}]"),
                format!("no organisation {org}"),
            ));
        }
    }
    Ok(())
}

/// [`raise`] inside a change: a new alert `id`, or the fold into the open one.
async fn raise_in(
    change: &mut Change<'_>,
    actor: &Actor,
    draft: &AlertDraft,
    at_ms: Option<i64>,
    id: AlertId,
) -> Result<AlertId, ApiError> {
    let seen_ms = at_ms.unwrap_or(change.at_ms());
    let fold_key = alert::fold_key(&actor.id, draft);
    if let Some(key) = &fold_key {
        // The chain head's lock orders raisers (instances, on PostgreSQL): the second of two
        // raises of one finding sees the first's alert.
        change.tx().lock_head().await?;
        if let Some(open) = change.tx().open_alert_by_fold_key(key).await? {
            let subject = format!("alert:{}", open.id);
            change
                .record_as(
                    actor,
                    "alert.repeated",
                    Some(&subject),
                    json!({
                        "occurrences": open.occurrences + 1,
                        "seen_ms": seen_ms,
                        "severity": draft.severity.max(open.severity),
                        "title": draft.title,
                        "subjects": draft.subjects,
                        "evidence": draft.evidence,
                    }),
                )
                .await?;
            let at = change.at_ms();
            change
                .tx()
                .fold_alert(open.id, seen_ms, draft.severity, at)
                .await?;
            return Ok(open.id);
        }
    }
    let subject = format!("alert:{id}");
    change
        .record_as(
            actor,
            "alert.raised",
            Some(&subject),
            raised_payload(draft, seen_ms),
        )
        .await?;
    change
        .tx()
        .insert_alert(&NewAlert {
            id,
            draft,
            raised_by: &actor.id,
            created_ms: seen_ms,
            fold_key,
        })
        .await?;
    Ok(id)
}

/// The payload of an `alert.raised` event: the draft as raised at `created_ms`, with its
/// message code when a detector or rule made it.
pub fn raised_payload(draft: &AlertDraft, created_ms: i64) -> serde_json::Value {
    let mut payload = json!({
        "kind": draft.kind,
        "severity": draft.severity,
        "title": draft.title,
        "owner_org": draft.owner_org,
        "tlp": draft.tlp,
        "shared_with": draft.shared_with,
        "subjects": draft.subjects,
        "evidence": draft.evidence,
        "created_ms": created_ms,
    });
    if let (Some(m), Some(o)) = (&draft.message, payload.as_object_mut()) {
        o.insert("message".into(), json!(m));
    }
    if let (Some(a), Some(o)) = (draft.audience, payload.as_object_mut()) {
        o.insert("audience".into(), json!(a));
    }
    payload
}

/// A detector's finding for the outbox: written by the caller in the transaction that
/// commits what it was found in (a group of gate decisions, a batch of AIS), so that a crash
/// after that commit cannot lose it; [`drain`] raises it afterwards.
pub fn pending(
    actor: &str,
    draft: &AlertDraft,
    at_ms: Option<i64>,
    now_ms: i64,
) -> Result<PendingAlert, ApiError> {
    Ok(PendingAlert {
        id: new_id(),
        actor: actor.to_owned(),
        at_ms,
        draft: serde_json::to_string(draft).map_err(|e| ApiError::Internal(e.to_string()))?,
        created_ms: now_ms,
    })
}

/// One drain at a time in this process (another instance's is ordered by the outbox row).
static DRAINING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How many findings one transaction of the drain raises at most on SQLite: few enough that
/// the transaction holds the one writer for about as long as one group of gate decisions, so
/// a group that arrives meanwhile waits no longer than that (one on PostgreSQL,
/// [`AppState::background_batch`]).
const RAISED_TOGETHER: usize = 8;

/// Raises every finding waiting in the outbox, a few at a time ([`RAISED_TOGETHER`]) in one
/// transaction that takes them out of the outbox and raises (or folds) each, so a finding is
/// raised exactly once even when two instances drain together. Each transaction waits for a
/// moment when the gate's committer is not writing ([`AppState::idle_writer`]). When a
/// transaction fails, its findings are tried one by one, so one that cannot be written holds
/// up only itself. A finding that cannot be an alert (it fails validation) is taken out with
/// `alert.not_raised` recording why. Returns how many were taken out.
pub async fn drain(state: &AppState) -> Result<usize, ApiError> {
    let _one = DRAINING.lock().await;
    let mut raised = 0;
    loop {
        let batch = state.store.pending_alerts(100).await?;
        let n = batch.len();
        for some in batch.chunks(state.background_batch(RAISED_TOGETHER)) {
            state.idle_writer().await;
            match raise_pending(state, some).await {
                Ok(k) => raised += k,
                Err(e) if some.len() > 1 => {
                    tracing::warn!(error = %e, "raising findings from the outbox together failed; one by one");
                    for p in some {
                        match raise_pending(state, std::slice::from_ref(p)).await {
                            Ok(k) => raised += k,
                            Err(e) => {
                                tracing::warn!(error = %e, id = %p.id, "raising a finding from the outbox failed; trying again later");
                                return Ok(raised);
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "raising a finding from the outbox failed; trying again later");
                    return Ok(raised);
                }
            }
        }
        if n < 100 {
            return Ok(raised);
        }
    }
}

/// Takes `pending` out of the outbox and raises each in one transaction; returns how many
/// it took (another instance may have taken some first).
async fn raise_pending(state: &AppState, pending: &[PendingAlert]) -> Result<usize, ApiError> {
    if pending.is_empty() {
        return Ok(0);
    }
    let actor_of = |p: &PendingAlert, draft: &Result<AlertDraft, String>| Actor {
        id: p.actor.clone(),
        org: draft.as_ref().ok().map(|d| d.owner_org),
        request_id: None,
    };
    let parse = |p: &PendingAlert| -> Result<AlertDraft, String> {
        serde_json::from_str(&p.draft).map_err(|e| e.to_string())
    };
    // Checked before the transaction, so that the writer is not held over these reads.
    let mut checked = Vec::with_capacity(pending.len());
    for p in pending {
        let draft = parse(p);
        let ok = match &draft {
            Ok(d) => match check(state, d).await {
                Ok(()) => Ok(()),
                Err(ApiError::InvalidFields(f)) => Err(f
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.reason))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(e) => return Err(e),
            },
            Err(e) => Err(e.clone()),
        };
        checked.push((p, draft, ok));
    }
    // The change's own actor records nothing: each finding's events are recorded as its own.
    let opener = checked
        .first()
        .map(|(p, draft, _)| actor_of(p, draft))
        .unwrap_or_else(|| Actor::system("system:alerts"));
    let mut change = Change::begin(state, &opener).await?;
    let mut taken = 0;
    let mut raised = Vec::new();
    for (p, draft, checked) in checked {
        let actor = actor_of(p, &draft);
        if !change.tx().take_pending_alert(p.id).await? {
            continue;
        }
        taken += 1;
        match (draft, checked) {
            (Ok(d), Ok(())) => {
                let at = p.at_ms.unwrap_or(change.at_ms());
                let id = raise_in(&mut change, &actor, &d, p.at_ms, p.id).await?;
                raised.push((id, d, at));
            }
            (_, Err(why)) | (Err(why), _) => {
                tracing::error!(id = %p.id, why, "a finding in the outbox cannot be raised");
                change
                    .record_as(
                        &actor,
                        "alert.not_raised",
                        Some(&format!("finding:{}", p.id)),
                        json!({"why": why, "draft": p.draft}),
                    )
                    .await?;
            }
        }
    }
    change.commit().await?;
    for (id, d, at) in raised {
        correlate(state, id, &d, at);
    }
    Ok(taken)
}

/// Drains the outbox in the background now (after a commit that wrote to it).
pub fn drain_soon(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = drain(&state).await {
            tracing::warn!(error = %e, "draining the alert outbox failed; trying again later");
        }
    });
}

/// How often the outbox is looked at besides right after each commit that wrote to it: what
/// an instance that crashed left behind is raised by the others within this (and by itself at
/// start-up).
const SWEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// The outbox's background task: drains at start and then every [`SWEEP`].
pub async fn outbox_task(state: AppState) {
    let mut every = tokio::time::interval(SWEEP);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if state.store.is_closed() {
            break;
        }
        if let Err(e) = drain(&state).await {
            tracing::warn!(error = %e, "draining the alert outbox failed; trying again");
        }
    }
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
