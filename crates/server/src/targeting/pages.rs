//! The targeting officer's console: the day's worklist ranked by risk with its reasons, lanes
//! and a capacity bar per lane; running the selection; a consignment's page to re-route it or
//! record what its inspection found; the risk profiles with their hit rates and precision; and
//! a chart of weekly precision beside the random checks'.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_identity::Permission;
use hamnvakt_targeting::profile::Lane;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{layout, t, Page, UiError, UiLang};
use crate::web::state::AppState;

pub(super) fn page<'a>(lang: Lang, p: &'a Principal, path: &'a str, title: &'a str) -> Page<'a> {
    Page {
        lang,
        principal: Some(p),
        path,
        title,
        nav: Some(Msg::NavTargeting),
    }
}

/// Today as targeting counts days (UTC, as declarations are dated).
fn today(state: &AppState) -> String {
    hamnvakt_core::clock::from_millis(state.now_ms())
        .strftime("%Y-%m-%d")
        .to_string()
}

pub(super) fn lane_msg(l: &str) -> Msg {
    match l {
        "red" => Msg::LaneRed,
        "yellow" => Msg::LaneYellow,
        "blue" => Msg::LaneBlue,
        _ => Msg::LaneGreen,
    }
}

/// A lane's name in a word of the reader's language (the cell's title says what it means).
fn lane_word(lang: Lang, l: &str) -> &str {
    match (lang, l) {
        (Lang::Sv, "red") => "röd",
        (Lang::Sv, "yellow") => "gul",
        (Lang::Sv, "blue") => "blå",
        (Lang::Sv, "green") => "grön",
        _ => l,
    }
}

pub(super) fn subnav(lang: Lang) -> Markup {
    html! { nav.subnav { a href="/targeting" { (t(lang, Msg::Worklist)) } a href="/targeting/profiles" { (t(lang, Msg::Profiles)) }
    a href="/targeting/model" { (match lang { Lang::Sv => "Riskmodell", Lang::En => "Risk model" }) } } }
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    date: Option<String>,
    /// Only consignments in this lane (`red`, `yellow`, `blue`, `green`, or `none` for those
    /// not selected yet).
    lane: Option<String>,
    /// Set after a selection run: how many consignments it placed.
    placed: Option<usize>,
}

pub async fn worklist(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    crate::web::extract::UiQuery(q): crate::web::extract::UiQuery<DayQuery>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::CargoRead)?;
    let date = q.date.clone().unwrap_or_else(|| today(&state));
    let day = hamnvakt_targeting::mapping::days(&date)
        .filter(|_| date.len() == 10)
        .ok_or_else(|| ApiError::field("date", "must be YYYY-MM-DD"))?;
    let (scored, lanes) = super::service::worklist(&state, day).await?;
    let used = |lane: &str| lanes.values().filter(|s| s.lane == lane).count();
    let cap = &state.config.targeting;
    let weeks = weekly(&state, day).await?;
    let path = format!("/targeting?date={date}");
    let lane_filter = q
        .lane
        .as_deref()
        .filter(|l| ["red", "yellow", "blue", "green", "none"].contains(l));
    let shown: Vec<&super::service::Scored> = scored
        .iter()
        .filter(|s| match lane_filter {
            None => true,
            Some("none") => !lanes.contains_key(&s.consignment.declaration_id),
            Some(l) => lanes
                .get(&s.consignment.declaration_id)
                .is_some_and(|x| x.lane == l),
        })
        .collect();
    let body = html! {
        h1 { (t(lang, Msg::Worklist)) " " (date) }
        (subnav(lang))
        @if let Some(n) = q.placed {
            p.notice #selection-result role="status" {
                (t(lang, Msg::SelectionPlaced)) ": " strong { (n) } " — "
                @for (lane, _) in [("red", ()), ("yellow", ())] { (t(lang, lane_msg(lane))) " " (used(lane)) ". " }
            }
        }
        form.inline #worklist-filter method="get" action="/targeting" {
            label { (t(lang, Msg::Day)) " " input type="date" name="date" value=(date); }
            label { (t(lang, Msg::Lane)) " " select #lane-filter name="lane" {
                option value="" selected[lane_filter.is_none()] { (t(lang, Msg::AllLanes)) }
                @for l in ["red", "yellow", "blue", "green"] {
                    option value=(l) selected[lane_filter == Some(l)] { (t(lang, lane_msg(l))) }
                }
                option value="none" selected[lane_filter == Some("none")] { (t(lang, Msg::NotSelected)) }
            } }
            button type="submit" { (t(lang, Msg::Show)) }
        }
        p.muted { (shown.len()) " / " (scored.len()) }
        div.capacity {
            @for (lane, capacity) in [("red", cap.red_capacity), ("yellow", cap.yellow_capacity)] {
                @let u = used(lane);
                div class={ "bar lane-" (lane) } data-lane=(lane) {
                    span { (t(lang, lane_msg(lane))) ": " (u) " / " (capacity) " " (t(lang, Msg::Used)) }
                    meter min="0" max=(capacity) value=(u) {}
                }
            }
        }
        @if p.can(Permission::CargoSelect) {
            form.inline method="post" action="/targeting/select" {
                input type="hidden" name="csrf" value=(p.csrf());
                input type="hidden" name="date" value=(date);
                button #run-selection type="submit" { (t(lang, Msg::RunSelection)) }
            }
        }
        table #worklist {
            thead { tr { th { "#" } th { (t(lang, Msg::Consignment)) } th { "HS" } th { (t(lang, Msg::Risk)) } th { (t(lang, Msg::Reasons)) } th { (t(lang, Msg::Lane)) } } }
            tbody { @for (i, s) in shown.iter().take(500).enumerate() {
                @let c = &s.consignment;
                @let sel = lanes.get(&c.declaration_id);
                tr data-id=(c.declaration_id) data-lane=[sel.map(|x| x.lane.as_str())] {
                    td { (i + 1) }
                    td {
                        a href={ "/targeting/c/" (c.declaration_id) } { code { (c.declaration_id) } }
                        br; small { (c.container.clone().or(c.roro_unit.clone()).unwrap_or_default()) " · "
                            (c.importer.name.clone().or(c.importer.eori.clone()).unwrap_or_default()) " · "
                            (c.origin_country.clone().unwrap_or_default()) " · " (c.route_ports.join("→")) }
                    }
                    td { code { (c.hs_code) } }
                    td.nowrap { (format!("{:.0} %", s.risk * 100.0)) }
                    td.reasons {
                        @for h in &s.hits {
                            div.hit { strong { (h["name"].as_str().unwrap_or("")) } ": "
                                (super::words::hit_reasons(lang, h)) }
                        }
                        @if let Some(m) = &s.model {
                            div.model { (t(lang, Msg::ModelSays)) " " (super::model_page::pct(lang, m["probability"].as_f64().unwrap_or(0.0))) ": "
                                (super::words::model_reasons(lang, m)) }
                        }
                    }
                    td { @match sel {
                        Some(x) => { span class={ "lane lane-" (x.lane) } title=(t(lang, lane_msg(&x.lane))) { (lane_word(lang, &x.lane)) } " " small { (super::words::why(lang, &x.why)) } }
                        None => { small.muted { (t(lang, Msg::NotSelected)) } }
                    } }
                }
            } }
        }
        h2 { (t(lang, Msg::WeeklyPrecision)) }
        (chart(lang, &weeks))
    };
    Ok(layout(&page(lang, &p, &path, t(lang, Msg::Worklist)), body))
}

async fn weekly(
    state: &AppState,
    day: i64,
) -> Result<Vec<hamnvakt_targeting::report::Week>, ApiError> {
    let rows = state.store.selections_with_outcomes(day - 7 * 12).await?;
    let decisions: Vec<_> = rows
        .into_iter()
        .filter(|r| r.0 <= day)
        .map(
            |(d, lane, why, risk, result)| hamnvakt_targeting::report::Decision {
                day: d,
                why,
                checked: matches!(lane.as_str(), "red" | "yellow"),
                risk,
                positive: result
                    .as_deref()
                    .and_then(hamnvakt_targeting::outcome::Result::parse)
                    .map(|r| r.positive()),
            },
        )
        .collect();
    let mut w = hamnvakt_targeting::report::weekly(&decisions);
    let keep = w.len().saturating_sub(8);
    Ok(w.split_off(keep))
}

/// Weekly precision as paired bars, drawn as SVG on the server (no script needed).
fn chart(lang: Lang, weeks: &[hamnvakt_targeting::report::Week]) -> Markup {
    let (w, h, pad) = (640.0, 200.0, 30.0);
    let n = weeks.len().max(1) as f64;
    let slot = (w - pad) / n;
    let bar = |x: f64, v: Option<f64>, class: &str| -> String {
        match v {
            Some(v) => {
                let bh = (h - pad) * v.clamp(0.0, 1.0);
                format!(
                    r#"<rect class="{class}" x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}"><title>{:.0} %</title></rect>"#,
                    h - pad - bh,
                    slot * 0.35,
                    v * 100.0
                )
            }
            None => String::new(),
        }
    };
    let mut svg = format!(
        r#"<svg id="precision-chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        t(lang, Msg::WeeklyPrecision)
    );
    for (i, wk) in weeks.iter().enumerate() {
        let x = pad + slot * i as f64;
        svg.push_str(&bar(x, wk.precision, "targeted"));
        svg.push_str(&bar(x + slot * 0.38, wk.baseline_precision, "random"));
        let monday = hamnvakt_core::clock::from_millis(wk.monday * 86_400_000)
            .strftime("%m-%d")
            .to_string();
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}">{monday}</text>"#,
            x,
            h - 10.0
        ));
    }
    svg.push_str(&format!(
        r#"<line x1="{pad}" y1="{:.1}" x2="{w}" y2="{:.1}" class="axis"/></svg>"#,
        h - pad,
        h - pad
    ));
    html! {
        figure.chart {
            (PreEscaped(svg))
            figcaption { span.key.targeted {} " " (t(lang, Msg::Targeted)) "  " span.key.random {} " " (t(lang, Msg::RandomChecks)) }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SelectForm {
    date: String,
}

pub async fn select(State(state): State<AppState>, UiForm(p, f): UiForm<SelectForm>) -> Response {
    let result = async {
        p.require(Permission::CargoSelect)?;
        let day = hamnvakt_targeting::mapping::days(&f.date)
            .ok_or_else(|| ApiError::field("date", "must be YYYY-MM-DD"))?;
        super::service::run_selection(&state, &p.actor(), day).await
    }
    .await;
    match result {
        Ok(placed) => Redirect::to(&format!(
            "/targeting?date={}&placed={}",
            f.date,
            placed.len()
        ))
        .into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct RerouteForm {
    lane: Lane,
    reason: String,
}

pub async fn reroute(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RerouteForm>,
) -> Response {
    let result = async {
        p.require(Permission::CargoSelect)?;
        super::service::reroute(&state, &p.actor(), &id, f.lane, &f.reason).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/targeting/c/{id}")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct OutcomeForm {
    result: hamnvakt_targeting::outcome::Result,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    note: String,
}

pub async fn outcome(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<OutcomeForm>,
) -> Response {
    let result = async {
        p.require(Permission::CargoWrite)?;
        let some = |s: &str| Some(s.trim().to_owned()).filter(|x| !x.is_empty());
        let quantity = match some(&f.quantity) {
            Some(q) => Some(
                q.replace(',', ".")
                    .parse::<f64>()
                    .map_err(|_| ApiError::field("quantity", "must be a number"))?,
            ),
            None => None,
        };
        let o = hamnvakt_targeting::outcome::Outcome {
            result: f.result,
            goods: some(&f.goods),
            quantity,
            unit: some(&f.unit),
            note: f.note.trim().to_owned(),
        };
        super::service::record_outcome(&state, &p.actor(), &id, &o).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/targeting/c/{id}")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn profiles(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    p.require(Permission::CargoRead)?;
    let rows = state.store.latest_profiles().await?;
    let list: Vec<(
        hamnvakt_store::ProfileRow,
        hamnvakt_targeting::profile::Profile,
    )> = rows
        .into_iter()
        .filter_map(|r| serde_json::from_str(&r.data).ok().map(|x| (r, x)))
        .collect();
    let profiles: Vec<_> = list.iter().map(|(_, x)| x.clone()).collect();
    let (checked, records) = super::service::profile_hits(&state, &profiles).await?;
    let example = serde_json::json!({"name": "…", "owner": "…", "lane": "red", "weight": 0.5,
        "conditions": [{"kind": "hs_prefix", "prefixes": ["0803"]}, {"kind": "route_via", "ports": ["ECGYE"]}]});
    let body = html! {
        h1 { (t(lang, Msg::Profiles)) }
        (subnav(lang))
        table #profiles {
            thead { tr { th { (t(lang, Msg::F_name)) } th { (t(lang, Msg::Lane)) } th { "v" } th { (t(lang, Msg::Hits)) } th { (t(lang, Msg::Inspected)) } th { (t(lang, Msg::Precision)) } } }
            tbody { @for ((row, prof), r) in list.iter().zip(records.iter()) {
                tr data-id=(row.id) {
                    td { strong { (prof.name) } br; small { (prof.owner) } }
                    @let lane = format!("{:?}", prof.lane).to_lowercase();
                    td { span class={ "lane lane-" (lane) } title=(t(lang, lane_msg(&lane))) { (lane_word(lang, &lane)) } " " (prof.weight) }
                    td { (row.version) }
                    td.hits { (r.hits) " / " (checked) }
                    td { (r.inspected) }
                    td.precision { @if r.inspected > 0 { (format!("{:.0} %", 100.0 * r.positive as f64 / r.inspected as f64)) } @else { "–" } }
                }
                @if p.can(Permission::ProfilesManage) {
                    tr.edit { td colspan="6" {
                        details {
                            summary { (t(lang, Msg::SaveProfile)) " v" (row.version + 1) }
                            form.policy.edit-profile method="post" action={ "/targeting/profiles/" (row.id) } {
                                input type="hidden" name="csrf" value=(p.csrf());
                                textarea name="json" rows="10" required { (serde_json::to_string_pretty(prof).unwrap_or_default()) }
                                button type="submit" { (t(lang, Msg::SaveProfile)) }
                            }
                        }
                    } }
                }
            } }
        }
        @if p.can(Permission::ProfilesManage) {
            form.policy #new-profile method="post" action="/targeting/profiles" {
                input type="hidden" name="csrf" value=(p.csrf());
                label { (t(lang, Msg::NewProfile)) textarea name="json" rows="8" required { (serde_json::to_string_pretty(&example).unwrap_or_default()) } }
                button type="submit" { (t(lang, Msg::SaveProfile)) }
            }
        }
    };
    Ok(layout(
        &page(lang, &p, "/targeting/profiles", t(lang, Msg::Profiles)),
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    json: String,
}

pub async fn create_profile(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<ProfileForm>,
) -> Response {
    save_profile(state, p, None, f).await
}

/// A new version of a profile (disabling one is a version with `"enabled": false`).
pub async fn update_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<ProfileForm>,
) -> Response {
    save_profile(state, p, Some(id), f).await
}

async fn save_profile(
    state: AppState,
    p: Principal,
    id: Option<String>,
    f: ProfileForm,
) -> Response {
    let result = async {
        p.require(Permission::ProfilesManage)?;
        let prof: hamnvakt_targeting::profile::Profile = serde_json::from_str(&f.json)
            .map_err(|e| ApiError::field("json", format!("not a profile: {e}")))?;
        super::service::save_profile(&state, &p.actor(), id.as_deref(), &prof).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/targeting/profiles").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
