//! The audit log page: the chain, newest first, and a button that verifies it.

use axum::extract::{OriginalUri, State};
use axum::response::Html;
use hamnvakt_identity::Permission;
use hamnvakt_store::ChainStatus;
use maud::html;
use serde::Deserialize;

use crate::web::auth::UiUser;
use crate::web::extract::UiQuery;
use crate::web::i18n::Msg;
use crate::web::layout::{current_path, layout, local_time, t, Page, UiError, UiLang};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
    kind: Option<String>,
    verify: Option<String>,
}

pub async fn log(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    UiQuery(q): UiQuery<AuditQuery>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AuditRead)?;
    let reader = super::visibility::reader(&state, &p).await?;
    let page = super::visibility::visible_events(
        &state,
        &reader,
        q.kind.as_deref().filter(|k| !k.is_empty()),
        q.before,
        100,
    )
    .await?;
    // Show people by name: `user:<id>` actors become display names.
    let names: std::collections::HashMap<String, String> = state
        .store
        .list_users(None)
        .await?
        .into_iter()
        .map(|u| (format!("user:{}", u.id), u.display_name))
        .collect();
    let mut names = names;
    // And organisations (`org:<id>`) by their names, in the subject column too.
    names.extend(
        state
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(|o| (format!("org:{}", o.id), o.name)),
    );
    let actor = |a: &str| names.get(a).cloned().unwrap_or_else(|| a.to_owned());
    let report = if q.verify.is_some() {
        Some(state.store.verify_chain().await?)
    } else {
        None
    };
    let path = current_path(&uri);
    let body = html! {
        div.pagehead {
            h1 { (t(lang, Msg::AuditLog)) }
            form.inline method="get" action="/audit" {
                input type="hidden" name="verify" value="1";
                button type="submit" #verify-chain { (t(lang, Msg::VerifyChain)) }
            }
        }
        p.muted { (t(lang, Msg::AuditIntro)) }
        @if let Some(r) = &report {
            @match &r.status {
                ChainStatus::Intact => p.banner.ok #chain-status { (t(lang, Msg::ChainIntact)) ": " (r.events_checked) " " (t(lang, Msg::EventsChecked)) " · " code { (r.head_hash.get(..16).unwrap_or("")) } },
                ChainStatus::Broken { seq, reason } => p.banner.bad #chain-status { (t(lang, Msg::ChainBroken)) " " (seq) ": " (reason) },
            }
        }
        form.filters method="get" action="/audit" {
            label { (t(lang, Msg::KindFilter)) input name="kind" value=(q.kind.clone().unwrap_or_default()) placeholder="auth"; }
            button type="submit" { (t(lang, Msg::Filter)) }
        }
        table.audit #audit-log {
            thead { tr { th { (t(lang, Msg::Seq)) } th { (t(lang, Msg::Time)) } th { (t(lang, Msg::EventKind)) } th { (t(lang, Msg::Actor)) } th { (t(lang, Msg::Subject)) } th { (t(lang, Msg::Hash)) } } }
            tbody { @for e in &page.events {
                tr {
                    td { (e.seq) } td { (local_time(e.at_ms)) } td { code { (e.kind) } } td title=(e.actor) { (actor(&e.actor)) }
                    @match e.subject.as_deref().and_then(|x| names.get(x).map(|n| (x, n))) {
                        Some((x, n)) => td title=(x) { (n) },
                        None => td { code { (e.subject.clone().unwrap_or_default()) } },
                    }
                    td { code title=(e.hash) { (e.hash.get(..12).unwrap_or("")) } }
                }
            } }
        }
        nav.pager {
            @if q.before.is_some() { a href="/audit" { (t(lang, Msg::Newest)) } }
            @if let Some(b) = page.next_before { a href={ "/audit?before=" (b) } { (t(lang, Msg::Older)) } }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: t(lang, Msg::AuditLog),
            nav: Some(Msg::NavAudit),
        },
        body,
    ))
}
