//! Secrets the server must read back (TOTP seeds) are stored sealed: AES-256-GCM under a key
//! derived from the `identity_data_key` secret, with the owner's id as associated data, so a
//! copied database row is useless without the key and cannot be moved to another account.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Name of the secret the sealing key is derived from.
pub const KEY_SECRET: &str = "identity_data_key";
const PREFIX: &str = "v1:";

pub struct Sealer {
    key: LessSafeKey,
}

#[derive(Debug, thiserror::Error)]
#[error("sealing failed")]
pub struct SealError;

impl Sealer {
    pub fn new(secret: &str) -> Result<Self, SealError> {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(b"sojourn/identity/sealed/v1\0");
        ctx.update(secret.as_bytes());
        let key = UnboundKey::new(&AES_256_GCM, ctx.finish().as_ref()).map_err(|_| SealError)?;
        Ok(Self { key: LessSafeKey::new(key) })
    }

    pub fn seal(&self, plain: &str, owner: Uuid) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| SealError)?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(owner.as_bytes()), &mut data)
            .map_err(|_| SealError)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// The plain value, or `None` if it was sealed under another key or for another owner.
    pub fn open(&self, sealed: &str, owner: Uuid) -> Option<String> {
        let raw = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(owner.as_bytes()), &mut data).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_bound_to_key_and_owner() {
        let sealer = Sealer::new(&"k".repeat(40)).unwrap();
        let owner = kernel::new_id();
        let sealed = sealer.seal("JBSWY3DPEHPK3PXP", owner).unwrap();
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(sealer.open(&sealed, owner).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealer.seal("JBSWY3DPEHPK3PXP", owner).unwrap(), sealed, "fresh nonce each time");
        assert_eq!(sealer.open(&sealed, kernel::new_id()), None, "another account");
        assert_eq!(Sealer::new(&"o".repeat(40)).unwrap().open(&sealed, owner), None, "another key");
        assert_eq!(sealer.open("JBSWY3DPEHPK3PXP", owner), None, "not sealed");
        assert_eq!(sealer.open("v1:AAAA", owner), None);
    }
}
