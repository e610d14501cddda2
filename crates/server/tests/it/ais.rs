//! AIS ingest through real sockets and a file: a TCP feed the server connects to, a TCP
//! listener and a UDP listener receivers push to, and a replayed recording; the vessel picture
//! through the API; duplicates, malformed lines and the rest counted in `/metrics`.

use std::time::Duration;

use hamnvakt_server::maritime::{spawn_source, SourceConfig};
use hamnvakt_testkit::Kind;
use tokio::io::AsyncWriteExt;

use crate::helpers::{replay_nmea, TestApp};

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_feed_the_vessel_picture_and_count_what_they_drop() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let data = hamnvakt_testkit::shared_data_dir().join("ais");
    let gpsd = std::fs::read(data.join("gpsd/sample-shared.aivdm")).unwrap();

    // A feed the server connects to (raw NMEA over TCP).
    let feed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let feed_addr = feed.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = feed.accept().await.unwrap();
        sock.write_all(b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\r\n")
            .await
            .unwrap();
        // Then the feed goes away (its state is checked below).
        tokio::time::sleep(Duration::from_secs(8)).await;
    });
    spawn_source(
        &app.state.maritime_state(),
        SourceConfig::Tcp {
            address: feed_addr.to_string(),
        },
    )
    .await
    .unwrap();

    // Listeners receivers push to.
    let tcp = spawn_source(
        &app.state.maritime_state(),
        SourceConfig::TcpListen {
            listen: "127.0.0.1:0".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let udp = spawn_source(
        &app.state.maritime_state(),
        SourceConfig::Udp {
            listen: "127.0.0.1:0".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let mut receiver = tokio::net::TcpStream::connect(tcp).await.unwrap();
    receiver.write_all(&gpsd).await.unwrap();
    receiver
        .write_all(b"!AIVDM,1,1,,A,garbage*00\n")
        .await
        .unwrap();
    receiver.flush().await.unwrap();
    // The same type 5 heard by a second station: a duplicate.
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(
        b"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C\n!AIVDM,2,2,1,A,88888888880,2*25\n",
        udp,
    )
    .await
    .unwrap();

    // A recording replayed as fast as possible (it carries Gatehouse receive times).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dma.nmea");
    let dma = std::fs::read(data.join("real/dma-aisabnormal/219165000_ssc_1.ais")).unwrap();
    replay_nmea(&app.state, &file, dma).await;

    let mut client = app.login("operator").await;
    let mut ever = serde_json::Value::Null;
    for _ in 0..100 {
        let r = client.get("/api/v1/vessels?q=diadem").await;
        assert_eq!(r.status, 200, "{}", r.body);
        if let Some(v) = r.json.as_array().and_then(|a| a.first()) {
            ever = v.clone();
            if app.state.ais.picture().get(371_798_000).is_some()
                && app.state.ais.picture().get(219_165_000).is_some()
            {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ever["mmsi"], 351_759_000, "{ever}");
    assert_eq!(ever["name"], "EVER DIADEM");
    assert_eq!(ever["imo"], 9_134_270);
    assert_eq!(ever["imo_valid"], true);
    assert_eq!(ever["destination"], "NEW YORK");
    // From the TCP feed, with its position at full precision.
    let r = client.get("/api/v1/vessels/371798000").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["lat"], 29_028_980.0 / 600_000.0);
    // From the replayed file: LOTUS, with the recording's receive time.
    let r = client.get("/api/v1/vessels/219165000").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json["last_heard"]
            .as_str()
            .unwrap()
            .starts_with("2014-10-05"),
        "{}",
        r.json
    );
    assert_eq!(client.get("/api/v1/vessels/1").await.status, 404);
    assert_eq!(client.get("/api/v1/vessels?limit=0").await.status, 422);

    let metrics = client.get("/metrics").await.body;
    assert!(
        metric(&metrics, "hamnvakt_ais_duplicates_total") >= 1,
        "{metrics}"
    );
    assert!(metric(&metrics, "hamnvakt_ais_malformed_total") >= 1);
    assert!(metric(&metrics, "hamnvakt_ais_messages_total") >= 56 + 80);
    assert_eq!(metric(&metrics, "hamnvakt_ais_dropped_total"), 0);

    // Each source's state, for the installation's administrators only.
    assert_eq!(client.get("/api/v1/ais/sources").await.status, 403);
    let mut admin = app.login("admin").await;
    let source = |list: &serde_json::Value, kind: &str| {
        list.as_array()
            .and_then(|a| a.iter().find(|s| s["kind"] == kind).cloned())
            .unwrap_or_else(|| panic!("no {kind} source in {list}"))
    };
    let r = admin.get("/api/v1/ais/sources").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json.as_array().map(Vec::len), Some(4), "{}", r.json);
    let tcp_feed = source(&r.json, "tcp");
    assert_eq!(tcp_feed["name"], feed_addr.to_string());
    assert_eq!(tcp_feed["state"], "connected", "{tcp_feed}");
    assert_eq!(tcp_feed["messages"], 1);
    assert!(tcp_feed["last_message"].is_string());
    assert_eq!(
        tcp_feed["leader"],
        serde_json::Value::Null,
        "no cluster on SQLite"
    );
    let listener = source(&r.json, "tcp_listen");
    assert_eq!(listener["state"], "listening");
    assert_eq!(listener["connections"], 1, "{listener}");
    assert!(listener["messages"].as_u64().unwrap() >= 56, "{listener}");
    assert!(
        listener["last_minute"].as_u64().unwrap() >= 56,
        "{listener}"
    );
    assert_eq!(
        source(&r.json, "udp")["messages"],
        1,
        "one type 5 in two sentences"
    );
    let file = source(&r.json, "file");
    assert_eq!(file["state"], "finished", "{file}");
    assert!(file["messages"].as_u64().unwrap() >= 80);
    // The feed closes after eight seconds: the source says so, with why, and tries again.
    let mut closed = serde_json::Value::Null;
    for _ in 0..150 {
        closed = source(&admin.get("/api/v1/ais/sources").await.json, "tcp");
        if closed["last_error"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        ["disconnected", "connecting"].contains(&closed["state"].as_str().unwrap_or("")),
        "{closed}"
    );
    let why = closed["last_error"].as_str().unwrap_or("");
    assert!(
        why == "the feed closed the connection" || why.starts_with("cannot connect"),
        "{closed}"
    );
    // The console's page shows the same.
    let page = admin.get("/admin/ais").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("data-source=\"{feed_addr}\"")),
        "{}",
        page.body
    );
    assert_eq!(client.get("/admin/ais").await.status, 403);
}

/// One type 1 sentence with a tag block giving its receive time (Unix seconds).
pub(crate) fn type1(mmsi: u32, lat: f64, lon: f64, speed_kn: f64, at_s: i64) -> String {
    let mut bits: Vec<bool> = Vec::new();
    let mut put = |v: i64, n: usize| {
        for i in (0..n).rev() {
            bits.push((v >> i) & 1 == 1);
        }
    };
    put(1, 6);
    put(0, 2);
    put(i64::from(mmsi), 30);
    put(0, 4);
    put(0, 8);
    put((speed_kn * 10.0) as i64, 10);
    put(1, 1);
    put((lon * 600_000.0).round() as i64 & ((1 << 28) - 1), 28);
    put((lat * 600_000.0).round() as i64 & ((1 << 27) - 1), 27);
    put(900, 12);
    put(90, 9);
    put(0, 6);
    put(0, 2);
    put(0, 3);
    put(0, 1);
    put(0, 19);
    let payload: String = bits
        .chunks(6)
        .map(|c| {
            let v = c.iter().fold(0u8, |a, &b| (a << 1) | u8::from(b)) + 48;
            char::from(if v > 87 { v + 8 } else { v })
        })
        .collect();
    let body = format!("AIVDM,1,1,,A,{payload},0");
    let sum = body.bytes().fold(0u8, |a, b| a ^ b);
    let tag = format!("c:{at_s}");
    let tsum = tag.bytes().fold(0u8, |a, b| a ^ b);
    format!("\\{tag}*{tsum:02X}\\!{body}*{sum:02X}")
}

/// A vessel that goes dark under way while the receivers keep hearing others raises an
/// `ais.gap` alert with its evidence, owned by the port authority.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_dark_in_the_approaches_raises_an_alert() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let t0 = 1_795_000_000;
    let mut lines = vec![type1(265_123_456, 59.75, 19.20, 14.0, t0)];
    for k in 0..40 {
        lines.push(type1(
            230_000_000 + k,
            59.70,
            19.10,
            8.0,
            t0 + 60 * (k as i64 + 1),
        ));
    }
    lines.push(type1(265_123_456, 59.76, 19.00, 3.0, t0 + 3 * 3600));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dark.nmea");
    replay_nmea(&app.state, &file, lines.join("\n")).await;
    let mut op = app.login("operator").await;
    let mut found = serde_json::Value::Null;
    for _ in 0..100 {
        let r = op.get("/api/v1/alerts?kind=ais.gap").await;
        assert_eq!(r.status, 200, "{}", r.body);
        if let Some(a) = r.json["alerts"].as_array().and_then(|a| a.first()) {
            found = a.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found["kind"], "ais.gap", "no gap alert");
    assert_eq!(found["subjects"][0]["reference"], "mmsi:265123456");
    let id = found["id"].as_str().unwrap();
    let full = op.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(
        full.json["evidence"]["other_messages_heard_meanwhile"], 40,
        "{}",
        full.body
    );
}

/// Writes NMEA lines for position reports (and tag-block times) with the crate's encoder.
fn track_lines(mmsi: u32, points: &[(i64, f64, f64, f64)]) -> Vec<(i64, String)> {
    use hamnvakt_ais::encode::{position_a, sentences, Framing, PositionReport};
    points
        .iter()
        .map(|&(at_ms, lat, lon, speed_kn)| {
            let mut s = String::new();
            let p = PositionReport {
                mmsi,
                status: if speed_kn < 0.1 { 5 } else { 0 },
                lat,
                lon,
                speed_kn,
                course_deg: 270.0,
                heading_deg: Some(270),
                second: 0,
            };
            sentences(
                &position_a(&p),
                &Framing {
                    time_ms: Some(at_ms),
                    ..Framing::default()
                },
                &mut s,
            );
            (at_ms, s)
        })
        .collect()
}

async fn wait_for(
    op: &mut crate::helpers::Client,
    path: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    for _ in 0..150 {
        let r = op.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        if ok(&r.json) {
            return r.json;
        }
        last = r.json;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never became what was expected: {last}");
}

/// A ferry's day through the ingest path: its track is stored downsampled (and what is past
/// the retention is pruned), its call at Kapellskär becomes a confidence-4 port visit, a
/// flag its agent declares is checked against its MMSI, and live maps are pushed its moves.
async fn tracks_port_calls_flags_and_live_positions(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let t0 = crate::helpers::T0_MS - 6 * 3_600_000;
    let kps = (59.7227, 19.0612);
    let mut points = Vec::new();
    // Two hundred days ago, somewhere in the Baltic: past the 90-day retention.
    points.push((t0 - 200 * 86_400_000, 58.0, 20.0, 12.0));
    // Approach from the east at 12 kn, a report every 10 s for half an hour …
    for k in 0..180 {
        let lon = kps.1 + 0.09 - f64::from(k) * 0.0005;
        points.push((t0 + i64::from(k) * 10_000, kps.0, lon, 12.0));
    }
    // … moored for two hours (a report every three minutes) …
    for k in 0..40 {
        points.push((t0 + 1_800_000 + i64::from(k) * 180_000, kps.0, kps.1, 0.0));
    }
    // … and out again.
    for k in 0..60 {
        let lon = kps.1 + f64::from(k) * 0.0015;
        points.push((t0 + 9_000_000 + i64::from(k) * 10_000, kps.0, lon, 12.0));
    }
    let lines: Vec<String> = track_lines(276_000_123, &points)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ferry.nmea");

    // A live map listening before the replay starts.
    let mut live = reqwest::Client::new()
        .get(format!("{}/api/v1/vessels/stream", app.url))
        .bearer_auth(app.machine_token().await)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let first = live.chunk().await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&first).contains("event: snapshot"),
        "{first:?}"
    );

    replay_nmea(&app.state, &file, lines.concat()).await;
    let mut pushed = String::new();
    while !pushed.contains("276000123") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), live.chunk())
            .await
            .expect("a position event within 10 s")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(pushed.contains("event: positions"), "{pushed}");

    let mut op = app.login("operator").await;
    let calls = wait_for(&mut op, "/api/v1/vessels/276000123/port-calls", |j| {
        j.as_array()
            .and_then(|a| a.first())
            .is_some_and(|c| !c["end"].is_null())
    })
    .await;
    let call = &calls[0];
    assert_eq!(call["port"], "SEKPS");
    assert_eq!(call["confidence"], 4, "{call}");
    assert_eq!(
        (call["entered"].as_bool(), call["exited"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(call["stopped_at"].is_string());
    assert_eq!(call["high_risk"], false);

    // Downsampled: one point a minute under way (or on a turn), not one per report; the
    // point from two hundred days ago is gone.
    let track = op
        .get(&format!(
            "/api/v1/vessels/276000123/track?since={}&until={}",
            hamnvakt_core::clock::from_millis(t0 - 300 * 86_400_000),
            hamnvakt_core::clock::from_millis(t0 + 86_400_000)
        ))
        .await;
    assert_eq!(track.status, 200, "{}", track.body);
    let n = track.json.as_array().unwrap().len();
    assert!(
        (40..=130).contains(&n),
        "{n} points stored of {}",
        points.len()
    );
    assert!(
        track.json[0]["at_ms"].as_i64().unwrap() >= t0,
        "the old point was pruned"
    );
    assert_eq!(
        op.get("/api/v1/vessels/276000123/track?limit=0")
            .await
            .status,
        422
    );

    // The agent declares Panama; the MMSI is Estonian.
    let r = op
        .put_json(
            "/api/v1/vessels/276000123/flag",
            &serde_json::json!({"flag": "pa"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["mid"]["result"], "flag_mismatch");
    assert_eq!(r.json["mid"]["country"], "EE");
    assert!(r.json["factors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "mid_flag_mismatch"));
    assert_eq!(
        op.put_json(
            "/api/v1/vessels/276000123/flag",
            &serde_json::json!({"flag": "Panama"})
        )
        .await
        .status,
        422
    );
    assert_eq!(app.events("vessel.flag_declared").await.len(), 1);
    let alerts = wait_for(&mut op, "/api/v1/alerts?kind=ais.mid_flag_mismatch", |j| {
        j["alerts"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    assert_eq!(
        alerts["alerts"][0]["subjects"][0]["reference"],
        "mmsi:276000123"
    );
    let ports = op.get("/api/v1/ports").await;
    assert!(ports
        .json
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["code"] == "ECGYE" && p["high_risk"] == true));
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tracks_port_calls_flags_and_live_positions() {
        super::tracks_port_calls_flags_and_live_positions(hamnvakt_testkit::Kind::Sqlite).await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tracks_port_calls_flags_and_live_positions() {
        super::tracks_port_calls_flags_and_live_positions(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// What the detectors remember survives a restart: a vessel heard under way, then silent
/// while 40 others are heard; the instance that heard it stops, another starts on the same
/// database and hears the vessel again three hours later — the gap is found there, with the
/// 40 messages heard meanwhile (without the stored state the vessel would be new to it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_remembers_who_went_dark() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let t0 = 1_795_000_000;
    let mut before = vec![type1(265_123_456, 59.75, 19.20, 14.0, t0)];
    for k in 0..40 {
        before.push(type1(
            230_000_000 + k,
            59.70,
            19.10,
            8.0,
            t0 + 60 * (k as i64 + 1),
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("before.nmea");
    replay_nmea(&app.state, &first, before.join("\n")).await;
    // Wait until what the detectors remember of all 41 messages is stored.
    let mut heard = 0;
    for _ in 0..300 {
        if let Some((data, _)) = app.state.store.maritime_state("detectors").await.unwrap() {
            let v: serde_json::Value = serde_json::from_str(&data).unwrap();
            heard = v["behaviour"]["heard"].as_u64().unwrap();
            if heard == 41 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(heard, 41, "the detectors' memory was not stored");

    // A second instance on the same database (the first one's memory is not shared with it
    // in any other way) hears the vessel again.
    let store = hamnvakt_store::Store::open(&app._db.url, &hamnvakt_store::OpenOptions::default())
        .await
        .unwrap();
    let again = hamnvakt_server::app::Instance::new(
        store,
        crate::helpers::test_config(&app._db),
        app.clock.clone(),
    );
    again.start().await.unwrap();
    let second = dir.path().join("after.nmea");
    let after = type1(265_123_456, 59.76, 19.00, 3.0, t0 + 3 * 3600);
    replay_nmea(&again, &second, after).await;
    let mut op = app.login("operator").await;
    let mut found = serde_json::Value::Null;
    for _ in 0..100 {
        let r = op.get("/api/v1/alerts?kind=ais.gap").await;
        if let Some(a) = r.json["alerts"].as_array().and_then(|a| a.first()) {
            found = a.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        found["kind"], "ais.gap",
        "the restarted instance found no gap"
    );
    let id = found["id"].as_str().unwrap();
    let full = op.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(
        full.json["evidence"]["other_messages_heard_meanwhile"], 40,
        "{}",
        full.body
    );
}
