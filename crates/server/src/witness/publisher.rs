//! The background task: at every interval, sign the chain head if it moved and give the
//! newest checkpoint to every partner that has not acknowledged it yet.
//!
//! Only the newest checkpoint is sent: its head hash commits to every event before it, so a
//! partner that was unreachable for a while loses no coverage. What each partner acknowledged
//! is kept in memory; after a restart the newest checkpoint is sent again, which the partner
//! answers as already held.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use hamnvakt_store::CheckpointRow;
use serde_json::json;

use super::{service, PartnerLabels, WitnessMetrics};
use crate::web::state::AppState;

/// How long one publication may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the task; it ends when the store is closed.
pub fn start(state: AppState, key: SigningKey, metrics: Arc<WitnessMetrics>) {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the HTTP client; witness checkpoints are not published");
                return;
            }
        };
        let mut acknowledged: HashMap<String, i64> = HashMap::new();
        let period = Duration::from_secs(u64::from(state.config.witness.interval_seconds));
        // The first checkpoint one interval after start, not at once: a restart does not
        // append to the chain by itself.
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if state.store.is_closed() {
                break;
            }
            match service::sign_head(&state, &key).await {
                Ok(Some(c)) => tracing::debug!(seq = c.seq, "signed the chain head"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "cannot sign the chain head; trying again at the next interval")
                }
            }
            let latest = match state.store.latest_signed_checkpoint().await {
                Ok(Some(c)) => {
                    metrics.signed_seq.set(c.seq);
                    c
                }
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the newest checkpoint");
                    continue;
                }
            };
            for partner in &state.config.witness.partners {
                let Some((url, token)) = &partner.publish else {
                    continue;
                };
                if acknowledged
                    .get(&partner.installation)
                    .is_some_and(|seq| *seq >= latest.seq)
                {
                    continue;
                }
                match publish(&client, url, token, &latest).await {
                    Ok(()) => {
                        acknowledged.insert(partner.installation.clone(), latest.seq);
                        metrics
                            .acknowledged_seq
                            .get_or_create(&labels(partner))
                            .set(latest.seq);
                    }
                    Err(e) => {
                        metrics
                            .publish_failures
                            .get_or_create(&labels(partner))
                            .inc();
                        tracing::warn!(
                            partner = %partner.installation, seq = latest.seq, error = %e,
                            "cannot publish the checkpoint; trying again at the next interval"
                        )
                    }
                }
            }
        }
    });
}

fn labels(p: &crate::web::config::Partner) -> PartnerLabels {
    PartnerLabels {
        partner: p.installation.clone(),
    }
}

async fn publish(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    c: &CheckpointRow,
) -> Result<(), String> {
    let body = json!({
        "installation": c.installation, "seq": c.seq, "head_hash": c.head_hash,
        "at_ms": c.at_ms, "signature": c.signature,
    });
    let r = client
        .post(format!("{url}/api/v1/witness/checkpoints"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    if status == 200 || status == 201 {
        return Ok(());
    }
    let text: String = r
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect();
    if status == 409 {
        tracing::error!(
            seq = c.seq,
            "a partner holds a different chain head for this event: this installation's history is not the one it witnessed; run `hamnvakt audit verify --witness`"
        );
    }
    Err(format!("answered {status}: {text}"))
}
