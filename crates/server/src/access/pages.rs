//! The console's access-control pages. For the PFSO: every register kind listed with search,
//! created and edited through one form renderer driven by field specifications (references as
//! selects, validity as local date-times, enums as labelled choices), and each facility's ISPS
//! security level with its reason. For the operator: the live feed of gate decisions, who is
//! on site now, and each facility's muster list (CSV one click away).

use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_access::model::{
    Ban, Credential, Facility, Gate, Permit, Person, SecurityLevel, Vehicle, Visit, Zone,
};
use hamnvakt_access::schedule::stockholm;
use hamnvakt_core::ids::FacilityId;
use hamnvakt_identity::Permission;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::api::{feed_entries, level_view, occupants, FeedQuery};
use super::register::Record;
use super::scope::Scope;
use super::AccessState;
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::error::ApiError;
use crate::web::extract::UiQuery;
use crate::web::i18n::{self, Lang, Msg};
use crate::web::layout::{current_path, layout, local_time, t, Page, UiError, UiLang};

/// The register kinds the console edits, in menu order.
pub const KINDS: [(&str, Msg); 9] = [
    ("facilities", Msg::KFacilities),
    ("zones", Msg::KZones),
    ("gates", Msg::KGates),
    ("people", Msg::KPeople),
    ("credentials", Msg::KCredentials),
    ("vehicles", Msg::KVehicles),
    ("permits", Msg::KPermits),
    ("visits", Msg::KVisits),
    ("bans", Msg::KBans),
];

/// The name of one record of a kind, for its page's title.
fn singular_msg(kind: &str) -> Msg {
    match kind {
        "facilities" => Msg::K1Facility,
        "zones" => Msg::K1Zone,
        "gates" => Msg::K1Gate,
        "people" => Msg::K1Person,
        "credentials" => Msg::K1Credential,
        "vehicles" => Msg::K1Vehicle,
        "permits" => Msg::K1Permit,
        "visits" => Msg::K1Visit,
        "bans" => Msg::K1Ban,
        _ => Msg::AccessTitle,
    }
}

fn kind_msg(kind: &str) -> Msg {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, m)| *m)
        .unwrap_or(Msg::AccessTitle)
}

fn page<'a>(lang: Lang, p: &'a Principal, path: &'a str, title: &'a str) -> Page<'a> {
    Page {
        lang,
        principal: Some(p),
        path,
        title,
        nav: Some(Msg::NavAccess),
    }
}

fn subnav(lang: Lang, p: &Principal) -> Markup {
    html! {
        nav.subnav {
            a href="/access" { (t(lang, Msg::Facilities)) }
            a href="/access/feed" { (t(lang, Msg::NavFeed)) }
            a href="/access/onsite" { (t(lang, Msg::NavOnSite)) }
            @for (k, m) in KINDS.iter().skip(1) { a href={ "/access/r/" (k) } { (t(lang, *m)) } }
            @if p.can(Permission::AccessRead) { a href="/access/policies" { (t(lang, Msg::Policies)) } }
        }
    }
}

/// The facilities with their level, open gates and muster links; the PFSO sets levels here.
pub async fn overview(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let facilities: Vec<Facility> = Facility::all(&state.access.lock().index)
        .into_iter()
        .cloned()
        .collect();
    let scope = Scope::of(&state, &p).await?;
    let counts: HashMap<FacilityId, usize> = occupants(&state, scope, None)
        .await?
        .into_iter()
        .fold(HashMap::new(), |mut m, o| {
            *m.entry(o.facility).or_default() += 1;
            m
        });
    let path = current_path(&uri);
    let body = html! {
        h1 { (t(lang, Msg::AccessTitle)) }
        (subnav(lang, &p))
        table #facilities {
            thead { tr { th { (t(lang, Msg::F_name)) } th { (t(lang, Msg::F_isps_number)) } th { (t(lang, Msg::SecurityLevel)) }
                th { (t(lang, Msg::OpenGates)) } th { (t(lang, Msg::NavOnSite)) } th { (t(lang, Msg::Actions)) } } }
            tbody { @for f in facilities {
                @let v = level_view(&state, f.clone());
                tr data-facility=(f.id) {
                    td { a href={ "/access/r/facilities/" (f.id) } { (f.name) } }
                    td { code { (f.isps_number) } }
                    td { span class={ "level level-" (f.security_level.get()) } { (f.security_level.get()) } }
                    td { (v.open_gates) " / " (v.total_gates) }
                    td { a href={ "/access/muster/" (f.id) } { (counts.get(&f.id).copied().unwrap_or(0)) " " (t(lang, Msg::Inside)) } }
                    td {
                        @if p.can(Permission::SecurityLevelSet) {
                            form.inline.set-level method="post" action={ "/access/level/" (f.id) } {
                                input type="hidden" name="csrf" value=(p.csrf());
                                select name="level" aria-label=(t(lang, Msg::SecurityLevel)) {
                                    @for l in 1..=3u8 { option value=(l) selected[l == f.security_level.get()] { (l) } }
                                }
                                input name="reason" required placeholder=(t(lang, Msg::Reason)) maxlength="500";
                                button type="submit" { (t(lang, Msg::SetLevel)) }
                            }
                        }
                    }
                }
            } }
        }
    };
    Ok(layout(
        &page(lang, &p, &path, t(lang, Msg::AccessTitle)),
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LevelForm {
    level: u8,
    reason: String,
}

pub async fn set_level(
    State(state): State<AccessState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<LevelForm>,
) -> Response {
    let result = async {
        Scope::require_port_staff(&state, &p, Permission::SecurityLevelSet).await?;
        let id: FacilityId = id
            .parse()
            .map_err(|_| ApiError::NotFound("facility".into()))?;
        let level = SecurityLevel::try_from(f.level).map_err(|e| ApiError::field("level", e))?;
        state
            .access
            .set_level(&state, &p.actor(), id, level, &f.reason)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/access").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

/// How one field of a record is edited.
#[derive(Debug, Clone)]
enum Spec {
    Text,
    Number,
    Bool,
    /// Epoch milliseconds, shown as a local date-time.
    Time,
    Choice(&'static [(&'static str, Msg)]),
    Level,
    /// A reference to another kind (`people`), or an organisation (`orgs`).
    Ref(&'static str, bool),
    RefMany(&'static str),
    Hidden,
}

const SENSITIVITY: &[(&str, Msg)] = &[
    ("normal", Msg::V_normal),
    ("restricted", Msg::V_restricted),
    ("sensitive", Msg::V_sensitive),
];
const APB: &[(&str, Msg)] = &[
    ("off", Msg::V_off),
    ("soft", Msg::V_soft),
    ("hard", Msg::V_hard),
];
const GATE_KIND: &[(&str, Msg)] = &[
    ("pedestrian", Msg::V_pedestrian),
    ("vehicle", Msg::V_vehicle),
];
const PERSON_KIND: &[(&str, Msg)] = &[
    ("staff", Msg::V_staff),
    ("contractor", Msg::V_contractor),
    ("driver", Msg::V_driver),
    ("visitor", Msg::V_visitor),
];

/// The console's word for a register field's coded value (`active`, `pedestrian`, `soft` …),
/// when the field is one of choices and the value one of them.
pub(super) fn choice_word(kind: &str, key: &str, value: &str) -> Option<Msg> {
    match spec(kind, key).0 {
        Spec::Choice(choices) => i18n::coded(choices, value),
        _ => None,
    }
}

fn spec(kind: &str, key: &str) -> (Spec, Msg) {
    use Spec::*;
    let (s, m) = match (kind, key) {
        (_, "id") | (_, "issued_by_user") | ("facilities", "site_id") => (Hidden, Msg::F_name),
        ("facilities", "security_level") => (Level, Msg::F_security_level),
        ("vehicles", "org_id") => (Ref("orgs", true), Msg::F_org_id),
        (_, "org_id") => (Ref("orgs", false), Msg::F_org_id),
        (_, "issued_by_org") => (Ref("orgs", false), Msg::F_issued_by_org),
        (_, "facility_id") => (Ref("facilities", false), Msg::F_facility_id),
        (_, "parent") => (Ref("zones", true), Msg::F_parent),
        (_, "outer_zone") => (Ref("zones", true), Msg::F_outer_zone),
        (_, "inner_zone") => (Ref("zones", false), Msg::F_inner_zone),
        (_, "zones") => (RefMany("zones"), Msg::F_zones),
        (_, "holder") => (Ref("people", false), Msg::F_holder),
        ("visits", "visitor") => (Ref("people", false), Msg::F_visitor),
        (_, "host") => (Ref("people", false), Msg::F_host),
        ("bans", "person") => (Ref("people", true), Msg::F_person),
        (_, "vehicle") => (Ref("vehicles", true), Msg::F_vehicle),
        (_, "sensitivity") => (Choice(SENSITIVITY), Msg::F_sensitivity),
        (_, "anti_passback") => (Choice(APB), Msg::F_anti_passback),
        ("gates", "kind") => (Choice(GATE_KIND), Msg::F_kind),
        ("people", "kind") => (Choice(PERSON_KIND), Msg::F_kind),
        (_, "state") => (Choice(i18n::CREDENTIAL_STATES), Msg::F_state),
        (_, "valid_from_ms") => (Time, Msg::F_valid_from_ms),
        (_, "valid_until_ms") => (Time, Msg::F_valid_until_ms),
        (_, "lat") => (Number, Msg::F_lat),
        (_, "lon") => (Number, Msg::F_lon),
        (_, "two_person") => (Bool, Msg::F_two_person),
        (_, "closed_at_level2") => (Bool, Msg::F_closed_at_level2),
        (_, "responder") => (Bool, Msg::F_responder),
        (_, "generic") => (Bool, Msg::F_generic),
        (_, "escort_required") => (Bool, Msg::F_escort_required),
        (_, "visitor") => (Bool, Msg::F_visitor),
        (_, "suspended") => (Bool, Msg::F_suspended),
        (_, "name") => (Text, Msg::F_name),
        (_, "isps_number") => (Text, Msg::F_isps_number),
        (_, "code") => (Text, Msg::F_code),
        (_, "number") => (Text, Msg::F_number),
        (_, "plate") => (Text, Msg::F_plate),
        (_, "country") => (Text, Msg::F_country),
        (_, "purpose") => (Text, Msg::F_purpose),
        (_, "schedule") => (Text, Msg::F_schedule),
        (_, "reason") => (Text, Msg::F_reason),
        _ => (Text, Msg::F_name),
    };
    (s, m)
}

/// A new record of a kind, with sensible defaults, as JSON.
fn template(state: &AccessState, kind: &str, org: String, now_ms: i64) -> Value {
    let year = now_ms + 365 * 86_400_000;
    let first = |k: &str| -> Value {
        let inner = state.access.lock();
        let ix = &inner.index;
        let id = match k {
            "facilities" => ix.facilities.keys().next().map(|x| x.to_string()),
            "zones" => ix.zones.keys().next().map(|x| x.to_string()),
            "people" => ix.people.keys().next().map(|x| x.to_string()),
            _ => None,
        };
        id.map(Value::String).unwrap_or(Value::Null)
    };
    let nil = "00000000-0000-4000-8000-000000000000";
    match kind {
        "facilities" => {
            serde_json::json!({"id": nil, "site_id": nil, "name": "", "isps_number": "", "security_level": 1, "org_id": org})
        }
        "zones" => {
            serde_json::json!({"id": nil, "facility_id": first("facilities"), "parent": null, "code": "", "name": "", "sensitivity": "restricted", "two_person": false, "anti_passback": "off"})
        }
        "gates" => {
            serde_json::json!({"id": nil, "facility_id": first("facilities"), "code": "", "name": "", "kind": "pedestrian", "outer_zone": null, "inner_zone": first("zones"), "closed_at_level2": false, "lat": 59.35, "lon": 18.11})
        }
        "people" => {
            serde_json::json!({"id": nil, "org_id": org, "name": "", "kind": "contractor", "responder": false})
        }
        "credentials" => {
            serde_json::json!({"id": nil, "number": "", "holder": first("people"), "generic": false, "state": "active", "valid_from_ms": now_ms, "valid_until_ms": year})
        }
        "vehicles" => serde_json::json!({"id": nil, "plate": "", "country": "SE", "org_id": null}),
        "permits" => {
            serde_json::json!({"id": nil, "holder": first("people"), "purpose": "", "zones": [], "valid_from_ms": now_ms, "valid_until_ms": year, "schedule": "Mon-Fri 06:00-18:00", "issued_by_org": org, "issued_by_user": null, "escort_required": false, "visitor": false, "vehicle": null, "suspended": false})
        }
        "visits" => {
            serde_json::json!({"id": nil, "visitor": first("people"), "host": first("people"), "purpose": "", "valid_from_ms": now_ms, "valid_until_ms": now_ms + 86_400_000})
        }
        _ => {
            serde_json::json!({"id": nil, "person": null, "plate": null, "reason": "", "valid_from_ms": now_ms, "valid_until_ms": null})
        }
    }
}

fn to_local_input(ms: i64) -> String {
    hamnvakt_core::clock::from_millis(ms)
        .to_zoned(stockholm().clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

fn from_local_input(s: &str) -> Option<i64> {
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    dt.to_zoned(stockholm().clone())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Options for reference fields: (id, label).
/// The choices of a reference field, as far as the reader's scope goes.
async fn options(
    state: &AccessState,
    scope: Scope,
    kind: &str,
) -> Result<Vec<(String, String)>, UiError> {
    if kind == "orgs" {
        return Ok(state
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect());
    }
    let inner = state.access.lock();
    let ix = &inner.index;
    let mut v: Vec<(String, String)> = match kind {
        "facilities" => ix
            .facilities
            .values()
            .map(|f| (f.id.to_string(), f.name.clone()))
            .collect(),
        "zones" => ix
            .zones
            .values()
            .map(|z| (z.id.to_string(), format!("{} — {}", z.code, z.name)))
            .collect(),
        "people" => ix
            .people
            .values()
            .filter(|p| scope.record(ix, *p))
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        "vehicles" => ix
            .vehicles
            .values()
            .filter(|x| scope.record(ix, *x))
            .map(|x| (x.id.to_string(), x.plate.clone()))
            .collect(),
        _ => Vec::new(),
    };
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

async fn form(
    state: &AccessState,
    lang: Lang,
    p: &Principal,
    kind: &str,
    record: &Value,
    action: &str,
    errors: &[(String, String)],
) -> Result<Markup, UiError> {
    let scope = Scope::of(state, p).await?;
    let Some(obj) = record.as_object() else {
        return Err(UiError(ApiError::Internal(
            "record is not an object".into(),
        )));
    };
    let mut refs: HashMap<&str, Vec<(String, String)>> = HashMap::new();
    for key in obj.keys() {
        if let (Spec::Ref(k, _) | Spec::RefMany(k), _) = spec(kind, key) {
            if !refs.contains_key(k) {
                refs.insert(k, options(state, scope, k).await?);
            }
        }
    }
    Ok(html! {
        @if !errors.is_empty() {
            div.banner.bad role="alert" { (t(lang, Msg::FixErrors)) ul { @for (f, r) in errors { li { code { (f) } ": " (r) } } } }
        }
        form.record method="post" action=(action) {
            input type="hidden" name="csrf" value=(p.csrf());
            @for (key, value) in obj {
                @let (s, label) = spec(kind, key);
                @match s {
                    Spec::Hidden => {},
                    Spec::Level => label { (t(lang, label)) input type="number" name=(key) value=(value) readonly; },
                    Spec::Bool => label.check { input type="checkbox" name=(key) checked[value.as_bool() == Some(true)]; (t(lang, label)) },
                    Spec::Number => label { (t(lang, label)) input type="number" step="any" name=(key) value=(value); },
                    Spec::Time => label { (t(lang, label))
                        input type="datetime-local" name=(key) value=(value.as_i64().map(to_local_input).unwrap_or_default());
                    },
                    Spec::Choice(choices) => label { (t(lang, label))
                        select name=(key) { @for (v, m) in choices { option value=(v) selected[value.as_str() == Some(*v)] { (t(lang, *m)) } } }
                    },
                    Spec::Ref(k, optional) => label { (t(lang, label))
                        select name=(key) {
                            @if optional { option value="" { (t(lang, Msg::None_)) } }
                            @for (id, name) in refs.get(k).into_iter().flatten() { option value=(id) selected[value.as_str() == Some(id.as_str())] { (name) } }
                        }
                    },
                    Spec::RefMany(k) => label { (t(lang, label))
                        select name=(key) multiple size="6" {
                            @for (id, name) in refs.get(k).into_iter().flatten() {
                                option value=(id) selected[value.as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(id.as_str())))] { (name) }
                            }
                        }
                    },
                    Spec::Text => label { (t(lang, label)) input name=(key) value=(value.as_str().unwrap_or_default()); },
                }
            }
            button type="submit" { (t(lang, Msg::Save)) }
        }
    })
}

/// Rebuilds a record's JSON from a form post, using the template's shape.
fn from_form(kind: &str, template: &Value, pairs: &[(String, String)]) -> Value {
    let mut out = serde_json::Map::new();
    let Some(obj) = template.as_object() else {
        return Value::Null;
    };
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
    for (key, old) in obj {
        let (s, _) = spec(kind, key);
        let v = match s {
            Spec::Hidden | Spec::Level => old.clone(),
            Spec::Bool => Value::Bool(get(key).is_some()),
            Spec::Number => get(key)
                .and_then(|v| v.parse::<f64>().ok())
                .map(|n| serde_json::json!(n))
                .unwrap_or(Value::Null),
            Spec::Time => match get(key).filter(|v| !v.is_empty()) {
                Some(v) => from_local_input(v)
                    .map(|ms| serde_json::json!(ms))
                    .unwrap_or(Value::String(v.to_owned())),
                None => Value::Null,
            },
            Spec::Ref(_, _) => get(key)
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_owned()))
                .unwrap_or(Value::Null),
            Spec::RefMany(_) => Value::Array(
                pairs
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, v)| Value::String(v.clone()))
                    .collect(),
            ),
            Spec::Choice(_) | Spec::Text => match (get(key), old) {
                (Some(v), _) if !v.is_empty() => Value::String(v.to_owned()),
                (_, Value::Null) => Value::Null,
                (v, _) => Value::String(v.unwrap_or_default().to_owned()),
            },
        };
        out.insert(key.clone(), v);
    }
    Value::Object(out)
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    /// A column to sort by, `-` first for descending.
    sort: Option<String>,
    /// From 1.
    page: Option<usize>,
}

/// Calls `f::<T>(args)` for the register kind named `kind` (with `.await` when given), or
/// answers not found: the one place that maps kind names to types.
macro_rules! dispatch {
    ($kind:expr, $f:ident ( $($arg:expr),* ) $(. $await:ident)?) => {
        match $kind {
            "facilities" => $f::<Facility>($($arg),*)$(.$await)?,
            "zones" => $f::<Zone>($($arg),*)$(.$await)?,
            "gates" => $f::<Gate>($($arg),*)$(.$await)?,
            "people" => $f::<Person>($($arg),*)$(.$await)?,
            "credentials" => $f::<Credential>($($arg),*)$(.$await)?,
            "vehicles" => $f::<Vehicle>($($arg),*)$(.$await)?,
            "permits" => $f::<Permit>($($arg),*)$(.$await)?,
            "visits" => $f::<Visit>($($arg),*)$(.$await)?,
            "bans" => $f::<Ban>($($arg),*)$(.$await)?,
            other => Err(ApiError::NotFound(format!("register {other}"))),
        }
    };
}

/// The page of rows of a kind the reader may see, and how many match.
fn rows<R: Record>(
    state: &AccessState,
    scope: Scope,
    orgs: &HashMap<hamnvakt_core::ids::OrgId, String>,
    lang: Lang,
    kind: &str,
    view: &super::register_list::View,
) -> Result<(Vec<super::register_list::Row>, usize), ApiError> {
    let inner = state.access.lock();
    let names = super::register_list::Names {
        ix: &inner.index,
        orgs,
        lang,
        now_ms: state.now_ms(),
    };
    Ok(super::register_list::rows::<R>(&names, scope, kind, view))
}

fn record_json<R: Record>(state: &AccessState, scope: Scope, id: &str) -> Result<Value, ApiError> {
    let inner = state.access.lock();
    let r = R::find(&inner.index, id)
        .filter(|r| scope.record(&inner.index, r))
        .ok_or_else(|| ApiError::NotFound(format!("{} {id}", R::KIND)))?;
    serde_json::to_value(r).map_err(|e| ApiError::Internal(e.to_string()))
}

pub async fn list(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(kind): Path<String>,
    UiQuery(q): UiQuery<ListQuery>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let query = q.q.clone().unwrap_or_default();
    let scope = Scope::of(&state, &p).await?;
    state.access.refresh_if_stale(&state.store).await?;
    let orgs: HashMap<hamnvakt_core::ids::OrgId, String> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let view = super::register_list::View {
        q: query.clone(),
        sort: q.sort.clone().filter(|s| s.len() <= 40),
        page: q.page.unwrap_or(1).max(1),
    };
    let (found, total) = dispatch!(
        kind.as_str(),
        rows(&state, scope, &orgs, lang, &kind, &view)
    )?;
    let path = current_path(&uri);
    let title = t(lang, kind_msg(&kind));
    let body = html! {
        h1 { (title) }
        (subnav(lang, &p))
        form.filters method="get" action={ "/access/r/" (kind) } {
            label { (t(lang, Msg::Search)) input name="q" value=(query) autofocus; }
            button type="submit" { (t(lang, Msg::Search)) }
            @if p.can(Permission::AccessManage) { a.button href={ "/access/r/" (kind) "/new" } { (t(lang, Msg::New)) } }
        }
        (super::register_list::table(lang, &kind, &view, &found, total))
    };
    Ok(layout(&page(lang, &p, &path, title), body))
}

pub async fn edit(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let record = if id == "new" {
        Scope::require_port_staff(&state, &p, Permission::AccessManage).await?;
        template(&state, &kind, p.org().to_string(), state.now_ms())
    } else {
        let scope = Scope::of(&state, &p).await?;
        state.access.refresh_if_stale(&state.store).await?;
        dispatch!(kind.as_str(), record_json(&state, scope, &id))?
    };
    let path = current_path(&uri);
    let title = t(lang, singular_msg(&kind));
    let action = format!("/access/r/{kind}/{id}");
    let f = form(&state, lang, &p, &kind, &record, &action, &[]).await?;
    let linked = if id == "new" {
        html! {}
    } else {
        super::record_links::linked(&state, &p, lang, &kind, &id).await?
    };
    let body = html! { h1 { (title) } (subnav(lang, &p)) (f) (linked) };
    Ok(layout(&page(lang, &p, &path, title), body))
}

async fn save_json<R: Record>(
    state: &AccessState,
    p: &Principal,
    id: &str,
    json: Value,
) -> Result<String, ApiError> {
    let created = id == "new";
    let id = if created {
        uuid::Uuid::new_v4().to_string()
    } else {
        id.to_owned()
    };
    let mut json = json;
    if let Some(o) = json.as_object_mut() {
        o.insert("id".into(), Value::String(id.clone()));
    }
    let record: R = serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        ApiError::field(&path, e.into_inner().to_string())
    })?;
    state
        .access
        .save(state, &p.actor(), record, created)
        .await?;
    Ok(id)
}

pub async fn save(
    State(state): State<AccessState>,
    UiLang(lang): UiLang,
    Path((kind, id)): Path<(String, String)>,
    UiForm(p, pairs): UiForm<Vec<(String, String)>>,
) -> Response {
    let result = async {
        Scope::require_port_staff(&state, &p, Permission::AccessManage).await?;
        let template = if id == "new" {
            template(&state, &kind, p.org().to_string(), state.now_ms())
        } else {
            // A manager of the register is the port's staff and sees all of it.
            dispatch!(kind.as_str(), record_json(&state, Scope::Whole, &id))?
        };
        let json = from_form(&kind, &template, &pairs);
        match dispatch!(
            kind.as_str(),
            save_json(&state, &p, &id, json.clone()).await
        ) {
            Ok(saved) => Ok(Ok(saved)),
            Err(ApiError::InvalidFields(errors)) => Ok(Err((
                json,
                errors
                    .into_iter()
                    .map(|e| (e.field, e.reason))
                    .collect::<Vec<_>>(),
            ))),
            Err(ApiError::Conflict(m)) => Ok(Err((json, vec![("".to_owned(), m)]))),
            Err(e) => Err(e),
        }
    }
    .await;
    match result {
        Ok(Ok(saved)) => Redirect::to(&format!("/access/r/{kind}/{saved}")).into_response(),
        Ok(Err((json, errors))) => {
            let action = format!("/access/r/{kind}/{id}");
            match form(&state, lang, &p, &kind, &json, &action, &errors).await {
                Ok(f) => {
                    let title = t(lang, kind_msg(&kind));
                    let body = html! { h1 { (title) } (subnav(lang, &p)) (f) };
                    (
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        layout(&page(lang, &p, &action, title), body),
                    )
                        .into_response()
                }
                Err(e) => e.into_response(),
            }
        }
        Err(e) => UiError(e).into_response(),
    }
}

pub(super) fn outcome_badge(lang: Lang, o: &str) -> Markup {
    let m = match o {
        "grant" => Msg::Grant,
        "deny" => Msg::Deny,
        _ => Msg::Refer,
    };
    html! { span class={ "outcome outcome-" (o) } { (t(lang, m)) } }
}

/// The decision feed's filters, as the console's form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct FeedFilter {
    person: Option<String>,
    gate: Option<String>,
    outcome: Option<String>,
    /// A local date and time (`2026-11-28T22:00`), Stockholm time.
    since: Option<String>,
}

pub async fn feed(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    UiQuery(f): UiQuery<FeedFilter>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let nonempty = |o: &Option<String>| o.clone().filter(|s| !s.is_empty());
    let person = nonempty(&f.person)
        .map(|s| {
            s.parse()
                .map_err(|_| ApiError::field("person", "not a person id"))
        })
        .transpose()?;
    let gate = nonempty(&f.gate)
        .map(|s| {
            s.parse()
                .map_err(|_| ApiError::field("gate", "not a gate id"))
        })
        .transpose()?;
    let outcome = nonempty(&f.outcome)
        .map(|s| {
            serde_json::from_value(Value::String(s))
                .map_err(|_| ApiError::field("outcome", "grant, deny or refer"))
        })
        .transpose()?;
    let since = nonempty(&f.since)
        .map(|s| {
            from_local_input(&s)
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string())
                .ok_or_else(|| ApiError::field("since", "a local date and time, 2026-11-28T22:00"))
        })
        .transpose()?;
    let filtered = person.is_some() || gate.is_some() || outcome.is_some() || since.is_some();
    let q = FeedQuery {
        facility: None,
        person,
        gate,
        outcome,
        since,
        before: None,
        limit: Some(200),
    };
    let scope = Scope::of(&state, &p).await?;
    let mut entries = feed_entries(&state, scope, &q).await?;
    // Newest event first, whatever order they were committed in.
    entries.sort_by(|a, b| b.at.cmp(&a.at));
    let (gates, person_name) = {
        let inner = state.access.lock();
        let mut gates: Vec<(String, String)> = inner
            .index
            .gates
            .values()
            .map(|g| (g.id.to_string(), g.code.clone()))
            .collect();
        gates.sort_by(|a, b| a.1.cmp(&b.1));
        let name = person.and_then(|x| inner.index.people.get(&x).map(|p| p.name.clone()));
        (gates, name)
    };
    let selected_gate = nonempty(&f.gate).unwrap_or_default();
    let selected_outcome = nonempty(&f.outcome).unwrap_or_default();
    let path = current_path(&uri);
    let labels = serde_json::json!({
        "outcome": {"grant": t(lang, Msg::Grant), "deny": t(lang, Msg::Deny), "refer": t(lang, Msg::Refer)},
        "direction": {"in": t(lang, Msg::DirIn), "out": t(lang, Msg::DirOut)},
        "reasons": crate::web::i18n::REASON_CODES.iter().filter_map(|c| crate::web::i18n::reason(c).map(|m| (c.to_string(), Value::String(t(lang, m).to_owned())))).collect::<serde_json::Map<_, _>>(),
    });
    let body = html! {
        @if !filtered { noscript { meta http-equiv="refresh" content="10"; } }
        h1 { (t(lang, Msg::NavFeed)) }
        (subnav(lang, &p))
        form.filters #feed-filter method="get" action="/access/feed" {
            @if let Some(x) = person { input type="hidden" name="person" value=(x); label { (t(lang, Msg::Person)) " " strong { (person_name.clone().unwrap_or_default()) } " " a href="/access/feed" { "×" } } }
            label { (t(lang, Msg::Gate)) select name="gate" {
                option value="" { (t(lang, Msg::AnyGate)) }
                @for (gid, code) in &gates { option value=(gid) selected[*gid == selected_gate] { (code) } }
            } }
            label { (t(lang, Msg::Outcome)) select name="outcome" {
                option value="" { (t(lang, Msg::AnyOutcome)) }
                @for (o, m) in [("grant", Msg::Grant), ("deny", Msg::Deny), ("refer", Msg::Refer)] { option value=(o) selected[o == selected_outcome] { (t(lang, m)) } }
            } }
            label { (t(lang, Msg::Since)) input type="datetime-local" name="since" value=(nonempty(&f.since).unwrap_or_default()); }
            button type="submit" { (t(lang, Msg::Filter)) }
        }
        @if filtered { p.muted { (t(lang, Msg::FilteredNoLive)) } } @else { p.muted { (t(lang, Msg::AutoRefresh)) } }
        @if entries.is_empty() { p.empty #feed-empty { (t(lang, Msg::NoDecisions)) } }
        table #decision-feed data-labels=(labels.to_string()) data-filtered=[filtered.then_some("1")] {
            thead { tr { th { (t(lang, Msg::Time)) } th { (t(lang, Msg::Gate)) } th { (t(lang, Msg::Direction)) } th { (t(lang, Msg::Person)) }
                th { (t(lang, Msg::F_number)) } th { (t(lang, Msg::F_plate)) } th { (t(lang, Msg::Outcome)) } th { (t(lang, Msg::Reason)) } } }
            tbody { @for e in &entries {
                tr data-outcome=(e.outcome) {
                    td { time { (e.at.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_default()) } }
                    td { code { (e.gate_code.clone().unwrap_or_default()) } }
                    td { (t(lang, if e.direction == "in" { Msg::DirIn } else { Msg::DirOut })) }
                    td { (e.person_name.clone().unwrap_or_default()) }
                    td { code { (e.credential.clone().unwrap_or_default()) } }
                    td { code { (e.plate.clone().unwrap_or_default()) } }
                    td { (outcome_badge(lang, &e.outcome)) }
                    td { @for r in &e.reasons {
                        small title=(r.text) { (crate::web::i18n::reason(&r.code).map(|m| t(lang, m)).unwrap_or(r.code.as_str())) } br;
                    } }
                }
            } }
        }
        script src="/static/feed.js" defer {}
    };
    Ok(layout(&page(lang, &p, &path, t(lang, Msg::NavFeed)), body))
}

pub async fn onsite(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let scope = Scope::of(&state, &p).await?;
    let list = occupants(&state, scope, None).await?;
    let facilities: HashMap<FacilityId, String> = Facility::all(&state.access.lock().index)
        .into_iter()
        .map(|f| (f.id, f.name.clone()))
        .collect();
    let path = current_path(&uri);
    let mut per: Vec<(FacilityId, usize)> = list
        .iter()
        .fold(HashMap::new(), |mut m: HashMap<FacilityId, usize>, o| {
            *m.entry(o.facility).or_default() += 1;
            m
        })
        .into_iter()
        .collect();
    per.sort_by_key(|(f, _)| facilities.get(f).cloned());
    let body = html! {
        h1 { (t(lang, Msg::NavOnSite)) }
        (subnav(lang, &p))
        @if per.is_empty() { p.empty { (t(lang, Msg::NoOneInside)) } }
        ul.onsite { @for (f, n) in &per {
            li { a href={ "/access/muster/" (f) } { strong { (facilities.get(f).cloned().unwrap_or_default()) } } " — " (n) " " (t(lang, Msg::Inside)) }
        } }
    };
    Ok(layout(
        &page(lang, &p, &path, t(lang, Msg::NavOnSite)),
        body,
    ))
}

pub async fn muster(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let fid: FacilityId = id
        .parse()
        .map_err(|_| ApiError::NotFound("facility".into()))?;
    let name = state
        .access
        .lock()
        .index
        .facilities
        .get(&fid)
        .map(|f| f.name.clone())
        .ok_or_else(|| ApiError::NotFound("facility".into()))?;
    let scope = Scope::of(&state, &p).await?;
    let list = occupants(&state, scope, Some(fid)).await?;
    let path = current_path(&uri);
    let title = format!("{} — {}", t(lang, Msg::Muster), name);
    let body = html! {
        div.pagehead { h1 { (title) } a.button href={ "/api/v1/access/facilities/" (fid) "/muster?format=csv" } download={ "muster-" (fid) ".csv" } { (t(lang, Msg::DownloadCsv)) } }
        (subnav(lang, &p))
        p.count { strong #muster-count { (list.len()) } " " (t(lang, Msg::Inside)) }
        table #muster {
            thead { tr { th { (t(lang, Msg::F_name)) } th { (t(lang, Msg::Organisation)) } th { (t(lang, Msg::Zone)) } th { (t(lang, Msg::Gate)) } th { (t(lang, Msg::Since)) } } }
            tbody { @for o in &list {
                tr { td { (o.name) } td { (o.organisation) } td { (o.zone_name) } td { code { (o.gate_code) } }
                    td { time { (o.since.parse::<jiff::Timestamp>().map(|t| local_time(t.as_millisecond())).unwrap_or_default()) } } }
            } }
        }
    };
    Ok(layout(&page(lang, &p, &path, &title), body))
}

pub async fn policies(
    State(state): State<AccessState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AccessRead)?;
    let current = state.access.lock().policies.clone();
    let path = current_path(&uri);
    let body = html! {
        h1 { (t(lang, Msg::Policies)) " · " (t(lang, Msg::PolicyVersion)) " " (current.version) }
        (subnav(lang, &p))
        pre.policy #policy-text { (current.text) }
        @if p.can(Permission::AccessManage) {
            h2 { (t(lang, Msg::EditPolicy)) }
            form.policy method="post" action="/access/policies" {
                input type="hidden" name="csrf" value=(p.csrf());
                textarea name="text" rows="24" spellcheck="false" { (current.text) }
                label { (t(lang, Msg::Comment)) input name="comment" required maxlength="500"; }
                button type="submit" { (t(lang, Msg::Save)) }
            }
        }
    };
    Ok(layout(&page(lang, &p, &path, t(lang, Msg::Policies)), body))
}

#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    text: String,
    comment: String,
}

pub async fn save_policies(
    State(state): State<AccessState>,
    UiForm(p, f): UiForm<PolicyForm>,
) -> Response {
    let result = async {
        Scope::require_port_staff(&state, &p, Permission::AccessManage).await?;
        state
            .access
            .set_policy(&state, &p.actor(), &f.text, &f.comment)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/access/policies").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
