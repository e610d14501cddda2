//! The `[ais]` section of the server's configuration: where AIS comes from, how it is
//! de-duplicated and sampled, and the settings of the port visits, detectors and risk score.
//! Plain data, read strictly (an unknown key is an error that names it); the server runs it.

use std::path::PathBuf;

use serde::Deserialize;

use crate::ports::{Port, VisitSettings};

/// One configured source (`[[ais.sources]]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SourceConfig {
    /// Connect to a feed that serves raw NMEA over TCP; reconnect with backoff.
    Tcp { address: String },
    /// Accept receivers that connect and push NMEA.
    TcpListen { listen: String },
    /// Receive NMEA datagrams.
    Udp { listen: String },
    /// Replay a recorded file; `speed` 1 is real time, 60 a minute per second, 0 as fast as
    /// possible. Receive times come from the file (tag blocks, `$PGHP`).
    File {
        path: PathBuf,
        #[serde(default)]
        speed: f64,
    },
}

/// `[ais]` settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AisConfig {
    pub sources: Vec<SourceConfig>,
    /// Decoded messages waiting for the vessel picture before new ones are dropped.
    pub queue: usize,
    /// The same transmission heard again within this many milliseconds is a duplicate.
    pub dedup_window_ms: i64,
    /// Thresholds of the behaviour detectors.
    pub behaviour: crate::behaviour::BehaviourSettings,
    /// How tracks are downsampled and how long they are kept.
    pub track: TrackConfig,
    /// The ports and terminals with their geofences; the built-in list (the Ports of
    /// Stockholm, their routes' counterparts and the high-risk ports) when not given.
    pub ports: Option<Vec<Port>>,
    /// Thresholds of the port-visit logic.
    pub visits: VisitSettings,
    /// The vessel risk score's weights and high-risk ports.
    pub risk: crate::risk::RiskSettings,
    /// A tile URL template for the live map's base layer (`https://tiles.example/{z}/{x}/{y}.png`);
    /// none by default, so the map works with no internet.
    pub map_tile_url: Option<String>,
    pub map_attribution: Option<String>,
}

/// `[ais.track]`: a point is stored when this much time has passed since the vessel's last
/// stored point, or it turned or changed speed by this much (but not more often than every
/// `min_interval_s`); points older than the retention are deleted hourly.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackConfig {
    pub interval_s: i64,
    pub min_interval_s: i64,
    pub turn_deg: f64,
    pub speed_change_kn: f64,
    pub retention_days: i64,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            interval_s: 60,
            min_interval_s: 10,
            turn_deg: 15.0,
            speed_change_kn: 3.0,
            retention_days: 90,
        }
    }
}

impl Default for AisConfig {
    fn default() -> Self {
        AisConfig {
            sources: Vec::new(),
            queue: 10_000,
            dedup_window_ms: 2_000,
            behaviour: Default::default(),
            track: TrackConfig::default(),
            ports: None,
            visits: VisitSettings::default(),
            risk: Default::default(),
            map_tile_url: None,
            map_attribution: None,
        }
    }
}
