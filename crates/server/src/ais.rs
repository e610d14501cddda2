//! AIS ingest: sources (a TCP client for raw NMEA feeds with reconnect and backoff, TCP and UDP
//! listeners for receivers that push, and file replay at real or accelerated speed honouring
//! the receive times) → decoding per source → a bounded queue → de-duplication of one
//! transmission heard by several stations → the vessel picture. Lines, messages, malformed,
//! duplicate and dropped counts are in `/metrics`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use hamnvakt_ais::behaviour::{Behaviour, Finding};
use hamnvakt_ais::vessel::{Dedup, Picture};
use hamnvakt_ais::{Decoder, Feed, Message, Meta};
use hamnvakt_core::alert::{AlertDraft, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use serde::Deserialize;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

use crate::state::AppState;

/// One configured source (`[[ais.sources]]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SourceConfig {
    /// Connect to a feed that serves raw NMEA over TCP; reconnect with backoff.
    Tcp { address: String },
    /// Accept receivers that connect and push NMEA.
    TcpListen { listen: String },
    /// Receive NMEA datagrams.
    Udp { listen: String },
    /// Replay a recorded file; `speed` 1 is real time, 60 a minute per second, 0 as fast as
    /// possible. Receive times come from the file (tag blocks, `$PGHP`).
    File {
        path: PathBuf,
        #[serde(default)]
        speed: f64,
    },
}

/// `[ais]` settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AisConfig {
    pub sources: Vec<SourceConfig>,
    /// Decoded messages waiting for the vessel picture before new ones are dropped.
    pub queue: usize,
    /// The same transmission heard again within this many milliseconds is a duplicate.
    pub dedup_window_ms: i64,
    /// Thresholds of the behaviour detectors.
    pub behaviour: hamnvakt_ais::behaviour::BehaviourSettings,
}

impl Default for AisConfig {
    fn default() -> Self {
        AisConfig {
            sources: Vec::new(),
            queue: 10_000,
            dedup_window_ms: 2_000,
            behaviour: Default::default(),
        }
    }
}

struct Received {
    message: Message,
    meta: Meta,
    at_ms: i64,
}

/// The ingest state the server holds.
pub struct Ingest {
    pub picture: Mutex<Picture>,
    queue: mpsc::Sender<Received>,
    receiver: Mutex<Option<mpsc::Receiver<Received>>>,
    dedup_window_ms: i64,
}

impl Ingest {
    pub fn new(config: &AisConfig) -> Ingest {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        Ingest {
            picture: Mutex::new(Picture::default()),
            queue: tx,
            receiver: Mutex::new(Some(rx)),
            dedup_window_ms: config.dedup_window_ms,
        }
    }

    pub fn picture(&self) -> std::sync::MutexGuard<'_, Picture> {
        self.picture.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Starts the picture task and every configured source.
pub async fn start(state: &AppState) -> std::io::Result<()> {
    let rx = state
        .ais
        .receiver
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(rx) = rx {
        tokio::spawn(picture_task(state.clone(), rx));
    }
    for s in state.config.ais.sources.clone() {
        spawn_source(state, s).await?;
    }
    Ok(())
}

async fn picture_task(state: AppState, mut rx: mpsc::Receiver<Received>) {
    let mut dedup = Dedup::new(8192, state.ais.dedup_window_ms);
    let mut behaviour = Behaviour::new(state.config.ais.behaviour.clone());
    while let Some(r) = rx.recv().await {
        if dedup.seen(r.meta.bits_hash, r.at_ms) {
            state.metrics.ais.duplicates.inc();
            continue;
        }
        state.ais.picture().update(&r.message, r.at_ms);
        let findings = behaviour.observe(&r.message, r.at_ms);
        if !findings.is_empty() {
            tokio::spawn(raise(state.clone(), findings));
        }
    }
}

/// Raises behaviour findings as alerts: owned by the port authority running this
/// installation, shared (TLP:AMBER) with the coast guard organisations it knows.
async fn raise(state: AppState, findings: Vec<Finding>) {
    let orgs = match state.store.list_orgs().await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "cannot read organisations for AIS alerts");
            return;
        }
    };
    let Some(owner) = orgs
        .iter()
        .find(|o| o.kind == OrgKind::PortAuthority)
        .or(orgs.first())
        .map(|o| o.id)
    else {
        return;
    };
    let shared_with: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::CoastGuard && o.id != owner)
        .map(|o| o.id)
        .collect();
    for f in findings {
        let name = state.ais.picture().get(f.mmsi).and_then(|v| v.name.clone());
        let draft = AlertDraft {
            kind: f.kind.to_owned(),
            severity: if f.kind == "ais.gap" {
                Severity::High
            } else {
                Severity::Medium
            },
            title: f.title.chars().take(200).collect(),
            subjects: vec![SubjectRef {
                kind: SubjectKind::Vessel,
                reference: format!("mmsi:{}", f.mmsi),
                label: name,
            }],
            evidence: f.evidence,
            owner_org: owner,
            tlp: Tlp::Amber,
            shared_with: shared_with.clone(),
        };
        let actor = crate::service::Actor {
            id: "detector:ais".into(),
            org: Some(owner),
            request_id: None,
        };
        if let Err(e) = crate::service::alerts::raise(&state, &actor, &draft, Some(f.at_ms)).await {
            tracing::error!(error = %e, kind = f.kind, "raising an AIS alert failed");
        }
    }
}

/// Starts one source; returns the address it listens on (for listeners).
pub async fn spawn_source(
    state: &AppState,
    source: SourceConfig,
) -> std::io::Result<Option<SocketAddr>> {
    match source {
        SourceConfig::Tcp { address } => {
            tokio::spawn(tcp_client(state.clone(), address));
            Ok(None)
        }
        SourceConfig::TcpListen { listen } => {
            let l = tokio::net::TcpListener::bind(&listen).await?;
            let addr = l.local_addr()?;
            let st = state.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((sock, peer)) = l.accept().await else {
                        continue;
                    };
                    let st = st.clone();
                    tokio::spawn(async move {
                        let mut d = Decoder::new();
                        let _ = read_lines(&st, &mut d, sock).await;
                        tracing::debug!(%peer, "AIS receiver disconnected");
                    });
                }
            });
            Ok(Some(addr))
        }
        SourceConfig::Udp { listen } => {
            let sock = tokio::net::UdpSocket::bind(&listen).await?;
            let addr = sock.local_addr()?;
            let st = state.clone();
            tokio::spawn(async move {
                let mut d = Decoder::new();
                let mut buf = vec![0u8; 65_536];
                loop {
                    let Ok((n, _)) = sock.recv_from(&mut buf).await else {
                        continue;
                    };
                    for line in buf.get(..n).unwrap_or(&[]).split(|&b| b == b'\n') {
                        feed(&st, &mut d, line);
                    }
                }
            });
            Ok(Some(addr))
        }
        SourceConfig::File { path, speed } => {
            let text = tokio::fs::read(&path).await?;
            tokio::spawn(replay(state.clone(), text, speed));
            Ok(None)
        }
    }
}

/// Decodes one line and queues the message; counts what happened.
fn feed(state: &AppState, d: &mut Decoder, line: &[u8]) {
    if let Some(r) = decode(state, d, line) {
        publish(state, r);
    }
}

fn decode(state: &AppState, d: &mut Decoder, line: &[u8]) -> Option<Received> {
    let m = &state.metrics.ais;
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    m.lines.inc();
    match d.feed(line) {
        Feed::Message(message, meta) => {
            m.messages.inc();
            let at_ms = meta.time_ms.unwrap_or_else(|| state.now_ms());
            Some(Received {
                message,
                meta,
                at_ms,
            })
        }
        Feed::Error(_) => {
            m.malformed.inc();
            None
        }
        Feed::Pending | Feed::Skipped => None,
    }
}

/// Queues a message for the picture; a full queue drops it (counted), never blocks a source.
fn publish(state: &AppState, r: Received) {
    if state.ais.queue.try_send(r).is_err() {
        state.metrics.ais.dropped.inc();
    }
}

async fn read_lines<R: tokio::io::AsyncRead + Unpin>(
    state: &AppState,
    d: &mut Decoder,
    r: R,
) -> std::io::Result<()> {
    let mut lines = tokio::io::BufReader::new(r).split(b'\n');
    while let Some(line) = lines.next_segment().await? {
        feed(state, d, &line);
    }
    Ok(())
}

async fn tcp_client(state: AppState, address: String) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match tokio::net::TcpStream::connect(&address).await {
            Ok(sock) => {
                tracing::info!(%address, "connected to AIS feed");
                backoff = Duration::from_millis(500);
                let mut d = Decoder::new();
                if let Err(e) = read_lines(&state, &mut d, sock).await {
                    tracing::warn!(%address, error = %e, "AIS feed read failed");
                }
                tracing::warn!(%address, "AIS feed closed; reconnecting");
            }
            Err(e) => {
                tracing::warn!(%address, error = %e, retry_in = ?backoff, "cannot reach AIS feed")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
}

/// Replays a file, sleeping between messages so that their receive times keep their spacing
/// (divided by `speed`; 0 means no waiting).
async fn replay(state: AppState, text: Vec<u8>, speed: f64) {
    let mut d = Decoder::new();
    let started = tokio::time::Instant::now();
    let mut first: Option<i64> = None;
    for line in text.split(|&b| b == b'\n') {
        let Some(r) = decode(&state, &mut d, line) else {
            continue;
        };
        if let (Some(t), true) = (r.meta.time_ms, speed > 0.0) {
            let t0 = *first.get_or_insert(t);
            let due = Duration::from_secs_f64(((t - t0).max(0) as f64 / 1000.0) / speed);
            tokio::time::sleep_until(started + due).await;
        }
        publish(&state, r);
    }
}
