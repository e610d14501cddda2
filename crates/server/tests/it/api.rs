//! The API against a real server on port 0: sign-in, CSRF, throttling, tokens, alerts and
//! their visibility, permissions, the audit chain, OpenAPI and the console's pages.

use hamnvakt_testkit::Kind;
use serde_json::json;

use crate::helpers::{alert_body, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sets_a_hardened_cookie_and_every_attempt_is_audited() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut c = app.client();
    let bad = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "operator", "password": "wrong password"}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json["code"].as_str()),
        (401, Some("bad_credentials"))
    );
    let unknown = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(
        unknown.status, 401,
        "unknown users look the same as wrong passwords"
    );
    let failed = app.events("auth.login_failed").await;
    assert_eq!(failed.len(), 2);
    assert!(failed
        .iter()
        .any(|e| e.payload.contains("\"reason\":\"wrong_password\"")));
    assert!(
        failed.iter().all(|e| !e.payload.contains("wrong password")),
        "passwords never reach the log"
    );

    let ok = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "operator", "password": PASSWORD}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    c.csrf = ok.json["csrf_token"].as_str().map(str::to_owned);
    let cookie = ok
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "not under TLS in this test");
    assert_eq!(app.events("auth.login").await.len(), 1);
    let me = c.get("/api/v1/me").await;
    assert_eq!(
        (
            me.status,
            me.json["user"]["username"].as_str(),
            me.json["via"].as_str()
        ),
        (200, Some("operator"), Some("session"))
    );

    // A state change with the session cookie but without the CSRF token is refused.
    let csrf = c.csrf.take();
    let r = c
        .post_json("/api/v1/alerts", &alert_body("no csrf", "TLP:GREEN", &[]))
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (403, Some("csrf_failed"))
    );
    c.csrf = Some("0".repeat(64));
    assert_eq!(
        c.post_json(
            "/api/v1/alerts",
            &alert_body("wrong csrf", "TLP:GREEN", &[])
        )
        .await
        .status,
        403
    );
    c.csrf = csrf;
    assert_eq!(
        c.post_json("/api/v1/alerts", &alert_body("with csrf", "TLP:GREEN", &[]))
            .await
            .status,
        201
    );

    assert_eq!(c.delete("/api/v1/session").await.status, 204);
    assert_eq!(app.events("auth.logout").await.len(), 1);
    assert!(c.cookie.is_none());
    assert_eq!(c.get("/api/v1/me").await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_account_and_per_address() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.post_json(
                "/api/v1/session",
                &json!({"username": "operator", "password": "guess guess"})
            )
            .await
            .status,
            401
        );
    }
    // Even the right password is refused while the account is locked.
    let locked = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "operator", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (locked.status, locked.json["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    assert_eq!(
        locked.headers.get("retry-after").unwrap().to_str().unwrap(),
        "900"
    );
    assert_eq!(app.events("auth.login_throttled").await.len(), 1);
    // Another account from the same address is not locked yet.
    assert_eq!(
        c.post_json(
            "/api/v1/session",
            &json!({"username": "operator2", "password": PASSWORD})
        )
        .await
        .status,
        200
    );
    // The window passes; the account opens again.
    app.clock.advance_seconds(901);
    assert_eq!(
        c.post_json(
            "/api/v1/session",
            &json!({"username": "operator", "password": PASSWORD})
        )
        .await
        .status,
        200
    );

    // Password spraying: many accounts from one address.
    for i in 0..20 {
        c.post_json(
            "/api/v1/session",
            &json!({"username": format!("user{i}"), "password": "spray spray"}),
        )
        .await;
    }
    let sprayed = c
        .post_json(
            "/api/v1/session",
            &json!({"username": "admin", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        sprayed.status, 429,
        "the address is throttled: {}",
        sprayed.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_are_scoped_audited_revocable_and_expire() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut admin = app.login("admin").await;
    let created = admin
        .post_json("/api/v1/tokens", &json!({"name": "gate ctl", "roles": ["machine_client"], "user_id": app.machine, "lifetime_days": 1}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.json["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("hvt_"));
    let token_id = created.json["token"]["id"].as_str().unwrap().to_owned();
    let stored = app.state.store.list_tokens(None).await.unwrap();
    assert!(
        stored.iter().all(|t| !format!("{t:?}").contains(&secret)),
        "only the digest is stored"
    );

    // A token cannot carry a role its owner lacks.
    let r = admin
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "x", "roles": ["administrator"], "user_id": app.machine}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("roles"))
    );

    let mut m = app.client().with_bearer(&secret);
    assert_eq!(m.get("/api/v1/alerts").await.status, 200);
    let me = m.get("/api/v1/me").await;
    assert_eq!(
        (me.json["via"].as_str(), me.json["roles"][0].as_str()),
        (Some("token"), Some("machine_client"))
    );
    // Machines may raise alerts but not triage them, and need no CSRF token.
    let raised = m
        .post_json(
            "/api/v1/alerts",
            &alert_body("from a machine", "TLP:AMBER", &[]),
        )
        .await;
    assert_eq!(raised.status, 201);
    let id = raised.json["id"].as_str().unwrap();
    assert_eq!(
        m.post_json(&format!("/api/v1/alerts/{id}/acknowledge"), &json!({}))
            .await
            .status,
        403
    );
    let used = app.events("auth.token_used").await;
    assert_eq!(used.len(), 4, "every use of the token is in the chain");
    assert!(used.iter().all(|e| e.actor == format!("token:{token_id}")));

    // Expired.
    app.clock.advance_seconds(86_401);
    assert_eq!(m.get("/api/v1/alerts").await.status, 401);
    let refused = app.events("auth.token_refused").await;
    assert!(refused[0].payload.contains("expired"));
    app.clock.advance_seconds(-86_401);

    // Revoked.
    assert_eq!(
        admin
            .delete(&format!("/api/v1/tokens/{token_id}"))
            .await
            .status,
        204
    );
    assert_eq!(m.get("/api/v1/alerts").await.status, 401);
    assert!(app.events("auth.token_refused").await[0]
        .payload
        .contains("revoked"));
    assert_eq!(app.events("token.revoked").await.len(), 1);
    // Garbage is refused without touching the chain.
    let before = app.state.store.verify_chain().await.unwrap().head_seq;
    assert_eq!(
        app.client()
            .with_bearer("hvt_nope")
            .get("/api/v1/alerts")
            .await
            .status,
        401
    );
    assert_eq!(
        app.state.store.verify_chain().await.unwrap().head_seq,
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_follow_their_lifecycle_and_their_marking() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut op = app.login("operator").await;
    let mut customs = app.login("targeting").await;
    let mut haulier = app.login("dispatch").await;

    let amber = op
        .post_json(
            "/api/v1/alerts",
            &alert_body("shared with customs", "TLP:AMBER", &[app.customs]),
        )
        .await;
    app.clock.advance_seconds(1);
    let red = op
        .post_json("/api/v1/alerts", &alert_body("port only", "TLP:RED", &[]))
        .await;
    app.clock.advance_seconds(1);
    let green = op
        .post_json("/api/v1/alerts", &alert_body("community", "TLP:GREEN", &[]))
        .await;
    let (amber, red, green) = (
        amber.json["id"].as_str().unwrap().to_owned(),
        red.json["id"].as_str().unwrap().to_owned(),
        green.json["id"].as_str().unwrap().to_owned(),
    );
    let titles = |r: &crate::helpers::Response| -> Vec<String> {
        r.json["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&op.get("/api/v1/alerts").await).len(), 3);
    assert_eq!(
        titles(&customs.get("/api/v1/alerts").await),
        ["community", "shared with customs"]
    );
    assert_eq!(titles(&haulier.get("/api/v1/alerts").await), ["community"]);
    assert_eq!(
        customs.get(&format!("/api/v1/alerts/{red}")).await.status,
        404,
        "invisible is indistinguishable from absent"
    );

    // Lifecycle with audit.
    let ack = op
        .post_json(
            &format!("/api/v1/alerts/{amber}/acknowledge"),
            &json!({"note": "looking"}),
        )
        .await;
    assert_eq!(
        (ack.status, ack.json["state"].as_str()),
        (200, Some("acknowledged"))
    );
    let again = op
        .post_json(&format!("/api/v1/alerts/{amber}/acknowledge"), &json!({}))
        .await;
    assert_eq!(
        (again.status, again.json["code"].as_str()),
        (409, Some("conflict"))
    );
    // A named organisation may act; community visibility alone does not allow it.
    let pfso_of_customs = app
        .state
        .store
        .user_by_username("targeting")
        .await
        .unwrap()
        .unwrap()
        .id;
    let assigned = customs
        .post_json(
            &format!("/api/v1/alerts/{amber}/assign"),
            &json!({"assignee": pfso_of_customs}),
        )
        .await;
    assert_eq!(
        (assigned.status, assigned.json["state"].as_str()),
        (200, Some("assigned")),
        "{}",
        assigned.body
    );
    assert_eq!(
        haulier
            .post_json(&format!("/api/v1/alerts/{green}/acknowledge"), &json!({}))
            .await
            .status,
        403
    );
    let bad_assignee = op
        .post_json(
            &format!("/api/v1/alerts/{green}/assign"),
            &json!({"assignee": app.machine}),
        )
        .await;
    assert_eq!(
        (
            bad_assignee.status,
            bad_assignee.json["errors"][0]["field"].as_str()
        ),
        (422, Some("assignee"))
    );
    let closed = op
        .post_json(
            &format!("/api/v1/alerts/{amber}/close"),
            &json!({"outcome": "benign", "note": "contractor with permission"}),
        )
        .await;
    assert_eq!(
        (closed.status, closed.json["outcome"].as_str()),
        (200, Some("benign"))
    );

    let history = op.get(&format!("/api/v1/alerts/{amber}/history")).await;
    let kinds: Vec<&str> = history
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "alert.raised",
            "alert.acknowledged",
            "alert.assigned",
            "alert.closed"
        ]
    );

    // Filters and paging.
    let open = op
        .get("/api/v1/alerts?state=open,acknowledged,assigned")
        .await;
    assert_eq!(open.json["total"], 2);
    let page1 = op.get("/api/v1/alerts?limit=2").await;
    let cursor = page1.json["next_cursor"].as_str().unwrap().to_owned();
    let page2 = op
        .get(&format!("/api/v1/alerts?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(
        (
            titles(&page1).len(),
            titles(&page2).len(),
            page2.json["next_cursor"].is_null()
        ),
        (2, 1, true)
    );
    let by_subject = op
        .get("/api/v1/alerts?subject_kind=credential&subject_ref=SH-204117&min_severity=high")
        .await;
    assert_eq!(by_subject.json["total"], 3);
    let bad = op.get("/api/v1/alerts?state=sleeping").await;
    assert_eq!(
        (bad.status, bad.json["errors"][0]["field"].as_str()),
        (422, Some("state"))
    );

    app.assert_chain_intact().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_manage_people_and_role_changes_are_audited() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut op = app.login("operator").await;
    let body = json!({"org_id": app.haulier, "username": "new.driver", "display_name": "New", "password": "long enough pw", "roles": ["operator"]});
    assert_eq!(op.post_json("/api/v1/users", &body).await.status, 403);
    assert_eq!(op.get("/api/v1/audit/events").await.status, 403);
    let mut admin = app.login("admin").await;
    let created = admin.post_json("/api/v1/users", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        admin.post_json("/api/v1/users", &body).await.status,
        409,
        "usernames are unique"
    );
    let short = json!({"org_id": app.haulier, "username": "x.y", "display_name": "N", "password": "short", "roles": []});
    let r = admin.post_json("/api/v1/users", &short).await;
    assert_eq!(
        (r.status, r.json["errors"][0]["field"].as_str()),
        (422, Some("password"))
    );
    let id = created.json["id"].as_str().unwrap();
    let changed = admin
        .put_json(
            &format!("/api/v1/users/{id}/roles"),
            &json!({"roles": ["analyst"]}),
        )
        .await;
    assert_eq!(changed.json["roles"][0], "analyst");
    let events = app.events("user.roles_changed").await;
    assert_eq!(
        events[0].payload,
        r#"{"after":["analyst"],"before":["operator"]}"#
    );
    assert_eq!(events[0].actor, format!("user:{}", app.admin));
    // Disabling ends the user's sessions.
    let mut victim = app.login("operator2").await;
    let op2 = app
        .state
        .store
        .user_by_username("operator2")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        admin
            .post_json(&format!("/api/v1/users/{op2}/disable"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(victim.get("/api/v1/me").await.status, 401);
    let audit = admin.get("/api/v1/audit/events?kind=user&limit=10").await;
    assert!(audit.json["events"].as_array().unwrap().len() >= 3);
    let verify = admin.get("/api/v1/audit/verify").await;
    assert_eq!(verify.json["status"], "intact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let doc = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.json["openapi"], "3.1.0");
    let paths = doc.json["paths"].as_object().unwrap();
    for (path, method) in [
        ("/session", "post"),
        ("/session", "delete"),
        ("/me", "get"),
        ("/alerts", "get"),
        ("/alerts", "post"),
        ("/alerts/{id}", "get"),
        ("/alerts/{id}/history", "get"),
        ("/alerts/{id}/acknowledge", "post"),
        ("/alerts/{id}/assign", "post"),
        ("/alerts/{id}/close", "post"),
        ("/organisations", "post"),
        ("/users", "post"),
        ("/users/{id}/roles", "put"),
        ("/tokens", "post"),
        ("/tokens/{id}", "delete"),
        ("/audit/events", "get"),
        ("/audit/verify", "get"),
        ("/sites", "get"),
        ("/access/decisions", "post"),
        ("/access/decisions", "get"),
        ("/access/permits", "post"),
        ("/access/permits/{id}", "put"),
        ("/access/credentials", "get"),
        ("/access/bans", "post"),
        ("/access/facilities/{id}/security-level", "post"),
        ("/access/facilities/{id}/muster", "get"),
        ("/access/occupancy", "get"),
        ("/access/policies", "put"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    assert!(doc.json["components"]["schemas"]["Problem"].is_object());
    let permit = &doc.json["components"]["schemas"]["Permit"];
    assert_eq!(
        permit["properties"]["id"]["readOnly"], true,
        "ids are assigned by the server: {permit}"
    );
    assert_eq!(permit["properties"]["schedule"]["type"], "string");
    // An alert's outcome and a gate decision's are two schemas, each with all its values
    // (when both were named `Outcome`, the merge kept one and `benign` fell out of the enum).
    let schemas = &doc.json["components"]["schemas"];
    assert_eq!(
        schemas["AlertOutcome"]["enum"],
        json!(["confirmed", "false_positive", "benign", "duplicate"])
    );
    assert_eq!(
        schemas["DecisionOutcome"]["enum"],
        json!(["grant", "deny", "refer"])
    );
    assert!(schemas.get("Outcome").is_none());
    // Enums of crates that derive no schema are listed from the code.
    let roles: Vec<&str> = hamnvakt_identity::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert_eq!(schemas["Role"]["enum"], json!(roles));
    assert_eq!(
        schemas["Lane"]["enum"],
        json!(["red", "yellow", "blue", "green"])
    );
    assert!(schemas["Permission"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("cargo_select")));
    assert_eq!(
        schemas["AlertView"]["properties"]["outcome"]["oneOf"][1]["$ref"],
        "#/components/schemas/AlertOutcome"
    );
}

/// Every error an operation declares is a problem document with its media type, and every
/// operation declares what the platform beneath it answers: 401 and 403 where it
/// authenticates, 400, 413 and 415 where it reads a body, 422 where it reads input, 503 where
/// it writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_declares_every_error_as_a_problem_document() {
    let doc = serde_json::to_value(hamnvakt_server::app::openapi()).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let has = |s: &str| responses.contains_key(s);
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = r["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                    assert_eq!(
                        content["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem"
                    );
                }
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                assert!(has("401") && has("403"), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(has(s), "{method} {path} {s}");
                }
            }
            if method != "get" {
                assert!(has("503"), "{method} {path}");
            }
        }
    }
    assert!(operations >= 90, "{operations}");
    // What is not JSON says so.
    let ok = |path: &str| {
        let content = doc["paths"][path]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap();
        content.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        ok("/access/facilities/{id}/muster"),
        ["application/json", "text/csv"]
    );
    assert_eq!(ok("/access/decisions/stream"), ["text/event-stream"]);
    assert_eq!(ok("/vessels/stream"), ["text/event-stream"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_problem_documents_with_the_request_id_and_security_headers() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut c = app.client();
    for path in ["/api/v1/alerts", "/api/v1/nowhere", "/healthz"] {
        let r = c.get(path).await;
        for h in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "x-request-id",
        ] {
            assert!(r.headers.get(h).is_some(), "{h} missing on {path}");
        }
    }
    let r = c.get("/api/v1/nowhere").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(
        r.json["request_id"].as_str().unwrap(),
        r.headers.get("x-request-id").unwrap().to_str().unwrap()
    );
    assert_eq!(c.get("/readyz").await.status, 200);
    let metrics = c.get("/metrics").await;
    assert!(
        metrics.body.contains("hamnvakt_http_requests_total{"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("hamnvakt_events_appended_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_signs_in_and_speaks_both_languages() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut c = app.client();
    let r = c.get("/alerts").await;
    assert_eq!(
        (
            r.status,
            r.headers.get("location").unwrap().to_str().unwrap()
        ),
        (303, "/login?next=%2Falerts")
    );
    let page = c.send(reqwest::Method::GET, "/login", None).await;
    assert!(page.body.contains("Logga in"), "Swedish by default");
    let login_csrf = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = login_csrf.split('=').nth(1).unwrap().to_owned();
    c.cookie = Some(login_csrf.clone());
    let form = format!(
        "username=operator&password={}&csrf={token}&next=%2Falerts",
        PASSWORD.replace(' ', "+")
    );
    let signed = c
        .send(
            reqwest::Method::POST,
            "/login",
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let queue = c.get("/alerts").await;
    assert!(
        queue.body.contains("Larmkö") && queue.body.contains("alert-queue")
            || queue.body.contains("Inga larm"),
        "{}",
        queue.body
    );
    let cookie = c.cookie.clone().unwrap();
    c.cookie = Some(format!("{cookie}; hv_lang=en"));
    let english = c.get("/alerts").await;
    assert!(english.body.contains("Alert queue") && !english.body.contains("Larmkö"));
    // A form post without the CSRF field is refused.
    let forged = c
        .send(
            reqwest::Method::POST,
            "/logout",
            Some(("application/x-www-form-urlencoded", b"x=1".to_vec())),
        )
        .await;
    assert_eq!(forged.status, 403);
}
