//! Witnessing: partner installations keep each other's signed audit-chain heads, so that a
//! history rewritten with every hash recomputed — which the chain's own verification cannot
//! tell from the real one — is caught.
//!
//! Each installation has an ed25519 key in its data directory (`key.rs`). At every
//! `witness.interval_seconds` a background task (`publisher.rs`) signs the chain head when it
//! moved (`service.rs`: the checkpoint is kept in `witness_signed` with a
//! `witness.checkpoint_signed` event) and posts the newest checkpoint to each configured
//! partner, authenticated with the API token that partner issued us. A partner checks the
//! signature against the public key configured for us and keeps the checkpoint
//! (`witness_received`, append-only, a `witness.checkpoint_received` event); refusals and a
//! contradicting checkpoint are audited too. `hamnvakt audit verify --witness` (`verify.rs`)
//! reads back what every partner holds of us and checks each checkpoint against the local
//! event at its sequence number.
//!
//! Public items: [`routes`] (`/api/v1/witness/…`), [`openapi`], [`start`], the key file
//! ([`load_or_create_key`], [`load_key`]), [`sign_head`] and [`verify`].

mod api;
mod key;
mod publisher;
mod service;
mod verify;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use utoipa::OpenApi;

use crate::web::error::ApiError;
use crate::web::state::AppState;

pub use key::{load as load_key, load_or_create as load_or_create_key, KeyError, KEY_FILE};
pub use service::sign_head;
pub use verify::{verify, SourceReport, WitnessReport};

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route(
            "/witness/checkpoints",
            get(api::received).post(api::deposit),
        )
        .route("/witness/signed", get(api::signed))
        .route("/witness/key", get(api::key));
    Router::new().nest("/api/v1", api)
}

#[derive(OpenApi)]
#[openapi(paths(api::deposit, api::received, api::signed, api::key))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PartnerLabels {
    pub partner: String,
}

/// What `/metrics` shows of witnessing: alert on a partner whose acknowledged sequence number
/// stops following the signed one.
#[derive(Debug, Default)]
pub struct WitnessMetrics {
    /// The sequence number of the newest checkpoint signed.
    pub signed_seq: Gauge,
    /// Per partner, the newest checkpoint it acknowledged (this run).
    pub acknowledged_seq: Family<PartnerLabels, Gauge>,
    /// Per partner, publications that failed.
    pub publish_failures: Family<PartnerLabels, Counter>,
}

impl WitnessMetrics {
    pub fn register(registry: &mut Registry) -> WitnessMetrics {
        let m = WitnessMetrics::default();
        registry.register(
            "witness_signed_seq",
            "Sequence number of the newest signed checkpoint of the audit chain",
            m.signed_seq.clone(),
        );
        registry.register(
            "witness_acknowledged_seq",
            "Newest checkpoint each partner acknowledged since start",
            m.acknowledged_seq.clone(),
        );
        registry.register(
            "witness_publish_failures",
            "Checkpoint publications to a partner that failed",
            m.publish_failures.clone(),
        );
        m
    }
}

/// Loads (or creates) the installation's key and starts signing and publishing. Call once,
/// from `Instance::start`, on an instance that writes.
pub fn start(state: &AppState, metrics: Arc<WitnessMetrics>) -> Result<(), ApiError> {
    let key = key::load_or_create(&state.config.data_dir)
        .map_err(|e| ApiError::Internal(format!("the witness key: {e}")))?;
    tracing::info!(
        installation = %state.config.witness.installation,
        public_key = %hamnvakt_core::witness::public_key_hex(&key.verifying_key()),
        partners = state.config.witness.partners.len(),
        "witnessing the audit chain"
    );
    publisher::start(state.clone(), key, metrics);
    Ok(())
}
