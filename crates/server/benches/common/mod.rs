//! What the server's benchmarks share: their flags, the backend they run on, a real server's
//! state on a throwaway database, and the process's memory as Linux reports it. Each
//! benchmark takes what it needs (`mod common;`), so some of it is unused in each.

#![allow(dead_code)]

use std::sync::Arc;

use hamnvakt_server::app::Instance;
use hamnvakt_server::web::state::SystemClock;
use hamnvakt_store::{OpenOptions, Store};
use hamnvakt_testkit::{Kind, TestDb};

/// The value after the flag `name` on the command line, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// PostgreSQL with `--postgres`, SQLite otherwise.
pub fn backend() -> Kind {
    if std::env::args().any(|a| a == "--postgres") {
        Kind::Postgres
    } else {
        Kind::Sqlite
    }
}

/// A server's state on `db`, migrated (a no-op on a database already migrated: a second
/// instance on the same PostgreSQL database), with the default configuration. Not started.
pub async fn instance(db: &TestDb) -> Instance {
    let mut config = hamnvakt_server::web::config::Config::load(None, Vec::new()).unwrap();
    config.database_url = db.url.clone();
    config.data_dir = db.dir.path().to_owned();
    let store = Store::open(&db.url, &OpenOptions::default()).await.unwrap();
    store.migrate(0).await.unwrap();
    Instance::new(store, config, Arc::new(SystemClock))
}

/// A line of `/proc/self/status` in KiB (`VmRSS`, the resident memory now; `VmHWM`, its peak),
/// 0 where it cannot be read.
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
