//! Test support: an in-process server on port 0 over a fresh database, seeded with a port
//! authority, an agency and a haulier and a user of each role; and a client that keeps
//! cookies.

use std::sync::Arc;

use hamnvakt_core::ids::{OrgId, SiteId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::FixedClock;
use hamnvakt_identity::Role;
use hamnvakt_server::app::Instance;
use hamnvakt_server::identity::{self as admin, UserSpec};
use hamnvakt_server::web::change::Actor;
use hamnvakt_server::web::config::Config;
use hamnvakt_store::{OpenOptions, Store};
use hamnvakt_testkit::{Kind, TestDb};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery";
pub const T0_MS: i64 = 1_795_000_000_000; // 2026-11-17, a fixed day for the clock

pub struct TestApp {
    pub url: String,
    pub state: Instance,
    pub clock: Arc<FixedClock>,
    pub port: OrgId,
    pub customs: OrgId,
    pub haulier: OrgId,
    /// Värtahamnen, the site the access tests' facilities belong to.
    pub site: SiteId,
    pub admin: UserId,
    pub machine: UserId,
    pub _db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn test_config(db: &TestDb) -> Config {
    let mut c = Config::load(None, Vec::new()).unwrap();
    c.listen_address = "127.0.0.1:0".parse().unwrap();
    c.data_dir = db.dir.path().to_owned();
    c.database_url = db.url.clone();
    c.max_request_body_bytes = 64 * 1024;
    c
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> TestApp {
        TestApp::spawn_on(TestDb::new(kind).await, |_| {}).await
    }

    /// [`TestApp::spawn`] on a database made beforehand, with the configuration changed by
    /// `configure` before the instance starts.
    pub async fn spawn_on(db: TestDb, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config(&db);
        configure(&mut config);
        let store = Store::open(&db.url, &OpenOptions::default()).await.unwrap();
        store.migrate(T0_MS).await.unwrap();
        let clock = Arc::new(FixedClock::new(
            jiff::Timestamp::from_millisecond(T0_MS).unwrap(),
        ));
        let state = Instance::new(store, config, clock.clone());
        state.start().await.unwrap();
        let seed = Actor::system("test");
        let port = admin::create_org(
            &state,
            &seed,
            "Stockholms Hamnar",
            OrgKind::PortAuthority,
            None,
        )
        .await
        .unwrap()
        .id;
        let customs = admin::create_org(&state, &seed, "Tullverket", OrgKind::Customs, None)
            .await
            .unwrap()
            .id;
        let haulier = admin::create_org(&state, &seed, "Roslagens Åkeri", OrgKind::Haulier, None)
            .await
            .unwrap()
            .id;
        let site = crate::binary::varta();
        hamnvakt_server::sites::create_site(&state, &seed, &site)
            .await
            .unwrap();
        let user = |org, name: &str, roles: Vec<Role>, password: bool| UserSpec {
            id: None,
            org_id: org,
            username: name.into(),
            display_name: name.into(),
            password: password.then(|| PASSWORD.to_owned()),
            roles,
            locale: "en".into(),
        };
        admin::create_user(
            &state,
            &seed,
            user(port, "operator", vec![Role::Operator], true),
        )
        .await
        .unwrap();
        let admin_id = admin::create_user(
            &state,
            &seed,
            user(
                port,
                "admin",
                vec![Role::Administrator, Role::PlatformAdministrator],
                true,
            ),
        )
        .await
        .unwrap()
        .id;
        admin::create_user(&state, &seed, user(port, "pfso", vec![Role::Pfso], true))
            .await
            .unwrap();
        admin::create_user(
            &state,
            &seed,
            user(port, "operator2", vec![Role::Operator], true),
        )
        .await
        .unwrap();
        admin::create_user(
            &state,
            &seed,
            user(customs, "targeting", vec![Role::TargetingOfficer], true),
        )
        .await
        .unwrap();
        admin::create_user(
            &state,
            &seed,
            user(haulier, "dispatch", vec![Role::Operator], true),
        )
        .await
        .unwrap();
        let machine = admin::create_user(
            &state,
            &seed,
            user(
                port,
                "detector",
                vec![
                    Role::MachineClient,
                    Role::GateController,
                    Role::PortCallSystem,
                ],
                false,
            ),
        )
        .await
        .unwrap()
        .id;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve_state = state.clone();
        tokio::spawn(async move {
            let _ = hamnvakt_server::app::serve(serve_state, listener, async move {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            url,
            state,
            clock,
            port,
            customs,
            haulier,
            site: site.id,
            admin: admin_id,
            machine,
            _db: db,
            shutdown: Some(tx),
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// A signed-in browser-like client.
    pub async fn login(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c
            .post_json(
                "/api/v1/session",
                &json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        c.csrf = r.json["csrf_token"].as_str().map(str::to_owned);
        c
    }

    /// A bearer token for the machine account (a detector, a gate controller and the
    /// port-call system in one), created through the service.
    pub async fn machine_token(&self) -> String {
        let owner = self.state.store.user(self.machine).await.unwrap().unwrap();
        let (_, secret) = admin::create_token(
            &self.state,
            &Actor::system("test"),
            &owner,
            "detector",
            vec![
                Role::MachineClient,
                Role::GateController,
                Role::PortCallSystem,
            ],
            30,
        )
        .await
        .unwrap();
        secret
    }

    /// A new organisation, made through the service as an administrator would.
    pub async fn org(&self, name: &str, kind: OrgKind) -> OrgId {
        admin::create_org(&self.state, &Actor::system("test"), name, kind, None)
            .await
            .unwrap()
            .id
    }

    /// A person who signs in with `username` and [`PASSWORD`], in `org`, with `roles`.
    pub async fn user(&self, org: OrgId, username: &str, roles: Vec<Role>) -> UserId {
        admin::create_user(
            &self.state,
            &Actor::system("test"),
            UserSpec {
                id: None,
                org_id: org,
                username: username.into(),
                display_name: username.into(),
                password: Some(PASSWORD.to_owned()),
                roles,
                locale: "en".into(),
            },
        )
        .await
        .unwrap()
        .id
    }

    /// Fails the test unless the audit chain verifies from its first event to its head.
    pub async fn assert_chain_intact(&self) {
        let report = self.state.store.verify_chain().await.unwrap();
        assert_eq!(
            report.status,
            hamnvakt_store::ChainStatus::Intact,
            "{report:?}"
        );
    }

    pub async fn events(&self, kind: &str) -> Vec<hamnvakt_store::EventRecord> {
        self.state
            .store
            .list_events(Some(kind), None, 500)
            .await
            .unwrap()
            .events
    }
}

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub json: Value,
}

/// A small HTTP client that keeps the session cookie and sends the CSRF header when it has one.
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            base: base.to_owned(),
            http,
            cookie: None,
            csrf: None,
            bearer: None,
        }
    }

    pub fn with_bearer(mut self, token: &str) -> Client {
        self.bearer = Some(token.to_owned());
        self
    }

    pub async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Response {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        if let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t);
        }
        if let Some(b) = &self.bearer {
            req = req.header("authorization", format!("Bearer {b}"));
        }
        if let Some((ct, bytes)) = body {
            req = req.header("content-type", ct).body(bytes);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        for v in headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if let Some(rest) = v.strip_prefix("hv_session=") {
                let value = rest.split(';').next().unwrap_or("");
                self.cookie = if value.is_empty() {
                    None
                } else {
                    Some(format!("hv_session={value}"))
                };
            }
        }
        let body = resp.text().await.unwrap();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            json,
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post_json(&mut self, path: &str, v: &Value) -> Response {
        self.send(
            reqwest::Method::POST,
            path,
            Some(("application/json", serde_json::to_vec(v).unwrap())),
        )
        .await
    }

    pub async fn put_json(&mut self, path: &str, v: &Value) -> Response {
        self.send(
            reqwest::Method::PUT,
            path,
            Some(("application/json", serde_json::to_vec(v).unwrap())),
        )
        .await
    }

    pub async fn delete(&mut self, path: &str) -> Response {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// A draft alert body.
pub fn alert_body(title: &str, tlp: &str, shared_with: &[OrgId]) -> Value {
    json!({
        "kind": "access.repeated_denials",
        "severity": "high",
        "title": title,
        "subjects": [{"kind": "credential", "reference": "SH-204117", "label": "contractor card"}],
        "evidence": {"denials": 2},
        "tlp": tlp,
        "shared_with": shared_with,
    })
}

/// Writes `nmea` to `file` and replays it into `instance`'s maritime picture as a file
/// source, as fast as it reads.
pub async fn replay_nmea(instance: &Instance, file: &std::path::Path, nmea: impl AsRef<[u8]>) {
    std::fs::write(file, nmea).unwrap();
    hamnvakt_server::maritime::spawn_source(
        &instance.maritime_state(),
        hamnvakt_server::maritime::SourceConfig::File {
            path: file.to_path_buf(),
            speed: 0.0,
        },
    )
    .await
    .unwrap();
}
