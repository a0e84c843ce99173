-- Sessions of an activity: when it starts, how many people it takes, at what price.
CREATE TABLE listing_sessions (
    id UUID PRIMARY KEY,
    listing_id UUID NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    starts_at TIMESTAMPTZ NOT NULL,
    capacity BIGINT NOT NULL,
    price_per_person BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT listing_sessions_start_key UNIQUE (listing_id, starts_at)
);
