//! Incidents, cases, merge and reopen, escalation to agencies and the shift log over the API,
//! on SQLite and PostgreSQL: the operator's flow from alert to handover, with what each other
//! organisation may and may not see at every step, and every bundle through the OASIS
//! validator in strict mode.

use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_testkit::Kind;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};
use crate::sharing::validate_strict;

/// The police and one of its analysts, beside the helpers' port, customs and haulier.
async fn police(app: &TestApp) -> (hamnvakt_core::ids::OrgId, Client) {
    let org = app.org("Polisen", OrgKind::Police).await;
    app.user(org, "police", vec![Role::Analyst]).await;
    (org, app.login("police").await)
}

async fn raise(c: &mut Client, title: &str) -> String {
    let r = c
        .post_json(
            "/api/v1/alerts",
            &json!({"kind": "release.driver_mismatch", "severity": "high", "title": title,
                    "subjects": [{"kind": "container", "reference": "MSCU1234565", "label": null}],
                    "tlp": "TLP:AMBER"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

async fn incident_flow(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (police_org, mut police) = police(&app).await;
    let mut op = app.login("operator").await;
    let mut customs = app.login("targeting").await;
    let mut haulier = app.login("dispatch").await;

    // Two alerts from the refused driver; the second repeats the first.
    let first = raise(&mut op, "Driver refused at Norvik in-gate").await;
    let second = raise(&mut op, "Driver refused at Norvik in-gate (again)").await;
    // The console offers the alerts it may be merged into by their titles (not a typed id),
    // never the alert itself.
    let page = op.get(&format!("/alerts/{second}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<select name=\"into\" required>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "<option value=\"{first}\">Driver refused at Norvik in-gate — "
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("<option value=\"{second}\">")));
    let r = op
        .post_json(
            &format!("/api/v1/alerts/{second}/merge"),
            &json!({"into": second}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = op
        .post_json(
            &format!("/api/v1/alerts/{second}/merge"),
            &json!({"into": first}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["state"], "closed");
    assert_eq!(r.json["outcome"], "duplicate");
    let r = op
        .post_json(
            &format!("/api/v1/alerts/{first}/merge"),
            &json!({"into": second}),
        )
        .await;
    assert_eq!(r.status, 422, "a duplicate is not merged into: {}", r.body);
    // Reopened, it is open again without its outcome; reopening an open alert is refused.
    let r = op
        .post_json(&format!("/api/v1/alerts/{second}/reopen"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["state"], "open");
    assert_eq!(r.json["outcome"], Value::Null);
    let r = op
        .post_json(&format!("/api/v1/alerts/{second}/reopen"), &json!({}))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.json["detail"].as_str().unwrap().contains("reopened"));
    let r = op
        .post_json(
            &format!("/api/v1/alerts/{second}/merge"),
            &json!({"into": first}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // An alert a machine client raised names it by its account, not by its token's id.
    let mut machine = Client::new(&app.url).with_bearer(&app.machine_token().await);
    let by_machine = raise(&mut machine, "Driver refused at Norvik out-gate").await;
    let page = op.get(&format!("/alerts/{by_machine}")).await;
    assert!(page.body.contains("(API-token)"), "{}", page.body);
    assert!(!page.body.contains("token:"), "{}", page.body);
    // The duplicate's page names the alert it duplicates by its title.
    let page = op.get(&format!("/alerts/{second}")).await;
    assert!(
        page.body.contains(&format!(
            "href=\"/alerts/{first}\">Driver refused at Norvik in-gate</a>"
        )),
        "{}",
        page.body
    );

    // Open an incident from the alert, for the port authority only (AMBER).
    let r = op
        .post_json(
            "/api/v1/incidents",
            &json!({"title": "Refused driver at Norvik", "severity": "high",
                    "marking": {"tlp": "TLP:AMBER", "audience": "organisation"},
                    "alerts": [first],
                    "entities": [{"kind": "container", "reference": "MSCU1234565", "label": null}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let inc = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.json["alerts"][0]["title"],
        "Driver refused at Norvik in-gate"
    );
    assert_eq!(r.json["state"], "open");
    // The alert is in one incident only.
    let r = op
        .post_json(
            "/api/v1/incidents",
            &json!({"title": "Again", "severity": "low",
                    "marking": {"tlp": "TLP:AMBER", "audience": "organisation"}, "alerts": [first]}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    // An alert the haulier may not see does not exist for it.
    let r = haulier
        .post_json(
            "/api/v1/incidents",
            &json!({"title": "Mine", "severity": "low",
                    "marking": {"tlp": "TLP:AMBER", "audience": "organisation"}, "alerts": [second]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.body.contains("Norvik"));

    // Customs sees nothing of it yet: not the incident, its timeline, its STIX, nor by alert.
    for path in [
        format!("/api/v1/incidents/{inc}"),
        format!("/api/v1/incidents/{inc}/timeline"),
        format!("/api/v1/incidents/{inc}/stix"),
    ] {
        let r = customs.get(&path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    let r = customs.get("/api/v1/incidents").await;
    assert_eq!(r.json, json!([]), "{}", r.body);
    let r = customs
        .get(&format!("/api/v1/incidents?alert={first}"))
        .await;
    assert_eq!(r.json, json!([]));
    let r = op.get(&format!("/api/v1/incidents?alert={first}")).await;
    assert_eq!(r.json[0]["id"], inc.as_str());

    // Escalation to a company is refused; to customs it names customs and notifies it.
    let r = op
        .post_json(
            &format!("/api/v1/incidents/{inc}/escalate"),
            &json!({"organisation": app.haulier}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = op
        .post_json(
            &format!("/api/v1/incidents/{inc}/escalate"),
            &json!({"organisation": app.customs}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["marking"]["audience"], "named");
    assert_eq!(r.json["marking"]["recipients"], json!([app.customs]));
    assert_eq!(r.json["escalated_to"], json!([app.customs]));
    let r = customs.get(&format!("/api/v1/incidents/{inc}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Customs is named on the incident, not on the alert (AMBER, not shared): it sees the
    // incident, and only that there is an alert it may not see.
    assert_eq!(r.json["alerts"], json!([]));
    assert_eq!(r.json["hidden_alerts"], 1);
    assert!(!r.body.contains("in-gate"));
    let q = customs.get("/api/v1/alerts?kind=incident").await;
    assert_eq!(q.json["total"], 1, "{}", q.body);
    assert_eq!(q.json["alerts"][0]["tlp"], "TLP:AMBER");
    assert_eq!(q.json["alerts"][0]["shared_with"], json!([app.customs]));
    // The police does not see it, nor the notification.
    assert_eq!(
        police.get(&format!("/api/v1/incidents/{inc}")).await.status,
        404
    );
    assert_eq!(
        police.get("/api/v1/alerts?kind=incident").await.json["total"],
        0
    );

    // Customs works it with notes, but its state and audience are the owner's.
    let r = customs
        .post_json(
            &format!("/api/v1/incidents/{inc}/notes"),
            &json!({"text": "Driver known to us"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = customs
        .post_json(
            &format!("/api/v1/incidents/{inc}/state"),
            &json!({"action": "start"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = customs
        .post_json(
            &format!("/api/v1/incidents/{inc}/escalate"),
            &json!({"organisation": police_org}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // The owner works it through to its outcome.
    for (path, body, want) in [
        ("state", json!({"action": "close"}), 422),
        ("state", json!({"action": "start"}), 200),
        ("state", json!({"action": "start"}), 409),
        ("actions", json!({"text": "Gate closed for the truck"}), 200),
        (
            "attachments",
            json!({"reference": "vms:norvik/cam4/2026-11-17T02:14", "label": "Camera 4"}),
            200,
        ),
        ("severity", json!({"severity": "critical"}), 200),
        (
            "state",
            json!({"action": "close", "outcome": "prevented"}),
            200,
        ),
        ("actions", json!({"text": "Too late"}), 409),
    ] {
        let r = op
            .post_json(&format!("/api/v1/incidents/{inc}/{path}"), &body)
            .await;
        assert_eq!(r.status, want, "{path} {body}: {}", r.body);
    }
    let r = op.get(&format!("/api/v1/incidents/{inc}/timeline")).await;
    let kinds: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "escalated",
            "note",
            "state_changed",
            "action",
            "attachment",
            "severity_changed",
            "state_changed"
        ]
    );
    assert_eq!(
        r.json[1]["entry"]["marking_before"]["audience"],
        "organisation"
    );
    let r = customs.get(&format!("/api/v1/incidents/{inc}")).await;
    assert_eq!(r.json["state"], "closed");
    assert_eq!(r.json["outcome"], "prevented");

    // AMBER+STRICT stays in the organisation unless the owner raises the marking explicitly.
    let r = op
        .post_json(
            "/api/v1/incidents",
            &json!({"title": "Badge cloning suspected", "severity": "medium",
                    "marking": {"tlp": "TLP:AMBER+STRICT", "audience": "organisation"},
                    "entities": [{"kind": "credential", "reference": "NVK-1002", "label": null}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let strict = r.json["id"].as_str().unwrap().to_owned();
    let r = op
        .post_json(
            &format!("/api/v1/incidents/{strict}/escalate"),
            &json!({"organisation": police_org}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert!(
        r.json["detail"]
            .as_str()
            .unwrap()
            .contains("TLP:AMBER+STRICT"),
        "{}",
        r.body
    );
    assert_eq!(
        police
            .get(&format!("/api/v1/incidents/{strict}"))
            .await
            .status,
        404
    );
    let r = op
        .post_json(
            &format!("/api/v1/incidents/{strict}/escalate"),
            &json!({"organisation": police_org, "tlp": "TLP:RED"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["marking"]["tlp"], "TLP:RED");
    assert_eq!(
        police
            .get(&format!("/api/v1/incidents/{strict}"))
            .await
            .status,
        200
    );
    assert_eq!(
        customs
            .get(&format!("/api/v1/incidents/{strict}"))
            .await
            .status,
        404
    );
    let n = police.get("/api/v1/alerts?kind=incident").await;
    assert_eq!(n.json["alerts"][0]["tlp"], "TLP:RED", "{}", n.body);

    // Every version is in the shared-object store with its marking: the export carries the
    // newest to whoever may see it, and validates.
    let r = op.get("/api/v1/sharing/export?type=incident").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bundle: Value = serde_json::from_str(&r.body).unwrap();
    let incidents: Vec<&Value> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "incident")
        .collect();
    assert_eq!(incidents.len(), 2, "{bundle:#}");
    validate_strict(&bundle);
    let r = customs.get("/api/v1/sharing/export?type=incident").await;
    let seen: Value = serde_json::from_str(&r.body).unwrap();
    let ids: Vec<&str> = seen["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "incident")
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [format!("incident--{inc}")]);
    let ext = "extension-definition--ef765651-680c-498d-9894-99799f2fa126";
    let mine = incidents
        .iter()
        .find(|o| o["id"] == format!("incident--{inc}"))
        .unwrap();
    assert_eq!(mine["extensions"][ext]["determination"], "blocked");
    assert_eq!(mine["extensions"][ext]["investigation_status"], "closed");
    assert_eq!(mine["extensions"][ext]["criticality"], 100);
    let r = op.get(&format!("/api/v1/incidents/{inc}/stix")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    validate_strict(&serde_json::from_str(&r.body).unwrap());
    // The container among its entities leaves as an observable related to it.
    let objects = r.json["objects"].as_array().unwrap();
    let container: Vec<&Value> = objects
        .iter()
        .filter(|o| o["type"] == "x-hamnvakt-container")
        .collect();
    assert_eq!(container.len(), 1, "{}", r.body);
    assert_eq!(container[0]["number"], "MSCU1234565");
    assert!(objects.iter().any(|o| o["type"] == "relationship"
        && o["source_ref"] == format!("incident--{inc}")
        && o["target_ref"] == container[0]["id"]));
    // The shared-object store files them with each version, under its marking: a recipient
    // of the incident gets the container and the relationship from the export (and TAXII)
    // too; a reader never gets an observable or a relationship without its incident.
    let shared_with = |who: &Value| {
        let objects = who["objects"].as_array().unwrap().clone();
        let incidents: Vec<Value> = objects
            .iter()
            .filter(|o| o["type"] == "incident")
            .map(|o| o["id"].clone())
            .collect();
        for rel in objects.iter().filter(|o| {
            o["type"] == "relationship"
                && o["source_ref"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("incident--"))
        }) {
            assert!(
                incidents.contains(&rel["source_ref"]),
                "{rel} without its incident"
            );
            assert!(
                objects.iter().any(|o| o["id"] == rel["target_ref"]),
                "{rel} without its observable"
            );
        }
        objects
    };
    let r = customs.get("/api/v1/sharing/export").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bundle: Value = serde_json::from_str(&r.body).unwrap();
    validate_strict(&bundle);
    let theirs = shared_with(&bundle);
    assert!(theirs
        .iter()
        .any(|o| o["id"] == container[0]["id"] && o["number"] == "MSCU1234565"));
    assert!(theirs.iter().any(|o| o["type"] == "relationship"
        && o["source_ref"] == format!("incident--{inc}")
        && o["target_ref"] == container[0]["id"]));
    let r = police.get("/api/v1/sharing/export").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let police_sees = shared_with(&serde_json::from_str(&r.body).unwrap());
    if !police_sees
        .iter()
        .any(|o| o["id"] == format!("incident--{inc}"))
    {
        assert!(!police_sees.iter().any(|o| o["id"] == container[0]["id"]));
    }

    // A case groups incidents; a reader sees only those it may see.
    let r = op
        .post_json(
            "/api/v1/cases",
            &json!({"title": "Norvik gate investigation", "marking": {"tlp": "TLP:AMBER", "audience": "named", "recipients": [app.customs]},
                    "incidents": [inc, strict]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.json["id"].as_str().unwrap().to_owned();
    let r = customs.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["hidden_incidents"], 1);
    assert!(!r.body.contains("Badge cloning"));
    assert_eq!(
        police.get(&format!("/api/v1/cases/{case}")).await.status,
        404
    );
    // The incident's and the case's pages show each entity as a link to its entity page; a
    // case shows those of the incidents the reader may see.
    let container = r#"href="/entities/container:MSCU1234565""#;
    let credential = r#"href="/entities/credential:NVK-1002""#;
    let page = op.get(&format!("/incidents/{inc}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(container), "{}", page.body);
    let page = op.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(container), "{}", page.body);
    assert!(page.body.contains(credential), "{}", page.body);
    // The container's entity page lists the incident with its state in words.
    let entity = op.get("/entities/container:MSCU1234565").await;
    let line = entity
        .body
        .split("id=\"entity-incidents\"")
        .nth(1)
        .and_then(|m| m.split("</ul>").next())
        .unwrap_or_default();
    assert!(
        line.contains(&format!("/incidents/{inc}")),
        "{}",
        entity.body
    );
    assert!(
        ["(Öppen)", "(Pågår)", "(Stängd)"]
            .iter()
            .any(|w| line.contains(w)),
        "{line}"
    );
    // The marking's audience in words, not its code.
    let marking = page
        .body
        .split("id=\"case-marking\"")
        .nth(1)
        .and_then(|m| m.split("</dd>").next())
        .unwrap_or_default();
    assert!(
        marking.contains("named organisations") || marking.contains("namngivna organisationer"),
        "{marking}"
    );
    let page = customs.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(container), "{}", page.body);
    assert!(!page.body.contains("NVK-1002"), "{}", page.body);
    let r = op
        .post_json(
            &format!("/api/v1/cases/{case}/state"),
            &json!({"action": "close"}),
        )
        .await;
    assert_eq!(r.json["state"], "closed", "{}", r.body);
    let r = op
        .post_json(
            &format!("/api/v1/cases/{case}/incidents"),
            &json!({"incident": inc}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = op.get("/api/v1/sharing/export?type=grouping").await;
    let g: Value = serde_json::from_str(&r.body).unwrap();
    assert!(g["objects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["type"] == "grouping" && o["context"] == "suspicious-activity"));
    validate_strict(&g);

    // The alert page shows its incident; the alert's history names the incident by id only.
    let page = op.get(&format!("/alerts/{first}")).await;
    assert!(
        page.body.contains(&format!("/incidents/{inc}")),
        "{}",
        page.body
    );
    let h = customs
        .get(&format!("/api/v1/alerts/{first}/history"))
        .await;
    assert_eq!(h.status, 404);

    // The shift log: the entry, the handover with what changed, the incoming operator's
    // acknowledgement (never the outgoing one's, and once).
    let r = op
        .post_json(
            "/api/v1/shift/log",
            &json!({"text": "Norvik in-gate: driver refused, customs told"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(customs.get("/api/v1/shift/log").await.status, 403);
    let r = haulier.get("/api/v1/shift/log").await;
    assert_eq!(
        r.json,
        json!([]),
        "another organisation's log is not shown: {}",
        r.body
    );
    let r = op.get("/api/v1/shift/handover").await;
    assert_eq!(r.json["entries"].as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(r.json["incidents_changed"].as_array().unwrap().len(), 2);
    let open: Vec<&str> = r.json["open_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(open.contains(&first.as_str()), "{open:?}");
    assert!(
        !open.contains(&second.as_str()),
        "a merged duplicate is closed: {open:?}"
    );
    // A note of nothing but control characters is refused, naming the field; nothing is
    // handed over by it.
    let r = op
        .post_json("/api/v1/shift/handovers", &json!({"note": "\u{7}"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json["errors"][0]["field"], "note", "{}", r.body);
    let r = op
        .post_json(
            "/api/v1/shift/handovers",
            &json!({"note": "Customs call back about the refused driver before 06:00"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let h = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.json["summary"]["note"],
        "Customs call back about the refused driver before 06:00"
    );
    let r = op
        .post_json(
            &format!("/api/v1/shift/handovers/{h}/acknowledge"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let mut op2 = app.login("operator2").await;
    // The incoming operator reads what was handed over, the note and the entries, on the
    // console before acknowledging it; the entry stays in the log after the handover.
    let page = op2.get("/shift").await;
    assert_eq!(page.status, 200);
    for text in [
        "Customs call back about the refused driver before 06:00",
        "Norvik in-gate: driver refused, customs told",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(
        page.body
            .contains("<details class=\"handover-content\" open"),
        "{}",
        page.body
    );
    let r = op2
        .post_json(
            &format!("/api/v1/shift/handovers/{h}/acknowledge"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json["acknowledged_at"].is_string());
    let r = op2
        .post_json(
            &format!("/api/v1/shift/handovers/{h}/acknowledge"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    // After the handover the next one holds only what came after it.
    app.clock.advance_seconds(60);
    let r = op2.get("/api/v1/shift/handover").await;
    assert_eq!(r.json["entries"], json!([]), "{}", r.body);
    assert_eq!(r.json["incidents_changed"], json!([]), "{}", r.body);
    assert!(r.json["since"].is_string());
    op2.post_json("/api/v1/shift/log", &json!({"text": "Quiet night"}))
        .await;
    let r = op2.get("/api/v1/shift/handover").await;
    assert_eq!(r.json["entries"][0]["text"], "Quiet night", "{}", r.body);

    for kind in [
        "incident.opened",
        "incident.escalated",
        "alert.merged",
        "alert.reopened",
        "case.opened",
        "shift.entry_written",
        "shift.handed_over",
        "shift.handover_acknowledged",
    ] {
        assert!(!app.events(kind).await.is_empty(), "no {kind} event");
    }
    app.assert_chain_intact().await;
}

mod flow {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::incident_flow(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::incident_flow(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// The ids of a bundle's objects, sorted.
fn bundle_ids(b: &Value) -> Vec<String> {
    let mut v: Vec<String> = b["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// An alert leaves as STIX under its marking and audience: a vessel finding raised TLP:GREEN
/// for the alliance is an `incident` with the Incident Core Extension and the vessel as
/// Hamnvakt's cyber-observable related to it, valid for the OASIS validator in strict mode,
/// with the same ids at every export; a partner port may read it, while an AMBER+STRICT
/// alert's bundle is the owner's alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_leaves_as_a_stix_incident_under_its_marking() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let partner = app.org("Port of Gdańsk", OrgKind::OtherPort).await;
    app.user(partner, "gdansk", vec![Role::Analyst]).await;
    let mut pfso = app.login("pfso").await;
    let finding = json!({"kind": "ais.rendezvous", "severity": "high",
        "title": "Rendezvous at sea off Landsort", "tlp": "TLP:GREEN", "audience": "alliance",
        "subjects": [{"kind": "vessel", "reference": "mmsi:265547250", "label": "MV Baltic Trader"}],
        "evidence": {"minutes": 42}});
    let r = pfso.post_json("/api/v1/alerts", &finding).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let r = pfso.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(r.json["audience"], "alliance", "{}", r.body);
    let first = pfso.get(&format!("/api/v1/alerts/{id}/stix")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    validate_strict(&first.json);
    let objects = first.json["objects"].as_array().unwrap();
    let of_type = |t: &str| -> Vec<&Value> { objects.iter().filter(|o| o["type"] == t).collect() };
    let incident = of_type("incident");
    assert_eq!(incident.len(), 1);
    assert_eq!(incident[0]["id"], format!("incident--{id}"));
    assert_eq!(incident[0]["name"], "Rendezvous at sea off Landsort");
    let ext =
        &incident[0]["extensions"]["extension-definition--ef765651-680c-498d-9894-99799f2fa126"];
    assert_eq!(
        (
            ext["investigation_status"].as_str(),
            ext["determination"].as_str()
        ),
        (Some("new"), Some("suspected"))
    );
    assert_eq!(ext["detection_methods"], json!(["ais.rendezvous"]));
    let vessel = of_type("x-hamnvakt-vessel");
    assert_eq!(vessel.len(), 1);
    assert_eq!(
        (vessel[0]["mmsi"].as_str(), vessel[0]["name"].as_str()),
        (Some("265547250"), Some("MV Baltic Trader"))
    );
    let rel = of_type("relationship");
    assert_eq!(
        (rel[0]["source_ref"].clone(), rel[0]["target_ref"].clone()),
        (incident[0]["id"].clone(), vessel[0]["id"].clone())
    );
    // TLP:GREEN on every object it shares.
    for o in [incident[0], vessel[0], rel[0]] {
        assert_eq!(
            o["object_marking_refs"],
            json!(["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]),
            "{o}"
        );
    }
    // The same ids at the next export; the partner port reads it (the alliance's).
    let mut gdansk = app.login("gdansk").await;
    let again = gdansk.get(&format!("/api/v1/alerts/{id}/stix")).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(bundle_ids(&first.json), bundle_ids(&again.json));
    // Another installation takes it in whole, with the ids it came with.
    let other = TestApp::spawn(Kind::Sqlite).await;
    let mut their_pfso = other.login("pfso").await;
    crate::sharing::import_whole(&mut their_pfso, &first.body).await;
    let theirs = their_pfso
        .get(&format!("/api/v1/sharing/objects/incident--{id}"))
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    // Closed, it says how it ended.
    let r = pfso
        .post_json(
            &format!("/api/v1/alerts/{id}/close"),
            &json!({"outcome": "false_positive", "note": "fishing vessels"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let closed = pfso.get(&format!("/api/v1/alerts/{id}/stix")).await;
    validate_strict(&closed.json);
    let inc = closed.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "incident")
        .unwrap()
        .clone();
    let ext = &inc["extensions"]["extension-definition--ef765651-680c-498d-9894-99799f2fa126"];
    assert_eq!(
        (
            ext["investigation_status"].as_str(),
            ext["determination"].as_str()
        ),
        (Some("closed"), Some("false-positive"))
    );
    // AMBER+STRICT is the owner's organisation's alone.
    let mut strict = finding.clone();
    strict["tlp"] = json!("TLP:AMBER+STRICT");
    strict["audience"] = json!("organisation");
    let r = pfso.post_json("/api/v1/alerts", &strict).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sid = r.json["id"].as_str().unwrap().to_owned();
    let own = pfso.get(&format!("/api/v1/alerts/{sid}/stix")).await;
    assert_eq!(own.status, 200);
    validate_strict(&own.json);
    let mut customs = app.login("targeting").await;
    for c in [&mut gdansk, &mut customs] {
        let r = c.get(&format!("/api/v1/alerts/{sid}/stix")).await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert!(!r.body.contains("Landsort"));
    }
}

/// An alert about a container and a truck leaves with both as Hamnvakt's cyber-observables
/// (the properties partners' indicators compare: `x-hamnvakt-container:number`,
/// `x-hamnvakt-vehicle:plate`), a vessel named by its IMO number with that number, each
/// related to the incident; the person it also names does not leave. Valid for the OASIS
/// validator in strict mode, and another installation files every object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_about_a_container_and_a_truck_exports_both_but_not_the_driver() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut pfso = app.login("pfso").await;
    let driver = "7b0e6f3c-2a1d-4c5e-9f80-1a2b3c4d5e6f";
    let finding = json!({"kind": "release.driver_mismatch", "severity": "high",
        "title": "Wrong driver for a reefer at Norvik", "tlp": "TLP:AMBER", "audience": "organisation",
        "subjects": [
            {"kind": "container", "reference": "MSKU4839210"},
            {"kind": "vehicle", "reference": "ABC123", "label": "ABC 123"},
            {"kind": "vessel", "reference": "imo:9214432", "label": "MSC Reefer"},
            {"kind": "person", "reference": driver, "label": "Presented driver"}],
        "evidence": {"gate": "NVK-G1"}});
    let r = pfso.post_json("/api/v1/alerts", &finding).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let first = pfso.get(&format!("/api/v1/alerts/{id}/stix")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    validate_strict(&first.json);
    assert!(!first.body.contains(driver), "{}", first.body);
    assert!(!first.body.contains("Presented driver"), "{}", first.body);
    let objects = first.json["objects"].as_array().unwrap();
    let of_type = |t: &str| -> Vec<&Value> { objects.iter().filter(|o| o["type"] == t).collect() };
    let incident = of_type("incident");
    assert_eq!(incident.len(), 1);
    let container = of_type("x-hamnvakt-container");
    let vehicle = of_type("x-hamnvakt-vehicle");
    let vessel = of_type("x-hamnvakt-vessel");
    assert_eq!(
        (container.len(), vehicle.len(), vessel.len()),
        (1, 1, 1),
        "{}",
        first.body
    );
    assert_eq!(container[0]["number"], "MSKU4839210");
    assert_eq!(vehicle[0]["plate"], "ABC123");
    assert_eq!(
        (vessel[0]["imo"].as_str(), vessel[0]["name"].as_str()),
        (Some("9214432"), Some("MSC Reefer"))
    );
    assert!(vessel[0].get("mmsi").is_none(), "{}", vessel[0]);
    let mut targets: Vec<&str> = of_type("relationship")
        .iter()
        .map(|r| {
            assert_eq!(r["source_ref"], incident[0]["id"]);
            assert_eq!(r["relationship_type"], "related-to");
            r["target_ref"].as_str().unwrap()
        })
        .collect();
    targets.sort_unstable();
    let mut observables: Vec<&str> = [container[0], vehicle[0], vessel[0]]
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    observables.sort_unstable();
    assert_eq!(targets, observables);
    // Every export names them the same way.
    let again = pfso.get(&format!("/api/v1/alerts/{id}/stix")).await;
    assert_eq!(bundle_ids(&first.json), bundle_ids(&again.json));
    // Another installation files every object of it.
    let other = TestApp::spawn(Kind::Sqlite).await;
    let mut their_pfso = other.login("pfso").await;
    crate::sharing::import_whole(&mut their_pfso, &first.body).await;
    let theirs = their_pfso
        .get(&format!(
            "/api/v1/sharing/objects/{}",
            container[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
}
