//! What a detector or rule says about its finding, as a message code with parameters rather
//! than an English sentence, so each reader sees an alert's title in their own language. The
//! server renders each code in Swedish and English (`server/src/alerts/words.rs`, where a
//! missing translation does not compile) and keeps the English rendering as the alert's
//! `title` for API and STIX consumers. Alerts people raise through the API have no message:
//! their free-text title is shown as written.
//!
//! Stored as `{"code": "alert.access.repeated_denials", "params": {...}}`. Numbers are kept
//! as numbers, rounded where they were measured, so each language writes them its own way.

use serde::{Deserialize, Serialize};

/// One detector-made title. Parameters are names and numbers, never sentences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params")]
pub enum AlertMessage {
    /// A suspended, lost, revoked or expired credential presented at a gate.
    #[serde(rename = "alert.access.inactive_credential_used")]
    InactiveCredentialUsed {
        credential: String,
        /// The credential's state code (`suspended`, `lost`, `revoked`, `expired` …).
        state: String,
        gate: String,
    },
    #[serde(rename = "alert.access.impossible_travel")]
    ImpossibleTravel {
        credential: String,
        from_gate: String,
        to_gate: String,
        minutes: i64,
    },
    #[serde(rename = "alert.access.repeated_denials")]
    RepeatedDenials {
        credential: String,
        count: u32,
        minutes: u32,
        gates: u32,
    },
    #[serde(rename = "alert.access.unusual_hours")]
    UnusualHours {
        person: String,
        gate: String,
        /// Local time of day, `HH:MM`.
        local_time: String,
    },
    #[serde(rename = "alert.access.first_sensitive_zone")]
    FirstSensitiveZone { person: String, zone: String },
    #[serde(rename = "alert.access.anti_passback")]
    AntiPassback { credential: String, gate: String },
    /// A person let into a sensitive zone with no task there (`person` is empty when the
    /// register has no name).
    #[serde(rename = "alert.access.stack_outside_task")]
    StackOutsideTask {
        person: String,
        zone: String,
        local_time: String,
    },
    /// An MMSI whose MID no country holds (`flag`: the flag the vessel declares, when known).
    #[serde(rename = "alert.ais.mid_unallocated")]
    MidUnallocated {
        mmsi: u32,
        mid: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        flag: Option<String>,
    },
    #[serde(rename = "alert.ais.mid_flag_mismatch")]
    MidFlagMismatch {
        mmsi: u32,
        mid: u16,
        /// The country code the MID is allocated to.
        country: String,
        flag: String,
    },
    #[serde(rename = "alert.ais.impossible_jump")]
    ImpossibleJump {
        mmsi: u32,
        km: f64,
        minutes: i64,
        knots: i64,
    },
    #[serde(rename = "alert.ais.gap")]
    Gap { mmsi: u32, minutes: i64 },
    #[serde(rename = "alert.ais.drift")]
    Drift { mmsi: u32, minutes: i64 },
    #[serde(rename = "alert.ais.sudden_speed_change")]
    SuddenSpeedChange {
        mmsi: u32,
        from_kn: f64,
        to_kn: f64,
        seconds: i64,
    },
    #[serde(rename = "alert.ais.loitering")]
    Loitering { mmsi: u32, hours: f64, mean_kn: f64 },
    #[serde(rename = "alert.ais.name_change")]
    NameChange { mmsi: u32, from: String, to: String },
    #[serde(rename = "alert.ais.imo_change")]
    ImoChange { mmsi: u32, from: u32, to: u32 },
    /// One IMO number transmitted by two MMSIs.
    #[serde(rename = "alert.ais.imo_shared")]
    ImoShared { imo: u32, mmsi: u32, other: u32 },
    #[serde(rename = "alert.ais.encounter")]
    Encounter {
        mmsi: u32,
        other: u32,
        minutes: i64,
        distance_m: i64,
        speed_kn: f64,
    },
    /// A consignment in the day's top share by risk; `subject` is its container number, or
    /// its declaration when it has none.
    #[serde(rename = "alert.cargo.high_risk")]
    HighRisk {
        subject: String,
        top_percent: f64,
        risk: f64,
        rank_percent: f64,
        /// Its place in the day's ranking (1 the riskiest) and how many were ranked; absent
        /// in alerts raised before they were kept.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rank: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<u32>,
    },
    #[serde(rename = "alert.release.driver_mismatch")]
    DriverMismatch { container: String },
    #[serde(rename = "alert.sharing.indicator_sighted")]
    IndicatorSighted { seen_by: String, indicator: String },
    #[serde(rename = "alert.sharing.indicator_matched")]
    IndicatorMatched {
        indicator: String,
        /// The indicator's kind of value (`plate`, `container`, `mmsi` …).
        kind: String,
        value: String,
    },
    #[serde(rename = "alert.incident.escalated")]
    IncidentEscalated { agency: String, incident: String },
    /// A correlation rule matched: its code and its name as the rule was stored (a built-in
    /// rule under its built-in name is translated; a rule someone wrote keeps its name).
    #[serde(rename = "alert.correlation")]
    Correlation { rule: String, name: String },
}

impl AlertMessage {
    /// The alert kind this message is written for (`access.repeated_denials`); correlation
    /// alerts are `correlation.<rule code>`.
    pub fn kind(&self) -> String {
        let k = match self {
            AlertMessage::InactiveCredentialUsed { .. } => "access.inactive_credential_used",
            AlertMessage::ImpossibleTravel { .. } => "access.impossible_travel",
            AlertMessage::RepeatedDenials { .. } => "access.repeated_denials",
            AlertMessage::UnusualHours { .. } => "access.unusual_hours",
            AlertMessage::FirstSensitiveZone { .. } => "access.first_sensitive_zone",
            AlertMessage::AntiPassback { .. } => "access.anti_passback",
            AlertMessage::StackOutsideTask { .. } => "access.stack_outside_task",
            AlertMessage::MidUnallocated { .. } => "ais.mid_unallocated",
            AlertMessage::MidFlagMismatch { .. } => "ais.mid_flag_mismatch",
            AlertMessage::ImpossibleJump { .. } => "ais.impossible_jump",
            AlertMessage::Gap { .. } => "ais.gap",
            AlertMessage::Drift { .. } => "ais.drift",
            AlertMessage::SuddenSpeedChange { .. } => "ais.sudden_speed_change",
            AlertMessage::Loitering { .. } => "ais.loitering",
            AlertMessage::NameChange { .. }
            | AlertMessage::ImoChange { .. }
            | AlertMessage::ImoShared { .. } => "ais.identity_change",
            AlertMessage::Encounter { .. } => "ais.encounter",
            AlertMessage::HighRisk { .. } => "cargo.high_risk",
            AlertMessage::DriverMismatch { .. } => "release.driver_mismatch",
            AlertMessage::IndicatorSighted { .. } => "sharing.indicator_sighted",
            AlertMessage::IndicatorMatched { .. } => "sharing.indicator_matched",
            AlertMessage::IncidentEscalated { .. } => "incident.escalated",
            AlertMessage::Correlation { rule, .. } => return format!("correlation.{rule}"),
        };
        k.to_owned()
    }

    /// The stored code (`alert.access.repeated_denials`).
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_as_a_code_with_parameters() {
        let m = AlertMessage::RepeatedDenials {
            credential: "C-1001".into(),
            count: 3,
            minutes: 20,
            gates: 2,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            json!({"code": "alert.access.repeated_denials", "params": {"credential": "C-1001", "count": 3, "minutes": 20, "gates": 2}})
        );
        assert_eq!(serde_json::from_value::<AlertMessage>(v).unwrap(), m);
        assert_eq!(m.code(), "alert.access.repeated_denials");
        assert_eq!(m.kind(), "access.repeated_denials");
        let c = AlertMessage::Correlation {
            rule: "cargo_vessel_gate".into(),
            name: "x".into(),
        };
        assert_eq!(c.kind(), "correlation.cargo_vessel_gate");
        assert!(serde_json::from_value::<AlertMessage>(json!({"code": "alert.nope"})).is_err());
    }
}
