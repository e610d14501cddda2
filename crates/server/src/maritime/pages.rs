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
    let labels = serde_json::json!({
        "name": t(lang, Msg::VesselName), "speed": t(lang, Msg::Speed), "course": t(lang, Msg::Course),
        "last_heard": t(lang, Msg::LastHeard), "lang": lang.code(),
        "no_library": t(lang, Msg::MapNoLibrary), "alerts_allowed": p.can(Permission::AlertsRead),
    });
    let body = html! {
        h1 { (t(lang, Msg::NavMaritime)) }
        p.muted { (t(lang, Msg::MapHelp)) }
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
