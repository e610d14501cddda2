//! The frame of the OpenAPI 3.1 document: its description, server, the two ways to
//! authenticate, the problem document every error is, and the errors every operation can
//! answer because of the platform (authentication, bodies, parameters, read-only). Each
//! capability contributes its own paths (its `openapi()`), and `app.rs` merges them into
//! this frame.

use utoipa::openapi::content::{Content, ContentBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::Modify;

/// Adds the bearer-token and session-cookie security schemes the paths refer to.
pub struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("hvt_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::web::auth::SESSION_COOKIE,
                "browser session; state-changing requests also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// The answers an operation gives because of the platform beneath its handler, whatever the
/// handler does: 401 and 403 where it authenticates (no valid token or session; a role that
/// lacks the permission, or a session without its CSRF token), 400, 413 and 415 where it
/// reads a body (not JSON, larger than the limit, another content type), 422 where it reads
/// parameters or a body (a value that does not parse or is out of bounds), 503 where it
/// writes (an instance serving read-only). Each is a problem document; so is every error a
/// handler declares, whose content type this sets to `application/problem+json`.
pub fn declare_platform_answers(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (false, &mut item.get),
            (false, &mut item.head),
            (true, &mut item.put),
            (true, &mut item.post),
            (true, &mut item.delete),
            (true, &mut item.patch),
        ];
        for (writes, op) in operations {
            if let Some(op) = op {
                declare(op, writes);
            }
        }
    }
}

/// The media type of problem documents (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

fn declare(op: &mut Operation, writes: bool) {
    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            as_problem_json(response);
        }
    }
    let authenticated = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_parameters = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem(description)));
    };
    if authenticated {
        add(
            "401",
            "No valid bearer token or session (`WWW-Authenticate` says how)",
        );
        add(
            "403",
            "Your roles do not allow this, or a session's request lacks its `X-CSRF-Token`",
        );
    }
    if has_body {
        add("400", "The body is not well-formed JSON");
        add(
            "413",
            "The body is larger than the configured limit (`max_request_body_bytes`)",
        );
        add(
            "415",
            "The body is not of the declared content type (`Content-Type`)",
        );
    }
    if has_body || has_parameters {
        add(
            "422",
            "A parameter or field is missing, malformed or out of bounds; `errors` names each",
        );
    }
    if writes {
        add(
            "503",
            "The instance serves read-only (for investigation) and refuses writes",
        );
    }
}

/// A declared error whose body is the problem document: its content type is
/// `application/problem+json`, not the `application/json` utoipa assumes.
fn as_problem_json(response: &mut Response) {
    let is_problem = |c: &Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
    if let Some(content) = response.content.get("application/json") {
        if is_problem(content) {
            let content = content.clone();
            response.content.shift_remove("application/json");
            response.content.insert(PROBLEM_JSON.to_owned(), content);
        }
    }
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The schema of a string that is one of `values`: for enums of domain crates that derive no
/// schema, listed from the enum itself so that the document cannot miss a value.
pub fn string_enum<I: IntoIterator<Item = String>>(
    values: I,
    description: &str,
) -> RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

/// The schema of one event of a `text/event-stream` answer (before OpenAPI 3.2, a stream's
/// schema describes each event): its name, one of `names`, and its data, a JSON document
/// as text.
pub fn server_sent_event(names: &[&str], data: &str) -> RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .property(
            "event",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names.iter().copied())),
        )
        .property(
            "data",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(data)),
        )
        .property("id", ObjectBuilder::new().schema_type(Type::String))
        .property("retry", ObjectBuilder::new().schema_type(Type::Integer))
        .required("event")
        .required("data")
        .description(Some("One server-sent event"))
        .into()
}
