//! The platform every capability stands on: request authentication ([`auth`]), problem
//! documents ([`error`]), bounded extractors ([`extract`]), the shared state with the clock
//! ([`state`]), configuration ([`config`]), metrics ([`metrics`]), the middleware
//! ([`middleware`]), the one way to write ([`change`]), the console's page frame ([`layout`]),
//! its words in Swedish and English ([`i18n`]), time formats ([`time`]), the OpenAPI
//! document's frame ([`openapi`]) and live streams that follow the audit chain ([`sse`]).
//!
//! Nothing here belongs to one capability, and nothing here imports a capability folder: the
//! capabilities import this, and `app.rs` wires them together.

pub mod auth;
pub mod change;
pub mod config;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod layout;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod sse;
pub mod state;
pub mod time;
