//! The maritime picture: a live map (Leaflet, bundled; no base layer unless a tile URL is
//! configured) with vessels moving as their reports arrive over server-sent events, the port
//! geofences, and a vessel panel with its track, port calls, risk score and alerts. The vessel
//! table beside it carries the same live data for keyboards, screen readers and tests.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use hamnvakt_identity::Permission;
use maud::html;

use super::MaritimeState;
use crate::web::auth::UiUser;
use crate::web::i18n::Msg;
use crate::web::layout::{layout, t, Page, UiError, UiLang};

pub async fn map(
    State(state): State<MaritimeState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Response, UiError> {
    p.require(Permission::SitesRead)?;
    let tiles = state.config.ais.map_tile_url.clone().unwrap_or_default();
    let mut labels = serde_json::Map::new();
    for (key, value) in [
        ("lang", lang.code().into()),
        ("alerts_allowed", p.can(Permission::AlertsRead).into()),
        ("ship_types", ship_type_names(lang).into()),
        ("nav_status", nav_status_names(lang).into()),
    ] {
        labels.insert(key.into(), value);
    }
    for (key, m) in [
        ("name", Msg::VesselName),
        ("speed", Msg::Speed),
        ("course", Msg::Course),
        ("last_heard", Msg::LastHeard),
        ("no_library", Msg::MapNoLibrary),
        ("call_sign", Msg::MapCallSign),
        ("ship_type", Msg::MapShipType),
        ("size", Msg::MapSize),
        ("draught", Msg::MapDraught),
        ("destination", Msg::MapDestination),
        ("eta", Msg::MapEta),
        ("status", Msg::MapNavStatus),
        ("na", Msg::MapNotAvailable),
        ("risk", Msg::MapRisk),
        ("port_calls", Msg::MapPortCalls),
        ("no_port_calls", Msg::MapNoPortCalls),
        ("alerts", Msg::MapAlerts),
        ("no_alerts", Msg::MapNoAlerts),
        ("track", Msg::MapTrack),
        ("track_points", Msg::MapTrackPoints),
        ("gap", Msg::MapGap),
        ("gaps", Msg::MapGaps),
        ("met", Msg::MapMet),
        ("show_both", Msg::MapShowBoth),
        ("min", Msg::MapMinutes),
        ("imo_warning", Msg::MapImoWarning),
        ("loading", Msg::MapLoading),
        ("open_alert", Msg::MapOpenAlert),
        ("no_match", Msg::MapNoMatch),
        ("no_land", Msg::MapNoLand),
        ("zoom_meeting", Msg::MapZoomMeeting),
    ] {
        labels.insert(key.into(), t(lang, m).into());
    }
    let mut factors = serde_json::Map::new();
    for (code, m) in [
        ("high_risk_port_calls", Msg::RfHighRiskPorts),
        ("dark_activity", Msg::RfDark),
        ("encounters", Msg::RfEncounters),
        ("loitering", Msg::RfLoitering),
        ("identity_changes", Msg::RfIdentity),
        ("impossible_jumps", Msg::RfJumps),
        ("mid_unallocated", Msg::RfMidUnallocated),
        ("mid_flag_mismatch", Msg::RfMidMismatch),
        ("invalid_imo", Msg::RfInvalidImo),
    ] {
        factors.insert(code.into(), t(lang, m).into());
    }
    labels.insert("risk_factors".into(), factors.into());
    let labels = serde_json::Value::Object(labels);
    let body = html! {
        h1 { (t(lang, Msg::NavMaritime)) }
        p.muted { (t(lang, Msg::MapHelp)) " " (t(lang, Msg::MapHelp2)) }
        div.map-tools {
            label for="map-search" { (t(lang, Msg::MapSearch)) }
            input #map-search type="search" list="vessel-names" autocomplete="off" placeholder=(t(lang, Msg::MapSearchPlaceholder));
            datalist #vessel-names {}
            span #map-search-result .muted aria-live="polite" {}
            button #zoom-track type="button" disabled { (t(lang, Msg::MapZoomTrack)) }
            button #clear-tracks type="button" disabled { (t(lang, Msg::MapClearTracks)) }
            @if p.can(Permission::AlertsRead) {
                label { input #show-alerts type="checkbox" checked; " " (t(lang, Msg::MapShowAlerts)) }
            }
            label { input #show-names type="checkbox" checked; " " (t(lang, Msg::MapShowNames)) }
        }
        div.maritime {
            div #map data-tiles=(tiles) data-attribution=(state.config.ais.map_attribution.clone().unwrap_or_default()) data-labels=(labels.to_string()) {}
            aside #vessel-panel aria-live="polite" { p.muted { (t(lang, Msg::SelectVessel)) } }
        }
        h2 { (t(lang, Msg::Vessels)) " " span #vessel-count {} }
        table #vessels {
            thead { tr { th { "MMSI" } th { (t(lang, Msg::VesselName)) } th { (t(lang, Msg::Position)) }
                th { (t(lang, Msg::Speed)) } th { (t(lang, Msg::Course)) } th { (t(lang, Msg::LastHeard)) } } }
            tbody {}
        }
        link rel="stylesheet" href="/static/leaflet.css";
        script src="/static/leaflet.js" {}
        script src="/static/map.js" {}
    };
    let page = layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/map",
            title: t(lang, Msg::NavMaritime),
            nav: Some(Msg::NavMaritime),
        },
        body,
    );
    let mut resp = page.into_response();
    // A configured tile server must be allowed to serve images to this page.
    if let Some(origin) = tile_origin(&tiles) {
        let csp = format!(
            "default-src 'self'; img-src 'self' data: {origin}; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            resp.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(resp)
}

/// AIS ship and cargo type codes (ITU-R M.1371, table 53) by name, every code 0–99: the
/// first digit is the kind, the second the hazard category of the cargo.
pub fn ship_type_names(lang: crate::web::i18n::Lang) -> serde_json::Map<String, serde_json::Value> {
    let sv = lang == crate::web::i18n::Lang::Sv;
    let pick = |en: &str, s: &str| if sv { s.to_string() } else { en.to_string() };
    let hazard = |d: u8| match d {
        1 => pick(", hazard A", ", farligt gods A"),
        2 => pick(", hazard B", ", farligt gods B"),
        3 => pick(", hazard C", ", farligt gods C"),
        4 => pick(", hazard D", ", farligt gods D"),
        _ => String::new(),
    };
    let mut out = serde_json::Map::new();
    for code in 0u8..=99 {
        let (tens, unit) = (code / 10, code % 10);
        let name = match (tens, unit) {
            (0, 0) => pick("not available", "uppgift saknas"),
            (2, _) => pick("Wing in ground", "Markeffektfarkost") + &hazard(unit),
            (3, 0) => pick("Fishing", "Fiskefartyg"),
            (3, 1) | (3, 2) => pick("Towing", "Bogsering"),
            (3, 3) => pick(
                "Dredging or underwater operations",
                "Muddring eller undervattensarbete",
            ),
            (3, 4) => pick("Diving operations", "Dykeriarbete"),
            (3, 5) => pick("Military operations", "Militär verksamhet"),
            (3, 6) => pick("Sailing", "Segelfartyg"),
            (3, 7) => pick("Pleasure craft", "Fritidsbåt"),
            (4, _) => pick("High-speed craft", "Snabbgående fartyg") + &hazard(unit),
            (5, 0) => pick("Pilot vessel", "Lotsbåt"),
            (5, 1) => pick("Search and rescue", "Sjöräddning"),
            (5, 2) => pick("Tug", "Bogserbåt"),
            (5, 3) => pick("Port tender", "Hamnbåt"),
            (5, 4) => pick("Anti-pollution", "Miljöskydd"),
            (5, 5) => pick("Law enforcement", "Myndighetsfartyg"),
            (5, 8) => pick("Medical transport", "Sjuktransport"),
            (5, 9) => pick("Non-combatant (RR 18)", "Neutralt fartyg (RR 18)"),
            (6, _) => pick("Passenger", "Passagerarfartyg") + &hazard(unit),
            (7, _) => pick("Cargo", "Lastfartyg") + &hazard(unit),
            (8, _) => pick("Tanker", "Tankfartyg") + &hazard(unit),
            (9, _) => pick("Other", "Annat") + &hazard(unit),
            _ => pick("Reserved", "Reserverad"),
        };
        out.insert(code.to_string(), format!("{name} ({code})").into());
    }
    out
}

/// AIS navigational status codes 0–15 by name.
pub fn nav_status_names(
    lang: crate::web::i18n::Lang,
) -> serde_json::Map<String, serde_json::Value> {
    let names: [(&str, &str); 16] = [
        ("Under way using engine", "Under gång med maskin"),
        ("At anchor", "Till ankars"),
        ("Not under command", "Ej manöverfärdig"),
        ("Restricted manoeuvrability", "Begränsad manöverförmåga"),
        ("Constrained by her draught", "Begränsad av djupgående"),
        ("Moored", "Förtöjd"),
        ("Aground", "På grund"),
        ("Engaged in fishing", "Fiskar"),
        ("Under way sailing", "Under gång för segel"),
        ("Reserved (9)", "Reserverad (9)"),
        ("Reserved (10)", "Reserverad (10)"),
        ("Towing astern", "Bogserar akterut"),
        (
            "Pushing ahead or towing alongside",
            "Skjuter eller bogserar vid sidan",
        ),
        ("Reserved (13)", "Reserverad (13)"),
        (
            "AIS-SART, MOB or EPIRB active",
            "AIS-SART, MOB eller EPIRB aktiv",
        ),
        ("not available", "uppgift saknas"),
    ];
    let sv = lang == crate::web::i18n::Lang::Sv;
    names
        .iter()
        .enumerate()
        .map(|(i, (en, s))| (i.to_string(), (if sv { *s } else { *en }).into()))
        .collect()
}

/// `https://host[:port]` of a tile URL template, if it is one.
fn tile_origin(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .map(|r| ("https://", r))
        .or_else(|| url.strip_prefix("http://").map(|r| ("http://", r)))?;
    let host = rest.1.split('/').next()?;
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '{' | '}'));
    ok.then(|| format!("{}{}", rest.0, host.replace("{s}", "*")))
}

#[cfg(test)]
mod tests {
    use super::tile_origin;

    #[test]
    fn tile_origins() {
        assert_eq!(
            tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tile.example.org")
        );
        assert_eq!(
            tile_origin("http://tiles.local:8080/{z}/{x}/{y}.png").as_deref(),
            Some("http://tiles.local:8080")
        );
        assert_eq!(tile_origin(""), None);
        assert_eq!(tile_origin("javascript:alert(1)"), None);
        assert_eq!(tile_origin("https://evil.org'; script-src *"), None);
    }
}
