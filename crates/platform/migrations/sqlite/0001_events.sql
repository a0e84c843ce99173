-- The transactional outbox: events are written here in the same transaction as the state
-- change they describe, and a relay publishes them afterwards (at least once).
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BLOB NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    available_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;

-- Consumer-side dedupe: an event id recorded here for a consumer is never handled again.
CREATE TABLE processed_events (
    consumer TEXT NOT NULL,
    event_id BLOB NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
