//! AIS ingest: sources (a TCP client for raw NMEA feeds with reconnect and backoff, TCP and UDP
//! listeners for receivers that push, and file replay at real or accelerated speed honouring
//! the receive times) → decoding per source → a bounded queue → de-duplication of one
//! transmission heard by several stations → the vessel picture, the behaviour detectors, port
//! visits and the downsampled track, which a writer task stores in batches and prunes after
//! the retention period. Lines, messages, malformed, duplicate and dropped counts are in
//! `/metrics`. Network sources never wait: when the queue is full they drop (counted). File
//! replay waits instead, so a replayed day is never thinned by the speed of the store.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hamnvakt_ais::{Decoder, Feed, Message, Meta};
use hamnvakt_core::alert::AlertDraft;
use hamnvakt_core::alert::Severity;
use hamnvakt_core::entity::{EntityRef, VesselKey};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use hamnvakt_maritime::behaviour::{Behaviour, BehaviourState, Finding};
use hamnvakt_maritime::ports::{Port, PortCalls, PortCallsState, PortVisit, VisitChange};
use hamnvakt_maritime::settings::{AisConfig, SourceConfig, TrackConfig};
use hamnvakt_maritime::vessel::{Dedup, Picture};
use hamnvakt_store::{PortCallRow, TrackPoint};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

use super::sources::{SourceHandle, SourceState, Sources};
use super::MaritimeState;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

struct Received {
    message: Message,
    meta: Meta,
    at_ms: i64,
}

/// A vessel's position as the live map receives it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LivePosition {
    pub mmsi: u32,
    pub name: Option<String>,
    pub ship_type: Option<u8>,
    pub lat: f64,
    pub lon: f64,
    pub speed_kn: Option<f64>,
    pub course_deg: Option<f64>,
    pub heading_deg: Option<u16>,
    pub at_ms: i64,
}

/// The ingest state the server holds.
pub struct Ingest {
    pub picture: Mutex<Picture>,
    pub ports: Vec<Port>,
    /// Positions that changed, pushed to live maps about twice a second.
    pub live: tokio::sync::broadcast::Sender<Arc<Vec<LivePosition>>>,
    /// Flags declared this run, for the flag/MID detector (the store keeps them durably).
    declared: Mutex<Vec<(u32, String, i64)>>,
    queue: mpsc::Sender<Received>,
    receiver: Mutex<Option<mpsc::Receiver<Received>>>,
    dedup_window_ms: i64,
    pub counters: AisCounters,
    /// Each source's state as this instance sees it (`/admin/ais`).
    pub sources: Sources,
}

/// AIS ingest counters.
#[derive(Debug, Default)]
pub struct AisCounters {
    pub lines: Counter,
    pub messages: Counter,
    pub malformed: Counter,
    pub duplicates: Counter,
    pub dropped: Counter,
    pub track_points: Counter,
    pub track_write_errors: Counter,
}

impl AisCounters {
    fn register(registry: &mut Registry) -> AisCounters {
        let c = AisCounters::default();
        registry.register("ais_lines", "AIS input lines read", c.lines.clone());
        registry.register("ais_messages", "AIS messages decoded", c.messages.clone());
        registry.register(
            "ais_malformed",
            "AIS lines or messages that could not be decoded",
            c.malformed.clone(),
        );
        registry.register(
            "ais_duplicates",
            "AIS messages dropped as the same transmission heard again",
            c.duplicates.clone(),
        );
        registry.register(
            "ais_dropped",
            "AIS messages dropped because the ingest queue was full",
            c.dropped.clone(),
        );
        registry.register(
            "ais_track_points",
            "Downsampled track points written to the store",
            c.track_points.clone(),
        );
        registry.register(
            "ais_track_write_errors",
            "Track or port-call batches the store refused",
            c.track_write_errors.clone(),
        );
        c
    }
}

impl Ingest {
    pub fn new(config: &AisConfig, registry: &mut Registry) -> Ingest {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        Ingest {
            picture: Mutex::new(Picture::default()),
            ports: config
                .ports
                .clone()
                .unwrap_or_else(hamnvakt_maritime::ports::builtin),
            live: tokio::sync::broadcast::channel(64).0,
            declared: Mutex::new(Vec::new()),
            queue: tx,
            receiver: Mutex::new(Some(rx)),
            dedup_window_ms: config.dedup_window_ms,
            counters: AisCounters::register(registry),
            sources: Sources::default(),
        }
    }

    /// Queues a declared flag for the MID check (done by the picture task, which owns the
    /// detectors).
    pub fn declare_flag(&self, mmsi: u32, flag: &str, at_ms: i64) {
        self.declared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((mmsi, flag.to_owned(), at_ms));
    }

    pub fn picture(&self) -> std::sync::MutexGuard<'_, Picture> {
        self.picture.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Starts the picture task and every configured source.
pub async fn start(state: &MaritimeState) -> std::io::Result<()> {
    let rx = state
        .ais
        .receiver
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(rx) = rx {
        restore_picture(state).await;
        tokio::spawn(picture_task(state.clone(), rx));
        if state.store.is_postgres() {
            tokio::spawn(follow_picture(state.clone()));
        }
    }
    for s in state.config.ais.sources.clone() {
        spawn_source(state, s).await?;
    }
    Ok(())
}

/// The picture as stored, so a restarted instance shows the map as it was. (What the
/// detectors and the port-visit tracker remember is restored by the picture task itself:
/// [`restore_detectors`].)
async fn restore_picture(state: &MaritimeState) {
    match state.store.vessels_written_since(0, 1_000_000).await {
        Ok(rows) => {
            let mut picture = state.ais.picture();
            let n = rows.len();
            for (mmsi, data, _) in rows {
                match serde_json::from_str(&data) {
                    Ok(v) => {
                        picture.restore(v);
                    }
                    Err(e) => tracing::warn!(mmsi, error = %e, "a stored vessel does not parse"),
                }
            }
            tracing::info!(vessels = n, "vessel picture restored from the store");
        }
        Err(e) => tracing::warn!(error = %e, "cannot restore the vessel picture; it starts empty"),
    }
}

/// How far back each round of following the stored picture reads again, for writes that
/// committed late or under another instance's slightly different clock.
const PICTURE_OVERLAP_MS: i64 = 5_000;

/// On PostgreSQL, takes in what the instance reading the feeds stored of the picture, once a
/// second, and pushes what moved to this instance's live maps: every instance shows the
/// same vessels, whichever reads the feed.
async fn follow_picture(state: MaritimeState) {
    let mut mark = 0i64;
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if state.store.is_closed() {
            return;
        }
        let rows = match state
            .store
            .vessels_written_since(mark - PICTURE_OVERLAP_MS, 10_000)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot follow the stored vessel picture");
                continue;
            }
        };
        let mut moved = Vec::new();
        {
            let mut picture = state.ais.picture();
            for (mmsi, data, written_ms) in rows {
                mark = mark.max(written_ms);
                let Ok(v) = serde_json::from_str::<hamnvakt_maritime::vessel::Vessel>(&data) else {
                    tracing::warn!(mmsi, "a stored vessel does not parse");
                    continue;
                };
                if let (Some(lat), Some(lon)) = (v.lat, v.lon) {
                    let live = LivePosition {
                        mmsi: v.mmsi,
                        name: v.name.clone(),
                        ship_type: v.ship_type,
                        lat,
                        lon,
                        speed_kn: v.speed_kn,
                        course_deg: v.course_deg,
                        heading_deg: v.heading_deg,
                        at_ms: v.position_ms.unwrap_or(v.last_ms),
                    };
                    if picture.restore(v) {
                        moved.push(live);
                    }
                } else {
                    picture.restore(v);
                }
            }
        }
        if !moved.is_empty() {
            let _ = state.ais.live.send(Arc::new(moved));
        }
    }
}

/// What the picture task hands the writer: track points and port-visit states.
#[derive(Debug, Default)]
struct Batch {
    points: Vec<TrackPoint>,
    calls: Vec<PortCallRow>,
    /// The latest state of the vessels that moved: `(mmsi, JSON, latest receive time)`.
    vessels: Vec<(u32, String, i64)>,
    /// What the detectors and the visit tracker remember ([`Remembered`] as JSON), now and
    /// then.
    remembered: Option<String>,
    /// What the behaviour detectors found since the last batch: written to the alert outbox
    /// in the batch's transaction, so a finding is as durable as the positions it was found in.
    findings: Vec<Finding>,
}

/// What the detectors and the port-visit tracker remember, stored (`maritime_state`,
/// `detectors`) by the instance that reads the feeds every [`REMEMBER_EVERY`], in the
/// transaction of the track points it goes with. An instance takes it up when it starts and,
/// in a cluster, when it takes a feed over from another (the first message after a quiet
/// spell, with a state another instance wrote): a vessel that went dark before the restart or
/// the takeover is still found when it reappears, and a port visit in progress goes on.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Remembered {
    /// The picture task that wrote it (a random id per start).
    by: String,
    behaviour: BehaviourState,
    visits: PortCallsState,
}

const REMEMBERED: &str = "detectors";
const REMEMBER_EVERY: Duration = Duration::from_secs(10);
/// A reader that heard nothing for this long may have lost the feed to another instance.
const QUIET_SPELL: Duration = Duration::from_secs(15);

/// Takes up what was stored, unless this task wrote it itself; returns when it was written.
async fn restore_detectors(
    state: &MaritimeState,
    me: &str,
    behaviour: &mut Behaviour,
    visits: &mut PortCalls,
) -> Option<i64> {
    let (data, written_ms) = match state.store.maritime_state(REMEMBERED).await {
        Ok(Some(x)) => x,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read what the AIS detectors remembered");
            return None;
        }
    };
    match serde_json::from_str::<Remembered>(&data) {
        Ok(r) if r.by != me => {
            let (vessels, heard) = (r.behaviour.len(), r.behaviour.heard());
            behaviour.restore(r.behaviour);
            visits.restore(r.visits);
            tracing::info!(
                vessels,
                heard,
                "took up what the AIS detectors and port visits remembered"
            );
            Some(written_ms)
        }
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "what the AIS detectors remembered does not parse; they start afresh");
            None
        }
    }
}

/// Keeps a track point when enough time passed or the vessel turned or changed speed.
struct Sampler {
    config: TrackConfig,
    last: HashMap<u32, TrackPoint>,
}

impl Sampler {
    fn keep(&mut self, p: TrackPoint) -> bool {
        let c = &self.config;
        let keep = match self.last.get(&p.mmsi) {
            None => true,
            Some(l) => {
                let dt = p.at_ms - l.at_ms;
                let turned = match (l.course_deg, p.course_deg) {
                    (Some(a), Some(b)) => {
                        let d = (a - b).rem_euclid(360.0);
                        d.min(360.0 - d) >= c.turn_deg
                    }
                    _ => false,
                };
                let sped = match (l.speed_kn, p.speed_kn) {
                    (Some(a), Some(b)) => (a - b).abs() >= c.speed_change_kn,
                    _ => false,
                };
                dt >= c.interval_s * 1000 || (dt >= c.min_interval_s * 1000 && (turned || sped))
            }
        };
        if keep {
            self.last.insert(p.mmsi, p);
        }
        keep
    }
}

fn call_row(v: &PortVisit) -> PortCallRow {
    PortCallRow {
        mmsi: v.mmsi,
        port: v.port.clone(),
        port_name: v.port_name.clone(),
        start_ms: v.start_ms,
        end_ms: v.end_ms,
        entered: v.entered,
        exited: v.exited,
        stop_ms: v.stop_ms,
        gap: v.gap,
        confidence: v.confidence,
    }
}

async fn picture_task(state: MaritimeState, mut rx: mpsc::Receiver<Received>) {
    let config = state.config.ais.clone();
    let mut dedup = Dedup::new(8192, state.ais.dedup_window_ms);
    let mut behaviour = Behaviour::new(config.behaviour.clone()).with_ports(&state.ais.ports);
    let mut visits = PortCalls::new(state.ais.ports.clone(), config.visits.clone());
    let me = crate::web::state::new_id::<()>().to_string();
    restore_detectors(&state, &me, &mut behaviour, &mut visits).await;
    // Messages taken in since what they remember was last handed to the writer.
    let mut unremembered = false;
    let mut remembered_at: Option<tokio::time::Instant> = None;
    let mut last_heard: Option<tokio::time::Instant> = None;
    let mut sampler = Sampler {
        config: config.track.clone(),
        last: HashMap::new(),
    };
    let mut batch = Batch::default();
    let mut changed: HashMap<u32, LivePosition> = HashMap::new();
    let (writer, writes) = mpsc::channel::<Batch>(8);
    tokio::spawn(writer_task(state.clone(), writes));
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let r = tokio::select! {
            r = rx.recv() => match r {
                Some(r) => r,
                None => break,
            },
            _ = tick.tick() => {
                let declared: Vec<_> = std::mem::take(&mut *state.ais.declared.lock().unwrap_or_else(|p| p.into_inner()));
                let findings: Vec<Finding> = declared
                    .iter()
                    .filter_map(|(mmsi, flag, at)| behaviour.declare_flag(*mmsi, flag, *at))
                    .collect();
                batch.findings.extend(findings);
                if !changed.is_empty() {
                    observe_vessels(&state, &changed, &state.ais);
                    let picture = state.ais.picture();
                    batch.vessels.extend(changed.keys().filter_map(|mmsi| {
                        let v = picture.get(*mmsi)?;
                        Some((v.mmsi, serde_json::to_string(v).ok()?, v.last_ms))
                    }));
                    drop(picture);
                    let list: Vec<LivePosition> = std::mem::take(&mut changed).into_values().collect();
                    let _ = state.ais.live.send(Arc::new(list));
                }
                if unremembered && remembered_at.is_none_or(|t| t.elapsed() >= REMEMBER_EVERY) {
                    let r = Remembered { by: me.clone(), behaviour: behaviour.state(), visits: visits.state() };
                    match serde_json::to_string(&r) {
                        Ok(json) => batch.remembered = Some(json),
                        Err(e) => tracing::warn!(error = %e, "what the AIS detectors remember does not serialise"),
                    }
                    unremembered = false;
                    remembered_at = Some(tokio::time::Instant::now());
                }
                if !batch.points.is_empty() || !batch.calls.is_empty() || !batch.vessels.is_empty() || !batch.findings.is_empty() || batch.remembered.is_some() {
                    let _ = writer.send(std::mem::take(&mut batch)).await;
                }
                continue;
            }
        };
        if dedup.seen(r.meta.bits_hash, r.at_ms) {
            state.ais.counters.duplicates.inc();
            continue;
        }
        // After a quiet spell in a cluster this instance may have taken a feed over from one
        // that died: go on from what that one remembered.
        if state.store.is_postgres() && last_heard.is_some_and(|t| t.elapsed() >= QUIET_SPELL) {
            restore_detectors(&state, &me, &mut behaviour, &mut visits).await;
        }
        last_heard = Some(tokio::time::Instant::now());
        unremembered = true;
        let m = &r.message;
        let (name, ship_type) = {
            let mut picture = state.ais.picture();
            picture.update(m, r.at_ms);
            picture
                .get(m.mmsi)
                .map(|v| (v.name.clone(), v.ship_type))
                .unwrap_or_default()
        };
        batch.findings.extend(behaviour.observe(m, r.at_ms));
        if let Some((lat, lon)) = m.position() {
            let point = TrackPoint {
                mmsi: m.mmsi,
                at_ms: r.at_ms,
                lat,
                lon,
                speed_kn: m.speed_kn(),
                course_deg: m.course_deg(),
            };
            if sampler.keep(point) {
                batch.points.push(point);
            }
            for change in visits.observe(m.mmsi, r.at_ms, lat, lon, m.speed_kn()) {
                let (VisitChange::Started(v) | VisitChange::Updated(v) | VisitChange::Closed(v)) =
                    change;
                batch.calls.push(call_row(&v));
            }
            changed.insert(
                m.mmsi,
                LivePosition {
                    mmsi: m.mmsi,
                    name,
                    ship_type,
                    lat,
                    lon,
                    speed_kn: m.speed_kn(),
                    course_deg: m.course_deg(),
                    heading_deg: m.heading_deg(),
                    at_ms: r.at_ms,
                },
            );
            if batch.points.len() >= 4096 {
                let _ = writer.send(std::mem::take(&mut batch)).await;
            }
        }
    }
}

/// Hands the vessels that moved since the last tick to the platform's observer (indicators
/// watch MMSIs and IMO numbers); a vessel already matched is not acted on again.
fn observe_vessels(state: &MaritimeState, changed: &HashMap<u32, LivePosition>, ais: &Ingest) {
    use hamnvakt_sharing::{IndicatorKind, Observed};
    let picture = ais.picture();
    let mut observations = Vec::new();
    for p in changed.values() {
        let imo = picture.get(p.mmsi).and_then(|v| v.imo);
        let mut values = Vec::with_capacity(2);
        values.extend(Observed::of(IndicatorKind::Mmsi, &format!("{:09}", p.mmsi)));
        if let Some(imo) = imo {
            values.extend(Observed::of(IndicatorKind::Imo, &format!("{imo:07}")));
        }
        let label = p.name.clone().filter(|n| !n.is_empty());
        observations.push(crate::web::state::Observation {
            what: format!(
                "the AIS picture (vessel {}{})",
                p.mmsi,
                label
                    .as_deref()
                    .map(|n| format!(", {n}"))
                    .unwrap_or_default()
            ),
            subject: format!("vessel:{}", p.mmsi),
            subjects: vec![EntityRef::Vessel(VesselKey::Mmsi(p.mmsi)).subject(label)],
            org: None,
            at_ms: p.at_ms,
            values,
        });
    }
    drop(picture);
    for o in observations {
        state.observe(o);
    }
}

/// Writes track points and port visits in one transaction per batch; prunes points older
/// than the retention every hour.
async fn writer_task(state: MaritimeState, mut rx: mpsc::Receiver<Batch>) {
    let retention_ms = state.config.ais.track.retention_days.max(1) * 86_400_000;
    let mut pruned_at: Option<tokio::time::Instant> = None;
    while let Some(b) = rx.recv().await {
        // Track points and port calls are telemetry: a deferred commit (no wait for the disk;
        // the next durable commit carries it) that goes between gate-decision groups.
        state.idle_writer().await;
        let result = async {
            let findings = if b.findings.is_empty() {
                Vec::new()
            } else {
                findings(&state, &b.findings).await?
            };
            let mut tx = state.store.begin_deferred().await?;
            tx.insert_pending_alerts(&findings).await?;
            tx.insert_track_points(&b.points).await?;
            for c in &b.calls {
                tx.upsert_port_call(c).await?;
            }
            tx.upsert_vessels(&b.vessels, state.now_ms()).await?;
            if let Some(r) = &b.remembered {
                tx.put_maritime_state(REMEMBERED, r, state.now_ms()).await?;
            }
            tx.commit().await?;
            Ok::<_, crate::web::error::ApiError>(!findings.is_empty())
        }
        .await;
        match result {
            Ok(found) => {
                if found {
                    crate::alerts::drain_soon(&state);
                }
                state
                    .ais
                    .counters
                    .track_points
                    .inc_by(b.points.len() as u64);
            }
            Err(e) => {
                state.ais.counters.track_write_errors.inc();
                tracing::warn!(error = %e, points = b.points.len(), "storing AIS tracks failed");
            }
        }
        if pruned_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
            pruned_at = Some(tokio::time::Instant::now());
            let before = state.now_ms() - retention_ms;
            let pruned = async {
                let mut tx = state.store.begin().await?;
                let n = tx.prune_track(before).await?;
                tx.commit().await?;
                Ok::<_, hamnvakt_store::StoreError>(n)
            }
            .await;
            match pruned {
                Ok(n) if n > 0 => {
                    tracing::info!(deleted = n, "pruned AIS track points past retention")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning AIS tracks failed"),
            }
        }
    }
}

/// Behaviour findings as findings for the alert outbox: owned by the port authority running
/// this installation, shared (TLP:AMBER) with the coast guard organisations it knows, at the
/// time of the AIS message they were found in.
async fn findings(
    state: &MaritimeState,
    found: &[Finding],
) -> Result<Vec<hamnvakt_store::PendingAlert>, crate::web::error::ApiError> {
    let orgs = state.store.list_orgs().await?;
    let Some(owner) = orgs
        .iter()
        .find(|o| o.kind == OrgKind::PortAuthority)
        .or(orgs.first())
        .map(|o| o.id)
    else {
        tracing::warn!(
            findings = found.len(),
            "no organisation to own AIS alerts; findings not raised"
        );
        return Ok(Vec::new());
    };
    let shared_with: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::CoastGuard && o.id != owner)
        .map(|o| o.id)
        .collect();
    let now = state.now_ms();
    let mut out = Vec::with_capacity(found.len());
    for f in found {
        let label = |mmsi: u32| state.ais.picture().get(mmsi).and_then(|v| v.name.clone());
        let vessel = |mmsi| EntityRef::Vessel(VesselKey::Mmsi(mmsi)).subject(label(mmsi));
        let mut subjects = vec![vessel(f.mmsi)];
        if let Some(other) = f.related {
            subjects.push(vessel(other));
        }
        let draft = AlertDraft {
            kind: f.kind.to_owned(),
            severity: match f.kind {
                "ais.gap" | "ais.encounter" | "ais.mid_flag_mismatch" => Severity::High,
                _ => Severity::Medium,
            },
            title: crate::alerts::english_title(&f.message),
            message: Some(f.message.clone()),
            subjects,
            evidence: f.evidence.clone(),
            owner_org: owner,
            tlp: Tlp::Amber,
            audience: None,
            shared_with: shared_with.clone(),
        };
        out.push(crate::alerts::pending(
            "detector:ais",
            &draft,
            Some(f.at_ms),
            now,
        )?);
    }
    Ok(out)
}

/// Starts one source; returns the address it listens on (for listeners).
pub async fn spawn_source(
    state: &MaritimeState,
    source: SourceConfig,
) -> std::io::Result<Option<SocketAddr>> {
    match source {
        SourceConfig::Tcp { address } => {
            let src = state.ais.sources.add(
                "tcp",
                address.clone(),
                SourceState::Connecting,
                state.now_ms(),
            );
            tokio::spawn(led_tcp_client(state.clone(), address, src));
            Ok(None)
        }
        SourceConfig::TcpListen { listen } => {
            let l = tokio::net::TcpListener::bind(&listen).await?;
            let addr = l.local_addr()?;
            let st = state.clone();
            let src = state.ais.sources.add(
                "tcp_listen",
                addr.to_string(),
                SourceState::Listening,
                state.now_ms(),
            );
            tokio::spawn(async move {
                loop {
                    let Ok((sock, peer)) = l.accept().await else {
                        continue;
                    };
                    let st = st.clone();
                    let src = src.clone();
                    tokio::spawn(async move {
                        let mut d = Decoder::new();
                        src.connections(1);
                        if let Err(e) = read_lines(&st, &src, &mut d, sock).await {
                            src.fail(SourceState::Listening, format!("{peer}: {e}"), st.now_ms());
                        }
                        src.connections(-1);
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
            let src = state.ais.sources.add(
                "udp",
                addr.to_string(),
                SourceState::Listening,
                state.now_ms(),
            );
            tokio::spawn(async move {
                let mut d = Decoder::new();
                let mut buf = vec![0u8; 65_536];
                loop {
                    let Ok((n, _)) = sock.recv_from(&mut buf).await else {
                        continue;
                    };
                    for line in buf.get(..n).unwrap_or(&[]).split(|&b| b == b'\n') {
                        feed(&st, &src, &mut d, line);
                    }
                }
            });
            Ok(Some(addr))
        }
        SourceConfig::File { path, speed } => {
            let text = tokio::fs::read(&path).await?;
            let src = state.ais.sources.add(
                "file",
                path.display().to_string(),
                SourceState::Replaying,
                state.now_ms(),
            );
            tokio::spawn(replay_source(
                state.clone(),
                src,
                text,
                Pace::Speed(speed),
                None,
            ));
            Ok(None)
        }
    }
}

/// Decodes one line and queues the message; counts what happened.
fn feed(state: &MaritimeState, src: &SourceHandle, d: &mut Decoder, line: &[u8]) {
    if let Some(r) = decode(state, src, d, line) {
        publish(state, r);
    }
}

fn decode(
    state: &MaritimeState,
    src: &SourceHandle,
    d: &mut Decoder,
    line: &[u8],
) -> Option<Received> {
    let m = &state.ais.counters;
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    m.lines.inc();
    match d.feed(line) {
        Feed::Message(message, meta) => {
            m.messages.inc();
            let now = state.now_ms();
            src.message(now);
            let at_ms = meta.time_ms.unwrap_or(now);
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
fn publish(state: &MaritimeState, r: Received) {
    if state.ais.queue.try_send(r).is_err() {
        state.ais.counters.dropped.inc();
    }
}

async fn read_lines<R: tokio::io::AsyncRead + Unpin>(
    state: &MaritimeState,
    src: &SourceHandle,
    d: &mut Decoder,
    r: R,
) -> std::io::Result<()> {
    let mut lines = tokio::io::BufReader::new(r).split(b'\n');
    while let Some(line) = lines.next_segment().await? {
        feed(state, src, d, &line);
    }
    Ok(())
}

/// How often the instance reading a feed checks that it still leads, and how often the
/// others try to take the lead: the most a feed goes unread after its reader died, give or
/// take the database noticing the closed connection.
const LEAD_CHECK: Duration = Duration::from_secs(2);

/// Reads a TCP feed while this instance leads it: on PostgreSQL one instance of the cluster
/// reads each feed (an advisory lock per address, see [`hamnvakt_store::Leadership`]), so a
/// feed configured on every instance is ingested once and raises each alert once; when the
/// reader dies another instance takes over within [`LEAD_CHECK`]. On SQLite it just reads.
async fn led_tcp_client(state: MaritimeState, address: String, src: SourceHandle) {
    let duty = format!("ais-feed:{address}");
    let cluster = state.store.is_postgres();
    loop {
        if state.store.is_closed() {
            return;
        }
        match state.store.try_lead(&duty).await {
            Ok(Some(mut lead)) => {
                tracing::info!(%address, "this instance reads the AIS feed");
                src.set_leader(cluster.then_some(true));
                let reader = tokio::spawn(tcp_client(state.clone(), address.clone(), src.clone()));
                while lead.held().await && !reader.is_finished() {
                    tokio::time::sleep(LEAD_CHECK).await;
                }
                reader.abort();
                tracing::warn!(%address, "lost the lead of the AIS feed");
            }
            Ok(None) => {
                src.set_leader(Some(false));
                src.set(SourceState::Standby, state.now_ms());
            }
            Err(e) => {
                src.fail(
                    SourceState::Disconnected,
                    format!("cannot take the lead of the feed: {e}"),
                    state.now_ms(),
                );
                tracing::warn!(%address, error = %e, "cannot take the lead of the AIS feed")
            }
        }
        tokio::time::sleep(LEAD_CHECK).await;
    }
}

async fn tcp_client(state: MaritimeState, address: String, src: SourceHandle) {
    let mut backoff = Duration::from_millis(500);
    loop {
        src.set(SourceState::Connecting, state.now_ms());
        match tokio::net::TcpStream::connect(&address).await {
            Ok(sock) => {
                tracing::info!(%address, "connected to AIS feed");
                src.set(SourceState::Connected, state.now_ms());
                backoff = Duration::from_millis(500);
                let mut d = Decoder::new();
                match read_lines(&state, &src, &mut d, sock).await {
                    Err(e) => {
                        src.fail(
                            SourceState::Disconnected,
                            format!("read failed: {e}"),
                            state.now_ms(),
                        );
                        tracing::warn!(%address, error = %e, "AIS feed read failed");
                    }
                    Ok(()) => src.fail(
                        SourceState::Disconnected,
                        "the feed closed the connection".into(),
                        state.now_ms(),
                    ),
                }
                tracing::warn!(%address, "AIS feed closed; reconnecting");
            }
            Err(e) => {
                src.fail(
                    SourceState::Disconnected,
                    format!("cannot connect: {e}"),
                    state.now_ms(),
                );
                tracing::warn!(%address, error = %e, retry_in = ?backoff, "cannot reach AIS feed")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
}

/// How a recording is replayed.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Keep the receive times' spacing divided by the speed (0: no waiting at all).
    Speed(f64),
    /// Everything received up to this time at once, later messages at the wall-clock time
    /// they carry (the demo: the past day, then the day going on live).
    LiveAfter(i64),
}

/// Replays a recording, sleeping between messages as the pace says. A replay waits for room
/// in the queue rather than dropping.
pub async fn replay(state: MaritimeState, text: Vec<u8>, pace: Pace) {
    replay_until_live(state, text, pace, None).await
}

/// [`replay`], telling `caught_up` how many messages it queued once it has nothing left to
/// play without waiting (at the first message it must wait for, or at the end).
pub async fn replay_until_live(
    state: MaritimeState,
    text: Vec<u8>,
    pace: Pace,
    caught_up: Option<tokio::sync::oneshot::Sender<u64>>,
) {
    let src = state.ais.sources.add(
        "replay",
        "recording".into(),
        SourceState::Replaying,
        state.now_ms(),
    );
    replay_source(state, src, text, pace, caught_up).await
}

/// Replays a recording as the source `src`.
async fn replay_source(
    state: MaritimeState,
    src: SourceHandle,
    text: Vec<u8>,
    pace: Pace,
    caught_up: Option<tokio::sync::oneshot::Sender<u64>>,
) {
    let mut caught_up = caught_up;
    let mut queued = 0u64;
    let mut d = Decoder::new();
    let started = tokio::time::Instant::now();
    let mut first: Option<i64> = None;
    for line in text.split(|&b| b == b'\n') {
        let Some(r) = decode(&state, &src, &mut d, line) else {
            continue;
        };
        if let Some(t) = r.meta.time_ms {
            let wait_ms = match pace {
                Pace::Speed(speed) if speed > 0.0 => {
                    let t0 = *first.get_or_insert(t);
                    Some((t - t0).max(0) as f64 / speed)
                }
                Pace::Speed(_) => None,
                Pace::LiveAfter(live) => (t > live).then(|| (t - live) as f64),
            };
            if let Some(ms) = wait_ms {
                let due = started + Duration::from_secs_f64(ms / 1000.0);
                if due > tokio::time::Instant::now() {
                    if let Some(tx) = caught_up.take() {
                        let _ = tx.send(queued);
                    }
                }
                tokio::time::sleep_until(due).await;
            }
        }
        if state.ais.queue.send(r).await.is_err() {
            return;
        }
        queued += 1;
    }
    src.set(SourceState::Finished, state.now_ms());
    if let Some(tx) = caught_up.take() {
        let _ = tx.send(queued);
    }
}

impl Ingest {
    /// Whether the queue is empty (everything received has reached the picture task).
    pub fn queue_empty(&self) -> bool {
        self.queue.capacity() == self.queue.max_capacity()
    }
}
