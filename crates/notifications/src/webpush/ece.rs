//! Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188).
//!
//! Each message gets a fresh ephemeral P-256 key and a random salt. ECDH between that key and
//! the subscription's `p256dh` key, mixed with the subscription's 16-byte `auth` secret, gives
//! an AES-128-GCM key and nonce (HKDF-SHA-256). The body is one record:
//!
//! ```text
//! salt (16) | rs (u32 BE) = 4096 | idlen (1) = 65 | ephemeral public key (65) | ciphertext
//! ```
//!
//! where the ciphertext seals `plaintext || 0x02` (0x02: the delimiter of the last record, no
//! further padding). Push services need accept only 4096-byte bodies (RFC 8030 §7.2), so the
//! plaintext limit is 4096 − 86 (header) − 1 (delimiter) − 16 (GCM tag) = 3993 bytes, the
//! figure of RFC 8291 §4.

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, ECDH_P256, PrivateKey, UnparsedPublicKey};
use aws_lc_rs::hkdf::{self, HKDF_SHA256};

use super::WebPushError;

/// The record size written in every header: one record always fits in it.
pub const RECORD_SIZE: u32 = 4096;
/// The largest plaintext [`encrypt`] accepts (see the module doc).
pub const MAX_PLAINTEXT_LEN: usize = 4096 - HEADER_LEN - 1 - TAG_LEN;

const SALT_LEN: usize = 16;
const KEY_LEN: usize = 65;
const HEADER_LEN: usize = SALT_LEN + 4 + 1 + KEY_LEN;
const TAG_LEN: usize = 16;
/// The padding delimiter of the last (here: only) record.
const LAST_RECORD: u8 = 0x02;

/// Encrypts `plaintext` for a subscription (its `p256dh` public key and `auth` secret),
/// returning the request body.
pub fn encrypt(ua_public: &[u8; 65], auth_secret: &[u8; 16], plaintext: &[u8]) -> Result<Vec<u8>, WebPushError> {
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(WebPushError::PayloadTooLarge { len: plaintext.len(), max: MAX_PLAINTEXT_LEN });
    }
    let ephemeral = PrivateKey::generate(&ECDH_P256).map_err(|_| WebPushError::Crypto)?;
    let mut salt = [0u8; SALT_LEN];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| WebPushError::Crypto)?;
    encrypt_with(&ephemeral, &salt, ua_public, auth_secret, plaintext)
}

/// [`encrypt`] with a given ephemeral key and salt (so tests can replay RFC 8291's example).
pub(crate) fn encrypt_with(
    as_private: &PrivateKey,
    salt: &[u8; SALT_LEN],
    ua_public: &[u8; 65],
    auth_secret: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, WebPushError> {
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(WebPushError::PayloadTooLarge { len: plaintext.len(), max: MAX_PLAINTEXT_LEN });
    }
    let as_public = public_key(as_private)?;
    let key = derive(as_private, ua_public, ua_public, &as_public, auth_secret, salt)?;

    let mut record = Vec::with_capacity(plaintext.len() + 1 + TAG_LEN);
    record.extend_from_slice(plaintext);
    record.push(LAST_RECORD);
    key.aead.seal_in_place_append_tag(key.nonce(), Aad::empty(), &mut record).map_err(|_| WebPushError::Crypto)?;

    let mut body = Vec::with_capacity(HEADER_LEN + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(KEY_LEN as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// Decrypts a body made by [`encrypt`] (or any RFC 8291 sender that writes one record), as the
/// browser holding the subscription's private key does.
pub fn decrypt(
    ua_private: &PrivateKey,
    ua_public: &[u8; 65],
    auth_secret: &[u8; 16],
    body: &[u8],
) -> Result<Vec<u8>, WebPushError> {
    let Some((salt, rest)) = body.split_first_chunk::<SALT_LEN>() else {
        return Err(WebPushError::Malformed("shorter than its header"));
    };
    let Some((rs, rest)) = rest.split_first_chunk::<4>() else {
        return Err(WebPushError::Malformed("shorter than its header"));
    };
    let Some((&idlen, rest)) = rest.split_first() else {
        return Err(WebPushError::Malformed("shorter than its header"));
    };
    if usize::from(idlen) != KEY_LEN {
        return Err(WebPushError::Malformed("the key id is not an uncompressed P-256 key"));
    }
    let Some((as_public, record)) = rest.split_first_chunk::<KEY_LEN>() else {
        return Err(WebPushError::Malformed("shorter than its header"));
    };
    let rs = u32::from_be_bytes(*rs) as usize;
    // RFC 8188 §2.1: a record holds at least the tag and a delimiter.
    if rs < TAG_LEN + 2 {
        return Err(WebPushError::Malformed("record size below 18"));
    }
    if record.len() < TAG_LEN + 1 {
        return Err(WebPushError::Malformed("record shorter than its tag"));
    }
    if record.len() > rs {
        return Err(WebPushError::Malformed("more than one record"));
    }
    let key = derive(ua_private, as_public, ua_public, as_public, auth_secret, salt)?;
    let mut buffer = record.to_vec();
    let opened = key.aead.open_in_place(key.nonce(), Aad::empty(), &mut buffer).map_err(|_| WebPushError::Decrypt)?;
    // Padding: the content, the delimiter, then zeros.
    let Some(end) = opened.iter().rposition(|&b| b != 0) else {
        return Err(WebPushError::Malformed("no padding delimiter"));
    };
    if opened[end] != LAST_RECORD {
        return Err(WebPushError::Malformed("not the last record"));
    }
    buffer.truncate(end);
    Ok(buffer)
}

/// The uncompressed public point of a P-256 key.
pub(crate) fn public_key(private: &PrivateKey) -> Result<[u8; 65], WebPushError> {
    let public = private.compute_public_key().map_err(|_| WebPushError::Crypto)?;
    public.as_ref().try_into().map_err(|_| WebPushError::InvalidKey)
}

struct ContentKey {
    aead: LessSafeKey,
    nonce: [u8; 12],
}

impl ContentKey {
    /// The nonce of record 0 (the base nonce XOR the sequence number 0).
    fn nonce(&self) -> Nonce {
        Nonce::assume_unique_for_key(self.nonce)
    }
}

/// An HKDF output length.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand(prk: &hkdf::Prk, info: &[&[u8]], out: &mut [u8]) -> Result<(), WebPushError> {
    prk.expand(info, Len(out.len())).and_then(|okm| okm.fill(out)).map_err(|_| WebPushError::Crypto)
}

/// RFC 8291 §3.3–3.4 and RFC 8188 §2.2: the content encryption key and nonce. `my_private` and
/// `peer_public` are the local and remote halves of the ECDH (the sender's ephemeral key and the
/// subscription's key, or the other way round on the receiving side).
fn derive(
    my_private: &PrivateKey,
    peer_public: &[u8; 65],
    ua_public: &[u8; 65],
    as_public: &[u8; 65],
    auth_secret: &[u8; 16],
    salt: &[u8; SALT_LEN],
) -> Result<ContentKey, WebPushError> {
    let peer = UnparsedPublicKey::new(&ECDH_P256, peer_public);
    let ikm = agreement::agree(my_private, peer, WebPushError::InvalidKey, |ecdh_secret| {
        let prk_key = hkdf::Salt::new(HKDF_SHA256, auth_secret).extract(ecdh_secret);
        let mut ikm = [0u8; 32];
        expand(&prk_key, &[b"WebPush: info\0", ua_public, as_public], &mut ikm)?;
        Ok(ikm)
    })?;
    let prk = hkdf::Salt::new(HKDF_SHA256, salt).extract(&ikm);
    let mut cek = [0u8; 16];
    expand(&prk, &[b"Content-Encoding: aes128gcm\0"], &mut cek)?;
    let mut nonce = [0u8; 12];
    expand(&prk, &[b"Content-Encoding: nonce\0"], &mut nonce)?;
    let unbound = UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| WebPushError::Crypto)?;
    Ok(ContentKey { aead: LessSafeKey::new(unbound), nonce })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::webpush::b64url_decode;

    fn bytes<const N: usize>(b64: &str) -> [u8; N] {
        b64url_decode(b64).unwrap().try_into().unwrap()
    }

    // RFC 8291 Appendix A.
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const HEADER: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const CIPHERTEXT: &str = "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUoEsbI_0LpXMuGvnzQ";

    fn rfc_body() -> Vec<u8> {
        let mut body = b64url_decode(HEADER).unwrap();
        body.extend(b64url_decode(CIPHERTEXT).unwrap());
        body
    }

    fn ua_key() -> PrivateKey {
        PrivateKey::from_private_key(&ECDH_P256, &bytes::<32>(UA_PRIVATE)).unwrap()
    }

    #[test]
    fn rfc8291_example_encrypts_byte_for_byte() {
        let as_private = PrivateKey::from_private_key(&ECDH_P256, &bytes::<32>(AS_PRIVATE)).unwrap();
        assert_eq!(public_key(&as_private).unwrap(), bytes::<65>(AS_PUBLIC));
        let body = encrypt_with(&as_private, &bytes(SALT), &bytes(UA_PUBLIC), &bytes(AUTH), PLAINTEXT).unwrap();
        assert_eq!(body, rfc_body());
    }

    #[test]
    fn rfc8291_example_decrypts() {
        let ua = ua_key();
        assert_eq!(public_key(&ua).unwrap(), bytes::<65>(UA_PUBLIC));
        let plain = decrypt(&ua, &bytes(UA_PUBLIC), &bytes(AUTH), &rfc_body()).unwrap();
        assert_eq!(plain, PLAINTEXT);
    }

    #[test]
    fn round_trip_with_fresh_keys_and_salt() {
        let ua = PrivateKey::generate(&ECDH_P256).unwrap();
        let ua_public = public_key(&ua).unwrap();
        let auth = [7u8; 16];
        for plaintext in [&b""[..], b"{\"title\":\"Booking confirmed\"}", &[0u8; 3993][..]] {
            let one = encrypt(&ua_public, &auth, plaintext).unwrap();
            let two = encrypt(&ua_public, &auth, plaintext).unwrap();
            assert_eq!(one.len(), 86 + plaintext.len() + 1 + 16);
            assert!(one.len() <= 4096);
            assert_ne!(one[..16], two[..16], "a fresh salt per message");
            assert_ne!(one[21..86], two[21..86], "a fresh ephemeral key per message");
            assert_eq!(u32::from_be_bytes(one[16..20].try_into().unwrap()), 4096);
            assert_eq!(decrypt(&ua, &ua_public, &auth, &one).unwrap(), plaintext);
            assert_eq!(decrypt(&ua, &ua_public, &auth, &two).unwrap(), plaintext);
        }
    }

    #[test]
    fn plaintext_limit_is_3993_bytes() {
        assert_eq!(MAX_PLAINTEXT_LEN, 3993);
        let ua_public = bytes::<65>(UA_PUBLIC);
        assert_eq!(
            encrypt(&ua_public, &[0; 16], &[b'x'; 3994]),
            Err(WebPushError::PayloadTooLarge { len: 3994, max: 3993 })
        );
        assert_eq!(encrypt(&ua_public, &[0; 16], &[b'x'; 3993]).unwrap().len(), 4096);
    }

    #[test]
    fn bad_keys_are_rejected() {
        let auth = bytes::<16>(AUTH);
        // Not on the curve: the RFC's key with its last coordinate byte changed.
        let mut off_curve = bytes::<65>(UA_PUBLIC);
        off_curve[64] ^= 1;
        assert_eq!(encrypt(&off_curve, &auth, b"hi"), Err(WebPushError::InvalidKey));
        // Not an uncompressed point.
        let mut wrong_prefix = bytes::<65>(UA_PUBLIC);
        wrong_prefix[0] = 0x05;
        assert_eq!(encrypt(&wrong_prefix, &auth, b"hi"), Err(WebPushError::InvalidKey));
        assert_eq!(encrypt(&[0u8; 65], &auth, b"hi"), Err(WebPushError::InvalidKey));
    }

    #[test]
    fn decryption_fails_with_the_wrong_secret_or_a_changed_body() {
        let ua = ua_key();
        let ua_public = bytes::<65>(UA_PUBLIC);
        let body = rfc_body();
        assert_eq!(decrypt(&ua, &ua_public, &[0; 16], &body), Err(WebPushError::Decrypt));
        let other = PrivateKey::generate(&ECDH_P256).unwrap();
        assert_eq!(decrypt(&other, &ua_public, &bytes(AUTH), &body), Err(WebPushError::Decrypt));
        let mut flipped = body.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x80;
        assert_eq!(decrypt(&ua, &ua_public, &bytes(AUTH), &flipped), Err(WebPushError::Decrypt));
    }

    #[test]
    fn malformed_bodies_are_refused_not_panicked_on() {
        let ua = ua_key();
        let ua_public = bytes::<65>(UA_PUBLIC);
        let auth = bytes::<16>(AUTH);
        let body = rfc_body();
        for cut in [0, 10, 20, 21, 85, 86, 86 + 16] {
            assert!(matches!(decrypt(&ua, &ua_public, &auth, &body[..cut]), Err(WebPushError::Malformed(_))), "{cut}");
        }
        let mut small_rs = body.clone();
        small_rs[16..20].copy_from_slice(&40u32.to_be_bytes());
        assert_eq!(decrypt(&ua, &ua_public, &auth, &small_rs), Err(WebPushError::Malformed("more than one record")));
        let mut idlen = body.clone();
        idlen[20] = 64;
        assert!(matches!(decrypt(&ua, &ua_public, &auth, &idlen), Err(WebPushError::Malformed(_))));
    }

    #[test]
    fn a_record_that_is_not_the_last_is_refused() {
        // Seal `plaintext || 0x01` (a non-final delimiter) with the RFC's keys.
        let as_private = PrivateKey::from_private_key(&ECDH_P256, &bytes::<32>(AS_PRIVATE)).unwrap();
        let (ua_public, auth, salt) = (bytes::<65>(UA_PUBLIC), bytes::<16>(AUTH), bytes::<16>(SALT));
        let key = derive(&as_private, &ua_public, &ua_public, &bytes(AS_PUBLIC), &auth, &salt).unwrap();
        let mut record = b"hello\x01\0\0".to_vec();
        key.aead.seal_in_place_append_tag(key.nonce(), Aad::empty(), &mut record).unwrap();
        let mut body = b64url_decode(HEADER).unwrap();
        body.extend(record);
        assert_eq!(decrypt(&ua_key(), &ua_public, &auth, &body), Err(WebPushError::Malformed("not the last record")));
    }

    #[test]
    fn padding_after_the_delimiter_is_removed() {
        let as_private = PrivateKey::from_private_key(&ECDH_P256, &bytes::<32>(AS_PRIVATE)).unwrap();
        let (ua_public, auth, salt) = (bytes::<65>(UA_PUBLIC), bytes::<16>(AUTH), bytes::<16>(SALT));
        let key = derive(&as_private, &ua_public, &ua_public, &bytes(AS_PUBLIC), &auth, &salt).unwrap();
        let mut record = b"hello\0\x02\0\0\0".to_vec();
        key.aead.seal_in_place_append_tag(key.nonce(), Aad::empty(), &mut record).unwrap();
        let mut body = b64url_decode(HEADER).unwrap();
        body.extend(record);
        assert_eq!(decrypt(&ua_key(), &ua_public, &auth, &body).unwrap(), b"hello\0");
    }
}
