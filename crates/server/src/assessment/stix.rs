//! Best practices as STIX 2.1 objects, so that they travel through the sharing capability —
//! export, import, TAXII collections and the pull from partner installations — under their
//! marking like every other shared object.
//!
//! A practice is Hamnvakt's own domain object `x-hamnvakt-best-practice`, declared by the
//! extension-definition `hamnvakt_sharing::stix::HAMNVAKT_SDO_EXTENSION` (`new-sdo`). Its STIX
//! id carries the practice's id (`x-hamnvakt-best-practice--<id>`), so the practice keeps its
//! identity across installations and a second arrival of the same version changes nothing.
//!
//! The library (the `practices` table) follows the sharing store: a practice written here is
//! filed there in the same transaction; a practice object that arrives and is the newest
//! version of its id replaces the library's row, and a revoked one takes it out. Reading an
//! arriving object is total: a field that does not hold is named with its reason.

use hamnvakt_assessment::catalogue::Catalogue;
use hamnvakt_assessment::model::Modus;
use hamnvakt_assessment::practice::{CostBand, Effort, Practice};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::Marking;
use hamnvakt_core::validate::FieldError;
use hamnvakt_sharing::stix::{self, BEST_PRACTICE_TYPE, HAMNVAKT_SDO_EXTENSION};
use hamnvakt_store::{Filed, NewShared, PracticeRow, WriteTx};
use serde_json::{json, Map, Value};

use crate::web::error::ApiError;

/// The STIX id of the practice with library id `id`.
pub fn stix_id(id: &str) -> String {
    format!("{BEST_PRACTICE_TYPE}--{id}")
}

/// The library id of a practice's STIX id, if it is one.
pub fn library_id(stix_id: &str) -> Option<&str> {
    stix_id
        .strip_prefix(BEST_PRACTICE_TYPE)
        .and_then(|r| r.strip_prefix("--"))
}

fn effort_str(e: Effort) -> &'static str {
    match e {
        Effort::Low => "low",
        Effort::Medium => "medium",
        Effort::High => "high",
    }
}

fn cost_str(c: CostBand) -> &'static str {
    match c {
        CostBand::Under100k => "under100k",
        CostBand::To1m => "to1m",
        CostBand::To10m => "to10m",
        CostBand::Over10m => "over10m",
    }
}

/// The STIX body of a practice (without marking references: the sharing store keeps the
/// marking beside the body and adds them on the way out).
pub fn to_stix(
    id: &str,
    owner: OrgId,
    p: &Practice,
    created_ms: i64,
    catalogue_version: &str,
) -> Map<String, Value> {
    let at = stix::timestamp(created_ms);
    let modi: Vec<Value> = p
        .modi
        .iter()
        .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
        .collect();
    let v = json!({
        "type": BEST_PRACTICE_TYPE,
        "spec_version": "2.1",
        "id": stix_id(id),
        "created": at,
        "modified": at,
        "created_by_ref": stix::identity_id(owner),
        "name": p.title,
        "description": p.description,
        "effort": effort_str(p.effort),
        "cost_band": cost_str(p.cost),
        "evidence_of_effect": p.evidence_of_effect,
        "controls": p.controls,
        "catalogue_version": catalogue_version,
        "modi_operandi": modi,
        "extensions": {HAMNVAKT_SDO_EXTENSION: {"extension_type": "new-sdo"}},
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Reads a practice object (as it arrived, under `at`, e.g. `objects[3]`): every field that
/// does not hold, by path, with why; the practice's controls must be in `cat`.
pub fn from_stix(
    at: &str,
    body: &Map<String, Value>,
    cat: &Catalogue,
) -> Result<Practice, Vec<FieldError>> {
    let mut errors = Vec::new();
    let path = |f: &str| {
        if at.is_empty() {
            f.to_owned()
        } else {
            format!("{at}.{f}")
        }
    };
    let mut text = |f: &str, required: bool| -> String {
        match body.get(f) {
            Some(Value::String(s)) => s.clone(),
            None if !required => String::new(),
            None => {
                errors.push(FieldError::new(path(f), "required on a best practice"));
                String::new()
            }
            Some(_) => {
                errors.push(FieldError::new(path(f), "not a string"));
                String::new()
            }
        }
    };
    let title = text("name", true);
    let description = text("description", true);
    let evidence_of_effect = text("evidence_of_effect", true);
    let effort_s = text("effort", true);
    let cost_s = text("cost_band", true);
    let effort = match effort_s.as_str() {
        "low" => Some(Effort::Low),
        "medium" => Some(Effort::Medium),
        "high" => Some(Effort::High),
        "" => None,
        other => {
            errors.push(FieldError::new(
                path("effort"),
                format!("{other:?} is not low, medium or high"),
            ));
            None
        }
    };
    let cost = match cost_s.as_str() {
        "under100k" => Some(CostBand::Under100k),
        "to1m" => Some(CostBand::To1m),
        "to10m" => Some(CostBand::To10m),
        "over10m" => Some(CostBand::Over10m),
        "" => None,
        other => {
            errors.push(FieldError::new(
                path("cost_band"),
                format!("{other:?} is not under100k, to1m, to10m or over10m"),
            ));
            None
        }
    };
    let mut strings = |f: &str, required: bool| -> Vec<String> {
        match body.get(f) {
            None if !required => vec![],
            None => {
                errors.push(FieldError::new(path(f), "required on a best practice"));
                vec![]
            }
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    Value::String(s) => Some(s.clone()),
                    _ => {
                        errors.push(FieldError::new(path(&format!("{f}[{i}]")), "not a string"));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                errors.push(FieldError::new(path(f), "expected a list of strings"));
                vec![]
            }
        }
    };
    let controls = strings("controls", true);
    let modi_names = strings("modi_operandi", false);
    let mut modi = Vec::with_capacity(modi_names.len());
    for (i, m) in modi_names.iter().enumerate() {
        match serde_json::from_value::<Modus>(Value::String(m.clone())) {
            Ok(x) => modi.push(x),
            Err(_) => errors.push(FieldError::new(
                path(&format!("modi_operandi[{i}]")),
                format!("{m:?} is not a modus operandi known here"),
            )),
        }
    }
    let (Some(effort), Some(cost)) = (effort, cost) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let p = Practice {
        title,
        description,
        effort,
        cost,
        evidence_of_effect,
        controls,
        modi,
    };
    p.check(at, cat)?;
    Ok(p)
}

/// The library row of a practice object that was filed as the newest version of its id.
fn row_of(r: &NewShared, cat: &Catalogue) -> Result<Option<PracticeRow>, ApiError> {
    let Some(id) = library_id(&r.stix_id) else {
        return Ok(None);
    };
    let body: Map<String, Value> = serde_json::from_str(&r.body)
        .map_err(|e| ApiError::Internal(format!("shared object {} body: {e}", r.stix_id)))?;
    let Ok(p) = from_stix("", &body, cat) else {
        // Checked before filing; a body that does not read now is not the library's.
        return Ok(None);
    };
    let created = body
        .get("created")
        .and_then(Value::as_str)
        .and_then(stix::parse_timestamp)
        .unwrap_or(r.modified_ms);
    Ok(Some(PracticeRow {
        id: id.to_owned(),
        owner_org: r.owner_org.to_string(),
        marking: marking_text(&r.marking)?,
        created_ms: created,
        data: serde_json::to_string(&p)
            .map_err(|e| ApiError::Internal(format!("a practice does not serialise: {e}")))?,
    }))
}

pub fn marking_text(m: &Marking) -> Result<String, ApiError> {
    serde_json::to_string(m)
        .map_err(|e| ApiError::Internal(format!("a marking does not serialise: {e}")))
}

/// Keeps the library in step with what was just filed in the sharing store, in the same
/// transaction: the newest version of a practice replaces its row, a revoked one removes it.
pub async fn follow_shared(
    tx: &mut WriteTx,
    rows: &[NewShared],
    filed: &[Filed],
    cat: &Catalogue,
) -> Result<(), ApiError> {
    for (r, f) in rows.iter().zip(filed) {
        if r.stix_type != BEST_PRACTICE_TYPE || *f != Filed::Latest {
            continue;
        }
        let Some(id) = library_id(&r.stix_id) else {
            continue;
        };
        if r.revoked {
            tx.remove_practice(id).await?;
        } else if let Some(row) = row_of(r, cat)? {
            tx.put_practice(&row).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn practice() -> Practice {
        Practice {
            title: "Named-driver pick-up".into(),
            description: "Release ends at one named driver; the gate checks the card.".into(),
            effort: Effort::Medium,
            cost: CostBand::To1m,
            evidence_of_effect: "No PIN-code collection since.".into(),
            controls: vec!["CRG-1".into()],
            modi: vec![Modus::FakeDriver, Modus::ReleaseFraud],
        }
    }

    #[test]
    fn a_practice_survives_its_stix_form() {
        let cat = Catalogue::builtin();
        let org: OrgId = "0b0e7d2c-6a55-4f1e-9d3a-0c1f7a1e2b3c".parse().unwrap();
        let id = "4a7f0f2e-9b0c-4d8e-8f1a-2b3c4d5e6f70";
        let body = to_stix(id, org, &practice(), 1_764_000_000_000, &cat.version);
        assert_eq!(body["id"], json!(stix_id(id)));
        assert_eq!(library_id(body["id"].as_str().unwrap()), Some(id));
        assert_eq!(from_stix("objects[0]", &body, &cat).unwrap(), practice());
    }

    #[test]
    fn every_fault_of_an_arriving_practice_is_named() {
        let cat = Catalogue::builtin();
        let org: OrgId = "0b0e7d2c-6a55-4f1e-9d3a-0c1f7a1e2b3c".parse().unwrap();
        let mut body = to_stix(
            "4a7f0f2e-9b0c-4d8e-8f1a-2b3c4d5e6f70",
            org,
            &practice(),
            0,
            "x",
        );
        body.insert("effort".into(), json!("enormous"));
        body.insert("controls".into(), json!(["CRG-1", 7, "NOPE-1"]));
        body.insert("modi_operandi".into(), json!(["teleport"]));
        body.remove("description");
        let e = from_stix("objects[2]", &body, &cat).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.field.as_str()).collect();
        assert!(fields.contains(&"objects[2].description"), "{fields:?}");
        assert!(fields.contains(&"objects[2].effort"), "{fields:?}");
        assert!(fields.contains(&"objects[2].controls[1]"), "{fields:?}");
        assert!(
            fields.contains(&"objects[2].modi_operandi[0]"),
            "{fields:?}"
        );
        // Fixed, an unknown control is still refused by the catalogue.
        body.insert("effort".into(), json!("low"));
        body.insert("description".into(), json!("d"));
        body.insert("controls".into(), json!(["NOPE-1"]));
        body.insert("modi_operandi".into(), json!([]));
        let e = from_stix("objects[2]", &body, &cat).unwrap_err();
        assert_eq!(e[0].field, "objects[2].controls[0]");
    }
}
