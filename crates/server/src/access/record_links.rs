//! What a register record's page shows beside its form: for a person their cards, permits,
//! recent passages and the alerts about them; for a gate its recent decisions — each within
//! what the reader may see.

use hamnvakt_core::alert::SubjectKind;
use hamnvakt_core::ids::{GateId, PersonId};
use hamnvakt_identity::Permission;
use hamnvakt_store::AlertFilter;
use maud::{html, Markup};

use super::api::{feed_entries, FeedEntry, FeedQuery};
use super::scope::Scope;
use super::AccessState;
use crate::web::auth::Principal;
use crate::web::error::ApiError;
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{local_time, t};

fn decisions(lang: Lang, entries: &[FeedEntry]) -> Markup {
    html! {
        table.decisions {
            thead { tr { th { (t(lang, Msg::Time)) } th { (t(lang, Msg::Gate)) } th { (t(lang, Msg::Direction)) } th { (t(lang, Msg::Person)) } th { (t(lang, Msg::Outcome)) } th { (t(lang, Msg::Reason)) } } }
            tbody { @for e in entries {
                tr data-outcome=(e.outcome) {
                    td { (e.at.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_default()) }
                    td { code { (e.gate_code.clone().unwrap_or_default()) } }
                    td { (t(lang, if e.direction == "in" { Msg::DirIn } else { Msg::DirOut })) }
                    td { (e.person_name.clone().unwrap_or_default()) }
                    td { (super::pages::outcome_badge(lang, &e.outcome)) }
                    td { @for r in &e.reasons { small { (i18n::reason(&r.code).map(|m| t(lang, m)).unwrap_or(r.code.as_str())) } " " } }
                }
            } }
        }
    }
}

fn query(person: Option<PersonId>, gate: Option<GateId>) -> FeedQuery {
    FeedQuery {
        facility: None,
        person,
        gate,
        outcome: None,
        since: None,
        before: None,
        limit: Some(20),
    }
}

/// The linked records of the record `kind`/`id`, as markup (empty for kinds without links).
pub async fn linked(
    state: &AccessState,
    p: &Principal,
    lang: Lang,
    kind: &str,
    id: &str,
) -> Result<Markup, ApiError> {
    let scope = Scope::of(state, p).await?;
    match kind {
        "people" => {
            let Ok(person) = id.parse::<PersonId>() else {
                return Ok(html! {});
            };
            let (cards, permits) = {
                let inner = state.access.lock();
                let ix = &inner.index;
                let mut cards: Vec<_> = ix
                    .credentials
                    .values()
                    .filter(|c| c.holder == person)
                    .cloned()
                    .collect();
                cards.sort_by(|a, b| a.number.cmp(&b.number));
                let permits: Vec<_> = ix.permits_of(person).cloned().collect();
                (cards, permits)
            };
            let passages = feed_entries(state, scope, &query(Some(person), None)).await?;
            let mut alerts = Vec::new();
            if p.can(Permission::AlertsRead) {
                // Detectors name a person as `person:{id}` or by the bare id.
                for reference in [format!("person:{person}"), person.to_string()] {
                    alerts.extend(
                        state
                            .store
                            .list_alerts(
                                &p.viewer(),
                                &AlertFilter {
                                    subject: Some((SubjectKind::Person, reference)),
                                    limit: 20,
                                    ..AlertFilter::default()
                                },
                            )
                            .await?
                            .alerts,
                    );
                }
                alerts.sort_by_key(|a| std::cmp::Reverse(a.created_ms));
            }
            Ok(html! {
                section #linked {
                    h2 { (t(lang, Msg::LinkedCards)) }
                    ul #cards { @for c in &cards {
                        li { a href={ "/access/r/credentials/" (c.id) } { code { (c.number) } } " " (i18n::coded(i18n::CREDENTIAL_STATES, c.state.as_str()).map_or(c.state.as_str(), |m| t(lang, m))) " · "
                            (local_time(c.valid_from_ms)) " – " (local_time(c.valid_until_ms)) }
                    } }
                    h2 { (t(lang, Msg::LinkedPermits)) }
                    ul #permits { @for pm in &permits {
                        li { a href={ "/access/r/permits/" (pm.id) } { (pm.purpose) } " · "
                            (local_time(pm.valid_from_ms)) " – " (local_time(pm.valid_until_ms)) }
                    } }
                    h2 { (t(lang, Msg::RecentPassages)) }
                    (decisions(lang, &passages))
                    p { a href={ "/access/feed?person=" (person) } { (t(lang, Msg::NavFeed)) " →" } }
                    @if p.can(Permission::AlertsRead) {
                        h2 { (t(lang, Msg::AlertsAbout)) }
                        @if alerts.is_empty() { p.muted { (t(lang, Msg::NoAlerts)) } }
                        ul #person-alerts { @for a in &alerts {
                            li { (local_time(a.created_ms)) " " a href={ "/alerts/" (a.id) } { (crate::alerts::title(lang, a.message.as_ref(), &a.title)) } }
                        } }
                    }
                }
            })
        }
        "gates" => {
            let Ok(gate) = id.parse::<GateId>() else {
                return Ok(html! {});
            };
            let recent = feed_entries(state, scope, &query(None, Some(gate))).await?;
            Ok(html! {
                section #linked {
                    h2 { (t(lang, Msg::RecentDecisions)) }
                    (decisions(lang, &recent))
                    p { a href={ "/access/feed?gate=" (gate) } { (t(lang, Msg::NavFeed)) " →" } }
                }
            })
        }
        _ => Ok(html! {}),
    }
}
