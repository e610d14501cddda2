//! The frame of the OpenAPI 3.1 document: its description, server, the two ways to
//! authenticate and the problem document every error is. Each capability contributes its
//! own paths (its `openapi()`), and `app.rs` merges them into this frame.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
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
