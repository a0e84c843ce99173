-- The bookings payments are for, as booking's events describe them (a reservation, or a
-- DreamScape booking of several items under a DS- reference): what administrators see of a
-- payment's booking, and the id DreamScape clients know a booking by. `status` is DreamScape's
-- BookingStatus as payments last heard it; `kind` the reservation's kind (NULL for DS- bookings).
CREATE TABLE payment_bookings (
    id UUID PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    user_id UUID NOT NULL,
    kind TEXT,
    status TEXT NOT NULL,
    total BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- When a payment was captured or failed, read from the audit log per payment.
CREATE INDEX audit_log_subject ON audit_log (subject, action);
