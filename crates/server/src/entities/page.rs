//! The entity page and its JSON, and an alert's subjects as links.

use axum::extract::{OriginalUri, Path, State};
use axum::response::Html;
use hamnvakt_core::alert::{SubjectKind, SubjectRef};
use hamnvakt_core::entity::{EntityRef, VesselKey};
use hamnvakt_core::validate::FieldError;
use maud::{html, Markup};

use super::{href, profile, EntityState};
use crate::web::auth::{Principal, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{current_path, layout, local_time, t, Page, UiError, UiLang};
use crate::web::state::AppState;

pub(super) fn parse(reference: &str) -> Result<EntityRef, ApiError> {
    reference.parse::<EntityRef>().map_err(|e| {
        ApiError::InvalidFields(vec![FieldError::new(
            "reference",
            format!("{e} (e.g. container:MSKU4839210, vessel:mmsi:265123456, person:<id>)"),
        )])
    })
}

/// A state's code in the reader's words, for the kind of thing it is the state of.
fn state_words(lang: Lang, of: &EntityRef, code: &str) -> String {
    let words = match of {
        EntityRef::Release(_) => serde_json::from_value::<hamnvakt_release::ReleaseState>(
            serde_json::Value::String(code.to_owned()),
        )
        .ok()
        .map(i18n::release_state),
        EntityRef::Credential(_) => i18n::coded(i18n::CREDENTIAL_STATES, code),
        _ => None,
    };
    words.map_or_else(|| code.to_owned(), |m| t(lang, m).to_owned())
}

/// A fact's coded value (a card's or a release's state, an organisation's kind) in the
/// reader's words; anything else as it is.
fn fact_words(lang: Lang, of: &EntityRef, label: &str, value: &str) -> String {
    match label {
        "state" => state_words(lang, of, value),
        "org_kind" => value.parse::<hamnvakt_core::org::OrgKind>().map_or_else(
            |_| value.to_owned(),
            |k| t(lang, i18n::org_kind(k)).to_owned(),
        ),
        _ => value.to_owned(),
    }
}

fn fact_label(label: &str) -> Option<Msg> {
    Some(match label {
        "port" => Msg::FxPort,
        "date" => Msg::FxDate,
        "mmsi" => return None,
        "imo" => Msg::FxImo,
        "destination" => Msg::FxDestination,
        "hs_code" => Msg::FxHsCode,
        "origin" => Msg::FxOrigin,
        "vessel_call" => Msg::FxVesselCall,
        "state" => Msg::FxState,
        "bill_of_lading" => Msg::FxBillOfLading,
        "org_kind" => Msg::FxOrgKind,
        _ => return None,
    })
}

fn relation_label(relation: &str) -> Msg {
    match relation {
        "vessel" => Msg::RlVessel,
        "same_vessel" => Msg::RlSameVessel,
        "declared_in" => Msg::RlDeclaredIn,
        "container" => Msg::RlContainer,
        "vessel_call" => Msg::RlVesselCall,
        "released_by" => Msg::RlReleasedBy,
        "holder" => Msg::RlHolder,
        "line" => Msg::RlLine,
        "driver" => Msg::RlDriver,
        "holds" => Msg::RlHolds,
        _ => Msg::RlOrganisation,
    }
}

/// Whether the reader's roles open a capability's record page at `path` (the links to
/// records are offered only then, never a link that answers 403).
pub fn may_open(p: &Principal, path: &str) -> bool {
    use hamnvakt_identity::Permission;
    let under = |root: &str| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    };
    if under("/access") {
        p.can(Permission::AccessRead)
    } else if under("/targeting") {
        p.can(Permission::CargoRead)
    } else if under("/releases") {
        crate::release::may_read(p)
    } else if under("/map") {
        p.can(Permission::SitesRead)
    } else if under("/audit") {
        p.can(Permission::AuditRead)
    } else if under("/alerts") {
        p.can(Permission::AlertsRead)
    } else {
        true
    }
}

/// `GET /entities/{kind:key}`: the entity page.
pub async fn page(
    State(state): State<EntityState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(reference): Path<String>,
) -> Result<Html<String>, UiError> {
    let path = current_path(&uri);
    let e = parse(&reference)?;
    let pr = profile(&state, &p, e).await?;
    // Read only when a link names an organisation.
    let names = if pr
        .links
        .iter()
        .any(|l| matches!(l.entity, EntityRef::Organisation(_)))
    {
        org_names(&state).await?
    } else {
        OrgNames::new()
    };
    let kind = t(lang, i18n::subject_kind(pr.kind));
    let title = format!(
        "{kind} {}",
        pr.name.clone().unwrap_or_else(|| pr.entity.key())
    );
    let empty = pr.facts.is_empty()
        && pr.links.is_empty()
        && pr.alerts.is_empty()
        && pr.incidents.is_empty()
        && pr.port_calls.is_empty()
        && pr.record.is_none()
        && pr.name.is_none();
    let body = html! {
        article.entity #entity data-entity=(pr.entity.to_string()) {
            // A named thing by its name, its key beside it; anything else by its key.
            h1 { (kind) " "
                @match &pr.name {
                    Some(n) => { (n) " " small { code { (pr.entity.key()) } } }
                    None => code { (pr.entity.key()) },
                } }
            p.muted { (t(lang, Msg::EntityAll)) }
            @if empty { p.muted #entity-nothing { (t(lang, Msg::EntityNothing)) } }
            p.entity-actions {
                @if let Some(r) = pr.record.as_ref().filter(|r| may_open(&p, r)) { a.record href=(r) { (t(lang, Msg::EntityRecord)) " →" } " " }
                @if let Some(m) = &pr.map { a.map href=(m) { (t(lang, Msg::EntityOnMap)) " →" } }
            }
            @if !pr.facts.is_empty() {
                dl.facts { @for f in &pr.facts {
                    dt { @match fact_label(f.label) { Some(m) => (t(lang, m)), None => (f.label.to_uppercase()) } }
                    dd { (fact_words(lang, &pr.entity, f.label, &f.value)) }
                } }
            }
            @if !pr.links.is_empty() {
                h2 { (t(lang, Msg::EntityLinked)) }
                ul #entity-links { @for l in &pr.links {
                    li data-relation=(l.relation) { (t(lang, relation_label(l.relation))) ": "
                        a href=(href(&l.entity)) { (shown(&l.entity, &names)) }
                        @if let Some(x) = &l.label { " — " (crate::web::i18n::subject_label(lang, x)) }
                        @if let Some(s) = &l.state { " (" (state_words(lang, &l.entity, s)) ")" } }
                } }
            }
            @if !pr.port_calls.is_empty() {
                h2 { (t(lang, Msg::EntityPortCalls)) }
                ul #entity-port-calls { @for c in &pr.port_calls {
                    li { (c.port_name) " (" code { (c.port) } ") " (local_time(c.start_ms)) " – "
                        @match c.end_ms { Some(e) => (local_time(e)), None => "…" } }
                } }
            }
            @if !pr.alerts.is_empty() {
                h2 { (t(lang, Msg::EntityAlerts)) }
                ul #entity-alerts { @for a in &pr.alerts {
                    li { (local_time(a.created_ms)) " " span class={ "sev sev-" (a.severity.as_str()) } { (t(lang, i18n::severity(a.severity))) } " "
                        a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) } }
                } }
            }
            @if !pr.incidents.is_empty() {
                h2 { (t(lang, Msg::EntityIncidents)) }
                ul #entity-incidents { @for i in &pr.incidents {
                    li { a href={ "/incidents/" (i.id) } { (i.title) } " (" (t(lang, i18n::incident_state(i.state))) ")" }
                } }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: &title,
            nav: None,
        },
        body,
    ))
}

/// Organisations' names by id, for showing an organisation by its name rather than its id
/// (the pages that list subjects read every organisation anyway).
pub type OrgNames = std::collections::HashMap<hamnvakt_core::ids::OrgId, String>;

/// Every organisation's name by id. An organisation's name is no secret within the
/// installation: its entity page shows it to every reader.
pub async fn org_names(state: &AppState) -> Result<OrgNames, ApiError> {
    Ok(state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// How an entity is named in a link: an organisation by its name when known, anything else
/// by its key.
fn shown(e: &EntityRef, names: &OrgNames) -> Markup {
    match e {
        EntityRef::Organisation(id) => match names.get(&hamnvakt_core::Id::from_uuid(*id)) {
            Some(name) => html! { (name) },
            None => html! { code { (e.key()) } },
        },
        _ => html! { code { (e.key()) } },
    }
}

/// An alert's (or incident's) subjects as links: each to its entity page, and the people,
/// consignments and releases to their capability's record where the reader may open it; the vessels to the map with their
/// tracks (both tracks for an encounter). A subject stored in a form that is not a reference
/// is shown as it was stored.
pub fn subjects(lang: Lang, p: &Principal, subjects: &[SubjectRef], names: &OrgNames) -> Markup {
    let vessels: Vec<u32> = subjects
        .iter()
        .filter_map(|s| match s.entity() {
            Ok(EntityRef::Vessel(VesselKey::Mmsi(m))) => Some(m),
            _ => None,
        })
        .collect();
    let record = |e: &EntityRef| -> Option<String> {
        match e {
            EntityRef::Person(id) => Some(format!("/access/r/people/{id}")),
            EntityRef::Consignment(id) => Some(format!("/targeting/c/{}", super::urlencode(id))),
            EntityRef::Release(id) => Some(format!("/releases/{id}")),
            EntityRef::Vessel(VesselKey::Mmsi(m)) => Some(format!("/map?track={m}")),
            _ => None,
        }
    };
    html! {
        ul.subjects { @for s in subjects {
            li data-kind=(s.kind.as_str()) { strong { (t(lang, i18n::subject_kind(s.kind))) } " "
                @match s.entity() {
                    Ok(e) => {
                        a.entity href=(href(&e)) { (shown(&e, names)) }
                        @if let Some(l) = &s.label { " — " (crate::web::i18n::subject_label(lang, l)) }
                        @if let Some(r) = record(&e).filter(|r| may_open(p, r)) {
                            " " a.record href=(r) { "↗ " (t(lang, if s.kind == SubjectKind::Vessel { Msg::EntityOnMap } else { Msg::EntityRecord })) }
                        }
                    }
                    Err(_) => { code { (s.reference) } @if let Some(l) = &s.label { " — " (crate::web::i18n::subject_label(lang, l)) } }
                }
            }
        } }
        @if vessels.len() > 1 {
            p { a.tracks href={ "/map?track=" (vessels.iter().map(u32::to_string).collect::<Vec<_>>().join(",")) } { (t(lang, Msg::EntityTracks)) " →" } }
        }
    }
}
