//! The console's incidents: the list, an incident's page with its timeline and the forms that
//! work it (note, action, state, escalation), opening one from an alert, and the panel the
//! alert page shows (its incident, merge, reopen). Every read goes through the same
//! visibility-checked reads as the API.

use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_core::alert::{AlertState, Severity, SubjectRef};
use hamnvakt_core::ids::{AlertId, OrgId};
use hamnvakt_core::marking::{Audience, Marking};
use hamnvakt_core::Tlp;
use hamnvakt_identity::Permission;
use hamnvakt_incidents::{Entry, IncidentDraft, IncidentOutcome, IncidentState, Step};
use hamnvakt_store::{AlertFilter, AlertRecord, AlertSort, Marked};
use maud::{html, Markup};

use super::api::{parse_id, read_timeline, view, who};
use super::service;
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::{self, incident_state, Lang, Msg};
use crate::web::layout::{current_path, layout, local_time, safe_back, t, Page, UiError, UiLang};
use crate::web::state::AppState;

fn outcome_msg(o: IncidentOutcome) -> Msg {
    match o {
        IncidentOutcome::Confirmed => Msg::IncOutConfirmed,
        IncidentOutcome::Prevented => Msg::IncOutPrevented,
        IncidentOutcome::Attempted => Msg::IncOutAttempted,
        IncidentOutcome::Benign => Msg::IncOutBenign,
        IncidentOutcome::FalsePositive => Msg::IncOutFalsePositive,
    }
}

fn entry_msg(e: &Entry) -> Msg {
    match e {
        Entry::Opened => Msg::TlOpened,
        Entry::Note { .. } => Msg::TlNote,
        Entry::Action { .. } => Msg::TlAction,
        Entry::StateChanged { .. } => Msg::TlState,
        Entry::SeverityChanged { .. } => Msg::TlSeverity,
        Entry::AlertLinked { .. } => Msg::TlAlert,
        Entry::EntityAdded { .. } => Msg::TlEntity,
        Entry::Attachment { .. } => Msg::TlAttachment,
        Entry::Escalated { .. } => Msg::TlEscalated,
    }
}

fn sev(lang: Lang, s: Severity) -> Markup {
    html! { span class={ "sev sev-" (s.as_str()) } { (t(lang, i18n::severity(s))) } }
}

fn tlp_badge(tlp: Tlp) -> Markup {
    let class = tlp
        .as_str()
        .trim_start_matches("TLP:")
        .replace('+', "-")
        .to_lowercase();
    html! { span class={ "tlp tlp-" (class) } { (tlp.as_str()) } }
}

fn page<'a>(lang: Lang, p: &'a Principal, path: &'a str, title: &'a str) -> Page<'a> {
    Page {
        lang,
        principal: Some(p),
        path,
        title,
        nav: Some(Msg::NavIncidents),
    }
}

pub async fn list(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, UiError> {
    p.require(Permission::IncidentsRead)?;
    let rows = state
        .store
        .list_marked(Marked::Incident, &p.reader(), &[], None, 200)
        .await?;
    let orgs = crate::entities::org_names(&state).await?;
    let path = current_path(&uri);
    let mut incidents = Vec::with_capacity(rows.len());
    for r in &rows {
        incidents.push(service::decode(r)?);
    }
    let body = html! {
        div.pagehead { h1 { (t(lang, Msg::NavIncidents)) } p { a #cases-link href="/cases" { (t(lang, Msg::NavCases)) " →" } } }
        @if incidents.is_empty() { p.empty { (t(lang, Msg::IncNone)) } }
        @else {
            table.queue #incident-list {
                thead { tr {
                    th { (t(lang, Msg::Severity)) } th { (t(lang, Msg::Title)) } th { (t(lang, Msg::StateCol)) }
                    th { (t(lang, Msg::Owner)) } th { (t(lang, Msg::Marking)) } th { (t(lang, Msg::IncUpdated)) }
                } }
                tbody { @for i in &incidents {
                    tr data-incident-id=(i.id) data-state=(i.state.as_str()) {
                        td { (sev(lang, i.severity)) }
                        td { a href={ "/incidents/" (i.id) } { (i.title) } }
                        td { (t(lang, incident_state(i.state))) }
                        td { (orgs.get(&i.owner_org).cloned().unwrap_or_default()) }
                        td { (tlp_badge(i.marking.tlp)) }
                        td { time { (local_time(i.updated_ms)) } }
                    }
                } }
            }
        }
    };
    Ok(layout(
        &page(lang, &p, &path, t(lang, Msg::NavIncidents)),
        body,
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::IncidentsRead)?;
    let id = parse_id(&id)?;
    let inc = service::read(&state, &p.reader(), id).await?;
    let timeline = read_timeline(&state, &p, id).await?;
    let v = view(&state, &p, inc).await?;
    let orgs_all = state.store.list_orgs().await?;
    let orgs: HashMap<OrgId, String> = orgs_all.iter().map(|o| (o.id, o.name.clone())).collect();
    let agencies: Vec<_> = orgs_all
        .iter()
        .filter(|o| o.kind.is_agency() && o.id != v.owner_org && !v.escalated_to.contains(&o.id))
        .collect();
    // The timeline names who acted (the owner's staff, or a named agency's).
    let people: HashMap<String, String> = state
        .store
        .list_users(None)
        .await?
        .into_iter()
        .map(|u| (format!("user:{}", u.id), u.display_name))
        .collect();
    // The cases the reader may see that group this incident.
    let mut in_cases = Vec::new();
    for row in state
        .store
        .list_marked(Marked::Case, &p.reader(), &[], None, 200)
        .await?
    {
        let c = super::cases::decode(&row)?;
        if c.incidents.contains(&id) {
            in_cases.push(c);
        }
    }
    let path = current_path(&uri);
    let owner = v.owner_org == p.org() && p.can(Permission::IncidentsWrite);
    let works =
        owner || (p.can(Permission::IncidentsWrite) && v.marking.recipients.contains(&p.org()));
    let form = |action: &str, inner: Markup| {
        html! {
            form method="post" action={ "/incidents/" (v.id) "/" (action) } {
                input type="hidden" name="csrf" value=(p.csrf());
                input type="hidden" name="back" value=(path);
                (inner)
            }
        }
    };
    let body = html! {
        p { a href="/incidents" { "← " (t(lang, Msg::NavIncidents)) } }
        article.incident #incident-detail data-state=(v.state.as_str()) data-version=(v.version) {
            h1 { (sev(lang, v.severity)) " " (v.title) }
            dl.facts {
                dt { (t(lang, Msg::StateCol)) } dd #incident-state { (t(lang, incident_state(v.state)))
                    @if let Some(o) = v.outcome { " — " (t(lang, outcome_msg(o))) } }
                dt { (t(lang, Msg::Owner)) } dd { (orgs.get(&v.owner_org).cloned().unwrap_or_default()) }
                dt { (t(lang, Msg::Marking)) } dd #incident-marking { (tlp_badge(v.marking.tlp)) " " (i18n::audience(lang, v.marking.audience)) }
                dt { (t(lang, Msg::IncRecipients)) } dd { @if v.marking.recipients.is_empty() { "—" }
                    @for o in &v.marking.recipients { span.chip { (orgs.get(o).cloned().unwrap_or_else(|| o.to_string())) } } }
                dt { (t(lang, Msg::IncEscalatedTo)) } dd #incident-escalated { @if v.escalated_to.is_empty() { "—" }
                    @for o in &v.escalated_to { span.chip { (orgs.get(o).cloned().unwrap_or_else(|| o.to_string())) } } }
                @if !v.description.is_empty() { dt { (t(lang, Msg::IncDescription)) } dd { (v.description) } }
                @if !in_cases.is_empty() {
                    dt { (t(lang, Msg::CaseOfIncident)) } dd #incident-cases {
                        @for c in &in_cases { a.chip href={ "/cases/" (c.id) } { (c.title) } " " }
                    }
                }
            }
            h2 { (t(lang, Msg::IncAlerts)) }
            ul #incident-alerts { @for a in &v.alerts {
                li { (sev(lang, a.severity)) " " a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) } " " small.kind { (a.kind) } }
            } }
            @if v.hidden_alerts > 0 { p.muted { (v.hidden_alerts) " " (t(lang, if v.hidden_alerts == 1 { Msg::IncHiddenAlert } else { Msg::IncHiddenAlerts })) } }
            @if !v.entities.is_empty() {
                h2 { (t(lang, Msg::IncEntities)) }
                div #incident-entities { (crate::entities::subjects(lang, &p, &v.entities, &orgs)) }
            }
            @if works {
                h2 { (t(lang, Msg::Actions)) }
                div.actions {
                    (form("notes", html! { label { (t(lang, Msg::IncAddNote)) input name="text" maxlength="2000" required; } button type="submit" #add-note { (t(lang, Msg::IncAddNote)) } }))
                    @if v.state != IncidentState::Closed {
                        (form("actions", html! { label { (t(lang, Msg::IncRecordAction)) input name="text" maxlength="2000" required; } button type="submit" { (t(lang, Msg::IncRecordAction)) } }))
                    }
                    @if owner {
                        @if v.state == IncidentState::Open {
                            (form("state", html! { input type="hidden" name="action" value="start"; button type="submit" #start-work { (t(lang, Msg::IncStart)) } }))
                        }
                        @if v.state != IncidentState::Closed {
                            (form("state", html! {
                                input type="hidden" name="action" value="close";
                                label { (t(lang, Msg::OutcomeLabel)) select name="outcome" {
                                    @for o in IncidentOutcome::ALL { option value=(o.as_str()) { (t(lang, outcome_msg(*o))) } }
                                } }
                                button type="submit" #close-incident { (t(lang, Msg::IncClose)) }
                            }))
                            (form("escalate", html! {
                                label { (t(lang, Msg::IncEscalateTo)) select name="organisation" #escalate-to {
                                    @for o in &agencies { option value=(o.id) { (o.name) } }
                                } }
                                label { (t(lang, Msg::IncRaiseMarking)) select name="tlp" {
                                    option value="" { (t(lang, Msg::IncKeepMarking)) }
                                    option value="TLP:AMBER" { "TLP:AMBER" }
                                    option value="TLP:RED" { "TLP:RED" }
                                } }
                                button type="submit" #escalate { (t(lang, Msg::IncEscalate)) }
                            }))
                        } @else {
                            (form("state", html! { input type="hidden" name="action" value="reopen"; button type="submit" { (t(lang, Msg::IncReopen)) } }))
                        }
                    }
                }
            }
            h2 { (t(lang, Msg::IncTimeline)) }
            ol.history #incident-timeline { @for e in &timeline {
                li data-entry=(e.entry.kind()) {
                    time { (e.at.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_else(|_| e.at.clone())) }
                    " " strong { (t(lang, entry_msg(&e.entry))) } " — " (people.get(&e.actor).cloned().or_else(|| i18n::machine_actor(lang, &e.actor)).unwrap_or_else(|| e.actor.clone()))
                    @match &e.entry {
                        Entry::Note { text } | Entry::Action { text } => { ": " (text) }
                        Entry::StateChanged { to, outcome, .. } => { ": " (t(lang, incident_state(*to))) @if let Some(o) = outcome { " (" (t(lang, outcome_msg(*o))) ")" } }
                        Entry::Escalated { to, .. } => { ": " (orgs.get(to).cloned().unwrap_or_else(|| to.to_string())) }
                        Entry::Attachment { reference, label } => { ": " (label) " " code { (reference) } }
                        Entry::AlertLinked { alert } => {
                            @if let Some(a) = v.alerts.iter().find(|a| a.id == *alert) {
                                ": " a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) }
                            }
                        }
                        _ => {}
                    }
                }
            } }
        }
    };
    Ok(layout(&page(lang, &p, &path, &v.title), body))
}

/// A form field's value, when it is there and not blank (the incident and case forms).
pub(super) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// Where a form's action leads, or the error page.
pub(super) fn redirect(result: Result<String, ApiError>) -> Response {
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

/// The marking a form chose: its `tlp` (TLP:AMBER when none), `recipient` organisations, and
/// `audience` (named when recipients are given and no audience is, else the organisation).
pub(super) fn form_marking(f: &[(String, String)]) -> Result<Marking, ApiError> {
    let tlp: Tlp = field(f, "tlp")
        .unwrap_or("TLP:AMBER")
        .parse()
        .map_err(|e: hamnvakt_core::tlp::UnknownTlp| ApiError::field("tlp", e.to_string()))?;
    let recipients = f
        .iter()
        .filter(|(k, _)| k == "recipient")
        .map(|(_, v)| {
            v.parse::<OrgId>()
                .map_err(|_| ApiError::field("recipient", "not an organisation id"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let audience = match field(f, "audience") {
        Some(a) => a
            .parse::<Audience>()
            .map_err(|e| ApiError::field("audience", e))?,
        None if !recipients.is_empty() => Audience::Named,
        None => Audience::Organisation,
    };
    Ok(Marking {
        tlp,
        audience,
        recipients,
    })
}

/// Opens an incident from the alert page's form.
pub async fn open(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Response {
    let result = async {
        p.require(Permission::IncidentsWrite)?;
        let alert: AlertId = field(&f, "alert")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ApiError::field("alert", "not an alert id"))?;
        let a = service::actionable_alert(&state, &who(&p), alert, "alert").await?;
        let marking = form_marking(&f)?;
        let entities: Vec<SubjectRef> = a
            .subjects
            .iter()
            .enumerate()
            .filter(|(i, _)| f.iter().any(|(k, v)| k == "entity" && *v == i.to_string()))
            .map(|(_, s)| s.clone())
            .collect();
        let draft = IncidentDraft {
            title: field(&f, "title").unwrap_or(&a.title).to_owned(),
            description: field(&f, "description").unwrap_or_default().to_owned(),
            severity: field(&f, "severity")
                .map(str::parse)
                .transpose()
                .map_err(|e: String| ApiError::field("severity", e))?
                .unwrap_or(a.severity),
            owner_org: p.org(),
            marking,
            alerts: vec![a.id],
            entities,
        };
        let inc = service::open_incident(&state, &p.actor(), &who(&p), &draft).await?;
        Ok(format!("/incidents/{}", inc.id))
    }
    .await;
    redirect(result)
}

/// Each step's form.
pub async fn step(
    State(state): State<AppState>,
    Path((id, what)): Path<(String, String)>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Response {
    let result = async {
        p.require(Permission::IncidentsWrite)?;
        let id = parse_id(&id)?;
        let back = safe_back("back", field(&f, "back"), &format!("/incidents/{id}"))?;
        let text = || field(&f, "text").unwrap_or_default().to_owned();
        let step = match what.as_str() {
            "notes" => Step::Note(text()),
            "actions" => Step::Action(text()),
            "state" => match field(&f, "action") {
                Some("start") => Step::Start,
                Some("reopen") => Step::Reopen,
                Some("close") => Step::Close(
                    field(&f, "outcome")
                        .unwrap_or_default()
                        .parse()
                        .map_err(|e: String| ApiError::field("outcome", e))?,
                ),
                _ => return Err(ApiError::field("action", "start, close or reopen")),
            },
            "escalate" => Step::Escalate {
                to: field(&f, "organisation")
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| ApiError::field("organisation", "choose an agency"))?,
                raise: field(&f, "tlp")
                    .map(str::parse::<Tlp>)
                    .transpose()
                    .map_err(|e| ApiError::field("tlp", e.to_string()))?,
            },
            other => return Err(ApiError::NotFound(format!("incident form {other}"))),
        };
        service::step(&state, &p.actor(), &who(&p), id, step).await?;
        Ok(back)
    }
    .await;
    redirect(result)
}

/// The alerts this one may be merged into as a duplicate: the others the reader's organisation
/// sees that are still open or acknowledged, those about one of its subjects first, then those
/// of its kind, newest first within each (at most 100 read).
async fn merge_candidates(
    state: &AppState,
    p: &Principal,
    a: &AlertRecord,
) -> Result<Vec<AlertRecord>, ApiError> {
    let filter = AlertFilter {
        states: vec![AlertState::Open, AlertState::Acknowledged],
        sort: AlertSort::Newest,
        limit: 100,
        ..Default::default()
    };
    let mut found: Vec<AlertRecord> = state
        .store
        .list_alerts(&p.viewer(), &filter)
        .await?
        .alerts
        .into_iter()
        .filter(|c| c.id != a.id)
        .collect();
    let shares_a_subject = |c: &AlertRecord| {
        c.subjects.iter().any(|s| {
            a.subjects
                .iter()
                .any(|o| o.kind == s.kind && o.reference == s.reference)
        })
    };
    // A stable sort keeps the newest first within each group.
    found.sort_by_key(|c| (!shares_a_subject(c), c.kind != a.kind));
    Ok(found)
}

/// What the alert page shows of incidents: the alert's incident (when the reader may see it),
/// the alert it duplicates, and the forms to open an incident, merge and reopen. `orgs` are
/// the organisations' names the alert page has read.
pub async fn alert_panel(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    a: &AlertRecord,
    acts: bool,
    orgs: &std::collections::HashMap<OrgId, String>,
    path: &str,
) -> Result<Markup, ApiError> {
    let reader = p.reader();
    let incident = if p.can(Permission::IncidentsRead) {
        service::of_alert(state, &reader, a.id).await?
    } else {
        None
    };
    let dup = state.store.alert_duplicate_of(&a.id.to_string()).await?;
    // The alert it duplicates, by its title where the reader may read it.
    let dup_title = match dup.as_deref().and_then(|d| d.parse::<AlertId>().ok()) {
        Some(d) => state
            .store
            .alert(d, &p.viewer())
            .await?
            .map(|d| crate::alerts::title(lang, d.message.as_ref(), &d.title)),
        None => None,
    };
    // The recipients to choose from, by name.
    let mut others: Vec<(&OrgId, &String)> =
        orgs.iter().filter(|(id, _)| **id != p.org()).collect();
    others.sort_by(|x, y| x.1.cmp(y.1));
    let triage = acts && p.can(Permission::AlertsTriage);
    let merge_into = if triage && a.state != AlertState::Closed {
        merge_candidates(state, p, a).await?
    } else {
        Vec::new()
    };
    Ok(html! {
        section.incident-panel #alert-incident {
            @if let Some(i) = &incident {
                p { strong { (t(lang, Msg::IncInIncident)) ": " } a #alert-incident-link href={ "/incidents/" (i.id) } { (i.title) } }
            }
            @if let Some(d) = &dup {
                p { strong { (t(lang, Msg::IncDuplicateOf)) ": " } a #duplicate-of href={ "/alerts/" (d) } { (dup_title.clone().unwrap_or_else(|| d.clone())) } }
            }
            @if incident.is_none() && acts && p.can(Permission::IncidentsWrite) {
                h2 { (t(lang, Msg::IncFromAlert)) }
                form method="post" action="/incidents" #open-incident {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="alert" value=(a.id);
                    label { (t(lang, Msg::Title)) input name="title" value=(crate::alerts::title(lang, a.message.as_ref(), &a.title)) maxlength="200" required; }
                    label { (t(lang, Msg::Marking)) select name="tlp" {
                        @for tl in Tlp::ALL { option value=(tl.as_str()) selected[tl == Tlp::Amber] { (tl.as_str()) } }
                    } }
                    label { (t(lang, Msg::SharingAudience)) select name="audience" {
                        @for au in Audience::ALL { option value=(au.as_str()) selected[au == Audience::Organisation] { (i18n::audience(lang, au)) } }
                    } }
                    label { (t(lang, Msg::IncRecipients)) select name="recipient" multiple {
                        @for (id, name) in &others { option value=(id) { (name) } }
                    } }
                    @for (i, s) in a.subjects.iter().enumerate() {
                        label.check { input type="checkbox" name="entity" value=(i) checked; (t(lang, i18n::subject_kind(s.kind))) " "
                            @match (s.kind == hamnvakt_core::alert::SubjectKind::Organisation).then(|| s.reference.parse::<OrgId>().ok()).flatten().and_then(|id| orgs.get(&id)) {
                                Some(name) => (name),
                                None => code { (s.reference) },
                            }
                            @if let Some(l) = &s.label { " — " (i18n::subject_label(lang, l)) } }
                    }
                    button type="submit" #open-incident-submit { (t(lang, Msg::IncOpenIncident)) }
                }
            }
            @if triage && a.state != AlertState::Closed {
                form method="post" action={ "/alerts/" (a.id) "/merge" } #merge-alert {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="back" value=(path);
                    @if merge_into.is_empty() {
                        p.muted { (t(lang, Msg::IncNothingToMergeInto)) }
                    } @else {
                        label { (t(lang, Msg::IncMergeInto)) select name="into" required {
                            @for c in &merge_into {
                                option value=(c.id) { (crate::alerts::title(lang, c.message.as_ref(), &c.title)) " — " (local_time(c.created_ms)) }
                            }
                        } }
                        button type="submit" { (t(lang, Msg::IncMerge)) }
                    }
                }
            }
            @if triage && a.state == AlertState::Closed {
                form method="post" action={ "/alerts/" (a.id) "/reopen" } #reopen-alert {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="back" value=(path);
                    button type="submit" { (t(lang, Msg::IncReopenAlert)) }
                }
            }
        }
    })
}
