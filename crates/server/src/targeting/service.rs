//! Consignments in: validated, de-duplicated by declaration id (the last one wins), stored in
//! one transaction with an audit event that says how many came from where.

use hamnvakt_store::ConsignmentRow;
use hamnvakt_targeting::consignment::Consignment;
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{AppState, Observation};

/// A stored consignment by declaration id, or a 404.
pub async fn consignment(
    state: &AppState,
    id: &str,
) -> Result<hamnvakt_store::ConsignmentRow, ApiError> {
    state
        .store
        .consignment(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("consignment {id}")))
}

/// Stores consignments that passed validation; returns how many were stored.
pub async fn store_consignments(
    state: &AppState,
    actor: &Actor,
    consignments: &[Consignment],
    source: &str,
) -> Result<usize, ApiError> {
    if consignments.is_empty() {
        return Ok(0);
    }
    let mut last: std::collections::BTreeMap<&str, &Consignment> = Default::default();
    for c in consignments {
        last.insert(c.declaration_id.as_str(), c);
    }
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "consignments.imported",
            None,
            json!({"source": source, "count": last.len(),
                   "first": last.keys().next(), "last": last.keys().next_back()}),
        )
        .await?;
    let at = change.at_ms();
    let rows: Vec<ConsignmentRow> = last
        .values()
        .map(|c| {
            Ok(ConsignmentRow {
                declaration_id: c.declaration_id.clone(),
                day: c
                    .date
                    .as_deref()
                    .and_then(hamnvakt_targeting::mapping::days),
                hs_code: c.hs_code.clone(),
                importer: c.importer.id.clone().or_else(|| c.importer.eori.clone()),
                container: c.container.clone(),
                origin_country: c.origin_country.clone(),
                data: serde_json::to_string(c)
                    .map_err(|e| ApiError::Internal(format!("encoding a consignment: {e}")))?,
                source: source.to_owned(),
                updated_ms: at,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    change.tx().upsert_consignments(&rows).await?;
    change.commit().await?;
    for c in last.values() {
        state.observe(observation(c, actor, at));
    }
    Ok(rows.len())
}

/// What a consignment shows that an indicator may watch: its container or ro-ro unit, its
/// parties by name and EORI, its tariff code and the ports on its route.
fn observation(c: &Consignment, actor: &Actor, at_ms: i64) -> Observation {
    use hamnvakt_core::alert::{SubjectKind, SubjectRef};
    use hamnvakt_sharing::{IndicatorKind as K, Observed};
    let mut values: Vec<Observed> = Vec::new();
    let mut add = |k: K, v: Option<&str>| {
        if let Some(o) = v.and_then(|v| Observed::of(k, v)) {
            values.push(o);
        }
    };
    add(K::ContainerNumber, c.container.as_deref());
    add(K::TruckPlate, c.roro_unit.as_deref());
    add(K::HsCode, Some(&c.hs_code));
    for p in [&c.importer, &c.declarant, &c.seller, &c.carrier] {
        add(K::Eori, p.eori.as_deref());
        add(K::CompanyName, p.name.as_deref());
    }
    for port in &c.route_ports {
        add(K::RouteVia, Some(port));
    }
    let mut subjects: Vec<SubjectRef> =
        SubjectRef::typed(SubjectKind::Consignment, &c.declaration_id, None)
            .into_iter()
            .collect();
    if let Some(container) = &c.container {
        subjects.extend(SubjectRef::typed(SubjectKind::Container, container, None));
    }
    Observation {
        what: format!(
            "consignment {}",
            c.declaration_id.chars().take(100).collect::<String>()
        ),
        subject: format!("consignment:{}", c.declaration_id),
        subjects,
        org: actor.org,
        at_ms,
        values,
    }
}

/// Saves a profile as a new version (1 for a new profile), audited.
pub async fn save_profile(
    state: &AppState,
    actor: &Actor,
    id: Option<&str>,
    profile: &hamnvakt_targeting::profile::Profile,
) -> Result<hamnvakt_store::ProfileRow, ApiError> {
    ApiError::check_fields(profile.validate())?;
    hamnvakt_core::validate::name("name", &profile.name, 200)
        .map_err(|e| ApiError::InvalidFields(vec![e]))?;
    let (id, version) = match id {
        Some(id) => {
            let versions = state.store.profile_versions(id).await?;
            let last = versions
                .last()
                .ok_or_else(|| ApiError::NotFound(format!("risk profile {id}")))?;
            (id.to_owned(), last.version + 1)
        }
        None => (crate::web::state::new_id::<()>().to_string(), 1),
    };
    let mut change = Change::begin(state, actor).await?;
    let data = serde_json::to_string(profile)
        .map_err(|e| ApiError::Internal(format!("encoding a profile: {e}")))?;
    change
        .record(
            if version == 1 {
                "profile.created"
            } else {
                "profile.changed"
            },
            Some(&format!("profile:{id}")),
            json!({"version": version, "profile": profile}),
        )
        .await?;
    let row = hamnvakt_store::ProfileRow {
        id,
        version,
        data,
        author: actor.id.clone(),
        created_ms: change.at_ms(),
    };
    change.tx().insert_profile_version(&row).await?;
    change.commit().await?;
    Ok(row)
}

/// How often each profile hits the stored consignments: each consignment is judged against
/// the ones before it (by date, then id), so "first-time importer" means first in the store;
/// value-per-kg norms come from them all.
/// A profile's record on the stored consignments.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileRecord {
    pub hits: usize,
    /// Hits with a recorded outcome…
    pub inspected: usize,
    /// …of which irregular or seized.
    pub positive: usize,
}

pub async fn profile_hits(
    state: &AppState,
    profiles: &[hamnvakt_targeting::profile::Profile],
) -> Result<(usize, Vec<ProfileRecord>), ApiError> {
    let outcomes: std::collections::HashMap<String, bool> = state
        .store
        .outcome_results()
        .await?
        .into_iter()
        .map(|(id, r)| {
            let positive =
                hamnvakt_targeting::outcome::Result::parse(&r).is_some_and(|r| r.positive());
            (id, positive)
        })
        .collect();
    use hamnvakt_targeting::profile::Context;
    let mut all = all_consignments(state).await?;
    all.sort_by(|a, b| (a.0, &a.1.declaration_id).cmp(&(b.0, &b.1.declaration_id)));
    let mut ctx = Context::learn(all.iter().map(|(_, c)| c));
    ctx.known_importers.clear();
    let mut hits = vec![ProfileRecord::default(); profiles.len()];
    for (_, c) in &all {
        for (h, p) in hits.iter_mut().zip(profiles) {
            if p.hits(c, &ctx).is_some() {
                h.hits += 1;
                if let Some(&positive) = outcomes.get(&c.declaration_id) {
                    h.inspected += 1;
                    h.positive += usize::from(positive);
                }
            }
        }
        if let Some(i) = c
            .importer
            .eori
            .as_ref()
            .or(c.importer.id.as_ref())
            .or(c.importer.name.as_ref())
        {
            ctx.known_importers.insert(i.clone());
        }
    }
    Ok((all.len(), hits))
}

/// Records what an inspection of a consignment found, audited before it is stored.
pub async fn record_outcome(
    state: &AppState,
    actor: &Actor,
    declaration_id: &str,
    outcome: &hamnvakt_targeting::outcome::Outcome,
) -> Result<hamnvakt_store::OutcomeRow, ApiError> {
    ApiError::check_fields(outcome.validate())?;
    consignment(state, declaration_id).await?;
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "inspection.outcome_recorded",
            Some(&format!("consignment:{declaration_id}")),
            json!(outcome),
        )
        .await?;
    let row = hamnvakt_store::OutcomeRow {
        declaration_id: declaration_id.to_owned(),
        result: outcome.result.as_str().to_owned(),
        data: serde_json::to_string(outcome)
            .map_err(|e| ApiError::Internal(format!("encoding an outcome: {e}")))?,
        recorded_by: actor.id.clone(),
        recorded_ms: change.at_ms(),
    };
    change.tx().upsert_outcome(&row).await?;
    change.commit().await?;
    Ok(row)
}

/// One consignment's place in the day's worklist.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scored {
    pub consignment: Consignment,
    pub risk: f64,
    /// Each profile hit: its name, weight, lane and reasons.
    pub hits: Vec<serde_json::Value>,
    pub lane: Option<hamnvakt_targeting::profile::Lane>,
    /// The latest learned model's probability and the features that pushed it most.
    pub model: Option<serde_json::Value>,
}

/// The day's worklist: its consignments riskiest first, and the lanes already decided.
pub async fn worklist(
    state: &AppState,
    day: i64,
) -> Result<
    (
        Vec<Scored>,
        std::collections::HashMap<String, hamnvakt_store::SelectionRow>,
    ),
    ApiError,
> {
    let mut scored = score_day(state, day).await?;
    scored.sort_by(|a, b| {
        b.risk.total_cmp(&a.risk).then_with(|| {
            a.consignment
                .declaration_id
                .cmp(&b.consignment.declaration_id)
        })
    });
    let lanes = state
        .store
        .selections_of_day(day)
        .await?
        .into_iter()
        .map(|s| (s.declaration_id.clone(), s))
        .collect();
    Ok((scored, lanes))
}

/// Scores one consignment of `day` (context: every consignment before that day).
pub async fn score_one(state: &AppState, id: &str, day: i64) -> Result<Option<Scored>, ApiError> {
    Ok(score(state, day, Some(id)).await?.into_iter().next())
}

/// Scores a day's consignments with the current profiles (context: every earlier
/// consignment).
pub async fn score_day(state: &AppState, day: i64) -> Result<Vec<Scored>, ApiError> {
    score(state, day, None).await
}

async fn score(state: &AppState, day: i64, only: Option<&str>) -> Result<Vec<Scored>, ApiError> {
    use hamnvakt_targeting::profile::{Context, Profile};
    let profiles: Vec<(String, Profile)> = state
        .store
        .latest_profiles()
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_str(&r.data).ok().map(|p| (r.id, p)))
        .collect();
    let mut earlier = Vec::new();
    let mut today = Vec::new();
    for (d, c) in all_consignments(state).await? {
        match d {
            Some(d) if d == day && only.is_none_or(|o| o == c.declaration_id) => today.push(c),
            Some(d) if d < day => earlier.push(c),
            _ => {}
        }
    }
    let ctx = Context::learn(&earlier);
    let model = match state.store.latest_model().await? {
        Some(m) => Some((
            m.version,
            serde_json::from_str::<hamnvakt_targeting::TrainedModel>(&m.data)
                .map_err(|e| ApiError::Internal(format!("stored model {}: {e}", m.version)))?,
        )),
        None => None,
    };
    let settings = &state.config.targeting;
    Ok(today
        .into_iter()
        .map(|c| {
            let mut hits = Vec::new();
            let mut weights = Vec::new();
            let mut lane = None;
            for (id, p) in &profiles {
                if let Some(reasons) = p.hits(&c, &ctx) {
                    weights.push(p.weight);
                    lane = Some(lane.map_or(p.lane, |l: hamnvakt_targeting::profile::Lane| l.min(p.lane)));
                    hits.push(json!({"profile": id, "name": p.name, "weight": p.weight, "lane": p.lane, "reasons": reasons}));
                }
            }
            let mut model_view = None;
            if let Some((version, m)) = &model {
                let record = c.record(None);
                let p = m.scores(std::slice::from_ref(&record)).first().copied().unwrap_or(0.0);
                let reasons: Vec<serde_json::Value> = m
                    .reasons(&record, 3)
                    .into_iter()
                    .map(|(f, w)| json!({"feature": f, "log_odds": w}))
                    .collect();
                weights.push(p);
                let wanted = if p >= settings.model_red_threshold {
                    Some(hamnvakt_targeting::profile::Lane::Red)
                } else if p >= settings.model_yellow_threshold {
                    Some(hamnvakt_targeting::profile::Lane::Yellow)
                } else {
                    None
                };
                if let Some(w) = wanted {
                    lane = Some(lane.map_or(w, |l: hamnvakt_targeting::profile::Lane| l.min(w)));
                }
                model_view = Some(json!({"version": version, "probability": p, "reasons": reasons}));
            }
            Scored {
                risk: hamnvakt_targeting::select::combine(weights),
                consignment: c,
                hits,
                lane,
                model: model_view,
            }
        })
        .collect())
}

fn lane_str(l: hamnvakt_targeting::profile::Lane) -> &'static str {
    use hamnvakt_targeting::profile::Lane;
    match l {
        Lane::Red => "red",
        Lane::Yellow => "yellow",
        Lane::Blue => "blue",
        Lane::Green => "green",
    }
}

fn why_str(w: hamnvakt_targeting::select::Why) -> &'static str {
    use hamnvakt_targeting::select::Why;
    match w {
        Why::Risk => "risk",
        Why::Random => "random",
        Why::Exploration => "exploration",
        Why::Released => "released",
        Why::Rerouted => "rerouted",
    }
}

/// Puts a day's consignments that have no lane yet into lanes, within what is left of the
/// day's capacities. Every red or yellow selection is its own audit event, written in the same
/// transaction as the lanes; the released ones are counted in one event.
pub async fn run_selection(
    state: &AppState,
    actor: &Actor,
    day: i64,
) -> Result<Vec<hamnvakt_store::SelectionRow>, ApiError> {
    use hamnvakt_targeting::select::{select, Candidate, SelectionSettings};
    let scored = score_day(state, day).await?;
    let existing = state.store.selections_of_day(day).await?;
    let used = |lane: &str| existing.iter().filter(|s| s.lane == lane).count();
    let s = &state.config.targeting;
    let settings = SelectionSettings {
        red_capacity: s.red_capacity.saturating_sub(used("red")),
        yellow_capacity: s.yellow_capacity.saturating_sub(used("yellow")),
        ..s.clone()
    };
    let have: std::collections::HashSet<&str> =
        existing.iter().map(|s| s.declaration_id.as_str()).collect();
    let fresh: Vec<&Scored> = scored
        .iter()
        .filter(|x| !have.contains(x.consignment.declaration_id.as_str()))
        .collect();
    let candidates: Vec<Candidate> = fresh
        .iter()
        .map(|x| Candidate {
            id: x.consignment.declaration_id.clone(),
            risk: x.risk,
            lane: x.lane,
        })
        .collect();
    let picked = select(&settings, &candidates, day as u64 ^ existing.len() as u64);
    let hits: std::collections::HashMap<&str, &Vec<serde_json::Value>> = fresh
        .iter()
        .map(|x| (x.consignment.declaration_id.as_str(), &x.hits))
        .collect();
    let mut change = Change::begin(state, actor).await?;
    let at = change.at_ms();
    let mut rows = Vec::new();
    let mut released = 0;
    for p in &picked {
        let reasons = hits
            .get(p.id.as_str())
            .map(|h| json!(h))
            .unwrap_or(json!([]));
        let lane = lane_str(p.lane);
        if matches!(lane, "red" | "yellow") {
            change
                .record(
                    "selection.made",
                    Some(&format!("consignment:{}", p.id)),
                    json!({"lane": lane, "why": why_str(p.why), "risk": p.risk, "hits": reasons}),
                )
                .await?;
        } else {
            released += 1;
        }
        rows.push(hamnvakt_store::SelectionRow {
            declaration_id: p.id.clone(),
            day,
            lane: lane.to_owned(),
            why: why_str(p.why).to_owned(),
            risk: p.risk,
            reasons: reasons.to_string(),
            decided_by: actor.id.clone(),
            decided_ms: at,
        });
    }
    if released > 0 {
        change
            .record(
                "selection.released",
                None,
                json!({"day": day, "released": released}),
            )
            .await?;
    }
    change.tx().upsert_selections(&rows).await?;
    change.commit().await?;
    raise_high_risk(state, actor, &scored, &rows).await?;
    Ok(rows)
}

/// The share of a day's consignments, riskiest first, whose selection for inspection on risk
/// raises a `cargo.high_risk` alert.
pub const HIGH_RISK_TOP_PERCENT: f64 = 2.0;

/// The targeting detector: each consignment selected for the red lane on its risk that ranks
/// in the day's top [`HIGH_RISK_TOP_PERCENT`] raises `cargo.high_risk`, owned by the selecting
/// officer's organisation (customs), TLP:AMBER, named to the police and the port authority's
/// security centre (which must act on it at the gate and the stack), with the score, the rank
/// and the profiles' reasons.
async fn raise_high_risk(
    state: &AppState,
    actor: &Actor,
    scored: &[Scored],
    picked: &[hamnvakt_store::SelectionRow],
) -> Result<(), ApiError> {
    use hamnvakt_core::alert::{AlertDraft, Severity, SubjectKind, SubjectRef};
    use hamnvakt_core::org::OrgKind;
    let Some(owner) = actor.org else {
        return Ok(());
    };
    let mut ranked: Vec<&Scored> = scored.iter().collect();
    ranked.sort_by(|a, b| b.risk.total_cmp(&a.risk));
    let n = ranked.len().max(1) as f64;
    let orgs = state.store.list_orgs().await?;
    let shared_with: Vec<_> = orgs
        .iter()
        .filter(|o| matches!(o.kind, OrgKind::Police | OrgKind::PortAuthority) && o.id != owner)
        .map(|o| o.id)
        .collect();
    for row in picked.iter().filter(|r| r.lane == "red" && r.why == "risk") {
        let Some(pos) = ranked
            .iter()
            .position(|x| x.consignment.declaration_id == row.declaration_id)
        else {
            continue;
        };
        let rank_percent = (pos as f64 + 1.0) * 100.0 / n;
        if rank_percent > HIGH_RISK_TOP_PERCENT {
            continue;
        }
        let Some(x) = ranked.get(pos) else { continue };
        let c = &x.consignment;
        let mut subjects: Vec<SubjectRef> = Vec::new();
        if let Some(container) = &c.container {
            subjects.extend(SubjectRef::typed(SubjectKind::Container, container, None));
        }
        subjects.extend(SubjectRef::typed(
            SubjectKind::Consignment,
            &c.declaration_id,
            None,
        ));
        let reasons: Vec<String> = x
            .hits
            .iter()
            .filter_map(|h| h.get("name").and_then(|n| n.as_str()).map(str::to_owned))
            .collect();
        let title: String = format!(
            "{} in today's top {HIGH_RISK_TOP_PERCENT} % (risk {:.2}, rank {:.1} %)",
            c.container.as_deref().unwrap_or(&c.declaration_id),
            x.risk,
            rank_percent
        )
        .chars()
        .take(hamnvakt_core::alert::MAX_TITLE_CHARS)
        .collect();
        let draft = AlertDraft {
            kind: "cargo.high_risk".into(),
            severity: Severity::High,
            title,
            subjects,
            evidence: json!({
                "score": x.risk, "rank_percent": rank_percent, "lane": row.lane,
                "profiles": reasons, "hits": x.hits, "vessel_call": c.vessel_call,
                "origin": c.origin_country, "hs_code": c.hs_code,
            }),
            owner_org: owner,
            tlp: hamnvakt_core::Tlp::Amber,
            shared_with: shared_with.clone(),
        };
        crate::alerts::raise(
            state,
            &Actor::system("detector:targeting"),
            &draft,
            Some(row.decided_ms),
        )
        .await?;
    }
    Ok(())
}

/// Moves a consignment to another lane, with the officer's reason; audited first.
pub async fn reroute(
    state: &AppState,
    actor: &Actor,
    declaration_id: &str,
    lane: hamnvakt_targeting::profile::Lane,
    reason: &str,
) -> Result<hamnvakt_store::SelectionRow, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::field(
            "reason",
            "say why, in at most 1000 characters",
        ));
    }
    let c = consignment(state, declaration_id).await?;
    let day = c.day.ok_or_else(|| {
        ApiError::field(
            "declaration_id",
            "the consignment has no date to select it on",
        )
    })?;
    let before = state
        .store
        .selections_of_day(day)
        .await?
        .into_iter()
        .find(|s| s.declaration_id == declaration_id);
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "selection.rerouted",
            Some(&format!("consignment:{declaration_id}")),
            json!({"from": before.as_ref().map(|b| b.lane.clone()), "to": lane_str(lane), "reason": reason}),
        )
        .await?;
    let row = hamnvakt_store::SelectionRow {
        declaration_id: declaration_id.to_owned(),
        day,
        lane: lane_str(lane).to_owned(),
        why: "rerouted".into(),
        risk: before.as_ref().map_or(0.0, |b| b.risk),
        reasons: json!({"reason": reason, "before": before.as_ref().map(|b| &b.reasons)})
            .to_string(),
        decided_by: actor.id.clone(),
        decided_ms: change.at_ms(),
    };
    change
        .tx()
        .upsert_selections(std::slice::from_ref(&row))
        .await?;
    change.commit().await?;
    Ok(row)
}

/// Every stored consignment (at most half a million), parsed, with its day.
async fn all_consignments(state: &AppState) -> Result<Vec<(Option<i64>, Consignment)>, ApiError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = state
            .store
            .list_consignments(None, after.as_deref(), 1000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.declaration_id.clone());
        out.extend(page.iter().filter_map(|r| {
            serde_json::from_str::<Consignment>(&r.data)
                .ok()
                .map(|c| (r.day, c))
        }));
        if page.len() < 1000 || out.len() >= 500_000 {
            break;
        }
    }
    Ok(out)
}

/// The settings a model trained in the server uses: smaller than the command line's defaults
/// (tuned for KCS's 30,000 rows), because recorded outcomes are hundreds, not tens of
/// thousands; seeded, so the same outcomes give the same model.
pub fn outcome_training_options() -> hamnvakt_targeting::TrainOptions {
    hamnvakt_targeting::TrainOptions {
        params: hamnvakt_targeting::gbdt::Params {
            trees: 150,
            leaves: 15,
            learning_rate: 0.05,
            min_data_in_leaf: 3,
            ..Default::default()
        },
        refit_with_valid: true,
    }
}

/// Trains a model on every consignment with a recorded outcome (the latest fifth by date held
/// out to report on, then learnt from too), stores it as the next version, audited.
pub async fn train_model(
    state: &AppState,
    actor: &Actor,
) -> Result<hamnvakt_store::ModelRow, ApiError> {
    let outcomes: std::collections::HashMap<String, bool> = state
        .store
        .outcome_results()
        .await?
        .into_iter()
        .filter_map(|(id, r)| {
            hamnvakt_targeting::outcome::Result::parse(&r).map(|r| (id, r.positive()))
        })
        .collect();
    let mut labelled: Vec<hamnvakt_targeting::mapping::Record> = all_consignments(state)
        .await?
        .iter()
        .filter_map(|(_, c)| outcomes.get(&c.declaration_id).map(|&y| c.record(Some(y))))
        .collect();
    let positives = labelled.iter().filter(|r| r.label == Some(true)).count();
    if labelled.len() < 20 || positives < 2 || positives == labelled.len() {
        return Err(ApiError::Conflict(
            format!(
                "a model needs at least 20 recorded outcomes with both findings and clean inspections; there are {} ({positives} found something)",
                labelled.len()
            ),
        ));
    }
    labelled.sort_by(|a, b| (a.day, &a.id).cmp(&(b.day, &b.id)));
    let cut = labelled.len() * 4 / 5;
    let (train, valid) = labelled.split_at(cut);
    let mapping = hamnvakt_targeting::consignment::model_mapping();
    let options = outcome_training_options();
    let trained = tokio::task::block_in_place(|| {
        hamnvakt_targeting::TrainedModel::train(&mapping, train, Some(valid), &options)
    });
    let data = serde_json::to_string(&trained)
        .map_err(|e| ApiError::Internal(format!("encoding a model: {e}")))?;
    let summary = json!({"rows": labelled.len(), "positives": positives, "held_out": valid.len(),
                         "validation": trained.validation, "features": trained.feature_names});
    let mut change = Change::begin(state, actor).await?;
    let at = change.at_ms();
    change
        .record("model.trained", None, summary.clone())
        .await?;
    let version = change
        .tx()
        .insert_model(&data, &summary.to_string(), &actor.id, at)
        .await?;
    change.commit().await?;
    Ok(hamnvakt_store::ModelRow {
        version,
        data: String::new(),
        summary: summary.to_string(),
        author: actor.id.clone(),
        created_ms: at,
    })
}
