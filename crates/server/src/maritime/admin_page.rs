//! `/admin/ais`, for the installation's administrators: the AIS sources this instance runs and
//! their state (connected, standing by while another instance of the cluster leads, last
//! message, rate over the last minute, last error), the ingest's totals, and
//! `GET /api/v1/ais/sources`, the same as JSON for monitoring.

use axum::extract::State;
use axum::response::Html;
use axum::Json;
use hamnvakt_identity::Permission;
use maud::html;

use super::sources::{SourceState, SourceStatus};
use super::MaritimeState;
use crate::identity::admin_tabs;
use crate::web::auth::{Principal, UiUser};
use crate::web::error::{ApiError, Problem};
use crate::web::i18n::Msg;
use crate::web::layout::{layout, local_time, t, Page, UiError, UiLang};

fn require(p: &Principal) -> Result<(), ApiError> {
    if p.can(Permission::OrganisationsManage) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the AIS sources are for the installation's administrators".into(),
        ))
    }
}

fn state_word(s: SourceState) -> Msg {
    match s {
        SourceState::Connecting => Msg::AisStConnecting,
        SourceState::Connected => Msg::AisStConnected,
        SourceState::Listening => Msg::AisStListening,
        SourceState::Disconnected => Msg::AisStDisconnected,
        SourceState::Standby => Msg::AisStStandby,
        SourceState::Replaying => Msg::AisStReplaying,
        SourceState::Finished => Msg::AisStFinished,
    }
}

fn class(s: SourceState) -> &'static str {
    match s {
        SourceState::Connecting => "state-connecting",
        SourceState::Connected => "state-connected",
        SourceState::Listening => "state-listening",
        SourceState::Disconnected => "state-disconnected",
        SourceState::Standby => "state-standby",
        SourceState::Replaying => "state-replaying",
        SourceState::Finished => "state-finished",
    }
}

fn time(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| local_time(t.as_millisecond()))
        .unwrap_or_default()
}

/// Every AIS source this instance runs, with its state now.
#[utoipa::path(get, path = "/ais/sources", tag = "vessels",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<SourceStatus>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn sources_api(
    State(state): State<MaritimeState>,
    p: Principal,
) -> Result<Json<Vec<SourceStatus>>, ApiError> {
    require(&p)?;
    Ok(Json(state.ais.sources.statuses(state.now_ms())))
}

pub async fn page(
    State(state): State<MaritimeState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    require(&p)?;
    let sources = state.ais.sources.statuses(state.now_ms());
    let c = &state.ais.counters;
    let vessels = state.ais.picture().len();
    let leader = |l: Option<bool>| match l {
        Some(true) => t(lang, Msg::AisThisInstance),
        Some(false) => t(lang, Msg::AisOtherInstance),
        None => t(lang, Msg::AisNotClustered),
    };
    let body = html! {
        h1 { (t(lang, Msg::NavAdmin)) }
        (admin_tabs(lang, "/admin/ais", &p))
        h2 { (t(lang, Msg::AdminTabAis)) }
        p.muted { (t(lang, Msg::AisHelp)) }
        @if sources.is_empty() {
            p.empty #no-sources { (t(lang, Msg::AisNone)) }
        } @else {
            table #ais-sources {
                thead { tr {
                    th { (t(lang, Msg::AisSource)) } th { (t(lang, Msg::AisKind)) } th { (t(lang, Msg::AisState)) }
                    th { (t(lang, Msg::AisSince)) } th { (t(lang, Msg::AisLeader)) } th.num { (t(lang, Msg::AisMessages)) }
                    th.num { (t(lang, Msg::AisLastMinute)) } th { (t(lang, Msg::AisLastMessage)) } th.num { (t(lang, Msg::AisConnections)) }
                    th { (t(lang, Msg::AisLastError)) }
                } }
                tbody { @for s in &sources {
                    tr data-source=(s.name) data-state=(serde_json::to_value(s.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()) {
                        td { code { (s.name) } }
                        td { (s.kind) }
                        td { span class=(class(s.state)) { (t(lang, state_word(s.state))) } }
                        td { (time(&s.state_since)) }
                        td { (leader(s.leader)) }
                        td.num { (s.messages) }
                        td.num { (s.last_minute) }
                        td { (s.last_message.as_deref().map(time).unwrap_or_default()) }
                        td.num { @if s.kind == "tcp_listen" { (s.connections) } }
                        td { @if let Some(e) = &s.last_error { span.error { (e) } } }
                    }
                } }
            }
        }
        h2 { (t(lang, Msg::AisTotals)) }
        table #ais-totals {
            tbody {
                tr { th { (t(lang, Msg::AisLines)) } td.num { (c.lines.get()) } }
                tr { th { (t(lang, Msg::AisMessages)) } td.num { (c.messages.get()) } }
                tr { th { (t(lang, Msg::AisMalformed)) } td.num { (c.malformed.get()) } }
                tr { th { (t(lang, Msg::AisDuplicates)) } td.num { (c.duplicates.get()) } }
                tr { th { (t(lang, Msg::AisDropped)) } td.num { (c.dropped.get()) } }
                tr { th { (t(lang, Msg::AisVessels)) } td.num { (vessels) } }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: "/admin/ais",
            title: t(lang, Msg::AdminTabAis),
            nav: Some(Msg::NavAdmin),
        },
        body,
    ))
}
