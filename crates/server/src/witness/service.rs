//! The use cases: signing our chain head, and keeping a partner's signed checkpoint of theirs.

use ed25519_dalek::SigningKey;
use hamnvakt_core::witness::{self, Checkpoint};
use hamnvakt_store::CheckpointRow;
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// The event kinds this capability records; a chain whose only news since the last
/// checkpoint is these is not signed again (two partners would otherwise sign each other's
/// receipts for ever).
pub const KIND_PREFIX: &str = "witness.";

/// Signs the chain head if it moved since the last checkpoint by anything but witnessing, and
/// keeps the checkpoint (with an event saying so). Returns the new checkpoint, if any.
pub async fn sign_head(
    state: &AppState,
    key: &SigningKey,
) -> Result<Option<CheckpointRow>, ApiError> {
    let (head_seq, head_hash) = state.store.chain_head().await?;
    if head_seq == 0 {
        return Ok(None);
    }
    if let Some(last) = state.store.latest_signed_checkpoint().await? {
        if last.seq >= head_seq {
            return Ok(None);
        }
        let since = state.store.events_after(last.seq, 64).await?;
        if since.len() < 64 && since.iter().all(|e| e.kind.starts_with(KIND_PREFIX)) {
            return Ok(None);
        }
    }
    let cp = Checkpoint {
        installation: state.config.witness.installation.clone(),
        seq: head_seq,
        head_hash,
        at_ms: state.now_ms(),
    };
    let row = CheckpointRow {
        signature: cp.sign(key),
        public_key: witness::public_key_hex(&key.verifying_key()),
        installation: cp.installation,
        seq: cp.seq,
        head_hash: cp.head_hash,
        at_ms: cp.at_ms,
        received_ms: cp.at_ms,
    };
    let actor = Actor::system("system");
    let mut change = Change::begin(state, &actor).await?;
    change
        .record(
            "witness.checkpoint_signed",
            None,
            json!({"seq": row.seq, "head_hash": row.head_hash, "signature": row.signature}),
        )
        .await?;
    change.tx().insert_signed_checkpoint(&row).await?;
    change.commit().await?;
    Ok(Some(row))
}

/// A checkpoint as a partner sends it.
#[derive(Debug, Clone)]
pub struct Offered {
    pub installation: String,
    pub seq: i64,
    pub head_hash: String,
    pub at_ms: i64,
    pub signature: String,
}

/// What became of an offered checkpoint.
#[derive(Debug)]
pub enum Received {
    /// Kept now.
    Kept(CheckpointRow),
    /// We already held this one (or one with the same head at the same sequence number).
    AlreadyHeld(CheckpointRow),
}

/// Keeps a partner's checkpoint after checking that the installation is a configured partner
/// and the signature is its key's. A refusal for an unknown partner or a bad signature, and a
/// checkpoint that contradicts one we hold (the partner signed two histories), are recorded
/// as events before the error is answered.
pub async fn receive(state: &AppState, actor: &Actor, o: Offered) -> Result<Received, ApiError> {
    let mut errors = Vec::new();
    if !witness::valid_installation(&o.installation) {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "installation",
            "must be 1 to 64 letters, digits, '.', '-' or '_'",
        ));
    }
    if o.seq < 1 {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "seq",
            "must be at least 1",
        ));
    }
    if !witness::valid_hash(&o.head_hash) {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "head_hash",
            "must be 64 lowercase hex digits",
        ));
    }
    if o.at_ms < 0 {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "at_ms",
            "must not be negative",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    let Some(partner) = state.config.witness.partner(&o.installation) else {
        refuse(state, actor, &o, "not a witness partner").await?;
        return Err(ApiError::Forbidden(format!(
            "{} is not a witness partner of this installation",
            o.installation
        )));
    };
    let cp = Checkpoint {
        installation: o.installation.clone(),
        seq: o.seq,
        head_hash: o.head_hash.clone(),
        at_ms: o.at_ms,
    };
    if let Err(e) = cp.verify(&partner.public_key, &o.signature) {
        refuse(state, actor, &o, "bad signature").await?;
        return Err(ApiError::field("signature", e.to_string()));
    }
    let row = CheckpointRow {
        installation: o.installation.clone(),
        seq: o.seq,
        head_hash: o.head_hash.clone(),
        at_ms: o.at_ms,
        public_key: witness::public_key_hex(&partner.public_key),
        signature: o.signature.clone(),
        received_ms: state.now_ms(),
    };
    if let Some(held) = state
        .store
        .received_checkpoint(&o.installation, o.seq)
        .await?
    {
        if held.head_hash == o.head_hash {
            return Ok(Received::AlreadyHeld(held));
        }
        let subject = format!("witness:{}", o.installation);
        let mut change = Change::begin(state, actor).await?;
        change
            .record(
                "witness.checkpoint_conflict",
                Some(&subject),
                json!({
                    "installation": o.installation, "seq": o.seq,
                    "held_hash": held.head_hash, "held_signature": held.signature,
                    "offered_hash": o.head_hash, "offered_at_ms": o.at_ms,
                    "offered_signature": o.signature,
                }),
            )
            .await?;
        change.commit().await?;
        tracing::error!(
            installation = %o.installation, seq = o.seq,
            "a partner signed two different chain heads for the same event: its history was rewritten"
        );
        return Err(ApiError::Conflict(format!(
            "we hold a checkpoint of {} at event {} with head {}; this one names {}: the history was rewritten",
            o.installation, o.seq, held.head_hash, o.head_hash
        )));
    }
    let subject = format!("witness:{}", o.installation);
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "witness.checkpoint_received",
            Some(&subject),
            json!({
                "installation": row.installation, "seq": row.seq, "head_hash": row.head_hash,
                "at_ms": row.at_ms, "signature": row.signature,
            }),
        )
        .await?;
    change.tx().insert_received_checkpoint(&row).await?;
    change.commit().await?;
    Ok(Received::Kept(row))
}

async fn refuse(
    state: &AppState,
    actor: &Actor,
    o: &Offered,
    reason: &str,
) -> Result<(), ApiError> {
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "witness.checkpoint_refused",
            None,
            json!({
                "installation": o.installation, "seq": o.seq, "head_hash": o.head_hash,
                "reason": reason,
            }),
        )
        .await?;
    change.commit().await
}
