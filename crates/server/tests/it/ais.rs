//! AIS ingest through real sockets and a file: a TCP feed the server connects to, a TCP
//! listener and a UDP listener receivers push to, and a replayed recording; the vessel picture
//! through the API; duplicates, malformed lines and the rest counted in `/metrics`.

use std::time::Duration;

use hamnvakt_server::ais::{spawn_source, SourceConfig};
use hamnvakt_testkit::Kind;
use tokio::io::AsyncWriteExt;

use crate::helpers::TestApp;

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
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    spawn_source(
        &app.state,
        SourceConfig::Tcp {
            address: feed_addr.to_string(),
        },
    )
    .await
    .unwrap();

    // Listeners receivers push to.
    let tcp = spawn_source(
        &app.state,
        SourceConfig::TcpListen {
            listen: "127.0.0.1:0".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let udp = spawn_source(
        &app.state,
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
    std::fs::write(&file, dma).unwrap();
    spawn_source(
        &app.state,
        SourceConfig::File {
            path: file,
            speed: 0.0,
        },
    )
    .await
    .unwrap();

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
}
