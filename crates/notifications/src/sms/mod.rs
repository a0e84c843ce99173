//! Sending SMS. The delivery pipeline talks to one [`SmsSender`]: [`TwilioSender`] when a
//! Twilio account is configured, else [`OutboxSms`], which writes each message to a file so a
//! developer (or a test) can read the verification code it carries.
//!
//! A sender only says what happened; the pipeline decides what to do about it:
//! [`SmsError::Retry`] is worth another attempt later (the provider was down, slow, or asked us
//! to wait), [`SmsError::Rejected`] never is (a bad number, bad credentials, a body too long),
//! so retrying it would only bill or annoy someone.
//!
//! Message bodies carry verification codes: no sender logs them, nor the provider's secret.

mod outbox;
mod twilio;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

pub use outbox::OutboxSms;
pub use twilio::{TwilioSender, TwilioSettings};

/// Longest body sent, in characters: Twilio's limit for one (concatenated) message.
pub const MAX_BODY_CHARS: usize = 1600;

/// One SMS to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: kernel::Phone,
    pub body: String,
    /// The delivery's id, stable across retries: a sender that can deduplicate uses it.
    pub key: String,
}

impl fmt::Debug for Sms {
    /// Without the body: it may be a verification code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sms")
            .field("to", &self.to)
            .field("body", &format_args!("[{} chars]", self.body.chars().count()))
            .field("key", &self.key)
            .finish()
    }
}

/// What the provider said once it took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSent {
    /// The provider's id of the message (Twilio's `SM…` sid), when it gave one.
    pub provider_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// Not sent this time; worth trying again (after `after`, when the provider said).
    Retry { reason: String, after: Option<Duration> },
    /// Refused for good: trying again would fail the same way.
    Rejected(String),
}

impl fmt::Display for SmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsError::Retry { reason, after: Some(after) } => {
                write!(f, "{reason} (retry after {} s)", after.as_secs())
            }
            SmsError::Retry { reason, after: None } => f.write_str(reason),
            SmsError::Rejected(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for SmsError {}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, sms: &Sms) -> Result<SmsSent, SmsError>;
}

/// What every sender refuses before trying: an empty body, or one too long for one message.
fn check_body(sms: &Sms) -> Result<(), SmsError> {
    let chars = sms.body.chars().count();
    if sms.body.trim().is_empty() {
        return Err(SmsError::Rejected("the message body is empty".into()));
    }
    if chars > MAX_BODY_CHARS {
        return Err(SmsError::Rejected(format!(
            "the message body has {chars} characters; at most {MAX_BODY_CHARS} are sent"
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn sms(body: &str) -> Sms {
        Sms { to: kernel::Phone::parse("+33612345678").unwrap(), body: body.into(), key: "k".into() }
    }

    #[test]
    fn bodies_are_checked_in_characters() {
        assert!(check_body(&sms(&"é".repeat(MAX_BODY_CHARS))).is_ok());
        assert!(matches!(check_body(&sms(&"a".repeat(MAX_BODY_CHARS + 1))), Err(SmsError::Rejected(_))));
        assert!(matches!(check_body(&sms(" \n")), Err(SmsError::Rejected(_))));
    }

    #[test]
    fn debug_never_shows_the_body() {
        let shown = format!("{:?}", sms("Your Sojourn code is 987650"));
        assert!(!shown.contains("987650"), "{shown}");
        assert!(shown.contains("+33612345678") && shown.contains("[27 chars]"), "{shown}");
    }
}
