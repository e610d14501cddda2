//! Bearer secrets: session tokens, CSRF tokens and API tokens.
//!
//! A secret is 32 random bytes shown to its holder once, as text with a prefix that says what
//! it is (`hvs_` session, `hvt_` API token). Only its SHA-256 is stored: the secrets carry
//! 256 bits of entropy, so a fast hash is enough and lookups stay a single indexed read.

use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const SESSION_PREFIX: &str = "hvs_";
pub const TOKEN_PREFIX: &str = "hvt_";

/// A new secret with the given prefix: the prefix and 64 hex digits.
pub fn generate(prefix: &str, rng: &mut (impl RngCore + CryptoRng)) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// What is stored for a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether a presented secret has the expected shape (prefix and 64 lowercase hex digits);
/// anything else is refused before it reaches the database.
pub fn well_formed(prefix: &str, secret: &str) -> bool {
    secret.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 64 && rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Compares two secrets in constant time (for CSRF tokens, compared in memory).
pub fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_secrets_are_well_formed_and_distinct() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let a = generate(TOKEN_PREFIX, &mut rng);
        let b = generate(TOKEN_PREFIX, &mut rng);
        assert!(well_formed(TOKEN_PREFIX, &a));
        assert!(!well_formed(SESSION_PREFIX, &a));
        assert!(!well_formed(TOKEN_PREFIX, "hvt_XYZ"));
        assert_ne!(a, b);
        assert_ne!(digest(&a), digest(&b));
        assert!(equal(&a, &a.clone()));
        assert!(!equal(&a, &b));
    }
}
