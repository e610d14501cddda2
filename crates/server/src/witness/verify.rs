//! `hamnvakt audit verify --witness`: the checkpoints partners hold of our chain, read from
//! each configured partner's API and from files an operator was given, each checked against
//! our public key and against the local event at its sequence number.

use std::path::PathBuf;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use hamnvakt_core::witness::Checkpoint;
use hamnvakt_store::Store;
use serde::Deserialize;

use crate::web::config::Config;
use crate::web::time::rfc3339;

/// A checkpoint as a partner or a file gives it back (extra fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Held {
    pub installation: String,
    pub seq: i64,
    pub head_hash: String,
    pub at_ms: i64,
    pub signature: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HeldFile {
    Page { checkpoints: Vec<Held> },
    List(Vec<Held>),
}

#[derive(Debug, Deserialize)]
struct Page {
    checkpoints: Vec<Held>,
    next_before: Option<i64>,
}

/// What one source (a partner, a file) showed.
#[derive(Debug, Default)]
pub struct SourceReport {
    /// `partner SEGOT` or `file witness.json`.
    pub source: String,
    /// Checkpoints that match the local chain.
    pub matched: usize,
    /// The newest matching checkpoint: its sequence number and when it was signed.
    pub newest: Option<(i64, String)>,
    /// Checkpoints that contradict the local chain, or are not ours: each as a sentence.
    pub mismatches: Vec<String>,
    /// Why the source could not be read, if it could not.
    pub unreadable: Option<String>,
}

/// Every source's findings.
#[derive(Debug, Default)]
pub struct WitnessReport {
    pub sources: Vec<SourceReport>,
}

impl WitnessReport {
    pub fn mismatched(&self) -> bool {
        self.sources.iter().any(|s| !s.mismatches.is_empty())
    }

    /// Whether a source could not be read or no checkpoint at all was compared.
    pub fn incomplete(&self) -> bool {
        self.sources.iter().any(|s| s.unreadable.is_some())
            || self.sources.iter().map(|s| s.matched).sum::<usize>() == 0
    }
}

/// Checks every checkpoint the configured partners (those with a URL) and `files` hold of
/// this installation. `head_seq` is the local chain's head, as verified just before.
pub async fn verify(
    config: &Config,
    store: &Store,
    ours: &VerifyingKey,
    head_seq: i64,
    files: &[PathBuf],
) -> WitnessReport {
    let mut report = WitnessReport::default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    for partner in &config.witness.partners {
        let Some((url, token)) = &partner.publish else {
            continue;
        };
        let mut source = SourceReport {
            source: format!("partner {}", partner.installation),
            ..SourceReport::default()
        };
        let fetched = match &client {
            Ok(client) => fetch(client, url, token, &config.witness.installation).await,
            Err(e) => Err(e.to_string()),
        };
        match fetched {
            Ok(held) => check(config, store, ours, head_seq, &held, &mut source).await,
            Err(e) => source.unreadable = Some(e),
        }
        report.sources.push(source);
    }
    for path in files {
        let mut source = SourceReport {
            source: format!("file {}", path.display()),
            ..SourceReport::default()
        };
        let read = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                serde_json::from_str::<HeldFile>(&t)
                    .map_err(|e| format!("not a list of checkpoints: {e}"))
            });
        match read {
            Ok(HeldFile::Page { checkpoints }) | Ok(HeldFile::List(checkpoints)) => {
                check(config, store, ours, head_seq, &checkpoints, &mut source).await
            }
            Err(e) => source.unreadable = Some(e),
        }
        report.sources.push(source);
    }
    report
}

/// Every checkpoint `url` holds of `installation`, all pages.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    installation: &str,
) -> Result<Vec<Held>, String> {
    let mut out = Vec::new();
    let mut before: Option<i64> = None;
    for _ in 0..1000 {
        let mut req = client
            .get(format!("{url}/api/v1/witness/checkpoints"))
            .bearer_auth(token)
            .query(&[("installation", installation), ("limit", "1000")]);
        if let Some(b) = before {
            req = req.query(&[("before", b)]);
        }
        let r = req.send().await.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        if status != 200 {
            let text: String = r
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            return Err(format!("answered {status}: {text}"));
        }
        let page: Page = r
            .json()
            .await
            .map_err(|e| format!("unreadable answer: {e}"))?;
        out.extend(page.checkpoints);
        match page.next_before {
            Some(b) => before = Some(b),
            None => return Ok(out),
        }
    }
    Ok(out)
}

async fn check(
    config: &Config,
    store: &Store,
    ours: &VerifyingKey,
    head_seq: i64,
    held: &[Held],
    source: &mut SourceReport,
) {
    let me = &config.witness.installation;
    for h in held {
        let when = rfc3339(h.at_ms);
        if &h.installation != me {
            source.mismatches.push(format!(
                "a checkpoint of {:?}, not of this installation ({me:?})",
                h.installation
            ));
            continue;
        }
        let cp = Checkpoint {
            installation: h.installation.clone(),
            seq: h.seq,
            head_hash: h.head_hash.clone(),
            at_ms: h.at_ms,
        };
        if cp.verify(ours, &h.signature).is_err() {
            source.mismatches.push(format!(
                "the checkpoint of event {} signed {when} is not signed by this installation's key",
                h.seq
            ));
            continue;
        }
        if h.seq > head_seq {
            source.mismatches.push(format!(
                "it saw event {} (signed {when}) but the local chain ends at event {head_seq}: events were removed",
                h.seq
            ));
            continue;
        }
        match store.event_hash_at(h.seq).await {
            Ok(Some(local)) if local == h.head_hash => {
                source.matched += 1;
                if source.newest.as_ref().is_none_or(|(s, _)| *s < h.seq) {
                    source.newest = Some((h.seq, when));
                }
            }
            Ok(Some(local)) => source.mismatches.push(format!(
                "it saw event {} with hash {} (signed {when}); the local event {} has hash {local}: the history was rewritten",
                h.seq, h.head_hash, h.seq
            )),
            Ok(None) => source.mismatches.push(format!(
                "it saw event {} (signed {when}), which is missing locally",
                h.seq
            )),
            Err(e) => {
                source.unreadable = Some(format!("cannot read the local event {}: {e}", h.seq));
                return;
            }
        }
    }
}
