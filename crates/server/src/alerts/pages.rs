//! The alert queue and the alert page: triage by the security centre.

use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_core::alert::{Action, AlertState, Outcome, Severity};
use hamnvakt_core::ids::{OrgId, UserId};
use hamnvakt_identity::{roles, Permission};
use hamnvakt_store::{AlertFilter, AlertRecord, AlertSort};
use maud::{html, Markup};
use serde::Deserialize;

use super::api::parse_alert_id;
use super::service;
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::extract::UiQuery;
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{current_path, layout, local_time, safe_back, t, Page, UiError, UiLang};
use crate::web::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct QueueQuery {
    state: Option<String>,
    min_severity: Option<String>,
    kind: Option<String>,
    /// `severity` (default), `newest` or `oldest`.
    sort: Option<String>,
    cursor: Option<String>,
}

fn severity_badge(lang: Lang, s: Severity) -> Markup {
    html! { span class={ "sev sev-" (s.as_str()) } { (t(lang, i18n::severity(s))) } }
}

fn state_badge(lang: Lang, s: AlertState) -> Markup {
    html! { span class={ "state state-" (s.as_str()) } { (t(lang, i18n::state(s))) } }
}

fn tlp_badge(tlp: hamnvakt_core::Tlp) -> Markup {
    let class = tlp
        .as_str()
        .trim_start_matches("TLP:")
        .replace('+', "-")
        .to_lowercase();
    html! { span class={ "tlp tlp-" (class) } { (tlp.as_str()) } }
}

fn may_act(p: &Principal, a: &AlertRecord) -> bool {
    p.can(Permission::AlertsTriage) && (a.owner_org == p.org() || a.shared_with.contains(&p.org()))
}

/// A subject in the queue's Concerns column: an organisation by its name (with its role in
/// the finding), anything else by its label, or its reference when it has none.
fn subject_words(
    lang: Lang,
    s: &hamnvakt_core::alert::SubjectRef,
    orgs: &HashMap<OrgId, String>,
) -> String {
    let label = s.label.as_deref().map(|l| i18n::subject_label(lang, l));
    let org = (s.kind == hamnvakt_core::alert::SubjectKind::Organisation)
        .then(|| s.reference.parse::<OrgId>().ok())
        .flatten()
        .and_then(|id| orgs.get(&id));
    match (org, label) {
        (Some(name), Some(l)) => format!("{name} ({l})"),
        (Some(name), None) => name.clone(),
        (None, Some(l)) => l,
        (None, None) => s.reference.clone(),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    UiQuery(q): UiQuery<QueueQuery>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AlertsRead)?;
    let state_sel = q.state.clone().unwrap_or_else(|| "active".into());
    let states = match state_sel.as_str() {
        "active" => service::ACTIVE.to_vec(),
        "all" => Vec::new(),
        other => vec![other
            .parse::<AlertState>()
            .map_err(|e| ApiError::field("state", e))?],
    };
    let min_severity = match q.min_severity.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<Severity>()
                .map_err(|e| ApiError::field("min_severity", e))?,
        ),
        None => None,
    };
    let sort_sel = q.sort.clone().unwrap_or_else(|| "severity".into());
    let sort = match sort_sel.as_str() {
        "severity" => AlertSort::Severity,
        "newest" => AlertSort::Newest,
        "oldest" => AlertSort::Oldest,
        _ => {
            return Err(ApiError::field("sort", "must be severity, newest or oldest").into());
        }
    };
    let filter = AlertFilter {
        states,
        min_severity,
        kind_prefix: q.kind.clone().filter(|k| !k.is_empty()),
        sort,
        cursor: q.cursor.clone(),
        limit: 50,
        ..Default::default()
    };
    let viewer = p.viewer();
    // The chain's head before the queue is read: the live stream starts after it, so a change
    // between this read and the stream's start is pushed, not lost.
    let head = state.store.chain_head().await?.0;
    // Counted before the page is read, as the API counts (`api.rs`).
    let total = state.store.count_alerts(&viewer, &filter).await?;
    let page = state.store.list_alerts(&viewer, &filter).await?;
    let orgs = crate::entities::org_names(&state).await?;
    let path = current_path(&uri);
    // The first page follows the queue live; a later one stays as it was read.
    let live = q.cursor.is_none();
    let next_link = page.next_cursor.as_ref().map(|c| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("state", &state_sel);
        if let Some(m) = &q.min_severity {
            s.append_pair("min_severity", m);
        }
        if let Some(k) = &q.kind {
            s.append_pair("kind", k);
        }
        s.append_pair("sort", &sort_sel);
        s.append_pair("cursor", c);
        format!("/alerts?{}", s.finish())
    });
    let body = html! {
        div.pagehead {
            h1 { (t(lang, Msg::AlertQueue)) }
            p.count { strong #alert-count { (total) } " " (t(lang, Msg::AlertsShown)) }
        }
        form.filters method="get" action="/alerts" {
            label { (t(lang, Msg::StateFilter))
                select name="state" {
                    option value="active" selected[state_sel == "active"] { (t(lang, Msg::ActiveStates)) }
                    @for s in AlertState::ALL {
                        option value=(s.as_str()) selected[state_sel == s.as_str()] { (t(lang, i18n::state(s))) }
                    }
                    option value="all" selected[state_sel == "all"] { (t(lang, Msg::AllStates)) }
                }
            }
            label { (t(lang, Msg::MinSeverity))
                select name="min_severity" {
                    option value="" { (t(lang, Msg::AnySeverity)) }
                    @for s in Severity::ALL {
                        option value=(s.as_str()) selected[q.min_severity.as_deref() == Some(s.as_str())] { (t(lang, i18n::severity(s))) }
                    }
                }
            }
            label { (t(lang, Msg::KindFilter)) input name="kind" value=(q.kind.clone().unwrap_or_default()) placeholder="access"; }
            label { (t(lang, Msg::QueueOrder))
                select name="sort" {
                    option value="severity" selected[sort_sel == "severity"] { (t(lang, Msg::SortSeverity)) }
                    option value="newest" selected[sort_sel == "newest"] { (t(lang, Msg::SortNewest)) }
                    option value="oldest" selected[sort_sel == "oldest"] { (t(lang, Msg::SortOldest)) }
                }
            }
            button type="submit" { (t(lang, Msg::Filter)) }
        }
        @if live { p.live-note #queue-live-note { (t(lang, Msg::QueueLive)) } }
        div #alert-queue-live data-live=(live) data-sort=(sort_sel) data-after=(head) {
        @if page.alerts.is_empty() {
            p.empty { (t(lang, Msg::NoAlerts)) }
        } @else {
            table.queue #alert-queue {
                thead { tr {
                    th { (t(lang, Msg::Severity)) } th { (t(lang, Msg::Title)) } th { (t(lang, Msg::Subjects)) }
                    th { (t(lang, Msg::Owner)) } th { (t(lang, Msg::Marking)) } th { (t(lang, Msg::StateCol)) }
                    th { (t(lang, Msg::LastSeen)) } th { (t(lang, Msg::Actions)) }
                } }
                tbody {
                    @for a in &page.alerts {
                        tr data-alert-id=(a.id) data-state=(a.state.as_str()) data-severity=(a.severity.as_str()) data-occurrences=(a.occurrences) data-last-seen=(a.last_seen_ms) {
                            td { (severity_badge(lang, a.severity)) }
                            td { a href={ "/alerts/" (a.id) } { (super::title(lang, a.message.as_ref(), &a.title)) } br; small.kind { (a.kind) } }
                            td { @for s in &a.subjects {
                                span.subject title=(t(lang, i18n::subject_kind(s.kind))) {
                                    (t(lang, i18n::subject_kind(s.kind))) ": " (subject_words(lang, s, &orgs))
                                }
                            } }
                            td { (orgs.get(&a.owner_org).cloned().unwrap_or_default()) }
                            td { (tlp_badge(a.tlp)) }
                            td { (state_badge(lang, a.state)) }
                            td {
                                time title={ (t(lang, Msg::FirstSeen)) " " (local_time(a.created_ms)) } { (local_time(a.last_seen_ms)) }
                                @if a.occurrences > 1 {
                                    span.occurrences title={ (t(lang, Msg::SeenTimes)) " " (a.occurrences) " " (t(lang, Msg::TimesWord)) } { "×" (a.occurrences) }
                                }
                            }
                            td {
                                @if a.state == AlertState::Open && may_act(&p, a) {
                                    form.inline method="post" action={ "/alerts/" (a.id) "/acknowledge" } {
                                        input type="hidden" name="csrf" value=(p.csrf());
                                        input type="hidden" name="back" value=(path);
                                        button.ack type="submit" { (t(lang, Msg::Acknowledge)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        }
        nav.pager {
            @if q.cursor.is_some() { a href={ "/alerts?state=" (state_sel) "&sort=" (sort_sel) } { (t(lang, Msg::FirstPage)) } }
            @if let Some(n) = next_link { a href=(n) { (t(lang, Msg::NextPage)) } }
        }
        script src="/static/alerts.js" defer {}
    };
    let title = t(lang, Msg::AlertQueue);
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title,
            nav: Some(Msg::NavAlerts),
        },
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
    p.require(Permission::AlertsRead)?;
    let id = parse_alert_id(&id)?;
    let a = state
        .store
        .alert(id, &p.viewer())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))?;
    let orgs = crate::entities::org_names(&state).await?;
    let users = state.store.list_users(Some(p.org())).await?;
    let names: HashMap<UserId, String> = users
        .iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let assignable: Vec<_> = users
        .iter()
        .filter(|u| !u.disabled && roles::allows(&u.roles, Permission::AlertsTriage))
        .collect();
    let mut names_by_actor: HashMap<String, String> = users
        .iter()
        .map(|u| (format!("user:{}", u.id), u.display_name.clone()))
        .collect();
    let history = state
        .store
        .events_for_subject(&format!("alert:{id}"), 200)
        .await?;
    // A machine client acts with its user's API token: named by that user. Only the tokens
    // that acted on this alert are read.
    let token_actors: std::collections::BTreeSet<&str> = history
        .iter()
        .map(|e| e.actor.as_str())
        .chain([a.raised_by.as_str()])
        .filter(|actor| actor.starts_with("token:"))
        .collect();
    for actor in token_actors {
        let Some(token_id) = actor.strip_prefix("token:").and_then(|t| t.parse().ok()) else {
            continue;
        };
        if let Some(tok) = state.store.token(token_id).await? {
            if let Some(name) = names.get(&tok.user_id) {
                names_by_actor.insert(
                    actor.to_owned(),
                    format!("{name} ({})", t(lang, Msg::ActApiToken)),
                );
            }
        }
    }
    let path = current_path(&uri);
    let acts = may_act(&p, &a);
    let incident_panel =
        crate::incidents::alert_panel(&state, &p, lang, &a, acts, &orgs, &path).await?;
    let heading = super::title(lang, a.message.as_ref(), &a.title);
    let shown_evidence = super::evidence::named(
        &super::evidence::localised(lang, &a.kind, &a.evidence),
        |id| id.parse::<OrgId>().ok().and_then(|o| orgs.get(&o).cloned()),
    );
    let body = html! {
        p { a href="/alerts" { "← " (t(lang, Msg::BackToQueue)) } }
        article.alert #alert-detail data-state=(a.state.as_str()) {
            h1 #alert-title { (severity_badge(lang, a.severity)) " " (heading) }
            dl.facts {
                dt { (t(lang, Msg::KindFilter)) } dd { code { (a.kind) } }
                dt { (t(lang, Msg::StateCol)) } dd { (state_badge(lang, a.state))
                    @if let Some(o) = a.outcome { " — " (t(lang, i18n::outcome(o))) } }
                dt { (t(lang, Msg::Owner)) } dd { (orgs.get(&a.owner_org).cloned().unwrap_or_default()) }
                dt { (t(lang, Msg::Marking)) } dd #alert-marking { (tlp_badge(a.tlp)) " " (i18n::audience(lang, hamnvakt_store::alert_marking(&a).audience)) }
                dt { (t(lang, Msg::SharedWith)) } dd {
                    @if a.shared_with.is_empty() { "—" }
                    @for o in &a.shared_with { span.chip { (orgs.get(o).cloned().unwrap_or_else(|| o.to_string())) } }
                }
                dt { (t(lang, Msg::Assignee)) } dd {
                    @match a.assignee { Some(u) => (names.get(&u).cloned().unwrap_or_else(|| u.to_string())), None => (t(lang, Msg::Nobody)) }
                }
                dt { (t(lang, Msg::FirstSeen)) } dd #alert-first-seen { (local_time(a.created_ms)) }
                @if a.occurrences > 1 {
                    dt { (t(lang, Msg::LastSeen)) } dd #alert-last-seen { (local_time(a.last_seen_ms)) }
                    dt { (t(lang, Msg::SeenTimes)) } dd #alert-occurrences data-occurrences=(a.occurrences) { (a.occurrences) " " (t(lang, Msg::TimesWord)) }
                }
                dt { (t(lang, Msg::RaisedBy)) } dd #alert-raised-by {
                    @match names_by_actor.get(&a.raised_by).cloned().or_else(|| i18n::machine_actor(lang, &a.raised_by)) {
                        Some(who) => (who),
                        None => code { (a.raised_by) },
                    }
                }
                @if let Some(n) = &a.closing_note { dt { (t(lang, Msg::Note)) } dd { (n) } }
            }
            h2 { (t(lang, Msg::Subjects)) }
            (crate::entities::subjects(lang, &p, &a.subjects, &orgs))
            h2 { (t(lang, Msg::Evidence)) }
            (super::evidence::render_as(lang, &shown_evidence, &a.evidence))
            @if a.state != AlertState::Closed {
                h2 { (t(lang, Msg::Actions)) }
                @if acts {
                    div.actions {
                        @if a.state == AlertState::Open {
                            form method="post" action={ "/alerts/" (a.id) "/acknowledge" } {
                                input type="hidden" name="csrf" value=(p.csrf());
                                input type="hidden" name="back" value=(path);
                                button.ack type="submit" { (t(lang, Msg::Acknowledge)) }
                            }
                        }
                        form method="post" action={ "/alerts/" (a.id) "/assign" } {
                            input type="hidden" name="csrf" value=(p.csrf());
                            input type="hidden" name="back" value=(path);
                            label { (t(lang, Msg::AssignTo))
                                select name="assignee" {
                                    @for u in &assignable { option value=(u.id) selected[a.assignee == Some(u.id)] { (u.display_name) } }
                                }
                            }
                            button type="submit" { (t(lang, Msg::Assign)) }
                        }
                        form method="post" action={ "/alerts/" (a.id) "/close" } {
                            input type="hidden" name="csrf" value=(p.csrf());
                            input type="hidden" name="back" value=(path);
                            label { (t(lang, Msg::OutcomeLabel))
                                select name="outcome" {
                                    @for o in Outcome::ALL { option value=(o.as_str()) { (t(lang, i18n::outcome(o))) } }
                                }
                            }
                            label { (t(lang, Msg::Note)) input name="note" maxlength="2000"; }
                            button type="submit" { (t(lang, Msg::Close)) }
                        }
                    }
                } @else {
                    p.muted { (t(lang, Msg::NotAllowedToAct)) }
                }
            }
            (incident_panel)
            h2 { (t(lang, Msg::History)) }
            ol.history { @for e in &history {
                li {
                    time { (local_time(e.at_ms)) } " "
                    @match i18n::alert_event(&e.kind) { Some(m) => span.step title=(e.kind) { (t(lang, m)) }, None => code { (e.kind) } }
                    " — "
                    (names_by_actor.get(&e.actor).cloned().or_else(|| i18n::machine_actor(lang, &e.actor)).unwrap_or_else(|| e.actor.clone()))
                }
            } }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: &heading,
            nav: Some(Msg::NavAlerts),
        },
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct AckForm {
    back: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    back: Option<String>,
    assignee: String,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    back: Option<String>,
    outcome: String,
    note: Option<String>,
}

async fn run(
    state: &AppState,
    p: &Principal,
    id: &str,
    action: Action,
    note: Option<String>,
    back: Option<String>,
) -> Response {
    let result = async {
        p.require(Permission::AlertsTriage)?;
        let id = parse_alert_id(id)?;
        let back = safe_back("back", back.as_deref(), &format!("/alerts/{id}"))?;
        let note = note.filter(|n| !n.trim().is_empty());
        service::act(state, &p.actor(), id, action, note.as_deref()).await?;
        Ok::<_, ApiError>(back)
    }
    .await;
    match result {
        Ok(back) => Redirect::to(&back).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<AckForm>,
) -> Response {
    run(&state, &p, &id, Action::Acknowledge, f.note, f.back).await
}

pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<AssignForm>,
) -> Response {
    match f.assignee.parse::<UserId>() {
        Ok(to) => run(&state, &p, &id, Action::Assign { to }, f.note, f.back).await,
        Err(_) => UiError(ApiError::field("assignee", "not a user id")).into_response(),
    }
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<CloseForm>,
) -> Response {
    match f.outcome.parse::<Outcome>() {
        Ok(outcome) => run(&state, &p, &id, Action::Close { outcome }, f.note, f.back).await,
        Err(e) => UiError(ApiError::field("outcome", e)).into_response(),
    }
}

pub async fn reopen(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<AckForm>,
) -> Response {
    run(&state, &p, &id, Action::Reopen, f.note, f.back).await
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    back: Option<String>,
    into: String,
    note: Option<String>,
}

pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<MergeForm>,
) -> Response {
    let result = async {
        p.require(Permission::AlertsTriage)?;
        let id = parse_alert_id(&id)?;
        let into = parse_alert_id(f.into.trim())
            .map_err(|_| ApiError::field("into", "not an alert id"))?;
        let back = safe_back("back", f.back.as_deref(), &format!("/alerts/{id}"))?;
        let note = f.note.filter(|n| !n.trim().is_empty());
        service::merge(&state, &p.actor(), id, into, note.as_deref()).await?;
        Ok::<_, ApiError>(back)
    }
    .await;
    match result {
        Ok(back) => Redirect::to(&back).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
