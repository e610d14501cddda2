//! An alert's evidence for people: the JSON a detector attached, shown as labelled fields in
//! the reader's language, times as local times (Europe/Stockholm) instead of epoch
//! milliseconds or RFC 3339 text, gate-decision reasons in words, lists of like objects (a
//! track, the refusals) as tables. Keys the console has no words for are shown as they are,
//! made readable; the JSON as recorded stays one click away for analysts.

use maud::{html, Markup};
use serde_json::Value;

use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{local_time, t};

/// Rows of a list shown before the rest is folded away.
const ROWS_SHOWN: usize = 12;

/// The console's words for an evidence key.
fn label(key: &str) -> Option<Msg> {
    Some(match key {
        "credential_state" => Msg::E_credential_state,
        "gate" => Msg::E_gate,
        "gates" => Msg::E_gates,
        "local_time" => Msg::E_local_time,
        "decision" => Msg::E_decision,
        "distance_km" => Msg::E_distance_km,
        "distance_m" => Msg::E_distance_m,
        "minutes_apart" => Msg::E_minutes_apart,
        "implied_speed_kmh" => Msg::E_implied_speed_kmh,
        "implied_speed_kn" => Msg::E_implied_speed_kn,
        "denials" => Msg::E_denials,
        "last_reasons" => Msg::E_last_reasons,
        "reasons" => Msg::E_reasons,
        "threshold" => Msg::E_threshold,
        "count" => Msg::E_count,
        "within_minutes" => Msg::E_within_minutes,
        "entries_in_history" => Msg::E_entries_in_history,
        "share_near_this_hour" => Msg::E_share_near_this_hour,
        "usual_hours" => Msg::E_usual_hours,
        "zone" => Msg::E_zone,
        "zones_used_before" => Msg::E_zones_used_before,
        "direction" => Msg::E_direction,
        "at_ms" => Msg::E_at_ms,
        "at" => Msg::E_at,
        "lat" => Msg::E_lat,
        "lon" => Msg::E_lon,
        "speed_kn" => Msg::E_speed_kn,
        "course_deg" => Msg::E_course_deg,
        "heading_deg" => Msg::E_heading_deg,
        "from" => Msg::E_from,
        "to" => Msg::E_to,
        "last_seen" => Msg::E_last_seen,
        "seen_again" => Msg::E_seen_again,
        "other_messages_heard_meanwhile" => Msg::E_other_messages_heard_meanwhile,
        "since" => Msg::E_since,
        "now" => Msg::E_now,
        "fast" => Msg::E_fast,
        "slow" => Msg::E_slow,
        "hours" => Msg::E_hours,
        "minutes" => Msg::E_minutes,
        "mean_speed_kn" => Msg::E_mean_speed_kn,
        "median_speed_kn" => Msg::E_median_speed_kn,
        "median_distance_m" => Msg::E_median_distance_m,
        "track" => Msg::E_track,
        "tracks" => Msg::E_tracks,
        "field" => Msg::E_field,
        "imo" => Msg::E_imo,
        "mmsis" => Msg::E_mmsis,
        "mid" => Msg::E_mid,
        "mid_country" => Msg::E_mid_country,
        "declared_flag" => Msg::E_declared_flag,
        "message_type" => Msg::E_message_type,
        "vessels" => Msg::E_vessels,
        "start_ms" => Msg::E_start_ms,
        "last_ms" => Msg::E_last_ms,
        "release" => Msg::E_release,
        "container" => Msg::E_container,
        "bill_of_lading" => Msg::E_bill_of_lading,
        "presented_driver" => Msg::E_presented_driver,
        "presented_driver_name" => Msg::E_presented_driver_name,
        "presented_driver_org" => Msg::E_presented_driver_org,
        "assigned_driver" => Msg::E_assigned_driver,
        "assigned_driver_name" => Msg::E_assigned_driver_name,
        "assigned_plate" => Msg::E_assigned_plate,
        "haulier" => Msg::E_haulier,
        "indicator" => Msg::E_indicator,
        "sighting" => Msg::E_sighting,
        "seen_by" => Msg::E_seen_by,
        "description" => Msg::E_description,
        "first_seen" => Msg::E_first_seen,
        "value" => Msg::E_value,
        "kind" => Msg::E_kind,
        "observed" => Msg::E_observed,
        "incident" => Msg::E_incident,
        "version" => Msg::E_version,
        "code" => Msg::E_code,
        "text" => Msg::E_text,
        "reason" => Msg::E_reason,
        "person" => Msg::E_person,
        "credential" => Msg::E_credential,
        "plate" => Msg::E_plate,
        "joined_by" => Msg::E_joined_by,
        "entity" => Msg::E_entity,
        "part" => Msg::E_part,
        "with" => Msg::E_with,
        "parts" => Msg::E_parts,
        "alert" => Msg::E_alert,
        "rule" => Msg::E_rule,
        "name" => Msg::E_name,
        "id" => Msg::E_id,
        "hits" => Msg::E_hits,
        "lane" => Msg::E_lane,
        "profile" => Msg::E_profile,
        "profiles" => Msg::E_profiles,
        "weight" => Msg::E_weight,
        "score" => Msg::E_score,
        "rank_percent" => Msg::E_rank_percent,
        "vessel_call" => Msg::E_vessel_call,
        "origin" => Msg::E_origin,
        "hs_code" => Msg::E_hs_code,
        _ => return None,
    })
}

/// A key the console has no words for, readable: `seen_at_berth` → `Seen at berth`.
fn readable(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn key_label(lang: Lang, key: &str) -> String {
    match label(key) {
        Some(m) => t(lang, m).to_owned(),
        // The id [`named`] kept beside a name.
        None => match key.strip_suffix("_id").and_then(label) {
            Some(m) => format!("{} (id)", t(lang, m)),
            None => readable(key),
        },
    }
}

/// Epoch milliseconds between 2001 and 2286: a key naming a time (`…_ms`, `at_ms`) whose
/// value is one is shown as a local time.
fn as_time(key: &str, v: &Value) -> Option<i64> {
    if !(key.ends_with("_ms") || key == "at" || key.ends_with("_at")) {
        return None;
    }
    v.as_i64()
        .filter(|ms| (1_000_000_000_000..10_000_000_000_000).contains(ms))
}

/// RFC 3339 text (`2026-03-01T02:14:00Z`) as a local time.
fn text_time(s: &str) -> Option<i64> {
    if s.len() < 20 || s.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    s.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// A number with at most four decimals, with the reader's decimal sign.
fn number(lang: Lang, n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    let s = match n.as_f64() {
        Some(f) => {
            let s = format!("{f:.4}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        None => n.to_string(),
    };
    match lang {
        Lang::Sv => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A code a detector writes as a value (a credential's state, a gate decision's outcome, a
/// direction, a lane), in words.
fn word(lang: Lang, key: &str, s: &str) -> Option<String> {
    let m = match (key, s) {
        ("credential_state", _) => return Some(super::words::credential_state(lang, s)),
        ("observed", _) => return observed(lang, s),
        ("decision", "grant") => Msg::Grant,
        ("decision", "deny") => Msg::Deny,
        ("decision", "refer") => Msg::Refer,
        ("direction", "in") => Msg::DirIn,
        ("direction", "out") => Msg::DirOut,
        ("lane", "red") => Msg::LaneRed,
        ("lane", "yellow") => Msg::LaneYellow,
        ("lane", "blue") => Msg::LaneBlue,
        ("lane", "green") => Msg::LaneGreen,
        _ => return None,
    };
    Some(t(lang, m).to_owned())
}

/// What the indicator matcher observed, in the reader's words: the capabilities write it in
/// English from four patterns (a presentation at a gate, a release, a vessel in the AIS
/// picture, a consignment), whose names and numbers are kept.
fn observed(lang: Lang, s: &str) -> Option<String> {
    if lang == Lang::En {
        return None;
    }
    const PATTERNS: &[(&str, &str, &str)] = &[
        ("a presentation at gate ", "", "en passage vid grind "),
        (
            "the release of container ",
            "",
            "frisläppandet av container ",
        ),
        ("the AIS picture (vessel ", ")", "AIS-lägesbilden (fartyg "),
        ("consignment ", "", "sändning "),
    ];
    PATTERNS.iter().find_map(|(en, end, sv)| {
        let rest = s.strip_prefix(en)?;
        let rest = rest.strip_suffix(end).unwrap_or(rest);
        Some(if end.is_empty() {
            format!("{sv}{rest}")
        } else {
            format!("{sv}{rest}{end}")
        })
    })
}

/// The evidence with what a rule wrote in words put in the reader's words: a built-in
/// correlation rule's name (a rule someone wrote keeps theirs).
pub fn localised(lang: Lang, kind: &str, evidence: &Value) -> Value {
    let mut e = evidence.clone();
    if kind.starts_with("correlation.") {
        if let Some(rule) = e.get_mut("rule").and_then(Value::as_object_mut) {
            if let (Some(code), Some(name)) = (
                rule.get("code").and_then(Value::as_str),
                rule.get("name").and_then(Value::as_str),
            ) {
                let words = super::words::correlation_name(lang, code, name);
                rule.insert("name".into(), Value::String(words));
            }
        }
    }
    e
}

/// The evidence with the organisations and people it names by id shown by name where
/// known: an organisation by `org`, a person by the `<key>_name` the detector wrote beside
/// the id. The id stays, under `<key>_id`, so the evidence loses nothing. Only the top
/// level: that is where the detectors put them.
pub fn named(evidence: &Value, org: impl Fn(&str) -> Option<String>) -> Value {
    let Some(obj) = evidence.as_object() else {
        return evidence.clone();
    };
    let id_of = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .filter(|s| s.parse::<uuid::Uuid>().is_ok())
    };
    let name_of = |k: &str| {
        obj.get(&format!("{k}_name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut out = serde_json::Map::new();
    for (k, v) in obj {
        let merged_name = k
            .strip_suffix("_name")
            .is_some_and(|base| id_of(base).is_some() && name_of(base).is_some());
        if merged_name {
            continue;
        }
        match id_of(k).and_then(|id| name_of(k).or_else(|| org(id))) {
            Some(name) => {
                out.insert(k.clone(), Value::String(name));
                out.insert(format!("{k}_id"), v.clone());
            }
            None => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The console page of a record an evidence key names by its id.
fn page_of(key: &str) -> Option<&'static str> {
    match key {
        "release" => Some("/releases/"),
        "incident" => Some("/incidents/"),
        "case" => Some("/cases/"),
        _ => None,
    }
}

/// One value, under the key it was found at.
fn value(lang: Lang, key: &str, v: &Value) -> Markup {
    if let Some(ms) = as_time(key, v) {
        return html! { time datetime=(crate::web::time::rfc3339(ms)) { (local_time(ms)) } };
    }
    match v {
        Value::Null => html! { "—" },
        Value::Bool(b) => html! { (t(lang, if *b { Msg::EvYes } else { Msg::EvNo })) },
        Value::Number(n) => html! { (number(lang, n)) },
        Value::String(s) => match (text_time(s), word(lang, key, s)) {
            (Some(ms), _) => {
                html! { time datetime=(crate::web::time::rfc3339(ms)) { (local_time(ms)) } }
            }
            (None, Some(w)) => html! { span title=(s) { (w) } },
            // A part of a correlation, or an alert named by another: a link to it (whose
            // page applies its own marking), not a bare id.
            (None, None) if key == "alert" && s.parse::<uuid::Uuid>().is_ok() => {
                html! { a.alert-ref href={ "/alerts/" (s) } title=(s) { (t(lang, Msg::EvOpenAlert)) " " code { (s.get(..8).unwrap_or(s)) } } }
            }
            // A release, incident or case the finding is about: a link to its page, which
            // shows it only to those who may read it.
            (None, None) if s.parse::<uuid::Uuid>().is_ok() && page_of(key).is_some() => {
                let page = page_of(key).unwrap_or_default();
                html! { a.record-ref href={ (page) (s) } title=(s) { (key_label(lang, key)) " " code { (s.get(..8).unwrap_or(s)) } } }
            }
            (None, None) => html! { (s) },
        },
        Value::Array(items) => list(lang, key, items),
        Value::Object(_) => fields(lang, v),
    }
}

/// A gate decision's reason, `{code, text}`, in the reader's words when the console has them;
/// or a targeting profile's reason, `{code, params}`, in the reader's words.
fn reason(lang: Lang, v: &Value) -> Option<Markup> {
    let code = v.get("code")?.as_str()?;
    if v.get("params").is_some_and(Value::is_object) {
        return Some(html! { (crate::targeting::reason_value(lang, v)) });
    }
    let text = v.get("text").and_then(Value::as_str).unwrap_or(code);
    Some(match i18n::reason(code) {
        Some(m) => html! { span title=(text) { (t(lang, m)) } },
        None => html! { (text) },
    })
}

fn list(lang: Lang, key: &str, items: &[Value]) -> Markup {
    if items.is_empty() {
        return html! { "—" };
    }
    if items.iter().all(|i| !i.is_object() && !i.is_array()) {
        return html! {
            @for (n, i) in items.iter().enumerate() {
                @if n > 0 { ", " }
                (value(lang, key, i))
            }
        };
    }
    if items.iter().all(|i| reason(lang, i).is_some()) {
        return html! { ul.evidence-reasons { @for i in items { @if let Some(r) = reason(lang, i) { li { (r) } } } } };
    }
    // Objects with the same scalar fields (a track, the refusals): a table.
    let columns: Vec<String> = match items.first().and_then(Value::as_object) {
        Some(first) if items.iter().all(Value::is_object) => first.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let tabular = !columns.is_empty()
        && items.iter().all(|i| {
            i.as_object().is_some_and(|o| {
                o.len() == columns.len()
                    && o.iter()
                        .all(|(k, v)| columns.contains(k) && !v.is_object() && !v.is_array())
            })
        });
    let row = |i: &Value| {
        html! { tr { @for c in &columns { td { (value(lang, c, i.get(c).unwrap_or(&Value::Null))) } } } }
    };
    if tabular {
        let head = html! { thead { tr { @for c in &columns { th { (key_label(lang, c)) } } } } };
        let (shown, rest) = items.split_at(items.len().min(ROWS_SHOWN));
        return html! {
            table.evidence-rows {
                (head)
                tbody { @for i in shown { (row(i)) } }
            }
            @if !rest.is_empty() {
                details.evidence-more {
                    summary { "… " (rest.len()) " " (t(lang, Msg::EvidenceMoreRows)) }
                    table.evidence-rows { (head) tbody { @for i in rest { (row(i)) } } }
                }
            }
        };
    }
    html! { ol.evidence-list { @for i in items { li { (value(lang, key, i)) } } } }
}

/// An object's fields as a definition list.
fn fields(lang: Lang, v: &Value) -> Markup {
    let Some(map) = v.as_object() else {
        return value(lang, "", v);
    };
    if let Some(r) = reason(lang, v).filter(|_| map.len() <= 2) {
        return r;
    }
    html! {
        dl.evidence-fields {
            @for (k, v) in map {
                dt data-key=(k) { (key_label(lang, k)) }
                dd { (value(lang, k, v)) }
            }
        }
    }
}

/// [`render_as`] of evidence shown as it was recorded.
#[cfg(test)]
pub fn render(lang: Lang, evidence: &Value) -> Markup {
    render_as(lang, evidence, evidence)
}

/// The evidence section of the alert page: the fields for people, as `shown` (put in the
/// reader's words and names), then the JSON as it was `recorded`.
pub fn render_as(lang: Lang, shown: &Value, recorded: &Value) -> Markup {
    let evidence = shown;
    let raw = serde_json::to_string_pretty(recorded).unwrap_or_default();
    html! {
        div.evidence #alert-evidence {
            @match evidence {
                Value::Object(map) if map.is_empty() => { p.muted { "—" } }
                Value::Null => { p.muted { "—" } }
                Value::Object(_) => { (fields(lang, evidence)) }
                other => { p { (value(lang, "", other)) } }
            }
            details.evidence-raw {
                summary { (t(lang, Msg::EvidenceAsRecorded)) }
                pre.evidence { (raw) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_the_matcher_observed_reads_in_swedish() {
        assert_eq!(
            observed(Lang::Sv, "a presentation at gate NVK-G5").as_deref(),
            Some("en passage vid grind NVK-G5")
        );
        assert_eq!(
            observed(Lang::Sv, "the AIS picture (vessel 265123456, ANDES TRADER)").as_deref(),
            Some("AIS-lägesbilden (fartyg 265123456, ANDES TRADER)")
        );
        assert_eq!(
            observed(Lang::Sv, "consignment SE1").as_deref(),
            Some("sändning SE1")
        );
        assert_eq!(observed(Lang::En, "consignment SE1"), None);
        let sv = render(
            Lang::Sv,
            &json!({"observed": "the release of container MSKU4839210"}),
        )
        .into_string();
        assert!(
            sv.contains("frisläppandet av container MSKU4839210"),
            "{sv}"
        );
    }

    #[test]
    fn times_are_local_and_fields_labelled_in_both_languages() {
        // 2026-03-01T01:14:00Z is 02:14 in Stockholm (CET).
        let e = json!({"last_seen": {"at_ms": 1_772_327_640_000_i64, "lat": 59.3, "lon": 18.1},
                       "first_seen": "2026-03-01T01:14:00Z", "minutes": 42, "odd_key": true});
        let en = render(Lang::En, &e).into_string();
        let sv = render(Lang::Sv, &e).into_string();
        let fields_en = en.split("<details").next().unwrap_or_default();
        assert!(fields_en.contains("2026-03-01 02:14"), "{en}");
        assert!(!fields_en.contains("1772327640000"), "{en}");
        assert!(
            fields_en.contains("Last heard") && fields_en.contains("Latitude"),
            "{en}"
        );
        assert!(
            fields_en.contains("Odd key") && fields_en.contains(">yes<"),
            "{en}"
        );
        let fields_sv = sv.split("<details").next().unwrap_or_default();
        assert!(
            fields_sv.contains("Senast hörd") && fields_sv.contains(">ja<"),
            "{sv}"
        );
        assert!(fields_sv.contains("2026-03-01 02:14"), "{sv}");
        // The JSON as recorded is kept, folded away.
        assert!(en.contains("1772327640000"), "{en}");
    }

    #[test]
    fn people_and_organisations_by_name_with_their_ids_kept() {
        let (driver, haulier, release) = (
            "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
            "6bc693e2-2b21-472b-a982-be8c496ec489",
            "830bbb91-6144-4bbd-895c-c6ec1a4bb76d",
        );
        let e = json!({"assigned_driver": driver, "assigned_driver_name": "Janis Kazlauskas",
                       "haulier": haulier, "release": release, "container": "MSKU4839210"});
        let named = named(&e, |id| {
            (id == haulier).then(|| "Baltic Road Cargo UAB".to_owned())
        });
        assert_eq!(
            named,
            json!({"assigned_driver": "Janis Kazlauskas", "assigned_driver_id": driver,
                   "haulier": "Baltic Road Cargo UAB", "haulier_id": haulier,
                   "release": release, "container": "MSKU4839210"})
        );
    }

    #[test]
    fn a_correlations_parts_link_to_their_alerts() {
        let id = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
        let e = json!({"parts": [{"part": "cargo", "alert": id, "kind": "cargo.high_risk"}]});
        let en = render(Lang::En, &e).into_string();
        assert!(en.contains(&format!("href=\"/alerts/{id}\"")), "{en}");
        // Text that is not an id stays text.
        let e = json!({"parts": [{"part": "cargo", "alert": "not an id"}]});
        assert!(!render(Lang::En, &e).into_string().contains("href"));
    }

    #[test]
    fn a_release_or_incident_named_by_id_is_a_link_to_its_page() {
        let id = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
        let sv = render(Lang::Sv, &json!({"release": id, "incident": id})).into_string();
        assert!(sv.contains(&format!("href=\"/releases/{id}\"")), "{sv}");
        assert!(sv.contains(&format!("href=\"/incidents/{id}\"")), "{sv}");
        // Another key's id is not guessed at.
        let sv = render(Lang::Sv, &json!({"decision": id})).into_string();
        assert!(!sv.contains("href"), "{sv}");
    }

    #[test]
    fn codes_and_profile_reasons_are_words_and_numbers_the_readers() {
        let e = json!({"credential_state": "reported_lost", "decision": "deny", "lane": "red",
                       "distance_km": 10.0645,
                       "hits": [{"name": "Fruit", "reasons": [{"code": "route_via", "params": {"port": "ECGYE"}}]}]});
        let sv = render(Lang::Sv, &e).into_string();
        let fields = sv.split("<details").next().unwrap_or_default();
        for words in [
            "Förlustanmält",
            "Nekad",
            "Röd: undersökning",
            "10,0645",
            "via ECGYE",
            "Profilträffar",
        ] {
            assert!(fields.contains(words), "{words}: {fields}");
        }
        assert!(
            !fields.contains("reported_lost") || fields.contains("title=\"reported_lost\""),
            "{fields}"
        );
        let en = render(Lang::En, &e).into_string();
        assert!(
            en.contains("Reported lost") && en.contains("10.0645"),
            "{en}"
        );
        let rule = json!({"rule": {"id": "cargo_vessel_gate", "version": 0, "code": "cargo_vessel_gate",
                          "name": "High-risk container, its vessel dark on the approach, its driver near the stack"}});
        let sv = localised(Lang::Sv, "correlation.cargo_vessel_gate", &rule);
        let name = sv
            .get("rule")
            .and_then(|r| r.get("name"))
            .and_then(Value::as_str);
        assert!(
            name.unwrap_or_default().starts_with("Högriskcontainer"),
            "{sv}"
        );
    }

    #[test]
    fn a_track_is_a_table_and_reasons_are_words() {
        let points: Vec<Value> = (0..20)
            .map(|i| json!({"at_ms": 1_772_327_640_000_i64 + i * 60_000, "lat": 59.0, "lon": 18.0}))
            .collect();
        let e = json!({"track": points, "last_reasons": [{"code": "no_permit", "text": "no permit in force"}]});
        let en = render(Lang::En, &e).into_string();
        assert!(en.contains("<table class=\"evidence-rows\">"), "{en}");
        assert!(en.contains("… 8 more"), "{en}");
        let reason = t(Lang::Sv, i18n::reason("no_permit").unwrap_or(Msg::E_reason));
        assert!(render(Lang::Sv, &e).into_string().contains(reason));
    }
}
