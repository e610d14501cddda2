//! Correlation across capabilities, running: every alert any detector raises is handed here
//! ([`AppState::correlate`]), given the links the capabilities know for its subjects (a
//! consignment's container and the vessel its call resolves to in the AIS picture, a
//! container's releases with their holders and drivers, a driver's releases, a vessel's other
//! number), and put to the rules ([`hamnvakt_incidents::correlation`]). A completed match is
//! raised as one alert `correlation.<code>` whose evidence names each contributing alert and
//! the entity that joined each part.
//!
//! Need-to-know: the correlated alert goes only to organisations that may see every
//! contributing alert (the port authority owning it when it may); a match that no single
//! organisation may see whole is not raised (counted in `hamnvakt_correlation_withheld`).
//!
//! Rules are written and versioned like risk profiles (`api.rs`): the built-in ones are
//! version 0 under their code; a stored version replaces a rule, the newest in force.

mod api;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hamnvakt_core::alert::{AlertDraft, AlertMessage, SubjectKind, MAX_SUBJECTS, MAX_TITLE_CHARS};
use hamnvakt_core::entity::{EntityRef, VesselKey};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Marking, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use hamnvakt_incidents::correlation::{builtin, Correlated, Correlator, Event, Rule, Versioned};
use serde_json::json;
use tokio::sync::mpsc;

use crate::web::change::Actor;
use crate::web::error::ApiError;
use crate::web::state::{AppState, Correlate, Happened};

pub use api::{openapi, CorrelationState};

/// The rules' API and console page.
pub fn routes() -> axum::Router<CorrelationState> {
    api::routes()
}

/// How many events may wait for the correlator before new ones are dropped (and counted).
const QUEUE: usize = 65_536;

enum Input {
    Event(Box<Happened>),
    Rules(Vec<Versioned>),
}

/// The running correlator: a queue and a task.
pub struct Correlation {
    tx: mpsc::Sender<Input>,
    rx: std::sync::Mutex<Option<mpsc::Receiver<Input>>>,
    /// Events taken, dropped on a full queue, matches raised and withheld.
    pub taken: AtomicU64,
    pub dropped: AtomicU64,
    pub raised: AtomicU64,
    pub withheld: AtomicU64,
    /// Events the task has finished with (taken − processed are waiting).
    pub processed: AtomicU64,
}

impl Default for Correlation {
    fn default() -> Correlation {
        let (tx, rx) = mpsc::channel(QUEUE);
        Correlation {
            tx,
            rx: std::sync::Mutex::new(Some(rx)),
            taken: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            raised: AtomicU64::new(0),
            withheld: AtomicU64::new(0),
            processed: AtomicU64::new(0),
        }
    }
}

impl Correlate for Correlation {
    fn happened(&self, event: Happened) {
        match self.tx.try_send(Input::Event(Box::new(event))) {
            Ok(()) => self.taken.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.dropped.fetch_add(1, Ordering::Relaxed),
        };
    }
}

impl Correlation {
    /// Waits until every event taken so far has been correlated (tests, the demo, benchmarks).
    pub async fn settle(&self) {
        let want = self.taken.load(Ordering::Relaxed);
        while self.processed.load(Ordering::Relaxed) < want {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Puts the rules in force now (after one was saved).
    pub async fn set_rules(&self, rules: Vec<Versioned>) {
        let _ = self.tx.send(Input::Rules(rules)).await;
    }
}

/// The rules in force: the built-in ones, each replaced by its newest stored version, and the
/// stored rules of their own.
pub async fn rules_in_force(
    state: &AppState,
) -> Result<Vec<(Versioned, Option<String>)>, ApiError> {
    let stored = state.store.latest_rules().await?;
    let mut out: Vec<(Versioned, Option<String>)> = builtin()
        .into_iter()
        .map(|r| {
            (
                Versioned {
                    id: r.code.clone(),
                    version: hamnvakt_incidents::correlation::builtin_version(&r.code),
                    rule: r,
                },
                None,
            )
        })
        .collect();
    for row in stored {
        let Ok(rule) = serde_json::from_str::<Rule>(&row.data) else {
            tracing::warn!(rule = %row.id, "a stored correlation rule does not read; skipped");
            continue;
        };
        let v = Versioned {
            id: row.id.clone(),
            version: row.version,
            rule,
        };
        match out.iter_mut().find(|(x, _)| x.id == row.id) {
            // A stored version older than the code's is of a definition the code replaced.
            Some((x, _)) if x.version >= v.version => {}
            Some(slot) => *slot = (v, Some(row.author)),
            None => out.push((v, Some(row.author))),
        }
    }
    Ok(out)
}

/// Starts the correlator with the rules in force and hooks it into the platform (once; a
/// second call changes nothing).
pub async fn start(
    c: &Arc<Correlation>,
    state: &AppState,
    access: Arc<crate::access::Engine>,
    ais: Arc<crate::maritime::Ingest>,
) -> Result<(), ApiError> {
    let rules = rules_in_force(state)
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let Some(rx) = c.rx.lock().unwrap_or_else(|p| p.into_inner()).take() else {
        return Ok(());
    };
    let task = Task {
        state: state.clone(),
        access,
        ais,
        correlator: Correlator::new(rules),
        markings: HashMap::new(),
        labels: HashMap::new(),
        me: c.clone(),
    };
    tokio::spawn(task.run(rx));
    state.set_correlator(c.clone());
    Ok(())
}

struct Task {
    state: AppState,
    access: Arc<crate::access::Engine>,
    ais: Arc<crate::maritime::Ingest>,
    correlator: Correlator,
    /// The marking of each held alert: (time, owner, TLP, named organisations).
    markings: HashMap<String, (i64, OrgId, Marking, Vec<OrgId>)>,
    /// The labels the detectors gave things (a person's name), for the correlated alert.
    labels: HashMap<EntityRef, String>,
    me: Arc<Correlation>,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::Receiver<Input>) {
        while let Some(input) = rx.recv().await {
            match input {
                Input::Rules(rules) => self.correlator.set_rules(rules),
                Input::Event(h) => {
                    if let Err(e) = self.take(*h).await {
                        tracing::warn!(error = %e, "correlating an event failed");
                    }
                    self.me.processed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    async fn take(&mut self, h: Happened) -> Result<(), ApiError> {
        let entities: Vec<EntityRef> = h.subjects.iter().filter_map(|s| s.entity().ok()).collect();
        let links = if self.correlator.wants(&h.kind) {
            self.links(&entities).await?
        } else {
            Vec::new()
        };
        if self.correlator.wants(&h.kind) {
            if self.labels.len() > 100_000 {
                self.labels.clear();
            }
            for s in &h.subjects {
                if let (Some(l), Ok(e)) = (&s.label, s.entity()) {
                    self.labels.insert(e, l.clone());
                }
            }
            self.markings.insert(
                h.id.clone(),
                (h.at_ms, h.owner, h.marking.clone(), h.shared_with.clone()),
            );
            if self.markings.len() > 100_000 {
                let horizon = h.at_ms - 8 * 24 * 3_600_000;
                self.markings.retain(|_, m| m.0 >= horizon);
            }
        }
        let matches = self.correlator.observe(Event {
            id: h.id,
            at_ms: h.at_ms,
            kind: h.kind,
            title: h.title,
            entities,
            links,
        });
        for m in matches {
            self.raise(&m).await?;
        }
        Ok(())
    }

    /// What the capabilities know links the entities to.
    async fn links(&self, entities: &[EntityRef]) -> Result<Vec<(EntityRef, EntityRef)>, ApiError> {
        let mut out = Vec::new();
        for e in entities {
            match e {
                EntityRef::Consignment(id) => {
                    let Some(c) = self.state.store.consignment(id).await? else {
                        continue;
                    };
                    if let Some(x) = c
                        .container
                        .as_deref()
                        .and_then(|n| EntityRef::parse_key(SubjectKind::Container, n).ok())
                    {
                        out.push((e.clone(), x));
                    }
                    let data: serde_json::Value = serde_json::from_str(&c.data).unwrap_or_default();
                    let Some(text) = data.get("vessel_call").and_then(|v| v.as_str()) else {
                        continue;
                    };
                    if let Some(r) =
                        crate::entities::resolve_call(&self.state, &self.ais, text).await?
                    {
                        if let Some(call) = r.call {
                            out.push((e.clone(), EntityRef::VesselCall(call)));
                        }
                        if let Some(m) = r.mmsi {
                            out.push((e.clone(), EntityRef::Vessel(VesselKey::Mmsi(m))));
                        }
                        if let Some(i) = r.imo {
                            out.push((e.clone(), EntityRef::Vessel(VesselKey::Imo(i))));
                        }
                    }
                }
                EntityRef::Container(n) => {
                    for r in self.state.store.releases_of_container(n).await? {
                        release_links(
                            &mut out,
                            &r.id,
                            &r.container,
                            &r.holder_org,
                            r.driver.as_deref(),
                        );
                    }
                }
                EntityRef::Person(p) => {
                    for r in self.state.store.releases_of_driver(&p.to_string()).await? {
                        release_links(
                            &mut out,
                            &r.id,
                            &r.container,
                            &r.holder_org,
                            r.driver.as_deref(),
                        );
                    }
                    let org = {
                        let inner = self.access.lock();
                        inner
                            .index
                            .people
                            .get(&hamnvakt_core::Id::from_uuid(*p))
                            .map(|x| x.org_id)
                    };
                    if let Some(o) = org {
                        out.push((e.clone(), EntityRef::Organisation(o.uuid())));
                    }
                }
                EntityRef::Vessel(key) => {
                    let v = match key {
                        VesselKey::Mmsi(m) => self.ais.picture().get(*m).cloned(),
                        VesselKey::Imo(_) => crate::entities::mmsi_of(&self.ais, *key)
                            .and_then(|m| self.ais.picture().get(m).cloned()),
                    };
                    if let Some(v) = v {
                        out.push((e.clone(), EntityRef::Vessel(VesselKey::Mmsi(v.mmsi))));
                        if let Some(i) = v.imo {
                            out.push((e.clone(), EntityRef::Vessel(VesselKey::Imo(i))));
                        }
                    }
                }
                _ => {}
            }
        }
        out.retain(|(a, b)| a != b);
        Ok(out)
    }

    /// Raises a match as one alert to the organisations that may see every part of it.
    async fn raise(&mut self, m: &Correlated) -> Result<(), ApiError> {
        let parts: Vec<(OrgId, Marking, Vec<OrgId>)> = m
            .parts
            .iter()
            .filter_map(|p| self.markings.get(&p.event))
            .map(|(_, o, m, s)| (*o, m.clone(), s.clone()))
            .collect();
        let orgs = self.state.store.list_orgs().await?;
        let may_see_all = |org: OrgId, partner: bool| {
            let reader = Reader { org, partner };
            parts
                .iter()
                .all(|(o, m, _)| marking::may_see(*o, m, &reader))
        };
        let eligible: Vec<(OrgId, OrgKind)> = orgs
            .iter()
            .filter(|o| o.kind != OrgKind::OtherPort && may_see_all(o.id, false))
            .map(|o| (o.id, o.kind))
            .collect();
        // The port authority owns it if it may; else the first part's owner; else anyone.
        let owner = eligible
            .iter()
            .find(|(_, k)| *k == OrgKind::PortAuthority)
            .map(|(o, _)| *o)
            .or_else(|| {
                parts
                    .first()
                    .map(|p| p.0)
                    .filter(|o| eligible.iter().any(|(e, _)| e == o))
            })
            .or_else(|| eligible.first().map(|(o, _)| *o));
        let Some(owner) = owner else {
            self.me.withheld.fetch_add(1, Ordering::Relaxed);
            tracing::info!(rule = %m.rule_id, "a correlation no organisation may see whole is withheld");
            return Ok(());
        };
        // Named: the organisations that saw a part by name and may see them all.
        let mut shared_with: Vec<OrgId> = Vec::new();
        for (o, _, s) in &parts {
            for x in std::iter::once(o).chain(s) {
                if *x != owner && !shared_with.contains(x) && eligible.iter().any(|(e, _)| e == x) {
                    shared_with.push(*x);
                }
            }
        }
        let subjects = m
            .entities
            .iter()
            .take(MAX_SUBJECTS)
            .map(|e| e.subject(self.labels.get(e).cloned()))
            .collect();
        let message = AlertMessage::Correlation {
            rule: m.code.clone(),
            name: m.name.chars().take(MAX_TITLE_CHARS).collect(),
        };
        let draft = AlertDraft {
            kind: format!("correlation.{}", m.code),
            severity: m.severity,
            title: crate::alerts::english_title(&message),
            message: Some(message),
            subjects,
            evidence: json!({
                "rule": {"id": m.rule_id, "version": m.rule_version, "code": m.code, "name": m.name},
                "parts": m.parts.iter().map(|p| json!({
                    "part": p.part,
                    "alert": p.event.strip_prefix("alert:"),
                    "kind": p.kind,
                    "at_ms": p.at_ms,
                })).collect::<Vec<_>>(),
                "joined_by": m.joined.iter().map(|j| json!({
                    "part": j.part, "with": j.with, "entity": j.entity.to_string(),
                })).collect::<Vec<_>>(),
            }),
            owner_org: owner,
            tlp: Tlp::Amber,
            audience: None,
            shared_with,
        };
        let actor = Actor::system("detector:correlation");
        crate::alerts::raise(&self.state, &actor, &draft, Some(m.at_ms)).await?;
        self.me.raised.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The installation's port authority: its security centre sees what the facilities' detectors
/// raise, so that the one picture across capabilities has someone who may see it whole.
pub async fn security_centre(state: &AppState) -> Result<Option<OrgId>, ApiError> {
    Ok(state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::PortAuthority)
        .map(|o| o.id))
}

fn release_links(
    out: &mut Vec<(EntityRef, EntityRef)>,
    id: &str,
    container: &str,
    holder: &str,
    driver: Option<&str>,
) {
    let Ok(r) = EntityRef::parse_key(SubjectKind::Release, id) else {
        return;
    };
    if let Ok(c) = EntityRef::parse_key(SubjectKind::Container, container) {
        out.push((r.clone(), c));
    }
    if let Ok(h) = EntityRef::parse_key(SubjectKind::Organisation, holder) {
        out.push((r.clone(), h));
    }
    if let Some(d) = driver.and_then(|d| EntityRef::parse_key(SubjectKind::Person, d).ok()) {
        out.push((r, d));
    }
}
