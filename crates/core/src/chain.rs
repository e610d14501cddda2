//! The audit chain: how an event is encoded canonically and hashed with its predecessor.
//!
//! Each event's hash is SHA-256 over a domain tag, the previous event's hash and the event's
//! own fields, each length-prefixed so that no two different events encode to the same bytes.
//! The payload is JSON in a canonical form (object keys sorted, no insignificant whitespace)
//! produced here, not by whatever map order a serializer happens to use; the store keeps the
//! canonical text verbatim, so verification recomputes exactly what was hashed.
//!
//! Changing anything in this file changes every hash: bump [`ENCODING_TAG`] if you must.

use sha2::{Digest, Sha256};

/// Names the encoding version inside every hash.
pub const ENCODING_TAG: &[u8] = b"hamnvakt/audit-event/v1";

/// The predecessor hash of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that the hash covers. The sequence number, time, kind and actor
/// say what happened when and by whom; the payload carries the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFields<'a> {
    pub seq: i64,
    pub at_ms: i64,
    pub kind: &'a str,
    pub actor: &'a str,
    pub org: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub request_id: Option<&'a str>,
    /// Canonical JSON (see [`canonical_json`]).
    pub payload: &'a str,
}

/// The hash of an event given its predecessor's hash (lowercase hex), as lowercase hex.
pub fn event_hash(prev_hash: &str, e: &EventFields<'_>) -> String {
    let mut h = Sha256::new();
    put_bytes(&mut h, ENCODING_TAG);
    put_bytes(&mut h, prev_hash.as_bytes());
    h.update(e.seq.to_be_bytes());
    h.update(e.at_ms.to_be_bytes());
    put_bytes(&mut h, e.kind.as_bytes());
    put_bytes(&mut h, e.actor.as_bytes());
    put_opt(&mut h, e.org);
    put_opt(&mut h, e.subject);
    put_opt(&mut h, e.request_id);
    put_bytes(&mut h, e.payload.as_bytes());
    hex::encode(h.finalize())
}

fn put_bytes(h: &mut Sha256, b: &[u8]) {
    h.update((b.len() as u64).to_be_bytes());
    h.update(b);
}

fn put_opt(h: &mut Sha256, s: Option<&str>) {
    match s {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            put_bytes(h, s.as_bytes());
        }
    }
}

/// Serialises a JSON value canonically: object keys in byte order, no whitespace, strings
/// escaped as serde_json escapes them, numbers as serde_json prints them.
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                if let Some(item) = map.get(k) {
                    write_canonical(item, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json's string escaping is deterministic; serialising a &str cannot fail.
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn fields(payload: &str) -> EventFields<'_> {
        EventFields {
            seq: 1,
            at_ms: 1_700_000_000_000,
            kind: "auth.login",
            actor: "user:alice",
            org: Some("org-1"),
            subject: None,
            request_id: Some("r-1"),
            payload,
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"z": [true, null, "x"], "m": 2.5}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"m":2.5,"z":[true,null,"x"]},"b":1}"#
        );
    }

    #[test]
    fn the_hash_covers_every_field_and_the_predecessor() {
        let base = event_hash(GENESIS_HASH, &fields("{}"));
        assert_eq!(base.len(), 64);
        assert_ne!(base, event_hash(&base, &fields("{}")));
        let mut e = fields("{}");
        e.seq = 2;
        assert_ne!(base, event_hash(GENESIS_HASH, &e));
        let mut e = fields("{}");
        e.org = None;
        assert_ne!(base, event_hash(GENESIS_HASH, &e));
        let mut e = fields("{}");
        e.subject = Some("");
        assert_ne!(base, event_hash(GENESIS_HASH, &e));
        assert_ne!(base, event_hash(GENESIS_HASH, &fields(r#"{"a":1}"#)));
    }

    proptest! {
        // Length prefixes make the encoding injective: moving bytes between two adjacent
        // fields must change the hash.
        #[test]
        fn shifting_bytes_between_fields_changes_the_hash(a in "[a-z]{0,8}", b in "[a-z]{1,8}") {
            let joined = format!("{a}{b}");
            let (head, tail) = joined.split_at(a.len() + 1.min(b.len()));
            let mut e1 = fields("{}");
            e1.kind = &a;
            e1.actor = &b;
            let mut e2 = fields("{}");
            e2.kind = head;
            e2.actor = tail;
            prop_assert_ne!(event_hash(GENESIS_HASH, &e1), event_hash(GENESIS_HASH, &e2));
        }

        #[test]
        fn canonical_json_round_trips(keys in proptest::collection::vec("[a-zA-Z0-9\"\\\\ é]{0,6}", 0..6)) {
            let mut map = serde_json::Map::new();
            for (i, k) in keys.iter().enumerate() {
                map.insert(k.clone(), json!(i));
            }
            let v = serde_json::Value::Object(map);
            let text = canonical_json(&v);
            let back: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(canonical_json(&back), text);
        }
    }
}
