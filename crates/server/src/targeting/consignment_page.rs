//! A consignment's page in the console: what was declared, laid out as a customs officer reads
//! a declaration; its risk with each profile's reasons and the model's strongest features; its
//! lane; the alerts about its container the reader may see; and the forms to re-route it or
//! record what its inspection found.

use axum::extract::{Path, State};
use axum::response::Html;
use hamnvakt_core::alert::SubjectKind;
use hamnvakt_identity::Permission;
use hamnvakt_store::AlertFilter;
use hamnvakt_targeting::consignment::{Consignment, Party};
use maud::{html, Markup};

use super::pages::{lane_msg, page, subnav};
use crate::web::auth::UiUser;
use crate::web::error::ApiError;
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{layout, local_time, t, UiError, UiLang};
use crate::web::state::AppState;

fn party(p: &Party) -> Markup {
    html! {
        @if let Some(n) = &p.name { (n) " " }
        @if let Some(e) = &p.eori { code { (e) } " " }
        @if let Some(i) = &p.id { small.muted { (i) } }
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The declared fields, each in a row; empty ones are left out.
fn declaration(lang: Lang, c: &Consignment) -> Markup {
    let value_per_kg = match (c.value, c.mass_kg) {
        (Some(v), Some(m)) if m > 0.0 => Some(v / m),
        _ => None,
    };
    html! {
        table.record #declaration {
            tbody {
                @if let Some(d) = &c.date { tr { th { (t(lang, Msg::Day)) } td { (d) } } }
                @if let Some(x) = &c.container { tr { th { (t(lang, Msg::RelContainer)) } td { code { (x) } } } }
                @if let Some(x) = &c.roro_unit { tr { th { (t(lang, Msg::CgRoro)) } td { code { (x) } } } }
                @if let Some(x) = &c.vessel_call { tr { th { (t(lang, Msg::CgVesselCall)) } td { (x) } } }
                @for (msg, p) in [(Msg::CgImporter, &c.importer), (Msg::CgDeclarant, &c.declarant), (Msg::CgSeller, &c.seller), (Msg::CgCarrier, &c.carrier)] {
                    @if p.id.is_some() || p.name.is_some() || p.eori.is_some() {
                        tr { th { (t(lang, msg)) } td { (party(p)) } }
                    }
                }
                tr { th { (t(lang, Msg::CgHs)) } td { code { (c.hs_code) } } }
                @if let Some(x) = &c.origin_country { tr { th { (t(lang, Msg::CgOrigin)) } td { (x) } } }
                @if let Some(x) = &c.departure_country { tr { th { (t(lang, Msg::CgDeparture)) } td { (x) } } }
                @if !c.route_ports.is_empty() { tr { th { (t(lang, Msg::CgRoute)) } td { (c.route_ports.join(" → ")) } } }
                @if let Some(x) = c.mass_kg { tr { th { (t(lang, Msg::CgMass)) } td { (number(x)) " kg" } } }
                @if let Some(x) = c.value { tr { th { (t(lang, Msg::CgValue)) } td { (number(x)) } } }
                @if let Some(x) = value_per_kg { tr { th { (t(lang, Msg::CgValuePerKg)) } td { (number(x)) } } }
                @for (k, v) in &c.extra { tr { th { small { (k) } } td { small { (v) } } } }
            }
        }
    }
}

pub async fn consignment(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::CargoRead)?;
    let row = super::service::consignment(&state, &id).await?;
    let c: Consignment = serde_json::from_str(&row.data)
        .map_err(|e| ApiError::Internal(format!("stored consignment {id}: {e}")))?;
    let sel = match row.day {
        Some(d) => state
            .store
            .selections_of_day(d)
            .await?
            .into_iter()
            .find(|s| s.declaration_id == id),
        None => None,
    };
    let scored = super::service::score_one(&state, &row).await?;
    let alerts = match (&c.container, p.can(Permission::AlertsRead)) {
        (Some(container), true) => {
            state
                .store
                .list_alerts(
                    &p.viewer(),
                    &AlertFilter {
                        subject: Some((SubjectKind::Container, container.clone())),
                        limit: 50,
                        ..AlertFilter::default()
                    },
                )
                .await?
                .alerts
        }
        _ => Vec::new(),
    };
    let outcome = state.store.outcome(&id).await?;
    let path = format!("/targeting/c/{id}");
    let body = html! {
        h1 { (t(lang, Msg::Consignment)) " " code { (id) } }
        (subnav(lang))
        p { a href={ "/targeting?date=" (c.date.clone().unwrap_or_default()) } { "← " (t(lang, Msg::Worklist)) } }
        p #lane { (t(lang, Msg::Lane)) ": " @match &sel {
            Some(x) => { span class={ "lane lane-" (x.lane) } { (t(lang, lane_msg(&x.lane))) } " (" (super::words::why(lang, &x.why)) ")"
                @let why = super::words::stored_reasons(lang, &x.reasons);
                @if !why.is_empty() { br; small #lane-reasons { (why) } } }
            None => { (t(lang, Msg::NotSelected)) }
        } }
        @if let Some(o) = &outcome { p #outcome { (t(lang, Msg::InspectionOutcome)) ": " strong { (result_word(lang, &o.result)) } " " (outcome_detail(&o.data)) } }
        div.columns {
            section {
                h2 { (t(lang, Msg::CgDeclaration)) }
                (declaration(lang, &c))
            }
            section #score {
                h2 { (t(lang, Msg::Risk)) }
                @match &scored {
                    Some(s) => {
                        p.big { (format!("{:.0} %", s.risk * 100.0)) }
                        @if s.hits.is_empty() && s.model.is_none() { p.muted { (t(lang, Msg::CgNoReasons)) } }
                        ul.reasons {
                            @for h in &s.hits {
                                li { strong { (h["name"].as_str().unwrap_or("")) } " (" (format!("{:.0} %", h["weight"].as_f64().unwrap_or(0.0) * 100.0)) "): "
                                    (super::words::hit_reasons(lang, h)) }
                            }
                            @if let Some(m) = &s.model {
                                li.model { strong { (t(lang, Msg::ModelSays)) } " " (super::model_page::pct(lang, m["probability"].as_f64().unwrap_or(0.0))) ": "
                                    (super::words::model_reasons(lang, m)) }
                            }
                        }
                    }
                    None => { p.muted { (t(lang, Msg::CgNoReasons)) } }
                }
                @if c.container.is_some() && p.can(Permission::AlertsRead) {
                    h2 { (t(lang, Msg::CgAlerts)) }
                    @if alerts.is_empty() { p.muted { (t(lang, Msg::NoAlerts)) } } @else {
                        ul #alerts { @for a in &alerts {
                            li { (local_time(a.created_ms)) " " span class={ "sev sev-" (a.severity.as_str()) } { (t(lang, i18n::severity(a.severity))) } " "
                                a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) } }
                        } }
                    }
                }
            }
        }
        @if p.can(Permission::CargoSelect) {
            form.record #reroute method="post" action={ "/targeting/c/" (id) "/reroute" } {
                input type="hidden" name="csrf" value=(p.csrf());
                label { (t(lang, Msg::Lane)) select name="lane" {
                    @for l in ["red", "yellow", "blue", "green"] { option value=(l) { (t(lang, lane_msg(l))) } }
                } }
                label { (t(lang, Msg::Reason)) input name="reason" required maxlength="1000"; }
                button type="submit" { (t(lang, Msg::Reroute)) }
            }
        }
        @if p.can(Permission::CargoWrite) {
            form.record #record-outcome method="post" action={ "/targeting/c/" (id) "/outcome" } {
                input type="hidden" name="csrf" value=(p.csrf());
                label { (t(lang, Msg::InspectionOutcome)) select name="result" {
                    option value="nothing_found" { (t(lang, Msg::ResultNothing)) }
                    option value="irregularity" { (t(lang, Msg::ResultIrregularity)) }
                    option value="seizure" { (t(lang, Msg::ResultSeizure)) }
                } }
                label { (t(lang, Msg::Goods)) input name="goods" maxlength="200"; }
                label { (t(lang, Msg::Quantity)) input name="quantity" inputmode="decimal"; }
                label { (t(lang, Msg::Unit)) input name="unit" maxlength="20"; }
                label { (t(lang, Msg::Note)) input name="note" maxlength="2000"; }
                button type="submit" { (t(lang, Msg::RecordOutcome)) }
            }
        }
    };
    Ok(layout(
        &page(lang, &p, &path, t(lang, Msg::Consignment)),
        body,
    ))
}

/// An inspection outcome's result in the reader's language.
fn result_word(lang: Lang, result: &str) -> String {
    match result {
        "nothing_found" => t(lang, Msg::ResultNothing).to_owned(),
        "irregularity" => t(lang, Msg::ResultIrregularity).to_owned(),
        "seizure" => t(lang, Msg::ResultSeizure).to_owned(),
        other => other.to_owned(),
    }
}

/// What was found, as recorded with an outcome (`12000 sticks of cigarettes — note`), from
/// its stored JSON; empty when nothing beyond the result was recorded.
fn outcome_detail(data: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let text = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let quantity = v
        .get("quantity")
        .and_then(serde_json::Value::as_f64)
        .map(|q| format!("{q}"));
    let mut found = [quantity.unwrap_or_default(), text("unit"), text("goods")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let note = text("note");
    if !note.is_empty() {
        if !found.is_empty() {
            found.push_str(" — ");
        }
        found.push_str(&note);
    }
    found
}
