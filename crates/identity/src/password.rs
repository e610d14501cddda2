//! Password hashing with argon2id. Parameters follow OWASP's minimum for argon2id (19 MiB,
//! two passes, one lane); the PHC string stores them, so raising them later keeps old hashes
//! verifiable.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{CryptoRng, RngCore};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("password must be at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("password must be at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new password into a PHC string. Slow by design: call it off the async runtime.
pub fn hash(password: &str, rng: &mut (impl RngCore + CryptoRng)) -> Result<String, PasswordError> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_LENGTH {
        return Err(PasswordError::TooLong);
    }
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Checks a password against a stored PHC string. A malformed stored hash verifies nothing.
/// Slow by design: call it off the async runtime.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_LENGTH * 4 {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(h) = hasher() else { return false };
    h.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// A hash that no password matches, verified against when the account does not exist so that
/// a login for an unknown name costs as much time as one for a known name.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wV8F0uKW8b4n5PGJ0tqF2JXDJR5aYv3OXmMHXtXy2d0";

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hashes_verify_and_record_argon2id() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let phc = hash("correct horse battery", &mut rng).unwrap_or_default();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert!(!verify("anything", "not a phc string"));
        assert!(!verify("anything at all", DUMMY_HASH));
    }

    #[test]
    fn length_limits() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        assert_eq!(hash("short", &mut rng), Err(PasswordError::TooShort));
        assert_eq!(
            hash(&"x".repeat(300), &mut rng),
            Err(PasswordError::TooLong)
        );
    }
}
