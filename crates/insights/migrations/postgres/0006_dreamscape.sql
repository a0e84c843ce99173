-- What DreamScape's admin dashboard (/api/v1/admin/dashboard/stats, revenue-chart,
-- bookings-by-destination) needs beyond the other facts: DreamScape bookings by reference
-- (booking's voyage.* events) and the reservations they hold, the booking references whose
-- payment was opened (payments' payment.created), and which payment each capture and refund
-- belongs to (revenue is net of each payment's refunds).

-- A DreamScape booking by reference. `state` is booking's (pending_payment, paid, cancelled,
-- failed); `status` DreamScape's BookingStatus derived from it, from whether its payment was
-- opened and from its reservations' states (kernel::dreamscape::trip_status), kept current by
-- every event that changes one of them. `destination` is its first reservation's that has one.
CREATE TABLE insights_trips (
    id UUID NOT NULL PRIMARY KEY,
    reference TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    destination TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX insights_trips_reference ON insights_trips (reference);
CREATE INDEX insights_trips_created ON insights_trips (created_at);

-- The reservations a DreamScape booking holds: they count through it, never alone.
CREATE TABLE insights_trip_parts (
    reservation_id UUID NOT NULL PRIMARY KEY,
    trip_id UUID NOT NULL
);
CREATE INDEX insights_trip_parts_trip ON insights_trip_parts (trip_id);

-- Booking references whose payment was opened (a DreamScape booking leaves DRAFT then), kept
-- even when the payment is heard of before the booking.
CREATE TABLE insights_payment_refs (
    reference TEXT NOT NULL PRIMARY KEY,
    opened_at TIMESTAMPTZ NOT NULL
);

-- The payment intent a capture or a refund belongs to (NULL for other movements, and for
-- refunds recorded before this migration).
ALTER TABLE insights_money ADD COLUMN payment_id TEXT;
CREATE INDEX insights_money_payment ON insights_money (payment_id, kind);
