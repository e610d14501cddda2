//! The TAXII 2.1 server against the specification's answers, with plain HTTP: the status codes
//! (403, 404, 413, 415, 422 beside the 401 and 406 of `sharing.rs`), each as a TAXII error
//! message under the TAXII media type, and the filters `match[id]`, `match[version]`,
//! `match[spec_version]` and `added_after` with the date-added headers of each page.

use hamnvakt_identity::Role;
use hamnvakt_server::identity as admin;
use hamnvakt_server::web::change::Actor;
use hamnvakt_sharing::stix;
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{TestApp, T0_MS};
use crate::sharing::partner_account;

const TAXII: &str = "application/taxii+json;version=2.1";
const ALLIANCE: &str = "8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70";
const COMMUNITY: &str = "5b2d9c1a-7e3f-4a8b-b6c5-0d1e2f3a4b5c";
const NAMED: &str = "c4e7a1b9-2d3f-4e5a-8b6c-7d8e9f0a1b2c";
const A: &str = "indicator--6d1f0a3b-2c4e-4f5a-8b6c-7d8e9f0a1b21";
const B: &str = "indicator--6d1f0a3b-2c4e-4f5a-8b6c-7d8e9f0a1b22";
const C: &str = "indicator--6d1f0a3b-2c4e-4f5a-8b6c-7d8e9f0a1b23";
const A1: &str = "2026-11-10T08:00:00.000Z";
const A2: &str = "2026-11-11T08:00:00.000Z";

/// A TLP:GREEN indicator of a seal number, at version `modified`.
fn indicator(id: &str, modified: &str, seal: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": A1, "modified": modified,
        "name": format!("Seal {seal}"), "description": "A seal number seen twice",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[x-hamnvakt-seal:number = '{seal}']"),
        "pattern_type": "stix", "valid_from": "2026-11-10T08:00:00Z",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    })
}

struct Taxii {
    http: reqwest::Client,
    root: String,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The ids of the objects of an envelope, in the order sent.
    fn ids(&self) -> Vec<String> {
        self.json["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| o["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The (id, modified) of the objects of an envelope.
    fn versions(&self) -> Vec<(String, String)> {
        self.json["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| {
                        (
                            o["id"].as_str().unwrap().to_owned(),
                            o["modified"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A TAXII error message of this status, under the TAXII media type.
    fn is_error(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.json);
        assert_eq!(self.header("content-type").as_deref(), Some(TAXII));
        assert_eq!(
            self.json["http_status"],
            status.to_string(),
            "{}",
            self.json
        );
        assert!(self.json["title"].is_string(), "{}", self.json);
        assert!(self.json["description"].is_string(), "{}", self.json);
    }
}

impl Taxii {
    async fn get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .get(format!("{}{path}", self.root))
            .bearer_auth(token)
            .header("accept", TAXII)
            .query(query)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    async fn post(&self, token: &str, collection: &str, body: Vec<u8>) -> Answer {
        let r = self
            .http
            .post(format!("{}collections/{collection}/objects/", self.root))
            .bearer_auth(token)
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .body(body)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    async fn objects(&self, token: &str, query: &[(&str, &str)]) -> Answer {
        self.get(token, &format!("collections/{ALLIANCE}/objects/"), query)
            .await
    }
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.unwrap();
    Answer {
        status,
        headers,
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

/// A bearer token for one of the port's people, with its roles.
async fn token_of(app: &TestApp, username: &str, roles: Vec<Role>) -> String {
    let user = app
        .state
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap();
    admin::create_token(
        &app.state,
        &Actor::system("test"),
        &user,
        "taxii",
        roles,
        30,
    )
    .await
    .unwrap()
    .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_taxii_server_answers_filters_and_errors_as_taxii_2_1_says() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let taxii = Taxii {
        http: reqwest::Client::new(),
        root: format!("{}/taxii2/hamnvakt/", app.url),
    };
    // The port's machine client reads and writes; an operator only reads.
    let machine = app.machine_token().await;
    let operator = token_of(&app, "operator", vec![Role::Operator]).await;
    let (_, partner) = partner_account(&app, "Port of Gdynia").await;

    // Three envelopes a minute apart: A and B, then A's second version, then C.
    let t = |s: i64| stix::timestamp(T0_MS + s * 1000);
    for (i, objects) in [
        vec![indicator(A, A1, "SL1"), indicator(B, A1, "SL2")],
        vec![indicator(A, A2, "SL1")],
        vec![indicator(C, A1, "SL3")],
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            app.clock.advance_seconds(60);
        }
        let n = objects.len();
        let r = taxii
            .post(
                &machine,
                ALLIANCE,
                json!({ "objects": objects }).to_string().into_bytes(),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.json);
        assert_eq!(r.json["success_count"], n, "{}", r.json);
    }

    // The newest version of each, in date-added order, the headers the first and last date
    // added of the page.
    let r = taxii.objects(&machine, &[]).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.header("content-type").as_deref(), Some(TAXII));
    assert_eq!(
        r.versions(),
        [(B, A1), (A, A2), (C, A1)].map(|(i, v)| (i.to_owned(), v.to_owned()))
    );
    assert_eq!(r.header("x-taxii-date-added-first"), Some(t(0)));
    assert_eq!(r.header("x-taxii-date-added-last"), Some(t(120)));
    // Paged: each page's headers are its own.
    let r = taxii.objects(&machine, &[("limit", "2")]).await;
    assert_eq!(r.ids(), [B, A]);
    assert_eq!(r.json["more"], true);
    assert_eq!(r.header("x-taxii-date-added-first"), Some(t(0)));
    assert_eq!(r.header("x-taxii-date-added-last"), Some(t(60)));
    let next = r.json["next"].as_str().unwrap().to_owned();
    let r = taxii
        .objects(&machine, &[("limit", "2"), ("next", &next)])
        .await;
    assert_eq!(r.ids(), [C]);
    assert_eq!(r.json["more"], false);
    assert_eq!(r.header("x-taxii-date-added-first"), Some(t(120)));
    assert_eq!(r.header("x-taxii-date-added-last"), Some(t(120)));
    // added_after: strictly after; nothing after the last leaves no headers and no objects.
    let r = taxii.objects(&machine, &[("added_after", &t(0))]).await;
    assert_eq!(r.ids(), [A, C]);
    assert_eq!(r.header("x-taxii-date-added-first"), Some(t(60)));
    let r = taxii.objects(&machine, &[("added_after", &t(120))]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"more": false}));
    assert_eq!(r.header("x-taxii-date-added-first"), None);
    assert_eq!(r.header("x-taxii-date-added-last"), None);

    // match[id], alone and with match[version].
    let r = taxii.objects(&machine, &[("match[id]", A)]).await;
    assert_eq!(r.versions(), [(A.to_owned(), A2.to_owned())]);
    let r = taxii
        .objects(&machine, &[("match[id]", &format!("{C},{B}"))])
        .await;
    assert_eq!(r.ids(), [B, C]);
    let version = |v: &'static str| [("match[id]", A), ("match[version]", v)];
    let r = taxii.objects(&machine, &version("first")).await;
    assert_eq!(r.versions(), [(A.to_owned(), A1.to_owned())]);
    assert_eq!(r.header("x-taxii-date-added-last"), Some(t(0)));
    let r = taxii.objects(&machine, &version("last")).await;
    assert_eq!(r.versions(), [(A.to_owned(), A2.to_owned())]);
    let r = taxii.objects(&machine, &version("all")).await;
    assert_eq!(
        r.versions(),
        [(A, A1), (A, A2)].map(|(i, v)| (i.to_owned(), v.to_owned()))
    );
    assert_eq!(r.header("x-taxii-date-added-first"), Some(t(0)));
    assert_eq!(r.header("x-taxii-date-added-last"), Some(t(60)));
    let r = taxii.objects(&machine, &version(A1)).await;
    assert_eq!(r.versions(), [(A.to_owned(), A1.to_owned())]);
    let r = taxii
        .objects(&machine, &version("2026-11-12T08:00:00.000Z"))
        .await;
    assert_eq!(r.json, json!({"more": false}));
    // A list is any of its versions (TAXII 2.1: comma-separated values).
    let r = taxii.objects(&machine, &version("first,last")).await;
    assert_eq!(
        r.versions(),
        [(A, A1), (A, A2)].map(|(i, v)| (i.to_owned(), v.to_owned()))
    );
    let r = taxii
        .objects(&machine, &version("2026-11-12T08:00:00.000Z,last"))
        .await;
    assert_eq!(r.versions(), [(A.to_owned(), A2.to_owned())]);
    // The object's own endpoint and its versions.
    let r = taxii
        .get(
            &machine,
            &format!("collections/{ALLIANCE}/objects/{A}/"),
            &[("match[version]", "all")],
        )
        .await;
    assert_eq!(r.ids(), [A, A]);
    let r = taxii
        .get(
            &machine,
            &format!("collections/{ALLIANCE}/objects/{A}/versions/"),
            &[],
        )
        .await;
    assert_eq!(r.json["versions"], json!([A1, A2]));
    // match[spec_version]: this server holds STIX 2.1 only.
    let r = taxii
        .objects(&machine, &[("match[spec_version]", "2.0")])
        .await;
    assert_eq!(r.json, json!({"more": false}));
    let r = taxii
        .objects(&machine, &[("match[spec_version]", "2.0,2.1")])
        .await;
    assert_eq!(r.ids(), [B, A, C]);
    // The manifest: one entry per object with its date added and version.
    let r = taxii
        .get(
            &machine,
            &format!("collections/{ALLIANCE}/manifest/"),
            &[("match[id]", A), ("match[version]", "all")],
        )
        .await;
    assert_eq!(
        r.json["objects"],
        json!([
            {"id": A, "date_added": t(0), "version": A1, "media_type": "application/stix+json;version=2.1"},
            {"id": A, "date_added": t(60), "version": A2, "media_type": "application/stix+json;version=2.1"}
        ])
    );

    // 422: a filter that cannot be read, an envelope that is not one.
    for (k, v) in [
        ("added_after", "yesterday"),
        ("added_after", "2026-11-17T10:00:00+02:00"),
        ("match[version]", "newest"),
        ("match[id]", "indicator--not-a-uuid"),
        ("limit", "0"),
        ("next", "a"),
    ] {
        let r = taxii.objects(&machine, &[(k, v)]).await;
        r.is_error(422);
        assert!(
            r.json["description"].as_str().unwrap().contains(k),
            "{k}={v}: {}",
            r.json
        );
    }
    for body in [
        b"{\"objects\": \"none\"}".to_vec(),
        b"not json".to_vec(),
        b"[]".to_vec(),
    ] {
        taxii.post(&machine, ALLIANCE, body).await.is_error(422);
    }
    // 415: a body that is not TAXII.
    let r = taxii
        .http
        .post(format!("{}collections/{ALLIANCE}/objects/", taxii.root))
        .bearer_auth(&machine)
        .header("content-type", "application/json")
        .body("{\"objects\": []}")
        .send()
        .await
        .unwrap();
    answer(r).await.is_error(415);

    // 413: more than the API root's max_content_length.
    let root = taxii.get(&machine, "", &[]).await;
    let max = root.json["max_content_length"].as_u64().unwrap() as usize;
    let mut big = br#"{"objects": [], "pad": ""#.to_vec();
    big.resize(max + 1, b' ');
    taxii.post(&machine, ALLIANCE, big).await.is_error(413);

    // 403: the operator reads but may not write; nobody writes the named collection.
    let r = taxii
        .get(&operator, &format!("collections/{ALLIANCE}/"), &[])
        .await;
    assert_eq!(
        (r.json["can_read"].clone(), r.json["can_write"].clone()),
        (json!(true), json!(false))
    );
    let envelope = json!({"objects": [indicator(C, A2, "SL3")]}).to_string();
    let r = taxii
        .post(&operator, ALLIANCE, envelope.clone().into_bytes())
        .await;
    r.is_error(403);
    assert_eq!(
        taxii
            .objects(&operator, &[("match[id]", C)])
            .await
            .versions(),
        [(C.to_owned(), A1.to_owned())]
    );
    let r = taxii
        .get(&machine, &format!("collections/{NAMED}/"), &[])
        .await;
    assert_eq!(r.json["can_write"], false);
    taxii
        .post(&machine, NAMED, envelope.clone().into_bytes())
        .await
        .is_error(403);

    // 404: an unknown API root, collection, object and status; a collection the caller may
    // not use (a partner port and the port community's) is as unknown to it.
    let r = taxii
        .http
        .get(format!("{}/taxii2/elsewhere/collections/", app.url))
        .bearer_auth(&machine)
        .header("accept", TAXII)
        .send()
        .await
        .unwrap();
    answer(r).await.is_error(404);
    let unknown = "0d9b8c7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a";
    taxii
        .get(&machine, &format!("collections/{unknown}/objects/"), &[])
        .await
        .is_error(404);
    taxii
        .post(&machine, unknown, envelope.clone().into_bytes())
        .await
        .is_error(404);
    taxii
        .get(
            &machine,
            &format!("collections/{ALLIANCE}/objects/indicator--{unknown}/"),
            &[],
        )
        .await
        .is_error(404);
    taxii
        .get(
            &machine,
            &format!("collections/{ALLIANCE}/objects/indicator--{unknown}/versions/"),
            &[],
        )
        .await
        .is_error(404);
    taxii
        .get(&machine, &format!("status/{unknown}/"), &[])
        .await
        .is_error(404);
    assert_eq!(
        taxii
            .get(&machine, &format!("collections/{COMMUNITY}/objects/"), &[])
            .await
            .status,
        200
    );
    taxii
        .get(&partner, &format!("collections/{COMMUNITY}/objects/"), &[])
        .await
        .is_error(404);
    // A status is its poster's: another organisation does not find it.
    let r = taxii
        .post(
            &machine,
            ALLIANCE,
            json!({"objects": []}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.json);
    let status = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        taxii
            .get(&machine, &format!("status/{status}/"), &[])
            .await
            .json["status"],
        "complete"
    );
    taxii
        .get(&partner, &format!("status/{status}/"), &[])
        .await
        .is_error(404);
}

/// Every error under `/taxii2/` is a TAXII error message (`application/taxii+json;version=2.1`
/// with `title` and `http_status`), whoever refuses the request: the authentication in front
/// of the handlers (a missing or unknown token, which also says both ways to present one), the
/// path's parameters, a method the resource does not have, or a path that names nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_taxii_error_is_a_taxii_error_message() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let machine = app.machine_token().await;
    let http = reqwest::Client::new();
    let root = format!("{}/taxii2", app.url);
    let cases: Vec<(reqwest::Method, String, Option<&str>, u16)> = vec![
        (reqwest::Method::GET, format!("{root}/"), None, 401),
        (
            reqwest::Method::GET,
            format!("{root}/hamnvakt/collections/"),
            Some("hvt_not-a-token"),
            401,
        ),
        (
            reqwest::Method::DELETE,
            format!("{root}/"),
            Some(&machine),
            405,
        ),
        (
            reqwest::Method::DELETE,
            format!("{root}/hamnvakt/collections/{ALLIANCE}/objects/"),
            Some(&machine),
            405,
        ),
        (
            reqwest::Method::GET,
            format!("{root}/hamnvakt/collections/%FF/objects/"),
            Some(&machine),
            422,
        ),
        (
            reqwest::Method::GET,
            format!("{root}/hamnvakt/no/such/thing/"),
            Some(&machine),
            404,
        ),
    ];
    for (method, url, token, status) in cases {
        let mut req = http
            .request(method.clone(), &url)
            .header("accept", "application/taxii+json;version=2.1");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let headers = r.headers().clone();
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
        let shown = format!("{method} {url}: {headers:?} {body}");
        assert_eq!(body["http_status"], status.to_string(), "{shown}");
        assert_eq!(
            headers.get("content-type").map(|v| v.to_str().unwrap()),
            Some("application/taxii+json;version=2.1"),
            "{shown}"
        );
        assert!(body["title"].is_string(), "{shown}");
        if status == 401 {
            let challenge = headers["www-authenticate"].to_str().unwrap();
            assert!(
                challenge.contains("Bearer") && challenge.contains("Basic"),
                "{shown}"
            );
        }
        if status == 405 {
            assert!(headers.get("allow").is_some(), "{shown}");
        }
    }
}
