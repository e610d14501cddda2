//! The Ports of Stockholm's sites at their real coordinates (WGS84, from the terminals'
//! addresses; see shared/reference/port-domain.md §4.2). Norvik's UN/LOCODE is taken as
//! Nynäshamn's, where it lies; its own ISPS facility number was not found.

use rand_chacha::ChaCha20Rng;

use crate::{next_id, DemoSite};

pub(crate) fn sites(rng: &mut ChaCha20Rng) -> Vec<DemoSite> {
    let list: [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        f64,
        f64,
    ); 6] = [
        (
            "VHA",
            "Värtahamnen",
            "Värtaterminalen: ferries to Helsinki, Turku, Tallinn and Mariehamn",
            "SESTO",
            59.3515,
            18.1127,
        ),
        (
            "FRI",
            "Frihamnen",
            "Cruise quays and Frihamnsterminalen",
            "SESTO",
            59.3430,
            18.1180,
        ),
        (
            "SVI",
            "Stadsgården",
            "Vikingterminalen: ferries to Helsinki and Turku; cruise quays",
            "SESTO",
            59.3160,
            18.0960,
        ),
        (
            "KPS",
            "Kapellskär",
            "Ro-pax and freight port: Naantali via Långnäs, Paldiski",
            "SEKPS",
            59.7227,
            19.0612,
        ),
        (
            "NYN",
            "Nynäshamn",
            "Ferry terminal: Visby and Gdańsk",
            "SENYN",
            58.9030,
            17.9530,
        ),
        (
            "NVK",
            "Stockholm Norvik",
            "Container terminal and ro-ro terminal: Ventspils, container feeders",
            "SENYN",
            58.9376,
            17.9745,
        ),
    ];
    list.into_iter()
        .map(|(code, name, description, locode, lat, lon)| DemoSite {
            id: next_id(rng),
            code,
            name,
            description,
            locode,
            lat,
            lon,
        })
        .collect()
}
