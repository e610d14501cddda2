//! What every handler shares: the store, the configuration, the clock, the metrics and the
//! cache of verified tokens. A capability that keeps state of its own in memory (the access
//! engine, the vessel picture) holds it in a state type of its own that derefs to this one.
//!
//! The system clock is read here and nowhere else in the workspace; everything below takes
//! the time as an argument.

use std::sync::Arc;

use hamnvakt_core::{Clock, Id};
use hamnvakt_store::Store;
use jiff::Timestamp;
use rand::RngCore;

use crate::web::config::Config;
use crate::web::metrics::Metrics;

/// Frames (4 KiB pages) in SQLite's write-ahead log above which the checkpoint finishes on
/// the writer connection so that the log can rewind (see [`Store::checkpoint_on_writer`]).
const WAL_REWIND_FRAMES: i64 = 4096;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Recently verified API tokens (see [`TokenCache`]).
    pub tokens: Arc<TokenCache>,
    /// The writer whose commits go first (see [`AppState::idle_writer`]).
    priority: Option<Arc<dyn PriorityWriter>>,
    /// Who watches what the port observes (see [`AppState::observe`]).
    observer: Arc<std::sync::OnceLock<Arc<dyn Observer>>>,
    /// Who correlates the events of every capability (see [`AppState::correlate`]).
    correlator: Arc<std::sync::OnceLock<Arc<dyn Correlate>>>,
    /// What a capability holds in memory beside the store, one value per type (targeting's
    /// parsed model and training jobs, say), without the platform knowing the capabilities.
    pub slots: Arc<Slots>,
}

/// One value per type, made on first use (see [`AppState::slots`]).
#[derive(Default)]
pub struct Slots(
    std::sync::Mutex<
        std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>,
    >,
);

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slots")
    }
}

impl Slots {
    /// The value of type `T`, made with `T::default()` the first time.
    pub fn get<T: std::any::Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let any = m
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        match any.downcast::<T>() {
            Ok(t) => t,
            // Keyed by the type's id, so the value is always a T; made afresh all the same.
            Err(_) => {
                let t = Arc::new(T::default());
                m.insert(std::any::TypeId::of::<T>(), t.clone());
                t
            }
        }
    }
}

/// Something a capability did that correlation rules may join (an alert raised): its id, its
/// time (of the event, not of ingestion), kind, title, subjects and marking.
#[derive(Debug, Clone)]
pub struct Happened {
    /// `alert:<id>`.
    pub id: String,
    pub at_ms: i64,
    pub kind: String,
    pub title: String,
    pub subjects: Vec<hamnvakt_core::alert::SubjectRef>,
    pub owner: hamnvakt_core::ids::OrgId,
    /// Who may see it ([`hamnvakt_core::marking::Marking::of_alert`]).
    pub marking: hamnvakt_core::marking::Marking,
    /// The organisations it names, whatever its audience.
    pub shared_with: Vec<hamnvakt_core::ids::OrgId>,
}

/// Whoever correlates across capabilities (`crate::correlation`). A hook, so that the
/// capabilities need not know it; it must not block.
pub trait Correlate: Send + Sync {
    fn happened(&self, event: Happened);
}

/// Something the port observed — a consignment's container and parties, a plate at a gate, a
/// vessel — as values an indicator may watch.
#[derive(Debug, Clone)]
pub struct Observation {
    /// What was observed and where, in words (`consignment DEC-1 at Norvik`).
    pub what: String,
    /// The observed object, as one key (`consignment:<id>`, `gate:<id>:<plate>`,
    /// `vessel:<mmsi>`): a match is acted on once a day per indicator and key.
    pub subject: String,
    /// The things observed, as an alert links them.
    pub subjects: Vec<hamnvakt_core::alert::SubjectRef>,
    /// The organisation whose observation it is (it owns what follows from it); none for the
    /// installation's own (the port authority's).
    pub org: Option<hamnvakt_core::ids::OrgId>,
    pub at_ms: i64,
    pub values: Vec<hamnvakt_sharing::Observed>,
}

/// Whoever watches the port's observations (the sharing capability's indicator matcher). A
/// hook, so that the capabilities that observe need not know who watches.
pub trait Observer: Send + Sync {
    /// Takes an observation. Must not block: matching is in memory, and what follows from a
    /// match (a sighting, an alert) is written in the background.
    fn observe(&self, state: &AppState, observation: Observation);
}

/// A writer whose commits must not queue behind background work on SQLite's one writer
/// connection: the gate decisions' committer, whose controllers wait for each commit.
pub trait PriorityWriter: Send + Sync {
    /// Whether it is writing a group now or has work waiting.
    fn busy(&self) -> bool;
}

/// API tokens and their owners as recently read, so that a gate controller's every request does
/// not cost two reads. Entries live [`TokenCache::TTL_MS`]; this instance clears the cache on
/// every token, role or account change; and where other instances share the database
/// (PostgreSQL), the cache is cleared whenever the stored authority version
/// ([`Store::auth_version`], moved by every revocation, role change and disabling) is found
/// newer than the one it was filled under, so another instance's revocation applies at the next
/// request.
///
/// A reader takes a [`Stamp`] before it reads a token from the store, and the entry is kept only
/// if nothing cleared the cache meanwhile: a token read just before a revocation and put just
/// after the clear it caused would otherwise be served, revoked, for the rest of its life.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    /// The newest stored authority version this instance has seen.
    version: i64,
    /// Moved by every clear.
    generation: u64,
    map: std::collections::HashMap<
        String,
        (hamnvakt_store::ApiTokenRecord, hamnvakt_store::User, i64),
    >,
}

/// Where a [`TokenCache`] stood when taken: the authority version its entries were read under
/// (at least; see [`TokenCache::check_version`]) and its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub version: i64,
    generation: u64,
}

impl TokenCache {
    pub const TTL_MS: i64 = 10_000;

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the cache stands now: take it before reading a token from the store.
    pub fn stamp(&self) -> Stamp {
        let e = self.entries();
        Stamp {
            version: e.version,
            generation: e.generation,
        }
    }

    /// The cached token and owner, if the cache still stands at `stamp` (an entry found after
    /// a clear the stamp predates would be read under another authority version than the
    /// stamp's).
    pub fn get(
        &self,
        digest: &str,
        now_ms: i64,
        stamp: Stamp,
    ) -> Option<(hamnvakt_store::ApiTokenRecord, hamnvakt_store::User)> {
        let e = self.entries();
        if e.generation != stamp.generation {
            return None;
        }
        e.map
            .get(digest)
            .filter(|(_, _, at)| now_ms - at < Self::TTL_MS)
            .map(|(t, u, _)| (t.clone(), u.clone()))
    }

    /// Keeps a token read from the store after `stamp` was taken, unless the cache was cleared
    /// since (the read may predate the change that cleared it).
    pub fn put(
        &self,
        digest: String,
        token: hamnvakt_store::ApiTokenRecord,
        user: hamnvakt_store::User,
        now_ms: i64,
        stamp: Stamp,
    ) {
        let mut e = self.entries();
        if e.generation != stamp.generation {
            return;
        }
        if e.map.len() > 10_000 {
            e.map.clear();
        }
        e.map.insert(digest, (token, user, now_ms));
    }

    /// Clears the cache when `version` (the stored authority version, read now) is newer than
    /// the one its entries were read under. Versions only grow: an older one, read by a
    /// slower request, changes nothing.
    pub fn check_version(&self, version: i64) {
        let mut e = self.entries();
        if version > e.version {
            e.version = version;
            e.generation += 1;
            e.map.clear();
        }
    }

    pub fn clear(&self) {
        let mut e = self.entries();
        e.generation += 1;
        e.map.clear();
    }
}

impl AppState {
    /// The platform state; `priority` is the writer whose commits go first on SQLite's single
    /// writer connection (the gate decisions'), if there is one.
    pub fn new(
        store: Store,
        config: Config,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
        priority: Option<Arc<dyn PriorityWriter>>,
    ) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            clock,
            metrics: Arc::new(metrics),
            tokens: Arc::default(),
            priority,
            observer: Arc::default(),
            correlator: Arc::default(),
            slots: Arc::default(),
        }
    }

    /// Sets who correlates (once; later calls change nothing).
    pub fn set_correlator(&self, c: Arc<dyn Correlate>) {
        let _ = self.correlator.set(c);
    }

    /// Hands something that happened to the correlator, if there is one.
    pub fn correlate(&self, event: Happened) {
        if let Some(c) = self.correlator.get() {
            c.happened(event);
        }
    }

    /// Sets who watches the observations (once; later calls change nothing).
    pub fn set_observer(&self, observer: Arc<dyn Observer>) {
        let _ = self.observer.set(observer);
    }

    /// Hands an observation to the watcher, if there is one.
    pub fn observe(&self, observation: Observation) {
        if observation.values.is_empty() {
            return;
        }
        if let Some(o) = self.observer.get() {
            o.observe(self, observation);
        }
    }

    /// How many background records (sightings, outbox findings) to write in one transaction
    /// of at most `n`: `n` on SQLite, where the one writer is better held a few times briefly
    /// than many times; one on PostgreSQL, where a transaction holds the chain head's lock from
    /// its first event to its commit and every instance's gate groups wait for it.
    pub fn background_batch(&self, n: usize) -> usize {
        if self.store.is_postgres() {
            1
        } else {
            n.max(1)
        }
    }

    /// Waits (up to 20 ms) for a moment when the priority writer has nothing written or
    /// waiting, so that background work on the single SQLite writer goes between its groups,
    /// not ahead of them.
    pub async fn idle_writer(&self) {
        let Some(priority) = &self.priority else {
            return;
        };
        let until = std::time::Instant::now() + std::time::Duration::from_millis(20);
        while priority.busy() && std::time::Instant::now() < until {
            tokio::time::sleep(std::time::Duration::from_micros(200)).await;
        }
    }

    /// On SQLite, keeps the write-ahead log from growing without end: a passive checkpoint
    /// four times a second beside the writes; when commits never pause long enough for that
    /// to catch up and the log has grown past 16 MiB, the last few frames from the writer
    /// itself, between two groups of the priority writer, so that the log rewinds. Call
    /// once, after migrating.
    pub fn start_checkpoints(&self) {
        if self.store.backend() != hamnvakt_store::Backend::Sqlite {
            return;
        }
        let state = self.clone();
        tokio::spawn(async move {
            let store = &state.store;
            let mut every = tokio::time::interval(std::time::Duration::from_millis(250));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if store.is_closed() {
                    break;
                }
                let done = async {
                    if store.checkpoint().await? > WAL_REWIND_FRAMES {
                        state.idle_writer().await;
                        let held = std::time::Instant::now();
                        store.checkpoint_on_writer().await?;
                        state
                            .metrics
                            .wal_rewind
                            .observe(held.elapsed().as_secs_f64());
                    }
                    Ok::<_, hamnvakt_store::StoreError>(())
                }
                .await;
                if let Err(e) = done {
                    tracing::warn!(error = %e, "WAL checkpoint failed; trying again in a second");
                }
            }
        });
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}

/// A fresh random id.
pub fn new_id<T>() -> Id<T> {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Id::from_random_bytes(bytes)
}

/// A fresh time-ordered id (UUID version 7) for records written at a high rate.
pub fn new_time_id<T>(at_ms: i64) -> Id<T> {
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Id::from_time_and_random(at_ms, bytes)
}

/// The operating system's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_and_user() -> (hamnvakt_store::ApiTokenRecord, hamnvakt_store::User) {
        let user = hamnvakt_store::User {
            id: hamnvakt_core::ids::UserId::from_random_bytes([1; 16]),
            org_id: hamnvakt_core::ids::OrgId::from_random_bytes([2; 16]),
            username: "gates".into(),
            display_name: "Gates".into(),
            password_hash: None,
            roles: Vec::new(),
            locale: "sv".into(),
            disabled: false,
            created_ms: 0,
            org_kind: hamnvakt_core::org::OrgKind::PortAuthority,
        };
        let token = hamnvakt_store::ApiTokenRecord {
            id: hamnvakt_core::ids::TokenId::from_random_bytes([3; 16]),
            user_id: user.id,
            name: "gates".into(),
            roles: Vec::new(),
            created_ms: 0,
            expires_ms: i64::MAX,
            revoked_ms: None,
        };
        (token, user)
    }

    /// A token read before a change cleared the cache, and put after the clear, is not kept:
    /// it may be the token as it was before a revocation.
    #[test]
    fn a_read_that_predates_a_clear_is_not_cached() {
        let cache = TokenCache::default();
        let (token, user) = token_and_user();
        let before = cache.stamp();
        cache.clear();
        cache.put("d".into(), token.clone(), user.clone(), 0, before);
        assert!(cache.get("d", 1, cache.stamp()).is_none());
        let before = cache.stamp();
        cache.check_version(3);
        cache.put("d".into(), token.clone(), user.clone(), 0, before);
        assert!(cache.get("d", 1, cache.stamp()).is_none());
        // Read after the clear: kept, and found under the stamp it was read with.
        let after = cache.stamp();
        cache.put("d".into(), token, user, 0, after);
        assert!(cache.get("d", 1, cache.stamp()).is_some());
        assert_eq!(cache.stamp().version, 3);
    }

    /// Versions only grow: an older one, read by a slower request, neither clears the cache
    /// nor moves its version back.
    #[test]
    fn an_older_authority_version_changes_nothing() {
        let cache = TokenCache::default();
        let (token, user) = token_and_user();
        cache.check_version(5);
        let stamp = cache.stamp();
        cache.put("d".into(), token, user, 0, stamp);
        cache.check_version(4);
        assert_eq!(cache.stamp(), stamp);
        assert!(cache.get("d", 1, stamp).is_some());
        cache.check_version(6);
        assert!(cache.get("d", 1, cache.stamp()).is_none());
        assert_eq!(cache.stamp().version, 6);
    }
}
