//! One property over every read path: whatever the organisations, roles, TLP markings and
//! audiences, no reader is ever given an object their organisation may not see. Random alerts
//! (owner, marking, named recipients) and register records (whose organisation) are created,
//! then every reader of every organisation reads every path that shows them — the alert list
//! with its paging, each alert and its history, the audit log's every page, the console's queue,
//! alert and audit pages, the register's lists and records, occupancy and muster CSV — and each
//! answer is checked against the one rule (`hamnvakt_core::alert::visible_to` for alerts; own
//! organisation unless the port authority's staff for the register). Shared objects —
//! indicators, and notes written on them by other organisations — are read through the sharing
//! API's list and objects, the STIX export, every TAXII collection and the console's sharing
//! pages, and checked against `hamnvakt_core::marking::may_see`; a note the server accepted must
//! never reach a reader who may not see what it is about. The alerts' titles, the people's and
//! the shared objects' names are unique tokens, so a leak anywhere in a body is found by its
//! text.
//!
//! Alerts carry an audience their raiser chose (any the TLP allows) or the one their TLP
//! implies; shared objects are indicators, best practices and modi operandi with indicators of
//! their own. Member organisations then observe the indicators' companies: whatever the
//! matcher records and raises, no alert list or queue may name a shared object its reader may
//! not see.
//!
//! Random incidents (owner,
//! TLP, audience, recipients, the owner's alerts in them) are read the same way — the list, the
//! incident, its timeline, its STIX bundle, its console page and the console's list — against
//! `hamnvakt_core::marking::may_see`, and an incident a reader may see never shows the title of
//! one of its alerts that the reader may not.

use std::collections::HashSet;

use hamnvakt_core::alert::visible_to;
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{may_see, Audience, Marking, Why};
use hamnvakt_core::Tlp;
use hamnvakt_testkit::Kind;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::json;

use crate::helpers::{Client, TestApp, PASSWORD};

const TLPS: [&str; 5] = [
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
];

/// The index of the partner port in the world's organisations.
const PARTNER: usize = 4;

/// A reader: which organisation (index into the world's), whether they may read the audit log
/// and the register, and a signed-in client.
struct Reader {
    org: usize,
    name: &'static str,
    audit: bool,
    register: bool,
    client: Client,
}

/// An alert raised: id, title, owner, TLP, the audience chosen when raised (if any), recipients.
type RaisedAlert = (String, String, OrgId, Tlp, Option<Audience>, Vec<OrgId>);

struct World {
    orgs: Vec<OrgId>,
    /// The index of the port authority in `orgs`.
    port: usize,
    readers: Vec<Reader>,
    /// Alerts: id, title, owner, TLP, the audience chosen when raised (if any), recipients.
    alerts: Vec<RaisedAlert>,
    /// Incidents: id, title, owner, marking, the indices of their alerts in `alerts`.
    incidents: Vec<(String, String, OrgId, Marking, Vec<usize>)>,
    people: Vec<(String, String, OrgId)>,
    /// Shared objects: id, name token, owner, marking, and for a note what it is about.
    shared: Vec<Shared>,
    facility: String,
    /// Observations made of indicators of member organisations: each leaves one sighting.
    observed: usize,
}

/// Waits until at least `n` sightings are stored (whoever may see them) and the alerts they
/// raise are out of the outbox.
async fn wait_for_sightings(app: &TestApp, orgs: &[OrgId], n: usize) {
    for _ in 0..100 {
        let mut ids = HashSet::new();
        for org in orgs {
            let reader = hamnvakt_core::marking::Reader {
                org: *org,
                partner: *org == orgs[PARTNER],
            };
            let q = hamnvakt_store::SharedQuery {
                types: vec!["sighting".into()],
                limit: 10_000,
                ..Default::default()
            };
            for row in app.state.store.list_shared(&reader, &q).await.unwrap() {
                ids.insert(row.stix_id);
            }
        }
        if ids.len() >= n {
            hamnvakt_server::alerts::drain(&app.state).await.unwrap();
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} sightings were recorded");
}

async fn setup(app: &TestApp) -> World {
    let mut admin = app.login("admin").await;
    let police = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Polisen", "kind": "police"}),
        )
        .await;
    assert_eq!(police.status, 201, "{}", police.body);
    let police: OrgId = police.json["id"].as_str().unwrap().parse().unwrap();
    // A federated partner port: a member of the alliance, not of this port community.
    let partner = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Port of Gdańsk", "kind": "other_port"}),
        )
        .await;
    assert_eq!(partner.status, 201, "{}", partner.body);
    let partner: OrgId = partner.json["id"].as_str().unwrap().parse().unwrap();
    let orgs = vec![app.port, app.customs, app.haulier, police, partner];
    for (org, username, roles) in [
        (app.customs, "customs.admin", json!(["administrator"])),
        (app.haulier, "haulier.admin", json!(["administrator"])),
        (police, "police.admin", json!(["administrator"])),
        (police, "police.analyst", json!(["analyst"])),
        (partner, "partner.analyst", json!(["analyst"])),
    ] {
        let r = admin
            .post_json("/api/v1/users", &json!({"org_id": org, "username": username, "display_name": username, "password": PASSWORD, "roles": roles}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let mut readers = Vec::new();
    for (org, name, audit, register) in [
        (0, "admin", true, true),
        (0, "pfso", true, true),
        (0, "operator", false, true),
        (1, "targeting", false, false),
        (1, "customs.admin", true, true),
        (2, "dispatch", false, true),
        (2, "haulier.admin", true, true),
        (3, "police.admin", true, true),
        (3, "police.analyst", false, false),
        (4, "partner.analyst", false, false),
    ] {
        readers.push(Reader {
            org,
            name,
            audit,
            register,
            client: app.login(name).await,
        });
    }
    let mut pfso = app.login("pfso").await;
    // The audience is decided at creation: AMBER+STRICT with named recipients is refused, not
    // stored and narrowed later.
    let strict = pfso
        .post_json(
            "/api/v1/alerts",
            &crate::helpers::alert_body("strict", "TLP:AMBER+STRICT", &[app.customs]),
        )
        .await;
    assert_eq!(
        (strict.status, strict.json["errors"][0]["field"].as_str()),
        (422, Some("shared_with")),
        "{}",
        strict.body
    );
    // An audience the TLP does not allow, or recipients outside the named audience: refused.
    for (tlp, audience, shared, field) in [
        ("TLP:RED", "community", vec![], "audience"),
        ("TLP:AMBER", "alliance", vec![], "audience"),
        (
            "TLP:GREEN",
            "organisation",
            vec![app.customs],
            "shared_with",
        ),
        ("TLP:GREEN", "named", vec![], "shared_with"),
    ] {
        let mut body = crate::helpers::alert_body("refused", tlp, &shared);
        body["audience"] = json!(audience);
        let r = pfso.post_json("/api/v1/alerts", &body).await;
        assert_eq!(
            (r.status, r.json["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{tlp} {audience}: {}",
            r.body
        );
    }
    let f = pfso
        .post_json(
            "/api/v1/access/facilities",
            &json!({"site_id": "00000000-0000-4000-8000-000000000001", "name": "Norvik",
            "isps_number": "SENYN-0001", "security_level": 1, "org_id": app.port}),
        )
        .await;
    assert_eq!(f.status, 201, "{}", f.body);
    World {
        orgs,
        port: 0,
        readers,
        alerts: Vec::new(),
        incidents: Vec::new(),
        people: Vec::new(),
        shared: Vec::new(),
        facility: f.json["id"].as_str().unwrap().to_owned(),
        observed: 0,
    }
}

struct Shared {
    id: String,
    token: String,
    owner: OrgId,
    marking: Marking,
    about: Option<String>,
}

/// A marking of a TLP and an audience the TLP allows, with recipients when named.
fn marking_of(orgs: &[OrgId], owner: OrgId, tlp: usize, audience: usize, bits: u8) -> Marking {
    let tlp: Tlp = TLPS[tlp].parse().unwrap();
    let allowed = Audience::allowed_for(tlp);
    let audience = allowed[audience % allowed.len()];
    let mut recipients: Vec<OrgId> = Vec::new();
    if audience == Audience::Named {
        recipients = (0..orgs.len())
            .filter(|b| bits & (1 << b) != 0)
            .map(|b| orgs[b])
            .filter(|o| *o != owner)
            .collect();
        if recipients.is_empty() {
            recipients.push(*orgs.iter().find(|o| **o != owner).unwrap());
        }
    }
    Marking {
        tlp,
        audience,
        recipients,
    }
}

/// The text of every TAXII collection's objects the reader may list.
async fn taxii_text(c: &Client) -> String {
    let http = reqwest::Client::new();
    let get = |path: String| {
        let mut r = http
            .get(format!("{}{path}", c.base))
            .header("accept", "application/taxii+json;version=2.1");
        if let Some(cookie) = &c.cookie {
            r = r.header("cookie", cookie.clone());
        }
        r.send()
    };
    let mut text = String::new();
    let Ok(r) = get("/taxii2/hamnvakt/collections/".into()).await else {
        return text;
    };
    let body = r.text().await.unwrap_or_default();
    text.push_str(&body);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    for col in v["collections"].as_array().into_iter().flatten() {
        let id = col["id"].as_str().unwrap_or_default();
        if let Ok(r) = get(format!(
            "/taxii2/hamnvakt/collections/{id}/objects/?limit=1000"
        ))
        .await
        {
            text.push_str(&r.text().await.unwrap_or_default());
        }
    }
    text
}

/// Reads every page of a paged JSON list, joining the bodies' text.
async fn all_alert_pages(c: &mut Client) -> (Vec<String>, String) {
    let mut ids = Vec::new();
    let mut text = String::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/alerts?limit=7&cursor={c}"),
            None => "/api/v1/alerts?limit=7".to_owned(),
        };
        let r = c.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        text.push_str(&r.body);
        for a in r.json["alerts"].as_array().unwrap() {
            ids.push(a["id"].as_str().unwrap().to_owned());
        }
        match r.json["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => return (ids, text),
        }
    }
}

async fn all_audit_pages(c: &mut Client) -> String {
    let mut text = String::new();
    let mut before: Option<i64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/api/v1/audit/events?limit=500&before={b}"),
            None => "/api/v1/audit/events?limit=500".to_owned(),
        };
        let r = c.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        text.push_str(&r.body);
        match r.json["next_before"].as_i64() {
            Some(b) => before = Some(b),
            None => return text,
        }
    }
}

/// Every reader reads every path; returns the first leak or miss found.
async fn check(app: &TestApp, w: &mut World) -> Result<(), String> {
    let orgs = w.orgs.clone();
    let port = w.port;
    for reader in &mut w.readers {
        let me = orgs[reader.org];
        let who = reader.name;
        let c = &mut reader.client;
        let me_reader = hamnvakt_core::marking::Reader {
            org: me,
            partner: reader.org == PARTNER,
        };
        let may_see = |owner: OrgId, tlp: Tlp, audience: Option<Audience>, shared: &[OrgId]| {
            visible_to(owner, tlp, audience, shared, &me_reader)
        };
        // The list, page by page: exactly the visible alerts.
        let (listed, list_text) = all_alert_pages(c).await;
        let listed: HashSet<String> = listed.into_iter().collect();
        // The console's queue and the audit log, as far as the reader has them.
        let queue = c
            .get("/alerts?state=open,acknowledged,assigned,closed")
            .await
            .body;
        let audit = if reader.audit {
            let api = all_audit_pages(c).await;
            let page = c.get("/audit").await.body;
            Some(api + &page)
        } else {
            None
        };
        // An alert (a match's, above all) never tells of a shared object the reader may not
        // see.
        for sh in &w.shared {
            let sees = hamnvakt_core::marking::may_see(sh.owner, &sh.marking, &me_reader);
            if !sees && (list_text.contains(&sh.token) || queue.contains(&sh.token)) {
                return Err(format!(
                    "{who}: an alert tells of {} {:?} of {}, which they may not see",
                    sh.id, sh.marking, sh.owner
                ));
            }
        }
        for (id, title, owner, tlp, audience, shared) in &w.alerts {
            let visible = may_see(*owner, *tlp, *audience, shared);
            if listed.contains(id) != visible {
                return Err(format!("{who}: alert list {id} {tlp} {audience:?} owner {owner} shared {shared:?}: listed {} visible {visible}", listed.contains(id)));
            }
            if !visible && (list_text.contains(title.as_str()) || queue.contains(title.as_str())) {
                return Err(format!(
                    "{who}: the title of invisible alert {id} leaked in a list"
                ));
            }
            let detail = c.get(&format!("/api/v1/alerts/{id}")).await;
            let history = c.get(&format!("/api/v1/alerts/{id}/history")).await;
            let page = c.get(&format!("/alerts/{id}")).await;
            for (path, status, body) in [
                ("detail", detail.status, &detail.body),
                ("history", history.status, &history.body),
                ("page", page.status, &page.body),
            ] {
                if visible != (status == 200) {
                    return Err(format!(
                        "{who}: {path} of {id} ({tlp}) answered {status}, visible {visible}"
                    ));
                }
                if !visible && body.contains(title.as_str()) {
                    return Err(format!("{who}: {path} of {id} leaked its title"));
                }
            }
            if let Some(audit) = &audit {
                if !visible && (audit.contains(title.as_str()) || audit.contains(id.as_str())) {
                    return Err(format!(
                        "{who}: the audit log shows invisible alert {id} ({tlp}, owner {owner})"
                    ));
                }
            }
        }
        check_incidents(who, c, me_reader, &w.incidents, &w.alerts).await?;
        if reader.register {
            let people = c.get("/api/v1/access/people?limit=1000").await;
            let onsite = c
                .get(&format!(
                    "/api/v1/access/facilities/{}/muster?format=csv",
                    w.facility
                ))
                .await;
            let console = c.get("/access/r/people").await.body.to_lowercase();
            for (id, name, org) in &w.people {
                let visible = reader.org == port || *org == me;
                if people.body.contains(name.as_str()) != visible {
                    return Err(format!(
                        "{who}: register list shows {name} of {org}: {}, visible {visible}",
                        !visible
                    ));
                }
                if !visible
                    && (console.contains(&name.to_lowercase())
                        || onsite.body.contains(name.as_str()))
                {
                    return Err(format!(
                        "{who}: {name} of {org} leaked in the console or the muster list"
                    ));
                }
                let one = c.get(&format!("/api/v1/access/people/{id}")).await;
                if visible != (one.status == 200) {
                    return Err(format!("{who}: person {name} answered {}", one.status));
                }
            }
        }
    }
    check_shared(w).await?;
    let _ = app;
    Ok(())
}

/// Every reader reads the shared objects every way there is.
async fn check_shared(w: &mut World) -> Result<(), String> {
    let orgs = w.orgs.clone();
    let partners: HashSet<OrgId> = [orgs[PARTNER]].into_iter().collect();
    // What the server accepted about an object never goes further than it.
    for s in &w.shared {
        let Some(about) = &s.about else { continue };
        let of = w.shared.iter().find(|o| &o.id == about).unwrap();
        for org in &orgs {
            let r = hamnvakt_core::marking::Reader {
                org: *org,
                partner: partners.contains(org),
            };
            if may_see(s.owner, &s.marking, &r) && !may_see(of.owner, &of.marking, &r) {
                return Err(format!(
                    "note {} ({:?}) reaches {org}, which may not see {about} ({:?})",
                    s.id, s.marking, of.marking
                ));
            }
        }
    }
    for reader in &mut w.readers {
        let me = orgs[reader.org];
        let who = reader.name;
        let me_reader = hamnvakt_core::marking::Reader {
            org: me,
            partner: reader.org == PARTNER,
        };
        let c = &mut reader.client;
        let list = c.get("/api/v1/sharing/objects?limit=1000").await;
        let export = c.get("/api/v1/sharing/export").await;
        let console = c.get("/sharing").await.body;
        // Audiences in words, not their codes.
        for code in ["organisation", "named", "community", "alliance"] {
            if console.contains(&format!("<td>{code}")) {
                return Err(format!(
                    "{who}: the sharing page shows the audience code {code}"
                ));
            }
        }
        let library = c.get("/api/v1/assessments/practices").await;
        let library_page = c.get("/assessments/practices").await.body;
        let taxii = taxii_text(c).await;
        let reads = list.status == 200;
        if !reads && list.status != 403 {
            return Err(format!("{who}: the shared list answered {}", list.status));
        }
        for s in &w.shared {
            let visible = may_see(s.owner, &s.marking, &me_reader);
            if reads {
                let listed = list.json["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|o| o["id"] == s.id.as_str());
                if listed != visible {
                    return Err(format!(
                        "{who}: shared list {} {:?} owner {}: listed {listed} visible {visible}",
                        s.id, s.marking, s.owner
                    ));
                }
                if export.body.contains(&s.id) != visible {
                    return Err(format!(
                        "{who}: export of {} {:?}: visible {visible}",
                        s.id, s.marking
                    ));
                }
            }
            let one = c.get(&format!("/api/v1/sharing/objects/{}", s.id)).await;
            let page = c.get(&format!("/sharing/objects/{}", s.id)).await;
            for (path, status, body) in [
                ("object", one.status, &one.body),
                ("page", page.status, &page.body),
            ] {
                if (status == 200) != (visible && reads) {
                    return Err(format!(
                        "{who}: {path} of {} {:?} answered {status}, visible {visible}",
                        s.id, s.marking
                    ));
                }
                if !visible && body.contains(&s.token) {
                    return Err(format!("{who}: {path} of {} leaked its name", s.id));
                }
            }
            // The page says why the reader sees it, in the page's language (Swedish here,
            // with no language asked), by the same rule.
            if let (true, Ok(why)) = (
                page.status == 200,
                hamnvakt_core::marking::check(s.owner, &s.marking, &me_reader),
            ) {
                let words = match why {
                    Why::Owner => "din organisation äger den",
                    Why::Named => "ägaren har namngett din organisation",
                    Why::Community => "den delas med hamnens aktörer, som du hör till",
                    Why::Alliance => "den delas med alliansen, som du hör till",
                };
                if !page.body.contains(words) || page.body.contains(&why.to_string()) {
                    return Err(format!("{who}: page of {} does not say {words:?}", s.id));
                }
            }
            if s.id.starts_with("x-hamnvakt-best-practice--") && library.status == 200 {
                let listed = library
                    .json
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["stix_id"] == s.id.as_str());
                if listed != visible {
                    return Err(format!(
                        "{who}: practice library {} {:?} owner {}: listed {listed} visible {visible}",
                        s.id, s.marking, s.owner
                    ));
                }
            }
            if !visible {
                for (path, body) in [
                    ("list", &list.body),
                    ("export", &export.body),
                    ("console", &console),
                    ("taxii", &taxii),
                    ("practice library", &library.body),
                    ("practice library page", &library_page),
                ] {
                    if body.contains(&s.token) || body.contains(&s.id) {
                        return Err(format!(
                            "{who}: the {path} shows {} {:?} of {}",
                            s.id, s.marking, s.owner
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Every read path of incidents, for one reader.
async fn check_incidents(
    who: &str,
    c: &mut Client,
    me: hamnvakt_core::marking::Reader,
    incidents: &[(String, String, OrgId, Marking, Vec<usize>)],
    alerts: &[RaisedAlert],
) -> Result<(), String> {
    let list = c.get("/api/v1/incidents?limit=500").await;
    let console = c.get("/incidents").await.body;
    let listed: HashSet<String> = list
        .json
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Roles without incidents (administrators) are refused every path, which hides all.
    let may_read = match list.status {
        200 => true,
        403 => false,
        other => return Err(format!("{who}: the incident list answered {other}")),
    };
    for (id, title, owner, marking, linked) in incidents {
        let visible = may_read && hamnvakt_core::marking::may_see(*owner, marking, &me);
        if listed.contains(id) != visible {
            return Err(format!(
                "{who}: incident list {id} {marking:?}: listed {} visible {visible}",
                listed.contains(id)
            ));
        }
        if !visible && (list.body.contains(title.as_str()) || console.contains(title.as_str())) {
            return Err(format!(
                "{who}: the title of invisible incident {id} leaked in a list"
            ));
        }
        for path in ["", "/timeline", "/stix"] {
            let r = c.get(&format!("/api/v1/incidents/{id}{path}")).await;
            if visible != (r.status == 200) {
                return Err(format!(
                    "{who}: incident{path} of {id} answered {}, visible {visible}",
                    r.status
                ));
            }
            if !visible && r.body.contains(title.as_str()) {
                return Err(format!("{who}: incident{path} of {id} leaked its title"));
            }
        }
        let page = c.get(&format!("/incidents/{id}")).await;
        let by_alert: Vec<String> = linked.iter().map(|i| alerts[*i].0.clone()).collect();
        for (body, what) in [(&page.body, "page")] {
            if !visible && body.contains(title.as_str()) {
                return Err(format!("{who}: incident {what} of {id} leaked its title"));
            }
        }
        if visible {
            let detail = c.get(&format!("/api/v1/incidents/{id}")).await;
            for i in linked {
                let (aid, atitle, aowner, atlp, aaudience, ashared) = &alerts[*i];
                let alert_visible = visible_to(*aowner, *atlp, *aaudience, ashared, &me);
                if !alert_visible
                    && (detail.body.contains(atitle.as_str())
                        || page.body.contains(atitle.as_str()))
                {
                    return Err(format!(
                        "{who}: incident {id} showed the title of invisible alert {aid}"
                    ));
                }
            }
        }
        for aid in by_alert {
            let r = c.get(&format!("/api/v1/incidents?alert={aid}")).await;
            if !visible && r.body.contains(title.as_str()) {
                return Err(format!("{who}: the incident of alert {aid} leaked"));
            }
        }
    }
    Ok(())
}

#[test]
fn no_read_path_returns_what_its_reader_may_not_see() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::spawn(Kind::Sqlite));
    let world = tokio::sync::Mutex::new(rt.block_on(setup(&app)));
    let pfso = tokio::sync::Mutex::new(rt.block_on(app.login("pfso")));
    let config = ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    // Alerts: owner, TLP, recipients, and the audience chosen (one of those the TLP allows, or
    // none: the TLP's own, as every detector raises them).
    let alerts = prop::collection::vec((0..5usize, 0..5usize, 0..32u8, 0..6usize), 1..5);
    let people = prop::collection::vec(0..4usize, 0..3);
    // Shared indicators (owner, TLP, audience, recipients) and notes on them (which object,
    // writer, TLP, audience, recipients).
    let objects = prop::collection::vec((0..5usize, 0..5usize, 0..4usize, 0..32u8), 0..4);
    let notes = prop::collection::vec((0..16usize, 0..5usize, 0..5usize, 0..4usize, 0..32u8), 0..4);
    let incidents = prop::collection::vec((0..5usize, 0..5usize, 0..4usize, 0..32u8), 0..3);
    let case = std::cell::Cell::new(0);
    let sharing = app.state.sharing_state();
    runner
        .run(&(alerts, people, objects, notes, incidents), |(alerts, people, objects, notes, incidents)| {
            case.set(case.get() + 1);
            let case = case.get();
            let result = rt.block_on(async {
                let mut world = world.lock().await;
                let mut pfso = pfso.lock().await;
                for (i, (owner, tlp, bits, chosen)) in alerts.iter().enumerate() {
                    let owner_org = world.orgs[*owner];
                    let chosen_audience = (*chosen < 4).then(|| {
                        marking_of(&world.orgs, owner_org, *tlp, *chosen, *bits)
                    });
                    let shared: Vec<OrgId> = match &chosen_audience {
                        Some(m) => m.recipients.clone(),
                        None => (0..5)
                            .filter(|b| bits & (1 << b) != 0)
                            .map(|b| world.orgs[b])
                            .filter(|o| *o != owner_org)
                            // TLP:AMBER+STRICT names no recipients (such a draft is refused).
                            .filter(|_| TLPS[*tlp] != "TLP:AMBER+STRICT")
                            .collect(),
                    };
                    let audience = chosen_audience.map(|m| m.audience);
                    let title = format!("needle-{case}-{i}-{}", rand_token());
                    let draft = hamnvakt_core::alert::AlertDraft {
                        kind: "test.visibility".into(),
                        severity: hamnvakt_core::alert::Severity::Medium,
                        title: title.clone(),
                        message: None,
                        subjects: vec![],
                        evidence: json!({"title_again": title}),
                        owner_org,
                        tlp: TLPS[*tlp].parse().unwrap(),
                        audience,
                        shared_with: shared.clone(),
                    };
                    let actor = hamnvakt_server::web::change::Actor {
                        id: "test".into(),
                        org: Some(owner_org),
                        request_id: None,
                    };
                    let id = hamnvakt_server::alerts::raise(&app.state, &actor, &draft, None)
                        .await
                        .unwrap();
                    world.alerts.push((id.to_string(), title, owner_org, draft.tlp, audience, shared));
                }
                let first_new = world.alerts.len() - alerts.len();
                for (i, (owner, tlp, audience, recipients)) in incidents.iter().enumerate() {
                    let owner_org = world.orgs[*owner];
                    let tlp: Tlp = TLPS[*tlp].parse().unwrap();
                    let allowed = Audience::allowed_for(tlp);
                    let audience = allowed[audience % allowed.len()];
                    let mut named: Vec<OrgId> = (0..5)
                        .filter(|b| recipients & (1 << b) != 0)
                        .map(|b| world.orgs[b])
                        .filter(|o| *o != owner_org)
                        .collect();
                    if audience == Audience::Named && named.is_empty() {
                        named.push(world.orgs[(owner + 1) % 5]);
                    }
                    if audience != Audience::Named {
                        named.clear();
                    }
                    let marking = Marking { tlp, audience, recipients: named };
                    // The owner's own alerts of this case, which its writer may put in it.
                    let linked: Vec<usize> = (first_new..world.alerts.len())
                        .filter(|a| world.alerts[*a].2 == owner_org)
                        .filter(|a| !world.incidents.iter().any(|inc| inc.4.contains(a)))
                        .take(2)
                        .collect();
                    let title = format!("incident-needle-{case}-{i}-{}", rand_token());
                    let writer = ["pfso", "targeting", "dispatch", "police.analyst", "partner.analyst"][*owner];
                    let alert_ids: Vec<String> =
                        linked.iter().map(|a| world.alerts[*a].0.clone()).collect();
                    let client = &mut world
                        .readers
                        .iter_mut()
                        .find(|r| r.name == writer)
                        .unwrap()
                        .client;
                    let r = client
                        .post_json(
                            "/api/v1/incidents",
                            &json!({"title": title, "severity": "medium", "marking": marking,
                                    "alerts": alert_ids}),
                        )
                        .await;
                    assert_eq!(r.status, 201, "{writer}: {}", r.body);
                    let id = r.json["id"].as_str().unwrap().to_owned();
                    world.incidents.push((id, title, owner_org, marking, linked));
                }
                for (i, org) in people.iter().enumerate() {
                    let name = format!("Person-{case}-{i}-{}", rand_token());
                    let r = pfso
                        .post_json("/api/v1/access/people", &json!({"org_id": world.orgs[*org], "name": name, "kind": "staff", "responder": false}))
                        .await;
                    assert_eq!(r.status, 201, "{}", r.body);
                    let org = world.orgs[*org];
                    world.people.push((r.json["id"].as_str().unwrap().to_owned(), name, org));
                }
                for (i, (owner, tlp, audience, bits)) in objects.iter().enumerate() {
                    let owner = world.orgs[*owner];
                    let marking = marking_of(&world.orgs, owner, *tlp, *audience, *bits);
                    let token = format!("Company-{case}-{i}-{}", rand_token());
                    let actor = hamnvakt_server::web::change::Actor {
                        id: "test".into(),
                        org: Some(owner),
                        request_id: None,
                    };
                    // One object in three is a best practice (a shared object of its own kind,
                    // which the practice library reads as well), one a modus operandi written
                    // with an indicator of its own.
                    if (case + i) % 3 == 2 {
                        let indicator_token = format!("Company-{case}-{i}-mo-{}", rand_token());
                        let draft = hamnvakt_sharing::objects::ModusOperandiDraft {
                            name: token.clone(),
                            description: format!("How {token} was done"),
                            indicators: vec![hamnvakt_sharing::objects::IndicatorDraft {
                                kind: hamnvakt_sharing::IndicatorKind::CompanyName,
                                value: indicator_token.clone(),
                                name: indicator_token.clone(),
                                description: String::new(),
                                valid_from_ms: None,
                                valid_until_ms: None,
                                confidence: 50,
                                marking: marking.clone(),
                            }],
                            indicator_refs: vec![],
                            locations: vec![],
                            marking: marking.clone(),
                        };
                        let made = hamnvakt_server::sharing::create_modus_operandi(&sharing, &actor, owner, &draft)
                            .await
                            .unwrap();
                        world.shared.push(Shared { id: made.id, token, owner, marking: marking.clone(), about: None });
                        for id in made.indicators {
                            world.shared.push(Shared { id, token: indicator_token.clone(), owner, marking: marking.clone(), about: None });
                        }
                        continue;
                    }
                    if (case + i) % 3 == 1 {
                        let practice = hamnvakt_assessment::practice::Practice {
                            title: token.clone(),
                            description: format!("What {token} did"),
                            effort: hamnvakt_assessment::practice::Effort::Low,
                            cost: hamnvakt_assessment::practice::CostBand::Under100k,
                            evidence_of_effect: "Fewer incidents".into(),
                            controls: vec!["CRG-1".into()],
                            modi: vec![],
                        };
                        let made = hamnvakt_server::assessment::create_practice(&app.state, &actor, owner, &practice, &marking)
                            .await
                            .unwrap();
                        world.shared.push(Shared { id: made.stix_id, token, owner, marking, about: None });
                        continue;
                    }
                    let draft = hamnvakt_sharing::objects::IndicatorDraft {
                        kind: hamnvakt_sharing::IndicatorKind::CompanyName,
                        value: token.clone(),
                        name: token.clone(),
                        description: String::new(),
                        valid_from_ms: None,
                        valid_until_ms: None,
                        confidence: 50,
                        marking: marking.clone(),
                    };
                    let made = hamnvakt_server::sharing::create_indicator(&sharing, &actor, owner, &draft)
                        .await
                        .unwrap();
                    world.shared.push(Shared { id: made.id, token, owner, marking, about: None });
                }
                let indicators: Vec<(String, OrgId, Marking)> = world
                    .shared
                    .iter()
                    .filter(|s| s.about.is_none())
                    .map(|s| (s.id.clone(), s.owner, s.marking.clone()))
                    .collect();
                for (i, (which, writer, tlp, audience, bits)) in notes.iter().enumerate() {
                    if indicators.is_empty() {
                        break;
                    }
                    let (of, _, _) = &indicators[which % indicators.len()];
                    let writer = world.orgs[*writer];
                    let marking = marking_of(&world.orgs, writer, *tlp, *audience, *bits);
                    let token = format!("Note-{case}-{i}-{}", rand_token());
                    let draft = hamnvakt_sharing::analysis::NoteDraft {
                        summary: String::new(),
                        content: token.clone(),
                        object_refs: vec![of.clone()],
                        marking: marking.clone(),
                    };
                    let actor = hamnvakt_server::web::change::Actor {
                        id: "test".into(),
                        org: Some(writer),
                        request_id: None,
                    };
                    let reader = hamnvakt_core::marking::Reader {
                        org: writer,
                        partner: writer == world.orgs[PARTNER],
                    };
                    // Refused when the writer may not see the object or the note would reach
                    // further than it; what is accepted is checked by `check_shared`.
                    if let Ok(made) = hamnvakt_server::sharing::create_note(&sharing, &actor, &reader, &draft).await {
                        world.shared.push(Shared { id: made.id, token, owner: writer, marking, about: Some(of.clone()) });
                    }
                }
                // The port observes the indicators' companies (a consignment, a release …), each
                // by one member organisation: the matcher records sightings and raises alerts,
                // which must tell no one of an indicator they may not see.
                let watched: Vec<(String, OrgId)> = world
                    .shared
                    .iter()
                    .filter(|s| s.id.starts_with("indicator--") && s.token.starts_with("Company-"))
                    .map(|s| (s.token.clone(), s.owner))
                    .collect();
                let mut expected = 0;
                for (i, (token, owner)) in watched.iter().enumerate() {
                    let observer = world.orgs[(case + i) % PARTNER];
                    expected += usize::from(*owner != world.orgs[PARTNER]);
                    app.state.observe(hamnvakt_server::web::state::Observation {
                        what: format!("consignment of case {case}"),
                        subject: format!("test:{case}:{i}"),
                        subjects: vec![],
                        org: Some(observer),
                        at_ms: app.state.now_ms(),
                        values: vec![hamnvakt_sharing::Observed::of(hamnvakt_sharing::IndicatorKind::CompanyName, token).unwrap()],
                    });
                }
                world.observed += expected;
                wait_for_sightings(&app, &world.orgs, world.observed).await;
                check(&app, &mut world).await
            });
            prop_assert!(result.is_ok(), "{}", result.unwrap_err());
            Ok(())
        })
        .unwrap();
    // The world held every kind of case.
    let kinds: HashSet<Tlp> = world.blocking_lock().alerts.iter().map(|a| a.3).collect();
    assert!(kinds.len() >= 3, "{kinds:?}");
    assert!(!world.blocking_lock().incidents.is_empty());
}

fn rand_token() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// A match tells no one of an indicator they may not see. Customs watches two companies: one
/// under TLP:AMBER+STRICT (its own eyes only), one TLP:GREEN for the port community. A haulier's
/// observation (a release it acts on, a consignment it files) names both. The haulier hears of
/// the community's indicator — its alert and its sighting, named to customs — and of the
/// other nothing, on any path: customs alone gets that sighting and its alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_tells_no_one_of_an_indicator_they_may_not_see() {
    use hamnvakt_sharing::{IndicatorKind, Observed};
    let app = TestApp::spawn(Kind::Sqlite).await;
    let sharing = app.state.sharing_state();
    let customs = hamnvakt_server::web::change::Actor {
        id: "test".into(),
        org: Some(app.customs),
        request_id: None,
    };
    let secret = format!("Secret Company {}", rand_token());
    let open = format!("Open Company {}", rand_token());
    let mut ids = Vec::new();
    for (name, marking) in [
        (
            &secret,
            Marking {
                tlp: Tlp::AmberStrict,
                audience: Audience::Organisation,
                recipients: vec![],
            },
        ),
        (
            &open,
            Marking {
                tlp: Tlp::Green,
                audience: Audience::Community,
                recipients: vec![],
            },
        ),
    ] {
        let draft = hamnvakt_sharing::objects::IndicatorDraft {
            kind: IndicatorKind::CompanyName,
            value: name.clone(),
            name: name.clone(),
            description: String::new(),
            valid_from_ms: None,
            valid_until_ms: None,
            confidence: 80,
            marking,
        };
        let made =
            hamnvakt_server::sharing::create_indicator(&sharing, &customs, app.customs, &draft)
                .await
                .unwrap();
        ids.push(made.id);
    }
    app.state.observe(hamnvakt_server::web::state::Observation {
        what: "a release the haulier accepted".into(),
        subject: "test:haulier:1".into(),
        subjects: vec![],
        org: Some(app.haulier),
        at_ms: app.state.now_ms(),
        values: [&secret, &open]
            .iter()
            .map(|v| Observed::of(IndicatorKind::CompanyName, v).unwrap())
            .collect(),
    });
    let orgs = [app.port, app.customs, app.haulier];
    // Both matches leave a sighting; wait for them (PARTNER's index is out of this world's
    // range, so no reader here is a partner).
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen.clear();
        for org in orgs {
            let reader = hamnvakt_core::marking::Reader {
                org,
                partner: false,
            };
            let q = hamnvakt_store::SharedQuery {
                types: vec!["sighting".into()],
                limit: 100,
                ..Default::default()
            };
            for row in app.state.store.list_shared(&reader, &q).await.unwrap() {
                if !seen.iter().any(|(id, _, _, _)| *id == row.stix_id) {
                    seen.push((
                        row.stix_id.clone(),
                        row.owner_org,
                        row.marking.clone(),
                        row.ref_id.clone(),
                    ));
                }
            }
        }
        if seen.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    hamnvakt_server::alerts::drain(&app.state).await.unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    // The secret one's sighting is customs' own; the open one's the haulier's, named to customs.
    for (id, owner, marking, of) in &seen {
        if of.as_deref() == Some(ids[0].as_str()) {
            assert_eq!(
                (*owner, marking.tlp),
                (app.customs, Tlp::AmberStrict),
                "{id}"
            );
        } else {
            assert_eq!(*owner, app.haulier, "{id}");
            assert_eq!(marking.recipients, vec![app.customs], "{id}");
        }
    }
    let mut haulier = app.login("dispatch").await;
    let mut targeting = app.login("targeting").await;
    let (_, haulier_alerts) = all_alert_pages(&mut haulier).await;
    let (_, customs_alerts) = all_alert_pages(&mut targeting).await;
    assert!(
        customs_alerts.contains(&secret),
        "customs hears of its own indicator's match"
    );
    assert!(
        haulier_alerts.contains(&open),
        "the haulier hears of the community's indicator"
    );
    let mut haulier_sees = haulier_alerts;
    for path in [
        "/alerts?state=open,acknowledged,assigned,closed",
        "/api/v1/sharing/objects?limit=1000",
        "/api/v1/sharing/export",
        "/sharing",
    ] {
        haulier_sees.push_str(&haulier.get(path).await.body);
    }
    haulier_sees.push_str(&taxii_text(&haulier).await);
    assert!(
        !haulier_sees.contains(&secret),
        "the haulier was told of customs' AMBER+STRICT indicator"
    );
    assert!(
        !haulier_sees.contains(ids[0].as_str()),
        "the haulier was given the secret indicator's id"
    );
}
