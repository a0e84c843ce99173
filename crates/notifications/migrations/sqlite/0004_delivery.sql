-- Channels beyond the inbox: one durable queue of deliveries (email, SMS, web push), written in
-- the same transaction as the notice that asks for them, worked off by the delivery worker.

-- What sending needs to know about a reader, learnt from identity's events (never asked).
ALTER TABLE notification_readers ADD COLUMN email TEXT;
ALTER TABLE notification_readers ADD COLUMN first_name TEXT;
-- E.164, set only once the number is verified (`user.phone_verified`): SMS go nowhere else.
ALTER TABLE notification_readers ADD COLUMN phone TEXT;
-- IANA zone of the reader's profile: quiet hours are on their clock.
ALTER TABLE notification_readers ADD COLUMN timezone TEXT;
-- Quiet hours for SMS and push, minutes after local midnight; NULL: the defaults.
ALTER TABLE notification_readers ADD COLUMN quiet_enabled BOOLEAN;
ALTER TABLE notification_readers ADD COLUMN quiet_start INTEGER;
ALTER TABLE notification_readers ADD COLUMN quiet_end INTEGER;
-- When the contact details were last set: an older event never overwrites a newer one.
ALTER TABLE notification_readers ADD COLUMN contact_at TEXT;

CREATE TABLE notification_deliveries (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB,
    notification_id BLOB,
    -- email | sms | push
    channel TEXT NOT NULL,
    -- The template (email) or notice type it renders.
    template TEXT NOT NULL,
    -- The preference type it follows; NULL: transactional (verification, reset, codes).
    topic TEXT,
    -- Address, E.164 number, or push subscription id.
    recipient TEXT NOT NULL,
    -- What to send, rendered (JSON). Cleared once done when `sensitive` (links, codes).
    payload TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    -- pending | sent | failed | cancelled
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    -- The next attempt is not before this.
    not_before TEXT NOT NULL,
    -- Set while a worker holds it: nobody else takes it before then.
    lease_until TEXT,
    give_up_at TEXT NOT NULL,
    last_error TEXT,
    provider_ref TEXT,
    -- What cancels it while pending (`conversation:<id>`: a message mail once read).
    hold_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    -- One delivery per notice (or event), channel and recipient, however often it is asked for.
    dedupe_key TEXT NOT NULL,
    CONSTRAINT notification_deliveries_dedupe_key_key UNIQUE (dedupe_key)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (not_before) WHERE status = 'pending';
CREATE INDEX notification_deliveries_user ON notification_deliveries (user_id, created_at);
CREATE INDEX notification_deliveries_hold ON notification_deliveries (hold_key) WHERE hold_key IS NOT NULL;

-- Browsers' push subscriptions (RFC 8030 endpoints with the RFC 8291 keys).
CREATE TABLE push_subscriptions (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    user_agent TEXT,
    created_at TEXT NOT NULL,
    last_success_at TEXT,
    CONSTRAINT push_subscriptions_endpoint_key UNIQUE (endpoint)
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Trip reminders to send before check-in, from booking's confirmations.
CREATE TABLE notification_reminders (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    due_at TEXT NOT NULL,
    -- The reservation as the confirmation carried it (JSON), to write the reminder from.
    reservation TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX notification_reminders_due ON notification_reminders (due_at) WHERE sent_at IS NULL;
