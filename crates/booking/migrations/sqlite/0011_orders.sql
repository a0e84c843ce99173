-- Menu orders. Each is also a reservation row (unit_key `order:<mode>`), which carries its
-- money through the reservation machinery (payment, capture on acceptance, release or refund,
-- payouts); this table holds what only an order has: its lines as priced when ordered, how it
-- is eaten, and the kitchen's progress after acceptance (`stage`).
CREATE TABLE orders (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    guest_id BLOB NOT NULL,
    mode TEXT NOT NULL,
    table_reservation_id BLOB,
    table_code TEXT,
    lines TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    service BIGINT NOT NULL,
    taxes BIGINT NOT NULL,
    pay_at_table BOOLEAN NOT NULL,
    stage TEXT NOT NULL,
    history TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_listing ON orders (listing_id, created_at);
CREATE INDEX orders_guest ON orders (guest_id, created_at);

-- A restaurant's order settings (its owner's): service charge, paying at the table, the codes
-- of its tables for dine-in orders (none: any code is taken).
CREATE TABLE order_settings (
    listing_id BLOB NOT NULL PRIMARY KEY,
    accepts_orders BOOLEAN NOT NULL,
    service_bps BIGINT NOT NULL,
    pay_at_table BOOLEAN NOT NULL,
    table_codes TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Staff of a listing: users its owner let in (through an invitation) to work its order queue.
CREATE TABLE listing_staff (
    listing_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    role TEXT NOT NULL,
    added_by BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (listing_id, user_id)
);
CREATE INDEX listing_staff_user ON listing_staff (user_id);

-- Invitations to join a listing's staff: the code is given once, only its digest is kept.
CREATE TABLE staff_invitations (
    code_hash TEXT NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    role TEXT NOT NULL,
    created_by BLOB NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_by BLOB,
    accepted_at TEXT,
    created_at TEXT NOT NULL
);
