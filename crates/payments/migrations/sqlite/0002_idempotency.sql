-- Idempotency-Key of POST requests, per user: the first response (status and body) is kept
-- 24 hours and replayed for the same request; a key in use by a request still running is
-- refused rather than run twice.
CREATE TABLE idempotency_keys (
    user_id BLOB NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status_code BIGINT,
    body TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- Webhook events already applied, by the processor's event id: a redelivery changes nothing.
CREATE TABLE processed_webhooks (
    event_id TEXT NOT NULL PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at TEXT NOT NULL
);
