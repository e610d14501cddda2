//! The administrator's console does what the API lets the same person do, through the API's
//! own checks: organisations, users and roles, API tokens created (the secret shown once) and
//! revoked; and no one else gets in.

use hamnvakt_testkit::Kind;

use crate::helpers::{Client, Response, TestApp};

async fn form(c: &mut Client, path: &str, fields: &[(&str, &str)]) -> Response {
    let mut all: Vec<(&str, String)> = vec![("csrf", c.csrf.clone().unwrap_or_default())];
    all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    c.send(
        reqwest::Method::POST,
        path,
        Some(("application/x-www-form-urlencoded", body.into_bytes())),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_manages_users_roles_and_tokens_in_the_console() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut admin = app.login("admin").await;
    let page = admin.get("/admin").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"users\"") && page.body.contains("id=\"tokens\""));

    // A new operator account, then a second role for it.
    let port = app.port.to_string();
    let r = form(
        &mut admin,
        "/admin/users",
        &[
            ("org_id", &port),
            ("username", "night.op"),
            ("display_name", "Night Operator"),
            ("password", "a-long-enough-password"),
            ("role", "operator"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(admin.get("/admin").await.body.contains("night.op"));
    let users = admin.get("/api/v1/users").await.json;
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "night.op")
        .unwrap()
        .clone();
    let id = user["id"].as_str().unwrap().to_owned();
    let r = form(
        &mut admin,
        &format!("/admin/users/{id}/roles"),
        &[("role", "operator"), ("role", "analyst")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let users = admin.get("/api/v1/users").await.json;
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "night.op")
        .unwrap()
        .clone();
    assert_eq!(user["roles"].as_array().unwrap().len(), 2, "{user}");
    // The audit log names the account those events are about, not its id (kept as the
    // cell's title).
    let audit = admin.get("/audit").await.body;
    assert!(
        audit.contains(&format!("<td title=\"user:{id}\">Night Operator</td>")),
        "{audit}"
    );
    // A bad username is refused with where and why, nothing created.
    let r = form(
        &mut admin,
        "/admin/users",
        &[
            ("org_id", &port),
            ("username", "Bad Name"),
            ("display_name", "x"),
            ("role", "operator"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // A token for the new account: the secret is on the answer, once, and it works.
    let r = form(
        &mut admin,
        "/admin/tokens",
        &[
            ("user_id", &id),
            ("name", "night console"),
            ("lifetime_days", "7"),
            ("role", "operator"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let start = r.body.find("hvt_").expect("the secret is shown");
    let secret: String = r.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut bearer = app.client().with_bearer(&secret);
    assert_eq!(bearer.get("/api/v1/alerts").await.status, 200);
    assert!(
        !admin.get("/admin").await.body.contains(&secret),
        "shown once"
    );
    // Revoked in the console, refused at once.
    let tokens = admin.get("/api/v1/tokens").await.json;
    let tid = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "night console")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = form(&mut admin, &format!("/admin/tokens/{tid}/revoke"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(bearer.get("/api/v1/alerts").await.status, 401);
    // Disabled, the account cannot sign in.
    let r = form(&mut admin, &format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut night = app.client();
    let r = night
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "night.op", "password": "a-long-enough-password"}),
        )
        .await;
    assert_ne!(r.status, 200, "a disabled account signs in: {}", r.body);

    // Others see no administration and cannot act through its forms.
    let mut op = app.login("operator").await;
    assert_eq!(op.get("/admin").await.status, 403);
    let r = form(
        &mut op,
        "/admin/users",
        &[
            ("org_id", &port),
            ("username", "sneaky"),
            ("display_name", "x"),
            ("role", "administrator"),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(!op.get("/alerts").await.body.contains("href=\"/admin\""));
}
