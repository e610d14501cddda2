//! The command line: `serve`, `demo`, `check-config`, `migrate`, `backup`, `audit verify
//! [--witness]`, `audit witness-key` and `bootstrap`. Errors reach the user as one clear sentence
//! and a non-zero exit code.

#![allow(clippy::print_stdout)] // a command line prints its answers

mod demo;

pub use demo::seed;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;
use hamnvakt_store::{ChainStatus, OpenOptions, Store};

use crate::app::Instance;
use crate::web::change::Actor;
use crate::web::config::Config;
use crate::web::state::SystemClock;

#[derive(Debug, Parser)]
#[command(name = "hamnvakt", version, about = "Hamnvakt: the security platform for seaports", long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). `HAMNVAKT_*` environment variables override its keys.
    #[arg(long, global = true, env = "HAMNVAKT_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (API, console, metrics) with the configured database.
    Serve {
        /// Serve without writing anything, to investigate a database whose audit chain failed
        /// the start-up check: reads work with existing API tokens, every write is refused
        /// (503), no gate is decided and no feed ingested.
        #[arg(long)]
        read_only: bool,
    },
    /// Generate a realistic day at the Ports of Stockholm into a fresh data directory and serve it.
    Demo(DemoArgs),
    /// Validate the configuration without starting anything.
    CheckConfig,
    /// Apply database migrations and exit.
    Migrate,
    /// Copy the embedded database, consistently and while it is in use, to a new file.
    Backup {
        /// The file to write; it must not exist. `serve` can start from it as `data_dir/hamnvakt.db`.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Work with the audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Cargo risk targeting: train a model on inspection outcomes, score and evaluate.
    Targeting {
        #[command(subcommand)]
        command: TargetingCommand,
    },
    /// AIS tools.
    Ais {
        #[command(subcommand)]
        command: AisCommand,
    },
    /// Create the first organisation and administrator in an empty database.
    Bootstrap {
        /// Name of the port authority (or other organisation) that runs this installation.
        #[arg(long)]
        org_name: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TargetingCommand {
    /// Bring consignments into the database from CSV through a column mapping, showing
    /// progress; bad rows are listed (row, column, reason) and the good ones kept.
    Import {
        /// `kcs`, `hamnvakt` (our field names as headers) or a JSON mapping file.
        #[arg(long, default_value = "kcs")]
        mapping: String,
        #[arg(long)]
        input: PathBuf,
    },
    /// Train a model on labelled declarations and write the model file.
    Train {
        /// Column mapping: `kcs` (built in) or a JSON mapping file.
        #[arg(long, default_value = "kcs")]
        mapping: String,
        /// Labelled declarations to learn from (CSV with a header).
        #[arg(long)]
        train: PathBuf,
        /// A later labelled period: reported on, then (by default) learnt from too.
        #[arg(long)]
        valid: Option<PathBuf>,
        /// Where to write the model.
        #[arg(long)]
        model: PathBuf,
        /// Keep the model trained on `--train` alone instead of refitting with `--valid`.
        #[arg(long)]
        no_refit: bool,
        /// Training settings as JSON (trees, leaves, learning_rate, min_data_in_leaf,
        /// row_sample, col_sample, max_bins, seed); the defaults are the tested ones.
        #[arg(long)]
        params: Option<String>,
    },
    /// Score declarations: a CSV with a header and two columns, the declaration id and the
    /// score, one line per input row (label columns in the input are ignored).
    Score {
        #[arg(long, default_value = "kcs")]
        mapping: String,
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
    },
    /// Weekly batches where only inspected declarations reveal their label: exploit-only
    /// against exploration shares and random selection.
    Simulate {
        #[arg(long, default_value = "kcs")]
        mapping: String,
        /// Labelled, dated declarations (several files are read in order).
        #[arg(long, required = true, num_args = 1..)]
        input: Vec<PathBuf>,
        /// Share of each week inspected, per cent.
        #[arg(long, default_value_t = 5.0)]
        rate: f64,
        /// Exploration shares to compare, comma-separated (0 exploit only, 1 random).
        #[arg(long, default_value = "0,0.1,0.2,1", value_delimiter = ',')]
        explore: Vec<f64>,
        /// Days at the start that are fully labelled.
        #[arg(long, default_value_t = 31)]
        warmup_days: i64,
        /// Weekly model settings as JSON (default: 100 trees, 63 leaves).
        #[arg(long)]
        params: Option<String>,
    },
    /// Precision, recall and value caught at 1, 2, 5 and 10 % (exact top-k) and AUC, for a
    /// labelled file.
    Evaluate {
        #[arg(long, default_value = "kcs")]
        mapping: String,
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        input: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AisCommand {
    /// Decode NMEA (AIVDM/AIVDO, tag blocks, Gatehouse headers) from standard input: one line
    /// per message, in the format of gpsd's `gpsdecode -u -c` or as JSON.
    Decode {
        #[arg(long, value_enum, default_value_t = AisFormat::Csv)]
        format: AisFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AisFormat {
    /// gpsd's unscaled CSV (`gpsdecode -u -c`).
    Csv,
    /// One JSON object per message, with receive metadata when the feed gives it.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole chain; exit 0 if intact, 1 naming the first event that does not match.
    Verify {
        /// Also prove the history is the one the partners witnessed: read back the signed
        /// checkpoints every configured partner (with a `url`) holds of this installation, and
        /// any `--witness-file`, and check each against the local event at its sequence
        /// number. Exit 1 on any contradiction, 2 when a partner cannot be read or no
        /// checkpoint was compared.
        #[arg(long)]
        witness: bool,
        /// A file of checkpoints a partner holds of us (its `GET /api/v1/witness/checkpoints`
        /// answer, or a JSON list of them), for a partner that cannot be reached from here.
        /// Implies `--witness`; may be given more than once.
        #[arg(long, value_name = "FILE")]
        witness_file: Vec<PathBuf>,
    },
    /// Print this installation's witness public key (creating the key if there is none), for
    /// its partners' `[[witness.partners]]` configuration.
    WitnessKey,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to put the demo database; regenerated if it holds an earlier demo.
    #[arg(long, default_value = "hamnvakt-demo")]
    pub data_dir: PathBuf,
    /// Address to listen on (overrides the configuration).
    #[arg(long)]
    pub listen: Option<String>,
    /// Seed of the generator; the same seed gives the same port.
    #[arg(long, default_value_t = hamnvakt_demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Generate the data and exit instead of serving it.
    #[arg(long)]
    pub no_serve: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Targeting { command } = &cli.command {
        if matches!(command, TargetingCommand::Import { .. }) {
            // needs the database: run below, with a runtime
        } else {
            return match targeting(command) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            };
        }
    }
    if let Command::Ais {
        command: AisCommand::Decode { format },
    } = &cli.command
    {
        return match ais_decode(*format) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The `--witness` half of `audit verify`: prints what each source showed and the verdict.
async fn witness_verify(
    config: &Config,
    store: &Store,
    head_seq: i64,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let key = crate::witness::load_key(&config.data_dir)
        .context("cannot check the partners' checkpoints without this installation's key")?;
    let sources = config
        .witness
        .partners
        .iter()
        .filter(|p| p.publish.is_some())
        .count()
        + files.len();
    if sources == 0 {
        println!("witness: no partner with a url is configured and no --witness-file was given: nothing to compare");
        return Ok(ExitCode::from(2));
    }
    let report = crate::witness::verify(config, store, &key.verifying_key(), head_seq, files).await;
    for s in &report.sources {
        if let Some(e) = &s.unreadable {
            println!("{}: UNREADABLE: {e}", s.source);
        }
        for m in &s.mismatches {
            println!("{}: MISMATCH: {m}", s.source);
        }
        match &s.newest {
            Some((seq, at)) => println!(
                "{}: {} checkpoints match the local chain, the newest of event {seq} signed {at}",
                s.source, s.matched
            ),
            None if s.unreadable.is_none() && s.mismatches.is_empty() => {
                println!("{}: holds no checkpoint of this installation", s.source)
            }
            None => {}
        }
    }
    if report.mismatched() {
        println!("witness: the local history is NOT the one the partners witnessed");
        Ok(ExitCode::from(1))
    } else if report.incomplete() {
        println!(
            "witness: incomplete: no contradiction found, but not every partner could be compared"
        );
        Ok(ExitCode::from(2))
    } else {
        println!("witness: the local history is the one every partner witnessed");
        Ok(ExitCode::SUCCESS)
    }
}

fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    Config::load(path, std::env::vars()).map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HAMNVAKT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    // Colours only for a person at a terminal: a file or a log shipper gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
    }
    let opts = OpenOptions {
        max_connections: config.db_max_connections,
        acquire_timeout: std::time::Duration::from_secs(u64::from(
            config.db_acquire_timeout_seconds,
        )),
    };
    Store::open(&config.database_url, &opts)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                hamnvakt_store::redact_url(&config.database_url)
            )
        })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::CheckConfig => {
            let c = load_config(cli.config.as_deref())?;
            println!(
                "configuration is valid: listen {} · database {} · data_dir {}",
                c.listen_address,
                hamnvakt_store::redact_url(&c.database_url),
                c.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { read_only } => {
            let mut config = load_config(cli.config.as_deref())?;
            config.read_only = read_only;
            init_logging(&config);
            let store = open_store(&config).await?;
            migrate(&store).await?;
            let state = Instance::new(store, config, Arc::new(SystemClock));
            state.start().await.map_err(start_error)?;
            serve(state).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let mut config = load_config(cli.config.as_deref())?;
            init_logging(&config);
            if let Some(l) = &args.listen {
                config.listen_address = l
                    .parse()
                    .with_context(|| format!("--listen {l:?} is not an address:port"))?;
            }
            prepare_demo_dir(&args.data_dir)?;
            config.data_dir = args.data_dir.clone();
            config.database_url = hamnvakt_store::sqlite_url(&args.data_dir.join("hamnvakt.db"));
            let store = open_store(&config).await?;
            migrate(&store).await?;
            let state = Instance::new(store.clone(), config.clone(), Arc::new(SystemClock));
            state.start().await.map_err(start_error)?;
            let summary = demo::seed(&state, args.seed).await?;
            println!("{}", summary.banner(&args.data_dir));
            if args.no_serve {
                store.close().await;
                return Ok(ExitCode::SUCCESS);
            }
            serve(state).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = load_config(cli.config.as_deref())?;
            let store = open_store(&config).await?;
            let applied = migrate(&store).await?;
            println!(
                "schema version {} ({} migration(s) applied)",
                Store::latest_schema_version(),
                applied
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { output } => {
            let config = load_config(cli.config.as_deref())?;
            let store = open_store(&config).await?;
            let events = crate::identity::make_backup(&store, &output)
                .await
                .map_err(anyhow::Error::msg)?;
            println!(
                "backup written to {} ({} events, chain intact)",
                output.display(),
                events
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    witness,
                    witness_file,
                },
        } => {
            let config = load_config(cli.config.as_deref())?;
            let store = open_store(&config).await?;
            let report = store
                .verify_chain()
                .await
                .context("cannot read the event log")?;
            match report.status {
                ChainStatus::Intact => {
                    println!(
                        "audit chain intact: {} events, head {} {}",
                        report.events_checked, report.head_seq, report.head_hash
                    );
                }
                ChainStatus::Broken { seq, reason } => {
                    println!("audit chain BROKEN at event {seq}: {reason} ({} events before it verified)", report.events_checked);
                    return Ok(ExitCode::from(1));
                }
            }
            if !witness && witness_file.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
            witness_verify(&config, &store, report.head_seq, &witness_file).await
        }
        Command::Audit {
            command: AuditCommand::WitnessKey,
        } => {
            let config = load_config(cli.config.as_deref())?;
            let key = crate::witness::load_or_create_key(&config.data_dir)?;
            println!(
                "installation = \"{}\"\npublic_key = \"{}\"",
                config.witness.installation,
                hamnvakt_core::witness::public_key_hex(&key.verifying_key())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Targeting {
            command: TargetingCommand::Import { mapping, input },
        } => {
            let config = load_config(cli.config.as_deref())?;
            let store = open_store(&config).await?;
            migrate(&store).await?;
            let state = Instance::new(store.clone(), config, Arc::new(SystemClock));
            let report = import_consignments(&state, &mapping, &input).await;
            store.close().await;
            report
        }
        // handled in `main`, without a runtime
        Command::Ais { .. } | Command::Targeting { .. } => Ok(ExitCode::SUCCESS),
        Command::Bootstrap {
            org_name,
            username,
            display_name,
        } => {
            let config = load_config(cli.config.as_deref())?;
            let store = open_store(&config).await?;
            migrate(&store).await?;
            if !store.list_users(None).await?.is_empty() {
                bail!("the database already has users; add more through the API or the console");
            }
            let password = match std::env::var("HAMNVAKT_BOOTSTRAP_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut p = String::new();
                    std::io::stdin()
                        .read_to_string(&mut p)
                        .context("reading the password from standard input")?;
                    p.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let state = Instance::new(store, config, Arc::new(SystemClock));
            let actor = Actor::system("cli");
            let org = crate::identity::create_org(
                &state,
                &actor,
                &org_name,
                OrgKind::PortAuthority,
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let spec = crate::identity::UserSpec {
                id: None,
                org_id: org.id,
                username,
                display_name,
                password: Some(password),
                // The first administrator also creates the partner organisations.
                roles: vec![Role::Administrator, Role::PlatformAdministrator],
                locale: "sv".into(),
            };
            let user = crate::identity::create_user(&state, &actor, spec)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created organisation {} and administrator {}",
                org.name, user.username
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn migrate(store: &Store) -> anyhow::Result<usize> {
    let now = hamnvakt_core::Clock::now(&SystemClock).as_millisecond();
    let applied = store.migrate(now).await.context("migrating the database")?;
    Ok(applied.len())
}

/// A demo directory is ours to regenerate when it holds our marker; an empty or missing one is
/// fine; anything else is left alone.
fn prepare_demo_dir(dir: &Path) -> anyhow::Result<()> {
    const MARKER: &str = ".hamnvakt-demo";
    if dir.exists() {
        let is_empty = std::fs::read_dir(dir)?.next().is_none();
        if dir.join(MARKER).exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot clear the old demo in {}", dir.display()))?;
        } else if !is_empty {
            bail!(
                "{} exists and is not a Hamnvakt demo directory; pass another --data-dir",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(MARKER),
        "generated by hamnvakt demo; deleted and regenerated by the next run\n",
    )?;
    Ok(())
}

async fn serve(state: Instance) -> anyhow::Result<()> {
    let listen = state.config.listen_address;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let store = state.store.clone();
    println!("Hamnvakt listening on http://{addr}");
    tracing::info!(%addr, backend = store.backend().as_str(), "serving");
    crate::app::serve(state, listener, shutdown_signal())
        .await
        .context("server failed")?;
    store.close().await;
    Ok(())
}

/// A failure to start, with its cause: an operator needs to read why (an internal error's
/// cause is kept from API callers, not from the person starting the server).
fn start_error(e: crate::web::error::ApiError) -> anyhow::Error {
    use crate::web::error::ApiError;
    match e {
        ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
            anyhow::anyhow!("starting: {cause}")
        }
        other => anyhow::anyhow!("starting: {other}"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// `hamnvakt ais decode`: standard input to standard output, a line per message. Lines that
/// are not AIS are skipped; malformed ones are counted and summarised on standard error.
fn ais_decode(format: AisFormat) -> anyhow::Result<()> {
    use std::io::{BufRead, Write};

    #[derive(serde::Serialize)]
    struct JsonLine<'a> {
        #[serde(flatten)]
        message: &'a hamnvakt_ais::Message,
        #[serde(skip_serializing_if = "Option::is_none")]
        received: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        source: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        station: Option<u32>,
    }

    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut decoder = hamnvakt_ais::Decoder::new();
    let mut csv = hamnvakt_ais::gpsd::Csv::new();
    let mut line = Vec::with_capacity(256);
    let mut text = String::with_capacity(512);
    loop {
        line.clear();
        if input
            .read_until(b'\n', &mut line)
            .context("reading standard input")?
            == 0
        {
            break;
        }
        let hamnvakt_ais::Feed::Message(m, meta) = decoder.feed(&line) else {
            continue;
        };
        text.clear();
        match format {
            AisFormat::Csv => {
                if !csv.line(&m, &mut text) {
                    continue;
                }
            }
            AisFormat::Json => {
                let j = JsonLine {
                    message: &m,
                    received: meta
                        .time_ms
                        .map(|t| hamnvakt_core::clock::from_millis(t).to_string()),
                    source: (!meta.source.is_empty()).then(|| meta.source.as_str()),
                    station: meta.station,
                };
                text = serde_json::to_string(&j).context("encoding JSON")?;
            }
        }
        text.push('\n');
        match out.write_all(text.as_bytes()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e).context("writing standard output"),
        }
    }
    let _ = out.flush();
    let s = decoder.stats;
    if s.malformed > 0 {
        eprintln!(
            "{} lines, {} sentences, {} messages; not decoded: {} (checksum {}, syntax {}, \
             type or length {}, lost fragments {})",
            s.lines,
            s.sentences,
            s.messages,
            s.malformed,
            s.checksum,
            s.syntax,
            s.undecodable,
            s.fragments
        );
    }
    Ok(())
}

/// Reads a declaration file, reporting bad rows (with row, column and reason) on standard
/// error and keeping the good ones.
fn read_declarations(
    path: &Path,
    mapping: &hamnvakt_targeting::mapping::Mapping,
) -> anyhow::Result<Vec<hamnvakt_targeting::mapping::Record>> {
    let loaded = hamnvakt_targeting::mapping::read_csv(path, mapping)?;
    for e in loaded.errors.iter().take(20) {
        eprintln!("skipped: {e}");
    }
    if loaded.errors.len() > 20 {
        eprintln!("skipped: … and {} more bad rows", loaded.errors.len() - 20);
    }
    eprintln!(
        "{}: {} rows read, {} skipped",
        path.display(),
        loaded.records.len(),
        loaded.errors.len()
    );
    Ok(loaded.records)
}

fn print_report(r: &hamnvakt_targeting::metrics::Report) {
    println!(
        "rows {}  irregular {} ({:.2} %)",
        r.rows,
        r.positives,
        100.0 * r.positives as f64 / r.rows.max(1) as f64
    );
    println!("top      k  precision  recall  value caught");
    for a in &r.at {
        println!(
            "{:>3} % {:>6}  {:>9.4}  {:>6.4}  {:>12.4}",
            a.percent, a.k, a.precision, a.recall, a.value
        );
    }
    println!("AUC {:.4}", r.auc);
}

/// `hamnvakt targeting …`
/// `hamnvakt targeting import`: reads the file with progress on standard error, stores the
/// good rows in batches (each batch one audited transaction), lists the bad ones.
async fn import_consignments(
    state: &Instance,
    mapping: &str,
    input: &Path,
) -> anyhow::Result<ExitCode> {
    use hamnvakt_targeting::consignment::{read_consignments, ConsignmentMapping};
    let m = ConsignmentMapping::load(mapping).map_err(|e| anyhow::anyhow!(e))?;
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let started = std::time::Instant::now();
    let imported = read_consignments(std::io::BufReader::new(file), &m, |rows| {
        eprint!("\rread {rows} rows");
    })
    .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    eprintln!();
    let actor = crate::web::change::Actor::system("cli");
    let total = imported.consignments.len();
    let mut stored = 0;
    for batch in imported.consignments.chunks(5000) {
        stored += crate::targeting::store_consignments(
            state,
            &actor,
            batch,
            &format!("import:{}", m.name),
        )
        .await
        .map_err(|e| anyhow::anyhow!("storing consignments: {e}"))?;
        eprint!("\rstored {stored} of {total}");
    }
    eprintln!();
    for e in imported.errors.iter().take(50) {
        eprintln!(
            "{}:{}: {}{}",
            input.display(),
            e.row,
            e.column
                .as_deref()
                .map(|c| format!("column {c:?}: "))
                .unwrap_or_default(),
            e.reason
        );
    }
    if imported.errors.len() > 50 {
        eprintln!("… and {} more", imported.errors.len() - 50);
    }
    let mut bad_rows: Vec<u64> = imported.errors.iter().map(|e| e.row).collect();
    bad_rows.dedup();
    println!(
        "{} rows read, {stored} consignments stored, {} rows refused, in {:.1} s",
        imported.rows,
        bad_rows.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(if bad_rows.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn targeting(command: &TargetingCommand) -> anyhow::Result<()> {
    use hamnvakt_targeting::mapping::Mapping;
    use hamnvakt_targeting::{TrainOptions, TrainedModel};
    match command {
        // run in `run`, which opens the database
        TargetingCommand::Import { .. } => {}
        TargetingCommand::Train {
            mapping,
            train,
            valid,
            model,
            no_refit,
            params,
        } => {
            // Named as the training file names its columns (either KCS version).
            let m = Mapping::named(mapping)?.for_file(train)?;
            let params = match params {
                Some(p) => {
                    serde_json::from_str(p).context("--params is not valid JSON settings")?
                }
                None => Default::default(),
            };
            let tr = read_declarations(train, &m)?;
            if !tr.iter().any(|r| r.label.is_some()) {
                bail!(
                    "{}: no labelled rows to learn from (column {:?})",
                    train.display(),
                    m.label
                );
            }
            let va = match valid {
                Some(v) => Some(read_declarations(v, &m)?),
                None => None,
            };
            let options = TrainOptions {
                params,
                refit_with_valid: !no_refit,
            };
            let started = std::time::Instant::now();
            let trained = TrainedModel::train(&m, &tr, va.as_deref(), &options);
            eprintln!(
                "trained {} trees on {} rows in {:.1} s",
                trained.model.trees(),
                trained.trained_rows,
                started.elapsed().as_secs_f64()
            );
            if let Some(r) = &trained.validation {
                println!("validation (model trained on --train alone):");
                print_report(r);
            }
            trained
                .save(model)
                .with_context(|| format!("writing {}", model.display()))?;
            eprintln!("model written to {}", model.display());
        }
        TargetingCommand::Score {
            mapping,
            model,
            input,
            output,
        } => {
            let m = Mapping::named(mapping)?.for_file(input)?;
            let trained = TrainedModel::load(model).map_err(anyhow::Error::msg)?;
            let mut m2 = m.clone();
            m2.label = None; // labels in the input are ignored when scoring
            let loaded = hamnvakt_targeting::mapping::read_csv_as(input, &m2, false)?;
            for e in loaded.errors.iter().take(20) {
                eprintln!("warning: {e}");
            }
            let scores = trained.scores(&loaded.records);
            let mut w = csv::Writer::from_path(output)
                .with_context(|| format!("writing {}", output.display()))?;
            w.write_record(["declaration_id", "score"])?;
            for (r, s) in loaded.records.iter().zip(&scores) {
                w.write_record([r.id.as_str(), &format!("{s}")])?;
            }
            w.flush()?;
            eprintln!(
                "{} rows scored into {} ({} problems reported)",
                scores.len(),
                output.display(),
                loaded.errors.len()
            );
        }
        TargetingCommand::Simulate {
            mapping,
            input,
            rate,
            explore,
            warmup_days,
            params,
        } => {
            let m = Mapping::named(mapping)?;
            if !(0.0..=100.0).contains(rate) || explore.iter().any(|e| !(0.0..=1.0).contains(e)) {
                bail!("--rate is a per cent (0-100) and --explore shares are 0-1");
            }
            let mut records = Vec::new();
            for f in input {
                records.extend(read_declarations(f, &m)?);
            }
            let mut o = hamnvakt_targeting::simulate::SimOptions {
                rate_percent: *rate,
                explore: explore.clone(),
                warmup_days: *warmup_days,
                ..Default::default()
            };
            if let Some(p) = params {
                o.params =
                    serde_json::from_str(p).context("--params is not valid JSON settings")?;
            }
            let results = hamnvakt_targeting::simulate::simulate(&m, &records, &o)
                .map_err(anyhow::Error::msg)?;
            println!(
                "inspection {rate} % per week; only inspected declarations reveal their label"
            );
            println!(
                "policy              weeks  inspected  precision  last 13 weeks  recall  value"
            );
            for r in results {
                let name = if r.explore <= 0.0 {
                    "exploit only".to_owned()
                } else if r.explore >= 1.0 {
                    "random".to_owned()
                } else {
                    format!("{:.0} % exploration", r.explore * 100.0)
                };
                println!(
                    "{name:<18} {:>6} {:>10} {:>10.4} {:>14.4} {:>7.4} {:>6.4}",
                    r.weeks, r.inspected, r.precision, r.precision_last_13_weeks, r.recall, r.value
                );
            }
        }
        TargetingCommand::Evaluate {
            mapping,
            model,
            input,
        } => {
            let m = Mapping::named(mapping)?;
            let trained = TrainedModel::load(model).map_err(anyhow::Error::msg)?;
            let records: Vec<_> = read_declarations(input, &m)?
                .into_iter()
                .filter(|r| r.label.is_some())
                .collect();
            if records.is_empty() {
                bail!("{}: no labelled rows to evaluate on", input.display());
            }
            let scores = trained.scores(&records);
            let labels: Vec<bool> = records.iter().map(|r| r.label.unwrap_or(false)).collect();
            let values: Vec<f64> = records.iter().map(|r| r.value).collect();
            print_report(&hamnvakt_targeting::metrics::evaluate(
                &scores,
                &labels,
                &values,
                &[1.0, 2.0, 5.0, 10.0],
            ));
        }
    }
    Ok(())
}
