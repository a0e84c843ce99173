//! The service each client connection talks to. A request for an upstream path that carries no
//! `Origin` and is no CORS preflight — API clients, services, mobile apps: most traffic — goes
//! straight to the proxy. Everything else (browsers, which need CORS answered, and the gateway's
//! own ops and docs) goes through the axum router and its CORS layer. The shortcut adds exactly
//! the headers that layer adds to a request without `Origin`, captured from the layer itself at
//! start-up, so an answer is the same whichever way it went; it only skips the routing and
//! layering work (measured in docs/PERFORMANCE.md, "Gateway hop").

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Response, header};
use platform::config::Config;

use crate::Gateway;

#[derive(Clone)]
pub struct Edge {
    pub(crate) gw: Arc<Gateway>,
    router: Router,
    /// What the CORS layer adds to an answer when the request has no `Origin`.
    cors_headers: Arc<HeaderMap>,
    /// The same, as header lines for the hand-written answers of `front`.
    pub(crate) cors_lines: Arc<[u8]>,
}

impl Edge {
    pub async fn new(gw: Arc<Gateway>, router: Router, config: &Config) -> Self {
        let cors_headers = cors_headers_without_origin(config).await;
        let mut cors_lines = Vec::new();
        for (name, value) in &cors_headers {
            crate::relay::header_line(&mut cors_lines, name.as_str().as_bytes(), value.as_bytes());
        }
        Self { gw, router, cors_headers: Arc::new(cors_headers), cors_lines: cors_lines.into() }
    }

    /// The upstream of a request that may take the shortcut; `None` sends it to the router.
    fn shortcut(&self, req: &Request) -> Option<usize> {
        let headers = req.headers();
        let path = req.uri().path();
        if headers.contains_key(header::ORIGIN)
            || headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
            || crate::ops::is_local(path)
        {
            return None;
        }
        self.gw.routes.resolve(path)
    }
}

/// Runs the CORS layer once on a request without `Origin` and keeps the headers it added.
async fn cors_headers_without_origin(config: &Config) -> HeaderMap {
    use tower::ServiceExt;
    let probe = Router::new().fallback(|| async {}).layer(platform::http::cors(config));
    let Ok(answer) = probe.oneshot(Request::new(Body::empty())).await;
    let mut added = HeaderMap::new();
    for (name, value) in answer.headers() {
        if name == header::VARY || name.as_str().starts_with("access-control-") {
            added.append(name.clone(), value.clone());
        }
    }
    added
}

type Answer = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl tower::Service<Request> for Edge {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let Some(index) = self.shortcut(&req) else {
            let router = self.router.clone();
            return Box::pin(tower::ServiceExt::oneshot(router, req));
        };
        let (gw, cors) = (self.gw.clone(), self.cors_headers.clone());
        Box::pin(async move {
            // Resolved once: the route found above is the one served.
            let mut answer = crate::handle_at(&gw, req, Some(index)).await;
            let headers = answer.headers_mut();
            for (name, value) in cors.iter() {
                headers.append(name.clone(), value.clone());
            }
            Ok(answer)
        })
    }
}
