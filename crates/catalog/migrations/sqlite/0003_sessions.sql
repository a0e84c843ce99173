-- Sessions of an activity: when it starts, how many people it takes, at what price.
CREATE TABLE listing_sessions (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    price_per_person BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT listing_sessions_start_key UNIQUE (listing_id, starts_at)
);
