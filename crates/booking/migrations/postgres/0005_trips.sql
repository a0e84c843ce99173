-- DreamScape's cart: items of our listings (a reservation body) and supplier offers, priced
-- by the server; emptied after `booking.cart_idle_minutes` without a change.
CREATE TABLE carts (
    user_id UUID NOT NULL PRIMARY KEY,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE cart_items (
    id UUID NOT NULL PRIMARY KEY,
    user_id UUID NOT NULL,
    item_type TEXT NOT NULL,
    item_data JSONB NOT NULL,
    title TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    total BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cart_items_user ON cart_items (user_id, created_at);

-- A checked-out cart: one booking reference (DS-XXXXXXXX), one payment, several items (our
-- reservations, held at checkout, and supplier offers, booked once paid).
CREATE TABLE trips (
    id UUID NOT NULL PRIMARY KEY,
    reference TEXT NOT NULL,
    user_id UUID NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    supplier_amount BIGINT NOT NULL,
    paid BIGINT NOT NULL DEFAULT 0,
    refunded BIGINT NOT NULL DEFAULT 0,
    payment_intent_id TEXT,
    contact_email TEXT,
    passengers JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT trips_reference UNIQUE (reference)
);
CREATE INDEX trips_user ON trips (user_id, created_at);

CREATE TABLE trip_items (
    id UUID NOT NULL PRIMARY KEY,
    trip_id UUID NOT NULL,
    position BIGINT NOT NULL,
    item_type TEXT NOT NULL,
    title TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    reservation_id UUID,
    offer JSONB,
    status TEXT NOT NULL,
    supplier_ref TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX trip_items_trip ON trip_items (trip_id, position);
CREATE INDEX trip_items_reservation ON trip_items (reservation_id);

-- Checkout's Idempotency-Key, per user: the same key gives the same booking.
CREATE TABLE trip_keys (
    user_id UUID NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    trip_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
