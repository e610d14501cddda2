//! Targeting's words in the reader's language: the profiles' reasons and the model's, and the
//! lanes' "why", stored as codes with parameters (see
//! [`hamnvakt_targeting::profile::Reason`]) and rendered here in Swedish or English. Records
//! stored before the codes — reasons as English sentences, model reasons as bare log-odds —
//! are still read: a sentence is shown as it was written.

use hamnvakt_targeting::profile::Reason;
use serde_json::Value;

use crate::web::i18n::Lang;

/// A number as the reader writes it (a decimal comma in Swedish).
fn number(lang: Lang, s: &str) -> String {
    match lang {
        Lang::Sv if s.parse::<f64>().is_ok() => s.replace('.', ","),
        _ => s.to_owned(),
    }
}

/// One profile reason.
pub fn reason(lang: Lang, r: &Reason) -> String {
    let p = |k: &str| r.param(k).to_owned();
    let n = |k: &str| number(lang, r.param(k));
    match (lang, r.code.as_str()) {
        (Lang::Sv, "origin") => format!("ursprung {}", p("country")),
        (Lang::Sv, "departure") => format!("avgång från {}", p("country")),
        (Lang::Sv, "hs_prefix") => format!("HS {} under {}", p("hs"), p("prefix")),
        (Lang::Sv, "first_importer") => {
            format!("första sändningen till importören {}", p("importer"))
        }
        (Lang::Sv, "route_via") => format!("via {}", p("port")),
        (Lang::Sv, "value_per_kg") => format!(
            "{} per kg mot normen {} för HS {}",
            n("per_kg"),
            n("norm"),
            p("heading")
        ),
        _ => r.to_string(),
    }
}

/// One stored or computed profile reason: a code with parameters, or (older records) a
/// sentence.
pub fn reason_value(lang: Lang, v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => match serde_json::from_value::<Reason>(other.clone()) {
            Ok(r) => reason(lang, &r),
            Err(_) => other.to_string(),
        },
    }
}

/// A profile hit's reasons, joined.
pub fn hit_reasons(lang: Lang, hit: &Value) -> String {
    hit["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| reason_value(lang, x))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// What a feature's value says, in words: `new importer`, `origin EC`.
fn feature(lang: Lang, name: &str, value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", f as i64)
            } else {
                number(lang, &format!("{f:.2}"))
            }
        }
        _ => String::new(),
    };
    let sv = lang == Lang::Sv;
    let missing = text.is_empty();
    match name {
        "importer_earlier" => match value.as_f64() {
            Some(n) if n < 0.5 => (if sv { "ny importör" } else { "new importer" }).into(),
            Some(n) if n < 1.5 => (if sv {
                "importör med en tidigare sändning"
            } else {
                "importer with one earlier consignment"
            })
            .into(),
            Some(_) if sv => format!("importör med {text} tidigare sändningar"),
            Some(_) => format!("importer with {text} earlier consignments"),
            None if sv => "importören okänd".into(),
            None => "importer unknown".into(),
        },
        "value_vs_norm" if missing => (if sv {
            "ingen värdenorm för varugruppen"
        } else {
            "no value norm for its heading"
        })
        .into(),
        "value_vs_norm" if sv => format!("värde per kg {text} × varugruppens norm"),
        "value_vs_norm" => format!("value per kg {text} × its heading's norm"),
        "transport" => match (text.as_str(), sv) {
            ("container", true) => "i container".into(),
            ("container", false) => "in a container".into(),
            ("roro", true) => "rorolast".into(),
            ("roro", false) => "on a ro-ro unit".into(),
            (_, true) => "okänt transportsätt".into(),
            (_, false) => "no transport unit".into(),
        },
        _ => {
            let label = match (name, sv) {
                ("origin_country", false) => "origin",
                ("origin_country", true) => "ursprung",
                ("departure_country", false) => "departure from",
                ("departure_country", true) => "avgång från",
                ("hs_code" | "hs_code (as number)", _) => "HS",
                ("hs4", false) => "HS heading",
                ("hs4", true) => "HS-position",
                ("first_port", false) => "loaded at",
                ("first_port", true) => "lastad i",
                ("last_foreign_port", false) => "last port abroad",
                ("last_foreign_port", true) => "sista hamn utomlands",
                ("carrier", false) => "carrier",
                ("carrier", true) => "transportör",
                ("importer", false) => "importer",
                ("importer", true) => "importör",
                ("declarant", false) => "declarant",
                ("declarant", true) => "deklarant",
                ("seller", false) => "seller",
                ("seller", true) => "säljare",
                ("mass", false) => "mass (kg)",
                ("mass", true) => "vikt (kg)",
                ("value", false) => "value",
                ("value", true) => "värde",
                ("value per kg", true) => "värde per kg",
                ("route_length", false) => "ports on the route",
                ("route_length", true) => "hamnar på rutten",
                (other, _) => other,
            };
            if missing {
                format!("{label} {}", if sv { "saknas" } else { "missing" })
            } else {
                format!("{label} {text}")
            }
        }
    }
}

/// One model reason: `×2.1 odds: new importer` (the factor by which the feature multiplied
/// the odds of a finding). Older records without the factor show the feature and its
/// log-odds.
pub fn model_reason(lang: Lang, v: &Value) -> String {
    let name = v["feature"].as_str().unwrap_or("");
    match v["odds_factor"].as_f64() {
        Some(f) => {
            let factor = if f >= 10.0 {
                format!("{f:.0}")
            } else {
                number(lang, &format!("{f:.1}"))
            };
            format!("×{factor} odds: {}", feature(lang, name, &v["value"]))
        }
        None => match v["log_odds"].as_f64() {
            Some(w) => format!("{name} ({})", number(lang, &format!("{w:+.2}"))),
            None => name.to_owned(),
        },
    }
}

/// The model's reasons, joined.
pub fn model_reasons(lang: Lang, m: &Value) -> String {
    m["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| model_reason(lang, x))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// Why a consignment is in its lane.
pub fn why(lang: Lang, code: &str) -> String {
    let sv = lang == Lang::Sv;
    match code {
        "risk" => "risk".into(),
        "random" => (if sv { "slumpvis" } else { "random" }).into(),
        "exploration" => (if sv { "utforskning" } else { "exploration" }).into(),
        "released" => (if sv { "frigjord" } else { "released" }).into(),
        "rerouted" => (if sv { "omdirigerad" } else { "rerouted" }).into(),
        other => other.to_owned(),
    }
}

/// A stored selection's reasons in words: the profile hits it was selected on (codes, or
/// older records' sentences), or a re-route's reason as the officer wrote it.
pub fn stored_reasons(lang: Lang, reasons: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(reasons) else {
        return reasons.to_owned();
    };
    match &v {
        Value::Array(hits) => hits
            .iter()
            .map(|h| {
                format!(
                    "{}: {}",
                    h["name"].as_str().unwrap_or(""),
                    hit_reasons(lang, h)
                )
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Value::Object(o) => o
            .get("reason")
            .and_then(Value::as_str)
            .map_or_else(|| v.to_string(), str::to_owned),
        _ => v.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reasons_in_both_languages_and_old_records_as_written() {
        let coded = json!({"code": "value_per_kg", "params": {"per_kg": "0.48", "norm": "1.10", "heading": "0803"}});
        assert_eq!(
            reason_value(Lang::En, &coded),
            "0.48 per kg against a norm of 1.10 for HS 0803"
        );
        assert_eq!(
            reason_value(Lang::Sv, &coded),
            "0,48 per kg mot normen 1,10 för HS 0803"
        );
        let old = json!("first consignment of importer SE1");
        assert_eq!(
            reason_value(Lang::Sv, &old),
            "first consignment of importer SE1"
        );
        let stored = json!([{"name": "Fruit", "reasons": [old, {"code": "route_via", "params": {"port": "ECGYE"}}]}]).to_string();
        assert_eq!(
            stored_reasons(Lang::Sv, &stored),
            "Fruit: first consignment of importer SE1; via ECGYE"
        );
        assert_eq!(stored_reasons(Lang::En, r#"{"reason":"tip"}"#), "tip");
    }

    #[test]
    fn model_reasons_are_factors_on_the_odds() {
        let r = json!({"feature": "importer_earlier", "value": 0.0, "odds_factor": 2.14, "log_odds": 0.76});
        assert_eq!(model_reason(Lang::En, &r), "×2.1 odds: new importer");
        assert_eq!(model_reason(Lang::Sv, &r), "×2,1 odds: ny importör");
        let r = json!({"feature": "origin_country", "value": "EC", "odds_factor": 0.5});
        assert_eq!(model_reason(Lang::En, &r), "×0.5 odds: origin EC");
        let old = json!({"feature": "importer", "log_odds": -0.31});
        assert_eq!(model_reason(Lang::En, &old), "importer (-0.31)");
        assert_eq!(why(Lang::Sv, "random"), "slumpvis");
        let r = json!({"feature": "value per kg", "value": 5.0, "odds_factor": 1.43});
        assert_eq!(model_reason(Lang::En, &r), "×1.4 odds: value per kg 5");
        assert_eq!(model_reason(Lang::Sv, &r), "×1,4 odds: värde per kg 5");
    }
}
