//! The console's sharing pages: what we share with whom and under which marking, the partner
//! feeds with their state, the indicator library with its sightings, and for any object "who
//! can see this and why" — answered by the same rule that enforces it.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Html;
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Marking, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Permission;
use hamnvakt_sharing::stix;
use hamnvakt_store::{SharedQuery, SharedRow};
use maud::{html, Markup};
use serde_json::Value;

use super::service::SharingState;
use crate::web::auth::UiUser;
use crate::web::error::ApiError;
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{layout, local_time, t, Page, UiError, UiLang};

fn tlp_badge(tlp: hamnvakt_core::Tlp) -> Markup {
    let class = tlp
        .as_str()
        .trim_start_matches("TLP:")
        .replace('+', "-")
        .to_lowercase();
    html! { span class={ "tlp tlp-" (class) } { (tlp.as_str()) } }
}

fn audience(lang: Lang, m: &Marking, orgs: &HashMap<OrgId, String>) -> Markup {
    let named: Vec<&str> = m
        .recipients
        .iter()
        .map(|r| orgs.get(r).map(String::as_str).unwrap_or("?"))
        .collect();
    html! {
        (crate::web::i18n::audience(lang, m.audience))
        @if !named.is_empty() { " — " (named.join(", ")) }
    }
}

fn name_of(row: &SharedRow) -> String {
    row.body
        .get("name")
        .or_else(|| row.body.get("description"))
        .and_then(Value::as_str)
        .unwrap_or(&row.stix_id)
        .chars()
        .take(120)
        .collect()
}

async fn visible(
    state: &SharingState,
    reader: &Reader,
    q: SharedQuery,
) -> Result<Vec<SharedRow>, ApiError> {
    let limit = q.limit as usize;
    let mut rows = state.store.list_shared(reader, &q).await?;
    rows.truncate(limit);
    Ok(rows)
}

pub async fn overview(
    State(state): State<SharingState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::SharingRead)?;
    let reader = p.reader();
    let orgs: HashMap<OrgId, String> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let objects = visible(
        &state,
        &reader,
        SharedQuery {
            limit: 1000,
            ..SharedQuery::default()
        },
    )
    .await?;
    let ours: Vec<&SharedRow> = objects
        .iter()
        // Sightings are counted in the library; what they saw (observed-data and its vessel)
        // goes with them.
        .filter(|r| {
            r.owner_org == p.org()
                && !matches!(
                    r.stix_type.as_str(),
                    "sighting" | "observed-data" | "x-hamnvakt-vessel"
                )
        })
        .collect();
    let indicators: Vec<&SharedRow> = objects
        .iter()
        .filter(|r| r.stix_type == "indicator")
        .collect();
    let mut sightings: HashMap<&str, usize> = HashMap::new();
    for s in objects.iter().filter(|r| r.stix_type == "sighting") {
        if let Some(of) = &s.ref_id {
            *sightings.entry(of.as_str()).or_default() += 1;
        }
    }
    let feeds = state.store.list_feeds().await?;
    let body = html! {
        h1 { (t(lang, Msg::SharingTitle)) }
        p.lead { (t(lang, Msg::SharingIntro)) }
        h2 { (t(lang, Msg::SharingWhatWeShare)) }
        @if ours.is_empty() { p { (t(lang, Msg::SharingNothing)) } } @else {
            table #shared {
                thead { tr { th { (t(lang, Msg::SharingType)) } th { (t(lang, Msg::SharingName)) } th { (t(lang, Msg::SharingMarking)) } th { (t(lang, Msg::SharingAudience)) } } }
                tbody { @for r in &ours {
                    tr {
                        td { (r.stix_type) }
                        td { a href={ "/sharing/objects/" (r.stix_id) } { (name_of(r)) } @if r.revoked { " (" (t(lang, Msg::SharingRevoked)) ")" } }
                        td { (tlp_badge(r.marking.tlp)) }
                        td { (audience(lang, &r.marking, &orgs)) }
                    }
                } }
            }
        }
        h2 { (t(lang, Msg::SharingFeeds)) }
        @if feeds.is_empty() { p { (t(lang, Msg::SharingNothing)) } } @else {
            table #feeds {
                thead { tr { th { (t(lang, Msg::SharingName)) } th { (t(lang, Msg::SharingDirection)) } th { (t(lang, Msg::Organisation)) } th { (t(lang, Msg::SharingFeedState)) } th { (t(lang, Msg::SharingLastRun)) } th { (t(lang, Msg::SharingObjectsTaken)) } th { (t(lang, Msg::SharingLastRunObjects)) } th { (t(lang, Msg::SharingError)) } } }
                tbody { @for f in &feeds {
                    @let (state, says) = feed_state(f);
                    tr data-feed=(f.id) {
                        td { (f.name) }
                        td { (f.direction) }
                        td { (orgs.get(&f.partner_org).map(String::as_str).unwrap_or("?")) }
                        td.state data-state=(state) { (t(lang, says)) }
                        td { (f.last_run_ms.map(local_time).unwrap_or_default()) }
                        td { (f.objects_total) }
                        td.last-run-objects { (f.last_run_objects) }
                        td.error { (f.last_error.as_deref().unwrap_or("")) }
                    }
                } }
            }
        }
        h2 { (t(lang, Msg::SharingIndicators)) }
        @if indicators.is_empty() { p { (t(lang, Msg::SharingNothing)) } } @else {
            table #indicators {
                thead { tr { th { (t(lang, Msg::SharingName)) } th { (t(lang, Msg::SharingPattern)) } th { (t(lang, Msg::SharingMarking)) } th { (t(lang, Msg::SharingSource)) } th { (t(lang, Msg::SharingSightings)) } } }
                tbody { @for r in &indicators {
                    tr {
                        td { a href={ "/sharing/objects/" (r.stix_id) } { (name_of(r)) } }
                        td { code { (r.body.get("pattern").and_then(Value::as_str).unwrap_or("")) } }
                        td { (tlp_badge(r.marking.tlp)) }
                        td { (orgs.get(&r.owner_org).map(String::as_str).unwrap_or("?")) }
                        td.sightings { (sightings.get(r.stix_id.as_str()).copied().unwrap_or(0)) }
                    }
                } }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/sharing",
            title: t(lang, Msg::NavSharing),
            nav: Some(Msg::NavSharing),
        },
        body,
    ))
}

/// A feed's state in one word: paused, not run yet, failing (its last run ended in an
/// error), or working.
fn feed_state(f: &hamnvakt_store::FeedRow) -> (&'static str, Msg) {
    if !f.enabled {
        ("paused", Msg::SharingFeedPaused)
    } else if f.last_run_ms.is_none() {
        ("never", Msg::SharingFeedNeverRun)
    } else if f.last_error.is_some() {
        ("failing", Msg::SharingFeedFailing)
    } else {
        ("working", Msg::SharingFeedWorking)
    }
}

fn yes_no(lang: Lang, b: bool) -> &'static str {
    t(lang, if b { Msg::SharingYes } else { Msg::SharingNo })
}

pub async fn object(
    State(state): State<SharingState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::SharingRead)?;
    stix::check_id("id", &id, None).map_err(|_| ApiError::NotFound(format!("object {id}")))?;
    let reader = p.reader();
    let row = state
        .store
        .shared_latest(&id)
        .await?
        .filter(|r| marking::may_see(r.owner_org, &r.marking, &reader))
        .ok_or_else(|| ApiError::NotFound(format!("object {id}")))?;
    let all_orgs = state.store.list_orgs().await?;
    let orgs: HashMap<OrgId, String> = all_orgs.iter().map(|o| (o.id, o.name.clone())).collect();
    let why = crate::web::i18n::why(lang, marking::check(row.owner_org, &row.marking, &reader));
    let sightings = if row.stix_type == "indicator" {
        visible(
            &state,
            &reader,
            SharedQuery {
                ref_id: Some(row.stix_id.clone()),
                types: vec!["sighting".into()],
                limit: 200,
                ..SharedQuery::default()
            },
        )
        .await?
    } else {
        Vec::new()
    };
    // What the reader may see of what is written about it.
    let written = visible(
        &state,
        &reader,
        SharedQuery {
            ref_id: Some(row.stix_id.clone()),
            types: vec!["note".into(), "relationship".into()],
            limit: 200,
            ..SharedQuery::default()
        },
    )
    .await?;
    let json = serde_json::to_string_pretty(&stix::with_marking(&row.body, row.marking.tlp))
        .unwrap_or_default();
    let body = html! {
        h1 { (name_of(&row)) }
        p { (row.stix_type) " · " (tlp_badge(row.marking.tlp)) " · " (audience(lang, &row.marking, &orgs)) " · " (orgs.get(&row.owner_org).map(String::as_str).unwrap_or("?")) }
        p #why { strong { (t(lang, Msg::SharingWhyYou)) ": " } (why) }
        h2 { (t(lang, Msg::SharingWhoCanSee)) }
        @if row.owner_org == p.org() {
            table #access {
                thead { tr { th { (t(lang, Msg::Organisation)) } th { (t(lang, Msg::SharingMaySee)) } th { (t(lang, Msg::SharingOverTaxii)) } th { "" } } }
                tbody { @for o in &all_orgs {
                    @let r = Reader { org: o.id, partner: o.kind == OrgKind::OtherPort };
                    @let answer = marking::check(row.owner_org, &row.marking, &r);
                    tr class=[answer.is_ok().then_some("may-see")] {
                        td { (o.name) }
                        td { (yes_no(lang, answer.is_ok())) }
                        td { (yes_no(lang, answer.is_ok() && hamnvakt_store::feed_may_carry(&row, &r))) }
                        td { (crate::web::i18n::why(lang, answer)) }
                    }
                } }
            }
        } @else {
            p { (t(lang, Msg::SharingOwnerOnly)) }
        }
        @if !sightings.is_empty() {
            h2 { (t(lang, Msg::SharingSightings)) }
            ul #sightings { @for s in &sightings {
                li { (local_time(s.modified_ms)) " — " (orgs.get(&s.owner_org).map(String::as_str).unwrap_or("?")) ": " (s.body.get("description").and_then(Value::as_str).unwrap_or("")) }
            } }
        }
        @if !written.is_empty() {
            h2 { (t(lang, Msg::SharingWrittenAbout)) }
            ul #written { @for w in &written {
                li {
                    (local_time(w.modified_ms)) " — " (orgs.get(&w.owner_org).map(String::as_str).unwrap_or("?")) " · " (tlp_badge(w.marking.tlp)) ": "
                    @if w.stix_type == "relationship" {
                        @let target = w.body.get("target_ref").and_then(Value::as_str).unwrap_or("");
                        (w.body.get("relationship_type").and_then(Value::as_str).unwrap_or("")) " "
                        a href={ "/sharing/objects/" (target) } { (target) }
                    } @else {
                        @if let Some(a) = w.body.get("abstract").and_then(Value::as_str) { strong { (a) } " " }
                        (w.body.get("content").and_then(Value::as_str).unwrap_or(""))
                    }
                }
            } }
        }
        h2 { "STIX 2.1" }
        pre.stix { (json) }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/sharing",
            title: t(lang, Msg::NavSharing),
            nav: Some(Msg::NavSharing),
        },
        body,
    ))
}
