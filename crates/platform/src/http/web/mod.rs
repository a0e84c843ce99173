//! Built web apps on the API's origin (`server.web_root`, `[[server.mounts]]`). DreamScape's web
//! client and its panorama app are static builds that call the API with relative or same-host
//! URLs and load root-absolute assets (`/panoramas/…`, `/audio/…`); serving them from this
//! process (or the gateway) saves a separate web server and any CORS between the two.
//!
//! It is the router's fallback: every route of the API is matched first, and the first path
//! segments the API owns (`/api`, `/media`, `/socket.io`, …) are never answered here, so an
//! unknown API path stays a JSON 404. Under an app, a GET or HEAD for a path with no file gets
//! the app's `index.html` when it looks like a page (no extension in the last segment, or the
//! client accepts `text/html`) — the client's router takes it from there. Other methods are 405.

mod file;
mod path;
pub mod types;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorCode};

use crate::config::{ConfigError, RESERVED_SEGMENTS, ServerConfig};

/// The configured apps, most specific mount first.
#[derive(Debug)]
pub struct WebApps {
    apps: Vec<WebApp>,
    csp: HeaderValue,
}

#[derive(Debug)]
struct WebApp {
    /// Path segments of the mount (none for `server.web_root`).
    prefix: Vec<String>,
    /// Canonical directory.
    root: PathBuf,
    spa: bool,
}

impl WebApps {
    /// The apps of `server`, checked (see `config::validate_web`); `None` when none is set.
    pub fn from_config(server: &ServerConfig) -> Result<Option<Arc<WebApps>>, ConfigError> {
        if server.web_root.is_none() && server.mounts.is_empty() {
            return Ok(None);
        }
        crate::config::validate_web(server)?;
        let canonical = |key: &str, dir: &std::path::Path| {
            dir.canonicalize().map_err(|e| ConfigError::Key { key: key.to_owned(), message: e.to_string() })
        };
        let mut apps = Vec::new();
        if let Some(root) = &server.web_root {
            apps.push(WebApp { prefix: Vec::new(), root: canonical("server.web_root", root)?, spa: true });
        }
        for (i, mount) in server.mounts.iter().enumerate() {
            let prefix = mount.path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let root = canonical(&format!("server.mounts[{i}].dir"), &mount.dir)?;
            apps.push(WebApp { prefix, root, spa: mount.spa });
        }
        apps.sort_by_key(|app| std::cmp::Reverse(app.prefix.len()));
        let csp = HeaderValue::from_str(server.web_csp.trim())
            .map_err(|e| ConfigError::Key { key: "server.web_csp".into(), message: e.to_string() })?;
        Ok(Some(Arc::new(WebApps { apps, csp })))
    }

    /// Whether `server.web_root` is set (an app at `/`).
    pub fn serves_root(&self) -> bool {
        self.apps.iter().any(|app| app.prefix.is_empty())
    }

    /// The answer for a request, or `None` when no app owns its path (the caller's 404). Every
    /// answer carries `X-Content-Type-Options: nosniff`, whichever process serves it.
    pub async fn answer(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
        let mut response = self.answer_unmarked(method, uri, headers).await?;
        response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        Some(response)
    }

    async fn answer_unmarked(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
        let raw = uri.path();
        if is_reserved(path::first_raw_segment(raw)) {
            return None;
        }
        let segments = match path::segments(raw) {
            Ok(segments) => segments,
            Err(bad) if self.owns_raw(raw) => {
                tracing::debug!(?bad, path = %raw, "refused a web path");
                return Some(ApiError::bad_request("The path is not valid").into_response());
            }
            Err(_) => return None,
        };
        if segments.first().is_some_and(|s| is_reserved(s)) {
            return None;
        }
        let app = self.apps.iter().find(|app| segments.starts_with(&app.prefix))?;
        if method != Method::GET && method != Method::HEAD {
            let mut refused =
                ApiError::from_code(ErrorCode::MethodNotAllowed, "Only GET and HEAD are served here").into_response();
            refused.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Some(refused);
        }
        let rel = segments.get(app.prefix.len()..).unwrap_or_default();
        Some(app.answer(rel, method == Method::HEAD, headers, &self.csp).await)
    }

    /// Whether an undecodable path is under one of the apps (then it is refused with a 400).
    fn owns_raw(&self, raw: &str) -> bool {
        self.apps.iter().any(|app| {
            let prefix = format!("/{}", app.prefix.join("/"));
            app.prefix.is_empty() || raw == prefix || raw.starts_with(&format!("{prefix}/"))
        })
    }
}

fn is_reserved(segment: &str) -> bool {
    RESERVED_SEGMENTS.iter().any(|r| r.eq_ignore_ascii_case(segment))
}

fn not_found() -> Response {
    ApiError::not_found("No such file").into_response()
}

/// A browser navigating: its `Accept` names `text/html`.
fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains("text/html"))
}

impl WebApp {
    async fn answer(&self, rel: &[String], head: bool, headers: &HeaderMap, csp: &HeaderValue) -> Response {
        if rel.iter().any(|s| path::is_hidden(s)) {
            return not_found();
        }
        let candidate = rel.iter().fold(self.root.clone(), |dir, segment| dir.join(segment));
        let last = rel.last().map(String::as_str);
        let answer = |content_type, cache_control, ranges| file::Answer {
            content_type,
            cache_control,
            head,
            ranges,
            headers,
            root: &self.root,
            csp,
        };
        if let Some(found) = file::find(&self.root, &candidate).await {
            let ext = if found.index { Some("html".to_owned()) } else { last.and_then(path::extension) };
            let ext = ext.as_deref();
            let cache = types::cache_control(rel, self.spa, ext);
            return file::respond(found, &answer(types::content_type(ext), cache, true)).await;
        }
        let page = last.is_none_or(|name| path::extension(name).is_none()) || accepts_html(headers);
        if self.spa
            && page
            && let Some(index) = file::find(&self.root, &self.root.join("index.html")).await
        {
            return file::respond(index, &answer(types::content_type(Some("html")), types::NO_CACHE, false)).await;
        }
        not_found()
    }
}

/// The router's fallback when web apps are configured: theirs, else the JSON 404.
pub async fn fallback(web: Arc<WebApps>, req: Request) -> Response {
    match web.answer(req.method(), req.uri(), req.headers()).await {
        Some(response) => response,
        None => super::middleware::not_found(req).await,
    }
}

/// `/` is the API's service information (JSON) and, with `server.web_root`, the app's home page:
/// a browser (`Accept: text/html`) gets the page, any other client the JSON. Both carry
/// `Vary: Accept`.
pub async fn root_page(State(web): State<Arc<WebApps>>, req: Request, next: Next) -> Response {
    if req.uri().path() != "/" || !web.serves_root() {
        return next.run(req).await;
    }
    let page = (req.method() == Method::GET || req.method() == Method::HEAD) && accepts_html(req.headers());
    let answer = if page { web.answer(req.method(), req.uri(), req.headers()).await } else { None };
    let mut response = match answer {
        Some(response) => response,
        None => next.run(req).await,
    };
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Accept"));
    response
}
