//! W3C trace context (`traceparent`, `tracestate`): the ids a span hands to its children,
//! across processes. Parsing is strict (version `00`, lowercase hex, no all-zero ids): a
//! malformed header starts a new trace rather than continuing a made-up one.

use std::cell::Cell;

/// The part of a span that crosses process boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    /// The caller's (or our) decision to record this trace.
    pub sampled: bool,
    /// The caller's `tracestate`, passed on unchanged (vendors' data, not ours).
    pub tracestate: Option<String>,
}

impl SpanContext {
    /// Parses a `traceparent` header value: `00-<32 hex>-<16 hex>-<2 hex flags>`.
    pub fn from_traceparent(value: &[u8]) -> Option<Self> {
        // Version 00 is exactly 55 bytes; later versions may append fields after a `-`.
        if value.len() < 55 || (value.len() > 55 && value[55] != b'-') {
            return None;
        }
        let version = hex::<1>(&value[0..2])?;
        if version[0] == 0xff || (version[0] == 0 && value.len() != 55) {
            return None;
        }
        if value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
            return None;
        }
        let trace_id = hex::<16>(&value[3..35])?;
        let span_id = hex::<8>(&value[36..52])?;
        let flags = hex::<1>(&value[53..55])?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(Self { trace_id, span_id, sampled: flags[0] & 1 == 1, tracestate: None })
    }

    /// Parses `traceparent` and, when it is valid, keeps `tracestate` (if plain and short).
    pub fn from_headers(traceparent: Option<&[u8]>, tracestate: Option<&[u8]>) -> Option<Self> {
        let mut ctx = Self::from_traceparent(traceparent?)?;
        ctx.tracestate = tracestate
            .filter(|v| v.len() <= 512 && v.iter().all(|&b| (b' '..=b'~').contains(&b)))
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::to_owned);
        Some(ctx)
    }

    /// The `traceparent` header value of this context.
    pub fn traceparent(&self) -> String {
        let mut out = String::with_capacity(55);
        out.push_str("00-");
        push_hex(&mut out, &self.trace_id);
        out.push('-');
        push_hex(&mut out, &self.span_id);
        out.push_str(if self.sampled { "-01" } else { "-00" });
        out
    }

    pub fn trace_id_hex(&self) -> String {
        let mut out = String::with_capacity(32);
        push_hex(&mut out, &self.trace_id);
        out
    }

    pub fn span_id_hex(&self) -> String {
        span_hex(&self.span_id)
    }
}

pub(crate) fn span_hex(id: &[u8; 8]) -> String {
    let mut out = String::with_capacity(16);
    push_hex(&mut out, id);
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

/// `N` bytes from `2N` lowercase hex digits.
fn hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        out[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

thread_local! {
    /// SplitMix64 state, seeded once per thread from the OS: ids must be unique, not secret,
    /// and a system call per span would be most of a span's cost.
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: time and thread still make the streams distinct.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        return (nanos as u64) ^ (std::ptr::from_ref(&bytes) as u64);
    }
    u64::from_le_bytes(bytes)
}

fn next_u64() -> u64 {
    RNG.with(|state| {
        let s = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// A new non-zero span id.
pub(crate) fn new_span_id() -> [u8; 8] {
    loop {
        let id = next_u64();
        if id != 0 {
            return id.to_be_bytes();
        }
    }
}

/// A new non-zero trace id; its last 8 bytes are uniformly random (the sampler reads them).
pub(crate) fn new_trace_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&next_u64().to_be_bytes());
    id[8..].copy_from_slice(&new_span_id());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &[u8] = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn traceparent_round_trips() {
        let ctx = SpanContext::from_traceparent(EXAMPLE);
        assert!(ctx.as_ref().is_some_and(|c| c.sampled && c.traceparent().as_bytes() == EXAMPLE));
        let unsampled = SpanContext::from_traceparent(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        assert!(unsampled.is_some_and(|c| !c.sampled));
    }

    #[test]
    fn malformed_traceparents_are_refused() {
        for bad in [
            &b""[..],
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            b"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            b"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(SpanContext::from_traceparent(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        // A later version may add fields.
        assert!(
            SpanContext::from_traceparent(b"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz").is_some()
        );
    }

    #[test]
    fn ids_are_distinct_and_non_zero() {
        let a = new_trace_id();
        let b = new_trace_id();
        assert!(a != b && a != [0; 16] && new_span_id() != [0; 8]);
    }
}
