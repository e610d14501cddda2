//! `POST /api/v1/releases/coreor`: a shipping line (or its agent) sends the EDIFACT COREOR
//! interchange it sends terminals today, and each release order in it is applied through the
//! same use cases as the JSON API: an original issues the release, a cancel withdraws it, a
//! replace re-issues a withdrawn one (or issues one not yet known). An interchange that does
//! not parse is refused whole (422, naming the segment and byte where reading stopped and
//! why); one that parses is answered per order, each with its outcome or the problem document
//! of its refusal. The receipt is itself an audit event.

use axum::extract::State;
use axum::Json;
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::validate::FieldError;
use hamnvakt_identity::Permission;
use hamnvakt_release::coreor::{self, Function, ReleaseOrder};
use hamnvakt_release::ReleaseId;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::service::{self, IssueRequest, Step};
use crate::access::AccessState;
use crate::web::auth::Principal;
use crate::web::change::{Actor, Change};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::EdifactBody;

/// What became of one release order (one container of one message).
#[derive(Debug, Serialize, ToSchema)]
pub struct CoreorOutcome {
    /// The message's reference (`UNH`).
    pub message_ref: String,
    /// The release reference (`RFF+RE`, else `BGM`).
    pub reference: String,
    /// `original`, `replace` or `cancel`.
    pub function: String,
    pub container: String,
    pub bill_of_lading: String,
    /// `issued`, `withdrawn`, `reissued` or `refused`.
    pub outcome: String,
    /// The release the order issued or changed.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub release: Option<ReleaseId>,
    /// Why the order was refused (RFC 9457).
    pub problem: Option<Problem>,
}

/// The answer to an interchange: one entry per release order, in the order sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoreorReport {
    pub orders: Vec<CoreorOutcome>,
}

fn function_name(f: Function) -> &'static str {
    match f {
        Function::Original => "original",
        Function::Replace => "replace",
        Function::Cancel => "cancel",
    }
}

/// Applies the release orders of a COREOR interchange. The release-to party (`NAD+FW`, else
/// `NAD+CN` or `NAD+CZ`) is named by its Hamnvakt organisation id, the code this platform
/// gives each party. Shipping lines and their agents only.
#[utoipa::path(post, path = "/releases/coreor", tag = "releases",
    request_body(content = String, content_type = "text/plain",
        description = "An EDIFACT interchange of COREOR messages (UNA optional), as text/plain or application/edifact"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CoreorReport),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn receive(
    State(state): State<AccessState>,
    p: Principal,
    EdifactBody(body): EdifactBody,
) -> Result<Json<CoreorReport>, ApiError> {
    p.require(Permission::ReleaseAct)?;
    let org = p.org();
    if state.store.org(org).await?.map(|o| o.kind) != Some(OrgKind::ShippingLine) {
        return Err(ApiError::forbidden(
            "release orders are for shipping lines and their agents",
        ));
    }
    let actor = p.actor();
    let orders = match coreor::parse(&body) {
        Ok(orders) => orders,
        Err(e) => {
            let mut change = Change::begin(&state, &actor).await?;
            change
                .record(
                    "release.coreor_refused",
                    None,
                    json!({ "bytes": body.len(), "segment": e.segment, "offset": e.offset, "reason": e.reason }),
                )
                .await?;
            change.commit().await?;
            return Err(ApiError::InvalidFields(vec![FieldError::new(
                format!("body (segment {}, byte {})", e.segment, e.offset),
                e.reason,
            )]));
        }
    };
    let mut out = Vec::with_capacity(orders.len());
    for order in &orders {
        let done = apply(&state, &actor, org, order).await;
        let (outcome, release, problem) = match done {
            Ok((what, id)) => (what.to_owned(), Some(id), None),
            Err(e) => {
                if let ApiError::Internal(cause) = &e {
                    tracing::error!(error = %cause, container = %order.container, "a release order failed");
                }
                ("refused".to_owned(), None, Some(e.problem()))
            }
        };
        out.push(CoreorOutcome {
            message_ref: order.message_ref.clone(),
            reference: order.reference.clone(),
            function: function_name(order.function).to_owned(),
            container: order.container.clone(),
            bill_of_lading: order.bill_of_lading.clone(),
            outcome,
            release,
            problem,
        });
    }
    let mut change = Change::begin(&state, &actor).await?;
    change
        .record(
            "release.coreor_received",
            None,
            json!({
                "bytes": body.len(),
                "orders": out.iter().map(|o| json!({
                    "message_ref": o.message_ref, "reference": o.reference, "function": o.function,
                    "container": o.container, "bill_of_lading": o.bill_of_lading,
                    "outcome": o.outcome, "release": o.release,
                    "code": o.problem.as_ref().map(|p| p.code.clone()),
                })).collect::<Vec<_>>(),
            }),
        )
        .await?;
    change.commit().await?;
    Ok(Json(CoreorReport { orders: out }))
}

/// One order through the use cases: what it did and to which release.
async fn apply(
    state: &AccessState,
    actor: &Actor,
    org: OrgId,
    order: &ReleaseOrder,
) -> Result<(&'static str, ReleaseId), ApiError> {
    let existing = state
        .store
        .releases_of_container(&order.container)
        .await?
        .into_iter()
        .find(|r| r.bill_of_lading == order.bill_of_lading);
    let existing_id = existing
        .as_ref()
        .map(|r| {
            r.id.parse::<ReleaseId>()
                .map_err(|_| ApiError::Internal(format!("stored release id {} is no UUID", r.id)))
        })
        .transpose()?;
    match (order.function, existing_id) {
        (Function::Cancel, None) => Err(ApiError::NotFound(format!(
            "release of container {} on bill of lading {}",
            order.container, order.bill_of_lading
        ))),
        (Function::Cancel, Some(id)) => {
            service::act(state, actor, org, id, Step::Withdraw).await?;
            Ok(("withdrawn", id))
        }
        (Function::Replace, Some(id)) => {
            let withdrawn = existing.as_ref().is_some_and(|r| r.state == "withdrawn");
            if !withdrawn {
                return Err(ApiError::Conflict(format!(
                    "{}: the release of container {} is {}; cancel it before replacing it",
                    if existing.as_ref().is_some_and(|r| r.state == "collected") {
                        "release_collected"
                    } else {
                        "release_active"
                    },
                    order.container,
                    existing.as_ref().map(|r| r.state.as_str()).unwrap_or("?"),
                )));
            }
            service::act(
                state,
                actor,
                org,
                id,
                Step::Reissue {
                    expires_ms: order.expires_ms,
                },
            )
            .await?;
            Ok(("reissued", id))
        }
        (Function::Original, Some(_)) => Err(ApiError::Conflict(format!(
            "a release of container {} on bill of lading {} exists already",
            order.container, order.bill_of_lading
        ))),
        (Function::Original | Function::Replace, None) => {
            let release_to = order
                .release_to
                .as_deref()
                .ok_or_else(|| ApiError::field("NAD+FW", "the order names no release-to party"))?
                .parse::<OrgId>()
                .map_err(|_| {
                    ApiError::field("NAD+FW", "the release-to party must be its organisation id")
                })?;
            let r = service::issue(
                state,
                actor,
                org,
                IssueRequest {
                    container: order.container.clone(),
                    bill_of_lading: order.bill_of_lading.clone(),
                    line: None,
                    release_to,
                    facility: None,
                    expires_ms: order.expires_ms,
                },
            )
            .await?;
            Ok(("issued", r.id))
        }
    }
}
