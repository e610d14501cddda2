//! One picture of one thing: the entity page (`/entities/<kind>:<key>`, and the same as JSON
//! under `/api/v1/entities/…`) shows everything the port knows about a container, a
//! consignment, a vessel, a vessel call, a person, a credential, a vehicle, an organisation,
//! a release or a gate across the capabilities — its record, the things it is linked to, the
//! alerts and incidents naming it — each part only as far as the reader may see it (the
//! capability's own permission and scope, and [`hamnvakt_core::marking`] for alerts and
//! incidents).
//!
//! A consignment's vessel call, as the manifest writes it, is resolved here to the vessel in
//! the AIS picture and its port visit ([`resolve_call`]). [`subjects`] renders an alert's
//! subjects as links to their entity pages and capability records, and to the map with the
//! vessels' tracks.

mod api;
mod page;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use hamnvakt_core::alert::SubjectKind;
use hamnvakt_core::entity::{CallVessel, EntityRef, VesselCall, VesselKey};
use hamnvakt_identity::Permission;
use hamnvakt_store::{AlertFilter, Marked, PortCallRow};
use serde::Serialize;

use crate::web::auth::Principal;
use crate::web::error::ApiError;
use crate::web::state::AppState;

pub use api::openapi;
pub use page::{may_open, org_names, subjects};

/// The platform state with the access register and the vessel picture.
#[derive(Clone)]
pub struct EntityState {
    pub app: AppState,
    pub access: Arc<crate::access::Engine>,
    pub ais: Arc<crate::maritime::Ingest>,
}

impl std::ops::Deref for EntityState {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl FromRef<EntityState> for AppState {
    fn from_ref(s: &EntityState) -> AppState {
        s.app.clone()
    }
}

pub fn routes() -> Router<EntityState> {
    Router::new()
        .route("/api/v1/entities/{*reference}", get(api::get_entity))
        .route("/entities/{*reference}", get(page::page))
}

/// A fact about the entity: a label key (translated on the page) and its value.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EntityFact)]
pub struct Fact {
    /// What the value is: `port`, `date`, `mmsi`, `imo`, `destination`, `hs_code`, `origin`,
    /// `vessel_call`, `state`, `bill_of_lading`, `org_kind`.
    #[schema(value_type = String)]
    pub label: &'static str,
    pub value: String,
}

/// A linked thing, with how it is linked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EntityLink)]
pub struct Link {
    /// How it is linked: `vessel`, `declared_in`, `same_vessel`, `container`, `holder`, `line`,
    /// `driver`, `holds`, `released_by`.
    #[schema(value_type = String)]
    pub relation: &'static str,
    /// The linked thing, as `kind:key`.
    #[schema(value_type = String, example = "release:7c1e5b2a-3f7e-4c1a-9a51-0d2f8e6b4c11")]
    pub entity: EntityRef,
    pub label: Option<String>,
    /// The linked thing's state, by its code (a release's, a card's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EntityAlert)]
pub struct AlertLine {
    pub id: String,
    pub title: String,
    /// The detector's message the title was written from (`{"code", "params"}`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub message: Option<serde_json::Value>,
    pub severity: hamnvakt_core::alert::Severity,
    pub state: hamnvakt_core::alert::AlertState,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EntityIncident)]
pub struct IncidentLine {
    pub id: String,
    pub title: String,
    pub state: hamnvakt_incidents::IncidentState,
}

/// Everything the reader may see about one entity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EntityProfile)]
pub struct Profile {
    /// The thing, as `kind:key` (normalised: a container number in capitals).
    #[schema(value_type = String, example = "container:MSKU4839210")]
    pub entity: EntityRef,
    pub kind: SubjectKind,
    /// A name for people (the vessel's, the person's, the organisation's).
    pub name: Option<String>,
    pub facts: Vec<Fact>,
    /// The capability's own page about it, if the reader may open it.
    pub record: Option<String>,
    /// The map with the vessels' tracks, for vessels and calls.
    pub map: Option<String>,
    pub links: Vec<Link>,
    pub port_calls: Vec<PortCallView>,
    pub alerts: Vec<AlertLine>,
    pub incidents: Vec<IncidentLine>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EntityPortCall)]
pub struct PortCallView {
    pub port: String,
    pub port_name: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub confidence: u8,
}

impl From<&PortCallRow> for PortCallView {
    fn from(c: &PortCallRow) -> PortCallView {
        PortCallView {
            port: c.port.clone(),
            port_name: c.port_name.clone(),
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            confidence: c.confidence,
        }
    }
}

/// What the maritime picture makes of a vessel call: the vessel's MMSI (if it is heard) and
/// the port visit on that day (if it has begun).
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCall {
    pub call: Option<VesselCall>,
    pub mmsi: Option<u32>,
    pub imo: Option<u32>,
    pub name: Option<String>,
    pub visit: Option<PortCallRow>,
}

/// The MMSI of a vessel key, from the picture for an IMO number.
pub fn mmsi_of(ais: &crate::maritime::Ingest, key: VesselKey) -> Option<u32> {
    match key {
        VesselKey::Mmsi(m) => Some(m),
        VesselKey::Imo(imo) => ais
            .picture()
            .search(&imo.to_string(), 50)
            .into_iter()
            .find(|v| v.imo == Some(imo))
            .map(|v| v.mmsi),
    }
}

/// Resolves a manifest's vessel call (`IMO 9214432 SENYN 2026-12-05`, `UNIFEEDER SENYN
/// 2026-12-05`) to the vessel in the AIS picture and its port visit at that port (the port's
/// terminals included) that was under way on that local day.
pub async fn resolve_call(
    state: &AppState,
    ais: &crate::maritime::Ingest,
    text: &str,
) -> Result<Option<ResolvedCall>, ApiError> {
    let Ok((vessel, port, date)) = hamnvakt_core::entity::parse_manifest_call(text) else {
        return Ok(None);
    };
    let found = {
        let picture = ais.picture();
        match &vessel {
            CallVessel::Key(VesselKey::Mmsi(m)) => picture.get(*m).cloned(),
            CallVessel::Key(VesselKey::Imo(imo)) => picture
                .search(&imo.to_string(), 50)
                .into_iter()
                .find(|v| v.imo == Some(*imo)),
            CallVessel::Name(name) => picture.search(name, 50).into_iter().find(|v| {
                v.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            }),
        }
    };
    let mmsi = found.as_ref().map(|v| v.mmsi).or(match vessel {
        CallVessel::Key(VesselKey::Mmsi(m)) => Some(m),
        _ => None,
    });
    let imo = found.as_ref().and_then(|v| v.imo).or(match vessel {
        CallVessel::Key(VesselKey::Imo(i)) => Some(i),
        _ => None,
    });
    let key = match (&vessel, imo, mmsi) {
        (CallVessel::Key(k), _, _) => Some(*k),
        (_, Some(i), _) => Some(VesselKey::Imo(i)),
        (_, None, Some(m)) => Some(VesselKey::Mmsi(m)),
        _ => None,
    };
    let call = key.map(|vessel| VesselCall {
        vessel,
        port: port.clone(),
        date: date.clone(),
    });
    let mut visit = None;
    if let Some(m) = mmsi {
        let day = local_day_bounds(&date);
        visit = state
            .store
            .port_calls(m, 200)
            .await?
            .into_iter()
            .filter(|c| c.port == port || c.port.starts_with(&format!("{port}-")))
            .find(|c| match day {
                Some((from, to)) => c.start_ms < to && c.end_ms.is_none_or(|e| e >= from),
                None => false,
            });
    }
    Ok(Some(ResolvedCall {
        call,
        mmsi,
        imo,
        name: found.and_then(|v| v.name),
        visit,
    }))
}

/// Start and end of a local (Stockholm) day, Unix ms.
fn local_day_bounds(date: &str) -> Option<(i64, i64)> {
    let d: jiff::civil::Date = date.parse().ok()?;
    let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC);
    let from = d.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond();
    let to = d
        .tomorrow()
        .ok()?
        .to_zoned(tz)
        .ok()?
        .timestamp()
        .as_millisecond();
    Some((from, to))
}

fn fact(label: &'static str, value: impl Into<String>) -> Fact {
    Fact {
        label,
        value: value.into(),
    }
}

fn link(relation: &'static str, entity: EntityRef, label: Option<String>) -> Link {
    Link {
        relation,
        entity,
        label,
        state: None,
    }
}

/// Gathers what the reader may see about `e`.
pub async fn profile(
    state: &EntityState,
    p: &Principal,
    e: EntityRef,
) -> Result<Profile, ApiError> {
    let mut out = Profile {
        kind: e.kind(),
        entity: e.clone(),
        name: None,
        facts: Vec::new(),
        record: None,
        map: None,
        links: Vec::new(),
        port_calls: Vec::new(),
        alerts: Vec::new(),
        incidents: Vec::new(),
    };
    // The subjects an alert may name this thing by (a vessel by its MMSI and its IMO number).
    let mut alias = vec![e.clone()];
    match &e {
        EntityRef::Vessel(key) => {
            if p.can(Permission::SitesRead) {
                vessel(state, &mut out, &mut alias, *key).await?;
            }
        }
        EntityRef::VesselCall(call) => {
            out.facts.push(fact("port", call.port.clone()));
            out.facts.push(fact("date", call.date.clone()));
            out.links
                .push(link("vessel", EntityRef::Vessel(call.vessel), None));
            if p.can(Permission::SitesRead) {
                let text = format!("{}/{}/{}", call.vessel, call.port, call.date);
                if let Some(r) = resolve_call(state, &state.ais, &text).await? {
                    note_call(&mut out, &r);
                }
            }
        }
        EntityRef::Consignment(id) => {
            if p.can(Permission::CargoRead) {
                consignment(state, &mut out, id).await?;
            }
        }
        EntityRef::Container(number) => {
            if p.can(Permission::CargoRead) {
                for c in state.store.consignments_of_container(number, 20).await? {
                    if let Some(x) = SubjectKind::Consignment.entity(&c.declaration_id) {
                        out.links.push(link("declared_in", x, None));
                    }
                }
            }
            releases_of(state, p, &mut out, number).await?;
        }
        EntityRef::Release(id) => release(state, p, &mut out, *id).await?,
        EntityRef::Person(id) => person(state, p, &mut out, *id).await?,
        EntityRef::Organisation(id) => {
            if let Some(o) = state.store.org(hamnvakt_core::Id::from_uuid(*id)).await? {
                out.name = Some(o.name.clone());
                out.facts.push(fact("org_kind", o.kind.as_str()));
            }
        }
        EntityRef::Credential(_) | EntityRef::Vehicle(_) | EntityRef::Gate(_) => {
            register(state, p, &mut out, &e).await?;
        }
        EntityRef::Zone(_) | EntityRef::Site(_) => {}
    }
    if p.can(Permission::AlertsRead) {
        let mut seen = std::collections::HashSet::new();
        for a in &alias {
            let page = state
                .store
                .list_alerts(
                    &p.viewer(),
                    &AlertFilter {
                        subject: Some((a.kind(), a.key())),
                        limit: 50,
                        ..AlertFilter::default()
                    },
                )
                .await?;
            for x in page.alerts {
                if seen.insert(x.id) {
                    out.alerts.push(AlertLine {
                        id: x.id.to_string(),
                        title: x.title,
                        message: x.message,
                        severity: x.severity,
                        state: x.state,
                        created_ms: x.created_ms,
                    });
                }
            }
        }
        out.alerts.sort_by_key(|a| std::cmp::Reverse(a.created_ms));
        if p.can(Permission::IncidentsRead) {
            incidents(state, p, &mut out, &alias, &seen).await?;
        }
    }
    Ok(out)
}

/// A subject kind's entity from a key, if the key is one.
trait KindExt {
    fn entity(self, key: &str) -> Option<EntityRef>;
}

impl KindExt for SubjectKind {
    fn entity(self, key: &str) -> Option<EntityRef> {
        EntityRef::parse_key(self, key).ok()
    }
}

async fn vessel(
    state: &EntityState,
    out: &mut Profile,
    alias: &mut Vec<EntityRef>,
    key: VesselKey,
) -> Result<(), ApiError> {
    let Some(mmsi) = mmsi_of(&state.ais, key) else {
        return Ok(());
    };
    let v = state.ais.picture().get(mmsi).cloned();
    if let Some(v) = &v {
        out.name = v.name.clone();
        out.facts.push(fact("mmsi", mmsi.to_string()));
        if let Some(imo) = v.imo {
            out.facts.push(fact("imo", imo.to_string()));
            let other = match key {
                VesselKey::Mmsi(_) => EntityRef::Vessel(VesselKey::Imo(imo)),
                VesselKey::Imo(_) => EntityRef::Vessel(VesselKey::Mmsi(mmsi)),
            };
            out.links.push(link("same_vessel", other.clone(), None));
            alias.push(other);
        }
        if let Some(d) = &v.destination {
            out.facts.push(fact("destination", d.clone()));
        }
    } else if let VesselKey::Imo(_) = key {
        let other = EntityRef::Vessel(VesselKey::Mmsi(mmsi));
        out.links.push(link("same_vessel", other.clone(), None));
        alias.push(other);
    }
    out.map = Some(format!("/map?track={mmsi}"));
    out.port_calls = state
        .store
        .port_calls(mmsi, 10)
        .await?
        .iter()
        .map(PortCallView::from)
        .collect();
    Ok(())
}

fn note_call(out: &mut Profile, r: &ResolvedCall) {
    if let Some(m) = r.mmsi {
        out.links.push(link(
            "vessel",
            EntityRef::Vessel(VesselKey::Mmsi(m)),
            r.name.clone(),
        ));
        out.map = Some(format!("/map?track={m}"));
    }
    if let Some(v) = &r.visit {
        out.port_calls.push(PortCallView::from(v));
    }
}

async fn consignment(state: &EntityState, out: &mut Profile, id: &str) -> Result<(), ApiError> {
    let Some(c) = state.store.consignment(id).await? else {
        return Ok(());
    };
    out.record = Some(format!("/targeting/c/{}", urlencode(id)));
    out.facts.push(fact("hs_code", c.hs_code.clone()));
    if let Some(o) = &c.origin_country {
        out.facts.push(fact("origin", o.clone()));
    }
    if let Some(x) = c
        .container
        .as_deref()
        .and_then(|n| SubjectKind::Container.entity(n))
    {
        out.links.push(link("container", x, None));
    }
    let data: serde_json::Value = serde_json::from_str(&c.data).unwrap_or_default();
    if let Some(text) = data.get("vessel_call").and_then(|v| v.as_str()) {
        out.facts.push(fact("vessel_call", text.to_owned()));
        if let Some(r) = resolve_call(state, &state.ais, text).await? {
            if let Some(call) = &r.call {
                out.links.push(link(
                    "vessel_call",
                    EntityRef::VesselCall(call.clone()),
                    None,
                ));
            }
            note_call(out, &r);
        }
    }
    Ok(())
}

async fn releases_of(
    state: &EntityState,
    p: &Principal,
    out: &mut Profile,
    container: &str,
) -> Result<(), ApiError> {
    if !crate::release::may_read(p) {
        return Ok(());
    }
    let oversee = crate::release::oversees(p);
    for r in state.store.releases_of_container(container).await? {
        let Ok(id) = r.id.parse() else { continue };
        if crate::release::visible(&state.app, id, p.org(), oversee).await? {
            out.links.push(Link {
                state: Some(r.state.clone()),
                ..link(
                    "released_by",
                    EntityRef::Release(id.uuid()),
                    Some(r.bill_of_lading.clone()),
                )
            });
        }
    }
    Ok(())
}

async fn release(
    state: &EntityState,
    p: &Principal,
    out: &mut Profile,
    id: uuid::Uuid,
) -> Result<(), ApiError> {
    if !crate::release::may_read(p) {
        return Ok(());
    }
    let oversee = crate::release::oversees(p);
    let rid = hamnvakt_core::Id::from_uuid(id);
    if !crate::release::visible(&state.app, rid, p.org(), oversee).await? {
        return Ok(());
    }
    let Some(r) = state.store.release(&id.to_string()).await? else {
        return Ok(());
    };
    out.record = Some(format!("/releases/{id}"));
    out.facts.push(fact("state", r.state.clone()));
    out.facts
        .push(fact("bill_of_lading", r.bill_of_lading.clone()));
    if let Some(x) = SubjectKind::Container.entity(&r.container) {
        out.links.push(link("container", x, None));
    }
    if let Some(x) = SubjectKind::Organisation.entity(&r.holder_org) {
        out.links.push(link("holder", x, None));
    }
    if let Some(x) = SubjectKind::Organisation.entity(&r.line_org) {
        out.links.push(link("line", x, None));
    }
    if let Some(x) = r
        .driver
        .as_deref()
        .and_then(|d| SubjectKind::Person.entity(d))
    {
        out.links.push(link("driver", x, None));
    }
    Ok(())
}

async fn person(
    state: &EntityState,
    p: &Principal,
    out: &mut Profile,
    id: uuid::Uuid,
) -> Result<(), ApiError> {
    if !p.can(Permission::AccessRead) {
        return Ok(());
    }
    let scope = crate::access::Scope::of(&state.app, p).await?;
    let pid = hamnvakt_core::Id::from_uuid(id);
    let inner = state.access.lock();
    let ix = &inner.index;
    if !scope.person(ix, pid) {
        return Ok(());
    }
    let Some(person) = ix.people.get(&pid) else {
        return Ok(());
    };
    out.name = Some(person.name.clone());
    out.record = Some(format!("/access/r/people/{id}"));
    out.links.push(link(
        "organisation",
        EntityRef::Organisation(person.org_id.uuid()),
        None,
    ));
    let mut cards: Vec<_> = ix
        .credentials
        .values()
        .filter(|c| c.holder == pid)
        .collect();
    cards.sort_by(|a, b| a.number.cmp(&b.number));
    for c in cards {
        if let Some(x) = SubjectKind::Credential.entity(&c.number) {
            out.links.push(Link {
                state: Some(c.state.as_str().to_owned()),
                ..link("holds", x, None)
            });
        }
    }
    Ok(())
}

async fn register(
    state: &EntityState,
    p: &Principal,
    out: &mut Profile,
    e: &EntityRef,
) -> Result<(), ApiError> {
    if !p.can(Permission::AccessRead) {
        return Ok(());
    }
    let scope = crate::access::Scope::of(&state.app, p).await?;
    let inner = state.access.lock();
    let ix = &inner.index;
    match e {
        EntityRef::Credential(n) => {
            if let Some(c) = ix.credential_by_number(n).filter(|c| scope.record(ix, *c)) {
                out.record = Some(format!("/access/r/credentials/{}", c.id));
                out.facts.push(fact("state", c.state.as_str()));
                if scope.person(ix, c.holder) {
                    out.links.push(link(
                        "holder",
                        EntityRef::Person(c.holder.uuid()),
                        ix.people.get(&c.holder).map(|x| x.name.clone()),
                    ));
                }
            }
        }
        EntityRef::Vehicle(plate) => {
            if let Some(v) = ix.vehicle_by_plate(plate).filter(|v| scope.record(ix, *v)) {
                out.record = Some(format!("/access/r/vehicles/{}", v.id));
            }
        }
        EntityRef::Gate(code) => {
            if let Some(g) = ix.gate_by_code(code) {
                out.name = Some(g.name.clone());
                out.record = Some(format!("/access/r/gates/{}", g.id));
            }
        }
        _ => {}
    }
    Ok(())
}

async fn incidents(
    state: &EntityState,
    p: &Principal,
    out: &mut Profile,
    alias: &[EntityRef],
    alerts: &std::collections::HashSet<hamnvakt_core::ids::AlertId>,
) -> Result<(), ApiError> {
    let rows = state
        .store
        .list_marked(Marked::Incident, &p.reader(), &[], None, 500)
        .await?;
    for row in rows {
        let Ok(inc) = serde_json::from_str::<hamnvakt_incidents::Incident>(&row.data) else {
            continue;
        };
        let names = inc
            .entities
            .iter()
            .any(|s| s.entity().is_ok_and(|x| alias.contains(&x)));
        let links = inc.alerts.iter().any(|a| alerts.contains(a));
        if names || links {
            out.incidents.push(IncidentLine {
                id: inc.id.to_string(),
                title: inc.title.clone(),
                state: inc.state,
            });
        }
    }
    Ok(())
}

/// Percent-encodes a path segment's characters outside `A-Z a-z 0-9 - . _ ~ : /`.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The entity page's address for a reference.
pub fn href(e: &EntityRef) -> String {
    format!("/entities/{}", urlencode(&e.to_string()))
}
