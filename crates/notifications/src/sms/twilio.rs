//! Twilio's Messaging API: `POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! a form with `To`, `Body` and either `From` or `MessagingServiceSid`, HTTP Basic auth with
//! the account sid and auth token. Twilio answers 201 with the message (its `sid` is kept as
//! the delivery's provider reference) or an error `{ code, message }`.
//!
//! How an answer is classified decides whether someone gets the SMS twice or never: a 4xx is a
//! refusal that a retry would repeat (21211 invalid `To`, 20003 bad credentials), except 429
//! (too many requests, wait `Retry-After`); a 5xx, a timeout or a lost connection may be
//! Twilio's passing trouble and is retried. A 2xx whose body cannot be read is still a success:
//! the message was taken, and retrying would send it again.
//!
//! Twilio's API has no idempotency key for new messages, so [`super::Sms::key`] is not sent; a
//! timeout after Twilio took the message can mean a second SMS on retry, which is rare and
//! better than none for a verification code.

use std::time::Duration;

use async_trait::async_trait;
use platform::secrets::Secret;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Sms, SmsError, SmsSender, SmsSent, check_body};

/// Twilio's production API.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Longest error text kept from an answer (it goes to the delivery log).
const MESSAGE_CAP: usize = 300;

/// Longest `Retry-After` honoured: the pipeline's own backoff takes over beyond it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A Twilio account and who the messages come from.
#[derive(Debug, Clone)]
pub struct TwilioSettings {
    /// `https://api.twilio.com` ([`DEFAULT_API_BASE`]); a local fake in tests.
    pub api_base: String,
    /// `AC…`.
    pub account_sid: String,
    pub auth_token: Secret,
    /// The sending number (E.164), short code or alphanumeric sender id…
    pub from: Option<String>,
    /// …or a Messaging Service (`MG…`) that picks one: exactly one of the two is set.
    pub messaging_service_sid: Option<String>,
}

/// Who the message is from, as the form says it.
#[derive(Debug, Clone)]
enum Sender {
    From(String),
    Service(String),
}

pub struct TwilioSender {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: Secret,
    sender: Sender,
}

impl std::fmt::Debug for TwilioSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSender").field("url", &self.url).field("sender", &self.sender).finish_non_exhaustive()
    }
}

fn present(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl TwilioSender {
    /// Checks `settings` (a usable API base, an account sid fit for the URL, a token, exactly
    /// one of `from` and `messaging_service_sid`); `client` is shared with the other senders.
    pub fn new(settings: TwilioSettings, client: reqwest::Client) -> Result<Self, String> {
        let base = settings.api_base.trim().trim_end_matches('/');
        let base = if base.is_empty() { DEFAULT_API_BASE } else { base };
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(format!("the Twilio API base must be an http(s) URL, not `{base}`"));
        }
        let sid = settings.account_sid.trim();
        if sid.is_empty() || sid.len() > 64 || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("the Twilio account sid must be letters and digits (AC…)".into());
        }
        if settings.auth_token.expose().trim().is_empty() {
            return Err("the Twilio auth token is empty".into());
        }
        let sender = match (present(settings.from.as_ref()), present(settings.messaging_service_sid.as_ref())) {
            (Some(from), None) => Sender::From(from),
            (None, Some(service)) => Sender::Service(service),
            (Some(_), Some(_)) => {
                return Err("set either the Twilio `from` number or the messaging service sid, not both".into());
            }
            (None, None) => {
                return Err("the Twilio sender needs a `from` number or a messaging service sid".into());
            }
        };
        let bad = |v: &str| v.chars().any(char::is_control) || v.len() > 64;
        if let Sender::From(v) | Sender::Service(v) = &sender
            && bad(v)
        {
            return Err("the Twilio sender must be one short line".into());
        }
        Ok(Self {
            client,
            url: format!("{base}/2010-04-01/Accounts/{sid}/Messages.json"),
            account_sid: sid.to_owned(),
            auth_token: settings.auth_token,
            sender,
        })
    }

    /// `message` without the auth token, at most [`MESSAGE_CAP`] characters.
    fn clean(&self, message: &str) -> String {
        let token = self.auth_token.expose();
        let message = if token.is_empty() { message.to_owned() } else { message.replace(token, "[redacted]") };
        match message.char_indices().nth(MESSAGE_CAP) {
            Some((end, _)) => format!("{}…", &message[..end]),
            None => message,
        }
    }

    fn retry(&self, reason: &str, after: Option<Duration>) -> SmsError {
        SmsError::Retry { reason: self.clean(reason), after }
    }
}

/// `Retry-After` in seconds (Twilio sends seconds), capped at [`MAX_RETRY_AFTER`].
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: u64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// Twilio's `code` and `message` of an error answer, as one line.
fn twilio_error(status: StatusCode, body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let code = parsed.as_ref().and_then(|v| v.get("code")).and_then(Value::as_i64);
    let message = parsed.as_ref().and_then(|v| v.get("message")).and_then(Value::as_str).map(str::trim);
    match (code, message) {
        (Some(code), Some(message)) => format!("Twilio error {code}: {message}"),
        (Some(code), None) => format!("Twilio error {code} (HTTP {})", status.as_u16()),
        (None, Some(message)) => format!("Twilio answered {}: {message}", status.as_u16()),
        (None, None) => format!("Twilio answered {}", status.as_u16()),
    }
}

#[async_trait]
impl SmsSender for TwilioSender {
    async fn send(&self, sms: &Sms) -> Result<SmsSent, SmsError> {
        check_body(sms)?;
        let mut form = vec![("To", sms.to.as_str()), ("Body", sms.body.as_str())];
        match &self.sender {
            Sender::From(from) => form.push(("From", from)),
            Sender::Service(service) => form.push(("MessagingServiceSid", service)),
        }
        let response = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .timeout(TIMEOUT)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                let what = if e.is_timeout() { "timed out" } else { "unreachable" };
                // Without the URL: reqwest's message repeats it; the sid is not secret but is noise.
                self.retry(&format!("Twilio {what}: {}", e.without_url()), None)
            })?;
        let status = response.status();
        let after = retry_after(response.headers());
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(_) if status.is_success() => {
                // Taken, only the answer was lost: not worth a second SMS.
                tracing::warn!(to = %sms.to, key = %sms.key, "Twilio took an SMS but its answer was lost");
                return Ok(SmsSent { provider_ref: None });
            }
            Err(e) => return Err(self.retry(&format!("Twilio answer interrupted: {}", e.without_url()), after)),
        };
        if status.is_success() {
            let sid = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("sid").and_then(Value::as_str).map(str::to_owned));
            if sid.is_none() {
                tracing::warn!(to = %sms.to, key = %sms.key, "Twilio took an SMS without saying its sid");
            }
            return Ok(SmsSent { provider_ref: sid });
        }
        let reason = self.clean(&twilio_error(status, &body));
        if status == StatusCode::TOO_MANY_REQUESTS || !status.is_client_error() {
            return Err(SmsError::Retry { reason, after });
        }
        Err(SmsError::Rejected(reason))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn settings() -> TwilioSettings {
        TwilioSettings {
            api_base: "http://127.0.0.1:9/".into(),
            account_sid: "AC0123456789abcdef0123456789abcdef".into(),
            auth_token: Secret::new("token-0123456789"),
            from: Some("+15005550006".into()),
            messaging_service_sid: None,
        }
    }

    #[test]
    fn exactly_one_sender_and_usable_credentials() {
        let client = reqwest::Client::new();
        let s = TwilioSender::new(settings(), client.clone()).unwrap();
        assert_eq!(s.url, "http://127.0.0.1:9/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
        let service = TwilioSettings { from: None, messaging_service_sid: Some("MG123".into()), ..settings() };
        assert!(TwilioSender::new(service, client.clone()).is_ok());
        let both = TwilioSettings { messaging_service_sid: Some("MG123".into()), ..settings() };
        assert!(TwilioSender::new(both, client.clone()).unwrap_err().contains("not both"));
        let neither = TwilioSettings { from: Some("  ".into()), ..settings() };
        assert!(TwilioSender::new(neither, client.clone()).is_err());
        let no_token = TwilioSettings { auth_token: Secret::new(""), ..settings() };
        assert!(TwilioSender::new(no_token, client.clone()).is_err());
        let odd_sid = TwilioSettings { account_sid: "AC12/../x".into(), ..settings() };
        assert!(TwilioSender::new(odd_sid, client.clone()).is_err());
        let ftp = TwilioSettings { api_base: "ftp://twilio".into(), ..settings() };
        assert!(TwilioSender::new(ftp, client.clone()).is_err());
        let default = TwilioSettings { api_base: String::new(), ..settings() };
        assert!(TwilioSender::new(default, client).unwrap().url.starts_with("https://api.twilio.com/2010-04-01/"));
    }

    #[test]
    fn the_token_never_reaches_an_error() {
        let s = TwilioSender::new(settings(), reqwest::Client::new()).unwrap();
        assert_eq!(s.clean("bad token-0123456789 here"), "bad [redacted] here");
        assert_eq!(s.clean(&"x".repeat(1000)).chars().count(), MESSAGE_CAP + 1);
        assert!(!format!("{s:?}").contains("token-0123456789"));
    }

    #[test]
    fn errors_name_twilio_s_code() {
        let body =
            br#"{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "status": 400}"#;
        assert_eq!(
            twilio_error(StatusCode::BAD_REQUEST, body),
            "Twilio error 21211: The 'To' number +1555 is not a valid phone number."
        );
        assert_eq!(twilio_error(StatusCode::BAD_GATEWAY, b"<html>"), "Twilio answered 502");
    }

    #[test]
    fn retry_after_is_seconds_and_capped() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(reqwest::header::RETRY_AFTER, "999999".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
