//! The client's address, for rate-limit keys, session records and audit trails.
//!
//! `X-Forwarded-For` is written by whoever sends the request, so it is only believed from the
//! proxies named in `server.trusted_proxies` (addresses or CIDR ranges; empty by default, so
//! never). Each proxy *appends* the address it received the request from, so only the right
//! end of the header is vouched for: starting from the TCP peer, hops are dropped from the
//! right while the address they came from is a trusted proxy, and the first untrusted address
//! is the client. Whatever a client wrote to the left of that is ignored, so it cannot choose
//! its own address (the old "leftmost hop" rule let it).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use kernel::ApiError;

/// Whether this request's TCP peer is a trusted proxy (so its `X-Forwarded-*` headers may be
/// read); inserted as a request extension by [`resolve`].
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
        if let Some(found) = parts.extensions.get::<ClientIp>() {
            return Ok(*found);
        }
        // A router built without the resolving layer: the TCP peer alone.
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// One entry of `server.trusted_proxies`: an address (`10.0.0.7`, `::1`) or a range
/// (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRange {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32) == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128) == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    bits >> (width - prefix)
}

impl FromStr for ProxyRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("`{s}` is not an IP address or CIDR range"))?;
        let addr = addr.to_canonical();
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("`{s}`: the prefix length must be between 0 and {width}"))?,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for ProxyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// `server.trusted_proxies`, parsed; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[ProxyRange]>);

impl TrustedProxies {
    /// Parses every entry; the error names the first one that is not an address or range.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let ranges = entries.iter().map(|e| e.as_ref().parse()).collect::<Result<Vec<ProxyRange>, _>>()?;
        Ok(Self(ranges.into()))
    }

    /// The configured list; an invalid entry (refused by config validation) is left out.
    pub fn from_config(server: &crate::config::ServerConfig) -> Self {
        Self(server.trusted_proxies.iter().filter_map(|e| e.parse().ok()).collect::<Vec<_>>().into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        !self.0.is_empty() && self.0.iter().any(|r| r.contains(ip))
    }

    /// The client behind `peer`, given the `X-Forwarded-For` header lines in order: `peer` itself
    /// unless it is trusted; then hops from the right, while the previous one was trusted. An
    /// unreadable hop stops the walk at the last address read. When every hop is a trusted
    /// proxy, the leftmost one.
    pub fn client_of<'a>(&self, peer: IpAddr, lines: impl DoubleEndedIterator<Item = &'a [u8]>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for line in lines.rev() {
            let Ok(line) = std::str::from_utf8(line) else { return client };
            for hop in line.rsplit(',') {
                let hop = hop.trim();
                if hop.is_empty() {
                    continue;
                }
                let Some(ip) = parse_hop(hop) else { return client };
                client = ip;
                if !self.trusts(ip) {
                    return ip;
                }
            }
        }
        client
    }

    /// [`Self::client_of`] for a header map.
    pub fn client_from_headers(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer.to_canonical();
        }
        let lines: Vec<&[u8]> = headers.get_all("x-forwarded-for").iter().map(|v| v.as_bytes()).collect();
        self.client_of(peer, lines.into_iter())
    }
}

/// A hop as proxies write it: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip())).ok().map(|ip| ip.to_canonical())
}

/// Router layer: finds the client's address once per request and records it (with whether the
/// peer is a trusted proxy) for [`ClientIp`] and [`TrustForwardedFor`].
pub fn resolve(proxies: &TrustedProxies, mut req: Request) -> Request {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let (client, trusted) = match peer {
        Some(peer) if proxies.trusts(peer) => (Some(proxies.client_from_headers(peer, req.headers())), true),
        Some(peer) => (Some(peer.to_canonical()), false),
        None => (None, false),
    };
    req.extensions_mut().insert(ClientIp(client));
    req.extensions_mut().insert(TrustForwardedFor(trusted));
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn walk(proxies: &[&str], peer: &str, xff: &[&str]) -> IpAddr {
        let p = TrustedProxies::parse(proxies).unwrap();
        p.client_of(ip(peer), xff.iter().map(|l| l.as_bytes()))
    }

    #[test]
    fn ranges_parse_and_match() {
        let r: ProxyRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains(ip("10.200.1.1")) && !r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped peers match IPv4 ranges");
        let one: ProxyRange = "fd00::1".parse().unwrap();
        assert!(one.contains(ip("fd00::1")) && !one.contains(ip("fd00::2")));
        let all: ProxyRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")) && !all.contains(ip("::1")));
        assert!("10.0.0.0/33".parse::<ProxyRange>().is_err());
        assert!("proxy.local".parse::<ProxyRange>().is_err());
        assert!(TrustedProxies::parse(&["10.0.0.1", "nope"]).unwrap_err().contains("nope"));
    }

    #[test]
    fn forwarded_for_is_walked_from_the_right() {
        // Nothing trusted: the peer, whatever the header says.
        assert_eq!(walk(&[], "203.0.113.9", &["1.1.1.1"]), ip("203.0.113.9"));
        // An untrusted peer's header is ignored.
        assert_eq!(walk(&["10.0.0.0/8"], "203.0.113.9", &["1.1.1.1"]), ip("203.0.113.9"));
        // Trusted peer: the right-most untrusted hop, not what the client put on the left.
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &["6.6.6.6, 198.51.100.7"]), ip("198.51.100.7"));
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &["6.6.6.6, 198.51.100.7, 10.0.0.9"]), ip("198.51.100.7"));
        // Several header lines are one list.
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &["198.51.100.7", "10.0.0.9"]), ip("198.51.100.7"));
        // No header: the peer; only proxies: the left-most of them.
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &[]), ip("10.0.0.2"));
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &["10.0.0.3, 10.0.0.4"]), ip("10.0.0.3"));
        // Garbage stops the walk at the last address read; ports are dropped.
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &["garbage, 10.0.0.4"]), ip("10.0.0.4"));
        assert_eq!(walk(&["10.0.0.0/8"], "10.0.0.2", &["198.51.100.7:4711"]), ip("198.51.100.7"));
        assert_eq!(walk(&["::1"], "::1", &["[2001:db8::1]:80"]), ip("2001:db8::1"));
    }
}
