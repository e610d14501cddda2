//! Fuzz target: the request bodies of the access register (`POST`/`PUT
//! /api/v1/access/{kind}`), for each of the nine record kinds: parsed as JSON the way the API
//! parses a body, given its id, deserialised with the field path of any error and checked
//! against a small register (one site, organisation and user outside it; a facility, zone,
//! person and vehicle in it) as a save checks it. A record that passes is put into the index
//! and searched. The first byte chooses the kind. Nothing may panic.

#![no_main]

use std::sync::OnceLock;

use hamnvakt_access::model::*;
use hamnvakt_access::AccessIndex;
use hamnvakt_server::access::{from_body, search, Record, Refs, Scope};
use hamnvakt_server::web::extract::parse_json;
use libfuzzer_sys::fuzz_target;

const ID: &str = "0196a3c4-0000-7000-8000-000000000099";

fn id<T: std::str::FromStr>(n: u8) -> T
where
    T::Err: std::fmt::Debug,
{
    format!("0196a3c4-0000-7000-8000-0000000000{n:02}")
        .parse()
        .expect("a fixed uuid")
}

fn world() -> &'static (AccessIndex, Refs) {
    static WORLD: OnceLock<(AccessIndex, Refs)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let mut refs = Refs::default();
        refs.orgs.insert(id(1));
        refs.sites.insert(id(2));
        refs.users.insert(id(3));
        let mut ix = AccessIndex::default();
        ix.put_facility(Facility {
            id: id(10),
            site_id: id(2),
            name: "Värtaterminalen".into(),
            isps_number: "SESTO-0010".into(),
            security_level: SecurityLevel::ONE,
            org_id: id(1),
        });
        ix.put_zone(Zone {
            id: id(11),
            facility_id: id(10),
            parent: None,
            code: "VHA".into(),
            name: "Hamnområdet".into(),
            sensitivity: Sensitivity::Restricted,
            two_person: false,
            anti_passback: AntiPassback::Soft,
        });
        ix.put_person(Person {
            id: id(12),
            org_id: id(1),
            name: "Anna Berg".into(),
            kind: PersonKind::Staff,
            responder: false,
        });
        ix.put_vehicle(Vehicle {
            id: id(13),
            plate: "ABC123".into(),
            country: "SE".into(),
            org_id: Some(id(1)),
        });
        (ix, refs)
    })
}

fn body<R: Record>(json: &[u8]) {
    let Ok(value) = parse_json::<serde_json::Value>(json) else {
        return;
    };
    let Ok(record) = from_body::<R>(value, ID) else {
        return;
    };
    let (ix, refs) = world();
    if !record.check(ix, refs).is_empty() {
        return;
    }
    let _ = record.keys();
    let _ = record.search_text(ix);
    let _ = serde_json::to_string(&record).expect("a checked record serialises");
    let mut ix = ix.clone();
    record.put(&mut ix);
    let found: Vec<R> = search(&ix, Scope::Whole, "a", 0, 10);
    let _ = found.len();
    assert!(
        R::find(&ix, ID).is_some(),
        "a saved {} is not found",
        R::KIND
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, json)) = data.split_first() else {
        return;
    };
    match kind % 9 {
        0 => body::<Facility>(json),
        1 => body::<Zone>(json),
        2 => body::<Gate>(json),
        3 => body::<Person>(json),
        4 => body::<Credential>(json),
        5 => body::<Vehicle>(json),
        6 => body::<Permit>(json),
        7 => body::<Visit>(json),
        _ => body::<Ban>(json),
    }
});
