//! Cargo risk targeting: what customs uses to choose the few percent of consignments it can
//! open.
//!
//! - [`mapping`]: which columns of a declaration file are the id, the label, categories and
//!   numbers (the KCS declaration format is built in; others come from a JSON file), and the
//!   reading of such files with row-and-column errors.
//! - [`features`]: consignment records into a numeric matrix, with the category codes kept in
//!   the model so that scoring encodes exactly as training did.
//! - [`gbdt`]: our gradient-boosted decision trees (histogram, leaf-wise), behind the
//!   [`RiskModel`] trait so the library can change.
//! - [`calibrate`]: Platt scaling of a model's log-odds and the reliability table that checks
//!   it on held-out outcomes.
//! - [`metrics`]: precision, recall and value caught at the top n %, with exact top-k, and AUC.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod calibrate;
pub mod consignment;
pub mod csvfile;
pub mod features;
pub mod gbdt;
pub mod mapping;
pub mod metrics;
pub mod model;
pub mod outcome;
pub mod profile;
pub mod report;
pub mod select;
pub mod simulate;

pub use model::{Calibration, RiskModel, TrainOptions, TrainedModel};
