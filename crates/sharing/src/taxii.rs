//! The query of a TAXII 2.1 collection — `added_after`, `limit`, `next` and
//! `match[id|type|version|spec_version]` — read from a request's parameters. Reading is total
//! and bounded (at most [`MAX_IDS`] ids, [`MAX_TYPES`] types, a page of at most [`MAX_LIMIT`]);
//! a parameter it does not know is refused rather than ignored, so a client never takes an
//! unfiltered answer for a filtered one. Fuzzed by `fuzz/fuzz_targets/taxii_query.rs`.

use hamnvakt_core::validate::FieldError;

use crate::stix;

/// Objects per page when the client names no `limit`.
pub const DEFAULT_LIMIT: i64 = 100;
/// The largest page; a larger `limit` is lowered to it, as TAXII allows.
pub const MAX_LIMIT: i64 = 1_000;
/// Ids in `match[id]` at most.
pub const MAX_IDS: usize = 100;
/// Types in `match[type]` at most.
pub const MAX_TYPES: usize = 50;
/// Versions in `match[version]` at most.
pub const MAX_VERSIONS: usize = 20;

/// Which versions of an object a query returns (`match[version]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Version {
    /// The newest (TAXII's default).
    #[default]
    Last,
    First,
    All,
    /// The version whose `modified` is this time (milliseconds since the epoch).
    At(i64),
}

/// A collection query as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Only objects added after this time (milliseconds since the epoch).
    pub added_after: Option<i64>,
    /// Objects per page, 1 to [`MAX_LIMIT`].
    pub limit: i64,
    /// The position after which the page starts (this server's `next` token).
    pub next: Option<i64>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// The versions asked for, any of which an object's version may be (`match[version]` is
    /// a comma-separated list); sorted, without repeats, never empty (`[Last]` by default).
    pub versions: Vec<Version>,
    /// False when `match[spec_version]` names only versions other than 2.1, the one this
    /// server holds: the answer is then empty.
    pub spec_ok: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            added_after: None,
            limit: DEFAULT_LIMIT,
            next: None,
            ids: Vec::new(),
            types: Vec::new(),
            versions: vec![Version::Last],
            spec_ok: true,
        }
    }
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Query {
    /// Reads the parameters of a request; the first fault, by parameter.
    pub fn parse(params: &[(String, String)]) -> Result<Query, FieldError> {
        let mut q = Query::default();
        for (k, v) in params {
            match k.as_str() {
                "added_after" => {
                    q.added_after = Some(stix::parse_timestamp(v).ok_or_else(|| {
                        FieldError::new(
                            "added_after",
                            format!("{v:?} is not a timestamp (RFC 3339, UTC)"),
                        )
                    })?)
                }
                "limit" => {
                    let n: i64 = v
                        .parse()
                        .map_err(|_| FieldError::new("limit", "a positive integer"))?;
                    if n < 1 {
                        return Err(FieldError::new("limit", "a positive integer"));
                    }
                    q.limit = n.min(MAX_LIMIT);
                }
                "next" => {
                    let n: i64 = v
                        .parse()
                        .map_err(|_| FieldError::new("next", "not a next token of this server"))?;
                    if n < 0 {
                        return Err(FieldError::new("next", "not a next token of this server"));
                    }
                    q.next = Some(n);
                }
                "match[id]" => {
                    for id in list(v) {
                        stix::check_id("match[id]", id, None)?;
                        if q.ids.len() == MAX_IDS {
                            return Err(FieldError::new(
                                "match[id]",
                                format!("at most {MAX_IDS} ids"),
                            ));
                        }
                        q.ids.push(id.to_owned());
                    }
                }
                "match[type]" => {
                    for ty in list(v) {
                        if q.types.len() == MAX_TYPES {
                            return Err(FieldError::new(
                                "match[type]",
                                format!("at most {MAX_TYPES} types"),
                            ));
                        }
                        q.types.push(ty.to_owned());
                    }
                }
                "match[version]" => {
                    let mut versions = Vec::new();
                    for one in list(v) {
                        if versions.len() == MAX_VERSIONS {
                            return Err(FieldError::new(
                                "match[version]",
                                format!("at most {MAX_VERSIONS} versions"),
                            ));
                        }
                        versions.push(match one {
                            "last" => Version::Last,
                            "first" => Version::First,
                            "all" => Version::All,
                            t => Version::At(stix::parse_timestamp(t).ok_or_else(|| {
                                FieldError::new(
                                    "match[version]",
                                    "last, first, all or a timestamp, or a comma-separated list of them",
                                )
                            })?),
                        });
                    }
                    if versions.is_empty() {
                        return Err(FieldError::new(
                            "match[version]",
                            "last, first, all or a timestamp, or a comma-separated list of them",
                        ));
                    }
                    versions.sort();
                    versions.dedup();
                    q.versions = versions;
                }
                "match[spec_version]" => q.spec_ok = list(v).any(|s| s == "2.1"),
                other => {
                    return Err(FieldError::new(
                        other,
                        "not a TAXII 2.1 filter of this server",
                    ))
                }
            }
        }
        Ok(q)
    }

    /// The query as parameters, in the form [`Query::parse`] reads back to the same query.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut out = vec![("limit".to_owned(), self.limit.to_string())];
        let mut push = |k: &str, v: String| out.push((k.to_owned(), v));
        if let Some(a) = self.added_after {
            push("added_after", stix::timestamp(a));
        }
        if let Some(n) = self.next {
            push("next", n.to_string());
        }
        if !self.ids.is_empty() {
            push("match[id]", self.ids.join(","));
        }
        if !self.types.is_empty() {
            push("match[type]", self.types.join(","));
        }
        if self.versions != [Version::Last] {
            let words: Vec<String> = self
                .versions
                .iter()
                .map(|v| match v {
                    Version::Last => "last".to_owned(),
                    Version::First => "first".to_owned(),
                    Version::All => "all".to_owned(),
                    Version::At(ms) => stix::timestamp(*ms),
                })
                .collect();
            push("match[version]", words.join(","));
        }
        if !self.spec_ok {
            push("match[spec_version]", "2.0".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_the_filters_and_refuses_what_it_cannot_read() {
        let q = Query::parse(&params(&[
            ("added_after", "2026-11-17T08:00:00.000Z"),
            ("limit", "5000"),
            ("match[type]", "indicator, report"),
            ("match[version]", "all"),
            ("match[spec_version]", "2.0"),
        ]))
        .unwrap_or_default();
        assert_eq!(q.limit, MAX_LIMIT);
        assert_eq!(q.types, ["indicator", "report"]);
        assert_eq!(q.versions, [Version::All]);
        assert!(!q.spec_ok);
        assert_eq!(Query::parse(&q.to_params()), Ok(q));
        // A list is any of its versions, read back the same.
        let q = Query::parse(&params(&[(
            "match[version]",
            "last,first,2026-11-17T10:00:00.000Z,first",
        )]))
        .unwrap_or_default();
        assert_eq!(q.versions.len(), 3);
        assert_eq!(Query::parse(&q.to_params()), Ok(q));
        for (k, v) in [
            ("added_after", "2026-11-17T10:00:00+02:00"),
            ("limit", "0"),
            ("next", "-1"),
            ("match[version]", "first,yesterday"),
            ("match[id]", "indicator--x"),
            ("match[colour]", "red"),
        ] {
            assert_eq!(
                Query::parse(&params(&[(k, v)])).map_err(|e| e.field),
                Err(k.to_owned())
            );
        }
        let many = vec!["indicator"; MAX_TYPES + 1].join(",");
        assert!(Query::parse(&params(&[("match[type]", &many)])).is_err());
    }
}
