//! `notifications.*`: the delivery pipeline behind email, SMS and web push — where links point,
//! how the worker retries, quiet hours, and the SMS and push providers. Email itself is the
//! platform's `mail.*` (outbox or SMTP). Secrets: `notifications_link_key` (signs unsubscribe
//! links), `vapid_private_key` (web push), `twilio_auth_token` (SMS through Twilio).

use serde::{Deserialize, Serialize};

use super::ConfigError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Where the links in messages lead (the web app), without a trailing `/`; unset: the
    /// server's public URL.
    pub web_url: Option<String>,
    /// Whether this process works off the delivery queue. Off, deliveries wait in the
    /// database for a process that does.
    pub worker_enabled: bool,
    /// Deliveries sent at once by one worker.
    pub worker_concurrency: usize,
    /// How long a delivery is retried (exponential backoff) before it is marked failed.
    pub retry_hours: u64,
    /// A new message is mailed only if still unread after this long.
    pub message_email_delay_secs: u64,
    /// Trip reminders go this long before check-in.
    pub reminder_hours: u64,
    /// The check-in time a stay's reminder counts from, on the listing's clock (`HH:MM`), when
    /// the reservation names none.
    pub default_check_in: String,
    /// Quiet hours for SMS and push on each reader's clock (`HH:MM`), unless they set theirs.
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    pub sms: SmsConfig,
    pub push: PushConfig,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            web_url: None,
            worker_enabled: true,
            worker_concurrency: 16,
            retry_hours: 24,
            message_email_delay_secs: 600,
            reminder_hours: 24,
            default_check_in: "15:00".into(),
            quiet_hours_start: "22:00".into(),
            quiet_hours_end: "08:00".into(),
            sms: SmsConfig::default(),
            push: PushConfig::default(),
        }
    }
}

/// Where SMS go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    /// Written to `<data_dir>/sms/outbox/`, one file each (the embedded default).
    Outbox,
    /// Twilio's Messaging API (`twilio_auth_token` secret).
    Twilio,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    pub provider: SmsProvider,
    /// `https://api.twilio.com`, or a local fake in tests.
    pub twilio_api_base: String,
    pub twilio_account_sid: Option<String>,
    /// The sending number (E.164) — or, instead, a Messaging Service.
    pub twilio_from: Option<String>,
    pub twilio_messaging_service_sid: Option<String>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            provider: SmsProvider::Outbox,
            twilio_api_base: "https://api.twilio.com".into(),
            twilio_account_sid: None,
            twilio_from: None,
            twilio_messaging_service_sid: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// Whether web push is offered (a VAPID key is then needed: `vapid_private_key`).
    pub enabled: bool,
    /// Who push services can contact about our pushes (RFC 8292 `sub`): `mailto:` or `https:`.
    pub vapid_subject: String,
    /// How long a push service keeps an undelivered message (seconds).
    pub ttl_secs: u32,
    /// Accept subscription endpoints on private or loopback addresses, and plain `http://`
    /// (tests with a local push service only: the server POSTs to these URLs).
    pub allow_private_endpoints: bool,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            vapid_subject: "mailto:notifications@sojourn.invalid".into(),
            ttl_secs: 86_400,
            allow_private_endpoints: false,
        }
    }
}

/// Minutes after midnight of an `HH:MM` time.
pub fn minutes_of(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

pub(super) fn validate(config: &NotificationsConfig) -> Result<(), ConfigError> {
    if let Some(url) = &config.web_url
        && (!(url.starts_with("http://") || url.starts_with("https://")) || url.ends_with('/'))
    {
        return Err(ConfigError::key("notifications.web_url", "must be an http(s):// URL without a trailing /"));
    }
    if !(1..=256).contains(&config.worker_concurrency) {
        return Err(ConfigError::key("notifications.worker_concurrency", "must be between 1 and 256"));
    }
    if !(1..=168).contains(&config.retry_hours) {
        return Err(ConfigError::key("notifications.retry_hours", "must be between 1 and 168"));
    }
    if config.message_email_delay_secs > 86_400 {
        return Err(ConfigError::key("notifications.message_email_delay_secs", "must be at most 86400"));
    }
    if !(1..=336).contains(&config.reminder_hours) {
        return Err(ConfigError::key("notifications.reminder_hours", "must be between 1 and 336"));
    }
    for (key, value) in [
        ("notifications.default_check_in", &config.default_check_in),
        ("notifications.quiet_hours_start", &config.quiet_hours_start),
        ("notifications.quiet_hours_end", &config.quiet_hours_end),
    ] {
        if minutes_of(value).is_none() {
            return Err(ConfigError::key(key, "must be a time HH:MM"));
        }
    }
    let sms = &config.sms;
    if !(sms.twilio_api_base.starts_with("http://") || sms.twilio_api_base.starts_with("https://")) {
        return Err(ConfigError::key("notifications.sms.twilio_api_base", "must be an http(s):// URL"));
    }
    if sms.provider == SmsProvider::Twilio {
        if sms.twilio_account_sid.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::key(
                "notifications.sms.twilio_account_sid",
                "is required with the twilio provider",
            ));
        }
        if sms.twilio_from.is_some() == sms.twilio_messaging_service_sid.is_some() {
            return Err(ConfigError::key(
                "notifications.sms.twilio_from",
                "set exactly one of twilio_from and twilio_messaging_service_sid",
            ));
        }
    }
    let push = &config.push;
    if !(push.vapid_subject.starts_with("mailto:") || push.vapid_subject.starts_with("https://")) {
        return Err(ConfigError::key("notifications.push.vapid_subject", "must be a mailto: or https: URL"));
    }
    if !(1..=2_419_200).contains(&push.ttl_secs) {
        return Err(ConfigError::key("notifications.push.ttl_secs", "must be between 1 and 2419200 (28 days)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_key() {
        assert!(validate(&NotificationsConfig::default()).is_ok());
        let bad = NotificationsConfig { quiet_hours_start: "25:00".into(), ..NotificationsConfig::default() };
        assert!(validate(&bad).unwrap_err().to_string().contains("notifications.quiet_hours_start"));
        let mut twilio = NotificationsConfig::default();
        twilio.sms.provider = SmsProvider::Twilio;
        assert!(validate(&twilio).unwrap_err().to_string().contains("twilio_account_sid"));
        twilio.sms.twilio_account_sid = Some("AC123".into());
        assert!(validate(&twilio).unwrap_err().to_string().contains("twilio_from"));
        twilio.sms.twilio_from = Some("+15005550006".into());
        assert!(validate(&twilio).is_ok());
        assert_eq!(minutes_of("08:30"), Some(510));
        assert_eq!(minutes_of("8:30"), None);
    }
}
