//! The access engine.
//!
//! Decisions are made one at a time under a lock, against the in-memory register and presence
//! (a few microseconds each), and handed in order to a committer task that writes them to the
//! audit chain in groups: one transaction, one durable commit, for every decision that arrived
//! while the previous group was being written. Only after that commit does each caller get its
//! answer. If a commit fails, the callers are answered with a deny and the presence memory is
//! reloaded from what the database holds. The decision list and stored occupancy are derived
//! from those events afterwards, in larger groups ([`super::projector`]).
//!
//! On PostgreSQL, where several instances decide, the committer makes a group's decisions
//! itself, inside the transaction that records them: it locks the chain head, applies every
//! other instance's decision up to it ([`Engine::follow_others`]), decides, appends and
//! commits (four round trips: `BEGIN` with the lock, the head with the register's version and
//! the others' decisions, the events with the new head, `COMMIT`). So presence is one across
//! the cluster, even for one card at two instances at once. A granted pick-up claims its
//! release in the same transaction (on SQLite too, where such a pick-up, and what queues behind
//! it, is decided by the committer the same way): see `write_batch`.
//!
//! Register changes go through [`Engine::save`]: event and stored record in one transaction,
//! then the index, so the change applies to the very next decision. On PostgreSQL the
//! committer compares the stored register version with the one held, under the chain head's
//! lock, before it decides a group, and every register read does so first; either reloads
//! when it moved, so another instance's change applies as soon too.

use std::sync::{Mutex, MutexGuard};

use hamnvakt_access::decide::{self, Decision, DecisionRequest, Direction, Reason, Settings};
use hamnvakt_access::detect::{DetectorSettings, Detectors};
use hamnvakt_access::model::{
    Ban, Credential, Facility, Gate, Permit, Person, SecurityLevel, Vehicle, Visit, Zone,
};
use hamnvakt_access::presence::Inside;
use hamnvakt_access::{AccessIndex, PolicySet, Presence};
use hamnvakt_core::alert::AlertDraft;
use hamnvakt_core::ids::{DecisionId, FacilityId, GateId, PersonId};
use hamnvakt_core::Tlp;
use hamnvakt_store::{NewEvent, PolicyRow, Store};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::projector::Projector;
use super::register::Record;
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::AccessState;
use crate::web::state::{new_id, new_time_id, PriorityWriter};

/// Most decisions written in one transaction.
const MAX_BATCH: usize = 512;
/// Decisions waiting for the committer before new ones are refused as busy.
const QUEUE: usize = 8192;

pub struct Inner {
    pub index: AccessIndex,
    pub presence: Presence,
    pub policies: PolicySet,
    pub detectors: Detectors,
    /// The store's register version this index reflects (PostgreSQL: reload when it moves).
    pub version: i64,
    /// SQLite: presentations queued for the committer to decide (a pick-up whose release is
    /// being claimed already, or that must be decided again, and every presentation behind
    /// one), so that decisions are made in the order they are recorded.
    deferred: usize,
    /// SQLite: the releases claimed by pick-ups granted on arrival and not yet committed.
    claiming: std::collections::HashSet<hamnvakt_release::ReleaseId>,
}

/// SQLite: a pick-up granted on arrival, with the claim of its release that the committer
/// writes over the version checked (see [`Engine::arrive`]).
struct Claim {
    collect: crate::release::Collect,
    /// Where the driver was just before the grant was applied (to take it back).
    before: Option<Inside>,
}

/// A presentation waiting for the committer.
struct Pending {
    id: DecisionId,
    input: DecisionInput,
    /// The decision; on PostgreSQL `None` until the committer makes it under the chain lock.
    made: Option<Made>,
    actor: Actor,
    /// The event's sequence number and the decision, once durable.
    reply: oneshot::Sender<Result<(i64, Made), Unmade>>,
    /// PostgreSQL: the accounts' authority version the caller's token was checked under,
    /// when it was not read for the request (see [`crate::web::auth::SelfAuditing`]). The
    /// committer decides it only if the version stored under the chain lock is this one.
    authority: Option<i64>,
    /// SQLite: counted in [`Inner::deferred`] until the committer makes it.
    counted: bool,
    /// SQLite: the release this pick-up collects, claimed on arrival.
    claim: Option<Claim>,
}

/// Why the committer answers a pending decision without one.
#[derive(Debug)]
enum Unmade {
    /// It could not be made or recorded.
    Failed(ApiError),
    /// The caller's authority moved since its token was checked: nothing was decided, and
    /// the caller checks the token again before presenting it anew (the presentation comes
    /// back for that).
    Unconfirmed(Box<DecisionInput>),
}

/// A decision made, with its pick-up check.
#[derive(Debug, Clone)]
struct Made {
    decision: Decision,
    pickup: Option<hamnvakt_release::Pickup>,
    /// The pick-up's container and release, recorded in the decision's event.
    record: Option<serde_json::Value>,
    /// The pick-up facts the decision was made on.
    facts: Option<crate::release::PickupFacts>,
}

/// A deny for a presentation that could not be decided or recorded (fails closed).
fn refused(direction: Direction, at_ms: i64, why: &str) -> Decision {
    let mut d = decide::decide(
        &AccessIndex::default(),
        &Presence::default(),
        &PolicySet::default_set(),
        &Settings::default(),
        &DecisionRequest {
            gate: new_id(),
            credential: None,
            plate: None,
            direction,
            at_ms,
        },
    );
    d.reasons = vec![Reason {
        code: "internal_error".into(),
        text: format!("{why}; refused"),
    }];
    d
}

pub struct Engine {
    inner: Mutex<Inner>,
    queue: mpsc::Sender<Pending>,
    receiver: Mutex<Option<mpsc::Receiver<Pending>>>,
    pub settings: Settings,
    /// Every recorded decision, as the live feed shows it, for subscribers (server push).
    pub feed: tokio::sync::broadcast::Sender<serde_json::Value>,
    /// Writes the decision and occupancy tables from the committed decision events.
    pub projector: Projector,
    /// Whether the committer is writing a group now.
    writing: std::sync::atomic::AtomicBool,
    /// Names this instance in its decision events, so that it can tell other instances'
    /// decisions from its own when it follows the chain (see [`Engine::follow_others`]).
    instance: String,
    /// The newest decision event followed (PostgreSQL: presence and the feed include every
    /// instance's decisions up to it).
    followed: std::sync::atomic::AtomicI64,
    /// When this instance last followed a decision another instance made (`monotonic_ms`):
    /// while others decide, the committer lets go of the chain head before its commit's flush
    /// (see [`Engine::begin_following`]).
    others_seen_ms: std::sync::atomic::AtomicI64,
    pub metrics: ProjectionMetrics,
    /// Pick-up facts as recently read (SQLite; see [`crate::release::FactsCache`]).
    pub pickups: crate::release::FactsCache,
}

/// Gate decisions go first on the single SQLite writer: background writers wait for a moment
/// when no decision is being written or waiting.
impl PriorityWriter for Engine {
    fn busy(&self) -> bool {
        let queued = self.queue.max_capacity() - self.queue.capacity();
        queued > 0 || self.writing.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// How far the gate-decision projection has got, and where a group of decisions made in the
/// committer's transaction spends its time, in `/metrics`.
#[derive(Debug)]
pub struct ProjectionMetrics {
    /// The newest decision event the decision list and stored occupancy reflect.
    pub decisions_projected: Gauge,
    pub projection_errors: Counter,
    /// Beginning the transaction and getting the chain head's lock (on PostgreSQL the wait
    /// for other instances' groups, and in the same round trip reading the versions and
    /// other instances' decisions, applied).
    pub group_lock: prometheus_client::metrics::histogram::Histogram,
    /// Loading a moved register and setting aside callers whose authority moved
    /// (PostgreSQL).
    pub group_follow: prometheus_client::metrics::histogram::Histogram,
    /// Other instances' decisions followed by the committer.
    pub group_followed: Counter,
    /// Deciding, claiming releases, and appending the events.
    pub group_write: prometheus_client::metrics::histogram::Histogram,
    /// The durable commit.
    pub group_commit: prometheus_client::metrics::histogram::Histogram,
    /// Pick-ups granted on arrival whose release moved before the claim was written, taken
    /// back and decided again (SQLite).
    pub claims_taken_back: Counter,
}

impl ProjectionMetrics {
    fn register(registry: &mut Registry) -> ProjectionMetrics {
        let m = ProjectionMetrics {
            decisions_projected: Gauge::default(),
            projection_errors: Counter::default(),
            group_lock: crate::web::metrics::latency_histogram(),
            group_follow: crate::web::metrics::latency_histogram(),
            group_followed: Counter::default(),
            group_write: crate::web::metrics::latency_histogram(),
            group_commit: crate::web::metrics::latency_histogram(),
            claims_taken_back: Counter::default(),
        };
        registry.register(
            "pickup_claims_taken_back",
            "Pick-ups granted on arrival whose release moved before the claim was written (a hop, withdrawal or light just as the truck presented): taken back and decided again on the release as it stands",
            m.claims_taken_back.clone(),
        );
        registry.register(
            "decision_group_lock_seconds",
            "Gate decisions made in the committer's transaction: beginning it and locking the chain head (the wait for other instances, and on PostgreSQL reading and applying their decisions in the same round trip; on SQLite with the read of the pick-ups' release versions)",
            m.group_lock.clone(),
        );
        registry.register(
            "decision_group_follow_seconds",
            "Gate decisions made in the committer's transaction: on PostgreSQL, loading a register another instance changed and taking in what queued meanwhile",
            m.group_follow.clone(),
        );
        registry.register(
            "decision_group_followed",
            "Other instances' decisions applied by the committer under the chain head's lock",
            m.group_followed.clone(),
        );
        registry.register(
            "decision_group_write_seconds",
            "Gate decisions made in the committer's transaction: deciding, claiming releases, the findings",
            m.group_write.clone(),
        );
        registry.register(
            "decision_group_commit_seconds",
            "Gate decisions made in the committer's transaction: appending their events and the durable commit (one round trip on SQLite)",
            m.group_commit.clone(),
        );
        registry.register(
            "access_decisions_projected_seq",
            "Sequence number of the newest gate-decision event the decision list reflects (compare with audit_chain_head_seq)",
            m.decisions_projected.clone(),
        );
        registry.register(
            "access_projection_errors",
            "Failed attempts to write gate-decision rows from the chain (retried)",
            m.projection_errors.clone(),
        );
        m
    }
}

/// A gate named by its code (as controllers know it) or its id.
#[derive(Debug, Clone)]
pub enum GateRef {
    Code(String),
    Id(GateId),
}

#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub gate: GateRef,
    pub credential: Option<String>,
    pub plate: Option<String>,
    pub direction: Direction,
    pub at_ms: i64,
    /// A pick-up: the container named, with its release read before the decision (only
    /// then; an ordinary decision reads nothing more).
    pub pickup: Option<crate::release::PickupFacts>,
    /// The visit the presentation names (a booked trip), checked against the register.
    pub visit: Option<hamnvakt_core::ids::VisitId>,
    /// The decision's id, when the caller needs it before the decision (a pick-up's claim
    /// names it); else one is made.
    pub id: Option<DecisionId>,
}

fn corrupt(kind: &str, id: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("stored {kind} record {id} does not parse: {e}"))
}

impl Engine {
    pub fn new(
        settings: Settings,
        detector_settings: DetectorSettings,
        registry: &mut Registry,
    ) -> Engine {
        let (tx, rx) = mpsc::channel(QUEUE);
        Engine {
            inner: Mutex::new(Inner {
                index: AccessIndex::default(),
                presence: Presence::default(),
                policies: PolicySet::default_set(),
                detectors: Detectors::new(detector_settings),
                version: -1,
                deferred: 0,
                claiming: Default::default(),
            }),
            queue: tx,
            receiver: Mutex::new(Some(rx)),
            settings,
            feed: tokio::sync::broadcast::channel(1024).0,
            projector: Projector::default(),
            writing: std::sync::atomic::AtomicBool::new(false),
            instance: uuid::Uuid::new_v4().to_string(),
            followed: std::sync::atomic::AtomicI64::new(0),
            others_seen_ms: std::sync::atomic::AtomicI64::new(i64::MIN),
            metrics: ProjectionMetrics::register(registry),
            pickups: Default::default(),
        }
    }

    /// The locked state. A panic while holding the lock cannot leave a half-made decision
    /// behind (decisions are made then applied), so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the register, the policies, the presence and the detectors' history, and starts
    /// the committer. Call once, before serving.
    pub async fn start(state: &AccessState) -> Result<(), ApiError> {
        let engine = state.access.clone();
        engine.reload_register(&state.store).await?;
        let mut policies = state.store.access_policies().await?;
        if policies.is_empty() {
            let default = PolicySet::default_set();
            set_policy_rows(
                state,
                &Actor::system("system"),
                &default.text,
                "default policy",
                1,
            )
            .await?;
            policies = state.store.access_policies().await?;
        }
        if let Some(p) = policies.last() {
            let set = PolicySet::parse(p.version, &p.text)
                .map_err(|e| ApiError::Internal(format!("stored policy {}: {e}", p.version)))?;
            engine.lock().policies = set;
        }
        engine.projector.run(state).await?;
        // Presence comes from the projected occupancy; other instances' decisions after the
        // mark are followed from the chain (applying one twice changes nothing).
        let mark = state.store.projection_mark(super::projector::NAME).await?;
        engine
            .followed
            .store(mark, std::sync::atomic::Ordering::Release);
        engine.reload_presence(&state.store).await?;
        engine.relearn(state).await?;
        let rx = engine
            .receiver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(rx) = rx {
            tokio::spawn(committer(state.clone(), rx));
            tokio::spawn(Projector::background(state.clone()));
            if state.store.is_postgres() {
                tokio::spawn(follower(state.clone()));
            }
        }
        Ok(())
    }

    /// On PostgreSQL, applies the decisions other instances recorded since the last call to
    /// this instance's presence and detectors, and pushes them to its live feed, so that
    /// anti-passback, two-person rules, occupancy and muster lists are decided and shown
    /// against every instance's passages. Called by the committer with the chain head locked
    /// (so nothing is missed before a group is decided), before every read of presence, and
    /// by a background task whenever the database notifies an append.
    pub async fn follow_others(&self, store: &Store) -> Result<(), ApiError> {
        if !store.is_postgres() {
            return Ok(());
        }
        loop {
            let after = self.followed.load(std::sync::atomic::Ordering::Acquire);
            let events = store
                .events_of_kind_after("access.decision", after, FOLLOW_BATCH)
                .await?;
            if self.apply_followed(&events) < FOLLOW_BATCH {
                return Ok(());
            }
        }
    }

    /// [`Engine::follow_others`] on the committer's own transaction, which holds the chain
    /// head: it needs no other connection while the head is locked.
    async fn follow_in(&self, tx: &mut hamnvakt_store::WriteTx) -> Result<(), ApiError> {
        loop {
            let after = self.followed.load(std::sync::atomic::Ordering::Acquire);
            let events = tx
                .events_of_kind_after("access.decision", after, FOLLOW_BATCH)
                .await?;
            if self.apply_followed(&events) < FOLLOW_BATCH {
                return Ok(());
            }
        }
    }

    /// Begins the committer's transaction on PostgreSQL: the chain head's lock, then the
    /// register's and the accounts' authority versions and the first events to follow, in
    /// one round trip ([`Store::begin_locked_following`]); applies what it followed. Returns
    /// the transaction and the two versions as stored.
    ///
    /// While other instances decide too (one of their decisions followed in the last
    /// [`OTHERS_ACTIVE_MS`]), the commit lets go of the chain head before the log's flush, so
    /// that their committers wait for this one's statements and not for its disk; alone, it
    /// commits the plain way, one transaction fewer.
    async fn begin_following(
        &self,
        store: &Store,
    ) -> Result<(hamnvakt_store::WriteTx, i64, i64), ApiError> {
        use std::sync::atomic::Ordering;
        let after = self.followed.load(Ordering::Acquire);
        let others = monotonic_ms().saturating_sub(self.others_seen_ms.load(Ordering::Acquire))
            < OTHERS_ACTIVE_MS;
        let (mut tx, followed) = store
            .begin_locked_following("access.decision", after, FOLLOW_BATCH, others)
            .await?;
        let n = self.apply_followed(&followed.events);
        self.metrics.group_followed.inc_by(n as u64);
        if n >= FOLLOW_BATCH {
            self.follow_in(&mut tx).await?;
        }
        Ok((tx, followed.register, followed.authority))
    }

    /// Applies other instances' decision events past the newest followed, under the engine's
    /// lock (events read concurrently by two followers are applied once, in order), and
    /// pushes them to the live feed. Returns how many events it was given.
    fn apply_followed(&self, events: &[(i64, String)]) -> i64 {
        use std::sync::atomic::Ordering;
        let mut live = Vec::new();
        {
            let mut inner = self.lock();
            let followed = self.followed.load(Ordering::Acquire);
            for (seq, payload) in events.iter().filter(|(seq, _)| *seq > followed) {
                let Ok(e) = serde_json::from_str::<Followed>(payload) else {
                    tracing::warn!(seq, "a decision event does not parse; not followed");
                    continue;
                };
                if e.instance.as_deref() == Some(self.instance.as_str()) {
                    continue;
                }
                self.others_seen_ms.store(monotonic_ms(), Ordering::Release);
                let Inner {
                    index,
                    presence,
                    detectors,
                    ..
                } = &mut *inner;
                decide::apply(index, presence, &e.decision);
                // The instance that made it raises what it shows; the others learn from it,
                // so behaviour profiles are the cluster's, not one instance's share.
                detectors.learn(index, &e.decision);
                if self.feed.receiver_count() > 0 {
                    live.push(feed_json(
                        index,
                        &e.id,
                        &e.decision,
                        &e.credential,
                        &e.plate,
                        *seq,
                    ));
                }
            }
            if let Some((last, _)) = events.last() {
                self.followed.fetch_max(*last, Ordering::AcqRel);
            }
        }
        for item in live {
            let _ = self.feed.send(item);
        }
        events.len() as i64
    }

    /// Loads the register from the store into memory (also the read-only start).
    pub async fn reload_register(&self, store: &Store) -> Result<(), ApiError> {
        let version = store.access_version().await?;
        let mut ix = AccessIndex::default();
        macro_rules! load {
            ($t:ty) => {
                for (id, data) in store.access_records(<$t>::KIND).await? {
                    let r: $t =
                        serde_json::from_str(&data).map_err(|e| corrupt(<$t>::KIND, &id, e))?;
                    r.put(&mut ix);
                }
            };
        }
        load!(Facility);
        load!(Zone);
        load!(Gate);
        load!(Person);
        load!(Credential);
        load!(Vehicle);
        load!(Permit);
        load!(Visit);
        load!(Ban);
        // Policy versions move the register's version too: another instance's edit arrives
        // with the same reload.
        let policies = match store.access_policies().await?.last() {
            Some(p) => Some(
                PolicySet::parse(p.version, &p.text)
                    .map_err(|e| ApiError::Internal(format!("stored policy {}: {e}", p.version)))?,
            ),
            None => None,
        };
        let mut inner = self.lock();
        inner.index = ix;
        inner.version = version;
        if let Some(p) = policies {
            inner.policies = p;
        }
        Ok(())
    }

    /// Applies this instance's own change to the index when it is the very next version of
    /// the register; false when another instance changed it in between, and the whole
    /// register must be read again (marking the index up to date after applying only our own
    /// change would skip theirs).
    fn apply_own(&self, version: i64, apply: impl FnOnce(&mut AccessIndex)) -> bool {
        let mut inner = self.lock();
        if inner.version + 1 != version {
            return false;
        }
        apply(&mut inner.index);
        inner.version = version;
        true
    }

    /// After a failed commit: presence as the chain has it. The projection is brought up to
    /// the head and presence read from it; other instances' decisions are followed from the
    /// projection's mark again (applying one twice changes nothing).
    async fn reload_presence_from_chain(&self, state: &AccessState) -> Result<(), ApiError> {
        self.projector.run(state).await?;
        let mark = state.store.projection_mark(super::projector::NAME).await?;
        let presence = load_presence(&state.store).await?;
        let mut inner = self.lock();
        inner.presence = presence;
        self.followed
            .store(mark, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// The detectors as the recorded decisions of the last 30 days teach them (at start, and
    /// after a failed commit: the detectors observed decisions that were then not recorded).
    async fn relearn(&self, state: &AccessState) -> Result<(), ApiError> {
        let since = state.now_ms() - 30 * 86_400_000;
        let history = state.store.decisions_since(since, 500_000).await?;
        let mut inner = self.lock();
        let mut fresh = Detectors::new(inner.detectors.settings);
        for row in history {
            if let Ok(d) = serde_json::from_str::<Decision>(&row.data) {
                fresh.learn(&inner.index, &d);
            }
        }
        inner.detectors = fresh;
        Ok(())
    }

    async fn reload_presence(&self, store: &Store) -> Result<(), ApiError> {
        let presence = load_presence(store).await?;
        self.lock().presence = presence;
        Ok(())
    }
}

/// Presence as the stored (projected) occupancy has it.
async fn load_presence(store: &Store) -> Result<Presence, ApiError> {
    {
        let rows = store.occupancy().await?;
        let mut presence = Presence::default();
        for r in rows {
            if let (Ok(person), Ok(facility), Ok(zone), Ok(gate)) = (
                r.person_id.parse(),
                r.facility_id.parse(),
                r.zone_id.parse(),
                r.gate_id.parse(),
            ) {
                presence.restore(Inside {
                    person,
                    facility,
                    zone,
                    gate,
                    since_ms: r.since_ms,
                });
            }
        }
        Ok(presence)
    }
}

impl Engine {
    /// On PostgreSQL, other instances may have changed the register: reload when its version
    /// moved. (On SQLite this instance is the only writer.) Called before every decision and
    /// every read of the register.
    pub async fn refresh_if_stale(&self, store: &Store) -> Result<(), ApiError> {
        if !store.is_postgres() {
            return Ok(());
        }
        let version = store.access_version().await?;
        if version != self.lock().version {
            self.reload_register(store).await?;
        }
        Ok(())
    }

    /// The decision on `input` against the register and presence as they stand: the
    /// ordinary decision, the visit it names and the pick-up check. Neither applied nor
    /// recorded.
    ///
    /// `assume_claimed` asks what the answer would be once the release is claimed for this
    /// pick-up (a grant is given only to a claimed release).
    fn make(&self, inner: &Inner, input: &DecisionInput, assume_claimed: bool) -> Made {
        let gate = match &input.gate {
            GateRef::Id(g) => *g,
            // An unknown code becomes an id no gate has: the decision says unknown gate.
            GateRef::Code(code) => inner
                .index
                .gate_by_code(code)
                .map(|g| g.id)
                .unwrap_or_else(new_id),
        };
        let req = DecisionRequest {
            gate,
            credential: input.credential.clone(),
            plate: input.plate.clone(),
            direction: input.direction,
            at_ms: input.at_ms,
        };
        let mut d = decide::decide(
            &inner.index,
            &inner.presence,
            &inner.policies,
            &self.settings,
            &req,
        );
        if let Some(visit) = input.visit {
            decide::check_visit(&inner.index, &mut d, visit);
        }
        let pickup = input.pickup.as_ref().and_then(|facts| {
            crate::release::check_pickup(
                &inner.index,
                &mut d,
                facts,
                input.plate.as_deref(),
                assume_claimed,
            )
        });
        let record = input.pickup.as_ref().map(|f| {
            json!({
                "container": f.container,
                "release": f.release.as_ref().map(|r| r.id),
                "verdict": pickup.as_ref().map(|p| p.verdict),
            })
        });
        Made {
            decision: d,
            pickup,
            record,
            facts: input.pickup.clone(),
        }
    }

    /// SQLite: decides a presentation as it arrives, against the facts the gate read. A
    /// pick-up that grants claims its release here: the decision is a grant, its release
    /// collected as the chain's rules say (marked in [`Inner::claiming`] until committed),
    /// and the committer writes the claim over the version checked in the transaction that
    /// records the decision. If the release moved meanwhile that write fails, and the
    /// committer takes the grant back and decides the pick-up again on the release as it
    /// stands (see `committer`). `None` when the committer must decide: a second pick-up
    /// of a release being claimed, or a grant that also lets a partner in. Changes nothing.
    fn arrive(
        &self,
        inner: &Inner,
        input: &mut DecisionInput,
        id: DecisionId,
        now: i64,
    ) -> Option<(Made, Option<crate::release::Collect>)> {
        let release = input
            .pickup
            .as_ref()
            .filter(|f| !f.unreadable)
            .and_then(|f| f.release.clone());
        let Some(release) = release else {
            return Some((self.make(inner, input, false), None));
        };
        let mut made = self.make(inner, input, true);
        if !collects(&made) {
            return Some((self.make(inner, input, false), None));
        }
        if inner.claiming.contains(&release.id) || made.decision.partner.is_some() {
            return None;
        }
        match claim_release(inner, &mut made, input, id, now) {
            Some(c) => Some((made, Some(c))),
            // The chain's rules refuse the collection after all: refused.
            None => Some((self.make(inner, input, false), None)),
        }
    }

    /// Takes back the grants of a group's pick-ups claimed on arrival whose claims could not
    /// be written (see `committer`): each is to be decided again by the committer, and what
    /// arrives meanwhile waits behind it.
    fn take_back_claims(&self, batch: &mut [Pending]) {
        let mut inner = self.lock();
        let Inner {
            index,
            presence,
            claiming,
            deferred,
            ..
        } = &mut *inner;
        for p in batch.iter_mut() {
            let Some(claim) = p.claim.take() else {
                continue;
            };
            claiming.remove(&claim.collect.release.id);
            self.metrics.claims_taken_back.inc();
            if let Some(made) = p.made.take() {
                decide::take_back(index, presence, &made.decision, claim.before);
            }
            if let Some(f) = p.input.pickup.as_mut() {
                f.claimed = false;
            }
            if !p.counted {
                p.counted = true;
                *deferred += 1;
            }
        }
    }

    /// The claims of a group, written or not, are no longer being made.
    fn claims_done(&self, batch: &[Pending]) {
        if batch.iter().all(|p| p.claim.is_none()) {
            return;
        }
        let mut inner = self.lock();
        for c in batch.iter().filter_map(|p| p.claim.as_ref()) {
            inner.claiming.remove(&c.collect.release.id);
        }
    }

    /// Decides one presentation, records it durably, and returns it. Never an error for a
    /// controller to mistake for an open gate: failures come back as a deny.
    pub async fn decide(
        &self,
        state: &AccessState,
        actor: Actor,
        input: DecisionInput,
    ) -> (DecisionId, Decision) {
        let (id, d, _, _) = self.decide_pickup(state, actor, input).await;
        (id, d)
    }

    /// [`Engine::decide_pickup`] for a caller whose token was checked without reading the
    /// stored authority version (`unconfirmed`, see [`crate::web::auth::SelfAuditing`]): the
    /// committer decides it only under the version it was checked with. Where another
    /// instance changed tokens, roles or accounts since, the token is checked again (a
    /// refusal is the error, 401 or 403, and chained as any other) and the presentation
    /// decided on the caller's authority as it now stands.
    pub async fn decide_confirming(
        &self,
        state: &AccessState,
        principal: &crate::web::auth::Principal,
        unconfirmed: Option<crate::web::auth::Unconfirmed>,
        input: DecisionInput,
    ) -> Result<
        (
            DecisionId,
            Decision,
            Option<hamnvakt_release::Pickup>,
            Option<crate::release::PickupFacts>,
        ),
        ApiError,
    > {
        let Some(unconfirmed) = unconfirmed else {
            return Ok(self.decide_pickup(state, principal.actor(), input).await);
        };
        match self
            .submit(state, principal.actor(), input, Some(unconfirmed.version()))
            .await
        {
            Ok(out) => Ok(out),
            Err(input) => {
                let now = unconfirmed.confirm(state).await?;
                now.require(hamnvakt_identity::Permission::AccessDecide)?;
                Ok(self.decide_pickup(state, now.actor(), *input).await)
            }
        }
    }

    /// [`Engine::decide`], with the pick-up check when the input names a container: its
    /// failures are reasons of the decision, which is recorded as one event as any other.
    /// Returns the pick-up's check and the facts it was decided on (read again by the
    /// committer when the release moved since `input`'s were read).
    ///
    /// A granted pick-up claims its release in the transaction that records the decision:
    /// the release's row is written over the version checked, with its `release.collected`
    /// event just before the decision's (see `write_batch`).
    ///
    /// On SQLite (one instance) the decision is made here, under the engine's lock, and
    /// queued for the committer, a granted pick-up with the claim of its release (see
    /// [`Engine::arrive`]); the few it cannot make here, and whatever arrives behind them
    /// until they are decided, are made by the committer as on PostgreSQL. On PostgreSQL it is made by the committer, inside the
    /// transaction that records it, after locking the chain head and following every other
    /// instance's decisions up to it (see [`Engine::follow_others`]): so presence
    /// (anti-passback, two-person, escort, occupancy) is decided against every instance's
    /// passages, even two presentations of one card at two instances at the same moment.
    pub async fn decide_pickup(
        &self,
        state: &AccessState,
        actor: Actor,
        input: DecisionInput,
    ) -> (
        DecisionId,
        Decision,
        Option<hamnvakt_release::Pickup>,
        Option<crate::release::PickupFacts>,
    ) {
        let (id, direction, at_ms) = (
            input.id.unwrap_or_else(|| new_time_id(state.now_ms())),
            input.direction,
            input.at_ms,
        );
        let asked = input.pickup.clone();
        let input = DecisionInput {
            id: Some(id),
            ..input
        };
        match self.submit(state, actor, input, None).await {
            Ok(out) => out,
            // Only a decision with an authority to confirm can come back unmade this way.
            Err(_) => (
                id,
                refused(direction, at_ms, "the caller's authority was not confirmed"),
                None,
                asked,
            ),
        }
    }

    /// [`Engine::decide_pickup`]; with `authority`, the version of the accounts' authority
    /// the caller was checked under, which the committer confirms (`Err` with the
    /// presentation when it moved: nothing was decided).
    #[allow(clippy::type_complexity)]
    async fn submit(
        &self,
        state: &AccessState,
        actor: Actor,
        input: DecisionInput,
        authority: Option<i64>,
    ) -> Result<
        (
            DecisionId,
            Decision,
            Option<hamnvakt_release::Pickup>,
            Option<crate::release::PickupFacts>,
        ),
        Box<DecisionInput>,
    > {
        let id: DecisionId = input.id.unwrap_or_else(|| new_time_id(state.now_ms()));
        let (direction, at_ms) = (input.direction, input.at_ms);
        // On PostgreSQL the committer decides, under the chain head's lock, after comparing
        // the register's version with the stored one: register and policy changes
        // acknowledged before this request (at any instance) apply to it.
        let shared = state.store.is_postgres();
        let asked = input.pickup.clone();
        let mut input = input;
        let (tx, rx) = oneshot::channel();
        {
            let mut inner = self.lock();
            // On SQLite what cannot be decided on arrival is decided by the committer, in the
            // transaction that records it; so is every presentation behind it, so that
            // decisions are made in the order recorded.
            let arrived = if shared || inner.deferred > 0 {
                None
            } else {
                self.arrive(&inner, &mut input, id, state.now_ms())
            };
            let defer = !shared && arrived.is_none();
            let (made, collect) = match arrived {
                Some((made, collect)) => (Some(made), collect),
                None => (None, None),
            };
            let claim = collect.map(|collect| Claim {
                before: made
                    .as_ref()
                    .and_then(|m| m.decision.person)
                    .and_then(|p| inner.presence.inside(p).cloned()),
                collect,
            });
            let claimed = claim.as_ref().map(|c| c.collect.release.id);
            let pending = Pending {
                id,
                made: made.clone(),
                input,
                actor,
                reply: tx,
                authority: authority.filter(|_| shared),
                counted: defer,
                claim,
            };
            if self.queue.try_send(pending).is_err() {
                drop(inner);
                return Ok((
                    id,
                    refused(direction, at_ms, "the decision queue is full"),
                    None,
                    asked,
                ));
            }
            if defer {
                inner.deferred += 1;
            }
            if let Some(release) = claimed {
                inner.claiming.insert(release);
            }
            if let Some(m) = made {
                let Inner {
                    index, presence, ..
                } = &mut *inner;
                decide::apply(index, presence, &m.decision);
            }
        }
        Ok(match rx.await {
            Ok(Ok((_seq, made))) => (id, made.decision, made.pickup, made.facts),
            Ok(Err(Unmade::Unconfirmed(input))) => return Err(input),
            Ok(Err(Unmade::Failed(e))) => {
                tracing::error!(error = %e, "a gate decision could not be recorded");
                (
                    id,
                    refused(direction, at_ms, "the decision could not be recorded"),
                    None,
                    asked,
                )
            }
            Err(_) => (
                id,
                refused(direction, at_ms, "the decision writer stopped"),
                None,
                asked,
            ),
        })
    }

    /// Saves a register record: checked against the register, recorded with its event, stored,
    /// then applied to the index.
    pub async fn save<R: Record>(
        &self,
        state: &AccessState,
        actor: &Actor,
        record: R,
        created: bool,
    ) -> Result<R, ApiError> {
        let refs = super::register::Refs::load(&state.store).await?;
        let errors = record.check(&self.lock().index, &refs);
        if !errors.is_empty() {
            return Err(ApiError::InvalidFields(errors));
        }
        let id = record.id_text();
        let data = serde_json::to_string(&record).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut change = Change::begin(state, actor).await?;
        change
            .record(
                R::EVENT,
                Some(&format!("{}:{id}", R::KIND)),
                json!({"record": record, "created": created}),
            )
            .await?;
        let at = change.at_ms();
        let version = change
            .tx()
            .put_access_record(R::KIND, &id, &record.keys(), &data, at)
            .await?;
        change.commit().await?;
        if !self.apply_own(version, |ix| record.clone().put(ix)) {
            self.reload_register(&state.store).await?;
        }
        Ok(record)
    }

    /// Sets a facility's ISPS security level. Audited with the reason; applies to the next
    /// decision.
    pub async fn set_level(
        &self,
        state: &AccessState,
        actor: &Actor,
        facility: FacilityId,
        level: SecurityLevel,
        reason: &str,
    ) -> Result<Facility, ApiError> {
        hamnvakt_core::validate::text("reason", reason, 500)
            .map_err(|e| ApiError::InvalidFields(vec![e]))?;
        let mut f = self
            .lock()
            .index
            .facilities
            .get(&facility)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("facility {facility}")))?;
        let from = f.security_level;
        f.security_level = level;
        let data = serde_json::to_string(&f).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut change = Change::begin(state, actor).await?;
        change
            .record(
                "access.security_level_set",
                Some(&format!("facilities:{facility}")),
                json!({"facility": facility, "name": f.name, "from": from, "to": level, "reason": reason}),
            )
            .await?;
        let at = change.at_ms();
        let version = change
            .tx()
            .put_access_record(Facility::KIND, &facility.to_string(), &f.keys(), &data, at)
            .await?;
        change.commit().await?;
        if !self.apply_own(version, |ix| ix.put_facility(f.clone())) {
            self.reload_register(&state.store).await?;
        }
        Ok(f)
    }

    /// Replaces the policy set with a new version after checking that it parses.
    pub async fn set_policy(
        &self,
        state: &AccessState,
        actor: &Actor,
        text: &str,
        comment: &str,
    ) -> Result<PolicySet, ApiError> {
        hamnvakt_core::validate::text("comment", comment, 500)
            .map_err(|e| ApiError::InvalidFields(vec![e]))?;
        let next = state
            .store
            .access_policies()
            .await?
            .last()
            .map(|p| p.version + 1)
            .unwrap_or(1);
        let set =
            PolicySet::parse(next, text).map_err(|e| ApiError::field("text", e.to_string()))?;
        let version = set_policy_rows(state, actor, text, comment, next).await?;
        let own = {
            let mut inner = self.lock();
            let own = inner.version + 1 == version;
            inner.policies = set.clone();
            if own {
                inner.version = version;
            }
            own
        };
        if !own {
            self.reload_register(&state.store).await?;
        }
        Ok(set)
    }
}

async fn set_policy_rows(
    state: &AccessState,
    actor: &Actor,
    text: &str,
    comment: &str,
    version: i64,
) -> Result<i64, ApiError> {
    let mut change = Change::begin(state, actor).await?;
    change
        .record("access.policy_changed", Some(&format!("policy:{version}")), json!({"version": version, "sha256": hamnvakt_identity::secret::digest(text), "comment": comment, "text": text}))
        .await?;
    let at = change.at_ms();
    let register_version = change
        .tx()
        .insert_access_policy(&PolicyRow {
            version,
            text: text.to_owned(),
            comment: comment.to_owned(),
            created_by: actor.id.clone(),
            created_ms: at,
        })
        .await?;
    change.commit().await?;
    Ok(register_version)
}

/// Collects the release of `input`'s pick-up, granted in `made`, for decision `id` as the
/// chain's rules say, on behalf of the gate's facility; marks the pick-up's facts (in
/// `input` and `made`) claimed. `None`, changing nothing, when the rules refuse it.
fn claim_release(
    inner: &Inner,
    made: &mut Made,
    input: &mut DecisionInput,
    id: DecisionId,
    now: i64,
) -> Option<crate::release::Collect> {
    let facility_org = made
        .decision
        .facility
        .and_then(|f| inner.index.facilities.get(&f))
        .map(|f| f.org_id);
    let release = input.pickup.as_ref()?.release.as_ref()?;
    let c = crate::release::collect(release, facility_org, &id.to_string(), now)?;
    if let Some(f) = input.pickup.as_mut() {
        f.claimed = true;
    }
    made.facts = input.pickup.clone();
    Some(c)
}

/// Whether a decision grants a pick-up: the release must then be collected for it.
fn collects(made: &Made) -> bool {
    made.decision.outcome == decide::Outcome::Grant
        && made
            .pickup
            .as_ref()
            .is_some_and(|p| p.verdict == hamnvakt_release::PickupVerdict::Grant)
}

/// Before the committer decides the pick-ups of a group: compares the releases they were
/// read with against the stored ones (one read for the group) and reads a container's facts
/// again where they moved. `tx` holds the writer (SQLite) or the chain head (PostgreSQL,
/// where every release write appends an event under it), so what it reads stays so until it
/// commits.
/// The containers of the group's pick-ups still to decide, each once.
fn pickup_containers(batch: &[Pending]) -> Vec<String> {
    let mut containers: Vec<String> = batch
        .iter()
        .filter(|p| p.made.is_none())
        .filter_map(|p| p.input.pickup.as_ref())
        .filter(|f| !f.unreadable)
        .map(|f| f.container.clone())
        .collect();
    containers.sort();
    containers.dedup();
    containers
}

/// Brings the group's pick-ups to the releases as they stand: `versions` are the stored
/// releases of their containers, read in `tx` ([`hamnvakt_store::Store::begin_locked_reading`]);
/// a container whose releases moved since the gate read them is read again.
async fn current_pickups(
    tx: &mut hamnvakt_store::WriteTx,
    batch: &mut [Pending],
    versions: Vec<(String, String, i64)>,
) -> Result<(), ApiError> {
    let mut stored: std::collections::HashMap<String, Vec<(String, i64)>> = Default::default();
    for (container, id, version) in versions {
        let seen = stored.entry(container).or_default();
        // As many as the gate reads of a container.
        if seen.len() < 20 {
            seen.push((id, version));
        }
    }
    let mut fresh: std::collections::HashMap<String, crate::release::PickupFacts> =
        Default::default();
    for p in batch.iter_mut().filter(|p| p.made.is_none()) {
        let Some(facts) = p.input.pickup.as_mut().filter(|f| !f.unreadable) else {
            continue;
        };
        let now = stored
            .get(&facts.container)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if now == facts.seen.as_slice() {
            continue;
        }
        if !fresh.contains_key(&facts.container) {
            let f = crate::release::pickup_facts_in(tx, &facts.container).await?;
            fresh.insert(facts.container.clone(), f);
        }
        if let Some(f) = fresh.get(&facts.container) {
            *facts = f.clone();
        }
    }
    Ok(())
}

/// Writes one group of decisions in one transaction, as events only (the query rows follow
/// from them, see [`super::projector`]); returns their event sequence numbers and whether the
/// detectors found anything.
///
/// Decisions already made (SQLite) go in one round trip ([`hamnvakt_store::Store::append_durably`]).
/// The others are made here, inside the transaction that records them: on PostgreSQL every
/// decision (the transaction locks the chain head first, so every other instance's decision
/// before it is followed, and none can be recorded until this group is); on SQLite the few
/// that could not be made on arrival and what queued behind them. A granted pick-up claims
/// its release in the same transaction: here the releases are compared with the stored ones
/// first (read again where they moved, so the pick-up is decided on the release as it
/// stands: a release another pick-up collected is refused as collected); each grant, made
/// here or on arrival, writes its release's row over the version it checked and records
/// `release.collected` just before the decision. Within a group, a second pick-up of a
/// release collected by an earlier one sees it collected. A row that moved all the same
/// fails the group with a conflict, before anything is written; the committer then decides
/// the group's pick-ups again (see `committer`). On SQLite a group with a claim takes two
/// round trips: the transaction's begin, then the claims, events, head and commit together.
///
/// The insider-behaviour detectors observe the group before it is written (the stack
/// detector with the due pick-ups of whoever the group lets into a sensitive zone, read from
/// the release chain first), and what they find — and a refused pick-up's driver mismatch —
/// goes into the alert outbox in the same transaction: a finding is durable with the
/// decision it was found in, and raised after the commit (or, after a crash, at start-up).
/// A group with findings goes the ordinary way rather than the one-round-trip append.
async fn write_batch(
    state: &AccessState,
    batch: &mut Vec<Pending>,
    queue: Option<&mut mpsc::Receiver<Pending>>,
) -> Result<(Vec<i64>, bool), ApiError> {
    let started = std::time::Instant::now();
    let now = state.now_ms();
    let engine = &state.access;
    let shared = state.store.is_postgres();
    let mut tx = None;
    let mut phase = std::time::Instant::now();
    let mut lap = |h: &prometheus_client::metrics::histogram::Histogram| {
        h.observe(phase.elapsed().as_secs_f64());
        phase = std::time::Instant::now();
    };
    if batch.iter().any(|p| p.made.is_none()) {
        let (mut t, versions) = if shared {
            // Register and policy changes append under the head's lock too: one stored before
            // this group is in its version, and is loaded before the group is decided.
            let (mut t, version, authority) = engine.begin_following(&state.store).await?;
            lap(&engine.metrics.group_lock);
            if version != engine.lock().version {
                engine.reload_register(&state.store).await?;
            }
            state.tokens.check_version(authority);
            // What arrived while the lock was awaited (another instance's group, fsync
            // included) joins this group: it is decided here as the rest is, under the lock
            // and after the other instances' decisions, instead of waiting for a whole
            // further round of lock, follow and commit.
            if let Some(queue) = queue {
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
            }
            // A caller whose token was checked under another authority version than the one
            // stored now (a token revoked, a role or an account changed meanwhile, at any
            // instance) is not decided: it checks its token again and presents anew.
            if batch
                .iter()
                .any(|p| p.authority.is_some_and(|v| v != authority))
            {
                let (keep, moved): (Vec<Pending>, Vec<Pending>) = batch
                    .drain(..)
                    .partition(|p| p.authority.is_none_or(|v| v == authority));
                *batch = keep;
                for p in moved {
                    let _ = p.reply.send(Err(Unmade::Unconfirmed(Box::new(p.input))));
                }
            }
            lap(&engine.metrics.group_follow);
            let versions = t.release_versions(&pickup_containers(batch)).await?;
            (t, versions)
        } else {
            let read = state
                .store
                .begin_locked_reading(&pickup_containers(batch))
                .await?;
            lap(&engine.metrics.group_lock);
            lap(&engine.metrics.group_follow);
            read
        };
        current_pickups(&mut t, batch, versions).await?;
        {
            let mut inner = engine.lock();
            // Releases collected by earlier decisions of this group, as they stand after it.
            let mut taken: std::collections::HashMap<
                hamnvakt_release::ReleaseId,
                hamnvakt_release::Release,
            > = Default::default();
            for p in batch.iter_mut() {
                if p.counted {
                    inner.deferred = inner.deferred.saturating_sub(1);
                    p.counted = false;
                }
                if p.made.is_some() {
                    // Claimed on arrival.
                    if let Some(c) = &p.claim {
                        taken.insert(c.collect.release.id, c.collect.release.clone());
                    }
                    continue;
                }
                if let Some(f) = p.input.pickup.as_mut() {
                    if let Some(after) = f.release.as_ref().and_then(|r| taken.get(&r.id)) {
                        f.release = Some(after.clone());
                    }
                }
                let mut made = engine.make(&inner, &p.input, true);
                let mut collect = None;
                if collects(&made) {
                    collect = claim_release(&inner, &mut made, &mut p.input, p.id, now);
                    match &collect {
                        Some(c) => {
                            taken.insert(c.release.id, c.release.clone());
                        }
                        // The chain's rules refuse the collection after all: refused.
                        None => made = engine.make(&inner, &p.input, false),
                    }
                }
                let Inner {
                    index, presence, ..
                } = &mut *inner;
                p.claim = collect.map(|collect| Claim {
                    before: made
                        .decision
                        .person
                        .and_then(|x| presence.inside(x).cloned()),
                    collect,
                });
                decide::apply(index, presence, &made.decision);
                p.made = Some(made);
            }
        }
        tx = Some(t);
    }
    // For each decision of the batch, the release it collects.
    let claims: Vec<Option<&crate::release::Collect>> = batch
        .iter()
        .map(|p| p.claim.as_ref().map(|c| &c.collect))
        .collect();
    let orgs: Vec<Option<String>> = batch
        .iter()
        .map(|p| p.actor.org.map(|o| o.to_string()))
        .collect();
    let subjects: Vec<String> = batch.iter().map(|p| format!("decision:{}", p.id)).collect();
    let mut events = Vec::with_capacity(batch.len());
    // Where each decision's event is among `events`.
    let mut at = Vec::with_capacity(batch.len());
    for (i, ((p, org), subject)) in batch.iter().zip(&orgs).zip(&subjects).enumerate() {
        let Some(made) = &p.made else {
            return Err(ApiError::Internal("a decision was not made".into()));
        };
        if let Some(c) = claims.get(i).copied().flatten() {
            events.push(NewEvent {
                at_ms: now,
                kind: "release.collected",
                actor: &p.actor.id,
                org: org.as_deref(),
                subject: Some(&c.subject),
                request_id: p.actor.request_id.as_deref(),
                payload: c.payload.clone(),
            });
        }
        let mut payload = json!({
            "id": p.id, "credential": p.input.credential, "plate": p.input.plate,
            "decision": made.decision, "instance": engine.instance,
        });
        if let Some(map) = payload.as_object_mut() {
            if let Some(pickup) = &made.record {
                map.insert("pickup".into(), pickup.clone());
            }
            if let Some(visit) = p.input.visit {
                map.insert("visit".into(), json!(visit));
            }
        }
        at.push(events.len());
        events.push(NewEvent {
            at_ms: now,
            kind: "access.decision",
            actor: &p.actor.id,
            org: org.as_deref(),
            subject: Some(subject),
            request_id: p.actor.request_id.as_deref(),
            payload,
        });
    }
    // The stack detector's tasks: the pick-ups due of whoever this group lets into a
    // sensitive zone, as the release chain stands (read only for them).
    let entrants: Vec<PersonId> = {
        let inner = engine.lock();
        batch
            .iter()
            .filter_map(|p| p.made.as_ref())
            .filter_map(|m| Detectors::stack_entrant(&inner.index, &m.decision))
            .map(|(person, _)| person)
            .collect()
    };
    for person in entrants {
        // A detector's read does not decide the gate: when it fails, the detector goes on
        // with the pick-ups it last knew of this driver.
        match crate::release::pickup_tasks(&state.store, person).await {
            Ok(tasks) => engine.lock().detectors.set_pickups(person, tasks),
            Err(e) => {
                tracing::warn!(error = %e, person = %person, "reading a driver's pick-ups for the stack detector failed")
            }
        }
    }
    let drafts = observe(engine, batch);
    let mut findings = Vec::with_capacity(drafts.len());
    let mismatched = batch.iter().any(|p| {
        p.made
            .as_ref()
            .and_then(|m| m.pickup.as_ref())
            .is_some_and(|c| c.wrong_driver)
    });
    if !drafts.is_empty() || mismatched {
        // A terminal's alerts are named to the port's security centre (read only when the
        // detectors found something).
        let centre = crate::correlation::security_centre(state).await?;
        // A wrong driver at a pick-up, owned and shared as the release says; durable with
        // the decision that refused them.
        for (draft, at_ms) in driver_mismatches(engine, batch, centre) {
            findings.push(crate::alerts::pending(
                crate::release::DRIVER_MISMATCH_ACTOR,
                &draft,
                Some(at_ms),
                now,
            )?);
        }
        for (mut draft, at_ms) in drafts {
            if let Some(c) = centre.filter(|c| *c != draft.owner_org) {
                draft.shared_with.push(c);
            }
            findings.push(crate::alerts::pending(
                "detector:access",
                &draft,
                Some(at_ms),
                now,
            )?);
        }
    }
    let found = !findings.is_empty();
    let claimed = claims.iter().any(Option::is_some);
    // A group whose decisions were all made on arrival takes the writer only now, after the
    // detectors' reads; with claims and no findings, in one round trip on the head hint
    // (`Store::append_claiming`).
    let claiming_alone = claimed && !found && tx.is_none();
    let claim_rows: Vec<&hamnvakt_store::ReleaseRow> = if claiming_alone {
        claims.iter().flatten().map(|c| &c.row).collect()
    } else {
        Vec::new()
    };
    if found && tx.is_none() {
        tx = Some(state.store.begin().await?);
    }
    if let Some(t) = tx.as_mut() {
        // Each over the version its pick-up was decided on: compared above under the writer
        // or the chain head, or, for a claim made on arrival, as the gate read it. A row that
        // moved all the same fails the group with a conflict, and nothing is written (see
        // `committer`).
        for c in claims.iter().flatten() {
            t.update_release_with_commit(&c.row).await?;
        }
    }
    let appended = match tx {
        Some(mut t) => {
            // The findings first, so that the events, the head and the commit go together.
            t.insert_pending_alerts(&findings).await?;
            lap(&engine.metrics.group_write);
            let appended = t.append_and_commit(&events).await?;
            lap(&engine.metrics.group_commit);
            appended
        }
        None if claiming_alone => {
            lap(&engine.metrics.group_write);
            let appended = state.store.append_claiming(&claim_rows, &events).await?;
            lap(&engine.metrics.group_commit);
            appended
        }
        None => state.store.append_durably(&events).await?,
    };
    state
        .metrics
        .commit_duration
        .observe(started.elapsed().as_secs_f64());
    for (e, a) in events.iter().zip(&appended) {
        state.metrics.event(e.kind, a.seq);
    }
    let seqs: Vec<i64> = at
        .iter()
        .filter_map(|i| appended.get(*i).map(|e| e.seq))
        .collect();
    if let Some(last) = appended.last() {
        engine.projector.committed(last.seq);
    }
    Ok((seqs, found))
}

/// The driver mismatches of a group of pick-up decisions (see
/// [`crate::release::driver_mismatch`]), at the time of each decision.
fn driver_mismatches(
    engine: &Engine,
    batch: &[Pending],
    centre: Option<hamnvakt_core::ids::OrgId>,
) -> Vec<(AlertDraft, i64)> {
    let inner = engine.lock();
    let mut out = Vec::new();
    for p in batch {
        let Some(made) = &p.made else { continue };
        let (Some(checked), Some(release)) = (
            made.pickup.as_ref(),
            made.facts.as_ref().and_then(|f| f.release.as_ref()),
        ) else {
            continue;
        };
        let d = &made.decision;
        let facility_org = d
            .facility
            .and_then(|f| inner.index.facilities.get(&f))
            .map(|f| f.org_id);
        if let Some(draft) = crate::release::driver_mismatch(
            &inner.index,
            release,
            checked,
            d.person,
            facility_org,
            centre,
            &p.id.to_string(),
        ) {
            out.push((draft, d.at_ms));
        }
    }
    out
}

/// What the detectors find in a group of decisions, as findings for the alert outbox: owned
/// by the facility's organisation, TLP:AMBER, at the time of the decision.
fn observe(engine: &Engine, batch: &[Pending]) -> Vec<(AlertDraft, i64)> {
    let mut inner = engine.lock();
    let Inner {
        index, detectors, ..
    } = &mut *inner;
    let mut out = Vec::new();
    for made in batch.iter().filter_map(|p| p.made.as_ref()) {
        let d = &made.decision;
        for f in detectors.observe(&*index, d) {
            let Some(owner) = d
                .facility
                .and_then(|id| index.facilities.get(&id))
                .map(|f| f.org_id)
            else {
                continue;
            };
            let draft = AlertDraft {
                kind: f.kind.to_owned(),
                severity: f.severity,
                title: crate::alerts::english_title(&f.message),
                message: Some(f.message),
                subjects: f
                    .subjects
                    .into_iter()
                    .take(hamnvakt_core::alert::MAX_SUBJECTS)
                    .collect(),
                evidence: f.evidence,
                owner_org: owner,
                tlp: Tlp::Amber,
                audience: None,
                shared_with: Vec::new(),
            };
            out.push((draft, d.at_ms));
        }
    }
    out
}

async fn committer(state: AccessState, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        state
            .access
            .writing
            .store(true, std::sync::atomic::Ordering::Release);
        let mut written = write_batch(&state, &mut batch, Some(&mut rx)).await;
        if matches!(written, Err(ApiError::Conflict(_))) && batch.iter().any(|p| p.claim.is_some())
        {
            // A release claimed on arrival moved before the claim was written (a hop, a
            // withdrawal or a light changed just as the truck presented): nothing was
            // written. Its grants are taken back and decided again by the committer, on the
            // release as it stands; the detectors relearn what they saw of the group.
            tracing::info!(
                decisions = batch.len(),
                "a release claimed at the gate moved before the claim was written; deciding its pick-up again"
            );
            state.access.take_back_claims(&mut batch);
            if let Err(e) = state.access.relearn(&state).await {
                tracing::error!(error = %e, "reloading the detectors' history failed");
            }
            written = write_batch(&state, &mut batch, None).await;
        }
        state.access.claims_done(&batch);
        state
            .access
            .writing
            .store(false, std::sync::atomic::Ordering::Release);
        match written {
            Ok((seqs, found)) => {
                let live: Vec<serde_json::Value> = if state.access.feed.receiver_count() > 0 {
                    let inner = state.access.lock();
                    batch
                        .iter()
                        .zip(&seqs)
                        .filter_map(|(p, seq)| feed_item(&inner.index, p, *seq))
                        .collect()
                } else {
                    Vec::new()
                };
                for (p, seq) in batch.into_iter().zip(seqs) {
                    let reply = match p.made {
                        Some(made) => Ok((seq, made)),
                        None => Err(Unmade::Failed(ApiError::Internal(
                            "a decision was not made".into(),
                        ))),
                    };
                    let _ = p.reply.send(reply);
                }
                for item in live {
                    let _ = state.access.feed.send(item);
                }
                if found {
                    crate::alerts::drain_soon(&state);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, decisions = batch.len(), "writing gate decisions failed; answering deny and reloading presence");
                {
                    let mut inner = state.access.lock();
                    for p in batch.iter_mut().filter(|p| p.counted) {
                        inner.deferred = inner.deferred.saturating_sub(1);
                        p.counted = false;
                    }
                }
                for p in batch {
                    let _ = p.reply.send(Err(Unmade::Failed(ApiError::Internal(
                        "decision not recorded".into(),
                    ))));
                }
                let reloaded = state.access.reload_presence_from_chain(&state).await;
                if let Err(e) = reloaded {
                    tracing::error!(error = %e, "reloading presence failed");
                }
                if let Err(e) = state.access.relearn(&state).await {
                    tracing::error!(error = %e, "reloading the detectors' history failed");
                }
            }
        }
    }
}

/// A decision as the live feed shows it (the same fields as the feed API's entries).
fn feed_item(ix: &AccessIndex, p: &Pending, seq: i64) -> Option<serde_json::Value> {
    let made = p.made.as_ref()?;
    Some(feed_json(
        ix,
        &p.id.to_string(),
        &made.decision,
        &p.input.credential,
        &p.input.plate,
        seq,
    ))
}

/// A decision as the live feed pushes it.
fn feed_json(
    ix: &AccessIndex,
    id: &str,
    d: &Decision,
    credential: &Option<String>,
    plate: &Option<String>,
    seq: i64,
) -> serde_json::Value {
    json!({
        "id": id,
        "at": hamnvakt_core::clock::from_millis(d.at_ms).to_string(),
        "gate_code": d.gate.and_then(|g| ix.gates.get(&g)).map(|g| g.code.clone()),
        "person": d.person,
        "person_name": d.person.and_then(|x| ix.people.get(&x)).map(|x| x.name.clone()),
        "credential": credential,
        "plate": plate,
        "direction": d.direction,
        "outcome": d.outcome,
        "reasons": d.reasons,
        "event_seq": seq,
    })
}

/// Most decision events read in one round of following other instances.
const FOLLOW_BATCH: i64 = 500;

/// What following needs of an `access.decision` event's payload.
#[derive(serde::Deserialize)]
struct Followed {
    id: String,
    credential: Option<String>,
    plate: Option<String>,
    decision: Decision,
    /// Absent in events written before instances named themselves.
    instance: Option<String>,
}

/// Follows other instances' decisions while nobody asks for one (PostgreSQL): woken by the
/// database's notification of every append (`LISTEN`), with a poll once a second beside it,
/// since a notification can be lost while the listening connection is re-made.
async fn follower(state: AccessState) {
    let mut listener = None;
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if listener.is_none() {
            match state.store.listen().await {
                Ok(l) => listener = l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other instances' writes; polling")
                }
            }
        }
        let notified = match listener.as_mut() {
            Some(l) => tokio::select! {
                n = l.next() => n.is_ok(),
                _ = every.tick() => true,
            },
            None => {
                every.tick().await;
                true
            }
        };
        if !notified {
            // The listening connection broke: listen again after a poll's wait, not at once.
            listener = None;
            every.tick().await;
        }
        if state.store.is_closed() {
            break;
        }
        // Under load every group commit notifies; a short wait lets one read answer many.
        tokio::time::sleep(FOLLOW_COALESCE).await;
        if let Some(l) = listener.as_mut() {
            l.drain();
        }
        if let Err(e) = state.access.follow_others(&state.store).await {
            tracing::warn!(error = %e, "following other instances' decisions failed; trying again");
        }
    }
}

/// How recently another instance's decision must have been followed for the committer to
/// let go of the chain head before its commit's flush (see [`Engine::begin_following`]).
const OTHERS_ACTIVE_MS: i64 = 2_000;

/// Milliseconds on a monotonic clock, for [`Engine::begin_following`]'s choice only (it
/// measures an interval, not a time anything is recorded at).
fn monotonic_ms() -> i64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// How long the follower lets notifications gather before it reads the chain: the live feed's
/// lag at most, while a busy cluster costs it some fifty reads a second instead of one per
/// group commit. (Decisions never wait for it: the committer follows under the chain lock.)
const FOLLOW_COALESCE: std::time::Duration = std::time::Duration::from_millis(20);
