-- Host rules of a stay beyond single nights: notice, turnover days, trip length, weekend and
-- seasonal prices, and the tax rate collected on bookings.
CREATE TABLE listing_rules (
    listing_id BLOB NOT NULL PRIMARY KEY,
    advance_notice_days BIGINT NOT NULL,
    preparation_days BIGINT NOT NULL,
    max_nights BIGINT,
    weekend_price BIGINT,
    tax_bps BIGINT NOT NULL,
    seasons TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every sale of a listing first bumps this counter: the row lock serialises the sales of one
-- listing (rules such as preparation days span several nights), never those of two listings.
ALTER TABLE listings ADD COLUMN sales BIGINT NOT NULL DEFAULT 0;

-- A night of a stay is sold at most once: the primary key is the guard.
CREATE TABLE reserved_nights (
    listing_id BLOB NOT NULL,
    night TEXT NOT NULL,
    reservation_id BLOB NOT NULL,
    PRIMARY KEY (listing_id, night)
);
CREATE INDEX reserved_nights_reservation ON reserved_nights (reservation_id);

-- Countable inventory: seats of a session or a trip, tables of a restaurant slot, a product's
-- stock. Sold with `UPDATE ... SET taken = taken + n WHERE taken + n <= capacity`.
CREATE TABLE capacity_units (
    listing_id BLOB NOT NULL,
    unit_key TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    taken BIGINT NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (listing_id, unit_key)
);

-- Activity sessions and transport trips, from the catalog's events.
CREATE TABLE departures (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    price BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX departures_listing ON departures (listing_id, starts_at);
