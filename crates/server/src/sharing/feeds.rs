//! The TAXII 2.1 client: partner collections pulled on a schedule with a cursor (the
//! date-added of the last object taken, so nothing is downloaded twice) and our own objects
//! pushed to a partner's collection — only those whose marking lets them leave for that
//! partner. What a pull brings is filed as the partner's, under the rules of
//! [`Arrival::Partner`]: it keeps its marking and is never passed on to other partners.

use std::time::Duration;

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::Reader;
use hamnvakt_core::org::OrgKind;
use hamnvakt_sharing::stix;
use hamnvakt_store::{FeedRow, SharedQuery};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::service::{self, Arrival, FileReport, SharingState};
use super::taxii::TAXII;
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;

/// A partner collection to pull from or push to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeed {
    pub name: String,
    /// The organisation (kind `other_port`) that stands for the partner port here.
    #[schema(value_type = String, format = Uuid)]
    pub partner_org: OrgId,
    /// `pull` (default) or `push`.
    #[serde(default)]
    pub direction: Option<String>,
    /// The collection's objects URL, `https://…/taxii2/<root>/collections/<id>/objects/`.
    pub objects_url: String,
    /// For a partner that only takes HTTP Basic (as medallion, the OASIS reference server):
    /// the user name; the token is then the password.
    #[serde(default)]
    pub username: Option<String>,
    /// The API token the partner issued us.
    pub token: String,
    /// How often, 10 s to a day (default 300).
    #[serde(default)]
    pub interval_seconds: Option<i64>,
}

/// Objects asked for per page.
const PAGE: usize = 1_000;
/// Pages per run at most (a run that stops here goes on from its cursor next time).
const MAX_PAGES: usize = 500;

pub async fn create(state: &SharingState, actor: &Actor, f: &NewFeed) -> Result<FeedRow, ApiError> {
    let mut errors = Vec::new();
    if let Err(e) = hamnvakt_core::validate::name("name", &f.name, 100) {
        errors.push(e);
    }
    let direction = f.direction.clone().unwrap_or_else(|| "pull".into());
    if direction != "pull" && direction != "push" {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "direction",
            "pull or push",
        ));
    }
    match url::Url::parse(&f.objects_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && f.objects_url.len() <= 2000 => {}
        _ => errors.push(hamnvakt_core::validate::FieldError::new(
            "objects_url",
            "an http or https URL of a collection's objects",
        )),
    }
    if f.token.is_empty()
        || f.token.len() > 500
        || f.token.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "token",
            "1 to 500 characters, no spaces",
        ));
    }
    if let Some(u) = &f.username {
        if u.is_empty() || u.len() > 100 || u.contains(':') || u.chars().any(char::is_control) {
            errors.push(hamnvakt_core::validate::FieldError::new(
                "username",
                "1 to 100 characters, no colon",
            ));
        }
    }
    let interval = f.interval_seconds.unwrap_or(300);
    if !(10..=86_400).contains(&interval) {
        errors.push(hamnvakt_core::validate::FieldError::new(
            "interval_seconds",
            "10 to 86400",
        ));
    }
    match state.store.org(f.partner_org).await? {
        Some(o) if o.kind == OrgKind::OtherPort => {}
        Some(_) => errors.push(hamnvakt_core::validate::FieldError::new(
            "partner_org",
            "a partner port is an organisation of kind other_port",
        )),
        None => errors.push(hamnvakt_core::validate::FieldError::new(
            "partner_org",
            format!("no organisation {}", f.partner_org),
        )),
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    let now = state.now_ms();
    let row = FeedRow {
        id: uuid::Uuid::new_v4().to_string(),
        name: f.name.clone(),
        partner_org: f.partner_org,
        direction,
        objects_url: f.objects_url.clone(),
        username: f.username.clone(),
        token: f.token.clone(),
        interval_seconds: interval,
        enabled: true,
        cursor: None,
        last_run_ms: None,
        last_ok_ms: None,
        last_error: None,
        objects_total: 0,
        last_run_objects: 0,
        created_ms: now,
    };
    let mut c = Change::begin(state, actor).await?;
    c.record(
        "sharing.feed_created",
        Some(&format!("feed:{}", row.id)),
        json!({"name": row.name, "partner_org": row.partner_org, "direction": row.direction, "objects_url": row.objects_url}),
    )
    .await?;
    c.tx().insert_feed(&row).await?;
    c.commit().await?;
    Ok(row)
}

/// Runs a feed once (pull or push) and records the outcome on it; never fails: an error is
/// kept on the feed for the console.
pub async fn pull(state: &SharingState, feed: &FeedRow) {
    let result = if feed.direction == "push" {
        push_once(state, feed).await
    } else {
        pull_once(state, feed).await
    };
    let now = state.now_ms();
    let (cursor, run, error) = match &result {
        Ok((cursor, run)) => (cursor.clone(), *run, None),
        Err(e) => (
            None,
            Run::default(),
            Some(e.chars().take(500).collect::<String>()),
        ),
    };
    if let Some(e) = &error {
        tracing::warn!(feed = %feed.id, error = %e, "a partner feed failed");
    }
    let actor = Actor::system("sharing");
    let write = async {
        let mut c = Change::begin(state, &actor).await?;
        c.record(
            "sharing.feed_run",
            Some(&format!("feed:{}", feed.id)),
            json!({"direction": feed.direction, "objects": run.stored, "transferred": run.transferred, "error": error}),
        )
        .await?;
        c.tx()
            .record_feed_run(
                &feed.id,
                now,
                cursor.as_deref(),
                run.stored,
                run.transferred,
                error.as_deref(),
            )
            .await?;
        c.commit().await
    };
    if let Err(e) = write.await {
        tracing::error!(feed = %feed.id, error = %e, "cannot record a feed run");
    }
}

/// What one run moved: objects that crossed the wire (received by a pull, sent by a push)
/// and, of those, the ones filed here (a pull) or sent (a push).
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    transferred: i64,
    stored: i64,
}

async fn get_page(
    state: &SharingState,
    feed: &FeedRow,
    query: &[(&str, String)],
) -> Result<(Value, Option<String>), String> {
    let resp = state
        .sharing
        .http
        .get(&feed.objects_url)
        .query(query)
        .header("accept", TAXII);
    let resp = authorise(resp, feed)
        .send()
        .await
        .map_err(|e| format!("cannot reach the partner: {e}"))?;
    let status = resp.status();
    let last = resp
        .headers()
        .get("x-taxii-date-added-last")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("the answer broke off: {e}"))?;
    if !status.is_success() {
        let text: String = String::from_utf8_lossy(&body).chars().take(300).collect();
        return Err(format!("the partner answered {status}: {text}"));
    }
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| format!("the partner's answer is not JSON: {e}"))?;
    Ok((v, last))
}

/// The feed's credentials on a request: Basic with the token as password when the feed has a
/// user name, a bearer token otherwise.
fn authorise(req: reqwest::RequestBuilder, feed: &FeedRow) -> reqwest::RequestBuilder {
    match &feed.username {
        Some(u) => req.basic_auth(u, Some(&feed.token)),
        None => req.bearer_auth(&feed.token),
    }
}

/// Pulls every page added since the cursor; returns the new cursor and what the run moved.
/// The pages after the first repeat the first's filter beside `next`, as a server that keeps
/// its paging per query (medallion does) requires.
async fn pull_once(state: &SharingState, feed: &FeedRow) -> Result<(Option<String>, Run), String> {
    let operator = service::operator_org(state)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or(feed.partner_org);
    let arrival = Arrival::Partner {
        partner: feed.partner_org,
        operator,
    };
    let actor = Actor {
        id: format!("feed:{}", feed.id),
        org: Some(feed.partner_org),
        request_id: None,
    };
    let mut cursor = feed.cursor.clone();
    let mut next: Option<String> = None;
    let mut run = Run::default();
    for _ in 0..MAX_PAGES {
        let mut q = vec![("limit", PAGE.to_string())];
        if let Some(c) = &feed.cursor {
            q.push(("added_after", c.clone()));
        }
        if let Some(n) = &next {
            q.push(("next", n.clone()));
        }
        let (v, last) = get_page(state, feed, &q).await?;
        let more = v.get("more").and_then(Value::as_bool).unwrap_or(false);
        next = v.get("next").and_then(Value::as_str).map(str::to_owned);
        let read = stix::read_bundle_value(
            json!({"objects": v.get("objects").cloned().unwrap_or(json!([]))}),
        )
        .map_err(|e| format!("the partner's page does not hold: {e}"))?;
        let mut report = FileReport::default();
        report
            .failures
            .extend(read.rejected.into_iter().map(|r| service::Failure {
                id: r.id,
                field: r.error.field,
                message: r.error.reason,
            }));
        let n = read.objects.len();
        run.transferred += (n + report.failures.len()) as i64;
        let report = service::file(
            state,
            &actor,
            &arrival,
            &format!("feed:{}", feed.id),
            read.objects,
            report,
        )
        .await
        .map_err(|e| e.to_string())?;
        run.stored += report.stored as i64;
        if !report.failures.is_empty() {
            tracing::warn!(feed = %feed.id, refused = report.failures.len(), first = ?report.failures.first(), "a partner feed brought objects that were refused");
        }
        if let Some(l) = last {
            cursor = Some(l);
        }
        if !more || n == 0 {
            break;
        }
    }
    Ok((cursor, run))
}

/// Pushes our organisations' objects that may leave for the partner, added since the last
/// push; the cursor is the date-added position (seq) of the last one sent.
async fn push_once(state: &SharingState, feed: &FeedRow) -> Result<(Option<String>, Run), String> {
    // Read as the partner reads: only what the rule lets it see and a feed may carry to it.
    let reader = Reader {
        org: feed.partner_org,
        partner: true,
    };
    let mut after: Option<i64> = feed.cursor.as_deref().and_then(|c| c.parse().ok());
    let mut sent = 0i64;
    for _ in 0..MAX_PAGES {
        let mut rows = state
            .store
            .list_shared(
                &reader,
                &SharedQuery {
                    after_seq: after,
                    feed: true,
                    limit: PAGE as i64,
                    ..SharedQuery::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let more = rows.len() > PAGE;
        rows.truncate(PAGE);
        let Some(last) = rows.last().map(|r| r.seq) else {
            break;
        };
        // Never send the partner's own objects back to it.
        let ours: Vec<Value> = rows
            .iter()
            .filter(|r| r.owner_org != feed.partner_org)
            .map(|r| stix::with_marking(&r.body, r.marking.tlp))
            .collect();
        if !ours.is_empty() {
            let n = ours.len() as i64;
            let resp = state
                .sharing
                .http
                .post(&feed.objects_url)
                .header("accept", TAXII)
                .header("content-type", TAXII);
            let resp = authorise(resp, feed)
                .body(json!({"objects": ours}).to_string())
                .timeout(Duration::from_secs(120))
                .send()
                .await
                .map_err(|e| format!("cannot reach the partner: {e}"))?;
            if !resp.status().is_success() {
                let status = resp.status();
                let text: String = resp
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                return Err(format!("the partner answered {status}: {text}"));
            }
            sent += n;
        }
        after = Some(last);
        if !more {
            break;
        }
    }
    Ok((
        after.map(|a| a.to_string()),
        Run {
            transferred: sent,
            stored: sent,
        },
    ))
}

/// How often the scheduler looks for feeds that are due: a feed runs at most this late, so a
/// feed of the shortest interval (10 s) runs every 10 to 12 s. One small read per tick.
const TICK: Duration = Duration::from_secs(2);

/// Runs every enabled feed when its interval has passed (by the server's clock), checking
/// every [`TICK`].
pub fn start(state: SharingState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let feeds = match state.store.list_feeds().await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the partner feeds");
                    continue;
                }
            };
            let now = state.now_ms();
            for f in feeds.iter().filter(|f| f.enabled) {
                let due = f
                    .last_run_ms
                    .is_none_or(|l| now - l >= f.interval_seconds * 1000);
                if due {
                    pull(&state, f).await;
                }
            }
        }
    });
}
