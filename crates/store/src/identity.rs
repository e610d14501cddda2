//! Organisations, users, browser sessions, API tokens and failed-login records.

use hamnvakt_core::ids::{OrgId, TokenId, UserId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::roles::{decode_roles, encode_roles, Role};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Backend, Result, Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub username: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub roles: Vec<Role>,
    pub locale: String,
    pub disabled: bool,
    pub created_ms: i64,
    /// The kind of the user's organisation (read with the user: sharing needs to know whether
    /// the reader is a partner port).
    pub org_kind: OrgKind,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub org_id: OrgId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub roles: &'a [Role],
    pub locale: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub csrf: String,
    pub address: String,
    pub created_ms: i64,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRecord {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub roles: Vec<Role>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub id: TokenId,
    pub digest: &'a str,
    pub user_id: UserId,
    pub name: &'a str,
    pub roles: &'a [Role],
    pub created_ms: i64,
    pub expires_ms: i64,
}

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what} {s:?} is not valid")))
}

fn org_from_row(r: &AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        id: parse("organisation id", &r.try_get::<String, _>(0)?)?,
        name: r.try_get(1)?,
        kind: parse("organisation kind", &r.try_get::<String, _>(2)?)?,
        created_ms: r.try_get(3)?,
    })
}

const USER_INSERT_COLUMNS: &str =
    "id, org_id, username, display_name, password_hash, roles, locale, disabled, created_ms";

const USER_COLUMNS: &str =
    "id, org_id, username, display_name, password_hash, roles, locale, disabled, created_ms, \
     (SELECT kind FROM organisations o WHERE o.id = users.org_id)";

fn user_from_row(r: &AnyRow) -> Result<User> {
    let roles: String = r.try_get(5)?;
    Ok(User {
        id: parse("user id", &r.try_get::<String, _>(0)?)?,
        org_id: parse("organisation id", &r.try_get::<String, _>(1)?)?,
        username: r.try_get(2)?,
        display_name: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        roles: decode_roles(&roles).map_err(StoreError::Corrupt)?,
        locale: r.try_get(6)?,
        disabled: r.try_get::<i64, _>(7)? != 0,
        created_ms: r.try_get(8)?,
        org_kind: r
            .try_get::<String, _>(9)?
            .parse()
            .map_err(StoreError::Corrupt)?,
    })
}

const TOKEN_COLUMNS: &str = "id, user_id, name, roles, created_ms, expires_ms, revoked_ms";

fn token_from_row(r: &AnyRow) -> Result<ApiTokenRecord> {
    let roles: String = r.try_get(3)?;
    Ok(ApiTokenRecord {
        id: parse("token id", &r.try_get::<String, _>(0)?)?,
        user_id: parse("user id", &r.try_get::<String, _>(1)?)?,
        name: r.try_get(2)?,
        roles: decode_roles(&roles).map_err(StoreError::Corrupt)?,
        created_ms: r.try_get(4)?,
        expires_ms: r.try_get(5)?,
        revoked_ms: r.try_get(6)?,
    })
}

impl WriteTx {
    pub async fn insert_org(&mut self, org: &Organisation) -> Result<()> {
        sqlx::query(
            "INSERT INTO organisations (id, name, kind, created_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.id.to_string())
        .bind(org.name.clone())
        .bind(org.kind.as_str())
        .bind(org.created_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn insert_user(&mut self, u: &NewUser<'_>, created_ms: i64) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO users ({USER_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)"
        ))
        .bind(u.id.to_string())
        .bind(u.org_id.to_string())
        .bind(u.username.to_owned())
        .bind(u.display_name.to_owned())
        .bind(u.password_hash.map(str::to_owned))
        .bind(encode_roles(u.roles))
        .bind(u.locale.to_owned())
        .bind(created_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn set_user_roles(&mut self, user: UserId, roles: &[Role]) -> Result<()> {
        let n = sqlx::query("UPDATE users SET roles = $1 WHERE id = $2")
            .bind(encode_roles(roles))
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user}")));
        }
        Ok(())
    }

    pub async fn set_user_disabled(&mut self, user: UserId, disabled: bool) -> Result<()> {
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    pub async fn set_user_locale(&mut self, user: UserId, locale: &str) -> Result<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale.to_owned())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_session(&mut self, digest: &str, s: &SessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (digest, user_id, csrf, address, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(digest.to_owned())
        .bind(s.user_id.to_string())
        .bind(s.csrf.clone())
        .bind(s.address.clone())
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn delete_session(&mut self, digest: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(digest.to_owned())
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    /// Removes sessions that have expired and failed-login records older than `before_ms`.
    pub async fn prune(&mut self, now_ms: i64, failures_before_ms: i64) -> Result<u64> {
        let a = sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
            .bind(now_ms)
            .execute(&mut *self.tx)
            .await?;
        let b = sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
            .bind(failures_before_ms)
            .execute(&mut *self.tx)
            .await?;
        Ok(a.rows_affected() + b.rows_affected())
    }

    pub async fn insert_token(&mut self, t: &NewToken<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, digest, user_id, name, roles, created_ms, expires_ms, revoked_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(t.id.to_string())
        .bind(t.digest.to_owned())
        .bind(t.user_id.to_string())
        .bind(t.name.to_owned())
        .bind(encode_roles(t.roles))
        .bind(t.created_ms)
        .bind(t.expires_ms)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Revokes a token; false when it does not exist or was already revoked.
    pub async fn revoke_token(&mut self, id: TokenId, at_ms: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL",
        )
        .bind(at_ms)
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    pub async fn insert_login_failure(
        &mut self,
        username: &str,
        address: &str,
        at_ms: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (username, address, at_ms) VALUES ($1, $2, $3)")
            .bind(username.to_owned())
            .bind(address.to_owned())
            .bind(at_ms)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Moves the accounts' authority version on (see [`Store::auth_version`]).
    pub async fn bump_auth_version(&mut self) -> Result<()> {
        sqlx::query("UPDATE auth_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Serialises this transaction with every other that locks one of `keys`, until it ends.
    /// On SQLite a write transaction already holds the one write lock; on PostgreSQL this
    /// takes a transaction-scoped advisory lock per key (in a fixed order, so two
    /// transactions locking the same keys cannot deadlock).
    pub async fn lock_keys(&mut self, keys: &[&str]) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut ids: Vec<i64> = keys.iter().map(|k| advisory_key(k)).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// [`Store::login_failures`] inside this transaction (after [`WriteTx::lock_keys`], a count
    /// no concurrent attempt can change before this transaction ends).
    pub async fn login_failures(
        &mut self,
        username: &str,
        address: &str,
        since_ms: i64,
    ) -> Result<((i64, Option<i64>), (i64, Option<i64>))> {
        count_login_failures(&mut self.tx, username, address, since_ms).await
    }

    /// The open throttling window of `key`: when its first refusal was recorded, and how many
    /// refusals it has counted.
    pub async fn throttle_window(&mut self, key: &str) -> Result<Option<(i64, i64)>> {
        let row =
            sqlx::query("SELECT started_ms, attempts FROM login_throttle_windows WHERE key = $1")
                .bind(key.to_owned())
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// Opens `key`'s window at `at_ms` with one refusal, replacing an ended one.
    pub async fn open_throttle_window(&mut self, key: &str, at_ms: i64) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle_windows WHERE key = $1")
            .bind(key.to_owned())
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO login_throttle_windows (key, started_ms, attempts) VALUES ($1, $2, 1)",
        )
        .bind(key.to_owned())
        .bind(at_ms)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Counts one more refusal in `key`'s open window.
    pub async fn count_throttled(&mut self, key: &str) -> Result<()> {
        sqlx::query("UPDATE login_throttle_windows SET attempts = attempts + 1 WHERE key = $1")
            .bind(key.to_owned())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Closes `key`'s window if it is still the one that started at `started_ms`; false when
    /// another instance closed or reopened it first.
    pub async fn close_throttle_window(&mut self, key: &str, started_ms: i64) -> Result<bool> {
        let n =
            sqlx::query("DELETE FROM login_throttle_windows WHERE key = $1 AND started_ms = $2")
                .bind(key.to_owned())
                .bind(started_ms)
                .execute(&mut *self.tx)
                .await?;
        Ok(n.rows_affected() == 1)
    }

    pub async fn clear_login_failures(&mut self, username: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username.to_owned())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

impl Store {
    pub async fn list_orgs(&self) -> Result<Vec<Organisation>> {
        let rows =
            sqlx::query("SELECT id, name, kind, created_ms FROM organisations ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(org_from_row).collect()
    }

    pub async fn org(&self, id: OrgId) -> Result<Option<Organisation>> {
        let row = sqlx::query("SELECT id, name, kind, created_ms FROM organisations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>> {
        let rows = match org {
            Some(o) => {
                sqlx::query(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY username"
                ))
                .bind(o.to_string())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {USER_COLUMNS} FROM users ORDER BY username"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(user_from_row).collect()
    }

    /// The live session with this digest, if it has not expired.
    pub async fn session(&self, digest: &str, now_ms: i64) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT user_id, csrf, address, created_ms, expires_ms FROM sessions WHERE digest = $1 AND expires_ms > $2",
        )
        .bind(digest.to_owned())
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user_id: parse("user id", &r.try_get::<String, _>(0)?)?,
                csrf: r.try_get(1)?,
                address: r.try_get(2)?,
                created_ms: r.try_get(3)?,
                expires_ms: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// The token with this digest, revoked or expired ones included (the caller decides, so
    /// that it can audit a refused use).
    pub async fn token_by_digest(&self, digest: &str) -> Result<Option<ApiTokenRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE digest = $1"
        ))
        .bind(digest.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    pub async fn token(&self, id: TokenId) -> Result<Option<ApiTokenRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    pub async fn list_tokens(&self, user: Option<UserId>) -> Result<Vec<ApiTokenRecord>> {
        let rows = match user {
            Some(u) => {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_ms"
                ))
                .bind(u.to_string())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_ms"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    /// The accounts' authority version: moved by every token revocation, role change and
    /// account disabling, so a cache of verified tokens can tell it is stale.
    pub async fn auth_version(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT version FROM auth_version WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Throttling windows whose first refusal is older than `started_before_ms`: key, start and
    /// the refusals counted, oldest first.
    pub async fn ended_throttle_windows(
        &self,
        started_before_ms: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT key, started_ms, attempts FROM login_throttle_windows \
             WHERE started_ms < $1 ORDER BY started_ms",
        )
        .bind(started_before_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Failed logins since `since_ms` for the account and for the address: counts and the
    /// oldest time of each.
    pub async fn login_failures(
        &self,
        username: &str,
        address: &str,
        since_ms: i64,
    ) -> Result<((i64, Option<i64>), (i64, Option<i64>))> {
        let mut conn = self.pool.acquire().await?;
        count_login_failures(&mut conn, username, address, since_ms).await
    }
}

/// A stable 64-bit advisory-lock id for a key: FNV-1a over the key under a prefix of our own,
/// so that Hamnvakt's locks are the same from every instance and build, and unlikely to meet
/// another application's.
pub(crate) fn advisory_key(key: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "hamnvakt-lock:".bytes().chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// Failed logins since `since_ms` for the account and for the address: counts and the oldest
/// time of each, on one connection (a reader's, or a write transaction's).
async fn count_login_failures(
    conn: &mut sqlx::AnyConnection,
    username: &str,
    address: &str,
    since_ms: i64,
) -> Result<((i64, Option<i64>), (i64, Option<i64>))> {
    let by_user = sqlx::query(
        "SELECT COUNT(*), MIN(at_ms) FROM login_failures WHERE username = $1 AND at_ms >= $2",
    )
    .bind(username.to_owned())
    .bind(since_ms)
    .fetch_one(&mut *conn)
    .await?;
    let by_addr = sqlx::query(
        "SELECT COUNT(*), MIN(at_ms) FROM login_failures WHERE address = $1 AND at_ms >= $2",
    )
    .bind(address.to_owned())
    .bind(since_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        (by_user.try_get(0)?, by_user.try_get(1)?),
        (by_addr.try_get(0)?, by_addr.try_get(1)?),
    ))
}
