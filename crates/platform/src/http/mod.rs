//! The HTTP stack shared by every context: extractors, envelopes, middleware, ops and docs.

mod client_ip;
mod docs;
mod extract;
pub mod media;
pub mod middleware;
pub mod ops;
mod response;
pub mod voyage;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use client_ip::{ClientIp, ProxyRange, TrustForwardedFor, TrustedProxies};
pub use docs::{OPENAPI_PATH, base_document, optional_empty_bodies, router as docs_router};
pub use extract::{IfNoneMatch, Json, Path, Query, idempotency_key, shape_error};
pub use middleware::RequestId;
pub use response::{created, if_match_version, ok, ok_with_message, with_version_etag};

use crate::auth::Auth;
use crate::config::Config;
use crate::metrics::HttpMetrics;
use crate::storage::Media;

/// Assembles the public router: ops + media + contexts' API + docs, wrapped in the middleware
/// stack; the web apps (when configured) answer what no route matches.
pub fn build_router(
    config: &Config,
    ops: Arc<ops::OpsState>,
    media: Media,
    api: OpenApiRouter,
    auth: Arc<Auth>,
    web: Option<Arc<web::WebApps>>,
) -> (Router, OpenApi) {
    let metrics = ops.metrics.clone();
    let server = &config.server;
    let (routes, mut doc) = OpenApiRouter::with_openapi(base_document(ops.version))
        .merge(ops::router(ops))
        .merge(media::router(media))
        .merge(api)
        .split_for_parts();
    optional_empty_bodies(&mut doc);
    // Panic catcher and timeout sit inside `tag_route`, so a timed-out or panicked request is
    // still counted under its route template.
    let routes = routes
        .merge(docs::router(doc.clone()))
        .route_layer(axum::middleware::from_fn(crate::events::settle::layer))
        .route_layer(CatchPanicLayer::custom(middleware::PanicToEnvelope))
        .route_layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(server.request_timeout_secs),
        ))
        .route_layer(axum::middleware::from_fn(middleware::tag_route));
    let routes = match web {
        Some(web) => routes
            .fallback({
                let web = web.clone();
                move |req: axum::extract::Request| web::fallback(web.clone(), req)
            })
            .layer(axum::middleware::from_fn_with_state(web, web::root_page)),
        None => routes.fallback(middleware::not_found),
    };
    let proxies = TrustedProxies::from_config(server);
    let routes = routes
        .layer(axum::Extension(auth))
        .layer(tower::util::MapRequestLayer::new(move |req: axum::extract::Request| client_ip::resolve(&proxies, req)));
    let app = wrap(routes, config, metrics);
    // Before routing: the API's paths match with or without a trailing slash.
    let app = Router::new().fallback_service(tower::util::MapRequest::new(app, trim_trailing_slash));
    (app, doc)
}

/// `/api/v1/users/favorites/` → `/api/v1/users/favorites`, query kept: DreamScape's clients
/// were written against Express, where a trailing slash is optional, and send both forms. Only
/// under `/api/`, so static trees such as the docs UI keep their own redirects.
pub fn trim_trailing_slash(mut req: axum::extract::Request) -> axum::extract::Request {
    let path = req.uri().path();
    if !(path.starts_with("/api/") && path.len() > "/api/".len() && path.ends_with('/')) {
        return req;
    }
    let trimmed = path.trim_end_matches('/');
    let rebuilt = match req.uri().query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_owned(),
    };
    if let Ok(path_and_query) = axum::http::uri::PathAndQuery::try_from(rebuilt) {
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Outermost first: trailing-slash trim (see `build_router`) → observe → security headers → CORS → compression → error envelope →
/// body limit → (per route: route tag → timeout → panic catcher → read-your-writes wait) → handler.
fn wrap(routes: Router, config: &Config, metrics: Arc<HttpMetrics>) -> Router {
    let server = &config.server;
    routes
        .layer(DefaultBodyLimit::max(server.body_limit_bytes))
        .layer(axum::middleware::from_fn(middleware::envelope_errors))
        .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(worth_compressing)))
        .layer(cors(config))
        .layer(axum::middleware::from_fn_with_state(
            middleware::SecurityHeaders { hsts: server.hsts },
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(metrics, middleware::observe))
}

/// Audio, video and already-compressed fonts (served by `/media` and the web apps) are sent as
/// they are: gzipping them costs CPU for nothing and drops their `Content-Length` and ranges.
fn worth_compressing(
    _: StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_none_or(web::types::worth_compressing)
}

pub fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> =
        config.cors.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
            middleware::X_REQUEST_ID.clone(),
            // Media's resumable uploads; insights' tracking (visitor id, consent).
            HeaderName::from_static("upload-offset"),
            HeaderName::from_static("x-visitor-id"),
            HeaderName::from_static("x-analytics-consent"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            middleware::X_REQUEST_ID.clone(),
            // Set on a replayed `Idempotency-Key` request: a browser client may read it too.
            HeaderName::from_static("idempotent-replayed"),
            // Where a resumable upload stands.
            HeaderName::from_static("upload-offset"),
        ])
        .max_age(Duration::from_secs(600))
}
