//! The one alert model every detector raises into, and its lifecycle.
//!
//! An alert is about typed subjects (a person, a credential, a container, a vessel …), carries
//! the evidence that made a detector fire, belongs to one organisation and is marked with TLP.
//! Its lifecycle is open → acknowledged → assigned → closed with an outcome; the transition
//! function here is the only place that says which moves are legal, so the API, the UI and
//! the store cannot disagree about it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::alert_message::AlertMessage;
use crate::ids::{OrgId, UserId};
use crate::marking::{self, Audience, Marking, Reader};
use crate::tlp::Tlp;
use crate::validate::{self, FieldError};

/// Upper bounds on what one alert may carry, so a misbehaving detector cannot flood storage.
pub const MAX_SUBJECTS: usize = 32;
pub const MAX_EVIDENCE_BYTES: usize = 64 * 1024;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 2000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// A number that sorts like the severity (for ordering queues in SQL).
    pub fn rank(self) -> i64 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
            Severity::Critical => 4,
        }
    }
}

/// What kind of thing an alert is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Person,
    Credential,
    Vehicle,
    Container,
    Vessel,
    Zone,
    Organisation,
    Site,
    Gate,
    Consignment,
    Release,
    VesselCall,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 12] = [
        SubjectKind::Person,
        SubjectKind::Credential,
        SubjectKind::Vehicle,
        SubjectKind::Container,
        SubjectKind::Vessel,
        SubjectKind::Zone,
        SubjectKind::Organisation,
        SubjectKind::Site,
        SubjectKind::Gate,
        SubjectKind::Consignment,
        SubjectKind::Release,
        SubjectKind::VesselCall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Credential => "credential",
            SubjectKind::Vehicle => "vehicle",
            SubjectKind::Container => "container",
            SubjectKind::Vessel => "vessel",
            SubjectKind::Zone => "zone",
            SubjectKind::Organisation => "organisation",
            SubjectKind::Site => "site",
            SubjectKind::Gate => "gate",
            SubjectKind::Consignment => "consignment",
            SubjectKind::Release => "release",
            SubjectKind::VesselCall => "vessel_call",
        }
    }
}

/// A typed link from an alert to the thing it is about: the kind, the thing's key in its own
/// register (a person id, `mmsi:` and an MMSI, an ISO 6346 container number …) and a label for
/// people. Together the kind and key are one [`EntityRef`](crate::entity::EntityRef); see
/// [`SubjectRef::entity`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectRef {
    pub kind: SubjectKind,
    /// The thing's key in its register: free text, at most 200 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
        )
    )]
    pub reference: String,
    /// For people: free text, at most 200 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
        )
    )]
    pub label: Option<String>,
}

impl SubjectRef {
    /// The thing this subject names, reading the forms stored before references were typed.
    pub fn entity(&self) -> Result<crate::entity::EntityRef, crate::entity::EntityError> {
        crate::entity::EntityRef::from_subject(self)
    }

    /// A subject of `kind` from a key in any spelling its kind accepts, in canonical form; none
    /// if the key is not one (observations of outside data name only what parses).
    pub fn typed(kind: SubjectKind, key: &str, label: Option<String>) -> Option<SubjectRef> {
        crate::entity::EntityRef::parse_key(kind, key)
            .ok()
            .map(|e| e.subject(label))
    }
}

/// Checks a list of subjects (of an alert, an incident's entities): at most
/// [`MAX_SUBJECTS`], each key the canonical key of its kind (see [`crate::entity`]), each
/// label one line.
pub fn check_subjects(field: &str, subjects: &[SubjectRef]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if subjects.len() > MAX_SUBJECTS {
        errors.push(FieldError::new(
            field,
            format!("at most {MAX_SUBJECTS} subjects"),
        ));
    }
    for (i, s) in subjects.iter().enumerate() {
        let path = format!("{field}[{i}].reference");
        if let Err(e) = validate::text(&path, &s.reference, 200) {
            errors.push(e);
        } else {
            match crate::entity::EntityRef::parse_key(s.kind, &s.reference) {
                Err(e) => errors.push(FieldError::new(path, e.reason)),
                Ok(e) if e.key() != s.reference => {
                    errors.push(FieldError::new(path, format!("write it as {:?}", e.key())))
                }
                Ok(_) => {}
            }
        }
        if let Some(label) = &s.label {
            if let Err(e) = validate::name(&format!("{field}[{i}].label"), label, 200) {
                errors.push(e);
            }
        }
    }
    errors
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Open,
    Acknowledged,
    Assigned,
    Closed,
}

impl AlertState {
    pub const ALL: [AlertState; 4] = [
        AlertState::Open,
        AlertState::Acknowledged,
        AlertState::Assigned,
        AlertState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Assigned => "assigned",
            AlertState::Closed => "closed",
        }
    }
}

/// How an alert ended.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AlertOutcome))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Real and acted upon (an incident, a seizure, a revoked badge).
    Confirmed,
    /// The detector was wrong.
    FalsePositive,
    /// Real, but harmless (a known contractor working late with permission).
    Benign,
    /// Another alert covers it.
    Duplicate,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Confirmed,
        Outcome::FalsePositive,
        Outcome::Benign,
        Outcome::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::FalsePositive => "false_positive",
            Outcome::Benign => "benign",
            Outcome::Duplicate => "duplicate",
        }
    }
}

macro_rules! from_str_via_all {
    ($($t:ty),*) => {$(
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = <$t>::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown value {s:?}; expected one of {}", names.join(", "))
                })
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
from_str_via_all!(Severity, SubjectKind, AlertState, Outcome);

/// What a detector (or a person, or a partner system) hands in to raise an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertDraft {
    /// A dotted lowercase code naming the detector and pattern: `access.repeated_denials`.
    pub kind: String,
    pub severity: Severity,
    /// The title in English: a person's free text, or a detector's [`AlertMessage`]
    /// rendered in English (for API and STIX consumers).
    pub title: String,
    /// What a detector or rule said, as a code with parameters, rendered in the reader's
    /// language wherever people see the alert; `None` for alerts people raise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<AlertMessage>,
    pub subjects: Vec<SubjectRef>,
    pub evidence: serde_json::Value,
    pub owner_org: OrgId,
    pub tlp: Tlp,
    /// Who the owner gives the alert to, chosen when it is raised and never widened after:
    /// within what the TLP allows ([`Marking::validate`]). `None` (every detector's alerts)
    /// is the audience the TLP implies ([`Marking::of_alert`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// Organisations the owner named: the recipients of an AMBER or RED alert, or of one
    /// given to the named audience.
    pub shared_with: Vec<OrgId>,
}

impl AlertDraft {
    /// The alert's marking (see [`Marking::of_alert`]).
    pub fn marking(&self) -> Marking {
        Marking::of_alert(self.tlp, self.audience, &self.shared_with)
    }

    /// Checks every field and reports all problems at once, each with its field path.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = validate_kind(&self.kind) {
            errors.push(e);
        }
        if let Err(e) = validate::name("title", &self.title, MAX_TITLE_CHARS) {
            errors.push(e);
        }
        errors.extend(check_subjects("subjects", &self.subjects));
        let evidence_len = serde_json::to_vec(&self.evidence)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if evidence_len > MAX_EVIDENCE_BYTES {
            errors.push(FieldError::new(
                "evidence",
                format!("must be at most {MAX_EVIDENCE_BYTES} bytes as JSON"),
            ));
        }
        match self.audience {
            // The audience is the owner's choice, checked as every marking is: within what
            // the TLP allows, recipients exactly for the named audience.
            Some(audience) => {
                let marking = Marking {
                    tlp: self.tlp,
                    audience,
                    recipients: self.shared_with.clone(),
                };
                if let Err(e) = marking.validate("marking", self.owner_org) {
                    errors.extend(e.into_iter().map(|mut f| {
                        f.field = match f.field.as_str() {
                            "marking.audience" => "audience".into(),
                            _ => "shared_with".into(),
                        };
                        f
                    }));
                }
            }
            None => {
                if self.tlp == Tlp::AmberStrict && !self.shared_with.is_empty() {
                    errors.push(FieldError::new(
                        "shared_with",
                        "TLP:AMBER+STRICT is for the owner's organisation only: name no recipients, or mark it TLP:AMBER",
                    ));
                }
                if self.shared_with.contains(&self.owner_org) {
                    errors.push(FieldError::new(
                        "shared_with",
                        "must not name the owning organisation",
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// An alert kind is `area.pattern`: lowercase ASCII letters, digits and underscores in two to
/// four dot-separated parts, at most 64 characters.
pub fn validate_kind(kind: &str) -> Result<(), FieldError> {
    let parts: Vec<&str> = kind.split('.').collect();
    let part_ok = |p: &&str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if kind.len() > 64 || parts.len() < 2 || parts.len() > 4 || !parts.iter().all(part_ok) {
        return Err(FieldError::new(
            "kind",
            "must look like area.pattern (lowercase letters, digits, underscores; 2 to 4 parts)",
        ));
    }
    Ok(())
}

/// What makes two findings "the same finding", so that a repeat folds into the alert still
/// open for it (its count and last-seen time go up) instead of queueing again; `None` for an
/// alert that never folds.
///
/// Only detectors' findings fold (`raised_by` is `detector:…`): a person or a partner system
/// raising twice means two alerts. A finding is the same when it is the same detector's
/// pattern (`kind`), for the same owner, about the same things:
///
/// - gate detectors (`access.*`): the credential, the person and the zone, not the gates —
///   the same card refused at another gate is the same finding again;
/// - AIS detectors (`ais.*`): the vessel, or both vessels of an encounter, in any order;
/// - every other detector: all its subjects, in any order.
pub fn fold_key(raised_by: &str, draft: &AlertDraft) -> Option<String> {
    if !raised_by.starts_with("detector:") {
        return None;
    }
    let counts =
        |s: &&SubjectRef| !(draft.kind.starts_with("access.") && s.kind == SubjectKind::Gate);
    let mut subjects: Vec<String> = draft
        .subjects
        .iter()
        .filter(counts)
        .map(|s| format!("{}={}", s.kind.as_str(), s.reference))
        .collect();
    subjects.sort();
    subjects.dedup();
    Some(format!(
        "{}|{}|{}",
        draft.kind,
        draft.owner_org,
        subjects.join("|")
    ))
}

/// A request to move an alert along its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Assign {
        to: UserId,
    },
    Close {
        outcome: Outcome,
    },
    /// Open a closed alert again (its outcome goes; the audit chain keeps it).
    Reopen,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::Assign { .. } => "assign",
            Action::Close { .. } => "close",
            Action::Reopen => "reopen",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an alert that is {from} cannot be {}", past(action))]
pub struct TransitionError {
    pub from: AlertState,
    pub action: &'static str,
}

fn past(action: &str) -> String {
    match action {
        "reopen" => "reopened".into(),
        other => format!("{other}d"),
    }
}

/// The lifecycle. Acknowledging is only for open alerts; assigning is allowed from open
/// (it acknowledges on the way) and re-assigning from assigned; closing is allowed from any
/// state but closed. Only a closed alert is reopened, and it is open again.
pub fn transition(from: AlertState, action: &Action) -> Result<AlertState, TransitionError> {
    let to = match (from, action) {
        (AlertState::Open, Action::Acknowledge) => AlertState::Acknowledged,
        (
            AlertState::Open | AlertState::Acknowledged | AlertState::Assigned,
            Action::Assign { .. },
        ) => AlertState::Assigned,
        (
            AlertState::Open | AlertState::Acknowledged | AlertState::Assigned,
            Action::Close { .. },
        ) => AlertState::Closed,
        (AlertState::Closed, Action::Reopen) => AlertState::Open,
        _ => {
            return Err(TransitionError {
                from,
                action: action.name(),
            })
        }
    };
    Ok(to)
}

/// Whether a reader may see an alert: the one rule of [`crate::marking`], with the alert's
/// marking as [`Marking::of_alert`] gives it — the owner always; then the audience the owner
/// chose, or without one the TLP's: the port community for CLEAR and GREEN, for AMBER and RED
/// the organisations the owner named, for AMBER+STRICT nobody else (a draft naming recipients
/// under it is refused, see [`AlertDraft::validate`], and the rule holds whatever was stored).
pub fn visible_to(
    owner: OrgId,
    tlp: Tlp,
    audience: Option<Audience>,
    shared_with: &[OrgId],
    reader: &Reader,
) -> bool {
    marking::may_see(
        owner,
        &Marking::of_alert(tlp, audience, shared_with),
        reader,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Id;

    #[test]
    fn the_same_finding_per_detector() {
        let owner = Id::from_random_bytes([1; 16]);
        let s = |kind, r: &str| SubjectRef {
            kind,
            reference: r.into(),
            label: None,
        };
        let d = |kind: &str, subjects| AlertDraft {
            kind: kind.into(),
            severity: Severity::High,
            title: "t".into(),
            message: None,
            subjects,
            evidence: serde_json::Value::Null,
            owner_org: owner,
            tlp: Tlp::Amber,
            audience: None,
            shared_with: vec![],
        };
        let card = |gate| {
            vec![
                s(SubjectKind::Credential, "C-1"),
                s(SubjectKind::Person, "person:1"),
                s(SubjectKind::Gate, gate),
            ]
        };
        let k = |kind, subjects| fold_key("detector:x", &d(kind, subjects));
        // Gate detectors: another gate is the same finding; another card is not.
        assert_eq!(
            k("access.repeated_denials", card("G1")),
            k("access.repeated_denials", card("G5"))
        );
        assert_ne!(
            k("access.repeated_denials", card("G1")),
            k(
                "access.repeated_denials",
                vec![s(SubjectKind::Credential, "C-2")]
            )
        );
        assert_ne!(
            k("access.repeated_denials", card("G1")),
            k("access.impossible_travel", card("G1"))
        );
        // AIS: both vessels of an encounter, in either order.
        let a = vec![
            s(SubjectKind::Vessel, "mmsi:1"),
            s(SubjectKind::Vessel, "mmsi:2"),
        ];
        let b = vec![
            s(SubjectKind::Vessel, "mmsi:2"),
            s(SubjectKind::Vessel, "mmsi:1"),
        ];
        assert_eq!(k("ais.encounter", a.clone()), k("ais.encounter", b));
        assert_ne!(
            k("ais.encounter", a),
            k("ais.encounter", vec![s(SubjectKind::Vessel, "mmsi:1")])
        );
        // Elsewhere a gate is part of the finding.
        assert_ne!(
            k("release.driver_mismatch", card("G1")),
            k("release.driver_mismatch", card("G5"))
        );
        // People and partner systems never fold.
        assert_eq!(
            fold_key("user:1", &d("access.repeated_denials", card("G1"))),
            None
        );
        assert_eq!(fold_key("token:1", &d("ais.gap", vec![])), None);
    }

    #[test]
    fn lifecycle_table() {
        use AlertState::*;
        let user = Id::from_random_bytes([1; 16]);
        let cases = [
            (Open, Action::Acknowledge, Some(Acknowledged)),
            (Acknowledged, Action::Acknowledge, None),
            (Assigned, Action::Acknowledge, None),
            (Closed, Action::Acknowledge, None),
            (Open, Action::Assign { to: user }, Some(Assigned)),
            (Acknowledged, Action::Assign { to: user }, Some(Assigned)),
            (Assigned, Action::Assign { to: user }, Some(Assigned)),
            (Closed, Action::Assign { to: user }, None),
            (
                Open,
                Action::Close {
                    outcome: Outcome::Benign,
                },
                Some(Closed),
            ),
            (
                Acknowledged,
                Action::Close {
                    outcome: Outcome::Confirmed,
                },
                Some(Closed),
            ),
            (
                Assigned,
                Action::Close {
                    outcome: Outcome::FalsePositive,
                },
                Some(Closed),
            ),
            (
                Closed,
                Action::Close {
                    outcome: Outcome::Duplicate,
                },
                None,
            ),
            (Closed, Action::Reopen, Some(Open)),
            (Open, Action::Reopen, None),
            (Acknowledged, Action::Reopen, None),
            (Assigned, Action::Reopen, None),
        ];
        for (from, action, want) in cases {
            assert_eq!(
                transition(from, &action).ok(),
                want,
                "{from:?} + {action:?}"
            );
        }
    }

    #[test]
    fn visibility_follows_tlp_and_named_organisations() {
        let owner = Id::from_random_bytes([1; 16]);
        let named = Id::from_random_bytes([2; 16]);
        let other = Id::from_random_bytes([3; 16]);
        let reader = |org| Reader {
            org,
            partner: false,
        };
        let (owner_r, named_r, other_r) = (reader(owner), reader(named), reader(other));
        let partner = Reader {
            org: Id::from_random_bytes([4; 16]),
            partner: true,
        };
        for tlp in Tlp::ALL {
            assert!(visible_to(owner, tlp, None, &[named], &owner_r));
            // The port community's alerts are not the partner ports'.
            assert!(!visible_to(owner, tlp, None, &[named], &partner), "{tlp}");
            // TLP 2.0: AMBER+STRICT is the organisation only, named recipients or not.
            assert_eq!(
                visible_to(owner, tlp, None, &[named], &named_r),
                tlp != Tlp::AmberStrict,
                "{tlp}"
            );
            assert_eq!(
                visible_to(owner, tlp, None, &[named], &other_r),
                tlp.community_wide(),
                "{tlp}"
            );
        }
    }

    #[test]
    fn kinds_must_be_dotted_codes() {
        for ok in ["access.repeated_denials", "ais.gap", "cargo.high_risk.top2"] {
            assert!(validate_kind(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "access",
            "Access.denied",
            "a..b",
            "a.b c",
            "a.b.c.d.e",
            ".a",
        ] {
            assert!(validate_kind(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_draft_reports_every_bad_field() {
        let owner = Id::from_random_bytes([1; 16]);
        let draft = AlertDraft {
            kind: "Bad".into(),
            severity: Severity::High,
            title: " ".into(),
            message: None,
            subjects: vec![SubjectRef {
                kind: SubjectKind::Person,
                reference: "".into(),
                label: None,
            }],
            evidence: serde_json::json!({}),
            owner_org: owner,
            tlp: Tlp::Amber,
            audience: None,
            shared_with: vec![owner],
        };
        let errors = draft.validate().err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["kind", "title", "subjects[0].reference", "shared_with"]
        );
    }
}
