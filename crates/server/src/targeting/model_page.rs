//! The risk model's page (`/targeting/model`): the latest version, how its calibration held on
//! the stretch it had not seen (the reliability table, calibrated beside uncalibrated), the
//! trainings started here with their progress, and a button that starts one in the
//! background.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_identity::Permission;
use maud::html;
use serde::Deserialize;

use super::pages::{page, subnav};
use crate::web::auth::{UiForm, UiUser};
use crate::web::i18n::Lang;
use crate::web::layout::{layout, local_time, UiError, UiLang};
use crate::web::state::AppState;

fn w(lang: Lang, en: &'static str, sv: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Sv => sv,
    }
}

/// A probability as a percentage with one decimal, in the reader's decimal sign.
pub(super) fn pct(lang: Lang, x: f64) -> String {
    format!("{} %", crate::web::i18n::decimal(lang, x * 100.0, 1))
}

fn table(lang: Lang, r: &hamnvakt_targeting::calibrate::Reliability) -> maud::Markup {
    html! {
        table.reliability {
            thead { tr {
                th { (w(lang, "Group", "Grupp")) } th { (w(lang, "Consignments", "Sändningar")) }
                th { (w(lang, "Predicted", "Förutsagt")) } th { (w(lang, "Found", "Fynd")) } th { (w(lang, "Share found", "Andel fynd")) }
            } }
            tbody { @for (i, b) in r.bins.iter().enumerate() {
                tr { td { (i + 1) } td { (b.rows) } td { (pct(lang, b.predicted)) } td { (b.positives) } td { (pct(lang, b.observed)) } }
            } }
        }
        p.muted {
            "Brier " (format!("{:.4}", r.brier)) " (" (w(lang, "base rate alone", "bara basfrekvensen")) " " (format!("{:.4}", r.brier_base_rate)) "), ECE "
            (format!("{:.3}", r.ece)) "; " (w(lang, "mean predicted", "förutsagt i snitt")) " " (pct(lang, r.mean_predicted)) ", "
            (w(lang, "found", "fynd")) " " (pct(lang, r.mean_observed))
        }
    }
}

pub async fn model(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::CargoRead)?;
    let latest = state.store.list_models().await?.into_iter().next();
    let summary: Option<serde_json::Value> = latest
        .as_ref()
        .and_then(|m| serde_json::from_str(&m.summary).ok());
    let calibration: Option<hamnvakt_targeting::Calibration> = summary
        .as_ref()
        .and_then(|s| serde_json::from_value(s["calibration"].clone()).ok());
    let jobs = crate::targeting::runtime(&state).jobs();
    let running = jobs.iter().any(|j| j.state == "running");
    let title = w(lang, "Risk model", "Riskmodell");
    let body = html! {
        h1 { (title) }
        (subnav(lang))
        @match (&latest, &summary) {
            (Some(m), Some(s)) => {
                p #model-version {
                    (w(lang, "Version", "Version")) " " strong { (m.version) } ", "
                    (w(lang, "trained on", "tränad på")) " " (s["rows"]) " " (w(lang, "inspection outcomes", "kontrollutfall")) " ("
                    (s["positives"]) " " (w(lang, "with a finding", "med fynd")) "), "
                    (crate::web::layout::local_time(m.created_ms))
                }
                @if let Some(c) = &calibration {
                    p { (w(lang, "Calibration (Platt scaling of the trees' log-odds)", "Kalibrering (Platt-skalning av trädens log-odds)")) ": a = "
                        (format!("{:.3}", c.platt.a)) ", b = " (format!("{:.3}", c.platt.b)) }
                    @if let Some(h) = &c.held_out {
                        h2 { (w(lang, "Reliability on the latest fifth, which the model had not seen", "Tillförlitlighet på den senaste femtedelen, som modellen inte sett")) }
                        p.muted { (w(lang,
                            "The outcomes in five groups by predicted probability: a calibrated model finds in each group about the share it predicts.",
                            "Utfallen i fem grupper efter förutsagd sannolikhet: en kalibrerad modell har i varje grupp ungefär den andel fynd den förutsäger.")) }
                        div #reliability { (table(lang, h)) }
                    }
                    @if let Some(u) = &c.held_out_uncalibrated {
                        details { summary { (w(lang, "Without calibration", "Utan kalibrering")) } (table(lang, u)) }
                    }
                } @else {
                    p.muted { (w(lang, "This version is not calibrated (trained before calibration).", "Den här versionen är inte kalibrerad (tränad före kalibreringen).")) }
                }
            }
            _ => { p.muted #no-model { (w(lang, "No model yet: train one once inspection outcomes are recorded.", "Ingen modell än: träna en när kontrollutfall finns.")) } }
        }
        h2 { (w(lang, "Training", "Träning")) }
        @if p.can(Permission::ProfilesManage) && !running {
            form.inline method="post" action="/targeting/model/train" {
                input type="hidden" name="csrf" value=(p.csrf());
                button #train-model type="submit" { (w(lang, "Train a new version", "Träna en ny version")) }
            }
        }
        @if jobs.is_empty() { p.muted { (w(lang, "No training started since the server started.", "Ingen träning startad sedan servern startade.")) } }
        @else {
            table #training-jobs {
                thead { tr { th { "#" } th { (w(lang, "State", "Läge")) } th { (w(lang, "Progress", "Förlopp")) } th { (w(lang, "Started", "Startad")) } th { (w(lang, "Result", "Resultat")) } } }
                tbody { @for j in &jobs {
                    tr data-state=(j.state) {
                        td { (j.id) }
                        td { (match (j.state.as_str(), lang) {
                            ("running", Lang::Sv) => "pågår", ("running", _) => "running",
                            ("done", Lang::Sv) => "klar", ("done", _) => "done",
                            (_, Lang::Sv) => "misslyckades", _ => "failed" }) }
                        td { progress max="1" value=(j.progress) {} " " (format!("{:.0} %", j.progress * 100.0)) }
                        td { time datetime=(j.started_at) { (j.started_at.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_else(|_| j.started_at.clone())) } }
                        td { @if let Some(v) = j.version { (w(lang, "version", "version")) " " (v) } @if let Some(e) = &j.error { small { (e) } } }
                    }
                } }
            }
            @if running { p { a #refresh href="/targeting/model" { (w(lang, "Refresh", "Uppdatera")) } } }
        }
    };
    Ok(layout(&page(lang, &p, "/targeting/model", title), body))
}

#[derive(Debug, Deserialize)]
pub struct TrainForm {}

/// Starts a training in the background and comes back to the page, which shows its progress.
pub async fn train(State(state): State<AppState>, UiForm(p, _f): UiForm<TrainForm>) -> Response {
    let result = async {
        p.require(Permission::ProfilesManage)?;
        super::service::start_training(&state, &p.actor()).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/targeting/model").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
