//! The one way to write: a use case (in its capability's folder) opens a [`Change`], records
//! the event that says what happened, updates the query tables in the same transaction and
//! commits; only then does the caller answer.
//!
//! Permission checks on *who may call* live in the handlers (they know the principal);
//! business rules that depend on the data (who may move this alert) live in the use cases.

use std::time::Instant;

use hamnvakt_core::ids::OrgId;
use hamnvakt_store::{AppendedEvent, NewEvent, WriteTx};

use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Who is acting, as the audit chain records it.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user:<id>`, `token:<id>`, `cli`, `demo`, `system`.
    pub id: String,
    pub org: Option<OrgId>,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            id: name.to_owned(),
            org: None,
            request_id: None,
        }
    }
}

/// One write transaction with the events it records.
pub struct Change<'s> {
    state: &'s AppState,
    actor: &'s Actor,
    tx: WriteTx,
    at_ms: i64,
    org: Option<String>,
    appended: Vec<(&'static str, i64)>,
}

impl<'s> Change<'s> {
    pub async fn begin(state: &'s AppState, actor: &'s Actor) -> Result<Change<'s>, ApiError> {
        let tx = state.store.begin().await?;
        Ok(Change {
            state,
            actor,
            tx,
            at_ms: state.now_ms(),
            org: actor.org.map(|o| o.to_string()),
            appended: Vec::new(),
        })
    }

    /// The time the change is recorded at.
    pub fn at_ms(&self) -> i64 {
        self.at_ms
    }

    /// Appends an event to the chain inside this transaction.
    pub async fn record(
        &mut self,
        kind: &'static str,
        subject: Option<&str>,
        payload: serde_json::Value,
    ) -> Result<AppendedEvent, ApiError> {
        let org = self.org.clone();
        self.append(self.actor, org.as_deref(), kind, subject, payload)
            .await
    }

    /// Appends an event made by another actor than the change's (several background
    /// findings, each its own organisation's, written in one transaction).
    pub async fn record_as(
        &mut self,
        actor: &Actor,
        kind: &'static str,
        subject: Option<&str>,
        payload: serde_json::Value,
    ) -> Result<AppendedEvent, ApiError> {
        let org = actor.org.map(|o| o.to_string());
        self.append(actor, org.as_deref(), kind, subject, payload)
            .await
    }

    async fn append(
        &mut self,
        actor: &Actor,
        org: Option<&str>,
        kind: &'static str,
        subject: Option<&str>,
        payload: serde_json::Value,
    ) -> Result<AppendedEvent, ApiError> {
        let e = self
            .tx
            .append(NewEvent {
                at_ms: self.at_ms,
                kind,
                actor: &actor.id,
                org,
                subject,
                request_id: actor.request_id.as_deref(),
                payload,
            })
            .await?;
        self.appended.push((kind, e.seq));
        Ok(e)
    }

    pub fn tx(&mut self) -> &mut WriteTx {
        &mut self.tx
    }

    /// Commits durably, then counts the events.
    pub async fn commit(self) -> Result<(), ApiError> {
        let started = Instant::now();
        self.tx.commit().await?;
        self.state
            .metrics
            .commit_duration
            .observe(started.elapsed().as_secs_f64());
        for (kind, seq) in self.appended {
            self.state.metrics.event(kind, seq);
        }
        Ok(())
    }
}
