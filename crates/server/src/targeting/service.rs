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
    ensure_context(state).await?;
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
                importer_key: hamnvakt_targeting::profile::importer_key(c).map(str::to_owned),
                value_per_kg: hamnvakt_targeting::profile::value_per_kg(c),
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
    // Walked in date order: each consignment is judged on those before it, then learnt.
    let mut ctx = Context::default();
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
        ctx.observe(c);
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

/// Scores one stored consignment (context: the consignments dated before it).
pub async fn score_one(
    state: &AppState,
    row: &hamnvakt_store::ConsignmentRow,
) -> Result<Option<Scored>, ApiError> {
    let Some(day) = row.day else { return Ok(None) };
    let Ok(c) = serde_json::from_str::<Consignment>(&row.data) else {
        return Ok(None);
    };
    Ok(score(state, day, vec![c]).await?.into_iter().next())
}

/// Scores a day's consignments with the current profiles and model (context: the
/// consignments dated before that day).
pub async fn score_day(state: &AppState, day: i64) -> Result<Vec<Scored>, ApiError> {
    let mut today = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = state
            .store
            .list_consignments(Some(day), after.as_deref(), 5000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.declaration_id.clone());
        today.extend(
            page.iter()
                .filter_map(|r| serde_json::from_str::<Consignment>(&r.data).ok()),
        );
        if page.len() < 5000 {
            break;
        }
    }
    score(state, day, today).await
}

/// What the profiles and the model need to know about the consignments before `day`, for
/// `these`: their importers' earlier consignments and their headings' value-per-kg norms,
/// from the running counts as this process holds them in memory (one read of their version;
/// see `hamnvakt_store::Store::context_before`).
async fn context_for(
    state: &AppState,
    day: i64,
    these: &[Consignment],
) -> Result<hamnvakt_targeting::profile::Context, ApiError> {
    use hamnvakt_targeting::profile::{heading, importer_key, Context};
    ensure_context(state).await?;
    let mut importers: Vec<String> = these
        .iter()
        .filter_map(|c| importer_key(c).map(str::to_owned))
        .collect();
    importers.sort();
    importers.dedup();
    let mut headings: Vec<String> = these.iter().map(|c| heading(&c.hs_code)).collect();
    headings.sort();
    headings.dedup();
    let (seen, norms) = state
        .store
        .context_before(&importers, &headings, day)
        .await?;
    Ok(Context::from_counts(seen, norms))
}

/// Builds the context's running counts from the consignments stored before schema 22 kept
/// them, once (re-storing each consignment with its contribution; storing one again takes
/// its old contribution away first, so an interrupted build can simply run again).
async fn ensure_context(state: &AppState) -> Result<(), ApiError> {
    use std::sync::atomic::Ordering;
    if crate::targeting::runtime(state)
        .context_built
        .load(Ordering::Acquire)
    {
        return Ok(());
    }
    let rt = crate::targeting::runtime(state);
    let _one = rt.context_build.lock().await;
    if crate::targeting::runtime(state)
        .context_built
        .load(Ordering::Acquire)
    {
        return Ok(());
    }
    if !state.store.context_built().await? {
        let mut after: Option<String> = None;
        let mut rebuilt = 0usize;
        loop {
            let page = state
                .store
                .list_consignments(None, after.as_deref(), 2000)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.declaration_id.clone());
            let rows: Vec<hamnvakt_store::ConsignmentRow> = page
                .iter()
                .map(|r| {
                    let c = serde_json::from_str::<Consignment>(&r.data).ok();
                    hamnvakt_store::ConsignmentRow {
                        importer_key: c
                            .as_ref()
                            .and_then(hamnvakt_targeting::profile::importer_key)
                            .map(str::to_owned),
                        value_per_kg: c
                            .as_ref()
                            .and_then(hamnvakt_targeting::profile::value_per_kg),
                        ..r.clone()
                    }
                })
                .collect();
            let mut tx = state.store.begin().await?;
            tx.upsert_consignments(&rows).await?;
            tx.commit().await?;
            rebuilt += rows.len();
            if page.len() < 2000 {
                break;
            }
        }
        let mut tx = state.store.begin().await?;
        tx.mark_context_built().await?;
        tx.commit().await?;
        if rebuilt > 0 {
            tracing::info!(consignments = rebuilt, "targeting context counts built");
        }
    }
    crate::targeting::runtime(state)
        .context_built
        .store(true, Ordering::Release);
    Ok(())
}

/// The latest model, parsed once per version.
async fn latest_model(
    state: &AppState,
) -> Result<Option<(i64, std::sync::Arc<hamnvakt_targeting::TrainedModel>)>, ApiError> {
    let Some(version) = state.store.latest_model_version().await? else {
        return Ok(None);
    };
    let rt = crate::targeting::runtime(state);
    if let Some((v, m)) = rt.model.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        if *v == version {
            return Ok(Some((*v, m.clone())));
        }
    }
    let Some(row) = state.store.latest_model().await? else {
        return Ok(None);
    };
    let m = std::sync::Arc::new(
        serde_json::from_str::<hamnvakt_targeting::TrainedModel>(&row.data)
            .map_err(|e| ApiError::Internal(format!("stored model {}: {e}", row.version)))?,
    );
    *rt.model.lock().unwrap_or_else(|p| p.into_inner()) = Some((row.version, m.clone()));
    Ok(Some((row.version, m)))
}

async fn score(
    state: &AppState,
    day: i64,
    today: Vec<Consignment>,
) -> Result<Vec<Scored>, ApiError> {
    use hamnvakt_targeting::profile::Profile;
    if today.is_empty() {
        return Ok(Vec::new());
    }
    let profiles: Vec<(String, Profile)> = state
        .store
        .latest_profiles()
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_str(&r.data).ok().map(|p| (r.id, p)))
        .collect();
    let ctx = context_for(state, day, &today).await?;
    let model = latest_model(state).await?;
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
                let record = c.record_for(&m.encoder.mapping, None, &ctx);
                let p = m.scores(std::slice::from_ref(&record)).first().copied().unwrap_or(0.0);
                let reasons = model_reasons(m, &record);
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
                model_view = Some(json!({"version": version, "probability": p,
                    "calibrated": m.calibration.is_some(), "reasons": reasons}));
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

/// The model's three strongest reasons for a record, each as the factor by which it
/// multiplied the odds of a finding (`odds_factor` 2.1: the odds are 2.1 times what they
/// would be without it), with the feature and the record's value of it; `log_odds` is the
/// same in log-odds, kept for older readers.
fn model_reasons(
    m: &hamnvakt_targeting::TrainedModel,
    record: &hamnvakt_targeting::mapping::Record,
) -> Vec<serde_json::Value> {
    m.reasons(record, 3)
        .into_iter()
        .map(|(f, w)| {
            let i = m.feature_names.iter().position(|n| *n == f);
            let value = i.and_then(|i| feature_value(m, record, i));
            json!({"feature": f, "value": value, "odds_factor": w.exp(), "log_odds": w})
        })
        .collect()
}

/// The record's value of the model's `i`th feature, as the reader should see it.
fn feature_value(
    m: &hamnvakt_targeting::TrainedModel,
    r: &hamnvakt_targeting::mapping::Record,
    i: usize,
) -> Option<serde_json::Value> {
    let mapping = &m.encoder.mapping;
    let (nc, nn) = (mapping.categorical.len(), mapping.numeric_codes.len());
    if i < nc {
        return r.categorical.get(i).map(|v| json!(v));
    }
    if i < nc + nn {
        let col = mapping.numeric_codes.get(i - nc)?;
        let at = mapping.categorical.iter().position(|c| c == col)?;
        return r.categorical.get(at).map(|v| json!(v));
    }
    // A numeric feature as the model read it: the encoder's row also holds what it derives
    // (the value per kg), which the record does not.
    let mut row = Vec::new();
    m.encoder.row(r, &mut row);
    let v = *row.get(i)?;
    v.is_finite().then(|| json!(v))
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
    // Scoring reads only; the lanes already taken are read inside the transaction that
    // writes the new ones, after it has the write lock (SQLite) or the chain head
    // (PostgreSQL): two runs at once take turns, and the second sees the first's lanes, so
    // together they cannot exceed the day's capacity.
    let scored = score_day(state, day).await?;
    let mut change = Change::begin(state, actor).await?;
    change.tx().lock_head().await?;
    let existing = change.tx().selections_of_day(day).await?;
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
        // The top 2 % of a day's consignments are its first ⌈2 % of n⌉ (of 141, the first
        // three), as the worklist's bar counts them.
        let top = ((n * HIGH_RISK_TOP_PERCENT / 100.0).ceil() as usize).max(1);
        if pos >= top {
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
        let message = hamnvakt_core::alert::AlertMessage::HighRisk {
            subject: c
                .container
                .clone()
                .unwrap_or_else(|| c.declaration_id.clone()),
            top_percent: HIGH_RISK_TOP_PERCENT,
            risk: (x.risk * 100.0).round() / 100.0,
            rank_percent: (rank_percent * 10.0).round() / 10.0,
            rank: u32::try_from(pos + 1).ok(),
            of: u32::try_from(ranked.len()).ok(),
        };
        let draft = AlertDraft {
            kind: "cargo.high_risk".into(),
            severity: Severity::High,
            title: crate::alerts::english_title(&message),
            message: Some(message),
            subjects,
            evidence: json!({
                "score": x.risk, "rank_percent": rank_percent, "lane": row.lane,
                "profiles": reasons, "hits": x.hits, "vessel_call": c.vessel_call,
                "origin": c.origin_country, "hs_code": c.hs_code,
            }),
            owner_org: owner,
            tlp: hamnvakt_core::Tlp::Amber,
            audience: None,
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

/// The settings a model trained in the server uses (see
/// [`hamnvakt_targeting::TrainOptions::for_outcomes`]).
pub fn outcome_training_options() -> hamnvakt_targeting::TrainOptions {
    hamnvakt_targeting::TrainOptions::for_outcomes()
}

/// What the server keeps in memory for targeting: the parsed latest model, whether the
/// context's counts are built, and the model trainings started here.
#[derive(Default)]
pub struct Runtime {
    pub(crate) context_built: std::sync::atomic::AtomicBool,
    pub(crate) context_build: tokio::sync::Mutex<()>,
    pub(crate) model:
        std::sync::Mutex<Option<(i64, std::sync::Arc<hamnvakt_targeting::TrainedModel>)>>,
    jobs: std::sync::Mutex<Vec<TrainingJob>>,
}

/// A model training running in the background.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TrainingJob {
    pub id: u64,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// 0 to 1.
    pub progress: f64,
    /// What it is doing: `reading` (the consignments and outcomes), `training` (twelve
    /// trainings: five folds and one whole, twice), `storing`.
    pub stage: String,
    pub started_by: String,
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The model version it stored, once done.
    pub version: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

impl Runtime {
    fn update(&self, id: u64, f: impl FnOnce(&mut TrainingJob)) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = jobs.iter_mut().find(|j| j.id == id) {
            f(j);
        }
    }

    /// The trainings started here, newest first (the last 20).
    pub fn jobs(&self) -> Vec<TrainingJob> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.iter().rev().cloned().collect()
    }

    pub fn job(&self, id: u64) -> Option<TrainingJob> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.iter().find(|j| j.id == id).cloned()
    }
}

/// The recorded outcomes as declaration id → something found.
async fn labels(state: &AppState) -> Result<std::collections::HashMap<String, bool>, ApiError> {
    Ok(state
        .store
        .outcome_results()
        .await?
        .into_iter()
        .filter_map(|(id, r)| {
            hamnvakt_targeting::outcome::Result::parse(&r).map(|r| (id, r.positive()))
        })
        .collect())
}

fn enough(outcomes: &std::collections::HashMap<String, bool>) -> Result<(), ApiError> {
    let positives = outcomes.values().filter(|p| **p).count();
    if outcomes.len() < 20 || positives < 2 || positives == outcomes.len() {
        return Err(ApiError::Conflict(format!(
            "a model needs at least 20 recorded outcomes with both findings and clean inspections; there are {} ({positives} found something)",
            outcomes.len()
        )));
    }
    Ok(())
}

/// Starts training a model in the background and returns at once: the training runs on a
/// blocking thread of its own, never inside the request (nor inside one that answers gates),
/// and reports its progress in [`Runtime::job`]. One at a time: another start while one runs
/// is refused.
pub async fn start_training(state: &AppState, actor: &Actor) -> Result<TrainingJob, ApiError> {
    enough(&labels(state).await?)?;
    let rt = crate::targeting::runtime(state);
    let job = {
        let mut jobs = rt.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = jobs.iter().find(|j| j.state == "running") {
            return Err(ApiError::Conflict(format!(
                "a model is being trained already (job {}, {:.0} % done)",
                j.id,
                j.progress * 100.0
            )));
        }
        let job = TrainingJob {
            id: jobs.last().map_or(1, |j| j.id + 1),
            state: "running".into(),
            progress: 0.0,
            stage: "reading".into(),
            started_by: actor.id.clone(),
            started_at: hamnvakt_core::clock::from_millis(state.now_ms()).to_string(),
            finished_at: None,
            version: None,
            error: None,
        };
        jobs.push(job.clone());
        if jobs.len() > 20 {
            jobs.remove(0);
        }
        job
    };
    let (state, actor, id) = (state.clone(), actor.clone(), job.id);
    tokio::spawn(async move {
        let result = train_model_with(&state, &actor, id).await;
        let at = hamnvakt_core::clock::from_millis(state.now_ms()).to_string();
        crate::targeting::runtime(&state).update(id, |j| {
            j.finished_at = Some(at);
            match result {
                Ok(m) => {
                    j.state = "done".into();
                    j.progress = 1.0;
                    j.stage = "done".into();
                    j.version = Some(m.version);
                }
                Err(e) => {
                    tracing::warn!(job = id, error = %e, "model training failed");
                    j.state = "failed".into();
                    j.error = Some(e.to_string());
                }
            }
        });
    });
    Ok(job)
}

/// Trains a model on every consignment with a recorded outcome and stores it as the next
/// version, audited; waits for it (the demo and the command line; the API starts it in the
/// background with [`start_training`]).
pub async fn train_model(
    state: &AppState,
    actor: &Actor,
) -> Result<hamnvakt_store::ModelRow, ApiError> {
    train_model_with(state, actor, 0).await
}

async fn train_model_with(
    state: &AppState,
    actor: &Actor,
    job: u64,
) -> Result<hamnvakt_store::ModelRow, ApiError> {
    let outcomes = labels(state).await?;
    enough(&outcomes)?;
    let mapping = hamnvakt_targeting::consignment::model_mapping();
    let all = all_consignments(state).await?;
    // Without the warm-up's outcomes when enough are left (a history that starts with the
    // store has every importer "new" at first); with them all otherwise.
    let usable = |rows: &[hamnvakt_targeting::mapping::Record]| {
        let positives = rows.iter().filter(|r| r.label == Some(true)).count();
        rows.len() >= 20 && positives >= 2 && positives < rows.len()
    };
    let warm = hamnvakt_targeting::consignment::labelled_records(
        all.clone(),
        &outcomes,
        &mapping,
        hamnvakt_targeting::consignment::WARM_UP_DAYS,
    );
    let labelled = if usable(&warm) {
        warm
    } else {
        hamnvakt_targeting::consignment::labelled_records(all, &outcomes, &mapping, 0)
    };
    let positives = labelled.iter().filter(|r| r.label == Some(true)).count();
    if labelled.len() < 20 || positives < 2 || positives == labelled.len() {
        return Err(ApiError::Conflict(format!(
            "a model needs at least 20 recorded outcomes on stored consignments with both findings and clean inspections; there are {} ({positives} found something)",
            labelled.len()
        )));
    }
    let options = outcome_training_options();
    let runtime = crate::targeting::runtime(state).clone();
    runtime.update(job, |j| j.stage = "training".into());
    let trained = tokio::task::spawn_blocking(move || {
        hamnvakt_targeting::TrainedModel::train_calibrated(
            &mapping,
            &labelled,
            &options,
            &mut |done, total| {
                runtime.update(job, |j| {
                    j.progress = done as f64 / total.max(1) as f64 * 0.95
                })
            },
        )
    })
    .await
    .map_err(|e| ApiError::Internal(format!("training a model: {e}")))?;
    crate::targeting::runtime(state).update(job, |j| j.stage = "storing".into());
    let data = serde_json::to_string(&trained)
        .map_err(|e| ApiError::Internal(format!("encoding a model: {e}")))?;
    let held_out = trained
        .calibration
        .as_ref()
        .and_then(|c| c.held_out.as_ref())
        .map_or(0, |r| r.rows);
    let summary = json!({"rows": trained.trained_rows, "positives": positives, "held_out": held_out,
                         "validation": trained.validation, "features": trained.feature_names,
                         "calibration": trained.calibration});
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
