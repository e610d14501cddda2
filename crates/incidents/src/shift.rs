//! The shift log and the handover: operators write what happened during their shift; at the
//! change of shift the outgoing operator hands over — the open alerts, the incidents changed
//! and the entries written since the last handover — and the incoming operator acknowledges
//! it. The log is the organisation's own (it is not shared); who wrote what is audited.

use hamnvakt_core::ids::{Id, OrgId, UserId};
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

#[derive(Debug)]
pub enum EntryKind {}
pub type EntryId = Id<EntryKind>;
#[derive(Debug)]
pub enum HandoverKind {}
pub type HandoverId = Id<HandoverKind>;

/// At most this long one log entry.
pub const MAX_ENTRY_CHARS: usize = 4000;

/// Checks an entry's text.
pub fn check_entry(text: &str) -> Result<(), FieldError> {
    validate::text("text", text, MAX_ENTRY_CHARS)
}

/// The window a handover covers: from the previous handover (or from the beginning of the
/// log) to now, both ends included, so nothing written in the very millisecond of a handover
/// falls between two shifts (what the previous handover showed is left out by identity).
pub fn window(previous_ms: Option<i64>, now_ms: i64) -> (i64, i64) {
    (previous_ms.unwrap_or(i64::MIN).min(now_ms), now_ms)
}

/// A handover as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handover {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: HandoverId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub org: OrgId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub by: UserId,
    pub at_ms: i64,
    /// The previous handover's time; `None` for the first.
    pub since_ms: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub acknowledged_by: Option<UserId>,
    pub acknowledged_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    #[error("the handover was acknowledged already")]
    Acknowledged,
    #[error(
        "the outgoing operator cannot acknowledge their own handover: the incoming operator does"
    )]
    OwnHandover,
    #[error("the handover belongs to another organisation")]
    OtherOrganisation,
}

/// The incoming operator acknowledges a handover.
pub fn acknowledge(
    h: &Handover,
    by: UserId,
    by_org: OrgId,
    now_ms: i64,
) -> Result<Handover, HandoverError> {
    if by_org != h.org {
        return Err(HandoverError::OtherOrganisation);
    }
    if h.acknowledged_by.is_some() {
        return Err(HandoverError::Acknowledged);
    }
    if by == h.by {
        return Err(HandoverError::OwnHandover);
    }
    Ok(Handover {
        acknowledged_by: Some(by),
        acknowledged_ms: Some(now_ms.max(h.at_ms)),
        ..h.clone()
    })
}
