//! The Hamnvakt server: wires the capability crates and the store to HTTP, the console and the
//! command line. Nothing depends on this crate; it depends on everything.
//!
//! - [`config`]: strict configuration with environment overrides.
//! - [`app`]: the router and its middleware; [`api`] the JSON API; [`ui`] the console.
//! - [`service`]: the use cases both of them call, each one transaction with its event.
//! - [`cli`]: the `hamnvakt` subcommands; [`demo`] applies the demo generator.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod access;
pub mod ais;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod service;
pub mod state;
pub mod ui;
