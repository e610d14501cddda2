//! One assessment of one facility, as a PFSA is done: the assets, the threat scenarios with
//! their risk, an answer per control with its evidence, and the action plan; every change an
//! [`Edit`] applied by [`Assessment::apply`] (the server records each as an audited event).
//! What is derived — the gaps ranked by risk, the summary a trend is drawn from — is computed,
//! never stored.

use std::collections::BTreeMap;

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

use crate::catalogue::{is_date, Catalogue, Measure};
use crate::scale;

/// Bounds on one assessment.
pub const MAX_ASSETS: usize = 200;
pub const MAX_SCENARIOS: usize = 200;
pub const MAX_ACTIONS: usize = 500;

/// An answer to a control.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AnswerStatus))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Implemented,
    Partly,
    Not,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Implemented,
        Status::Partly,
        Status::Not,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Partly => "partly",
            Status::Not => "not",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// How much of the control is missing: 1 for not, ½ for partly, 0 otherwise.
    pub fn shortfall(self) -> f64 {
        match self {
            Status::Not => 1.0,
            Status::Partly => 0.5,
            Status::Implemented | Status::NotApplicable => 0.0,
        }
    }
}

/// The drug-smuggling modi operandi and the ISPS threat acts a scenario is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modus {
    /// An insider with a valid badge lets an extraction team in or takes goods out.
    InsiderBadge,
    /// A release right or code is misappropriated to collect a container.
    ReleaseFraud,
    /// A legitimate container is opened, loaded or emptied and resealed with a cloned seal.
    RipOnRipOff,
    /// A driver who is not the one named collects a container.
    FakeDriver,
    /// Goods fastened to the outer hull, collected by divers or small craft.
    HullConcealment,
    /// Unauthorised entry over the fence or from the water.
    Intrusion,
    /// Terminal or port systems compromised to read or change release and location data.
    ItCompromise,
    /// Drones over the facility.
    Drone,
    /// Sabotage, attack or anything else.
    Other,
}

/// Asset categories of ISPS B/15.7.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetCategory {
    /// Accesses, entrances, approaches, anchorages, manoeuvring and berthing areas.
    Access,
    /// Cargo facilities, terminals, storage and handling equipment.
    Cargo,
    /// Electrical, radio, telecommunication and IT systems and networks.
    Systems,
    /// Vessel traffic services and aids to navigation.
    Navigation,
    /// Power, cargo piping and water.
    Utilities,
    /// Bridges, railways and roads.
    Transport,
    /// Port service vessels.
    ServiceVessels,
    /// Security and surveillance equipment.
    SecurityEquipment,
    /// The waters next to the facility.
    AdjacentWaters,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// `A1`, `A2` … in order of entry.
    pub id: String,
    pub name: String,
    pub category: AssetCategory,
    #[serde(default)]
    pub note: String,
}

/// A threat scenario: an asset (or several) × a modus, with its three factors.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// `S1`, `S2` …
    pub id: String,
    pub title: String,
    pub modus: Modus,
    /// The assets it threatens, by id.
    pub assets: Vec<String>,
    /// The weaknesses it exploits, in words.
    pub vulnerabilities: String,
    /// The consequences if it succeeds, in words.
    pub consequences: String,
    /// 1–5, [`scale::THREAT`].
    pub threat: u8,
    /// 1–5, [`scale::VULNERABILITY`].
    pub vulnerability: u8,
    /// 1–5, [`scale::CONSEQUENCE`].
    pub consequence: u8,
    /// The controls that reduce it, by id.
    pub controls: Vec<String>,
}

impl Scenario {
    /// Threat × vulnerability × consequence (the factors are checked on entry).
    pub fn risk(&self) -> u32 {
        scale::risk(self.threat, self.vulnerability, self.consequence).unwrap_or(scale::MAX_RISK)
    }
}

/// What the system measured of a control, with the link to the facts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Measurement))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub measure: Measure,
    pub status: Status,
    /// What was found, in English words (`at level 2, 0 of 3 general cards open a gate`): the
    /// record's and the exports' text. The console words it in the reader's language from
    /// `facts`.
    pub detail: String,
    /// What was found, as facts (absent in measurements recorded before they were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<Finding>,
    /// Where to see the facts (a console path).
    pub link: String,
    pub at_ms: i64,
}

/// The facts a measurement found, one shape a measure; `detail` says the same in words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MeasuredFacts))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The access policy set in force, evaluated for a general card with a valid permit at
    /// levels 1 and 2 and for a personal card at level 2 (`true`: let in).
    Level2Cards {
        policy_version: i64,
        general_level1: bool,
        general_level2: bool,
        /// The policies that decided the general card at level 2.
        decided_by: Vec<String>,
        personal_level2: bool,
    },
    /// The audit chain walked whole.
    AuditChain {
        intact: bool,
        events_checked: i64,
        /// The chain's state when it does not verify.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<String>,
    },
    /// Gate decisions among the audit chain's events.
    GateDecisions { decisions: i64, chain_intact: bool },
    /// Container releases handled in the system.
    Releases { releases: u64, collected: u64 },
    /// The insider detectors enabled (their codes), of how many.
    InsiderDetectors { enabled: Vec<String>, total: u64 },
    /// The last seven days' consignments put in a lane, of all brought in.
    RiskAssessed { selected: i64, total: i64 },
    /// Our terminals with an AIS position within `within_km` in the last 24 hours.
    AisCoverage {
        within_km: f64,
        covered: Vec<String>,
        terminals: u64,
    },
}

/// Who gave the answer its status.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AnswerSource))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The assessor answered.
    Assessor,
    /// The system's measurement, not yet confirmed.
    Measured,
    /// The system's measurement, confirmed by the assessor.
    Confirmed,
    /// The assessor answered otherwise than the measurement, with a reason.
    Overridden,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub status: Status,
    #[serde(default)]
    pub evidence: String,
    pub source: Source,
    /// The latest measurement, when the control is measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<Measured>,
    /// Why the assessor overrode the measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    pub at_ms: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    Open,
    InProgress,
    Done,
}

impl ActionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Open => "open",
            ActionState::InProgress => "in_progress",
            ActionState::Done => "done",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PlannedAction))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// `P1`, `P2` …
    pub id: String,
    /// The control it closes a gap in.
    pub control: Option<String>,
    pub title: String,
    /// Who is responsible (a name or a function).
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub state: ActionState,
    /// The best practice it adopts, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub org: OrgId,
    /// The facility assessed (its name, e.g. `Stockholm Norvik Port`).
    pub facility: String,
    pub title: String,
    /// The catalogue version answered against.
    pub catalogue: String,
    /// The assessment this one reassesses.
    pub previous: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Bumped by every edit.
    pub version: i64,
    pub assets: Vec<Asset>,
    pub scenarios: Vec<Scenario>,
    /// By control id.
    pub answers: BTreeMap<String, Answer>,
    pub actions: Vec<Action>,
}

/// One change to an assessment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AssessmentEdit))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    AddAsset {
        name: String,
        category: AssetCategory,
        #[serde(default)]
        note: String,
    },
    AddScenario {
        title: String,
        modus: Modus,
        #[serde(default)]
        assets: Vec<String>,
        vulnerabilities: String,
        consequences: String,
        threat: u8,
        vulnerability: u8,
        consequence: u8,
        #[serde(default)]
        controls: Vec<String>,
    },
    /// Re-scores a scenario (a reassessment after measures took effect).
    ScoreScenario {
        scenario: String,
        threat: u8,
        vulnerability: u8,
        consequence: u8,
    },
    /// The assessor's answer to a control.
    Answer {
        control: String,
        status: Status,
        #[serde(default)]
        evidence: String,
    },
    /// The assessor confirms the measured answer.
    Confirm {
        control: String,
    },
    /// The assessor answers otherwise than measured, saying why.
    Override {
        control: String,
        status: Status,
        reason: String,
    },
    AddAction {
        #[serde(default)]
        control: Option<String>,
        title: String,
        owner: String,
        due: String,
        #[serde(default)]
        practice: Option<String>,
    },
    SetAction {
        action: String,
        state: ActionState,
    },
}

impl Edit {
    /// The event kind the server records the edit as.
    pub fn kind(&self) -> &'static str {
        match self {
            Edit::AddAsset { .. } => "assessment.asset_added",
            Edit::AddScenario { .. } => "assessment.scenario_added",
            Edit::ScoreScenario { .. } => "assessment.scenario_scored",
            Edit::Answer { .. } => "assessment.answered",
            Edit::Confirm { .. } => "assessment.confirmed",
            Edit::Override { .. } => "assessment.overridden",
            Edit::AddAction { .. } => "assessment.action_added",
            Edit::SetAction { .. } => "assessment.action_set",
        }
    }
}

fn factor(field: &str, v: u8) -> Result<(), FieldError> {
    if (1..=5).contains(&v) {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be 1 to 5"))
    }
}

fn known_control(cat: &Catalogue, field: &str, id: &str) -> Result<(), FieldError> {
    match cat.control(id) {
        Some(_) => Ok(()),
        None => Err(FieldError::new(
            field,
            format!("no control {id:?} in catalogue {}", cat.version),
        )),
    }
}

fn evidence(field: &str, v: &str) -> Result<(), FieldError> {
    if v.is_empty() {
        Ok(())
    } else {
        validate::text(field, v, 2000)
    }
}

fn one(r: Result<(), FieldError>) -> Result<(), Vec<FieldError>> {
    r.map_err(|e| vec![e])
}

impl Assessment {
    /// A new, empty assessment.
    pub fn new(
        id: String,
        org: OrgId,
        facility: &str,
        title: &str,
        catalogue: &Catalogue,
        now_ms: i64,
    ) -> Result<Assessment, Vec<FieldError>> {
        let errors: Vec<FieldError> = [
            validate::name("facility", facility, 200),
            validate::name("title", title, 200),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Assessment {
            id,
            org,
            facility: facility.trim().to_owned(),
            title: title.trim().to_owned(),
            catalogue: catalogue.version.clone(),
            previous: None,
            created_ms: now_ms,
            updated_ms: now_ms,
            version: 1,
            assets: Vec::new(),
            scenarios: Vec::new(),
            answers: BTreeMap::new(),
            actions: Vec::new(),
        })
    }

    /// The next round, against `cat` (the catalogue in force, which may be newer than this
    /// round's): assets, scenarios and answers carried over as they stand (the assessor
    /// revisits them) — answers to controls `cat` no longer has are left behind with this
    /// round, and scenarios keep only the controls it has —, the actions not yet done carried
    /// over, linked to this one.
    pub fn reassess(
        &self,
        id: String,
        title: &str,
        now_ms: i64,
        cat: &Catalogue,
    ) -> Result<Assessment, Vec<FieldError>> {
        one(validate::name("title", title, 200))?;
        let known = |c: &String| cat.control(c).is_some();
        let mut scenarios = self.scenarios.clone();
        for s in &mut scenarios {
            s.controls.retain(known);
        }
        Ok(Assessment {
            id,
            org: self.org,
            facility: self.facility.clone(),
            title: title.trim().to_owned(),
            catalogue: cat.version.clone(),
            previous: Some(self.id.clone()),
            created_ms: now_ms,
            updated_ms: now_ms,
            version: 1,
            assets: self.assets.clone(),
            scenarios,
            answers: self
                .answers
                .iter()
                .filter(|(c, _)| known(c))
                .map(|(c, a)| (c.clone(), a.clone()))
                .collect(),
            actions: self
                .actions
                .iter()
                .filter(|a| a.state != ActionState::Done)
                .cloned()
                .collect(),
        })
    }

    /// Applies one edit, checked against the catalogue; on success the version is bumped.
    pub fn apply(
        &mut self,
        cat: &Catalogue,
        edit: &Edit,
        now_ms: i64,
    ) -> Result<(), Vec<FieldError>> {
        match edit {
            Edit::AddAsset {
                name,
                category,
                note,
            } => {
                let mut errors: Vec<FieldError> =
                    [validate::name("name", name, 200), evidence("note", note)]
                        .into_iter()
                        .filter_map(Result::err)
                        .collect();
                if self.assets.len() >= MAX_ASSETS {
                    errors.push(FieldError::new(
                        "name",
                        format!("at most {MAX_ASSETS} assets"),
                    ));
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                self.assets.push(Asset {
                    id: format!("A{}", self.assets.len() + 1),
                    name: name.trim().to_owned(),
                    category: *category,
                    note: note.clone(),
                });
            }
            Edit::AddScenario {
                title,
                modus,
                assets,
                vulnerabilities,
                consequences,
                threat,
                vulnerability,
                consequence,
                controls,
            } => {
                let mut errors: Vec<FieldError> = [
                    validate::name("title", title, 200),
                    validate::text("vulnerabilities", vulnerabilities, 2000),
                    validate::text("consequences", consequences, 2000),
                    factor("threat", *threat),
                    factor("vulnerability", *vulnerability),
                    factor("consequence", *consequence),
                ]
                .into_iter()
                .filter_map(Result::err)
                .collect();
                for (i, a) in assets.iter().enumerate() {
                    if !self.assets.iter().any(|x| &x.id == a) {
                        errors.push(FieldError::new(format!("assets[{i}]"), "no such asset"));
                    }
                }
                for (i, c) in controls.iter().enumerate() {
                    if let Err(e) = known_control(cat, &format!("controls[{i}]"), c) {
                        errors.push(e);
                    }
                }
                if self.scenarios.len() >= MAX_SCENARIOS {
                    errors.push(FieldError::new(
                        "title",
                        format!("at most {MAX_SCENARIOS} scenarios"),
                    ));
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                self.scenarios.push(Scenario {
                    id: format!("S{}", self.scenarios.len() + 1),
                    title: title.trim().to_owned(),
                    modus: *modus,
                    assets: assets.clone(),
                    vulnerabilities: vulnerabilities.clone(),
                    consequences: consequences.clone(),
                    threat: *threat,
                    vulnerability: *vulnerability,
                    consequence: *consequence,
                    controls: controls.clone(),
                });
            }
            Edit::ScoreScenario {
                scenario,
                threat,
                vulnerability,
                consequence,
            } => {
                let errors: Vec<FieldError> = [
                    factor("threat", *threat),
                    factor("vulnerability", *vulnerability),
                    factor("consequence", *consequence),
                ]
                .into_iter()
                .filter_map(Result::err)
                .collect();
                if !errors.is_empty() {
                    return Err(errors);
                }
                let Some(s) = self.scenarios.iter_mut().find(|s| &s.id == scenario) else {
                    return Err(vec![FieldError::new("scenario", "no such scenario")]);
                };
                s.threat = *threat;
                s.vulnerability = *vulnerability;
                s.consequence = *consequence;
            }
            Edit::Answer {
                control,
                status,
                evidence: ev,
            } => {
                one(known_control(cat, "control", control))?;
                one(evidence("evidence", ev))?;
                let measured = self.answers.get(control).and_then(|a| a.measured.clone());
                self.answers.insert(
                    control.clone(),
                    Answer {
                        status: *status,
                        evidence: ev.clone(),
                        source: Source::Assessor,
                        measured,
                        override_reason: None,
                        at_ms: now_ms,
                    },
                );
            }
            Edit::Confirm { control } => {
                one(known_control(cat, "control", control))?;
                let Some(a) = self.answers.get_mut(control) else {
                    return Err(vec![FieldError::new(
                        "control",
                        "nothing measured to confirm",
                    )]);
                };
                let Some(m) = a.measured.clone() else {
                    return Err(vec![FieldError::new(
                        "control",
                        "nothing measured to confirm",
                    )]);
                };
                a.status = m.status;
                a.source = Source::Confirmed;
                a.evidence = m.detail.clone();
                a.override_reason = None;
                a.at_ms = now_ms;
            }
            Edit::Override {
                control,
                status,
                reason,
            } => {
                one(known_control(cat, "control", control))?;
                one(validate::text("reason", reason, 2000))?;
                let Some(a) = self
                    .answers
                    .get_mut(control)
                    .filter(|a| a.measured.is_some())
                else {
                    return Err(vec![FieldError::new(
                        "control",
                        "nothing measured to override; answer it instead",
                    )]);
                };
                a.status = *status;
                a.source = Source::Overridden;
                a.override_reason = Some(reason.clone());
                a.at_ms = now_ms;
            }
            Edit::AddAction {
                control,
                title,
                owner,
                due,
                practice,
            } => {
                let mut errors: Vec<FieldError> = [
                    validate::name("title", title, 200),
                    validate::name("owner", owner, 200),
                ]
                .into_iter()
                .filter_map(Result::err)
                .collect();
                if !is_date(due) {
                    errors.push(FieldError::new("due", "must be a date, YYYY-MM-DD"));
                }
                if let Some(c) = control {
                    if let Err(e) = known_control(cat, "control", c) {
                        errors.push(e);
                    }
                }
                if let Some(p) = practice {
                    if let Err(e) = validate::name("practice", p, 100) {
                        errors.push(e);
                    }
                }
                if self.actions.len() >= MAX_ACTIONS {
                    errors.push(FieldError::new(
                        "title",
                        format!("at most {MAX_ACTIONS} actions"),
                    ));
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                let n = self
                    .actions
                    .iter()
                    .filter_map(|a| a.id.strip_prefix('P').and_then(|n| n.parse::<usize>().ok()))
                    .max()
                    .unwrap_or(0);
                self.actions.push(Action {
                    id: format!("P{}", n + 1),
                    control: control.clone(),
                    title: title.trim().to_owned(),
                    owner: owner.trim().to_owned(),
                    due: due.clone(),
                    state: ActionState::Open,
                    practice: practice.clone(),
                });
            }
            Edit::SetAction { action, state } => {
                let Some(a) = self.actions.iter_mut().find(|a| &a.id == action) else {
                    return Err(vec![FieldError::new("action", "no such action")]);
                };
                a.state = *state;
            }
        }
        self.version += 1;
        self.updated_ms = now_ms;
        Ok(())
    }

    /// Records what the system measured of a control. An answer the assessor gave stays, with
    /// the measurement beside it; otherwise the measurement becomes the answer, unconfirmed.
    /// Returns whether anything changed: a measurement with the status of the one held changes
    /// nothing (the figures in its words move with every event; the held one keeps its time).
    pub fn prefill(&mut self, control: &str, m: Measured) -> bool {
        match self.answers.get_mut(control) {
            Some(a) => {
                let same = a
                    .measured
                    .as_ref()
                    .is_some_and(|old| old.status == m.status);
                if same {
                    return false;
                }
                if a.source == Source::Measured || a.source == Source::Confirmed {
                    if a.source == Source::Confirmed && a.status != m.status {
                        a.source = Source::Measured;
                    }
                    if a.source == Source::Measured {
                        a.status = m.status;
                        a.evidence = m.detail.clone();
                    }
                }
                a.measured = Some(m);
            }
            None => {
                self.answers.insert(
                    control.to_owned(),
                    Answer {
                        status: m.status,
                        evidence: m.detail.clone(),
                        source: Source::Measured,
                        at_ms: m.at_ms,
                        measured: Some(m),
                        override_reason: None,
                    },
                );
            }
        }
        true
    }

    /// The gaps: controls answered `not` or `partly`, ranked by the highest risk of the
    /// scenarios they reduce, weighted by how much is missing.
    pub fn gaps(&self, cat: &Catalogue) -> Vec<Gap> {
        let mut gaps: Vec<Gap> = cat
            .controls
            .iter()
            .filter_map(|c| {
                let a = self.answers.get(&c.id)?;
                if a.status.shortfall() == 0.0 {
                    return None;
                }
                let scenarios: Vec<&Scenario> = self
                    .scenarios
                    .iter()
                    .filter(|s| s.controls.contains(&c.id))
                    .collect();
                let worst = scenarios.iter().map(|s| s.risk()).max().unwrap_or(0);
                Some(Gap {
                    control: c.id.clone(),
                    title: c.title.clone(),
                    status: a.status,
                    scenario_risk: worst,
                    risk: f64::from(worst) * a.status.shortfall(),
                    scenarios: scenarios.iter().map(|s| s.id.clone()).collect(),
                    actions: self
                        .actions
                        .iter()
                        .filter(|x| x.control.as_deref() == Some(c.id.as_str()))
                        .map(|x| x.id.clone())
                        .collect(),
                })
            })
            .collect();
        gaps.sort_by(|a, b| {
            b.risk
                .total_cmp(&a.risk)
                .then(a.status.cmp(&b.status).reverse())
                .then(a.control.cmp(&b.control))
        });
        gaps
    }

    /// The figures a trend is drawn from.
    pub fn summary(&self, cat: &Catalogue) -> Summary {
        let mut s = Summary {
            controls: cat.controls.len(),
            ..Summary::default()
        };
        for c in &cat.controls {
            match self.answers.get(&c.id).map(|a| a.status) {
                None => s.unanswered += 1,
                Some(Status::Implemented) => s.implemented += 1,
                Some(Status::Partly) => s.partly += 1,
                Some(Status::Not) => s.not += 1,
                Some(Status::NotApplicable) => s.not_applicable += 1,
            }
        }
        let applicable = s.implemented + s.partly + s.not;
        s.score = if applicable == 0 {
            0.0
        } else {
            (s.implemented as f64 + 0.5 * s.partly as f64) * 100.0 / applicable as f64
        };
        s.highest_risk = self.scenarios.iter().map(Scenario::risk).max().unwrap_or(0);
        s.total_risk = self.scenarios.iter().map(Scenario::risk).sum();
        s.open_actions = self
            .actions
            .iter()
            .filter(|a| a.state != ActionState::Done)
            .count();
        s
    }
}

/// A control not (fully) in place, with the risk it leaves.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub control: String,
    pub title: String,
    pub status: Status,
    /// The highest risk (1–125) of the scenarios the control reduces, 0 if none.
    pub scenario_risk: u32,
    /// `scenario_risk` × the shortfall (1 for not, ½ for partly): the rank.
    pub risk: f64,
    pub scenarios: Vec<String>,
    /// The actions planned for it.
    pub actions: Vec<String>,
}

/// An assessment's figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AssessmentSummary))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub controls: usize,
    pub implemented: usize,
    pub partly: usize,
    pub not: usize,
    pub not_applicable: usize,
    pub unanswered: usize,
    /// (implemented + ½ partly) / applicable answered, in per cent.
    pub score: f64,
    pub highest_risk: u32,
    pub total_risk: u32,
    pub open_actions: usize,
}
