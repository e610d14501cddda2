//! The gate-decision projection: the `gate_decisions`, `gate_pickups` (the decisions that
//! named a container) and `occupancy` tables, derived from the `access.decision` events after
//! those are durable.
//!
//! A controller waits only for its decision's event to be committed (the chain is the record).
//! Writing the query rows in that same commit more than doubled the pages every commit rewrote
//! and added three statements to it; at 2,000 decisions a second that is what made the answers
//! queue behind the disk. So the rows are written here instead: [`EVERY`] while decisions flow,
//! groups of up to [`GROUP`] events are read beside the writes, then written in one short
//! transaction that does not wait for the disk ([`hamnvakt_store::Store::begin_derived`]). On
//! SQLite that transaction runs on the derived file's own writer, so it never holds up a
//! decision's append (sharing the one writer cost the answers 2–5 ms whenever they met). The
//! mark (the last event the tables reflect) moves in the same transaction as the rows, so
//! nothing is lost or doubled by a crash: the next run starts at the mark.
//!
//! Readers never see the tables behind: [`Projector::catch_up`] brings them up to every
//! decision this instance has committed before a read returns (read-your-writes for the
//! decision list), and the engine projects everything outstanding before it loads occupancy
//! at start-up.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hamnvakt_access::decide::{Decision, Direction, Outcome};
use hamnvakt_store::{DecisionRow, OccupancyRow, PickupRow};
use serde::Deserialize;

use super::AccessState;
use crate::web::error::ApiError;

/// The projection's name in the `projections` table.
pub const NAME: &str = "access.decisions";
/// The event kind it reads.
const KIND: &str = "access.decision";
/// How long committed decisions gather before their rows are written, while nobody reads them.
const EVERY: Duration = Duration::from_millis(50);
/// Most events projected in one transaction.
const GROUP: i64 = 32;

/// What an `access.decision` event's payload holds.
#[derive(Deserialize)]
struct Payload {
    id: String,
    credential: Option<String>,
    plate: Option<String>,
    decision: Decision,
    /// A pick-up's container, release and verdict.
    #[serde(default)]
    pickup: Option<PickupPayload>,
}

#[derive(Deserialize)]
struct PickupPayload {
    container: String,
    release: Option<String>,
    verdict: Option<String>,
}

#[derive(Default)]
pub struct Projector {
    /// Serialises projection runs within this instance.
    running: tokio::sync::Mutex<()>,
    /// The newest decision event this instance has committed.
    committed: AtomicI64,
    /// The newest event the projection is known to reflect.
    projected: AtomicI64,
    wake: tokio::sync::Notify,
}

impl Projector {
    /// Tells the projector that decisions up to `seq` are committed.
    pub fn committed(&self, seq: i64) {
        self.committed.fetch_max(seq, Ordering::AcqRel);
        self.wake.notify_one();
    }

    /// Returns once the tables reflect every decision this instance has committed so far.
    pub async fn catch_up(&self, state: &AccessState) -> Result<(), ApiError> {
        let target = self.committed.load(Ordering::Acquire);
        if self.projected.load(Ordering::Acquire) >= target {
            return Ok(());
        }
        self.run(state).await
    }

    /// Projects everything outstanding in the store (other instances' decisions too).
    pub async fn run(&self, state: &AccessState) -> Result<(), ApiError> {
        let _one = self.running.lock().await;
        while project_group(self, state).await? == GROUP {}
        Ok(())
    }

    /// The background loop: after decisions are committed, wait a little so they gather,
    /// then project them. Failures are logged and retried; nothing is lost, since the events
    /// stay and the mark does not move.
    pub async fn background(state: AccessState) {
        let me = &state.access.projector;
        loop {
            me.wake.notified().await;
            tokio::time::sleep(EVERY).await;
            if let Err(e) = me.run(&state).await {
                state.access.metrics.projection_errors.inc();
                tracing::error!(error = %e, "projecting gate decisions failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                me.wake.notify_one();
            }
        }
    }
}

/// One group: the events after the mark, read beside the writes; then one short deferred
/// transaction that moves the mark and writes their rows, started between decision groups.
/// Returns how many events it read (or [`GROUP`] when another projector moved the mark first,
/// so the caller reads again).
async fn project_group(me: &Projector, state: &AccessState) -> Result<i64, ApiError> {
    let mark = state.store.projection_mark(NAME).await?;
    let events = state.store.events_of_kind_after(KIND, mark, GROUP).await?;
    let Some(last) = events.last().map(|(seq, _)| *seq) else {
        let seen = me.projected.fetch_max(mark, Ordering::AcqRel).max(mark);
        state.access.metrics.decisions_projected.set(seen);
        return Ok(0);
    };
    let mut rows = Vec::with_capacity(events.len());
    let mut pickups = Vec::new();
    let mut occupancy = Vec::new();
    for (seq, payload) in &events {
        match serde_json::from_str::<Payload>(payload) {
            Ok(p) => {
                occupancy.extend(occupancy_changes(&p.decision));
                let row = decision_row(&p, *seq);
                if let Some(pickup) = &p.pickup {
                    pickups.push(PickupRow {
                        decision_id: row.id.clone(),
                        event_seq: *seq,
                        at_ms: row.at_ms,
                        facility_id: row.facility_id.clone(),
                        gate_id: row.gate_id.clone(),
                        container: pickup.container.clone(),
                        release_id: pickup.release.clone(),
                        outcome: row.outcome.clone(),
                        verdict: pickup.verdict.clone(),
                        person_id: row.person_id.clone(),
                        plate: row.plate.clone(),
                        reasons: row.reasons.clone(),
                    });
                }
                rows.push(row);
            }
            // Written by this server, so this is a bug or a hand-made event; the chain keeps
            // it either way. Skipping it keeps the projection moving.
            Err(e) => {
                tracing::error!(seq, error = %e, "an access.decision event does not parse; not projected")
            }
        }
    }
    let mut tx = state.store.begin_derived().await?;
    if !tx.advance_projection(NAME, mark, last).await? {
        return Ok(GROUP);
    }
    tx.insert_decisions(&rows).await?;
    tx.insert_pickups(&pickups).await?;
    tx.set_occupancies(&occupancy).await?;
    tx.commit().await?;
    let seen = me.projected.fetch_max(last, Ordering::AcqRel).max(last);
    state.access.metrics.decisions_projected.set(seen);
    Ok(events.len() as i64)
}

/// Where a decision leaves the people it moves: a grant moves the holder (and a two-person
/// partner) into `to_zone`, or out of the facility when that is `None`.
fn occupancy_changes(d: &Decision) -> Vec<(String, Option<OccupancyRow>)> {
    let mut out = Vec::new();
    if d.outcome != Outcome::Grant {
        return out;
    }
    if let (Some(person), Some(facility), Some(gate)) = (d.person, d.facility, d.gate) {
        for who in std::iter::once(person).chain(d.partner) {
            let row = d.to_zone.map(|zone| OccupancyRow {
                person_id: who.to_string(),
                facility_id: facility.to_string(),
                zone_id: zone.to_string(),
                gate_id: gate.to_string(),
                since_ms: d.at_ms,
            });
            out.push((who.to_string(), row));
        }
    }
    out
}

fn decision_row(p: &Payload, seq: i64) -> DecisionRow {
    let d = &p.decision;
    DecisionRow {
        id: p.id.clone(),
        event_seq: seq,
        at_ms: d.at_ms,
        gate_id: d.gate.map(|g| g.to_string()),
        facility_id: d.facility.map(|f| f.to_string()),
        person_id: d.person.map(|x| x.to_string()),
        credential_number: p.credential.clone(),
        plate: p.plate.clone(),
        direction: match d.direction {
            Direction::In => "in".into(),
            Direction::Out => "out".into(),
        },
        outcome: d.outcome.as_str().into(),
        reasons: serde_json::to_string(&d.reasons).unwrap_or_else(|_| "[]".into()),
        policy_version: d.policy_version,
        security_level: i64::from(d.security_level),
        data: serde_json::to_string(d).unwrap_or_else(|_| "{}".into()),
    }
}
