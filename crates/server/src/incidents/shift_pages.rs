//! The console's shift log: write an entry, the handover as it would be now, hand over, and
//! the incoming operator's acknowledgement of the handovers waiting for one.

use axum::extract::{OriginalUri, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_identity::Permission;
use maud::html;
use serde::Deserialize;

use super::shift;
use crate::web::auth::{UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::incident_state;
use crate::web::i18n::{self, Msg};
use crate::web::layout::{current_path, layout, local_time, t, Page, UiError, UiLang};
use crate::web::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, UiError> {
    p.require(Permission::ShiftLog)?;
    let (now, _) = shift::summary(&state, &p).await?;
    // The whole log of the last day, handed over or not: an entry stays readable after the
    // handover that carried it.
    let mut recent = shift::log(&state, p.org(), Some(state.now_ms() - 86_400_000)).await?;
    recent.reverse();
    let handovers = state.store.handovers(p.org(), 10).await?;
    let handovers = handovers
        .iter()
        .map(shift::view)
        .collect::<Result<Vec<_>, _>>()?;
    let names: std::collections::HashMap<String, String> = state
        .store
        .list_users(Some(p.org()))
        .await?
        .into_iter()
        .flat_map(|u| {
            [
                (u.id.to_string(), u.display_name.clone()),
                (format!("user:{}", u.id), u.display_name),
            ]
        })
        .collect();
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let when = |rfc: &str| {
        rfc.parse::<jiff::Timestamp>()
            .map(|t| local_time(t.as_millisecond()))
            .unwrap_or_else(|_| rfc.to_owned())
    };
    let path = current_path(&uri);
    let csrf = p.csrf();
    let body = html! {
        div.pagehead { h1 { (t(lang, Msg::ShiftTitle)) } }
        form method="post" action="/shift/log" #shift-write {
            input type="hidden" name="csrf" value=(csrf);
            label { (t(lang, Msg::ShiftEntry)) textarea name="text" maxlength="4000" required {} }
            button type="submit" { (t(lang, Msg::ShiftWrite)) }
        }
        section #handover-now {
            h2 { @match &now.since { Some(s) => { (t(lang, Msg::ShiftSince)) " (" (when(s)) ")" }, None => (t(lang, Msg::ShiftFirst)) } }
            h3 { (t(lang, Msg::ShiftOpenAlerts)) " (" (now.open_alerts.len()) ")" }
            ul #handover-alerts { @for a in &now.open_alerts {
                li { a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) } " — " (t(lang, i18n::state(a.state))) }
            } }
            h3 { (t(lang, Msg::ShiftIncidentsChanged)) " (" (now.incidents_changed.len()) ")" }
            ul #handover-incidents { @for i in &now.incidents_changed {
                li { a href={ "/incidents/" (i.id) } { (i.title) } " — " (t(lang, incident_state(i.state))) }
            } }
            h3 { (t(lang, Msg::ShiftEntries)) " (" (now.entries.len()) ")" }
            ul #handover-entries { @for e in &now.entries { li { time { (when(&e.at)) } " " strong { (name(&e.author)) } ": " (e.text) } } }
            form method="post" action="/shift/handovers" #hand-over {
                input type="hidden" name="csrf" value=(csrf);
                label { (t(lang, Msg::ShiftNote)) textarea name="note" maxlength="4000" {} }
                button type="submit" { (t(lang, Msg::ShiftHandOver)) }
            }
        }
        h2 { (t(lang, Msg::ShiftHandovers)) }
        ul #handovers { @for h in &handovers {
            li data-handover=(h.id) data-acknowledged=(h.acknowledged_by.is_some()) {
                time { (when(&h.at)) } " " (t(lang, Msg::ShiftHandedOverBy)) " " strong { (name(&h.by.to_string())) } " — "
                (t(lang, Msg::ShiftOpenAlerts)) " " (h.summary.open_alerts.len()) " · " (t(lang, Msg::ShiftIncidentsChanged)) " " (h.summary.incidents_changed.len()) " · " (t(lang, Msg::ShiftEntries)) " " (h.summary.entries.len())
                " — "
                @match h.acknowledged_by {
                    Some(u) => { (t(lang, Msg::ShiftAcknowledgedBy)) " " strong { (name(&u.to_string())) } }
                    None => { (t(lang, Msg::ShiftAwaiting)) }
                }
                // What was handed over, open for whoever is to acknowledge it: read, then
                // acknowledge.
                details.handover-content open[h.acknowledged_by.is_none() && h.by != p.user.id] {
                    summary { (t(lang, Msg::ShiftContent)) }
                    @if let Some(note) = &h.summary.note {
                        h4 { (t(lang, Msg::ShiftNoteShown)) }
                        p.handover-note { (note) }
                    }
                    h4 { (t(lang, Msg::ShiftOpenAlerts)) " (" (h.summary.open_alerts.len()) ")" }
                    ul.handover-alerts { @for a in &h.summary.open_alerts {
                        li { a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) } " — " (t(lang, i18n::state(a.state))) }
                    } }
                    h4 { (t(lang, Msg::ShiftIncidentsChanged)) " (" (h.summary.incidents_changed.len()) ")" }
                    ul.handover-incidents { @for i in &h.summary.incidents_changed {
                        li { a href={ "/incidents/" (i.id) } { (i.title) } " — " (t(lang, incident_state(i.state))) }
                    } }
                    h4 { (t(lang, Msg::ShiftEntries)) " (" (h.summary.entries.len()) ")" }
                    ul.handover-entries { @for e in &h.summary.entries { li { time { (when(&e.at)) } " " strong { (name(&e.author)) } ": " (e.text) } } }
                    @if h.acknowledged_by.is_none() && h.by != p.user.id {
                        form.inline method="post" action={ "/shift/handovers/" (h.id) "/acknowledge" } {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" .acknowledge-handover { (t(lang, Msg::ShiftAcknowledge)) }
                        }
                    }
                }
            }
        } }
        h2 { (t(lang, Msg::ShiftRecentLog)) " (" (recent.len()) ")" }
        @if recent.is_empty() { p { (t(lang, Msg::ShiftNothing)) } }
        ul #shift-log { @for e in &recent { li { time { (when(&e.at)) } " " strong { (name(&e.author)) } ": " (e.text) } } }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: t(lang, Msg::ShiftTitle),
            nav: Some(Msg::NavShift),
        },
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct EntryForm {
    text: String,
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

#[derive(Debug, Deserialize)]
pub struct HandoverForm {
    #[serde(default)]
    note: Option<String>,
}

fn back(result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/shift").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn write(State(state): State<AppState>, UiForm(p, f): UiForm<EntryForm>) -> Response {
    let r = async {
        p.require(Permission::ShiftLog)?;
        shift::write_entry(&state, &p, &f.text).await.map(|_| ())
    };
    back(r.await)
}

pub async fn hand_over(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<HandoverForm>,
) -> Response {
    let r = async {
        p.require(Permission::ShiftLog)?;
        shift::hand_over(&state, &p, f.note.as_deref())
            .await
            .map(|_| ())
    };
    back(r.await)
}

pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<Empty>,
) -> Response {
    let r = async {
        p.require(Permission::ShiftLog)?;
        shift::acknowledge(&state, &p, &id).await.map(|_| ())
    };
    back(r.await)
}
