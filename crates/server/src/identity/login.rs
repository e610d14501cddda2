//! Signing in and out. Every attempt, successful or not, is in the
//! audit chain before the caller gets an answer.

use hamnvakt_core::ids::TokenId;
use hamnvakt_identity::password;
use hamnvakt_identity::secret::{self, SESSION_PREFIX};
use hamnvakt_identity::throttle::{Failures, ThrottledBy, Verdict};
use hamnvakt_store::{SessionRecord, User};
use serde_json::json;

use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// A new browser session: the secret goes into the cookie, the CSRF token into forms.
#[derive(Debug)]
pub struct NewSession {
    pub user: User,
    pub secret: String,
    pub csrf: String,
    pub expires_ms: i64,
}

/// The longest username an account can have (see `admin::check_username`).
pub const MAX_USERNAME_CHARS: usize = 200;

/// Checks a username and password from `address`, with throttling per account and address.
///
/// The throttle holds under concurrency: before the password is checked, the attempt is
/// claimed in a transaction that locks the account's and the address's keys, counts their
/// failures in the window and, if the attempt is allowed, writes it as a failure at once. So
/// thirty simultaneous guesses at one account are counted one after another, and only the
/// first five are checked; a successful sign-in then clears the account's failures, its own
/// claim included.
pub async fn login(
    state: &AppState,
    username: &str,
    password_text: &str,
    address: &str,
    request_id: Option<String>,
) -> Result<NewSession, ApiError> {
    let username = username.trim();
    if username.chars().count() > MAX_USERNAME_CHARS {
        // No such account can exist; refused before it costs a hash, a lock or an event.
        return Err(ApiError::field(
            "username",
            format!("must be at most {MAX_USERNAME_CHARS} characters"),
        ));
    }
    let anonymous = Actor {
        id: "anonymous".into(),
        org: None,
        request_id: request_id.clone(),
    };
    claim_attempt(state, &anonymous, username, address).await?;

    let user = if username.is_empty() {
        None
    } else {
        state.store.user_by_username(username).await?
    };
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.to_owned());
    let candidate = password_text.to_owned();
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&candidate, &stored)).await?;
    let reason = match &user {
        None => Some("unknown_user"),
        Some(_) if !matches => Some("wrong_password"),
        Some(u) if u.disabled => Some("disabled"),
        Some(u) if u.roles.iter().all(|r| r.is_machine()) => Some("no_console_role"),
        Some(_) => None,
    };
    if let Some(reason) = reason {
        let actor = match &user {
            Some(u) => Actor {
                id: format!("user:{}", u.id),
                org: Some(u.org_id),
                request_id: request_id.clone(),
            },
            None => anonymous.clone(),
        };
        let mut change = Change::begin(state, &actor).await?;
        change
            .record(
                "auth.login_failed",
                None,
                json!({"username": username, "address": address, "reason": reason}),
            )
            .await?;
        // The failure row was written when the attempt was claimed.
        change.commit().await?;
        state.metrics.login("failed");
        return Err(ApiError::BadCredentials);
    }
    let Some(user) = user else {
        return Err(ApiError::Internal("login without a user".into()));
    };

    let (secret_text, csrf) = {
        let mut rng = rand::rngs::OsRng;
        (
            secret::generate(SESSION_PREFIX, &mut rng),
            secret::generate("", &mut rng),
        )
    };
    let digest = secret::digest(&secret_text);
    let actor = Actor {
        id: format!("user:{}", user.id),
        org: Some(user.org_id),
        request_id,
    };
    let mut change = Change::begin(state, &actor).await?;
    let created_ms = change.at_ms();
    let expires_ms = created_ms + i64::from(state.config.session_timeout_seconds) * 1000;
    change
        .record(
            "auth.login",
            Some(&format!("user:{}", user.id)),
            json!({"username": user.username, "address": address, "session": digest.get(..16).unwrap_or(""), "expires_ms": expires_ms}),
        )
        .await?;
    change
        .tx()
        .insert_session(
            &digest,
            &SessionRecord {
                user_id: user.id,
                csrf: csrf.clone(),
                address: address.to_owned(),
                created_ms,
                expires_ms,
            },
        )
        .await?;
    change.tx().clear_login_failures(username).await?;
    change.commit().await?;
    state.metrics.login("ok");
    Ok(NewSession {
        user,
        secret: secret_text,
        csrf,
        expires_ms,
    })
}

/// Ends a session.
pub async fn logout(state: &AppState, actor: &Actor, session_digest: &str) -> Result<(), ApiError> {
    let mut change = Change::begin(state, actor).await?;
    change
        .record(
            "auth.logout",
            None,
            json!({"session": session_digest.get(..16).unwrap_or("")}),
        )
        .await?;
    change.tx().delete_session(session_digest).await?;
    change.commit().await
}

/// The id of a token from its path segment, or a 404.
pub fn parse_token_id(s: &str) -> Result<TokenId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("token {s}")))
}

/// Counts this attempt against the account and the address before its password is checked,
/// or refuses it when either has used up its failures in the window (see [`login`]). A
/// refusal is audited once per key and window: the first as `auth.login_throttled`, the rest
/// only counted, until [`close_throttle_windows`] records the window's count.
async fn claim_attempt(
    state: &AppState,
    anonymous: &Actor,
    username: &str,
    address: &str,
) -> Result<(), ApiError> {
    let now = state.now();
    let policy = &state.config.login_throttle;
    let since = policy.window_start(now).as_millisecond();
    let account_key = format!("account:{username}");
    let address_key = format!("address:{address}");
    let mut change = Change::begin(state, anonymous).await?;
    change.tx().lock_keys(&[&account_key, &address_key]).await?;
    let ((n_user, oldest_user), (n_addr, oldest_addr)) =
        change.tx().login_failures(username, address, since).await?;
    let failures = Failures {
        account_count: u32::try_from(n_user).unwrap_or(u32::MAX),
        account_oldest: oldest_user.map(hamnvakt_core::clock::from_millis),
        address_count: u32::try_from(n_addr).unwrap_or(u32::MAX),
        address_oldest: oldest_addr.map(hamnvakt_core::clock::from_millis),
    };
    let at = change.at_ms();
    match policy.decide(&failures, now) {
        Verdict::Allow => {
            change
                .tx()
                .insert_login_failure(username, address, at)
                .await?;
            change.commit().await
        }
        Verdict::Throttled {
            retry_after_seconds,
            by,
        } => {
            // Refused without being counted as a further failure: counting it would let an
            // attacker keep an account locked for ever by trying once per window.
            let (key, by) = match by {
                ThrottledBy::Account => (account_key, "account"),
                ThrottledBy::Address => (address_key, "address"),
            };
            let window_ms = i64::from(policy.window_seconds) * 1000;
            match change.tx().throttle_window(&key).await? {
                Some((started, _)) if at - started < window_ms => {
                    change.tx().count_throttled(&key).await?;
                }
                ended => {
                    if let Some((started, attempts)) = ended {
                        record_window(&mut change, &key, started, attempts).await?;
                    }
                    change.tx().open_throttle_window(&key, at).await?;
                    change
                        .record(
                            "auth.login_throttled",
                            None,
                            json!({"username": username, "address": address, "by": by, "retry_after_seconds": retry_after_seconds}),
                        )
                        .await?;
                }
            }
            change.commit().await?;
            state.metrics.login("throttled");
            Err(ApiError::Throttled {
                retry_after_seconds,
            })
        }
    }
}

/// Records how many sign-in attempts a key had refused in a window, when there were more than
/// the one its `auth.login_throttled` event already stands for.
async fn record_window(
    change: &mut Change<'_>,
    key: &str,
    started_ms: i64,
    attempts: i64,
) -> Result<(), ApiError> {
    if attempts > 1 {
        change
            .record(
                "auth.login_throttled_window",
                None,
                json!({"key": key, "started_ms": started_ms, "attempts": attempts}),
            )
            .await?;
    }
    Ok(())
}

/// Closes every throttling window that has ended, recording its count of refusals (run by
/// the server's housekeeping).
pub async fn close_throttle_windows(state: &AppState) -> Result<usize, ApiError> {
    let window_ms = i64::from(state.config.login_throttle.window_seconds) * 1000;
    let ended = state
        .store
        .ended_throttle_windows(state.now_ms() - window_ms)
        .await?;
    let actor = Actor::system("system");
    let mut closed = 0;
    for (key, started, attempts) in ended {
        let mut change = Change::begin(state, &actor).await?;
        change.tx().lock_keys(&[&key]).await?;
        if change.tx().close_throttle_window(&key, started).await? {
            record_window(&mut change, &key, started, attempts).await?;
            closed += 1;
        }
        change.commit().await?;
    }
    Ok(closed)
}
