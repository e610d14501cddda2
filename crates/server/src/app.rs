//! One running instance put together: the platform state, each capability's own state, the
//! router that merges every capability's `routes()` under the middleware, and the OpenAPI
//! document merged from every capability's paths.
//!
//! This is the only file (with `cli/` and `main.rs`) above the capability folders: imports run
//! `app` → capabilities → `web` and the domain crates, never back.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::routing::get;
use axum::{Json, Router};
use hamnvakt_core::Clock;
use hamnvakt_store::Store;
use utoipa::OpenApi;

use crate::web::config::Config;
use crate::web::error::ApiError;
use crate::web::metrics::Metrics;
use crate::web::openapi::SecurityAddon;
use crate::web::state::AppState;
use crate::{
    access, alerts, assessment, audit, identity, incidents, maritime, release, sharing, sites,
    targeting, witness,
};

/// Everything one instance holds: the platform state (through `Deref`, so `instance.store`
/// and `&instance` where an `&AppState` is wanted both work), the access engine with the
/// register and presence in memory, and the AIS ingest with the vessel picture.
#[derive(Clone)]
pub struct Instance {
    pub state: AppState,
    /// Gate decisions and the access register in memory.
    pub access: Arc<access::Engine>,
    /// AIS ingest and the vessel picture.
    pub ais: Arc<maritime::Ingest>,
    /// The live indicators and the partner feeds' client.
    pub sharing: Arc<sharing::Sharing>,
    /// Witnessing's counters.
    pub witness: Arc<witness::WitnessMetrics>,
    /// Correlation across capabilities.
    pub correlation: Arc<crate::correlation::Correlation>,
}

impl std::ops::Deref for Instance {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.state
    }
}

impl Instance {
    pub fn new(store: Store, config: Config, clock: Arc<dyn Clock>) -> Instance {
        let mut metrics = Metrics::new();
        let access = Arc::new(access::Engine::new(
            config.access,
            config.detectors,
            metrics.registry(),
        ));
        let ais = Arc::new(maritime::Ingest::new(&config.ais, metrics.registry()));
        let witness = Arc::new(witness::WitnessMetrics::register(metrics.registry()));
        Instance {
            state: AppState::new(store, config, clock, metrics, Some(access.clone())),
            access,
            ais,
            sharing: Arc::default(),
            witness,
            correlation: Arc::default(),
        }
    }

    /// The sharing capability's view of this instance.
    pub fn sharing_state(&self) -> sharing::SharingState {
        sharing::SharingState {
            app: self.state.clone(),
            sharing: self.sharing.clone(),
        }
    }

    /// The access capability's view of this instance.
    pub fn access_state(&self) -> access::AccessState {
        access::AccessState {
            app: self.state.clone(),
            access: self.access.clone(),
        }
    }

    /// The assessment capability's view of this instance.
    pub fn assessment_state(&self) -> assessment::AssessmentState {
        assessment::AssessmentState {
            app: self.state.clone(),
            access: self.access.clone(),
            ais: self.ais.clone(),
        }
    }

    /// The maritime capability's view of this instance.
    pub fn correlation_state(&self) -> crate::correlation::CorrelationState {
        crate::correlation::CorrelationState {
            app: self.state.clone(),
            engine: self.correlation.clone(),
        }
    }

    pub fn entity_state(&self) -> crate::entities::EntityState {
        crate::entities::EntityState {
            app: self.state.clone(),
            access: self.access.clone(),
            ais: self.ais.clone(),
        }
    }

    pub fn maritime_state(&self) -> maritime::MaritimeState {
        maritime::MaritimeState {
            app: self.state.clone(),
            ais: self.ais.clone(),
        }
    }

    /// Checks the end of the audit chain, loads what the instance keeps in memory and starts
    /// its background tasks. Call once, after migrating and before serving.
    ///
    /// A chain whose end does not verify (an event stored past the head, a broken link in
    /// the last [`TAIL_CHECKED`] events) would make every later append fail: every sign-in
    /// would answer 500 and every gate deny. So the instance refuses to start, saying where
    /// the chain breaks, unless it was started read-only to investigate: then the store
    /// refuses every write, and the register is loaded for reading but no gate decided, no
    /// feed ingested and no background writer started.
    pub async fn start(&self) -> Result<(), ApiError> {
        let tail = self.store.verify_tail(TAIL_CHECKED).await?;
        let (head_seq, head_hash) = (tail.head_seq, tail.head_hash.clone());
        self.metrics.set_chain_head(head_seq, &head_hash);
        if self.config.read_only {
            self.store.set_read_only();
            if let hamnvakt_store::ChainStatus::Broken { seq, reason } = &tail.status {
                tracing::error!(seq, reason = %reason, "the audit chain is broken; serving read-only");
            }
            self.access.reload_register(&self.store).await?;
            return Ok(());
        }
        if let hamnvakt_store::ChainStatus::Broken { seq, reason } = tail.status {
            return Err(ApiError::Internal(format!(
                "the audit chain is broken at event {seq}: {reason}. Refusing to serve: every \
                 write would fail. `hamnvakt audit verify` checks the whole chain; \
                 `hamnvakt serve --read-only` serves it for investigation without writing"
            )));
        }
        // Findings a crash left in the outbox, committed with their decisions or AIS batch
        // but not yet raised, are raised before anything else.
        let raised = alerts::drain(&self.state).await?;
        if raised > 0 {
            tracing::info!(raised, "raised findings left in the alert outbox");
        }
        tokio::spawn(alerts::outbox_task(self.state.clone()));
        access::start(&self.access_state()).await?;
        maritime::start(&self.maritime_state())
            .await
            .map_err(|e| ApiError::Internal(format!("cannot start an AIS source: {e}")))?;
        crate::correlation::start(
            &self.correlation,
            &self.state,
            self.access.clone(),
            self.ais.clone(),
        )
        .await?;
        let indicators = sharing::start(self.sharing_state()).await?;
        tracing::info!(indicators, "live indicators loaded");
        self.state.start_checkpoints();
        witness::start(&self.state, self.witness.clone())?;
        tokio::spawn(identity::housekeeping(self.state.clone()));
        Ok(())
    }
}

/// How many of the newest events [`Instance::start`] verifies before serving.
pub const TAIL_CHECKED: i64 = 10_000;

/// Every route of every capability, under the middleware.
pub fn router(instance: &Instance) -> Router {
    let routes = Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route(
            "/",
            get(
                |crate::web::auth::UiUser(p): crate::web::auth::UiUser| async move {
                    axum::response::Redirect::to(crate::web::layout::home(&p))
                },
            ),
        )
        .merge(crate::web::layout::routes())
        .merge(identity::routes())
        .merge(alerts::routes())
        .merge(incidents::routes())
        .merge(audit::routes())
        .merge(sites::routes())
        .merge(targeting::routes())
        .merge(witness::routes())
        .merge(access::routes().with_state(instance.access_state()))
        .merge(release::routes().with_state(instance.access_state()))
        .merge(maritime::routes().with_state(instance.maritime_state()))
        .merge(crate::entities::routes().with_state(instance.entity_state()))
        .merge(crate::correlation::routes().with_state(instance.correlation_state()))
        .merge(sharing::routes().with_state(instance.sharing_state()))
        .merge(assessment::routes().with_state(instance.assessment_state()));
    crate::web::middleware::wrap(routes, instance.state.clone())
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    instance: Instance,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(&instance);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hamnvakt API",
        description = "Security platform for seaports: alerts, sign-in, organisations and the audit chain. \
                       Errors are RFC 9457 problem documents with a stable `code` and a `request_id`.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    components(schemas(crate::web::error::Problem, crate::web::error::ProblemField)),
    modifiers(&SecurityAddon),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "alerts", description = "The one alert queue"),
        (name = "admin", description = "Organisations, users, roles and API tokens"),
        (name = "audit", description = "The append-only, hash-chained event log"),
        (name = "sites", description = "The port's sites"),
        (name = "vessels", description = "The AIS vessel picture"),
        (name = "cargo", description = "Consignments for cargo risk targeting"),
        (name = "access", description = "Perimeter and access control: the register, gate decisions, ISPS levels, occupancy and policies"),
        (name = "sharing", description = "Need-to-know sharing: indicators, modi operandi and sightings under TLP 2.0 and an audience; STIX 2.1 export and import; partner feeds over TAXII 2.1 (the TAXII server is at /taxii2/)"),
        (name = "releases", description = "Secure container release: the release right from the shipping line to one named driver and truck, and its three lights"),
        (name = "entities", description = "One picture of one thing across the capabilities: a container, consignment, vessel, vessel call, person, card, vehicle, organisation, release, gate, zone or site, with its links, port calls, alerts and incidents, as far as the reader may see them"),
        (name = "assessments", description = "Vulnerability assessment: the harmonised catalogue of controls, facility assessments with risk-ranked gaps, evidence measured from the running system, the best-practice library and the comparison across ports"),
    )
)]
struct ApiFrame;

/// The OpenAPI 3.1 document: the frame with every capability's paths.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiFrame::openapi();
    for part in [
        access::openapi(),
        identity::openapi(),
        alerts::openapi(),
        incidents::openapi(),
        audit::openapi(),
        sites::openapi(),
        maritime::openapi(),
        targeting::openapi(),
        sharing::openapi(),
        witness::openapi(),
        release::openapi(),
        assessment::openapi(),
        crate::correlation::openapi(),
        crate::entities::openapi(),
    ] {
        doc.merge(part);
    }
    crate::web::openapi::declare_platform_answers(&mut doc);
    doc
}

/// The OpenAPI 3.1 document, built once.
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    Json(DOC.get_or_init(openapi).clone())
}
