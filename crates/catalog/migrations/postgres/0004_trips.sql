-- Scheduled trips of a transport listing, sold by the seat.
CREATE TABLE listing_trips (
    id UUID PRIMARY KEY,
    listing_id UUID NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    destination TEXT NOT NULL,
    departs_at TIMESTAMPTZ NOT NULL,
    arrives_at TIMESTAMPTZ NOT NULL,
    seats BIGINT NOT NULL,
    price_per_seat BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT listing_trips_departure_key UNIQUE (listing_id, origin, departs_at)
);
