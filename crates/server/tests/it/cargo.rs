//! Consignments through the API on both backends: one as JSON (its container's ISO 6346 check
//! digit verified), a bulk CSV import through the KCS mapping with bad rows named by row and
//! column while the good ones are kept, and the lists the targeting officer reads.

use hamnvakt_testkit::Kind;
use serde_json::json;

use crate::helpers::TestApp;

async fn consignments_in_and_out(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut t = app.login("targeting").await;

    let good = json!({
        "declaration_id": "NVK-2026-0001", "date": "2026-11-28", "container": "csqu 305438-3",
        "vessel_call": "IMO 9473180 SENYN 2026-11-28",
        "importer": {"name": "Frukt & Grönt AB", "eori": "SE5560000001"},
        "hs_code": "0803.90.10", "origin_country": "ec", "departure_country": "EC",
        "route_ports": ["ECGYE", "NLRTM", "SENYN"], "mass_kg": 21000.0, "value": 18500.0
    });
    let r = t.post_json("/api/v1/consignments", &good).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json["consignment"]["container"], "CSQU3054383");
    assert_eq!(r.json["consignment"]["hs_code"], "08039010");
    assert_eq!(r.json["source"], "api");

    let mut bad = good.clone();
    bad["declaration_id"] = json!("NVK-2026-0002");
    bad["container"] = json!("CSQU3054384");
    bad["route_ports"] = json!(["Rotterdam"]);
    let r = t.post_json("/api/v1/consignments", &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<&str> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"container") && fields.contains(&"route_ports"),
        "{}",
        r.body
    );
    let r = t
        .post_json(
            "/api/v1/consignments",
            &json!({"declaration_id": "X", "hs_code": "0803", "colour": "red"}),
        )
        .await;
    assert_eq!(r.status, 422, "unknown fields are refused: {}", r.body);

    // Bulk: 300 KCS declarations, two of them broken.
    let kcs = std::fs::read_to_string(
        hamnvakt_testkit::shared_data_dir()
            .join("customs/kcs-synthetic/v2022-hs10/df_syn_valid_eng.csv"),
    )
    .unwrap();
    let mut lines: Vec<String> = kcs.lines().take(301).map(str::to_owned).collect();
    lines[10] = lines[10].replacen(",2021-", ",20X1-", 1);
    let cols: Vec<&str> = lines[20].split(',').collect();
    let mut cols: Vec<String> = cols.iter().map(|s| (*s).to_owned()).collect();
    cols[18] = "lots".into(); // Net Mass
    lines[20] = cols.join(",");
    let body = format!("{}\n", lines.join("\n"));
    let r = t
        .send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=kcs",
            Some(("text/csv", body.into_bytes())),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["rows"], 300);
    assert_eq!(r.json["stored"], 298);
    assert_eq!(r.json["rejected_rows"], 2);
    let errors = r.json["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["row"] == 11 && e["column"] == "Date"),
        "{}",
        r.body
    );
    assert!(
        errors
            .iter()
            .any(|e| e["row"] == 21 && e["column"] == "Net Mass"),
        "{}",
        r.body
    );
    let r = t
        .send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=kcs",
            Some(("text/csv", b"a,b\n1,2\n".to_vec())),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        t.send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=nope",
            Some(("text/csv", b"x\n".to_vec()))
        )
        .await
        .status,
        422
    );

    let day = t.get("/api/v1/consignments?date=2026-11-28").await;
    assert_eq!(day.status, 200, "{}", day.body);
    assert_eq!(day.json.as_array().unwrap().len(), 1);
    let page = t.get("/api/v1/consignments?limit=1000").await;
    assert_eq!(page.json.as_array().unwrap().len(), 299);
    let one = t.get("/api/v1/consignments/NVK-2026-0001").await;
    assert_eq!(one.json["consignment"]["importer"]["eori"], "SE5560000001");
    assert_eq!(t.get("/api/v1/consignments/none").await.status, 404);
    assert_eq!(app.events("consignments.imported").await.len(), 2);

    // Risk profiles: written, versioned, audited, with their hits on the stored consignments.
    let fruit = json!({
        "name": "Fruit via cocaine ports", "owner": "Tullverket targeting, Stockholm",
        "conditions": [{"kind": "hs_prefix", "prefixes": ["0803"]},
                       {"kind": "route_via", "ports": ["ECGYE", "COCTG", "BRSSZ"]},
                       {"kind": "first_time_importer"}],
        "weight": 0.7, "lane": "red", "valid_from": "2026-01-01"
    });
    let r = t.post_json("/api/v1/targeting/profiles", &fruit).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["version"], 1);
    let list = t.get("/api/v1/targeting/profiles").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json[0]["hits"], 1, "{}", list.body);
    assert_eq!(list.json[0]["checked"], 299);
    assert!(list.json[0]["precision"].is_null());
    // The console's list gives the lane in the page's word (Swedish, with no language asked).
    let profiles = t.get("/targeting/profiles").await;
    assert_eq!(profiles.status, 200);
    assert!(
        profiles.body.contains(">röd</span>") && !profiles.body.contains(">red</span>"),
        "{}",
        profiles.body
    );
    let mut wider = fruit.clone();
    wider["conditions"] = json!([{"kind": "origin_in", "countries": ["CN", "EC"]}]);
    wider["lane"] = json!("yellow");
    // The KCS declarations are from 2021: open the window, or they are out of it.
    wider["valid_from"] = json!("2021-01-01");
    let r = t
        .put_json(&format!("/api/v1/targeting/profiles/{id}"), &wider)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["version"], 2);
    let versions = t
        .get(&format!("/api/v1/targeting/profiles/{id}/versions"))
        .await;
    assert_eq!(versions.json.as_array().unwrap().len(), 2);
    assert_eq!(versions.json[0]["profile"]["lane"], "red");
    let list = t.get("/api/v1/targeting/profiles").await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    let cn_or_ec = lines[1..]
        .iter()
        .enumerate()
        .filter(|(k, l)| *k != 9 && *k != 19 && matches!(l.split(',').nth(14), Some("CN" | "EC")))
        .count()
        + 1;
    assert_eq!(list.json[0]["hits"], cn_or_ec, "{}", list.body);
    // Outcomes: two of the profile's hits inspected, one seizure: precision 0.5.
    let ec_or_cn: Vec<String> = page
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            matches!(
                c["consignment"]["origin_country"].as_str(),
                Some("CN" | "EC")
            )
        })
        .map(|c| {
            c["consignment"]["declaration_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .take(2)
        .collect();
    let r = t
        .put_json(
            &format!("/api/v1/consignments/{}/outcome", ec_or_cn[0]),
            &json!({"result": "seizure", "goods": "cocaine", "quantity": 48.5, "unit": "kg",
                    "note": "in the reefer's cooling unit"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["outcome"]["result"], "seizure");
    let r = t
        .put_json(
            &format!("/api/v1/consignments/{}/outcome", ec_or_cn[1]),
            &json!({"result": "nothing_found"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .put_json(
            &format!("/api/v1/consignments/{}/outcome", ec_or_cn[1]),
            &json!({"result": "seizure"}),
        )
        .await;
    assert_eq!(r.status, 422, "a seizure names its goods: {}", r.body);
    assert_eq!(
        t.put_json(
            "/api/v1/consignments/none/outcome",
            &json!({"result": "nothing_found"})
        )
        .await
        .status,
        404
    );
    let got = t
        .get(&format!("/api/v1/consignments/{}/outcome", ec_or_cn[0]))
        .await;
    assert_eq!(got.json["outcome"]["goods"], "cocaine");
    let list = t.get("/api/v1/targeting/profiles").await;
    assert_eq!(list.json[0]["inspected"], 2, "{}", list.body);
    assert_eq!(list.json[0]["precision"], 0.5, "{}", list.body);
    assert_eq!(app.events("inspection.outcome_recorded").await.len(), 2);

    let mut bad = fruit.clone();
    bad["weight"] = json!(3);
    assert_eq!(
        t.post_json("/api/v1/targeting/profiles", &bad).await.status,
        422
    );
    assert_eq!(
        t.put_json("/api/v1/targeting/profiles/nope", &fruit)
            .await
            .status,
        404
    );
    assert_eq!(app.events("profile.created").await.len(), 1);
    assert_eq!(app.events("profile.changed").await.len(), 1);

    // Need to know: the port's operator does not see customs declarations or profiles.
    let mut op = app.login("operator").await;
    assert_eq!(op.get("/api/v1/consignments").await.status, 403);
    assert_eq!(op.get("/api/v1/targeting/profiles").await.status, 403);
    assert_eq!(
        op.post_json("/api/v1/targeting/profiles", &fruit)
            .await
            .status,
        403
    );
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn consignments_in_and_out() {
        super::consignments_in_and_out(hamnvakt_testkit::Kind::Sqlite).await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn consignments_in_and_out() {
        super::consignments_in_and_out(hamnvakt_testkit::Kind::Postgres).await
    }
}

/// A day at Norvik: 300 consignments, 30 of them bananas routed via Guayaquil (a red profile)
/// and 60 from China (a yellow one). The selection gives each lane's random and exploration
/// shares of its capacity and the rest to the riskiest that ask for it, leaving what they do
/// not use empty; every selection is an audit event; an officer re-routes one with a reason.
async fn selection_under_capacity(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut t = app.login("targeting").await;
    let mut csv = String::from(
        "declaration_id,date,importer.id,hs_code,origin_country,route_ports,mass_kg,value\n",
    );
    for k in 0..300 {
        let (hs, origin, route) = match k {
            k if k % 10 == 0 => ("0803901000", "EC", "ECGYE;NLRTM;SENYN"),
            k if k % 5 == 1 => ("8471300000", "CN", "CNSHA;SENYN"),
            _ => ("9403600000", "DE", "DEHAM;SENYN"),
        };
        csv.push_str(&format!(
            "NVK-{k:04},2026-11-28,IMP{},{hs},{origin},{route},1000,{}\n",
            k % 37,
            1000 + k
        ));
    }
    let r = t
        .send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=hamnvakt",
            Some(("text/csv", csv.into_bytes())),
        )
        .await;
    assert_eq!(r.json["stored"], 300, "{}", r.body);
    for (name, conds, lane, weight) in [
        (
            "Bananas via Guayaquil",
            json!([{"kind": "hs_prefix", "prefixes": ["0803"]}, {"kind": "route_via", "ports": ["ECGYE"]}]),
            "red",
            0.7,
        ),
        (
            "Electronics from China",
            json!([{"kind": "origin_in", "countries": ["CN"]}]),
            "yellow",
            0.3,
        ),
    ] {
        let r = t
            .post_json("/api/v1/targeting/profiles", &json!({"name": name, "owner": "Tullverket", "conditions": conds, "lane": lane, "weight": weight}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    let r = t
        .post_json(
            "/api/v1/targeting/selections",
            &json!({"date": "2026-11-28"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let lanes = r.json.as_array().unwrap();
    assert_eq!(lanes.len(), 300);
    let count = |lane: &str, why: Option<&str>| {
        lanes
            .iter()
            .filter(|l| l["lane"] == lane && why.is_none_or(|w| l["why"] == w))
            .count()
    };
    // Red (capacity 40): 2 random (5 %), 4 exploration (10 %) among the Chinese hits, and the
    // 30 bananas by risk; the 4 risk places nobody asks for stay empty.
    assert_eq!(count("red", None), 36, "{}", r.body);
    assert_eq!(count("red", Some("random")), 2);
    assert_eq!(count("red", Some("exploration")), 4);
    assert_eq!(count("red", Some("risk")), 30, "every banana by risk");
    // Yellow (capacity 120): the Chinese red did not take, by risk, and 6 random; nothing is
    // left to explore, and no one who asks for a check is released.
    assert_eq!(count("yellow", Some("random")), 6);
    assert_eq!(count("yellow", Some("exploration")), 0);
    assert_eq!(count("blue", None), 0, "every hit is checked");
    let chinese_in_red = lanes
        .iter()
        .filter(|l| {
            l["lane"] == "red"
                && l["declaration_id"].as_str().unwrap()[4..]
                    .parse::<u32>()
                    .unwrap()
                    % 5
                    == 1
        })
        .count();
    assert_eq!(count("yellow", Some("risk")), 60 - chinese_in_red);
    let selected = count("red", None) + count("yellow", None);
    assert!(selected < 160, "a day with few hits leaves capacity unused");
    assert!(lanes
        .iter()
        .filter(|l| l["declaration_id"].as_str().unwrap().ends_with('0'))
        .all(|l| l["lane"] == "red" && l["why"] == "risk"));
    assert_eq!(app.events("selection.made").await.len(), selected);
    assert_eq!(app.events("selection.released").await.len(), 1);

    let w = t.get("/api/v1/targeting/worklist?date=2026-11-28").await;
    assert_eq!(w.status, 200, "{}", w.body);
    assert_eq!(w.json["items"][0]["lane"], "red");
    assert_eq!(
        w.json["items"][0]["hits"][0]["name"],
        "Bananas via Guayaquil"
    );
    // Reasons are codes with parameters, rendered in the reader's language.
    let reason = &w.json["items"][0]["hits"][0]["reasons"][1];
    assert_eq!(reason["code"], "route_via", "{reason}");
    assert_eq!(reason["params"]["port"], "ECGYE", "{reason}");
    assert_eq!(w.json["capacity"][0]["used"], 36);

    // Nothing new: a second run selects nothing.
    let again = t
        .post_json(
            "/api/v1/targeting/selections",
            &json!({"date": "2026-11-28"}),
        )
        .await;
    assert_eq!(again.json.as_array().unwrap().len(), 0);

    // The officer moves a released consignment to red, saying why.
    let green = lanes.iter().find(|l| l["lane"] == "green").unwrap()["declaration_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t
        .post_json(
            &format!("/api/v1/consignments/{green}/reroute"),
            &json!({"lane": "red", "reason": "tip from the police"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json["lane"].as_str(), r.json["why"].as_str()),
        (Some("red"), Some("rerouted"))
    );
    let events = app.events("selection.rerouted").await;
    assert_eq!(events.len(), 1);
    assert!(
        events[0].payload.contains("tip from the police"),
        "{}",
        events[0].payload
    );
    assert_eq!(
        t.post_json(
            &format!("/api/v1/consignments/{green}/reroute"),
            &json!({"lane": "red", "reason": " "})
        )
        .await
        .status,
        422
    );
    assert_eq!(
        t.post_json("/api/v1/targeting/selections", &json!({"date": "28/11"}))
            .await
            .status,
        422
    );
    // Outcomes of the red lane: the bananas selected by risk found 12 times, the first of the
    // two random checks once. The week's report sets them side by side.
    let red: Vec<&serde_json::Value> = lanes.iter().filter(|l| l["lane"] == "red").collect();
    let first_random = red
        .iter()
        .filter(|x| x["why"] == "random")
        .map(|x| x["declaration_id"].as_str().unwrap())
        .min()
        .unwrap()
        .to_owned();
    let mut found = 0;
    for l in &red {
        let id = l["declaration_id"].as_str().unwrap();
        let positive = match l["why"].as_str() {
            Some("risk") => {
                found += 1;
                found <= 12
            }
            Some("random") => id == first_random,
            _ => false,
        };
        let body = if positive {
            json!({"result": "seizure", "goods": "cocaine", "quantity": 30, "unit": "kg"})
        } else {
            json!({"result": "nothing_found"})
        };
        let r = t
            .put_json(&format!("/api/v1/consignments/{id}/outcome"), &body)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let rep = t
        .get("/api/v1/targeting/report?until=2026-11-29&weeks=2")
        .await;
    assert_eq!(rep.status, 200, "{}", rep.body);
    let week = rep.json.as_array().unwrap().last().unwrap().clone();
    assert_eq!(week["consignments"], 300, "{week}");
    assert_eq!(week["random_with_outcome"], 2, "{week}");
    assert_eq!(week["baseline_precision"], 0.5, "{week}");
    assert_eq!(week["targeted_positive"], 12, "{week}");
    assert!(week["precision"].as_f64().unwrap() > 0.3, "{week}");
    assert_eq!(t.get("/api/v1/targeting/report?weeks=99").await.status, 422);

    // The outcomes feed a learned model, trained in the background (the request answers at
    // once with a job that reports progress): versioned, reproducible, and in the worklist.
    let v1 = train_and_wait(&mut t).await;
    assert_eq!(v1, 1);
    let v2 = train_and_wait(&mut t).await;
    assert_eq!(v2, 2);
    let models = t.get("/api/v1/targeting/models").await.json;
    let models = models.as_array().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models[1]["summary"]["rows"], 36);
    assert!(models[1]["summary"]["calibration"]["platt"]["a"].is_number());
    assert_eq!(
        models[0]["summary"], models[1]["summary"],
        "same outcomes, same model"
    );
    let jobs = t.get("/api/v1/targeting/models/jobs").await;
    assert_eq!(jobs.json.as_array().unwrap().len(), 2, "{}", jobs.body);
    assert_eq!(t.get("/api/v1/targeting/models/jobs/99").await.status, 404);
    assert_eq!(app.events("model.trained").await.len(), 2);
    let one = t.get("/api/v1/consignments/NVK-0000/score").await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json["hits"][0]["name"], "Bananas via Guayaquil");
    assert_eq!(one.json["lane"], "red");
    assert!(one.json["risk"].as_f64().unwrap() >= 0.7);
    assert_eq!(t.get("/api/v1/consignments/none/score").await.status, 404);
    let w = t.get("/api/v1/targeting/worklist?date=2026-11-28").await;
    let first = &w.json["items"][0];
    assert_eq!(first["model"]["version"], 2, "{first}");
    assert!(first["model"]["probability"].as_f64().is_some());
    assert_eq!(first["model"]["reasons"].as_array().unwrap().len(), 3);
    // Each reason carries the value the model read, what it derives (the value per kg)
    // included; only a norm that does not exist yet is missing.
    let mut per_kg = 0;
    for item in w.json["items"].as_array().unwrap() {
        for r in item["model"]["reasons"].as_array().unwrap() {
            per_kg += usize::from(r["feature"] == "value per kg");
            assert!(
                !r["value"].is_null() || r["feature"] == "value_vs_norm",
                "{r} of {item}"
            );
        }
    }
    assert!(per_kg > 0, "the value per kg is among the reasons");
    assert!(
        first["model"]["reasons"][0]["odds_factor"]
            .as_f64()
            .unwrap()
            > 0.0
    );

    let mut op = app.login("operator").await;
    assert_eq!(
        op.post_json(
            "/api/v1/targeting/selections",
            &json!({"date": "2026-11-28"})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        op.get("/api/v1/targeting/worklist?date=2026-11-28")
            .await
            .status,
        403
    );
}

/// Starts a training, follows its job until it is done and returns the stored version.
async fn train_and_wait(t: &mut crate::helpers::Client) -> i64 {
    let r = t.post_json("/api/v1/targeting/models", &json!({})).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.json["id"].as_u64().unwrap();
    for _ in 0..600 {
        let j = t.get(&format!("/api/v1/targeting/models/jobs/{id}")).await;
        assert_eq!(j.status, 200, "{}", j.body);
        match j.json["state"].as_str() {
            Some("done") => {
                assert_eq!(j.json["progress"], 1.0);
                return j.json["version"].as_i64().unwrap();
            }
            Some("running") => {
                let p = j.json["progress"].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&p), "{}", j.body);
            }
            _ => panic!("training failed: {}", j.body),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("training did not finish in 30 s");
}

/// Two selection runs for the same day at once: the second waits for the first's transaction
/// and sees its lanes, so each consignment is decided once, each selection audited once, and
/// the lanes stay within capacity.
async fn two_runs_at_once(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut t = app.login("targeting").await;
    let mut t2 = app.login("targeting").await;
    let mut csv = String::from(
        "declaration_id,date,importer.id,hs_code,origin_country,route_ports,mass_kg,value\n",
    );
    for k in 0..300 {
        let (hs, origin, route) = match k {
            k if k % 4 == 0 => ("0803901000", "EC", "ECGYE;NLRTM;SENYN"),
            k if k % 4 == 1 => ("8471300000", "CN", "CNSHA;SENYN"),
            _ => ("9403600000", "DE", "DEHAM;SENYN"),
        };
        csv.push_str(&format!(
            "NVK-{k:04},2026-11-28,IMP{},{hs},{origin},{route},1000,{}\n",
            k % 37,
            1000 + k
        ));
    }
    let r = t
        .send(
            reqwest::Method::POST,
            "/api/v1/consignments/import?mapping=hamnvakt",
            Some(("text/csv", csv.into_bytes())),
        )
        .await;
    assert_eq!(r.json["stored"], 300, "{}", r.body);
    for (name, conds, lane, weight) in [
        (
            "Bananas via Guayaquil",
            json!([{"kind": "hs_prefix", "prefixes": ["0803"]}]),
            "red",
            0.7,
        ),
        (
            "Electronics from China",
            json!([{"kind": "origin_in", "countries": ["CN"]}]),
            "yellow",
            0.3,
        ),
    ] {
        let r = t
            .post_json("/api/v1/targeting/profiles", &json!({"name": name, "owner": "Tullverket", "conditions": conds, "lane": lane, "weight": weight}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let body = json!({"date": "2026-11-28"});
    let (a, b) = tokio::join!(
        t.post_json("/api/v1/targeting/selections", &body),
        t2.post_json("/api/v1/targeting/selections", &body)
    );
    assert_eq!((a.status, b.status), (200, 200), "{} {}", a.body, b.body);
    let (a, b) = (a.json.as_array().unwrap(), b.json.as_array().unwrap());
    assert_eq!(
        a.len() + b.len(),
        300,
        "each consignment decided once ({} and {})",
        a.len(),
        b.len()
    );
    let w = t.get("/api/v1/targeting/worklist?date=2026-11-28").await;
    let used = |lane: &str| {
        w.json["capacity"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["lane"] == lane)
            .map(|c| (c["used"].as_u64().unwrap(), c["capacity"].as_u64().unwrap()))
            .unwrap()
    };
    let (red, red_cap) = used("red");
    let (yellow, yellow_cap) = used("yellow");
    assert_eq!(
        red, red_cap,
        "75 bananas ask for red: it fills, and no more"
    );
    assert!(yellow <= yellow_cap, "{yellow} of {yellow_cap}");
    assert_eq!(
        app.events("selection.made").await.len() as u64,
        red + yellow,
        "each selection audited once"
    );
}

mod concurrent_selection {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::two_runs_at_once(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::two_runs_at_once(hamnvakt_testkit::Kind::Postgres).await
    }
}

mod selection {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::selection_under_capacity(hamnvakt_testkit::Kind::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::selection_under_capacity(hamnvakt_testkit::Kind::Postgres).await
    }
}
