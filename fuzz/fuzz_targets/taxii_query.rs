//! Fuzz target: the query string of a TAXII 2.1 collection request (objects, manifest,
//! versions) as the TAXII server reads it — URL-decoded into parameters as the API's query
//! extractor does, then `hamnvakt_sharing::taxii::Query::parse` (`added_after`, `limit`,
//! `next`, `match[id|type|version|spec_version]`). Nothing may panic; a query that was read
//! keeps its bounds and reads back the same from its own parameters.

#![no_main]

use hamnvakt_sharing::stix::check_id;
use hamnvakt_sharing::taxii::{Query, MAX_IDS, MAX_LIMIT, MAX_TYPES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let Ok(q) = Query::parse(&params) else {
        return;
    };
    assert!((1..=MAX_LIMIT).contains(&q.limit));
    assert!(q.ids.len() <= MAX_IDS && q.types.len() <= MAX_TYPES);
    assert!(q.ids.iter().all(|id| check_id("match[id]", id, None).is_ok()));
    assert!(q.next.is_none_or(|n| n >= 0));
    assert_eq!(Query::parse(&q.to_params()).as_ref(), Ok(&q));
});
