//! The state of each AIS source as this instance sees it: what it is, whether it is connected
//! (or listening, replaying, standing by while another instance of the cluster leads the
//! feed), when it last gave a message, how many, at what rate over the last minute, and its
//! last error. The ingest updates it as it reads; `/admin/ais` and `GET /api/v1/ais/sources`
//! show it.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use utoipa::ToSchema;

/// What a source is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// Trying to reach the feed (a TCP client between attempts, with backoff).
    Connecting,
    /// Reading a connected feed.
    Connected,
    /// Waiting for receivers to connect or send (TCP and UDP listeners).
    Listening,
    /// The feed was lost or could not be reached; retrying.
    Disconnected,
    /// Another instance of the cluster leads (reads) this feed; this one takes over if it dies.
    Standby,
    /// Replaying a recording.
    Replaying,
    /// A recording played to its end.
    Finished,
}

/// One source's state, as served.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceStatus {
    /// `tcp`, `tcp_listen`, `udp`, `file` or `replay`.
    pub kind: &'static str,
    /// The address, listening address or file it reads.
    pub name: String,
    pub state: SourceState,
    /// Since when it has been in this state (RFC 3339).
    pub state_since: String,
    /// Whether this instance reads the feed: `true` leading, `false` standing by; `null` where
    /// leadership does not apply (SQLite, listeners, files).
    pub leader: Option<bool>,
    /// Messages decoded from it since this instance started.
    pub messages: u64,
    /// Messages decoded in the last 60 seconds.
    pub last_minute: u64,
    /// Receive time of its latest message (RFC 3339).
    pub last_message: Option<String>,
    /// Receivers connected now (TCP listeners).
    pub connections: u32,
    pub last_error: Option<String>,
}

#[derive(Debug)]
struct Inner {
    state: SourceState,
    state_since_ms: i64,
    leader: Option<bool>,
    messages: u64,
    /// Messages per second of the last 60 seconds: (second, count) in a ring.
    seconds: [(i64, u32); 60],
    last_message_ms: Option<i64>,
    connections: u32,
    last_error: Option<String>,
}

/// A handle the source's task updates.
#[derive(Debug, Clone)]
pub struct SourceHandle {
    kind: &'static str,
    name: String,
    inner: Arc<Mutex<Inner>>,
}

impl SourceHandle {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, state: SourceState, now_ms: i64) {
        let mut i = self.lock();
        if i.state != state {
            i.state = state;
            i.state_since_ms = now_ms;
        }
        if state == SourceState::Connected {
            i.last_error = None;
        }
    }

    pub fn fail(&self, state: SourceState, error: String, now_ms: i64) {
        self.set(state, now_ms);
        self.lock().last_error = Some(error);
    }

    pub fn set_leader(&self, leader: Option<bool>) {
        self.lock().leader = leader;
    }

    pub fn connections(&self, delta: i32) {
        let mut i = self.lock();
        i.connections = i.connections.saturating_add_signed(delta);
    }

    /// One decoded message, received at `now_ms`.
    pub fn message(&self, now_ms: i64) {
        let mut i = self.lock();
        i.messages += 1;
        i.last_message_ms = Some(now_ms);
        let sec = now_ms.div_euclid(1000);
        if let Some(slot) = i.seconds.get_mut(sec.rem_euclid(60) as usize) {
            if slot.0 == sec {
                slot.1 += 1;
            } else {
                *slot = (sec, 1);
            }
        }
    }

    pub fn status(&self, now_ms: i64) -> SourceStatus {
        let i = self.lock();
        let at = |ms: i64| hamnvakt_core::clock::from_millis(ms).to_string();
        let sec = now_ms.div_euclid(1000);
        let last_minute = i
            .seconds
            .iter()
            .filter(|(s, _)| *s > sec - 60 && *s <= sec)
            .map(|(_, n)| u64::from(*n))
            .sum();
        SourceStatus {
            kind: self.kind,
            name: self.name.clone(),
            state: i.state,
            state_since: at(i.state_since_ms),
            leader: i.leader,
            messages: i.messages,
            last_minute,
            last_message: i.last_message_ms.map(at),
            connections: i.connections,
            last_error: i.last_error.clone(),
        }
    }
}

/// Every source this instance runs, in the order they started.
#[derive(Debug, Default)]
pub struct Sources {
    list: Mutex<Vec<SourceHandle>>,
}

impl Sources {
    pub fn add(
        &self,
        kind: &'static str,
        name: String,
        state: SourceState,
        now_ms: i64,
    ) -> SourceHandle {
        let h = SourceHandle {
            kind,
            name,
            inner: Arc::new(Mutex::new(Inner {
                state,
                state_since_ms: now_ms,
                leader: None,
                messages: 0,
                seconds: [(i64::MIN, 0); 60],
                last_message_ms: None,
                connections: 0,
                last_error: None,
            })),
        };
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(h.clone());
        h
    }

    pub fn statuses(&self, now_ms: i64) -> Vec<SourceStatus> {
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|h| h.status(now_ms))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_last_minute_and_keeps_state_times() {
        let s = Sources::default();
        let h = s.add("tcp", "feed:1".into(), SourceState::Connecting, 1_000);
        h.set(SourceState::Connected, 2_000);
        for t in [2_000, 2_500, 30_000, 61_000] {
            h.message(t);
        }
        let st = &s.statuses(61_500)[0];
        assert_eq!(st.state, SourceState::Connected);
        assert_eq!(st.messages, 4);
        assert_eq!(
            st.last_minute, 4,
            "2.0 s to 61.0 s are within the minute before 61.5 s"
        );
        assert_eq!(
            s.statuses(62_500)[0].last_minute,
            2,
            "second 2 has left the window"
        );
        assert_eq!(s.statuses(200_000)[0].last_minute, 0);
        h.fail(SourceState::Disconnected, "connection reset".into(), 70_000);
        let st = &s.statuses(70_000)[0];
        assert_eq!(st.state, SourceState::Disconnected);
        assert_eq!(st.last_error.as_deref(), Some("connection reset"));
        assert!(st.state_since.starts_with("1970-01-01T00:01:10"));
        h.set(SourceState::Connected, 71_000);
        assert_eq!(s.statuses(71_000)[0].last_error, None);
    }
}
