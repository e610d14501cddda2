//! Identity and authorisation rules of Hamnvakt, free of storage and HTTP: the roles and what
//! each may do, argon2id password hashing, the format of session and API tokens, and the
//! policy that throttles failed logins.
//!
//! Hashing a password is deliberately slow (tens of milliseconds); callers on an async
//! runtime must run [`password::hash`] and [`password::verify`] on a blocking thread.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod password;
pub mod roles;
pub mod secret;
pub mod throttle;

pub use roles::{Permission, Role};
