//! Witnessed checkpoints of the audit chain: an installation signs "my chain had `seq` events
//! and its head hash was `head_hash` at `at_ms`" with its ed25519 key and gives the signed
//! statement to its partners, who keep it. A history rewritten later, with every hash
//! recomputed so that the chain verifies on its own, no longer has that hash at that sequence
//! number, and the partners' copies show it.
//!
//! The signed bytes are a domain tag and the fields, each length-prefixed (as the event hash
//! is, see [`crate::chain`]), so that no two different checkpoints sign the same bytes and a
//! checkpoint signature can never be taken for a signature over anything else.
//!
//! Changing the encoding invalidates every checkpoint partners hold: bump [`CHECKPOINT_TAG`].

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Names the encoding version inside every signature.
pub const CHECKPOINT_TAG: &[u8] = b"hamnvakt/witness-checkpoint/v1";

/// Longest installation name accepted.
pub const MAX_INSTALLATION_LEN: usize = 64;

/// What an installation states about its chain at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The installation's name as its partners know it (`SESTO`, `hamnvakt.goteborg`).
    pub installation: String,
    /// The sequence number of the newest event: the chain's length.
    pub seq: i64,
    /// That event's hash (lowercase hex SHA-256).
    pub head_hash: String,
    /// When the checkpoint was signed, milliseconds since the Unix epoch.
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("{0} is not {1} hex digits")]
    NotHex(&'static str, usize),
    #[error("the public key is not a valid ed25519 point")]
    BadKey,
    #[error("the signature does not verify against the installation's public key")]
    BadSignature,
}

impl Checkpoint {
    /// The exact bytes that are signed.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CHECKPOINT_TAG.len() + self.installation.len() + 120);
        put(&mut out, CHECKPOINT_TAG);
        put(&mut out, self.installation.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        put(&mut out, self.head_hash.as_bytes());
        out.extend_from_slice(&self.at_ms.to_be_bytes());
        out
    }

    /// The signature (lowercase hex, 128 digits) over [`Checkpoint::signing_bytes`].
    pub fn sign(&self, key: &SigningKey) -> String {
        hex::encode(key.sign(&self.signing_bytes()).to_bytes())
    }

    /// Whether `signature_hex` is `key`'s signature over this checkpoint (strict verification:
    /// no malleable or small-order encodings).
    pub fn verify(&self, key: &VerifyingKey, signature_hex: &str) -> Result<(), WitnessError> {
        let bytes = decode_fixed::<64>(signature_hex, "the signature")?;
        let sig = Signature::from_bytes(&bytes);
        key.verify_strict(&self.signing_bytes(), &sig)
            .map_err(|_| WitnessError::BadSignature)
    }
}

/// A public key as configured or exchanged: 64 lowercase or uppercase hex digits.
pub fn parse_public_key(hex_text: &str) -> Result<VerifyingKey, WitnessError> {
    let bytes = decode_fixed::<32>(hex_text, "the public key")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| WitnessError::BadKey)
}

/// A public key's text form (64 lowercase hex digits).
pub fn public_key_hex(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// Whether `s` is a usable installation name: 1 to 64 of ASCII letters, digits, `.`, `-`
/// and `_`.
pub fn valid_installation(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_INSTALLATION_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Whether `s` is a head hash as the chain writes them: 64 lowercase hex digits.
pub fn valid_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn decode_fixed<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], WitnessError> {
    let mut out = [0u8; N];
    if s.len() != 2 * N {
        return Err(WitnessError::NotHex(what, 2 * N));
    }
    hex::decode_to_slice(s, &mut out).map_err(|_| WitnessError::NotHex(what, 2 * N))?;
    Ok(out)
}

fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_be_bytes());
    out.extend_from_slice(b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn cp() -> Checkpoint {
        Checkpoint {
            installation: "SESTO".into(),
            seq: 42,
            head_hash: "ab".repeat(32),
            at_ms: 1_795_000_000_000,
        }
    }

    #[test]
    fn a_signature_verifies_only_for_the_same_checkpoint_and_key() {
        let k = key(7);
        let sig = cp().sign(&k);
        assert_eq!(sig.len(), 128);
        assert_eq!(cp().verify(&k.verifying_key(), &sig), Ok(()));
        let others = [
            Checkpoint { seq: 43, ..cp() },
            Checkpoint {
                head_hash: "ac".repeat(32),
                ..cp()
            },
            Checkpoint {
                installation: "SEGOT".into(),
                ..cp()
            },
            Checkpoint {
                at_ms: cp().at_ms + 1,
                ..cp()
            },
        ];
        for other in others {
            assert_eq!(
                other.verify(&k.verifying_key(), &sig),
                Err(WitnessError::BadSignature),
                "{other:?}"
            );
        }
        assert_eq!(
            cp().verify(&key(8).verifying_key(), &sig),
            Err(WitnessError::BadSignature)
        );
        assert!(matches!(
            cp().verify(&k.verifying_key(), "00"),
            Err(WitnessError::NotHex(..))
        ));
    }

    #[test]
    fn fields_are_length_prefixed_so_that_they_cannot_slide() {
        let a = Checkpoint {
            installation: "SE".into(),
            ..cp()
        };
        let b = Checkpoint {
            installation: "SES".into(),
            ..cp()
        };
        assert_ne!(a.signing_bytes(), b.signing_bytes());
        assert!(cp().signing_bytes().starts_with(&[0, 0, 0, 0, 0, 0, 0, 30]));
    }

    #[test]
    fn public_keys_round_trip_and_bad_ones_are_refused() {
        let k = key(9).verifying_key();
        let text = public_key_hex(&k);
        assert_eq!(parse_public_key(&text), Ok(k));
        assert_eq!(parse_public_key(&text.to_uppercase()), Ok(k));
        assert!(parse_public_key("zz").is_err());
        assert!(parse_public_key(&"g".repeat(64)).is_err());
    }

    #[test]
    fn installation_names_and_hashes_are_plain() {
        assert!(valid_installation("SESTO"));
        assert!(valid_installation("hamnvakt.goteborg-1_a"));
        assert!(!valid_installation(""));
        assert!(!valid_installation("a b"));
        assert!(!valid_installation(&"a".repeat(65)));
        assert!(valid_hash(&"0f".repeat(32)));
        assert!(!valid_hash(&"0F".repeat(32)));
        assert!(!valid_hash("00"));
    }
}
