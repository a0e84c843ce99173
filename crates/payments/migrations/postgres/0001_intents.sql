-- What each reservation owes, from booking's events: payments never reads booking's tables.
CREATE TABLE payables (
    reservation_id UUID PRIMARY KEY,
    guest_id UUID NOT NULL,
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    instant_book BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Payment intents, with Stripe's states. `capture_method` is `automatic` (instant book) or
-- `manual` (request to book: authorised, captured when the host accepts).
CREATE TABLE payment_intents (
    id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    user_id UUID NOT NULL,
    reservation_id UUID NOT NULL,
    booking_reference TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    capture_method TEXT NOT NULL,
    provider TEXT NOT NULL,
    last_error TEXT,
    metadata JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_intents_user ON payment_intents (user_id, created_at);
CREATE INDEX payment_intents_reservation ON payment_intents (reservation_id);
