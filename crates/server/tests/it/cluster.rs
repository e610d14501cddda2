//! Two real `hamnvakt serve` processes on one throwaway PostgreSQL database behave as one
//! system (issue 19): one register, one policy set, one presence, tokens revoked everywhere at
//! once, each instance's live feed carrying the other's decisions; and losing one instance
//! under gate load loses no acknowledged decision and leaves presence and the chain right.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamnvakt_testkit::{Kind, TestDb};
use serde_json::{json, Value};
use sqlx::Row;

use crate::binary::{bootstrap, hamnvakt, stdout, write_config, Server, ADMIN_PASSWORD};
use crate::helpers::{Client, PASSWORD};

const FROM: i64 = 1_767_225_600_000; // 2026-01-01
const UNTIL: i64 = 4_102_444_800_000; // 2100-01-01

/// One PostgreSQL database, two configurations (own data directories) and what the
/// administrator made through instance A.
struct Cluster {
    db: TestDb,
    configs: [PathBuf; 2],
    port: String,
    haulier: String,
    site: String,
    machine: String,
    token: String,
}

impl Cluster {
    /// Bootstraps the database, adds a site (there is no API for sites), starts nothing.
    async fn new() -> Cluster {
        let db = TestDb::new(Kind::Postgres).await;
        let a = write_config(&db);
        bootstrap(a.to_str().unwrap());
        let dir_b = db.path("b");
        std::fs::create_dir_all(&dir_b).unwrap();
        let b = db.path("hamnvakt-b.toml");
        std::fs::write(
            &b,
            std::fs::read_to_string(&a).unwrap().replace(
                &format!("data_dir = {:?}", db.dir.path().display().to_string()),
                &format!("data_dir = {:?}", dir_b.display().to_string()),
            ),
        )
        .unwrap();
        assert_ne!(
            std::fs::read_to_string(&a).unwrap(),
            std::fs::read_to_string(&b).unwrap()
        );
        let site = crate::binary::SITE;
        crate::binary::seed_site(&db).await;
        Cluster {
            db,
            configs: [a, b],
            port: String::new(),
            haulier: String::new(),
            site: site.into(),
            machine: String::new(),
            token: String::new(),
        }
    }

    /// Configures both instances to read one TCP AIS feed.
    fn add_feed(&self, address: std::net::SocketAddr) {
        for config in &self.configs {
            let text = std::fs::read_to_string(config).unwrap();
            std::fs::write(
                config,
                format!("{text}\n[[ais.sources]]\nkind = \"tcp\"\naddress = \"{address}\"\n"),
            )
            .unwrap();
        }
    }

    fn start(&self, which: usize, run: usize) -> Server {
        Server::start(
            &self.configs[which],
            &self
                .db
                .path(&format!("serve-{}-{run}.log", ["a", "b"][which])),
        )
    }

    /// Through `url`: the haulier, a PFSO, a gate controller's account and its token.
    async fn people(&mut self, url: &str) {
        let mut admin = login(url, "admin", ADMIN_PASSWORD).await;
        self.port = admin.get("/api/v1/me").await.json["user"]["org_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = admin
            .post_json(
                "/api/v1/organisations",
                &json!({"name": "Roslagens Åkeri", "kind": "haulier"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        self.haulier = r.json["id"].as_str().unwrap().to_owned();
        let r = admin
            .post_json("/api/v1/users", &json!({"org_id": self.port, "username": "pfso", "display_name": "PFSO", "password": PASSWORD, "roles": ["pfso"]}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = admin
            .post_json("/api/v1/users", &json!({"org_id": self.port, "username": "gates", "display_name": "Gates", "roles": ["machine_client", "gate_controller"]}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        self.machine = r.json["id"].as_str().unwrap().to_owned();
        self.token = token(&mut admin, &self.machine).await.0;
    }
}

/// A gate controller's token for `user`: its secret and id.
async fn token(admin: &mut Client, user: &str) -> (String, String) {
    let t = admin
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "gates", "roles": ["gate_controller"], "user_id": user}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    (
        t.json["secret"].as_str().unwrap().to_owned(),
        t.json["token"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn login(url: &str, username: &str, password: &str) -> Client {
    let mut c = Client::new(url);
    let r = c
        .post_json(
            "/api/v1/session",
            &json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(r.status, 200, "login {username}: {}", r.body);
    c.csrf = r.json["csrf_token"].as_str().map(str::to_owned);
    c
}

async fn create(c: &mut Client, kind: &str, body: Value) -> String {
    let r = c.post_json(&format!("/api/v1/access/{kind}"), &body).await;
    assert_eq!(r.status, 201, "creating {kind}: {}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

/// A facility whose terminal area has hard anti-passback, its main gate, and `cards` people
/// with a card (`C-0` …) and a permit in force at all hours.
async fn build(c: &Cluster, pfso: &mut Client, cards: usize) -> BTreeMap<String, String> {
    let facility = create(
        pfso,
        "facilities",
        json!({"site_id": c.site, "name": "Värtahamnen", "isps_number": "SESTO-0010",
        "security_level": 1, "org_id": c.port}),
    )
    .await;
    let area = create(
        pfso,
        "zones",
        json!({"facility_id": facility, "code": "VHA-OUT", "name": "Terminal area",
        "sensitivity": "normal", "two_person": false, "anti_passback": "hard"}),
    )
    .await;
    create(
        pfso,
        "gates",
        json!({"facility_id": facility, "code": "VHA-MAIN", "name": "Main gate", "kind": "vehicle",
        "inner_zone": area, "closed_at_level2": false, "lat": 59.3515, "lon": 18.1127}),
    )
    .await;
    let mut names = BTreeMap::new();
    for i in 0..cards {
        let name = format!("Driver {i}");
        let person = create(
            pfso,
            "people",
            json!({"org_id": c.haulier, "name": name, "kind": "driver", "responder": false}),
        )
        .await;
        create(
            pfso,
            "credentials",
            json!({"number": format!("C-{i}"), "holder": person, "generic": false,
            "state": "active", "valid_from_ms": FROM, "valid_until_ms": UNTIL}),
        )
        .await;
        create(
            pfso,
            "permits",
            json!({"holder": person, "purpose": "haulage", "zones": [area],
            "valid_from_ms": FROM, "valid_until_ms": UNTIL, "schedule": "always",
            "issued_by_org": c.port, "escort_required": false, "visitor": false,
            "suspended": false}),
        )
        .await;
        names.insert(format!("C-{i}"), name);
    }
    names
}

async fn decide(gate: &mut Client, card: &str, direction: &str) -> Value {
    let r = gate
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-MAIN", "credential": card, "direction": direction}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
}

async fn inside(c: &mut Client) -> BTreeSet<String> {
    let r = c.get("/api/v1/access/occupancy").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Point 1, 2 (tokens and the decision feed) of issue 19, through two real processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_are_one_system() {
    let mut c = Cluster::new().await;
    let a = c.start(0, 1);
    let b = c.start(1, 1);
    c.people(&a.url).await;
    let mut pfso_a = login(&a.url, "pfso", PASSWORD).await;
    let mut pfso_b = login(&b.url, "pfso", PASSWORD).await;
    let names = build(&c, &mut pfso_a, 3).await;
    let mut gate_a = Client::new(&a.url).with_bearer(&c.token);
    let mut gate_b = Client::new(&b.url).with_bearer(&c.token);

    // The register A built is B's at once: a card B never saw being made is granted there.
    assert_eq!(decide(&mut gate_b, "C-0", "in").await["outcome"], "grant");
    assert_eq!(decide(&mut gate_b, "C-0", "out").await["outcome"], "grant");

    // Revoked through A, then B changes the register itself: B still refuses the card (it
    // used to mark itself up to date with its own change and skip A's).
    let card = pfso_a.get("/api/v1/access/credentials?q=C-0").await.json[0].clone();
    let id = card["id"].as_str().unwrap().to_owned();
    let mut revoked = card.clone();
    revoked["state"] = json!("revoked");
    let r = pfso_a
        .put_json(&format!("/api/v1/access/credentials/{id}"), &revoked)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    create(
        &mut pfso_b,
        "people",
        json!({"org_id": c.haulier, "name": "New Driver", "kind": "driver", "responder": false}),
    )
    .await;
    let d = decide(&mut gate_b, "C-0", "in").await;
    assert_eq!(d["outcome"], "deny", "{d}");
    assert_eq!(
        pfso_b
            .get(&format!("/api/v1/access/credentials/{id}"))
            .await
            .json["state"],
        "revoked"
    );

    // A record created through A is read at B at once, before B decides anything.
    let fresh = create(
        &mut pfso_a,
        "people",
        json!({"org_id": c.haulier, "name": "Fresh Face", "kind": "driver", "responder": false}),
    )
    .await;
    let r = pfso_b.get(&format!("/api/v1/access/people/{fresh}")).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A policy edit through A is what B decides with next.
    let p = pfso_a.get("/api/v1/access/policies").await;
    let text = p.json["text"].as_str().unwrap().to_owned() + "\n// edited through A\n";
    let ok = pfso_a
        .put_json(
            "/api/v1/access/policies",
            &json!({"text": text, "comment": "through A"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let version = ok.json["version"].as_i64().unwrap();
    let d = decide(&mut gate_b, "C-1", "in").await;
    assert_eq!(d["outcome"], "grant", "{d}");
    assert_eq!(d["policy_version"], version, "{d}");

    // One presence: in through B, so in again through A is anti-passback; B's and A's
    // occupancy and muster lists have the holder; out through A, and B knows.
    let d = decide(&mut gate_a, "C-1", "in").await;
    assert_eq!(d["outcome"], "deny", "in at B, in again at A: {d}");
    assert!(inside(&mut pfso_a).await.contains("Driver 1"));
    assert!(inside(&mut pfso_b).await.contains("Driver 1"));
    let facility = d["facility"].as_str().unwrap().to_owned();
    let muster = pfso_a
        .get(&format!(
            "/api/v1/access/facilities/{facility}/muster?format=csv"
        ))
        .await;
    assert!(muster.body.contains("Driver 1"), "{}", muster.body);
    assert_eq!(decide(&mut gate_a, "C-1", "out").await["outcome"], "grant");
    assert!(!inside(&mut pfso_b).await.contains("Driver 1"));
    // Out at A, out again at B: allowed (an exit is never refused) but noted as an exit
    // nobody saw entering, because B knows of A's.
    let d = decide(&mut gate_b, "C-1", "out").await;
    assert_eq!(d["outcome"], "grant", "{d}");
    assert!(
        d["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "anti_passback_soft"),
        "out at A, out again at B: {d}"
    );

    // The same card at both instances at the same moment: exactly one gets in, every round.
    for round in 0..12 {
        let (mut ga, mut gb) = (
            Client::new(&a.url).with_bearer(&c.token),
            Client::new(&b.url).with_bearer(&c.token),
        );
        let (x, y) = tokio::join!(decide(&mut ga, "C-2", "in"), decide(&mut gb, "C-2", "in"));
        let grants = [&x, &y].iter().filter(|d| d["outcome"] == "grant").count();
        assert_eq!(grants, 1, "round {round}: {x} {y}");
        let gate = if round % 2 == 0 { &mut ga } else { &mut gb };
        assert_eq!(decide(gate, "C-2", "out").await["outcome"], "grant");
    }
    assert_eq!(inside(&mut pfso_a).await, BTreeSet::new());

    // A's live feed carries what B decides.
    let cookie = login(&a.url, "pfso", PASSWORD).await.cookie.unwrap();
    let mut live_a = reqwest::Client::new()
        .get(format!("{}/api/v1/access/decisions/stream", a.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live_a.status(), 200);
    let d = decide(&mut gate_b, "C-2", "in").await;
    let wanted = d["id"].as_str().unwrap().to_owned();
    let mut pushed = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pushed.contains(&wanted) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, live_a.chunk())
            .await
            .expect("A pushes B's decision within 10 s")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }

    // A token revoked through A is refused at B at the very next request, though B had it
    // in its cache; a role taken away through A is gone at B at once too.
    let mut admin_a = login(&a.url, "admin", ADMIN_PASSWORD).await;
    let (short, short_id) = token(&mut admin_a, &c.machine).await;
    let mut short_b = Client::new(&b.url).with_bearer(&short);
    decide(&mut short_b, "C-2", "out").await;
    assert_eq!(
        admin_a
            .delete(&format!("/api/v1/tokens/{short_id}"))
            .await
            .status,
        204
    );
    let r = short_b
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-MAIN", "credential": "C-2", "direction": "in"}),
        )
        .await;
    assert_eq!(
        r.status, 401,
        "revoked through A, still good at B: {}",
        r.body
    );
    let (again, _) = token(&mut admin_a, &c.machine).await;
    let mut again_b = Client::new(&b.url).with_bearer(&again);
    decide(&mut again_b, "C-2", "in").await;
    let r = admin_a
        .put_json(
            &format!("/api/v1/users/{}/roles", c.machine),
            &json!({"roles": ["machine_client"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = again_b
        .post_json(
            "/api/v1/access/decisions",
            &json!({"gate": "VHA-MAIN", "credential": "C-2", "direction": "out"}),
        )
        .await;
    assert!(
        r.status == 403 || r.status == 401,
        "a role taken away through A still works at B: {} {}",
        r.status,
        r.body
    );
    assert_eq!(names.len(), 3);
    a.stop();
    b.stop();
}

/// What one controller saw: decisions acknowledged, and the longest time from a failed
/// request to the next answer.
#[derive(Default)]
struct Seen {
    acked: Vec<String>,
    failovers: Vec<Duration>,
}

/// Point 4 of issue 19: two instances under gate load, SIGKILL one, its controllers fail over
/// to the other; restart it, and kill the other; three kills, bounded in time. Every
/// acknowledged decision is in the chain, both instances show the presence the chain says,
/// and the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_an_instance_loses_no_decision() {
    const CONTROLLERS: usize = 6;
    const KILLS: usize = 3;
    let mut c = Cluster::new().await;
    let mut servers = [Some(c.start(0, 1)), Some(c.start(1, 1))];
    let url = |s: &Option<Server>| s.as_ref().unwrap().url.clone();
    let mut urls = [url(&servers[0]), url(&servers[1])];
    c.people(&urls[0]).await;
    let mut pfso = login(&urls[0], "pfso", PASSWORD).await;
    let names = build(&c, &mut pfso, CONTROLLERS).await;

    // Each controller presents its own card, in and out, at its instance; on a failed
    // request it fails over to the other one (the URLs are read afresh, as a load balancer
    // would learn a restarted instance's address).
    let shared_urls = Arc::new(Mutex::new(urls.clone()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut controllers = Vec::new();
    for i in 0..CONTROLLERS {
        let (urls, stop, token) = (shared_urls.clone(), stop.clone(), c.token.clone());
        controllers.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap();
            let mut seen = Seen::default();
            let mut which = i % 2;
            let mut direction = "in";
            let mut failed_at: Option<Instant> = None;
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                let base = urls.lock().unwrap()[which].clone();
                let r = http
                    .post(format!("{base}/api/v1/access/decisions"))
                    .bearer_auth(&token)
                    .json(&json!({"gate": "VHA-MAIN", "credential": format!("C-{i}"), "direction": direction}))
                    .send()
                    .await;
                let answer = match r {
                    Ok(r) if r.status().as_u16() == 200 => r.json::<Value>().await.ok(),
                    _ => None,
                };
                match answer {
                    Some(d) => {
                        if let Some(t) = failed_at.take() {
                            seen.failovers.push(t.elapsed());
                        }
                        seen.acked.push(d["id"].as_str().unwrap_or_default().to_owned());
                        // In, out, in …: an entry refused as anti-passback (a lost answer
                        // whose decision was recorded) is followed by the exit all the same.
                        direction = if direction == "in" { "out" } else { "in" };
                    }
                    None => {
                        failed_at.get_or_insert_with(Instant::now);
                        which = 1 - which;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
            seen
        }));
    }

    let started = Instant::now();
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let victim = kill % 2;
        servers[victim].take().unwrap().kill();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let s = c.start(victim, kill + 2);
        urls[victim] = s.url.clone();
        shared_urls.lock().unwrap()[victim] = s.url.clone();
        servers[victim] = Some(s);
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acked = Vec::new();
    let mut failovers = Vec::new();
    for h in controllers {
        let seen = h.await.unwrap();
        acked.extend(seen.acked);
        failovers.extend(seen.failovers);
    }
    assert!(
        started.elapsed() < Duration::from_secs(150),
        "the kill loop is bounded"
    );
    assert!(acked.len() > 100, "{} decisions", acked.len());
    assert!(!failovers.is_empty(), "no controller had to fail over");
    let worst = failovers.iter().max().copied().unwrap_or_default();
    println!(
        "{} decisions acknowledged across {KILLS} kills; {} failovers, the slowest answered {:?} after the failed request",
        acked.len(),
        failovers.len(),
        worst
    );
    assert!(
        worst < Duration::from_secs(3),
        "a failed-over controller waited {worst:?}"
    );

    // Every acknowledged decision is in the chain; presence is the chain's at both.
    let pool = sqlx::AnyPool::connect(&c.db.url).await.unwrap();
    let rows =
        sqlx::query("SELECT payload FROM events WHERE kind = 'access.decision' ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut recorded = BTreeSet::new();
    let mut last: BTreeMap<String, bool> = BTreeMap::new();
    for r in rows {
        let p: Value = serde_json::from_str(&r.get::<String, _>(0)).unwrap();
        recorded.insert(p["id"].as_str().unwrap().to_owned());
        if p["decision"]["outcome"] == "grant" {
            last.insert(
                p["credential"].as_str().unwrap().to_owned(),
                p["decision"]["direction"] == "in",
            );
        }
    }
    pool.close().await;
    for id in &acked {
        assert!(recorded.contains(id), "acknowledged decision {id} was lost");
    }
    let expected: BTreeSet<String> = last
        .iter()
        .filter(|(_, inside)| **inside)
        .map(|(card, _)| names[card].clone())
        .collect();
    for u in &urls {
        let mut p = login(u, "pfso", PASSWORD).await;
        assert_eq!(inside(&mut p).await, expected, "occupancy at {u}");
    }
    for s in servers.into_iter().flatten() {
        s.stop();
    }
    let cfg = c.configs[0].to_str().unwrap();
    let o = hamnvakt(&["audit", "verify", "--config", cfg], &[]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("audit chain intact"), "{}", stdout(&o));
}

/// A `/metrics` counter.
async fn counter(url: &str, name: &str) -> u64 {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

/// Point 3 of issue 19, its leadership part: a feed configured on both instances is read by
/// one of them at a time (so each message is ingested, and each alert raised, once); when the
/// reader is killed, the other takes the feed over within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_instance_reads_each_ais_feed() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncWriteExt;
    let feed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = feed.local_addr().unwrap();
    let (open, most, accepted) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    {
        let (open, most, accepted) = (open.clone(), most.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = feed.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let open = open.clone();
                tokio::spawn(async move {
                    for i in 0..100_000u32 {
                        let at = jiff::Timestamp::now().as_second();
                        let line = crate::ais::type1(265_000_000 + i % 7, 59.35, 18.12, 5.0, at);
                        if sock
                            .write_all(format!("{line}\n").as_bytes())
                            .await
                            .is_err()
                        {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
    }
    let c = Cluster::new().await;
    c.add_feed(address);
    let mut servers = [Some(c.start(0, 1)), Some(c.start(1, 1))];
    let urls: Vec<String> = servers.iter().flatten().map(|s| s.url.clone()).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Both instances have tried to take the feed more than once by now.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "the feed was read twice"
    );
    assert_eq!(most.load(Ordering::SeqCst), 1);
    let lines = [
        counter(&urls[0], "hamnvakt_ais_lines_total").await,
        counter(&urls[1], "hamnvakt_ais_lines_total").await,
    ];
    assert!(
        (lines[0] > 0) != (lines[1] > 0),
        "one instance reads the feed: {lines:?}"
    );
    let reader = usize::from(lines[1] > 0);
    let other = 1 - reader;

    // The other instance shows the same vessels, and pushes their positions to its maps.
    let vessels = |url: String| async move {
        let mut admin = login(&url, "admin", ADMIN_PASSWORD).await;
        let r = admin.get("/api/v1/vessels?limit=1000").await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json.as_array().unwrap().len()
    };
    assert_eq!(vessels(urls[reader].clone()).await, 7);
    let deadline = Instant::now() + Duration::from_secs(10);
    while vessels(urls[other].clone()).await < 7 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        vessels(urls[other].clone()).await,
        7,
        "the other instance's map"
    );
    let cookie = login(&urls[other], "admin", ADMIN_PASSWORD)
        .await
        .cookie
        .unwrap();
    let mut live = reqwest::Client::new()
        .get(format!("{}/api/v1/vessels/stream", urls[other]))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let mut pushed = String::new();
    while !pushed.contains("265000") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), live.chunk())
            .await
            .expect("the other instance pushes positions it did not hear")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }

    // The reader dies; the other takes the feed over.
    let killed = Instant::now();
    servers[reader].take().unwrap().kill();
    while accepted.load(Ordering::SeqCst) < 2 && killed.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = killed.elapsed();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "nobody took the feed over"
    );
    println!("the AIS feed was taken over {took:?} after its reader was killed");
    let before = counter(&urls[other], "hamnvakt_ais_lines_total").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(counter(&urls[other], "hamnvakt_ais_lines_total").await > before);
    assert!(took < Duration::from_secs(15), "{took:?}");

    // The killed reader, started again, shows the map as it was before it hears anything.
    let again = c.start(reader, 2);
    assert_eq!(vessels(again.url.clone()).await, 7, "the restarted map");
    servers[reader] = Some(again);
    for s in servers.into_iter().flatten() {
        s.stop();
    }
}
