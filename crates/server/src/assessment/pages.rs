//! The console's assessments: the list of one's organisation's assessments with a form to
//! start one, an assessment's page — summary and trend, the gaps ranked by risk each with the
//! practices other ports used, every control with its answer (measured ones to confirm or
//! override), the scenarios and the action plan, the reports —, the harmonised catalogue and
//! the best-practice library.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_assessment::catalogue::{Agreement, Coverage};
use hamnvakt_assessment::model::{ActionState, Edit, Source, Status};
use hamnvakt_identity::Permission;
use maud::{html, Markup};
use serde::Deserialize;

use super::api::trend;
use super::catalogues;
use super::service;
use super::words;
use super::AssessmentState;
use crate::web::auth::{UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{layout, local_time, t, Page, UiError, UiLang};

fn status_word(lang: Lang, s: Option<Status>) -> &'static str {
    t(
        lang,
        match s {
            Some(Status::Implemented) => Msg::AsImplemented,
            Some(Status::Partly) => Msg::AsPartly,
            Some(Status::Not) => Msg::AsNot,
            Some(Status::NotApplicable) => Msg::AsNotApplicable,
            None => Msg::AsUnanswered,
        },
    )
}

fn status_class(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Implemented) => "status ok",
        Some(Status::Partly) => "status partly",
        Some(Status::Not) => "status not",
        Some(Status::NotApplicable) | None => "status none",
    }
}

fn action_word(lang: Lang, s: ActionState) -> &'static str {
    t(
        lang,
        match s {
            ActionState::Open => Msg::AsOpen,
            ActionState::InProgress => Msg::AsInProgress,
            ActionState::Done => Msg::AsDone,
        },
    )
}

pub async fn list(
    State(state): State<AssessmentState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AssessmentRead)?;
    let all = service::list(&state, p.org()).await?;
    let mut summaries = Vec::with_capacity(all.len());
    for a in &all {
        summaries.push(a.summary(&*catalogues::for_assessment(&state, &a.catalogue).await?));
    }
    let body = html! {
        h1 { (t(lang, Msg::NavAssessments)) }
        p {
            a href="/assessments/catalogue" { (t(lang, Msg::AsHarmonisation)) } " · "
            a href="/assessments/practices" { (t(lang, Msg::AsLibrary)) }
        }
        @if all.is_empty() { p { (t(lang, Msg::AsNone)) } }
        @else {
            table #assessments {
                thead { tr {
                    th { (t(lang, Msg::AsFacility)) } th { (t(lang, Msg::AsTitle)) }
                    th { (t(lang, Msg::AsScore)) } th { (t(lang, Msg::AsGaps)) }
                } }
                tbody { @for (a, s) in all.iter().zip(&summaries) {
                    tr {
                        td { (a.facility) }
                        td { a href={ "/assessments/" (a.id) } { (a.title) } }
                        td { (format!("{:.0} %", s.score)) }
                        td { (s.not + s.partly) }
                    }
                } }
            }
        }
        @if p.can(Permission::AssessmentWrite) {
            h2 { (t(lang, Msg::AsNew)) }
            form.stack method="post" action="/assessments" {
                input type="hidden" name="csrf" value=(p.csrf());
                label { (t(lang, Msg::AsFacility)) input name="facility" required maxlength="200"; }
                label { (t(lang, Msg::AsTitle)) input name="title" required maxlength="200"; }
                button type="submit" { (t(lang, Msg::AsStart)) }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/assessments",
            title: t(lang, Msg::NavAssessments),
            nav: Some(Msg::NavAssessments),
        },
        body,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateForm {
    pub facility: Option<String>,
    pub title: String,
    pub previous: Option<String>,
}

pub async fn create(
    State(state): State<AssessmentState>,
    UiForm(p, f): UiForm<CreateForm>,
) -> Response {
    let run = async {
        p.require(Permission::AssessmentWrite)?;
        let a = match f.previous.as_deref().filter(|x| !x.is_empty()) {
            Some(prev) => service::reassess(&state, &p.actor(), p.org(), prev, &f.title).await?,
            None => {
                let facility = f.facility.unwrap_or_default();
                service::create(&state, &p.actor(), p.org(), &facility, &f.title).await?
            }
        };
        Ok::<String, ApiError>(a.id)
    };
    match run.await {
        Ok(id) => Redirect::to(&format!("/assessments/{id}")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn detail(
    State(state): State<AssessmentState>,
    Path(id): Path<String>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AssessmentRead)?;
    let a = service::get(&state, p.org(), &id).await?;
    let cat = catalogues::for_assessment(&state, &a.catalogue).await?;
    let s = a.summary(&cat);
    let gaps = service::practices_for_gaps(&state, &p.reader(), &a.gaps(&cat)).await?;
    let rounds = trend(&state, &a).await?;
    let orgs = state.store.list_orgs().await?;
    let org_name = |o: hamnvakt_core::ids::OrgId| {
        orgs.iter()
            .find(|x| x.id == o)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let write = p.can(Permission::AssessmentWrite);
    let csrf = p.csrf().to_owned();
    let path = format!("/assessments/{}", a.id);
    let body = html! {
        h1 { (a.facility) ": " (a.title) }
        p.summary #summary {
            (t(lang, Msg::AsScore)) ": " strong { (format!("{:.0} %", s.score)) } " · "
            (s.implemented) " " (t(lang, Msg::AsImplemented)) ", " (s.partly) " " (t(lang, Msg::AsPartly)) ", "
            (s.not) " " (t(lang, Msg::AsNot)) ", " (s.unanswered) " " (t(lang, Msg::AsUnanswered))
        }
        p {
            a href={ "/api/v1/assessments/" (a.id) "/report.pdf" } { (t(lang, Msg::AsReport)) } " · "
            a href={ "/api/v1/assessments/" (a.id) "/actions.csv" } { (t(lang, Msg::AsActionsCsv)) }
        }
        @if write {
            form.inline method="post" action={ (path) "/measure" } {
                input type="hidden" name="csrf" value=(csrf);
                button #measure type="submit" { (t(lang, Msg::AsMeasure)) }
            }
            form.inline method="post" action="/assessments" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="previous" value=(a.id);
                input name="title" required maxlength="200" placeholder=(t(lang, Msg::AsTitle));
                button type="submit" { (t(lang, Msg::AsReassess)) }
            }
        }
        @if rounds.len() > 1 {
            h2 { (t(lang, Msg::AsTrend)) }
            table #trend { tbody { @for r in &rounds {
                tr { td { a href={ "/assessments/" (r.id) } { (r.title) } } td { (format!("{:.0} %", r.summary.score)) } td { (r.summary.total_risk) } }
            } } }
        }
        h2 { (t(lang, Msg::AsGaps)) }
        @if gaps.is_empty() { p { (t(lang, Msg::AsNoGaps)) } }
        ol #gaps { @for (g, practices) in &gaps {
            li.gap data-control=(g.control) {
                strong { (g.control) " " (g.title) } " — " span class=(status_class(Some(g.status))) { (status_word(lang, Some(g.status))) }
                " · risk " (crate::web::i18n::decimal(lang, g.risk, 1))
                div.practices {
                    em { (t(lang, Msg::AsPracticesUsed)) ": " }
                    @if practices.is_empty() { (t(lang, Msg::AsNoPractices)) }
                    ul { @for x in practices {
                        li.practice { (x.practice.title) " (" (org_name(x.owner)) ", " (x.marking.tlp.as_str()) ")" }
                    } }
                }
            }
        } }
        h2 { (t(lang, Msg::AsControls)) }
        table #controls {
            thead { tr { th { (t(lang, Msg::AsControls)) } th { (t(lang, Msg::AsStatus)) } th { (t(lang, Msg::AsEvidence)) } th {} } }
            tbody { @for c in &cat.controls {
                @let ans = a.answers.get(&c.id);
                tr data-control=(c.id) {
                    td { strong { (c.id) } " " (c.title) br; small { (c.questions.join(" ")) } }
                    td {
                        span class=(status_class(ans.map(|x| x.status))) { (status_word(lang, ans.map(|x| x.status))) }
                        @if let Some(x) = ans { br; small.source { (t(lang, Msg::AsSource)) ": " (t(lang, match x.source {
                            Source::Assessor => Msg::AsByAssessor, Source::Measured => Msg::AsBySystem,
                            Source::Confirmed => Msg::AsConfirmed, Source::Overridden => Msg::AsOverridden })) } }
                    }
                    td {
                        @if let Some(x) = ans {
                            // The measurement's words are the record's English: the reader
                            // gets them in their own language, from the facts.
                            @match x.measured.as_ref().filter(|m| m.detail == x.evidence) {
                                Some(m) => (words::measured(lang, m)),
                                None => (x.evidence),
                            }
                            @if let Some(m) = &x.measured {
                                br;
                                small.measured {
                                    @if m.detail != x.evidence { (words::measured(lang, m)) " " }
                                    // Offered only to a reader whose roles open it.
                                    @if crate::entities::may_open(&p, &m.link) { a href=(m.link) { "→ " (t(lang, Msg::AsFacts)) } }
                                }
                            }
                            @if let Some(r) = &x.override_reason { br; small { (t(lang, Msg::AsReason)) ": " (r) } }
                        }
                    }
                    td { @if write { (answer_forms(lang, &path, &csrf, &c.id, ans.and_then(|x| x.measured.as_ref()).is_some(), ans.map(|x| x.source))) } }
                }
            } }
        }
        h2 { (t(lang, Msg::AsScenarios)) }
        table #scenarios { tbody { @for sc in &a.scenarios {
            tr { td { (sc.id) } td { (sc.title) } td { (format!("{} = {} × {} × {}", sc.risk(), sc.threat, sc.vulnerability, sc.consequence)) } td { (sc.controls.join(", ")) } }
        } } }
        h2 { (t(lang, Msg::AsAssets)) }
        ul { @for x in &a.assets { li { (x.id) " " (x.name) } } }
        h2 { (t(lang, Msg::AsActions)) }
        table #actions {
            thead { tr { th {} th { (t(lang, Msg::AsTitle)) } th { (t(lang, Msg::AsOwner)) } th { (t(lang, Msg::AsDue)) } th { (t(lang, Msg::AsStatus)) } } }
            tbody { @for x in &a.actions {
                tr { td { (x.id) } td { (x.title) @if let Some(c) = &x.control { " (" (c) ")" } } td { (x.owner) } td { (x.due) } td { (action_word(lang, x.state)) } }
            } }
        }
        @if write {
            h3 { (t(lang, Msg::AsAddAction)) }
            form.stack #add-action method="post" action={ (path) "/edit" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="op" value="add_action";
                label { (t(lang, Msg::AsControls)) select name="control" { option value="" { "—" } @for c in &cat.controls { option value=(c.id) { (c.id) " " (c.title) } } } }
                label { (t(lang, Msg::AsTitle)) input name="title" required maxlength="200"; }
                label { (t(lang, Msg::AsOwner)) input name="owner" required maxlength="200"; }
                label { (t(lang, Msg::AsDue)) input name="due" type="date" required; }
                button type="submit" { (t(lang, Msg::AsSave)) }
            }
        }
        p { small { (local_time(a.updated_ms)) } }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: &a.title,
            nav: Some(Msg::NavAssessments),
        },
        body,
    ))
}

fn answer_forms(
    lang: Lang,
    path: &str,
    csrf: &str,
    control: &str,
    measured: bool,
    source: Option<Source>,
) -> Markup {
    html! {
        form.inline.answer method="post" action={ (path) "/edit" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="op" value="answer";
            input type="hidden" name="control" value=(control);
            select name="status" aria-label=(t(lang, Msg::AsStatus)) {
                @for s in Status::ALL { option value=(s.as_str()) { (status_word(lang, Some(s))) } }
            }
            input name="evidence" maxlength="2000" placeholder=(t(lang, Msg::AsEvidence));
            button type="submit" { (t(lang, Msg::AsSave)) }
        }
        @if measured && source == Some(Source::Measured) {
            form.inline.confirm method="post" action={ (path) "/edit" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="op" value="confirm";
                input type="hidden" name="control" value=(control);
                button type="submit" { (t(lang, Msg::AsConfirm)) }
            }
        }
        @if measured {
            form.inline.override method="post" action={ (path) "/edit" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="op" value="override";
                input type="hidden" name="control" value=(control);
                select name="status" aria-label=(t(lang, Msg::AsStatus)) {
                    @for s in Status::ALL { option value=(s.as_str()) { (status_word(lang, Some(s))) } }
                }
                input name="reason" required maxlength="2000" placeholder=(t(lang, Msg::AsReason));
                button type="submit" { (t(lang, Msg::AsOverride)) }
            }
        }
    }
}

/// The console's edit form: the fields of one [`Edit`], by `op`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditForm {
    pub op: String,
    pub control: Option<String>,
    pub status: Option<Status>,
    pub evidence: Option<String>,
    pub reason: Option<String>,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub action: Option<String>,
    pub state: Option<ActionState>,
}

fn edit_of(f: EditForm) -> Result<Edit, ApiError> {
    let need =
        |v: Option<String>, field: &str| v.ok_or_else(|| ApiError::field(field, "is required"));
    let status = |v: Option<Status>| v.ok_or_else(|| ApiError::field("status", "is required"));
    Ok(match f.op.as_str() {
        "answer" => Edit::Answer {
            control: need(f.control, "control")?,
            status: status(f.status)?,
            evidence: f.evidence.unwrap_or_default(),
        },
        "confirm" => Edit::Confirm {
            control: need(f.control, "control")?,
        },
        "override" => Edit::Override {
            control: need(f.control, "control")?,
            status: status(f.status)?,
            reason: f.reason.unwrap_or_default(),
        },
        "add_action" => Edit::AddAction {
            control: f.control.filter(|c| !c.is_empty()),
            title: need(f.title, "title")?,
            owner: need(f.owner, "owner")?,
            due: need(f.due, "due")?,
            practice: None,
        },
        "set_action" => Edit::SetAction {
            action: need(f.action, "action")?,
            state: f
                .state
                .ok_or_else(|| ApiError::field("state", "is required"))?,
        },
        _ => {
            return Err(ApiError::field(
                "op",
                "must be answer, confirm, override, add_action or set_action",
            ))
        }
    })
}

pub async fn edit(
    State(state): State<AssessmentState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<EditForm>,
) -> Response {
    let run = async {
        p.require(Permission::AssessmentWrite)?;
        let e = edit_of(f)?;
        service::edit(&state, &p.actor(), p.org(), &id, &e).await?;
        Ok::<(), ApiError>(())
    };
    match run.await {
        Ok(()) => Redirect::to(&format!("/assessments/{id}")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

pub async fn measure(
    State(state): State<AssessmentState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<Empty>,
) -> Response {
    let run = async {
        p.require(Permission::AssessmentWrite)?;
        service::measure(&state, &p.actor(), p.org(), &id).await?;
        Ok::<(), ApiError>(())
    };
    match run.await {
        Ok(()) => Redirect::to(&format!("/assessments/{id}")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn harmonisation(
    State(state): State<AssessmentState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AssessmentRead)?;
    let cat = catalogues::in_force(&state).await?;
    let versions = catalogues::versions(&state).await?;
    let view = cat.harmonise();
    let body = html! {
        h1 { (t(lang, Msg::AsHarmonisation)) " " small { (cat.version) } }
        p #catalogue-versions {
            (t(lang, Msg::AsCatalogueVersions)) ": "
            @for (i, v) in versions.iter().enumerate() {
                @if i > 0 { ", " }
                a href={ "/api/v1/assessments/catalogue?version=" (v.version) } { (v.version) }
                " (" (v.published) ", " (v.controls) " " (t(lang, Msg::AsControls).to_lowercase()) ")"
                @if v.in_force { " — " strong { (t(lang, Msg::AsInForce)) } }
            }
        }
        @for topic in &view {
            h2 { (topic.name) }
            table.harmonisation {
                thead { tr { th { (t(lang, Msg::AsControls)) } @for i in &cat.instruments { th title=(i.name) { (i.id) } } } }
                tbody { @for row in &topic.controls {
                    tr data-control=(row.control) {
                        td { strong { (row.control) } " " (row.title) br; small { (t(lang, match row.agreement {
                            Agreement::Same => Msg::AsSame, Agreement::Differs => Msg::AsDiffers, Agreement::Single => Msg::AsSingle })) } }
                        @for cell in &row.cells {
                            td class=(match cell.coverage { Coverage::Requires => "requires", Coverage::Recommends => "recommends", Coverage::Silent => "silent" }) {
                                (cell.sections) @if let Some(d) = &cell.differs { br; small { (d) } }
                            }
                        }
                    }
                } }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/assessments/catalogue",
            title: t(lang, Msg::AsHarmonisation),
            nav: Some(Msg::NavAssessments),
        },
        body,
    ))
}

pub async fn practices(
    State(state): State<AssessmentState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AssessmentRead)?;
    let all = service::visible_practices(&state, &p.reader()).await?;
    let orgs = state.store.list_orgs().await?;
    let body = html! {
        h1 { (t(lang, Msg::AsLibrary)) }
        @for x in &all {
            article.practice {
                h2 { (x.practice.title) }
                p { (x.practice.description) }
                dl {
                    dt { (t(lang, Msg::AsEffort)) } dd { (words::effort(lang, x.practice.effort)) }
                    dt { (t(lang, Msg::AsCost)) } dd { (words::cost(lang, x.practice.cost)) }
                    dt { (t(lang, Msg::AsEffect)) } dd { (x.practice.evidence_of_effect) }
                    dt { (t(lang, Msg::AsControls)) } dd { (x.practice.controls.join(", ")) }
                    dt { (t(lang, Msg::AsSharedBy)) } dd { (orgs.iter().find(|o| o.id == x.owner).map(|o| o.name.as_str()).unwrap_or("")) }
                    dt { (t(lang, Msg::AsMarking)) } dd { (x.marking.tlp.as_str()) " · " (crate::web::i18n::audience(lang, x.marking.audience)) }
                }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/assessments/practices",
            title: t(lang, Msg::AsLibrary),
            nav: Some(Msg::NavAssessments),
        },
        body,
    ))
}
