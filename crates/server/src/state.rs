//! What every handler shares: the store, the configuration, the clock and the metrics.
//!
//! The system clock is read here and nowhere else in the workspace; everything below takes
//! the time as an argument.

use std::sync::Arc;

use hamnvakt_core::{Clock, Id};
use hamnvakt_store::Store;
use jiff::Timestamp;
use rand::RngCore;

use crate::access::Engine;
use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Gate decisions and the access register in memory.
    pub access: Arc<Engine>,
}

impl AppState {
    pub fn new(store: Store, config: Config, clock: Arc<dyn Clock>) -> AppState {
        let access = Arc::new(Engine::new(config.access, config.detectors));
        AppState {
            store,
            config: Arc::new(config),
            clock,
            metrics: Arc::new(Metrics::new()),
            access,
        }
    }

    /// Loads what the server keeps in memory and starts its background writers. Call once,
    /// after migrating and before serving.
    pub async fn start(&self) -> Result<(), ApiError> {
        Engine::start(self).await
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}

/// A fresh random id.
pub fn new_id<T>() -> Id<T> {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Id::from_random_bytes(bytes)
}

/// The operating system's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
