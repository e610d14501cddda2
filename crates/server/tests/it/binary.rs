//! The `hamnvakt` binary as an operator runs it: help on every command, strict configuration,
//! migrate, bootstrap, backup that serve can start from, and `audit verify`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use hamnvakt_testkit::{Kind, TestDb};

pub const BIN: &str = env!("CARGO_BIN_EXE_hamnvakt");

/// Runs `hamnvakt` with a clean `HAMNVAKT_*` environment.
pub fn hamnvakt(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("HAMNVAKT_")) {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub const ADMIN_PASSWORD: &str = "a long admin password";

/// Creates the port authority and its administrator (`admin`, [`ADMIN_PASSWORD`]).
pub fn bootstrap(cfg: &str) {
    let o = hamnvakt(
        &[
            "bootstrap",
            "--config",
            cfg,
            "--org-name",
            "Stockholms Hamnar",
            "--username",
            "admin",
            "--display-name",
            "Admin",
        ],
        &[("HAMNVAKT_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The site every test's register starts from: Värtahamnen.
pub const SITE: &str = "00000000-0000-4000-8000-000000000001";

/// [`SITE`] as the store keeps it.
pub fn varta() -> hamnvakt_store::Site {
    hamnvakt_store::Site {
        id: SITE.parse().unwrap(),
        code: "VARTA".into(),
        name: "Värtahamnen".into(),
        description: "Ferry and ro-ro terminal".into(),
        locode: "SESTO".into(),
        lat: 59.3519,
        lon: 18.1119,
    }
}

/// Creates [`SITE`] in `db` through the use case, before any `hamnvakt serve` runs on it.
pub async fn seed_site(db: &TestDb) {
    let store = hamnvakt_store::Store::open(&db.url, &hamnvakt_store::OpenOptions::default())
        .await
        .unwrap();
    let clock = std::sync::Arc::new(hamnvakt_core::FixedClock::new(jiff::Timestamp::now()));
    let seed =
        hamnvakt_server::app::Instance::new(store.clone(), crate::helpers::test_config(db), clock);
    hamnvakt_server::sites::create_site(
        &seed.state,
        &hamnvakt_server::web::change::Actor::system("test"),
        &varta(),
    )
    .await
    .unwrap();
    store.close().await;
}

/// Writes a configuration file for a database.
pub fn write_config(db: &TestDb) -> PathBuf {
    let path = db.path("hamnvakt.toml");
    let text = format!(
        "listen_address = \"127.0.0.1:0\"\ndata_dir = {:?}\ndatabase_url = {:?}\n[login_throttle]\naccount_max_failures = 50\naddress_max_failures = 500\n",
        db.dir.path().display().to_string(),
        db.url
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A `hamnvakt serve` process.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(config: &Path, log: &Path) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--config", config.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("HAMNVAKT_")) {
            cmd.env_remove(k);
        }
        let mut child = cmd.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let mut lines = BufReader::new(out).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(u) = line.strip_prefix("Hamnvakt listening on ") {
                        break u.trim().to_owned();
                    }
                }
                _ => panic!(
                    "the server exited before listening; log: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                ),
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    /// SIGKILL: no shutdown, no flushing, nothing.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn stop(self) {
        self.kill();
    }
}

/// A test that fails leaves no server running behind it.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `hamnvakt ais decode` reproduces gpsd's expected `gpsdecode -u -c` output for the shared
/// half of gpsd's regression sample, byte for byte, from standard input; `--format json` gives
/// one JSON object per message.
#[test]
fn ais_decode_reproduces_gpsds_regression_output() {
    use std::io::Write;
    let dir = hamnvakt_testkit::shared_data_dir().join("ais/gpsd");
    let input = std::fs::read(dir.join("sample-shared.aivdm")).unwrap();
    let expected = std::fs::read_to_string(dir.join("sample-shared.aivdm.chk")).unwrap();
    let run = |args: &[&str]| {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run(&["ais", "decode"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected);
    let o = run(&["ais", "decode", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        57,
        "type 24 parts are separate messages in JSON"
    );
    assert_eq!(lines[0]["mmsi"], 371798000);
    assert_eq!(lines[0]["lat"], 29028980);
    assert_eq!(lines[3]["shipname"], "EVER DIADEM");
}

/// `hamnvakt targeting train | score | evaluate` on KCS declarations: a model file, a score per
/// input row under a header, and the ranking metrics.
#[test]
fn targeting_trains_scores_and_evaluates_from_the_command_line() {
    let kcs = hamnvakt_testkit::shared_data_dir().join("customs/kcs-synthetic/v2022-hs10");
    let dir = tempfile::tempdir().unwrap();
    let cut = |file: &str, skip: usize, take: usize, out: &str| {
        let text = std::fs::read_to_string(kcs.join(file)).unwrap();
        let mut lines = text.lines();
        let mut s = format!("{}\n", lines.next().unwrap());
        for l in lines.skip(skip).take(take) {
            s.push_str(l);
            s.push('\n');
        }
        let path = dir.path().join(out);
        std::fs::write(&path, s).unwrap();
        path
    };
    let train = cut("df_syn_train_eng.csv", 0, 8000, "train.csv");
    let valid = cut("df_syn_valid_eng.csv", 0, 2000, "valid.csv");
    let input = cut("df_syn_valid_eng.csv", 2000, 1500, "input.csv");
    let model = dir.path().join("model.json");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let o = hamnvakt(
        &[
            "targeting",
            "train",
            "--mapping",
            "kcs",
            "--train",
            &s(&train),
            "--valid",
            &s(&valid),
            "--model",
            &s(&model),
            "--params",
            r#"{"trees":20,"leaves":31,"learning_rate":0.2}"#,
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("precision"), "{}", stdout(&o));
    let scores = dir.path().join("scores.csv");
    let o = hamnvakt(
        &[
            "targeting",
            "score",
            "--mapping",
            "kcs",
            "--model",
            &s(&model),
            "--input",
            &s(&input),
            "--output",
            &s(&scores),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&scores).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "declaration_id,score");
    assert_eq!(lines.len(), 1 + 1500, "one line per input row");
    let input_ids: Vec<String> = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    for (line, id) in lines[1..].iter().zip(&input_ids) {
        let (got, score) = line.split_once(',').unwrap();
        assert_eq!(got, id);
        let v: f64 = score.parse().unwrap();
        assert!((0.0..=1.0).contains(&v));
    }
    let o = hamnvakt(
        &[
            "targeting",
            "evaluate",
            "--mapping",
            "kcs",
            "--model",
            &s(&model),
            "--input",
            &s(&input),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in ["  1 %", "  2 %", "  5 %", " 10 %", "AUC"] {
        assert!(out.contains(want), "{out}");
    }
    // A wrong mapping name is a clear error, not a crash.
    let o = hamnvakt(
        &[
            "targeting",
            "score",
            "--mapping",
            "nope",
            "--model",
            &s(&model),
            "--input",
            &s(&input),
            "--output",
            &s(&scores),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a built-in mapping"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["check-config", "--help"],
        vec!["migrate", "--help"],
        vec!["backup", "--help"],
        vec!["audit", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["bootstrap", "--help"],
        vec!["ais", "--help"],
        vec!["ais", "decode", "--help"],
        vec!["targeting", "train", "--help"],
        vec!["targeting", "score", "--help"],
        vec!["targeting", "evaluate", "--help"],
        vec!["targeting", "simulate", "--help"],
    ] {
        let o = hamnvakt(&args, &[]);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn check_config_names_an_unknown_key_and_accepts_a_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "listen_address = \"127.0.0.1:8080\"\n[login_throttle]\nwindow_minutes = 5\n",
    )
    .unwrap();
    let o = hamnvakt(&["check-config", "--config", bad.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown key `login_throttle.window_minutes`"),
        "{}",
        stderr(&o)
    );

    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "listen_address = \"127.0.0.1:8080\"\nsession_timeout_seconds = 3600\n",
    )
    .unwrap();
    let o = hamnvakt(&["check-config", "--config", good.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("configuration is valid"));

    let o = hamnvakt(
        &["check-config", "--config", good.to_str().unwrap()],
        &[("HAMNVAKT_SESION_TIMEOUT_SECONDS", "5")],
    );
    assert!(
        stderr(&o).contains("unknown key `sesion_timeout_seconds`"),
        "{}",
        stderr(&o)
    );
    let o = hamnvakt(
        &["check-config", "--config", good.to_str().unwrap()],
        &[("HAMNVAKT_LISTEN_ADDRESS", "nowhere")],
    );
    assert!(stderr(&o).contains("listen_address"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_backup_and_serve_from_the_backup() {
    let db = TestDb::new(Kind::Sqlite).await;
    let config = write_config(&db);
    let cfg = config.to_str().unwrap();
    let o = hamnvakt(&["migrate", "--config", cfg], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    bootstrap(cfg);
    let again = hamnvakt(
        &[
            "bootstrap",
            "--config",
            cfg,
            "--org-name",
            "X",
            "--username",
            "admin2",
            "--display-name",
            "A",
        ],
        &[("HAMNVAKT_BOOTSTRAP_PASSWORD", "a long admin password")],
    );
    assert!(
        !again.status.success(),
        "bootstrap runs only on an empty database"
    );

    // Back up while the server runs and writes.
    let server = Server::start(&config, &db.path("serve.log"));
    let mut c = crate::helpers::Client::new(&server.url);
    let r = c
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "admin", "password": "a long admin password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let backup = db.path("backup.db");
    let o = hamnvakt(
        &[
            "backup",
            "--config",
            cfg,
            "--output",
            backup.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("chain intact"), "{}", stdout(&o));
    assert!(
        !db.path("backup.db.derived").exists(),
        "the backup is one file; verifying it leaves no derived file beside it"
    );
    server.stop();

    // `serve` starts from the backup as its database.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, restored.path().join("hamnvakt.db")).unwrap();
    let rcfg = restored.path().join("hamnvakt.toml");
    std::fs::write(
        &rcfg,
        format!(
            "listen_address = \"127.0.0.1:0\"\ndata_dir = {:?}\n",
            restored.path().display().to_string()
        ),
    )
    .unwrap();
    let server = Server::start(&rcfg, &restored.path().join("serve.log"));
    let mut c = crate::helpers::Client::new(&server.url);
    let r = c
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "admin", "password": "a long admin password"}),
        )
        .await;
    assert_eq!(
        r.status, 200,
        "the restored database has the admin: {}",
        r.body
    );
    server.stop();
    let o = hamnvakt(
        &["audit", "verify", "--config", rcfg.to_str().unwrap()],
        &[],
    );
    assert!(
        o.status.success() && stdout(&o).contains("intact"),
        "{}",
        stdout(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_generates_a_day_and_prints_the_sign_ins() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let o = hamnvakt(
        &["demo", "--data-dir", data.to_str().unwrap(), "--no-serve"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for expected in [
        "Ports of Stockholm",
        "operator",
        "pfso",
        "targeting",
        "admin",
        "hamnvakt-demo",
        "hvt_",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
    // Story 2: today's reefer from Guayaquil for a new consignee ranks in the day's top 2 %,
    // selected red by risk.
    let store = hamnvakt_store::Store::open(
        &hamnvakt_store::sqlite_url(&data.join("hamnvakt.db")),
        &Default::default(),
    )
    .await
    .unwrap();
    let mut day = None;
    let mut after: Option<String> = None;
    let mut story = None;
    loop {
        let page = store
            .list_consignments(None, after.as_deref(), 1000)
            .await
            .unwrap();
        let Some(l) = page.last() else { break };
        after = Some(l.declaration_id.clone());
        if let Some(s) = page.iter().find(|c| c.declaration_id.ends_with("-7781")) {
            day = s.day;
            story = Some(s.clone());
        }
    }
    let story = story.expect("story 2's consignment");
    assert_eq!(story.container.as_deref(), Some("MSKU4839210"));
    let lanes = store.selections_of_day(day.unwrap()).await.unwrap();
    let rank = lanes
        .iter()
        .position(|s| s.declaration_id == story.declaration_id)
        .unwrap();
    assert!(
        (rank as f64) < 0.02 * lanes.len() as f64,
        "rank {rank} of {}",
        lanes.len()
    );
    assert_eq!(
        (lanes[rank].lane.as_str(), lanes[rank].why.as_str()),
        ("red", "risk")
    );
    assert!(
        lanes[rank].reasons.contains("\"first_importer\""),
        "{}",
        lanes[rank].reasons
    );
    store.close().await;
    // Running it again regenerates the same demo directory.
    let o = hamnvakt(
        &["demo", "--data-dir", data.to_str().unwrap(), "--no-serve"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!("data_dir = {:?}\n", data.display().to_string()),
    )
    .unwrap();
    let o = hamnvakt(&["audit", "verify", "--config", cfg.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stdout(&o));
    // A directory that is not a demo is left alone.
    let other = dir.path().join("precious");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "x").unwrap();
    let o = hamnvakt(
        &["demo", "--data-dir", other.to_str().unwrap(), "--no-serve"],
        &[],
    );
    assert!(!o.status.success());
    assert!(other.join("keep.txt").exists());
}

#[test]
fn the_documented_example_configuration_is_valid() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hamnvakt.example.toml");
    let o = hamnvakt(
        &["check-config", "--config", example.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `hamnvakt targeting import` brings a KCS quarter into the database with progress, and a file
/// with bad rows has them listed by row and column while the good ones are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeting_import_keeps_good_rows_and_names_bad_ones() {
    let db = TestDb::new(Kind::Sqlite).await;
    let config = write_config(&db);
    let cfg = config.to_str().unwrap();
    let valid = hamnvakt_testkit::shared_data_dir()
        .join("customs/kcs-synthetic/v2022-hs10/df_syn_valid_eng.csv");
    let o = hamnvakt(
        &[
            "targeting",
            "import",
            "--config",
            cfg,
            "--mapping",
            "kcs",
            "--input",
            valid.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("read 8134 rows"),
        "progress: {}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("8134 rows read, 8134 consignments stored, 0 rows refused"),
        "{}",
        stdout(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("manifest.csv");
    std::fs::write(
        &bad,
        "declaration_id,date,container,hs_code,origin_country,route_ports,mass_kg,value\n\
         NVK-1,2026-11-28,CSQU3054383,0803901000,EC,ECGYE;NLRTM;SENYN,18000,21000\n\
         NVK-2,2026-11-28,CSQU3054384,0803901000,EC,,18000,21000\n",
    )
    .unwrap();
    let o = hamnvakt(
        &[
            "targeting",
            "import",
            "--config",
            cfg,
            "--mapping",
            "hamnvakt",
            "--input",
            bad.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            ":3: column \"container\": container: \"CSQU3054384\": the check digit should be 3"
        ),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("2 rows read, 1 consignments stored, 1 rows refused"),
        "{}",
        stdout(&o)
    );
    let store = hamnvakt_store::Store::open(&db.url, &Default::default())
        .await
        .unwrap();
    assert_eq!(store.count_consignments().await.unwrap(), 8135);
    let c = store.consignment("NVK-1").await.unwrap().unwrap();
    assert_eq!(c.container.as_deref(), Some("CSQU3054383"));
}
