//! Test support: a fresh database per test, on SQLite (a file in a temporary directory) or on
//! PostgreSQL (a throwaway database created on the server named by
//! `HAMNVAKT_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`, and
//! dropped when the test ends).
//!
//! Tests fail, with a message that says what to do, when PostgreSQL is not reachable: the
//! test command (`scripts/test`) starts a server when the machine has none running.
//!
//! [`ais`] holds what the AIS decoder's and the maritime picture's tests share: the corpus
//! files and messages built bit by bit.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod ais;

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::{ConnectOptions, Connection, Executor};

pub const POSTGRES_ENV: &str = "HAMNVAKT_TEST_POSTGRES_URL";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    pub kind: Kind,
    /// Holds the SQLite file's directory (and anything else the test puts there).
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

/// The URL of the PostgreSQL server tests use.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

impl TestDb {
    pub async fn new(kind: Kind) -> TestDb {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        match kind {
            Kind::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("hamnvakt.db").display());
                TestDb {
                    url,
                    kind,
                    dir,
                    pg: None,
                }
            }
            Kind::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("hv_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::postgres::PgConnectOptions::from_str(&admin)
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin} is not a PostgreSQL URL: {e}"))
                    .disable_statement_logging()
                    .connect()
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "PostgreSQL is not reachable at {admin} ({e}). Run the tests with `scripts/test`, \
                             which starts a throwaway server when none is running, or set {POSTGRES_ENV}."
                        )
                    });
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("creating the test database");
                let _ = conn.close().await;
                let url = with_database(&admin, &name);
                TestDb {
                    url,
                    kind,
                    dir,
                    pg: Some((admin, name)),
                }
            }
        }
    }

    /// Where a test may put files.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The admin URL with its database name replaced.
fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let prefix_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = &base[prefix_end..];
    let host_end = host_part
        .find('/')
        .map(|i| prefix_end + i)
        .unwrap_or(base.len());
    let mut url = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs outside any runtime guarantee, so use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                            let _ = c
                                .execute(
                                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                                )
                                .await;
                            let _ = c.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// The shared data folder (`../shared/data` beside the checkout, or `HAMNVAKT_SHARED_DATA`).
pub fn shared_data_dir() -> PathBuf {
    if let Ok(p) = std::env::var("HAMNVAKT_SHARED_DATA") {
        return PathBuf::from(p);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if !root.is_dir() {
        panic!(
            "the shared data folder is missing: expected {} (or set HAMNVAKT_SHARED_DATA)",
            root.display()
        );
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_in_a_url() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
