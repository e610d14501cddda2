//! Prometheus metrics, served at `/metrics` in the text exposition format. Label values are
//! bounded: routes are the matched route templates, event kinds are Hamnvakt's own.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HashLabels {
    pub hash: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: String,
}

pub(crate) fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub events_appended: Family<KindLabels, Counter>,
    pub logins: Family<ResultLabels, Counter>,
    pub commit_duration: Histogram,
    pub chain_head: Gauge,
    /// The stored head's hash, as the one label of a gauge that is always 1.
    chain_head_hash: Family<HashLabels, Gauge>,
    /// Group appends by how they went (`one_trip`, `hint_stale`), read from the store.
    group_appends: Family<WayLabels, Gauge>,
    /// SQLite: how long each write-ahead log rewind held the writer (see
    /// [`crate::web::state::AppState::start_checkpoints`]).
    pub wal_rewind: Histogram,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WayLabels {
    pub way: &'static str,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("hamnvakt");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let events_appended = Family::<KindLabels, Counter>::default();
        let logins = Family::<ResultLabels, Counter>::default();
        let commit_duration = latency_histogram();
        let chain_head = Gauge::default();
        let chain_head_hash = Family::<HashLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests served",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to serve an HTTP request",
            http_duration.clone(),
        );
        registry.register(
            "events_appended",
            "Events appended to the audit chain",
            events_appended.clone(),
        );
        registry.register("logins", "Sign-in attempts by result", logins.clone());
        registry.register(
            "event_commit_duration_seconds",
            "Time to commit a write transaction durably",
            commit_duration.clone(),
        );
        registry.register(
            "audit_chain_head_seq",
            "Sequence number of the stored chain head (read at every scrape)",
            chain_head.clone(),
        );
        registry.register(
            "audit_chain_head",
            "The stored chain head's hash, as a label (the value is always 1): anchor it elsewhere to detect a rewritten history",
            chain_head_hash.clone(),
        );
        let group_appends = Family::<WayLabels, Gauge>::default();
        registry.register(
            "audit_group_appends",
            "Durable group appends of this process (gate decisions) since start, by how they went: in one round trip on the head it last committed, or that head was stale (another process appended) and the group took a transaction",
            group_appends.clone(),
        );
        let wal_rewind = latency_histogram();
        registry.register(
            "wal_rewind_duration_seconds",
            "SQLite: time the writer connection was held to finish a checkpoint so that the write-ahead log could rewind (gate decisions wait behind it)",
            wal_rewind.clone(),
        );
        Metrics {
            registry,
            group_appends,
            wal_rewind,
            http_requests,
            http_duration,
            events_appended,
            logins,
            commit_duration,
            chain_head,
            chain_head_hash,
        }
    }

    /// Where a capability registers its own metrics, while the instance is being put
    /// together (before the state is shared).
    pub fn registry(&mut self) -> &mut Registry {
        &mut self.registry
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    /// The stored chain head, as read from the store.
    pub fn set_chain_head(&self, seq: i64, hash: &str) {
        self.chain_head.set(seq);
        self.chain_head_hash.clear();
        self.chain_head_hash
            .get_or_create(&HashLabels {
                hash: hash.to_owned(),
            })
            .set(1);
    }

    /// How the store's group appends went, `(one trip, hint stale)`.
    pub fn set_group_appends(&self, (one_trip, stale): (u64, u64)) {
        for (way, n) in [("one_trip", one_trip), ("hint_stale", stale)] {
            self.group_appends
                .get_or_create(&WayLabels { way })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    /// Counts a sign-in attempt or a bearer token's check by its result.
    pub fn login(&self, result: &str) {
        self.logins
            .get_or_create(&ResultLabels {
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn event(&self, kind: &str, seq: i64) {
        self.events_appended
            .get_or_create(&KindLabels {
                kind: kind.to_owned(),
            })
            .inc();
        self.chain_head.set(seq);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
