//! Seeding goes through the HTTP API — the same router, validation, services and events as a
//! client's requests — but in process: each request is handed to the router directly, with no
//! socket, so a large catalogue loads quickly.

use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use serde_json::Value;

/// The largest answer read back (a listing, a reservation: a few KiB).
const MAX_ANSWER: usize = 1 << 20;

#[derive(Clone)]
pub struct Api {
    router: Router,
}

/// A refused request: the method and path, the status and the API's error code.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub code: String,
    pub what: String,
    /// The API's explanation (message and details).
    pub detail: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered {} {} {}", self.what, self.status, self.code, self.detail)
    }
}

impl Api {
    pub fn new(router: Router) -> Self {
        Self { router }
    }

    /// Sends one request; the envelope's `data` when it succeeds.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Refused> {
        let what = format!("{method} {path}");
        let refused = |status: u16, code: &str| Refused {
            status,
            code: code.to_owned(),
            what: what.clone(),
            detail: String::new(),
        };
        let mut req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let mut req = req.body(body).map_err(|_| refused(0, "invalid_request"))?;
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
        let Ok(answer) = tower::ServiceExt::oneshot(self.router.clone(), req).await;
        let status = answer.status().as_u16();
        let bytes =
            axum::body::to_bytes(answer.into_body(), MAX_ANSWER).await.map_err(|_| refused(status, "unreadable"))?;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            let mut error = refused(status, json["code"].as_str().unwrap_or("unknown"));
            error.detail =
                format!("{} {}", json["message"].as_str().unwrap_or(""), json.get("details").unwrap_or(&Value::Null));
            return Err(error);
        }
        Ok(json.get("data").cloned().unwrap_or(json))
    }
}
