-- Product orders shipped to the guest (docs/booking.md, "Product orders: shipping and delivery").

-- Where an order goes. Its own table: erasure removes the person's details (everything but the
-- country, kept for the records) without touching the reservation, an accounting record.
CREATE TABLE delivery_addresses (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    name TEXT,
    line1 TEXT,
    line2 TEXT,
    city TEXT,
    postal_code TEXT,
    region TEXT,
    country TEXT NOT NULL,
    phone TEXT,
    erased_at TEXT,
    created_at TEXT NOT NULL
);

-- How it travels: the option chosen (as quoted) and how far it got. `status` moves
-- pending → shipped → delivered by guarded UPDATEs; `returned` (units back) and
-- `refunds_decided` (what their returns refund) move together, guarded by their old values.
CREATE TABLE shipments (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    option_name TEXT NOT NULL,
    price BIGINT NOT NULL,
    estimated_days BIGINT NOT NULL,
    status TEXT NOT NULL,
    carrier TEXT,
    tracking_number TEXT,
    tracking_url TEXT,
    shipped_at TEXT,
    delivered_at TEXT,
    returned BIGINT NOT NULL DEFAULT 0,
    refunds_decided BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- Each return of units and the refund it decided. `idem_key` is the seller's Idempotency-Key:
-- a repeated request answers the return it made.
CREATE TABLE shipment_returns (
    id BLOB NOT NULL PRIMARY KEY,
    reservation_id BLOB NOT NULL,
    quantity BIGINT NOT NULL,
    reason TEXT,
    refund_amount BIGINT NOT NULL,
    refund TEXT NOT NULL,
    idem_key TEXT,
    fingerprint TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX shipment_returns_reservation ON shipment_returns (reservation_id, created_at);
CREATE UNIQUE INDEX shipment_returns_key ON shipment_returns (reservation_id, idem_key);
