//! Start-up and serving: open each enabled context's database, migrate it, mount the context,
//! wire events, then serve until told to stop — finishing in-flight requests first. Connections
//! are served by [`conn`], which adds the header-read and idle timeouts.

mod conn;

pub use conn::Timeouts;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use kernel::{Clock, SystemClock};
use tokio::net::TcpListener;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::StartError;
use crate::auth::{Auth, SigningKeys};
use crate::config::Config;
use crate::context::{Context, ContextEnv, Events};
use crate::db::{self, Db, DbOptions, Migrations};
use crate::events::{EventBus, InProcessBus, Relay};
use crate::http::{self, ops::OpsState};
use crate::mail::Mailer;
use crate::metrics::HttpMetrics;
use crate::ratelimit::RateLimiter;
use crate::secrets::{self, PLATFORM_SECRETS, Secrets};
use crate::shutdown::{StopHandle, stop_pair};
use crate::storage::Media;

/// The platform's own tables (outbox, processed events, the job queue), present in every
/// context database.
pub const PLATFORM_MIGRATIONS: Migrations = Migrations {
    scope: "platform",
    list: &[
        db::Migration {
            version: 1,
            name: "events",
            sqlite: include_str!("../migrations/sqlite/0001_events.sql"),
            postgres: include_str!("../migrations/postgres/0001_events.sql"),
        },
        db::Migration {
            version: 2,
            name: "jobs",
            sqlite: include_str!("../migrations/sqlite/0002_jobs.sql"),
            postgres: include_str!("../migrations/postgres/0002_jobs.sql"),
        },
    ],
};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Shared services of a running app; tests use it to reach databases and drain events.
#[derive(Clone)]
pub struct Platform {
    pub config: Arc<Config>,
    pub secrets: Arc<Secrets>,
    pub clock: Arc<dyn Clock>,
    pub bus: Arc<dyn EventBus>,
    pub relay: Arc<Relay>,
    pub auth: Arc<Auth>,
    pub limits: Arc<RateLimiter>,
    pub mailer: Arc<dyn Mailer>,
    /// User media: put objects here, link to them with `media.url_for(key)`.
    pub media: Media,
    /// What contexts provide each other synchronously; tests may provide stand-ins.
    pub contracts: Arc<crate::contracts::Contracts>,
    pub realtime: crate::realtime::Realtime,
    /// Contexts' background work, stopped and awaited before the databases close.
    pub background: Arc<crate::shutdown::Background>,
    /// Where spans go (`trace.otlp_endpoint`); `None` when tracing is off.
    pub tracer: Option<crate::trace::Tracer>,
    dbs: BTreeMap<String, Db>,
    jobs: BTreeMap<String, crate::jobs::Jobs>,
}

impl Platform {
    /// The database of context `name`.
    pub fn db(&self, name: &str) -> Option<&Db> {
        self.dbs.get(name)
    }

    pub fn dbs(&self) -> impl Iterator<Item = &Db> {
        self.dbs.values()
    }

    /// The job queue of context `name` (tests wait on jobs with it).
    pub fn jobs(&self, name: &str) -> Option<&crate::jobs::Jobs> {
        self.jobs.get(name)
    }
}

/// A built, migrated application, ready to serve.
pub struct App {
    pub platform: Platform,
    pub router: Router,
    pub openapi: OpenApi,
}

/// How to open context `name`'s database: the shared settings, overridden by
/// `contexts.<name>.*` when that context owns its database.
fn db_options(config: &Config, name: &str) -> DbOptions {
    let own = config.contexts.get(name);
    DbOptions {
        url: own.and_then(|c| c.database_url.clone()).or_else(|| config.database.url.clone()),
        data_dir: config.data_dir.clone(),
        schema_prefix: config.database.schema_prefix.clone(),
        max_connections: own.and_then(|c| c.max_connections).unwrap_or(config.database.max_connections),
        sqlite_readers: config.database.sqlite_readers,
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        acquire_timeout: Duration::from_millis(config.database.acquire_timeout_ms),
        statement_timeout: Duration::from_millis(config.database.statement_timeout_ms),
        sqlite_synchronous: config.database.sqlite_synchronous,
    }
}

/// Opens and migrates the database of every context; returns them by name.
pub async fn migrate_all(config: &Config, contexts: &[Arc<dyn Context>]) -> Result<BTreeMap<String, Db>, StartError> {
    let mut dbs = BTreeMap::new();
    for ctx in contexts {
        let name = ctx.name();
        let opts = db_options(config, name);
        let db = db::connect(name, &opts).await.map_err(|e| StartError::Database(name.into(), e))?;
        db::migrate(&db, &PLATFORM_MIGRATIONS).await.map_err(|e| StartError::Database(name.into(), e))?;
        let own = Migrations { scope: name, list: ctx.migrations() };
        db::migrate(&db, &own).await.map_err(|e| StartError::Database(name.into(), e))?;
        dbs.insert(name.to_owned(), db);
    }
    Ok(dbs)
}

/// The merged OpenAPI document of `contexts` plus the platform's endpoints, without
/// touching any database.
pub fn openapi(contexts: &[Arc<dyn Context>]) -> OpenApi {
    let mut doc = http::base_document(VERSION);
    // The media route's document does not depend on where objects live.
    let media = Media::from_config(&Config::default());
    let (_, ops_doc) =
        OpenApiRouter::<()>::new().merge(ops_router_for_docs()).merge(http::media::router(media)).split_for_parts();
    doc.merge(ops_doc);
    for ctx in contexts {
        doc.merge(ctx.openapi());
    }
    http::optional_empty_bodies(&mut doc);
    doc
}

fn ops_router_for_docs() -> OpenApiRouter {
    let state = Arc::new(OpsState {
        service: String::new(),
        version: VERSION,
        contexts: Vec::new(),
        dbs: Vec::new(),
        bus: Arc::new(InProcessBus::new()),
        metrics: Arc::new(HttpMetrics::default()),
        started: Instant::now(),
        redis: None,
        relay: std::sync::Weak::new(),
        realtime: None,
        readiness: Arc::default(),
        context_metrics: Arc::default(),
        outage_ready_secs: 0,
    });
    http::ops::router(state)
}

/// The in-process bus, or NATS JetStream when `nats.url` is set.
async fn event_bus(config: &Config, tracer: Option<crate::trace::Tracer>) -> Result<Arc<dyn EventBus>, StartError> {
    let Some(url) = &config.nats.url else { return Ok(Arc::new(InProcessBus::with_tracer(tracer))) };
    let options = crate::events::NatsOptions {
        url: url.clone(),
        stream: config.events.nats_stream.clone(),
        subject_prefix: config.events.nats_subject_prefix.clone(),
        max_age: Duration::from_secs(u64::from(config.events.nats_max_age_days) * 24 * 3600),
        max_deliver: config.events.nats_max_deliver,
    };
    let bus = crate::events::NatsBus::connect(options).await.map_err(|e| StartError::Events(e.to_string()))?;
    Ok(Arc::new(bus.with_tracer(tracer)))
}

impl App {
    /// Resolves secrets, migrates, mounts every context and assembles the router.
    pub async fn build(config: Config, contexts: Vec<Arc<dyn Context>>) -> Result<App, StartError> {
        Self::build_with_clock(config, contexts, Arc::new(SystemClock)).await
    }

    /// As [`App::build`], with the clock every context reads "now" from (tests pass a
    /// `ManualClock` to move time instead of sleeping).
    pub async fn build_with_clock(
        config: Config,
        contexts: Vec<Arc<dyn Context>>,
        clock: Arc<dyn Clock>,
    ) -> Result<App, StartError> {
        let config = Arc::new(config);
        let web = http::web::WebApps::from_config(&config.server)?;
        // With `auth.jwks_url`, tokens are verified with fetched public keys: no signing secret.
        let mut required: Vec<&str> =
            PLATFORM_SECRETS.iter().copied().filter(|_| config.auth.jwks_url.is_none()).collect();
        for ctx in &contexts {
            required.extend_from_slice(ctx.secrets());
        }
        if config.services.any() {
            required.push(crate::contracts::http::INTERNAL_API_KEY);
        }
        let secrets = Arc::new(secrets::resolve(&config, &required)?);
        let dbs = migrate_all(&config, &contexts).await?;

        let names: Vec<&str> = contexts.iter().map(|c| c.name()).collect();
        let tracer = crate::trace::Tracer::from_config(&config.trace, &crate::trace::Tracer::default_service(&names));
        let bus = event_bus(&config, tracer.clone()).await?;
        let relay = Arc::new(Relay::new(dbs.values().cloned().collect(), bus.clone(), config.events.batch_size));
        // Read your writes: with the in-process bus, every consumer of a request's events runs
        // in this process, so the request can wait for them (see `events::settle`).
        let settle = (config.events.read_your_writes && config.nats.url.is_none())
            .then(|| Duration::from_millis(config.events.settle_timeout_ms));
        let keys = match &config.auth.jwks_url {
            Some(_) => SigningKeys::verify_only(),
            None => SigningKeys::from_secrets(&secrets)
                .map_err(|e| StartError::Context("platform".into(), e.to_string()))?,
        };
        let auth = Arc::new(Auth::new(keys, &config.auth, clock.clone()));
        if let Some(url) = &config.auth.jwks_url {
            crate::auth::spawn_refresher(auth.clone(), url.clone()).await;
        }
        let redis = crate::redis::Redis::from_config(&config).map_err(|e| StartError::Context("platform".into(), e))?;
        if let Some(redis) = &redis {
            crate::redis::sync_revocations(redis.clone(), auth.clone());
        }
        let limits = Arc::new(RateLimiter::new(config.rate_limit.enabled, clock.clone()).with_redis(redis.clone()));
        let mailer =
            crate::mail::from_config(&config).map_err(|e| StartError::Context("platform".into(), e.to_string()))?;
        let media = Media::configured(&config, &secrets).map_err(|e| StartError::Context("platform".into(), e))?;

        let realtime = crate::realtime::Realtime::new(config.realtime.clone(), auth.clone());
        if let Some(url) = &config.nats.url {
            Box::pin(realtime.connect_nats(url)).await.map_err(StartError::Events)?;
        }
        let personal_data = Arc::new(crate::privacy::PersonalDataRegistry::default());
        let contracts = Arc::new(crate::contracts::Contracts::default());
        let readiness = Arc::new(crate::readiness::Readiness::default());
        let context_metrics = Arc::new(crate::metrics::ContextMetrics::default());
        let background = Arc::new(crate::shutdown::Background::default());
        let job_metrics = Arc::new(crate::jobs::JobMetrics::default());
        context_metrics.register(job_metrics.clone());
        let mut all_jobs = BTreeMap::new();
        let mut api = OpenApiRouter::new();
        // Contexts that run elsewhere answer over HTTP (registered first: a context's mount may
        // start work that asks them, and a context of this process replaces its remote client).
        crate::contracts::provide_remote(&config, &secrets, &contracts)?;
        for ctx in &contexts {
            let name = ctx.name();
            let db = dbs.get(name).cloned().ok_or_else(|| StartError::Context(name.into(), "no database".into()))?;
            let jobs = crate::jobs::Jobs::new(db.clone(), clock.clone(), &config.jobs, job_metrics.clone());
            let env = ContextEnv {
                name,
                db,
                config: config.clone(),
                secrets: secrets.clone(),
                clock: clock.clone(),
                events: Events { relay: Arc::downgrade(&relay), source: relay.source_of(name), settle },
                auth: auth.clone(),
                limits: limits.clone(),
                mailer: mailer.clone(),
                personal_data: personal_data.clone(),
                media: media.clone(),
                contracts: contracts.clone(),
                cache: crate::cache::Cache::new(redis.clone()),
                realtime: realtime.clone(),
                readiness: readiness.clone(),
                metrics: context_metrics.clone(),
                background: background.clone(),
                jobs: jobs.clone(),
            };
            let mounted = ctx.mount(&env).await?;
            // After mount: the context has registered its handlers (no worker without one).
            jobs.start(&background);
            all_jobs.insert(name.to_owned(), jobs);
            for sub in mounted.subscriptions {
                bus.subscribe(sub);
            }
            api = api.merge(mounted.router);
        }

        let ops = Arc::new(OpsState {
            service: "sojourn".into(),
            version: VERSION,
            contexts: contexts.iter().map(|c| c.name().to_owned()).collect(),
            dbs: dbs.values().cloned().collect(),
            bus: bus.clone(),
            metrics: Arc::new(HttpMetrics::default()),
            started: Instant::now(),
            redis: redis.clone(),
            relay: Arc::downgrade(&relay),
            realtime: Some(realtime.clone()),
            readiness,
            context_metrics,
            outage_ready_secs: config.events.outage_ready_secs,
        });
        // The records and feeds this process owns, for readers elsewhere.
        if let Some(internal) = crate::contracts::internal_routes(&contracts, &secrets) {
            api = api.merge(OpenApiRouter::from(internal));
        }
        let (router, openapi) = http::build_router(&config, ops, media.clone(), api, auth.clone(), web);
        // Outermost: the server span covers everything the request does.
        let router = match &tracer {
            Some(tracer) => {
                router.layer(axum::middleware::from_fn_with_state(tracer.clone(), crate::trace::http::server_span))
            }
            None => router,
        };
        let platform = Platform {
            config,
            secrets,
            clock,
            bus,
            relay,
            auth,
            limits,
            mailer,
            media,
            contracts,
            realtime,
            background,
            tracer,
            dbs,
            jobs: all_jobs,
        };
        Ok(App { platform, router, openapi })
    }

    /// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish
    /// (up to `server.shutdown_grace_secs`), stops the relay and closes the databases.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let App { platform, router, .. } = self;
        let grace = Duration::from_secs(platform.config.server.shutdown_grace_secs);
        let (stop_handle, stop) = stop_pair();
        let relay_task = platform.config.events.relay_enabled.then(|| {
            let interval = Duration::from_millis(platform.config.events.poll_interval_ms);
            tokio::spawn(platform.relay.clone().run(interval, stop.clone()))
        });
        let consumers = platform.bus.start(stop.clone());

        let timeouts = Timeouts::from_config(&platform.config.server);
        let result = serve_router(router, listener, grace, timeouts, shutdown, &stop_handle).await;
        // Sockets are not requests: the server's drain does not wait for them. Close them
        // (1001, going away) so clients reconnect to another instance at once.
        platform.realtime.shutdown();

        if let Some(task) = relay_task {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
        // Consumers finish the event in hand (its transaction and ack), then stop.
        let _ = tokio::time::timeout(Duration::from_secs(5), futures_util::future::join_all(consumers)).await;
        // Background work finishes what it holds (a mail being sent) while it can still record it.
        platform.background.stop(Duration::from_secs(10)).await;
        // Flush what the last requests committed, so a clean stop leaves nothing pending.
        let _ = tokio::time::timeout(Duration::from_secs(2), platform.relay.drain()).await;
        for db in platform.dbs() {
            db.close().await;
        }
        // The spans of the last requests and events.
        if let Some(tracer) = &platform.tracer {
            tracer.flush().await;
        }
        tracing::info!("stopped");
        result
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then fires `stop` (for background
/// tasks) and lets in-flight requests finish for up to `grace`. Shared by every role.
pub async fn serve_router(
    router: Router,
    listener: TcpListener,
    grace: Duration,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
    stop: &StopHandle,
) -> Result<(), StartError> {
    serve_service(router, listener, grace, timeouts, shutdown, stop).await
}

/// [`serve_router`] for any service answering requests: HTTP/1.1 (with upgrades) and HTTP/2,
/// the peer's address as `ConnectInfo<SocketAddr>`, and the connection `timeouts`.
pub async fn serve_service<S>(
    service: S,
    listener: TcpListener,
    grace: Duration,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
    stop: &StopHandle,
) -> Result<(), StartError>
where
    S: tower::Service<axum::extract::Request, Response = axum::response::Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
{
    let (begin_tx, begin_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = begin_tx.send(());
    };
    let server = tokio::spawn(conn::serve(listener, service, timeouts, signal));
    drain_with_deadline(server, begin_rx, grace, stop).await
}

/// Waits for the server to finish; once shutdown has begun, gives it `grace` to do so.
async fn drain_with_deadline(
    mut server: tokio::task::JoinHandle<std::io::Result<()>>,
    begin: tokio::sync::oneshot::Receiver<()>,
    grace: Duration,
    stop: &StopHandle,
) -> Result<(), StartError> {
    tokio::select! {
        joined = &mut server => {
            stop.stop();
            return joined.map_err(|e| StartError::Server(e.to_string()))?.map_err(|e| StartError::Server(e.to_string()));
        }
        _ = begin => {}
    }
    tracing::info!(grace_secs = grace.as_secs(), "shutting down: finishing in-flight requests");
    stop.stop();
    match tokio::time::timeout(grace, &mut server).await {
        Ok(joined) => {
            joined.map_err(|e| StartError::Server(e.to_string()))?.map_err(|e| StartError::Server(e.to_string()))
        }
        Err(_) => {
            tracing::warn!("grace period over: dropping the remaining connections");
            server.abort();
            Ok(())
        }
    }
}
