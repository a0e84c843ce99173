//! The client's address: the TCP peer, or the first `X-Forwarded-For` hop when
//! `server.trust_forwarded_for` says a proxy we run sets it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use kernel::ApiError;

/// Whether `X-Forwarded-For` is trusted; inserted as a request extension by the router.
#[derive(Debug, Clone, Copy)]
pub struct TrustForwardedFor(pub bool);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// For rate-limit keys and session records.
    pub fn label(&self) -> String {
        self.0.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let trust = parts.extensions.get::<TrustForwardedFor>().is_some_and(|t| t.0);
        if trust {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok());
            if forwarded.is_some() {
                return Ok(ClientIp(forwarded));
            }
        }
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}
