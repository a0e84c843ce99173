//! The gateway role (`sojourn serve --only gateway`): the single public entry of a split
//! deployment. It routes each request to the service of the context that owns the path,
//! verifies access tokens at the edge (so a forged or revoked token never reaches a service),
//! rate-limits per client, answers CORS, propagates request ids, and keeps a dead instance from
//! costing every request a timeout (circuit breakers). It also serves the merged OpenAPI and an
//! aggregated health of every upstream.

mod edge;
mod framing;
mod front;
mod h1;
mod ops;
mod proxy;
mod relay;
mod routes;
mod shards;
mod trace;
mod upgrade;
mod upload;
mod upstream;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Response, header};
use axum::response::IntoResponse;
use kernel::{ApiError, Clock};
use platform::auth::{Auth, SigningKeys};
use platform::config::Config;
use platform::http::TrustedProxies;
use platform::metrics::HttpMetrics;
use platform::ratelimit::RateLimiter;
use platform::{Context, StartError};
use tokio::net::TcpListener;
use utoipa::openapi::OpenApi;

pub use edge::Edge;
pub use routes::{RouteError, RouteTable};
pub use shards::{bind, threads};

use proxy::{Proxy, ProxyOptions};
use upstream::{Breaker, Upstream};

/// Everything a request needs, shared by every connection.
pub struct Gateway {
    routes: RouteTable,
    upstreams: Vec<Upstream>,
    proxy: Proxy,
    auth: Arc<Auth>,
    limits: Arc<RateLimiter>,
    limit: platform::config::Limit,
    /// `server.trusted_proxies`: peers whose `X-Forwarded-For` is believed.
    proxies: TrustedProxies,
    metrics: Arc<HttpMetrics>,
    redis: Option<Arc<platform::redis::Redis>>,
    health_timeout: Duration,
    /// How long a client has to send a request head, and to start the next one.
    head_timeout: Duration,
    keep_alive: Duration,
    started: Instant,
    ids: RequestIds,
    /// Upgraded (WebSocket) connections: counted, capped, closed on shutdown.
    sockets: Arc<upgrade::Sockets>,
    /// The web apps (`server.web_root`, `server.mounts`): paths no upstream serves.
    web: Option<Arc<platform::http::web::WebApps>>,
    /// Where the gateway's spans go, when `trace.otlp_endpoint` is set.
    tracer: Option<platform::trace::Tracer>,
}

fn start_error(message: impl Into<String>) -> StartError {
    StartError::Context("gateway".into(), message.into())
}

/// The routing input of one upstream context: its name and every template it serves.
pub fn templates(ctx: &dyn Context) -> Vec<String> {
    let mut paths: Vec<String> = ctx.openapi().paths.paths.keys().cloned().collect();
    paths.extend(ctx.undocumented_routes());
    paths
}

impl Gateway {
    /// Builds the gateway for the upstreams in `config.gateway`, routing the paths each of
    /// `contexts` serves.
    pub async fn build(
        config: &Config,
        contexts: &[Arc<dyn Context>],
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, StartError> {
        let gw = &config.gateway;
        let web = platform::http::web::WebApps::from_config(&config.server)?;
        if gw.upstreams.is_empty() {
            return Err(start_error("no upstreams: set gateway.upstreams.<context>.urls"));
        }
        let mut inputs = Vec::new();
        let mut upstreams = Vec::new();
        for (name, upstream) in &gw.upstreams {
            let ctx = contexts
                .iter()
                .find(|c| c.name() == name)
                .ok_or_else(|| start_error(format!("gateway.upstreams.{name}: no such context")))?;
            inputs.push((name.clone(), templates(ctx.as_ref())));
            upstreams.push(Upstream::new(name, upstream, threads(gw.threads)).map_err(start_error)?);
        }
        let media = gw.media_upstream.clone().or_else(|| {
            ["catalog", "identity"].iter().find(|n| gw.upstreams.contains_key(**n)).map(|n| (*n).to_owned())
        });
        let routes = RouteTable::build(&inputs, media.as_deref()).map_err(|e| start_error(e.to_string()))?;
        let auth = edge_auth(config, clock.clone()).await?;
        let redis = platform::redis::Redis::from_config(config).map_err(start_error)?;
        if let Some(redis) = &redis {
            platform::redis::sync_revocations(redis.clone(), auth.clone());
        }
        let breaker = Breaker {
            failures: gw.breaker_failures,
            open: Duration::from_secs(gw.breaker_open_secs),
            epoch: Instant::now(),
        };
        let proxy = Proxy::new(ProxyOptions {
            connect_timeout: Duration::from_millis(gw.connect_timeout_ms),
            timeout: Duration::from_secs(gw.timeout_secs),
            retries: gw.retries,
            breaker,
            body_limit: config.server.body_limit_bytes,
        });
        Ok(Arc::new(Self {
            routes,
            upstreams,
            proxy,
            auth,
            limits: Arc::new(RateLimiter::new(config.rate_limit.enabled, clock).with_redis(redis.clone())),
            limit: gw.rate_limit,
            proxies: TrustedProxies::from_config(&config.server),
            metrics: Arc::new(HttpMetrics::default()),
            redis,
            health_timeout: Duration::from_millis(gw.health_timeout_ms),
            head_timeout: Duration::from_secs(gw.header_timeout_secs),
            keep_alive: Duration::from_secs(gw.keep_alive_secs),
            started: Instant::now(),
            ids: RequestIds::new(),
            sockets: upgrade::Sockets::new(gw.max_websockets),
            web,
            tracer: platform::trace::Tracer::from_config(&config.trace, "sojourn-gateway"),
        }))
    }

    /// The public service: ops and docs answered here, the web apps' files too, everything else
    /// proxied.
    pub async fn service(self: &Arc<Self>, config: &Config, openapi: OpenApi) -> Edge {
        let mut router =
            ops::router().fallback(handle).with_state(self.clone()).merge(platform::http::docs_router(openapi));
        if let Some(web) = &self.web {
            router = router.layer(axum::middleware::from_fn_with_state(web.clone(), platform::http::web::root_page));
        }
        let router = router.layer(platform::http::cors(config));
        Edge::new(self.clone(), router, config).await
    }

    /// The client (for the rate limit) and the peer the request came from (appended to
    /// `X-Forwarded-For`).
    fn origin(&self, req: &Request) -> (IpAddr, proxy::Peer) {
        let peer =
            req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        let trusted = self.proxies.trusts(peer);
        let client = if trusted { self.proxies.client_from_headers(peer, req.headers()) } else { peer.to_canonical() };
        (client, proxy::Peer { ip: peer.to_canonical(), trusted })
    }
}

/// Verify-only keys fetched from `auth.jwks_url`; without it (development on one machine),
/// the signing secret of this data directory.
async fn edge_auth(config: &Config, clock: Arc<dyn Clock>) -> Result<Arc<Auth>, StartError> {
    match &config.auth.jwks_url {
        Some(url) => {
            let auth = Arc::new(Auth::new(SigningKeys::verify_only(), &config.auth, clock));
            platform::auth::spawn_refresher(auth.clone(), url.clone()).await;
            Ok(auth)
        }
        None => {
            let secrets = platform::secrets::resolve(config, platform::secrets::PLATFORM_SECRETS)?;
            let keys = SigningKeys::from_secrets(&secrets).map_err(|e| start_error(e.to_string()))?;
            Ok(Arc::new(Auth::new(keys, &config.auth, clock)))
        }
    }
}

/// The client's request id when acceptable, else a new one: a random per-process prefix and a
/// counter (unique without a random draw per request).
fn request_id(given: Option<&[u8]>, ids: &RequestIds) -> bytes::Bytes {
    if let Some(given) = given
        && platform::http::middleware::is_plain_request_id(given)
    {
        return bytes::Bytes::copy_from_slice(given);
    }
    let n = ids.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // `<prefix>-<n in hex>`, written by hand: this runs for every request.
    let mut id = Vec::with_capacity(ids.prefix.len() + 17);
    id.extend_from_slice(ids.prefix.as_bytes());
    id.push(b'-');
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        id.push(b"0123456789abcdef"[((n >> (shift * 4)) & 0xf) as usize]);
    }
    bytes::Bytes::from(id)
}

struct RequestIds {
    prefix: String,
    next: std::sync::atomic::AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        Self { prefix: format!("gw-{}", &kernel::new_id().simple().to_string()[16..]), next: Default::default() }
    }
}

async fn handle(State(gw): State<Arc<Gateway>>, req: Request) -> Response<Body> {
    let index = gw.routes.resolve(req.uri().path());
    handle_at(&gw, req, index).await
}

/// Handles `req` for the upstream at `index` (`None`: no route), resolved by the caller.
async fn handle_at(gw: &Gateway, mut req: Request, index: Option<usize>) -> Response<Body> {
    let started = Instant::now();
    let span = gw.tracer.as_ref().map(|t| {
        let method = req.method().clone();
        trace::start_in(t, method.as_str(), req.headers_mut())
    });
    let given = req.headers().get(&platform::http::middleware::X_REQUEST_ID).map(HeaderValue::as_bytes);
    // Plain ASCII either way: checked by `request_id`, or generated.
    let id = HeaderValue::from_maybe_shared(request_id(given, &gw.ids)).unwrap_or(HeaderValue::from_static("unknown"));
    let method = req.method().clone();
    let (label, mut response) = route(gw, req, &id, index).await;
    if let Some(span) = span {
        trace::finish(span, method.as_str(), label, response.status().as_u16(), id.as_bytes());
    }
    response.headers_mut().insert(platform::http::middleware::X_REQUEST_ID.clone(), id);
    gw.metrics.observe(method.as_str(), label, response.status().as_u16(), started.elapsed());
    response
}

async fn route<'a>(gw: &'a Gateway, req: Request, id: &HeaderValue, index: Option<usize>) -> (&'a str, Response<Body>) {
    let Some(index) = index else {
        // Before "no route": a built web app may own the path (never an API path).
        if let Some(web) = &gw.web
            && let Some(answer) = web.answer(req.method(), req.uri(), req.headers()).await
        {
            return ("web", answer);
        }
        return ("unmatched", ApiError::not_found("No route for this path").into_response());
    };
    let label = gw.routes.name(index);
    let Some(upstream) = gw.upstreams.get(index) else {
        return (label, ApiError::not_found("No route for this path").into_response());
    };
    let (ip, peer) = gw.origin(&req);
    if let Err(refused) = admit(gw, ip, req.headers().get(header::AUTHORIZATION).map(HeaderValue::as_bytes)).await {
        return (label, refused);
    }
    if upgrade::is_upgrade(req.headers()) {
        return (label, upgrade::forward(&gw.proxy, &gw.sockets, upstream, req, peer, id).await);
    }
    (label, gw.proxy.forward(upstream, req, peer, id).await)
}

/// What every proxied request passes first, whichever server read it: the client's rate limit,
/// and its bearer token (if any) verified at the edge. A request without a token passes, and
/// the service decides: the realtime sockets (`/socket.io/`, `/ws`) carry theirs inside the
/// protocol, where only the service can read it.
async fn admit(gw: &Gateway, ip: IpAddr, authorization: Option<&[u8]>) -> Result<(), Response<Body>> {
    if gw.limits.enabled()
        && let Err(wait) = gw.limits.check(&format!("gateway:ip:{ip}"), gw.limit).await
    {
        return Err(ApiError::from(wait).into_response());
    }
    if let Some(token) = authorization.and_then(|v| std::str::from_utf8(v).ok())
        && let Some(raw) = token.strip_prefix("Bearer ").or_else(|| token.strip_prefix("bearer "))
        && let Err(error) = gw.auth.verify(raw.trim())
    {
        return Err(ApiError::unauthorized(error.to_string()).into_response());
    }
    Ok(())
}

/// Serves on one thread per listener (see [`bind`]) until `shutdown`, then lets in-flight
/// requests finish for `grace`.
pub async fn serve_on_threads(
    edge: Edge,
    listeners: Vec<std::net::TcpListener>,
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let tracer = edge.gw.tracer.clone();
    let result = shards::serve(edge, listeners, grace, shutdown).await;
    if let Some(tracer) = tracer {
        tracer.flush().await;
    }
    tracing::info!("gateway stopped");
    result
}

/// Serves on the current runtime until `shutdown`, then lets in-flight requests finish for
/// `grace` (tests, and embedding the gateway in another program).
pub async fn serve(
    edge: Edge,
    listener: TcpListener,
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let tracer = edge.gw.tracer.clone();
    let result = front::serve(edge, listener, grace, shutdown).await;
    if let Some(tracer) = tracer {
        tracer.flush().await;
    }
    tracing::info!("gateway stopped");
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn generated_request_ids_count_in_hex_after_the_prefix() {
        let ids = RequestIds::new();
        for (n, hex) in [(0, "0"), (9, "9"), (255, "ff"), (4096, "1000"), (u64::MAX, "ffffffffffffffff")] {
            ids.next.store(n, std::sync::atomic::Ordering::Relaxed);
            assert_eq!(request_id(None, &ids), format!("{}-{hex}", ids.prefix));
        }
        assert_eq!(request_id(Some(b"trace-1"), &ids), "trace-1");
        assert!(request_id(Some(b"two words"), &ids).starts_with(ids.prefix.as_bytes()), "not plain: replaced");
    }
}
