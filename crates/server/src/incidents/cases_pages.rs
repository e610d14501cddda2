//! The console's cases: the list of cases the reader may see with the form to open one over
//! incidents, and a case's page — its incidents grouped by their state, each shown only when
//! the reader may see that incident itself (a case never lends its audience to an incident),
//! adding an incident, closing and reopening. Every read is the API's visibility-checked one.

use axum::extract::{OriginalUri, Path, State};
use axum::response::{Html, Response};
use hamnvakt_core::marking::Audience;
use hamnvakt_core::Tlp;
use hamnvakt_identity::Permission;
use hamnvakt_incidents::case::{CaseState, CaseStep};
use hamnvakt_incidents::{IncidentId, IncidentState};
use hamnvakt_store::Marked;
use maud::{html, Markup};

use super::api::who;
use super::cases_api::{parse_id, view, CaseView};
use super::pages::{field, form_marking, redirect};
use super::{cases, service};
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::incident_state;
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{current_path, layout, local_time, safe_back, t, Page, UiError, UiLang};
use crate::web::state::AppState;

fn case_incident_state(s: CaseState) -> Msg {
    match s {
        CaseState::Open => Msg::CaseStateOpen,
        CaseState::Closed => Msg::CaseStateClosed,
    }
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

/// The incidents the reader may see, most recently changed first (to choose from).
async fn visible_incidents(
    state: &AppState,
    p: &Principal,
) -> Result<Vec<hamnvakt_incidents::Incident>, ApiError> {
    let rows = state
        .store
        .list_marked(Marked::Incident, &p.reader(), &[], None, 200)
        .await?;
    rows.iter().map(service::decode).collect()
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
        .list_marked(Marked::Case, &p.reader(), &[], None, 200)
        .await?;
    let mut list: Vec<CaseView> = Vec::with_capacity(rows.len());
    for r in &rows {
        list.push(view(&state, &p, cases::decode(r)?).await?);
    }
    let orgs = crate::entities::org_names(&state).await?;
    let all_orgs = state.store.list_orgs().await?;
    let writes = p.can(Permission::IncidentsWrite);
    let incidents = if writes {
        visible_incidents(&state, &p).await?
    } else {
        Vec::new()
    };
    let path = current_path(&uri);
    let body = html! {
        p { a href="/incidents" { "← " (t(lang, Msg::NavIncidents)) } }
        div.pagehead { h1 { (t(lang, Msg::NavCases)) } }
        @if list.is_empty() { p.empty #case-none { (t(lang, Msg::CaseNone)) } }
        @else {
            table.queue #case-list {
                thead { tr {
                    th { (t(lang, Msg::Title)) } th { (t(lang, Msg::StateCol)) } th { (t(lang, Msg::CaseCount)) }
                    th { (t(lang, Msg::Owner)) } th { (t(lang, Msg::Marking)) } th { (t(lang, Msg::IncUpdated)) }
                } }
                tbody { @for c in &list {
                    tr data-case-id=(c.id) data-state=(c.state.as_str()) {
                        td { a href={ "/cases/" (c.id) } { (c.title) } }
                        td { (t(lang, case_incident_state(c.state))) }
                        td { (c.incidents.len())
                            @if c.hidden_incidents > 0 { " (+" (c.hidden_incidents) ")" } }
                        td { (orgs.get(&c.owner_org).cloned().unwrap_or_default()) }
                        td { (tlp_badge(c.marking.tlp)) }
                        td { (c.updated_at.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_else(|_| c.updated_at.clone())) }
                    }
                } }
            }
        }
        @if writes {
            h2 { (t(lang, Msg::CaseOpen)) }
            form.stacked method="post" action="/cases" #open-case {
                input type="hidden" name="csrf" value=(p.csrf());
                label { (t(lang, Msg::Title)) input name="title" maxlength="200" required; }
                label { (t(lang, Msg::IncDescription)) textarea name="description" maxlength="4000" {} }
                label { (t(lang, Msg::Marking)) select name="tlp" {
                    @for tl in Tlp::ALL { option value=(tl.as_str()) selected[tl == Tlp::Amber] { (tl.as_str()) } }
                } }
                label { (t(lang, Msg::SharingAudience)) select name="audience" {
                    @for au in Audience::ALL { option value=(au.as_str()) selected[au == Audience::Organisation] { (i18n::audience(lang, au)) } }
                } }
                label { (t(lang, Msg::IncRecipients)) select name="recipient" multiple {
                    @for o in all_orgs.iter().filter(|o| o.id != p.org()) { option value=(o.id) { (o.name) } }
                } }
                label { (t(lang, Msg::CaseIncidents)) select name="incident" multiple #open-case-incidents {
                    @for i in &incidents { option value=(i.id) { (i.title) } }
                } }
                button type="submit" #open-case-submit { (t(lang, Msg::CaseOpen)) }
            }
        }
    };
    Ok(layout(&page(lang, &p, &path, t(lang, Msg::NavCases)), body))
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
    let row = state
        .store
        .marked(Marked::Case, &id.to_string(), &p.reader())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("case {id}")))?;
    let case = cases::decode(&row)?;
    // The things the case is about: the entities of its incidents the reader may see, each
    // once, in the order the incidents name them.
    let mut entities: Vec<hamnvakt_core::alert::SubjectRef> = Vec::new();
    for i in &case.incidents {
        if let Some(row) = state
            .store
            .marked(Marked::Incident, &i.to_string(), &p.reader())
            .await?
        {
            for e in service::decode(&row)?.entities {
                if !entities
                    .iter()
                    .any(|x| x.kind == e.kind && x.reference == e.reference)
                {
                    entities.push(e);
                }
            }
        }
    }
    let c = view(&state, &p, case).await?;
    let orgs = crate::entities::org_names(&state).await?;
    let path = current_path(&uri);
    let owner = c.owner_org == p.org() && p.can(Permission::IncidentsWrite);
    let addable: Vec<_> = if owner && c.state == CaseState::Open {
        visible_incidents(&state, &p)
            .await?
            .into_iter()
            .filter(|i| !c.incidents.iter().any(|x| x.id == i.id))
            .collect()
    } else {
        Vec::new()
    };
    let groups = [
        IncidentState::Open,
        IncidentState::InProgress,
        IncidentState::Closed,
    ];
    let form = |action: &str, inner: Markup| {
        html! {
            form method="post" action={ "/cases/" (c.id) "/" (action) } {
                input type="hidden" name="csrf" value=(p.csrf());
                input type="hidden" name="back" value=(path);
                (inner)
            }
        }
    };
    let body = html! {
        p { a href="/cases" { "← " (t(lang, Msg::NavCases)) } }
        article.incident #case-detail data-state=(c.state.as_str()) data-version=(c.version) {
            h1 { (c.title) }
            dl.facts {
                dt { (t(lang, Msg::StateCol)) } dd #case-state { (t(lang, case_incident_state(c.state))) }
                dt { (t(lang, Msg::Owner)) } dd { (orgs.get(&c.owner_org).cloned().unwrap_or_default()) }
                dt { (t(lang, Msg::Marking)) } dd #case-marking { (tlp_badge(c.marking.tlp)) " " (i18n::audience(lang, c.marking.audience)) }
                dt { (t(lang, Msg::IncRecipients)) } dd { @if c.marking.recipients.is_empty() { "—" }
                    @for o in &c.marking.recipients { span.chip { (orgs.get(o).cloned().unwrap_or_else(|| o.to_string())) } } }
                @if !c.description.is_empty() { dt { (t(lang, Msg::IncDescription)) } dd { (c.description) } }
            }
            h2 { (t(lang, Msg::CaseIncidents)) }
            div #case-incidents {
                @for g in groups {
                    @let these: Vec<_> = c.incidents.iter().filter(|i| i.state == g).collect();
                    @if !these.is_empty() {
                        section.case-group data-group=(g.as_str()) {
                            h3 { (t(lang, incident_state(g))) " (" (these.len()) ")" }
                            ul { @for i in these {
                                li data-incident-id=(i.id) {
                                    span class={ "sev sev-" (i.severity.as_str()) } { (t(lang, i18n::severity(i.severity))) }
                                    " " a href={ "/incidents/" (i.id) } { (i.title) } " "
                                    (tlp_badge(i.marking.tlp)) " "
                                    small { (orgs.get(&i.owner_org).cloned().unwrap_or_default()) }
                                }
                            } }
                        }
                    }
                }
                @if c.incidents.is_empty() { p.muted { "—" } }
            }
            @if c.hidden_incidents > 0 { p.muted #case-hidden { (c.hidden_incidents) " " (t(lang, Msg::CaseHiddenIncidents)) } }
            @if !entities.is_empty() {
                h2 { (t(lang, Msg::IncEntities)) }
                div #case-entities { (crate::entities::subjects(lang, &p, &entities, &orgs)) }
            }
            @if owner {
                h2 { (t(lang, Msg::Actions)) }
                div.actions {
                    @if c.state == CaseState::Open {
                        @if !addable.is_empty() {
                            (form("incidents", html! {
                                label { (t(lang, Msg::CaseAddIncident)) select name="incident" #case-add-incident {
                                    @for i in &addable { option value=(i.id) { (i.title) } }
                                } }
                                button type="submit" #case-add { (t(lang, Msg::CaseAddIncident)) }
                            }))
                        }
                        (form("state", html! { input type="hidden" name="action" value="close"; button type="submit" #case-close { (t(lang, Msg::CaseClose)) } }))
                    } @else {
                        (form("state", html! { input type="hidden" name="action" value="reopen"; button type="submit" #case-reopen { (t(lang, Msg::CaseReopen)) } }))
                    }
                }
            }
        }
    };
    Ok(layout(&page(lang, &p, &path, &c.title), body))
}

/// Opens a case from the list page's form.
pub async fn open(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Response {
    let result = async {
        p.require(Permission::IncidentsWrite)?;
        let marking = form_marking(&f)?;
        let incidents = f
            .iter()
            .filter(|(k, _)| k == "incident")
            .map(|(_, v)| {
                v.parse::<IncidentId>()
                    .map_err(|_| ApiError::field("incident", "not an incident id"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let c = cases::open_case(
            &state,
            &p.actor(),
            &who(&p),
            field(&f, "title").unwrap_or_default(),
            field(&f, "description").unwrap_or_default(),
            marking,
            incidents,
        )
        .await?;
        Ok(format!("/cases/{}", c.id))
    }
    .await;
    redirect(result)
}

/// A case's forms: add an incident, close, reopen.
pub async fn step(
    State(state): State<AppState>,
    Path((id, what)): Path<(String, String)>,
    UiForm(p, f): UiForm<Vec<(String, String)>>,
) -> Response {
    let result = async {
        p.require(Permission::IncidentsWrite)?;
        let id = parse_id(&id)?;
        let back = safe_back("back", field(&f, "back"), &format!("/cases/{id}"))?;
        let step = match what.as_str() {
            "incidents" => CaseStep::AddIncident(
                field(&f, "incident")
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| ApiError::field("incident", "choose an incident"))?,
            ),
            "state" => match field(&f, "action") {
                Some("close") => CaseStep::Close,
                Some("reopen") => CaseStep::Reopen,
                _ => return Err(ApiError::field("action", "close or reopen")),
            },
            other => return Err(ApiError::NotFound(format!("case form {other}"))),
        };
        cases::step(&state, &p.actor(), &who(&p), id, step).await?;
        Ok(back)
    }
    .await;
    redirect(result)
}
