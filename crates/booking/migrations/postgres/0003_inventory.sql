-- Host rules of a stay beyond single nights: notice, turnover days, trip length, weekend and
-- seasonal prices, and the tax rate collected on bookings.
CREATE TABLE listing_rules (
    listing_id UUID PRIMARY KEY,
    advance_notice_days BIGINT NOT NULL,
    preparation_days BIGINT NOT NULL,
    max_nights BIGINT,
    weekend_price BIGINT,
    tax_bps BIGINT NOT NULL,
    seasons JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Every sale of a listing first bumps this counter: the row lock serialises the sales of one
-- listing (rules such as preparation days span several nights), never those of two listings.
ALTER TABLE listings ADD COLUMN sales BIGINT NOT NULL DEFAULT 0;

-- A night of a stay is sold at most once: the primary key is the guard.
CREATE TABLE reserved_nights (
    listing_id UUID NOT NULL,
    night DATE NOT NULL,
    reservation_id UUID NOT NULL,
    PRIMARY KEY (listing_id, night)
);
CREATE INDEX reserved_nights_reservation ON reserved_nights (reservation_id);

-- Countable inventory: seats of a session or a trip, tables of a restaurant slot, a product's
-- stock. Sold with `UPDATE ... SET taken = taken + n WHERE taken + n <= capacity`.
CREATE TABLE capacity_units (
    listing_id UUID NOT NULL,
    unit_key TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    taken BIGINT NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (listing_id, unit_key)
);

-- Activity sessions and transport trips, from the catalog's events.
CREATE TABLE departures (
    id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    kind TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ,
    price BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    data JSONB NOT NULL
);
CREATE INDEX departures_listing ON departures (listing_id, starts_at);
