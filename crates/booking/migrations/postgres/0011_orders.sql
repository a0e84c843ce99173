-- Menu orders. Each is also a reservation row (unit_key `order:<mode>`), which carries its
-- money through the reservation machinery (payment, capture on acceptance, release or refund,
-- payouts); this table holds what only an order has: its lines as priced when ordered, how it
-- is eaten, and the kitchen's progress after acceptance (`stage`).
CREATE TABLE orders (
    reservation_id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    guest_id UUID NOT NULL,
    mode TEXT NOT NULL,
    table_reservation_id UUID,
    table_code TEXT,
    lines JSONB NOT NULL,
    subtotal BIGINT NOT NULL,
    service BIGINT NOT NULL,
    taxes BIGINT NOT NULL,
    pay_at_table BOOLEAN NOT NULL,
    stage TEXT NOT NULL,
    history JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_listing ON orders (listing_id, created_at);
CREATE INDEX orders_guest ON orders (guest_id, created_at);

-- A restaurant's order settings (its owner's): service charge, paying at the table, the codes
-- of its tables for dine-in orders (none: any code is taken).
CREATE TABLE order_settings (
    listing_id UUID PRIMARY KEY,
    accepts_orders BOOLEAN NOT NULL,
    service_bps BIGINT NOT NULL,
    pay_at_table BOOLEAN NOT NULL,
    table_codes JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Staff of a listing: users its owner let in (through an invitation) to work its order queue.
CREATE TABLE listing_staff (
    listing_id UUID NOT NULL,
    user_id UUID NOT NULL,
    role TEXT NOT NULL,
    added_by UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (listing_id, user_id)
);
CREATE INDEX listing_staff_user ON listing_staff (user_id);

-- Invitations to join a listing's staff: the code is given once, only its digest is kept.
CREATE TABLE staff_invitations (
    code_hash TEXT NOT NULL PRIMARY KEY,
    listing_id UUID NOT NULL,
    role TEXT NOT NULL,
    created_by UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_by UUID,
    accepted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
