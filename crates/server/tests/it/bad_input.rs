//! Bad input: malformed JSON, unknown fields, wrong types, oversized bodies and random bytes
//! get a 4xx problem document naming the field, store nothing, and never a 5xx.

use hamnvakt_testkit::Kind;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{alert_body, TestApp};

async fn alert_count(app: &TestApp) -> i64 {
    let viewer = hamnvakt_store::Viewer::member(app.port);
    app.state
        .store
        .count_alerts(&viewer, &Default::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_bad_body_is_refused_with_the_field_and_stores_nothing() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let token = app.machine_token().await;
    let mut m = app.client().with_bearer(&token);
    // body, content type, status, code, field
    type Case<'a> = (Vec<u8>, &'a str, u16, &'a str, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (b"{\"kind\": ".to_vec(), "application/json", 400, "malformed_json", None),
        (b"[1,2".to_vec(), "application/json", 400, "malformed_json", None),
        (b"{} trailing".to_vec(), "application/json", 400, "malformed_json", None),
        (serde_json::to_vec(&json!({"kind": "a.b", "severity": "high", "title": "t", "tlp": "TLP:RED", "colour": 1})).unwrap(), "application/json", 422, "invalid_fields", Some("colour")),
        (serde_json::to_vec(&json!({"kind": "a.b", "severity": 3, "title": "t", "tlp": "TLP:RED"})).unwrap(), "application/json", 422, "invalid_fields", Some("severity")),
        (serde_json::to_vec(&json!({"kind": "a.b", "severity": "high", "title": "t", "tlp": "TLP:RED", "subjects": [{"kind": "spaceship", "reference": "x"}]})).unwrap(), "application/json", 422, "invalid_fields", Some("subjects[0].kind")),
        (serde_json::to_vec(&json!({"kind": "a.b", "severity": "high", "tlp": "TLP:RED"})).unwrap(), "application/json", 422, "invalid_fields", Some("body")),
        (serde_json::to_vec(&json!({"kind": "Not A Kind", "severity": "high", "title": "t", "tlp": "TLP:RED"})).unwrap(), "application/json", 422, "invalid_fields", Some("kind")),
        (serde_json::to_vec(&json!({"kind": "a.b", "severity": "high", "title": "t", "tlp": "TLP:RED", "shared_with": ["00000000-0000-4000-8000-000000000000"]})).unwrap(), "application/json", 422, "invalid_fields", Some("shared_with[0]")),
        (serde_json::to_vec(&alert_body("x", "TLP:AMBER", &[])).unwrap(), "text/plain", 415, "unsupported_media_type", None),
        (vec![b'{'; 70 * 1024], "application/json", 413, "payload_too_large", None),
    ];
    for (body, ct, status, code, field) in cases {
        let r = m
            .send(
                reqwest::Method::POST,
                "/api/v1/alerts",
                Some((ct, body.clone())),
            )
            .await;
        let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
        assert_eq!(r.status, status, "{shown}: {}", r.body);
        assert_eq!(
            r.headers.get("content-type").unwrap(),
            "application/problem+json",
            "{shown}"
        );
        assert_eq!(r.json["code"].as_str(), Some(code), "{shown}");
        if let Some(f) = field {
            assert_eq!(
                r.json["errors"][0]["field"].as_str(),
                Some(f),
                "{shown}: {}",
                r.body
            );
        }
    }
    assert_eq!(alert_count(&app).await, 0, "nothing was stored");
    // A body larger than the limit without a Content-Length (chunked) is cut off too.
    assert_eq!(chunked_post(&app.url, &token, 70 * 1024).await, 413);
    assert_eq!(alert_count(&app).await, 0);
}

/// Posts `n` bytes as a chunked body over a raw connection and returns the status code.
async fn chunked_post(url: &str, token: &str, n: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/alerts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut sent = 0;
    while sent < n {
        let chunk = vec![b' '; 8192];
        // The server may answer and close before we finish; that is the point.
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
            || s.write_all(&chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
        sent += chunk.len();
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("high"),
            Just("TLP:AMBER"),
            Just("a.b"),
            Just("person"),
            Just("open")
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("kind".to_owned()),
                    Just("severity".to_owned()),
                    Just("title".to_owned()),
                    Just("tlp".to_owned()),
                    Just("subjects".to_owned()),
                    Just("evidence".to_owned()),
                    Just("shared_with".to_owned()),
                    Just("note".to_owned()),
                    Just("outcome".to_owned()),
                    Just("assignee".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid alert body with one field replaced by something random.
fn mutated_alert() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "kind",
            "severity",
            "title",
            "tlp",
            "subjects",
            "evidence",
            "shared_with",
        ]),
        arb_json(),
    )
        .prop_map(|(field, v)| {
            let mut body = alert_body("mutated", "TLP:AMBER", &[]);
            body[field] = v;
            body
        })
}

#[test]
fn random_bodies_never_cause_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::spawn(Kind::Sqlite));
    let token = rt.block_on(app.machine_token());
    let alert = rt.block_on(async {
        let mut m = app.client().with_bearer(&token);
        m.post_json("/api/v1/alerts", &alert_body("target", "TLP:AMBER", &[]))
            .await
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    });
    let signed_in = rt.block_on(app.login("operator"));
    let (cookie, csrf) = (signed_in.cookie.clone(), signed_in.csrf.clone());
    let paths = [
        "/api/v1/alerts".to_owned(),
        format!("/api/v1/alerts/{alert}/acknowledge"),
        format!("/api/v1/alerts/{alert}/assign"),
        format!("/api/v1/alerts/{alert}/close"),
        "/api/v1/session".to_owned(),
        "/api/v1/tokens".to_owned(),
        "/api/v1/users".to_owned(),
    ];
    let config = ProptestConfig {
        cases: 160,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy = (
        prop::sample::select(paths.to_vec()),
        prop_oneof![
            arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            mutated_alert().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            prop::collection::vec(any::<u8>(), 0..300),
        ],
        "[ -~]{0,60}",
    );
    runner
        .run(&strategy, |(path, body, query)| {
            let mut op = crate::helpers::Client::new(&app.url);
            op.cookie = cookie.clone();
            op.csrf = csrf.clone();
            let (post, get) = rt.block_on(async {
                let post = op
                    .send(
                        reqwest::Method::POST,
                        &path,
                        Some(("application/json", body.clone())),
                    )
                    .await;
                let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
                let get = op
                    .get(&format!("/api/v1/alerts?state={q}&kind={q}&cursor={q}"))
                    .await;
                (post, get)
            });
            prop_assert!(
                post.status < 500,
                "POST {} {:?} gave {}: {}",
                path,
                String::from_utf8_lossy(&body),
                post.status,
                post.body
            );
            prop_assert!(get.status < 500, "GET with {:?} gave {}", query, get.status);
            if post.status >= 400 {
                prop_assert_eq!(
                    post.headers
                        .get("content-type")
                        .map(|v| v.to_str().unwrap_or("")),
                    Some("application/problem+json")
                );
            }
            Ok(())
        })
        .unwrap();
    let ok = rt.block_on(async { app.client().get("/healthz").await.status });
    assert_eq!(ok, 200);
    let report = rt.block_on(app.state.store.verify_chain()).unwrap();
    assert_eq!(report.status, hamnvakt_store::ChainStatus::Intact);
}

/// What axum's own extractors and layers refuse (a path segment or a query value that does not
/// parse, a body over the limit, a wrong content type, a wrong method) is a problem document
/// naming the parameter, not axum's `text/plain`; a 405 says which methods there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_rejections_are_problem_documents_naming_the_parameter() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut t = app.login("targeting").await;
    let mut a = app.login("admin").await;
    // method, path, body, status, code, field
    type Case<'a> = (
        reqwest::Method,
        &'a str,
        Option<(&'a str, Vec<u8>)>,
        u16,
        &'a str,
        Option<&'a str>,
    );
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let cases: Vec<Case> = vec![
        (
            get.clone(),
            "/api/v1/vessels/abc",
            None,
            422,
            "invalid_fields",
            Some("mmsi"),
        ),
        (
            get.clone(),
            "/api/v1/vessels/99999999999/track",
            None,
            422,
            "invalid_fields",
            Some("mmsi"),
        ),
        (
            get.clone(),
            "/api/v1/vessels/-1/risk",
            None,
            422,
            "invalid_fields",
            Some("mmsi"),
        ),
        (
            get.clone(),
            "/api/v1/vessels?limit=many",
            None,
            422,
            "invalid_fields",
            Some("limit"),
        ),
        (
            get.clone(),
            "/api/v1/vessels/265547250/port-calls?limit=1.5",
            None,
            422,
            "invalid_fields",
            Some("limit"),
        ),
        (
            get.clone(),
            "/api/v1/consignments?limit=x",
            None,
            422,
            "invalid_fields",
            Some("limit"),
        ),
        (
            get.clone(),
            "/api/v1/targeting/worklist",
            None,
            422,
            "invalid_fields",
            Some("body"),
        ),
        (
            get.clone(),
            "/api/v1/targeting/report?weeks=%FF",
            None,
            422,
            "invalid_fields",
            Some("weeks"),
        ),
        (
            get.clone(),
            "/api/v1/consignments/%FF%FE",
            None,
            422,
            "invalid_fields",
            Some("id"),
        ),
        (
            get.clone(),
            "/api/v1/alerts/%C0",
            None,
            422,
            "invalid_fields",
            Some("id"),
        ),
        (
            post.clone(),
            "/api/v1/consignments/import?mapping=kcs",
            Some(("text/csv", vec![b'a'; 70 * 1024])),
            413,
            "payload_too_large",
            None,
        ),
        (
            post.clone(),
            "/api/v1/consignments/import?mapping=kcs",
            Some(("application/json", b"{}".to_vec())),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            post.clone(),
            "/api/v1/consignments/import",
            Some(("text/csv", b"a,b\n".to_vec())),
            422,
            "invalid_fields",
            Some("body"),
        ),
        (
            reqwest::Method::PATCH,
            "/api/v1/alerts",
            None,
            405,
            "method_not_allowed",
            None,
        ),
        (
            reqwest::Method::DELETE,
            "/api/v1/vessels/265547250",
            None,
            405,
            "method_not_allowed",
            None,
        ),
    ];
    for (method, path, body, status, code, field) in cases {
        let c = if path.starts_with("/api/v1/consignments") || path.starts_with("/api/v1/targeting")
        {
            &mut t
        } else {
            &mut a
        };
        let r = c.send(method.clone(), path, body).await;
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        assert_eq!(
            r.headers.get("content-type").map(|v| v.to_str().unwrap()),
            Some("application/problem+json"),
            "{method} {path}: {}",
            r.body
        );
        assert_eq!(
            r.json["code"].as_str(),
            Some(code),
            "{method} {path}: {}",
            r.body
        );
        assert!(r.json["request_id"].is_string(), "{}", r.body);
        if let Some(f) = field {
            assert_eq!(
                r.json["errors"][0]["field"].as_str(),
                Some(f),
                "{method} {path}: {}",
                r.body
            );
        }
        if status == 405 {
            let allow = r
                .headers
                .get("allow")
                .map(|v| v.to_str().unwrap().to_owned());
            assert!(
                allow.as_deref().is_some_and(|a| a.contains("GET")),
                "{method} {path}: a 405 names the methods there are: {allow:?}"
            );
        }
    }
}

/// What axum's own extractors refuse on a console page (a path segment that is not UTF-8, a
/// method the page does not have) is the console's error page, in both languages, with the
/// status and what was wrong, not axum's bare `text/plain`; a 405 still says which methods
/// there are. So is a console form that lacks the session's token or does not parse (it was a
/// problem document, JSON in a person's browser). TAXII keeps its own error document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_rejections_on_pages_are_the_console_error_page() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut a = app.login("admin").await;
    for (method, path, status, detail) in [
        (reqwest::Method::GET, "/alerts/%FF", 400, "UTF-8"),
        (reqwest::Method::GET, "/entities/%FF%FE", 400, "UTF-8"),
        (reqwest::Method::GET, "/releases/%C3%28", 400, "UTF-8"),
        (reqwest::Method::GET, "/admin/users/x/roles", 405, ""),
        // A query value that does not parse on a page that reads one.
        (
            reqwest::Method::GET,
            "/access/r/people?page=-1",
            422,
            "page",
        ),
        (
            reqwest::Method::GET,
            "/audit?before=yesterday",
            422,
            "before",
        ),
    ] {
        let r = a.send(method.clone(), path, None).await;
        let shown = format!("{method} {path}: {} {:?} {}", r.status, r.headers, r.body);
        assert_eq!(r.status, status, "{shown}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{shown}"
        );
        assert!(r.body.contains("error-page"), "{shown}");
        assert!(r.body.contains("lang=\"en\""), "{shown}");
        assert!(r.body.contains(detail), "{shown}");
        if status == 405 {
            assert!(r.headers.get("allow").is_some(), "{shown}");
        }
    }
    // A console form without the session's token, and one with it whose fields do not parse.
    let token = a.csrf.clone().unwrap();
    for (body, status) in [
        ("name=x&kind=port".to_owned(), 403),
        (format!("csrf={token}&username=x&org_id=not-an-id"), 422),
    ] {
        let r = a
            .send(
                reqwest::Method::POST,
                "/admin/users",
                Some(("application/x-www-form-urlencoded", body.into_bytes())),
            )
            .await;
        let shown = format!("{} {:?} {}", r.status, r.headers, r.body);
        assert_eq!(r.status, status, "{shown}");
        assert!(r.body.contains("error-page"), "{shown}");
    }
    // The sign-in form, which has no session yet.
    let r = app
        .client()
        .send(
            reqwest::Method::POST,
            "/login",
            Some(("application/x-www-form-urlencoded", b"username=x".to_vec())),
        )
        .await;
    let shown = format!("{} {:?} {}", r.status, r.headers, r.body);
    assert_eq!(r.status, 422, "{shown}");
    assert!(r.body.contains("error-page"), "{shown}");
    let r = a.send(reqwest::Method::DELETE, "/taxii2/", None).await;
    assert_eq!(r.status, 405, "{}", r.body);
    let kind = r.headers.get("content-type").map(|v| v.to_str().unwrap());
    assert!(
        !kind.unwrap_or("").starts_with("text/html"),
        "{:?}",
        r.headers
    );
}
