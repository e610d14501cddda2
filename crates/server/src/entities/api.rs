//! The entity page as JSON (`GET /api/v1/entities/{kind:key}`) and its part of the OpenAPI
//! document.

use axum::extract::State;
use axum::Json;
use utoipa::OpenApi;

use super::{page::parse, profile, EntityState, Profile};
use crate::web::auth::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::ApiPath;

/// What the reader may see about one thing: its record's facts, the things it is linked to
/// (each with its state where it has one), its port calls, and the alerts and incidents naming
/// it. Each part is there only as far as the reader's permissions and scope allow, and alerts
/// and incidents by their marking; a thing the reader may see nothing of answers with the
/// reference alone, the same as a thing the port does not know.
#[utoipa::path(get, path = "/entities/{reference}", tag = "entities",
    params(("reference" = String, Path,
        description = "The thing, as `kind:key`: `container:MSKU4839210`, `vessel:mmsi:265547250`, \
                       `vessel:imo:9214432`, `vessel_call:mmsi:265547250/SENYN/2026-12-05` (a `/` \
                       may be sent as `%2F`), `consignment:<declaration>`, `person:<id>`, \
                       `credential:<card number>`, `vehicle:<plate>`, `organisation:<id>`, \
                       `release:<id>`, `gate:<code>`, `zone:<code>`, `site:<code>`",
        example = "container:MSKU4839210")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Profile),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "The reference is not `kind:key`, names no kind, or its key does not \
                           parse for that kind (a container number whose check digit is wrong)"),
    ))]
pub async fn get_entity(
    State(state): State<EntityState>,
    p: Principal,
    ApiPath(reference): ApiPath<String>,
) -> Result<Json<Profile>, ApiError> {
    let e = parse(&reference)?;
    Ok(Json(profile(&state, &p, e).await?))
}

#[derive(OpenApi)]
#[openapi(paths(get_entity))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
