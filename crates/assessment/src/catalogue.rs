//! The harmonised catalogue of controls: one requirement, written once in our words, with the
//! sections of every instrument that asks for it, so an assessor answers once for the ISPS
//! Code, the EU regulation and directive, Swedish law and the alliance's and Europol's
//! recommendations. Versioned; the built-in one ships in the binary; read from JSON or CSV
//! totally (every fault named by its path); the harmonisation view per topic.

use std::collections::{BTreeMap, BTreeSet};

use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

/// The built-in catalogue's text.
pub const BUILTIN: &str = include_str!("../data/catalogue.json");

/// At most this many controls in a catalogue (a bound on imports).
pub const MAX_CONTROLS: usize = 500;

/// What Hamnvakt can measure of a control from its own facts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The access policy set, evaluated at level 2 for a general card.
    Level2CardsStop,
    /// Gate decisions are in the audit chain and the chain verifies.
    GateDecisionsAudited,
    /// The audit chain verifies.
    AuditChainVerifies,
    /// Releases are handled PIN-free (identity-bound).
    PinFreeRelease,
    /// The insider-behaviour detectors are enabled.
    InsiderDetectors,
    /// Share of the consignments risk-assessed by targeting.
    ContainersRiskAssessed,
    /// AIS coverage of the approaches.
    AisCoverage,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::Level2CardsStop,
        Measure::GateDecisionsAudited,
        Measure::AuditChainVerifies,
        Measure::PinFreeRelease,
        Measure::InsiderDetectors,
        Measure::ContainersRiskAssessed,
        Measure::AisCoverage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Level2CardsStop => "level2_cards_stop",
            Measure::GateDecisionsAudited => "gate_decisions_audited",
            Measure::AuditChainVerifies => "audit_chain_verifies",
            Measure::PinFreeRelease => "pin_free_release",
            Measure::InsiderDetectors => "insider_detectors",
            Measure::ContainersRiskAssessed => "containers_risk_assessed",
            Measure::AisCoverage => "ais_coverage",
        }
    }
}

/// How an instrument binds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    /// Law or mandatory code: it requires.
    Binding,
    /// Guidance (ISPS Part B outside the paragraphs made mandatory).
    Guidance,
    /// A recommendation (the alliance, Europol).
    Recommendation,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub name: String,
    pub kind: InstrumentKind,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub name: String,
}

/// A section of an instrument a control satisfies, with how it differs if it does.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub instrument: String,
    pub section: String,
    /// Where this instrument asks for more, less or something else than the requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// `ACC-1`: two to five capitals, a dash, one to three digits.
    pub id: String,
    pub topic: String,
    pub title: String,
    /// The requirement in our words.
    pub requirement: String,
    pub references: Vec<Reference>,
    /// What the assessor answers.
    pub questions: Vec<String>,
    /// The evidence that counts.
    pub evidence: Vec<String>,
    /// What Hamnvakt measures of it, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// `2026.1`.
    pub version: String,
    /// `YYYY-MM-DD`.
    pub published: String,
    pub instruments: Vec<Instrument>,
    pub topics: Vec<Topic>,
    pub controls: Vec<Control>,
}

fn is_control_id(id: &str) -> bool {
    let Some((letters, digits)) = id.split_once('-') else {
        return false;
    };
    (2..=5).contains(&letters.len())
        && letters.bytes().all(|b| b.is_ascii_uppercase())
        && (1..=3).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_key(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Catalogue {
    /// The catalogue shipped with the binary. Checked by a test; should it ever fail to
    /// read, the answer is an empty catalogue of version `invalid`, never a panic.
    pub fn builtin() -> Catalogue {
        Catalogue::from_json(BUILTIN).unwrap_or_else(|_| Catalogue {
            version: "invalid".into(),
            published: "1970-01-01".into(),
            instruments: Vec::new(),
            topics: Vec::new(),
            controls: Vec::new(),
        })
    }

    /// Reads and checks a catalogue from JSON.
    pub fn from_json(text: &str) -> Result<Catalogue, Vec<FieldError>> {
        let c: Catalogue = serde_json::from_str(text).map_err(|e| {
            vec![FieldError::new(
                format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )]
        })?;
        c.check()?;
        Ok(c)
    }

    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    /// Every fault of the catalogue, by path.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut push = |r: Result<(), FieldError>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        push(validate::name("version", &self.version, 20));
        if !is_date(&self.published) {
            push(Err(FieldError::new(
                "published",
                "must be a date, YYYY-MM-DD",
            )));
        }
        let mut instruments = BTreeSet::new();
        for (i, ins) in self.instruments.iter().enumerate() {
            let at = format!("instruments[{i}]");
            if !is_key(&ins.id) {
                push(Err(FieldError::new(
                    format!("{at}.id"),
                    "must be 1–40 lower-case letters, digits or _",
                )));
            } else if !instruments.insert(ins.id.as_str()) {
                push(Err(FieldError::new(format!("{at}.id"), "is used twice")));
            }
            push(validate::name(&format!("{at}.name"), &ins.name, 200));
        }
        let mut topics = BTreeSet::new();
        for (i, t) in self.topics.iter().enumerate() {
            let at = format!("topics[{i}]");
            if !is_key(&t.id) {
                push(Err(FieldError::new(
                    format!("{at}.id"),
                    "must be 1–40 lower-case letters, digits or _",
                )));
            } else if !topics.insert(t.id.as_str()) {
                push(Err(FieldError::new(format!("{at}.id"), "is used twice")));
            }
            push(validate::name(&format!("{at}.name"), &t.name, 200));
        }
        if self.controls.is_empty() || self.controls.len() > MAX_CONTROLS {
            push(Err(FieldError::new(
                "controls",
                format!("must hold 1 to {MAX_CONTROLS} controls"),
            )));
        }
        let mut ids = BTreeSet::new();
        for (i, c) in self.controls.iter().enumerate() {
            let at = format!("controls[{i}]");
            if !is_control_id(&c.id) {
                push(Err(FieldError::new(
                    format!("{at}.id"),
                    "must be 2–5 capitals, a dash and 1–3 digits (ACC-1)",
                )));
            } else if !ids.insert(c.id.as_str()) {
                push(Err(FieldError::new(format!("{at}.id"), "is used twice")));
            }
            if !topics.contains(c.topic.as_str()) {
                push(Err(FieldError::new(format!("{at}.topic"), "no such topic")));
            }
            push(validate::name(&format!("{at}.title"), &c.title, 200));
            push(validate::text(
                &format!("{at}.requirement"),
                &c.requirement,
                2000,
            ));
            if c.references.is_empty() {
                push(Err(FieldError::new(
                    format!("{at}.references"),
                    "must name at least one instrument's section",
                )));
            }
            for (j, r) in c.references.iter().enumerate() {
                let rat = format!("{at}.references[{j}]");
                if !instruments.contains(r.instrument.as_str()) {
                    push(Err(FieldError::new(
                        format!("{rat}.instrument"),
                        "no such instrument",
                    )));
                }
                push(validate::name(&format!("{rat}.section"), &r.section, 120));
                if let Some(n) = &r.note {
                    push(validate::text(&format!("{rat}.note"), n, 500));
                }
            }
            if c.questions.is_empty() {
                push(Err(FieldError::new(
                    format!("{at}.questions"),
                    "must ask at least one question",
                )));
            }
            for (j, q) in c.questions.iter().enumerate() {
                push(validate::text(&format!("{at}.questions[{j}]"), q, 500));
            }
            for (j, q) in c.evidence.iter().enumerate() {
                push(validate::text(&format!("{at}.evidence[{j}]"), q, 500));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The catalogue's controls as CSV, one row per control and reference (a control
    /// without references does not exist; questions and evidence are one per line).
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(CSV_HEADER);
        for c in &self.controls {
            for r in &c.references {
                let measure = c.measure.map(Measure::as_str).unwrap_or("");
                let _ = w.write_record([
                    c.id.as_str(),
                    &c.topic,
                    &c.title,
                    &c.requirement,
                    &c.questions.join("\n"),
                    &c.evidence.join("\n"),
                    measure,
                    &r.instrument,
                    &r.section,
                    r.note.as_deref().unwrap_or(""),
                ]);
            }
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Reads controls from CSV (as [`Catalogue::to_csv`] writes them) into a catalogue of
    /// `version` with `base`'s instruments and topics. Errors name the row and column.
    pub fn from_csv(
        text: &str,
        version: &str,
        published: &str,
        base: &Catalogue,
    ) -> Result<Catalogue, Vec<FieldError>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header_ok = r
            .headers()
            .map(|h| h.iter().eq(CSV_HEADER.iter().copied()))
            .unwrap_or(false);
        if !header_ok {
            return Err(vec![FieldError::new(
                "row 1",
                format!("the header must be {}", CSV_HEADER.join(",")),
            )]);
        }
        let mut controls: Vec<Control> = Vec::new();
        let mut errors = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let row = i + 2;
            let rec = match rec {
                Ok(rec) => rec,
                Err(e) => {
                    errors.push(FieldError::new(format!("row {row}"), e.to_string()));
                    continue;
                }
            };
            let f = |n: usize| rec.get(n).unwrap_or("").to_owned();
            let lines = |s: String| -> Vec<String> {
                s.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let measure = match f(6).as_str() {
                "" => None,
                m => match Measure::ALL.into_iter().find(|x| x.as_str() == m) {
                    Some(x) => Some(x),
                    None => {
                        errors.push(FieldError::new(
                            format!("row {row}, measure"),
                            "no such measure",
                        ));
                        None
                    }
                },
            };
            let reference = Reference {
                instrument: f(7),
                section: f(8),
                note: Some(f(9)).filter(|n| !n.is_empty()),
            };
            let id = f(0);
            if let Some(c) = controls.iter_mut().find(|c| c.id == id) {
                c.references.push(reference);
                continue;
            }
            controls.push(Control {
                id,
                topic: f(1),
                title: f(2),
                requirement: f(3),
                references: vec![reference],
                questions: lines(f(4)),
                evidence: lines(f(5)),
                measure,
            });
            if controls.len() > MAX_CONTROLS {
                errors.push(FieldError::new(
                    format!("row {row}"),
                    format!("more than {MAX_CONTROLS} controls"),
                ));
                break;
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let c = Catalogue {
            version: version.to_owned(),
            published: published.to_owned(),
            instruments: base.instruments.clone(),
            topics: base.topics.clone(),
            controls,
        };
        c.check()?;
        Ok(c)
    }

    /// The harmonisation view: per topic, each control with what every instrument says of it.
    pub fn harmonise(&self) -> Vec<TopicView> {
        self.topics
            .iter()
            .map(|t| TopicView {
                topic: t.id.clone(),
                name: t.name.clone(),
                controls: self
                    .controls
                    .iter()
                    .filter(|c| c.topic == t.id)
                    .map(|c| self.row(c))
                    .collect(),
            })
            .collect()
    }

    fn row(&self, c: &Control) -> ControlRow {
        let mut by: BTreeMap<&str, Vec<&Reference>> = BTreeMap::new();
        for r in &c.references {
            by.entry(r.instrument.as_str()).or_default().push(r);
        }
        let cells: Vec<Cell> = self
            .instruments
            .iter()
            .map(|ins| match by.get(ins.id.as_str()) {
                None => Cell {
                    instrument: ins.id.clone(),
                    coverage: Coverage::Silent,
                    sections: String::new(),
                    differs: None,
                },
                Some(refs) => {
                    let notes: Vec<&str> = refs.iter().filter_map(|r| r.note.as_deref()).collect();
                    Cell {
                        instrument: ins.id.clone(),
                        coverage: match ins.kind {
                            InstrumentKind::Binding => Coverage::Requires,
                            InstrumentKind::Guidance | InstrumentKind::Recommendation => {
                                Coverage::Recommends
                            }
                        },
                        sections: refs
                            .iter()
                            .map(|r| r.section.as_str())
                            .collect::<Vec<_>>()
                            .join("; "),
                        differs: if notes.is_empty() {
                            None
                        } else {
                            Some(notes.join("; "))
                        },
                    }
                }
            })
            .collect();
        let requiring = cells
            .iter()
            .filter(|c| c.coverage == Coverage::Requires)
            .count();
        let covering = cells
            .iter()
            .filter(|c| c.coverage != Coverage::Silent)
            .count();
        let differing = cells.iter().filter(|c| c.differs.is_some()).count();
        let agreement = if covering <= 1 {
            Agreement::Single
        } else if differing == 0 && requiring >= 2 {
            Agreement::Same
        } else {
            Agreement::Differs
        };
        ControlRow {
            control: c.id.clone(),
            title: c.title.clone(),
            agreement,
            cells,
        }
    }
}

const CSV_HEADER: [&str; 10] = [
    "control",
    "topic",
    "title",
    "requirement",
    "questions",
    "evidence",
    "measure",
    "instrument",
    "section",
    "note",
];

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(1900..=2999), Some(1..=12), Some(1..=31))
    )
}

/// What an instrument says of a control.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    Requires,
    Recommends,
    Silent,
}

/// Whether the instruments that speak of a control ask the same thing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// At least two binding instruments require it and none notes a difference.
    Same,
    /// Several instruments speak of it, and at least one asks for more, less or otherwise, or
    /// only recommends it.
    Differs,
    /// One instrument only.
    Single,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub instrument: String,
    pub coverage: Coverage,
    /// The sections, `;`-separated (empty when silent).
    pub sections: String,
    /// How this instrument differs, if it does.
    pub differs: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ControlRow {
    pub control: String,
    pub title: String,
    pub agreement: Agreement,
    /// One per instrument of the catalogue, in its order.
    pub cells: Vec<Cell>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TopicView {
    pub topic: String,
    pub name: String,
    pub controls: Vec<ControlRow>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_reads_and_covers_every_instrument() {
        let c = Catalogue::from_json(BUILTIN).unwrap();
        assert_eq!(c, Catalogue::builtin());
        assert!(c.controls.len() >= 12);
        for ins in &c.instruments {
            assert!(
                c.controls
                    .iter()
                    .any(|k| k.references.iter().any(|r| r.instrument == ins.id)),
                "{} is referenced by no control",
                ins.id
            );
        }
        for m in Measure::ALL {
            assert!(c.controls.iter().any(|k| k.measure == Some(m)), "{m:?}");
        }
    }

    #[test]
    fn csv_round_trips() {
        let c = Catalogue::builtin();
        let back = Catalogue::from_csv(&c.to_csv(), &c.version, &c.published, &c).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn faults_are_named_by_path() {
        let mut c = Catalogue::builtin();
        c.controls[1].id = c.controls[0].id.clone();
        c.controls[2].topic = "nowhere".into();
        c.controls[3].references[0].instrument = "hearsay".into();
        c.controls[4].questions.clear();
        let errors = c.check().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "controls[1].id",
                "controls[2].topic",
                "controls[3].references[0].instrument",
                "controls[4].questions"
            ]
        );
        let bad = Catalogue::from_json("{\"version\": 1}").unwrap_err();
        assert!(bad[0].field.starts_with("line 1"));
        let csv_bad = Catalogue::from_csv("a,b\n", "x", "2026-01-01", &c).unwrap_err();
        assert_eq!(csv_bad[0].field, "row 1");
    }

    #[test]
    fn harmonisation_shows_agreement_and_difference() {
        let c = Catalogue::builtin();
        let view = c.harmonise();
        assert_eq!(view.len(), c.topics.len());
        let rows: Vec<&ControlRow> = view.iter().flat_map(|t| &t.controls).collect();
        assert_eq!(rows.len(), c.controls.len());
        let lvl = rows.iter().find(|r| r.control == "LVL-1").unwrap();
        assert_eq!(lvl.cells.len(), c.instruments.len());
        assert_eq!(lvl.agreement, Agreement::Differs);
        let se = lvl
            .cells
            .iter()
            .find(|x| x.instrument == "se_2006_1209")
            .unwrap();
        assert_eq!(se.coverage, Coverage::Requires);
        assert_eq!(se.sections, "2 kap. 1 §");
        let epa = lvl.cells.iter().find(|x| x.instrument == "epa").unwrap();
        assert_eq!(epa.coverage, Coverage::Silent);
        assert!(rows.iter().any(|r| r.agreement != Agreement::Single));
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-12-01"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2026-1-01"));
        assert!(!is_date("२०२६-12-01"));
    }
}
