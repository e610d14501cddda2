//! Throttling of failed logins, per account and per client address.
//!
//! The store counts the failures inside the window; this policy turns the counts into a
//! decision. Locking per account stops guessing one password from many addresses; limiting
//! per address stops one address from trying many accounts (password spraying).

use jiff::Timestamp;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottlePolicy {
    /// Failed attempts on one account inside the window before further attempts are refused.
    pub account_max_failures: u32,
    /// Failed attempts from one address inside the window before it is refused.
    pub address_max_failures: u32,
    /// Length of the sliding window.
    pub window_seconds: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            account_max_failures: 5,
            address_max_failures: 20,
            window_seconds: 900,
        }
    }
}

/// The failures the store found inside the window for this attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub account_count: u32,
    /// The oldest failure for the account inside the window, when there is one.
    pub account_oldest: Option<Timestamp>,
    pub address_count: u32,
    pub address_oldest: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allow,
    /// Refuse without checking; the caller may try again after this many seconds.
    Throttled {
        retry_after_seconds: u32,
        by: ThrottledBy,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottledBy {
    Account,
    Address,
}

impl ThrottlePolicy {
    /// Start of the window that ends at `now`.
    pub fn window_start(&self, now: Timestamp) -> Timestamp {
        now.checked_sub(jiff::SignedDuration::from_secs(i64::from(
            self.window_seconds,
        )))
        .unwrap_or(Timestamp::MIN)
    }

    pub fn decide(&self, f: &Failures, now: Timestamp) -> Verdict {
        let retry = |oldest: Option<Timestamp>| -> u32 {
            // The oldest failure leaves the window `window_seconds` after it happened.
            let elapsed = oldest
                .map(|o| (now.as_second() - o.as_second()).max(0))
                .unwrap_or(0);
            let left = i64::from(self.window_seconds) - elapsed;
            u32::try_from(left.clamp(1, i64::from(self.window_seconds))).unwrap_or(1)
        };
        if f.account_count >= self.account_max_failures {
            return Verdict::Throttled {
                retry_after_seconds: retry(f.account_oldest),
                by: ThrottledBy::Account,
            };
        }
        if f.address_count >= self.address_max_failures {
            return Verdict::Throttled {
                retry_after_seconds: retry(f.address_oldest),
                by: ThrottledBy::Address,
            };
        }
        Verdict::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn decisions() {
        let p = ThrottlePolicy::default();
        let none = Failures {
            account_count: 0,
            account_oldest: None,
            address_count: 0,
            address_oldest: None,
        };
        assert_eq!(p.decide(&none, ts(0)), Verdict::Allow);
        let four = Failures {
            account_count: 4,
            account_oldest: Some(ts(0)),
            ..none
        };
        assert_eq!(p.decide(&four, ts(10)), Verdict::Allow);
        let five = Failures {
            account_count: 5,
            account_oldest: Some(ts(0)),
            ..none
        };
        assert_eq!(
            p.decide(&five, ts(100)),
            Verdict::Throttled {
                retry_after_seconds: 800,
                by: ThrottledBy::Account
            }
        );
        let spray = Failures {
            address_count: 20,
            address_oldest: Some(ts(0)),
            ..none
        };
        assert_eq!(
            p.decide(&spray, ts(899)),
            Verdict::Throttled {
                retry_after_seconds: 1,
                by: ThrottledBy::Address
            }
        );
        assert_eq!(p.window_start(ts(900)), ts(0));
    }
}
