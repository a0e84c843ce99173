//! The hash chain. Each entry's `hash` is SHA-256 over the previous entry's hash (32 raw
//! bytes; 32 zero bytes before the first entry, or the retention anchor's hash) followed by a
//! canonical encoding of the entry's own fields. Editing any field of an entry changes its
//! hash; removing an entry breaks the next one's link — so neither goes unnoticed by
//! [`crate::verify`] unless every later hash is recomputed too.
//!
//! The encoding is versioned (`sojourn.audit.v1`) and independent of the database: each field
//! in a fixed order, absent as one `0x00` byte, present as `0x01`, its length (4 bytes, big
//! endian) and its UTF-8 text. Instants are RFC 3339 in UTC with microseconds (what both
//! engines store), `detail` is the JSON text exactly as stored.

use aws_lc_rs::digest;
use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// The encoding's version tag, first in every hashed message.
const VERSION: &[u8] = b"sojourn.audit.v1\n";

/// The hash "before" the first entry: 32 zero bytes, in hex (what the migration's head holds).
#[cfg(test)]
pub fn genesis() -> String {
    hex(&[0u8; 32])
}

/// One entry of the log, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Dense from 1, in append order.
    pub seq: i64,
    pub id: Uuid,
    /// When the event happened (its `occurredAt`).
    pub at: DateTime<Utc>,
    /// When the log recorded it.
    pub recorded_at: DateTime<Utc>,
    pub category: String,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub ip: Option<String>,
    /// The event it records; unique, so a redelivered event appends nothing.
    pub source_event_id: Uuid,
    /// JSON text, exactly as hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn instant(t: &DateTime<Utc>) -> String {
    kernel::truncate_micros(*t).to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn field(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            // Fields are far below 4 GiB (detail is capped); saturate rather than wrap.
            out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// The canonical, versioned encoding of `e`'s fields (not its hashes).
pub fn encode(e: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + e.detail.len());
    out.extend_from_slice(VERSION);
    let (seq, id, source) = (e.seq.to_string(), e.id.to_string(), e.source_event_id.to_string());
    let (at, recorded_at) = (instant(&e.at), instant(&e.recorded_at));
    let actor = e.actor_id.map(|a| a.to_string());
    let amount = e.amount.map(|a| a.to_string());
    let fields: [Option<&str>; 14] = [
        Some(&seq),
        Some(&id),
        Some(&at),
        Some(&recorded_at),
        Some(&e.category),
        Some(&e.action),
        actor.as_deref(),
        e.subject_type.as_deref(),
        e.subject_id.as_deref(),
        amount.as_deref(),
        e.currency.as_deref(),
        e.ip.as_deref(),
        Some(&source),
        Some(&e.detail),
    ];
    for f in fields {
        field(&mut out, f);
    }
    out
}

/// The hash of `e` after `prev` (hex); `None` when `prev` is not a 32-byte hex hash.
pub fn seal(prev: &str, e: &Entry) -> Option<String> {
    let prev = unhex(prev)?;
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&prev);
    ctx.update(&encode(e));
    Some(hex(ctx.finish().as_ref()))
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// 32 bytes from 64 hex digits.
pub fn unhex(text: &str) -> Option<[u8; 32]> {
    let raw = text.as_bytes();
    if raw.len() != 64 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; 32];
    for (i, pair) in raw.chunks(2).enumerate() {
        out[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry() -> Entry {
        Entry {
            seq: 1,
            id: Uuid::nil(),
            at: "2030-01-02T09:00:00.123456789Z".parse().unwrap(),
            recorded_at: "2030-01-02T09:00:01Z".parse().unwrap(),
            category: "money".into(),
            action: "payment.succeeded".into(),
            actor_id: None,
            subject_type: Some("payment".into()),
            subject_id: Some("pi_1".into()),
            amount: Some(22400),
            currency: Some("EUR".into()),
            ip: None,
            source_event_id: Uuid::max(),
            detail: "{}".into(),
            prev_hash: genesis(),
            hash: String::new(),
        }
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..32).collect();
        let text = hex(&bytes);
        assert_eq!(text.len(), 64);
        assert_eq!(unhex(&text).unwrap().to_vec(), bytes);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"g".repeat(64)), None);
        assert_eq!(genesis(), "0".repeat(64));
    }

    #[test]
    fn every_field_and_the_previous_hash_count() {
        let base = entry();
        let h = seal(&genesis(), &base).unwrap();
        assert_eq!(h.len(), 64);
        assert_eq!(seal(&genesis(), &base), Some(h.clone()), "deterministic");
        let other_prev = hex(&[1u8; 32]);
        assert_ne!(seal(&other_prev, &base).unwrap(), h);
        let changes: [fn(&mut Entry); 6] = [
            |e| e.amount = Some(22401),
            |e| e.amount = None,
            |e| e.seq = 2,
            |e| e.detail = "{ }".into(),
            |e| e.actor_id = Some(Uuid::nil()),
            |e| e.subject_id = Some("pi_".into()),
        ];
        for change in changes {
            let mut e = base.clone();
            change(&mut e);
            assert_ne!(seal(&genesis(), &e).unwrap(), h, "{e:?}");
        }
        // Nothing but the hashed fields counts: the stored hashes themselves do not.
        let mut e = base.clone();
        e.hash = "x".into();
        assert_eq!(seal(&genesis(), &e).unwrap(), h);
    }

    #[test]
    fn absent_and_empty_differ_and_fields_do_not_run_together() {
        let mut a = entry();
        a.ip = None;
        let mut b = entry();
        b.ip = Some(String::new());
        assert_ne!(encode(&a), encode(&b));
        let mut c = entry();
        c.subject_type = Some("payme".into());
        c.subject_id = Some("ntpi_1".into());
        let mut d = entry();
        d.subject_type = Some("payment".into());
        d.subject_id = Some("pi_1".into());
        assert_ne!(encode(&c), encode(&d));
    }

    #[test]
    fn instants_are_hashed_to_the_microsecond_the_databases_keep() {
        let mut e = entry();
        let h = seal(&genesis(), &e).unwrap();
        e.at = kernel::truncate_micros(e.at);
        assert_eq!(seal(&genesis(), &e).unwrap(), h);
    }
}
