//! The sharing use cases: write an indicator or a modus operandi, file objects that arrive
//! (an imported bundle, a TAXII POST, a partner feed), revoke, and what follows from a match —
//! a sighting and an alert. Every write is one [`Change`]: the audit event and the objects in
//! one transaction, the matcher updated after the commit.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use hamnvakt_core::alert::{AlertDraft, AlertMessage, Severity};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Audience, Marking, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::tlp::Tlp;
use hamnvakt_sharing::objects::{self, IndicatorDraft, ModusOperandiDraft, SightingFacts};
use hamnvakt_sharing::stix::{self, Incoming};
use hamnvakt_sharing::{Hit, Matcher};
use hamnvakt_store::{Filed, NewShared};
use serde::Serialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::alerts;
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{AppState, Observation, Observer};

/// The live indicators in memory, and the matches already acted on.
pub struct Sharing {
    matcher: RwLock<Matcher>,
    /// (indicator, subject) pairs this process sighted lately, so a consignment imported
    /// twice, or a watched vessel's every position report, is one sighting a day.
    sighted: Mutex<Sighted>,
    /// Matches waiting for their sightings to be written (see [`record_matches`]).
    queue: Mutex<MatchQueue>,
    /// The HTTP client of the partner feeds.
    pub http: reqwest::Client,
}

/// How long a match of an indicator on one subject is acted on once: a truck that an
/// indicator watches and that comes back the next day is sighted again, a vessel reporting
/// its position every few seconds is not sighted every few seconds.
const SIGHTED_FOR_MS: i64 = 24 * 3_600_000;

/// At most this many (indicator, subject) pairs are remembered; past it the oldest are
/// forgotten first (and sighted again if matched again).
const SIGHTED_AT_MOST: usize = 100_000;

/// The (indicator, subject) pairs acted on within [`SIGHTED_FOR_MS`], oldest first, so that
/// what this remembers is bounded by the matches of one day, not of the process's life.
#[derive(Default)]
struct Sighted {
    /// When each pair was last acted on.
    at: HashMap<(String, String), i64>,
    /// The pairs in the order they were acted on, with the time; an entry whose time is no
    /// longer the pair's in `at` is stale (the pair was acted on again since).
    order: VecDeque<(i64, (String, String))>,
}

impl Sighted {
    /// Whether `pair`, observed at `at_ms`, is to be acted on (it was not within the window
    /// before `at_ms`); if so it is remembered from `at_ms`.
    fn fresh(&mut self, pair: (String, String), at_ms: i64) -> bool {
        if let Some(last) = self.at.get(&pair) {
            if at_ms.saturating_sub(*last) < SIGHTED_FOR_MS {
                return false;
            }
        }
        self.at.insert(pair.clone(), at_ms);
        self.order.push_back((at_ms, pair));
        self.forget(at_ms);
        true
    }

    /// Forgets pairs acted on a window or more before `now_ms`, and the oldest beyond
    /// [`SIGHTED_AT_MOST`].
    fn forget(&mut self, now_ms: i64) {
        while let Some((at_ms, pair)) = self.order.front() {
            let old = now_ms.saturating_sub(*at_ms) >= SIGHTED_FOR_MS;
            if !old && self.at.len() <= SIGHTED_AT_MOST && self.order.len() <= 2 * SIGHTED_AT_MOST {
                break;
            }
            if self.at.get(pair) == Some(at_ms) {
                self.at.remove(pair);
            }
            self.order.pop_front();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.at.len()
    }
}

/// Matches waiting to be recorded, and whether a task is recording them.
#[derive(Default)]
struct MatchQueue {
    waiting: Vec<(Arc<Observation>, Hit)>,
    writing: bool,
}

impl Default for Sharing {
    fn default() -> Self {
        Sharing {
            matcher: RwLock::new(Matcher::default()),
            sighted: Mutex::new(Sighted::default()),
            queue: Mutex::new(MatchQueue::default()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .connect_timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }
}

impl Sharing {
    /// Fills the matcher from the stored live indicators.
    pub async fn load(&self, state: &AppState) -> Result<usize, ApiError> {
        let rows = state.store.live_indicators().await?;
        let m = Matcher::new(rows.iter().filter_map(|r| objects::watch_of(&r.body)));
        let n = m.len();
        *self.matcher.write().unwrap_or_else(|p| p.into_inner()) = m;
        Ok(n)
    }

    /// Updates the matcher with versions just committed.
    pub(super) fn learn(&self, filed: &[(&NewShared, Filed)]) {
        let mut m = self.matcher.write().unwrap_or_else(|p| p.into_inner());
        for (row, f) in filed {
            if *f != Filed::Latest || row.stix_type != "indicator" {
                continue;
            }
            m.remove(&row.stix_id);
            if let Ok(Value::Object(body)) = serde_json::from_str::<Value>(&row.body) {
                if let Some(w) = objects::watch_of(&body) {
                    m.insert(w);
                }
            }
        }
    }

    pub fn live_indicators(&self) -> usize {
        self.matcher.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The live indicators the observation matches (in memory; no I/O).
    pub fn matches(&self, o: &Observation) -> Vec<Hit> {
        self.matcher
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .matches(&o.values, o.at_ms)
    }
}

/// The platform state with the sharing capability's own: what its handlers are given.
#[derive(Clone)]
pub struct SharingState {
    pub app: AppState,
    pub sharing: Arc<Sharing>,
}

impl std::ops::Deref for SharingState {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl axum::extract::FromRef<SharingState> for AppState {
    fn from_ref(s: &SharingState) -> AppState {
        s.app.clone()
    }
}

/// A fresh STIX id of a type.
pub fn new_id(ty: &str) -> String {
    format!("{ty}--{}", Uuid::new_v4())
}

pub(crate) fn new_row(
    body: &Map<String, Value>,
    owner: OrgId,
    marking: &Marking,
    source: &str,
) -> NewShared {
    let get = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let modified = body
        .get("modified")
        .and_then(Value::as_str)
        .and_then(stix::parse_timestamp)
        .unwrap_or(0);
    NewShared {
        stix_id: get("id"),
        modified_ms: modified,
        stix_type: get("type"),
        owner_org: owner,
        marking: marking.clone(),
        source: source.to_owned(),
        revoked: body.get("revoked") == Some(&Value::Bool(true)),
        // What it is about (a sighting's indicator, a note's object, a relationship's source),
        // so it is listed beside that object.
        ref_id: hamnvakt_sharing::analysis::about(body).map(str::to_owned),
        body: Value::Object(body.clone()).to_string(),
    }
}

/// Recipients must be organisations of this installation.
pub(crate) async fn check_recipients(
    state: &AppState,
    field: &str,
    m: &Marking,
) -> Result<(), ApiError> {
    for (i, r) in m.recipients.iter().enumerate() {
        if state.store.org(*r).await?.is_none() {
            return Err(ApiError::field(
                &format!("{field}.recipients[{i}]"),
                format!("no organisation {r}"),
            ));
        }
    }
    Ok(())
}

/// What a write made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = SharingCreated)]
pub struct Created {
    /// The STIX id of the object written.
    pub id: String,
    /// The STIX ids of the indicators written with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<String>,
}

/// Writes an indicator owned by `owner`.
pub async fn create_indicator(
    state: &SharingState,
    actor: &Actor,
    owner: OrgId,
    d: &IndicatorDraft,
) -> Result<Created, ApiError> {
    let now = state.now_ms();
    let checked = d.check("", owner, now).map_err(ApiError::InvalidFields)?;
    check_recipients(state, "marking", &d.marking).await?;
    let id = new_id("indicator");
    let body = d.to_stix(&id, &checked, owner, now);
    let row = new_row(&body, owner, &d.marking, "local");
    let mut c = Change::begin(state, actor).await?;
    c.record(
        "sharing.indicator_created",
        Some(&format!("stix:{id}")),
        json!({"kind": d.kind, "value": checked.value, "tlp": d.marking.tlp, "audience": d.marking.audience, "recipients": d.marking.recipients}),
    )
    .await?;
    let filed = c.tx().file_shared(std::slice::from_ref(&row), now).await?;
    c.commit().await?;
    state
        .sharing
        .learn(&[(&row, filed.first().copied().unwrap_or(Filed::Duplicate))]);
    Ok(Created {
        id,
        indicators: vec![],
    })
}

/// Writes a modus operandi with its new indicators, all in one change.
pub async fn create_modus_operandi(
    state: &SharingState,
    actor: &Actor,
    owner: OrgId,
    d: &ModusOperandiDraft,
) -> Result<Created, ApiError> {
    let now = state.now_ms();
    let checked = d.check(owner, now).map_err(ApiError::InvalidFields)?;
    check_recipients(state, "marking", &d.marking).await?;
    for (i, ind) in d.indicators.iter().enumerate() {
        check_recipients(state, &format!("indicators[{i}].marking"), &ind.marking).await?;
    }
    let reader = Reader {
        org: owner,
        partner: false,
    };
    for (i, r) in d.indicator_refs.iter().enumerate() {
        let visible = state
            .store
            .shared_latest(r)
            .await?
            .filter(|row| marking::may_see(row.owner_org, &row.marking, &reader));
        if visible.is_none() {
            return Err(ApiError::field(
                &format!("indicator_refs[{i}]"),
                format!("no indicator {r}"),
            ));
        }
    }
    let mut rows = Vec::new();
    let mut ids = Vec::new();
    for (ind, c) in d.indicators.iter().zip(&checked) {
        let id = new_id("indicator");
        rows.push(new_row(
            &ind.to_stix(&id, c, owner, now),
            owner,
            &ind.marking,
            "local",
        ));
        ids.push(id);
    }
    let mut refs = ids.clone();
    refs.extend(d.indicator_refs.iter().cloned());
    for l in &d.locations {
        let (loc, row) = super::analysis::place_row(state, owner, l, now).await?;
        if !refs.contains(&loc) {
            refs.push(loc);
        }
        rows.extend(row);
    }
    let id = new_id("report");
    rows.push(new_row(
        &d.to_stix(&id, &refs, owner, now),
        owner,
        &d.marking,
        "local",
    ));
    let mut c = Change::begin(state, actor).await?;
    c.record(
        "sharing.modus_operandi_created",
        Some(&format!("stix:{id}")),
        json!({"name": d.name, "indicators": refs, "tlp": d.marking.tlp, "audience": d.marking.audience, "recipients": d.marking.recipients}),
    )
    .await?;
    let filed = c.tx().file_shared(&rows, now).await?;
    c.commit().await?;
    let pairs: Vec<_> = rows.iter().zip(filed).collect();
    state.sharing.learn(&pairs);
    Ok(Created {
        id,
        indicators: ids,
    })
}

/// Who files what arrives, and under which audience.
#[derive(Debug, Clone)]
pub enum Arrival {
    /// A bundle a member imports: owned by the importer's organisation; the audience is the
    /// one given, or the narrowest the marking allows beyond the organisation for GREEN and
    /// CLEAR (the port community) and the organisation for the rest; unmarked objects take
    /// `unmarked`.
    Import {
        owner: OrgId,
        audience: Option<Audience>,
        recipients: Vec<OrgId>,
        unmarked: Tlp,
    },
    /// What a partner port gives us (its TAXII POST, or our pull of its collection): owned by
    /// the organisation that stands for the partner; GREEN and CLEAR go to the port community
    /// (never on to other partners), AMBER to the installation operator only; RED,
    /// AMBER+STRICT and unmarked objects are refused — they should never have left.
    Partner { partner: OrgId, operator: OrgId },
}

/// One object that was not filed, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ImportFailure)]
pub struct Failure {
    pub id: Option<String>,
    /// Where in the bundle, `objects[3].modified`.
    pub field: String,
    pub message: String,
}

/// What filing a bundle did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FileReport {
    /// (id, modified) of the versions stored or already here.
    #[serde(skip)]
    pub successes: Vec<(String, String)>,
    pub stored: usize,
    pub duplicates: usize,
    pub failures: Vec<Failure>,
}

fn marking_for(arrival: &Arrival, tlp: Option<Tlp>) -> Result<(OrgId, Marking), String> {
    match arrival {
        Arrival::Import {
            owner,
            audience,
            recipients,
            unmarked,
        } => {
            let tlp = tlp.unwrap_or(*unmarked);
            let audience = audience.unwrap_or(match tlp {
                Tlp::Clear | Tlp::Green => Audience::Community,
                Tlp::Red => Audience::Named,
                _ => Audience::Organisation,
            });
            let m = Marking {
                tlp,
                audience,
                recipients: if audience == Audience::Named {
                    recipients.clone()
                } else {
                    vec![]
                },
            };
            m.validate("marking", *owner)
                .map_err(|e| e.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))?;
            Ok((*owner, m))
        }
        Arrival::Partner { partner, operator } => match tlp {
            Some(tlp @ (Tlp::Clear | Tlp::Green)) => Ok((
                *partner,
                Marking {
                    tlp,
                    audience: Audience::Community,
                    recipients: vec![],
                },
            )),
            Some(Tlp::Amber) => Ok((
                *partner,
                Marking {
                    tlp: Tlp::Amber,
                    audience: Audience::Named,
                    recipients: vec![*operator],
                },
            )),
            Some(t) => Err(format!("{t} objects are not taken from another installation: they may not leave their owner")),
            None => Err("an object from another installation must carry its TLP marking".into()),
        },
    }
}

/// Files what arrived: each object checked, stored as a version of its id (or found already
/// here), and sightings of our indicators raised as alerts. One audit event for the whole
/// bundle, in the same transaction.
pub async fn file(
    state: &SharingState,
    actor: &Actor,
    arrival: &Arrival,
    source: &str,
    incoming: Vec<Incoming>,
    mut report: FileReport,
) -> Result<FileReport, ApiError> {
    let now = state.now_ms();
    let mut rows = Vec::with_capacity(incoming.len());
    let mut index = Vec::with_capacity(incoming.len());
    // Best practices arrive into the library, checked against the catalogue in force here.
    let cat = crate::assessment::catalogue_in_force(state).await?;
    for (i, inc) in incoming.iter().enumerate() {
        if inc.ty == stix::BEST_PRACTICE_TYPE && !inc.revoked {
            if let Err(errors) = crate::assessment::practice_from_stix("", &inc.body, &cat) {
                report.failures.extend(errors.into_iter().map(|e| Failure {
                    id: Some(inc.id.clone()),
                    field: e.field,
                    message: e.reason,
                }));
                continue;
            }
        }
        match marking_for(arrival, inc.tlp) {
            Ok((owner, m)) => {
                let mut row = new_row(&inc.body, owner, &m, source);
                row.modified_ms = inc.modified_ms;
                rows.push(row);
                index.push(i);
            }
            Err(message) => report.failures.push(Failure {
                id: Some(inc.id.clone()),
                field: "object_marking_refs".into(),
                message,
            }),
        }
    }
    // What each sighting of one of our indicators would raise, read before the transaction;
    // written to the alert outbox in the transaction that files the sighting, for those
    // filed as the newest version: a crash after the commit cannot lose the finding.
    let mut sighted = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.stix_type == "sighting" {
            if let Some(draft) = sighting_alert(state, row, &rows).await? {
                sighted.push((i, draft));
            }
        }
    }
    let mut c = Change::begin(state, actor).await?;
    c.record(
        "sharing.objects_filed",
        None,
        json!({"source": source, "objects": rows.len(), "refused": report.failures.len()}),
    )
    .await?;
    let filed = c.tx().file_shared(&rows, now).await?;
    crate::assessment::follow_shared(c.tx(), &rows, &filed, &cat).await?;
    let mut findings = Vec::new();
    for (i, draft) in &sighted {
        if filed.get(*i) == Some(&Filed::Latest) {
            findings.push(alerts::pending(SIGHTING_ACTOR, draft, None, now)?);
        }
    }
    c.tx().insert_pending_alerts(&findings).await?;
    c.commit().await?;
    if !findings.is_empty() {
        alerts::drain_soon(state);
    }
    for (row, f) in rows.iter().zip(&filed) {
        let modified = stix::timestamp(row.modified_ms);
        match f {
            Filed::Latest | Filed::Older => {
                report.stored += 1;
                report.successes.push((row.stix_id.clone(), modified));
            }
            Filed::Duplicate => {
                report.duplicates += 1;
                report.successes.push((row.stix_id.clone(), modified));
            }
            Filed::NotOwner => report.failures.push(Failure {
                id: Some(row.stix_id.clone()),
                field: "id".into(),
                message: "another organisation's object has this id: only its creator versions it"
                    .into(),
            }),
            Filed::Revoked => report.failures.push(Failure {
                id: Some(row.stix_id.clone()),
                field: "revoked".into(),
                message: "this object is revoked here, and revocation is final".into(),
            }),
        }
    }
    let pairs: Vec<_> = rows.iter().zip(filed).collect();
    state.sharing.learn(&pairs);
    Ok(report)
}

/// Who raises the alerts of sightings (the outbox's actor).
const SIGHTING_ACTOR: &str = "sharing";

/// The alert a sighting that arrived of one of our organisations' indicators raises for it:
/// the indicator as stored, or as it arrives in the same bundle (`filing`).
async fn sighting_alert(
    state: &SharingState,
    s: &NewShared,
    filing: &[NewShared],
) -> Result<Option<AlertDraft>, ApiError> {
    let Some(of) = &s.ref_id else {
        return Ok(None);
    };
    let arriving = filing
        .iter()
        .filter(|r| &r.stix_id == of && !r.revoked)
        .max_by_key(|r| r.modified_ms)
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            (
                r.owner_org,
                body.get("name").and_then(Value::as_str).map(str::to_owned),
            )
        });
    let indicator = match arriving {
        Some(found) => Some(found),
        None => state.store.shared_latest(of).await?.map(|i| {
            (
                i.owner_org,
                i.body
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            )
        }),
    };
    let Some((indicator_owner, indicator_name)) = indicator else {
        return Ok(None);
    };
    if indicator_owner == s.owner_org {
        return Ok(None);
    }
    let Some(org) = state.store.org(indicator_owner).await? else {
        return Ok(None);
    };
    if org.kind == OrgKind::OtherPort {
        return Ok(None);
    }
    let seen_by = state
        .store
        .org(s.owner_org)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let name = indicator_name.unwrap_or_else(|| of.clone());
    let body: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
    let sighted = AlertMessage::IndicatorSighted {
        seen_by: seen_by.clone(),
        indicator: name.chars().take(120).collect(),
    };
    Ok(Some(AlertDraft {
        kind: "sharing.indicator_sighted".into(),
        severity: Severity::High,
        title: alerts::english_title(&sighted),
        message: Some(sighted),
        subjects: vec![],
        evidence: json!({"indicator": of, "sighting": s.stix_id, "seen_by": seen_by, "description": body.get("description"), "first_seen": body.get("first_seen"), "count": body.get("count")}),
        owner_org: indicator_owner,
        tlp: Tlp::Amber,
        audience: None,
        shared_with: vec![],
    }))
}

/// A match's sighting and alert, ready to be written.
struct Planned {
    /// `system:sharing` in the organisation that owns the sighting.
    actor: Actor,
    id: String,
    payload: Value,
    rows: Vec<NewShared>,
    finding: hamnvakt_store::PendingAlert,
}

/// The sighting of a match made here, and its alert: owned by the observing organisation
/// when it may see the indicator; it goes to the indicator's owner under the indicator's
/// marking when the indicator is another organisation's, and stays with the observer when it
/// is its own.
///
/// A match never tells anyone of an indicator they may not see: when the observing
/// organisation may not (a haulier acting on a release whose container customs watches under
/// TLP:AMBER+STRICT), the sighting and its alert are the indicator owner's alone, kept in
/// that organisation; an indicator of a partner port that the observer may not see goes to
/// the port's security centre (the installation's operator) if it may see it, and otherwise
/// to no one here (`None`).
async fn plan_sighting(
    state: &SharingState,
    operator: Option<OrgId>,
    o: &Observation,
    hit: &Hit,
) -> Result<Option<Planned>, ApiError> {
    let Some(indicator) = state.store.shared_latest(&hit.indicator).await? else {
        return Ok(None);
    };
    let Some(observer) = o.org.or(operator) else {
        return Ok(None);
    };
    let sees = |org: OrgId| {
        marking::may_see(
            indicator.owner_org,
            &indicator.marking,
            &Reader {
                org,
                partner: false,
            },
        )
    };
    let indicator_of_partner = state
        .store
        .org(indicator.owner_org)
        .await?
        .is_some_and(|org| org.kind == OrgKind::OtherPort);
    let owner = if sees(observer) {
        observer
    } else if !indicator_of_partner {
        indicator.owner_org
    } else if let Some(centre) = operator.filter(|c| sees(*c)) {
        centre
    } else {
        tracing::info!(indicator = %hit.indicator, "a match of a partner's indicator that no one here may see is not recorded");
        return Ok(None);
    };
    let now = state.now_ms();
    let marking = if indicator.owner_org == owner {
        Marking {
            tlp: Tlp::AmberStrict,
            audience: Audience::Organisation,
            recipients: vec![],
        }
    } else {
        Marking {
            tlp: match indicator.marking.tlp {
                Tlp::Clear | Tlp::Green => Tlp::Green,
                _ => Tlp::Amber,
            },
            audience: Audience::Named,
            recipients: vec![indicator.owner_org],
        }
    };
    let watcher =
        (indicator.owner_org != owner && !indicator_of_partner).then_some(indicator.owner_org);
    let id = new_id("sighting");
    let description = format!("{} {} seen in {}", hit.kind, hit.value, o.what);
    // What was seen, when it is a vessel: an observed-data naming the vessel's observable,
    // filed with the sighting under its marking.
    let seen = vessel_seen(o, hit);
    let observed_id = new_id("observed-data");
    let observed: Vec<String> = seen.iter().map(|_| observed_id.clone()).collect();
    let facts = SightingFacts {
        indicator: &hit.indicator,
        seen_by: owner,
        first_seen_ms: o.at_ms,
        last_seen_ms: o.at_ms,
        count: 1,
        description: &description,
        observed: &observed,
    };
    let body = objects::sighting(&id, &facts, now);
    let mut rows = Vec::with_capacity(3);
    if let Some(Value::Object(vessel)) = &seen {
        let sco_id = vessel
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        rows.push(new_row(vessel, owner, &marking, "local"));
        rows.push(new_row(
            &objects::observed_data(&observed_id, &facts, &[sco_id], now),
            owner,
            &marking,
            "local",
        ));
    }
    rows.push(new_row(&body, owner, &marking, "local"));
    let name = indicator
        .body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&hit.indicator)
        .to_owned();
    let actor = Actor {
        id: "system:sharing".into(),
        org: Some(owner),
        request_id: None,
    };
    let payload = json!({"indicator": hit.indicator, "kind": hit.kind, "value": hit.value, "subject": o.subject, "tlp": marking.tlp, "audience": marking.audience, "recipients": marking.recipients});
    let matched = AlertMessage::IndicatorMatched {
        indicator: name.chars().take(100).collect(),
        kind: hit.kind.to_string(),
        value: hit.value.clone(),
    };
    let draft = AlertDraft {
        kind: "sharing.indicator_matched".into(),
        severity: Severity::High,
        title: alerts::english_title(&matched),
        message: Some(matched),
        subjects: o.subjects.clone(),
        evidence: json!({"indicator": hit.indicator, "value": hit.value, "kind": hit.kind, "observed": o.what, "sighting": id}),
        owner_org: owner,
        tlp: Tlp::Amber,
        audience: None,
        // The member organisation that watches for it is told too (it is the sighting's
        // recipient already); a partner port learns of it through the sighting it pulls.
        shared_with: watcher.into_iter().collect(),
    };
    // The match's alert is durable with the sighting that records it (the alert outbox).
    let finding = alerts::pending(&actor.id, &draft, Some(o.at_ms), now)?;
    Ok(Some(Planned {
        actor,
        id,
        payload,
        rows,
        finding,
    }))
}

/// Writes planned sightings in one transaction: each one's audit event, its objects and its
/// alert in the outbox.
async fn write_sightings(state: &SharingState, planned: &[Planned]) -> Result<(), ApiError> {
    let Some(first) = planned.first() else {
        return Ok(());
    };
    let now = state.now_ms();
    let mut c = Change::begin(state, &first.actor).await?;
    for p in planned {
        c.record_as(
            &p.actor,
            "sharing.indicator_matched",
            Some(&format!("stix:{}", p.id)),
            p.payload.clone(),
        )
        .await?;
    }
    let rows: Vec<NewShared> = planned.iter().flat_map(|p| p.rows.clone()).collect();
    let findings: Vec<_> = planned.iter().map(|p| p.finding.clone()).collect();
    c.tx().file_shared(&rows, now).await?;
    c.tx().insert_pending_alerts(&findings).await?;
    c.commit().await
}

/// How many matches one transaction records at most on SQLite (one on PostgreSQL,
/// [`AppState::background_batch`]).
const SIGHTINGS_PER_WRITE: usize = 8;

/// Records the matches waiting in the queue until it is empty: each round waits for a moment
/// when the gate's committer is not writing ([`AppState::idle_writer`]), then writes all that
/// waited (up to [`SIGHTINGS_PER_WRITE`]) in one transaction, so that a watched truck or
/// vessel seen again and again costs the gate's groups one writer slot per round, not one per
/// match. When that transaction fails, each match is tried alone, so one bad match loses only
/// itself.
async fn record_matches(s: SharingState) {
    loop {
        s.app.idle_writer().await;
        let batch: Vec<(Arc<Observation>, Hit)> = {
            let mut q = s.sharing.queue.lock().unwrap_or_else(|p| p.into_inner());
            if q.waiting.is_empty() {
                q.writing = false;
                return;
            }
            let n = q
                .waiting
                .len()
                .min(s.app.background_batch(SIGHTINGS_PER_WRITE));
            q.waiting.drain(..n).collect()
        };
        let operator = match operator_org(&s).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, lost = batch.len(), "cannot record sightings: the operator is unknown");
                continue;
            }
        };
        let mut planned = Vec::with_capacity(batch.len());
        for (o, hit) in &batch {
            match plan_sighting(&s, operator, o, hit).await {
                Ok(Some(p)) => planned.push(p),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, indicator = %hit.indicator, "cannot record a sighting")
                }
            }
        }
        if planned.is_empty() {
            continue;
        }
        if let Err(e) = write_sightings(&s, &planned).await {
            tracing::warn!(error = %e, matches = planned.len(), "recording sightings together failed; each alone");
            for p in &planned {
                if let Err(e) = write_sightings(&s, std::slice::from_ref(p)).await {
                    tracing::error!(error = %e, sighting = %p.id, "cannot record a sighting");
                }
            }
        }
        alerts::drain_soon(&s);
    }
}

/// The vessel a match of its MMSI or IMO number saw, as the cyber-observable its indicator's
/// pattern compares; none for other kinds.
fn vessel_seen(o: &Observation, hit: &Hit) -> Option<Value> {
    use hamnvakt_sharing::IndicatorKind;
    if !matches!(hit.kind, IndicatorKind::Mmsi | IndicatorKind::Imo) {
        return None;
    }
    let value = |kind: IndicatorKind| {
        o.values
            .iter()
            .find(|v| v.kind == kind)
            .map(|v| v.value.as_str())
    };
    let name = o
        .subjects
        .iter()
        .find(|s| s.kind == hamnvakt_core::alert::SubjectKind::Vessel)
        .and_then(|s| s.label.as_deref());
    Some(stix::vessel(
        &new_id("x-hamnvakt-vessel"),
        value(IndicatorKind::Mmsi)?,
        value(IndicatorKind::Imo),
        name,
    ))
}

/// The organisation that runs the installation (the port authority), if there is one.
pub async fn operator_org(state: &AppState) -> Result<Option<OrgId>, ApiError> {
    Ok(state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::PortAuthority)
        .map(|o| o.id))
}

/// The matcher as the platform's observer.
pub struct Watcher(pub Arc<Sharing>);

impl Observer for Watcher {
    fn observe(&self, state: &AppState, o: Observation) {
        let hits = self.0.matches(&o);
        if hits.is_empty() {
            return;
        }
        let fresh: Vec<Hit> = {
            let mut seen = self.0.sighted.lock().unwrap_or_else(|p| p.into_inner());
            hits.into_iter()
                .filter(|h| seen.fresh((h.indicator.clone(), o.subject.clone()), o.at_ms))
                .collect()
        };
        if fresh.is_empty() {
            return;
        }
        let o = Arc::new(o);
        let start = {
            let mut q = self.0.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.waiting.extend(fresh.into_iter().map(|h| (o.clone(), h)));
            !std::mem::replace(&mut q.writing, true)
        };
        if start {
            tokio::spawn(record_matches(SharingState {
                app: state.clone(),
                sharing: self.0.clone(),
            }));
        }
    }
}

/// Revokes an object of the caller's organisation: a new, final version.
pub async fn revoke(
    state: &SharingState,
    actor: &Actor,
    org: OrgId,
    id: &str,
) -> Result<(), ApiError> {
    let row = state
        .store
        .shared_latest(id)
        .await?
        .filter(|r| r.owner_org == org)
        .ok_or_else(|| ApiError::NotFound(format!("object {id} of your organisation")))?;
    if row.revoked {
        return Err(ApiError::Conflict(format!("{id} is already revoked")));
    }
    let now = state.now_ms().max(row.modified_ms + 1);
    let mut body = row.body.clone();
    body.insert("modified".into(), json!(stix::timestamp(now)));
    body.insert("revoked".into(), json!(true));
    let new = new_row(&body, org, &row.marking, &row.source);
    let cat = crate::assessment::catalogue_in_force(state).await?;
    let mut c = Change::begin(state, actor).await?;
    c.record(
        "sharing.revoked",
        Some(&format!("stix:{id}")),
        json!({"tlp": row.marking.tlp}),
    )
    .await?;
    let filed = c.tx().file_shared(std::slice::from_ref(&new), now).await?;
    crate::assessment::follow_shared(c.tx(), std::slice::from_ref(&new), &filed, &cat).await?;
    c.commit().await?;
    state
        .sharing
        .learn(&[(&new, filed.first().copied().unwrap_or(Filed::Duplicate))]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(i: usize) -> (String, String) {
        ("indicator--1".to_owned(), format!("gate:G1:ABC{i}"))
    }

    /// A pair is acted on once a day: again within the window it is not, a day later it is.
    #[test]
    fn a_match_is_acted_on_once_a_day() {
        let mut s = Sighted::default();
        let t0 = 1_700_000_000_000;
        assert!(s.fresh(pair(1), t0));
        assert!(!s.fresh(pair(1), t0 + 1_000));
        assert!(!s.fresh(pair(1), t0 + SIGHTED_FOR_MS - 1));
        assert!(s.fresh(pair(2), t0 + 5));
        assert!(s.fresh(pair(1), t0 + SIGHTED_FOR_MS));
        assert!(!s.fresh(pair(1), t0 + SIGHTED_FOR_MS + 10));
        // An observation older than the last one acted on is not a new sighting.
        assert!(!s.fresh(pair(1), t0));
    }

    /// What is remembered is a day's matches: the older ones are forgotten as new ones come,
    /// and never more than the bound.
    #[test]
    fn the_memory_of_matches_is_bounded() {
        let mut s = Sighted::default();
        let t0 = 1_700_000_000_000;
        for i in 0..1_000 {
            assert!(s.fresh(pair(i), t0 + i as i64));
        }
        assert_eq!(s.len(), 1_000);
        // A day later, one new match forgets all of them.
        assert!(s.fresh(pair(5_000), t0 + SIGHTED_FOR_MS + 1_000));
        assert_eq!(s.len(), 1);
        assert!(s.order.len() <= 2);
        // Many within one day: never more than the bound.
        for i in 0..SIGHTED_AT_MOST + 10 {
            s.fresh(pair(10_000 + i), t0 + SIGHTED_FOR_MS + 2_000);
        }
        assert!(s.len() <= SIGHTED_AT_MOST, "{}", s.len());
        // The most recent are the ones remembered.
        assert!(!s.fresh(
            pair(10_000 + SIGHTED_AT_MOST + 9),
            t0 + SIGHTED_FOR_MS + 2_001
        ));
    }
}
