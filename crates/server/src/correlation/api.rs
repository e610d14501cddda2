//! Correlation rules over HTTP, written and versioned like risk profiles: list the rules in
//! force, write a new one, save a new version of one (a built-in rule too: its code is its
//! id, version 0 in the code), read every version. Every save is in the audit chain before it
//! takes effect; the correlator runs the new version from the next event on. The console's
//! `/correlation` lists them with a form to edit each as JSON.

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hamnvakt_identity::Permission;
use hamnvakt_incidents::correlation::{builtin, builtin_version, Rule};
use maud::html;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{OpenApi, ToSchema};

use super::{rules_in_force, Correlation};
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::change::{Actor, Change};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, ApiPath};
use crate::web::i18n::Msg;
use crate::web::layout::{current_path, layout, t, Page, UiError, UiLang};
use crate::web::state::AppState;

/// The platform state with the running correlator.
#[derive(Clone)]
pub struct CorrelationState {
    pub app: AppState,
    pub engine: Arc<Correlation>,
}

impl axum::extract::FromRef<CorrelationState> for AppState {
    fn from_ref(s: &CorrelationState) -> AppState {
        s.app.clone()
    }
}

pub fn routes() -> Router<CorrelationState> {
    Router::new()
        .route("/api/v1/correlation/rules", get(list).post(create))
        .route("/api/v1/correlation/rules/{id}", put(update))
        .route("/api/v1/correlation/rules/{id}/versions", get(versions))
        .route("/correlation", get(page))
        .route("/correlation/{id}", post(save_form))
}

/// One version of a rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    pub id: String,
    /// 0 for a built-in rule as the code has it.
    pub version: i64,
    pub builtin: bool,
    /// Who wrote this version (none for the code's).
    pub author: Option<String>,
    pub rule: Rule,
}

fn is_builtin(id: &str) -> bool {
    builtin().iter().any(|r| r.code == id)
}

/// The rules in force.
#[utoipa::path(get, path = "/correlation/rules", tag = "alerts",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<RuleView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<CorrelationState>,
    p: Principal,
) -> Result<Json<Vec<RuleView>>, ApiError> {
    p.require(Permission::AlertsRead)?;
    Ok(Json(in_force(&state.app).await?))
}

async fn in_force(state: &AppState) -> Result<Vec<RuleView>, ApiError> {
    Ok(rules_in_force(state)
        .await?
        .into_iter()
        .map(|(v, author)| RuleView {
            builtin: is_builtin(&v.id),
            id: v.id,
            version: v.version,
            author,
            rule: v.rule,
        })
        .collect())
}

/// Writes a new rule (version 1).
#[utoipa::path(post, path = "/correlation/rules", tag = "alerts",
    request_body = Rule,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = RuleView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<CorrelationState>,
    p: Principal,
    ApiJson(rule): ApiJson<Rule>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    p.require(Permission::CorrelationManage)?;
    let v = save(&state, &p.actor(), None, &rule).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Saves a new version of a rule (a built-in one's id is its code).
#[utoipa::path(put, path = "/correlation/rules/{id}", tag = "alerts",
    params(("id" = String, Path, description = "Rule id (a built-in rule's code)")),
    request_body(content = Rule, description = "The whole rule, as for POST"),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = RuleView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<CorrelationState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(rule): ApiJson<Rule>,
) -> Result<Json<RuleView>, ApiError> {
    p.require(Permission::CorrelationManage)?;
    Ok(Json(save(&state, &p.actor(), Some(&id), &rule).await?))
}

/// Every version of a rule, oldest first (a built-in rule's code first, at the version the
/// code states: [`builtin_version`]).
#[utoipa::path(get, path = "/correlation/rules/{id}/versions", tag = "alerts",
    params(("id" = String, Path, description = "Rule id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<RuleView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn versions(
    State(state): State<CorrelationState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<RuleView>>, ApiError> {
    p.require(Permission::AlertsRead)?;
    let mut out: Vec<RuleView> = builtin()
        .into_iter()
        .filter(|r| r.code == id)
        .map(|rule| RuleView {
            id: id.clone(),
            version: builtin_version(&id),
            builtin: true,
            author: None,
            rule,
        })
        .collect();
    for row in state.app.store.rule_versions(&id).await? {
        let rule: Rule = serde_json::from_str(&row.data)
            .map_err(|e| ApiError::Internal(format!("a stored rule does not read: {e}")))?;
        out.push(RuleView {
            builtin: is_builtin(&id),
            id: row.id,
            version: row.version,
            author: Some(row.author),
            rule,
        });
    }
    if out.is_empty() {
        return Err(ApiError::NotFound(format!("correlation rule {id}")));
    }
    Ok(Json(out))
}

/// Checks and stores a rule version, audited, and puts the rules in force in the correlator.
async fn save(
    state: &CorrelationState,
    actor: &Actor,
    id: Option<&str>,
    rule: &Rule,
) -> Result<RuleView, ApiError> {
    rule.validate().map_err(ApiError::InvalidFields)?;
    let (id, version) = match id {
        Some(id) => {
            let last = state
                .app
                .store
                .rule_versions(id)
                .await?
                .last()
                .map(|r| r.version);
            match (last, is_builtin(id)) {
                // A built-in rule's next version follows both the code's and the stored ones.
                (Some(v), true) => (id.to_owned(), v.max(builtin_version(id)) + 1),
                (Some(v), false) => (id.to_owned(), v + 1),
                (None, true) => (id.to_owned(), builtin_version(id) + 1),
                (None, false) => return Err(ApiError::NotFound(format!("correlation rule {id}"))),
            }
        }
        None => (crate::web::state::new_id::<()>().to_string(), 1),
    };
    let data = serde_json::to_string(rule)
        .map_err(|e| ApiError::Internal(format!("encoding a rule: {e}")))?;
    let mut change = Change::begin(&state.app, actor).await?;
    change
        .record(
            if version == 1 && !is_builtin(&id) {
                "correlation_rule.created"
            } else {
                "correlation_rule.changed"
            },
            Some(&format!("correlation_rule:{id}")),
            json!({"version": version, "rule": rule}),
        )
        .await?;
    let row = hamnvakt_store::RuleRow {
        id: id.clone(),
        version,
        data,
        author: actor.id.clone(),
        created_ms: change.at_ms(),
    };
    change.tx().insert_rule_version(&row).await?;
    change.commit().await?;
    let rules = rules_in_force(&state.app)
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    state.engine.set_rules(rules).await;
    Ok(RuleView {
        builtin: is_builtin(&id),
        id,
        version,
        author: Some(actor.id.clone()),
        rule: rule.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct RuleForm {
    rule: String,
}

/// The console's list of rules, each with its JSON to edit.
pub async fn page(
    State(state): State<CorrelationState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, UiError> {
    p.require(Permission::AlertsRead)?;
    let rules = in_force(&state.app).await?;
    let edit = p.can(Permission::CorrelationManage);
    let path = current_path(&uri);
    let body = html! {
        h1 { (t(lang, Msg::CorrelationRules)) }
        p.muted { (t(lang, Msg::CorrelationHelp)) }
        @for r in &rules {
            section.rule #{ "rule-" (r.id) } {
                h2 { (r.rule.name) " " small.muted { code { "correlation." (r.rule.code) } " · v" (r.version)
                    @if r.builtin { " · " (t(lang, Msg::CorrelationBuiltin)) } } }
                p { (r.rule.description) }
                @if edit {
                    form method="post" action={ "/correlation/" (r.id) } {
                        input type="hidden" name="csrf" value=(p.csrf());
                        textarea name="rule" rows="14" cols="90" spellcheck="false" {
                            (serde_json::to_string_pretty(&r.rule).unwrap_or_default())
                        }
                        button type="submit" { (t(lang, Msg::CorrelationSave)) }
                    }
                } @else {
                    pre { (serde_json::to_string_pretty(&r.rule).unwrap_or_default()) }
                }
            }
        }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(&p),
            path: &path,
            title: t(lang, Msg::CorrelationRules),
            nav: None,
        },
        body,
    ))
}

/// Saves a rule's new version from the console's form.
pub async fn save_form(
    State(state): State<CorrelationState>,
    ApiPath(id): ApiPath<String>,
    UiForm(p, f): UiForm<RuleForm>,
) -> Result<Response, UiError> {
    p.require(Permission::CorrelationManage)?;
    let rule: Rule = serde_json::from_str(&f.rule)
        .map_err(|e| ApiError::field("rule", format!("not a rule as JSON: {e}")))?;
    save(&state, &p.actor(), Some(&id), &rule).await?;
    Ok(Redirect::to("/correlation").into_response())
}

#[derive(OpenApi)]
#[openapi(paths(list, create, update, versions))]
struct Doc;

/// This capability's paths of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}
