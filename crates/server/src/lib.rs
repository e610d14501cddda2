//! The Hamnvakt server: wires the capability crates and the store to HTTP, the console and the
//! command line. Nothing depends on this crate; it depends on everything.
//!
//! One folder per capability, each with its API handlers, console pages, use cases and
//! background tasks behind one `routes()`: [`access`], [`alerts`], [`assessment`], [`audit`], [`identity`],
//! [`maritime`], [`sites`], [`targeting`], [`witness`]. Below them [`web`], the platform they share. Above
//! them [`app`], which puts an instance together and merges their routes, and [`cli`], the
//! `hamnvakt` subcommands.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod access;
pub mod alerts;
pub mod app;
pub mod assessment;
pub mod audit;
pub mod cli;
pub mod correlation;
pub mod entities;
pub mod identity;
pub mod incidents;
pub mod maritime;
pub mod release;
pub mod sharing;
pub mod sites;
pub mod targeting;
pub mod web;
pub mod witness;
