//! Fuzz target: Cedar policy text as the policy API takes it (`PUT /api/v1/access/policy`):
//! parsed, checked for its `valid_permit` rule and validated against the schema; a set that
//! passes is evaluated for a range of presentations. Nothing may panic.

#![no_main]

use hamnvakt_access::policy::{Facts, PolicySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = PolicySet::parse(2, text) else {
        return;
    };
    let _ = set.ids();
    let base = Facts::entering_with_permit();
    for level in 0..=4u8 {
        for flip in 0..8u8 {
            let mut f = base.clone();
            f.security_level = level;
            f.entering = flip & 1 == 0;
            f.person_banned = flip & 2 != 0;
            f.permit_visitor = flip & 4 != 0;
            f.credential_state =
                ["active", "suspended", "revoked", "expired"][usize::from(flip % 4)];
            f.anti_passback = ["ok", "soft_violation", "hard_violation"][usize::from(flip % 3)];
            let _ = set.evaluate(&f);
        }
    }
});
