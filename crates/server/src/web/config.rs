//! Configuration: a TOML file, overlaid by `HAMNVAKT_*` environment variables, parsed strictly
//! (an unknown key is an error that names it) and then validated into [`Config`].
//!
//! Environment names are the key in upper case with `__` between table and key:
//! `HAMNVAKT_LISTEN_ADDRESS`, `HAMNVAKT_LOGIN_THROTTLE__WINDOW_SECONDS`. Values are read as
//! TOML scalars when they parse as one (numbers, booleans) and as strings otherwise.
//! `HAMNVAKT_CONFIG`, `HAMNVAKT_LOG`, `HAMNVAKT_BOOTSTRAP_PASSWORD` and `HAMNVAKT_TEST_*` are
//! not configuration keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use hamnvakt_identity::throttle::ThrottlePolicy;
use serde::Deserialize;

/// The file's shape. Every field is optional; defaults are applied in [`Config::from_file`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen_address: Option<String>,
    /// Directory for the embedded database and other state.
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL; when absent, SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// The address users reach the console at; `https://` marks cookies `Secure`.
    pub public_url: Option<String>,
    pub session_timeout_seconds: Option<u32>,
    pub max_request_body_bytes: Option<u32>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_forwarded_for: Option<bool>,
    /// `text` or `json`.
    pub log_format: Option<String>,
    pub database: Option<DatabaseConfig>,
    pub login_throttle: Option<ThrottlePolicy>,
    pub api_tokens: Option<TokenConfig>,
    /// Timings of the gate rules (two-person, escort, anti-passback forgiveness).
    pub access: Option<hamnvakt_access::decide::Settings>,
    /// Thresholds of the insider-behaviour detectors.
    pub access_detectors: Option<hamnvakt_access::detect::DetectorSettings>,
    /// AIS sources and ingest settings.
    pub ais: Option<hamnvakt_maritime::settings::AisConfig>,
    /// Cargo targeting: lane capacities and the random and exploration shares.
    pub targeting: Option<hamnvakt_targeting::select::SelectionSettings>,
    /// Signed checkpoints of the audit chain and the partners that witness them.
    pub witness: Option<WitnessFile>,
}

/// The `[witness]` table: this installation's name, how often it signs its chain head, and
/// its partners (`[[witness.partners]]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessFile {
    /// This installation's name as its partners know it (default `hamnvakt`).
    pub installation: Option<String>,
    /// How often the chain head is signed and published (default 300).
    pub interval_seconds: Option<u32>,
    pub partners: Option<Vec<PartnerFile>>,
}

/// One partner installation.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerFile {
    /// Its name, as it signs its checkpoints.
    pub installation: String,
    /// Its ed25519 public key, 64 hex digits (`hamnvakt audit witness-key` prints it).
    pub public_key: String,
    /// Its base URL, to publish our checkpoints to and read back what it holds of us; a
    /// partner without one only witnesses into us.
    pub url: Option<String>,
    /// The API token it issued us (a `machine_client` token), with `url`.
    pub token: Option<String>,
}

impl std::fmt::Debug for PartnerFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerFile")
            .field("installation", &self.installation)
            .field("public_key", &self.public_key)
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Witnessing as validated.
#[derive(Debug, Clone)]
pub struct WitnessSettings {
    pub installation: String,
    pub interval_seconds: u32,
    pub partners: Vec<Partner>,
}

/// A partner as validated.
#[derive(Clone)]
pub struct Partner {
    pub installation: String,
    pub public_key: ed25519_dalek::VerifyingKey,
    /// Base URL without a trailing slash, and the token to use there.
    pub publish: Option<(String, String)>,
}

impl std::fmt::Debug for Partner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partner")
            .field("installation", &self.installation)
            .field(
                "public_key",
                &hamnvakt_core::witness::public_key_hex(&self.public_key),
            )
            .field("url", &self.publish.as_ref().map(|(u, _)| u))
            .finish()
    }
}

impl WitnessSettings {
    /// The partner named `installation`.
    pub fn partner(&self, installation: &str) -> Option<&Partner> {
        self.partners
            .iter()
            .find(|p| p.installation == installation)
    }

    fn validate(raw: WitnessFile) -> Result<WitnessSettings, ConfigError> {
        use hamnvakt_core::witness;
        let invalid = |key: String, message: String| ConfigError::Invalid { key, message };
        let installation = raw.installation.unwrap_or_else(|| "hamnvakt".into());
        if !witness::valid_installation(&installation) {
            return Err(invalid(
                "witness.installation".into(),
                "must be 1 to 64 letters, digits, '.', '-' or '_'".into(),
            ));
        }
        let interval_seconds = raw.interval_seconds.unwrap_or(300);
        if !(1..=86_400).contains(&interval_seconds) {
            return Err(invalid(
                "witness.interval_seconds".into(),
                "must be between 1 and 86400".into(),
            ));
        }
        let mut partners: Vec<Partner> = Vec::new();
        for (i, p) in raw.partners.unwrap_or_default().into_iter().enumerate() {
            let key = |k: &str| format!("witness.partners[{i}].{k}");
            if !witness::valid_installation(&p.installation) {
                return Err(invalid(
                    key("installation"),
                    "must be 1 to 64 letters, digits, '.', '-' or '_'".into(),
                ));
            }
            if p.installation == installation
                || partners.iter().any(|q| q.installation == p.installation)
            {
                return Err(invalid(
                    key("installation"),
                    format!(
                        "{:?} is this installation or another partner",
                        p.installation
                    ),
                ));
            }
            let public_key = witness::parse_public_key(p.public_key.trim())
                .map_err(|e| invalid(key("public_key"), e.to_string()))?;
            let publish = match (p.url, p.token) {
                (None, None) => None,
                (Some(url), Some(token)) => {
                    let url = url.trim_end_matches('/').to_owned();
                    if !(url.starts_with("https://") || is_loopback_http(&url)) {
                        return Err(invalid(
                            key("url"),
                            format!("{url:?} must be https:// (plain http only to this machine)"),
                        ));
                    }
                    if token.is_empty()
                        || token.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        return Err(invalid(
                            key("token"),
                            "must be the token, without spaces".into(),
                        ));
                    }
                    Some((url, token))
                }
                _ => {
                    return Err(invalid(
                        key("url"),
                        "url and token go together: both or neither".into(),
                    ))
                }
            };
            partners.push(Partner {
                installation: p.installation,
                public_key,
                publish,
            });
        }
        Ok(WitnessSettings {
            installation,
            interval_seconds,
            partners,
        })
    }
}

/// Whether `url` is plain http to a loopback address (tests, a local proxy).
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub max_connections: Option<u32>,
    pub acquire_timeout_seconds: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Longest lifetime a new API token may have.
    pub max_lifetime_days: Option<u32>,
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_address: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub public_url: Option<String>,
    pub secure_cookies: bool,
    pub session_timeout_seconds: u32,
    pub max_request_body_bytes: usize,
    pub trust_forwarded_for: bool,
    /// Serve without writing anything (`hamnvakt serve --read-only`), to investigate a chain
    /// that failed its start-up check; not a file key.
    pub read_only: bool,
    pub log_json: bool,
    pub db_max_connections: u32,
    pub db_acquire_timeout_seconds: u32,
    pub login_throttle: ThrottlePolicy,
    pub token_max_lifetime_days: u32,
    pub access: hamnvakt_access::decide::Settings,
    pub detectors: hamnvakt_access::detect::DetectorSettings,
    pub ais: hamnvakt_maritime::settings::AisConfig,
    pub targeting: hamnvakt_targeting::select::SelectionSettings,
    pub witness: WitnessSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
}

const NOT_CONFIG: &[&str] = &[
    "HAMNVAKT_CONFIG",
    "HAMNVAKT_LOG",
    "HAMNVAKT_BOOTSTRAP_PASSWORD",
];

impl Config {
    /// Reads the file (if any), overlays the environment and validates.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                Config::from_text(Some(&text), &path.display().to_string(), env)
            }
            None => Config::from_text(None, "configuration", env),
        }
    }

    /// [`Config::load`] on a file's text (`None`: no file), with `origin` naming it in errors.
    /// The configuration fuzz target calls this.
    pub fn from_text(
        text: Option<&str>,
        origin: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match text {
            Some(text) => text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError::Parse {
                    origin: origin.to_owned(),
                    message: e.message().to_owned() + &location(text, e.span()),
                })?,
            None => toml::Table::new(),
        };
        let origin = origin.to_owned();
        let mut env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("HAMNVAKT_"))
            .collect();
        env.sort();
        for (name, value) in env {
            if NOT_CONFIG.contains(&name.as_str()) || name.starts_with("HAMNVAKT_TEST_") {
                continue;
            }
            overlay(&mut table, &name, &value)?;
        }
        let raw: ServerConfig = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| {
                let path = e.path().to_string();
                ConfigError::Parse {
                    origin: origin.clone(),
                    message: describe(&path, &e.into_inner().to_string()),
                }
            })?;
        Config::validate(raw)
    }

    fn validate(raw: ServerConfig) -> Result<Config, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.into(),
            message,
        };
        let listen = raw
            .listen_address
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen_address = listen.parse().map_err(|_| {
            invalid(
                "listen_address",
                format!("{listen:?} is not an address:port such as 127.0.0.1:8080"),
            )
        })?;
        let data_dir = raw
            .data_dir
            .unwrap_or_else(|| PathBuf::from("hamnvakt-data"));
        let database_url = match raw.database_url {
            Some(u)
                if u.starts_with("postgres://")
                    || u.starts_with("postgresql://")
                    || u.starts_with("sqlite:") =>
            {
                u
            }
            Some(u) => {
                return Err(invalid(
                    "database_url",
                    format!(
                        "{} must start with postgres:// or sqlite://",
                        hamnvakt_store::redact_url(&u)
                    ),
                ))
            }
            None => hamnvakt_store::sqlite_url(&data_dir.join("hamnvakt.db")),
        };
        let public_url = raw.public_url;
        if let Some(u) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(invalid(
                    "public_url",
                    format!("{u:?} must start with http:// or https://"),
                ));
            }
        }
        let secure_cookies = public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        let session_timeout_seconds = raw.session_timeout_seconds.unwrap_or(12 * 3600);
        if !(60..=7 * 24 * 3600).contains(&session_timeout_seconds) {
            return Err(invalid(
                "session_timeout_seconds",
                "must be between 60 and 604800".into(),
            ));
        }
        let max_request_body_bytes = raw.max_request_body_bytes.unwrap_or(1024 * 1024);
        if !(1024..=64 * 1024 * 1024).contains(&max_request_body_bytes) {
            return Err(invalid(
                "max_request_body_bytes",
                "must be between 1024 and 67108864".into(),
            ));
        }
        let log_json = match raw.log_format.as_deref().unwrap_or("text") {
            "text" => false,
            "json" => true,
            other => {
                return Err(invalid(
                    "log_format",
                    format!("{other:?} is not one of text, json"),
                ))
            }
        };
        let db = raw.database.unwrap_or_default();
        let db_max_connections = db.max_connections.unwrap_or(8);
        if !(1..=200).contains(&db_max_connections) {
            return Err(invalid(
                "database.max_connections",
                "must be between 1 and 200".into(),
            ));
        }
        if let Some(t) = &raw.targeting {
            let share = |x: f64| (0.0..=1.0).contains(&x);
            if !share(t.random_share)
                || !share(t.exploration_share)
                || t.random_share + t.exploration_share > 1.0
            {
                return Err(invalid(
                    "targeting",
                    "random_share and exploration_share are shares between 0 and 1 that add up to at most 1".into(),
                ));
            }
        }
        let login_throttle = raw.login_throttle.unwrap_or_default();
        if login_throttle.account_max_failures == 0
            || login_throttle.address_max_failures == 0
            || login_throttle.window_seconds == 0
        {
            return Err(invalid(
                "login_throttle",
                "limits and window must be greater than zero".into(),
            ));
        }
        Ok(Config {
            listen_address,
            data_dir,
            database_url,
            public_url,
            secure_cookies,
            session_timeout_seconds,
            max_request_body_bytes: max_request_body_bytes as usize,
            trust_forwarded_for: raw.trust_forwarded_for.unwrap_or(false),
            read_only: false,
            log_json,
            db_max_connections,
            db_acquire_timeout_seconds: db.acquire_timeout_seconds.unwrap_or(10).clamp(1, 300),
            login_throttle,
            token_max_lifetime_days: raw
                .api_tokens
                .and_then(|t| t.max_lifetime_days)
                .unwrap_or(365)
                .clamp(1, 3650),
            access: raw.access.unwrap_or_default(),
            detectors: raw.access_detectors.unwrap_or_default(),
            ais: raw.ais.unwrap_or_default(),
            targeting: raw.targeting.unwrap_or_default(),
            witness: WitnessSettings::validate(raw.witness.unwrap_or_default())?,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Sets `HAMNVAKT_A__B` into `table` as `a.b`.
fn overlay(table: &mut toml::Table, name: &str, value: &str) -> Result<(), ConfigError> {
    let key = name.trim_start_matches("HAMNVAKT_").to_ascii_lowercase();
    let parts: Vec<&str> = key.split("__").collect();
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_table() && !v.is_array())
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    let mut cur = table;
    let Some((last, parents)) = parts.split_last() else {
        return Ok(());
    };
    for p in parents {
        let entry = cur
            .entry((*p).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(ConfigError::Parse {
                    origin: name.to_owned(),
                    message: format!("{p} is not a table"),
                })
            }
        };
    }
    cur.insert((*last).to_owned(), parsed);
    Ok(())
}

/// Turns serde's message into one that leads with the key.
fn describe(path: &str, message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let full = if path.is_empty() || path == "." || path.ends_with(field) {
            path.trim_start_matches('.').to_owned()
        } else {
            format!("{path}.{field}")
        };
        let full = if full.is_empty() {
            field.to_owned()
        } else {
            full
        };
        return format!("unknown key `{full}` ({message})");
    }
    if path.is_empty() || path == "." {
        message.to_owned()
    } else {
        format!("key `{path}`: {message}")
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = text.get(..span.start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    format!(" (line {line}, column {col})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().map_err(|e| ConfigError::Read {
            path: "tmp".into(),
            source: e,
        })?;
        let p = dir.path().join("hamnvakt.toml");
        std::fs::write(&p, text).map_err(|e| ConfigError::Read {
            path: p.clone(),
            source: e,
        })?;
        Config::load(
            Some(&p),
            env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn defaults_are_an_embedded_database_on_localhost() {
        let c = Config::load(None, Vec::new()).map_err(|e| e.to_string());
        let c = c.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.listen_address.to_string(), "127.0.0.1:8080");
        assert!(c.is_sqlite() && c.database_url.ends_with("hamnvakt-data/hamnvakt.db"));
        assert!(!c.secure_cookies);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = load("listen_adress = \"x\"\n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("unknown key `listen_adress`"), "{e}");
        let e = load("[login_throttle]\nwindow_secs = 3\n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("unknown key `login_throttle.window_secs`"),
            "{e}"
        );
        let e = load("", &[("HAMNVAKT_LISTEN_PORT", "1")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("unknown key `listen_port`"), "{e}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let c = load(
            "listen_address = \"127.0.0.1:1\"\n[login_throttle]\naccount_max_failures = 3\naddress_max_failures = 9\nwindow_seconds = 60\n",
            &[
                ("HAMNVAKT_LISTEN_ADDRESS", "0.0.0.0:9000"),
                ("HAMNVAKT_LOGIN_THROTTLE__WINDOW_SECONDS", "120"),
                ("HAMNVAKT_PUBLIC_URL", "https://hamnvakt.example"),
                ("HAMNVAKT_TEST_POSTGRES_URL", "ignored"),
            ],
        )
        .map_err(|e| e.to_string());
        let c = c.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.listen_address.to_string(), "0.0.0.0:9000");
        assert_eq!(c.login_throttle.window_seconds, 120);
        assert_eq!(c.login_throttle.account_max_failures, 3);
        assert!(c.secure_cookies);
    }

    #[test]
    fn witness_partners_are_checked_as_they_are_read() {
        let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let c = load(
            &format!(
                "[witness]\ninstallation = \"SESTO\"\ninterval_seconds = 60\n\
                 [[witness.partners]]\ninstallation = \"SEGOT\"\npublic_key = \"{key}\"\n\
                 url = \"https://hamnvakt.goteborg.example/\"\ntoken = \"hv_x\"\n\
                 [[witness.partners]]\ninstallation = \"SEMMA\"\npublic_key = \"{key}\"\n"
            ),
            &[],
        )
        .map_err(|e| e.to_string());
        let c = c.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.witness.installation, "SESTO");
        assert_eq!(c.witness.interval_seconds, 60);
        let segot = c.witness.partner("SEGOT").map(|p| p.publish.clone());
        assert_eq!(
            segot,
            Some(Some((
                "https://hamnvakt.goteborg.example".into(),
                "hv_x".into()
            )))
        );
        assert!(c
            .witness
            .partner("SEMMA")
            .is_some_and(|p| p.publish.is_none()));
        assert!(
            !format!("{:?}", c.witness).contains("hv_x"),
            "tokens are not printed"
        );
        let partner = |extra: &str| {
            load(
                &format!(
                    "[[witness.partners]]\ninstallation = \"SEGOT\"\npublic_key = \"{key}\"\n{extra}"
                ),
                &[],
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
        };
        let e = partner("url = \"http://hamnvakt.goteborg.example\"\ntoken = \"t\"\n");
        assert!(e.starts_with("witness.partners[0].url:"), "{e}");
        assert!(partner("url = \"http://127.0.0.1:9/\"\ntoken = \"t\"\n").is_empty());
        let e = partner("url = \"https://a.example\"\n");
        assert!(e.contains("both or neither"), "{e}");
        let e = partner("secret = 1\n");
        assert!(e.contains("unknown key `witness.partners"), "{e}");
        let e = load("[witness]\ninterval_seconds = 0\n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("witness.interval_seconds:"), "{e}");
        let e = load(
            "[[witness.partners]]\ninstallation = \"SEGOT\"\npublic_key = \"00\"\n",
            &[],
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.starts_with("witness.partners[0].public_key:"), "{e}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = load("session_timeout_seconds = \"soon\"\n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("session_timeout_seconds"), "{e}");
        let e = load("listen_address = \"nowhere\"\n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("listen_address:"), "{e}");
        let e = load("database_url = \"mysql://x\"\n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("database_url:"), "{e}");
        let e = load("listen_address = \n", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 1"), "{e}");
    }
}
