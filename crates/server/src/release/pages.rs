//! The console's releases: the list (what reached one's organisation, or every release for
//! the security centre, with the day's pick-ups and refusals), and a release's page — its
//! three lights, its chain as a timeline, the assigned driver and truck — with the steps the
//! dispatcher of the holding organisation can take: accept or decline an offer, hand the
//! right on, assign a driver of their own company and a truck, revoke.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_core::ids::{OrgId, PersonId};
use hamnvakt_identity::Permission;
use hamnvakt_release::model::{
    CommercialLight, CustomsLight, LinkState, Release, ReleaseId, ReleaseState, Role, TerminalLight,
};
use maud::{html, Markup};
use serde::Deserialize;

use super::api::{timeline, StepBody};
use super::service;
use crate::access::AccessState;
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{layout, local_time, t, Page, UiError, UiLang};

fn may_see(p: &Principal) -> Result<bool, ApiError> {
    service::may_list(p)?;
    Ok(service::oversees(p))
}

fn light(lang: Lang, ok: Option<bool>, text: &str) -> Markup {
    let (class, word) = match ok {
        Some(true) => ("light green", t(lang, Msg::RelGreen)),
        Some(false) => ("light red", t(lang, Msg::RelRed)),
        None => ("light orange", t(lang, Msg::RelOrange)),
    };
    html! { span class=(class) { (word) } @if !text.is_empty() { " " small { (text) } } }
}

fn lights(lang: Lang, r: &Release) -> Markup {
    let commercial = match &r.commercial {
        CommercialLight::Released => light(lang, Some(true), ""),
        CommercialLight::Blocked { reason } => light(lang, Some(false), reason),
    };
    let customs = match &r.customs {
        CustomsLight::Green => light(lang, Some(true), ""),
        CustomsLight::Unknown => light(lang, Some(false), t(lang, Msg::RelUnknown)),
        CustomsLight::Orange { reason, scan } => light(
            lang,
            None,
            &if *scan && reason == hamnvakt_release::model::SCAN_SELECTED {
                format!(
                    "{} — {}",
                    t(lang, Msg::RelScan),
                    t(lang, Msg::RelByTargeting)
                )
            } else if *scan {
                format!("{} — {reason}", t(lang, Msg::RelScan))
            } else {
                reason.clone()
            },
        ),
        CustomsLight::Red { reason } => light(lang, Some(false), reason),
    };
    let terminal = match &r.terminal {
        TerminalLight::Discharged => light(lang, Some(true), ""),
        TerminalLight::NotDischarged => light(lang, Some(false), t(lang, Msg::RelNotDischarged)),
        TerminalLight::Blocked { reason } => light(lang, Some(false), reason),
    };
    html! {
        dl.lights {
            dt { (t(lang, Msg::RelCommercial)) } dd { (commercial) }
            dt { (t(lang, Msg::RelCustoms)) } dd { (customs) }
            dt { (t(lang, Msg::RelTerminal)) } dd { (terminal) }
        }
    }
}

fn role_word(lang: Lang, r: Role) -> &'static str {
    t(
        lang,
        match r {
            Role::Line => Msg::RelRoleLine,
            Role::ReleaseTo => Msg::RelRoleReleaseTo,
            Role::CargoDirector => Msg::RelRoleDirector,
            Role::Haulier => Msg::RelRoleHaulier,
            Role::Subcontractor => Msg::RelRoleSubcontractor,
        },
    )
}

fn state_word(lang: Lang, s: ReleaseState) -> &'static str {
    t(lang, crate::web::i18n::release_state(s))
}

async fn org_names(
    state: &AccessState,
) -> Result<Vec<(OrgId, String, hamnvakt_core::org::OrgKind)>, ApiError> {
    Ok(state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name, o.kind))
        .collect())
}

fn name_of(orgs: &[(OrgId, String, hamnvakt_core::org::OrgKind)], id: OrgId) -> String {
    orgs.iter()
        .find(|o| o.0 == id)
        .map(|o| o.1.clone())
        .unwrap_or_else(|| id.to_string())
}

pub async fn list(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    let oversee = may_see(&p)?;
    let mut all = service::list(&state, p.org(), oversee).await?;
    service::as_the_gate_sees(&state, &mut all).await?;
    let orgs = org_names(&state).await?;
    let people = {
        let inner = state.access.lock();
        all.iter()
            .filter_map(|r| r.assignment.as_ref())
            .filter_map(|a| {
                inner
                    .index
                    .people
                    .get(&a.driver)
                    .map(|x| (a.driver, x.name.clone()))
            })
            .collect::<Vec<_>>()
    };
    let pickups_link = pickup_scope(&state, &p).await?.is_some();
    let body = html! {
        h1 { (t(lang, Msg::NavReleases)) }
        @if pickups_link { p { a #pickups-link href="/releases/pickups" { (t(lang, Msg::RelPickups)) } } }
        @if all.is_empty() { p { (t(lang, Msg::RelNone)) } }
        @else {
            table #releases {
                thead { tr {
                    th { (t(lang, Msg::RelContainer)) } th { (t(lang, Msg::RelBl)) }
                    th { (t(lang, Msg::RelHolder)) } th { (t(lang, Msg::RelState)) }
                    th { (t(lang, Msg::RelLights)) } th { (t(lang, Msg::RelDriver)) }
                } }
                tbody { @for r in &all {
                    tr {
                        td { a href={ "/releases/" (r.id) } { code { (r.container) } } }
                        td { (r.bill_of_lading) }
                        td { (name_of(&orgs, r.holder())) " (" (role_word(lang, r.holder_role())) ")" }
                        td { (state_word(lang, r.state)) }
                        td { (lights(lang, r)) }
                        td { @if let Some(a) = &r.assignment {
                            (people.iter().find(|x| x.0 == a.driver).map(|x| x.1.clone()).unwrap_or_default())
                            " · " code { (a.plate) }
                        } }
                    }
                } }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/releases",
            title: t(lang, Msg::NavReleases),
            nav: Some(Msg::NavReleases),
        },
        body,
    ))
}

/// Whose pick-ups a reader sees: every facility's for the security centre and customs
/// (`release_oversee` in the port authority or customs), its own facilities' for a terminal
/// operator; `None` for anyone else.
async fn pickup_scope(
    state: &AccessState,
    p: &Principal,
) -> Result<Option<Option<Vec<String>>>, ApiError> {
    use hamnvakt_core::org::OrgKind;
    let kind = state.store.org(p.org()).await?.map(|o| o.kind);
    let oversee = p.can(Permission::ReleaseOversee);
    Ok(match kind {
        Some(OrgKind::PortAuthority | OrgKind::Customs) if oversee => Some(None),
        Some(OrgKind::TerminalOperator)
            if oversee || p.can(Permission::ReleaseAct) || p.can(Permission::AccessRead) =>
        {
            let inner = state.access.lock();
            Some(Some(
                inner
                    .index
                    .facilities
                    .values()
                    .filter(|f| f.org_id == p.org())
                    .map(|f| f.id.to_string())
                    .collect(),
            ))
        }
        _ => None,
    })
}

/// The day's pick-ups at the gates (since local midnight): every decision that named a
/// container, granted, sent to the scanner or refused, with the reasons of each refusal.
pub async fn pickups(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    let Some(scope) = pickup_scope(&state, &p).await? else {
        return Err(UiError(ApiError::forbidden(
            "the day's pick-ups are for the terminal and the security centre",
        )));
    };
    // Read-your-writes: the pick-ups are derived from the decision events.
    state.access.projector.catch_up(&state).await?;
    let now = state.now_ms();
    let (_, minute) = hamnvakt_access::schedule::local_day_minute(now);
    let midnight = now - i64::from(minute) * 60_000 - now.rem_euclid(60_000);
    let rows = state
        .store
        .pickups_since(midnight, scope.as_deref(), 2000)
        .await?;
    let (gates, people) = {
        let inner = state.access.lock();
        let gate = |id: &Option<String>| {
            id.as_deref()
                .and_then(|g| g.parse().ok())
                .and_then(|g| inner.index.gates.get(&g))
                .map(|g| g.code.clone())
                .unwrap_or_default()
        };
        let person = |id: &Option<String>| {
            id.as_deref()
                .and_then(|x| x.parse().ok())
                .and_then(|x| inner.index.people.get(&x))
                .map(|x| x.name.clone())
                .unwrap_or_default()
        };
        (
            rows.iter().map(|r| gate(&r.gate_id)).collect::<Vec<_>>(),
            rows.iter()
                .map(|r| person(&r.person_id))
                .collect::<Vec<_>>(),
        )
    };
    let granted = rows.iter().filter(|r| r.outcome == "grant").count();
    let referred = rows.iter().filter(|r| r.outcome == "refer").count();
    let refused = rows.len() - granted - referred;
    let body = html! {
        h1 { (t(lang, Msg::RelPickups)) }
        p #pickup-counts {
            span.outcome.outcome-grant { (granted) " " (t(lang, Msg::RelPickedUp)) } " "
            span.outcome.outcome-refer { (referred) " " (t(lang, Msg::RelToScanner)) } " "
            span.outcome.outcome-deny { (refused) " " (t(lang, Msg::RelRefused)) }
        }
        @if rows.is_empty() { p { (t(lang, Msg::RelNoPickups)) } }
        @else {
            table #pickups {
                thead { tr {
                    th { (t(lang, Msg::RelTime)) } th { (t(lang, Msg::RelGate)) }
                    th { (t(lang, Msg::RelContainer)) } th { (t(lang, Msg::RelDriver)) }
                    th { (t(lang, Msg::RelTruck)) } th { (t(lang, Msg::RelOutcome)) }
                    th { (t(lang, Msg::RelWhy)) }
                } }
                tbody { @for (i, r) in rows.iter().enumerate() {
                    tr {
                        td { (local_time(r.at_ms)) }
                        td { (gates.get(i).cloned().unwrap_or_default()) }
                        td { @match &r.release_id {
                            Some(id) => a href={ "/releases/" (id) } { code { (r.container) } },
                            None => code { (r.container) },
                        } }
                        td { (people.get(i).cloned().unwrap_or_default()) }
                        td { code { (r.plate.clone().unwrap_or_default()) } }
                        td { span class={ "outcome outcome-" (r.outcome) } { (outcome_word(lang, &r.outcome)) } }
                        td { @if r.outcome != "grant" {
                            (reason_codes(lang, &r.reasons))
                        } }
                    }
                } }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/releases/pickups",
            title: t(lang, Msg::RelPickups),
            nav: Some(Msg::NavReleases),
        },
        body,
    ))
}

fn outcome_word(lang: Lang, outcome: &str) -> &'static str {
    t(
        lang,
        match outcome {
            "grant" => Msg::RelPickedUp,
            "refer" => Msg::RelToScanner,
            _ => Msg::RelRefused,
        },
    )
}

/// The reasons of a refusal as the guard reads them, in the reader's language (with the
/// line's or terminal's own words after a colon kept), the code beside each.
fn reason_codes(lang: Lang, reasons: &str) -> Markup {
    let list: Vec<hamnvakt_access::decide::Reason> =
        serde_json::from_str(reasons).unwrap_or_default();
    let words = |r: &hamnvakt_access::decide::Reason| match crate::web::i18n::reason(&r.code) {
        Some(m) if lang != Lang::En => match r.text.split_once(": ") {
            Some((_, detail)) if r.code.ends_with("_blocked") || r.code == "customs_red" => {
                format!("{}: {detail}", t(lang, m))
            }
            _ => t(lang, m).to_owned(),
        },
        _ => r.text.clone(),
    };
    html! { ul.reasons { @for r in &list { li { (words(r)) " " code { (r.code) } } } } }
}

pub async fn detail(
    State(state): State<AccessState>,
    Path(id): Path<String>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    let oversee = may_see(&p)?;
    let not_found = || UiError(ApiError::NotFound("release".into()));
    let id: ReleaseId = id.parse().map_err(|_| not_found())?;
    if !service::visible(&state, id, p.org(), oversee).await? {
        return Err(not_found());
    }
    let r = service::load(&state, id).await?.ok_or_else(not_found)?;
    let r = service::as_the_gate_sees_one(&state, r).await?;
    let steps = timeline(&state, id).await?;
    let orgs = org_names(&state).await?;
    let me = p.org();
    let now = state.now_ms();
    let (drivers, plates, assigned_name) = {
        let inner = state.access.lock();
        // The drivers one may assign: one's own people with a port card in force today,
        // each shown with the card, so two people of one name are told apart.
        let mut d: Vec<(PersonId, String)> = inner
            .index
            .credentials
            .values()
            .filter(|c| service::port_card_in_force(c, now))
            .filter_map(|c| {
                let x = inner.index.people.get(&c.holder)?;
                (x.org_id == me).then(|| (x.id, format!("{} — {}", x.name, c.number)))
            })
            .collect();
        d.sort_by(|a, b| a.1.cmp(&b.1));
        // The organisation's registered trucks, offered as the plate is typed.
        let mut plates: Vec<String> = inner
            .index
            .vehicles
            .values()
            .filter(|v| v.org_id == Some(me))
            .map(|v| v.plate.clone())
            .collect();
        plates.sort();
        let n = r
            .assignment
            .as_ref()
            .and_then(|a| inner.index.people.get(&a.driver))
            .map(|x| x.name.clone());
        (d, plates, n)
    };
    let can_act = p.can(Permission::ReleaseAct) && r.state == ReleaseState::Active;
    let holds = r.holder() == me && r.pending().is_none();
    let offered_to_me = r.pending().is_some_and(|l| l.to == me);
    let gave = r.chain.iter().any(|l| l.from == me);
    let next_roles: Vec<Role> = [Role::CargoDirector, Role::Haulier, Role::Subcontractor]
        .into_iter()
        .filter(|n| r.holder_role().may_offer(*n))
        .collect();
    let csrf = p.csrf().to_owned();
    let body = html! {
        h1 { (t(lang, Msg::RelRelease)) " " code { (r.container) } }
        p { (t(lang, Msg::RelBl)) ": " (r.bill_of_lading) " · " (t(lang, Msg::RelState)) ": "
            strong #release-state { (state_word(lang, r.state)) } " · " (t(lang, Msg::RelExpires)) ": " (local_time(r.expires_ms)) }
        (lights(lang, &r))
        h2 { (t(lang, Msg::RelChain)) }
        ol #chain {
            li { (name_of(&orgs, r.line)) " (" (role_word(lang, Role::Line)) ")" }
            @for l in &r.chain {
                li { (name_of(&orgs, l.to)) " (" (role_word(lang, l.role)) ")"
                    @if l.state == LinkState::Offered { " — " em { (t(lang, Msg::RelOffered)) } } }
            }
        }
        @if let Some(a) = &r.assignment {
            p #assignment { (t(lang, Msg::RelDriver)) ": " strong { (assigned_name.clone().unwrap_or_else(|| a.driver.to_string())) }
                " · " (t(lang, Msg::RelTruck)) ": " code { (a.plate) } }
        }
        @if can_act {
            section #steps {
                @if offered_to_me {
                    form.inline method="post" action={ "/releases/" (r.id) "/step" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="accept";
                        button #accept type="submit" { (t(lang, Msg::RelAccept)) }
                    }
                    form.inline method="post" action={ "/releases/" (r.id) "/step" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="decline";
                        button #decline type="submit" { (t(lang, Msg::RelDecline)) }
                    }
                }
                @if holds && r.assignment.is_none() && !next_roles.is_empty() {
                    form #offer method="post" action={ "/releases/" (r.id) "/step" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="offer";
                        label { (t(lang, Msg::RelHandOn)) " "
                            select name="to" { @for o in orgs.iter().filter(|o| o.0 != me && o.0 != r.line) {
                                option value=(o.0) { (o.1) } } } }
                        " "
                        select name="role" { @for n in &next_roles { option value=(n.as_str()) { (role_word(lang, *n)) } } }
                        " " button type="submit" { (t(lang, Msg::RelOffer)) }
                    }
                }
                @if holds && r.holder_role().may_assign() {
                    form #assign method="post" action={ "/releases/" (r.id) "/step" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="assign";
                        label { (t(lang, Msg::RelDriver)) " "
                            // The one assigned now is the one shown: a stray click on Assign must not
                            // put another driver on the release.
                            select name="driver" { @for d in &drivers {
                                option value=(d.0) selected[r.assignment.as_ref().is_some_and(|a| a.driver == d.0)] { (d.1) } } } }
                        " "
                        label { (t(lang, Msg::RelTruck)) " " input name="plate" required maxlength="20" size="10" list="own-plates" autocomplete="off" value=[r.assignment.as_ref().map(|a| a.plate.as_str())]; }
                        datalist #own-plates { @for x in &plates { option value=(x) {} } }
                        " " button type="submit" { (t(lang, Msg::RelAssign)) }
                    }
                }
                @if gave {
                    form.inline method="post" action={ "/releases/" (r.id) "/step" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="revoke";
                        // Taking a right back undoes every hop after it: asked for twice.
                        label { input type="checkbox" name="confirm" value="yes" required; " " (t(lang, Msg::RelRevokeConfirm)) }
                        " " button #revoke type="submit" { (t(lang, Msg::RelRevoke)) }
                    }
                }
            }
        }
        h2 { (t(lang, Msg::RelTimeline)) }
        ol #timeline {
            @for e in &steps {
                li { time datetime=(e.at) { (e.at.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_else(|_| e.at.clone())) } " "
                    @match crate::web::i18n::release_event(&e.kind) { Some(m) => span.step title=(e.kind) { (t(lang, m)) }, None => code { (e.kind) } }
                    @if let Some(by) = e.step.get("by").and_then(|b| b.as_str()).and_then(|b| b.parse::<OrgId>().ok()) {
                        " — " (name_of(&orgs, by))
                    }
                    @if let Some(other) = e.step.get("other").and_then(|b| b.as_str()).and_then(|b| b.parse::<OrgId>().ok()) {
                        " → " (name_of(&orgs, other))
                    }
                }
            }
        }
    };
    let path = format!("/releases/{id}");
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: t(lang, Msg::RelRelease),
            nav: Some(Msg::NavReleases),
        },
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    action: String,
    to: Option<String>,
    role: Option<String>,
    driver: Option<String>,
    plate: Option<String>,
    /// Ticked to confirm a revocation.
    confirm: Option<String>,
}

fn form_step(f: StepForm) -> Result<StepBody, ApiError> {
    let role = |s: Option<&str>| match s {
        Some("cargo_director") => Ok(Role::CargoDirector),
        Some("haulier") => Ok(Role::Haulier),
        Some("subcontractor") => Ok(Role::Subcontractor),
        _ => Err(ApiError::field("role", "choose a role")),
    };
    Ok(match f.action.as_str() {
        "accept" => StepBody::Accept,
        "decline" => StepBody::Decline,
        "revoke" if f.confirm.as_deref() != Some("yes") => {
            return Err(ApiError::field(
                "confirm",
                "tick the box: revoking takes the right back from everyone after you",
            ))
        }
        "revoke" => StepBody::Revoke,
        "offer" => StepBody::Offer {
            to: f
                .to
                .as_deref()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| ApiError::field("to", "choose an organisation"))?,
            role: role(f.role.as_deref())?,
        },
        "assign" => StepBody::Assign {
            driver: f
                .driver
                .as_deref()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| ApiError::field("driver", "choose a driver"))?,
            plate: f.plate.unwrap_or_default(),
        },
        _ => return Err(ApiError::field("action", "unknown step")),
    })
}

pub async fn step(
    State(state): State<AccessState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<StepForm>,
) -> Response {
    let run = async {
        p.require(Permission::ReleaseAct)?;
        let id: ReleaseId = id
            .parse()
            .map_err(|_| ApiError::NotFound("release".into()))?;
        if !service::visible(&state, id, p.org(), service::oversees(&p)).await? {
            return Err(ApiError::NotFound("release".into()));
        }
        let step = super::api::step_of(form_step(f)?)?;
        service::act(&state, &p.actor(), p.org(), id, step).await?;
        Ok::<ReleaseId, ApiError>(id)
    };
    match run.await {
        Ok(id) => Redirect::to(&format!("/releases/{id}")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
