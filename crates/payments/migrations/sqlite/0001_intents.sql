-- What each reservation owes, from booking's events: payments never reads booking's tables.
CREATE TABLE payables (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    guest_id BLOB NOT NULL,
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    instant_book BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Payment intents, with Stripe's states. `capture_method` is `automatic` (instant book) or
-- `manual` (request to book: authorised, captured when the host accepts).
CREATE TABLE payment_intents (
    id TEXT NOT NULL PRIMARY KEY,
    client_secret TEXT NOT NULL,
    user_id BLOB NOT NULL,
    reservation_id BLOB NOT NULL,
    booking_reference TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    capture_method TEXT NOT NULL,
    provider TEXT NOT NULL,
    last_error TEXT,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX payment_intents_user ON payment_intents (user_id, created_at);
CREATE INDEX payment_intents_reservation ON payment_intents (reservation_id);
