//! The audit log through need-to-know: which of the chain's events a reader may see
//! ([`hamnvakt_core::need_to_know`] for events of no marked object; the alert's own TLP rule,
//! applied by the store, for events about an alert). The API's list and the console's page both
//! read the log through [`visible_events`], so neither can show more than the other.

use std::collections::HashMap;

use hamnvakt_core::ids::{AlertId, OrgId};
use hamnvakt_core::need_to_know::{may_read_unmarked_event, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Permission;
use hamnvakt_store::{EventPage, EventRecord, Viewer};

use crate::web::auth::Principal;
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// The reader behind a principal.
pub async fn reader(state: &AppState, p: &Principal) -> Result<Reader, ApiError> {
    let org = state.store.org(p.org()).await?;
    Ok(Reader {
        org: p.org(),
        installation_operator: org.is_some_and(|o| o.kind == OrgKind::PortAuthority),
        platform_administrator: p.can(Permission::OrganisationsManage),
        partner: p.partner(),
    })
}

/// At most this many events are read to fill one page for a reader who may see few of them.
const SCAN_LIMIT: i64 = 20_000;

/// A page of the events `reader` may see, newest first: `limit` of them, or fewer when the
/// log holds no more (or after [`SCAN_LIMIT`] events read; `next_before` then continues).
pub async fn visible_events(
    state: &AppState,
    reader: &Reader,
    kind: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<EventPage, ApiError> {
    let mut out = Vec::new();
    let mut cursor = before;
    let mut scanned = 0;
    let mut alerts: HashMap<AlertId, bool> = HashMap::new();
    loop {
        let page = state
            .store
            .list_events(kind, cursor, limit.max(100))
            .await?;
        scanned += page.events.len() as i64;
        for e in page.events {
            let seq = e.seq;
            if may_read(state, reader, &e, &mut alerts).await? {
                out.push(e);
                if out.len() as i64 == limit {
                    let next = (seq > 1).then_some(seq);
                    return Ok(EventPage {
                        events: out,
                        next_before: next,
                    });
                }
            }
        }
        match page.next_before {
            Some(n) if scanned < SCAN_LIMIT => cursor = Some(n),
            other => {
                return Ok(EventPage {
                    events: out,
                    next_before: other,
                })
            }
        }
    }
}

/// Whether `reader` may see `e`; `alerts` remembers the alerts already looked up.
async fn may_read(
    state: &AppState,
    reader: &Reader,
    e: &EventRecord,
    alerts: &mut HashMap<AlertId, bool>,
) -> Result<bool, ApiError> {
    let alert = e
        .subject
        .as_deref()
        .and_then(|s| s.strip_prefix("alert:"))
        .map(|id| id.parse::<AlertId>());
    match alert {
        Some(Ok(id)) => {
            if let Some(seen) = alerts.get(&id) {
                return Ok(*seen);
            }
            let seen = state
                .store
                .alert(
                    id,
                    &Viewer {
                        org: reader.org,
                        partner: reader.partner,
                    },
                )
                .await?
                .is_some();
            alerts.insert(id, seen);
            Ok(seen)
        }
        // An alert subject that does not parse names no alert anyone may see.
        Some(Err(_)) => Ok(false),
        None => {
            let org = e.org.as_deref().and_then(|o| o.parse::<OrgId>().ok());
            if e.org.is_some() && org.is_none() {
                return Ok(false);
            }
            Ok(may_read_unmarked_event(reader, org, &e.kind))
        }
    }
}
