-- DreamScape's admin back-office: when a suspension began, and the traveller category.
ALTER TABLE users ADD COLUMN suspended_at TEXT;
ALTER TABLE users ADD COLUMN user_category TEXT NOT NULL DEFAULT 'leisure';

-- The administrators' read model of bookings, fed by the booking context's events
-- (`booking.*` for reservations, `voyage.*` for DreamScape bookings by reference). A
-- reservation checked out inside a DreamScape booking names it in `trip_id`, and is then
-- counted through that booking only.
CREATE TABLE admin_bookings (
    id BLOB NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    user_id BLOB NOT NULL,
    booking_type TEXT NOT NULL,
    -- Booking's own state (a reservation's status; a trip's pending_payment, paid, cancelled, failed).
    state TEXT NOT NULL,
    -- DreamScape's status (DRAFT, PENDING_PAYMENT, PENDING, CONFIRMED, COMPLETED, CANCELLED, FAILED).
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    destination TEXT,
    trip_id BLOB,
    payment_opened BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX admin_bookings_created ON admin_bookings (created_at);
CREATE INDEX admin_bookings_user ON admin_bookings (user_id, created_at);
CREATE INDEX admin_bookings_reference ON admin_bookings (reference);
CREATE INDEX admin_bookings_trip ON admin_bookings (trip_id);

-- Which reservations a DreamScape booking holds (from `voyage.created`), whichever of the two
-- events arrives first.
CREATE TABLE admin_booking_parts (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    trip_id BLOB NOT NULL
);

-- The administrators' read model of payments, fed by the payments context's `payment.*` events.
CREATE TABLE admin_payments (
    id TEXT NOT NULL PRIMARY KEY,
    user_id BLOB,
    booking_reference TEXT NOT NULL,
    amount BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    currency TEXT NOT NULL,
    -- DreamScape's PaymentTransactionStatus.
    status TEXT NOT NULL,
    payment_method TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX admin_payments_created ON admin_payments (created_at);
CREATE INDEX admin_payments_user ON admin_payments (user_id, created_at);
