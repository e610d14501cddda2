//! What an inspection found: nothing, an irregularity (wrong value, origin or goods), or a
//! seizure, with the goods and quantity. Irregularities and seizures are the positives the
//! model learns from and the profiles' precision counts.

use serde::{Deserialize, Serialize};

/// What an inspection found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = InspectionResult))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Result {
    NothingFound,
    Irregularity,
    Seizure,
}

impl Result {
    pub fn as_str(self) -> &'static str {
        match self {
            Result::NothingFound => "nothing_found",
            Result::Irregularity => "irregularity",
            Result::Seizure => "seizure",
        }
    }

    /// Whether the inspection found something (a positive for learning and precision).
    pub fn positive(self) -> bool {
        self != Result::NothingFound
    }

    pub fn parse(s: &str) -> Option<Result> {
        match s {
            "nothing_found" => Some(Result::NothingFound),
            "irregularity" => Some(Result::Irregularity),
            "seizure" => Some(Result::Seizure),
            _ => None,
        }
    }
}

/// An inspection's outcome.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = InspectionOutcome))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub result: Result,
    /// What was found (`cocaine`, `undeclared cigarettes`), required for a seizure.
    #[serde(default)]
    pub goods: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub quantity: Option<f64>,
    /// `kg`, `pieces`, `l` …
    #[serde(default)]
    pub unit: Option<String>,
    /// At most 2000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub note: String,
}

impl Outcome {
    pub fn validate(&self) -> Vec<crate::consignment::FieldError> {
        let mut out = Vec::new();
        let mut e = |field: &str, reason: &str| {
            out.push(crate::consignment::FieldError {
                field: field.into(),
                reason: reason.into(),
            })
        };
        if self.result == Result::Seizure
            && self.goods.as_deref().is_none_or(|g| g.trim().is_empty())
        {
            e("goods", "a seizure names the goods seized");
        }
        if self.quantity.is_some_and(|q| !q.is_finite() || q < 0.0) {
            e("quantity", "must be a number zero or above");
        }
        if self.quantity.is_some() && self.unit.is_none() {
            e("unit", "a quantity needs its unit");
        }
        if self.note.chars().count() > 2000 {
            e("note", "at most 2000 characters");
        }
        out
    }
}
