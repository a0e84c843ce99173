//! Notifications: the in-app inbox (`/api/v1/users/notifications`) and per-type, per-channel
//! preferences (`/api/v1/users/notification-preferences`, DreamScape's 7-key view, and
//! `…/channels`, the whole grid). The inbox is filled from other contexts' events (identity's
//! `user.*`, booking's `booking.*` and `order.*`, reviews' `review.*`, payments' `payment.*`
//! and `payout.*`, messaging's `message.*`), by trip reminders planned from confirmations, and
//! by other services through the internal route.
//! Identity's profile events also tell it each reader's language, so notices are written in it.

pub mod delivery;
pub mod domain;
pub mod email;
mod events;
mod http;
mod identity_mail;
mod privacy;
mod push;
mod service;
pub mod sms;
mod store;
pub mod webpush;

use std::sync::Arc;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::{
    IDENTITY_CONSUMER, INBOX_CONSUMER, MESSAGES_CONSUMER, ORDERS_CONSUMER, PAYMENTS_CONSUMER, PAYOUTS_CONSUMER,
    REVIEWS_CONSUMER,
};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "inbox",
        sqlite: include_str!("../migrations/sqlite/0001_inbox.sql"),
        postgres: include_str!("../migrations/postgres/0001_inbox.sql"),
    },
    Migration {
        version: 2,
        name: "readers",
        sqlite: include_str!("../migrations/sqlite/0002_readers.sql"),
        postgres: include_str!("../migrations/postgres/0002_readers.sql"),
    },
    Migration {
        version: 3,
        name: "cancellation_preferences",
        sqlite: include_str!("../migrations/sqlite/0003_cancellation_preferences.sql"),
        postgres: include_str!("../migrations/postgres/0003_cancellation_preferences.sql"),
    },
    Migration {
        version: 4,
        name: "delivery",
        sqlite: include_str!("../migrations/sqlite/0004_delivery.sql"),
        postgres: include_str!("../migrations/postgres/0004_delivery.sql"),
    },
];

/// The notifications context.
#[derive(Debug, Clone, Copy)]
pub struct Notifications;

#[async_trait]
impl Context for Notifications {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn secrets(&self) -> &'static [&'static str] {
        &[delivery::links::LINK_KEY_SECRET, VAPID_SECRET]
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        // Optional here: without it only administrators can use the internal route.
        let internal_key =
            env.secrets.get(platform::contracts::http::INTERNAL_API_KEY).cloned().map(std::sync::Arc::new);
        let push = Arc::new(push::Pusher::new(env.realtime.clone()));
        let pipeline = Arc::new(pipeline(env)?);
        env.metrics.register(pipeline.metrics.clone());
        let vapid = vapid(env)?;
        let push_channel = match &vapid {
            Some(vapid) => Some(delivery::send::PushChannel {
                client: webpush::http_client(env.config.notifications.push.allow_private_endpoints)
                    .map_err(|e| StartError::Context("notifications".into(), e.to_string()))?,
                vapid: vapid.clone(),
                ttl_secs: env.config.notifications.push.ttl_secs,
                allow_private: env.config.notifications.push.allow_private_endpoints,
            }),
            None => None,
        };
        let senders = Arc::new(delivery::send::Senders {
            db: env.db.clone(),
            mailer: env.mailer.clone(),
            sms: sms_sender(env)?,
            push: push_channel,
        });
        if env.config.notifications.worker_enabled {
            let worker = delivery::worker::Worker {
                db: env.db.clone(),
                senders,
                pipeline: pipeline.clone(),
                clock: env.clock.clone(),
                concurrency: env.config.notifications.worker_concurrency,
            };
            env.background.spawn(|stop| worker.run(stop));
            // Reminders are made where deliveries are worked off: a process that leaves the
            // queue to others leaves them these too.
            let sweep = delivery::reminders::Sweep {
                db: env.db.clone(),
                clock: env.clock.clone(),
                pipeline: pipeline.clone(),
                push: push.clone(),
            };
            sweep.spawn(delivery::reminders::SWEEP_EVERY);
        }
        let state = http::State {
            db: env.db.clone(),
            clock: env.clock.clone(),
            internal_key,
            push: push.clone(),
            pipeline: pipeline.clone(),
            vapid,
            allow_private_endpoints: env.config.notifications.push.allow_private_endpoints,
        };
        env.personal_data.register("notifications", Arc::new(privacy::NotificationsData { db: env.db.clone() }));
        let filler =
            || events::InboxFiller { clock: env.clock.clone(), push: push.clone(), pipeline: pipeline.clone() };
        let subscriptions = vec![
            Subscription::new(INBOX_CONSUMER, "user.*", env.db.clone(), filler()),
            Subscription::new(events::BOOKINGS_CONSUMER, "booking.*", env.db.clone(), filler()),
            Subscription::new(events::REVIEWS_CONSUMER, "review.*", env.db.clone(), filler()),
            // Its own consumer: booking announces menu orders as `order.*`, apart from bookings.
            Subscription::new(ORDERS_CONSUMER, "order.*", env.db.clone(), filler()),
            Subscription::new(events::IDENTITY_CONSUMER, "identity.*", env.db.clone(), filler()),
            Subscription::new(PAYMENTS_CONSUMER, "payment.*", env.db.clone(), filler()),
            Subscription::new(PAYOUTS_CONSUMER, "payout.*", env.db.clone(), filler()),
            Subscription::new(MESSAGES_CONSUMER, "message.*", env.db.clone(), filler()),
        ];
        Ok(Mounted { router: http::routes().with_state(state), subscriptions })
    }
}

/// The VAPID key web push signs with (`vapid_private_key`), when push is on.
fn vapid(env: &ContextEnv) -> Result<Option<Arc<webpush::Vapid>>, StartError> {
    let push = &env.config.notifications.push;
    if !push.enabled {
        return Ok(None);
    }
    let fail = |m: String| StartError::Context("notifications".into(), m);
    let secret = env.secrets.get(VAPID_SECRET).ok_or_else(|| fail("vapid_private_key is not set".into()))?;
    let vapid = webpush::Vapid::from_secret(secret.expose(), push.vapid_subject.clone())
        .map_err(|e| fail(format!("vapid_private_key: {e}")))?;
    if vapid.key_source() == webpush::KeySource::Derived && env.config.mode == platform::config::Mode::Production {
        tracing::warn!("vapid_private_key is not a base64url P-256 key: a key was derived from it");
    }
    Ok(Some(Arc::new(vapid)))
}

/// Where SMS go: Twilio (`notifications.sms.provider = "twilio"`), else the on-disk outbox.
fn sms_sender(env: &ContextEnv) -> Result<Arc<dyn sms::SmsSender>, StartError> {
    let c = &env.config.notifications.sms;
    let fail = |m: String| StartError::Context("notifications".into(), m);
    Ok(match c.provider {
        platform::config::SmsProvider::Outbox => {
            Arc::new(sms::OutboxSms::new(sms::OutboxSms::outbox(&env.config.data_dir)))
        }
        platform::config::SmsProvider::Twilio => {
            let token =
                env.secrets.get(TWILIO_SECRET).cloned().ok_or_else(|| fail("twilio_auth_token is not set".into()))?;
            let settings = sms::TwilioSettings {
                api_base: c.twilio_api_base.clone(),
                account_sid: c.twilio_account_sid.clone().unwrap_or_default(),
                auth_token: token,
                from: c.twilio_from.clone(),
                messaging_service_sid: c.twilio_messaging_service_sid.clone(),
            };
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .map_err(|e| fail(e.to_string()))?;
            Arc::new(sms::TwilioSender::new(settings, client).map_err(fail)?)
        }
    })
}

/// Twilio's auth token (an issued secret), needed with the twilio SMS provider only.
pub const TWILIO_SECRET: &str = "twilio_auth_token";

/// The secret web push signs with (RFC 8292).
pub const VAPID_SECRET: &str = "vapid_private_key";

/// The delivery pipeline's settings, from `notifications.*` and the link-signing secret.
fn pipeline(env: &ContextEnv) -> Result<delivery::Pipeline, StartError> {
    let c = &env.config.notifications;
    let fail = |m: &str| StartError::Context("notifications".into(), m.to_owned());
    let key =
        env.secrets.get(delivery::links::LINK_KEY_SECRET).ok_or_else(|| fail("notifications_link_key is not set"))?;
    let api_url = env.config.server.public_url();
    let web_url = c.web_url.clone().unwrap_or_else(|| api_url.clone());
    let minutes = |v: &str| platform::config::minutes_of(v).unwrap_or(0);
    Ok(delivery::Pipeline {
        links: delivery::links::Links::new(web_url, api_url, key.expose().as_bytes()),
        retry_for: chrono::Duration::hours(i64::try_from(c.retry_hours).unwrap_or(24)),
        message_delay: chrono::Duration::seconds(i64::try_from(c.message_email_delay_secs).unwrap_or(600)),
        reminder_before: chrono::Duration::hours(i64::try_from(c.reminder_hours).unwrap_or(24)),
        default_check_in: minutes(&c.default_check_in),
        quiet_default: delivery::quiet::QuietHours {
            enabled: true,
            start: minutes(&c.quiet_hours_start),
            end: minutes(&c.quiet_hours_end),
        },
        push_enabled: c.push.enabled,
        wake: Arc::default(),
        metrics: Arc::default(),
    })
}
