//! Indicators matched where the port sees things besides the gate and the manifest: a vessel
//! heard on AIS and a container release. Each match records a sighting and raises an alert;
//! a vessel's sighting carries what was seen — an observed-data naming the vessel's
//! cyber-observable — and its export passes the OASIS validator in strict mode.

use std::time::Duration;

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::ais::type1;
use crate::helpers::{replay_nmea, Client, TestApp, T0_MS};
use crate::sharing::validate_strict;

/// The first sighting of `indicator` the client may see, waiting for the matcher's
/// background write.
async fn sighting_of(c: &mut Client, indicator: &str) -> Value {
    for _ in 0..200 {
        let r = c
            .get(&format!("/api/v1/sharing/objects?sighting_of={indicator}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        if let Some(s) = r.json["objects"].as_array().and_then(|a| a.first()) {
            return s.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no sighting of {indicator}");
}

/// The `sharing.indicator_matched` alerts the client may see, once there are `n` (or after
/// a while, whatever there is).
async fn matched_alerts(c: &mut Client, n: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let r = c.get("/api/v1/alerts?kind=sharing.indicator_matched").await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen = r.json["alerts"].as_array().unwrap().clone();
        if seen.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

async fn indicator(c: &mut Client, kind: &str, value: &str, name: &str) -> String {
    let r = c
        .post_json(
            "/api/v1/sharing/indicators",
            &json!({"kind": kind, "value": value, "name": name,
                    "marking": {"tlp": "TLP:GREEN", "audience": "community"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

/// An MMSI indicator and an IMO indicator; then AIS: EVER DIADEM's static report (its IMO
/// number) and positions of both vessels, and of one the indicators do not name. Each watched
/// vessel is sighted once and raises one alert; the sighting's observed-data names the
/// vessel's observable, which the indicator's pattern compares; the owner's export of it all
/// passes stix2-validator --strict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vessel_heard_on_ais_matching_an_indicator_is_sighted_with_what_was_seen() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let by_mmsi = indicator(&mut pfso, "mmsi", "265123456", "Vessel of interest").await;
    let by_imo = indicator(&mut pfso, "imo", "IMO 9134270", "Vessel by its IMO number").await;

    // Receive times after the indicators became valid (the test clock's now).
    let t0 = T0_MS / 1000;
    let lines = [
        // EVER DIADEM's static and voyage data (two fragments), then its position.
        "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C"
            .to_owned(),
        "!AIVDM,2,2,1,A,88888888880,2*25".to_owned(),
        type1(351_759_000, 59.60, 19.30, 12.0, t0 + 30),
        type1(265_123_456, 59.75, 19.20, 14.0, t0 + 60),
        type1(230_000_001, 59.70, 19.10, 8.0, t0 + 90),
        type1(265_123_456, 59.74, 19.10, 14.0, t0 + 120),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("watched.nmea");
    replay_nmea(&app.state, &file, lines.join("\n")).await;

    let by_mmsi_seen = sighting_of(&mut pfso, &by_mmsi).await;
    let by_imo_seen = sighting_of(&mut pfso, &by_imo).await;
    // The port authority's own indicators, seen by its own AIS picture: for it alone.
    assert_eq!(
        by_mmsi_seen["marking"]["tlp"], "TLP:AMBER+STRICT",
        "{by_mmsi_seen}"
    );
    let alerts = matched_alerts(&mut pfso, 2).await;
    let refs: Vec<&str> = alerts
        .iter()
        .map(|a| a["subjects"][0]["reference"].as_str().unwrap())
        .collect();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(refs.contains(&"mmsi:265123456"), "{alerts:?}");
    assert!(refs.contains(&"mmsi:351759000"), "{alerts:?}");
    // The vessel heard again is not a second sighting.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = pfso.get("/api/v1/sharing/objects?type=sighting").await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 2, "{}", r.body);

    // The export: each sighting refers to an observed-data whose object is the vessel, carrying
    // what the indicator's pattern compares; all under the sighting's marking; the
    // extension-definition that declares the vessel type is in the bundle.
    let bundle = pfso.get("/api/v1/sharing/export").await;
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    let objects = bundle.json["objects"].as_array().unwrap().clone();
    let by_id = |id: &str| {
        objects
            .iter()
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the export: {}", bundle.body))
            .clone()
    };
    for (sighting, indicator, property, value, name) in [
        (&by_mmsi_seen, &by_mmsi, "mmsi", "265123456", None),
        (&by_imo_seen, &by_imo, "imo", "9134270", Some("EVER DIADEM")),
    ] {
        let s = by_id(sighting["id"].as_str().unwrap());
        assert_eq!(s["sighting_of_ref"], **indicator);
        let od_ids = s["observed_data_refs"]
            .as_array()
            .unwrap_or_else(|| panic!("{s}"));
        assert_eq!(od_ids.len(), 1, "{s}");
        let od = by_id(od_ids[0].as_str().unwrap());
        assert_eq!(od["type"], "observed-data");
        assert_eq!(od["number_observed"], 1);
        let vessel = by_id(od["object_refs"][0].as_str().unwrap());
        assert_eq!(vessel["type"], "x-hamnvakt-vessel", "{vessel}");
        assert_eq!(vessel[property], value, "{vessel}");
        if let Some(name) = name {
            assert_eq!(vessel["name"], name, "{vessel}");
            assert_eq!(vessel["mmsi"], "351759000", "{vessel}");
        }
        // The indicator's pattern compares exactly this type's property with this value.
        let pattern = by_id(indicator)["pattern"].as_str().unwrap().to_owned();
        assert_eq!(
            pattern,
            format!("[x-hamnvakt-vessel:{property} = '{value}']"),
            "{pattern}"
        );
        for o in [&s, &od, &vessel] {
            assert_eq!(
                o["object_marking_refs"],
                json!(["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]),
                "{o}"
            );
        }
    }
    assert!(objects.iter().any(|o| o["id"]
        == "extension-definition--5a1f0c2e-8d3b-4e6a-9b7c-1d2e3f4a5b6c"
        && o["extension_types"] == json!(["new-sco"])));
    validate_strict(&bundle.json);

    // What the AMBER+STRICT sighting saw stays with the port authority: customs reads neither
    // the observed-data nor the vessel.
    let mut customs = app.login("targeting").await;
    let theirs = customs.get("/api/v1/sharing/export").await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(
        !theirs.body.contains("observed-data--") && !theirs.body.contains("x-hamnvakt-vessel--"),
        "{}",
        theirs.body
    );

    // Another installation takes the bundle in: the vessel and the observed-data are filed
    // with the sighting, none refused, and its export still validates.
    let other = TestApp::spawn(Kind::Sqlite).await;
    let mut analyst = other.login("pfso").await;
    crate::sharing::import_whole(&mut analyst, &bundle.body).await;
    for ty in ["observed-data", "x-hamnvakt-vessel", "sighting"] {
        let r = analyst
            .get(&format!("/api/v1/sharing/objects?type={ty}"))
            .await;
        assert_eq!(
            r.json["objects"].as_array().unwrap().len(),
            2,
            "{ty}: {}",
            r.body
        );
    }
    let again = analyst.get("/api/v1/sharing/export").await;
    validate_strict(&again.json);
}

/// A container watched by the port authority; a shipping line issues a release of it through
/// the release API: the sighting is the line's, named to the port authority, and the alert is
/// raised for the line and shared with the port authority, who watches for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_of_a_watched_container_is_sighted_and_raises_an_alert() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let line = app.org("North Sea Feeder", OrgKind::ShippingLine).await;
    let forwarder = app
        .org("Norvik Freight Forwarding", OrgKind::Forwarder)
        .await;
    for (org, name) in [(line, "line"), (forwarder, "fwd")] {
        app.user(org, name, vec![Role::Dispatcher]).await;
    }
    let mut pfso = app.login("pfso").await;
    let watched = indicator(
        &mut pfso,
        "container_number",
        "CSQU 305438-3",
        "Reefer a fake driver tried to collect",
    )
    .await;
    let other = indicator(&mut pfso, "container_number", "MSCU1234565", "Another box").await;
    let r = pfso
        .post_json(
            "/api/v1/access/facilities",
            &json!({"site_id": app.site, "name": "Norvik", "isps_number": "SENYN-0001",
                    "security_level": 1, "org_id": app.port}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let facility = r.json["id"].as_str().unwrap().to_owned();

    let mut l = app.login("line").await;
    let r = l
        .post_json(
            "/api/v1/releases",
            &json!({"container": "CSQU3054383", "bill_of_lading": "NSF2611GYE01",
                    "release_to": forwarder, "facility": facility}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let release = r.json["id"].as_str().unwrap().to_owned();
    let mut fwd = app.login("fwd").await;

    let s = sighting_of(&mut pfso, &watched).await;
    assert_eq!(s["marking"]["tlp"], "TLP:GREEN", "{s}");
    assert_eq!(s["marking"]["audience"], "named", "{s}");
    assert_eq!(s["marking"]["recipients"], json!([app.port]), "{s}");
    let full = pfso
        .get(&format!(
            "/api/v1/sharing/objects/{}",
            s["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(full.status, 200, "{}", full.body);
    let text = full.body.clone();
    assert!(text.contains(&format!("identity--{line}")), "{text}");
    assert!(
        text.contains("the release of container CSQU3054383"),
        "{text}"
    );

    let alerts = matched_alerts(&mut pfso, 1).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a["owner_org"], line.to_string(), "{a}");
    let subjects = a["subjects"].to_string();
    assert!(
        subjects.contains("CSQU3054383") && subjects.contains(&release),
        "{a}"
    );
    // The other container was not released: no sighting of it.
    let r = pfso
        .get(&format!("/api/v1/sharing/objects?sighting_of={other}"))
        .await;
    assert_eq!(r.json["objects"], json!([]), "{}", r.body);
    // The forwarder accepts: the same release, the same container again; no second
    // sighting nor alert.
    let r = fwd
        .post_json(
            &format!("/api/v1/releases/{release}/steps"),
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = pfso
        .get("/api/v1/alerts?kind=sharing.indicator_matched")
        .await;
    assert_eq!(r.json["alerts"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = pfso.get("/api/v1/sharing/objects?type=sighting").await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 1, "{}", r.body);
}

/// A container number with a valid check digit, from a six-digit serial (`HVBU` + serial + the
/// first digit that checks).
fn container(serial: u32) -> String {
    (0..10)
        .map(|d| format!("HVBU{serial:06}{d}"))
        .find(|c| hamnvakt_release::container::container_number("c", c).is_ok())
        .unwrap()
}

/// Hands the matcher a release of `container` by `line`, observed at `at_ms` under `key`.
fn container_seen(app: &TestApp, line: OrgId, container: &str, key: &str, at_ms: i64) {
    use hamnvakt_core::alert::{SubjectKind, SubjectRef};
    use hamnvakt_sharing::{IndicatorKind, Observed};
    app.state
        .state
        .observe(hamnvakt_server::web::state::Observation {
            what: format!("the release of container {container}"),
            subject: key.to_owned(),
            subjects: SubjectRef::typed(SubjectKind::Container, container, None)
                .into_iter()
                .collect(),
            org: Some(line),
            at_ms,
            values: Observed::of(IndicatorKind::ContainerNumber, container)
                .into_iter()
                .collect(),
        });
}

/// A burst of matches at once (twelve watched containers observed together) is recorded as
/// a burst: the matcher writes the waiting matches a few to a transaction, and each still gets
/// its own sighting, its own alert naming its container, and its own audit event in the
/// organisation that owns it; the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_matches_gives_each_its_own_sighting_alert_and_event_sqlite() {
    a_burst_of_matches(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_matches_gives_each_its_own_sighting_alert_and_event_postgres() {
    a_burst_of_matches(Kind::Postgres).await;
}

async fn a_burst_of_matches(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let line = app.org("North Sea Feeder", OrgKind::ShippingLine).await;
    let mut pfso = app.login("pfso").await;
    let containers: Vec<String> = (0..12u32).map(|n| container(4200 + n)).collect();
    for c in &containers {
        indicator(&mut pfso, "container_number", c, &format!("Watched {c}")).await;
    }
    // All twelve handed to the matcher at once, as a busy line's releases would be.
    for c in &containers {
        container_seen(&app, line, c, &format!("burst:{c}"), T0_MS);
    }

    let alerts = matched_alerts(&mut pfso, 12).await;
    assert_eq!(alerts.len(), 12, "{alerts:?}");
    for c in &containers {
        let of_it: Vec<&Value> = alerts
            .iter()
            .filter(|a| a["subjects"].to_string().contains(c.as_str()))
            .collect();
        assert_eq!(of_it.len(), 1, "one alert names {c}: {alerts:?}");
        assert_eq!(of_it[0]["owner_org"], line.to_string(), "{}", of_it[0]);
    }
    let r = pfso.get("/api/v1/sharing/objects?type=sighting").await;
    assert_eq!(
        r.json["objects"].as_array().unwrap().len(),
        12,
        "{}",
        r.body
    );
    let events = app
        .state
        .store
        .list_events(Some("sharing.indicator_matched"), None, 100)
        .await
        .unwrap()
        .events;
    assert_eq!(events.len(), 12, "{events:?}");
    for e in &events {
        assert_eq!(e.org.as_deref(), Some(line.to_string().as_str()), "{e:?}");
        assert_eq!(e.actor, "system:sharing", "{e:?}");
    }
    app.assert_chain_intact().await;
}

/// One watched container observed again and again under one key: within a day that is the
/// one sighting already filed; a day later it is a new sighting with its own alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_seen_again_the_next_day_is_sighted_again() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let line = app.org("North Sea Feeder", OrgKind::ShippingLine).await;
    let mut pfso = app.login("pfso").await;
    let container = container(5100);
    indicator(&mut pfso, "container_number", &container, "Watched box").await;
    let observe =
        |at_ms: i64| container_seen(&app, line, &container, &format!("again:{container}"), at_ms);
    observe(T0_MS);
    assert_eq!(matched_alerts(&mut pfso, 1).await.len(), 1);
    // The same day, twice more: nothing new.
    observe(T0_MS + 60_000);
    observe(T0_MS + 23 * 3_600_000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(matched_alerts(&mut pfso, 2).await.len(), 1);
    let r = pfso.get("/api/v1/sharing/objects?type=sighting").await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 1, "{}", r.body);
    // The next day (a new session: the last one has expired): sighted again.
    app.clock.advance_seconds(25 * 3600);
    let mut pfso = app.login("pfso").await;
    observe(T0_MS + 25 * 3_600_000);
    assert_eq!(matched_alerts(&mut pfso, 2).await.len(), 2);
    let r = pfso.get("/api/v1/sharing/objects?type=sighting").await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 2, "{}", r.body);
    app.assert_chain_intact().await;
}
