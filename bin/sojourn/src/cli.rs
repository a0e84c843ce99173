//! Command-line interface: `serve`, `migrate`, `seed`, `openapi`, `search`, `admin`, `insights`,
//! `audit`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use platform::config::{self, Overrides};
use platform::{App, telemetry};

#[derive(Debug, Parser)]
#[command(name = "sojourn", version, about = "Sojourn: the travel and booking platform")]
pub struct Cli {
    /// Configuration file (default: ./sojourn.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the platform: every context in one process, or the ones named by --only.
    Serve {
        /// Comma-separated contexts to run (default: all), or `gateway` for the gateway role.
        #[arg(long, value_delimiter = ',', value_name = "CTX,CTX")]
        only: Vec<String>,
        /// Port to listen on (default 3000, or $PORT).
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// Data directory for SQLite files, secrets and media (default ./data, or $SOJOURN_DATA_DIR).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Create or upgrade every context's database schema, then exit.
    Migrate {
        /// Comma-separated contexts to migrate (default: all).
        #[arg(long, value_delimiter = ',', value_name = "CTX,CTX")]
        only: Vec<String>,
        /// Data directory for SQLite files (default ./data, or $SOJOURN_DATA_DIR).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Fill the data directory with demo data through the API: hosts, guests, listings of every
    /// kind in real cities, and reservations paid, awaiting payment or cancelled. Every seeded
    /// account's password is the demo password printed at the end.
    Seed {
        /// Accounts to create (one in five a host).
        #[arg(long, default_value_t = 200, value_name = "N")]
        users: usize,
        /// Listings to create, spread over the hosts.
        #[arg(long, default_value_t = 2_000, value_name = "N")]
        listings: usize,
        /// Stay reservations to ask for.
        #[arg(long, default_value_t = 500, value_name = "N")]
        reservations: usize,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 42, value_name = "N")]
        seed: u64,
        /// Data directory (default ./data, or $SOJOURN_DATA_DIR); seed a fresh one.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Search index tasks.
    Search {
        #[command(subcommand)]
        task: SearchTask,
    },
    /// Administration tasks on the configured databases.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
    /// Analytics tasks on insights' database.
    Insights {
        #[command(subcommand)]
        task: InsightsTask,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        task: AuditTask,
    },
    /// Print the OpenAPI document (JSON) to standard output. Needs no configuration.
    Openapi {
        /// Comma-separated contexts to describe (default: all).
        #[arg(long, value_delimiter = ',', value_name = "CTX,CTX")]
        only: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum SearchTask {
    /// Rebuild the search index from catalog's, booking's (and reviews') current state. Runs
    /// the contexts of this process without serving, until the new index is committed; when a
    /// server holds the index, it asks that server's next start instead (or use
    /// `POST /api/v1/admin/search/reindex` on the running server).
    Reindex {
        /// Comma-separated contexts of this process (default: all); must include search.
        #[arg(long, value_delimiter = ',', value_name = "CTX,CTX")]
        only: Vec<String>,
        /// Data directory (default ./data, or $SOJOURN_DATA_DIR).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum InsightsTask {
    /// Recompute the rollups (listing days, platform days) from insights' facts, from a local
    /// day on; prints how many rows were written.
    Rebuild {
        /// First day to recompute (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Data directory (default ./data, or $SOJOURN_DATA_DIR).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminTask {
    /// Create an account (or give an existing one this role and password). The password is
    /// read from $SOJOURN_ADMIN_PASSWORD, else from the first line of standard input.
    CreateUser {
        #[arg(long)]
        email: String,
        /// user, host or admin.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Data directory (default ./data, or $SOJOURN_DATA_DIR).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditTask {
    /// Walk the audit log's hash chain from its anchor to its head and recompute every hash:
    /// exits 0 when it is intact, else names the first bad entry and exits 1.
    Verify {
        /// Data directory (default ./data, or $SOJOURN_DATA_DIR).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// A head printed by an earlier verify (`SEQ:HASH`): the chain must still hold it,
        /// which reveals a rewrite of everything from some entry on, head included.
        #[arg(long, value_name = "SEQ:HASH")]
        known_head: Option<String>,
    },
}

pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { only, port, data_dir } => {
            let overrides = Overrides { config_file: cli.config, port, data_dir };
            Box::pin(serve(&overrides, &only)).await
        }
        Command::Migrate { only, data_dir } => {
            let overrides = Overrides { config_file: cli.config, port: None, data_dir };
            migrate(&overrides, &only).await
        }
        Command::Openapi { only } => print_openapi(&only),
        Command::Seed { users, listings, reservations, seed, data_dir } => {
            let overrides = Overrides { config_file: cli.config, port: None, data_dir };
            let options = crate::seed::Options { users, listings, reservations, seed };
            crate::seed::run(&overrides, options).await
        }
        Command::Search { task: SearchTask::Reindex { only, data_dir } } => {
            let overrides = Overrides { config_file: cli.config, port: None, data_dir };
            crate::reindex::run(&overrides, &only).await
        }
        Command::Insights { task: InsightsTask::Rebuild { from, data_dir } } => {
            let overrides = Overrides { config_file: cli.config, port: None, data_dir };
            rebuild_insights(&overrides, &from).await
        }
        Command::Admin { task: AdminTask::CreateUser { email, role, data_dir } } => {
            let overrides = Overrides { config_file: cli.config, port: None, data_dir };
            crate::admin::create_user(&overrides, &email, &role).await
        }
        Command::Audit { task: AuditTask::Verify { data_dir, known_head } } => {
            let overrides = Overrides { config_file: cli.config, port: None, data_dir };
            let known = match known_head.as_deref() {
                Some(raw) => Some(
                    audit::Position::parse(raw).ok_or("--known-head must be SEQ:HASH, as verify prints the head")?,
                ),
                None => None,
            };
            verify_audit(&overrides, known.as_ref()).await
        }
    }
}

/// `sojourn audit verify`, on the configured audit database.
#[allow(clippy::print_stdout)]
async fn verify_audit(overrides: &Overrides, known: Option<&audit::Position>) -> Result<(), String> {
    let config = config::load(overrides).map_err(|e| e.to_string())?;
    let audit: std::sync::Arc<dyn platform::Context> = std::sync::Arc::new(audit::Audit);
    let dbs = platform::app::migrate_all(&config, std::slice::from_ref(&audit)).await.map_err(|e| e.to_string())?;
    let db = dbs.get("audit").ok_or("audit database missing")?;
    let found = match known {
        Some(k) => audit::verify_known(db, k).await,
        None => audit::verify(db).await,
    }
    .map_err(|e| e.to_string());
    for db in dbs.values() {
        db.close().await;
    }
    let found = found?;
    match found.problem {
        None => {
            println!("audit chain verified: {} entries, head {}:{}", found.entries, found.head.seq, found.head.hash);
            Ok(())
        }
        Some(p) => Err(format!("audit chain broken at seq {}: {}: {}", p.seq, p.kind.as_str(), p.message)),
    }
}

async fn serve(overrides: &Overrides, only: &[String]) -> Result<(), String> {
    let config = config::load(overrides).map_err(|e| e.to_string())?;
    telemetry::init(&config.log);
    if only.iter().any(|n| n.trim() == GATEWAY) {
        if only.len() > 1 {
            return Err("`--only gateway` runs the gateway alone; start contexts in other processes".into());
        }
        return serve_gateway(config).await;
    }
    crate::contexts::check_overrides(config.contexts.keys())?;
    let contexts = crate::contexts::select(only)?;
    let mut config = config;
    let addr = (config.server.host.clone(), config.server.port);
    // Bound before the app is built, so an unset `server.public_url` (links in mails, media
    // URLs) is the address really listened on: `--port`, `PORT`, or the port 0 picked.
    let listener = tokio::net::TcpListener::bind(addr.clone())
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", addr.0, addr.1))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    config.server.listening_on(local);
    let public_url = config.server.public_url();
    let app = App::build(config, contexts).await.map_err(|e| e.to_string())?;
    // Start-up's transient allocations are done: return their pages (see memory.rs).
    crate::memory::give_back();
    crate::memory::drop_code_pages();
    crate::memory::give_back_periodically();
    tracing::info!(address = %local, public_url, version = platform::VERSION, "sojourn listening");
    app.serve(listener, platform::shutdown::os_signal()).await.map_err(|e| e.to_string())
}

/// The role name of the gateway in `--only`.
const GATEWAY: &str = "gateway";

async fn serve_gateway(config: platform::Config) -> Result<(), String> {
    let contexts = crate::contexts::all();
    let gateway = gateway::Gateway::build(&config, &contexts, std::sync::Arc::new(kernel::SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let router = gateway.service(&config, platform::app::openapi(&contexts)).await;
    let threads = gateway::threads(config.gateway.threads);
    let listeners = gateway::bind(&config.server.host, config.server.port, threads).await.map_err(|e| e.to_string())?;
    let local = listeners.first().and_then(|l| l.local_addr().ok()).ok_or("no listening socket")?;
    tracing::info!(address = %local, threads, version = platform::VERSION, upstreams = ?config.gateway.upstreams.keys().collect::<Vec<_>>(), "sojourn gateway listening");
    let grace = std::time::Duration::from_secs(config.server.shutdown_grace_secs);
    gateway::serve_on_threads(router, listeners, grace, platform::shutdown::os_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn migrate(overrides: &Overrides, only: &[String]) -> Result<(), String> {
    let config = config::load(overrides).map_err(|e| e.to_string())?;
    telemetry::init(&config.log);
    crate::contexts::check_overrides(config.contexts.keys())?;
    let contexts = crate::contexts::select(only)?;
    let dbs = platform::app::migrate_all(&config, &contexts).await.map_err(|e| e.to_string())?;
    for db in dbs.values() {
        db.close().await;
    }
    tracing::info!(contexts = contexts.len(), "migrations up to date");
    Ok(())
}

/// `sojourn insights rebuild --from DATE`: migrates insights' database if needed, recomputes
/// its rollups from that day on, and prints the rows written.
#[allow(clippy::print_stdout)]
async fn rebuild_insights(overrides: &Overrides, from: &str) -> Result<(), String> {
    let from = chrono::NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
        .map_err(|_| format!("--from must be a date YYYY-MM-DD, not `{from}`"))?;
    let config = config::load(overrides).map_err(|e| e.to_string())?;
    telemetry::init(&config.log);
    let insights: std::sync::Arc<dyn platform::Context> = std::sync::Arc::new(insights::Insights);
    let dbs = platform::app::migrate_all(&config, std::slice::from_ref(&insights)).await.map_err(|e| e.to_string())?;
    let db = dbs.get("insights").ok_or("insights database missing")?;
    let result = insights::rebuild(db, from).await.map_err(|e| e.to_string());
    for db in dbs.values() {
        db.close().await;
    }
    let rows = result?;
    println!("{rows}");
    eprintln!("insights rollups rebuilt from {from}: {rows} rows written");
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_openapi(only: &[String]) -> Result<(), String> {
    let contexts = crate::contexts::select(only)?;
    let doc = platform::app::openapi(&contexts);
    let json = doc.to_pretty_json().map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(())
}
