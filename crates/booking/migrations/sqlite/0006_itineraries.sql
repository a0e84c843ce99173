-- Travellers' itineraries: a named plan with optional dates and an ordered list of items.
-- Only their owner sees them. Version 6; it does not depend on version 5.
CREATE TABLE itineraries (
    id BLOB NOT NULL PRIMARY KEY,
    owner_id BLOB NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    destination TEXT,
    start_date TEXT,
    end_date TEXT,
    is_public BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX itineraries_owner ON itineraries (owner_id, created_at);

-- One row per traveller who ever made an itinerary: creating one first upserts this row,
-- which serialises a traveller's creations (PostgreSQL row lock; SQLite has one writer), so
-- the count against the per-traveller limit that follows is exact.
CREATE TABLE itinerary_owners (
    owner_id BLOB NOT NULL PRIMARY KEY,
    touched_at TEXT NOT NULL
);

-- The items of an itinerary at dense positions 0..n-1. Moves renumber in two steps through
-- negative positions, so the UNIQUE constraint holds after every statement.
CREATE TABLE itinerary_items (
    id BLOB NOT NULL PRIMARY KEY,
    itinerary_id BLOB NOT NULL REFERENCES itineraries (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    location TEXT,
    starts_at TEXT,
    ends_at TEXT,
    timezone TEXT,
    booking_reference TEXT,
    reservation_id BLOB,
    data TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (itinerary_id, position)
);
