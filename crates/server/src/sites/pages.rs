//! The sites page: the port's facilities and where they are.

use axum::extract::State;
use axum::response::Html;
use hamnvakt_identity::Permission;
use maud::html;

use crate::web::auth::UiUser;
use crate::web::i18n::Msg;
use crate::web::layout::{layout, t, Page, UiError, UiLang};
use crate::web::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::SitesRead)?;
    let sites = state.store.list_sites().await?;
    let body = html! {
        h1 { (t(lang, Msg::Sites)) }
        table #sites {
            thead { tr { th { (t(lang, Msg::SiteCode)) } th { (t(lang, Msg::SiteName)) } th { (t(lang, Msg::Locode)) } th { (t(lang, Msg::Position)) } } }
            tbody { @for s in &sites {
                tr { td { code { (s.code) } } td { (s.name) } td { (s.locode) } td { (format!("{:.4}, {:.4}", s.lat, s.lon)) } }
            } }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/sites",
            title: t(lang, Msg::Sites),
            nav: Some(Msg::NavSites),
        },
        body,
    ))
}
