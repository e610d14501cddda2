//! The server's integration tests, in one binary (each extra test binary is another slow
//! link): the API on a real server on port 0, the `hamnvakt` binary killed mid-burst, bad
//! input, configuration, and the workspace's architecture invariants.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

mod access;
mod admin_console;
mod ais;
mod alert_queue;
mod api;
mod assessment;
mod bad_input;
mod binary;
mod cargo;
mod cluster;
mod correlation;
mod durability;
mod helpers;
mod incidents;
mod invariants;
mod need_to_know;
mod nonsense;
mod openapi_walk;
mod practices_shared;
mod release;
mod release_gate;
mod security;
mod sharing;
mod sharing_analysis;
mod sharing_matching;
mod sharing_versions;
mod taxii_server;
mod witness;
