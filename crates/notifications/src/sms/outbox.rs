//! The SMS sender without a provider: each message becomes `<dir>/<key>.txt`,
//!
//! ```text
//! To: +33612345678
//! Key: 0190f3c2-…
//!
//! Your Sojourn code is 123456
//! ```
//!
//! so a developer reads their verification code and tests read what was sent. The file is
//! named after the delivery's key and written whole (a temporary file, then a rename), so a
//! retry of the same delivery replaces it: one delivery is one file, never half of one.

use std::path::PathBuf;

use async_trait::async_trait;

use super::{Sms, SmsError, SmsSender, SmsSent, check_body};

pub struct OutboxSms {
    dir: PathBuf,
}

impl std::fmt::Debug for OutboxSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxSms").field("dir", &self.dir).finish()
    }
}

impl OutboxSms {
    /// Writes into `dir` (created when first needed); by convention `<data_dir>/sms/outbox`.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// `<data_dir>/sms/outbox`.
    pub fn outbox(data_dir: &std::path::Path) -> PathBuf {
        data_dir.join("sms").join("outbox")
    }
}

/// A key usable as a file name as it is: letters, digits, `-`, `_`, `.`, not starting with a
/// dot (no hidden files, no `..`), at most 128 characters.
fn file_safe(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 128
        && !key.starts_with('.')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The file's text.
fn render(sms: &Sms) -> String {
    format!("To: {}\nKey: {}\n\n{}\n", sms.to, sms.key, sms.body)
}

#[async_trait]
impl SmsSender for OutboxSms {
    async fn send(&self, sms: &Sms) -> Result<SmsSent, SmsError> {
        check_body(sms)?;
        if !file_safe(&sms.key) {
            return Err(SmsError::Rejected("the delivery key cannot name a file".into()));
        }
        let io = |what: &str, e: std::io::Error| SmsError::Retry {
            reason: format!("could not {what} the SMS outbox: {}", e.kind()),
            after: None,
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| io("create", e))?;
        let target = self.dir.join(format!("{}.txt", sms.key));
        // Unique per attempt: two workers retrying the same key never write one temporary file.
        let tmp = self.dir.join(format!(".{}.{}.tmp", sms.key, kernel::new_id().simple()));
        if let Err(e) = tokio::fs::write(&tmp, render(sms)).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io("write to", e));
        }
        if let Err(e) = tokio::fs::rename(&tmp, &target).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io("write to", e));
        }
        Ok(SmsSent { provider_ref: None })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_plain_file_names() {
        for good in ["0190f3c2-7a1b-7c3d-9e4f-0123456789ab", "sms_1", "a.b"] {
            assert!(file_safe(good), "{good}");
        }
        for bad in ["", ".hidden", "..", "../x", "a/b", "a\\b", "a b", "é", &"k".repeat(129)] {
            assert!(!file_safe(bad), "{bad}");
        }
    }
}
