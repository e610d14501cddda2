//! The clock is a parameter, never a global.
//!
//! Domain code takes `now: Timestamp` as an argument; only the server owns a real clock and
//! passes its reading down. Tests use [`FixedClock`] so that a decision can be replayed
//! exactly.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

/// Something that tells the time. The server's implementation reads the system clock; tests
/// use [`FixedClock`].
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// A clock that stands still until told to move; for tests and for replaying history.
#[derive(Debug)]
pub struct FixedClock {
    millis: AtomicI64,
}

impl FixedClock {
    pub fn new(at: Timestamp) -> Self {
        FixedClock {
            millis: AtomicI64::new(at.as_millisecond()),
        }
    }

    pub fn set(&self, at: Timestamp) {
        self.millis.store(at.as_millisecond(), Ordering::SeqCst);
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.millis
            .fetch_add(seconds.saturating_mul(1000), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        from_millis(self.millis.load(Ordering::SeqCst))
    }
}

/// Milliseconds since the Unix epoch to a timestamp, clamping values outside jiff's range
/// (they can only come from a corrupt row, and clamping keeps the reader total).
pub fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
